package payment

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Bearer says who pays a fee.
type Bearer string

// Fee bearers.
const (
	BuyerBears    Bearer = "buyer"    // added to what the buyer pays
	SupplierBears Bearer = "supplier" // deducted from the supplier's payout
	SplitBears    Bearer = "split"    // shared; see FeeRule.BuyerSharePercent
)

// FeeKind says what a fee rule prices. A quote applies at most one rule of
// each kind: the method fee of the payment, and on top of it the supplier's
// service fee when a service fee rule applies.
type FeeKind uint8

// Fee kinds.
const (
	// MethodFee is the fee of the payment method (the zero value): a rule
	// of this kind names its Method, and every quote needs one.
	MethodFee FeeKind = iota
	// ServiceFee is the programme's service fee on the order, whatever
	// the method: a rule of this kind names no Method or Network and is
	// usually keyed by the order's Goods and Shipping and banded by the
	// order's value.
	ServiceFee
)

// String returns the kind's name: "method" or "service".
func (k FeeKind) String() string {
	switch k {
	case MethodFee:
		return "method"
	case ServiceFee:
		return "service"
	}
	return fmt.Sprintf("FeeKind(%d)", uint8(k))
}

// Valid reports whether k is one of the kinds.
func (k FeeKind) Valid() bool { return k <= ServiceFee }

// MarshalText encodes the kind as its name.
func (k FeeKind) MarshalText() ([]byte, error) { return marshalEnum(k.Valid(), k) }

// UnmarshalText decodes a kind name.
func (k *FeeKind) UnmarshalText(b []byte) error {
	return unmarshalEnum(k, b, "fee kind", MethodFee, ServiceFee)
}

// FeeDating says which date of a payment selects a fee rule: the rule
// applies when that instant is in its [From, Until).
type FeeDating uint8

// Fee datings.
const (
	// DatedByPayment selects the rule by when the payment is made,
	// FeeRequest.At (the zero value).
	DatedByPayment FeeDating = iota
	// DatedByPlacement selects the rule by when the order the payment is
	// for was placed, FeeRequest.Order.PlacedAt. When the request gives no
	// placement date, the payment's date stands in for it, and the quote
	// says so (its line is then DatedByPayment).
	DatedByPlacement
)

// String returns the dating's name: "payment" or "placement".
func (d FeeDating) String() string {
	switch d {
	case DatedByPayment:
		return "payment"
	case DatedByPlacement:
		return "placement"
	}
	return fmt.Sprintf("FeeDating(%d)", uint8(d))
}

// Valid reports whether d is one of the datings.
func (d FeeDating) Valid() bool { return d <= DatedByPlacement }

// MarshalText encodes the dating as its name.
func (d FeeDating) MarshalText() ([]byte, error) { return marshalEnum(d.Valid(), d) }

// UnmarshalText decodes a dating name.
func (d *FeeDating) UnmarshalText(b []byte) error {
	return unmarshalEnum(d, b, "fee dating", DatedByPayment, DatedByPlacement)
}

// BandBasis says which amount chooses the band of a banded fee rule. The
// fee itself is always computed on the payment amount.
type BandBasis uint8

// Band bases.
const (
	// BandByPayment chooses the band by the payment amount (the zero
	// value).
	BandByPayment BandBasis = iota
	// BandByOrder chooses the band by the value of the whole order the
	// payment is part of, FeeRequest.Order.Value: a deposit and a balance
	// fall in the same band.
	BandByOrder
)

// String returns the basis's name: "payment" or "order".
func (b BandBasis) String() string {
	switch b {
	case BandByPayment:
		return "payment"
	case BandByOrder:
		return "order"
	}
	return fmt.Sprintf("BandBasis(%d)", uint8(b))
}

// Valid reports whether b is one of the bases.
func (b BandBasis) Valid() bool { return b <= BandByOrder }

// MarshalText encodes the basis as its name.
func (b BandBasis) MarshalText() ([]byte, error) { return marshalEnum(b.Valid(), b) }

// UnmarshalText decodes a basis name.
func (b *BandBasis) UnmarshalText(text []byte) error {
	return unmarshalEnum(b, text, "band basis", BandByPayment, BandByOrder)
}

// marshalEnum encodes v's name, or fails when v is not valid.
func marshalEnum(valid bool, v fmt.Stringer) ([]byte, error) {
	if !valid {
		return nil, fmt.Errorf("payment: cannot encode %v", v)
	}
	return []byte(v.String()), nil
}

// unmarshalEnum sets *v to the value in [lo, hi] whose name is b.
func unmarshalEnum[T ~uint8, P interface {
	*T
	fmt.Stringer
}](v P, b []byte, what string, lo, hi T) error {
	for c := lo; c <= hi; c++ {
		if P(&c).String() == string(b) {
			*v = c
			return nil
		}
	}
	return invalidf("unknown %s %q", what, string(b))
}

// Goods is what kind of product an order sells, as the supplier's service
// fee tells them apart.
type Goods string

// Kinds of goods; the empty Goods is unknown.
const (
	Wholesale Goods = "wholesale" // ready-made products sold from stock or a catalogue
	Custom    Goods = "custom"    // products made or customised to the buyer's specification
)

// Valid reports whether g is one of the kinds of goods (the empty Goods is
// not).
func (g Goods) Valid() bool { return g == Wholesale || g == Custom }

// Shipping is how an order ships, as the supplier's service fee tells it
// apart.
type Shipping string

// Ways of shipping; the empty Shipping is unknown.
const (
	PlatformLogistics Shipping = "platform_logistics" // the platform's own logistics service
	OtherLogistics    Shipping = "other_logistics"    // any other carrier or forwarder
)

// Valid reports whether s is one of the ways of shipping (the empty
// Shipping is not).
func (s Shipping) Valid() bool { return s == PlatformLogistics || s == OtherLogistics }

// OrderFacts are what a fee may depend on about the order a payment is
// for. Every field is optional; the zero OrderFacts says nothing. A rule
// keyed by Goods or Shipping applies only when the facts name them, a rule
// banded by the order's value needs Value, and a rule dated by placement
// reads PlacedAt (the payment's date when it is unset).
type OrderFacts struct {
	// PlacedAt is when the order was placed; not after the payment.
	PlacedAt time.Time `json:"placed_at,omitzero"`
	// Value is the whole order's value, in the payment's currency and at
	// least the payment amount; the zero Money when unknown.
	Value    Money    `json:"value"`
	Goods    Goods    `json:"goods,omitempty"`
	Shipping Shipping `json:"shipping,omitempty"`
}

// validate returns what is wrong with f for a payment of amount, or nil.
func (f OrderFacts) validate(amount Money) error {
	switch {
	case f.Goods != "" && !f.Goods.Valid():
		return invalidf("unknown goods %q", string(f.Goods))
	case f.Shipping != "" && !f.Shipping.Valid():
		return invalidf("unknown shipping %q", string(f.Shipping))
	case f.Value.currency == "":
		return nil
	case f.Value.currency != amount.currency:
		return invalidf("the order's value %s is not in the payment's currency %s", f.Value, amount.currency)
	case f.Value.units < amount.units:
		return invalidf("the order's value %s is below the payment amount %s", f.Value, amount)
	}
	return nil
}

// FeeBand is one amount band of a banded fee: amounts up to and including
// UpTo pay Percent of the payment amount plus Fixed. The amount that
// chooses the band is the payment's, or the order's value for a rule
// banded by the order (FeeRule.BandedBy). The last band of a rule may
// leave UpTo unset (the zero Money, not USD 0.00) for "no upper bound".
type FeeBand struct {
	UpTo    Money           `json:"up_to"`
	Percent decimal.Decimal `json:"percent"` // a fraction: 0.0299 is 2.99%
	Fixed   Money           `json:"fixed"`
}

// FeeRule is one line of a fee schedule. A method fee rule (Kind
// MethodFee, the zero value) applies to payments by Method; a service fee
// rule (Kind ServiceFee) names no Method and applies to payments by any
// method, on top of their method fee. Either applies only when Network,
// Region, Currency, Goods and Shipping are empty or equal to the request's
// (the order facts' for Goods and Shipping), and when the date DatedBy
// names (the payment's by default, or the order's placement) is in
// [From, Until); a zero Until means open-ended. When several rules of a
// kind apply, the most specific wins (Network, then Goods, then Shipping,
// then Region, then Currency); two rules of the same kind and the same
// scope (Method, Network, Region, Currency, Goods, Shipping) make the
// schedule invalid when their periods overlap or when they are dated by
// different dates.
//
// The fee is Percent × payment amount + Fixed, or the same from the band
// the payment amount (or, BandedBy BandByOrder, the order's value) falls in
// when Bands is set; then raised to Min and lowered to Cap when they are
// set (Cap wins should a converted Min exceed it); then rounded once, to
// the payment currency's minor unit, with Rounding. Fixed, Min, Cap and
// band bounds may be in another currency than the payment: they are
// converted with the Rates at the payment time.
type FeeRule struct {
	ID       string      `json:"id"` // stable, unique in the schedule: quotes cite it
	Kind     FeeKind     `json:"kind,omitempty"`
	Method   Method      `json:"method,omitempty"` // required for a method fee, empty for a service fee
	Network  CardNetwork `json:"network,omitempty"`
	Region   Region      `json:"region,omitempty"`
	Currency Currency    `json:"currency,omitempty"`
	Goods    Goods       `json:"goods,omitempty"`
	Shipping Shipping    `json:"shipping,omitempty"`
	DatedBy  FeeDating   `json:"dated_by,omitempty"`
	From     time.Time   `json:"from"`
	Until    time.Time   `json:"until,omitempty"`

	Percent  decimal.Decimal `json:"percent"`
	Fixed    Money           `json:"fixed"`
	Bands    []FeeBand       `json:"bands,omitempty"`
	BandedBy BandBasis       `json:"banded_by,omitempty"`
	Min      Money           `json:"min"`
	Cap      Money           `json:"cap"`

	Rounding          RoundingMode `json:"rounding"`
	Bearer            Bearer       `json:"bearer"`
	BuyerSharePercent int64        `json:"buyer_share_percent,omitempty"` // 0..100, for SplitBears
	Note              string       `json:"note,omitempty"`                // why the rule is what it is
}

// FeeRequest is what a fee is quoted for.
type FeeRequest struct {
	Amount  Money       `json:"amount"`            // the payment amount, positive
	Method  Method      `json:"method"`            // how it is paid
	Network CardNetwork `json:"network,omitempty"` // the card network, for cards and card wallets
	Region  Region      `json:"region,omitempty"`  // the buyer's payment region
	At      time.Time   `json:"at"`                // when the payment is (or was) made: selects the rules in force
	// Order is what the fee may depend on about the order: its placement
	// date, value, goods and shipping. The zero OrderFacts is allowed:
	// then no rule keyed by goods or shipping applies.
	Order OrderFacts `json:"order,omitzero"`
}

// FeeLine is the fee of one rule in a quote: the method fee, or the
// service fee on top of it.
type FeeLine struct {
	Kind        FeeKind         `json:"kind"`
	RuleID      string          `json:"rule_id"`      // the rule that applied
	DatedBy     FeeDating       `json:"dated_by"`     // which date chose the rule
	Fee         Money           `json:"fee"`          // the line's fee, in the payment currency, rounded
	BuyerFee    Money           `json:"buyer_fee"`    // the buyer's part of Fee
	SupplierFee Money           `json:"supplier_fee"` // the supplier's part of Fee
	Band        int             `json:"band"`         // index of the band used, or -1
	Unrounded   decimal.Decimal `json:"unrounded"`    // the fee before rounding, after Min and Cap, in major units
	Rounding    RoundingMode    `json:"rounding"`     // how Unrounded became Fee
	RaisedToMin bool            `json:"raised_to_min,omitempty"`
	Capped      bool            `json:"capped,omitempty"`
}

// FeeQuote is a fee and how it was reached, so that it can be explained and
// audited. Fee, BuyerFee and SupplierFee are the totals of Lines: the
// method fee line first, then the service fee line when a service fee rule
// applied. RuleID, DatedBy, Band, Unrounded, Rounding, RaisedToMin and
// Capped repeat the method fee line's, for callers that read one rule.
// A quote recorded before lines existed has none; its one rule is the
// method fee.
type FeeQuote struct {
	Amount      Money           `json:"amount"`             // the payment amount quoted for
	At          time.Time       `json:"at,omitzero"`        // the payment's date quoted for
	Order       OrderFacts      `json:"order,omitzero"`     // the order facts quoted for
	Fee         Money           `json:"fee"`                // the total fee, in the payment currency, rounded line by line
	BuyerFee    Money           `json:"buyer_fee"`          // the buyer's part of Fee
	SupplierFee Money           `json:"supplier_fee"`       // the supplier's part of Fee: deducted from its release
	RuleID      string          `json:"rule_id"`            // the method fee's rule
	DatedBy     FeeDating       `json:"dated_by,omitempty"` // which date chose the method fee's rule
	Band        int             `json:"band"`               // index of the method fee's band used, or -1
	Unrounded   decimal.Decimal `json:"unrounded"`          // the method fee before rounding, after Min and Cap, in major units (41.25 for USD)
	Rounding    RoundingMode    `json:"rounding"`           // how the method fee's Unrounded became its fee
	RaisedToMin bool            `json:"raised_to_min,omitempty"`
	Capped      bool            `json:"capped,omitempty"`
	Lines       []FeeLine       `json:"lines,omitempty"`
	// Conversions lists the exchange rates used, if any, one per currency
	// for all the lines.
	Conversions []Conversion `json:"conversions,omitempty"`
}

// lines returns q's lines; a quote without any (recorded before lines
// existed) has one, its method fee, made of its top-level fields.
func (q *FeeQuote) lines() []FeeLine {
	if len(q.Lines) > 0 || q.RuleID == "" {
		return q.Lines
	}
	return []FeeLine{{
		Kind: MethodFee, RuleID: q.RuleID, DatedBy: q.DatedBy, Fee: q.Fee, BuyerFee: q.BuyerFee, SupplierFee: q.SupplierFee,
		Band: q.Band, Unrounded: q.Unrounded, Rounding: q.Rounding, RaisedToMin: q.RaisedToMin, Capped: q.Capped,
	}}
}

// Line returns the quote's line of kind k, and false when it has none.
func (q FeeQuote) Line(k FeeKind) (FeeLine, bool) {
	for _, l := range q.lines() {
		if l.Kind == k {
			return l, true
		}
	}
	return FeeLine{}, false
}
