package order_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
)

// TestMoneyTheOrderCannotApplyIsReturnedNeverLost replays issue 15's
// findings 2 and 3 through the public API: a payment the order cannot
// apply used to be marked succeeded by the payment service and then
// refused by the order, so that the processor had the buyer's money and
// no ledger held it; and a payment the order never initiated was adopted
// whatever its amount or buyer. Now the report is taken, the money is
// booked into the order's escrow account and returned to the buyer at once,
// with its reason on the order, and the order goes on as if it had not
// come. On both stores.
func TestMoneyTheOrderCannotApplyIsReturnedNeverLost(t *testing.T) {
	visa := payment.Instrument{Method: payment.Card, Network: payment.Visa}
	direct := func(buyerID string, tranche payment.Tranche, amount payment.Money) payment.InitiateRequest {
		in := visa
		if amount.Currency() != payment.USD {
			in = payment.Instrument{Method: payment.WireTransfer}
		}
		return payment.InitiateRequest{OrderID: "o-1", Tranche: tranche, BuyerID: buyerID, BuyerCountry: "DE", Instrument: in, Amount: amount}
	}
	for _, tt := range []struct {
		name    string
		through string
		by      payment.Actor
		req     payment.InitiateRequest
		code    string
		// inOrders says whether the money passes through the order's escrow
		// account (a payment in another currency passes through the
		// order's returns account in that currency, order.ReturnAccount).
		inOrders bool
	}{
		{"a second payment of the paid deposit, started through the payment service", "report deposit", wBuyer,
			direct(wBuyer.ID, payment.Deposit, usd("960.00")), order.ReasonPaymentNotPayable, true},
		{"USD 0.01 for the USD 960.00 deposit", "confirm", wBuyer,
			direct(wBuyer.ID, payment.Deposit, usd("0.01")), order.ReasonPaymentAmount, true},
		{"another buyer's payment of the deposit", "confirm", strangerBuyer,
			direct(strangerBuyer.ID, payment.Deposit, usd("960.00")), order.ReasonPaymentBuyer, true},
		{"the deposit paid in euros", "confirm", wBuyer,
			direct(wBuyer.ID, payment.Deposit, payment.MustParse("960.00", payment.EUR)), order.ReasonPaymentCurrency, false},
		{"a payment of an order not yet confirmed", "submit", wBuyer,
			direct(wBuyer.ID, payment.Deposit, usd("960.00")), order.ReasonPaymentNotPayable, true},
		{"a payment of a cancelled order", "cancel before payment", wBuyer,
			direct(wBuyer.ID, payment.Deposit, usd("960.00")), order.ReasonPaymentOrderEnded, true},
	} {
		onBothStores(t, func(t *testing.T, newWorld func(t *testing.T) *world) {
			t.Run(tt.name, func(t *testing.T) {
				ctx := context.Background()
				w := newWorld(t)
				if tt.through == "cancel before payment" {
					w.run(t, "o-1", happyThrough("confirm", calledOff(wBuyer, "cancel", "ordered twice")))
				} else {
					w.run(t, "o-1", happyThrough(tt.through))
				}
				before, err := w.svc.Order(ctx, "o-1")
				require.NoError(t, err)
				held := balanceOrZero(t, w, "o-1")

				p, err := w.payments.Initiate(ctx, tt.by, "direct-1", tt.req)
				require.NoError(t, err)
				o, err := w.svc.ReportPayment(ctx, wHooks, "o-1", p.ID, payment.Outcome{Status: payment.StatusSucceeded, ProcessorRef: "psp-direct"})
				require.NoError(t, err, "the report of money the processor took is never refused")

				require.Len(t, o.Payments, len(before.Payments)+1)
				got := o.Payments[len(o.Payments)-1]
				assert.Equal(t, p.ID, got.PaymentID)
				assert.Equal(t, tt.code, got.Unapplied.Code, "the reason is on the order")
				assert.True(t, got.PaidAt.IsZero(), "the payment pays nothing of the order")
				assert.Equal(t, before.State, o.State, "the order goes on as if it had not come")
				assert.Equal(t, before.Paid(), o.Paid())
				assert.Equal(t, tt.code+": "+got.Unapplied.Text, o.History.Last().Note)

				after := balanceOrZero(t, w, "o-1")
				assert.Equal(t, held.Remaining, after.Remaining, "what escrow holds for the order is unchanged")
				if tt.inOrders {
					assert.Equal(t, mustAdd(t, held.Held, tt.req.Amount), after.Held, "the money is in the order's ledger")
					assert.Equal(t, mustAdd(t, held.Refunded, tt.req.Amount), after.Refunded, "and returned to the buyer")
				} else {
					assert.Equal(t, held, after, "the order's account, in dollars, does not book euros")
					returns := order.ReturnAccount("o-1", tt.req.Amount.Currency())
					acct, err := w.escrow.Account(ctx, returns)
					require.NoError(t, err, "the order's returns account in %s", tt.req.Amount.Currency())
					assert.Equal(t, [2]string{wBuyer.ID, wSupplier.ID}, [2]string{acct.BuyerID, acct.SupplierID}, "the returns account's parties")
					b := balanceOf(t, w, returns)
					assert.Equal(t, tt.req.Amount, b.Held, "the euros are in a ledger")
					assert.Equal(t, tt.req.Amount, b.Refunded, "and returned to the buyer")
					assert.True(t, b.Remaining.IsZero(), "the returns account keeps nothing: %s", b.Remaining)
				}
				stored, err := w.payments.Payment(ctx, p.ID)
				require.NoError(t, err)
				assert.Equal(t, payment.StatusRefunded, stored.Status, "the payment record shows the refund")
				assert.Equal(t, tt.req.Amount, stored.Refunded())

				again, err := w.svc.ReportPayment(ctx, wHooks, "o-1", p.ID, payment.Outcome{Status: payment.StatusSucceeded, ProcessorRef: "psp-direct"})
				require.NoError(t, err, "the webhook again")
				assert.Equal(t, o.Version, again.Version, "a replay changes nothing")
				assert.Equal(t, after, balanceOrZero(t, w, "o-1"), "nor books the money twice")
			})
		})
	}
}

// TestNoOrderTakesTheIdOfAReturnsAccount: an order's escrow account has
// the order's id, so an order created with the id of another order's
// returns account would have its money booked into that account's
// ledger, or block it from opening. The returns accounts' prefix is no
// order's.
func TestNoOrderTakesTheIdOfAReturnsAccount(t *testing.T) {
	w := newWorld(t)
	w.run(t, "o-1", happyThrough("confirm"))
	for _, id := range []string{order.ReturnAccount("o-1", payment.EUR), order.ReturnAccountPrefix} {
		_, err := w.svc.Create(context.Background(), wSupplier, order.CreateRequest{ID: id, BuyerID: wBuyer.ID, Terms: wTerms()})
		requireRefusal(t, err, order.ErrInvalidRequest)
		_, err = w.svc.Order(context.Background(), id)
		require.ErrorIs(t, err, order.ErrNotFound, "order %s", id)
	}
}

// TestMoneyReturnedWhileTheOrderIsDisputed: a payment that cannot be
// applied while the order's escrow is frozen for a dispute is returned all
// the same, and the freeze keeps what it secured.
func TestMoneyReturnedWhileTheOrderIsDisputed(t *testing.T) {
	onBothStores(t, func(t *testing.T, newWorld func(t *testing.T) *world) {
		ctx := context.Background()
		w := newWorld(t)
		w.run(t, "o-1", happyThrough("deliver"))
		_, err := w.svc.OpenDispute(ctx, wDisputes, "o-1", order.DisputeRequest{CaseID: "case-1", Claimant: wBuyer})
		require.NoError(t, err)
		held := balanceOf(t, w, "o-1")

		p, err := w.payments.Initiate(ctx, wBuyer, "direct-1", payment.InitiateRequest{OrderID: "o-1", Tranche: payment.Balance, BuyerID: wBuyer.ID,
			BuyerCountry: "DE", Instrument: payment.Instrument{Method: payment.WireTransfer}, Amount: usd("2240.00")})
		require.NoError(t, err)
		o, err := w.svc.ReportPayment(ctx, wHooks, "o-1", p.ID, payment.Outcome{Status: payment.StatusSucceeded, ProcessorRef: "psp-direct"})
		require.NoError(t, err)
		assert.Equal(t, order.Disputed, o.State)
		after := balanceOf(t, w, "o-1")
		assert.Equal(t, held.Frozen, after.Frozen, "the freeze keeps what it secured")
		assert.Equal(t, mustAdd(t, held.Refunded, usd("2240.00")), after.Refunded)
		acct, err := w.escrow.Account(ctx, "o-1")
		require.NoError(t, err)
		assert.True(t, acct.Frozen)
	})
}

func mustAdd(t *testing.T, a, b payment.Money) payment.Money {
	t.Helper()
	sum, err := a.Add(b)
	require.NoError(t, err)
	return sum
}

// balanceOrZero is balanceOf, or a zero balance in dollars when the order
// has no escrow account yet.
func balanceOrZero(t *testing.T, w *world, id string) escrow.Balance {
	t.Helper()
	if _, err := w.escrow.Account(context.Background(), id); errors.Is(err, escrow.ErrNotFound) {
		zero := usd("0.00")
		return escrow.Balance{Held: zero, Released: zero, Fees: zero, Refunded: zero, Compensated: zero, Guaranteed: zero, Recovered: zero, Remaining: zero, Frozen: zero, Available: zero}
	}
	return balanceOf(t, w, id)
}

// TestARefusedReservationNeverWedgesTheOrder replays issue 15's finding 4:
// a supplier whose documents lapsed (three years on, nothing re-evaluated
// it) made the reservation step fail with supplier.ErrNotEnrolled forever,
// every later step queued behind it, and after the buyer's cancellation
// the order said refunded while its money stayed in escrow. Now the order
// is paid and goes on not covered, the reason on the order and in Quote,
// and the refund leaves escrow empty. On both stores.
func TestARefusedReservationNeverWedgesTheOrder(t *testing.T) {
	onBothStores(t, func(t *testing.T, newWorld func(t *testing.T) *world) {
		ctx := context.Background()
		w := newWorld(t)
		w.clock.Advance(3*365*24*time.Hour + 48*time.Hour) // the documents enrol the supplier for three years
		w.run(t, "o-1", happyThrough("confirm"))
		o := w.pay(t, "o-1", payment.Deposit)
		assert.Equal(t, order.Paid, o.State)
		assert.Equal(t, order.ReasonCoverageNotEnrolled, o.Coverage.Uncovered.Code, "the reason is on the order")
		assert.False(t, o.Coverage.Limit.IsPositive(), "the order is not covered")
		q, err := w.svc.Quote(ctx, "o-1", payment.Balance)
		require.NoError(t, err)
		assert.Contains(t, reasonCodes(q.Reasons), order.ReasonCoverageNotEnrolled, "and in Quote")
		assert.False(t, q.Covered.IsPositive())

		o, err = w.svc.Cancel(ctx, wBuyer, "o-1", "cancel", "changed my mind")
		require.NoError(t, err)
		assert.Equal(t, order.Refunded, o.State)
		b := balanceOf(t, w, "o-1")
		assert.Equal(t, usd("960.00"), b.Refunded, "the deposit went back")
		assert.True(t, b.Remaining.IsZero(), "nothing is left in escrow")
	})
}
