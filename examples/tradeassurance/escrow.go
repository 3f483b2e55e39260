package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/payment"
)

// escrowStep is one line of the escrow story.
type escrowStep struct {
	Name    string
	Text    string
	Receipt *escrow.Receipt
	Error   string
}

// escrowPart puts the order's paid deposit and balance into escrow, releases
// it to the supplier net of a platform fee once the buyer confirms receipt,
// and settles a second, disputed order 70/30; then it checks that every
// ledger balances.
func escrowPart(ctx context.Context, rep *report) error {
	clock := &simClock{now: rep.At.AddDate(0, 0, 40)}
	svc, err := escrow.NewService(escrow.Config{
		Store: escrow.NewMemoryStore(), Clock: clock,
		// An example figure: the platform keeps 2% of what it releases.
		ReleaseFee: escrow.PercentFee(decimal.RequireFromString("0.02"), payment.RoundHalfEven),
	})
	if err != nil {
		return err
	}
	orders := payment.System("order-service")
	add := func(name, text string, r *escrow.Receipt) {
		rep.EscrowSteps = append(rep.EscrowSteps, escrowStep{Name: name, Text: text, Receipt: r})
	}

	// Order ord-1001: the deposit and the balance paid in part 3.
	if len(rep.Paid) == 0 {
		return errors.New("no paid payments to hold")
	}
	first := rep.Paid[0]
	acct, err := svc.Open(ctx, orders, escrow.OpenRequest{
		OrderID: first.OrderID, BuyerID: first.BuyerID, SupplierID: "supplier-cn-8", Currency: first.Amount.Currency(),
	})
	if err != nil {
		return err
	}
	for _, p := range rep.Paid {
		r, err := svc.Hold(ctx, orders, acct.ID, "hold/"+p.ID, escrow.HoldRequest{Amount: p.Amount, PaymentID: p.ID, Memo: string(p.Tranche)})
		if err != nil {
			return err
		}
		add("hold", fmt.Sprintf("Hold the %s %s from %s: %s in escrow", p.Tranche, p.Amount, p.ID, r.Remaining), r)
	}
	clock.advance(24 * time.Hour)
	bal, err := svc.Balance(ctx, acct.ID)
	if err != nil {
		return err
	}
	r, err := svc.Release(ctx, orders, acct.ID, "release/receipt-confirmed", escrow.ReleaseRequest{Amount: bal.Available, Memo: "buyer confirmed receipt"})
	if err != nil {
		return err
	}
	add("release", fmt.Sprintf("The buyer confirms receipt: release %s, the supplier gets %s and the platform fee is %s",
		bal.Available, r.Entries[0].Amount, r.Entries[1].Amount), r)
	again, err := svc.Release(ctx, orders, acct.ID, "release/receipt-confirmed", escrow.ReleaseRequest{Amount: bal.Available, Memo: "buyer confirmed receipt"})
	if err != nil {
		return err
	}
	add("release_replayed", fmt.Sprintf("The same release retried with its key: replayed %t, nothing new written", again.Replayed), again)
	rep.verify("release_idempotent", again.Replayed && len(again.Entries) == len(r.Entries), "a retried release returns the first receipt")
	if _, err := svc.Close(ctx, orders, acct.ID, "close"); err != nil {
		return err
	}

	// Order ord-3003: paid in full, disputed, decided 70% refund / 30% release.
	disputed, err := svc.Open(ctx, orders, escrow.OpenRequest{OrderID: "ord-3003", BuyerID: "buyer-us-5", SupplierID: "supplier-cn-8", Currency: payment.USD})
	if err != nil {
		return err
	}
	if _, err := svc.Hold(ctx, orders, disputed.ID, "hold/pay-3003", escrow.HoldRequest{Amount: payment.MustParse("4999.99", payment.USD), PaymentID: "pay-3003"}); err != nil {
		return err
	}
	r, err = svc.Freeze(ctx, orders, disputed.ID, "freeze/claim-17", "quality claim 17 opened")
	if err != nil {
		return err
	}
	add("freeze", "Order ord-3003 (USD 4999.99 held): the buyer opens a quality claim and the account is frozen", r)
	_, refused := svc.Release(ctx, orders, disputed.ID, "release/early", escrow.ReleaseRequest{Amount: payment.MustParse("1.00", payment.USD)})
	rep.EscrowSteps = append(rep.EscrowSteps, escrowStep{Name: "release_frozen", Error: fmt.Sprint(refused), Text: "A release while frozen is refused"})
	rep.verify("frozen_refuses_release", errors.Is(refused, escrow.ErrFrozen), "a frozen account refuses a release with escrow.ErrFrozen")

	agent := payment.Platform("agent-7")
	if _, err := svc.Unfreeze(ctx, agent, disputed.ID, "unfreeze/decision-17", "decision made"); err != nil {
		return err
	}
	bal, err = svc.Balance(ctx, disputed.ID)
	if err != nil {
		return err
	}
	parts, err := bal.Available.Allocate(70, 30)
	if err != nil {
		return err
	}
	r, err = svc.Settle(ctx, agent, disputed.ID, "settle/decision-17", escrow.SettleRequest{Refund: parts[0], Release: parts[1], Memo: "decision 17: 70% refund"})
	if err != nil {
		return err
	}
	add("settle", fmt.Sprintf("The decision (70%% refund, 30%% release) is settled in one step: refund %s, release %s", parts[0], parts[1]), r)

	for _, id := range []string{acct.ID, disputed.ID} {
		a, err := svc.Account(ctx, id)
		if err != nil {
			return err
		}
		st, err := a.Statement()
		if err != nil {
			return err
		}
		rep.Ledgers = append(rep.Ledgers, st)
		b := st.Balance
		sum := b.Released.Minor() + b.Fees.Minor() + b.Refunded.Minor() + b.Compensated.Minor() + b.Remaining.Minor()
		rep.verify("ledger_balances_"+id, a.Verify() == nil && sum == b.Held.Minor() && !b.Remaining.IsNegative(),
			"escrow %s: held %s = released + fees + refunded + compensated + remaining", id, b.Held)
	}
	return nil
}
