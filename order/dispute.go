package order

import (
	"context"
	"fmt"
	"slices"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// DisputeRequest is a dispute case the dispute service admitted, to be
// opened on its order: the case's id and its claimant (the buyer, the
// supplier, or a platform agent for them).
type DisputeRequest struct {
	CaseID   string        `json:"case_id"`
	Claimant payment.Actor `json:"claimant"`
}

// OpenDispute records that the dispute case of req was opened on the order
// by its claimant: the order is disputed, its windows stop running (no
// expiry, no auto-confirmation, no late-shipment compensation while
// disputed), and its escrow account is frozen, so nothing leaves escrow
// until the dispute ends. A dispute is opened from production to delivery,
// and on delivered goods until the claim deadline (coverage.Rules.ClaimDeadline
// of the delivery, inclusive: the deadline the coverage rules admit
// claims by, whatever the receipt window), whether or not the buyer
// confirmed receipt and the money was released (a completed order: see
// ResolveDispute for what the programme's guarantee then pays); after the
// deadline it is a *WindowClosedError (wrapping ErrWindowClosed). Another
// while one is open is a *TransitionError, and so is one on a completed
// order by its supplier (who was paid), a second one after release, or one
// on an order a dispute completed (that dispute settled it). Idempotent
// per case.
//
// Only the dispute service opens a dispute, for a case it admitted: by must
// be Config.Disputes (a *payment.ActorError otherwise), so that no dispute
// without an admitted case freezes an order's escrow. The claimant must be
// one the order's transition table lets dispute it, and a party of the
// order.
func (s *Service) OpenDispute(ctx context.Context, by payment.Actor, id string, req DisputeRequest) (*Order, error) {
	if err := s.requireDisputes(by, "open a dispute on order "+id+" (only the dispute service does, for a case it admitted)"); err != nil {
		return nil, err
	}
	caseID := req.CaseID
	if caseID == "" {
		return nil, invalidf("a dispute needs its case id")
	}
	if err := payment.CheckLengths(ErrInvalidRequest, payment.CheckID("the case id", caseID)); err != nil {
		return nil, err
	}
	return s.do(ctx, req.Claimant, id, ownKey("dispute/"+caseID+"/open"), "open_dispute", caseID, func(c *change) error {
		from := c.o.State
		if err := c.fire(OpenDispute); err != nil {
			return err
		}
		if from == Completed && !c.o.claimableAfterRelease(req.Claimant) {
			return &TransitionError{From: from, Event: OpenDispute}
		}
		if deadline := s.coverage.ClaimDeadline(c.o.DeliveredAt); (from == Delivered || from == Completed) && c.now.After(deadline) {
			return &WindowClosedError{OrderID: c.o.ID, Window: "claim", ClosedAt: deadline}
		}
		c.o.Disputes = append(c.o.Disputes, DisputeRecord{CaseID: caseID, From: from, OpenedAt: c.now})
		c.escrowOp(func(ctx context.Context, key string) (*escrow.Receipt, error) {
			return s.escrow.Freeze(ctx, s.actor, c.o.ID, key, "dispute "+caseID+" opened")
		})
		return nil
	})
}

// claimableAfterRelease reports whether claimant may open a claim on the
// completed order: its buyer (or a platform agent), once, on an order
// completed by the confirmation of receipt. An order a dispute completed
// was settled by that dispute (the buyer may have been refunded part of
// it already), and the supplier was paid.
func (o *Order) claimableAfterRelease(claimant payment.Actor) bool {
	if claimant.Role == payment.RoleSupplier || slices.ContainsFunc(o.Disputes, func(d DisputeRecord) bool { return d.From == Completed }) {
		return false
	}
	for _, a := range o.History.All() {
		if a.Event == ConfirmReceipt {
			return true
		}
	}
	return false
}

// ReasonLateShipmentByDispute is the reason code of a late-shipment
// compensation paid by a dispute's decision or settlement, not by the
// sweep.
const ReasonLateShipmentByDispute = "order.late.compensated_by_dispute"

// Resolution is how a dispute ends for the order.
type Resolution struct {
	CaseID string `json:"case_id"`
	// Continue lets the order go on from the state it was disputed in (a
	// claim withdrawn or rejected before delivery, a compensation while the
	// goods are still to come); only Compensate may then be set. Otherwise
	// the order ends: Refund, Compensate and Release (the zero Money for
	// none) must add up to what escrow holds for it (Order.Remaining).
	Continue bool `json:"continue,omitempty"`
	// Refund and Compensate go to the buyer; Release to the supplier, less
	// the escrow service's release fee.
	Refund     payment.Money `json:"refund"`
	Compensate payment.Money `json:"compensate"`
	Release    payment.Money `json:"release"`
	// SupplierAtFault is recorded on the order and in the supplier's
	// record (a dispute lost).
	SupplierAtFault bool `json:"supplier_at_fault,omitempty"`
	// LateShipment says that Compensate is the order's late-shipment
	// compensation: it is recorded as such (Order.LateShipment), so the
	// sweep does not pay it again.
	LateShipment bool `json:"late_shipment,omitempty"`
}

// ResolveDispute ends the order's open dispute, as its case decided (by
// the dispute service alone, Config.Disputes; idempotent per case). The
// escrow account is unfrozen and then: the order goes on where it was,
// after paying any compensation, with the receipt window moved by the time
// the dispute took; or the order ends in one escrow settlement of the three
// parts, refunds recorded on the payments, the supplier's limit given back
// and the order entered in the supplier's record. An order that ends with
// nothing released to the supplier is refunded; otherwise it is completed.
// A payment still processing when the order ends is refunded when it
// succeeds (see ReportPayment). A resolution for another case than the
// open one, or whose parts do not add up, is an ErrInvalidRequest error.
//
// On an order disputed once completed (its money released to the
// supplier), the parts split what was released: Release is what the
// supplier keeps, and nothing moves for it. What the buyer is refunded and
// compensated, at most the order's cover (Coverage.Limit; more is an
// ErrInvalidAmount error), the programme's guarantee pays into escrow and
// on to the buyer (escrow.SettleRequest.Guarantee), and the supplier owes
// it back (supplier.Service.ChargeReceivable): its next releases in the
// order's currency withhold it until it is recovered. Such an order that
// refunds everything released is refunded; otherwise it stays completed.
// Letting it go on (Continue) pays nothing. Either way the supplier's
// record of the order counts the dispute, lost when the supplier was at
// fault (supplier.Service.RecordOrder amends it).
func (s *Service) ResolveDispute(ctx context.Context, by payment.Actor, id string, r Resolution) (*Order, error) {
	if err := s.requireDisputes(by, "resolve a dispute on order "+id+" (only the dispute service does, as its case decided)"); err != nil {
		return nil, err
	}
	if err := payment.CheckLengths(ErrInvalidRequest, payment.CheckID("the case id", r.CaseID)); err != nil {
		return nil, err
	}
	return s.do(ctx, by, id, ownKey("dispute/"+r.CaseID+"/resolve"), "resolve_dispute", r, func(c *change) error {
		open, ok := c.o.OpenDispute()
		if !ok || open.CaseID != r.CaseID {
			return invalidf("order %s has no open dispute %s", c.o.ID, r.CaseID)
		}
		released := open.From == Completed // the claim came after the money was released
		parts, err := r.parts(c.o, released)
		if err != nil {
			return err
		}
		ev := ResolveForSupplier
		switch {
		case r.Continue:
			ev = ResumeEvent(open.From)
		case !parts.release.IsPositive():
			ev = ResolveForBuyer
		}
		if err := c.fire(ev); err != nil {
			return err
		}
		d := &c.o.Disputes[len(c.o.Disputes)-1]
		d.ClosedAt, d.SupplierAtFault = c.now, r.SupplierAtFault
		c.escrowOp(func(ctx context.Context, key string) (*escrow.Receipt, error) {
			return s.escrow.Unfreeze(ctx, s.actor, c.o.ID, key, "dispute "+r.CaseID+" resolved")
		})
		if parts.compensate.IsPositive() {
			if r.LateShipment && c.o.LateShipment.DecidedAt.IsZero() {
				c.o.LateShipment = LateShipment{DecidedAt: c.now, Amount: parts.compensate, Reasons: []payment.Reason{{
					Code: ReasonLateShipmentByDispute, Text: "compensated by the decision of dispute " + r.CaseID}}}
			}
		}
		if released {
			s.payFromGuarantee(c, r.CaseID, parts)
			s.recordOrder(c) // the supplier's record counts the dispute, and whether it was lost
			return nil
		}
		if r.Continue {
			if parts.compensate.IsPositive() {
				if err := s.compensate(c, "", parts.compensate, "dispute "+r.CaseID); err != nil {
					return err
				}
			}
			if c.o.State == Delivered {
				c.o.ReceiptDeadline = c.o.ReceiptDeadline.Add(c.now.Sub(open.OpenedAt))
			}
			return nil
		}
		if parts.refund.IsPositive() || parts.compensate.IsPositive() || parts.release.IsPositive() {
			settle := escrow.SettleRequest{Refund: parts.refund, Compensate: parts.compensate, Release: parts.release, Memo: "dispute " + r.CaseID}
			if parts.compensate.IsPositive() {
				sum, err := c.o.Compensated().Add(parts.compensate)
				if err != nil {
					return err
				}
				c.o.Compensation = sum
			}
			s.releasing(c, func(ctx context.Context, key string, recover payment.Money) (*escrow.Receipt, error) {
				settle.Recover = recover
				return s.escrow.Settle(ctx, s.actor, c.o.ID, key, settle)
			})
		}
		if parts.refund.IsPositive() {
			s.refundRecords(c, parts.refund)
		}
		s.releaseLimit(c)
		s.recordOrder(c)
		return nil
	})
}

// payFromGuarantee pays the buyer's parts of the resolution of case caseID
// on an order whose money was released: the guarantee pays them into the
// order's escrow account and on to the buyer, the refund is recorded on
// the payments, and the supplier owes the guarantee what it paid.
func (s *Service) payFromGuarantee(c *change, caseID string, parts split) {
	paid, _ := parts.refund.Add(parts.compensate) // both in the order's currency, within its cover
	if !paid.IsPositive() {
		return
	}
	if parts.compensate.IsPositive() {
		c.o.Compensation, _ = c.o.Compensated().Add(parts.compensate)
	}
	settle := escrow.SettleRequest{Refund: parts.refund, Compensate: parts.compensate, Guarantee: paid,
		Memo: "dispute " + caseID + " after release: paid by the guarantee"}
	c.escrowOp(func(ctx context.Context, key string) (*escrow.Receipt, error) {
		return s.escrow.Settle(ctx, s.actor, c.o.ID, key, settle)
	})
	if parts.refund.IsPositive() {
		s.refundRecords(c, parts.refund)
	}
	c.then(func(ctx context.Context, _ string) error {
		_, err := s.suppliers.ChargeReceivable(ctx, s.actor, c.o.SupplierID, supplier.ReceivableRequest{OrderID: c.o.ID, CaseID: caseID, Amount: paid})
		return err
	})
}

// split is a resolution's parts, each in the order's currency (zero for
// an unset part).
type split struct{ refund, compensate, release payment.Money }

// parts checks the resolution against the order and returns its parts;
// released says the order's money was released before the dispute, so
// that the guarantee pays the buyer's parts, within the order's cover.
func (r Resolution) parts(o *Order, released bool) (split, error) {
	zero, err := payment.FromMinor(0, o.Terms.Currency)
	if err != nil {
		return split{}, err
	}
	var p split
	var sum int64
	for _, f := range []struct {
		name string
		in   payment.Money
		out  *payment.Money
	}{{"Refund", r.Refund, &p.refund}, {"Compensate", r.Compensate, &p.compensate}, {"Release", r.Release, &p.release}} {
		*f.out = zero
		if f.in == (payment.Money{}) {
			continue
		}
		if f.in.Currency() != o.Terms.Currency {
			return split{}, &payment.CurrencyMismatchError{Want: o.Terms.Currency, Got: f.in.Currency()}
		}
		if f.in.IsNegative() {
			return split{}, fmt.Errorf("%w: %s %s is negative", payment.ErrInvalidAmount, f.name, f.in)
		}
		*f.out, sum = f.in, sum+f.in.Minor()
	}
	left := o.Remaining().Minor()
	switch {
	case r.Continue && (p.refund.IsPositive() || p.release.IsPositive()):
		return split{}, invalidf("a resolution that lets order %s go on only compensates", o.ID)
	case r.Continue && sum > left:
		return split{}, fmt.Errorf("%w: compensation %s is above what escrow holds for order %s, %s", payment.ErrInvalidAmount, p.compensate, o.ID, o.Remaining())
	case !r.Continue && sum != left:
		return split{}, invalidf("the parts of a resolution that ends order %s add up to %d minor units, not the %s escrow holds", o.ID, sum, o.Remaining())
	case released && r.Continue && p.compensate.IsPositive():
		return split{}, invalidf("a resolution that lets order %s go on after its money was released pays nothing", o.ID)
	case released && p.refund.Minor()+p.compensate.Minor() > o.Coverage.Limit.Minor():
		return split{}, fmt.Errorf("%w: the guarantee pays the buyer of order %s at most its cover, %s", payment.ErrInvalidAmount, o.ID, o.Coverage.Limit)
	}
	return p, nil
}

// requireDisputes refuses every caller but the dispute service
// (Config.Disputes): an invalid actor with ErrInvalidRequest, any other
// with a *payment.ActorError.
func (s *Service) requireDisputes(by payment.Actor, action string) error {
	if err := by.Validate(); err != nil {
		return err
	}
	if by != s.disputes {
		return &payment.ActorError{Actor: by, Action: action}
	}
	return nil
}
