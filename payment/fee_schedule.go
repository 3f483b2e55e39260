package payment

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// FeeSchedule is a validated, immutable set of fee rules: the data that says
// what a payment costs, by method, card network, region, currency and date.
// Build one with [NewFeeSchedule] (or start from [DefaultSchedule]) and ask
// it for a [FeeQuote] with [FeeSchedule.Quote].
//
// A FeeSchedule never changes after construction, so one value may be shared
// by any number of goroutines. A nil *FeeSchedule has no rules.
type FeeSchedule struct {
	rules []FeeRule
	// byKind are the indexes of rules by kind and method (a service fee
	// rule names none), in rules' order: a quote looks at the few rules of
	// its method, not at every rule.
	byKind map[feeKey][]int
}

// feeKey is what a rule must match before anything else: its kind and, for
// a method fee, its method.
type feeKey struct {
	kind   FeeKind
	method Method
}

// newFeeSchedule returns the schedule of rules, which NewFeeSchedule
// checked, with its index.
func newFeeSchedule(rules []FeeRule) *FeeSchedule {
	s := &FeeSchedule{rules: rules, byKind: map[feeKey][]int{}}
	for i, r := range rules {
		k := feeKey{r.Kind, r.Method}
		s.byKind[k] = append(s.byKind[k], i)
	}
	return s
}

// NewFeeSchedule checks rules and returns a schedule holding a copy of them.
// Rules may be given in any order; Rules returns them in that order.
//
// Every invalid rule is reported, with its first problem, as an error
// wrapping ErrInvalidSchedule that names the rule's ID (or its position when
// it has none) and the problem; several are joined with errors.Join. A rule
// is invalid when:
//
//   - its ID is empty or used by an earlier rule;
//   - its Kind, DatedBy or BandedBy is not one of the defined values;
//   - it is a method fee and its Method is unknown, or it names a Network
//     and the method has none (see [Method.HasNetwork]); or it is a service
//     fee and names a Method or a Network;
//   - its Region is set and not one of [Regions], its Currency is set and
//     not an active ISO 4217 currency, or its Goods or Shipping is set and
//     not one of the defined values;
//   - its Until is set and not after From;
//   - a Percent (of the rule or a band) is negative or not below 1 (100%);
//   - Fixed, Min or Cap (or a band's Fixed) is negative;
//   - Min is above Cap when both are in the same currency (in different
//     currencies Cap wins at quote time, see [FeeSchedule.Quote]);
//   - it is banded by the order's value and has no Bands;
//   - it has Bands and also a nonzero rule-level Percent or Fixed; a bounded
//     band's UpTo is not positive, not in the same currency as the other
//     bounded bands, or not above the previous band's; or an unbounded band
//     (UpTo unset: the zero Money, not USD 0.00) is not the last;
//   - its Rounding is not a defined [RoundingMode];
//   - its Bearer is not BuyerBears, SupplierBears or SplitBears;
//   - its BuyerSharePercent is outside 0..100, or nonzero when the Bearer is
//     not SplitBears;
//   - another rule has the same Kind, Method, Network, Region, Currency,
//     Goods and Shipping and a [From, Until) range that overlaps its own, or
//     is dated by another date (one by the payment, the other by the
//     order's placement: both could be in force for one payment), which
//     would leave the choice between them undecided.
//
// A schedule with no rules is valid; it quotes nothing.
func NewFeeSchedule(rules ...FeeRule) (*FeeSchedule, error) {
	var problems []error
	seen := make(map[string]bool, len(rules))
	for i := range rules {
		r := &rules[i]
		if r.ID != "" {
			if seen[r.ID] {
				problems = append(problems, ruleProblem(i, r.ID, "duplicate ID"))
			}
			seen[r.ID] = true
		}
		if msg := checkFeeRule(r); msg != "" {
			problems = append(problems, ruleProblem(i, r.ID, msg))
		}
	}
	for i := range rules {
		for j := i + 1; j < len(rules); j++ {
			a, b := &rules[i], &rules[j]
			if !sameScope(a, b) {
				continue
			}
			switch {
			case a.DatedBy != b.DatedBy:
				problems = append(problems, ruleProblem(j, b.ID, fmt.Sprintf(
					"dated by the %s while rule %q for the same kind, method, network, region, currency, goods and shipping is dated by the %s",
					b.DatedBy.describe(), a.ID, a.DatedBy.describe())))
			case startsBefore(a.From, b.Until) && startsBefore(b.From, a.Until):
				problems = append(problems, ruleProblem(j, b.ID, fmt.Sprintf(
					"in force at the same time as rule %q for the same kind, method, network, region, currency, goods and shipping", a.ID)))
			}
		}
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return newFeeSchedule(copyFeeRules(rules)), nil
}

// ruleProblem returns an error wrapping ErrInvalidSchedule about the rule at
// index i.
func ruleProblem(i int, id, msg string) error {
	if id == "" {
		return fmt.Errorf("%w: rule #%d: %s", ErrInvalidSchedule, i+1, msg)
	}
	return fmt.Errorf("%w: rule %q: %s", ErrInvalidSchedule, id, msg)
}

// sameScope reports whether a and b are of the same kind and keyed by the
// same method, network, region, currency, goods and shipping.
func sameScope(a, b *FeeRule) bool {
	return a.Kind == b.Kind && a.Method == b.Method && a.Network == b.Network && a.Region == b.Region &&
		a.Currency == b.Currency && a.Goods == b.Goods && a.Shipping == b.Shipping
}

// describe names the date d reads, for messages.
func (d FeeDating) describe() string {
	if d == DatedByPlacement {
		return "order's placement"
	}
	return "payment's date"
}

// startsBefore reports whether from is before until, a zero until being
// open-ended: whether a range starting at from begins before one ending at
// until ends.
func startsBefore(from, until time.Time) bool {
	return until.IsZero() || from.Before(until)
}

// checkFeeRule returns what is wrong with r on its own, or "".
func checkFeeRule(r *FeeRule) string {
	switch {
	case r.ID == "":
		return "empty ID"
	case !r.Kind.Valid():
		return fmt.Sprintf("unknown kind %s", r.Kind)
	case !r.DatedBy.Valid():
		return fmt.Sprintf("unknown dating %s", r.DatedBy)
	case !r.BandedBy.Valid():
		return fmt.Sprintf("unknown band basis %s", r.BandedBy)
	case r.Kind == ServiceFee && (r.Method != "" || r.Network != ""):
		return fmt.Sprintf("a service fee applies to every method, yet method %q network %q are set", string(r.Method), string(r.Network))
	case r.Kind == MethodFee && !r.Method.Valid():
		return fmt.Sprintf("unknown method %q", string(r.Method))
	case r.Network != "" && !r.Method.HasNetwork():
		return fmt.Sprintf("network %q set on method %s, which has no card network", string(r.Network), r.Method)
	case r.Region != "" && !validRegion(r.Region):
		return fmt.Sprintf("unknown region %q", string(r.Region))
	case r.Currency != "" && !r.Currency.Valid():
		return fmt.Sprintf("unknown currency %q", string(r.Currency))
	case r.Goods != "" && !r.Goods.Valid():
		return fmt.Sprintf("unknown goods %q", string(r.Goods))
	case r.Shipping != "" && !r.Shipping.Valid():
		return fmt.Sprintf("unknown shipping %q", string(r.Shipping))
	case r.BandedBy == BandByOrder && len(r.Bands) == 0:
		return "banded by the order's value, yet it has no bands"
	case !r.Until.IsZero() && !r.Until.After(r.From):
		return fmt.Sprintf("until %s is not after from %s", r.Until.Format(time.RFC3339), r.From.Format(time.RFC3339))
	case !r.Rounding.Valid():
		return fmt.Sprintf("unknown rounding mode %s", r.Rounding)
	}
	if msg := checkPercent("percent", r.Percent); msg != "" {
		return msg
	}
	for _, f := range []struct {
		name string
		m    Money
	}{{"fixed", r.Fixed}, {"min", r.Min}, {"cap", r.Cap}} {
		if f.m.IsNegative() {
			return fmt.Sprintf("negative %s %s", f.name, f.m)
		}
	}
	if r.Min.currency != "" && r.Min.currency == r.Cap.currency && r.Min.units > r.Cap.units {
		return fmt.Sprintf("min %s is above cap %s", r.Min, r.Cap)
	}
	if len(r.Bands) > 0 {
		if !r.Percent.IsZero() || !r.Fixed.IsZero() {
			return "bands together with a rule-level percent or fixed fee"
		}
		if msg := checkFeeBands(r.Bands); msg != "" {
			return msg
		}
	}
	switch r.Bearer {
	case BuyerBears, SupplierBears, SplitBears:
	default:
		return fmt.Sprintf("unknown bearer %q", string(r.Bearer))
	}
	if r.BuyerSharePercent < 0 || r.BuyerSharePercent > 100 {
		return fmt.Sprintf("buyer share %d%% outside 0..100", r.BuyerSharePercent)
	}
	if r.BuyerSharePercent != 0 && r.Bearer != SplitBears {
		return fmt.Sprintf("buyer share %d%% set with bearer %q; only a split has a share", r.BuyerSharePercent, string(r.Bearer))
	}
	return ""
}

// checkPercent returns what is wrong with a fee percentage, or "".
func checkPercent(name string, p decimal.Decimal) string {
	if p.IsNegative() {
		return fmt.Sprintf("negative %s %s", name, p)
	}
	if p.Cmp(decimal.New(1, 0)) >= 0 {
		return fmt.Sprintf("%s %s is not below 1 (100%%)", name, p)
	}
	return ""
}

// checkFeeBands returns what is wrong with a rule's bands, or "".
func checkFeeBands(bands []FeeBand) string {
	var prev Money
	for i, b := range bands {
		n := i + 1
		if msg := checkPercent(fmt.Sprintf("band %d percent", n), b.Percent); msg != "" {
			return msg
		}
		if b.Fixed.IsNegative() {
			return fmt.Sprintf("band %d: negative fixed %s", n, b.Fixed)
		}
		if b.UpTo.currency == "" { // unbounded
			if n != len(bands) {
				return fmt.Sprintf("band %d has no upper bound but is not the last band", n)
			}
			continue
		}
		switch {
		case !b.UpTo.IsPositive():
			return fmt.Sprintf("band %d: upper bound %s is not positive", n, b.UpTo)
		case prev.currency != "" && prev.currency != b.UpTo.currency:
			return fmt.Sprintf("band %d: upper bound %s is not in %s like the band before", n, b.UpTo, prev.currency)
		case prev.currency != "" && b.UpTo.units <= prev.units:
			return fmt.Sprintf("band %d: upper bound %s is not above the previous band's %s", n, b.UpTo, prev)
		}
		prev = b.UpTo
	}
	return ""
}

// validRegion reports whether r is one of Regions.
func validRegion(r Region) bool {
	switch r {
	case AsiaPacific, NorthAmerica, LatinAmerica, Europe, MiddleEastAfrica:
		return true
	}
	return false
}

// copyFeeRules returns a copy of rules that shares no Bands array with it.
func copyFeeRules(rules []FeeRule) []FeeRule {
	out := make([]FeeRule, len(rules))
	copy(out, rules)
	for i := range out {
		if out[i].Bands != nil {
			out[i].Bands = append([]FeeBand(nil), out[i].Bands...)
		}
	}
	return out
}

// Rules returns a copy of the schedule's rules, in the order they were given:
// changing it, or the Bands of its rules, does not change the schedule.
func (s *FeeSchedule) Rules() []FeeRule {
	if s == nil {
		return nil
	}
	return copyFeeRules(s.rules)
}

// Rule returns a copy of the rule with the given ID, and false when the
// schedule has none.
func (s *FeeSchedule) Rule(id string) (FeeRule, bool) {
	if i := s.ruleIndex(id); i >= 0 {
		r := s.rules[i]
		if r.Bands != nil {
			r.Bands = append([]FeeBand(nil), r.Bands...)
		}
		return r, true
	}
	return FeeRule{}, false
}

// ruleIndex returns the index of the rule with the given ID, or -1.
func (s *FeeSchedule) ruleIndex(id string) int {
	if s == nil {
		return -1
	}
	for i := range s.rules {
		if s.rules[i].ID == id {
			return i
		}
	}
	return -1
}

// Quote returns the fee for req under the rules of s that apply to it: the
// fee of the payment method, and on top of it the service fee when a
// service fee rule applies.
//
// Of each kind ([FeeKind]) the rule is the one (for a method fee, for
// req.Method) whose Network, Region, Currency (the payment currency), Goods
// and Shipping (req.Order's) are each empty or equal to the request's, and
// whose [From, Until) holds the date the rule is dated by: req.At, or for
// a rule dated by placement req.Order.PlacedAt. A request that gives no
// placement date is dated by req.At for every rule; its lines then say
// DatedByPayment, and Explain says that the placement date was missing.
// When several rules of a kind apply the most specific wins, comparing
// (Network set, Goods set, Shipping set, Region set, Currency set) in that
// order. A method fee rule must apply; a service fee rule need not, and
// when none does the quote has no service fee line. A request whose Order
// names no Goods (or no Shipping) gets nothing from the rules keyed by
// them.
//
// Each line's fee is computed exactly, in the payment currency's minor
// units: Percent × amount + Fixed (or those of the first band whose UpTo is
// at least the amount that chooses the band, or of an unbounded last band),
// raised to Min and then lowered to Cap when they are set (so Cap wins over
// a Min that converts above it), and rounded once with the rule's Rounding.
// The amount is always the payment's; the band is chosen by the payment
// amount, or by req.Order.Value for a rule banded by the order. So a
// service fee charged on a deposit and on the balance of one order adds up
// to the fee on the whole order, give or take each payment's rounding (a
// minor unit per payment), and a Min or Cap applies to each payment. A
// line's Unrounded is its fee in major units of the payment currency,
// after Min and Cap. Each line is divided between BuyerFee and SupplierFee
// by its rule's Bearer (a split with [Money.Allocate]), and the two always
// add up to its Fee; the quote's Fee, BuyerFee and SupplierFee are the
// sums of its lines'.
//
// Amounts of a rule in another currency than the payment (Fixed, Min, Cap,
// a band's UpTo or Fixed) are converted exactly with one rate per currency
// from rates, asked for the rate at req.At; each rate used is recorded once
// in the quote's Conversions. Nothing is converted when the currencies
// match, and rates may then be nil.
//
// Errors: ErrInvalidAmount when req.Amount is not positive; ErrInvalidRequest
// when the method is unknown, a network is missing or given where the method
// has none, the region is unknown, At is zero, req.Order is invalid
// (unknown goods or shipping, a value in another currency than the payment
// or below it, a placement after At), or a rule banded by the order applies
// and req.Order has no Value; ErrNoFeeRule when no method fee rule applies,
// or the amount is above every band of a rule without an unbounded band;
// ErrNoRate when a conversion is needed and rates is nil or has no rate
// (also when it fails otherwise: its error is wrapped too); ErrOutOfRange
// when a fee does not fit a Money.
func (s *FeeSchedule) Quote(ctx context.Context, req FeeRequest, rates Rates) (FeeQuote, error) {
	minor, err := checkFeeRequest(&req)
	if err != nil {
		return FeeQuote{}, err
	}
	i := s.match(&req, MethodFee)
	if i < 0 {
		return FeeQuote{}, noFeeRule(&req, "")
	}
	c := feeConverter{converter: converter{ctx: ctx, rates: rates, at: req.At}, to: req.Amount.currency}
	m, err := s.quoteLine(&c, &req, i, minor)
	if err != nil {
		return FeeQuote{}, err
	}
	q := FeeQuote{
		Amount: req.Amount, At: req.At, Order: req.Order, Fee: m.Fee, BuyerFee: m.BuyerFee, SupplierFee: m.SupplierFee,
		RuleID: m.RuleID, DatedBy: m.DatedBy, Band: m.Band, Unrounded: m.Unrounded, Rounding: m.Rounding,
		RaisedToMin: m.RaisedToMin, Capped: m.Capped,
	}
	if j := s.match(&req, ServiceFee); j >= 0 {
		sv, err := s.quoteLine(&c, &req, j, minor)
		if err != nil {
			return FeeQuote{}, err
		}
		for _, t := range []struct{ total, part *Money }{{&q.Fee, &sv.Fee}, {&q.BuyerFee, &sv.BuyerFee}, {&q.SupplierFee, &sv.SupplierFee}} {
			if *t.total, err = t.total.Add(*t.part); err != nil {
				return FeeQuote{}, err
			}
		}
		q.Lines = []FeeLine{m, sv}
	} else {
		q.Lines = []FeeLine{m}
	}
	q.Conversions = c.used
	return q, nil
}

// quoteLine computes the fee of rule i of s for req, as Quote documents it.
func (s *FeeSchedule) quoteLine(c *feeConverter, req *FeeRequest, i, minor int) (FeeLine, error) {
	rule := &s.rules[i]
	c.rule = rule.ID
	cur := req.Amount.currency
	l := FeeLine{Kind: rule.Kind, RuleID: rule.ID, DatedBy: req.datedBy(rule), Band: -1, Rounding: rule.Rounding}
	pct, fixed := rule.Percent, rule.Fixed
	if len(rule.Bands) > 0 {
		basis := req.Amount
		if rule.BandedBy == BandByOrder {
			if req.Order.Value.currency == "" {
				return FeeLine{}, invalidf("fee rule %q is banded by the order's value, and the request gives none", rule.ID)
			}
			basis = req.Order.Value
		}
		band, err := c.band(rule.Bands, basis)
		if err != nil {
			return FeeLine{}, err
		}
		if band < 0 {
			return FeeLine{}, noFeeRule(req, fmt.Sprintf("; rule %q has no band for the %s %s", rule.ID, rule.BandedBy, basis))
		}
		l.Band = band
		pct, fixed = rule.Bands[band].Percent, rule.Bands[band].Fixed
	}

	terms := feeTerms{units: req.Amount.units, pct: pct, fixed: fixed, min: rule.Min, cap: rule.Cap}
	fee, raised, capped, ok := terms.int64(cur)
	if !ok {
		var err error
		if fee, raised, capped, err = terms.decimal(c); err != nil {
			return FeeLine{}, err
		}
	}
	l.RaisedToMin, l.Capped = raised, capped
	total, err := fromScaled(rule.Rounding.round(fee), cur)
	if err != nil {
		return FeeLine{}, err
	}
	l.Fee = total
	l.Unrounded = fee.Shift(-int32(minor))

	none := Money{currency: cur}
	switch rule.Bearer {
	case BuyerBears:
		l.BuyerFee, l.SupplierFee = total, none
	case SupplierBears:
		l.BuyerFee, l.SupplierFee = none, total
	default: // SplitBears: NewFeeSchedule admits nothing else
		parts, err := total.Allocate(rule.BuyerSharePercent, 100-rule.BuyerSharePercent)
		if err != nil {
			return FeeLine{}, err
		}
		l.BuyerFee, l.SupplierFee = parts[0], parts[1]
	}
	return l, nil
}

// datedBy returns the date of req that selects r: the order's placement
// for a rule dated by it when req gives one, otherwise the payment's.
func (req *FeeRequest) datedBy(r *FeeRule) FeeDating {
	if r.DatedBy == DatedByPlacement && !req.Order.PlacedAt.IsZero() {
		return DatedByPlacement
	}
	return DatedByPayment
}

// feeTerms is what a fee is computed from: the payment amount in minor
// units, the rule's (or band's) percentage and fixed fee, and the rule's
// minimum and cap. An unset Money (no currency) is absent.
type feeTerms struct {
	units           int64
	pct             decimal.Decimal
	fixed, min, cap Money
}

// decimal computes the fee in minor units of the payment currency, exactly:
// pct × units + fixed, raised to min, lowered to cap, converting fixed, min
// and cap with c when they are in another currency. It is the reference
// computation; int64 is a shortcut to the same value.
func (t *feeTerms) decimal(c *feeConverter) (fee decimal.Decimal, raised, capped bool, err error) {
	if !t.pct.IsZero() {
		fee = decimal.New(t.units, 0).Mul(t.pct)
	}
	if !t.fixed.IsZero() {
		f, err := c.minor(t.fixed)
		if err != nil {
			return decimal.Decimal{}, false, false, err
		}
		fee = fee.Add(f)
	}
	if t.min.currency != "" {
		m, err := c.minor(t.min)
		if err != nil {
			return decimal.Decimal{}, false, false, err
		}
		if fee.Cmp(m) < 0 {
			fee, raised = m, true
		}
	}
	if t.cap.currency != "" {
		m, err := c.minor(t.cap)
		if err != nil {
			return decimal.Decimal{}, false, false, err
		}
		if fee.Cmp(m) > 0 {
			fee, capped = m, true
		}
	}
	return fee, raised, capped, nil
}

// int64 computes the same value as decimal in 64-bit integers, counting in
// 10^-k minor units where k is the number of decimals of pct, and builds a
// single decimal from the result. ok is false, and the caller must use
// decimal, when fixed, min or cap is in another currency than cur or a value
// does not fit an int64.
func (t *feeTerms) int64(cur Currency) (fee decimal.Decimal, raised, capped, ok bool) {
	for _, m := range [...]Money{t.fixed, t.min, t.cap} {
		if m.currency != "" && m.currency != cur && m.units != 0 {
			return decimal.Decimal{}, false, false, false
		}
	}
	var coef uint64
	k := int32(0)
	if !t.pct.IsZero() {
		k = -t.pct.Exponent()
		if k < 0 || k > 18 || t.pct.NumDigits() > 18 {
			return decimal.Decimal{}, false, false, false
		}
		coef = uint64(t.pct.CoefficientInt64()) // pct is positive: NewFeeSchedule checked it
	}
	scale := uint64(1)
	for range k {
		scale *= 10
	}
	// scaled returns m in 10^-k minor units, and false when it overflows.
	scaled := func(units int64, by uint64) (uint64, bool) {
		hi, lo := bits.Mul64(uint64(units), by)
		return lo, hi == 0 && lo <= math.MaxInt64
	}
	v, fits := scaled(t.units, coef)
	if !fits {
		return decimal.Decimal{}, false, false, false
	}
	if t.fixed.units != 0 {
		f, fits := scaled(t.fixed.units, scale)
		if v += f; !fits || v > math.MaxInt64 { // both below 2^63: the sum cannot wrap
			return decimal.Decimal{}, false, false, false
		}
	}
	if t.min.currency != "" {
		m, fits := scaled(t.min.units, scale)
		if !fits {
			return decimal.Decimal{}, false, false, false
		}
		if v < m {
			v, raised = m, true
		}
	}
	if t.cap.currency != "" {
		m, fits := scaled(t.cap.units, scale)
		if !fits {
			return decimal.Decimal{}, false, false, false
		}
		if v > m {
			v, capped = m, true
		}
	}
	if v%scale == 0 { // a whole number of minor units: nothing for rounding to do
		return decimal.New(int64(v/scale), 0), raised, capped, true
	}
	return decimal.New(int64(v), -k), raised, capped, true
}

// checkFeeRequest returns the minor units of the payment currency, or what
// is wrong with the request.
func checkFeeRequest(req *FeeRequest) (int, error) {
	minor := req.Amount.currency.MinorUnits() // -1 when unknown
	switch {
	case !req.Amount.IsPositive() || minor < 0:
		return 0, fmt.Errorf("%w: a fee is quoted for a positive amount, not %s", ErrInvalidAmount, req.Amount)
	case !req.Method.Valid():
		return 0, invalidf("unknown payment method %q", string(req.Method))
	case req.Method.HasNetwork() && req.Network == "":
		return 0, invalidf("%s payment needs a card network", req.Method)
	case !req.Method.HasNetwork() && req.Network != "":
		return 0, invalidf("%s payment has no card network", req.Method)
	case req.Region != "" && !validRegion(req.Region):
		return 0, invalidf("unknown region %q", string(req.Region))
	case req.At.IsZero():
		return 0, invalidf("fee request has no time")
	case req.Order.PlacedAt.After(req.At):
		return 0, invalidf("the order was placed at %s, after the payment at %s",
			req.Order.PlacedAt.Format(time.RFC3339), req.At.Format(time.RFC3339))
	}
	if err := req.Order.validate(req.Amount); err != nil {
		return 0, err
	}
	return minor, nil
}

// match returns the index of the most specific rule of kind k that applies
// to req, or -1. It neither allocates nor computes.
func (s *FeeSchedule) match(req *FeeRequest, k FeeKind) int {
	if s == nil {
		return -1
	}
	key := feeKey{kind: k}
	if k == MethodFee { // a service fee rule names no method
		key.method = req.Method
	}
	best, bestScore := -1, -1
	for _, i := range s.byKind[key] {
		r := &s.rules[i]
		score, ok := 0, true
		if r.Network != "" {
			ok, score = r.Network == req.Network, score+16
		}
		if r.Goods != "" {
			ok, score = ok && r.Goods == req.Order.Goods, score+8
		}
		if r.Shipping != "" {
			ok, score = ok && r.Shipping == req.Order.Shipping, score+4
		}
		if r.Region != "" {
			ok, score = ok && r.Region == req.Region, score+2
		}
		if r.Currency != "" {
			ok, score = ok && r.Currency == req.Amount.currency, score+1
		}
		if !ok {
			continue
		}
		at := req.At
		if req.datedBy(r) == DatedByPlacement {
			at = req.Order.PlacedAt
		}
		if at.Before(r.From) || (!r.Until.IsZero() && !at.Before(r.Until)) {
			continue
		}
		if score > bestScore { // equal scores cannot both apply: NewFeeSchedule refuses overlaps
			best, bestScore = i, score
		}
	}
	return best
}

// noFeeRule returns an error wrapping ErrNoFeeRule that names the request.
func noFeeRule(req *FeeRequest, detail string) error {
	network, region := string(req.Network), string(req.Region)
	if network == "" {
		network = "any"
	}
	if region == "" {
		region = "none"
	}
	placed := ""
	if !req.Order.PlacedAt.IsZero() {
		placed = ", order placed " + req.Order.PlacedAt.Format(time.RFC3339)
	}
	return fmt.Errorf("%w: %s payment, network %s, region %s, currency %s, at %s%s%s",
		ErrNoFeeRule, req.Method, network, region, req.Amount.currency, req.At.Format(time.RFC3339), placed, detail)
}

// feeConverter brings the amounts of a rule into the payment currency.
type feeConverter struct {
	converter
	to   Currency
	rule string
}

// minor returns m in minor units of the payment currency, exactly.
func (c *feeConverter) minor(m Money) (decimal.Decimal, error) {
	if m.units == 0 {
		return decimal.Decimal{}, nil
	}
	d, _, err := c.convert(m, c.to)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("payment: fee rule %q: %w", c.rule, err)
	}
	return d.Shift(int32(c.to.MinorUnits())), nil
}

// band returns the index of the band amount falls in, or -1 when it is above
// every bounded band and there is no unbounded one.
func (c *feeConverter) band(bands []FeeBand, amount Money) (int, error) {
	var amountMinor decimal.Decimal // built only when a bound needs converting
	built := false
	for i, b := range bands {
		switch {
		case b.UpTo.currency == "":
			return i, nil
		case b.UpTo.currency == amount.currency:
			if amount.units <= b.UpTo.units {
				return i, nil
			}
		default:
			bound, err := c.minor(b.UpTo)
			if err != nil {
				return -1, err
			}
			if !built {
				amountMinor, built = decimal.New(amount.units, 0), true
			}
			if amountMinor.Cmp(bound) <= 0 {
				return i, nil
			}
		}
	}
	return -1, nil
}

// Explain describes q in one line for a support agent or an auditor, for
// example:
//
//	USD 2000.00 by card/mastercard in APAC: rule card-mastercard-apac-2024 2.95% = 59.00, capped at USD 40.00, half-even → USD 40.00 (buyer pays)
//
// A quote with a service fee explains both lines and their total:
//
//	USD 1000.00 by card, order placed 2026-03-01T00:00:00Z: rule card-2018-06-04 2.95% = 29.50, half-even → USD 29.50 (buyer pays);
//	service fee on custom goods, order placed 2026-03-01T00:00:00Z: rule service-custom-2024 band 1 (order USD 3000.00, up to USD 5000.00): 2% = 20.00, half-even → USD 20.00 (supplier pays);
//	total USD 49.50 (buyer pays USD 29.50, supplier pays USD 20.00)
//
// (one line, broken here). It reads the rules q cites from s to show each
// rule's scope, dating and terms, and recomputes each fee before Min and
// Cap from the quote's amount and Conversions; it does no I/O and the same
// quote always gives the same line. The method, network, region, goods and
// shipping shown are the rules' (a generic card rule shows "by card"), as
// a FeeQuote does not record the request's method. A rule dated by
// placement shows the placement date that chose it, or says that the
// request had none and the payment's date chose it. When s has no rule
// with a line's RuleID, the line says so and shows what the quote holds.
func (s *FeeSchedule) Explain(q FeeQuote) string {
	lines := q.lines()
	if len(lines) == 0 {
		return "no fee quote"
	}
	var b strings.Builder
	b.WriteString(q.Amount.String())
	for n, l := range lines {
		if n > 0 {
			b.WriteString(";")
		}
		if l.Kind == ServiceFee {
			b.WriteString(" service fee")
		}
		i := s.ruleIndex(l.RuleID)
		if i < 0 {
			fmt.Fprintf(&b, ": rule %s (not in this schedule)", l.RuleID)
			if l.Band >= 0 {
				fmt.Fprintf(&b, " band %d", l.Band+1)
			}
			fmt.Fprintf(&b, " = %s", formatMajor(l.Unrounded, q.Amount.currency))
			if l.RaisedToMin {
				b.WriteString(", raised to the minimum")
			}
			if l.Capped {
				b.WriteString(", capped")
			}
			fmt.Fprintf(&b, ", %s → %s (%s)", l.Rounding, l.Fee, explainBearer("", l.BuyerFee, l.SupplierFee))
			continue
		}
		r := &s.rules[i]
		explainRule(&b, r, l, q)
		fmt.Fprintf(&b, ", %s → %s (%s)", l.Rounding, l.Fee, explainBearer(r.Bearer, l.BuyerFee, l.SupplierFee))
	}
	if len(lines) > 1 {
		fmt.Fprintf(&b, "; total %s (%s)", q.Fee, explainBearer("", q.BuyerFee, q.SupplierFee))
	}
	return b.String()
}

// explainRule writes the rule's scope, dating, terms and limits for Explain.
func explainRule(b *strings.Builder, r *FeeRule, l FeeLine, q FeeQuote) {
	cur := q.Amount.currency
	if r.Method != "" {
		b.WriteString(" by ")
		b.WriteString(string(r.Method))
	}
	if r.Network != "" {
		b.WriteString("/" + string(r.Network))
	}
	switch r.Goods {
	case Wholesale:
		b.WriteString(" on wholesale goods")
	case Custom:
		b.WriteString(" on custom goods")
	}
	switch r.Shipping {
	case PlatformLogistics:
		b.WriteString(" shipped by the platform's logistics")
	case OtherLogistics:
		b.WriteString(" shipped by other logistics")
	}
	if r.Region != "" {
		b.WriteString(" in " + string(r.Region))
	}
	if r.Currency != "" {
		b.WriteString(" paid in " + string(r.Currency))
	}
	if r.DatedBy == DatedByPlacement {
		switch {
		case l.DatedBy == DatedByPlacement:
			b.WriteString(", order placed " + q.Order.PlacedAt.UTC().Format(time.RFC3339))
		case q.At.IsZero():
			b.WriteString(", no placement date: dated by the payment")
		default:
			b.WriteString(", no placement date: dated by the payment at " + q.At.UTC().Format(time.RFC3339))
		}
	}
	b.WriteString(": rule " + r.ID + " ")

	pct, fixed := r.Percent, r.Fixed
	if l.Band >= 0 && l.Band < len(r.Bands) {
		band := r.Bands[l.Band]
		pct, fixed = band.Percent, band.Fixed
		order := ""
		if r.BandedBy == BandByOrder {
			order = "order " + q.Order.Value.String() + ", "
		}
		if band.UpTo.currency == "" {
			fmt.Fprintf(b, "band %d (%sno upper bound): ", l.Band+1, order)
		} else {
			fmt.Fprintf(b, "band %d (%sup to %s): ", l.Band+1, order, explainMoney(band.UpTo, q))
		}
	}
	var terms []string
	if !pct.IsZero() {
		terms = append(terms, pct.Shift(2).String()+"%")
	}
	if !fixed.IsZero() {
		terms = append(terms, explainMoney(fixed, q))
	}
	if len(terms) == 0 {
		terms = append(terms, "0%")
	}
	b.WriteString(strings.Join(terms, " + "))

	// The fee before Min and Cap, recomputed as Quote computed it.
	base, ok := pct.Mul(q.Amount.Amount()), true
	if !fixed.IsZero() {
		var f decimal.Decimal
		if f, ok = explainConvert(fixed, q); ok {
			base = base.Add(f)
		}
	}
	if ok {
		b.WriteString(" = " + formatMajor(base, cur))
	} else {
		b.WriteString(" = ?")
	}
	if l.RaisedToMin {
		b.WriteString(", raised to the minimum " + explainMoney(r.Min, q))
	}
	if l.Capped {
		b.WriteString(", capped at " + explainMoney(r.Cap, q))
	}
}

// explainConvert returns m in major units of q's payment currency, with the
// rate q recorded, and false when q recorded none.
func explainConvert(m Money, q FeeQuote) (decimal.Decimal, bool) {
	if m.currency == q.Amount.currency || m.units == 0 {
		return m.Amount(), true
	}
	for _, c := range q.Conversions {
		if c.From == m.currency {
			return m.Amount().Mul(c.Rate), true
		}
	}
	return decimal.Decimal{}, false
}

// explainMoney formats an amount of a rule, adding its value in the payment
// currency and the rate when it is in another currency: "USD 40.00 (× 0.9 =
// EUR 36.00)".
func explainMoney(m Money, q FeeQuote) string {
	if m.currency == q.Amount.currency || m.units == 0 {
		return m.String()
	}
	for _, c := range q.Conversions {
		if c.From == m.currency {
			return fmt.Sprintf("%s (× %s = %s %s)", m, c.Rate, q.Amount.currency,
				formatMajor(m.Amount().Mul(c.Rate), q.Amount.currency))
		}
	}
	return m.String() + " (no rate recorded)"
}

// formatMajor formats d with at least c's decimals: 59 → "59.00",
// 29.500295 → "29.500295".
func formatMajor(d decimal.Decimal, c Currency) string {
	places := int32(c.MinorUnits())
	if places < 0 {
		return d.String()
	}
	if d.Exponent() >= -places || d.Equal(d.Truncate(places)) {
		return d.StringFixed(places)
	}
	return d.String()
}

// explainBearer says who pays a fee of buyer's and supplier's parts under
// bearer, or, when bearer is empty, as the parts show.
func explainBearer(bearer Bearer, buyer, supplier Money) string {
	switch {
	case bearer == BuyerBears || bearer == "" && supplier.IsZero():
		return "buyer pays"
	case bearer == SupplierBears || bearer == "" && buyer.IsZero():
		return "supplier pays"
	}
	return fmt.Sprintf("buyer pays %s, supplier pays %s", buyer, supplier)
}
