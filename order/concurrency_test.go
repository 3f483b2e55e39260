package order_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
	supplierpkg "github.com/tradeassure/tradeassure/supplier"
)

// Conflicting operations on one order from many goroutines at once: each
// test races them afresh for a number of rounds, so that each side gets
// to win, and checks that exactly one wins, that the losers are refused
// with the error that says why (or are replays of the winner), and that
// the order's escrow account adds up. Run them under -race.

// raceRounds is how many times each race is run afresh.
const raceRounds = 20

// requireTransitionError requires err to be the *order.TransitionError of
// ev on an order in state from.
func requireTransitionError(t testing.TB, err error, from order.State, ev order.Event) {
	t.Helper()
	requireRefusal(t, err, order.ErrInvalidTransition)
	var got *order.TransitionError
	errors.As(err, &got)
	assert.Equal(t, &order.TransitionError{From: from, Event: ev}, got)
}

// successes counts the calls whose errors are errs that succeeded, and
// checks every other error with refused.
func successes(errs []error, refused func(err error)) int {
	n := 0
	for _, err := range errs {
		if err == nil {
			n++
			continue
		}
		refused(err)
	}
	return n
}

// requireAddsUp requires the escrow account of order id to add up: what
// was held in is what was paid out plus what remains, which is not
// negative.
func requireAddsUp(t testing.TB, w *world, id string) escrow.Balance {
	t.Helper()
	b, err := w.escrow.Balance(context.Background(), id)
	require.NoError(t, err)
	out := b.Released.Minor() + b.Fees.Minor() + b.Refunded.Minor() + b.Compensated.Minor() + b.Recovered.Minor() + b.Remaining.Minor()
	require.Equal(t, b.Held.Minor()+b.Guaranteed.Minor(), out, "held + guaranteed = released + fees + refunded + compensated + recovered + remaining: %+v", b)
	require.False(t, b.Remaining.IsNegative(), "remaining: %s", b.Remaining)
	return b
}

// actionsOf returns the actions on o that fired ev.
func actionsOf(o *order.Order, ev order.Event) []order.Action {
	return slices.DeleteFunc(o.History.Actions(), func(a order.Action) bool { return a.Event != ev })
}

// actionsNamed returns the actions on o named name.
func actionsNamed(o *order.Order, name string) []order.Action {
	return slices.DeleteFunc(o.History.Actions(), func(a order.Action) bool { return a.Name != name })
}

// operationsOf counts the operations of kind op on order id's escrow
// account.
func operationsOf(t testing.TB, w *world, id string, op escrow.Op) int {
	t.Helper()
	a, err := w.escrow.Account(context.Background(), id)
	require.NoError(t, err)
	n := 0
	for _, rec := range a.Operations {
		if rec.Op == op {
			n++
		}
	}
	return n
}

// supplierOf returns the world's supplier as stored.
func supplierOf(t testing.TB, w *world) *supplierpkg.Supplier {
	t.Helper()
	sup, err := w.suppliers.Supplier(context.Background(), wSupplier.ID)
	require.NoError(t, err)
	return sup
}

// recordsOf returns the records of orders ids the world's supplier has
// completed (not those only opened), in their order, and requires them to
// be every order its record counts.
func recordsOf(t testing.TB, w *world, ids ...string) []supplierpkg.OrderRecord {
	t.Helper()
	var recs []supplierpkg.OrderRecord
	for _, id := range ids {
		rec, err := w.suppliers.OrderRecord(context.Background(), wSupplier.ID, id)
		if errors.Is(err, supplierpkg.ErrNotFound) {
			continue
		}
		require.NoError(t, err)
		if !rec.Open() {
			recs = append(recs, *rec)
		}
	}
	require.Equal(t, len(recs), supplierOf(t, w).Record.Completed, "the supplier's record counts the orders it has")
	return recs
}

// runNow runs steps on order id at the clock's time, without moving it.
func runNow(t testing.TB, w *world, id string, steps []step) *order.Order {
	t.Helper()
	var o *order.Order
	for _, st := range steps {
		var err error
		o, err = st.call(context.Background(), w, id)
		require.NoError(t, err, st.name)
	}
	return o
}

func TestReceiptConfirmedByTheBuyerTheSweepOrADisputeHasOneWinner(t *testing.T) {
	// The clock is the instant before the receipt window closes, so that
	// the buyer may still confirm and open a dispute, while the sweep runs
	// at the instant it closes: all three may win. A claim that loses to
	// the confirmation is opened on the completed order (protection after
	// release), so the order ends disputed either way.
	const each = 4
	wins := map[string]int{}
	for round := range raceRounds {
		ctx := context.Background()
		w := newWorld(t)
		end := w.run(t, "o-1", stepsThrough("deliver")).ReceiptDeadline
		setClock(w, end.Add(-time.Nanosecond))

		var confirmErrs, disputeErrs [each]error
		var reps [each]*order.SweepReport
		var sweepErrs [each]error
		testkit.Together(3*each, func(i int) {
			switch k := i / 3; i % 3 {
			case 0:
				_, confirmErrs[k] = w.svc.ConfirmReceipt(ctx, wBuyer, "o-1", "receipt")
			case 1:
				reps[k], sweepErrs[k] = w.svc.Sweep(ctx, end)
			default:
				_, disputeErrs[k] = w.svc.OpenDispute(ctx, wDisputes, "o-1", order.DisputeRequest{CaseID: caseOne, Claimant: wBuyer})
			}
		})
		require.NoError(t, errors.Join(sweepErrs[:]...))
		var autoConfirmed int
		for _, rep := range reps {
			assert.Empty(t, rep.Failures)
			autoConfirmed += len(rep.AutoConfirmed)
		}

		o := stored(t, w, "o-1")
		b := requireAddsUp(t, w, "o-1")
		// The claim is opened whoever wins: on the delivered goods, or on
		// the completed order, within the claim deadline.
		require.Equal(t, order.Disputed, o.State, "round %d", round)
		require.NoError(t, errors.Join(disputeErrs[:]...), "round %d: opening the same case is one opening", round)
		assert.Len(t, actionsOf(o, order.OpenDispute), 1)
		switch o.Disputes[0].From {
		case order.Completed:
			confirmed := actionsOf(o, order.ConfirmReceipt)
			require.Len(t, confirmed, 1, "round %d: receipt is confirmed once", round)
			if confirmed[0].By == wBuyer {
				wins["the buyer"]++
				assert.Zero(t, autoConfirmed, "round %d: the sweep reports a confirmation it did not make", round)
				require.NoError(t, errors.Join(confirmErrs[:]...), "round %d: the buyer's double click is one confirmation", round)
			} else {
				wins["the sweep"]++
				assert.Equal(t, sweepActor, confirmed[0].By)
				assert.Equal(t, 1, autoConfirmed, "round %d: one sweep reports the confirmation", round)
				for _, err := range confirmErrs {
					var te *order.TransitionError
					require.ErrorAs(t, err, &te, "round %d", round)
					assert.Contains(t, []order.State{order.Completed, order.Disputed}, te.From, "round %d", round)
				}
			}
			testkit.Check(t, "the escrow balance", settledBalance("3200.00", "3136.00", "64.00", "0.00"), b)
			assert.Equal(t, 1, operationsOf(t, w, "o-1", escrow.OpRelease), "round %d: one release", round)
			assert.Len(t, recordsOf(t, w, "o-1"), 1, "round %d: the order is recorded once", round)
		case order.Delivered:
			wins["the dispute"]++
			for _, err := range confirmErrs {
				requireTransitionError(t, err, order.Disputed, order.ConfirmReceipt)
			}
			assert.Zero(t, autoConfirmed, "round %d: a disputed order is not confirmed", round)
			assert.Equal(t, usd("3200.00"), b.Frozen, "round %d: escrow is frozen whole", round)
			assert.Zero(t, operationsOf(t, w, "o-1", escrow.OpRelease), "round %d: nothing is released", round)
		default:
			t.Fatalf("round %d: the order was disputed from %s", round, o.Disputes[0].From)
		}
	}
	t.Logf("winners over %d rounds: %v", raceRounds, wins)
}

func TestCancelRacingTheReportOfAPaymentNeverKeepsMoneyOnACancelledOrder(t *testing.T) {
	// While the deposit processes the order cannot be called off; once
	// its success is recorded, the buyer's cancellation refunds it. Either
	// order of the two is consistent, and nothing in between shows.
	const each = 8
	wins := map[order.State]int{}
	for round := range raceRounds {
		ctx := context.Background()
		w := newWorld(t)
		w.run(t, "o-1", stepsThrough("confirm"))
		_, p, err := payOrder(ctx, w, "o-1", payment.Deposit)
		require.NoError(t, err)

		var cancelErrs, reportErrs [each]error
		testkit.Together(2*each, func(i int) {
			if i%2 == 0 {
				_, cancelErrs[i/2] = w.svc.Cancel(ctx, wBuyer, "o-1", "cancel", "found another supplier")
				return
			}
			_, reportErrs[i/2] = w.svc.ReportPayment(ctx, wHooks, "o-1", p.ID, processorSays(p.ID, payment.StatusSucceeded))
		})
		require.NoError(t, errors.Join(reportErrs[:]...), "round %d: the processor's report is always taken", round)
		cancelled := successes(cancelErrs[:], func(err error) { require.ErrorIs(t, err, order.ErrPaymentProcessing, "round %d", round) })

		o := stored(t, w, "o-1")
		wins[o.State]++
		b := requireAddsUp(t, w, "o-1")
		assert.Len(t, actionsOf(o, order.Refund), min(cancelled, 1), "round %d: the order is refunded at most once", round)
		paid, err := w.payments.Payment(ctx, p.ID)
		require.NoError(t, err)
		assert.Equal(t, usd("960.00"), b.Held, "round %d: the deposit is held once", round)
		switch o.State {
		case order.Refunded:
			assert.Equal(t, usd("960.00"), b.Refunded, "round %d: refunded in full", round)
			assert.Equal(t, usd("960.00"), paid.Refunded(), "round %d: the refund is on the payment", round)
			assert.Empty(t, supplierOf(t, w).Reservations, "round %d: the limit is given back", round)
		case order.Paid:
			assert.Zero(t, cancelled, "round %d: a cancellation succeeded and the order is still paid", round)
			assert.Equal(t, usd("960.00"), b.Remaining, "round %d", round)
			assert.True(t, paid.Refunded().IsZero(), "round %d", round)
		default:
			t.Fatalf("round %d: the order ended %s", round, o.State)
		}
	}
	t.Logf("outcomes over %d rounds: %v", raceRounds, wins)
}

// stallingSuppliers is a supplier store whose first read after arm
// waits until resume is closed, telling stalled when it starts waiting:
// the work that makes that read stalls there, as a slow process would.
type stallingSuppliers struct {
	supplierpkg.Store
	armed   atomic.Bool
	stalled chan struct{}
	resume  chan struct{}
}

func (s *stallingSuppliers) arm() {
	s.stalled, s.resume = make(chan struct{}), make(chan struct{})
	s.armed.Store(true)
}

func (s *stallingSuppliers) Supplier(ctx context.Context, id string) (*supplierpkg.Supplier, error) {
	if s.armed.CompareAndSwap(true, false) {
		close(s.stalled)
		<-s.resume
	}
	return s.Store.Supplier(ctx, id)
}

func TestACancellationCannotSeeAReportHalfDone(t *testing.T) {
	// The interleaving the race above once found: the report of the
	// deposit recorded the order paid and stalled before its reservation;
	// the buyer cancelled, giving back a limit not yet reserved; the
	// stalled report then reserved it for a refunded order. The report is
	// one unit of work now: while it stalls, nothing of it is visible, so
	// the cancellation sees a payment processing and is refused; once the
	// report commits, the cancellation refunds and gives the limit back.
	ctx := context.Background()
	sups := &stallingSuppliers{Store: supplierpkg.NewMemoryStore()}
	w := newWorldWith(t, stores{supplier: sups}, nil)
	w.run(t, "o-1", stepsThrough("confirm"))
	_, p, err := payOrder(ctx, w, "o-1", payment.Deposit)
	require.NoError(t, err)

	sups.arm()
	reported := make(chan error, 1)
	go func() {
		_, err := w.svc.ReportPayment(ctx, wHooks, "o-1", p.ID, processorSays(p.ID, payment.StatusSucceeded))
		reported <- err
	}()
	select {
	case <-sups.stalled:
	case err := <-reported:
		t.Fatalf("the report finished without reading the supplier: %v", err)
	}
	o := stored(t, w, "o-1")
	assert.Equal(t, order.AwaitingPayment, o.State, "nothing of the stalled report shows")
	_, err = w.svc.Cancel(ctx, wBuyer, "o-1", "cancel", "found another supplier")
	require.ErrorIs(t, err, order.ErrPaymentProcessing, "the payment is processing as far as anyone can see")
	close(sups.resume)
	require.NoError(t, <-reported)
	assert.Equal(t, usd("3200.00"), stored(t, w, "o-1").Coverage.Reserved, "the report reserved the coverage")

	_, err = w.svc.Cancel(ctx, wBuyer, "o-1", "cancel-2", "found another supplier")
	require.NoError(t, err, "the order is paid: the buyer calls it off")
	o = stored(t, w, "o-1")
	assert.Equal(t, order.Refunded, o.State)
	b := requireAddsUp(t, w, "o-1")
	assert.Equal(t, usd("960.00"), b.Refunded)
	assert.Empty(t, supplierOf(t, w).Reservations, "a refunded order holds none of the supplier's limit")
}

func TestTwoSweepsAtOnceMoveEachOfFiftyDueOrdersOnce(t *testing.T) {
	// Both sweeps find all fifty orders due (the store lets neither read
	// before the other has); each expiry and each compensation happens once
	// and is reported by one sweep.
	const half = 25
	ctx := context.Background()
	w := newWorldWith(t, stores{orders: newMeetingStore(2)}, nil)
	var paid []string
	for i := range half {
		id := fmt.Sprintf("paid-%03d", i)
		runNow(t, w, id, stepsThrough("report deposit"))
		paid = append(paid, id)
	}
	sent := sendOrders(t, w, "sent", half)
	now := wTerms().ShipBy.AddDate(0, 0, 1) // past the confirmation window and the shipment date
	setClock(w, now)

	var reps [2]*order.SweepReport
	var errs [2]error
	testkit.Together(2, func(i int) { reps[i], errs[i] = w.svc.Sweep(ctx, now) })
	require.NoError(t, errors.Join(errs[:]...))
	var expired, compensated []string
	for _, rep := range reps {
		assert.Empty(t, rep.Failures)
		assert.Empty(t, rep.AutoConfirmed)
		expired = append(expired, rep.Expired...)
		compensated = append(compensated, rep.Compensated...)
	}
	assert.ElementsMatch(t, sent, expired, "each order is reported expired by one sweep")
	assert.ElementsMatch(t, paid, compensated, "each order is reported compensated by one sweep")
	t.Logf("the sweeps moved %d and %d orders", len(reps[0].Expired)+len(reps[0].Compensated), len(reps[1].Expired)+len(reps[1].Compensated))
	for _, id := range sent {
		o := stored(t, w, id)
		assert.Equal(t, order.Expired, o.State, id)
		assert.Len(t, actionsOf(o, order.Expire), 1, id)
	}
	for _, id := range paid {
		checkCompensatedOnce(t, w, id)
		requireAddsUp(t, w, id)
		assert.Len(t, actionsNamed(stored(t, w, id), "compensate_late_shipment"), 1, id)
	}
	sweepChangesNothing(t, w, now, append(sent, paid...)...)
}

// doubleClick is a confirmation a user clicks many times.
type doubleClick struct {
	name    string
	through string // the last step of the happy path before it
	ev      order.Event
	click   func(ctx context.Context, w *world, key string) error
	after   order.State // the order's state once confirmed
}

var doubleClicks = []doubleClick{
	{"the buyer's confirmation of the order", "submit", order.Confirm,
		func(ctx context.Context, w *world, key string) error {
			return errOf(w.svc.Confirm(ctx, wBuyer, "o-1", key))
		},
		order.AwaitingPayment},
	{"the buyer's confirmation of receipt", "deliver", order.ConfirmReceipt,
		func(ctx context.Context, w *world, key string) error {
			return errOf(w.svc.ConfirmReceipt(ctx, wBuyer, "o-1", key))
		},
		order.Completed},
}

func TestADoubleClickedConfirmationIsOneAction(t *testing.T) {
	const clicks = 16
	for _, dc := range doubleClicks {
		t.Run(dc.name+" under one key from 16 goroutines is one action and one notice", func(t *testing.T) {
			for round := range raceRounds {
				w := newWorld(t)
				w.run(t, "o-1", stepsThrough(dc.through))
				var errs [clicks]error
				testkit.Together(clicks, func(i int) { errs[i] = dc.click(context.Background(), w, "click") })
				require.NoError(t, errors.Join(errs[:]...), "round %d: every click is the confirmation or its replay", round)

				o := stored(t, w, "o-1")
				assert.Equal(t, dc.after, o.State)
				acted := actionsOf(o, dc.ev)
				require.Len(t, acted, 1, "round %d: one action", round)
				checkNotices(t, w, o)
				requireAddsUp(t, w, "o-1")
				if dc.ev == order.ConfirmReceipt {
					assert.Equal(t, 1, operationsOf(t, w, "o-1", escrow.OpRelease), "round %d: one release", round)
					assert.Len(t, recordsOf(t, w, "o-1"), 1, "round %d: recorded once", round)
				}
			}
		})

		t.Run(dc.name+" under 16 keys at once succeeds once and the others are invalid transitions", func(t *testing.T) {
			for round := range raceRounds {
				w := newWorld(t)
				w.run(t, "o-1", stepsThrough(dc.through))
				var errs [clicks]error
				testkit.Together(clicks, func(i int) { errs[i] = dc.click(context.Background(), w, fmt.Sprint("click-", i)) })
				succeeded := successes(errs[:], func(err error) { requireTransitionError(t, err, dc.after, dc.ev) })
				assert.Equal(t, 1, succeeded, "round %d", round)
				o := stored(t, w, "o-1")
				assert.Len(t, actionsOf(o, dc.ev), 1, "round %d: one action", round)
				checkNotices(t, w, o)
				requireAddsUp(t, w, "o-1")
			}
		})
	}
}

func TestResolveDisputeRacingAnotherResolutionOfTheCaseHasOneWinner(t *testing.T) {
	// Half the calls resolve case-1 with a partial refund, half release
	// everything to the supplier: the first stored wins; every call with
	// its resolution is a replay of it, every other one a mismatch.
	const calls = 16
	resolutions := [2]order.Resolution{
		{CaseID: caseOne, Refund: usd("1200.00"), Release: usd("2000.00"), SupplierAtFault: true},
		{CaseID: caseOne, Release: usd("3200.00")},
	}
	released := [2]string{"2000.00", "3200.00"}
	wins := [2]int{}
	for round := range raceRounds {
		ctx := context.Background()
		w := newWorld(t)
		w.run(t, "o-1", happyThrough("deliver", disputeOpened(wBuyer, caseOne)))
		w.clock.Advance(24 * time.Hour)
		var errs [calls]error
		testkit.Together(calls, func(i int) { _, errs[i] = w.svc.ResolveDispute(ctx, wDisputes, "o-1", resolutions[i%2]) })

		won := slices.IndexFunc(errs[:], func(err error) bool { return err == nil })
		require.GreaterOrEqual(t, won, 0, "round %d: one resolution is stored", round)
		won %= 2
		wins[won]++
		for i, err := range errs {
			if i%2 == won {
				assert.NoError(t, err, "round %d: the winning resolution again is a replay", round)
			} else {
				assert.ErrorIs(t, err, order.ErrIdempotencyMismatch, "round %d: the other resolution of the case", round)
			}
		}

		o := stored(t, w, "o-1")
		assert.Equal(t, order.Completed, o.State)
		require.Len(t, o.Disputes, 1)
		assert.Equal(t, resolutions[won].SupplierAtFault, o.Disputes[0].SupplierAtFault)
		assert.Len(t, actionsNamed(o, "resolve_dispute"), 1, "round %d: resolved once", round)
		b := requireAddsUp(t, w, "o-1")
		assert.True(t, b.Remaining.IsZero() && b.Frozen.IsZero(), "round %d: escrow settled and unfrozen: %+v", round, b)
		assert.Equal(t, 1, operationsOf(t, w, "o-1", escrow.OpSettle), "round %d: one settlement", round)
		assert.Equal(t, usd(released[won]), shifted(b.Released, b.Fees.Minor()), "round %d: released with fees", round)
		assert.Len(t, recordsOf(t, w, "o-1"), 1, "round %d: recorded once", round)
	}
	t.Logf("wins of the partial refund and of the release over %d rounds: %v", raceRounds, wins)
}

// escrowMove is one way to take money out of an order's escrow account.
type escrowMove struct {
	op   escrow.Op
	move func(ctx context.Context, w *world, key string, amount payment.Money) error
}

var escrowMoves = []escrowMove{
	{escrow.OpRelease, func(ctx context.Context, w *world, key string, m payment.Money) error {
		return errOf(w.escrow.Release(ctx, wAgent, "o-1", key, escrow.ReleaseRequest{Amount: m, Memo: "receipt confirmed"}))
	}},
	{escrow.OpRefund, func(ctx context.Context, w *world, key string, m payment.Money) error {
		return errOf(w.escrow.Refund(ctx, wAgent, "o-1", key, escrow.RefundRequest{Amount: m, Memo: "order called off"}))
	}},
	{escrow.OpCompensate, func(ctx context.Context, w *world, key string, m payment.Money) error {
		return errOf(w.escrow.Compensate(ctx, wAgent, "o-1", key, escrow.CompensateRequest{Amount: m, Memo: "late shipment"}))
	}},
	{escrow.OpSettle, func(ctx context.Context, w *world, key string, m payment.Money) error {
		parts, err := m.Allocate(1, 1)
		if err != nil {
			return err
		}
		return errOf(w.escrow.Settle(ctx, wAgent, "o-1", key, escrow.SettleRequest{Refund: parts[0], Release: parts[1], Memo: "dispute decided"}))
	}},
}

func TestEscrowMovesRacingOnAFundedOrderAccountNeverOverdraw(t *testing.T) {
	// The order is paid in full (USD 3,200.00 held); its escrow account is
	// then drawn on directly, by a platform agent, from many goroutines.
	funded := func(t *testing.T) *world {
		w := newWorld(t)
		w.run(t, "o-1", stepsThrough("report balance"))
		require.Equal(t, usd("3200.00"), requireAddsUp(t, w, "o-1").Available)
		return w
	}
	moved := func(t *testing.T, w *world) int {
		n := 0
		for _, m := range escrowMoves {
			n += operationsOf(t, w, "o-1", m.op)
		}
		return n
	}

	t.Run("a release, a refund, a compensation and a settlement of everything: exactly one succeeds", func(t *testing.T) {
		const each = 4
		wins := map[escrow.Op]int{}
		for round := range raceRounds {
			w := funded(t)
			var errs [each * 4]error
			testkit.Together(len(errs), func(i int) {
				errs[i] = escrowMoves[i%4].move(context.Background(), w, fmt.Sprint("move-", i), usd("3200.00"))
			})
			won := -1
			for i, err := range errs {
				if err == nil {
					require.Equal(t, -1, won, "round %d: moves %d and %d both succeeded", round, won, i)
					won = i
					continue
				}
				var short *escrow.InsufficientFundsError
				require.ErrorAs(t, err, &short, "round %d", round)
				assert.True(t, short.Available.IsZero(), "round %d: only the winner's move saw money", round)
			}
			require.GreaterOrEqual(t, won, 0, "round %d: one move succeeds", round)
			wins[escrowMoves[won%4].op]++
			b := requireAddsUp(t, w, "o-1")
			assert.True(t, b.Remaining.IsZero(), "round %d: everything left escrow once: %+v", round, b)
			assert.Equal(t, 1, moved(t, w), "round %d: one operation recorded", round)
		}
		t.Logf("winners over %d rounds: %v", raceRounds, wins)
	})

	t.Run("eight moves of USD 1,000.00 each: three succeed and USD 200.00 stays", func(t *testing.T) {
		for round := range raceRounds {
			w := funded(t)
			var errs [8]error
			testkit.Together(len(errs), func(i int) {
				errs[i] = escrowMoves[i%4].move(context.Background(), w, fmt.Sprint("move-", i), usd("1000.00"))
			})
			succeeded := successes(errs[:], func(err error) { require.ErrorIs(t, err, escrow.ErrInsufficientFunds, "round %d", round) })
			assert.Equal(t, 3, succeeded, "round %d", round)
			b := requireAddsUp(t, w, "o-1")
			assert.Equal(t, usd("200.00"), b.Remaining, "round %d", round)
			assert.Equal(t, 3, moved(t, w), "round %d", round)
		}
	})

	t.Run("one key from many goroutines moves the money once", func(t *testing.T) {
		for round := range raceRounds {
			w := funded(t)
			var errs [16]error
			testkit.Together(len(errs), func(i int) {
				errs[i] = escrowMoves[1].move(context.Background(), w, "refund-once", usd("1000.00"))
			})
			require.NoError(t, errors.Join(errs[:]...), "round %d: the refund and its replays", round)
			b := requireAddsUp(t, w, "o-1")
			assert.Equal(t, usd("1000.00"), b.Refunded, "round %d", round)
			assert.Equal(t, 1, moved(t, w), "round %d", round)
		}
	})
}
