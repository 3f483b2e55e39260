package order_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/escrow/escrowpg"
	"github.com/tradeassure/tradeassure/internal/pgtest"
	"github.com/tradeassure/tradeassure/order/orderpg"
	"github.com/tradeassure/tradeassure/payment/paymentpg"
	"github.com/tradeassure/tradeassure/supplier/supplierpg"
)

// pgStores returns the four PostgreSQL reference stores on a schema of the
// test's own.
func pgStores(t testing.TB) stores {
	t.Helper()
	ctx, pool := context.Background(), pgtest.Pool(t)
	for _, migrate := range []func(context.Context) error{
		func(ctx context.Context) error { return orderpg.Migrate(ctx, pool) },
		func(ctx context.Context) error { return paymentpg.Migrate(ctx, pool) },
		func(ctx context.Context) error { return escrowpg.Migrate(ctx, pool) },
		func(ctx context.Context) error { return supplierpg.Migrate(ctx, pool) },
	} {
		require.NoError(t, migrate(ctx))
	}
	return stores{orders: orderpg.New(pool), payments: paymentpg.New(pool), escrow: escrowpg.New(pool), supplier: supplierpg.New(pool),
		unit: paymentpg.Unit(pool), outbox: paymentpg.Outbox(pool)}
}

// TestCrashAtEveryStoreCallOnPostgreSQL is the crash test on the
// PostgreSQL reference stores: a failure before a call and a response lost
// after a write, at every store call of the lifecycle, leave nothing or
// everything of the operation and, retried, end exactly as the run without
// failure.
func TestCrashAtEveryStoreCallOnPostgreSQL(t *testing.T) {
	pgtest.DSN(t)
	crashAtEveryStoreCall(t, func(t testing.TB) (*world, *injector) { return crashWorldOn(t, pgStores(t)) },
		allCrashModes()[:2])
}
