package order_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/dispute/disputepg"
	"github.com/tradeassure/tradeassure/escrow/escrowpg"
	"github.com/tradeassure/tradeassure/internal/pgtest"
	"github.com/tradeassure/tradeassure/order/orderpg"
	"github.com/tradeassure/tradeassure/payment/paymentpg"
	"github.com/tradeassure/tradeassure/supplier/supplierpg"
)

// TestTheStoresNameTheirSchema: on connections whose search_path is the
// server's default ("$user", public), the stores keep everything in the
// schema "tradeassure", or in the one a caller names, and nothing in
// public: two marketplaces in two schemas of one database each complete
// an order with the same id, and neither sees the other's.
func TestTheStoresNameTheirSchema(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.NewWithConfig(ctx, pgtest.Config(t))
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	var path string
	require.NoError(t, pool.QueryRow(ctx, "SHOW search_path").Scan(&path))
	require.Equal(t, `"$user", public`, path, "the server's default")

	for _, schema := range []string{"tradeassure", "Market 2"} {
		require.NoError(t, orderpg.Migrate(ctx, pool, orderpg.Schema(schema)))
		require.NoError(t, paymentpg.Migrate(ctx, pool, paymentpg.Schema(schema)))
		require.NoError(t, escrowpg.Migrate(ctx, pool, escrowpg.Schema(schema)))
		require.NoError(t, supplierpg.Migrate(ctx, pool, supplierpg.Schema(schema)))
		require.NoError(t, disputepg.Migrate(ctx, pool, disputepg.Schema(schema)))
		st := stores{orders: orderpg.New(pool, orderpg.Schema(schema)), payments: paymentpg.New(pool, paymentpg.Schema(schema)),
			escrow: escrowpg.New(pool, escrowpg.Schema(schema)), supplier: supplierpg.New(pool, supplierpg.Schema(schema)),
			unit: paymentpg.Unit(pool), outbox: paymentpg.Outbox(pool, paymentpg.Schema(schema))}
		if schema == "tradeassure" { // the default: no option
			st = stores{orders: orderpg.New(pool), payments: paymentpg.New(pool), escrow: escrowpg.New(pool),
				supplier: supplierpg.New(pool), unit: paymentpg.Unit(pool), outbox: paymentpg.Outbox(pool)}
		}
		w := newWorldWith(t, st, nil)
		require.NoError(t, completeOrder(w, "o-1"), schema)
	}

	in := map[string][]string{}
	rows, err := pool.Query(ctx, `SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p', 'v', 'S') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
		UNION ALL SELECT n.nspname, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')`)
	require.NoError(t, err)
	var schema, name string
	_, err = pgx.ForEachRow(rows, []any{&schema, &name}, func() error {
		in[schema] = append(in[schema], name)
		return nil
	})
	require.NoError(t, err)
	assert.Empty(t, in["public"], "nothing in public")
	assert.ElementsMatch(t, in["tradeassure"], in["Market 2"], "the same tables and functions in both schemas")
	for _, want := range []string{"orders", "order_actions", "payments", "payment_accounts", "outbox", "escrow_accounts",
		"escrow_entries", "escrow_operations", "suppliers", "cases", "case_evidence", "tradeassure_migrations", "tradeassure_expect"} {
		assert.Contains(t, in["tradeassure"], want)
	}
	for _, schema := range []string{`tradeassure`, `"Market 2"`} {
		var orders, notices int
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM "+schema+".orders WHERE state = 'completed'").Scan(&orders))
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM "+schema+".outbox WHERE aggregate = 'order'").Scan(&notices))
		assert.Equal(t, 1, orders, schema)
		assert.Equal(t, 14, notices, "%s: one notice per operation, in its own outbox", schema)
	}
}
