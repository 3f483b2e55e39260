package main

import (
	"context"
	"fmt"
	"time"

	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// scheduler runs the payouts once a day, as a marketplace's cron does.
var scheduler = payment.System("payout-scheduler")

// payouts pays the supplier what the releases of its orders so far paid
// it: the day's scheduled run makes one payout of the whole available
// balance; the processor reports it failed (the supplier's bank account
// is closed), which puts the money back in the balance, visibly; the
// supplier gives another destination, and the next day's run pays the
// balance there.
func (w *world) payouts(ctx context.Context) error {
	sup, err := w.suppliers.Supplier(ctx, seller.ID)
	if err != nil {
		return err
	}
	before := sup.Balance(payment.USD)
	from := w.clock.now

	run, err := w.suppliers.RunPayouts(ctx, scheduler)
	if err != nil {
		return err
	}
	if len(run.Payouts) != 1 {
		return fmt.Errorf("the run of %s made %d payouts, want one", run.Period, len(run.Payouts))
	}
	first := run.Payouts[0]
	w.say("run", fmt.Sprintf("The releases so far paid %s %s net of fees; the daily run of %s pays all of it to %s: payout %s, %s",
		seller.ID, before.Credited, run.Period, first.Destination, first.ID, first.Status), first)
	again, err := w.suppliers.RunPayouts(ctx, scheduler)
	if err != nil {
		return err
	}
	w.rep.verify("payout_run_once", len(again.Payouts) == 1 && again.Payouts[0].ID == first.ID && first.Amount == before.Available(),
		"the day's run pays the whole available balance once, however often it runs")

	w.clock.advance(3 * time.Hour)
	if _, err = w.suppliers.ReportPayout(ctx, psp, seller.ID, first.ID, supplier.PayoutOutcome{Status: supplier.PayoutSent, ProcessorRef: "tr_7701"}); err != nil {
		return err
	}
	w.clock.advance(5 * time.Hour)
	failed, err := w.suppliers.ReportPayout(ctx, psp, seller.ID, first.ID, supplier.PayoutOutcome{Status: supplier.PayoutFailed,
		Reason: payment.Reason{Code: "account_closed", Text: "the beneficiary's account is closed"}})
	if err != nil {
		return err
	}
	if sup, err = w.suppliers.Supplier(ctx, seller.ID); err != nil {
		return err
	}
	back := sup.Balance(payment.USD)
	w.say("failed", fmt.Sprintf("The bank sends it back: %s, %s; %s is available again", failed.Status, failed.Timeline[len(failed.Timeline)-1].Reason.Text,
		back.Available()), failed.Timeline, timelineLines(failed)...)
	w.rep.verify("failed_payout_returned", back.Available() == before.Available() && back.InFlight.IsZero(),
		"a failed payout puts its amount back in the supplier's balance, and its timeline says why")

	if _, err = w.suppliers.SetPayoutDestination(ctx, seller, seller.ID, "acct_brightway_hsbc"); err != nil {
		return err
	}
	w.clock.days(1)
	run, err = w.suppliers.RunPayouts(ctx, scheduler)
	if err != nil || len(run.Payouts) != 1 {
		return fmt.Errorf("the run of %s: %v, %d payouts", run.Period, err, len(run.Payouts))
	}
	second := run.Payouts[0]
	if second, err = w.suppliers.ReportPayout(ctx, psp, seller.ID, second.ID, supplier.PayoutOutcome{Status: supplier.PayoutPaid, ProcessorRef: "tr_7730"}); err != nil {
		return err
	}
	if sup, err = w.suppliers.Supplier(ctx, seller.ID); err != nil {
		return err
	}
	after := sup.Balance(payment.USD)
	w.say("paid", fmt.Sprintf("The supplier gives another account; the run of %s pays %s to %s: %s", run.Period, second.Amount, second.Destination, second.Status),
		second)
	w.rep.verify("payout_paid", second.Amount == before.Available() && after.PaidOut == second.Amount && after.Available().IsZero(),
		"the next day's run pays the balance to the new destination; credited = available + in flight + paid out + offset")

	st, err := w.suppliers.Statement(ctx, seller, seller.ID, payment.USD, from, w.clock.now.Add(time.Hour))
	if err != nil {
		return err
	}
	var lines []string
	for _, e := range st.Entries {
		lines = append(lines, fmt.Sprintf("%s  %-15s %12s   available %10s", e.At.Format("2006-01-02 15:04"), e.Kind, money(e.Amount), money(e.Balance.Available())))
	}
	w.say("statement", fmt.Sprintf("Its statement since the first run (supplier.Service.Statement): opened with %s available; payouts took %s, %s came back; closed with %s",
		st.Opening.Available(), st.Payouts, st.Returned, st.Closing.Available()), st, lines...)
	w.rep.verify("statement_carries_the_balance", st.Opening.Available() == before.Available() && st.Closing == after && len(st.Entries) == 4,
		"the supplier's statement opens with the balance before the run and carries it, entry by entry, to the balance after")
	return nil
}

// payOutDaily runs the day's payouts and has the processor report each
// paid.
func (w *world) payOutDaily(ctx context.Context) error {
	run, err := w.suppliers.RunPayouts(ctx, scheduler)
	if err != nil {
		return err
	}
	for _, p := range run.Payouts {
		if _, err := w.suppliers.ReportPayout(ctx, psp, p.SupplierID, p.ID, supplier.PayoutOutcome{Status: supplier.PayoutPaid}); err != nil {
			return err
		}
	}
	return nil
}

// timelineLines are a payout's steps, one per line.
func timelineLines(p *supplier.Payout) []string {
	var lines []string
	for _, e := range p.Timeline {
		l := fmt.Sprintf("%s  %-8s by %s", e.At.Format("2006-01-02 15:04"), e.Status, e.By)
		if e.Reason.Code != "" {
			l += "  " + e.Reason.Code
		}
		lines = append(lines, l)
	}
	return lines
}
