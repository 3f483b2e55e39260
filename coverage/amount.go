package coverage

import (
	"fmt"
	"time"

	"github.com/tradeassure/tradeassure/payment"
)

// Payment is money the buyer paid into the order's escrow account, net of
// refunds: a payment refunded in part counts for what is left, one refunded
// in full for zero.
type Payment struct {
	// Tranche is the part of the order the payment pays for: payment.Full,
	// payment.Deposit or payment.Balance. The pre-shipment plan protects
	// the initial payment (the deposit, or the full payment of an order
	// paid at once), never the balance.
	Tranche payment.Tranche `json:"tranche"`
	// Amount is the net amount held, in the order's currency; not negative.
	Amount payment.Money `json:"amount"`
	// PaidAt is when the money arrived in escrow; required.
	PaidAt time.Time `json:"paid_at"`
}

// InspectionResult is the outcome of a third-party inspection of the goods
// before shipment.
type InspectionResult string

// Inspection results.
const (
	// NotInspected: the buyer required no inspection, or it has not
	// reported. It is the zero value.
	NotInspected InspectionResult = ""
	// InspectionPassed: the goods passed the inspection.
	InspectionPassed InspectionResult = "passed"
	// InspectionFailed: the goods failed the inspection; the report names
	// the defects found.
	InspectionFailed InspectionResult = "failed"
)

// Valid reports whether r is one of the defined results.
func (r InspectionResult) Valid() bool {
	return r == NotInspected || r == InspectionPassed || r == InspectionFailed
}

// Inspection is the outcome of the pre-shipment inspection and what the
// buyer did about it.
type Inspection struct {
	// Result is the inspection's outcome.
	Result InspectionResult `json:"result,omitempty"`
	// Defects are the ids of the defects the inspection report named, in
	// the vocabulary Claim.Defects uses. Only a failed inspection names
	// defects; ids are non-empty and distinct.
	Defects []string `json:"defects,omitempty"`
	// BuyerAccepted reports that the buyer accepted the goods despite the
	// failed inspection, so they shipped; Rules.AfterFailedInspection then
	// decides the claims about the goods. It may be set only when Result
	// is InspectionFailed.
	BuyerAccepted bool `json:"buyer_accepted,omitempty"`
}

// Order is what the coverage rules need to know about an order: facts the
// order package records and passes in. Coverage keeps no state of its own;
// every function reads an Order and returns a decision.
//
// Instants are compared as instants, whatever their location. The fields a
// function does not read may be left zero: Covered and Quote read the
// plan, value, deposit and payments; Check adds ShipBy (for late-shipment
// claims), DeliverBy (non-delivery claims), DeliveredAt, Inspection and
// LateCompensationPaid; LateCompensation reads the value, payments, ShipBy,
// ShippedAt and LateCompensationPaid. Validate checks what is set.
type Order struct {
	// ID identifies the order; required. It names the order in reasons and
	// errors and makes the late-compensation key.
	ID string `json:"id"`
	// Plan is the coverage plan the order is under.
	Plan Plan `json:"plan"`
	// Value is the order total, frozen once paid; positive. Its currency is
	// the order's: every other amount must be in it.
	Value payment.Money `json:"value"`
	// Deposit is the initial payment the order's schedule asks for when it
	// is paid as a deposit and a balance; the zero Money when the order is
	// paid at once (its initial payment is then its whole value). When set
	// it is positive, in the order's currency and below Value.
	Deposit payment.Money `json:"deposit,omitzero"`
	// Payments is what the buyer has paid into escrow, net of refunds, in
	// any order. Together they are at most Value.
	Payments []Payment `json:"payments,omitempty"`
	// ShipBy is the agreed shipment date: the last instant at which the
	// goods ship on time (Schedule.ShipBy computes it from the contract's
	// lead times). The supplier is late from the instant after it.
	ShipBy time.Time `json:"ship_by,omitzero"`
	// DeliverBy is the delivery deadline: the last instant at which the
	// goods are delivered on time (Schedule.DeliverBy). Not before ShipBy.
	DeliverBy time.Time `json:"deliver_by,omitzero"`
	// ShippedAt is when the goods shipped; zero while they have not.
	ShippedAt time.Time `json:"shipped_at,omitzero"`
	// DeliveredAt is when the goods were delivered; zero while they have
	// not. Only shipped goods are delivered, not before they shipped.
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
	// Inspection is the pre-shipment inspection, if any.
	Inspection Inspection `json:"inspection,omitzero"`
	// LateCompensationPaid reports that late-shipment compensation was paid
	// for this order; it is paid once per order.
	LateCompensationPaid bool `json:"late_compensation_paid,omitempty"`
}

// Validate checks that the facts are complete and consistent: an ID, a
// known plan, a positive value, payments in the order's currency that are
// not negative, have a time and add up to at most the value, delivery only
// after shipment, a delivery deadline not before the shipment date, and an
// inspection whose defects and acceptance go with a failed result. A
// payment in another currency is a *payment.CurrencyMismatchError; every
// other problem wraps ErrInvalidFacts. Every function of the package calls
// it first.
func (o Order) Validate() error {
	if o.ID == "" {
		return factsf("order has no ID")
	}
	if !o.Plan.Valid() {
		return factsf("order %s: unknown plan %q", o.ID, string(o.Plan))
	}
	if o.Value == (payment.Money{}) {
		return factsf("order %s has no value", o.ID)
	}
	if !o.Value.IsPositive() {
		return factsf("order %s: value %s is not positive", o.ID, o.Value)
	}
	if o.Deposit != (payment.Money{}) {
		if o.Deposit.Currency() != o.Value.Currency() {
			return fmt.Errorf("coverage: order %s: deposit: %w", o.ID,
				&payment.CurrencyMismatchError{Want: o.Value.Currency(), Got: o.Deposit.Currency()})
		}
		if !o.Deposit.IsPositive() || o.Deposit.Minor() >= o.Value.Minor() {
			return factsf("order %s: deposit %s must be positive and below the order value of %s", o.ID, o.Deposit, o.Value)
		}
	}
	total := o.zero()
	for i, p := range o.Payments {
		if !p.Tranche.Valid() {
			return factsf("order %s: payment %d: unknown tranche %q", o.ID, i, string(p.Tranche))
		}
		if p.Amount.Currency() != o.Value.Currency() {
			return fmt.Errorf("coverage: order %s: payment %d: %w", o.ID, i,
				&payment.CurrencyMismatchError{Want: o.Value.Currency(), Got: p.Amount.Currency()})
		}
		if p.Amount.IsNegative() {
			return factsf("order %s: payment %d: amount %s is negative", o.ID, i, p.Amount)
		}
		if p.PaidAt.IsZero() {
			return factsf("order %s: payment %d has no time", o.ID, i)
		}
		var err error
		if total, err = total.Add(p.Amount); err != nil {
			return fmt.Errorf("%w: order %s: payments: %w", ErrInvalidFacts, o.ID, err)
		}
	}
	if total.Minor() > o.Value.Minor() {
		return factsf("order %s: payments of %s exceed the order value of %s", o.ID, total, o.Value)
	}
	if !o.DeliveredAt.IsZero() {
		if o.ShippedAt.IsZero() {
			return factsf("order %s: delivered but never shipped", o.ID)
		}
		if o.DeliveredAt.Before(o.ShippedAt) {
			return factsf("order %s: delivered at %s, before it shipped at %s", o.ID, stamp(o.DeliveredAt), stamp(o.ShippedAt))
		}
	}
	if !o.ShipBy.IsZero() && !o.DeliverBy.IsZero() && o.DeliverBy.Before(o.ShipBy) {
		return factsf("order %s: delivery deadline %s is before the shipment date %s", o.ID, stamp(o.DeliverBy), stamp(o.ShipBy))
	}
	in := o.Inspection
	if !in.Result.Valid() {
		return factsf("order %s: unknown inspection result %q", o.ID, string(in.Result))
	}
	if in.Result != InspectionFailed {
		if len(in.Defects) > 0 {
			return factsf("order %s: the inspection names defects but did not fail", o.ID)
		}
		if in.BuyerAccepted {
			return factsf("order %s: the buyer accepted the goods despite an inspection that did not fail", o.ID)
		}
	}
	if err := ValidateDefects(in.Defects); err != nil {
		return factsf("order %s: inspection defects: %v", o.ID, err)
	}
	return nil
}

// currency returns the order's currency.
func (o Order) currency() payment.Currency { return o.Value.Currency() }

// zero returns zero in the order's currency.
func (o Order) zero() payment.Money {
	z, _ := payment.FromMinor(0, o.currency()) // cannot fail: zero units, and Validate checks the currency first
	return z
}

// paid returns the total of the payments; o is valid, so it cannot
// overflow.
func (o Order) paid() payment.Money {
	total := o.zero()
	for _, p := range o.Payments {
		total, _ = total.Add(p.Amount)
	}
	return total
}

// protects reports whether the plan protects a payment of tranche t: the
// post-delivery plan protects every payment, the pre-shipment plan the
// initial one (the deposit, or the full payment) and never the balance.
func (o Order) protects(t payment.Tranche) bool {
	return o.Plan == PostDelivery || t != payment.Balance
}

// protected returns what the plan protects of the payments made, and what
// it does not (the balance, under the pre-shipment plan).
func (o Order) protected() (protected, outside payment.Money) {
	protected, outside = o.zero(), o.zero()
	for _, p := range o.Payments {
		if o.protects(p.Tranche) {
			protected, _ = protected.Add(p.Amount)
		} else {
			outside, _ = outside.Add(p.Amount)
		}
	}
	return protected, outside
}

// Protects returns what the order's plan protects once every tranche is
// paid: the whole value under the post-delivery plan; under the
// pre-shipment plan, the initial payment (Deposit, or the whole value of
// an order paid at once). It is what the supplier's limit is reserved for:
// the programme never covers more. The order must be valid (Validate).
func (o Order) Protects() payment.Money {
	if o.Plan == PreShipment && o.Deposit != (payment.Money{}) {
		return o.Deposit
	}
	return o.Value
}

// Coverage is how much of what the buyer paid into an order's escrow the
// programme covers.
//
// Covered + Uncovered == Paid exactly; Covered never exceeds Protected,
// which never exceeds Paid; Covered never exceeds the supplier's available
// limit.
type Coverage struct {
	// Plan is the order's plan.
	Plan Plan `json:"plan"`
	// Paid is what the buyer paid into escrow, net of refunds.
	Paid payment.Money `json:"paid"`
	// Protected is the part of Paid the plan protects: all of it under the
	// post-delivery plan; under the pre-shipment plan, the initial payment
	// (the deposit, or the full payment), never the balance.
	Protected payment.Money `json:"protected"`
	// Covered is the part of Protected the programme covers: Protected, or
	// the supplier's available Trade Assurance limit when that is less.
	Covered payment.Money `json:"covered"`
	// Uncovered is Paid − Covered: what the plan does not protect and what
	// is above the limit.
	Uncovered payment.Money `json:"uncovered"`
	// Reasons explains why Covered is less than Paid, in a fixed order
	// (ReasonBalanceNotProtected, ReasonLimitExceeded); nil when everything
	// paid is covered.
	Reasons []payment.Reason `json:"reasons,omitempty"`
}

// Covered returns how much of what the buyer paid into the order is
// covered, given available, the part of the supplier's Trade Assurance
// limit that this order may use: the supplier's remaining limit plus
// whatever this order has already reserved. The caller (the supplier
// package's limit, through the order package) reserves Covered and gives it
// back when the order completes or is refunded; Covered itself reserves
// nothing.
//
// available must be in the order's currency, or the error is a
// *payment.CurrencyMismatchError (convert a limit kept in another currency
// first, with a rate you choose and record); a negative available wraps
// ErrInvalidFacts, as does an order that fails Validate. Rules that fail
// Validate are an ErrInvalidRules error.
func (r Rules) Covered(o Order, available payment.Money) (Coverage, error) {
	if err := r.checkInputs(o, available); err != nil {
		return Coverage{}, err
	}
	protected, outside := o.protected()
	return coverageOf(o, protected, outside, available)
}

// coverageOf builds the Coverage of the order whose plan protects
// protected of what was paid and not outside, and the supplier's limit for
// the order is available. All are in the order's currency.
func coverageOf(o Order, protected, outside, available payment.Money) (Coverage, error) {
	paid, err := protected.Add(outside)
	if err != nil {
		return Coverage{}, err
	}
	c := Coverage{Plan: o.Plan, Paid: paid, Protected: protected, Covered: protected}
	var rs reasons
	if outside.IsPositive() {
		rs.add(ReasonBalanceNotProtected, "the balance of %s is not protected: the pre-shipment plan protects only the initial payment", outside)
	}
	if protected.Minor() > available.Minor() {
		c.Covered = available
		rs.add(ReasonLimitExceeded, "the supplier's available Trade Assurance limit of %s is less than the %s the plan protects",
			available, protected)
	}
	if c.Uncovered, err = c.Paid.Sub(c.Covered); err != nil {
		return Coverage{}, err
	}
	c.Reasons = rs
	return c, nil
}

// checkInputs validates the rules, the order and the available limit.
func (r Rules) checkInputs(o Order, available payment.Money) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	if available.Currency() != o.currency() {
		return fmt.Errorf("coverage: order %s: available limit: %w", o.ID,
			&payment.CurrencyMismatchError{Want: o.currency(), Got: available.Currency()})
	}
	if available.IsNegative() {
		return factsf("order %s: available limit %s is negative", o.ID, available)
	}
	return nil
}

// Quote answers, before a payment, how much of it will be covered and how
// much of the whole order will be: the buyer sees it before paying, so an
// order above the supplier's limit, or a balance the plan does not
// protect, is never a surprise.
type Quote struct {
	// Amount is the payment quoted.
	Amount payment.Money `json:"amount"`
	// Covered is the part of Amount that will be covered: what the payment
	// adds to the order's covered amount.
	Covered payment.Money `json:"covered"`
	// Uncovered is Amount − Covered.
	Uncovered payment.Money `json:"uncovered"`
	// Reasons explains why part of the payment will not be covered
	// (ReasonBalanceNotProtected, ReasonLimitExceeded); nil when it all
	// will.
	Reasons []payment.Reason `json:"reasons,omitempty"`
	// Order is the coverage of the order once the payment is made: what
	// Covered will return then.
	Order Coverage `json:"order"`
	// Whole is the coverage of the whole order once every tranche is paid,
	// against the same available limit: before the deposit, the buyer
	// learns how much of the order will be covered and how much not, with
	// the reasons.
	Whole Coverage `json:"whole"`
}

// Quote returns how much of a payment of amount for tranche, about to be
// made for the order, will be covered, the order's coverage once it is
// made, and the whole order's once every tranche is. available is the
// limit available to the order, as for Covered.
//
// Quote the first payment with no payments in o, or a later tranche (the
// balance) with the payments made so far.
//
// tranche must be valid; amount must be positive, in the order's currency,
// and fit in the order value with the payments already made; otherwise
// the error wraps ErrInvalidFacts (or is a *payment.CurrencyMismatchError).
// The other errors are Covered's.
func (r Rules) Quote(o Order, tranche payment.Tranche, amount, available payment.Money) (Quote, error) {
	if err := r.checkInputs(o, available); err != nil {
		return Quote{}, err
	}
	if !tranche.Valid() {
		return Quote{}, factsf("order %s: payment to quote: unknown tranche %q", o.ID, string(tranche))
	}
	if amount.Currency() != o.currency() {
		return Quote{}, fmt.Errorf("coverage: order %s: payment to quote: %w", o.ID,
			&payment.CurrencyMismatchError{Want: o.currency(), Got: amount.Currency()})
	}
	if !amount.IsPositive() {
		return Quote{}, factsf("order %s: payment to quote %s is not positive", o.ID, amount)
	}
	paid := o.paid()
	if amount.Minor() > o.Value.Minor()-paid.Minor() {
		return Quote{}, factsf("order %s: a payment of %s with the %s paid exceeds the order value of %s", o.ID, amount, paid, o.Value)
	}
	protected, outside := o.protected()
	before, err := coverageOf(o, protected, outside, available)
	if err != nil {
		return Quote{}, err
	}
	counts := o.protects(tranche)
	if counts {
		protected, err = protected.Add(amount)
	} else {
		outside, err = outside.Add(amount)
	}
	if err != nil {
		return Quote{}, err
	}
	q := Quote{Amount: amount}
	if q.Order, err = coverageOf(o, protected, outside, available); err != nil {
		return Quote{}, err
	}
	whole := o.Protects()
	rest, err := o.Value.Sub(whole)
	if err != nil {
		return Quote{}, err
	}
	if q.Whole, err = coverageOf(o, whole, rest, available); err != nil {
		return Quote{}, err
	}
	if q.Covered, err = q.Order.Covered.Sub(before.Covered); err != nil {
		return Quote{}, err
	}
	if q.Uncovered, err = amount.Sub(q.Covered); err != nil {
		return Quote{}, err
	}
	var rs reasons
	switch {
	case !counts:
		rs.add(ReasonBalanceNotProtected, "the pre-shipment plan protects only the initial payment, not the %s", tranche)
	case q.Uncovered.IsPositive() && before.Covered.IsPositive():
		rs.add(ReasonLimitExceeded, "%s of the payment is above the supplier's available Trade Assurance limit of %s, of which %s already covers earlier payments",
			q.Uncovered, available, before.Covered)
	case q.Uncovered.IsPositive():
		rs.add(ReasonLimitExceeded, "%s of the payment is above the supplier's available Trade Assurance limit of %s",
			q.Uncovered, available)
	}
	q.Reasons = rs
	return q, nil
}

// ValidateDefects checks that defect ids are non-empty and distinct, in
// one pass (a search of the earlier ids for each took hours for a
// million).
func ValidateDefects(ids []string) error {
	seen := make(map[string]struct{}, len(ids))
	for i, id := range ids {
		if id == "" {
			return fmt.Errorf("defect %d has an empty id", i)
		}
		if _, ok := seen[id]; ok {
			return fmt.Errorf("defect %q is listed twice", id)
		}
		seen[id] = struct{}{}
	}
	return nil
}

// stamp formats an instant for reasons and errors.
func stamp(t time.Time) string { return t.Format(time.RFC3339) }
