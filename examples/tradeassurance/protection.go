package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/dispute"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// claimAfterReceipt has a buyer confirm receipt, so that escrow releases
// the money to the supplier, paid out to it the next day, and find faulty
// goods twelve days later: within the claim deadline the buyer claims
// with an SGS report, the decision for the buyer is paid by the
// programme's guarantee, the supplier owes the guarantee what it paid
// (nothing is left in its balance to repay it), and the supplier's next
// release repays it.
func (w *world) claimAfterReceipt(ctx context.Context) error {
	id, buyer, g := "ord-1009", w.afterBuyer, powerBanks.times(w.afterQty)
	total, err := w.delivered(ctx, id, buyer, g)
	if err != nil {
		return err
	}
	w.clock.days(2)
	o, err := w.orders.ConfirmReceipt(ctx, buyer, id, "receipt")
	if err != nil {
		return err
	}
	_, released, err := w.ledgerOf(ctx, id)
	if err != nil {
		return err
	}
	w.say("released", fmt.Sprintf("%s for %s: %d × %s = %s, delivered; the buyer confirms receipt: %s, escrow releases %s to the supplier (fees %s)",
		id, buyer.ID, g.qty, g.desc, total, o.State, released.Released, released.Fees), nil)
	w.clock.days(1)
	if err := w.payOutDaily(ctx); err != nil { // the next day's run pays the supplier what the release paid it
		return err
	}
	w.say("paid_out", fmt.Sprintf("The next day's payout run pays the supplier the %s", released.Released), nil)

	w.clock.days(11)
	claim, err := usd(g.price).Times(w.afterDefects)
	if err != nil {
		return err
	}
	sgs := failedSGS("sgs-1009", fmt.Sprintf("%d of %d power banks swell when charged", w.afterDefects, g.qty), "battery-swelling")
	c, err := w.disputes.Open(ctx, buyer, dispute.OpenRequest{ID: "case-1009", OrderID: id, Reason: dispute.QualityNotAsAgreed,
		Amount: claim, Description: sgs.Description, Defects: sgs.Defects, Evidence: []dispute.Evidence{sgs}})
	if err != nil {
		return err
	}
	deadline := coverage.DefaultRules().ClaimDeadline(o.DeliveredAt)
	w.say("claimed", fmt.Sprintf("Twelve days later %d swell: within the claim deadline (%s) %s opens %s for %s with an SGS report; covered %s",
		w.afterDefects, day(deadline), buyer.ID, c.ID, c.Amount, c.Covered), c)

	w.clock.days(1)
	if _, err = w.disputes.Respond(ctx, seller, c.ID, "respond", "the batch passed our QC"); err != nil {
		return err
	}
	w.clock.days(3)
	if _, err = w.disputes.Escalate(ctx, buyer, c.ID, "escalate"); err != nil {
		return err
	}
	w.clock.days(1)
	if c, err = w.disputes.Decide(ctx, agent, c.ID, "decide"); err != nil {
		return err
	}
	d := *c.Decision
	w.say("decided", fmt.Sprintf("Answered, escalated, decided: %s, refund %s (rules %v)", d.Outcome, d.Refund, d.Rules), d)
	a, b, o, err := w.finalize(ctx, c)
	if err != nil {
		return err
	}
	st, err := a.Statement()
	if err != nil {
		return err
	}
	sup, err := w.suppliers.Supplier(ctx, seller.ID)
	if err != nil {
		return err
	}
	owed := sup.Owed(payment.USD)
	w.say("guaranteed", fmt.Sprintf("The money was released, so the programme's guarantee pays %s in and on to the buyer; the supplier owes it %s",
		b.Guaranteed, owed), sup.Receivables, ledgerLines(st)...)
	w.rep.verify("guarantee_paid_after_release", d.Refund == claim && b.Guaranteed == claim && b.Refunded == claim &&
		b.Released == released.Released && o.State == order.Completed && owed == claim,
		"a claim decided for the buyer after release refunds %s out of the guarantee, and the supplier owes it", claim)

	// The supplier's next order repays the guarantee out of its release.
	next := "ord-1010"
	if _, err = w.delivered(ctx, next, w.nextBuyer, deskLamps.times(200)); err != nil {
		return err
	}
	w.clock.days(1)
	if _, err = w.orders.ConfirmReceipt(ctx, w.nextBuyer, next, "receipt"); err != nil {
		return err
	}
	_, nb, err := w.ledgerOf(ctx, next)
	if err != nil {
		return err
	}
	if sup, err = w.suppliers.Supplier(ctx, seller.ID); err != nil {
		return err
	}
	w.say("recovered", fmt.Sprintf("The supplier's next order, %s, is received: its release withholds %s for the guarantee and pays the supplier %s; owed now %s",
		next, nb.Recovered, nb.Released, sup.Owed(payment.USD)), nb)
	w.rep.verify("recovered_from_next_release", nb.Recovered == claim && sup.Owed(payment.USD).IsZero() &&
		slices.ContainsFunc(sup.Receivables, func(r supplier.Receivable) bool { return r.OrderID == id && r.Recovered == claim }),
		"the next release withholds the %s owed, never more, and the receivable is settled", claim)
	return nil
}

// preShipment has a buyer order under the pre-shipment plan, which
// protects the deposit only: before paying it, Quote tells the buyer how
// much of the whole order will be covered and why not the rest.
func (w *world) preShipment(ctx context.Context) error {
	id, buyer, g := "ord-1011", w.preBuyer, tents.times(w.preQty)
	terms := g.terms(w.clock.now, 10, 20, 50, false, split(wire, wire))
	terms.Plan = coverage.PreShipment
	o, err := w.place(ctx, id, buyer, terms)
	if err != nil {
		return err
	}
	w.placed = append(w.placed, id)
	total, err := o.Total()
	if err != nil {
		return err
	}
	q, err := w.orders.Quote(ctx, id, payment.Deposit)
	if err != nil {
		return err
	}
	w.say("quote", fmt.Sprintf("%s for %s: %d × %s = %s under the pre-shipment plan; before the deposit of %s, Quote: the whole order %s covered, %s not",
		id, buyer.ID, g.qty, g.desc, total, q.Amount, q.Whole.Covered, q.Whole.Uncovered), q, reasonLines(q.Whole.Reasons)...)
	balance, err := total.Sub(q.Amount)
	if err != nil {
		return err
	}
	w.rep.verify("pre_shipment_protects_the_deposit", q.Covered == q.Amount && q.Whole.Covered == q.Amount && q.Whole.Uncovered == balance &&
		slices.ContainsFunc(q.Whole.Reasons, func(r payment.Reason) bool { return r.Code == coverage.ReasonBalanceNotProtected }),
		"the pre-shipment plan covers the %s deposit and says why not the %s balance (%s)", q.Amount, balance, coverage.ReasonBalanceNotProtected)
	return nil
}
