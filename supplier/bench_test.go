package supplier_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// What the benchmarks measure.
//
// Every write re-evaluates the supplier: it scans its documents, orders,
// inquiries and reviews for the rating and the limit, and the in-memory
// store copies the whole record in and out. So the cost of an operation
// grows with the supplier's record, and each benchmark runs on suppliers
// with benchSizes completed orders (and as many reviews, and half as many
// inquiries): 10, a new supplier, and 1,000, an established one. Each
// operation writes: Reserve and Release alternate on one order, so neither
// is a replay.
var benchSizes = [...]int{10, 1000}

// benchSupplier returns a Service on a fresh in-memory store with a fixed
// clock, and its enrolled supplier s1 with a record of n orders.
func benchSupplier(b *testing.B, n int) *supplier.Service {
	b.Helper()
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	store := supplier.NewMemoryStore()
	svc, err := supplier.NewService(supplier.Config{Store: store, Clock: payment.ClockFunc(func() time.Time { return now })})
	if err != nil {
		b.Fatal(err)
	}
	sup := ruleRecord("s1", time.Date(2012, 1, 1, 0, 0, 0, 0, time.UTC))
	value := payment.MustParse("2500.00", payment.USD)
	for i := range n {
		at := now.Add(-time.Duration(i) * time.Hour)
		id := fmt.Sprint("o", i)
		sup.Orders = append(sup.Orders, supplier.OrderRecord{OrderID: id, BuyerID: "b" + id, Value: value, CompletedAt: at, OnTime: i%10 != 0})
		sup.Reviews = append(sup.Reviews, supplier.Review{OrderID: id, BuyerID: "b" + id, Rating: 1 + i%5, At: at})
		if i%2 == 0 {
			sup.Inquiries = append(sup.Inquiries, supplier.Inquiry{ID: fmt.Sprint("q", i), ReceivedAt: at, RespondedAt: at.Add(time.Hour)})
		}
	}
	if _, err := store.Create(ctx, sup); err != nil {
		b.Fatal(err)
	}
	if s, err := svc.Evaluate(ctx, payment.System("bench"), "s1"); err != nil || !s.Enrolled() {
		b.Fatalf("Evaluate: %v", err)
	}
	return svc
}

func BenchmarkReserveRelease(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("orders=%d", n), func(b *testing.B) {
			svc := benchSupplier(b, n)
			ctx, by, amount := context.Background(), payment.System("bench"), payment.MustParse("100.00", payment.USD)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				var err error
				if i%2 == 0 {
					_, err = svc.Reserve(ctx, by, "s1", "order-1", amount)
				} else {
					_, err = svc.Release(ctx, by, "s1", "order-1")
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEvaluate(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("orders=%d", n), func(b *testing.B) {
			svc := benchSupplier(b, n)
			ctx, by := context.Background(), payment.System("bench")
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.Evaluate(ctx, by, "s1"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCoverable(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("orders=%d", n), func(b *testing.B) {
			svc := benchSupplier(b, n)
			ctx, amount := context.Background(), payment.MustParse("100000.00", payment.USD)
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := svc.Coverable(ctx, "s1", amount); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
