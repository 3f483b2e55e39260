package order_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
)

// reviewEverything is a risk rule that holds every payment for review.
var reviewEverything = payment.RiskRuleFunc(func(context.Context, payment.RiskInput) (payment.RiskOutcome, []payment.Reason, error) {
	return payment.RiskReview, []payment.Reason{{Code: "test.review", Text: "every payment is reviewed"}}, nil
})

// reviewedWorld is a world whose payment service holds every payment for
// a platform agent's review.
func reviewedWorld(t *testing.T) *world {
	t.Helper()
	store := payment.NewMemoryStore()
	return newWorldWith(t, stores{payments: store}, func(c *order.Config) {
		reviewed, err := payment.NewService(payment.Config{Store: store, Unit: c.Unit, Clock: c.Clock, Risk: []payment.RiskRule{reviewEverything}})
		require.NoError(t, err)
		c.Payments = reviewed
	})
}

func TestSyncPaymentFollowsADecisionTheOrderWasNotToldOf(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name    string
		approve bool
		want    payment.Status
	}{
		{"a held payment the agent rejects frees the tranche", false, payment.StatusCancelled},
		{"a held payment the agent approves goes on processing", true, payment.StatusProcessing},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := reviewedWorld(t)
			w.run(t, "o-1", lifecycleSteps("create", "confirm"))
			o, p, err := w.svc.Pay(ctx, wBuyer, "o-1", "pay-deposit", order.PayRequest{Tranche: payment.Deposit, BuyerCountry: "DE"})
			require.NoError(t, err)
			require.True(t, p.Held, "the risk rule holds the payment")
			require.True(t, o.PaymentProcessing())

			_, err = w.payments.Decide(ctx, wAgent, p.ID, tt.approve, "reviewed")
			require.NoError(t, err)
			o, err = w.svc.SyncPayment(ctx, wAgent, "o-1", p.ID)
			require.NoError(t, err)
			assert.Equal(t, tt.want, o.Payments[0].Status)
			assert.Equal(t, !tt.approve, !o.PaymentProcessing(), "the order sees the decision")
			again, err := w.svc.SyncPayment(ctx, wHooks, "o-1", p.ID)
			require.NoError(t, err)
			assert.Equal(t, o.Version, again.Version, "syncing an unchanged payment changes nothing")
			if !tt.approve {
				_, _, err = w.svc.Pay(ctx, wBuyer, "o-1", "pay-deposit-2", order.PayRequest{Tranche: payment.Deposit, BuyerCountry: "DE"})
				assert.NoError(t, err, "the tranche may be paid again")
			}
		})
	}
	t.Run("a buyer may not sync, nor anyone sync another order's payment", func(t *testing.T) {
		w := reviewedWorld(t)
		w.run(t, "o-1", lifecycleSteps("create", "confirm"))
		w.run(t, "o-2", lifecycleSteps("create", "confirm"))
		_, p, err := w.svc.Pay(ctx, wBuyer, "o-1", "pay-deposit", order.PayRequest{Tranche: payment.Deposit, BuyerCountry: "DE"})
		require.NoError(t, err)
		_, err = w.svc.SyncPayment(ctx, wBuyer, "o-1", p.ID)
		assert.ErrorIs(t, err, payment.ErrForbidden)
		_, err = w.svc.SyncPayment(ctx, wAgent, "o-2", p.ID)
		assert.ErrorIs(t, err, order.ErrInvalidRequest)
	})
}
