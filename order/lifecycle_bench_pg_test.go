package order_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/escrow/escrowpg"
	"github.com/tradeassure/tradeassure/internal/pg"
	"github.com/tradeassure/tradeassure/internal/pgtest"
	"github.com/tradeassure/tradeassure/order/orderpg"
	"github.com/tradeassure/tradeassure/payment/paymentpg"
	"github.com/tradeassure/tradeassure/supplier/supplierpg"
)

// BenchmarkLifecycleOnPostgreSQL is BenchmarkLifecycle with all four
// stores on PostgreSQL: one op is one order's whole happy path, each order
// with a buyer of its own and one of 64 suppliers. It reports
// the SQL round trips per order (statements and batches) and orders per
// second, for one worker and for eight.
func BenchmarkLifecycleOnPostgreSQL(b *testing.B) {
	for _, bc := range []struct {
		name    string
		workers int // goroutines per core under RunParallel; 0 for a plain loop
	}{{"1_worker", 0}, {"8_workers", 4}} {
		b.Run(bc.name, func(b *testing.B) {
			w, counter := newPostgreSQLWorld(b)
			w.enrolSellers(b, 64) // as BenchmarkLifecycle: no supplier's record is a hot spot for all workers
			ids := &orderIDs{}
			before := counter.Count()
			b.ResetTimer()
			if bc.workers == 0 {
				for b.Loop() {
					if err := completeOrder(w, ids.next()); err != nil {
						b.Fatal(err)
					}
				}
			} else {
				b.SetParallelism(bc.workers)
				b.RunParallel(func(p *testing.PB) {
					for p.Next() {
						if err := completeOrder(w, ids.next()); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			b.StopTimer()
			b.ReportMetric(float64(counter.Count()-before)/float64(b.N), "roundtrips/order")
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
		})
	}
}

// TestRoundTripsOfEachOperationOnPostgreSQL counts the round trips of each
// operation of the happy path with all four stores on PostgreSQL, once
// every statement is prepared. Every operation is one unit of work: its
// BEGIN goes with its first read, each further read of a record the unit
// has not read is one round trip more, and every write (inserts, updates,
// the outbox's notices) goes with the COMMIT, in one batch. So an
// operation that reads one record is two round trips:
//
//   - Create reads the supplier (it must be enrolled), then inserts the
//     order and opens its record in the supplier's history; Confirm reads
//     the order, then opens the escrow account and updates the order;
//     every other action on the order alone reads it and writes it;
//   - Pay reads the order and, ahead, what payment.Service.Initiate reads
//     (the key's payment, the buyer's account and payment history for the
//     risk rules) together (payment.Prefetch, InitiateReads): two;
//   - ReportPayment reads the payment, the order, the escrow account that
//     holds the money and the supplier whose limit the deposit reserves
//     (found from the order's id: supplier.Service.SupplierOf) together
//     (payment.Prefetch): two;
//   - ConfirmReceipt reads the order, the escrow account it releases and
//     the supplier whose limit it gives back, with its record of the
//     order, together: two.
//
// 28 an order.
func TestRoundTripsOfEachOperationOnPostgreSQL(t *testing.T) {
	w, counter := newPostgreSQLWorld(t)
	want := map[string]int64{
		"create": 2, "submit": 2, "confirm": 2, "pay deposit": 2, "report deposit": 2,
		"start production": 2, "finish production": 2, "inspect": 2, "pay balance": 2, "report balance": 2,
		"ship": 2, "track": 2, "deliver": 2, "confirm receipt": 2,
	}
	got := map[string]int64{}
	for _, id := range []string{"warm-up", "o-1"} { // the first order prepares the statements
		for _, st := range happyPath() {
			n, err := counter.Of(func() error { _, err := st.call(context.Background(), w, id); return err })
			require.NoError(t, err, "%s: %s", id, st.name)
			got[st.name] = n
		}
	}
	assert.Equal(t, want, got)
}

// newPostgreSQLWorld returns a world whose four stores are on PostgreSQL,
// each order with a buyer of its own, and the counter of the round trips
// its pool makes.
func newPostgreSQLWorld(tb testing.TB) (*world, *pg.QueryCounter) {
	ctx := context.Background()
	counter := &pg.QueryCounter{}
	pool, err := counter.Pool(ctx, pgtest.Pool(tb))
	require.NoError(tb, err)
	tb.Cleanup(pool.Close)
	require.NoError(tb, orderpg.Migrate(ctx, pool))
	require.NoError(tb, paymentpg.Migrate(ctx, pool))
	require.NoError(tb, escrowpg.Migrate(ctx, pool))
	require.NoError(tb, supplierpg.Migrate(ctx, pool))
	w := newWorldWith(tb, stores{orders: orderpg.New(pool), payments: paymentpg.New(pool),
		escrow: escrowpg.New(pool), supplier: supplierpg.New(pool), unit: paymentpg.Unit(pool), outbox: paymentpg.Outbox(pool)}, nil)
	w.buyerPerOrder = true
	return w, counter
}
