package dispute

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/payment"
)

// Input is what an Adjudicator decides from.
type Input struct {
	// Case is a copy of the case: the claim, the evidence of both sides and
	// the offers. An Adjudicator may read it freely and must not keep it.
	Case *Case
	// Order is the order's facts: dates, payments, shipment, delivery,
	// inspection.
	Order coverage.Order
	// Held is what escrow holds for the order now, in the order's
	// currency; every amount of the decision is in its currency. For an
	// order disputed once completed it is what was released to the
	// supplier: what the decision releases the supplier keeps, and what it
	// pays the buyer the programme's guarantee pays (order.ResolveDispute).
	Held payment.Money
	// Now is the time of the decision.
	Now time.Time
}

// Adjudicator turns a case into a decision: a split of what escrow holds
// and the reasons for it. The service sets the decision's By and At and
// checks its invariants (see Decision) before recording it; an Adjudicator
// leaves By and At zero.
type Adjudicator interface {
	Decide(ctx context.Context, in Input) (Decision, error)
}

// AdjudicatorFunc adapts a function to the Adjudicator interface.
type AdjudicatorFunc func(ctx context.Context, in Input) (Decision, error)

// Decide returns f(ctx, in).
func (f AdjudicatorFunc) Decide(ctx context.Context, in Input) (Decision, error) { return f(ctx, in) }

// Rules is the default rule set, an Adjudicator. Its figures are
// configuration: DefaultRules gives the defaults and a caller changes them
// by editing the value (then checks it with Validate). The rules
// themselves, and the order they are applied in, are documented on
// DefaultRules.
//
// Rules is a plain value: its methods only read it, and one value may be
// shared by any number of goroutines.
type Rules struct {
	// PhotoOnlyPercent is the part of the capped amount refunded on a claim
	// about the goods shown by the buyer's own evidence only (photos,
	// videos, a report from an agency not in Agencies) that the supplier
	// did not rebut, in percent, from 1 to 100. The refund is rounded
	// half-even to the currency's minor unit.
	PhotoOnlyPercent int `json:"photo_only_percent"`
	// InspectionFee is what the buyer's third-party inspection is taken to
	// have cost. When the supplier is at fault and the buyer submitted a
	// third-party inspection report, the fee (or what is released to the
	// supplier, when that is less) is moved from the supplier's share to
	// the buyer's refund. The zero Money means no fee is reimbursed;
	// a set fee is not negative. It must be in the order's currency when it
	// is reimbursed: a fee in another currency is then a
	// *payment.CurrencyMismatchError, never a silent conversion.
	InspectionFee payment.Money `json:"inspection_fee"`
}

// Compile-time check that Rules is an Adjudicator.
var _ Adjudicator = Rules{}

// Rule ids of the default rules (Decision.Rules), in the order Rules.Decide
// applies them. The ids are stable: callers may branch on them.
const (
	// RuleLateShipment decides a late-shipment claim on the order's dates.
	RuleLateShipment = "late_shipment"
	// RuleNonDelivery decides a non-delivery claim on the supplier's proof
	// of delivery.
	RuleNonDelivery = "non_delivery"
	// RuleMissingEvidence rejects a claim about the goods that comes with
	// no evidence of the defect.
	RuleMissingEvidence = "missing_evidence"
	// RuleFailedInspection refunds a claim about the goods that a
	// third-party inspection report submitted by the buyer found failed.
	RuleFailedInspection = "failed_inspection"
	// RuleSupplierRebuttal rejects a claim about the goods shown by the
	// buyer's own evidence only, when the supplier's evidence defeats it.
	RuleSupplierRebuttal = "supplier_rebuttal"
	// RulePhotoEvidence partly refunds a claim about the goods shown by the
	// buyer's own evidence only that the supplier did not rebut.
	RulePhotoEvidence = "photo_evidence"
	// RuleCancelledAfterProduction decides a supplier's case against a
	// buyer who walked away once production had started.
	RuleCancelledAfterProduction = "cancelled_after_production"
	// RuleBalanceRefused decides a supplier's case against a buyer who
	// refuses to pay the balance of goods made.
	RuleBalanceRefused = "balance_refused"
	// RuleAmountCap limits what a claimant is paid: a buyer to the least
	// of the amount asked, the covered amount and what escrow holds; a
	// supplier to the least of the amount asked and what escrow holds.
	RuleAmountCap = "amount_cap"
	// RuleInspectionFee reimburses the buyer's inspection fee out of the
	// supplier's share when the supplier is at fault.
	RuleInspectionFee = "inspection_fee"
)

// Reason codes of the default rules (Decision.Reasons). Each names one
// finding of one rule; the codes are stable, so callers branch on them and
// translate them, and a code never changes meaning once released.
const (
	// ReasonShippedLate (late_shipment): the goods did not ship by the
	// agreed shipment date; the buyer is compensated.
	ReasonShippedLate = "dispute.rule.shipped_late"
	// ReasonShippedOnTime (late_shipment): the goods shipped at or before
	// the agreed shipment date.
	ReasonShippedOnTime = "dispute.rule.shipped_on_time"
	// ReasonNotYetLate (late_shipment): the agreed shipment date has not
	// passed.
	ReasonNotYetLate = "dispute.rule.not_yet_late"
	// ReasonAlreadyCompensated (late_shipment): the order's late-shipment
	// compensation was paid already; it is paid once per order.
	ReasonAlreadyCompensated = "dispute.rule.already_compensated"
	// ReasonNotDelivered (non_delivery): the supplier has no proof of
	// delivery; the buyer is refunded.
	ReasonNotDelivered = "dispute.rule.not_delivered"
	// ReasonDeliveryProven (non_delivery): the supplier proved delivery, by
	// a proof of delivery or by a bill of lading for goods the order records
	// as delivered.
	ReasonDeliveryProven = "dispute.rule.delivery_proven"
	// ReasonMissingEvidence (missing_evidence): the buyer submitted no
	// evidence of the defect, and missing evidence loses the claim.
	ReasonMissingEvidence = "dispute.rule.missing_evidence"
	// ReasonDiscountAfterShipment (missing_evidence): the claim asks for
	// money back on goods that shipped without showing a defect: a buyer
	// haggling after shipment loses.
	ReasonDiscountAfterShipment = "dispute.rule.discount_after_shipment"
	// ReasonFailedInspection (failed_inspection): a third-party inspection
	// the buyer submitted found that the goods failed; the supplier is at
	// fault.
	ReasonFailedInspection = "dispute.rule.failed_inspection"
	// ReasonInspectionOutweighed (supplier_rebuttal): the buyer's failed
	// third-party report is outweighed by a later third-party report the
	// supplier submitted in which the goods passed.
	ReasonInspectionOutweighed = "dispute.rule.inspection_outweighed"
	// ReasonPassedInspection (supplier_rebuttal): the supplier submitted a
	// third-party inspection report in which the goods passed.
	ReasonPassedInspection = "dispute.rule.passed_inspection"
	// ReasonLoadingVideo (supplier_rebuttal): the supplier submitted a video
	// of the container being loaded.
	ReasonLoadingVideo = "dispute.rule.loading_video"
	// ReasonDeliveryNote (supplier_rebuttal): the supplier submitted a proof
	// of delivery.
	ReasonDeliveryNote = "dispute.rule.delivery_note"
	// ReasonPhotoEvidence (photo_evidence): the buyer's own evidence shows
	// the defect and the supplier did not rebut it; part of the amount is
	// refunded.
	ReasonPhotoEvidence = "dispute.rule.photo_evidence"
	// ReasonProductionStarted (cancelled_after_production, balance_refused):
	// the buyer had paid, so production had started, and the supplier's
	// chat record or contract clause shows the buyer's commitment; the
	// supplier is paid.
	ReasonProductionStarted = "dispute.rule.production_started"
	// ReasonProductionNotStarted (cancelled_after_production,
	// balance_refused): the buyer had paid nothing, so production had not
	// started on the order's terms.
	ReasonProductionNotStarted = "dispute.rule.production_not_started"
	// ReasonSupplierMissingEvidence (cancelled_after_production,
	// balance_refused): the supplier submitted no chat record or contract
	// clause.
	ReasonSupplierMissingEvidence = "dispute.rule.supplier_missing_evidence"
	// ReasonAmountCapped (amount_cap): the amount asked is more than the
	// claimant may be paid, so the cap is paid.
	ReasonAmountCapped = "dispute.rule.amount_capped"
	// ReasonInspectionFeeReimbursed (inspection_fee): the supplier is at
	// fault, so the buyer's inspection fee is reimbursed out of the
	// supplier's share.
	ReasonInspectionFeeReimbursed = "dispute.rule.inspection_fee_reimbursed"
)

// DefaultRules returns the default rule set, with these figures: a claim
// shown by photos alone is refunded half the capped amount
// (PhotoOnlyPercent 50), and no inspection fee is reimbursed (InspectionFee
// is the zero Money).
//
// Rules.Decide applies the rules below, in this order. Each rule applies to
// the reasons it names; the first that decides the case wins, and the
// decision lists the id of every rule that fired (Decision.Rules), with a
// coded reason (the Reason… constants) for each finding (Decision.Reasons).
// The cap of a buyer's claim is the least of the amount asked
// (Case.Amount), what the programme covered (Case.Covered) and what escrow
// holds (Input.Held); a supplier's is the least of the amount asked and what
// escrow holds. Each rule says whether the order goes on where it was
// (Decision.Continue) or ends; when it ends, what is not refunded or
// compensated is released to the supplier. A rejected claim ends the order
// when the order records the goods as delivered and lets it go on
// otherwise, except where a rule says so.
//
//   - late_shipment (late shipment): decided on the order's dates, no
//     evidence needed. The goods shipped late when they had not shipped
//     once the agreed shipment date (Order.ShipBy) passed, or shipped after
//     it: the buyer is compensated the cap (Compensation) and the supplier
//     is at fault; the order goes on while the goods are still to be
//     delivered and ends once they were. Goods that shipped by the date,
//     a date not yet passed, or a late-shipment compensation the order
//     already paid (Order.LateCompensationPaid) reject the claim.
//   - non_delivery (non-delivery): the supplier's proof of delivery, or the
//     supplier's bill of lading for goods the order records as delivered,
//     rejects the claim and ends the order, releasing everything to the
//     supplier. Otherwise the buyer is refunded the cap, the rest is
//     released, and the supplier is at fault.
//   - missing_evidence (quality, quantity, specification, packaging, damage):
//     a claim about the goods needs the buyer's evidence of the defect: a
//     photo, a video or a failed inspection report. Without any the claim
//     is rejected: missing evidence loses the claim, and a buyer asking for
//     money back on goods that shipped without showing a defect loses.
//   - failed_inspection (the same): a third-party inspection report (by an
//     agency of Agencies) that the buyer submitted with the result failed
//     refunds the cap, releases the rest and puts the supplier at fault,
//     unless the supplier
//     submitted a third-party report in which the goods passed that is
//     later (Evidence.At) than the buyer's latest failed one. A report at
//     the same instant does not outweigh the buyer's: a failed inspection
//     is a finding, a passing one may have missed it. The supplier's loading
//     video or proof of delivery does not outweigh an independent report.
//   - supplier_rebuttal (the same): a claim shown by the buyer's own
//     evidence only (photos, videos, a failed report by another agency, a
//     third-party report outweighed as above) is rejected when the supplier
//     submitted a third-party report in which the goods passed, a loading
//     video, or a proof of delivery (the kind is a signed delivery note or
//     the carrier's record; the rules cannot tell them apart and count
//     both).
//   - photo_evidence (the same): a claim shown by the buyer's own evidence
//     that the supplier did not rebut is refunded PhotoOnlyPercent of the
//     cap, rounded half-even; the rest is released and the supplier is at
//     fault.
//   - cancelled_after_production and balance_refused (the supplier's cases):
//     the supplier is paid the cap (ForSupplier), and the rest of escrow is
//     refunded, when the buyer had paid something (so production had
//     started) and the supplier submitted a chat record or a contract
//     clause; the order ends. Otherwise the case is rejected and the order
//     goes on.
//
// Two adjustments follow the deciding rule and fire when they change the
// decision:
//
//   - amount_cap: what the claimant asked is more than the cap, and the cap
//     was paid (for photo_evidence, the percentage is of the cap).
//   - inspection_fee: when the supplier is at fault, the decision ends the
//     order and the buyer submitted a third-party inspection report,
//     InspectionFee (no more than what is released to the supplier) is
//     moved from Release to Refund and recorded in Decision.InspectionFee.
//     It reimburses a cost, not the price: it comes on top of the cap.
//
// A refund that leaves the supplier nothing is a FullRefund, one that
// releases something a PartialRefund. The default rules do not read the
// offers: an offer made to settle is not an admission. They count evidence
// by its submitter's role (Evidence.SubmittedBy), so evidence a platform
// agent adds for a party counts only if it names the party.
func DefaultRules() Rules {
	return Rules{PhotoOnlyPercent: 50}
}

// Validate checks the figures and reports every problem at once; each wraps
// ErrInvalidRules. Rules.Decide calls it first, so a broken configuration is
// an error, never a silent decision.
func (r Rules) Validate() error {
	var errs []error
	if r.PhotoOnlyPercent < 1 || r.PhotoOnlyPercent > 100 {
		errs = append(errs, fmt.Errorf("%w: PhotoOnlyPercent is %d, not between 1 and 100", ErrInvalidRules, r.PhotoOnlyPercent))
	}
	if r.InspectionFee.IsNegative() {
		errs = append(errs, fmt.Errorf("%w: InspectionFee %s is negative", ErrInvalidRules, r.InspectionFee))
	}
	return errors.Join(errs...)
}

// Decide decides the case by the default rules (see DefaultRules). The
// decision's amounts are in the currency of in.Held, none negative; when it
// ends the order (Continue false) Refund, Compensate and Release add up to
// in.Held exactly, and when it lets the order go on only Compensate is
// positive, at most in.Held. A buyer is never paid more than the cap as
// Refund and Compensate together, the reimbursed InspectionFee apart.
//
// The same input always gives the same decision; Decide reads no clock and
// keeps nothing. Errors, with nothing decided:
//
//   - ctx's error when ctx is done;
//   - an ErrInvalidRules error when r fails Validate;
//   - an ErrInvalidRequest error when in has no case, the case has an
//     unknown reason or a claimant of the wrong role, in.Now is zero, the
//     order facts fail coverage.Order.Validate (the error also wraps
//     coverage's) or lack the agreed shipment date a late-shipment claim
//     needs; one that also wraps payment.ErrInvalidAmount when in.Held or
//     the case's covered amount is negative or the amount asked is not
//     positive;
//   - a *payment.CurrencyMismatchError when in.Held is not in the order's
//     currency, or the amount asked or (for a buyer's claim) the covered
//     amount is not in in.Held's, or InspectionFee is not when it is
//     reimbursed.
func (r Rules) Decide(ctx context.Context, in Input) (Decision, error) {
	if err := ctx.Err(); err != nil {
		return Decision{}, err
	}
	if err := r.Validate(); err != nil {
		return Decision{}, err
	}
	a, err := newAdjudication(in)
	if err != nil {
		return Decision{}, err
	}
	for _, rl := range defaultOrder() {
		decided, err := rl(a, r)
		if err != nil {
			return Decision{}, err
		}
		if decided {
			break
		}
	}
	a.amountCap()
	if err := a.inspectionFee(r.InspectionFee); err != nil {
		return Decision{}, err
	}
	return a.decision(), nil
}

// rule is one deciding rule of the default set: it reports whether it
// decided the case, recording what it found. A rule that does not apply to
// the case's reason returns false and records nothing.
type rule func(a *adjudication, r Rules) (bool, error)

// defaultOrder returns the deciding rules in the order Decide applies them,
// the order DefaultRules documents.
func defaultOrder() []rule {
	return []rule{
		(*adjudication).lateShipment,
		(*adjudication).nonDelivery,
		(*adjudication).missingEvidence,
		(*adjudication).failedInspection,
		(*adjudication).supplierRebuttal,
		(*adjudication).photoEvidence,
		(*adjudication).cancelledAfterProduction,
		(*adjudication).balanceRefused,
	}
}

// adjudication is one run of the default rules: the facts, in minor units
// of the order's currency, and the decision as it is built.
type adjudication struct {
	in       Input
	c        *Case
	currency payment.Currency
	// held is what escrow holds, asked what the claimant asks, limit the
	// cap: what the claimant may be paid at most.
	held, asked, limit int64
	buyer, supplier    []Evidence

	outcome Outcome
	// refund and compensate go to the buyer, the rest of held to the
	// supplier unless goOn; fee is the part of refund that reimburses the
	// inspection fee.
	refund, compensate, fee int64
	goOn, atFault           bool
	// paidCap is set when the deciding rule paid the claimant out of the
	// cap; refundSplit when the outcome is FullRefund or PartialRefund
	// according to what is left for the supplier.
	paidCap, refundSplit bool
	rules                []string
	reasons              []payment.Reason
}

// newAdjudication checks in and gathers the facts the rules read.
func newAdjudication(in Input) (*adjudication, error) {
	c := in.Case
	switch {
	case c == nil:
		return nil, invalidf("adjudication needs a case")
	case !c.Reason.Valid():
		return nil, invalidf("case %s: unknown reason %q", c.ID, string(c.Reason))
	case c.Reason == ChangeOfMind:
		return nil, invalidf("case %s: a change of mind is never a case (Open refuses it)", c.ID)
	case c.Claimant.Role != c.Reason.Claimant():
		return nil, invalidf("case %s: a %s case is opened by the %s, not the %s", c.ID, c.Reason, c.Reason.Claimant(), c.Claimant.Role)
	case in.Now.IsZero():
		return nil, invalidf("case %s: adjudication needs the time", c.ID)
	}
	if err := in.Order.Validate(); err != nil {
		return nil, fmt.Errorf("%w: case %s: order facts: %w", ErrInvalidRequest, c.ID, err)
	}
	cur := in.Order.Value.Currency()
	if in.Held.Currency() != cur {
		return nil, &payment.CurrencyMismatchError{Want: cur, Got: in.Held.Currency()}
	}
	if c.Amount.Currency() != cur {
		return nil, &payment.CurrencyMismatchError{Want: cur, Got: c.Amount.Currency()}
	}
	switch {
	case in.Held.IsNegative():
		return nil, amountf("case %s: escrow holds a negative %s", c.ID, in.Held)
	case !c.Amount.IsPositive():
		return nil, amountf("case %s: the amount asked, %s, is not positive", c.ID, c.Amount)
	}
	a := &adjudication{
		in: in, c: c, currency: cur,
		held: in.Held.Minor(), asked: c.Amount.Minor(),
		buyer: c.EvidenceBy(payment.RoleBuyer), supplier: c.EvidenceBy(payment.RoleSupplier),
	}
	a.limit = min(a.asked, a.held)
	if c.Reason.Claimant() == payment.RoleBuyer {
		if c.Covered.Currency() != cur {
			return nil, &payment.CurrencyMismatchError{Want: cur, Got: c.Covered.Currency()}
		}
		if c.Covered.IsNegative() {
			return nil, amountf("case %s: the covered amount %s is negative", c.ID, c.Covered)
		}
		a.limit = min(a.limit, c.Covered.Minor())
	}
	if c.Reason == LateShipment && in.Order.ShipBy.IsZero() {
		return nil, invalidf("case %s: order %s has no agreed shipment date", c.ID, in.Order.ID)
	}
	return a, nil
}

// amountf returns an error wrapping ErrInvalidRequest and
// payment.ErrInvalidAmount.
func amountf(format string, args ...any) error {
	return fmt.Errorf("%w: %w: %s", ErrInvalidRequest, payment.ErrInvalidAmount, fmt.Sprintf(format, args...))
}

// lateShipment is rule late_shipment.
func (a *adjudication) lateShipment(Rules) (bool, error) {
	if a.c.Reason != LateShipment {
		return false, nil
	}
	o := a.in.Order
	switch {
	case !o.ShippedAt.IsZero() && !o.ShippedAt.After(o.ShipBy):
		a.fire(RuleLateShipment, ReasonShippedOnTime, "the goods shipped on %s, by the agreed shipment date %s", stamp(o.ShippedAt), stamp(o.ShipBy))
		a.reject(!a.delivered())
	case o.ShippedAt.IsZero() && !a.in.Now.After(o.ShipBy):
		a.fire(RuleLateShipment, ReasonNotYetLate, "the agreed shipment date %s has not passed", stamp(o.ShipBy))
		a.reject(!a.delivered())
	case o.LateCompensationPaid:
		a.fire(RuleLateShipment, ReasonAlreadyCompensated, "the order's late-shipment compensation was paid already")
		a.reject(!a.delivered())
	default:
		shipped := "have not shipped"
		if !o.ShippedAt.IsZero() {
			shipped = "shipped on " + stamp(o.ShippedAt)
		}
		a.outcome, a.compensate, a.atFault, a.goOn = Compensation, a.award(), true, !a.delivered()
		a.fire(RuleLateShipment, ReasonShippedLate, "the goods %s, after the agreed shipment date %s: the buyer is compensated %s",
			shipped, stamp(o.ShipBy), a.money(a.compensate))
	}
	return true, nil
}

// nonDelivery is rule non_delivery.
func (a *adjudication) nonDelivery(Rules) (bool, error) {
	if a.c.Reason != NonDelivery {
		return false, nil
	}
	switch {
	case has(a.supplier, ProofOfDelivery):
		a.fire(RuleNonDelivery, ReasonDeliveryProven, "the supplier submitted a proof of delivery")
		a.reject(false)
	case has(a.supplier, BillOfLading) && a.delivered():
		a.fire(RuleNonDelivery, ReasonDeliveryProven, "the supplier submitted a bill of lading and the order records delivery on %s",
			stamp(a.in.Order.DeliveredAt))
		a.reject(false)
	default:
		a.refund, a.atFault, a.refundSplit = a.award(), true, true
		a.fire(RuleNonDelivery, ReasonNotDelivered, "the supplier has no proof of delivery: the buyer is refunded %s", a.money(a.refund))
	}
	return true, nil
}

// missingEvidence is rule missing_evidence.
func (a *adjudication) missingEvidence(Rules) (bool, error) {
	if !a.c.Reason.AboutTheGoods() {
		return false, nil
	}
	for _, e := range a.buyer {
		if e.Kind == Photo || e.Kind == Video || e.Kind == InspectionReport && e.Result == coverage.InspectionFailed {
			return false, nil
		}
	}
	a.fire(RuleMissingEvidence, ReasonMissingEvidence, "the buyer submitted no photo, video or failed inspection report of the defect")
	if shipped := a.in.Order.ShippedAt; !shipped.IsZero() {
		a.reasons = append(a.reasons, reason(ReasonDiscountAfterShipment,
			"the goods shipped on %s and the buyer asks for %s back without showing a defect", stamp(shipped), a.c.Amount))
	}
	a.reject(!a.delivered())
	return true, nil
}

// failedInspection is rule failed_inspection.
func (a *adjudication) failedInspection(Rules) (bool, error) {
	if !a.c.Reason.AboutTheGoods() {
		return false, nil
	}
	failed, ok := latest(a.buyer, coverage.InspectionFailed)
	if !ok {
		return false, nil
	}
	if passed, ok := latest(a.supplier, coverage.InspectionPassed); ok && passed.At.After(failed.At) {
		return false, nil // outweighed: supplier_rebuttal says so
	}
	a.refund, a.atFault, a.refundSplit = a.award(), true, true
	a.fire(RuleFailedInspection, ReasonFailedInspection, "the goods failed the inspection by %s (evidence %s): the buyer is refunded %s",
		failed.Agency, failed.ID, a.money(a.refund))
	return true, nil
}

// supplierRebuttal is rule supplier_rebuttal. It runs after
// failedInspection, so the buyer's evidence is their own, or a third-party
// report the supplier's later one outweighs.
func (a *adjudication) supplierRebuttal(Rules) (bool, error) {
	if !a.c.Reason.AboutTheGoods() {
		return false, nil
	}
	var found []payment.Reason
	if passed, ok := latest(a.supplier, coverage.InspectionPassed); ok {
		found = append(found, reason(ReasonPassedInspection, "the goods passed the inspection by %s (evidence %s)", passed.Agency, passed.ID))
		if failed, ok := latest(a.buyer, coverage.InspectionFailed); ok {
			found = append(found, reason(ReasonInspectionOutweighed, "the supplier's report of %s is later than the buyer's failed report of %s",
				stamp(passed.At), stamp(failed.At)))
		}
	}
	if has(a.supplier, LoadingVideo) {
		found = append(found, reason(ReasonLoadingVideo, "the supplier submitted a video of the goods being loaded"))
	}
	if has(a.supplier, ProofOfDelivery) {
		found = append(found, reason(ReasonDeliveryNote, "the supplier submitted a proof of delivery"))
	}
	if len(found) == 0 {
		return false, nil
	}
	a.rules = append(a.rules, RuleSupplierRebuttal)
	a.reasons = append(a.reasons, found...)
	a.reject(!a.delivered())
	return true, nil
}

// photoEvidence is rule photo_evidence.
func (a *adjudication) photoEvidence(r Rules) (bool, error) {
	if !a.c.Reason.AboutTheGoods() {
		return false, nil
	}
	part, err := a.money(a.award()).Mul(decimal.New(int64(r.PhotoOnlyPercent), -2), payment.RoundHalfEven)
	if err != nil {
		return false, err
	}
	a.refund, a.atFault, a.refundSplit = part.Minor(), true, true
	a.fire(RulePhotoEvidence, ReasonPhotoEvidence, "the buyer's own evidence shows the defect and the supplier did not rebut it: the buyer is refunded %d%%, %s",
		r.PhotoOnlyPercent, part)
	return true, nil
}

// cancelledAfterProduction is rule cancelled_after_production.
func (a *adjudication) cancelledAfterProduction(Rules) (bool, error) {
	if a.c.Reason != CancelledAfterProduction {
		return false, nil
	}
	a.supplierCase(RuleCancelledAfterProduction)
	return true, nil
}

// balanceRefused is rule balance_refused.
func (a *adjudication) balanceRefused(Rules) (bool, error) {
	if a.c.Reason != BalanceRefused {
		return false, nil
	}
	a.supplierCase(RuleBalanceRefused)
	return true, nil
}

// supplierCase decides a supplier's case as rule id.
func (a *adjudication) supplierCase(id string) {
	paid := false
	for _, p := range a.in.Order.Payments {
		paid = paid || p.Amount.IsPositive()
	}
	evidence := has(a.supplier, ChatRecord) || has(a.supplier, ContractClause)
	if paid && evidence {
		release := a.award()
		a.outcome, a.refund = ForSupplier, a.held-release
		a.fire(id, ReasonProductionStarted, "the buyer had paid, so production had started, and the supplier showed the buyer's commitment: the supplier is paid %s",
			a.money(release))
		return
	}
	a.rules = append(a.rules, id)
	if !paid {
		a.reasons = append(a.reasons, reason(ReasonProductionNotStarted, "the buyer had paid nothing, so production had not started"))
	}
	if !evidence {
		a.reasons = append(a.reasons, reason(ReasonSupplierMissingEvidence, "the supplier submitted no chat record or contract clause"))
	}
	a.reject(true)
}

// amountCap is the adjustment amount_cap.
func (a *adjudication) amountCap() {
	if a.paidCap && a.limit < a.asked {
		a.fire(RuleAmountCap, ReasonAmountCapped, "%s was asked; at most %s may be paid", a.c.Amount, a.money(a.limit))
	}
}

// inspectionFee is the adjustment inspection_fee.
func (a *adjudication) inspectionFee(fee payment.Money) error {
	if !a.atFault || a.goOn || !fee.IsPositive() || !slices.ContainsFunc(a.buyer, Evidence.ThirdParty) {
		return nil
	}
	if fee.Currency() != a.currency {
		return &payment.CurrencyMismatchError{Want: a.currency, Got: fee.Currency()}
	}
	moved := min(fee.Minor(), a.release())
	if moved == 0 {
		return nil
	}
	a.refund, a.fee = a.refund+moved, moved
	a.fire(RuleInspectionFee, ReasonInspectionFeeReimbursed, "the supplier is at fault: the buyer's inspection fee, %s, is reimbursed out of the supplier's share",
		a.money(moved))
	return nil
}

// decision returns the decision built.
func (a *adjudication) decision() Decision {
	d := Decision{
		Outcome: a.outcome, Refund: a.money(a.refund), Compensate: a.money(a.compensate), Release: a.money(a.release()),
		Continue: a.goOn, SupplierAtFault: a.atFault, Rules: a.rules, Reasons: a.reasons,
	}
	if a.refundSplit {
		d.Outcome = PartialRefund
		if a.release() == 0 {
			d.Outcome = FullRefund
		}
	}
	if a.fee > 0 {
		d.InspectionFee = a.money(a.fee)
	}
	return d
}

// release is what goes to the supplier: the rest of held, or nothing when
// the order goes on.
func (a *adjudication) release() int64 {
	if a.goOn {
		return 0
	}
	return a.held - a.refund - a.compensate
}

// award returns the cap, what the claimant is paid, noting that the cap
// was paid.
func (a *adjudication) award() int64 {
	a.paidCap = true
	return a.limit
}

// reject rejects the case: the order goes on when goOn, else ends with
// everything released to the supplier.
func (a *adjudication) reject(goOn bool) {
	a.outcome, a.goOn = Rejection, goOn
}

// delivered reports whether the order records the goods as delivered.
func (a *adjudication) delivered() bool { return !a.in.Order.DeliveredAt.IsZero() }

// fire records that rule id fired, with one finding.
func (a *adjudication) fire(id, code, format string, args ...any) {
	a.rules = append(a.rules, id)
	a.reasons = append(a.reasons, reason(code, format, args...))
}

// money returns units of the order's currency. Every amount of a decision
// is between zero and held, itself a valid Money, so FromMinor cannot fail.
func (a *adjudication) money(units int64) payment.Money {
	m, _ := payment.FromMinor(units, a.currency)
	return m
}

// reason returns a coded reason with its text.
func reason(code, format string, args ...any) payment.Reason {
	return payment.Reason{Code: code, Text: fmt.Sprintf(format, args...)}
}

// has reports whether evidence holds an item of kind k.
func has(evidence []Evidence, k EvidenceKind) bool {
	return slices.ContainsFunc(evidence, func(e Evidence) bool { return e.Kind == k })
}

// latest returns the latest third-party inspection report of evidence with
// the result res (the first submitted of those at the latest instant).
func latest(evidence []Evidence, res coverage.InspectionResult) (Evidence, bool) {
	var best Evidence
	ok := false
	for _, e := range evidence {
		if e.ThirdParty() && e.Result == res && (!ok || e.At.After(best.At)) {
			best, ok = e, true
		}
	}
	return best, ok
}

// stamp formats t for a reason's text.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
