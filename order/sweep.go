package order

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/internal/sweep"
	"github.com/tradeassure/tradeassure/payment"
)

// The references of the sweep's actions (the service's own keys, which no
// caller's key can reach): each happens once per order.
const (
	refExpire      = "sweep/expire"
	refAutoConfirm = "sweep/confirm-receipt"
	refLate        = "sweep/late-shipment"
)

// expiresAt returns when the order expires if nothing happens: the end of
// the confirmation or payment window, or zero when no window runs (a
// payment is processing, or the order is past payment).
func (s *Service) expiresAt(o *Order) time.Time {
	switch {
	case o.State == AwaitingConfirmation:
		return o.SubmittedAt.AddDate(0, 0, s.rules.ConfirmDays)
	case o.State == AwaitingPayment && !o.PaymentProcessing():
		return o.ConfirmedAt.AddDate(0, 0, s.rules.PayDays)
	}
	return time.Time{}
}

// lateFrom returns the instant from which late-shipment compensation is
// due, or zero when none will be: it was decided already, nothing is paid,
// the order is not between payment and receipt, or the goods shipped on
// time.
func lateFrom(o *Order) time.Time {
	switch {
	case !o.LateShipment.DecidedAt.IsZero(), !o.Paid().IsPositive(),
		!slices.Contains([]State{Paid, InProduction, AwaitingInspection, ReadyToShip, Shipped, Delivered}, o.State):
		return time.Time{}
	case !o.Shipment.ShippedAt.IsZero() && !o.Shipment.ShippedAt.After(o.Terms.ShipBy):
		return time.Time{}
	}
	return o.Terms.ShipBy.Add(time.Nanosecond)
}

// deadline returns the order's next deadline: the earliest of the window that expires it, the instant
// late-shipment compensation becomes due, and the end of the receipt
// window.
func (s *Service) deadline(o *Order) time.Time {
	var d time.Time
	at := func(t time.Time) {
		if !t.IsZero() && (d.IsZero() || t.Before(d)) {
			d = t
		}
	}
	at(s.expiresAt(o))
	at(lateFrom(o))
	if o.State == Delivered {
		at(o.ReceiptDeadline)
	}
	return d
}

// ReasonLateCappedByEscrow is added to the reasons of a late-shipment
// compensation the coverage rules put above what escrow still holds for
// the order (a dispute compensated the buyer before): the compensation is
// what escrow holds.
const ReasonLateCappedByEscrow = "order.late.capped_by_escrow"

// compensateLate decides the late-shipment compensation when it is due at
// the change's time, and records its payment out of escrow, under
// coverage.LateCompensationKey.
func (s *Service) compensateLate(c *change) error {
	from := lateFrom(c.o)
	if from.IsZero() || c.now.Before(from) {
		return nil
	}
	comp, err := s.coverage.LateCompensation(c.ctx, c.o.Facts(), c.now, s.rates)
	if err != nil {
		return err
	}
	if left := c.o.Remaining(); comp.Amount.Minor() > left.Minor() && comp.Amount.Currency() == left.Currency() {
		comp.Amount = left
		comp.Reasons = append(comp.Reasons, payment.Reason{Code: ReasonLateCappedByEscrow,
			Text: "capped at the " + left.String() + " escrow holds for the order"})
	}
	c.o.LateShipment = LateShipment{DecidedAt: c.now, Amount: comp.Amount, Reasons: comp.Reasons}
	if comp.Owed && comp.Amount.IsPositive() {
		return s.compensate(c, coverage.LateCompensationKey, comp.Amount, "late shipment")
	}
	return nil
}

// SweepReport says what a Sweep did: the orders it expired, whose receipt
// it confirmed, whose late shipment it compensated (or decided nothing was
// owed). Failures lists the orders it could not move, each wrapped with
// its id; they stay due for the next sweep.
type SweepReport struct {
	Expired       []string `json:"expired,omitempty"`
	AutoConfirmed []string `json:"auto_confirmed,omitempty"`
	Compensated   []string `json:"compensated,omitempty"`
	Failures      []error  `json:"-"`
}

// Sweep does what time alone makes due at now, for every order whose
// deadline is not after now, and returns what it did. Callers run it on a
// schedule, from one worker or several at once:
//
//   - an order sent and not confirmed within Rules.ConfirmDays, or
//     confirmed and not paid within Rules.PayDays, expires;
//   - receipt of goods delivered and not confirmed when the receipt window
//     closes is confirmed, and the supplier paid;
//   - an order whose agreed shipment date passed before shipment is
//     compensated out of escrow by the coverage rules, without the buyer
//     applying, once per order;
//
// Each of these is an action under a fixed reference of the service's own, so two sweeps at once, or a
// sweep run twice, do each once. Sweep finds due orders through
// Store.Due, never by scanning every order. It moves every due order it
// can, and returns an error only when the store cannot be read; orders it
// could not move are in the report's Failures.
func (s *Service) Sweep(ctx context.Context, now time.Time) (*SweepReport, error) {
	if now.IsZero() {
		return nil, invalidf("Sweep: no time given")
	}
	rep := &SweepReport{}
	var err error
	rep.Failures, err = sweep.Run(ctx, now, s.batch, "order", s.store.Due,
		func(o *Order) string { return o.ID }, func(o *Order) time.Time { return o.Deadline },
		func(o *Order) (*Order, error) { return s.advance(ctx, o, now, rep) })
	return rep, err
}

// advance does what is due on one order at now, and returns the order as
// it is left.
func (s *Service) advance(ctx context.Context, o *Order, now time.Time, rep *SweepReport) (*Order, error) {
	var (
		ref, name string
		fn        func(*change) error
		list      *[]string
	)
	switch exp := s.expiresAt(o); {
	case !exp.IsZero() && !now.Before(exp):
		ref, name, list = refExpire, "expire", &rep.Expired
		fn = func(c *change) error {
			if exp := s.expiresAt(c.o); exp.IsZero() || c.now.Before(exp) {
				return errNotDue
			}
			return c.fire(Expire)
		}
	case o.State == Delivered && !now.Before(o.ReceiptDeadline):
		ref, name, list = refAutoConfirm, "confirm_receipt", &rep.AutoConfirmed
		fn = func(c *change) error {
			if c.o.State != Delivered || c.now.Before(c.o.ReceiptDeadline) {
				return errNotDue
			}
			return s.complete(c)
		}
	case !lateFrom(o).IsZero() && !now.Before(lateFrom(o)):
		ref, name, list = refLate, "compensate_late_shipment", &rep.Compensated
		fn = func(c *change) error {
			if from := lateFrom(c.o); from.IsZero() || c.now.Before(from) {
				return errNotDue
			}
			return s.compensateLate(c)
		}
	default:
		return o, nil
	}
	fp, err := fingerprint(name, payment.Actor{}, nil)
	if err != nil {
		return nil, err
	}
	after, replayed, err := s.actOnce(ctx, s.actor, o.ID, ownKey(ref), name, fp, now, fn)
	switch {
	case errors.Is(err, errNotDue):
		return s.store.Order(ctx, o.ID) // another worker moved it first
	case err != nil:
		return nil, err
	case replayed: // another worker did it first
		return after, nil
	}
	*list = append(*list, o.ID)
	if list != &rep.Compensated && o.LateShipment.DecidedAt.IsZero() && !after.LateShipment.DecidedAt.IsZero() {
		rep.Compensated = append(rep.Compensated, o.ID)
	}
	return after, nil
}

// errNotDue is returned by a sweep action that finds, on the stored
// order, that another worker did what was due first.
var errNotDue = errors.New("order: not due any more")
