package order

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/payment"
)

// Incoterm is an Incoterms 2020 rule: who pays for carriage and insurance
// and where the risk passes from the supplier to the buyer.
type Incoterm string

// The eleven Incoterms 2020 rules.
const (
	EXW Incoterm = "EXW" // ex works
	FCA Incoterm = "FCA" // free carrier
	FAS Incoterm = "FAS" // free alongside ship
	FOB Incoterm = "FOB" // free on board
	CFR Incoterm = "CFR" // cost and freight
	CIF Incoterm = "CIF" // cost, insurance and freight
	CPT Incoterm = "CPT" // carriage paid to
	CIP Incoterm = "CIP" // carriage and insurance paid to
	DAP Incoterm = "DAP" // delivered at place
	DPU Incoterm = "DPU" // delivered at place unloaded
	DDP Incoterm = "DDP" // delivered duty paid
)

// Incoterms returns every Incoterms 2020 rule, in the order of the ICC
// publication, as a fresh slice.
func Incoterms() []Incoterm {
	return []Incoterm{EXW, FCA, FAS, FOB, CFR, CIF, CPT, CIP, DAP, DPU, DDP}
}

// Valid reports whether i is one of the eleven Incoterms 2020 rules,
// spelled in upper case.
func (i Incoterm) Valid() bool { return slices.Contains(Incoterms(), i) }

// Spec is the product specification of a line item: what a
// not-as-described claim is judged against.
type Spec struct {
	Size            string `json:"size,omitempty"`
	QualityStandard string `json:"quality_standard,omitempty"`
	Packaging       string `json:"packaging,omitempty"`
	Customisation   string `json:"customisation,omitempty"`
	// DesignFiles are absolute URIs of the design files (drawings,
	// artwork) the goods are made to. The SDK stores the references only.
	DesignFiles []string `json:"design_files,omitempty"`
}

// LineItem is one product of an order: Quantity units of SKU at UnitPrice
// each, made to Spec.
type LineItem struct {
	SKU         string `json:"sku"`
	Description string `json:"description,omitempty"`
	Spec        Spec   `json:"spec"`
	// Quantity is a positive count of Unit ("pieces", "cartons", "kg").
	Quantity int64  `json:"quantity"`
	Unit     string `json:"unit"`
	// UnitPrice is positive and in the terms' currency.
	UnitPrice payment.Money `json:"unit_price"`
}

// Schedule is how an order is paid: in full at once, or as a deposit and
// then the balance. A deposit is either a percentage of the total
// (DepositPercent, 1 to 99) or a fixed amount below the total
// (DepositAmount), never both; with neither (DepositPercent 0 and the zero
// Money) the order is paid in full at once.
//
// Each payment may use its own instrument. The zero Instrument means the
// buyer chooses when paying. A full payment is the balance with no
// deposit: it uses BalanceInstrument, and DepositInstrument must then be
// left unset.
type Schedule struct {
	DepositPercent    int64              `json:"deposit_percent,omitempty"`
	DepositAmount     payment.Money      `json:"deposit_amount"`
	DepositInstrument payment.Instrument `json:"deposit_instrument"`
	BalanceInstrument payment.Instrument `json:"balance_instrument"`
}

// hasDeposit reports whether the schedule asks for a deposit.
func (s Schedule) hasDeposit() bool {
	return s.DepositPercent != 0 || s.DepositAmount != (payment.Money{})
}

// Terms are the contract terms of an order: what is made, for how much,
// shipped how and where, by when, and paid how. Totals are computed from
// them ([Terms.Subtotal], [Terms.Total], [Terms.Tranches]), never stored.
//
// Every amount is in Currency. Terms hold slices: copy them with
// [Terms.Clone] before handing them to another goroutine or aggregate.
type Terms struct {
	Items    []LineItem       `json:"items"`
	Currency payment.Currency `json:"currency"`
	Incoterm Incoterm         `json:"incoterm"`
	// ShippingCost is what the buyer pays for carriage on top of the
	// goods; zero (in Currency, not the zero Money) when the buyer arranges
	// carriage, as under EXW or FOB.
	ShippingCost payment.Money   `json:"shipping_cost"`
	Destination  payment.Country `json:"destination"`
	// Route describes the shipping route (ports, mode of transport); free
	// text, optional.
	Route string `json:"route,omitempty"`
	// ShipBy is the agreed shipment date: the goods ship at or before it,
	// or late-shipment compensation starts.
	ShipBy time.Time `json:"ship_by"`
	// DeliverBy is the agreed delivery date: the goods arrive at or before
	// it. It is not before ShipBy. A tracking estimate after it makes the
	// order late before the date passes ([Order.Late]); non-delivery
	// claims open the instant after it.
	DeliverBy time.Time `json:"deliver_by"`
	// ProductionDays is the production lead time in calendar days, zero
	// for goods in stock.
	ProductionDays     int           `json:"production_days"`
	InspectionRequired bool          `json:"inspection_required"`
	Plan               coverage.Plan `json:"plan"`
	Schedule           Schedule      `json:"schedule"`
	// Goods says whether the order sells wholesale or custom products,
	// and Shipping whether it ships with the platform's logistics service:
	// the supplier's service fee depends on them (payment.OrderFacts; the
	// default schedule charges none when Goods is unset). Both optional.
	Goods    payment.Goods    `json:"goods,omitempty"`
	Shipping payment.Shipping `json:"shipping,omitempty"`
}

// Clone returns a deep copy of t: no slice is shared.
func (t Terms) Clone() Terms {
	c := t
	c.Items = slices.Clone(t.Items)
	for i := range c.Items {
		c.Items[i].Spec.DesignFiles = slices.Clone(t.Items[i].Spec.DesignFiles)
	}
	return c
}

// MaxLineItems bounds the line items of an order's terms: far more than a
// purchase order lists, and small enough that validating, pricing and
// storing the terms stays quick.
const MaxLineItems = 10_000

// Validate checks every rule of the terms and reports every broken one at
// once: the result joins one *TermsError (wrapping ErrInvalidTerms) per
// problem, in field order, so errors.As finds the first and
// errors.Is(err, ErrInvalidTerms) holds. The rules:
//
//   - Currency is an active ISO 4217 currency;
//   - there is at least one item and at most MaxLineItems; each has a SKU, a positive Quantity, a
//     Unit, a positive UnitPrice in Currency, and design files that are
//     absolute URIs;
//   - Incoterm is one of the eleven rules;
//   - ShippingCost is in Currency and not negative;
//   - Destination is an ISO 3166-1 alpha-2 country;
//   - ShipBy and DeliverBy are set, DeliverBy not before ShipBy, and
//     ProductionDays is not negative;
//   - Plan is a coverage plan;
//   - Goods and Shipping, when set, are among payment's kinds of goods
//     and ways of shipping;
//   - the Schedule has DepositPercent 0 to 99, or a DepositAmount in
//     Currency above zero and below the total, not both; instruments that
//     are set are valid, and DepositInstrument is unset without a deposit;
//   - the total fits a Money.
func (t Terms) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &TermsError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	// text refuses a free text beyond payment.MaxTextLen.
	text := func(field, v string) {
		if err := payment.CheckText(field, v); err != nil {
			bad(field, "%v", err)
		}
	}
	// Amounts are checked against Currency only when it is valid: with an
	// unknown currency, that one problem is reported.
	moneyOK := t.Currency.Valid()
	currencyOK := moneyOK
	inCurrency := func(field string, m payment.Money) bool {
		if !currencyOK {
			return false
		}
		if m.Currency() != t.Currency {
			bad(field, "%s is not in the terms' currency %s", m, t.Currency)
			moneyOK = false
			return false
		}
		return true
	}
	if err := t.Currency.Validate(); err != nil {
		bad("Currency", "%v", err)
	}
	switch {
	case len(t.Items) == 0:
		bad("Items", "at least one line item is needed")
	case len(t.Items) > MaxLineItems:
		bad("Items", "%d line items; an order has at most %d", len(t.Items), MaxLineItems)
		return errors.Join(errs...) // not a million more errors
	}
	for i, it := range t.Items {
		// The field paths are built only for a problem: valid terms are
		// checked without allocating.
		f := func(name string) string { return "Items[" + strconv.Itoa(i) + "]." + name }
		itemText := func(name, v string) {
			if payment.CheckText(name, v) != nil {
				text(f(name), v)
			}
		}
		if it.SKU == "" {
			bad(f("SKU"), "empty")
		}
		if it.Quantity <= 0 {
			bad(f("Quantity"), "%d; it must be positive", it.Quantity)
		}
		if it.Unit == "" {
			bad(f("Unit"), "empty")
		}
		switch {
		case !currencyOK:
		case it.UnitPrice.Currency() != t.Currency:
			inCurrency(f("UnitPrice"), it.UnitPrice) // the mismatch
		case !it.UnitPrice.IsPositive():
			bad(f("UnitPrice"), "%s; it must be positive", it.UnitPrice)
		}
		for j, ref := range it.Spec.DesignFiles {
			file := func() string { return f("Spec.DesignFiles[" + strconv.Itoa(j) + "]") }
			if u, err := url.Parse(ref); err != nil || !u.IsAbs() {
				bad(file(), "%q is not an absolute URI", ref)
			}
			if payment.CheckText("a design file", ref) != nil {
				text(file(), ref)
			}
		}
		itemText("SKU", it.SKU)
		itemText("Description", it.Description)
		itemText("Unit", it.Unit)
		itemText("Spec.Size", it.Spec.Size)
		itemText("Spec.QualityStandard", it.Spec.QualityStandard)
		itemText("Spec.Packaging", it.Spec.Packaging)
		itemText("Spec.Customisation", it.Spec.Customisation)
	}
	text("Route", t.Route)
	if !t.Incoterm.Valid() {
		bad("Incoterm", "%q is not an Incoterms 2020 rule", string(t.Incoterm))
	}
	if inCurrency("ShippingCost", t.ShippingCost) && t.ShippingCost.IsNegative() {
		bad("ShippingCost", "%s; it must not be negative", t.ShippingCost)
	}
	if err := t.Destination.Validate(); err != nil {
		bad("Destination", "%v", err)
	}
	if t.ShipBy.IsZero() {
		bad("ShipBy", "the agreed shipment date is not set")
	}
	switch {
	case t.DeliverBy.IsZero():
		bad("DeliverBy", "the agreed delivery date is not set")
	case t.DeliverBy.Before(t.ShipBy):
		bad("DeliverBy", "%s is before the shipment date %s", t.DeliverBy.Format(time.RFC3339), t.ShipBy.Format(time.RFC3339))
	}
	if t.ProductionDays < 0 {
		bad("ProductionDays", "%d; it must not be negative", t.ProductionDays)
	}
	if !t.Plan.Valid() {
		bad("Plan", "%q is not a coverage plan", string(t.Plan))
	}
	if t.Goods != "" && !t.Goods.Valid() {
		bad("Goods", "%q is not a kind of goods (%s or %s)", string(t.Goods), payment.Wholesale, payment.Custom)
	}
	if t.Shipping != "" && !t.Shipping.Valid() {
		bad("Shipping", "%q is not a way of shipping (%s or %s)", string(t.Shipping), payment.PlatformLogistics, payment.OtherLogistics)
	}
	s := t.Schedule
	if s.DepositPercent < 0 || s.DepositPercent > 99 {
		bad("Schedule.DepositPercent", "%d; it must be 0 (one full payment) to 99", s.DepositPercent)
	}
	amountSet := s.DepositAmount != (payment.Money{})
	if amountSet {
		if s.DepositPercent != 0 {
			bad("Schedule.DepositAmount", "set together with DepositPercent; give one of them")
		}
		if inCurrency("Schedule.DepositAmount", s.DepositAmount) && !s.DepositAmount.IsPositive() {
			bad("Schedule.DepositAmount", "%s; it must be positive", s.DepositAmount)
		}
	}
	if !s.hasDeposit() && s.DepositInstrument != (payment.Instrument{}) {
		bad("Schedule.DepositInstrument", "set without a deposit; a full payment uses BalanceInstrument")
	}
	if s.DepositInstrument != (payment.Instrument{}) {
		if err := s.DepositInstrument.Validate(); err != nil {
			bad("Schedule.DepositInstrument", "%v", err)
		}
	}
	if s.BalanceInstrument != (payment.Instrument{}) {
		if err := s.BalanceInstrument.Validate(); err != nil {
			bad("Schedule.BalanceInstrument", "%v", err)
		}
	}
	if moneyOK {
		total, err := t.Total()
		switch {
		case err != nil:
			bad("Items", "the total cannot be computed: %v", err)
		case amountSet && s.DepositAmount.IsPositive() && s.DepositAmount.Minor() >= total.Minor():
			bad("Schedule.DepositAmount", "%s; it must be below the total %s", s.DepositAmount, total)
		}
	}
	return errors.Join(errs...)
}

// Subtotal returns Σ Quantity × UnitPrice over the items, exactly, in
// Currency. It does not validate the terms; it fails with the payment
// package's errors when Currency is unknown, an item's price is in another
// currency (*payment.CurrencyMismatchError) or the sum leaves Money's range
// (payment.ErrOutOfRange).
func (t Terms) Subtotal() (payment.Money, error) {
	sum, err := payment.FromMinor(0, t.Currency)
	if err != nil {
		return payment.Money{}, err
	}
	for _, it := range t.Items {
		// The product of an integer count and an exact amount is exact: the
		// rounding mode never applies.
		line, err := it.UnitPrice.Times(it.Quantity)
		if err != nil {
			return payment.Money{}, fmt.Errorf("order: %s × %d of %s: %w", it.UnitPrice, it.Quantity, it.SKU, err)
		}
		if sum, err = sum.Add(line); err != nil {
			return payment.Money{}, err
		}
	}
	return sum, nil
}

// Total returns Subtotal + ShippingCost, exactly, in Currency, with
// Subtotal's errors.
func (t Terms) Total() (payment.Money, error) {
	sub, err := t.Subtotal()
	if err != nil {
		return payment.Money{}, err
	}
	return sub.Add(t.ShippingCost)
}

// Due is one payment of an order's schedule.
type Due struct {
	Tranche payment.Tranche `json:"tranche"`
	Amount  payment.Money   `json:"amount"`
	// Instrument is the schedule's instrument for the tranche; the zero
	// Instrument means the buyer chooses when paying.
	Instrument payment.Instrument `json:"instrument"`
}

// Tranches returns the payments that pay the total: one payment.Full, or
// a payment.Deposit and a payment.Balance whose amounts add up to the total
// exactly. A percentage deposit is Total.Allocate(p, 100−p): the minor unit
// a split cannot share goes to the part with the larger remainder, and to
// the deposit on a tie. A fixed deposit is DepositAmount, and the balance
// the rest. Invalid terms are an error from Validate.
func (t Terms) Tranches() ([]Due, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	total, err := t.Total()
	if err != nil {
		return nil, err
	}
	s := t.Schedule
	var deposit, balance payment.Money
	switch {
	case s.DepositPercent > 0:
		parts, err := total.Allocate(s.DepositPercent, 100-s.DepositPercent)
		if err != nil {
			return nil, err
		}
		deposit, balance = parts[0], parts[1]
	case s.DepositAmount != (payment.Money{}):
		deposit = s.DepositAmount
		if balance, err = total.Sub(deposit); err != nil {
			return nil, err
		}
	default:
		return []Due{{Tranche: payment.Full, Amount: total, Instrument: s.BalanceInstrument}}, nil
	}
	return []Due{
		{Tranche: payment.Deposit, Amount: deposit, Instrument: s.DepositInstrument},
		{Tranche: payment.Balance, Amount: balance, Instrument: s.BalanceInstrument},
	}, nil
}

// equalTerms reports whether a and b are the same terms: equal fields,
// ShipBy the same instant, and nil and empty slices alike.
func equalTerms(a, b Terms) bool {
	return a.ShipBy.Equal(b.ShipBy) && a.DeliverBy.Equal(b.DeliverBy) &&
		slices.EqualFunc(a.Items, b.Items, equalItems) &&
		a.Currency == b.Currency && a.Incoterm == b.Incoterm && a.ShippingCost == b.ShippingCost &&
		a.Destination == b.Destination && a.Route == b.Route && a.ProductionDays == b.ProductionDays &&
		a.InspectionRequired == b.InspectionRequired && a.Plan == b.Plan && a.Schedule == b.Schedule &&
		a.Goods == b.Goods && a.Shipping == b.Shipping
}

// equalItems reports whether x and y are the same line item.
func equalItems(x, y LineItem) bool {
	xs, ys := x.Spec, y.Spec
	return x.SKU == y.SKU && x.Description == y.Description && x.Quantity == y.Quantity &&
		x.Unit == y.Unit && x.UnitPrice == y.UnitPrice &&
		xs.Size == ys.Size && xs.QualityStandard == ys.QualityStandard && xs.Packaging == ys.Packaging &&
		xs.Customisation == ys.Customisation && slices.Equal(xs.DesignFiles, ys.DesignFiles)
}
