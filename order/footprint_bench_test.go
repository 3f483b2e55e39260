package order_test

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
)

// BenchmarkMemoryFootprintPerCompletedOrder measures the heap the in-memory
// stores hold per completed order (issue 10's target: 8 KiB), with 100,000
// orders: one order runs the happy path, then its order, escrow account
// and payment records are stored again under 100,000 new ids in fresh
// order, escrow and payment stores — each decoded from its JSON, so that
// no string is shared as clones would share them — and the live heap is
// read before and after each store is filled (after a GC). The supplier's record is one per supplier, and
// grows by one OrderRecord per order; it is left out. The reported metric
// is heap-bytes/order; ns/op is the time to store one order's records.
func BenchmarkMemoryFootprintPerCompletedOrder(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	w := newWorld(b)
	done := w.run(b, "model", happyPath())
	account, err := w.escrow.Account(ctx, done.ID)
	require.NoError(b, err)
	var pays []*payment.Payment
	for _, tp := range done.Payments {
		p, err := w.payments.Payment(ctx, tp.PaymentID)
		require.NoError(b, err)
		pays = append(pays, p)
	}

	orderJSON, accountJSON := encoded(b, done), encoded(b, account)
	var payJSON [][]byte
	for _, p := range pays {
		payJSON = append(payJSON, encoded(b, p))
	}

	for b.Loop() {
		orders, accounts, payments := order.NewMemoryStore(), escrow.NewMemoryStore(), payment.NewMemoryStore()
		id := func(i int) string { return fmt.Sprintf("o-%06d", i) }
		start := liveHeap()
		for i := range n {
			o := decoded[order.Order](b, orderJSON)
			o.ID = id(i)
			_, err := orders.Create(ctx, o)
			require.NoError(b, err)
		}
		afterOrders := liveHeap()
		for i := range n {
			a := decoded[escrow.Account](b, accountJSON)
			a.ID = id(i)
			_, err := accounts.Create(ctx, a)
			require.NoError(b, err)
		}
		afterAccounts := liveHeap()
		for i := range n {
			for j, p := range pays {
				c := decoded[payment.Payment](b, payJSON[j])
				c.ID, c.Key, c.OrderID = id(i)+"/"+p.ID, id(i)+"/"+p.Key, id(i)
				_, err := payments.CreatePayment(ctx, c)
				require.NoError(b, err)
			}
		}
		end := liveHeap()
		perOrder := func(from, to uint64) float64 { return float64(int64(to)-int64(from)) / n }
		b.ReportMetric(perOrder(start, end), "heap-bytes/order")
		b.ReportMetric(perOrder(start, afterOrders), "order-bytes/order")
		b.ReportMetric(perOrder(afterOrders, afterAccounts), "escrow-bytes/order")
		b.ReportMetric(perOrder(afterAccounts, end), "payment-bytes/order")
		runtime.KeepAlive(orders)
		runtime.KeepAlive(accounts)
		runtime.KeepAlive(payments)
	}
}

// encoded returns v as JSON.
func encoded(b *testing.B, v any) []byte {
	data, err := json.Marshal(v)
	require.NoError(b, err)
	return data
}

// decoded returns data decoded into a new T: every string of its own, as
// in a store whose orders were made one by one.
func decoded[T any](b *testing.B, data []byte) *T {
	v := new(T)
	require.NoError(b, json.Unmarshal(data, v))
	return v
}

// liveHeap returns the bytes of live heap objects after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
