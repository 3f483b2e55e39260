package order_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
)

// onBothStores runs test on a world of the in-memory stores and on one of
// the PostgreSQL reference stores (skipped without a database, failed in
// CI).
func onBothStores(t *testing.T, test func(t *testing.T, newWorld func(t *testing.T) *world)) {
	t.Run("memory", func(t *testing.T) {
		test(t, func(t *testing.T) *world { return newWorld(t) })
	})
	t.Run("postgresql", func(t *testing.T) {
		test(t, func(t *testing.T) *world { return newWorldWith(t, pgStores(t), nil) })
	})
}

// TestNoCallersKeyReachesTheServicesOwnActions replays, through the
// public API, the attacks of issue 15 in which a caller's idempotency key
// took the key of an action the service does on its own (a processor's
// report, the sweep's expiry, auto-confirmation and late-shipment
// compensation, a dispute case's opening): the service's own action
// happens all the same, since a caller's key lives in a namespace of its
// own.
func TestNoCallersKeyReachesTheServicesOwnActions(t *testing.T) {
	onBothStores(t, func(t *testing.T, newWorld func(t *testing.T) *world) {
		ctx := context.Background()

		t.Run("a submission under the key of the deposit's report", func(t *testing.T) {
			// A first marketplace shows which payment id the deposit gets.
			probe := newWorld(t)
			o := probe.run(t, "o-1", happyThrough("pay deposit"))
			predicted := o.Payments[0].PaymentID

			w := newWorld(t)
			w.run(t, "o-1", happySteps("create"))
			_, err := w.svc.Submit(ctx, wSupplier, "o-1", "payment/"+predicted+"/succeeded")
			require.NoError(t, err)
			w.run(t, "o-1", happySteps("confirm"))
			_, p, err := w.svc.Pay(ctx, wBuyer, "o-1", "pay-deposit", fromGermany(payment.Deposit))
			require.NoError(t, err)
			o, err = w.svc.ReportPayment(ctx, wHooks, "o-1", p.ID, payment.Outcome{Status: payment.StatusSucceeded, ProcessorRef: "psp-1"})
			require.NoError(t, err, "the report of the deposit")
			assert.Equal(t, order.Paid, o.State)
			assert.Equal(t, usd("960.00"), balanceOf(t, w, "o-1").Remaining, "escrow holds the deposit")
		})

		t.Run("a confirmation under the key of the expiry, after the window closed", func(t *testing.T) {
			w := newWorld(t)
			w.run(t, "o-1", happySteps("create", "submit"))
			w.clock.Advance(31 * 24 * time.Hour)
			_, err := w.svc.Confirm(ctx, wBuyer, "o-1", "sweep/expire")
			require.ErrorIs(t, err, order.ErrWindowClosed)
			rep, err := w.svc.Sweep(ctx, w.clock.Now())
			require.NoError(t, err)
			assert.Equal(t, []string{"o-1"}, rep.Expired)
			o, err := w.svc.Order(ctx, "o-1")
			require.NoError(t, err)
			assert.Equal(t, order.Expired, o.State)
		})

		t.Run("an extension under the key of the auto-confirmation", func(t *testing.T) {
			w := newWorld(t)
			w.run(t, "o-1", happyThrough("deliver"))
			_, err := w.svc.ExtendReceipt(ctx, wBuyer, "o-1", "sweep/confirm-receipt")
			require.NoError(t, err)
			w.clock.Advance(46 * 24 * time.Hour)
			rep, err := w.svc.Sweep(ctx, w.clock.Now())
			require.NoError(t, err)
			assert.Equal(t, []string{"o-1"}, rep.AutoConfirmed)
			o, err := w.svc.Order(ctx, "o-1")
			require.NoError(t, err)
			assert.Equal(t, order.Completed, o.State)
			assert.True(t, balanceOf(t, w, "o-1").Released.IsPositive(), "the supplier was paid")
		})

		t.Run("a finished production under the key of the late-shipment compensation", func(t *testing.T) {
			w := newWorld(t)
			w.run(t, "o-1", happyThrough("start production"))
			_, err := w.svc.FinishProduction(ctx, wSupplier, "o-1", "sweep/late-shipment")
			require.NoError(t, err)
			w.clock.Advance(wTerms().ShipBy.Add(24 * time.Hour).Sub(w.clock.Now()))
			rep, err := w.svc.Sweep(ctx, w.clock.Now())
			require.NoError(t, err)
			assert.Equal(t, []string{"o-1"}, rep.Compensated)
			assert.True(t, balanceOf(t, w, "o-1").Compensated.IsPositive(), "the buyer was compensated")
		})

		t.Run("a start of production under the key of a dispute's opening", func(t *testing.T) {
			w := newWorld(t)
			w.run(t, "o-1", happyThrough("report deposit"))
			_, err := w.svc.StartProduction(ctx, wSupplier, "o-1", "dispute/case-1/open")
			require.NoError(t, err)
			o, err := w.svc.OpenDispute(ctx, wDisputes, "o-1", order.DisputeRequest{CaseID: "case-1", Claimant: wBuyer})
			require.NoError(t, err)
			assert.Equal(t, order.Disputed, o.State)
			acct, err := w.escrow.Account(ctx, "o-1")
			require.NoError(t, err)
			assert.True(t, acct.Frozen, "escrow is frozen while the dispute is open")
		})
	})
}

// TestAnotherBuyerCannotTakeAnOrdersPaymentKey: the key under which the
// order service records a payment is a public function of the order and
// the Pay call's key (order.PaymentKey). Another buyer who initiates a
// payment of its own under that key, directly with the payment service,
// takes nothing from the order's buyer: a payment key is its buyer's.
func TestAnotherBuyerCannotTakeAnOrdersPaymentKey(t *testing.T) {
	onBothStores(t, func(t *testing.T, newWorld func(t *testing.T) *world) {
		ctx := context.Background()
		w := newWorld(t)
		w.run(t, "o-1", happyThrough("confirm"))
		key := order.PaymentKey("o-1", "pay-deposit")
		theirs, err := w.payments.Initiate(ctx, strangerBuyer, key, payment.InitiateRequest{
			OrderID: "o-1", Tranche: payment.Deposit, BuyerID: strangerBuyer.ID, BuyerCountry: "DE",
			Instrument: payment.Instrument{Method: payment.WireTransfer}, Amount: usd("1.00"),
		})
		require.NoError(t, err, "the other buyer's payment")

		_, p, err := w.svc.Pay(ctx, wBuyer, "o-1", "pay-deposit", fromGermany(payment.Deposit))
		require.NoError(t, err, "the order's buyer pays under the key the other buyer used")
		assert.NotEqual(t, theirs.ID, p.ID, "the order's payment is its own")
		assert.Equal(t, wBuyer.ID, p.BuyerID)
		o, err := w.svc.ReportPayment(ctx, wHooks, "o-1", p.ID, payment.Outcome{Status: payment.StatusSucceeded, ProcessorRef: "psp-1"})
		require.NoError(t, err)
		assert.Equal(t, order.Paid, o.State)
		assert.Equal(t, usd("960.00"), balanceOf(t, w, "o-1").Remaining, "escrow holds the deposit")

		mine, err := w.payments.PaymentByKey(ctx, wBuyer.ID, key)
		require.NoError(t, err)
		assert.Equal(t, p.ID, mine.ID, "the buyer's payment under the key")
		other, err := w.payments.PaymentByKey(ctx, strangerBuyer.ID, key)
		require.NoError(t, err)
		assert.Equal(t, theirs.ID, other.ID, "the other buyer's payment under the key")
	})
}

// TestACallersKeyIsScopedToTheOperation: the same key given to two
// operations on one order is two keys, and each replays its own.
func TestACallersKeyIsScopedToTheOperation(t *testing.T) {
	onBothStores(t, func(t *testing.T, newWorld func(t *testing.T) *world) {
		ctx := context.Background()
		w := newWorld(t)
		w.run(t, "o-1", happyThrough("report deposit"))

		started, err := w.svc.StartProduction(ctx, wSupplier, "o-1", "submit")
		require.NoError(t, err, "the start of production under the submission's key")
		assert.Equal(t, order.InProduction, started.State)
		last := started.History.Last()
		assert.Equal(t, "start_production", last.Name)
		assert.Equal(t, "submit", last.Key)

		again, err := w.svc.StartProduction(ctx, wSupplier, "o-1", "submit")
		require.NoError(t, err, "the start of production again")
		assert.Equal(t, started.Version, again.Version, "a replay writes nothing")
		resubmitted, err := w.svc.Submit(ctx, wSupplier, "o-1", "submit")
		require.NoError(t, err, "the submission again")
		assert.Equal(t, started.Version, resubmitted.Version, "a replay writes nothing")

		_, err = w.svc.StartProduction(ctx, wAgent, "o-1", "submit")
		require.ErrorIs(t, err, order.ErrIdempotencyMismatch, "another actor under the same operation's key")
	})
}

// TestIDsKeysAndTextsAreBounded: an id or key of payment.MaxIDLen bytes and
// texts of payment.MaxTextLen go through an order's life and are stored
// whole, on both stores; one byte more is a *payment.LengthError wrapping
// order.ErrInvalidRequest (or a term's ErrInvalidTerms) that stores
// nothing. (On PostgreSQL a 1,340-byte order id used to be accepted, and
// the escrow hold then failed on the unique index's size limit with a raw
// SQLSTATE 54000, after the payment had succeeded.)
func TestIDsKeysAndTextsAreBounded(t *testing.T) {
	onBothStores(t, func(t *testing.T, newWorld func(t *testing.T) *world) {
		ctx := context.Background()
		id, key, text := strings.Repeat("o", payment.MaxIDLen), strings.Repeat("k", payment.MaxIDLen), strings.Repeat("t", payment.MaxTextLen)
		terms := termsWith(func(t *order.Terms) {
			t.Items[0].SKU, t.Items[0].Description, t.Route = text, text, text
			t.Items[0].Spec.DesignFiles = []string{"https://files.example.com/" + text[len("https://files.example.com/"):]}
		})

		w := newWorld(t)
		_, err := w.svc.Create(ctx, wSupplier, order.CreateRequest{ID: id, BuyerID: wBuyer.ID, Terms: terms})
		require.NoError(t, err)
		_, err = w.svc.Submit(ctx, wSupplier, id, key)
		require.NoError(t, err)
		_, err = w.svc.Confirm(ctx, wBuyer, id, key)
		require.NoError(t, err)
		_, p, err := w.svc.Pay(ctx, wBuyer, id, key, fromGermany(payment.Deposit))
		require.NoError(t, err)
		_, err = w.svc.ReportPayment(ctx, wHooks, id, p.ID, payment.Outcome{Status: payment.StatusSucceeded, ProcessorRef: "psp-1"})
		require.NoError(t, err)
		o, err := w.svc.Cancel(ctx, wBuyer, id, key, text)
		require.NoError(t, err)
		assert.Equal(t, order.Refunded, o.State)
		assert.Equal(t, usd("960.00"), balanceOf(t, w, id).Refunded, "the deposit went back through escrow")
		o, err = w.svc.Order(ctx, id)
		require.NoError(t, err)
		it := o.Terms.Items[0]
		assert.True(t, o.ID == id && it.SKU == text && it.Description == text && o.Terms.Route == text &&
			it.Spec.DesignFiles[0] == terms.Items[0].Spec.DesignFiles[0] && o.History.Last().Note == text,
			"every string at its limit is stored whole")

		over := newWorld(t)
		over.run(t, "o-1", happyThrough("confirm"))
		before, err := over.svc.Order(ctx, "o-1")
		require.NoError(t, err)
		for _, c := range []struct {
			name string
			call func() error
			want error
		}{
			{"an order id one byte too long", func() error {
				return errOf(over.svc.Create(ctx, wSupplier, order.CreateRequest{ID: id + "o", BuyerID: wBuyer.ID, Terms: wTerms()}))
			}, order.ErrInvalidRequest},
			{"a buyer id one byte too long", func() error {
				return errOf(over.svc.Create(ctx, wSupplier, order.CreateRequest{ID: "o-2", BuyerID: id + "b", Terms: wTerms()}))
			}, order.ErrInvalidRequest},
			{"an actor's id one byte too long", func() error {
				return errOf(over.svc.Cancel(ctx, payment.Platform(id+"a"), "o-1", "cancel", "why"))
			}, payment.ErrInvalidRequest},
			{"a key one byte too long", func() error { return errOf(over.svc.Cancel(ctx, wBuyer, "o-1", key+"k", "why")) }, order.ErrInvalidRequest},
			{"a payment's key one byte too long", func() error {
				_, _, err := over.svc.Pay(ctx, wBuyer, "o-1", key+"k", fromGermany(payment.Deposit))
				return err
			}, order.ErrInvalidRequest},
			{"a reason one byte too long", func() error { return errOf(over.svc.Cancel(ctx, wBuyer, "o-1", "cancel", text+"t")) }, order.ErrInvalidRequest},
			{"a case id one byte too long", func() error {
				return errOf(over.svc.OpenDispute(ctx, wDisputes, "o-1", order.DisputeRequest{CaseID: id + "c", Claimant: wBuyer}))
			}, order.ErrInvalidRequest},
			{"a SKU one byte too long", func() error {
				return errOf(over.svc.Create(ctx, wSupplier, order.CreateRequest{ID: "o-3", BuyerID: wBuyer.ID,
					Terms: termsWith(func(t *order.Terms) { t.Items[0].SKU = text + "t" })}))
			}, order.ErrInvalidTerms},
		} {
			err := c.call()
			require.ErrorIs(t, err, c.want, c.name)
			if c.want != order.ErrInvalidTerms {
				var le *payment.LengthError
				require.ErrorAs(t, err, &le, c.name)
				assert.Equal(t, le.Max+1, le.Len, c.name)
			}
		}
		after, err := over.svc.Order(ctx, "o-1")
		require.NoError(t, err)
		assert.Equal(t, before.Version, after.Version, "the refused calls changed nothing")
		for _, other := range []string{id + "o", "o-2", "o-3"} {
			_, err := over.svc.Order(ctx, other)
			require.ErrorIs(t, err, order.ErrNotFound, "nothing was created")
		}
	})
}
