package escrow_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/payment"
)

// What the benchmarks measure.
//
// Every operation reads its account, copies it, adds up its ledger and
// scans its records, so its cost grows with the account. One account per
// benchmark would measure an account of b.N entries, and a different one at
// every b.N. So each benchmark loop moves to a fresh account every
// perAccount operations: ns/op is the cost of one operation on an account
// of 0 to perAccount-1 earlier operations, averaged, and it includes the
// set-up of each account (one Open, plus one funding Hold for Release),
// amortised over its operations. perAccount is 8, about what an order's
// account sees (deposit, balance, release and fee, a refund), and 64, to
// show how the cost grows with the ledger. Every operation uses a new
// idempotency key, so nothing is a replay.
//
// "parallel" runs GOMAXPROCS goroutines, each on its own accounts: they
// share the in-memory store (and its table lock) but never an account, so
// no update conflicts and none is retried.
var benchSizes = [...]int{8, 64}

// benchKeys returns the idempotency keys of one account's operations, built
// once so that the loop does not format them.
func benchKeys(prefix string, n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("%s-%02d", prefix, i)
	}
	return keys
}

// benchService returns a Service on a fresh in-memory store with a fixed
// clock and a 2% release fee, so that a release writes two entries.
func benchService(b *testing.B) *escrow.Service {
	b.Helper()
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	svc, err := escrow.NewService(escrow.Config{
		Store:      escrow.NewMemoryStore(),
		Clock:      payment.ClockFunc(func() time.Time { return now }),
		ReleaseFee: escrow.PercentFee(decimal.RequireFromString("0.02"), payment.RoundHalfEven),
	})
	if err != nil {
		b.Fatal(err)
	}
	return svc
}

// benchOpen opens account id, funded with fund unless it is the zero Money.
func benchOpen(ctx context.Context, svc *escrow.Service, id string, fund payment.Money) error {
	by := payment.System("orders")
	if _, err := svc.Open(ctx, by, escrow.OpenRequest{OrderID: id, BuyerID: "b1", SupplierID: "s1", Currency: payment.USD}); err != nil {
		return err
	}
	if fund == (payment.Money{}) {
		return nil
	}
	_, err := svc.Hold(ctx, by, id, "fund", escrow.HoldRequest{Amount: fund, PaymentID: "pay-fund"})
	return err
}

// benchLoop runs op once per iteration of next, on worker's accounts,
// opening (and funding with fund) a new account every perAccount
// operations. It returns the last receipt.
func benchLoop(ctx context.Context, svc *escrow.Service, worker string, perAccount int, fund payment.Money, next func() bool,
	op func(account, key string) (*escrow.Receipt, error)) (*escrow.Receipt, error) {
	keys := benchKeys("op", perAccount)
	var last *escrow.Receipt
	var account string
	for i := 0; next(); i++ {
		k := i % perAccount
		if k == 0 {
			account = fmt.Sprintf("bench-%s-%d", worker, i/perAccount)
			if err := benchOpen(ctx, svc, account, fund); err != nil {
				return nil, err
			}
		}
		r, err := op(account, keys[k])
		if err != nil {
			return nil, err
		}
		last = r
	}
	return last, nil
}

// benchRun runs op under "single" (b.Loop on one goroutine) and "parallel"
// (b.RunParallel, each goroutine on its own accounts).
func benchRun(b *testing.B, fund payment.Money, op func(ctx context.Context, svc *escrow.Service, account, key string) (*escrow.Receipt, error)) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("ops=%d", n), func(b *testing.B) { benchRunSize(b, n, fund, op) })
	}
}

func benchRunSize(b *testing.B, perAccount int, fund payment.Money, op func(ctx context.Context, svc *escrow.Service, account, key string) (*escrow.Receipt, error)) {
	b.Run("single", func(b *testing.B) {
		svc := benchService(b)
		ctx := b.Context()
		b.ReportAllocs()
		last, err := benchLoop(ctx, svc, "single", perAccount, fund, b.Loop, func(account, key string) (*escrow.Receipt, error) {
			return op(ctx, svc, account, key)
		})
		if err != nil {
			b.Fatal(err)
		}
		if last == nil || last.Replayed {
			b.Fatalf("last receipt %+v: want a fresh one", last)
		}
	})

	b.Run("parallel", func(b *testing.B) {
		svc := benchService(b)
		ctx := b.Context()
		var workers atomic.Int64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			worker := fmt.Sprint("w", workers.Add(1))
			last, err := benchLoop(ctx, svc, worker, perAccount, fund, pb.Next, func(account, key string) (*escrow.Receipt, error) {
				return op(ctx, svc, account, key)
			})
			if err != nil {
				b.Error(err)
				return
			}
			if last != nil && last.Replayed {
				b.Errorf("worker %s: last receipt was a replay", worker)
			}
		})
	})
}

// BenchmarkHold measures a hold of USD 10.00: one entry.
func BenchmarkHold(b *testing.B) {
	by := payment.System("orders")
	amount := payment.MustParse("10.00", payment.USD)
	benchRun(b, payment.Money{}, func(ctx context.Context, svc *escrow.Service, account, key string) (*escrow.Receipt, error) {
		// Each hold is of another payment: a payment is held only once.
		return svc.Hold(ctx, by, account, key, escrow.HoldRequest{Amount: amount, PaymentID: key})
	})
}

// BenchmarkRelease measures a release of USD 10.00 with a 2% fee: two
// entries, supplier_payable and platform_fee. Each account is funded with
// enough for its 64 releases.
func BenchmarkRelease(b *testing.B) {
	by := payment.System("orders")
	req := escrow.ReleaseRequest{Amount: payment.MustParse("10.00", payment.USD)}
	fund, err := payment.FromMinor(1000*int64(benchSizes[len(benchSizes)-1]), payment.USD)
	if err != nil {
		b.Fatal(err)
	}
	benchRun(b, fund, func(ctx context.Context, svc *escrow.Service, account, key string) (*escrow.Receipt, error) {
		return svc.Release(ctx, by, account, key, req)
	})
}
