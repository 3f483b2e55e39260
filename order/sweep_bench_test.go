package order_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/order"
)

// BenchmarkSweep measures one Sweep that expires 100 due orders (sent to
// the buyer and not confirmed within ConfirmDays) in a store of 10³, 10⁴
// 10⁵ or 10⁶ orders, the others confirmed and not due for 60 days. The cost
// should stay flat as the store grows, since Sweep finds the due orders
// through Store.Due, which reads an index. The orders are put straight
// into the memory store, once per size; before each sweep the due orders
// are put back in their expired window, with the timer stopped.
func BenchmarkSweep(b *testing.B) {
	const due = 100
	for _, n := range []int{1_000, 10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("%d_due_of_%d_orders", due, n), func(b *testing.B) {
			ctx := context.Background()
			w := newWorld(b)
			now := w.clock.Now()
			draft, err := order.NewDraft("draft", wSupplier, wBuyer.ID, wTerms(), now.AddDate(0, 0, -40))
			require.NoError(b, err)
			confirmed := draft.Clone()
			confirmed.State, confirmed.DeliveryAgreed = order.AwaitingPayment, true
			confirmed.SubmittedAt, confirmed.ConfirmedAt = now.AddDate(0, 0, -1), now
			confirmed.Deadline = now.AddDate(0, 0, w.svc.Rules().PayDays)
			sent := draft.Clone()
			sent.State, sent.SubmittedAt = order.AwaitingConfirmation, now.AddDate(0, 0, -31)
			sent.Deadline = sent.SubmittedAt.AddDate(0, 0, w.svc.Rules().ConfirmDays)
			copyOf := func(o *order.Order, id string) *order.Order {
				c := o.Clone()
				c.ID = id
				return c
			}

			for i := range n - due {
				_, err := w.orders.Create(ctx, copyOf(confirmed, fmt.Sprintf("confirmed-%06d", i)))
				require.NoError(b, err)
			}
			ids := make([]string, due)
			for i := range ids {
				ids[i] = fmt.Sprintf("sent-%03d", i)
				_, err := w.orders.Create(ctx, copyOf(sent, ids[i]))
				require.NoError(b, err)
			}
			resend := func() {
				for _, id := range ids {
					_, err := w.orders.Update(ctx, id, func(o *order.Order) error {
						*o = *copyOf(sent, id)
						return nil
					})
					require.NoError(b, err)
				}
				_, err := w.delivered() // the expiries' messages leave the outbox
				require.NoError(b, err)
				w.published.mu.Lock()
				w.published.got = nil
				w.published.mu.Unlock()
			}

			runtime.GC() // the setup's garbage is collected before the timer starts, not during the sweeps
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				resend()
				b.StartTimer()
				rep, err := w.svc.Sweep(ctx, now)
				require.NoError(b, err)
				if len(rep.Expired) != due || len(rep.Failures) > 0 {
					b.Fatalf("Sweep expired %d orders, failures %v; want %d expired", len(rep.Expired), rep.Failures, due)
				}
			}
		})
	}
}
