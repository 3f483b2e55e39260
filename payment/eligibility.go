package payment

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Eligibility reason codes. Each names one programme rule; an
// *IneligibleError or a MethodEligibility carries one Reason per rule that
// refuses the payment. The codes are stable: callers branch on them and
// translate them, so a code never changes meaning once released.
const (
	// ReasonCardLimit: a card, Apple Pay or Google Pay payment is above
	// EligibilityRules.CardLimit.
	ReasonCardLimit = "card.limit"
	// ReasonWireCurrency: T/T does not accept the payment currency
	// (EligibilityRules.WireCurrencies).
	ReasonWireCurrency = "wire.currency"
	// ReasonWesternUnionCountry: Western Union is not offered to buyers in
	// the buyer's country (EligibilityRules.WesternUnionCountries).
	ReasonWesternUnionCountry = "western_union.country"
	// ReasonWesternUnionLimit: the payment is not below
	// EligibilityRules.WesternUnionLimit.
	ReasonWesternUnionLimit = "western_union.limit"
	// ReasonECheckCountry: e-Checking is not offered to buyers in the
	// buyer's country (EligibilityRules.ECheckCountries).
	ReasonECheckCountry = "echeck.country"
	// ReasonECheckCurrency: e-Checking does not accept the payment currency
	// (EligibilityRules.ECheckCurrencies).
	ReasonECheckCurrency = "echeck.currency"
	// ReasonPayLaterNoCreditLine: Pay Later needs an approved credit line
	// and the request has none.
	ReasonPayLaterNoCreditLine = "pay_later.no_credit_line"
	// ReasonPayLaterLineAboveMax: the buyer's credit line is larger than
	// the programme accepts (EligibilityRules.PayLaterMaxLine).
	ReasonPayLaterLineAboveMax = "pay_later.line_above_max"
	// ReasonPayLaterInsufficientCredit: the credit still available on the
	// line (limit minus used) is less than the payment.
	ReasonPayLaterInsufficientCredit = "pay_later.insufficient_credit"
	// ReasonPayLaterTerm: the line's repayment term is not one the programme
	// offers (EligibilityRules.PayLaterTermsDays).
	ReasonPayLaterTerm = "pay_later.term"
)

// EligibilityRules says which payment methods a buyer may use for a payment.
// It is configuration: every figure is a field, DefaultEligibilityRules gives
// the programme's published figures, and a caller changes them by editing
// the value. The zero EligibilityRules is valid but closes every method that
// has a list (an empty list accepts nothing): start from
// DefaultEligibilityRules.
//
// Limits are Money values. The zero Money (Money{}, with no currency, which
// is also what JSON null decodes to) means "no limit"; a zero amount in a
// currency, such as USD 0.00, is a real limit that refuses every payment of
// the methods it governs. A limit in one currency applied to a payment in
// another is compared after converting the payment side with the caller's
// Rates, exactly; see Check.
//
// Methods without a rule here (online bank transfer, PayPal, Alipay) have no
// programme restriction: every valid request for them is eligible. The
// processor or wallet provider may still decline a payment; that is its
// decision, reported through the payment record, not an eligibility result.
//
// An EligibilityRules is a value: Check and Evaluate only read it, so one
// value may be shared by any number of goroutines as long as nobody changes
// its slices meanwhile.
type EligibilityRules struct {
	// CardLimit is the largest single payment by card or card wallet (Card,
	// ApplePay, GooglePay): an amount above it is refused, an amount equal
	// to it is accepted. The zero Money means no limit.
	CardLimit Money `json:"card_limit"`

	// WireCurrencies are the currencies a T/T bank wire may be made in. T/T
	// has no amount limit. An empty list refuses every T/T payment.
	WireCurrencies []Currency `json:"wire_currencies"`

	// WesternUnionCountries are the buyer countries Western Union is offered
	// to. An empty list refuses every Western Union payment.
	WesternUnionCountries []Country `json:"western_union_countries"`
	// WesternUnionLimit is the exclusive upper bound of a Western Union
	// payment ("orders under USD 2,500"): an amount equal to it or above is
	// refused. The zero Money means no limit.
	WesternUnionLimit Money `json:"western_union_limit"`

	// ECheckCountries are the buyer countries e-Checking is offered to. An
	// empty list refuses every e-Checking payment.
	ECheckCountries []Country `json:"echeck_countries"`
	// ECheckCurrencies are the currencies an e-Checking payment may be made
	// in. An empty list refuses every e-Checking payment.
	ECheckCurrencies []Currency `json:"echeck_currencies"`

	// PayLaterMaxLine is the largest credit line the Pay Later programme
	// accepts: a buyer whose approved line is larger is refused (the line
	// is compared, not the payment). The zero Money means no maximum.
	PayLaterMaxLine Money `json:"pay_later_max_line"`
	// PayLaterTermsDays are the repayment terms, in days, the programme
	// offers; a line with another term is refused. An empty list refuses
	// every Pay Later payment.
	PayLaterTermsDays []int `json:"pay_later_terms_days"`
}

// DefaultEligibilityRules returns the programme's published rules, as fresh
// values (changing the slices of one result does not change another):
//
//   - cards and card wallets: at most USD 12,000.00 per transaction;
//   - T/T: USD, EUR, GBP, JPY, CNY, HKD, AUD, CAD, CHF, SGD, NZD, SEK, NOK
//     and DKK, with no amount limit; that is the ten currencies the
//     programme names plus the rest of the G10 and DKK, all freely
//     convertible and settled by the major correspondent banks;
//   - Western Union: buyers in the US, payments under USD 2,500.00;
//   - e-Checking: buyers in the US, payments in USD;
//   - Pay Later: credit lines up to USD 150,000.00, terms of 30, 60 or 90
//     days;
//   - online bank transfer, PayPal, Alipay: no restriction.
func DefaultEligibilityRules() EligibilityRules {
	return EligibilityRules{
		CardLimit:             MustParse("12000.00", USD),
		WireCurrencies:        []Currency{USD, EUR, GBP, JPY, CNY, HKD, AUD, CAD, CHF, SGD, "NZD", "SEK", "NOK", "DKK"},
		WesternUnionCountries: []Country{"US"},
		WesternUnionLimit:     MustParse("2500.00", USD),
		ECheckCountries:       []Country{"US"},
		ECheckCurrencies:      []Currency{USD},
		PayLaterMaxLine:       MustParse("150000.00", USD),
		PayLaterTermsDays:     []int{30, 60, 90},
	}
}

// Validate checks that the rules make sense: limits are not negative, every
// currency is an active ISO 4217 code, every country an assigned ISO 3166-1
// code, every term a positive number of days. It reports every problem at
// once; each wraps ErrInvalidRequest.
//
// Check and Evaluate call Validate themselves (it is a handful of map
// look-ups), so a broken configuration is an error, never a silent accept.
// Call it when loading configuration to fail early.
func (r EligibilityRules) Validate() error {
	var errs []error
	limit := func(name string, m Money) {
		if m == (Money{}) {
			return
		}
		if err := m.Currency().Validate(); err != nil {
			errs = append(errs, invalidf("eligibility rules: %s: %v", name, err))
			return
		}
		if m.IsNegative() {
			errs = append(errs, invalidf("eligibility rules: %s is negative (%s)", name, m))
		}
	}
	currencies := func(name string, cs []Currency) {
		for _, c := range cs {
			if !c.Valid() {
				errs = append(errs, invalidf("eligibility rules: %s: unknown currency %q", name, string(c)))
			}
		}
	}
	countries := func(name string, cs []Country) {
		for _, c := range cs {
			if !c.Valid() {
				errs = append(errs, invalidf("eligibility rules: %s: unknown country %q", name, string(c)))
			}
		}
	}
	limit("CardLimit", r.CardLimit)
	currencies("WireCurrencies", r.WireCurrencies)
	countries("WesternUnionCountries", r.WesternUnionCountries)
	limit("WesternUnionLimit", r.WesternUnionLimit)
	countries("ECheckCountries", r.ECheckCountries)
	currencies("ECheckCurrencies", r.ECheckCurrencies)
	limit("PayLaterMaxLine", r.PayLaterMaxLine)
	for _, d := range r.PayLaterTermsDays {
		if d <= 0 {
			errs = append(errs, invalidf("eligibility rules: PayLaterTermsDays: term of %d days is not positive", d))
		}
	}
	return errors.Join(errs...)
}

// CreditLine is a buyer's approved Pay Later credit line as the lender
// reports it. The SDK does not underwrite credit: it only checks that the
// line fits the programme and covers the payment.
type CreditLine struct {
	// Limit is the approved line: positive.
	Limit Money `json:"limit"`
	// Used is the part of the line already drawn, in Limit's currency; not
	// negative, and required (USD 0.00 when nothing is drawn) so that a
	// missing figure is never taken as an unused line. Used may exceed
	// Limit (interest or fees on an overdrawn line): nothing is then
	// available.
	Used Money `json:"used"`
	// TermDays is the repayment term of the line, in days: positive.
	TermDays int `json:"term_days"`
}

// EligibilityRequest is the payment whose method is checked.
type EligibilityRequest struct {
	// Instrument is the method (and card network) the buyer wants to pay
	// with; it must pass Instrument.Validate. Evaluate ignores it.
	Instrument Instrument
	// BuyerCountry is the buyer's country (ISO 3166-1 alpha-2); required.
	BuyerCountry Country
	// Amount is the payment (one tranche, not necessarily the whole order):
	// positive.
	Amount Money
	// At is when the payment is made: the time at which exchange rates are
	// asked for. Required; the SDK never reads the clock itself.
	At time.Time
	// Credit is the buyer's Pay Later credit line, or nil when the buyer has
	// none. Only Pay Later looks at it, but when present it must be valid.
	Credit *CreditLine
}

// validate checks everything of the request but the instrument.
func (req EligibilityRequest) validate() error {
	if err := req.BuyerCountry.Validate(); err != nil {
		return err
	}
	if !req.Amount.IsPositive() {
		return invalidf("payment amount %s is not positive", req.Amount)
	}
	if req.At.IsZero() {
		return invalidf("payment time is not set")
	}
	if c := req.Credit; c != nil {
		switch {
		case c.Limit == (Money{}):
			return invalidf("credit line has no limit")
		case !c.Limit.IsPositive():
			return invalidf("credit line limit %s is not positive", c.Limit)
		case c.Used == (Money{}):
			return invalidf("credit line has no used amount (use %s when nothing is drawn)", Money{currency: c.Limit.Currency()})
		case c.Used.Currency() != c.Limit.Currency():
			return invalidf("credit line used amount %s is not in the line's currency %s", c.Used, c.Limit.Currency())
		case c.Used.IsNegative():
			return invalidf("credit line used amount %s is negative", c.Used)
		case c.TermDays <= 0:
			return invalidf("credit line term of %d days is not positive", c.TermDays)
		}
	}
	return nil
}

// IneligibleError reports a payment method that may not be used for a
// payment, with every reason that applies (never none), in a fixed order.
type IneligibleError struct {
	Instrument Instrument
	Reasons    []Reason
	// Conversions lists the exchange rates the check used, if any.
	Conversions []Conversion
}

// Error returns "payment: method M not eligible: code: text; code: text".
func (e *IneligibleError) Error() string {
	method := string(e.Instrument.Method)
	if e.Instrument.Network != "" {
		method += "/" + string(e.Instrument.Network)
	}
	return WithReasons("payment: method "+method+" not eligible", e.Reasons)
}

// Unwrap returns ErrIneligible.
func (e *IneligibleError) Unwrap() error { return ErrIneligible }

// MethodEligibility is the result of Evaluate for one instrument.
type MethodEligibility struct {
	Instrument Instrument `json:"instrument"`
	Eligible   bool       `json:"eligible"`
	// Reasons lists every rule that refuses the instrument, in a fixed
	// order; nil when Eligible.
	Reasons []Reason `json:"reasons,omitempty"`
	// Conversions lists the exchange rates the check used, if any.
	Conversions []Conversion `json:"conversions,omitempty"`
}

// Check reports whether req.Instrument may be used for the payment req
// describes. It returns nil when it may; an *IneligibleError (which wraps
// ErrIneligible) with every reason that applies when it may not; and any
// other error when it cannot decide:
//
//   - an error wrapping ErrInvalidRequest when the rules fail Validate, the
//     instrument fails Instrument.Validate, the buyer country is unknown,
//     the amount is not positive, At is zero or the credit line is
//     malformed;
//   - an error wrapping ErrNoRate when a currency conversion is needed and
//     rates has no rate (or an unusable one: zero or negative). It also
//     wraps the error rates returned, such as a context error.
//
// Those errors are never *IneligibleError: a payment is refused only for a
// reason the rules give.
//
// Conversions. A limit stated in one currency is compared with an amount in
// another by converting the payment side into the limit's currency: the
// payment amount for the card, Western Union and available-credit checks,
// and the credit line's limit for the Pay Later maximum. The conversion is
// exact (amount × rate as a decimal, never rounded before the comparison),
// with rates.Rate(ctx, from, to, req.At); rates is asked only when the
// currencies differ (it may be nil if they never do), and at most once per
// currency pair in one call.
//
// Pay Later compares the payment with the credit still available, Limit −
// Used, in the line's currency: a payment in another currency is converted
// into it. The lender converts with its own rate when the line is drawn, so
// a payment very close to the available credit may still be declined by
// the lender; the check cannot know the lender's rate.
func (r EligibilityRules) Check(ctx context.Context, req EligibilityRequest, rates Rates) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if err := req.Instrument.Validate(); err != nil {
		return err
	}
	if err := req.validate(); err != nil {
		return err
	}
	conv := &converter{ctx: ctx, rates: rates, at: req.At}
	res, err := r.check(conv, req.Instrument, req)
	if err != nil {
		return err
	}
	if !res.Eligible {
		return &IneligibleError{Instrument: req.Instrument, Reasons: res.Reasons, Conversions: res.Conversions}
	}
	return nil
}

// Evaluate checks every instrument for the same payment (req.Instrument is
// ignored), for a screen that shows a buyer which methods it can use for an
// order. It returns one MethodEligibility per instrument, in the order
// given, refused ones included; none when no instrument is given.
//
// Evaluate fails as a whole, with the errors Check returns, only when the
// input is bad (an instrument, the rules or the request) or a rate is
// missing: it never returns a partial screen. One call asks rates at most
// once per currency pair, so every method is judged at the same rate.
func (r EligibilityRules) Evaluate(ctx context.Context, req EligibilityRequest, rates Rates, instruments ...Instrument) ([]MethodEligibility, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
	for _, in := range instruments {
		if err := in.Validate(); err != nil {
			return nil, err
		}
	}
	conv := &converter{ctx: ctx, rates: rates, at: req.At}
	out := make([]MethodEligibility, 0, len(instruments))
	for _, in := range instruments {
		res, err := r.check(conv, in, req)
		if err != nil {
			return nil, err
		}
		out = append(out, res)
	}
	return out, nil
}

// eligCheck collects the outcome of checking one instrument.
type eligCheck struct {
	conv        *converter
	reasons     []Reason
	conversions []Conversion
}

func (c *eligCheck) refuse(code, format string, args ...any) {
	c.reasons = append(c.reasons, Reason{Code: code, Text: fmt.Sprintf(format, args...)})
}

// in returns m's amount in currency to, exactly, and how to describe it: m
// itself, or "EUR 100.00 (USD 110.5 at 1.105 USD per EUR)".
func (c *eligCheck) in(m Money, to Currency) (decimal.Decimal, string, error) {
	d, cv, err := c.conv.convert(m, to)
	if err != nil || m.Currency() == to {
		return d, m.String(), err
	}
	if !slices.ContainsFunc(c.conversions, func(x Conversion) bool { return x.From == cv.From && x.To == cv.To }) {
		c.conversions = append(c.conversions, cv)
	}
	return d, fmt.Sprintf("%s (%s %s at %s %s per %s)", m, to, d.String(), cv.Rate.String(), to, m.Currency()), nil
}

// cmp compares m, converted into limit's currency when needed, with limit.
func (c *eligCheck) cmp(m, limit Money) (int, string, error) {
	d, desc, err := c.in(m, limit.Currency())
	if err != nil {
		return 0, "", err
	}
	return d.Cmp(limit.Amount()), desc, nil
}

// check applies the rules for in to req; req has been validated.
func (r EligibilityRules) check(conv *converter, in Instrument, req EligibilityRequest) (MethodEligibility, error) {
	c := &eligCheck{conv: conv}
	var err error
	switch in.Method {
	case Card, ApplePay, GooglePay:
		err = r.checkCard(c, req)
	case WireTransfer:
		if !slices.Contains(r.WireCurrencies, req.Amount.Currency()) {
			c.refuse(ReasonWireCurrency, "T/T does not accept %s; accepted currencies: %s",
				req.Amount.Currency(), eligJoin(r.WireCurrencies))
		}
	case WesternUnion:
		err = r.checkWesternUnion(c, req)
	case ECheck:
		if !slices.Contains(r.ECheckCountries, req.BuyerCountry) {
			c.refuse(ReasonECheckCountry, "e-Checking is offered only to buyers in %s; the buyer is in %s",
				eligJoin(r.ECheckCountries), req.BuyerCountry)
		}
		if !slices.Contains(r.ECheckCurrencies, req.Amount.Currency()) {
			c.refuse(ReasonECheckCurrency, "e-Checking accepts only %s; the payment is in %s",
				eligJoin(r.ECheckCurrencies), req.Amount.Currency())
		}
	case PayLater:
		err = r.checkPayLater(c, req)
	case OnlineBankTransfer, PayPal, Alipay:
		// No programme restriction.
	default:
		// A method added to Methods without a rule here is refused as bad
		// input rather than silently eligible.
		err = invalidf("eligibility rules do not cover payment method %q", string(in.Method))
	}
	if err != nil {
		return MethodEligibility{}, err
	}
	return MethodEligibility{
		Instrument:  in,
		Eligible:    len(c.reasons) == 0,
		Reasons:     c.reasons,
		Conversions: c.conversions,
	}, nil
}

func (r EligibilityRules) checkCard(c *eligCheck, req EligibilityRequest) error {
	if r.CardLimit == (Money{}) {
		return nil
	}
	n, desc, err := c.cmp(req.Amount, r.CardLimit)
	if err != nil {
		return err
	}
	if n > 0 {
		c.refuse(ReasonCardLimit, "the payment of %s is above the card limit of %s per transaction", desc, r.CardLimit)
	}
	return nil
}

func (r EligibilityRules) checkWesternUnion(c *eligCheck, req EligibilityRequest) error {
	if !slices.Contains(r.WesternUnionCountries, req.BuyerCountry) {
		c.refuse(ReasonWesternUnionCountry, "Western Union is offered only to buyers in %s; the buyer is in %s",
			eligJoin(r.WesternUnionCountries), req.BuyerCountry)
	}
	if r.WesternUnionLimit == (Money{}) {
		return nil
	}
	n, desc, err := c.cmp(req.Amount, r.WesternUnionLimit)
	if err != nil {
		return err
	}
	if n >= 0 {
		c.refuse(ReasonWesternUnionLimit, "Western Union takes payments under %s; the payment of %s is not", r.WesternUnionLimit, desc)
	}
	return nil
}

func (r EligibilityRules) checkPayLater(c *eligCheck, req EligibilityRequest) error {
	line := req.Credit
	if line == nil {
		c.refuse(ReasonPayLaterNoCreditLine, "Pay Later needs an approved credit line; the buyer has none")
		return nil
	}
	if r.PayLaterMaxLine != (Money{}) {
		n, desc, err := c.cmp(line.Limit, r.PayLaterMaxLine)
		if err != nil {
			return err
		}
		if n > 0 {
			c.refuse(ReasonPayLaterLineAboveMax, "the credit line of %s is above the programme's maximum of %s", desc, r.PayLaterMaxLine)
		}
	}
	available, err := line.Limit.Sub(line.Used) // same currency: validated
	if err != nil {
		return err
	}
	n, desc, err := c.cmp(req.Amount, available)
	if err != nil {
		return err
	}
	if n > 0 {
		c.refuse(ReasonPayLaterInsufficientCredit, "the payment of %s is above the credit available, %s (line %s, used %s)",
			desc, available, line.Limit, line.Used)
	}
	if !slices.Contains(r.PayLaterTermsDays, line.TermDays) {
		terms := make([]string, len(r.PayLaterTermsDays))
		for i, d := range r.PayLaterTermsDays {
			terms[i] = strconv.Itoa(d)
		}
		c.refuse(ReasonPayLaterTerm, "a repayment term of %d days is not offered; terms offered: %s days",
			line.TermDays, eligJoin(terms))
	}
	return nil
}

// eligJoin formats a list as "A, B, C", or "none".
func eligJoin[T ~string](xs []T) string {
	if len(xs) == 0 {
		return "none"
	}
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}
