package order_test

import (
	"context"
	"testing"

	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
)

// BenchmarkNext measures one state transition: the table lookup, the actor
// check and a looplab/fsm machine built for the call.
func BenchmarkNext(b *testing.B) {
	ctx, by := context.Background(), payment.System("webhooks")
	b.ReportAllocs()
	for b.Loop() {
		if s, err := order.Next(ctx, order.AwaitingPayment, order.PaymentReceived, by); err != nil || s != order.Paid {
			b.Fatal(s, err)
		}
	}
}
