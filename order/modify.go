package order

import (
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/tradeassure/tradeassure/payment"
)

// ModificationRules are the configurable figures of the modification
// rules. The zero value allows no increase of the shipping cost; start
// from DefaultModificationRules.
type ModificationRules struct {
	// MaxShippingIncreasePercent is how much a modification may raise the
	// shipping cost, in percent of the current shipping cost: with 20, a
	// cost of USD 100.00 may become at most USD 120.00. A shipping cost of
	// zero may not be raised at all. It must not be negative.
	MaxShippingIncreasePercent int64 `json:"max_shipping_increase_percent"`
}

// DefaultModificationRules returns the programme's defaults: the shipping
// cost may rise by at most 20%.
func DefaultModificationRules() ModificationRules {
	return ModificationRules{MaxShippingIncreasePercent: 20}
}

// Validate returns an error wrapping ErrInvalidRules when a figure is out of
// range.
func (r ModificationRules) Validate() error {
	if r.MaxShippingIncreasePercent < 0 {
		return fmt.Errorf("%w: MaxShippingIncreasePercent is %d; it must not be negative", ErrInvalidRules, r.MaxShippingIncreasePercent)
	}
	return nil
}

// ModificationStatus is where a modification is in its life: proposed,
// then applied, rejected or withdrawn, each final.
type ModificationStatus string

// Modification statuses.
const (
	ModificationProposed  ModificationStatus = "proposed"  // open: waiting for approval
	ModificationApplied   ModificationStatus = "applied"   // approved by all it needs; the order has its terms
	ModificationRejected  ModificationStatus = "rejected"  // the other party declined it
	ModificationWithdrawn ModificationStatus = "withdrawn" // the requester took it back
)

// Modification is the record of one proposed change of an order's terms:
// who asked, who approved, who rejected, and when.
type Modification struct {
	// ID is the caller's id for the proposal, unique within the order; it
	// is the idempotency key of Propose.
	ID string `json:"id"`
	// Proposed are the complete terms the order would have.
	Proposed Terms `json:"proposed"`
	// Replaced are the terms the modification replaced; set when it is
	// applied.
	Replaced Terms `json:"replaced"`
	// Rules are the rules in force when it was proposed; Approve checks
	// the modification against them again.
	Rules       ModificationRules `json:"rules"`
	RequestedBy payment.Actor     `json:"requested_by"`
	// ApprovedBy lists the parties that approved, the requester first.
	ApprovedBy []payment.Actor `json:"approved_by"`
	// RejectedBy is the party that rejected it, if it did.
	RejectedBy payment.Actor      `json:"rejected_by"`
	Status     ModificationStatus `json:"status"`
	// At is when it was proposed; DecidedAt when it was applied, rejected
	// or withdrawn.
	At        time.Time `json:"at"`
	DecidedAt time.Time `json:"decided_at"`
}

func (m Modification) clone() Modification {
	m.Proposed = m.Proposed.Clone()
	m.Replaced = m.Replaced.Clone()
	m.ApprovedBy = slices.Clone(m.ApprovedBy)
	return m
}

// Reason codes of a *ModificationError. They are stable: callers branch on
// them and translate them, so a code never changes meaning once released.
const (
	// ReasonProposalOpen: another modification of the order is open; it
	// must be applied, rejected or withdrawn first.
	ReasonProposalOpen = "order.modification.proposal_open"
	// ReasonOrderClosed: the order is completed, refunded, cancelled or
	// expired.
	ReasonOrderClosed = "order.modification.order_closed"
	// ReasonShipped: the goods have shipped.
	ReasonShipped = "order.modification.shipped"
	// ReasonDisputed: a dispute is open on the order.
	ReasonDisputed = "order.modification.disputed"
	// ReasonPaymentProcessing: a payment is processing.
	ReasonPaymentProcessing = "order.modification.payment_processing"
	// ReasonNoChange: the proposed terms are the order's terms.
	ReasonNoChange = "order.modification.no_change"
	// ReasonCurrencyChanged: the proposed terms are in another currency.
	ReasonCurrencyChanged = "order.modification.currency_changed"
	// ReasonDestinationChanged: the proposed terms ship to another country.
	ReasonDestinationChanged = "order.modification.destination_changed"
	// ReasonShippingIncrease: the shipping cost would rise by more than
	// ModificationRules.MaxShippingIncreasePercent.
	ReasonShippingIncrease = "order.modification.shipping_increase"
	// ReasonTotalFrozen: money was paid, so the total may not change.
	ReasonTotalFrozen = "order.modification.total_frozen"
	// ReasonScheduleFrozen: money was paid, so the amounts of the payment
	// schedule may not change (the instruments may).
	ReasonScheduleFrozen = "order.modification.schedule_frozen"
)

// Propose records a modification: by proposes that the order's terms
// become proposed, under rules, at now; id is the caller's id for it.
//
// The rules, checked in this order:
//
//   - only the order's buyer or supplier proposes (else a
//     *payment.ActorError);
//   - proposed must pass Terms.Validate (else its ErrInvalidTerms error);
//   - then every rule below that refuses the change is listed in one
//     *ModificationError (ErrModificationRefused): another modification is
//     open; the order has shipped, is disputed or is closed (only Draft,
//     AwaitingConfirmation, AwaitingPayment, Paid, InProduction,
//     AwaitingInspection and ReadyToShip allow changes); a payment is
//     processing; nothing changes; the currency or the destination
//     country changes; the shipping cost rises by more than
//     rules.MaxShippingIncreasePercent of the current one (exactly at the
//     limit is allowed); or, once anything is paid (Frozen), the total or
//     the amounts of the tranches change.
//
// Who must approve: a change the supplier proposes in Draft, before the
// delivery date is agreed, is the supplier editing its own draft and
// applies at once. Every other change needs both parties: before the
// buyer's confirmation the supplier agrees to the buyer's request (or the
// buyer to the supplier's change of an order sent for confirmation), and
// once DeliveryAgreed both sign. The requester counts as approving; the
// other party calls Approve or Reject.
//
// Propose is idempotent by id: the same id from the same requester with
// the same terms returns nil and changes nothing, whatever became of the
// modification since; the same id with other terms or from another actor
// is an error wrapping ErrIdempotencyMismatch. An empty id or a zero now
// wraps ErrInvalidRequest, bad rules ErrInvalidRules. Every error leaves
// the order unchanged.
func (o *Order) Propose(by payment.Actor, id string, proposed Terms, rules ModificationRules, now time.Time) error {
	if err := o.requireParty(by, "propose a modification of order "+o.ID); err != nil {
		return err
	}
	if id == "" || now.IsZero() {
		return invalidf("order %s: a modification needs an id and a time", o.ID)
	}
	if err := rules.Validate(); err != nil {
		return err
	}
	if i := o.modification(id); i >= 0 {
		m := o.Modifications[i]
		if m.RequestedBy == by && equalTerms(m.Proposed, proposed) {
			return nil
		}
		return fmt.Errorf("%w: modification %s of order %s was proposed by %s with other terms", ErrIdempotencyMismatch, id, o.ID, m.RequestedBy)
	}
	if err := proposed.Validate(); err != nil {
		return err
	}
	var reasons []payment.Reason
	if i := slices.IndexFunc(o.Modifications, func(m Modification) bool { return m.Status == ModificationProposed }); i >= 0 {
		reasons = append(reasons, payment.Reason{Code: ReasonProposalOpen,
			Text: fmt.Sprintf("modification %s is open; apply, reject or withdraw it first", o.Modifications[i].ID)})
	}
	more, err := o.refusals(proposed, rules)
	if err != nil {
		return err
	}
	if reasons = append(reasons, more...); len(reasons) > 0 {
		return &ModificationError{OrderID: o.ID, ModificationID: id, Reasons: reasons}
	}
	m := Modification{
		ID:          id,
		Proposed:    proposed.Clone(),
		Rules:       rules,
		RequestedBy: by,
		ApprovedBy:  []payment.Actor{by},
		Status:      ModificationProposed,
		At:          now,
	}
	if o.approved(m) {
		o.apply(&m, now)
	}
	o.Modifications = append(o.Modifications, m)
	o.UpdatedAt = now
	return nil
}

// Approve records by's approval of the open modification id at now and,
// when every party it needs has approved (see Propose), applies it: the
// order's terms become the proposed terms.
//
// Only the order's buyer or supplier approves (else a *payment.ActorError).
// An approval by a party that approved already returns nil and changes
// nothing, whatever became of the modification since. Otherwise the rules
// of Propose are checked again against the order as it is now, with the
// rules recorded on the modification: a refusal is a *ModificationError and
// the modification stays open (it may still be rejected or withdrawn). An
// unknown id wraps ErrNotFound; a modification rejected or withdrawn
// wraps ErrModificationClosed; a zero now wraps ErrInvalidRequest. Every
// error leaves the order unchanged.
func (o *Order) Approve(by payment.Actor, id string, now time.Time) error {
	i, err := o.decision(by, "approve a modification of order "+o.ID, id, now)
	if err != nil {
		return err
	}
	m := o.Modifications[i].clone()
	if slices.Contains(m.ApprovedBy, by) {
		return nil
	}
	if m.Status != ModificationProposed {
		return fmt.Errorf("%w: modification %s of order %s is %s", ErrModificationClosed, id, o.ID, m.Status)
	}
	reasons, err := o.refusals(m.Proposed, m.Rules)
	if err != nil {
		return err
	}
	if len(reasons) > 0 {
		return &ModificationError{OrderID: o.ID, ModificationID: id, Reasons: reasons}
	}
	m.ApprovedBy = append(m.ApprovedBy, by)
	if o.approved(m) {
		o.apply(&m, now)
	}
	o.Modifications[i] = m
	o.UpdatedAt = now
	return nil
}

// Reject records that by declines the open modification id at now; the
// order's terms stay as they are. Rejecting is possible in any state: it
// changes no terms.
//
// Only the order's party that did not request the modification rejects
// it (the requester withdraws it with WithdrawModification); anyone else
// gets a *payment.ActorError. Rejecting again by the same party returns
// nil and changes nothing. An unknown id wraps ErrNotFound; a modification
// applied or withdrawn wraps ErrModificationClosed; a zero now wraps
// ErrInvalidRequest. Every error leaves the order unchanged.
func (o *Order) Reject(by payment.Actor, id string, now time.Time) error {
	action := "reject a modification of order " + o.ID
	i, err := o.decision(by, action, id, now)
	if err != nil {
		return err
	}
	m := &o.Modifications[i]
	if by == m.RequestedBy {
		return &payment.ActorError{Actor: by, Action: action + " that it requested (withdraw it instead)"}
	}
	if m.Status == ModificationRejected && m.RejectedBy == by {
		return nil
	}
	if m.Status != ModificationProposed {
		return fmt.Errorf("%w: modification %s of order %s is %s", ErrModificationClosed, id, o.ID, m.Status)
	}
	m.Status, m.RejectedBy, m.DecidedAt = ModificationRejected, by, now
	o.UpdatedAt = now
	return nil
}

// WithdrawModification records that by takes back the open modification id
// it requested, at now; the order's terms stay as they are. Withdrawing is
// possible in any state.
//
// Only the requester withdraws (anyone else gets a *payment.ActorError).
// Withdrawing again returns nil and changes nothing. An unknown id wraps
// ErrNotFound; a modification applied or rejected wraps
// ErrModificationClosed; a zero now wraps ErrInvalidRequest. Every error
// leaves the order unchanged.
func (o *Order) WithdrawModification(by payment.Actor, id string, now time.Time) error {
	action := "withdraw a modification of order " + o.ID
	i, err := o.decision(by, action, id, now)
	if err != nil {
		return err
	}
	m := &o.Modifications[i]
	if by != m.RequestedBy {
		return &payment.ActorError{Actor: by, Action: action + " that " + m.RequestedBy.String() + " requested"}
	}
	if m.Status == ModificationWithdrawn {
		return nil
	}
	if m.Status != ModificationProposed {
		return fmt.Errorf("%w: modification %s of order %s is %s", ErrModificationClosed, id, o.ID, m.Status)
	}
	m.Status, m.DecidedAt = ModificationWithdrawn, now
	o.UpdatedAt = now
	return nil
}

// Modification returns a copy of the modification with that id, and false
// when the order has none.
func (o *Order) Modification(id string) (Modification, bool) {
	if i := o.modification(id); i >= 0 {
		return o.Modifications[i].clone(), true
	}
	return Modification{}, false
}

// decision runs the checks Approve, Reject and WithdrawModification share
// and returns the index of modification id.
func (o *Order) decision(by payment.Actor, action, id string, now time.Time) (int, error) {
	if err := o.requireParty(by, action); err != nil {
		return -1, err
	}
	if now.IsZero() {
		return -1, invalidf("order %s: no time given", o.ID)
	}
	i := o.modification(id)
	if i < 0 {
		return -1, fmt.Errorf("%w: order %s has no modification %q", ErrNotFound, o.ID, id)
	}
	return i, nil
}

// requireParty returns nil when by is the order's buyer or supplier.
func (o *Order) requireParty(by payment.Actor, action string) error {
	if err := payment.RequireRole(by, action, payment.RoleBuyer, payment.RoleSupplier); err != nil {
		return err
	}
	if !o.party(by) {
		return &payment.ActorError{Actor: by, Action: action}
	}
	return nil
}

// modification returns the index of modification id, or -1.
func (o *Order) modification(id string) int {
	return slices.IndexFunc(o.Modifications, func(m Modification) bool { return m.ID == id })
}

// approved reports whether every party m needs has approved it: the
// supplier alone for its own change of a Draft whose delivery is not yet
// agreed, both parties otherwise.
func (o *Order) approved(m Modification) bool {
	supplier := payment.Supplier(o.SupplierID)
	if o.State == Draft && !o.DeliveryAgreed && m.RequestedBy == supplier {
		return true
	}
	return slices.Contains(m.ApprovedBy, supplier) && slices.Contains(m.ApprovedBy, payment.Buyer(o.BuyerID))
}

// apply gives the order m's terms.
func (o *Order) apply(m *Modification, now time.Time) {
	m.Replaced = o.Terms
	o.Terms = m.Proposed.Clone()
	m.Status, m.DecidedAt = ModificationApplied, now
}

// refusals returns every rule of the order as it is now that refuses
// changing its terms to p (which are valid) under rules, in the order of
// the Reason… constants.
func (o *Order) refusals(p Terms, rules ModificationRules) ([]payment.Reason, error) {
	var out []payment.Reason
	refuse := func(code, format string, args ...any) {
		out = append(out, payment.Reason{Code: code, Text: fmt.Sprintf(format, args...)})
	}
	switch o.State {
	case Draft, AwaitingConfirmation, AwaitingPayment, Paid, InProduction, AwaitingInspection, ReadyToShip:
	case Shipped, Delivered:
		refuse(ReasonShipped, "the order is %s: the goods have shipped", o.State)
	case Disputed:
		refuse(ReasonDisputed, "a dispute is open on the order")
	default:
		refuse(ReasonOrderClosed, "the order is %s", o.State)
	}
	if o.PaymentProcessing() {
		refuse(ReasonPaymentProcessing, "a payment is processing")
	}
	cur := o.Terms
	if equalTerms(p, cur) {
		refuse(ReasonNoChange, "the proposed terms are the order's terms")
	}
	if p.Currency != cur.Currency {
		refuse(ReasonCurrencyChanged, "the currency may not change from %s to %s", cur.Currency, p.Currency)
		return out, nil // the amounts cannot be compared
	}
	if p.Destination != cur.Destination {
		refuse(ReasonDestinationChanged, "the destination may not change from %s to %s", cur.Destination, p.Destination)
	}
	// new ≤ old × (100 + max) / 100, in exact integers.
	limit := new(big.Int).Mul(big.NewInt(cur.ShippingCost.Minor()), big.NewInt(100+rules.MaxShippingIncreasePercent))
	if new(big.Int).Mul(big.NewInt(p.ShippingCost.Minor()), big.NewInt(100)).Cmp(limit) > 0 {
		refuse(ReasonShippingIncrease, "the shipping cost may rise by at most %d%% of %s; %s is more",
			rules.MaxShippingIncreasePercent, cur.ShippingCost, p.ShippingCost)
	}
	if o.Frozen() {
		was, err := cur.Tranches()
		if err != nil {
			return nil, fmt.Errorf("order %s: the current terms: %w", o.ID, err)
		}
		would, err := p.Tranches()
		if err != nil {
			return nil, err
		}
		oldTotal, _ := cur.Total() // both valid: Tranches computed them
		newTotal, _ := p.Total()
		switch {
		case oldTotal != newTotal:
			refuse(ReasonTotalFrozen, "%s is paid, so the total %s may not become %s", o.Paid(), oldTotal, newTotal)
		case !slices.EqualFunc(was, would, func(a, b Due) bool { return a.Tranche == b.Tranche && a.Amount == b.Amount }):
			refuse(ReasonScheduleFrozen, "%s is paid, so the amounts of the payment schedule may not change", o.Paid())
		}
	}
	return out, nil
}
