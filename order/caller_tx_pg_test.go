package order_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/escrow/escrowpg"
	"github.com/tradeassure/tradeassure/internal/pgtest"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/order/orderpg"
	"github.com/tradeassure/tradeassure/payment/paymentpg"
	"github.com/tradeassure/tradeassure/supplier/supplierpg"
)

// TestOperationsJoinTheCallersTransaction runs orders in a marketplace's
// own transaction (paymentpg.WithTx) beside a row of its own: rolled
// back, neither the row nor the order, its escrow account or its notices
// exist; committed, all of them do.
func TestOperationsJoinTheCallersTransaction(t *testing.T) {
	ctx, pool := context.Background(), pgtest.Pool(t)
	require.NoError(t, orderpg.Migrate(ctx, pool))
	require.NoError(t, paymentpg.Migrate(ctx, pool))
	require.NoError(t, escrowpg.Migrate(ctx, pool))
	require.NoError(t, supplierpg.Migrate(ctx, pool))
	_, err := pool.Exec(ctx, "CREATE TABLE carts (id text PRIMARY KEY, order_id text NOT NULL)")
	require.NoError(t, err)
	w := newWorldWith(t, stores{orders: orderpg.New(pool), payments: paymentpg.New(pool), escrow: escrowpg.New(pool),
		supplier: supplierpg.New(pool), unit: paymentpg.Unit(pool), outbox: paymentpg.Outbox(pool)}, nil)

	checkout := func(id string, commit bool) {
		t.Helper()
		tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
		require.NoError(t, err)
		in := paymentpg.WithTx(ctx, pool, tx)
		_, err = tx.Exec(in, "INSERT INTO carts (id, order_id) VALUES ($1, $1)", id)
		require.NoError(t, err)
		for _, st := range stepsThrough("confirm") {
			_, err := st.call(in, w, id)
			require.NoError(t, err, st.name)
		}
		if commit {
			require.NoError(t, tx.Commit(ctx))
		} else {
			require.NoError(t, tx.Rollback(ctx))
		}
	}

	checkout("o-rolled-back", false)
	_, err = w.svc.Order(ctx, "o-rolled-back")
	require.ErrorIs(t, err, order.ErrNotFound, "the order is rolled back with the caller's row")
	_, err = w.escrow.Account(ctx, "o-rolled-back")
	assert.Error(t, err, "so is its escrow account")
	var carts int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM carts").Scan(&carts))
	assert.Zero(t, carts)
	notices, err := w.delivered()
	require.NoError(t, err)
	assert.Empty(t, notices, "and its notices")

	checkout("o-committed", true)
	o, err := w.svc.Order(ctx, "o-committed")
	require.NoError(t, err)
	assert.Equal(t, order.AwaitingPayment, o.State)
	_, err = w.escrow.Account(ctx, "o-committed")
	assert.NoError(t, err, "its escrow account is committed with it")
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM carts").Scan(&carts))
	assert.Equal(t, 1, carts)
	checkNotices(t, w, o)
}
