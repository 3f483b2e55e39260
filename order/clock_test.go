package order_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
)

// The clock: actions at the last instant of their window, the clock going
// back between operations, a jump of a century with every kind of deadline
// pending, and sweeps at many instants around a deadline. The sweeps at
// the deadline's instant and the instant before, and actions at the
// instant a window closes, are in sweep_test.go.

func TestAnActionAtTheLastInstantOfItsWindowIsTaken(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, through string // the test, and the last step of the happy path before the action
		// end is the instant the window closes; act, the action at the
		// instant before; then, what the order does after it.
		end  func(o *order.Order, r order.Rules) time.Time
		act  func(w *world) error
		then func(t *testing.T, w *world, end time.Time)
	}{
		{"the buyer confirms the instant before the confirmation window closes", "submit",
			func(o *order.Order, r order.Rules) time.Time { return o.SubmittedAt.AddDate(0, 0, r.ConfirmDays) },
			func(w *world) error { return errOf(w.svc.Confirm(ctx, wBuyer, "o-1", "confirm")) },
			func(t *testing.T, w *world, end time.Time) {
				o := stored(t, w, "o-1")
				assert.Equal(t, order.AwaitingPayment, o.State)
				assert.Equal(t, end.Add(-time.Nanosecond).AddDate(0, 0, w.svc.Rules().PayDays), o.Deadline, "the payment window runs from the confirmation")
				sweepChangesNothing(t, w, end, "o-1")
			}},
		{"the buyer pays the instant before the payment window closes", "confirm",
			func(o *order.Order, r order.Rules) time.Time { return o.ConfirmedAt.AddDate(0, 0, r.PayDays) },
			func(w *world) error { return payErr(payOrder(ctx, w, "o-1", payment.Deposit)) },
			func(t *testing.T, w *world, end time.Time) {
				assert.True(t, stored(t, w, "o-1").PaymentProcessing())
				sweepChangesNothing(t, w, end.AddDate(1, 0, 0), "o-1")
				o, err := reportOrderPayment(ctx, w, "o-1", payment.Deposit, payment.StatusSucceeded)
				require.NoError(t, err)
				assert.Equal(t, order.Paid, o.State, "a payment started in the window is taken after it")
			}},
		{"the buyer extends the receipt window the instant before it closes", "deliver",
			func(o *order.Order, _ order.Rules) time.Time { return o.ReceiptDeadline },
			func(w *world) error { return errOf(w.svc.ExtendReceipt(ctx, wBuyer, "o-1", "extend")) },
			func(t *testing.T, w *world, end time.Time) {
				later := end.AddDate(0, 0, w.svc.Rules().ExtensionDays)
				assert.Equal(t, later, stored(t, w, "o-1").ReceiptDeadline, "extended from the old deadline, not from the extension's time")
				rep, o := sweepFallsDue(t, w, "o-1", later)
				assert.Equal(t, []string{"o-1"}, rep.AutoConfirmed)
				assert.Equal(t, order.Completed, o.State)
			}},
		{"the buyer opens a dispute the instant before the receipt window closes", "deliver",
			func(o *order.Order, _ order.Rules) time.Time { return o.ReceiptDeadline },
			func(w *world) error {
				return errOf(w.svc.OpenDispute(ctx, wDisputes, "o-1", order.DisputeRequest{CaseID: caseOne, Claimant: wBuyer}))
			},
			func(t *testing.T, w *world, end time.Time) {
				assert.Equal(t, order.Disputed, stored(t, w, "o-1").State)
				sweepChangesNothing(t, w, end.AddDate(1, 0, 0), "o-1")
				assert.True(t, balanceOf(t, w, "o-1").Released.IsZero(), "nothing is released while disputed")
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			o := w.run(t, "o-1", stepsThrough(tc.through))
			end := tc.end(o, w.svc.Rules())
			setClock(w, end.Add(-time.Nanosecond))
			require.NoError(t, tc.act(w))
			tc.then(t, w, end)
		})
	}
}

func TestGoodsShippedAtTheAgreedInstantAreOnTimeAndANanosecondLaterAreLate(t *testing.T) {
	for _, tc := range []struct {
		name        string
		late        bool // shipped a nanosecond after ShipBy, else at ShipBy
		compensated string
	}{
		{"shipped at ShipBy: on time, nothing owed", false, "0.00"},
		{"shipped a nanosecond after ShipBy: late, compensated once on receipt", true, "64.00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			o := w.run(t, "o-1", stepsThrough("report balance"))
			shipped := o.Terms.ShipBy
			if tc.late {
				shipped = shipped.Add(time.Nanosecond)
			}
			setClock(w, shipped)
			o = runNow(t, w, "o-1", lifecycleSteps("ship", "confirm receipt"))
			assert.Equal(t, order.Completed, o.State)
			assert.Equal(t, tc.late, !o.LateShipment.DecidedAt.IsZero(), "the compensation was decided")
			b := requireAddsUp(t, w, "o-1")
			assert.Equal(t, usd(tc.compensated), b.Compensated)
			if tc.late {
				checkCompensatedOnce(t, w, "o-1")
			}
			if recs := recordsOf(t, w, "o-1"); assert.Len(t, recs, 1) {
				assert.Equal(t, !tc.late, recs[0].OnTime)
			}
		})
	}
}

// backwards moves w's clock back by d.
func backwards(w *world, d time.Duration) { w.clock.Advance(-d) }

func TestTheClockGoingBackwardsReopensNothingAndPaysNothingTwice(t *testing.T) {
	// Nothing documents a clock that goes back; the service stamps each
	// action with its clock's reading. What a recorded action decided
	// stays decided whatever the clock reads next: an expired or completed
	// order stays so, a compensation decided is decided once, and the
	// money adds up.
	ctx := context.Background()

	t.Run("an order the sweep expired stays expired when the clock goes back into its window", func(t *testing.T) {
		for _, tc := range []struct {
			through string
			act     func(w *world) error
			ev      order.Event
		}{
			{"submit", func(w *world) error { return errOf(w.svc.Confirm(ctx, wBuyer, "o-1", "confirm")) }, order.Confirm},
			{"confirm", func(w *world) error { return payErr(payOrder(ctx, w, "o-1", payment.Deposit)) }, ""},
		} {
			w := newWorld(t)
			w.run(t, "o-1", stepsThrough(tc.through))
			end := stored(t, w, "o-1").Deadline
			setClock(w, end)
			assert.Equal(t, []string{"o-1"}, sweepAt(t, w, end).Expired)
			expired := stored(t, w, "o-1")
			backwards(w, time.Hour)

			err := tc.act(w)
			if tc.ev != "" {
				requireTransitionError(t, err, order.Expired, tc.ev)
			} else {
				require.ErrorIs(t, err, order.ErrNotPayable)
			}
			testkit.Check(t, "the expired order", expired, stored(t, w, "o-1"))
			sweepChangesNothing(t, w, w.clock.Now(), "o-1")
			payments, err := w.payStore.PaymentsByBuyer(ctx, wBuyer.ID, time.Time{})
			require.NoError(t, err)
			for _, p := range payments {
				assert.Equal(t, payment.StatusCancelled, p.Status, "a payment the expired order refused is withdrawn")
			}
		}
	})

	t.Run("receipt the sweep confirmed stays confirmed when the clock goes back into the receipt window", func(t *testing.T) {
		w := newWorld(t)
		end := w.run(t, "o-1", stepsThrough("deliver")).ReceiptDeadline
		setClock(w, end)
		assert.Equal(t, []string{"o-1"}, sweepAt(t, w, end).AutoConfirmed)
		completed := stored(t, w, "o-1")
		backwards(w, 10*24*time.Hour)

		// (A claim on the completed goods is still admitted until the
		// claim deadline: TestOpenDisputeOnACompletedOrderUntilTheClaimDeadline.)
		requireTransitionError(t, errOf(w.svc.ExtendReceipt(ctx, wBuyer, "o-1", "extend")), order.Completed, order.ExtendReceipt)
		requireTransitionError(t, errOf(w.svc.ConfirmReceipt(ctx, wBuyer, "o-1", "receipt")), order.Completed, order.ConfirmReceipt)
		testkit.Check(t, "the completed order", completed, stored(t, w, "o-1"))
		testkit.Check(t, "the escrow balance", settledBalance("3200.00", "3136.00", "64.00", "0.00"), balanceOf(t, w, "o-1"))
		assert.Equal(t, 1, operationsOf(t, w, "o-1", escrow.OpRelease))
	})

	t.Run("a late shipment the sweep compensated is not compensated again when the goods then ship at an earlier reading", func(t *testing.T) {
		w := newWorld(t)
		o := w.run(t, "o-1", stepsThrough("report deposit"))
		late := o.Terms.ShipBy.Add(time.Nanosecond)
		setClock(w, late)
		assert.Equal(t, []string{"o-1"}, sweepAt(t, w, late).Compensated)
		setClock(w, o.Terms.ShipBy.AddDate(0, 0, -5))

		o = runNow(t, w, "o-1", lifecycleSteps("start production", "confirm receipt"))
		assert.Equal(t, order.Completed, o.State)
		assert.True(t, o.LateShipment.DecidedAt.Equal(late), "the compensation stays decided by the sweep")
		sweepChangesNothing(t, w, late.AddDate(1, 0, 0), "o-1")
		checkCompensatedOnce(t, w, "o-1")
		testkit.Check(t, "the escrow balance", settledBalance("3200.00", "3073.28", "62.72", "64.00"), balanceOf(t, w, "o-1"))
		// The shipment is stamped before ShipBy: the supplier's record
		// shows it on time although the buyer was compensated for it.
		t.Logf("shipped at %s, ShipBy %s; the record says on time: %v",
			o.Shipment.ShippedAt.Format(time.RFC3339Nano), o.Terms.ShipBy.Format(time.RFC3339Nano), recordsOf(t, w, "o-1")[0].OnTime)
	})

	t.Run("an action at an earlier reading than the previous one pays once", func(t *testing.T) {
		w := newWorld(t)
		delivered := w.run(t, "o-1", stepsThrough("deliver"))
		backwards(w, 2*24*time.Hour)
		o := runNow(t, w, "o-1", happySteps("confirm receipt"))
		assert.Equal(t, order.Completed, o.State)
		t.Logf("the clock reads %s; receipt is stamped %s, delivery %s", w.clock.Now().Format(time.RFC3339),
			lastAction(t, o).At.Format(time.RFC3339), delivered.DeliveredAt.Format(time.RFC3339))
		testkit.Check(t, "the escrow balance", settledBalance("3200.00", "3136.00", "64.00", "0.00"), balanceOf(t, w, "o-1"))
		sweepChangesNothing(t, w, delivered.ReceiptDeadline.AddDate(1, 0, 0), "o-1")
		assert.Len(t, recordsOf(t, w, "o-1"), 1)
	})
}

func TestAWindowARecordedActionSawClosedStaysClosedWhenTheClockGoesBack(t *testing.T) {
	// The order records a later instant than its window's end, then the
	// clock (another server's, say) reads an earlier one: the window the
	// order saw closed must not reopen, or a deadline it saw pass must not
	// be missed.
	ctx := context.Background()

	t.Run("a payment window closed when a failed payment was reported takes no new payment", func(t *testing.T) {
		w := newWorld(t)
		o := w.run(t, "o-1", stepsThrough("confirm"))
		end := o.ConfirmedAt.AddDate(0, 0, w.svc.Rules().PayDays)
		setClock(w, end.Add(-24*time.Hour))
		_, _, err := payOrder(ctx, w, "o-1", payment.Deposit)
		require.NoError(t, err)
		setClock(w, end.Add(24*time.Hour))
		o, err = reportOrderPayment(ctx, w, "o-1", payment.Deposit, payment.StatusFailed)
		require.NoError(t, err)
		require.True(t, o.UpdatedAt.After(end), "the order recorded an instant after its payment window closed")

		backwards(w, 25*time.Hour) // an hour before the window's end
		_, _, err = w.svc.Pay(ctx, wBuyer, "o-1", "pay-again", order.PayRequest{Tranche: payment.Deposit, BuyerCountry: "DE"})
		assert.ErrorIs(t, err, order.ErrWindowClosed, "the payment window the order saw closed reopened")
		rep := sweepAt(t, w, end.Add(24*time.Hour))
		assert.Equal(t, []string{"o-1"}, rep.Expired, "the order expires")
	})

	t.Run("goods recorded still in production after ShipBy are shipped late", func(t *testing.T) {
		w := newWorld(t)
		o := w.run(t, "o-1", stepsThrough("start production"))
		setClock(w, o.Terms.ShipBy.Add(time.Hour))
		o = runNow(t, w, "o-1", lifecycleSteps("finish production", "report balance"))
		unshipped := o.UpdatedAt
		require.True(t, unshipped.After(o.Terms.ShipBy), "the order recorded an instant after ShipBy, unshipped")

		backwards(w, 2*time.Hour) // an hour before ShipBy
		o = runNow(t, w, "o-1", lifecycleSteps("ship", "confirm receipt"))
		assert.Equal(t, order.Completed, o.State)
		assert.False(t, o.Shipment.ShippedAt.Before(o.Terms.ShipBy), "shipped at %s, before ShipBy %s, after the order was recorded unshipped at %s",
			o.Shipment.ShippedAt, o.Terms.ShipBy, unshipped)
		assert.Equal(t, usd("64.00"), balanceOf(t, w, "o-1").Compensated, "the late shipment is compensated")
	})
}

// pendingKind is an order with a kind of deadline pending, and how to
// bring order id there.
type pendingKind struct {
	id    string
	steps []step
}

// stuckReport reports order id's paid deposit while every escrow write
// fails: the report fails whole, and the order is as it was, its payment
// processing.
func stuckReport(es *flakyEscrowStore) step {
	return step{"report the deposit while escrow is down", func(ctx context.Context, w *world, id string) (*order.Order, error) {
		es.failing.Store(true)
		defer es.failing.Store(false)
		if _, err := reportOrderPayment(ctx, w, id, payment.Deposit, payment.StatusSucceeded); !errors.Is(err, errEscrowDown) {
			return nil, fmt.Errorf("the report did not fail on escrow: %v", err)
		}
		o, err := w.svc.Order(ctx, id)
		if err == nil && (o.State != order.AwaitingPayment || !o.PaymentProcessing()) {
			err = fmt.Errorf("the failed report left the order %s, its payment processing %t", o.State, o.PaymentProcessing())
		}
		return o, err
	}}
}

func TestAJumpOfACenturyWithEveryKindOfDeadlinePendingDoesEachThingOnce(t *testing.T) {
	ctx := context.Background()
	es := &flakyEscrowStore{MemoryStore: escrow.NewMemoryStore()}
	w := newWorldWith(t, stores{escrow: es}, nil)
	now := []pendingKind{
		{"sent", stepsThrough("submit")},
		{"confirmed", stepsThrough("confirm")},
		{"processing", stepsThrough("pay deposit")},
		{"paid", stepsThrough("report deposit")},
		{"in-production", stepsThrough("start production")},
		{"awaiting-inspection", stepsThrough("finish production")},
		{"ready-to-ship", stepsThrough("inspect")},
		{"balance-paid", stepsThrough("report balance")},
		{"delivered", stepsThrough("deliver")},
		{"extended", happyThrough("deliver", extended(wBuyer, "extend-1"), extended(wSupplier, "extend-2"))},
		{"disputed", happyThrough("deliver", disputeOpened(wBuyer, caseOne))},
		{"stuck", append(stepsThrough("pay deposit"), stuckReport(es))},
	}
	lateShipped := []pendingKind{
		{"shipped-late", lifecycleSteps("ship", "track")},
		{"delivered-late", lifecycleSteps("ship", "deliver")},
	}
	for _, k := range now {
		runNow(t, w, k.id, k.steps)
	}
	for _, k := range lateShipped {
		runNow(t, w, k.id, stepsThrough("report balance"))
	}
	setClock(w, wTerms().ShipBy.AddDate(0, 0, 1))
	for _, k := range lateShipped {
		runNow(t, w, k.id, k.steps)
	}
	var all []string
	for _, k := range slices.Concat(now, lateShipped) {
		all = append(all, k.id)
	}

	century := wStart.AddDate(100, 0, 0)
	setClock(w, century)
	rep := sweepAt(t, w, century)
	assert.Empty(t, rep.Failures)
	assert.ElementsMatch(t, []string{"sent", "confirmed"}, rep.Expired)
	assert.ElementsMatch(t, []string{"delivered", "extended", "delivered-late"}, rep.AutoConfirmed)
	assert.ElementsMatch(t, []string{"paid", "in-production", "awaiting-inspection", "ready-to-ship", "balance-paid", "shipped-late", "delivered-late"},
		rep.Compensated)
	for id, want := range map[string]order.State{
		"sent": order.Expired, "confirmed": order.Expired, "processing": order.AwaitingPayment, "paid": order.Paid, "stuck": order.AwaitingPayment,
		"in-production": order.InProduction, "awaiting-inspection": order.AwaitingInspection, "ready-to-ship": order.ReadyToShip,
		"balance-paid": order.ReadyToShip, "shipped-late": order.Shipped, "delivered": order.Completed, "extended": order.Completed,
		"delivered-late": order.Completed, "disputed": order.Disputed,
	} {
		o := stored(t, w, id)
		assert.Equal(t, want, o.State, id)
	}
	for _, id := range rep.Compensated {
		checkCompensatedOnce(t, w, id)
	}
	for _, id := range slices.DeleteFunc(slices.Clone(all), func(id string) bool { return slices.Contains([]string{"sent", "confirmed", "processing", "stuck"}, id) }) {
		requireAddsUp(t, w, id)
	}
	sweepChangesNothing(t, w, century.AddDate(100, 0, 0), all...)

	t.Run("a deposit that settles a century late is compensated once at the next sweep", func(t *testing.T) {
		o, err := reportOrderPayment(ctx, w, "processing", payment.Deposit, payment.StatusSucceeded)
		require.NoError(t, err)
		assert.Equal(t, order.Paid, o.State)
		assert.Equal(t, []string{"processing"}, sweepAt(t, w, century).Compensated)
		sweepChangesNothing(t, w, century.AddDate(100, 0, 0), "processing")
		checkCompensatedOnce(t, w, "processing")
	})

	t.Run("a dispute resolved a century later lets the order go on with its receipt window stood still", func(t *testing.T) {
		before := stored(t, w, "disputed")
		d, open := before.OpenDispute()
		require.True(t, open)
		o, err := w.svc.ResolveDispute(ctx, wDisputes, "disputed", order.Resolution{CaseID: caseOne, Continue: true})
		require.NoError(t, err)
		assert.Equal(t, order.Delivered, o.State)
		assert.Equal(t, before.ReceiptDeadline.Add(century.Sub(d.OpenedAt)), o.ReceiptDeadline, "the receipt window stood still while disputed")
		rep, o := sweepFallsDue(t, w, "disputed", o.ReceiptDeadline)
		assert.Equal(t, []string{"disputed"}, rep.AutoConfirmed)
		assert.Equal(t, order.Completed, o.State)
		testkit.Check(t, "the escrow balance", settledBalance("3200.00", "3136.00", "64.00", "0.00"), balanceOf(t, w, "disputed"))
	})
}

// aroundDeadline is an order with a deadline the sweep acts on once.
type aroundDeadline struct {
	name    string
	through string
	// deadline returns the instant the sweep acts from.
	deadline func(o *order.Order) time.Time
	action   string // the sweep's action
	// reported returns the report's list the order is in once acted on.
	reported func(rep *order.SweepReport) []string
	// once checks that what the action does was done once.
	once func(t *testing.T, w *world)
}

var aroundDeadlines = []aroundDeadline{
	{"the expiry of an unconfirmed order", "submit", func(o *order.Order) time.Time { return o.Deadline }, "expire",
		func(rep *order.SweepReport) []string { return rep.Expired },
		func(t *testing.T, w *world) { assert.Equal(t, order.Expired, stored(t, w, "o-1").State) }},
	{"the late-shipment compensation of a paid order", "report deposit",
		func(o *order.Order) time.Time { return o.Terms.ShipBy.Add(time.Nanosecond) }, "compensate_late_shipment",
		func(rep *order.SweepReport) []string { return rep.Compensated },
		func(t *testing.T, w *world) { checkCompensatedOnce(t, w, "o-1") }},
	{"the confirmation of receipt of delivered goods", "deliver",
		func(o *order.Order) time.Time { return o.ReceiptDeadline }, "confirm_receipt",
		func(rep *order.SweepReport) []string { return rep.AutoConfirmed },
		func(t *testing.T, w *world) {
			testkit.Check(t, "the escrow balance", settledBalance("3200.00", "3136.00", "64.00", "0.00"), balanceOf(t, w, "o-1"))
			assert.Equal(t, 1, operationsOf(t, w, "o-1", escrow.OpRelease))
			assert.Len(t, recordsOf(t, w, "o-1"), 1)
		}},
}

func TestSweepsAtManyInstantsAroundADeadlineActOnce(t *testing.T) {
	ns := time.Nanosecond
	for _, tc := range aroundDeadlines {
		t.Run(tc.name+", sweeping one instant after another, forwards and back", func(t *testing.T) {
			w := newWorld(t)
			d := tc.deadline(w.run(t, "o-1", stepsThrough(tc.through)))
			acted := 0
			for _, at := range []time.Time{d.Add(-3 * ns), d.Add(-ns), d, d.Add(ns), d.Add(-ns), d, d.Add(time.Hour), d.Add(-time.Hour), d.AddDate(1, 0, 0)} {
				if at.After(w.clock.Now()) {
					setClock(w, at)
				}
				acted += len(tc.reported(sweepAt(t, w, at)))
			}
			assert.Equal(t, 1, acted, "one sweep acted")
			o := stored(t, w, "o-1")
			if done := actionsNamed(o, tc.action); assert.Len(t, done, 1) {
				assert.True(t, done[0].At.Equal(d), "acted at %s, the first sweep at or after the deadline %s", done[0].At, d)
			}
			tc.once(t, w)
		})

		t.Run(tc.name+", 21 sweeps at once at instants around it", func(t *testing.T) {
			for round := range raceRounds / 4 {
				w := newWorld(t)
				d := tc.deadline(w.run(t, "o-1", stepsThrough(tc.through)))
				setClock(w, d.Add(10*ns))
				var reps [21]*order.SweepReport
				var errs [21]error
				testkit.Together(len(reps), func(i int) { reps[i], errs[i] = w.svc.Sweep(context.Background(), d.Add(time.Duration(i-10))) })
				require.NoError(t, errors.Join(errs[:]...))
				acted := 0
				for i, rep := range reps {
					assert.Empty(t, rep.Failures)
					if len(tc.reported(rep)) > 0 {
						acted++
						assert.GreaterOrEqual(t, i, 10, "round %d: a sweep before the deadline acted", round)
					}
				}
				assert.Equal(t, 1, acted, "round %d: one sweep acted", round)
				o := stored(t, w, "o-1")
				if done := actionsNamed(o, tc.action); assert.Len(t, done, 1, "round %d", round) {
					assert.False(t, done[0].At.Before(d), "round %d: acted at %s, before the deadline %s", round, done[0].At, d)
				}
				tc.once(t, w)
			}
		})
	}
}
