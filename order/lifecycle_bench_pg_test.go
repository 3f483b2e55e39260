package order_test

import (
	"context"
	"testing"

	"github.com/tradeassure/tradeassure/escrow/escrowpg"
	"github.com/tradeassure/tradeassure/internal/pg"
	"github.com/tradeassure/tradeassure/internal/pgtest"
	"github.com/tradeassure/tradeassure/order/orderpg"
	"github.com/tradeassure/tradeassure/payment/paymentpg"
	"github.com/tradeassure/tradeassure/supplier/supplierpg"
)

// BenchmarkLifecycleOnPostgreSQL is BenchmarkLifecycle with all four
// stores on PostgreSQL: one op is one order's whole happy path. It reports
// the SQL round trips per order (statements and batches) and orders per
// second, for one worker and for eight.
func BenchmarkLifecycleOnPostgreSQL(b *testing.B) {
	for _, bc := range []struct {
		name    string
		workers int // goroutines per core under RunParallel; 0 for a plain loop
	}{{"1_worker", 0}, {"8_workers", 4}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			var counter pg.QueryCounter
			pool, err := counter.Pool(ctx, pgtest.Pool(b))
			if err != nil {
				b.Fatal(err)
			}
			defer pool.Close()
			for _, migrate := range []func() error{
				func() error { return orderpg.Migrate(ctx, pool) }, func() error { return paymentpg.Migrate(ctx, pool) },
				func() error { return escrowpg.Migrate(ctx, pool) }, func() error { return supplierpg.Migrate(ctx, pool) },
			} {
				if err := migrate(); err != nil {
					b.Fatal(err)
				}
			}
			w := newWorldWith(b, stores{orders: orderpg.New(pool), payments: paymentpg.New(pool),
				escrow: escrowpg.New(pool), supplier: supplierpg.New(pool)}, nil)
			w.buyerPerOrder = true
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
