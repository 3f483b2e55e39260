package order_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tradeassure/tradeassure/order"
)

// TestKeysAreScopedToTheOrder runs the happy path on two orders of one
// buyer in one world, under the same keys: the service's keys are scoped
// to the order, the payment's included.
func TestKeysAreScopedToTheOrder(t *testing.T) {
	w := newWorld(t)
	for _, id := range []string{"o-1", "o-2"} {
		o := w.run(t, id, happyPath())
		assert.Equal(t, order.Completed, o.State, id)
	}
}

// BenchmarkLifecycle measures one order's full happy path per op (create,
// submit, confirm, deposit paid and reported, production started and
// finished, inspection, balance paid and reported, ship, track, deliver,
// confirm receipt) on the in-memory stores, each op on a new order of one
// world built outside the timer, as in a marketplace: each order has a
// buyer of its own and one of 64 suppliers. The clock stands still, so
// every order is on time. Each completed order joins its supplier's record,
// which the supplier service copies and re-rates on every update: the cost
// of an op grows slowly with b.N, so compare runs at a fixed -benchtime Nx.
func BenchmarkLifecycle(b *testing.B) {
	b.Run("single", func(b *testing.B) {
		w, ids := newBenchWorld(b), &orderIDs{}
		b.ReportAllocs()
		for b.Loop() {
			if err := completeOrder(w, ids.next()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		w, ids := newBenchWorld(b), &orderIDs{}
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := completeOrder(w, ids.next()); err != nil {
					b.Error(err) // Fatal is for the benchmark's own goroutine
					return
				}
			}
		})
	})
}

// newBenchWorld returns a world for the benchmarks, where each order has
// its own buyer (one buyer's payment history, which the payment service
// reads for its risk rules, does not grow with b.N) and one of 64
// suppliers.
func newBenchWorld(b *testing.B) *world {
	w := newWorld(b)
	w.buyerPerOrder = true
	w.enrolSellers(b, 64)
	return w
}

// orderIDs hands out unique order ids, to any number of goroutines.
type orderIDs struct{ n atomic.Int64 }

func (c *orderIDs) next() string { return fmt.Sprintf("bench-%d", c.n.Add(1)) }

// completeOrder runs the happy path on a new order id and checks that it
// completed with nothing pending.
func completeOrder(w *world, id string) error {
	ctx := context.Background()
	var o *order.Order
	for _, st := range happyPath() {
		var err error
		if o, err = st.call(ctx, w, id); err != nil {
			return fmt.Errorf("order %s: %s: %w", id, st.name, err)
		}
	}
	if o.State != order.Completed {
		return fmt.Errorf("order %s ends %s", id, o.State)
	}
	return nil
}
