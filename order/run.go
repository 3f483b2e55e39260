package order

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/internal/idem"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// atomic runs op as one unit of work (Config.Unit), run again whole when
// it lost a race to another; inside a unit the caller began, once, in
// that unit, which the caller commits and retries.
func (s *Service) atomic(ctx context.Context, op func(ctx context.Context) (*Order, error)) (*Order, error) {
	return idem.Atomic(ctx, s.unit, ErrConflict, conflict, op)
}

// prefetch reads ahead, in the unit ctx carries, what an action on order
// id that moves its money reads: the order, its escrow account, its
// supplier with its record of the order (found from the order's id:
// supplier.Service.SupplierOf) and the payments named (see
// payment.Prefetch: one round trip on PostgreSQL, nothing in memory).
func (s *Service) prefetch(ctx context.Context, id string, paymentIDs ...string) {
	if !payment.ReadsAhead(ctx) {
		return
	}
	reads := []func(context.Context) error{
		func(ctx context.Context) error { _, err := s.store.Order(ctx, id); return err },
		func(ctx context.Context) error { _, err := s.escrow.Account(ctx, id); return err },
		func(ctx context.Context) error { _, err := s.suppliers.SupplierOf(ctx, id); return err },
	}
	for _, pid := range paymentIDs {
		reads = append(reads, func(ctx context.Context) error { _, err := s.payments.Payment(ctx, pid); return err })
	}
	payment.Prefetch(ctx, reads...)
}

// conflict reports whether err is a store's or a unit of work's
// conflict: the unit lost a race, and runs again.
func conflict(err error) bool {
	return errors.Is(err, ErrConflict) || errors.Is(err, payment.ErrConflict) ||
		errors.Is(err, escrow.ErrConflict) || errors.Is(err, supplier.ErrConflict)
}

// effect is work on another aggregate (escrow, the supplier's limit, a
// payment record) that an action requires. It runs in the action's unit
// of work, once the action changed the order and before the order is
// written, under key, the order's own: all of them and the action, or
// none.
type effect func(ctx context.Context, key string) error

// then records work the action requires, run as the service's actor once
// the action changed the order.
func (c *change) then(e effect) { c.effects = append(c.effects, e) }

// run runs the work the action recorded, in the order recorded, each
// under the key "order/" + the action's sequence number + "/" + its
// position (an escrow key is scoped to the account, the order's; the key
// holds no id, so it stays short whatever the order's id), or the key it
// named.
func (c *change) run(ctx context.Context, seq int) error {
	for i, e := range c.effects {
		if err := e(ctx, fmt.Sprintf("order/%d/%d", seq, i+1)); err != nil {
			return fmt.Errorf("order %s: %w", c.o.ID, err)
		}
	}
	return nil
}

// openEscrow opens the escrow account acct in cur for the order
// (idempotent: an account opened before is kept).
func (s *Service) openEscrow(c *change, acct string, cur payment.Currency) {
	c.then(func(ctx context.Context, _ string) error {
		_, err := s.escrow.Open(ctx, s.actor, escrow.OpenRequest{OrderID: acct, BuyerID: c.o.BuyerID, SupplierID: c.o.SupplierID, Currency: cur})
		return err
	})
}

// refundRecord records a refund of amount on payment paymentID.
func (s *Service) refundRecord(c *change, paymentID string, amount payment.Money) {
	c.then(func(ctx context.Context, key string) error {
		_, err := s.payments.RecordRefund(ctx, s.actor, paymentID, key, payment.RefundRequest{Amount: amount})
		return err
	})
}

// releaseLimit gives the order's reservation back to the supplier's
// limit.
func (s *Service) releaseLimit(c *change) {
	c.then(func(ctx context.Context, _ string) error {
		_, err := s.suppliers.Release(ctx, s.actor, c.o.SupplierID, c.o.ID)
		return err
	})
}

// releasing records an escrow operation that releases money to the
// supplier (a release, a settlement's release), given what it is to
// withhold for the programme's guarantee: what the supplier owes it in the
// order's currency (supplier.Supplier.Owed; the zero Money when nothing).
// What the release withheld (its Recovery entry, never more than the
// supplier's net) is recorded as recovered from the supplier.
func (s *Service) releasing(c *change, op func(ctx context.Context, key string, recover payment.Money) (*escrow.Receipt, error)) {
	c.then(func(ctx context.Context, key string) error {
		sup, err := s.suppliers.Supplier(ctx, c.o.SupplierID)
		if err != nil {
			return err
		}
		var recover payment.Money
		if owed := sup.Owed(c.o.Terms.Currency); owed.IsPositive() {
			recover = owed
		}
		r, err := op(ctx, key, recover)
		if err != nil || recover == (payment.Money{}) {
			return err
		}
		for _, e := range r.Entries {
			if e.To == escrow.Recovery {
				_, err = s.suppliers.RecoverReceivables(ctx, s.actor, c.o.SupplierID, c.o.ID, e.Amount)
				return err // one Recovery entry per release
			}
		}
		return nil
	})
}

// escrowOp records an operation on the order's escrow account.
func (c *change) escrowOp(op func(ctx context.Context, key string) (*escrow.Receipt, error)) {
	c.then(func(ctx context.Context, key string) error {
		_, err := op(ctx, key)
		return err
	})
}

// compensate records a compensation of amount to the buyer out of the
// order's escrow, under key when one is given.
func (s *Service) compensate(c *change, key string, amount payment.Money, memo string) error {
	sum, err := c.o.Compensated().Add(amount)
	if err != nil {
		return err
	}
	c.o.Compensation = sum
	c.then(func(ctx context.Context, own string) error {
		k := key
		if k == "" {
			k = own
		}
		_, err := s.escrow.Compensate(ctx, s.actor, c.o.ID, k, escrow.CompensateRequest{Amount: amount, Memo: memo})
		return err
	})
	return nil
}

// reserveCoverage reserves the order's coverage on the supplier's limit
// and records it on the order.
func (s *Service) reserveCoverage(c *change) {
	c.then(func(ctx context.Context, _ string) error {
		cov, err := s.reserve(ctx, c.o, c.now)
		if cov, err = notCovered(c.o, cov, err); err != nil {
			return err
		}
		c.o.Coverage = *cov
		return nil
	})
}

// notCovered returns what a reservation that returned cov and err gives
// the order: a refusal by the supplier's rules (not enrolled, no rate to
// convert the limit) is no failure but no coverage, with the reason, so
// that it never blocks the order (its payment, refunds, releases); other
// errors (a store's) fail the operation, for a retry.
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

// reserve reserves the order's coverage on the supplier's limit: what the
// order's plan protects (coverage.Order.Protects: the whole value, or the
// deposit alone under the pre-shipment plan), or what the limit has
// available when that is less. It keeps a
// reservation a previous run made. The supplier does not change inside
// the unit of work (a race for the limit fails the unit, which runs again
// whole), but the supplier service judges the limit as it stands now,
// which may be less than the stored record says: a refusal is followed by
// one more request, for what the refusal says is available.
func (s *Service) reserve(ctx context.Context, o *Order, at time.Time) (*Coverage, error) {
	total := o.Facts().Protects()
	// short is the supplier service's last refusal, and the version of the
	// record read before it: the service judges the limit as it stands
	// now, which may be less than the stored record says (trailing volume
	// left its window), and what it said is available then bounds the
	// next request until the record changes.
	var short *supplier.LimitError
	var shortAt int64
	for range 2 {
		sup, err := s.suppliers.Supplier(ctx, o.SupplierID)
		if err != nil {
			return nil, err
		}
		if i := slices.IndexFunc(sup.Reservations, func(r supplier.Reservation) bool { return r.OrderID == o.ID }); i >= 0 {
			return s.covers(ctx, o, sup.Reservations[i].Amount, at)
		}
		inOrder, inLimit, err := s.available(ctx, o, sup, at)
		if err != nil {
			return nil, err
		}
		if !inOrder.IsPositive() {
			return &Coverage{Reserved: inLimit, Limit: inOrder}, nil
		}
		want := inLimit // the whole limit when it covers less than the order
		if total.Minor() < inOrder.Minor() {
			if want, _, err = payment.ConvertAt(ctx, s.rates, total, inLimit.Currency(), at, payment.RoundUp); err != nil {
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
			continue // less is available now than the record says: ask for that
		}
		if err != nil {
			return nil, err
		}
		return s.covers(ctx, o, want, at)
	}
	return nil, fmt.Errorf("%w: the limit of supplier %s changed while it was reserved", ErrConflict, o.SupplierID)
}

// covers returns the coverage a reservation of reserved, in the limit's
// currency, gives the order: reserved in the order's currency, rounded
// down, and never above what the order's plan protects.
func (s *Service) covers(ctx context.Context, o *Order, reserved payment.Money, at time.Time) (*Coverage, error) {
	total := o.Facts().Protects()
	limit, _, err := payment.ConvertAt(ctx, s.rates, reserved, o.Terms.Currency, at, payment.RoundDown)
	if err != nil {
		return nil, err
	}
	if limit.Minor() > total.Minor() {
		limit = total
	}
	return &Coverage{Reserved: reserved, Limit: limit}, nil
}

// recordOrder records the finished order in the supplier's record, its
// value converted into the limit's currency at the action's time.
func (s *Service) recordOrder(c *change) {
	if payment.ReadsAhead(c.ctx) {
		// The supplier and its record of the order, read together now,
		// before the work recorded before this (the limit's release)
		// reads the supplier alone.
		payment.Prefetch(c.ctx, s.suppliers.RecordOrderReads(c.o.SupplierID, c.o.ID)...)
	}
	c.then(func(ctx context.Context, _ string) error { return s.recordFinished(ctx, c.o, c.now) })
}

// recordFinished records order o, finished at at, in its supplier's
// record, with what its release paid the supplier: credited to the
// supplier's balance in the same unit of work as the release.
func (s *Service) recordFinished(ctx context.Context, o *Order, at time.Time) error {
	sup, err := s.suppliers.Supplier(ctx, o.SupplierID)
	if err != nil {
		return err
	}
	value, err := o.Total()
	if err != nil {
		return err
	}
	if c := sup.Limit.Amount.Currency(); c != "" {
		if value, _, err = payment.ConvertAt(ctx, s.rates, value, c, at, payment.RoundHalfEven); err != nil {
			return err
		}
	}
	released, err := s.released(ctx, o)
	if err != nil {
		return err
	}
	shipped := o.Shipment.ShippedAt
	_, err = s.suppliers.RecordOrder(ctx, s.actor, o.SupplierID, supplier.OrderRecord{
		OrderID: o.ID, BuyerID: o.BuyerID, Value: value, CompletedAt: at, Release: released,
		OnTime:      !shipped.IsZero() && !shipped.After(o.Terms.ShipBy),
		Disputed:    len(o.Disputes) > 0,
		DisputeLost: slices.ContainsFunc(o.Disputes, func(d DisputeRecord) bool { return d.SupplierAtFault }),
		Inspected:   len(o.Inspections) > 0 && o.Inspections[len(o.Inspections)-1].Result == coverage.InspectionPassed,
	})
	return err
}

// released returns what the release of order o did, as its escrow
// account's balance says (supplier.Release: paid, fees, withheld); zero
// when nothing was released (or no account was opened).
func (s *Service) released(ctx context.Context, o *Order) (supplier.Release, error) {
	a, err := s.escrow.Account(ctx, o.ID)
	switch {
	case errors.Is(err, escrow.ErrNotFound):
		return supplier.Release{}, nil
	case err != nil:
		return supplier.Release{}, err
	}
	b, err := a.Balance()
	if err != nil {
		return supplier.Release{}, err
	}
	some := func(m payment.Money) payment.Money {
		if m.IsPositive() {
			return m
		}
		return payment.Money{}
	}
	// What went to the supplier's side of the ledger: what it was paid,
	// the fees on its release, what the release withheld for the
	// guarantee.
	return supplier.Release{Paid: some(b.Released), Fees: some(b.Fees), Withheld: some(b.Recovered)}, nil
}
