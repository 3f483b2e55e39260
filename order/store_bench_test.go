package order_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tradeassure/tradeassure/order"
)

// BenchmarkDue measures Due(now, 100) on a memory store holding 100 due
// orders and 10³, 10⁴ or 10⁵ orders that are not due yet: the cost should
// stay flat as the orders that are not due grow, since Due reads an index.
// Each store is built once, outside the timer.
func BenchmarkDue(b *testing.B) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	const due = 100
	for _, notDue := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("not_due=%d", notDue), func(b *testing.B) {
			s := order.NewMemoryStore()
			create := func(id string, deadline time.Time) {
				if _, err := s.Create(ctx, &order.Order{ID: id, BuyerID: "b", SupplierID: "s", State: order.AwaitingPayment, Deadline: deadline}); err != nil {
					b.Fatal(err)
				}
			}
			for i := range notDue {
				create(fmt.Sprintf("later-%06d", i), now.Add(time.Duration(1+i%5000)*time.Minute))
			}
			for i := range due {
				create(fmt.Sprintf("due-%03d", i), now.Add(-time.Duration(1+i%17)*time.Minute))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				got, err := s.Due(ctx, now, due)
				if err != nil || len(got) != due {
					b.Fatalf("Due: %d orders, %v; want %d", len(got), err, due)
				}
			}
		})
	}
}
