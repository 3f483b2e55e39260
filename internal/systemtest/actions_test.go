package systemtest

import (
	"slices"
	"time"

	"pgregory.net/rapid"

	"github.com/tradeassure/tradeassure/dispute"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// horizon is how far a sequence's clock goes: the suppliers' documents
// stay valid beyond it.
var horizon = start.AddDate(3, 0, 0)

// offerOn makes an offer on case c by by: mostly within what the case
// may settle for (the amount asked, the covered amount for a claim, what
// escrow holds), now and then one minor unit above (see amountUpTo).
func (m *machine) offerOn(rt *rapid.T, c *dispute.Case, by payment.Actor) *call {
	most := c.Amount.Minor()
	if c.Claimant.Role == payment.RoleBuyer && c.Covered != (payment.Money{}) && c.Covered.Minor() < most {
		most = c.Covered.Minor()
	}
	if o := m.snap.orders[c.OrderID]; o != nil && o.Remaining().Minor() < most {
		most = o.Remaining().Minor()
	}
	return m.offer(by, c.ID, m.id("offer"), money(amountUpTo(rt, most, "offer"), c.Amount.Currency()))
}

// anyCall makes a call by the right actor on an order, whatever its state:
// mostly refused, as the state does not take it; also calls on an order
// that does not exist, and a report of another order's payment, which
// change nothing.
func (m *machine) anyCall(rt *rapid.T) {
	o := m.snap.orders[pick(rt, "order", m.existing())]
	sup, buy := supplierOf(o), buyerOf(o)
	var cs []choice
	add := func(w int, f func() *call) { cs = append(cs, choice{w, f}) }
	add(1, func() *call { return m.submit(sup, o.ID, m.key()) })
	add(1, func() *call { return m.withdraw(sup, o.ID, m.key()) })
	add(1, func() *call { return m.confirm(buy, o.ID, m.key()) })
	add(1, func() *call { return m.startProduction(sup, o.ID, m.key()) })
	add(1, func() *call { return m.finishProduction(sup, o.ID, m.key()) })
	add(1, func() *call { return m.recordInspection(agent, o.ID, m.key(), m.inspection(rt)) })
	add(1, func() *call { return m.acceptInspection(buy, o.ID, m.key()) })
	add(1, func() *call { return m.ship(sup, o.ID, m.key(), m.departure(rt, o)) })
	add(1, func() *call { return m.track(sup, o.ID, m.key(), m.trackingEvent(rt, o)) })
	add(1, func() *call { return m.deliver(agent, o.ID, m.key()) })
	add(1, func() *call { return m.extendReceipt(pick(rt, "extender", []payment.Actor{buy, sup}), o.ID, m.key()) })
	add(1, func() *call { return m.confirmReceipt(buy, o.ID, m.key()) })
	add(1, func() *call {
		return m.cancel(pick(rt, "canceller", []payment.Actor{buy, sup, agent}), o.ID, m.key(), "any")
	})
	add(2, func() *call {
		return m.payTranche(rt, o, pick(rt, "tranche", []payment.Tranche{payment.Full, payment.Deposit, payment.Balance}))
	})
	add(1, func() *call { return m.openClaim(rt, o) })
	add(1, func() *call { return m.proposeOn(rt, o, pick(rt, "proposer", []payment.Actor{buy, sup})) })
	if len(o.Payments) > 0 {
		add(1, func() *call {
			return m.syncPayment(pick(rt, "syncer", []payment.Actor{webhooks, agent}), o.ID, pick(rt, "payment", o.Payments).PaymentID)
		})
	}
	add(1, func() *call {
		c := m.confirm(buy, "no-such-order", m.key())
		c.want = wantRefused
		return c
	})
	var others []string
	for _, pid := range sortedKeys(m.snap.payments) {
		if m.snap.payments[pid].OrderID != o.ID {
			others = append(others, pid)
		}
	}
	if len(others) > 0 {
		add(1, func() *call {
			c := m.reportPayment(webhooks, o.ID, pick(rt, "another order's payment", others), payment.Outcome{Status: payment.StatusSucceeded})
			c.want = wantRefused
			return c
		})
	}
	m.exec(rt, choose(rt, "call", cs))
}

// wrongActor makes a call by an actor who may not make it: someone who is
// not a party of the order or case, or a party (or the platform, or the
// system) whose role may not do what the order's or case's state takes.
// It must be refused with a *payment.ActorError and change nothing.
func (m *machine) wrongActor(rt *rapid.T) {
	o := m.snap.orders[pick(rt, "order", m.existing())]
	sup, buy := supplierOf(o), buyerOf(o)
	var strangers []payment.Actor
	for _, b := range m.w.buyers {
		if b.id != o.BuyerID {
			strangers = append(strangers, payment.Buyer(b.id))
		}
	}
	for _, s := range m.w.sups {
		if s != o.SupplierID {
			strangers = append(strangers, payment.Supplier(s))
		}
	}
	stranger := pick(rt, "stranger", strangers)
	now := m.w.clock.Now()
	var cs []choice
	// add adds a call refused for its actor whatever the state; inState
	// one refused for its actor in the current state, and refused for some
	// reason in any other.
	add := func(w int, f func() *call) {
		cs = append(cs, choice{w, func() *call { c := f(); c.retry = wantActor; return c }})
	}
	addInState := func(w int, f func() *call) {
		cs = append(cs, choice{w, func() *call { c := f(); c.retry = wantRefused; return c }})
	}

	// Whatever the order's state: someone who is not its party.
	ops := []func(payment.Actor, string, string) *call{m.submit, m.withdraw, m.confirm, m.startProduction, m.finishProduction,
		m.acceptInspection, m.deliver, m.extendReceipt, m.confirmReceipt}
	add(6, func() *call { return pick(rt, "operation", ops)(stranger, o.ID, m.key()) })
	add(1, func() *call { return m.cancel(stranger, o.ID, m.key(), "not mine") })
	add(1, func() *call { return m.ship(stranger, o.ID, m.key(), m.departure(rt, o)) })
	add(1, func() *call { return m.proposeOn(rt, o, stranger) })
	add(2, func() *call {
		by := pick(rt, "payer", []payment.Actor{sup, agent, webhooks, stranger})
		tranche := pick(rt, "tranche", []payment.Tranche{payment.Full, payment.Deposit, payment.Balance})
		return m.pay(by, o.ID, m.key(), order.PayRequest{Tranche: tranche, BuyerCountry: "US"})
	})
	add(1, func() *call {
		t := o.Terms.Clone()
		return m.create(pick(rt, "drafter", []payment.Actor{buy, agent, webhooks}), order.CreateRequest{ID: m.id("order"), BuyerID: o.BuyerID, Terms: t})
	})
	add(1, func() *call {
		b := pick(rt, "buyer", m.w.buyers)
		return m.freezeBuyer(pick(rt, "freezer", []payment.Actor{payment.Buyer(b.id), sup, webhooks}), b.id, rapid.Bool().Draw(rt, "freeze"))
	})
	if len(o.Payments) > 0 {
		pid := pick(rt, "payment", o.Payments).PaymentID
		add(2, func() *call {
			return m.reportPayment(pick(rt, "reporter", []payment.Actor{buy, sup}), o.ID, pid, payment.Outcome{Status: payment.StatusSucceeded})
		})
		add(1, func() *call { return m.syncPayment(pick(rt, "syncer", []payment.Actor{buy, sup}), o.ID, pid) })
		add(1, func() *call {
			return m.decidePayment(pick(rt, "decider", []payment.Actor{buy, sup, webhooks}), pid, rapid.Bool().Draw(rt, "approve"))
		})
	}
	if _, ok := o.OpenDispute(); !ok && slices.Contains([]order.State{order.InProduction, order.AwaitingInspection, order.ReadyToShip,
		order.Shipped, order.Delivered}, o.State) {
		// A claim by the supplier, or by another buyer.
		add(1, func() *call {
			req := dispute.OpenRequest{ID: m.id("case"), OrderID: o.ID, Reason: dispute.LateShipment, Amount: money(1, o.Terms.Currency)}
			return m.openCase(pick(rt, "claimant", []payment.Actor{sup, stranger}), req)
		})
		add(1, func() *call {
			c := &call{op: "open dispute on the order", order: o.ID, desc: "open dispute on " + o.ID + " by " + stranger.String(),
				run: func() (result, error) {
					x, err := m.w.orders.OpenDispute(m.w.ctx, stranger, o.ID, order.DisputeRequest{CaseID: "case-direct", Claimant: stranger})
					return result{o: x}, err
				}}
			return c
		})
	}

	// A party, the platform or the system, whose role may not fire the
	// event the order's state takes.
	inState := func(w int, f func() *call) {
		if m.windowOpen(o, now) {
			addInState(w, f)
		}
	}
	switch o.State {
	case order.Draft:
		inState(3, func() *call { return m.submit(pick(rt, "submitter", []payment.Actor{buy, agent}), o.ID, m.key()) })
	case order.AwaitingConfirmation:
		inState(3, func() *call { return m.confirm(pick(rt, "confirmer", []payment.Actor{sup, agent}), o.ID, m.key()) })
		inState(1, func() *call { return m.withdraw(pick(rt, "withdrawer", []payment.Actor{buy, agent}), o.ID, m.key()) })
	case order.AwaitingPayment:
		inState(2, func() *call { return m.cancel(webhooks, o.ID, m.key(), "by the system") })
	case order.Paid:
		inState(3, func() *call {
			return m.startProduction(pick(rt, "starter", []payment.Actor{buy, agent}), o.ID, m.key())
		})
	case order.InProduction:
		inState(2, func() *call {
			return m.finishProduction(pick(rt, "finisher", []payment.Actor{buy, agent}), o.ID, m.key())
		})
		inState(2, func() *call { return m.cancel(buy, o.ID, m.key(), "the buyer walks away") })
	case order.AwaitingInspection:
		inState(3, func() *call {
			return m.recordInspection(pick(rt, "inspector", []payment.Actor{buy, sup}), o.ID, m.key(), m.inspection(rt))
		})
		if n := len(o.Inspections); n > 0 && o.Inspections[n-1].Result == "failed" {
			inState(1, func() *call {
				return m.acceptInspection(pick(rt, "acceptor", []payment.Actor{sup, agent}), o.ID, m.key())
			})
		}
	case order.ReadyToShip:
		inState(3, func() *call {
			return m.ship(pick(rt, "shipper", []payment.Actor{buy, agent}), o.ID, m.key(), m.departure(rt, o))
		})
	case order.Shipped:
		inState(2, func() *call { return m.deliver(pick(rt, "deliverer", []payment.Actor{buy, sup}), o.ID, m.key()) })
		inState(1, func() *call { return m.track(buy, o.ID, m.key(), m.trackingEvent(rt, o)) })
	case order.Delivered:
		inState(2, func() *call {
			return m.confirmReceipt(pick(rt, "confirmer", []payment.Actor{sup, agent}), o.ID, m.key())
		})
		inState(1, func() *call {
			return m.extendReceipt(pick(rt, "extender", []payment.Actor{agent, webhooks}), o.ID, m.key())
		})
	case order.Disputed:
		if d, ok := o.OpenDispute(); ok {
			inState(1, func() *call {
				r := order.Resolution{CaseID: d.CaseID, Continue: true}
				by := pick(rt, "resolver", []payment.Actor{buy, sup})
				return &call{op: "resolve dispute on the order", order: o.ID, desc: "resolve dispute " + d.CaseID + " on " + o.ID + " by " + by.String(),
					run: func() (result, error) {
						x, err := m.w.orders.ResolveDispute(m.w.ctx, by, o.ID, r)
						return result{o: x}, err
					}}
			})
		}
	}

	// The cases on the order.
	for _, id := range m.caseIDs {
		c := m.snap.cases[id]
		if c == nil || c.OrderID != o.ID || ended(c.State) {
			continue
		}
		claimant, resp := c.Claimant, c.Respondent()
		add(1, func() *call { return m.respond(claimant, c.ID, m.key(), "answering my own claim") })
		add(1, func() *call { return m.withdrawCase(resp, c.ID, m.key()) })
		add(2, func() *call {
			switch pick(rt, "stranger's case call", []string{"respond", "escalate", "evidence", "offer"}) {
			case "respond":
				return m.respond(stranger, c.ID, m.key(), "not mine")
			case "escalate":
				return m.escalate(stranger, c.ID, m.key())
			case "evidence":
				return m.submitEvidence(stranger, c.ID, m.evidence(rt, stranger.Role))
			}
			return m.offer(stranger, c.ID, m.id("offer"), money(1, c.Amount.Currency()))
		})
		switch c.State {
		case dispute.AwaitingResponse, dispute.Negotiating, dispute.Escalated, dispute.Appealed:
			addInState(1, func() *call { return m.submitEvidence(webhooks, c.ID, m.evidence(rt, payment.RoleBuyer)) })
		}
		switch c.State {
		case dispute.Negotiating:
			addInState(1, func() *call { return m.offer(agent, c.ID, m.id("offer"), money(1, c.Amount.Currency())) })
		case dispute.Escalated, dispute.Appealed:
			addInState(1, func() *call { return m.decide(pick(rt, "decider", []payment.Actor{claimant, resp}), c.ID, m.key()) })
		case dispute.Decided:
			if now.Before(c.StateSince.AddDate(0, 0, dispute.DefaultWindows().AppealDays)) {
				addInState(1, func() *call { return m.appeal(agent, c.ID, m.key(), "the platform appeals") })
			}
		}
		if slices.Contains([]dispute.State{dispute.AwaitingResponse, dispute.Negotiating}, c.State) &&
			!now.Before(c.OpenedAt.AddDate(0, 0, dispute.DefaultWindows().EscalateAfterDays)) {
			addInState(1, func() *call { return m.escalate(agent, c.ID, m.key()) })
		}
	}
	c := choose(rt, "wrong call", cs)
	c.want = wantActor
	c.desc += " (a wrong actor)"
	m.exec(rt, c)
}

// retry makes an earlier call again, the same request under the same key:
// half the time one that succeeded, which must be a replay that changes
// nothing; otherwise any, which is a fresh attempt if it was refused (and
// then refused again if its actor was wrong).
func (m *machine) retry(rt *rapid.T) {
	calls := m.tried
	if len(m.done) > 0 && rapid.Bool().Draw(rt, "retry a success") {
		calls = m.done
	}
	c := calls[rapid.IntRange(0, len(calls)-1).Draw(rt, "call retried")]
	switch {
	case c.done:
		m.exec(rt, c.again(wantReplay))
	default:
		m.exec(rt, c.again(c.retry))
	}
}

// reuseKey makes a call with the key of an earlier successful call and
// another request, which must be refused with ErrIdempotencyMismatch and
// change nothing.
func (m *machine) reuseKey(rt *rapid.T) {
	var calls []*call
	for _, c := range m.done {
		if len(c.variants) > 0 {
			calls = append(calls, c)
		}
	}
	prev := calls[rapid.IntRange(0, len(calls)-1).Draw(rt, "key reused")]
	c := prev.variants[rapid.IntRange(0, len(prev.variants)-1).Draw(rt, "other request")]()
	c.want = wantMismatch
	c.desc += " (reusing the key of: " + prev.desc + ")"
	m.exec(rt, c)
}

// advance moves the clock on by minutes, hours or days, then sweeps.
func (m *machine) advance(rt *rapid.T) {
	var d time.Duration
	switch rapid.IntRange(0, 2).Draw(rt, "how far") {
	case 0:
		d = time.Duration(rapid.IntRange(1, 180).Draw(rt, "minutes")) * time.Minute
	case 1:
		d = time.Duration(rapid.IntRange(1, 72).Draw(rt, "hours")) * time.Hour
	default:
		d = time.Duration(rapid.IntRange(1, 20).Draw(rt, "days")) * 24 * time.Hour
	}
	m.moveTo(m.w.clock.Now().Add(d))
	m.exec(rt, pick(rt, "sweep", []func() *call{m.sweepOrders, m.sweepCases})())
}

// jump moves the clock to a deadline of an order or a case (a window
// closing, the agreed shipment or delivery date, a case's response,
// escalation or appeal window), exactly, just before or just after it,
// then sweeps.
func (m *machine) jump(rt *rapid.T) {
	now := m.w.clock.Now()
	var at []time.Time
	add := func(t time.Time) {
		if t.After(now) {
			at = append(at, t)
		}
	}
	r := m.w.orders.Rules()
	for _, id := range m.openOrders() {
		o := m.snap.orders[id]
		add(o.Deadline)
		add(o.Terms.ShipBy)
		add(o.Terms.DeliverBy)
		if !o.ReceiptDeadline.IsZero() {
			add(o.ReceiptDeadline)
		}
		if !o.SubmittedAt.IsZero() {
			add(o.SubmittedAt.AddDate(0, 0, r.ConfirmDays))
		}
		if !o.ConfirmedAt.IsZero() {
			add(o.ConfirmedAt.AddDate(0, 0, r.PayDays))
		}
	}
	win := dispute.DefaultWindows()
	for _, id := range m.openCases() {
		c := m.snap.cases[id]
		add(c.Deadline)
		add(c.OpenedAt.AddDate(0, 0, win.EscalateAfterDays))
		add(c.StateSince.AddDate(0, 0, win.AppealDays))
	}
	if len(at) > 0 {
		t := pick(rt, "deadline", at)
		off := pick(rt, "offset", []time.Duration{-time.Nanosecond, 0, 0, time.Nanosecond, time.Second, time.Hour})
		m.moveTo(t.Add(off))
	}
	m.exec(rt, pick(rt, "sweep", []func() *call{m.sweepOrders, m.sweepOrders, m.sweepCases})())
}

// moveTo moves the clock forward to t, never past the horizon.
func (m *machine) moveTo(t time.Time) {
	if t.After(horizon) {
		t = horizon
	}
	if d := t.Sub(m.w.clock.Now()); d > 0 {
		m.w.clock.Advance(d)
	}
}

// freeze freezes a buyer's payment account, or unfreezes it (a platform
// agent's decision); now and then one that is so already, which changes
// nothing.
func (m *machine) freeze(rt *rapid.T) {
	b := pick(rt, "buyer", m.w.buyers)
	frozen := true
	if a := m.snap.risk[b.id]; a != nil && a.Frozen {
		frozen = false
	}
	if rapid.IntRange(0, 4).Draw(rt, "as it is") == 0 {
		frozen = !frozen
	}
	m.exec(rt, m.freezeBuyer(agent, b.id, frozen))
}

// payOut pays a supplier out, or reports a payout: a scheduled run, a
// payout on demand of up to what is available (now and then a cent more),
// or the processor's report of a payout made, mostly one its status
// allows (a report of the status it is at, or one it cannot reach, now
// and then), for a supplier that has a balance when one has.
func (m *machine) payOut(rt *rapid.T) {
	ids := m.w.sups
	var paid []string
	for _, id := range m.w.sups {
		if len(m.snap.sups[id].Balances) > 0 {
			paid = append(paid, id)
		}
	}
	if len(paid) > 0 && rapid.IntRange(0, 4).Draw(rt, "a supplier with a balance") > 0 {
		ids = paid
	}
	id := pick(rt, "supplier", ids)
	var cs []choice
	add := func(w int, f func() *call) { cs = append(cs, choice{w, f}) }
	add(1, func() *call { return m.runPayouts() })
	for _, b := range m.snap.sups[id].Balances {
		add(2, func() *call {
			return m.requestPayout(id, m.key(), money(amountUpTo(rt, b.Available().Minor(), "payout"), b.Currency))
		})
	}
	if ps := m.snap.payouts[id]; len(ps) > 0 {
		add(4, func() *call {
			p := pick(rt, "payout", ps)
			next := map[supplier.PayoutStatus][]supplier.PayoutStatus{
				supplier.PayoutPending: {supplier.PayoutSent, supplier.PayoutPaid, supplier.PayoutFailed},
				supplier.PayoutSent:    {supplier.PayoutPaid, supplier.PayoutPaid, supplier.PayoutFailed},
				supplier.PayoutPaid:    {supplier.PayoutReturned},
			}[p.Status]
			if len(next) == 0 || rapid.IntRange(0, 5).Draw(rt, "any outcome") == 0 {
				next = []supplier.PayoutStatus{supplier.PayoutSent, supplier.PayoutPaid, supplier.PayoutFailed, supplier.PayoutReturned}
			}
			return m.reportPayout(id, p.ID, pick(rt, "outcome", next))
		})
	}
	m.exec(rt, choose(rt, "payout call", cs))
}
