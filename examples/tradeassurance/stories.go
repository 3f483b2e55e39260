package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/dispute"
	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
)

// open places an order of g for buyer, paid on schedule, shipping within
// shipBy days, and notes it for the ledger summary.
func (w *world) open(ctx context.Context, id string, buyer payment.Actor, g goods, shipBy int, schedule order.Schedule) (*order.Order, payment.Money, error) {
	o, err := w.place(ctx, id, buyer, g.terms(w.clock.now, 5, shipBy, shipBy+40, false, schedule))
	if err != nil {
		return nil, payment.Money{}, err
	}
	w.placed = append(w.placed, id)
	total, err := o.Total()
	return o, total, err
}

// delivered places an order of g for buyer, paid by T/T in two tranches,
// and runs it to its delivery; it returns the order's total.
func (w *world) delivered(ctx context.Context, id string, buyer payment.Actor, g goods) (payment.Money, error) {
	_, total, err := w.open(ctx, id, buyer, g, 14, split(wire, wire))
	if err != nil {
		return payment.Money{}, err
	}
	_, err = w.deliver(ctx, id, buyer, g.dest)
	return total, err
}

// lateShipment has a paid order miss its shipment date: the scheduler's
// sweep compensates the buyer out of escrow without the buyer applying,
// and the next sweep pays nothing more.
func (w *world) lateShipment(ctx context.Context) error {
	id, buyer := "ord-1002", w.lateBuyer
	g := cuttingBoards.times(w.lateQty)
	_, total, err := w.open(ctx, id, buyer, g, 30, split(wire, wire))
	if err != nil {
		return err
	}
	if _, err = w.paid(ctx, id, buyer, "DE", payment.Deposit); err != nil {
		return err
	}
	o, err := w.orders.StartProduction(ctx, seller, id, "start")
	if err != nil {
		return err
	}
	w.say("placed", fmt.Sprintf("%s for %s: %d × %s = %s, ship by %s; deposit paid by T/T, production starts",
		id, buyer.ID, g.qty, g.desc, total, day(o.Terms.ShipBy)), o.Terms)

	w.clock.now = o.Terms.ShipBy.AddDate(0, 0, 1)
	first, err := w.orders.Sweep(ctx, w.clock.now)
	if err != nil {
		return err
	}
	if o, err = w.orders.Order(ctx, id); err != nil {
		return err
	}
	before, b, err := w.ledgerOf(ctx, id)
	if err != nil {
		return err
	}
	rule := coverage.DefaultRules().LateShipment
	owed, err := total.Mul(rule.Percent, rule.Rounding)
	if err != nil {
		return err
	}
	if owed.Minor() > rule.Cap.Minor() {
		owed = rule.Cap
	}
	w.say("compensated", fmt.Sprintf("A day after that date nothing has shipped; the scheduler's daily sweep: compensated %v", first.Compensated),
		o.LateShipment, append(reasonLines(o.LateShipment.Reasons), fmt.Sprintf("%s (%s%% of %s, cap %s) paid to the buyer out of escrow, unasked; %s left",
			o.LateShipment.Amount, rule.Percent.Shift(2), total, rule.Cap, b.Remaining))...)

	w.clock.days(1)
	second, err := w.orders.Sweep(ctx, w.clock.now)
	if err != nil {
		return err
	}
	after, err := w.escrow.Account(ctx, id)
	if err != nil {
		return err
	}
	w.say("swept_again", fmt.Sprintf("The next day's sweep: compensated %v; the ledger still has %d entries, one of them the compensation",
		second.Compensated, len(after.Entries)), struct {
		Compensated []string `json:"compensated"`
		Entries     int      `json:"entries"`
	}{second.Compensated, len(after.Entries)})
	w.rep.verify("late_compensated", slices.Equal(first.Compensated, []string{id}) && o.LateShipment.Amount == owed && b.Compensated == owed,
		"the sweep after the ship-by date compensates %s %s (%s%% of %s, at most %s)", id, owed, rule.Percent.Shift(2), total, rule.Cap)
	w.rep.verify("late_compensated_once", len(second.Compensated) == 0 && len(after.Entries) == len(before.Entries) &&
		count(after.Entries, escrow.Compensation) == 1, "a second sweep pays no more compensation: one compensation entry in %s's ledger", id)
	return nil
}

// qualityDispute has a buyer claim for faulty goods with an SGS report,
// the supplier answer with a loading video, the case escalate and be
// decided for the buyer, and the decision become final and be carried out,
// once.
func (w *world) qualityDispute(ctx context.Context) error {
	id, buyer, g := "ord-1003", w.qualityBuyer, earbuds.times(w.qualityQty)
	total, err := w.delivered(ctx, id, buyer, g)
	if err != nil {
		return err
	}
	w.say("delivered", fmt.Sprintf("%s for %s: %d × %s = %s, paid by T/T in two tranches, made, shipped and delivered", id, buyer.ID, g.qty, g.desc, total), nil)

	w.clock.days(2)
	claim, err := usd(g.price).Times(w.defects)
	if err != nil {
		return err
	}
	sgs := failedSGS("sgs-1003", fmt.Sprintf("%d of %d earbuds do not charge", w.defects, g.qty), "battery-not-charging")
	c, err := w.disputes.Open(ctx, buyer, dispute.OpenRequest{ID: "case-1003", OrderID: id, Reason: dispute.QualityNotAsAgreed,
		Amount: claim, Description: sgs.Description, Defects: sgs.Defects, Evidence: []dispute.Evidence{sgs}})
	if err != nil {
		return err
	}
	frozen, err := w.escrow.Account(ctx, id)
	if err != nil {
		return err
	}
	w.say("opened", fmt.Sprintf("%s opens %s (%s): %s for %d faulty at %s, with an SGS report; escrow frozen %t",
		buyer.ID, c.ID, c.Reason, c.Amount, w.defects, usd(g.price), frozen.Frozen), c,
		fmt.Sprintf("evidence %s: %s, %s, %q, sha256 %s…", sgs.ID, sgs.Kind, sgs.Result, sgs.Description, sgs.SHA256[:16]))

	w.clock.days(1)
	if _, err = w.disputes.SubmitEvidence(ctx, seller, c.ID, evidence("video-1003", dispute.LoadingVideo, "the container being loaded")); err != nil {
		return err
	}
	if c, err = w.disputes.Respond(ctx, seller, c.ID, "respond", "every unit passed our charging test before loading"); err != nil {
		return err
	}
	w.say("responded", fmt.Sprintf("The supplier responds with a container-loading video: %s", c.State), nil)
	w.clock.days(3)
	if c, err = w.disputes.Escalate(ctx, buyer, c.ID, "escalate"); err != nil {
		return err
	}
	w.say("escalated", fmt.Sprintf("On day 4 the buyer asks the platform to decide: %s", c.State), nil)

	w.clock.days(1)
	if c, err = w.disputes.Decide(ctx, agent, c.ID, "decide"); err != nil {
		return err
	}
	d := *c.Decision
	w.say("decided", fmt.Sprintf("%s decides by dispute.DefaultRules(): %s, refund %s, release %s; rules %v",
		agent.ID, d.Outcome, d.Refund, d.Release, d.Rules), d, append(reasonLines(d.Reasons),
		fmt.Sprintf("supplier at fault %t; either party may appeal until %s", d.SupplierAtFault, day(c.Deadline)))...)
	w.rep.verify("dispute_decided_for_buyer", d.Outcome == dispute.PartialRefund && d.Refund == claim && slices.Contains(d.Rules, dispute.RuleFailedInspection),
		"the SGS report wins the buyer a refund of the %s asked (rule %s)", claim, dispute.RuleFailedInspection)

	a, b, _, err := w.finalize(ctx, c)
	if err != nil {
		return err
	}

	// Whatever runs again, the decision is carried out once.
	w.clock.days(1)
	again, err := w.disputes.Sweep(ctx, w.clock.now)
	if err != nil {
		return err
	}
	if c, err = w.disputes.Decide(ctx, agent, c.ID, "decide"); err != nil { // the agent's retry: a replay
		return err
	}
	later, err := w.escrow.Account(ctx, id)
	if err != nil {
		return err
	}
	w.say("once", fmt.Sprintf("A later sweep (finalized %v) and the agent's retried decision change nothing: %d ledger entries before and after",
		again.Finalized, len(later.Entries)), nil)
	release, err := b.Released.Add(b.Fees)
	if err != nil {
		return err
	}
	w.rep.verify("dispute_executed_once", c.State == dispute.Final && b.Refunded == d.Refund && release == d.Release &&
		len(later.Entries) == len(a.Entries) && count(later.Entries, escrow.BuyerRefund) == 1,
		"the final decision refunds %s and releases %s once, whatever sweeps and retries follow", d.Refund, d.Release)
	return nil
}

// claimWithoutEvidence has a buyer claim about the goods with nothing to
// show; the silent supplier's case escalates, the rules reject it, and the
// money goes to the supplier once the decision is final.
func (w *world) claimWithoutEvidence(ctx context.Context) error {
	id, buyer := "ord-1004", w.idleBuyer
	total, err := w.delivered(ctx, id, buyer, deskLamps.times(w.idleQty))
	if err != nil {
		return err
	}
	w.clock.days(3)
	asked, err := total.Mul(pct(20), payment.RoundHalfEven)
	if err != nil {
		return err
	}
	c, err := w.disputes.Open(ctx, buyer, dispute.OpenRequest{ID: "case-1004", OrderID: id, Reason: dispute.QualityNotAsAgreed,
		Amount: asked, Description: "the lamps are dimmer than we hoped"})
	if err != nil {
		return err
	}
	w.say("opened", fmt.Sprintf("%s (%s) is delivered to %s, who opens %s for %s with no evidence:", id, total, buyer.ID, c.ID, c.Amount),
		c, fmt.Sprintf("%q", c.Description))

	w.clock.now = c.Deadline
	swept, err := w.disputes.Sweep(ctx, w.clock.now)
	if err != nil {
		return err
	}
	if c, err = w.disputes.Decide(ctx, agent, c.ID, "decide"); err != nil {
		return err
	}
	d := *c.Decision
	w.say("decided", fmt.Sprintf("The supplier stays silent 3 days: the sweep escalates %v; %s decides %s, rules %v",
		swept.Escalated, agent.ID, d.Outcome, d.Rules), d, reasonLines(d.Reasons)...)

	_, b, o, err := w.finalize(ctx, c)
	if err != nil {
		return err
	}
	w.rep.verify("claim_without_evidence_rejected", d.Outcome == dispute.Rejection && slices.Contains(d.Rules, dispute.RuleMissingEvidence) &&
		b.Refunded.IsZero() && b.Released.Minor()+b.Fees.Minor() == total.Minor() && o.State == order.Completed,
		"a quality claim with no evidence is rejected (rule %s) and %s goes to the supplier", dispute.RuleMissingEvidence, total)
	return nil
}

// finalize lets case c's appeal window pass and runs the dispute sweep at
// its deadline, which makes the decision final and carries it out on the
// order; it tells what the sweep did and returns the order's escrow
// account, its balance and the order.
func (w *world) finalize(ctx context.Context, c *dispute.Case) (*escrow.Account, escrow.Balance, *order.Order, error) {
	w.clock.now = c.Deadline
	swept, err := w.disputes.Sweep(ctx, w.clock.now)
	if err != nil {
		return nil, escrow.Balance{}, nil, err
	}
	a, b, err := w.ledgerOf(ctx, c.OrderID)
	if err != nil {
		return nil, escrow.Balance{}, nil, err
	}
	o, err := w.orders.Order(ctx, c.OrderID)
	if err != nil {
		return nil, escrow.Balance{}, nil, err
	}
	w.say("final", fmt.Sprintf("No appeal: the sweep makes it final %v and carries it out on the order: %s", swept.Finalized, o.State), b,
		fmt.Sprintf("escrow: refunded %s, released %s, fees %s", b.Refunded, b.Released, b.Fees))
	return a, b, o, nil
}

// westernUnion has a buyer in Brazil try to pay by Western Union, which
// the eligibility rules offer to US buyers only: the payment is refused
// and nothing is recorded anywhere.
func (w *world) westernUnion(ctx context.Context) error {
	id, buyer, key := "ord-1005", w.wuBuyer, "pay-full"
	g := sampleKits.times(w.wuQty)
	_, total, err := w.open(ctx, id, buyer, g, 20, order.Schedule{BalanceInstrument: westernUnion})
	if err != nil {
		return err
	}
	_, _, err = w.orders.Pay(ctx, buyer, id, key, order.PayRequest{Tranche: payment.Full, BuyerCountry: "BR"})
	var refused *payment.IneligibleError
	if !errors.As(err, &refused) {
		return fmt.Errorf("a Western Union payment from BR: want *payment.IneligibleError, got %v", err)
	}
	w.say("refused", fmt.Sprintf("%s (%s) for %s, paid in full by Western Union from Brazil: refused, *payment.IneligibleError:",
		id, total, buyer.ID), refused, reasonLines(refused.Reasons)...)

	o, err := w.orders.Order(ctx, id)
	if err != nil {
		return err
	}
	_, lookup := w.payments.PaymentByKey(ctx, o.BuyerID, order.PaymentKey(id, key))
	b, err := w.escrow.Balance(ctx, id)
	if err != nil {
		return err
	}
	w.say("nothing_recorded", fmt.Sprintf("Nothing recorded: no payment under its key (not found %t), %d on the order, still %s, %s in escrow",
		errors.Is(lookup, payment.ErrNotFound), len(o.Payments), o.State, b.Held), nil)
	w.rep.verify("western_union_refused", slices.ContainsFunc(refused.Reasons, func(r payment.Reason) bool { return r.Code == payment.ReasonWesternUnionCountry }),
		"Western Union for a buyer in BR is refused with %s", payment.ReasonWesternUnionCountry)
	w.rep.verify("western_union_recorded_nothing", errors.Is(lookup, payment.ErrNotFound) && len(o.Payments) == 0 &&
		o.State == order.AwaitingPayment && b.Held.IsZero(), "the refused payment left no payment record, no order payment and nothing in escrow")
	return nil
}

// partlyCovered has a buyer order more than what is left of the supplier's
// limit: Quote says, before payment, how much will be covered and why not
// the rest.
func (w *world) partlyCovered(ctx context.Context) error {
	sup, err := w.suppliers.Supplier(ctx, seller.ID)
	if err != nil {
		return err
	}
	left := sup.Available()
	var held []string
	for _, r := range sup.Reservations {
		held = append(held, fmt.Sprintf("%s %s", r.OrderID, r.Amount))
	}
	id, buyer := "ord-1006", w.bigBuyer
	price := usd(inverters.price)
	g := inverters.times(left.Minor()/price.Minor() + w.bigExtra)
	_, total, err := w.open(ctx, id, buyer, g, 30, order.Schedule{BalanceInstrument: wire})
	if err != nil {
		return err
	}
	w.say("placed", fmt.Sprintf("%s for %s: %d × %s = %s, by T/T in full", id, buyer.ID, g.qty, g.desc, total), nil,
		fmt.Sprintf("the supplier's limit is %s, with %s left (reserved: %s)", sup.Limit.Amount, left, strings.Join(held, ", ")))
	q, err := w.orders.Quote(ctx, id, payment.Full)
	if err != nil {
		return err
	}
	w.say("quote", fmt.Sprintf("Before paying, Quote(full): %s covered + %s uncovered = %s", q.Covered, q.Uncovered, q.Amount), q, reasonLines(q.Reasons)...)
	sum, err := q.Covered.Add(q.Uncovered)
	if err != nil {
		return err
	}
	w.rep.verify("partly_covered", sum == total && q.Amount == total && q.Covered == left && q.Uncovered.IsPositive() &&
		slices.ContainsFunc(q.Reasons, func(r payment.Reason) bool { return r.Code == coverage.ReasonLimitExceeded }),
		"%s covered up to the %s left; covered + uncovered = amount; %s", total, left, coverage.ReasonLimitExceeded)
	return nil
}

// declines is how many declined card attempts the risk buyer makes in a
// day: as many as payment.DefaultRiskRules allow, so the next one freezes
// the account.
const declines = 10

// riskFreeze has a buyer's card declined again and again: the default
// velocity rule freezes the account at the 11th attempt in a day, a
// payment on another order is refused while it is frozen, and a platform
// agent unfreezes it.
func (w *world) riskFreeze(ctx context.Context) error {
	id, other, buyer := "ord-1007", "ord-1008", w.riskBuyer
	if _, _, err := w.open(ctx, id, buyer, mugs.times(900), 30, split(visa, wire)); err != nil {
		return err
	}
	if _, _, err := w.open(ctx, other, buyer, plates.times(400), 30, order.Schedule{BalanceInstrument: wire}); err != nil {
		return err
	}
	first := w.clock.now
	for i := range declines {
		w.clock.now = first.Add(time.Duration(2*i) * time.Hour)
		if _, _, err := w.pay(ctx, id, buyer, "MX", payment.Deposit, fmt.Sprintf("pay-deposit-%d", i+1), payment.StatusFailed); err != nil {
			return err
		}
	}
	last := first.Add(time.Duration(2*(declines-1)) * time.Hour)
	w.say("declined", fmt.Sprintf("%s tries the Visa deposit of %s %d times, 2 hours apart (%s to %s); each is declined",
		buyer.ID, id, declines, first.Format("01-02 15:04"), last.Format("01-02 15:04")), nil)

	w.clock.now = first.Add(time.Duration(2*declines) * time.Hour)
	_, p, err := w.orders.Pay(ctx, buyer, id, fmt.Sprintf("pay-deposit-%d", declines+1), order.PayRequest{Tranche: payment.Deposit, BuyerCountry: "MX"})
	if err != nil {
		return err
	}
	acct, err := w.payments.Account(ctx, buyer.ID)
	if err != nil {
		return err
	}
	w.say("frozen", fmt.Sprintf("Attempt %d: risk %s, payment %s, account frozen %t:", declines+1, p.Risk.Outcome, p.Status, acct.Frozen),
		acct, reasonLines(p.Risk.Reasons)...)
	w.rep.verify("risk_froze_account", p.Risk.Outcome == payment.RiskFreeze && p.Status == payment.StatusSuspended && acct.Frozen &&
		slices.ContainsFunc(p.Risk.Reasons, func(r payment.Reason) bool { return r.Code == payment.ReasonVelocity }),
		"the %dth attempt in a day is suspended and freezes the account (%s)", declines+1, payment.ReasonVelocity)

	w.clock.advance(30 * time.Minute)
	_, _, refusal := w.orders.Pay(ctx, buyer, other, "pay-full", order.PayRequest{Tranche: payment.Full, BuyerCountry: "MX"})
	var frozen *payment.FrozenError
	if !errors.As(refusal, &frozen) {
		return fmt.Errorf("a payment from a frozen account: want *payment.FrozenError, got %v", refusal)
	}
	o, err := w.orders.Order(ctx, other)
	if err != nil {
		return err
	}
	_, lookup := w.payments.PaymentByKey(ctx, o.BuyerID, order.PaymentKey(other, "pay-full"))
	w.say("refused", fmt.Sprintf("Half an hour later its T/T payment of %s is refused with *payment.FrozenError, nothing recorded:", other),
		frozen, refusal.Error())
	w.rep.verify("frozen_account_refuses_payment", errors.Is(refusal, payment.ErrAccountFrozen) && errors.Is(lookup, payment.ErrNotFound) && len(o.Payments) == 0,
		"a frozen account's payment is refused with *payment.FrozenError and recorded nowhere")

	w.clock.advance(3 * time.Hour)
	if acct, err = w.payments.Unfreeze(ctx, agent, buyer.ID, "buyer verified by video call; the card's daily limit caused the declines"); err != nil {
		return err
	}
	if _, err = w.payments.Decide(ctx, agent, p.ID, true, "approved after verification"); err != nil {
		return err
	}
	w.clock.advance(time.Hour)
	paid, err := w.orders.ReportPayment(ctx, psp, id, p.ID, payment.Outcome{Status: payment.StatusSucceeded, ProcessorRef: "psp-" + p.ID[4:12]})
	if err != nil {
		return err
	}
	w.say("unfrozen", fmt.Sprintf("%s verifies the buyer, unfreezes the account (frozen %t) and approves the suspended deposit: %s %s",
		agent.ID, acct.Frozen, id, paid.State), acct)

	w.clock.now = first.Add(36 * time.Hour)
	_, p2, err := w.pay(ctx, other, buyer, "MX", payment.Full, "pay-full-2", payment.StatusSucceeded)
	if err != nil {
		return err
	}
	w.say("accepted", fmt.Sprintf("The next day the T/T payment of %s goes through: risk %s, %s", other, p2.Risk.Outcome, p2.Status), p2)
	w.rep.verify("unfrozen_account_pays", !acct.Frozen && paid.State == order.Paid && p2.Status == payment.StatusSucceeded,
		"once unfrozen, the suspended deposit is approved and paid, and a new payment is accepted")
	return nil
}

// reasonLines are reasons as text lines: code, then text.
func reasonLines(rs []payment.Reason) []string {
	lines := make([]string, len(rs))
	for i, r := range rs {
		lines[i] = r.Code + "  " + r.Text
	}
	return lines
}

// count is how many of entries move money to ledger l.
func count(entries []escrow.Entry, l escrow.Ledger) int {
	n := 0
	for _, e := range entries {
		if e.To == l {
			n++
		}
	}
	return n
}
