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
	// payment.Deposit or payment.Balance. It is informational: what the
	// pre-shipment plan protects is decided by PaidAt, not by the tranche.
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
// plan, value, payments and ShippedAt; Check adds ShipBy (for late-shipment
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

// protected returns what the plan protects and, for the pre-shipment plan,
// what it does not because it was paid after shipment. A payment made at
// the very instant of shipment counts as made before it.
func (o Order) protected() (protected, after payment.Money) {
	protected, after = o.zero(), o.zero()
	for _, p := range o.Payments {
		if o.Plan == PreShipment && !o.ShippedAt.IsZero() && p.PaidAt.After(o.ShippedAt) {
			after, _ = after.Add(p.Amount)
			continue
		}
		protected, _ = protected.Add(p.Amount)
	}
	return protected, after
}

// Coverage is how much of what the buyer paid into an order's escrow the
// programme covers.
//
// Covered + Uncovered == Paid exactly; Covered never exceeds Paid nor the
// supplier's available limit.
type Coverage struct {
	// Plan is the order's plan.
	Plan Plan `json:"plan"`
	// Paid is what the plan protects: for PreShipment, the payments made
	// before the goods shipped (all of them while they have not); for
	// PostDelivery, every payment. Net of refunds.
	Paid payment.Money `json:"paid"`
	// Covered is the part of Paid the programme covers: Paid, or the
	// supplier's available Trade Assurance limit when that is less.
	Covered payment.Money `json:"covered"`
	// Uncovered is Paid − Covered: the part above the limit.
	Uncovered payment.Money `json:"uncovered"`
	// Reasons explains why Covered is less than what the buyer paid, in a
	// fixed order (ReasonPaidAfterShipment, ReasonLimitExceeded); nil when
	// everything paid is covered.
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
	protected, after := o.protected()
	return coverageOf(o, protected, after, available)
}

// coverageOf builds the Coverage of the order whose plan protects
// protected, after was paid after shipment and not protected, and the
// supplier's limit for the order is available. All are in the order's
// currency.
func coverageOf(o Order, protected, after, available payment.Money) (Coverage, error) {
	c := Coverage{Plan: o.Plan, Paid: protected, Covered: protected}
	var rs reasons
	if after.IsPositive() {
		rs.add(ReasonPaidAfterShipment, "%s was paid after the goods shipped at %s; the pre-shipment plan protects only what was paid before",
			after, stamp(o.ShippedAt))
	}
	if protected.Minor() > available.Minor() {
		c.Covered = available
		rs.add(ReasonLimitExceeded, "the supplier's available Trade Assurance limit of %s is less than the %s the plan protects",
			available, protected)
	}
	var err error
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

// Quote answers, before a payment, how much of it will be covered: the
// buyer sees it before paying, so an order above the supplier's limit is
// never a surprise.
type Quote struct {
	// Amount is the payment quoted.
	Amount payment.Money `json:"amount"`
	// Covered is the part of Amount that will be covered: what the payment
	// adds to the order's covered amount.
	Covered payment.Money `json:"covered"`
	// Uncovered is Amount − Covered.
	Uncovered payment.Money `json:"uncovered"`
	// Reasons explains why part of the payment will not be covered
	// (ReasonPaidAfterShipment, ReasonLimitExceeded); nil when it all will.
	Reasons []payment.Reason `json:"reasons,omitempty"`
	// Order is the coverage of the whole order once the payment is made:
	// what Covered will return then.
	Order Coverage `json:"order"`
}

// Quote returns how much of a payment of amount, about to be made for the
// order, will be covered, and the order's coverage once it is made.
// available is the limit available to the order, as for Covered.
//
// The payment is taken to be made after every fact of o: while the goods
// have not shipped (o.ShippedAt is zero) it is made before shipment, so the
// pre-shipment plan protects it; once they have, it is not. Quote the
// whole order by passing its value with no payments, or one tranche (the
// deposit, the balance) with the payments made so far.
//
// amount must be positive, in the order's currency, and fit in the order
// value with the payments already made; otherwise the error wraps
// ErrInvalidFacts (or is a *payment.CurrencyMismatchError). The other
// errors are Covered's.
func (r Rules) Quote(o Order, amount, available payment.Money) (Quote, error) {
	if err := r.checkInputs(o, available); err != nil {
		return Quote{}, err
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
	protected, after := o.protected()
	before, err := coverageOf(o, protected, after, available)
	if err != nil {
		return Quote{}, err
	}
	counts := o.Plan == PostDelivery || o.ShippedAt.IsZero()
	if counts {
		protected, err = protected.Add(amount)
	} else {
		after, err = after.Add(amount)
	}
	if err != nil {
		return Quote{}, err
	}
	q := Quote{Amount: amount}
	if q.Order, err = coverageOf(o, protected, after, available); err != nil {
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
		rs.add(ReasonPaidAfterShipment, "the goods shipped at %s; a payment made now is not protected by the pre-shipment plan", stamp(o.ShippedAt))
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
