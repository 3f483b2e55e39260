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
// Every write re-evaluates the supplier: its documents, the counters of its
// record and the days of its volume, and the in-memory store copies the
// supplier in and out. Its history (every order, inquiry and review) is
// kept beside it and read only by the operation it is about, so the cost
// of an operation should not grow with the history: each benchmark runs
// on suppliers with benchSizes completed orders (and as many reviews, and
// half as many inquiries), an order an hour, so that the volume window
// holds 10 days at 10 and all of its 180 at 10,000. Each operation writes:
// Reserve and Release alternate on one order, so neither is a replay.
var benchSizes = [...]int{10, 10000}

// benchSupplier returns a Service on a fresh in-memory store with a fixed
// clock, and its enrolled supplier s1 with a record of n orders, recorded
// through the Service.
func benchSupplier(b *testing.B, n int) *supplier.Service {
	b.Helper()
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	store := supplier.NewMemoryStore()
	svc, err := supplier.NewService(supplier.Config{Store: store, Clock: payment.ClockFunc(func() time.Time { return now })})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := store.Create(ctx, ruleRecord("s1", time.Date(2012, 1, 1, 0, 0, 0, 0, time.UTC))); err != nil {
		b.Fatal(err)
	}
	by, value := payment.System("bench"), payment.MustParse("2500.00", payment.USD)
	for i := range n {
		at := now.Add(-time.Duration(i) * time.Hour)
		id := fmt.Sprint("o", i)
		if _, err := svc.RecordOrder(ctx, by, "s1", supplier.OrderRecord{OrderID: id, BuyerID: "b" + id, Value: value, CompletedAt: at, OnTime: i%10 != 0}); err != nil {
			b.Fatal(err)
		}
		if _, err := svc.AddReview(ctx, payment.Buyer("b"+id), "s1", supplier.ReviewRequest{OrderID: id, Rating: 1 + i%5}); err != nil {
			b.Fatal(err)
		}
		if i%2 == 0 {
			if _, err := svc.RecordInquiry(ctx, by, "s1", supplier.Inquiry{ID: fmt.Sprint("q", i), ReceivedAt: at, RespondedAt: at.Add(time.Hour)}); err != nil {
				b.Fatal(err)
			}
		}
	}
	if s, err := svc.Evaluate(ctx, by, "s1"); err != nil || !s.Enrolled() || s.Record.Completed != n {
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
