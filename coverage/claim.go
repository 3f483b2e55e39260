package coverage

import (
	"fmt"
	"strings"
	"time"

	"github.com/tradeassure/tradeassure/payment"
)

// Claim is a buyer's request for the programme to pay for an event.
type Claim struct {
	// Event is what the claim is about.
	Event Event `json:"event"`
	// Amount is what the buyer asks for, in the order's currency; positive.
	Amount payment.Money `json:"amount"`
	// At is when the claim was filed; required. The claim is judged on the
	// facts as they were at that instant: goods delivered after At were not
	// delivered when the buyer claimed.
	At time.Time `json:"at"`
	// Defects are the ids of the defects the claim is about, in the
	// vocabulary of inspection reports (Inspection.Defects). Only claims
	// about the goods (not-as-described events and DamagedOnArrival) name
	// defects; ids are non-empty and distinct.
	Defects []string `json:"defects,omitempty"`
}

// Validate checks that the claim is well formed on its own: a known event,
// a positive amount, a filing time, and defect ids only for a claim about
// the goods, non-empty and distinct. Each problem wraps ErrInvalidClaim.
// Check also checks the amount's currency against the order's.
func (c Claim) Validate() error {
	if !c.Event.Valid() {
		return claimf("unknown event %q", string(c.Event))
	}
	if err := c.Amount.Currency().Validate(); err != nil {
		return claimf("amount: %v", err)
	}
	if !c.Amount.IsPositive() {
		return claimf("amount %s is not positive", c.Amount)
	}
	if c.At.IsZero() {
		return claimf("no filing time")
	}
	if len(c.Defects) > 0 && !c.Event.aboutGoods() {
		return claimf("a %s claim names no defects; only claims about the goods do", c.Event)
	}
	if err := ValidateDefects(c.Defects); err != nil {
		return claimf("%v", err)
	}
	return nil
}

// Check decides whether a claim on the order is covered, given covered, the
// order's covered amount (Coverage.Covered as the order recorded it). It
// returns nil when the claim is admissible, a *NotCoveredError (which wraps
// ErrNotCovered) with every reason that applies when it is not, and any
// other error when it cannot decide:
//
//   - ErrInvalidRules when the rules fail Validate;
//   - ErrInvalidFacts when the order fails Validate, covered is negative,
//     or the order lacks a date the event needs (ShipBy for LateShipment,
//     DeliverBy for NonDelivery);
//   - ErrInvalidClaim when the claim fails Claim.Validate;
//   - *payment.CurrencyMismatchError when the claim's amount or covered is
//     not in the order's currency.
//
// Those errors are never *NotCoveredError: a claim is refused only for a
// reason the rules give. Admissible means covered by the programme; the
// dispute that follows decides from the evidence what is paid.
//
// The rules, each with its reason code:
//
//   - ChangeOfMind is never covered (ReasonChangeOfMind).
//   - The plan must cover the event: PreShipment covers only LateShipment
//     and NonDelivery (ReasonPlanExcludesEvent).
//   - LateShipment: claimable from the instant after o.ShipBy (at ShipBy
//     exactly the supplier is still on time: ReasonNotYetLate), unless the
//     goods had shipped by ShipBy (ReasonShippedOnTime) or the order's
//     late-shipment compensation was paid (ReasonAlreadyCompensated).
//   - NonDelivery: claimable from the instant after o.DeliverBy
//     (ReasonDeliveryNotDue) while the goods have not been delivered
//     (ReasonDelivered).
//   - Claims about the goods (not as described, damaged on arrival): the
//     goods must have been delivered when the claim was filed
//     (ReasonNotDelivered), and the claim filed no later than
//     Rules.ClaimDeadline(o.DeliveredAt) (ReasonOutsideWindow). When the
//     buyer accepted the goods after a failed inspection,
//     Rules.AfterFailedInspection decides: CoverNothing refuses the claim
//     (ReasonAcceptedFailedInspection); CoverUnnamedDefects refuses a claim
//     that names a defect of the report (ReasonDefectNamedInInspection,
//     with those defects in NotCoveredError.KnownDefects: the claim is
//     refused as a whole, and a claim for the other defects alone may be
//     filed) or, when the report named defects, one that names none
//     (ReasonDefectsUnspecified); CoverEverything covers as usual.
//   - The amount asked may not exceed covered (ReasonAmountAboveCovered):
//     covered exactly is admissible, one minor unit more is not.
func (r Rules) Check(o Order, c Claim, covered payment.Money) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	cur := o.currency()
	if c.Amount.Currency() != cur {
		return fmt.Errorf("coverage: order %s: claim amount: %w", o.ID,
			&payment.CurrencyMismatchError{Want: cur, Got: c.Amount.Currency()})
	}
	if covered.Currency() != cur {
		return fmt.Errorf("coverage: order %s: covered amount: %w", o.ID,
			&payment.CurrencyMismatchError{Want: cur, Got: covered.Currency()})
	}
	if covered.IsNegative() {
		return factsf("order %s: covered amount %s is negative", o.ID, covered)
	}

	var rs reasons
	var known []string
	switch {
	case c.Event == ChangeOfMind:
		rs.add(ReasonChangeOfMind, "goods that meet the contract are not returnable through the programme")
	case !o.Plan.Covers(c.Event):
		rs.add(ReasonPlanExcludesEvent, "the %s plan does not cover %s; it covers %s", o.Plan, c.Event, planEvents(o.Plan))
	}
	switch {
	case c.Event == LateShipment:
		if o.ShipBy.IsZero() {
			return factsf("order %s has no agreed shipment date", o.ID)
		}
		if !c.At.After(o.ShipBy) {
			rs.add(ReasonNotYetLate, "the claim was filed at %s; the goods are due to ship by %s", stamp(c.At), stamp(o.ShipBy))
		}
		if !o.ShippedAt.IsZero() && !o.ShippedAt.After(o.ShipBy) && !o.ShippedAt.After(c.At) {
			rs.add(ReasonShippedOnTime, "the goods shipped at %s, by the agreed date %s", stamp(o.ShippedAt), stamp(o.ShipBy))
		}
		if o.LateCompensationPaid {
			rs.add(ReasonAlreadyCompensated, "late-shipment compensation was already paid for order %s", o.ID)
		}
	case c.Event == NonDelivery:
		if o.DeliverBy.IsZero() {
			return factsf("order %s has no delivery deadline", o.ID)
		}
		if !c.At.After(o.DeliverBy) {
			rs.add(ReasonDeliveryNotDue, "the claim was filed at %s; the goods are due by %s", stamp(c.At), stamp(o.DeliverBy))
		}
		if delivered(o, c.At) {
			rs.add(ReasonDelivered, "the goods were delivered at %s", stamp(o.DeliveredAt))
		}
	case c.Event.aboutGoods():
		if !delivered(o, c.At) {
			rs.add(ReasonNotDelivered, "the claim was filed at %s, before the goods were delivered", stamp(c.At))
		} else if deadline := r.ClaimDeadline(o.DeliveredAt); c.At.After(deadline) {
			rs.add(ReasonOutsideWindow, "the claim was filed at %s, after the claim window closed at %s (%d days after delivery at %s)",
				stamp(c.At), stamp(deadline), r.ClaimWindowDays, stamp(o.DeliveredAt))
		}
		known = r.checkInspection(&rs, o, c)
	}
	if c.Amount.Minor() > covered.Minor() {
		rs.add(ReasonAmountAboveCovered, "the claim asks for %s; the order's covered amount is %s", c.Amount, covered)
	}
	if len(rs) == 0 {
		return nil
	}
	return &NotCoveredError{OrderID: o.ID, Event: c.Event, Reasons: rs, KnownDefects: known}
}

// checkInspection applies the policy after a failed inspection to a claim
// about the goods and returns the claimed defects the report named.
func (r Rules) checkInspection(rs *reasons, o Order, c Claim) []string {
	in := o.Inspection
	if in.Result != InspectionFailed || !in.BuyerAccepted {
		return nil
	}
	switch r.AfterFailedInspection {
	case CoverNothing:
		rs.add(ReasonAcceptedFailedInspection, "the buyer accepted the goods after a failed inspection; the programme then covers no claim about them")
	case CoverUnnamedDefects:
		if len(in.Defects) == 0 {
			return nil
		}
		if len(c.Defects) == 0 {
			rs.add(ReasonDefectsUnspecified, "the buyer accepted the goods after a failed inspection that named %s; the claim must say which defects it is about",
				strings.Join(in.Defects, ", "))
			return nil
		}
		named := make(map[string]struct{}, len(in.Defects))
		for _, d := range in.Defects {
			named[d] = struct{}{}
		}
		var known []string
		for _, d := range c.Defects {
			if _, ok := named[d]; ok {
				known = append(known, d)
			}
		}
		if len(known) > 0 {
			rs.add(ReasonDefectNamedInInspection, "the buyer accepted the goods after a failed inspection that named %s; those defects are not covered (a claim for the others alone may be filed)",
				strings.Join(known, ", "))
		}
		return known
	}
	return nil
}

// planEvents lists the events plan p covers, as "a, b".
func planEvents(p Plan) string {
	var es []string
	for _, e := range Events() {
		if p.Covers(e) {
			es = append(es, string(e))
		}
	}
	return strings.Join(es, ", ")
}

// delivered reports whether the goods had been delivered at instant at.
func delivered(o Order, at time.Time) bool {
	return !o.DeliveredAt.IsZero() && !o.DeliveredAt.After(at)
}
