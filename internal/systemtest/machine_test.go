package systemtest

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"pgregory.net/rapid"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/dispute"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
)

// machine is the state of one random sequence: the world, the reference
// model's record of what the sequence did (the orders and cases it tried
// to create, every call made under a key, every call that succeeded) and
// the snapshot the last step left.
type machine struct {
	w         *world
	snap      *snapshot
	steps     int
	maxSteps  int
	maxOrders int // open at once; no sequence drafts more than maxDrafts
	n         int // numbers ids and keys
	orderIDs  []string
	caseIDs   []string
	// tried are the calls made under a key (or that a retry must see
	// change nothing when nothing moved since); done the keyed calls that
	// succeeded, whose retries must be replays.
	tried, done []*call
	counts      map[string]int
	// timeCalls is the time spent in the calls, timeChecks reading the
	// world after them.
	timeCalls, timeChecks time.Duration
}

// newMachine starts a sequence on w.
func newMachine(rt *rapid.T, w *world, maxSteps int) *machine {
	m := &machine{w: w, maxSteps: maxSteps, counts: map[string]int{},
		maxOrders: rapid.IntRange(1, 4).Draw(rt, "orders open at most")}
	s, err := m.take(nil)
	if err != nil {
		rt.Fatalf("reading the new world: %v", err)
	}
	m.snap = s
	if problems := m.invariants(s, s); len(problems) > 0 {
		rt.Fatalf("the new world breaks the invariants: %v", problems)
	}
	return m
}

// id returns a fresh id of an aggregate of the kind.
func (m *machine) id(kind string) string {
	m.n++
	return fmt.Sprintf("%s-%d", kind, m.n)
}

// key returns a fresh idempotency key.
func (m *machine) key() string {
	m.n++
	return "k" + strconv.Itoa(m.n)
}

// choice is a call the sequence may make, with its weight.
type choice struct {
	w int
	f func() *call
}

// weighted draws an index of weights with the probability of its weight;
// -1 when every weight is 0.
func weighted(rt *rapid.T, label string, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	if total == 0 {
		return -1
	}
	n := rapid.IntRange(0, total-1).Draw(rt, label)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return -1
}

// choose draws one of the choices by weight and returns its call; nil
// when there is none.
func choose(rt *rapid.T, label string, cs []choice) *call {
	weights := make([]int, len(cs))
	for i, c := range cs {
		weights[i] = c.w
	}
	if i := weighted(rt, label, weights); i >= 0 {
		return cs[i].f()
	}
	return nil
}

func pick[T any](rt *rapid.T, label string, xs []T) T {
	return rapid.SampledFrom(xs).Draw(rt, label)
}

// actions are the actions of the state machine: one, a step, which draws
// what to do by weight among what can be done now (rapid's own choice of
// action favours the first names in sorted order, so the weights are
// ours), moves the clock on a little and does it.
func (m *machine) actions() map[string]func(*rapid.T) {
	type action struct {
		name   string
		weight int
		ready  func() bool
		run    func(*rapid.T)
	}
	always := func() bool { return true }
	hasOrders := func() bool { return len(m.existing()) > 0 }
	// The likeliest first (and last): rapid's draws favour both ends.
	acts := []action{
		{"progress an order", 14, always, m.progress},
		{"progress a case", 6, func() bool { return len(m.openCases()) > 0 }, m.progressCase},
		{"retry", 3, func() bool { return len(m.tried) > 0 }, m.retry},
		{"wrong actor", 2, hasOrders, m.wrongActor},
		{"reuse a key", 2, func() bool { return slices.ContainsFunc(m.done, func(c *call) bool { return len(c.variants) > 0 }) }, m.reuseKey},
		{"any call", 1, hasOrders, m.anyCall},
		{"create an order", 1, m.mayDraft, func(rt *rapid.T) { m.exec(rt, m.newOrder(rt)) }},
		{"clock", 1, always, m.advance},
		{"jump to a deadline", 1, hasOrders, m.jump},
		{"sweep orders", 1, always, func(rt *rapid.T) { m.exec(rt, m.sweepOrders()) }},
		{"sweep cases", 1, func() bool { return len(m.caseIDs) > 0 }, func(rt *rapid.T) { m.exec(rt, m.sweepCases()) }},
		{"freeze a buyer", 1, always, m.freeze},
		{"pay a supplier out", 2, always, m.payOut},
		{"progress an order", 4, always, m.progress},
	}
	step := func(rt *rapid.T) {
		if m.steps >= m.maxSteps {
			rapid.Bool().Draw(rt, "past the last step") // a rejection, so that rapid ends the sequence
			rt.Skip("the sequence is at its last step")
		}
		weights := make([]int, len(acts))
		for i, a := range acts {
			if a.ready() {
				weights[i] = a.weight
			}
		}
		a := acts[weighted(rt, "action", weights)] // progressing an order is always ready
		m.tick(rt)
		m.counts["action "+a.name]++
		a.run(rt)
		m.steps++
	}
	return map[string]func(*rapid.T){"": func(*rapid.T) {}, "step": step} // every step checks after its call
}

// tick moves the clock on by up to four hours.
func (m *machine) tick(rt *rapid.T) {
	m.w.clock.Advance(time.Duration(rapid.IntRange(0, 240).Draw(rt, "minutes later")) * time.Minute)
}

// maxDrafts is how many orders a sequence drafts at most.
const maxDrafts = 8

// mayDraft reports whether the sequence may draft another order: it has
// fewer than maxOrders open and has drafted fewer than maxDrafts.
func (m *machine) mayDraft() bool {
	return len(m.openOrders()) < m.maxOrders && len(m.orderIDs) < maxDrafts
}

// existing returns the ids of the orders that exist.
func (m *machine) existing() []string {
	var ids []string
	for _, id := range m.orderIDs {
		if m.snap.orders[id] != nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// openOrders returns the ids of the orders that have not ended.
func (m *machine) openOrders() []string {
	var ids []string
	for _, id := range m.existing() {
		if !closed(m.snap.orders[id].State) {
			ids = append(ids, id)
		}
	}
	return ids
}

// openCases returns the ids of the cases that have not ended.
func (m *machine) openCases() []string {
	var ids []string
	for _, id := range m.caseIDs {
		if c := m.snap.cases[id]; c != nil && !ended(c.State) {
			ids = append(ids, id)
		}
	}
	return ids
}

// The order's parties.
func buyerOf(o *order.Order) payment.Actor    { return payment.Buyer(o.BuyerID) }
func supplierOf(o *order.Order) payment.Actor { return payment.Supplier(o.SupplierID) }

// newOrder drafts a new order: a random supplier for a random buyer, on
// random terms.
func (m *machine) newOrder(rt *rapid.T) *call {
	sup := pick(rt, "supplier", m.w.sups)
	b := pick(rt, "buyer", m.w.buyers)
	t := m.terms(rt, b)
	c := m.create(payment.Supplier(sup), order.CreateRequest{ID: m.id("order"), BuyerID: b.id, Terms: t})
	c.want = wantOK
	return c
}

// terms draws an order's terms: one or two items, in USD, EUR or JPY, of
// a total from a few dollars to some USD 30,000, paid in full or with a
// deposit, shipped within weeks.
func (m *machine) terms(rt *rapid.T, b buyerParty) order.Terms {
	cur := pick(rt, "currency", []payment.Currency{payment.USD, payment.USD, payment.USD, payment.EUR, payment.EUR, payment.JPY})
	major := int64(100) // minor units of a unit of price
	if cur == payment.JPY {
		major = 150
	}
	now := m.w.clock.Now()
	t := order.Terms{Currency: cur, Incoterm: pick(rt, "incoterm", order.Incoterms()), Destination: b.country,
		InspectionRequired: rapid.Bool().Draw(rt, "inspection"), Plan: coverage.PostDelivery}
	for i := range rapid.IntRange(1, 2).Draw(rt, "items") {
		qty := rapid.Int64Range(1, 200).Draw(rt, "quantity")
		price := rapid.Int64Range(1, 150).Draw(rt, "unit price")*major + rapid.Int64Range(0, 99).Draw(rt, "cents")*major/100
		t.Items = append(t.Items, order.LineItem{SKU: fmt.Sprintf("SKU-%d", i+1), Quantity: qty, Unit: "pieces", UnitPrice: money(price, cur),
			Spec: order.Spec{QualityStandard: "EN 12520", Packaging: "carton"}})
	}
	t.ShippingCost = money(0, cur)
	if rapid.IntRange(0, 3).Draw(rt, "shipping") > 0 {
		t.ShippingCost = money(rapid.Int64Range(20, 800).Draw(rt, "shipping cost")*major, cur)
	}
	if rapid.IntRange(0, 4).Draw(rt, "pre-shipment plan") == 0 {
		t.Plan = coverage.PreShipment
	}
	t.ProductionDays = rapid.IntRange(0, 30).Draw(rt, "production days")
	t.ShipBy = now.AddDate(0, 0, t.ProductionDays+rapid.IntRange(2, 30).Draw(rt, "days to ship"))
	t.DeliverBy = t.ShipBy.AddDate(0, 0, rapid.IntRange(0, 45).Draw(rt, "days to deliver"))
	switch rapid.IntRange(0, 4).Draw(rt, "schedule") {
	case 1, 2:
		t.Schedule.DepositPercent = 30
	case 3:
		t.Schedule.DepositPercent = 50
	case 4:
		if total, err := t.Total(); err == nil && total.Minor() > 1 {
			t.Schedule.DepositAmount = money(max(total.Minor()/5, 1), cur)
		}
	}
	if rapid.IntRange(0, 3).Draw(rt, "instruments named") == 0 {
		if t.Schedule.DepositPercent > 0 || t.Schedule.DepositAmount != (payment.Money{}) {
			t.Schedule.DepositInstrument = payment.Instrument{Method: payment.Card, Network: payment.Visa}
		}
		t.Schedule.BalanceInstrument = payment.Instrument{Method: payment.WireTransfer}
	}
	// The goods decide the supplier's service fee (none when unnamed).
	if t.Goods = pick(rt, "goods", []payment.Goods{"", payment.Wholesale, payment.Custom}); t.Goods == payment.Custom {
		t.Shipping = pick(rt, "logistics", []payment.Shipping{payment.PlatformLogistics, payment.OtherLogistics})
	}
	return t
}

// money returns units minor units of cur.
func money(units int64, cur payment.Currency) payment.Money {
	m, err := payment.FromMinor(units, cur)
	if err != nil {
		panic(err)
	}
	return m
}

// windowOpen reports whether the order's confirmation or payment window
// is open at now (or none runs).
func (m *machine) windowOpen(o *order.Order, now time.Time) bool {
	r := m.w.orders.Rules()
	switch {
	case o.State == order.AwaitingConfirmation:
		return now.Before(o.SubmittedAt.AddDate(0, 0, r.ConfirmDays))
	case o.State == order.AwaitingPayment && !o.PaymentProcessing():
		return now.Before(o.ConfirmedAt.AddDate(0, 0, r.PayDays))
	}
	return true
}

// progress makes the call an order's life calls for next: mostly the
// natural next step by the right actor, now and then a detour (a
// modification, a cancellation, a claim). With no order to move it drafts
// a new one.
func (m *machine) progress(rt *rapid.T) {
	open := m.openOrders()
	if len(open) == 0 || m.mayDraft() && rapid.IntRange(0, 9).Draw(rt, "draft another order") == 0 {
		switch {
		case m.mayDraft():
			m.exec(rt, m.newOrder(rt))
		case len(m.tried) > 0:
			m.retry(rt) // every order has ended
		default:
			m.exec(rt, m.sweepOrders())
		}
		return
	}
	o := m.snap.orders[pick(rt, "order", open)]
	c := m.next(rt, o)
	if c == nil {
		c = m.sweepOrders()
	}
	m.exec(rt, c)
}

// next returns the call that moves o on.
func (m *machine) next(rt *rapid.T, o *order.Order) *call {
	now := m.w.clock.Now()
	sup, buy := supplierOf(o), buyerOf(o)
	var cs []choice
	add := func(w int, f func() *call) { cs = append(cs, choice{w, f}) }
	party := func() payment.Actor { return pick(rt, "actor", []payment.Actor{buy, sup, agent}) }
	switch o.State {
	case order.Draft:
		add(16, func() *call { c := m.submit(sup, o.ID, m.key()); c.want = wantOK; return c })
		add(1, func() *call { return m.proposeOn(rt, o, sup) })
		add(1, func() *call { return m.cancel(party(), o.ID, m.key(), "no longer needed") })
	case order.AwaitingConfirmation:
		add(16, func() *call {
			c := m.confirm(buy, o.ID, m.key())
			if m.windowOpen(o, now) {
				c.want = wantOK
			}
			return c
		})
		add(1, func() *call { return m.withdraw(sup, o.ID, m.key()) })
		add(1, func() *call { return m.proposeOn(rt, o, pick(rt, "proposer", []payment.Actor{buy, sup})) })
		add(1, func() *call { return m.cancel(party(), o.ID, m.key(), "found another supplier") })
	case order.AwaitingPayment:
		add(16, func() *call { return m.payOrReport(rt, o) })
		add(1, func() *call { return m.cancel(party(), o.ID, m.key(), "budget cut") })
		add(1, func() *call { return m.proposeOn(rt, o, pick(rt, "proposer", []payment.Actor{buy, sup})) })
	case order.Paid:
		add(10, func() *call { c := m.startProduction(sup, o.ID, m.key()); c.want = wantOK; return c })
		add(5, func() *call { return m.payOrReport(rt, o) })
		add(1, func() *call { return m.cancel(party(), o.ID, m.key(), "called off before production") })
		add(1, func() *call { return m.proposeOn(rt, o, pick(rt, "proposer", []payment.Actor{buy, sup})) })
	case order.InProduction:
		add(10, func() *call { c := m.finishProduction(sup, o.ID, m.key()); c.want = wantOK; return c })
		add(5, func() *call { return m.payOrReport(rt, o) })
		add(1, func() *call {
			return m.cancel(pick(rt, "actor", []payment.Actor{sup, agent}), o.ID, m.key(), "cannot make it")
		})
		add(2, func() *call { return m.openClaim(rt, o) })
	case order.AwaitingInspection:
		add(8, func() *call { return m.recordInspection(agent, o.ID, m.key(), m.inspection(rt)) })
		if n := len(o.Inspections); n > 0 && o.Inspections[n-1].Result == coverage.InspectionFailed {
			add(5, func() *call { return m.acceptInspection(buy, o.ID, m.key()) })
		}
		add(5, func() *call { return m.payOrReport(rt, o) })
		add(1, func() *call {
			return m.cancel(pick(rt, "actor", []payment.Actor{sup, agent}), o.ID, m.key(), "failed again")
		})
		add(2, func() *call { return m.openClaim(rt, o) })
	case order.ReadyToShip:
		if total, err := o.Total(); err == nil && o.Paid() == total {
			add(14, func() *call { return m.ship(sup, o.ID, m.key(), m.departure(rt, o)) })
		} else {
			add(14, func() *call { return m.payOrReport(rt, o) })
		}
		add(1, func() *call {
			return m.cancel(pick(rt, "actor", []payment.Actor{sup, agent}), o.ID, m.key(), "no vessel")
		})
		add(2, func() *call { return m.openClaim(rt, o) })
	case order.Shipped:
		add(3, func() *call {
			return m.track(pick(rt, "tracker", []payment.Actor{sup, agent, webhooks}), o.ID, m.key(), m.trackingEvent(rt, o))
		})
		add(10, func() *call {
			c := m.deliver(pick(rt, "deliverer", []payment.Actor{agent, webhooks}), o.ID, m.key())
			c.want = wantOK
			return c
		})
		add(3, func() *call { return m.openClaim(rt, o) })
	case order.Delivered:
		add(6, func() *call {
			c := m.confirmReceipt(buy, o.ID, m.key())
			if now.Before(o.ReceiptDeadline) {
				c.want = wantOK
			}
			return c
		})
		add(2, func() *call { return m.extendReceipt(pick(rt, "extender", []payment.Actor{buy, sup}), o.ID, m.key()) })
		add(6, func() *call { return m.openClaim(rt, o) })
	case order.Completed:
		// A claim about the goods after receipt, paid by the guarantee
		// when decided for the buyer (within the claim deadline).
		if !o.DeliveredAt.IsZero() {
			add(2, func() *call { return m.openClaim(rt, o) })
		}
	case order.Disputed:
		if d, ok := o.OpenDispute(); ok {
			if c := m.snap.cases[d.CaseID]; c != nil && !ended(c.State) {
				add(10, func() *call { return m.nextCase(rt, c) })
			}
		}
		if _, _, ok := m.pendingPayment(o); ok {
			// The processor reports on a payment made before the dispute.
			add(3, func() *call { return m.payOrReport(rt, o) })
		}
	}
	for _, mod := range o.Modifications {
		if mod.Status != order.ModificationProposed {
			continue
		}
		other := buy
		if mod.RequestedBy == buy {
			other = sup
		}
		add(3, func() *call {
			op := pick(rt, "decision", []string{"approve modification", "approve modification", "reject modification", "withdraw modification"})
			by := other
			if op == "withdraw modification" {
				by = mod.RequestedBy
			}
			return m.decideModification(op, by, o.ID, mod.ID)
		})
	}
	return choose(rt, "next call on "+string(o.State), cs)
}

// pendingPayment returns the order's payment that may still succeed, if
// any, with its record.
func (m *machine) pendingPayment(o *order.Order) (order.TranchePayment, *payment.Payment, bool) {
	for _, tp := range slices.Backward(o.Payments) {
		if tp.PaidAt.IsZero() && tp.Status != payment.StatusFailed && tp.Status != payment.StatusCancelled {
			if p := m.snap.payments[tp.PaymentID]; p != nil {
				return tp, p, true
			}
		}
	}
	return order.TranchePayment{}, nil, false
}

// payOrReport moves the order's payment on: a decision on a payment risk
// control holds, the order brought up to date with a payment that moved
// without it, the processor's outcome of a processing payment, or, with no
// payment under way, a new payment of the tranche due.
func (m *machine) payOrReport(rt *rapid.T, o *order.Order) *call {
	if tp, p, ok := m.pendingPayment(o); ok {
		switch {
		case p.Held || p.Status == payment.StatusSuspended:
			return m.decidePayment(agent, p.ID, rapid.IntRange(0, 3).Draw(rt, "approve") > 0)
		case p.Status != tp.Status:
			return m.syncPayment(pick(rt, "syncer", []payment.Actor{webhooks, agent}), o.ID, p.ID)
		case p.Status == payment.StatusInitiated && rapid.IntRange(0, 15).Draw(rt, "buyer cancels the payment") == 0:
			return m.cancelPayment(buyerOf(o), p.ID)
		}
		return m.report(rt, o, p.ID)
	}
	dues, err := o.Terms.Tranches()
	if err != nil || len(dues) == 0 {
		return nil
	}
	tranche := dues[0].Tranche
	if o.State != order.AwaitingPayment {
		tranche = dues[len(dues)-1].Tranche
	}
	if rapid.IntRange(0, 19).Draw(rt, "another tranche") == 0 {
		tranche = pick(rt, "tranche", []payment.Tranche{payment.Full, payment.Deposit, payment.Balance})
	}
	return m.payTranche(rt, o, tranche)
}

// report reports a processor outcome of payment pid of order o.
func (m *machine) report(rt *rapid.T, o *order.Order, pid string) *call {
	status := pick(rt, "outcome", []payment.Status{payment.StatusSucceeded, payment.StatusSucceeded, payment.StatusSucceeded,
		payment.StatusSucceeded, payment.StatusFailed, payment.StatusProcessing})
	ref := ""
	if rapid.Bool().Draw(rt, "processor reference") {
		ref = "psp-" + pid
	}
	return m.reportPayment(pick(rt, "reporter", []payment.Actor{webhooks, webhooks, agent}), o.ID, pid, payment.Outcome{Status: status, ProcessorRef: ref})
}

// payTranche pays a tranche of o by a random method from a random country:
// some are not eligible (Western Union from outside the US, e-Checking in
// another currency than USD or from outside the US), and a frozen buyer
// pays nothing.
func (m *machine) payTranche(rt *rapid.T, o *order.Order, tranche payment.Tranche) *call {
	b := m.w.buyer(o.BuyerID)
	country := b.country
	if rapid.IntRange(0, 5).Draw(rt, "pays from elsewhere") == 0 {
		country = pick(rt, "country", []payment.Country{"US", "DE", "SG", "BR", "GB"})
	}
	req := order.PayRequest{Tranche: tranche, BuyerCountry: country}
	named := o.Terms.Schedule.BalanceInstrument
	if tranche == payment.Deposit {
		named = o.Terms.Schedule.DepositInstrument
	}
	if named == (payment.Instrument{}) || rapid.IntRange(0, 7).Draw(rt, "another instrument than the schedule's") == 0 {
		req.Instrument = pick(rt, "instrument", []payment.Instrument{
			{Method: payment.Card, Network: payment.Visa},
			{Method: payment.Card, Network: payment.Mastercard},
			{Method: payment.Card, Network: payment.Visa, IssuerCountry: "GB"}, // a card from abroad: held for review
			{Method: payment.WireTransfer},
			{Method: payment.WireTransfer},
			{Method: payment.WesternUnion},
			{Method: payment.ECheck},
			{Method: payment.PayPal},
			{Method: payment.Alipay},
			{Method: payment.OnlineBankTransfer},
		})
	}
	c := m.pay(buyerOf(o), o.ID, m.key(), req)
	method := req.Instrument.Method
	if method == "" {
		method = named.Method
	}
	switch {
	case method == payment.WesternUnion && country != "US",
		method == payment.ECheck && (country != "US" || o.Terms.Currency != payment.USD):
		c.want = wantRefused
		m.counts["pay: ineligible by the model"]++
	case m.snap.risk[o.BuyerID] != nil && m.snap.risk[o.BuyerID].Frozen:
		c.want = wantRefused
	}
	return c
}

// inspection draws an inspection report: passed or failed, by a recognised
// agency or another.
func (m *machine) inspection(rt *rapid.T) order.InspectionReport {
	r := order.InspectionReport{Agency: pick(rt, "agency", []string{"SGS", "Intertek", "Acme QC"}), InspectedAt: m.w.clock.Now(),
		Result: coverage.InspectionPassed, Findings: "as agreed", Document: "https://files.example.com/inspection.pdf"}
	if rapid.IntRange(0, 2).Draw(rt, "inspection failed") == 0 {
		r.Result, r.Findings = coverage.InspectionFailed, "defects found"
		r.Defects = pick(rt, "defects", [][]string{{"scratches"}, {"wrong-colour", "loose-screws"}})
	}
	return r
}

// departure draws the shipment's departure, expected to arrive on time or
// late.
func (m *machine) departure(rt *rapid.T, o *order.Order) order.TrackingEvent {
	now := m.w.clock.Now()
	return order.TrackingEvent{At: now, Location: "Ningbo", Carrier: "COSCO", Mode: order.Sea, TrackingNumber: "COSU" + strconv.Itoa(m.n),
		EstimatedArrival: o.Terms.DeliverBy.AddDate(0, 0, rapid.IntRange(-20, 5).Draw(rt, "days of arrival after the agreed date"))}
}

// trackingEvent draws a tracking event: with a new estimate of arrival or
// none.
func (m *machine) trackingEvent(rt *rapid.T, o *order.Order) order.TrackingEvent {
	e := order.TrackingEvent{At: m.w.clock.Now(), Location: pick(rt, "location", []string{"Singapore", "Colombo", "Suez"})}
	if rapid.Bool().Draw(rt, "new estimate") {
		e.EstimatedArrival = o.Terms.DeliverBy.AddDate(0, 0, rapid.IntRange(-10, 10).Draw(rt, "days of arrival after the agreed date"))
	}
	return e
}

// proposeOn proposes a modification of o's terms by by: one the rules
// allow, or one they refuse (a shipping cost up by half, another
// destination, another total once paid).
func (m *machine) proposeOn(rt *rapid.T, o *order.Order, by payment.Actor) *call {
	t := o.Terms.Clone()
	how := ""
	switch rapid.IntRange(0, 5).Draw(rt, "modification") {
	case 0:
		how = "shipping cost up by a tenth"
		t.ShippingCost = money(t.ShippingCost.Minor()+t.ShippingCost.Minor()/10, t.Currency)
	case 1:
		how = "shipping cost up by half"
		t.ShippingCost = money(t.ShippingCost.Minor()+t.ShippingCost.Minor()/2+1, t.Currency)
	case 2:
		how = "another route"
		t.Route = "Ningbo - Rotterdam - rail"
	case 3:
		how = "one more piece"
		t.Items[0].Quantity++
	case 4:
		how = "another destination"
		t.Destination = "FR"
		if o.Terms.Destination == "FR" {
			t.Destination = "IT"
		}
	case 5:
		how = "a week later"
		t.ShipBy, t.DeliverBy = t.ShipBy.AddDate(0, 0, 7), t.DeliverBy.AddDate(0, 0, 7)
	}
	return m.propose(by, o.ID, m.id("mod"), t, how)
}

// openClaim opens a case on o: a buyer's claim the order's state allows
// (late shipment, non-delivery, or about the goods once delivered), with or
// without evidence, for an amount up to what is covered or just above; or a
// supplier's case against a buyer who walked away or refuses the balance.
func (m *machine) openClaim(rt *rapid.T, o *order.Order) *call {
	var reason dispute.Reason
	switch o.State {
	case order.Delivered, order.Completed:
		reason = pick(rt, "claim", []dispute.Reason{dispute.QualityNotAsAgreed, dispute.QuantityShort, dispute.WrongSpecification,
			dispute.Packaging, dispute.DamagedOnArrival, dispute.LateShipment})
	default:
		reason = pick(rt, "claim", []dispute.Reason{dispute.LateShipment, dispute.NonDelivery, dispute.LateShipment,
			dispute.CancelledAfterProduction, dispute.BalanceRefused})
	}
	by := buyerOf(o)
	req := dispute.OpenRequest{ID: m.id("case"), OrderID: o.ID, Reason: reason, Description: "claim on " + o.ID}
	var most int64
	if reason.Claimant() == payment.RoleSupplier {
		by = supplierOf(o)
		most = o.Remaining().Minor()
		if rapid.Bool().Draw(rt, "chat record") {
			req.Evidence = append(req.Evidence, m.evidence(rt, payment.RoleSupplier))
		}
	} else {
		if cov, err := m.w.orders.Coverage(m.w.ctx, o.ID); err == nil {
			most = cov.Covered.Minor()
		}
		if reason.AboutTheGoods() {
			for range rapid.IntRange(0, 2).Draw(rt, "items of evidence") {
				req.Evidence = append(req.Evidence, m.evidence(rt, payment.RoleBuyer))
			}
			if rapid.Bool().Draw(rt, "defects named") {
				req.Defects = []string{"scratches"}
			}
		}
	}
	req.Amount = money(amountUpTo(rt, most, "amount asked"), o.Terms.Currency)
	return m.openCase(by, req)
}

// amountUpTo draws an amount in minor units up to most: anything from one
// minor unit, most itself, just under it (what leaves a few percent), or
// one minor unit above it.
func amountUpTo(rt *rapid.T, most int64, label string) int64 {
	switch rapid.IntRange(0, 6).Draw(rt, label+" kind") {
	case 0:
		return most + 1
	case 1:
		return max(most, 1)
	case 2:
		return max(most-rapid.Int64Range(1, max(most/20, 1)).Draw(rt, label+" under the most"), 1)
	}
	return rapid.Int64Range(1, max(most, 1)).Draw(rt, label)
}

// evidence draws an item of evidence a party of role r submits.
func (m *machine) evidence(rt *rapid.T, r payment.Role) dispute.Evidence {
	id := m.id("ev")
	e := dispute.Evidence{ID: id, URI: "https://files.example.com/" + id, SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}
	var kinds []string
	if r == payment.RoleBuyer {
		kinds = []string{"photo", "video", "failed SGS report", "failed Acme report", "invoice"}
	} else {
		kinds = []string{"passed SGS report", "loading video", "proof of delivery", "bill of lading", "chat record", "contract clause"}
	}
	switch pick(rt, "evidence kind", kinds) {
	case "photo":
		e.Kind = dispute.Photo
	case "video":
		e.Kind = dispute.Video
	case "failed SGS report":
		e.Kind, e.Agency, e.Result, e.Defects = dispute.InspectionReport, "SGS", coverage.InspectionFailed, []string{"scratches"}
	case "failed Acme report":
		e.Kind, e.Agency, e.Result = dispute.InspectionReport, "Acme QC", coverage.InspectionFailed
	case "invoice":
		e.Kind = dispute.Invoice
	case "passed SGS report":
		e.Kind, e.Agency, e.Result = dispute.InspectionReport, "SGS", coverage.InspectionPassed
	case "loading video":
		e.Kind = dispute.LoadingVideo
	case "proof of delivery":
		e.Kind = dispute.ProofOfDelivery
	case "bill of lading":
		e.Kind = dispute.BillOfLading
	case "chat record":
		e.Kind = dispute.ChatRecord
	case "contract clause":
		e.Kind = dispute.ContractClause
	}
	return e
}

// progressCase makes the call an open case calls for next.
func (m *machine) progressCase(rt *rapid.T) {
	c := m.snap.cases[pick(rt, "case", m.openCases())]
	call := m.nextCase(rt, c)
	if call == nil {
		call = m.sweepCases()
	}
	m.exec(rt, call)
}

// nextCase returns the call that moves case c on.
func (m *machine) nextCase(rt *rapid.T, c *dispute.Case) *call {
	now := m.w.clock.Now()
	claimant, resp := c.Claimant, c.Respondent()
	parties := []payment.Actor{claimant, resp}
	var cs []choice
	add := func(w int, f func() *call) { cs = append(cs, choice{w, f}) }
	evidence := func() *call {
		by := pick(rt, "submitter", []payment.Actor{claimant, resp, agent})
		role := by.Role
		if role == payment.RolePlatform {
			role = pick(rt, "for", []payment.Role{payment.RoleBuyer, payment.RoleSupplier})
		}
		return m.submitEvidence(by, c.ID, m.evidence(rt, role))
	}
	win := dispute.DefaultWindows()
	// escalate asks the platform to decide, once the time has come: the
	// parties wait for it first when it has not.
	escalate := func() *call {
		if from := c.OpenedAt.AddDate(0, 0, win.EscalateAfterDays); now.Before(from) {
			m.moveTo(from.Add(time.Duration(rapid.IntRange(0, 120).Draw(rt, "minutes after escalation opens")) * time.Minute))
		}
		return m.escalate(pick(rt, "escalator", parties), c.ID, m.key())
	}
	switch c.State {
	case dispute.AwaitingResponse:
		add(5, func() *call { x := m.respond(resp, c.ID, m.key(), "we disagree"); x.want = wantOK; return x })
		add(1, evidence)
		add(1, func() *call { return m.withdrawCase(claimant, c.ID, m.key()) })
		add(2, escalate)
	case dispute.Negotiating:
		add(4, func() *call { return m.offerOn(rt, c, pick(rt, "offerer", parties)) })
		for i, by := range parties {
			// by may accept the other party's latest offer.
			other := parties[1-i]
			for _, o := range slices.Backward(c.Offers) {
				if o.By == other {
					add(4, func() *call { return m.accept(by, c.ID, o.ID) })
					break
				}
			}
		}
		add(1, evidence)
		add(1, func() *call { return m.withdrawCase(claimant, c.ID, m.key()) })
		add(3, escalate)
	case dispute.Escalated:
		add(6, func() *call { return m.decide(agent, c.ID, m.key()) })
		add(1, evidence)
		add(1, func() *call { return m.withdrawCase(claimant, c.ID, m.key()) })
	case dispute.Decided:
		add(2, func() *call { return m.appeal(pick(rt, "appellant", parties), c.ID, m.key(), "the decision is wrong") })
		add(2, func() *call {
			// Nobody appeals: the window closes and the sweep makes the
			// decision final.
			m.moveTo(c.StateSince.AddDate(0, 0, win.AppealDays).Add(pick(rt, "after the appeal window", []time.Duration{-time.Nanosecond, 0, time.Minute})))
			return m.sweepCases()
		})
	case dispute.Appealed:
		add(5, func() *call { return m.decide(agent, c.ID, m.key()) })
		add(1, evidence)
	}
	return choose(rt, "next call on case "+string(c.State), cs)
}
