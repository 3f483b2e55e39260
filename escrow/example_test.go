package escrow_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/payment"
)

// exampleService returns a Service on the in-memory store whose clock reads
// *now, with a 2% platform fee (half-even) on releases, and opens the
// escrow account of order-42 holding USD 10,000.00: a 30% deposit and the
// balance.
func exampleService(now *time.Time) (*escrow.Service, error) {
	ctx := context.Background()
	svc, err := escrow.NewService(escrow.Config{
		Store:      escrow.NewMemoryStore(),
		Clock:      payment.ClockFunc(func() time.Time { return *now }),
		ReleaseFee: escrow.PercentFee(decimal.RequireFromString("0.02"), payment.RoundHalfEven),
	})
	if err != nil {
		return nil, err
	}
	orders := payment.System("orders")
	if _, err := svc.Open(ctx, orders, escrow.OpenRequest{
		OrderID: "order-42", BuyerID: "buyer-1", SupplierID: "supplier-9", Currency: payment.USD,
	}); err != nil {
		return nil, err
	}
	for _, h := range []struct{ key, payment, amount string }{
		{"order-42/deposit", "pay-1", "3000.00"},
		{"order-42/balance", "pay-2", "7000.00"},
	} {
		if _, err := svc.Hold(ctx, orders, "order-42", h.key, escrow.HoldRequest{
			Amount: payment.MustParse(h.amount, payment.USD), PaymentID: h.payment,
		}); err != nil {
			return nil, err
		}
		*now = now.Add(24 * time.Hour)
	}
	return svc, nil
}

// A buyer pays a 30% deposit and later the balance: each payment is held in
// escrow under its own idempotency key, and a webhook delivered twice holds
// nothing more.
func ExampleService_Hold() {
	ctx := context.Background()
	now := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)
	svc, err := escrow.NewService(escrow.Config{
		Store: escrow.NewMemoryStore(),
		Clock: payment.ClockFunc(func() time.Time { return now }),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	orders := payment.System("orders")
	if _, err := svc.Open(ctx, orders, escrow.OpenRequest{
		OrderID: "order-42", BuyerID: "buyer-1", SupplierID: "supplier-9", Currency: payment.USD,
	}); err != nil {
		fmt.Println(err)
		return
	}

	for _, h := range []struct{ key, payment, amount string }{
		{"order-42/deposit", "pay-1", "3000.00"},
		{"order-42/balance", "pay-2", "7000.00"},
		{"order-42/balance", "pay-2", "7000.00"}, // the webhook, delivered twice
	} {
		r, err := svc.Hold(ctx, orders, "order-42", h.key, escrow.HoldRequest{
			Amount: payment.MustParse(h.amount, payment.USD), PaymentID: h.payment,
		})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: %s from %s, in escrow %s, replayed %v\n", r.Key, r.Entries[0].Amount, r.Entries[0].Ref, r.Remaining, r.Replayed)
	}

	b, err := svc.Balance(ctx, "order-42")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("held", b.Held, "available", b.Available)
	// Output:
	// order-42/deposit: USD 3000.00 from pay-1, in escrow USD 3000.00, replayed false
	// order-42/balance: USD 7000.00 from pay-2, in escrow USD 10000.00, replayed false
	// order-42/balance: USD 7000.00 from pay-2, in escrow USD 10000.00, replayed true
	// held USD 10000.00 available USD 10000.00
}

// The buyer confirms receipt of the first shipment: USD 3,000.00 leaves
// escrow, the supplier is paid that less the platform's 2% fee, and the fee
// is booked as its own entry.
func ExampleService_Release() {
	ctx := context.Background()
	now := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)
	svc, err := exampleService(&now)
	if err != nil {
		fmt.Println(err)
		return
	}

	r, err := svc.Release(ctx, payment.System("orders"), "order-42", "order-42/release-1", escrow.ReleaseRequest{
		Amount: payment.MustParse("3000.00", payment.USD),
		Memo:   "shipment 1 confirmed",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range r.Entries {
		fmt.Println(e.From, "->", e.To, e.Amount)
	}
	fmt.Println("still in escrow:", r.Remaining)
	// Output:
	// escrow -> supplier_payable USD 2940.00
	// escrow -> platform_fee USD 60.00
	// still in escrow: USD 7000.00
}

// Part of the goods never shipped: the buyer is refunded what they paid
// for it. A refund can never take more than escrow holds.
func ExampleService_Refund() {
	ctx := context.Background()
	now := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)
	svc, err := exampleService(&now)
	if err != nil {
		fmt.Println(err)
		return
	}
	orders := payment.System("orders")

	r, err := svc.Refund(ctx, orders, "order-42", "order-42/refund-1", escrow.RefundRequest{
		Amount: payment.MustParse("2500.00", payment.USD),
		Memo:   "500 units not shipped",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Entries[0].To, r.Entries[0].Amount, "- in escrow:", r.Remaining)

	_, err = svc.Refund(ctx, orders, "order-42", "order-42/refund-2", escrow.RefundRequest{
		Amount: payment.MustParse("7500.01", payment.USD),
	})
	var short *escrow.InsufficientFundsError
	if errors.As(err, &short) {
		fmt.Println("refused: requested", short.Requested, "available", short.Available)
	}
	// Output:
	// buyer_refund USD 2500.00 - in escrow: USD 7500.00
	// refused: requested USD 7500.01 available USD 7500.00
}

// A dispute is decided 70% for the buyer and 30% for the supplier. The
// available balance is split with Money.Allocate, so the parts add up to it
// exactly, and the refund, the release and its fee are applied in one
// atomic step.
func ExampleService_Settle() {
	ctx := context.Background()
	now := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)
	svc, err := exampleService(&now)
	if err != nil {
		fmt.Println(err)
		return
	}
	platform := payment.Platform("adjudicator-3")
	if _, err := svc.Freeze(ctx, payment.System("disputes"), "order-42", "dispute-7/freeze", "dispute 7 opened"); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := svc.Unfreeze(ctx, platform, "order-42", "dispute-7/unfreeze", "dispute 7 decided"); err != nil {
		fmt.Println(err)
		return
	}

	b, err := svc.Balance(ctx, "order-42")
	if err != nil {
		fmt.Println(err)
		return
	}
	parts, err := b.Available.Allocate(70, 30)
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := svc.Settle(ctx, platform, "order-42", "dispute-7/decision", escrow.SettleRequest{
		Refund:  parts[0],
		Release: parts[1],
		Memo:    "dispute 7: 70% refund",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range r.Entries {
		fmt.Println(e.To, e.Amount)
	}
	fmt.Println("in escrow:", r.Remaining)
	// Output:
	// buyer_refund USD 7000.00
	// supplier_payable USD 2940.00
	// platform_fee USD 60.00
	// in escrow: USD 0.00
}

// Protection after release: the buyer confirmed receipt and the money
// went to the supplier; a claim decided later for the buyer is paid by the
// programme's guarantee, into the account and on to the buyer. The
// supplier owes it (package supplier's receivables), and a later release
// of the supplier's withholds it for the Recovery ledger.
func ExampleSettleRequest_guarantee() {
	ctx := context.Background()
	now := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)
	svc, err := exampleService(&now)
	if err != nil {
		fmt.Println(err)
		return
	}
	orders := payment.System("orders")
	if _, err := svc.Release(ctx, orders, "order-42", "order-42/receipt", escrow.ReleaseRequest{
		Amount: payment.MustParse("10000.00", payment.USD),
	}); err != nil {
		fmt.Println(err)
		return
	}
	refund := payment.MustParse("1200.00", payment.USD)
	r, err := svc.Settle(ctx, orders, "order-42", "dispute-9/resolve", escrow.SettleRequest{
		Refund: refund, Guarantee: refund, Memo: "dispute 9 after release: paid by the guarantee",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range r.Entries {
		fmt.Println(e.From, "→", e.To, e.Amount)
	}

	// The supplier's next order: its release withholds the 1,200.00 owed.
	if _, err := svc.Open(ctx, orders, escrow.OpenRequest{OrderID: "order-43", BuyerID: "buyer-2", SupplierID: "supplier-9", Currency: payment.USD}); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := svc.Hold(ctx, orders, "order-43", "order-43/full", escrow.HoldRequest{Amount: payment.MustParse("5000.00", payment.USD), PaymentID: "pay-3"}); err != nil {
		fmt.Println(err)
		return
	}
	r, err = svc.Release(ctx, orders, "order-43", "order-43/receipt", escrow.ReleaseRequest{
		Amount: payment.MustParse("5000.00", payment.USD), Recover: refund,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range r.Entries {
		fmt.Println(e.From, "→", e.To, e.Amount)
	}
	// Output:
	// guarantee → escrow USD 1200.00
	// escrow → buyer_refund USD 1200.00
	// escrow → recovery USD 1200.00
	// escrow → supplier_payable USD 3700.00
	// escrow → platform_fee USD 100.00
}

// A statement lists every entry with the escrow balance after it, and the
// totals that always add up.
func ExampleAccount_Statement() {
	ctx := context.Background()
	now := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)
	svc, err := exampleService(&now)
	if err != nil {
		fmt.Println(err)
		return
	}
	orders := payment.System("orders")
	if _, err := svc.Release(ctx, orders, "order-42", "order-42/release-1", escrow.ReleaseRequest{
		Amount: payment.MustParse("3000.00", payment.USD),
	}); err != nil {
		fmt.Println(err)
		return
	}
	now = now.Add(24 * time.Hour)
	if _, err := svc.Compensate(ctx, orders, "order-42", "order-42/late-shipment", escrow.CompensateRequest{
		Amount: payment.MustParse("350.00", payment.USD),
		Memo:   "shipped 7 days late",
	}); err != nil {
		fmt.Println(err)
		return
	}

	a, err := svc.Account(ctx, "order-42")
	if err != nil {
		fmt.Println(err)
		return
	}
	st, err := a.Statement()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(st.String())
	// Output:
	// escrow order-42 (buyer buyer-1, supplier supplier-9, USD), open
	//   #        date           from                to   amount  in escrow
	//   1  2026-03-02  buyer_funding            escrow  3000.00    3000.00
	//   2  2026-03-03  buyer_funding            escrow  7000.00   10000.00
	//   3  2026-03-04         escrow  supplier_payable  2940.00    7060.00
	//   4  2026-03-04         escrow      platform_fee    60.00    7000.00
	//   5  2026-03-05         escrow      compensation   350.00    6650.00
	// held USD 10000.00 = released USD 2940.00 + fees USD 60.00 + refunded USD 0.00 + compensated USD 350.00 + remaining USD 6650.00
}
