package order_test

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/tradeassure/tradeassure/order"
)

// BenchmarkMemoryFootprintPerCompletedOrder measures the heap the in-memory
// stores hold per completed order (issue 10's target: 8 KiB), with 100,000
// orders: each runs the happy path through the services, as in a
// marketplace (a buyer per order, 1,000 suppliers), every request decoded
// from its JSON as a handler would decode it, so that each request's
// strings are its own while the names the services use are their
// constants. There is no outbox (Config.Outbox is nil): messages a relay
// delivered are gone from it, and the outbox is the caller's to size. The live heap is read before and after,
// after a GC: what remains is the order, its escrow account, its payments,
// the buyer's payment account and the order's line in its supplier's
// record. The reported metric is heap-bytes/order; ns/op is the time of
// all 100,000 lifecycles.
//
// TRADEASSURE_FOOTPRINT_ORDERS sets another number of orders: CI, which
// runs every benchmark once to keep it working, runs this one on 1,000.
func BenchmarkMemoryFootprintPerCompletedOrder(b *testing.B) {
	n := ordersFromEnv(b, "TRADEASSURE_FOOTPRINT_ORDERS", 100_000, 1)
	for b.Loop() {
		w := newWorldWith(b, stores{}, func(c *order.Config) { c.Outbox = nil })
		w.buyerPerOrder, w.decodeRequests = true, true
		w.enrolSellers(b, 1_000)
		start := liveHeap()
		for i := range n {
			if err := completeOrder(w, fmt.Sprintf("o-%06d", i)); err != nil {
				b.Fatal(err)
			}
		}
		end := liveHeap()
		b.ReportMetric(float64(int64(end)-int64(start))/float64(n), "heap-bytes/order")
		runtime.KeepAlive(w)
	}
}

// ordersFromEnv returns the number of orders the environment variable
// env sets for a benchmark at scale, n when it is not set; a value that is
// not a number, or below least, fails the benchmark.
func ordersFromEnv(b *testing.B, env string, n, least int) int {
	if v := os.Getenv(env); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < least {
			b.Fatalf("%s=%q: want a number of orders, at least %d", env, v, least)
		}
	}
	return n
}

// liveHeap returns the bytes of live heap objects after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
