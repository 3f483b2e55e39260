package order_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
)

// sweepActor is who the order service is when no Config.Actor is given.
var sweepActor = payment.System("tradeassure/order")

// payOrder starts the payment of order id's tranche, as happyPath does.
func payOrder(ctx context.Context, w *world, id string, tranche payment.Tranche) (*order.Order, *payment.Payment, error) {
	return w.svc.Pay(ctx, wBuyer, id, "pay-"+string(tranche), order.PayRequest{Tranche: tranche, BuyerCountry: "DE"})
}

// reportOrderPayment reports the processor's status of the latest payment
// of order id's tranche.
func reportOrderPayment(ctx context.Context, w *world, id string, tranche payment.Tranche, status payment.Status) (*order.Order, error) {
	o, err := w.orders.Order(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, p := range slices.Backward(o.Payments) {
		if p.Tranche == tranche {
			return w.svc.ReportPayment(ctx, wHooks, id, p.PaymentID, payment.Outcome{Status: status, ProcessorRef: "psp-" + p.PaymentID})
		}
	}
	return nil, fmt.Errorf("order %s has no %s payment", id, tranche)
}

// lifecycleSteps returns happyPath's steps from the one named first through
// the one named last.
func lifecycleSteps(first, last string) []step {
	path := happyPath()
	at := func(name string) int {
		i := slices.IndexFunc(path, func(s step) bool { return s.name == name })
		if i < 0 {
			panic("happyPath has no step " + name)
		}
		return i
	}
	return path[at(first) : at(last)+1]
}

// stepsThrough returns happyPath's steps from the start through last.
func stepsThrough(last string) []step { return lifecycleSteps("create", last) }

// setClock moves w's clock to at.
func setClock(w *world, at time.Time) { w.clock.Advance(at.Sub(w.clock.Now())) }

// sweepAt runs a sweep of w at now, which must not fail.
func sweepAt(t *testing.T, w *world, now time.Time) *order.SweepReport {
	t.Helper()
	rep, err := w.svc.Sweep(context.Background(), now)
	require.NoError(t, err)
	require.NotNil(t, rep)
	return rep
}

// stored returns order id as w's store has it.
func stored(t *testing.T, w *world, id string) *order.Order {
	t.Helper()
	o, err := w.orders.Order(context.Background(), id)
	require.NoError(t, err)
	return o
}

// sweepChangesNothing sweeps w at now and checks that the sweep reports
// nothing and leaves orders ids as they were.
func sweepChangesNothing(t *testing.T, w *world, now time.Time, ids ...string) {
	t.Helper()
	var before []*order.Order
	for _, id := range ids {
		before = append(before, stored(t, w, id))
	}
	rep := sweepAt(t, w, now)
	testkit.Check(t, fmt.Sprintf("report of a sweep at %s", now.Format(time.RFC3339Nano)), &order.SweepReport{}, rep)
	for _, o := range before {
		testkit.Check(t, "order "+o.ID+" after a sweep with nothing due", o, stored(t, w, o.ID))
	}
}

// sweepFallsDue checks that order id falls due at end exactly: end is its
// deadline, a sweep the instant before changes nothing, and a sweep at end,
// with the clock there, fails nothing. It returns that sweep's report and
// the order as the sweep left it.
func sweepFallsDue(t *testing.T, w *world, id string, end time.Time) (*order.SweepReport, *order.Order) {
	t.Helper()
	o := stored(t, w, id)
	assert.True(t, o.Deadline.Equal(end), "order %s's deadline is %s, want %s", id, o.Deadline, end)
	sweepChangesNothing(t, w, end.Add(-time.Nanosecond), id)
	setClock(w, end)
	rep := sweepAt(t, w, end)
	assert.Empty(t, rep.Failures)
	return rep, stored(t, w, id)
}

// lastAction returns the latest action on o.
func lastAction(t *testing.T, o *order.Order) order.Action {
	t.Helper()
	require.NotEmpty(t, o.History)
	return o.History.Last()
}

// checkSweepAction checks that the latest action on o is the sweep's
// action name, fired by actor at at.
func checkSweepAction(t *testing.T, o *order.Order, name string, actor payment.Actor, at time.Time) {
	t.Helper()
	a := lastAction(t, o)
	assert.Equal(t, name, a.Name, "the sweep's action")
	assert.Equal(t, actor, a.By, "the sweep acts as the service's system actor")
	assert.True(t, a.At.Equal(at), "the action is at the sweep's time %s, not %s", at, a.At)
}

// balanceOf returns the escrow balance of order id.
func balanceOf(t *testing.T, w *world, id string) escrow.Balance {
	t.Helper()
	b, err := w.escrow.Balance(context.Background(), id)
	require.NoError(t, err)
	return b
}

// settledBalance is a balance with nothing left in escrow.
func settledBalance(held, released, fees, compensated string) escrow.Balance {
	return escrow.Balance{Held: usd(held), Released: usd(released), Fees: usd(fees), Refunded: usd("0.00"),
		Compensated: usd(compensated), Guaranteed: usd("0.00"), Recovered: usd("0.00"), Remaining: usd("0.00"), Frozen: usd("0.00"), Available: usd("0.00")}
}

// compensations returns the entries of order id's escrow account that pay
// the buyer a compensation.
func compensations(t *testing.T, w *world, id string) []escrow.Entry {
	t.Helper()
	entries, err := w.escrow.Entries(context.Background(), id)
	require.NoError(t, err)
	return slices.DeleteFunc(entries, func(e escrow.Entry) bool { return e.To != escrow.Compensation })
}

// checkCompensatedOnce checks that order id's buyer was paid USD 64.00 (2%
// of USD 3,200.00, under the USD 100.00 cap) in one escrow entry, under
// the order's late-compensation key.
func checkCompensatedOnce(t *testing.T, w *world, id string) {
	t.Helper()
	paid := compensations(t, w, id)
	if assert.Len(t, paid, 1, "one compensation entry") {
		assert.Equal(t, usd("64.00"), paid[0].Amount)
		assert.Equal(t, coverage.LateCompensationKey, paid[0].Key)
	}
	assert.Equal(t, usd("64.00"), stored(t, w, id).LateShipment.Amount, "the order records the compensation")
	assert.Equal(t, usd("64.00"), balanceOf(t, w, id).Compensated, "escrow paid the compensation")
}

func TestSweepExpiresAnOrderAtTheEndOfItsWindow(t *testing.T) {
	confirmDays3 := func(c *order.Config) {
		r := order.DefaultRules()
		r.ConfirmDays = 3
		c.Rules = &r
	}
	tests := []struct {
		name string
		edit func(*order.Config)
		last string // the last step of happyPath before the window
		more []step // steps after last
		end  func(r order.Rules, o *order.Order) time.Time
		days int // the window's length, by hand
	}{
		{
			name: "an order sent and not confirmed expires ConfirmDays after it was sent",
			last: "submit",
			end:  func(r order.Rules, o *order.Order) time.Time { return o.SubmittedAt.AddDate(0, 0, r.ConfirmDays) },
			days: 30,
		},
		{
			name: "an order withdrawn and sent again expires ConfirmDays after it was sent again",
			last: "submit",
			more: []step{
				{"withdraw", func(ctx context.Context, w *world, id string) (*order.Order, error) {
					return w.svc.Withdraw(ctx, wSupplier, id, "withdraw")
				}},
				{"submit again", func(ctx context.Context, w *world, id string) (*order.Order, error) {
					return w.svc.Submit(ctx, wSupplier, id, "submit-2")
				}},
			},
			end:  func(r order.Rules, o *order.Order) time.Time { return o.SubmittedAt.AddDate(0, 0, r.ConfirmDays) },
			days: 30,
		},
		{
			name: "a confirmed order not paid expires PayDays after the confirmation",
			last: "confirm",
			end:  func(r order.Rules, o *order.Order) time.Time { return o.ConfirmedAt.AddDate(0, 0, r.PayDays) },
			days: 60,
		},
		{
			name: "custom rules of 3 days to confirm are honoured",
			edit: confirmDays3,
			last: "submit",
			end:  func(r order.Rules, o *order.Order) time.Time { return o.SubmittedAt.AddDate(0, 0, r.ConfirmDays) },
			days: 3,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorldWith(t, stores{}, tc.edit)
			o := w.run(t, "o-1", append(stepsThrough(tc.last), tc.more...))
			end := tc.end(w.svc.Rules(), o)
			require.Equal(t, time.Duration(tc.days)*24*time.Hour, end.Sub(lastAction(t, o).At), "the window in days")

			rep, o := sweepFallsDue(t, w, "o-1", end)
			assert.Equal(t, []string{"o-1"}, rep.Expired)
			assert.Equal(t, order.Expired, o.State)
			assert.True(t, o.Deadline.IsZero(), "an expired order has no deadline")
			checkSweepAction(t, o, "expire", sweepActor, end)
			assert.Equal(t, order.Expire, lastAction(t, o).Event)

			sweepChangesNothing(t, w, end.AddDate(1, 0, 0), "o-1")
		})
	}
}

func TestSweepDoesNotExpireAnOrderWhilePaymentProcesses(t *testing.T) {
	tests := []struct {
		name string
		// failAt is when the processor reports the deposit failed,
		// relative to the end of the payment window.
		failAt time.Duration
	}{
		{"a payment that fails after the window lets the next sweep expire the order", 24 * time.Hour},
		{"a payment that fails before the window lets the order expire at the window's end", -24 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			w := newWorld(t)
			o := w.run(t, "o-1", stepsThrough("confirm"))
			end := o.ConfirmedAt.AddDate(0, 0, w.svc.Rules().PayDays)
			o, _, err := payOrder(ctx, w, "o-1", payment.Deposit)
			require.NoError(t, err)
			assert.True(t, o.PaymentProcessing())
			assert.True(t, o.Deadline.IsZero(), "no window runs while a payment processes, deadline %s", o.Deadline)

			sweepChangesNothing(t, w, end.AddDate(0, 0, 1), "o-1")

			setClock(w, end.Add(tc.failAt))
			o, err = reportOrderPayment(ctx, w, "o-1", payment.Deposit, payment.StatusFailed)
			require.NoError(t, err)
			assert.Equal(t, order.AwaitingPayment, o.State)
			assert.True(t, o.Deadline.Equal(end), "the window runs again: deadline %s, want %s", o.Deadline, end)

			sweepChangesNothing(t, w, end.Add(-time.Nanosecond), "o-1")
			due := end
			if w.clock.Now().After(due) {
				due = w.clock.Now()
			}
			rep := sweepAt(t, w, due)
			assert.Equal(t, []string{"o-1"}, rep.Expired)
			assert.Equal(t, order.Expired, stored(t, w, "o-1").State)
		})
	}
}

func TestSweepWindowsMustBePositive(t *testing.T) {
	tests := []struct {
		name string
		edit func(*order.Rules)
	}{
		{"no days to confirm", func(r *order.Rules) { r.ConfirmDays = 0 }},
		{"no days to pay", func(r *order.Rules) { r.PayDays = 0 }},
		{"a negative receipt window", func(r *order.Rules) { r.ReceiptDays = -1 }},
		{"no days of extension", func(r *order.Rules) { r.ExtensionDays = 0 }},
	}
	w := newWorld(t)
	for _, tc := range tests {
		t.Run(tc.name+" is refused by NewService", func(t *testing.T) {
			r := order.DefaultRules()
			tc.edit(&r)
			svc, err := order.NewService(order.Config{Store: order.NewMemoryStore(), Clock: w.clock,
				Payments: w.payments, Escrow: w.escrow, Suppliers: w.suppliers, Rules: &r})
			require.ErrorIs(t, err, order.ErrInvalidRules)
			assert.Nil(t, svc)
		})
	}
}

func TestSweepAutoConfirmsReceiptWhenTheWindowCloses(t *testing.T) {
	scheduler := payment.System("scheduler-1")
	tests := []struct {
		name      string
		extenders []payment.Actor
		actor     payment.Actor // Config.Actor; zero for the default
		days      int           // the receipt window, by hand
	}{
		{name: "receipt is confirmed ReceiptDays after delivery", days: 30},
		{name: "the buyer's extension pushes it by ExtensionDays", extenders: []payment.Actor{wBuyer}, days: 45},
		{name: "the buyer's and the supplier's extensions push it by ExtensionDays each", extenders: []payment.Actor{wBuyer, wSupplier}, days: 60},
		{name: "the sweep acts as the configured actor", actor: scheduler, days: 30},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			w := newWorldWith(t, stores{}, func(c *order.Config) { c.Actor = tc.actor })
			o := w.run(t, "o-1", stepsThrough("deliver"))
			for _, by := range tc.extenders {
				var err error
				o, err = w.svc.ExtendReceipt(ctx, by, "o-1", "extend-"+by.ID)
				require.NoError(t, err)
			}
			r := w.svc.Rules()
			end := o.DeliveredAt.AddDate(0, 0, r.ReceiptDays+len(tc.extenders)*r.ExtensionDays)
			require.Equal(t, end, o.DeliveredAt.AddDate(0, 0, tc.days))
			assert.True(t, o.ReceiptDeadline.Equal(end), "receipt deadline %s, want %s", o.ReceiptDeadline, end)

			rep, o := sweepFallsDue(t, w, "o-1", end)
			assert.Equal(t, []string{"o-1"}, rep.AutoConfirmed)
			assert.Equal(t, order.Completed, o.State)
			assert.True(t, o.Deadline.IsZero())
			actor := sweepActor
			if tc.actor != (payment.Actor{}) {
				actor = tc.actor
			}
			checkSweepAction(t, o, "confirm_receipt", actor, end)
			assert.Equal(t, order.ConfirmReceipt, lastAction(t, o).Event)

			// USD 3,200.00 released, less the 2% release fee of USD 64.00.
			testkit.Check(t, "escrow balance", settledBalance("3200.00", "3136.00", "64.00", "0.00"), balanceOf(t, w, "o-1"))
			sup, err := w.suppliers.Supplier(ctx, wSupplier.ID)
			require.NoError(t, err)
			assert.Empty(t, sup.Reservations, "the supplier's reservation is given back")
			if recs := recordsOf(t, w, "o-1"); assert.Len(t, recs, 1) {
				assert.True(t, recs[0].OnTime)
				assert.True(t, recs[0].CompletedAt.Equal(end))
			}

			sweepChangesNothing(t, w, end.AddDate(0, 0, 1), "o-1")
		})
	}
}

// sweepBeside runs a sweep of w at now and other at the same moment, and
// returns the sweep's report.
func sweepBeside(t *testing.T, w *world, now time.Time, other func()) *order.SweepReport {
	t.Helper()
	var rep *order.SweepReport
	var err error
	testkit.Together(2, func(i int) {
		if i == 0 {
			rep, err = w.svc.Sweep(context.Background(), now)
			return
		}
		other()
	})
	require.NoError(t, err)
	return rep
}

func TestSweepRacingAPartyDoesEachThingOnce(t *testing.T) {
	const rounds = 20 // each round races afresh, so that either side may win
	t.Run("receipt confirmed by the buyer as the sweep confirms it is released once", func(t *testing.T) {
		ctx := context.Background()
		for range rounds {
			w := newWorld(t)
			o := w.run(t, "o-1", stepsThrough("deliver"))
			end := o.ReceiptDeadline
			setClock(w, end)
			var buyerErr error
			rep := sweepBeside(t, w, end, func() { _, buyerErr = w.svc.ConfirmReceipt(ctx, wBuyer, "o-1", "receipt") })
			if buyerErr != nil {
				require.ErrorIs(t, buyerErr, order.ErrInvalidTransition, "the sweep confirmed first")
				assert.Equal(t, []string{"o-1"}, rep.AutoConfirmed)
			} else {
				assert.Empty(t, rep.AutoConfirmed, "the buyer confirmed first")
			}
			assert.Equal(t, order.Completed, stored(t, w, "o-1").State)
			testkit.Check(t, "escrow balance", settledBalance("3200.00", "3136.00", "64.00", "0.00"), balanceOf(t, w, "o-1"))
			assert.Len(t, recordsOf(t, w, "o-1"), 1, "the order is recorded once")
		}
	})

	t.Run("a payment started as the payment window closes is refused, and the order expires", func(t *testing.T) {
		ctx := context.Background()
		for range rounds {
			w := newWorld(t)
			o := w.run(t, "o-1", stepsThrough("confirm"))
			end := o.ConfirmedAt.AddDate(0, 0, w.svc.Rules().PayDays)
			setClock(w, end)
			var payErr error
			rep := sweepBeside(t, w, end, func() { _, _, payErr = payOrder(ctx, w, "o-1", payment.Deposit) })
			o = stored(t, w, "o-1")
			payments, err := w.payStore.PaymentsByBuyer(ctx, wBuyer.ID, time.Time{})
			require.NoError(t, err)
			// The window closed at its instant: the payment is refused whether
			// the sweep expired the order first or not.
			if !errors.Is(payErr, order.ErrWindowClosed) {
				require.ErrorIs(t, payErr, order.ErrNotPayable, "the sweep expired the order first")
			}
			assert.Equal(t, []string{"o-1"}, rep.Expired)
			assert.Equal(t, order.Expired, o.State)
			assert.Empty(t, o.Payments)
			for _, p := range payments { // none when Pay saw the order expired
				assert.Equal(t, payment.StatusCancelled, p.Status, "a payment the order refused is cancelled")
			}
		}
	})
}

// meetingStore is an order store whose first n calls of Due wait for one
// another, so that n sweeps started together all find the same orders due.
type meetingStore struct {
	order.Store
	n     int64
	calls atomic.Int64
	met   sync.WaitGroup
}

func newMeetingStore(n int) *meetingStore {
	s := &meetingStore{Store: order.NewMemoryStore(), n: int64(n)}
	s.met.Add(n)
	return s
}

func (s *meetingStore) Due(ctx context.Context, before time.Time, limit int) ([]*order.Order, error) {
	due, err := s.Store.Due(ctx, before, limit)
	if s.calls.Add(1) <= s.n {
		s.met.Done()
		s.met.Wait()
	}
	return due, err
}

func TestSweepCompensatesLateShipment(t *testing.T) {
	t.Run("an order paid and not shipped by ShipBy is compensated once, the instant after ShipBy", func(t *testing.T) {
		w := newWorld(t)
		w.run(t, "o-1", stepsThrough("confirm"))
		late := w.pay(t, "o-1", payment.Deposit).Terms.ShipBy.Add(time.Nanosecond)

		rep, o := sweepFallsDue(t, w, "o-1", late) // nothing at ShipBy itself
		assert.Equal(t, []string{"o-1"}, rep.Compensated)
		assert.Equal(t, order.Paid, o.State)
		assert.True(t, o.LateShipment.DecidedAt.Equal(late))
		assert.True(t, o.Deadline.IsZero(), "nothing more is due, deadline %s", o.Deadline)
		checkSweepAction(t, o, "compensate_late_shipment", sweepActor, late)
		checkCompensatedOnce(t, w, "o-1")
		assert.Equal(t, usd("896.00"), balanceOf(t, w, "o-1").Remaining, "USD 960.00 deposit less the compensation")

		sweepChangesNothing(t, w, late.AddDate(0, 0, 1), "o-1")

		// The goods ship late; receipt releases what is left, USD 3,136.00,
		// less the 2% release fee of USD 62.72.
		w.run(t, "o-1", lifecycleSteps("start production", "confirm receipt"))
		checkCompensatedOnce(t, w, "o-1")
		testkit.Check(t, "escrow balance", settledBalance("3200.00", "3073.28", "62.72", "64.00"), balanceOf(t, w, "o-1"))
		if recs := recordsOf(t, w, "o-1"); assert.Len(t, recs, 1) {
			assert.False(t, recs[0].OnTime, "the supplier's record shows the late shipment")
		}
	})

	t.Run("two sweeps that find the same order due pay it once and one reports it", func(t *testing.T) {
		w := newWorldWith(t, stores{orders: newMeetingStore(2)}, nil)
		o := w.run(t, "o-1", stepsThrough("report deposit"))
		late := o.Terms.ShipBy.Add(time.Nanosecond)
		setClock(w, late)

		var reps [2]*order.SweepReport
		var errs [2]error
		testkit.Together(2, func(i int) { reps[i], errs[i] = w.svc.Sweep(context.Background(), late) })
		require.NoError(t, errors.Join(errs[:]...))
		checkCompensatedOnce(t, w, "o-1")
		var reported int
		for _, rep := range reps {
			reported += len(rep.Compensated)
			assert.Empty(t, rep.Failures)
		}
		assert.Equal(t, 1, reported, "the sweep that lost the race did not compensate: reports %+v and %+v", reps[0], reps[1])
	})

	t.Run("an order shipped on time is never compensated", func(t *testing.T) {
		w := newWorld(t)
		o := w.run(t, "o-1", stepsThrough("deliver"))
		require.False(t, o.Shipment.ShippedAt.After(o.Terms.ShipBy))
		assert.True(t, o.Deadline.Equal(o.ReceiptDeadline), "only the receipt window is due, deadline %s", o.Deadline)

		sweepChangesNothing(t, w, o.Terms.ShipBy.Add(time.Nanosecond), "o-1")
		rep := sweepAt(t, w, o.ReceiptDeadline)
		assert.Equal(t, []string{"o-1"}, rep.AutoConfirmed)
		assert.Empty(t, rep.Compensated)
		assert.Empty(t, compensations(t, w, "o-1"))
		assert.Equal(t, order.LateShipment{}, stored(t, w, "o-1").LateShipment)
	})

	t.Run("an order shipped late and received before any sweep is compensated before the release", func(t *testing.T) {
		w := newWorld(t)
		o := w.run(t, "o-1", stepsThrough("report balance"))
		setClock(w, o.Terms.ShipBy.AddDate(0, 0, 1))
		o = w.run(t, "o-1", lifecycleSteps("ship", "confirm receipt"))
		require.True(t, o.Shipment.ShippedAt.After(o.Terms.ShipBy))
		assert.Equal(t, order.Completed, o.State)

		checkCompensatedOnce(t, w, "o-1")
		testkit.Check(t, "escrow balance", settledBalance("3200.00", "3073.28", "62.72", "64.00"), balanceOf(t, w, "o-1"))
		entries, err := w.escrow.Entries(context.Background(), "o-1")
		require.NoError(t, err)
		compensated := slices.IndexFunc(entries, func(e escrow.Entry) bool { return e.To == escrow.Compensation })
		released := slices.IndexFunc(entries, func(e escrow.Entry) bool { return e.To == escrow.SupplierPayable })
		assert.True(t, compensated >= 0 && compensated < released, "the compensation (entry %d) comes before the release (entry %d)", compensated, released)
	})

	t.Run("a jump of years compensates once, expires and confirms receipt", func(t *testing.T) {
		w := newWorld(t)
		w.run(t, "sent", stepsThrough("submit"))
		w.run(t, "confirmed", stepsThrough("confirm"))
		w.run(t, "paid", stepsThrough("report deposit"))
		w.run(t, "delivered", stepsThrough("deliver"))
		o := w.run(t, "delivered-late", stepsThrough("report balance"))
		setClock(w, o.Terms.ShipBy.AddDate(0, 0, 1))
		w.run(t, "delivered-late", lifecycleSteps("ship", "deliver"))

		later := wStart.AddDate(5, 0, 0)
		setClock(w, later)
		rep := sweepAt(t, w, later)
		assert.ElementsMatch(t, []string{"sent", "confirmed"}, rep.Expired)
		assert.ElementsMatch(t, []string{"delivered", "delivered-late"}, rep.AutoConfirmed)
		assert.Contains(t, rep.Compensated, "paid")
		assert.Empty(t, rep.Failures)
		for id, want := range map[string]order.State{"sent": order.Expired, "confirmed": order.Expired, "paid": order.Paid,
			"delivered": order.Completed, "delivered-late": order.Completed} {
			assert.Equal(t, want, stored(t, w, id).State, id)
		}
		checkCompensatedOnce(t, w, "paid")
		checkCompensatedOnce(t, w, "delivered-late")
		assert.Empty(t, compensations(t, w, "delivered"))

		sweepChangesNothing(t, w, later.AddDate(5, 0, 0), "sent", "confirmed", "paid", "delivered", "delivered-late")
		checkCompensatedOnce(t, w, "paid")
	})

	t.Run("a sweep earlier than the last one does nothing more", func(t *testing.T) {
		w := newWorld(t)
		w.run(t, "paid", stepsThrough("report deposit"))
		o := w.run(t, "sent", stepsThrough("submit"))
		last := o.Terms.ShipBy.AddDate(0, 0, 1)
		setClock(w, last)
		rep := sweepAt(t, w, last)
		assert.Equal(t, []string{"sent"}, rep.Expired)
		assert.Contains(t, rep.Compensated, "paid")

		for _, earlier := range []time.Time{last.Add(-time.Nanosecond), o.Terms.ShipBy, wStart} {
			sweepChangesNothing(t, w, earlier, "paid", "sent")
		}
		checkCompensatedOnce(t, w, "paid")
	})
}

// flakyEscrowStore is an escrow store whose Update fails while failing is
// set; it counts the failed calls.
type flakyEscrowStore struct {
	*escrow.MemoryStore
	failing atomic.Bool
	failed  atomic.Int64
}

var errEscrowDown = errors.New("escrow store unavailable")

func (s *flakyEscrowStore) Update(ctx context.Context, id string, fn func(*escrow.Account) error) (*escrow.Account, error) {
	if s.failing.Load() {
		s.failed.Add(1)
		return nil, errEscrowDown
	}
	return s.MemoryStore.Update(ctx, id, fn)
}

func TestAFailedOperationLeavesNothingAndItsRetryDoesItAll(t *testing.T) {
	es := &flakyEscrowStore{MemoryStore: escrow.NewMemoryStore()}
	w := newWorldWith(t, stores{escrow: es}, nil)
	w.run(t, "o-1", stepsThrough("confirm"))
	before, p, err := payOrder(context.Background(), w, "o-1", payment.Deposit)
	require.NoError(t, err)
	es.failing.Store(true)
	_, err = reportOrderPayment(context.Background(), w, "o-1", payment.Deposit, payment.StatusSucceeded)
	require.ErrorIs(t, err, errEscrowDown)
	es.failing.Store(false)

	o := stored(t, w, "o-1")
	testkit.Check(t, "the order, after the report that failed", before, o)
	after, err := w.payments.Payment(context.Background(), p.ID)
	require.NoError(t, err)
	testkit.Check(t, "the payment, after the report that failed: no payment says succeeded with its money nowhere", p, after)
	checkNotices(t, w, o) // and no notice of the report

	o, err = reportOrderPayment(context.Background(), w, "o-1", payment.Deposit, payment.StatusSucceeded)
	require.NoError(t, err, "the processor's retry")
	assert.Equal(t, order.Paid, o.State)
	assert.Equal(t, usd("960.00"), balanceOf(t, w, "o-1").Held, "the deposit is held in escrow")
	assert.Equal(t, usd("3200.00"), o.Coverage.Reserved, "the coverage is reserved")
	checkNotices(t, w, o)
}

func TestSweepReportsAnOrderItCannotMoveOnceAndMovesTheOthers(t *testing.T) {
	for _, batch := range []int{1, 100} {
		t.Run(fmt.Sprintf("an auto-confirmation that keeps failing is reported once and 150 other due orders move, in batches of %d", batch), func(t *testing.T) {
			es := &flakyEscrowStore{MemoryStore: escrow.NewMemoryStore()}
			w := newWorldWith(t, stores{escrow: es}, func(c *order.Config) { c.SweepBatch = batch })
			stuck := w.run(t, "stuck", stepsThrough("deliver"))
			w.clock.Advance(time.Hour)
			sent := sendOrders(t, w, "sent", 150)
			end := w.clock.Now().AddDate(0, 0, w.svc.Rules().ConfirmDays)
			require.False(t, end.Before(stuck.ReceiptDeadline), "the stuck order's receipt window closes before the others expire")
			setClock(w, end)
			es.failing.Store(true)

			// A sweep that looped on the stuck order would run out of time.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			rep, err := w.svc.Sweep(ctx, end)
			require.NoError(t, err)
			assert.ElementsMatch(t, sent, rep.Expired, "every order due but the stuck one expires")
			assert.Empty(t, rep.AutoConfirmed)
			if assert.Len(t, rep.Failures, 1) {
				assert.ErrorIs(t, rep.Failures[0], errEscrowDown)
				assert.ErrorContains(t, rep.Failures[0], "stuck")
			}
			assert.Equal(t, int64(1), es.failed.Load(), "the sweep tried the stuck order's release once")
			o := stored(t, w, "stuck")
			assert.Equal(t, order.Delivered, o.State, "the failed auto-confirmation left nothing")
			assert.False(t, o.Deadline.After(end), "the stuck order stays due for the next sweep")

			es.failing.Store(false)
			rep = sweepAt(t, w, end)
			assert.Equal(t, []string{"stuck"}, rep.AutoConfirmed)
			assert.Empty(t, rep.Failures)
			assert.Equal(t, order.Completed, stored(t, w, "stuck").State)
			requireAddsUp(t, w, "stuck")
		})
	}
}

func TestSweepWithoutATimeIsRefused(t *testing.T) {
	w := newWorld(t)
	w.run(t, "o-1", stepsThrough("submit"))
	before := stored(t, w, "o-1")
	rep, err := w.svc.Sweep(context.Background(), time.Time{})
	require.ErrorIs(t, err, order.ErrInvalidRequest)
	assert.Nil(t, rep)
	testkit.Check(t, "order", before, stored(t, w, "o-1"))
}

// sendOrders drafts n orders on wTerms, named prefix-000, prefix-001, …,
// and sends them to the buyer, all at the clock's time, and returns their
// ids.
func sendOrders(t *testing.T, w *world, prefix string, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		id := fmt.Sprintf("%s-%03d", prefix, i)
		w.create(t, id, wTerms())
		_, err := w.svc.Submit(context.Background(), wSupplier, id, "submit")
		require.NoError(t, err)
		ids = append(ids, id)
	}
	return ids
}

func TestSweepMovesEveryDueOrderInOneCall(t *testing.T) {
	const due, notDue = 250, 3
	for _, batch := range []int{100, 7, 1000} {
		t.Run(fmt.Sprintf("%d due orders in batches of %d all expire, and %d not due stay", due, batch, notDue), func(t *testing.T) {
			ctx := context.Background()
			w := newWorldWith(t, stores{}, func(c *order.Config) { c.SweepBatch = batch })
			ids := sendOrders(t, w, "due", due)
			end := w.clock.Now().AddDate(0, 0, w.svc.Rules().ConfirmDays)
			w.clock.Advance(time.Hour)
			later := sendOrders(t, w, "later", notDue)

			rep := sweepAt(t, w, end)
			assert.ElementsMatch(t, ids, rep.Expired)
			assert.Empty(t, rep.Failures)
			for _, id := range ids {
				assert.Equal(t, order.Expired, stored(t, w, id).State, id)
			}
			left, err := w.orders.Due(ctx, end, 2*due)
			require.NoError(t, err)
			assert.Empty(t, left, "nothing is left due")
			for _, id := range later {
				assert.Equal(t, order.AwaitingConfirmation, stored(t, w, id).State, id)
			}
		})
	}
}

func TestAClosedWindowRefusesActionsBeforeTheSweepRuns(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		through string
		end     func(o *order.Order, r order.Rules) time.Time
		act     func(w *world) error
	}{
		{"a confirmation after the confirmation window closed", "submit",
			func(o *order.Order, r order.Rules) time.Time { return o.SubmittedAt.AddDate(0, 0, r.ConfirmDays) },
			func(w *world) error { _, err := w.svc.Confirm(ctx, wBuyer, "o-1", "confirm"); return err }},
		{"a payment after the payment window closed", "confirm",
			func(o *order.Order, r order.Rules) time.Time { return o.ConfirmedAt.AddDate(0, 0, r.PayDays) },
			func(w *world) error { _, _, err := payOrder(ctx, w, "o-1", payment.Deposit); return err }},
		{"an extension after the receipt window closed", "deliver",
			func(o *order.Order, _ order.Rules) time.Time { return o.ReceiptDeadline },
			func(w *world) error { _, err := w.svc.ExtendReceipt(ctx, wBuyer, "o-1", "extend"); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name+" is refused and changes nothing", func(t *testing.T) {
			w := newWorld(t)
			o := w.run(t, "o-1", stepsThrough(tc.through))
			setClock(w, tc.end(o, w.svc.Rules()))
			before, err := w.payStore.PaymentsByBuyer(ctx, wBuyer.ID, time.Time{})
			require.NoError(t, err)
			require.ErrorIs(t, tc.act(w), order.ErrWindowClosed)
			testkit.Check(t, "the stored order", o, stored(t, w, "o-1"))
			after, err := w.payStore.PaymentsByBuyer(ctx, wBuyer.ID, time.Time{})
			require.NoError(t, err)
			testkit.Check(t, "the buyer's payments", before, after)
		})
	}
}
