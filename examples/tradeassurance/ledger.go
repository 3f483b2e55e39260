package main

import (
	"context"
	"fmt"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
)

// ledger shows every escrow account of the run, one line each, and checks
// that each balances, and that the outbox, which a relay delivers, holds
// every action on its order and every operation on its account, once.
func (w *world) ledger(ctx context.Context) error {
	delivered := map[string]int{} // by aggregate and id
	relay := &payment.Relay{Outbox: w.outbox, Publisher: payment.PublisherFunc(func(_ context.Context, m payment.Message) error {
		delivered[m.Aggregate+"/"+m.ID]++
		return nil
	})}
	if _, err := relay.Deliver(ctx); err != nil {
		return err
	}
	w.say("columns", fmt.Sprintf("%-9s %-16s %10s + %10s = %10s + %8s + %9s + %11s + %9s + %10s", "account", "order",
		"held", "guaranteed", "released", "fees", "refunded", "compensated", "recovered", "remaining"), nil)
	balanced := 0
	for _, id := range w.placed {
		a, err := w.escrow.Account(ctx, id)
		if err != nil {
			return err
		}
		b, ok := w.rep.checkLedger(a)
		if ok {
			balanced++
		}
		o, err := w.orders.Order(ctx, id)
		if err != nil {
			return err
		}
		actions, operations := delivered[order.Aggregate+"/"+id], delivered[escrow.Aggregate+"/"+id]
		w.rep.verify("outbox_"+id, actions == o.History.Len() && operations == len(a.Operations),
			"order %s: %d notices of its %d actions and %d of its account's %d operations delivered from the outbox",
			id, actions, o.History.Len(), operations, len(a.Operations))
		w.say("account", fmt.Sprintf("%-9s %-16s %10s + %10s = %10s + %8s + %9s + %11s + %9s + %10s", a.ID, o.State,
			money(b.Held), money(b.Guaranteed), money(b.Released), money(b.Fees), money(b.Refunded), money(b.Compensated),
			money(b.Recovered), money(b.Remaining)),
			struct {
				Account  string         `json:"account"`
				Balance  escrow.Balance `json:"balance"`
				Entries  int            `json:"entries"`
				Balances bool           `json:"balances"`
			}{a.ID, b, len(a.Entries), ok})
	}
	text := fmt.Sprintf("All %d accounts balance: held + guaranteed = released + fees + refunded + compensated + recovered + remaining, entry by entry (Account.Verify)", balanced)
	if balanced != len(w.placed) {
		text = fmt.Sprintf("%d of %d accounts do NOT balance", len(w.placed)-balanced, len(w.placed))
	}
	w.say("summary", text, struct {
		Accounts int `json:"accounts"`
		Balanced int `json:"balanced"`
	}{len(w.placed), balanced})
	return nil
}

// checkLedger checks an escrow account's ledger, entry by entry with
// Account.Verify and in total with Account.Balance, records the check, and
// returns the balance and whether the ledger balances.
func (r *report) checkLedger(a *escrow.Account) (escrow.Balance, bool) {
	b, err := a.Balance()
	verr := a.Verify()
	sum := b.Released.Minor() + b.Fees.Minor() + b.Refunded.Minor() + b.Compensated.Minor() + b.Recovered.Minor() + b.Remaining.Minor()
	ok := err == nil && verr == nil && sum == b.Held.Minor()+b.Guaranteed.Minor() && !b.Remaining.IsNegative()
	detail := fmt.Sprintf("escrow %s: held %s + guaranteed %s = released + fees + refunded + compensated + recovered + remaining", a.ID, b.Held, b.Guaranteed)
	if !ok {
		detail += fmt.Sprintf(" (balance: %v; verify: %v; the parts add up to %d minor units)", err, verr, sum)
	}
	r.verify("ledger_balances_"+a.ID, ok, "%s", detail)
	return b, ok
}
