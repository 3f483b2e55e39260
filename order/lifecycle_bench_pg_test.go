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
// every statement is prepared. Every store call is one round trip for a
// read or an insert and two for an update (the read and the write), and
// each unit of work two more (BEGIN, COMMIT); the counts below are the sum
// over what each operation touches:
//
//   - every operation is a unit of work, and updates the order in it,
//     appending its notice to the outbox (one insert);
//   - Create first reads the supplier (it must be enrolled);
//   - Confirm opens the escrow account (one insert);
//   - Pay reads the order, then payment.Service.Initiate looks its key up,
//     reads the buyer's account and payment history (for the risk rules)
//     and inserts the payment;
//   - ReportPayment reads the payment twice (the order's check that it is
//     the order's, then the update) and updates it, then holds the money
//     in escrow; the deposit's report also reserves the coverage: the
//     supplier is read, then updated;
//   - ConfirmReceipt releases escrow, records the order in the supplier's
//     record (read for the limit's currency, then updated) and gives the
//     limit back.
func TestRoundTripsOfEachOperationOnPostgreSQL(t *testing.T) {
	w, counter := newPostgreSQLWorld(t)
	want := map[string]int64{
		"create": 5, "submit": 5, "confirm": 6, "pay deposit": 10, "report deposit": 13,
		"start production": 5, "finish production": 5, "inspect": 5, "pay balance": 10, "report balance": 10,
		"ship": 5, "track": 5, "deliver": 5, "confirm receipt": 12,
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
