package systemtest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/dispute"
	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// closed reports whether an order has ended: nothing is reserved for it
// and escrow holds nothing for it any more.
func closed(s order.State) bool {
	return s == order.Completed || s == order.Refunded || s == order.Cancelled || s == order.Expired
}

// settled reports whether the order's money was settled: it has ended, or
// it is disputed once completed (the money released; a claim decided for
// the buyer is paid by the guarantee).
func settled(o *order.Order) bool {
	if closed(o.State) {
		return true
	}
	d, open := o.OpenDispute()
	return o.State == order.Disputed && open && d.From == order.Completed
}

// ended reports whether a case has ended (dispute.State.Final, which
// builds the transition table on every call).
func ended(s dispute.State) bool {
	return s == dispute.Final || s == dispute.Settled || s == dispute.Withdrawn || s == dispute.Expired
}

// invariants checks the world after a step, s, against the reference
// model, given the world before it, prev; it returns every problem found.
func (m *machine) invariants(prev, s *snapshot) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	ctx := context.Background()

	reserved := map[string]map[string]payment.Money{} // supplier → order → coverage reserved
	for _, id := range sortedKeys(s.orders) {
		o := s.orders[id]
		if o == nil {
			continue
		}
		checkHistory(ctx, o, bad)
		m.checkPublished(o, bad)
		if total, err := o.Total(); err != nil || o.Paid().Minor() > total.Minor() {
			bad("order %s has %s paid of a total of %s (%v)", id, o.Paid(), total, err)
		}
		m.checkEscrow(o, s, bad)
		if r := o.Coverage.Reserved; !settled(o) && r != (payment.Money{}) && r.IsPositive() {
			if reserved[o.SupplierID] == nil {
				reserved[o.SupplierID] = map[string]payment.Money{}
			}
			reserved[o.SupplierID][o.ID] = r
		}
	}

	// A supplier's reserved limit is the sum of its open covered orders'
	// reservations, and never grows beyond its limit.
	for _, id := range sortedKeys(s.sups) {
		sup := s.sups[id]
		// One notice per version the supplier's record was written at.
		checkNotices(m, supplier.Aggregate, id, make([]struct{}, sup.Version), func(supplier.Notice, struct{}) bool { return true }, bad)
		got := map[string]payment.Money{}
		for _, r := range sup.Reservations {
			if _, twice := got[r.OrderID]; twice {
				bad("supplier %s holds two reservations for order %s", id, r.OrderID)
			}
			got[r.OrderID] = r.Amount
		}
		want := reserved[id]
		for _, oid := range union(got, want) {
			if got[oid] != want[oid] {
				bad("supplier %s reserves %v for order %s; the order is %s with coverage reserved %v", id, got[oid], oid,
					stateOf(s.orders[oid]), want[oid])
			}
		}
		total := sup.Reserved()
		if limit := sup.Limit.Amount; total.IsPositive() && total.Minor() > limit.Minor() {
			was := prev.sups[id].Reserved()
			if total.Minor() > was.Minor() {
				bad("supplier %s reserves %s, above its limit of %s (it reserved %s before the step)", id, total, limit, was)
			}
			m.counts["check: a limit recomputed below what it has reserved"]++
		}
	}

	// What the guarantee paid in for a supplier's orders, per currency, is
	// what the supplier owes it; what releases withheld for it is what the
	// supplier's receivables record as recovered, never more than owed.
	// What the releases paid a supplier (supplier_payable entries) is what
	// its balance was credited, and its balance is where that went:
	// available, in flight, paid out or offset against what it owed,
	// each as its payouts and receivables record.
	type owing struct{ paid, recovered, released int64 }
	ledgers, records := map[string]owing{}, map[string]owing{}
	for _, a := range s.accounts {
		if a == nil {
			continue
		}
		k := a.SupplierID + " " + string(a.Currency)
		w := ledgers[k]
		for _, e := range a.Entries {
			switch {
			case e.From == escrow.Guarantee:
				w.paid += e.Amount.Minor()
			case e.To == escrow.Recovery:
				w.recovered += e.Amount.Minor()
			case e.To == escrow.SupplierPayable:
				w.released += e.Amount.Minor()
			}
		}
		ledgers[k] = w
	}
	for id, sup := range s.sups {
		offsets := map[payment.Currency]int64{}
		for _, r := range sup.Receivables {
			k := id + " " + string(r.Amount.Currency())
			w := records[k]
			w.paid, w.recovered = w.paid+r.Amount.Minor(), w.recovered+r.Recovered.Minor()
			records[k] = w
			if r.Recovered.Minor() > r.Amount.Minor() || r.Recovered.IsNegative() {
				bad("supplier %s's receivable for order %s has %s recovered of %s", id, r.OrderID, r.Recovered, r.Amount)
			}
			for _, rc := range r.Recoveries {
				if rc.OrderID == "" {
					offsets[rc.Amount.Currency()] += rc.Amount.Minor()
				}
			}
		}
		m.checkBalances(id, sup, s.payouts[id], offsets, bad)
		for _, b := range sup.Balances {
			k := id + " " + string(b.Currency)
			w := records[k]
			// What the balance repaid counts as recovered by a release:
			// the ledgers see only the releases' recoveries.
			w.recovered -= b.Offset.Minor()
			w.released = b.Credited.Minor()
			records[k] = w
		}
		if len(sup.Receivables) > 0 {
			m.counts["check: a supplier owes the guarantee"]++
			if slices.ContainsFunc(sup.Receivables, func(r supplier.Receivable) bool { return r.Recovered.IsPositive() }) {
				m.counts["check: a release repaid the guarantee"]++
			}
		}
	}
	if m.steps%8 == 0 { // every 8th step: on PostgreSQL they read every entry
		m.checkReports(ctx, s, bad)
	}
	for _, k := range union(ledgers, records) {
		if ledgers[k] != records[k] {
			bad("supplier and currency %s: the ledgers show %+v paid by the guarantee, recovered by releases and released; the receivables and balance %+v", k, ledgers[k], records[k])
		}
	}

	for _, id := range sortedKeys(s.cases) {
		c := s.cases[id]
		if c == nil {
			continue
		}
		checkTimeline(ctx, c, bad)
		m.checkCaseNotices(c, bad)
		o := s.orders[c.OrderID]
		if o == nil {
			bad("case %s is on order %s, which does not exist", id, c.OrderID)
			continue
		}
		i := slices.IndexFunc(o.Disputes, func(d order.DisputeRecord) bool { return d.CaseID == id })
		switch {
		case i < 0:
			bad("case %s is open on order %s, which has no record of it", id, o.ID)
		case ended(c.State) && o.Disputes[i].ClosedAt.IsZero():
			bad("case %s is %s, but order %s's record of it is open", id, c.State, o.ID)
		case i >= 0 && !ended(c.State) && !o.Disputes[i].ClosedAt.IsZero():
			bad("case %s is %s, but order %s's record of it is closed", id, c.State, o.ID)
		}
	}
	return out
}

func stateOf(o *order.Order) string {
	if o == nil {
		return "absent"
	}
	return string(o.State)
}

// transition is a question asked of a state machine: may role fire
// event from state, and where does it lead.
type transition struct{ from, event, role string }

// answer is the state machine's answer.
type answer struct {
	to  string
	err error
}

// nexts remembers the answers of order.Next and dispute.Next: each builds
// a looplab/fsm machine, which costs more than the rest of the checks.
var nexts sync.Map // "order"/"case" + transition → answer

func orderNext(ctx context.Context, from order.State, ev order.Event, by payment.Actor) (order.State, error) {
	q := transition{"order/" + string(from), string(ev), string(by.Role)}
	if a, ok := nexts.Load(q); ok {
		return order.State(a.(answer).to), a.(answer).err
	}
	to, err := order.Next(ctx, from, ev, by)
	nexts.Store(q, answer{string(to), err})
	return to, err
}

func caseNext(ctx context.Context, from dispute.State, ev dispute.Event, by payment.Actor) (dispute.State, error) {
	q := transition{"case/" + string(from), string(ev), string(by.Role)}
	if a, ok := nexts.Load(q); ok {
		return dispute.State(a.(answer).to), a.(answer).err
	}
	to, err := dispute.Next(ctx, from, ev, by)
	nexts.Store(q, answer{string(to), err})
	return to, err
}

// checkNotices delivers the outbox and checks that the notices of the
// aggregate of that kind and id are its records, in order, once (same
// compares a notice with its record): the outbox holds the message of a
// change if and only if the change committed.
func checkNotices[T, R any](m *machine, aggregate, id string, records []R, same func(T, R) bool, bad func(string, ...any)) {
	got, err := noticesOf[T](m.w, aggregate, id)
	if err != nil {
		bad("the relay: %v", err)
	}
	if len(got) != len(records) {
		bad("%s %s has %d changes; the publisher received %d notices of it", aggregate, id, len(records), len(got))
		return
	}
	for i, n := range got {
		if !same(n, records[i]) {
			bad("%s %s: notice %d is %+v; the record's change is %+v", aggregate, id, i+1, n, records[i])
		}
	}
}

// checkPublished checks the order's notices against its history.
func (m *machine) checkPublished(o *order.Order, bad func(string, ...any)) {
	checkNotices(m, order.Aggregate, o.ID, o.History.Actions(), func(n order.Notice, a order.Action) bool {
		return n.Action.Seq == a.Seq && n.Action.Key == a.Key && n.Action.To == a.To && n.BuyerID == o.BuyerID && n.SupplierID == o.SupplierID
	}, bad)
}

// checkCaseNotices checks the case's notices against its timeline.
func (m *machine) checkCaseNotices(c *dispute.Case, bad func(string, ...any)) {
	checkNotices(m, dispute.Aggregate, c.ID, c.Timeline, func(n dispute.Notice, e dispute.Entry) bool {
		return n.Entry.Seq == e.Seq && n.Entry.Event == e.Event && n.Entry.To == e.To && n.OrderID == c.OrderID && n.BuyerID == c.BuyerID
	}, bad)
}

// checkPaymentNotices checks the payment's notices against its timeline.
func (m *machine) checkPaymentNotices(p *payment.Payment, bad func(string, ...any)) {
	checkNotices(m, payment.PaymentAggregate, p.ID, p.Timeline, func(n payment.Notice, e payment.Event) bool {
		return n.Event.Status == e.Status && n.Event.At.Equal(e.At) && n.OrderID == p.OrderID
	}, bad)
}

// checkAccountNotices checks the escrow account's notices against its
// operations, with their entries.
func (m *machine) checkAccountNotices(a *escrow.Account, bad func(string, ...any)) {
	checkNotices(m, escrow.Aggregate, a.ID, a.Operations, func(n escrow.Notice, op escrow.Operation) bool {
		return n.Operation.Key == op.Key && n.Operation.Op == op.Op && len(n.Entries) == int(op.Last-op.First+1)
	}, bad)
}

// checkHistory replays the order's history through the state machine
// from draft: every action must start where the one before ended, every
// event must be one the table allows its actor from that state and lead
// where the action says, and the order must be where the last one ended.
func checkHistory(ctx context.Context, o *order.Order, bad func(string, ...any)) {
	cur := order.Draft
	keys := map[string]bool{}
	for i, a := range o.History.All() {
		if a.Seq != i+1 || a.From != cur {
			bad("order %s: action %d (%s, seq %d) starts from %s; its history is at %s", o.ID, i+1, a.Name, a.Seq, a.From, cur)
		}
		// A caller's key is scoped to the operation; the service's own
		// references are a namespace of their own; exactly one is set.
		k := a.Name + " " + a.Key
		if a.Ref != "" {
			k = "ref " + a.Ref
		}
		if (a.Key == "") == (a.Ref == "") {
			bad("order %s: action %d (%s) has key %q and reference %q: exactly one is set", o.ID, i+1, a.Name, a.Key, a.Ref)
		}
		if keys[k] {
			bad("order %s: key %q is used by two actions", o.ID, k)
		}
		keys[k] = true
		to := a.From
		if a.Event != "" {
			var err error
			if to, err = orderNext(ctx, a.From, a.Event, a.By); err != nil {
				bad("order %s: action %d (%s) fires %s from %s by %s, which the table refuses: %v", o.ID, i+1, a.Name, a.Event, a.From, a.By, err)
			}
		}
		if to != a.To {
			bad("order %s: action %d (%s, %s) leads from %s to %s; the table leads to %s", o.ID, i+1, a.Name, a.Event, a.From, a.To, to)
		}
		cur = a.To
	}
	if cur != o.State {
		bad("order %s is %s; its history leads to %s", o.ID, o.State, cur)
	}
}

// checkTimeline replays a case's timeline as checkHistory does an order's.
func checkTimeline(ctx context.Context, c *dispute.Case, bad func(string, ...any)) {
	if len(c.Timeline) == 0 || c.Timeline[0].Event != dispute.Open || c.Timeline[0].To != dispute.AwaitingResponse {
		bad("case %s does not start with its opening: %+v", c.ID, c.Timeline)
		return
	}
	cur := dispute.AwaitingResponse
	for i, e := range c.Timeline[1:] {
		to, err := caseNext(ctx, e.From, e.Event, e.By)
		switch {
		case e.From != cur || e.Seq != i+2:
			bad("case %s: entry %d (%s, seq %d) starts from %s; its timeline is at %s", c.ID, i+2, e.Event, e.Seq, e.From, cur)
		case err != nil:
			bad("case %s: entry %d fires %s from %s by %s, which the table refuses: %v", c.ID, i+2, e.Event, e.From, e.By, err)
		case to != e.To:
			bad("case %s: entry %d (%s) leads from %s to %s; the table leads to %s", c.ID, i+2, e.Event, e.From, e.To, to)
		}
		cur = e.To
	}
	if cur != c.State {
		bad("case %s is %s; its timeline leads to %s", c.ID, c.State, cur)
	}
}

// ledger is an escrow account's ledger added up by the test.
type ledger struct {
	held, guaranteed, released, fees, refunded, compensated, recovered int64
	heldFrom                                                           map[string]int64 // payment id → held, minor units
	holds                                                              map[string]int   // payment id → holds
}

func (l ledger) remaining() int64 {
	return l.held + l.guaranteed - l.released - l.fees - l.refunded - l.compensated - l.recovered
}

// checkEscrow checks the order's escrow account: its ledger balances
// entry by entry (held in = released + fees + refunded + compensated +
// remaining, remaining never negative), it holds each of the order's
// payments once and nothing else, it holds what the order says it holds
// and nothing once the order has ended, it is frozen exactly while the
// order is disputed, the payment records show its refunds, the order was
// compensated for a late shipment at most once and each dispute's decision
// was carried out at most once.
func (m *machine) checkEscrow(o *order.Order, s *snapshot, bad func(string, ...any)) {
	a := s.accounts[o.ID]
	if a == nil {
		if !o.ConfirmedAt.IsZero() {
			bad("order %s was confirmed but has no escrow account", o.ID)
		}
		return
	}
	if a.Currency != o.Terms.Currency || a.BuyerID != o.BuyerID || a.SupplierID != o.SupplierID {
		bad("escrow account %s is for %s/%s in %s; the order is %s/%s in %s", a.ID, a.BuyerID, a.SupplierID, a.Currency,
			o.BuyerID, o.SupplierID, o.Terms.Currency)
	}
	m.checkAccountNotices(a, bad)
	if err := a.Verify(); err != nil {
		bad("escrow account %s does not verify: %v", a.ID, err)
	}
	l := ledger{heldFrom: map[string]int64{}, holds: map[string]int{}}
	for i, e := range a.Entries {
		u := e.Amount.Minor()
		if e.Amount.Currency() != a.Currency || u <= 0 {
			bad("escrow account %s: entry %d moves %s", a.ID, i+1, e.Amount)
		}
		switch {
		case e.From == escrow.BuyerFunding && e.To == escrow.Escrow:
			l.held += u
			l.heldFrom[e.Ref] += u
			l.holds[e.Ref]++
		case e.From == escrow.Guarantee && e.To == escrow.Escrow:
			l.guaranteed += u
		case e.From != escrow.Escrow:
			bad("escrow account %s: entry %d moves money from %s to %s", a.ID, i+1, e.From, e.To)
		case e.To == escrow.SupplierPayable:
			l.released += u
		case e.To == escrow.PlatformFee:
			l.fees += u
		case e.To == escrow.BuyerRefund:
			l.refunded += u
		case e.To == escrow.Compensation:
			l.compensated += u
		case e.To == escrow.Recovery:
			l.recovered += u
		default:
			bad("escrow account %s: entry %d moves money from %s to %s", a.ID, i+1, e.From, e.To)
		}
		if l.remaining() < 0 {
			bad("escrow account %s: entry %d overdraws escrow: held %d + guaranteed %d = released %d + fees %d + refunded %d + compensated %d + recovered %d + remaining %d",
				a.ID, i+1, l.held, l.guaranteed, l.released, l.fees, l.refunded, l.compensated, l.recovered, l.remaining())
		}
	}
	bal, err := a.Balance()
	if err != nil {
		bad("escrow account %s: Balance: %v", a.ID, err)
		return
	}
	for _, f := range []struct {
		name string
		got  payment.Money
		want int64
	}{{"held", bal.Held, l.held}, {"released", bal.Released, l.released}, {"fees", bal.Fees, l.fees}, {"refunded", bal.Refunded, l.refunded},
		{"compensated", bal.Compensated, l.compensated}, {"guaranteed", bal.Guaranteed, l.guaranteed}, {"recovered", bal.Recovered, l.recovered},
		{"remaining", bal.Remaining, l.remaining()}} {
		if f.got.Minor() != f.want || f.got.Currency() != a.Currency {
			bad("escrow account %s: Balance says %s %s; its entries add up to %d minor units", a.ID, f.name, f.got, f.want)
		}
	}

	// What the escrow account holds is what the order's payments paid in:
	// those the order applied, and those it could not apply, which escrow
	// booked and returned (in the order's currency; money in another is
	// booked and returned in the order's returns account in that currency,
	// order.ReturnAccount, and refunded on its payment whole).
	paid := map[string]int64{}
	elsewhere := map[string]bool{}
	for _, p := range o.Payments {
		switch {
		case p.Unapplied.Code != "" && p.Amount.Currency() != o.Terms.Currency:
			elsewhere[p.PaymentID] = true
		case !p.PaidAt.IsZero() || p.Unapplied.Code != "":
			paid[p.PaymentID] += p.Amount.Minor()
		}
	}
	for _, pid := range union(paid, l.heldFrom) {
		if l.holds[pid] > 1 {
			bad("escrow account %s holds payment %s %d times", a.ID, pid, l.holds[pid])
		}
		if paid[pid] != l.heldFrom[pid] {
			bad("escrow account %s holds %d minor units of payment %s; the order has %d of it paid", a.ID, l.heldFrom[pid], pid, paid[pid])
		}
	}
	// Every payment of the order that succeeded is paid on the order, and
	// the refunds recorded on the payments are the refunds out of escrow.
	var refundedOnPayments int64
	for _, pid := range sortedKeys(s.payments) {
		p := s.payments[pid]
		if p.OrderID != o.ID {
			continue
		}
		m.checkPaymentNotices(p, bad)
		succeeded := p.Status == payment.StatusSucceeded || p.Status == payment.StatusPartiallyRefunded || p.Status == payment.StatusRefunded
		if elsewhere[pid] {
			if p.Refunded() != p.Amount {
				bad("payment %s of order %s in %s, which the order cannot apply, is refunded %s of %s", pid, o.ID, p.Amount.Currency(), p.Refunded(), p.Amount)
			}
			continue
		}
		if succeeded != (paid[pid] > 0) {
			bad("payment %s of order %s is %s; the order has %d minor units of it paid", pid, o.ID, p.Status, paid[pid])
		}
		refundedOnPayments += p.Refunded().Minor()
	}
	if refundedOnPayments != l.refunded {
		bad("the payments of order %s record %d minor units refunded; escrow refunded %d", o.ID, refundedOnPayments, l.refunded)
	}
	if c := o.Compensated(); c.Minor() != l.compensated {
		bad("order %s records %s of compensation; escrow paid %d minor units", o.ID, c, l.compensated)
	}
	switch {
	case settled(o) && l.remaining() != 0:
		bad("order %s is %s, but escrow still holds %d minor units for it", o.ID, o.State, l.remaining())
	case !settled(o) && l.remaining() != o.Remaining().Minor():
		bad("order %s (%s) holds %s in escrow by its own record; escrow holds %d minor units", o.ID, o.State, o.Remaining(), l.remaining())
	}
	if a.Frozen != (o.State == order.Disputed) {
		bad("escrow account %s is frozen %v while order %s is %s", a.ID, a.Frozen, o.ID, o.State)
	}

	// Late-shipment compensation is paid once per order: by the sweep (or
	// at receipt) under the late-shipment key, or by a late-shipment
	// dispute's decision or settlement.
	lateKey := coverage.LateCompensationKey
	lateOps := 0
	perCase := map[string]int{}
	for _, op := range a.Operations {
		if op.Key == lateKey {
			lateOps++
		}
		perCase[op.Memo]++
	}
	lateEntries := 0
	for _, e := range a.Entries {
		if e.Key == lateKey {
			lateEntries++
		}
	}
	if lateOps > 1 || lateEntries > 1 {
		bad("order %s was compensated for its late shipment %d times (%d entries) under %q", o.ID, lateOps, lateEntries, lateKey)
	}
	late := min(lateEntries, 1)
	for _, d := range o.Disputes {
		memo := "dispute " + d.CaseID
		if n := perCase[memo]; n > 1 {
			bad("the decision of case %s was carried out %d times on escrow account %s", d.CaseID, n, a.ID)
		}
		for _, suffix := range []string{" opened", " resolved"} {
			if n := perCase[memo+suffix]; n > 1 {
				bad("escrow account %s has %d operations %q", a.ID, n, memo+suffix)
			}
		}
		if c := s.cases[d.CaseID]; c != nil && c.Reason == dispute.LateShipment {
			for _, e := range a.Entries {
				if e.Memo == memo && e.To == escrow.Compensation {
					late++
				}
			}
		}
	}
	if late > 1 {
		bad("order %s was compensated for its late shipment %d times", o.ID, late)
	}
}

// TestTheModelsFinalStatesAreTheTables checks the model's closed and ended
// against the state machines' own Final, which they stand in for.
func TestTheModelsFinalStatesAreTheTables(t *testing.T) {
	for _, s := range order.States() {
		if closed(s) != s.Final() {
			t.Errorf("order state %s: closed %v, Final %v", s, closed(s), s.Final())
		}
	}
	for _, s := range dispute.States() {
		if ended(s) != s.Final() {
			t.Errorf("case state %s: ended %v, Final %v", s, ended(s), s.Final())
		}
	}
}

// checkReports checks the escrow liability report against the sum of the
// accounts' balances, and the revenue report against the sum of their fee
// entries (asked over every instant, whatever the clock did).
func (m *machine) checkReports(ctx context.Context, s *snapshot, bad func(string, ...any)) {
	first, last := time.Date(2, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	m.checkStatements(ctx, s, first, last, bad)
	remaining, fees, service := map[string]int64{}, map[string]int64{}, map[string]int64{}
	for _, a := range s.accounts {
		if a == nil {
			continue
		}
		if b, err := a.Balance(); err == nil && !b.Remaining.IsZero() {
			remaining[string(a.Currency)] += b.Remaining.Minor()
		}
		for _, e := range a.Entries {
			if e.To == escrow.PlatformFee {
				fees[string(a.Currency)] += e.Amount.Minor()
				if e.Ref == escrow.ServiceFeeRef {
					service[string(a.Currency)] += e.Amount.Minor()
				}
			}
		}
	}
	if report, err := m.w.escrow.Revenue(ctx, first, last); err != nil {
		bad("the revenue report: %v", err)
	} else {
		got, gotService := map[string]int64{}, map[string]int64{}
		for _, r := range report {
			got[string(r.Currency)] = r.ReleaseFees.Minor() + r.SupplierFees.Minor()
			gotService[string(r.Currency)] = r.ServiceFees.Minor()
			if r.ServiceFees.IsPositive() {
				m.counts["check: the revenue report has service fees"]++
			}
		}
		for _, c := range union(got, fees) {
			if got[c] != fees[c] || gotService[c] != service[c] {
				bad("the revenue report has %d minor units of fees in %s, %d of them service fees; the accounts' entries %d and %d", got[c], c, gotService[c], fees[c], service[c])
			}
		}
	}
	if report, err := m.w.escrow.Liability(ctx, last); err != nil {
		bad("the escrow liability report: %v", err)
	} else {
		got := map[string]int64{}
		for _, h := range report {
			got[string(h.Currency())] = h.Minor()
		}
		for _, c := range union(got, remaining) {
			if got[c] != remaining[c] {
				bad("the escrow liability report holds %d minor units of %s; the accounts hold %d", got[c], c, remaining[c])
			}
		}
	}
}

// checkBalances checks supplier id's balances against its payouts and
// what its receivables record as repaid from the balance (offsets, by
// currency): in flight is what its payouts pending or sent hold, paid out
// what its paid ones do, offset what repaid its receivables; nothing is
// available below zero, nor while it owes in the currency.
func (m *machine) checkBalances(id string, sup *supplier.Supplier, payouts []*supplier.Payout, offsets map[payment.Currency]int64, bad func(string, ...any)) {
	inFlight, paidOut := map[payment.Currency]int64{}, map[payment.Currency]int64{}
	for _, p := range payouts {
		// One message per step of the payout, which is the payout as
		// that step left it.
		checkNotices(m, supplier.PayoutAggregate, p.ID, p.Timeline, func(n *supplier.Payout, e supplier.PayoutEvent) bool {
			return n.Status == e.Status && n.Amount == p.Amount && n.SupplierID == id
		}, bad)
		cur := p.Amount.Currency()
		switch p.Status {
		case supplier.PayoutPending, supplier.PayoutSent:
			inFlight[cur] += p.Amount.Minor()
		case supplier.PayoutPaid:
			paidOut[cur] += p.Amount.Minor()
		case supplier.PayoutReturned:
			m.counts["check: a payout returned"]++
		case supplier.PayoutFailed:
			m.counts["check: a payout failed"]++
		}
		if sup.Balance(cur).Credited.IsZero() {
			bad("supplier %s has payout %s in %s, which no release paid it", id, p.ID, cur)
		}
	}
	for _, b := range sup.Balances {
		cur := b.Currency
		if b.InFlight.Minor() != inFlight[cur] || b.PaidOut.Minor() != paidOut[cur] || b.Offset.Minor() != offsets[cur] {
			bad("supplier %s's %s balance has %s in flight, %s paid out and %s offset; its payouts hold %d and %d, its receivables %d repaid from the balance",
				id, cur, b.InFlight, b.PaidOut, b.Offset, inFlight[cur], paidOut[cur], offsets[cur])
		}
		avail := b.Available()
		if avail.IsNegative() {
			bad("supplier %s's %s balance has %s available", id, cur, avail)
		}
		if avail.IsPositive() && sup.Owed(cur).IsPositive() {
			bad("supplier %s has %s available and owes %s: the balance repays what is owed first", id, avail, sup.Owed(cur))
		}
		if paidOut[cur] > 0 {
			m.counts["check: a payout paid"]++
		}
		if b.Offset.IsPositive() {
			m.counts["check: a balance repaid a receivable"]++
		}
	}
}

// checkStatements checks each supplier's ledger of its balances against
// its counters: a statement of all time has an entry per movement
// (Supplier.Entries in all), in seq order, and the entries add up to each
// counter.
func (m *machine) checkStatements(ctx context.Context, s *snapshot, first, last time.Time, bad func(string, ...any)) {
	for _, id := range sortedKeys(s.sups) {
		sup := s.sups[id]
		var n int64
		for _, b := range sup.Balances {
			st, err := m.w.suppliers.Statement(ctx, agent, id, b.Currency, first, last)
			if err != nil {
				bad("supplier %s's statement in %s: %v", id, b.Currency, err)
				continue
			}
			sums := map[supplier.EntryKind]int64{}
			for _, e := range st.Entries {
				sums[e.Kind] += e.Amount.Minor()
			}
			n += int64(len(st.Entries))
			got := []int64{sums[supplier.EntryRelease], sums[supplier.EntryOffset],
				sums[supplier.EntryPayout] - sums[supplier.EntryPayoutPaid] - sums[supplier.EntryPayoutFailed],
				sums[supplier.EntryPayoutPaid] - sums[supplier.EntryPayoutReturned]}
			want := []int64{b.Credited.Minor(), b.Offset.Minor(), b.InFlight.Minor(), b.PaidOut.Minor()}
			if !slices.Equal(got, want) || st.Closing != b {
				bad("supplier %s's %s entries add up to credited, offset, in flight and paid out %v, closing %+v; its balance %v, %+v", id, b.Currency, got, st.Closing, want, b)
			}
		}
		if n != sup.Entries {
			bad("supplier %s's statements have %d entries; it counts %d", id, n, sup.Entries)
		}
	}
}
