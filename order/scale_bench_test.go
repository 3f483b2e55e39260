package order_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tradeassure/tradeassure/order"
)

// BenchmarkAtScale measures the in-memory stores at a marketplace's
// scale: 1,000 suppliers, 100,000 buyers and 1,000,000 orders, with the
// sweep running beside the traffic. The setup (not timed) runs every
// order through the services: nine in ten through the whole happy path,
// the tenth created and sent to its buyer, who never confirms it. Then
// each op is one new order's happy path (the traffic), while a sweep
// worker beside it sweeps at an instant ConfirmDays past the unconfirmed
// orders' sending (and before any deadline of the traffic's orders), so
// that it expires them all, batch by batch, and then sweeps again until
// the traffic stops. It reports the live heap per
// order after the setup (heap-bytes/order), the traffic's orders/s and
// the sweep's expired/s while both ran, and the sweeps' count; B/op and
// allocs/op count the sweep's work with the traffic's.
//
// TRADEASSURE_SCALE_ORDERS sets another number of orders (CI, which runs
// every benchmark once to keep it working, runs it on 2,000); the buyers
// are a tenth of the orders, the suppliers 1,000.
func BenchmarkAtScale(b *testing.B) {
	n := ordersFromEnv(b, "TRADEASSURE_SCALE_ORDERS", 1_000_000, 10)
	ctx := context.Background()
	w := newWorldWith(b, stores{}, func(c *order.Config) { c.Outbox = nil })
	w.buyers = n / 10
	w.enrolSellers(b, 1_000)
	sent := happyPath()[:2] // create, submit
	start := liveHeap()
	for i := range n {
		id := fmt.Sprintf("o-%07d", i)
		if i%10 != 9 {
			if err := completeOrder(w, id); err != nil {
				b.Fatal(err)
			}
			continue
		}
		for _, st := range sent {
			if _, err := st.call(ctx, w, id); err != nil {
				b.Fatalf("order %s: %s: %v", id, st.name, err)
			}
		}
	}
	perOrder := float64(int64(liveHeap())-int64(start)) / float64(n)

	// The sweep's instant is past the unsent orders' confirmation window
	// and before any deadline of the traffic, which starts an hour later.
	sweepAt := w.clock.Now().AddDate(0, 0, w.svc.Rules().ConfirmDays).Add(time.Second)
	w.clock.Advance(time.Hour)
	var (
		stop    atomic.Bool
		expired atomic.Int64
		sweeps  atomic.Int64
		failed  error
		done    sync.WaitGroup
	)
	done.Add(1)
	go func() {
		defer done.Done()
		for !stop.Load() {
			rep, err := w.svc.Sweep(ctx, sweepAt)
			switch {
			case err != nil:
				failed = err
				return
			case len(rep.Failures) > 0:
				failed = fmt.Errorf("the sweep failed on %d orders: %w", len(rep.Failures), rep.Failures[0])
				return
			}
			expired.Add(int64(len(rep.Expired)))
			sweeps.Add(1)
			time.Sleep(10 * time.Millisecond) // a scheduler's tight schedule
		}
	}()
	ids := &orderIDs{}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := completeOrder(w, ids.next()); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	stop.Store(true)
	done.Wait()
	if failed != nil {
		b.Fatal(failed)
	}
	elapsed := b.Elapsed().Seconds()
	b.ReportMetric(perOrder, "heap-bytes/order")
	b.ReportMetric(float64(b.N)/elapsed, "orders/s")
	b.ReportMetric(float64(expired.Load())/elapsed, "expired/s")
	b.ReportMetric(float64(sweeps.Load()), "sweeps")
	runtime.KeepAlive(w)
}
