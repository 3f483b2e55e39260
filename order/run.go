package order

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/internal/idem"
	"github.com/tradeassure/tradeassure/internal/unit"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// atomic runs op as one unit of work (Config.Unit), run again whole when
// it lost a race to another, and then publishes the notices of the order
// op returned that are not published yet. Inside a unit of work the
// caller began, op runs in that unit, which the caller commits and
// retries; the notices wait for Resume or the next Sweep.
func (s *Service) atomic(ctx context.Context, op func(ctx context.Context) (*Order, error)) (*Order, error) {
	var o *Order
	work := func(ctx context.Context) error {
		var err error
		o, err = op(ctx)
		return err
	}
	if err := s.inUnit(ctx, work); err != nil {
		return nil, err
	}
	if unit.In(ctx) {
		return o, nil
	}
	return s.publish(ctx, o)
}

// inUnit runs work as one unit of work, run again whole when it lost a
// race; inside a unit the caller began, once, in that unit, which the
// caller commits and retries.
func (s *Service) inUnit(ctx context.Context, work func(ctx context.Context) error) error {
	if unit.In(ctx) {
		return s.unit.Do(ctx, work)
	}
	return idem.RetryOn(ctx, conflict, func() error { return s.unit.Do(ctx, work) })
}

// conflict reports whether err is a store's or a unit of work's
// conflict: the unit lost a race, and runs again.
func conflict(err error) bool {
	return errors.Is(err, ErrConflict) || errors.Is(err, payment.ErrConflict) ||
		errors.Is(err, escrow.ErrConflict) || errors.Is(err, supplier.ErrConflict)
}

// publish publishes the order's notices not published yet, in the order
// of its history, and records how far it got. A notice is published after
// the unit of work that recorded its action committed: at least once, and
// never for an action that did not happen. A failure leaves the rest for
// Resume or the next Sweep.
func (s *Service) publish(ctx context.Context, o *Order) (*Order, error) {
	if s.publisher == nil || o.Published >= len(o.History) {
		return o, nil
	}
	published := o.Published
	var failure error
	for _, a := range o.History[o.Published:] {
		if err := s.publisher.Publish(ctx, Notice{OrderID: o.ID, BuyerID: o.BuyerID, SupplierID: o.SupplierID, Action: a}); err != nil {
			failure = fmt.Errorf("order %s: publish action %d: %w", o.ID, a.Seq, err)
			break
		}
		published++
	}
	if published == o.Published {
		return nil, failure
	}
	var stored *Order
	err := s.inUnit(ctx, func(ctx context.Context) error {
		var err error
		stored, err = idem.Update(ctx, ErrConflict, func(f func(*Order) error) (*Order, error) { return s.store.Update(ctx, o.ID, f) }, func(o *Order) error {
			if published <= o.Published {
				return idem.ErrUnchanged
			}
			o.Published = published
			o.Deadline = s.deadline(o)
			return nil
		})
		return err
	})
	if err = errors.Join(failure, err); err != nil {
		return nil, err
	}
	return stored, nil
}

// finish runs the order's pending steps in the order they were recorded,
// in the unit of work ctx carries, and records what got done. It returns
// the order as stored, or the first failure: the unit then commits
// nothing.
func (s *Service) finish(ctx context.Context, o *Order) (*Order, error) {
	pending := o.pendingSteps()
	if len(pending) == 0 {
		return o, nil
	}
	var (
		done []string
		cov  *Coverage
	)
	for _, i := range pending {
		st := o.Steps[i]
		c, err := s.run(ctx, o, st)
		if err != nil {
			return nil, fmt.Errorf("order %s: step %s (%s): %w", o.ID, st.Kind, st.Key, err)
		}
		done = append(done, st.Key)
		if c != nil {
			cov = c
		}
	}
	return idem.Update(ctx, ErrConflict, func(f func(*Order) error) (*Order, error) { return s.store.Update(ctx, o.ID, f) }, func(o *Order) error {
		changed := false
		for i := range o.Steps {
			if !o.Steps[i].Done && slices.Contains(done, o.Steps[i].Key) {
				o.Steps[i].Done, changed = true, true
			}
		}
		if cov != nil && o.Coverage.Reserved == (payment.Money{}) {
			o.Coverage, changed = *cov, true
		}
		if !changed {
			return idem.ErrUnchanged
		}
		o.Deadline = s.deadline(o)
		return nil
	})
}

// run runs one step against the service it concerns. A reservation
// returns the coverage it secured.
func (s *Service) run(ctx context.Context, o *Order, st Step) (*Coverage, error) {
	var err error
	by := st.By
	if by == (payment.Actor{}) { // a step recorded before steps kept their actor
		by = s.actor
	}
	switch st.Kind {
	case StepOpenEscrow:
		cur := o.Terms.Currency
		if st.Account != "" {
			cur = st.Amount.Currency()
		}
		_, err = s.escrow.Open(ctx, by, escrow.OpenRequest{OrderID: st.account(o), BuyerID: o.BuyerID, SupplierID: o.SupplierID, Currency: cur})
	case StepHold:
		_, err = s.escrow.Hold(ctx, by, o.ID, st.Key, escrow.HoldRequest{Amount: st.Amount, PaymentID: st.PaymentID, Memo: st.Memo})
	case StepReturn:
		_, err = s.escrow.Return(ctx, by, st.account(o), st.Key, escrow.HoldRequest{Amount: st.Amount, PaymentID: st.PaymentID, Memo: st.Memo})
	case StepCompensate:
		_, err = s.escrow.Compensate(ctx, by, o.ID, st.Key, escrow.CompensateRequest{Amount: st.Amount, Memo: st.Memo})
	case StepFreeze:
		_, err = s.escrow.Freeze(ctx, by, o.ID, st.Key, st.Memo)
	case StepUnfreeze:
		_, err = s.escrow.Unfreeze(ctx, by, o.ID, st.Key, st.Memo)
	case StepSettle:
		_, err = s.escrow.Settle(ctx, by, o.ID, st.Key, escrow.SettleRequest{Refund: st.Refund, Compensate: st.Compensate, Release: st.Amount, Memo: st.Memo})
	case StepRelease:
		_, err = s.escrow.Release(ctx, by, o.ID, st.Key, escrow.ReleaseRequest{Amount: st.Amount, Fee: st.Fee, Memo: st.Memo})
	case StepRefund:
		_, err = s.escrow.Refund(ctx, by, o.ID, st.Key, escrow.RefundRequest{Amount: st.Amount, Memo: st.Memo})
	case StepRefundRecord:
		_, err = s.payments.RecordRefund(ctx, by, st.PaymentID, st.Key, payment.RefundRequest{Amount: st.Amount})
	case StepReserve:
		cov, err := s.reserve(ctx, o, st)
		return notCovered(o, cov, err)
	case StepReleaseLimit:
		_, err = s.suppliers.Release(ctx, by, o.SupplierID, o.ID)
	case StepRecordOrder:
		err = s.recordOrder(ctx, o, st)
	default:
		err = fmt.Errorf("unknown step kind %q", string(st.Kind))
	}
	return nil, err
}

// account returns the escrow account the step runs on: its Account, or
// the order's.
func (st Step) account(o *Order) string {
	if st.Account != "" {
		return st.Account
	}
	return o.ID
}

// notCovered returns what a reservation that returned cov and err gives
// the order: a refusal by the supplier's rules (not enrolled, no rate to
// convert the limit) is no failure but no coverage, with the reason, so
// that it never blocks the steps after it (refunds, releases); other
// errors (a store's) fail the step, for a retry.
func notCovered(o *Order, cov *Coverage, err error) (*Coverage, error) {
	var code string
	switch {
	case errors.Is(err, supplier.ErrNotEnrolled):
		code = ReasonCoverageNotEnrolled
	case errors.Is(err, payment.ErrNoRate):
		code = ReasonCoverageNoRate
	default:
		return cov, err
	}
	zero, _ := payment.FromMinor(0, o.Terms.Currency)
	return &Coverage{Reserved: zero, Limit: zero, Uncovered: payment.Reason{Code: code, Text: err.Error()}}, nil
}

// reserve reserves the order's coverage on the supplier's limit: the order
// value, or what the limit has available when that is less. It keeps a
// reservation a previous run made. A reservation that loses a race for
// the limit is tried again with what is left.
func (s *Service) reserve(ctx context.Context, o *Order, st Step) (*Coverage, error) {
	total, err := o.Total()
	if err != nil {
		return nil, err
	}
	// short is the supplier service's last refusal, and the version of the
	// record read before it: the service judges the limit as it stands
	// now, which may be less than the stored record says (trailing volume
	// left its window), and what it said is available then bounds the
	// next request until the record changes.
	var short *supplier.LimitError
	var shortAt int64
	for range idem.Attempts {
		sup, err := s.suppliers.Supplier(ctx, o.SupplierID)
		if err != nil {
			return nil, err
		}
		if i := slices.IndexFunc(sup.Reservations, func(r supplier.Reservation) bool { return r.OrderID == o.ID }); i >= 0 {
			return s.covers(ctx, o, sup.Reservations[i].Amount, st)
		}
		inOrder, inLimit, err := s.available(ctx, o, sup, st.At)
		if err != nil {
			return nil, err
		}
		if !inOrder.IsPositive() {
			return &Coverage{Reserved: inLimit, Limit: inOrder}, nil
		}
		want := inLimit // the whole limit when it covers less than the order
		if total.Minor() < inOrder.Minor() {
			if want, _, err = payment.ConvertAt(ctx, s.rates, total, inLimit.Currency(), st.At, payment.RoundUp); err != nil {
				return nil, err
			}
			if want.Minor() > inLimit.Minor() {
				want = inLimit
			}
		}
		if short != nil && shortAt == sup.Version && short.Available.Minor() < want.Minor() {
			if want = short.Available; !want.IsPositive() {
				zero, _ := payment.FromMinor(0, o.Terms.Currency)
				return &Coverage{Reserved: want, Limit: zero}, nil
			}
		}
		_, err = s.suppliers.Reserve(ctx, s.actor, o.SupplierID, o.ID, want)
		if errors.As(err, &short) {
			shortAt = sup.Version
			continue // another order took part of the limit, or less is available now: look again
		}
		if err != nil {
			return nil, err
		}
		// A cancellation may have given the limit back while this step ran
		// (its release found nothing to release): give it back again.
		now, err := s.store.Order(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(now.Steps, func(st Step) bool { return st.Kind == StepReleaseLimit }) {
			if _, err := s.suppliers.Release(ctx, s.actor, o.SupplierID, o.ID); err != nil {
				return nil, err
			}
		}
		return s.covers(ctx, o, want, st)
	}
	return nil, fmt.Errorf("%w: the limit of supplier %s kept changing", ErrConflict, o.SupplierID)
}

// covers returns the coverage a reservation of reserved, in the limit's
// currency, gives the order: reserved in the order's currency, rounded
// down, and never above the order's value.
func (s *Service) covers(ctx context.Context, o *Order, reserved payment.Money, st Step) (*Coverage, error) {
	total, err := o.Total()
	if err != nil {
		return nil, err
	}
	limit, _, err := payment.ConvertAt(ctx, s.rates, reserved, o.Terms.Currency, st.At, payment.RoundDown)
	if err != nil {
		return nil, err
	}
	if limit.Minor() > total.Minor() {
		limit = total
	}
	return &Coverage{Reserved: reserved, Limit: limit}, nil
}

// recordOrder records the finished order in the supplier's record, its
// value converted into the limit's currency at the step's time.
func (s *Service) recordOrder(ctx context.Context, o *Order, st Step) error {
	sup, err := s.suppliers.Supplier(ctx, o.SupplierID)
	if err != nil {
		return err
	}
	value, err := o.Total()
	if err != nil {
		return err
	}
	if c := sup.Limit.Amount.Currency(); c != "" {
		if value, _, err = payment.ConvertAt(ctx, s.rates, value, c, st.At, payment.RoundHalfEven); err != nil {
			return err
		}
	}
	shipped := o.Shipment.ShippedAt
	_, err = s.suppliers.RecordOrder(ctx, s.actor, o.SupplierID, supplier.OrderRecord{
		OrderID: o.ID, BuyerID: o.BuyerID, Value: value, CompletedAt: st.At,
		OnTime:      !shipped.IsZero() && !shipped.After(o.Terms.ShipBy),
		Disputed:    len(o.Disputes) > 0,
		DisputeLost: slices.ContainsFunc(o.Disputes, func(d DisputeRecord) bool { return d.SupplierAtFault }),
	})
	return err
}
