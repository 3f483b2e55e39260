package paymentpg_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/payment/paymentpg"
)

// TestAUnitRemembersWhatItReadAndWhatItWrote: inside a unit the store
// answers a second read of a payment, of a key, of an account (found or
// not) and of a buyer's recent payments from what the unit read, and every
// write of the unit's shows in what it answers after: the risk rules'
// history counts the payment the unit just created, a key the unit took
// is no longer free, an account the unit created exists.
func TestAUnitRemembersWhatItReadAndWhatItWrote(t *testing.T) {
	pool := migrated(t)
	s, u := paymentpg.New(pool), paymentpg.Unit(pool)
	_, err := s.CreatePayment(ctx, newPayment("p1", "k1", "b1", testkit.At(0)))
	require.NoError(t, err)

	err = u.Do(ctx, func(ctx context.Context) error {
		history, err := s.PaymentsByBuyer(ctx, "b1", testkit.At(-1))
		require.NoError(t, err)
		require.Len(t, history, 1)
		_, err = s.PaymentByKey(ctx, "b1", "k2")
		require.ErrorIs(t, err, payment.ErrNotFound)
		_, err = s.Account(ctx, "b1")
		require.ErrorIs(t, err, payment.ErrNotFound)

		_, err = s.CreatePayment(ctx, newPayment("p2", "k2", "b1", testkit.At(1)))
		require.NoError(t, err)
		_, err = s.UpdateAccount(ctx, "b1", func(a *payment.Account) error {
			a.History = append(a.History, payment.AccountEvent{At: testkit.At(1), Note: "opened"})
			return nil
		})
		require.NoError(t, err)

		history, err = s.PaymentsByBuyer(ctx, "b1", testkit.At(-1))
		require.NoError(t, err)
		assert.Len(t, history, 2, "the unit's own payment is in the history")
		later, err := s.PaymentsByBuyer(ctx, "b1", testkit.At(0).Add(time.Nanosecond))
		require.NoError(t, err)
		if assert.Len(t, later, 1, "a later instant, from what the unit read") {
			assert.Equal(t, "p2", later[0].ID)
		}
		p, err := s.PaymentByKey(ctx, "b1", "k2")
		require.NoError(t, err, "the key the unit took")
		assert.Equal(t, "p2", p.ID)
		_, err = s.Account(ctx, "b1")
		require.NoError(t, err, "the account the unit created")
		return errors.New("roll back")
	})
	require.EqualError(t, err, "roll back")
	_, err = s.PaymentByKey(ctx, "b1", "k2")
	assert.ErrorIs(t, err, payment.ErrNotFound, "nothing of the unit is kept")
}

// TestWhatAUnitRemembersOfAKeyIsTheBuyers: one buyer's key never names
// another buyer's payment in what a unit remembers, however the two ids
// and keys are cut (a NUL byte, which PostgreSQL refuses in text, between
// them included).
func TestWhatAUnitRemembersOfAKeyIsTheBuyers(t *testing.T) {
	pool := migrated(t)
	s, u := paymentpg.New(pool), paymentpg.Unit(pool)
	_ = u.Do(ctx, func(ctx context.Context) error {
		_, err := s.CreatePayment(ctx, newPayment("p1", "k", "b\x00x", testkit.At(0)))
		require.NoError(t, err, "told made: the insert goes with the COMMIT")
		p, err := s.PaymentByKey(ctx, "b", "x\x00k")
		assert.Nil(t, p, "another buyer's payment")
		assert.Error(t, err)
		return err
	})
	for _, pair := range [][2]string{{"b1x", "k"}, {"b1", "xk"}} {
		_ = u.Do(ctx, func(ctx context.Context) error {
			_, err := s.CreatePayment(ctx, newPayment("p-"+pair[0], pair[1], pair[0], testkit.At(0)))
			require.NoError(t, err)
			other := [2]string{"b1", "xk"}
			if pair == other {
				other = [2]string{"b1x", "k"}
			}
			_, err = s.PaymentByKey(ctx, other[0], other[1])
			assert.ErrorIs(t, err, payment.ErrNotFound, "%v does not name %v's payment", other, pair)
			return errors.New("roll back")
		})
	}
}
