package order_test

import (
	"context"
	"testing"

	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
)

// BenchmarkNext measures one state transition: the table lookup and the
// actor check (issue 10's target: 1.5 µs; a looplab/fsm machine built per
// call cost about 30 µs and 115 allocations).
func BenchmarkNext(b *testing.B) {
	ctx, by := context.Background(), payment.System("webhooks")
	b.ReportAllocs()
	for b.Loop() {
		if s, err := order.Next(ctx, order.AwaitingPayment, order.PaymentReceived, by); err != nil || s != order.Paid {
			b.Fatal(s, err)
		}
	}
}
