package dispute_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/dispute"
	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
)

// The service's own actor, who fires what time alone does.
var disputeSystem = payment.System("tradeassure/dispute")

// nDays is n calendar days of the tests' UTC clock.
func nDays(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }

// moveTo sets the market's clock to at, which must not be in its past.
func (m *market) moveTo(t testing.TB, at time.Time) {
	t.Helper()
	now := m.clock.Now()
	require.False(t, at.Before(now), "the clock cannot go back from %s to %s", now, at)
	m.clock.Advance(at.Sub(now))
}

// openReq is a request to open case id on order orderID for amount, in
// US dollars.
func openReq(id, orderID string, r dispute.Reason, amount string, ev ...dispute.Evidence) dispute.OpenRequest {
	return dispute.OpenRequest{ID: id, OrderID: orderID, Reason: r, Amount: usd(amount), Description: "about " + string(r), Evidence: ev}
}

// failedSGS is the buyer's SGS inspection report that found the screens
// flickering.
func failedSGS() dispute.Evidence {
	return report("sgs-1", "SGS", coverage.InspectionFailed, "flicker")
}

// open opens a case, which must succeed.
func (m *market) open(t testing.TB, by payment.Actor, req dispute.OpenRequest) *dispute.Case {
	t.Helper()
	c, err := m.disputes.Open(context.Background(), by, req)
	require.NoError(t, err)
	return c
}

// deliveredClaim makes order orderID and delivers it, then opens case
// caseID on it: the buyer's quality claim for amount, with ev.
func (m *market) deliveredClaim(t testing.TB, caseID, orderID, amount string, ev ...dispute.Evidence) *dispute.Case {
	t.Helper()
	m.orderAt(t, orderID, terms(), delivered)
	return m.open(t, dBuyer, openReq(caseID, orderID, dispute.QualityNotAsAgreed, amount, ev...))
}

// lateClaim makes order orderID, stops it at point and opens case caseID
// on it the instant after its shipment date: the buyer's late-shipment
// claim for amount.
func (m *market) lateClaim(t testing.TB, caseID, orderID, point, amount string) *dispute.Case {
	t.Helper()
	o := m.orderAt(t, orderID, terms(), point)
	m.moveTo(t, o.Terms.ShipBy.Add(time.Nanosecond))
	return m.open(t, dBuyer, openReq(caseID, orderID, dispute.LateShipment, amount))
}

// madeOnDeposit makes order id up to the end of production with only the
// deposit paid: ready to ship once the buyer pays the balance.
func (m *market) madeOnDeposit(t testing.TB, id string) *order.Order {
	t.Helper()
	m.orderAt(t, id, terms(), inProduction)
	o, err := m.orders.FinishProduction(context.Background(), dSupplier, id, "finish")
	require.NoError(t, err)
	require.Equal(t, order.ReadyToShip, o.State)
	return o
}

// supplierCase makes an order ready to ship on its deposit and opens case
// caseID on it: the supplier's case that the buyer refuses the balance,
// for amount.
func (m *market) supplierCase(t testing.TB, caseID, orderID, amount string, ev ...dispute.Evidence) *dispute.Case {
	t.Helper()
	m.madeOnDeposit(t, orderID)
	return m.open(t, dSupplier, openReq(caseID, orderID, dispute.BalanceRefused, amount, ev...))
}

// shipAndDeliver ships order id now and delivers it a day later.
func (m *market) shipAndDeliver(t testing.TB, id string) *order.Order {
	t.Helper()
	ctx := context.Background()
	_, err := m.orders.Ship(ctx, dSupplier, id, "ship", order.TrackingEvent{At: m.clock.Now(), Carrier: "COSCO", Mode: order.Sea,
		TrackingNumber: "COSU2", EstimatedArrival: m.clock.Now().AddDate(0, 0, 20)})
	require.NoError(t, err)
	m.clock.Advance(nDays(1))
	o, err := m.orders.Deliver(ctx, dAgent, id, "deliver")
	require.NoError(t, err)
	return o
}

// responded has the respondent of case id answer it.
func (m *market) responded(t testing.TB, id string) *dispute.Case {
	t.Helper()
	c, err := m.disputes.Respond(context.Background(), m.caseOf(t, id).Respondent(), id, "respond", "we disagree")
	require.NoError(t, err)
	return c
}

// offered has by offer amount, in US dollars, to settle case id.
func (m *market) offered(t testing.TB, by payment.Actor, id, offerID, amount string) *dispute.Case {
	t.Helper()
	c, err := m.disputes.Offer(context.Background(), by, id, offerID, usd(amount))
	require.NoError(t, err)
	return c
}

// escalated has the claimant escalate case id on day four, moving the
// clock there when it is earlier.
func (m *market) escalated(t testing.TB, id string) *dispute.Case {
	t.Helper()
	c := m.caseOf(t, id)
	if from := c.OpenedAt.AddDate(0, 0, 3); m.clock.Now().Before(from) {
		m.moveTo(t, from)
	}
	c, err := m.disputes.Escalate(context.Background(), c.Claimant, id, "escalate")
	require.NoError(t, err)
	require.Equal(t, dispute.Escalated, c.State)
	return c
}

// decided escalates case id and has the platform decide it.
func (m *market) decided(t testing.TB, id string) *dispute.Case {
	t.Helper()
	m.escalated(t, id)
	c, err := m.disputes.Decide(context.Background(), dAgent, id, "decide")
	require.NoError(t, err)
	require.Equal(t, dispute.Decided, c.State)
	return c
}

// sweep runs the dispute sweep at at, which must fail nowhere.
func (m *market) sweep(t testing.TB, at time.Time) *dispute.SweepReport {
	t.Helper()
	rep, err := m.disputes.Sweep(context.Background(), at)
	require.NoError(t, err)
	require.Empty(t, rep.Failures)
	return rep
}

// get returns what fetch finds under id, which must be there.
func get[T any](t testing.TB, fetch func(context.Context, string) (T, error), id string) T {
	t.Helper()
	v, err := fetch(context.Background(), id)
	require.NoError(t, err)
	return v
}

func (m *market) caseOf(t testing.TB, id string) *dispute.Case {
	t.Helper()
	return get(t, m.store.Case, id)
}

func (m *market) orderOf(t testing.TB, id string) *order.Order {
	t.Helper()
	return get(t, m.orders.Order, id)
}

// caseRecord returns order o's record of case id, and whether it has one:
// whether the case opened on it.
func caseRecord(o *order.Order, id string) (order.DisputeRecord, bool) {
	i := slices.IndexFunc(o.Disputes, func(d order.DisputeRecord) bool { return d.CaseID == id })
	if i < 0 {
		return order.DisputeRecord{}, false
	}
	return o.Disputes[i], true
}

// recordOf returns case c's order's record of the case, and whether it has
// one.
func (m *market) recordOf(t testing.TB, c *dispute.Case) (order.DisputeRecord, bool) {
	t.Helper()
	return caseRecord(m.orderOf(t, c.OrderID), c.ID)
}

// carriedOut reports whether case c's end was carried out on its order:
// the order's record of the case is closed.
func (m *market) carriedOut(t testing.TB, c *dispute.Case) bool {
	t.Helper()
	d, ok := m.recordOf(t, c)
	return ok && !d.ClosedAt.IsZero()
}

// opened reports whether case c opened on its order.
func (m *market) opened(t testing.TB, c *dispute.Case) bool {
	t.Helper()
	_, ok := m.recordOf(t, c)
	return ok
}

func (m *market) accountOf(t testing.TB, id string) *escrow.Account {
	t.Helper()
	return get(t, m.escrow.Account, id)
}

func (m *market) balanceOf(t testing.TB, id string) escrow.Balance {
	t.Helper()
	return get(t, m.escrow.Balance, id)
}

// refundedOnPayments returns the refunds recorded on the payments of
// order id, payment by payment in the order they were made.
func (m *market) refundedOnPayments(t testing.TB, id string) []payment.Money {
	t.Helper()
	var out []payment.Money
	for _, tp := range m.orderOf(t, id).Payments {
		p, err := m.payments.Payment(context.Background(), tp.PaymentID)
		require.NoError(t, err)
		out = append(out, p.Refunded())
	}
	return out
}

// requireUnfrozenAsBefore checks that the escrow of order id holds what
// it held before, b, and is no longer frozen.
func (m *market) requireUnfrozenAsBefore(t testing.TB, id string, b escrow.Balance) {
	t.Helper()
	b.Frozen, b.Available = usd("0.00"), b.Remaining
	assert.Equal(t, b, m.balanceOf(t, id), "the escrow of %s moved money", id)
	assert.False(t, m.accountOf(t, id).Frozen, "the escrow of %s is still frozen", id)
}

// opsOf counts the operations of kind op in the account's records.
func opsOf(a *escrow.Account, op escrow.Op) int {
	n := 0
	for _, o := range a.Operations {
		if o.Op == op {
			n++
		}
	}
	return n
}

// sum adds amounts in one currency.
func sum(t testing.TB, ms ...payment.Money) payment.Money {
	t.Helper()
	total := ms[0]
	for _, m := range ms[1:] {
		var err error
		total, err = total.Add(m)
		require.NoError(t, err)
	}
	return total
}

// requireSettledOnce checks that the escrow of order id paid out all it
// held, in one settlement, once: refund and compensate (the latter with
// any compensation paid before) to the buyer, release to the supplier
// (gross: its net and the fees), nothing left and nothing frozen.
func (m *market) requireSettledOnce(t testing.TB, id, refund, compensate, release string) {
	t.Helper()
	a := m.accountOf(t, id)
	b, err := a.Balance()
	require.NoError(t, err)
	assert.False(t, a.Frozen, "the escrow of %s is still frozen", id)
	assert.Equal(t, 1, opsOf(a, escrow.OpSettle), "settlements of the escrow of %s", id)
	assert.Equal(t, usd(refund), b.Refunded, "refunded")
	assert.Equal(t, usd(compensate), b.Compensated, "compensated")
	assert.Equal(t, usd(release), sum(t, b.Released, b.Fees), "released with fees")
	assert.True(t, b.Remaining.IsZero(), "left in escrow: %s", b.Remaining)
	assert.Equal(t, b.Held, sum(t, b.Released, b.Fees, b.Refunded, b.Compensated), "paid out %+v", b)
}

// still is what a refused call must leave as it was: the case (its
// version, or that it does not exist), the order and its escrow account.
type still struct {
	caseID, orderID string
	caseVersion     int64 // 0: there is no such case
	order           *order.Order
	account         *escrow.Account
}

func (m *market) still(t testing.TB, caseID, orderID string) still {
	t.Helper()
	s := still{caseID: caseID, orderID: orderID, order: m.orderOf(t, orderID), account: m.accountOf(t, orderID)}
	c, err := m.store.Case(context.Background(), caseID)
	if !errors.Is(err, dispute.ErrNotFound) {
		require.NoError(t, err)
		s.caseVersion = c.Version
	}
	return s
}

// requireStill checks that nothing changed since s was taken.
func (m *market) requireStill(t testing.TB, s still) {
	t.Helper()
	c, err := m.store.Case(context.Background(), s.caseID)
	if s.caseVersion == 0 {
		require.ErrorIs(t, err, dispute.ErrNotFound, "a refused call stored case %s", s.caseID)
	} else {
		require.NoError(t, err)
		assert.Equal(t, s.caseVersion, c.Version, "a refused call changed case %s", s.caseID)
	}
	o := m.orderOf(t, s.orderID)
	assert.Equal(t, s.order.Version, o.Version, "a refused call changed order %s", s.orderID)
	assert.Equal(t, s.order.State, o.State)
	assert.Len(t, o.Disputes, len(s.order.Disputes))
	a := m.accountOf(t, s.orderID)
	assert.Equal(t, s.account.Version, a.Version, "a refused call changed the escrow of %s", s.orderID)
	assert.Equal(t, s.account.Frozen, a.Frozen)
	before, err := s.account.Balance()
	require.NoError(t, err)
	after, err := a.Balance()
	require.NoError(t, err)
	assert.Equal(t, before, after)
}

func requireForbidden(t testing.TB, err error) {
	t.Helper()
	var ae *payment.ActorError
	require.ErrorAs(t, err, &ae)
	require.ErrorIs(t, err, payment.ErrForbidden)
}

func requireCaseTransition(t testing.TB, err error, from dispute.State, ev dispute.Event) {
	t.Helper()
	var te *dispute.TransitionError
	require.ErrorAs(t, err, &te)
	require.ErrorIs(t, err, dispute.ErrInvalidTransition)
	assert.Equal(t, dispute.TransitionError{From: from, Event: ev}, *te)
}

func requireOrderTransition(t testing.TB, err error, from order.State) {
	t.Helper()
	var te *order.TransitionError
	require.ErrorAs(t, err, &te)
	require.ErrorIs(t, err, order.ErrInvalidTransition)
	assert.Equal(t, order.TransitionError{From: from, Event: order.OpenDispute}, *te)
}

func requireNotCovered(t testing.TB, err error, orderID string, codes ...string) {
	t.Helper()
	var nc *coverage.NotCoveredError
	require.ErrorAs(t, err, &nc)
	require.ErrorIs(t, err, coverage.ErrNotCovered)
	assert.Equal(t, orderID, nc.OrderID)
	assert.Equal(t, codes, codesOf(nc.Reasons))
}

func codesOf(rs []payment.Reason) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Code)
	}
	return out
}

func eventsOf(c *dispute.Case) []dispute.Event {
	var out []dispute.Event
	for _, e := range c.Timeline {
		out = append(out, e.Event)
	}
	return out
}

// opener opens case-1 on a new order o-1.
type opener struct {
	name string
	open func(t *testing.T, m *market) *dispute.Case
}

// The cases the tests open most.
var (
	buyersClaim = opener{"the buyer's quality claim on delivered goods", func(t *testing.T, m *market) *dispute.Case {
		return m.deliveredClaim(t, "case-1", "o-1", "1200.00", failedSGS())
	}}
	lateInProduction = opener{"the buyer's late-shipment claim in production", func(t *testing.T, m *market) *dispute.Case {
		return m.lateClaim(t, "case-1", "o-1", inProduction, "960.00")
	}}
	suppliersCase = opener{"the supplier's case on goods made", func(t *testing.T, m *market) *dispute.Case {
		return m.supplierCase(t, "case-1", "o-1", "500.00")
	}}
)

// --- Configuration ---

func TestNewServiceRefusesABrokenConfiguration(t *testing.T) {
	m := newMarket(t, nil)
	valid := func() dispute.Config {
		return dispute.Config{Store: dispute.NewMemoryStore(), Clock: m.clock, Orders: m.orders}
	}
	for _, tc := range []struct {
		name string
		edit func(c *dispute.Config)
		want error // nil: any error
	}{
		{name: "no store", edit: func(c *dispute.Config) { c.Store = nil }},
		{name: "no clock", edit: func(c *dispute.Config) { c.Clock = nil }},
		{name: "no order service", edit: func(c *dispute.Config) { c.Orders = nil }},
		{name: "a negative sweep batch", edit: func(c *dispute.Config) { c.SweepBatch = -1 }},
		{name: "a platform agent as the service's actor", edit: func(c *dispute.Config) { c.Actor = dAgent }, want: payment.ErrForbidden},
		{name: "a system actor the order service takes no disputes from", want: payment.ErrForbidden,
			edit: func(c *dispute.Config) { c.Actor = payment.System("other-disputes") }},
		{name: "a window that is not positive", want: dispute.ErrInvalidRules, edit: func(c *dispute.Config) {
			w := dispute.DefaultWindows()
			w.AppealDays = 0
			c.Windows = &w
		}},
		{name: "escalation on request after the automatic one", want: dispute.ErrInvalidRules, edit: func(c *dispute.Config) {
			w := dispute.DefaultWindows()
			w.EscalateAfterDays = w.AutoEscalateDays + 1
			c.Windows = &w
		}},
		{name: "default rules with a broken figure", want: dispute.ErrInvalidRules, edit: func(c *dispute.Config) {
			r := dispute.DefaultRules()
			r.PhotoOnlyPercent = 0
			c.Adjudicator = r
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := valid()
			tc.edit(&cfg)
			s, err := dispute.NewService(cfg)
			require.Error(t, err)
			assert.Nil(t, s)
			if tc.want != nil {
				require.ErrorIs(t, err, tc.want)
			}
		})
	}
}

func TestTheWindowsAreConfiguration(t *testing.T) {
	ctx := context.Background()
	w := dispute.Windows{RespondDays: 1, EscalateAfterDays: 2, AutoEscalateDays: 5, AppealDays: 2}
	m := newMarket(t, func(cfg *dispute.Config) { cfg.Windows = &w })
	c := m.deliveredClaim(t, "case-1", "o-1", "1200.00", failedSGS())
	assert.Equal(t, c.OpenedAt.AddDate(0, 0, 1), c.Deadline, "RespondDays")
	m.responded(t, "case-1")
	assert.Equal(t, c.OpenedAt.AddDate(0, 0, 5), m.caseOf(t, "case-1").Deadline, "AutoEscalateDays")

	m.moveTo(t, c.OpenedAt.AddDate(0, 0, 2).Add(-time.Nanosecond))
	_, err := m.disputes.Escalate(ctx, dBuyer, "case-1", "escalate")
	require.ErrorIs(t, err, dispute.ErrTooEarly, "EscalateAfterDays")
	assert.Equal(t, []string{"case-1"}, m.sweep(t, c.OpenedAt.AddDate(0, 0, 5)).Escalated)

	m.moveTo(t, c.OpenedAt.AddDate(0, 0, 5))
	d, err := m.disputes.Decide(ctx, dAgent, "case-1", "decide")
	require.NoError(t, err)
	assert.Equal(t, d.StateSince.AddDate(0, 0, 2), d.Deadline, "AppealDays")
	m.moveTo(t, d.Deadline)
	_, err = m.disputes.Appeal(ctx, dSupplier, "case-1", "appeal", "")
	require.ErrorIs(t, err, dispute.ErrWindowClosed)
	assert.Equal(t, []string{"case-1"}, m.sweep(t, d.Deadline).Finalized)
}

// --- Opening a case ---

func TestAnAdmissibleClaimDisputesTheOrderAndFreezesItsEscrow(t *testing.T) {
	photo := evidence("photo-1", dispute.Photo)
	for _, tc := range []struct {
		name   string
		point  string
		reason dispute.Reason
		amount string
		// at is when the buyer claims; nil: at once.
		at func(o *order.Order) time.Time
	}{
		{name: "a quality claim once the goods are delivered", point: delivered, reason: dispute.QualityNotAsAgreed, amount: "1200.00"},
		{name: "a short quantity", point: delivered, reason: dispute.QuantityShort, amount: "300.00"},
		{name: "a wrong specification", point: delivered, reason: dispute.WrongSpecification, amount: "3200.00"},
		{name: "the wrong packaging", point: delivered, reason: dispute.Packaging, amount: "50.00"},
		{name: "damage on arrival", point: delivered, reason: dispute.DamagedOnArrival, amount: "900.00"},
		{name: "a quality claim on the last day of the 30-day window", point: delivered, reason: dispute.QualityNotAsAgreed,
			amount: "1200.00", at: func(o *order.Order) time.Time { return o.DeliveredAt.AddDate(0, 0, 29) }},
		{name: "non-delivery the instant after the delivery date", point: shipped, reason: dispute.NonDelivery, amount: "3200.00",
			at: func(o *order.Order) time.Time { return o.Terms.DeliverBy.Add(time.Nanosecond) }},
		{name: "late shipment the instant after the shipment date, in production", point: inProduction, reason: dispute.LateShipment,
			amount: "960.00", at: func(o *order.Order) time.Time { return o.Terms.ShipBy.Add(time.Nanosecond) }},
		{name: "late shipment a week after the shipment date, ready to ship", point: readyToShip, reason: dispute.LateShipment,
			amount: "3200.00", at: func(o *order.Order) time.Time { return o.Terms.ShipBy.AddDate(0, 0, 7) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			m := newMarket(t, nil)
			o := m.orderAt(t, "o-1", terms(), tc.point)
			if tc.at != nil {
				m.moveTo(t, tc.at(o))
			}
			cov, err := m.orders.Coverage(ctx, "o-1")
			require.NoError(t, err)
			held := m.balanceOf(t, "o-1")
			now := m.clock.Now()
			var ev []dispute.Evidence
			if tc.reason.AboutTheGoods() {
				ev = []dispute.Evidence{photo}
			}

			c, err := m.disputes.Open(ctx, dBuyer, openReq("case-1", "o-1", tc.reason, tc.amount, ev...))
			require.NoError(t, err)

			assert.Equal(t, dispute.AwaitingResponse, c.State)
			assert.True(t, m.opened(t, c), "the order knows the case")
			assert.False(t, m.carriedOut(t, c))
			assert.Equal(t, dBuyer, c.Claimant)
			assert.Equal(t, dSupplier, c.Respondent())
			assert.Equal(t, usd(tc.amount), c.Amount)
			assert.Equal(t, cov.Covered, c.Covered)
			assert.Equal(t, now, c.OpenedAt)
			assert.Equal(t, now, c.StateSince)
			assert.Equal(t, now.AddDate(0, 0, 3), c.Deadline, "the respondent has three days")
			assert.Equal(t, []dispute.Entry{{Seq: 1, Event: dispute.Open, By: dBuyer, At: now, To: dispute.AwaitingResponse,
				Key: "case-1", Op: dispute.Open, Fingerprint: c.Timeline[0].Fingerprint}}, c.Timeline)
			for _, e := range c.Evidence {
				assert.Equal(t, dBuyer, e.SubmittedBy)
				assert.Equal(t, now, e.At)
			}
			testkit.Check(t, "the case as stored", c, m.caseOf(t, "case-1"))

			after := m.orderOf(t, "o-1")
			assert.Equal(t, order.Disputed, after.State)
			d, open := after.OpenDispute()
			require.True(t, open)
			assert.Equal(t, order.DisputeRecord{CaseID: "case-1", From: o.State, OpenedAt: now}, d)
			assert.True(t, m.accountOf(t, "o-1").Frozen, "the escrow is frozen")
			assert.Equal(t, held.Remaining, m.balanceOf(t, "o-1").Remaining, "opening a case moves no money")
		})
	}
}

func TestAClaimAtTheLastInstantOfItsWindowIsOpened(t *testing.T) {
	// One claim deadline, counted from delivery: a claim about goods filed
	// at the very instant the 30-day claim window closes is in time for
	// the coverage rules (Rules.ClaimDeadline) and for the order, whose
	// receipt window closes at that same instant; the case opens on the
	// order.
	ctx := context.Background()
	m := newMarket(t, nil)
	o := m.orderAt(t, "o-1", terms(), delivered)
	m.moveTo(t, o.DeliveredAt.AddDate(0, 0, 30))
	c, err := m.disputes.Open(ctx, dBuyer, openReq("case-1", "o-1", dispute.QualityNotAsAgreed, "1200.00", failedSGS()))
	require.NoError(t, err)
	assert.True(t, m.opened(t, c))
	assert.Equal(t, order.Disputed, m.orderOf(t, "o-1").State)
}

// The dispute service judges claims by the order service's coverage rules
// unless told otherwise: with a 45-day claim window configured on the
// order service alone, a claim 40 days after delivery (past the 30-day
// receipt window) opens, and one the instant after day 45 is refused by
// the coverage rules.
func TestClaimsAreJudgedByTheOrderServiceCoverageRules(t *testing.T) {
	ctx := context.Background()
	rules := coverage.DefaultRules()
	rules.ClaimWindowDays = 45
	m, err := buildMarketWith(func(c *order.Config) { c.Coverage = &rules }, nil)
	require.NoError(t, err)
	o := m.orderAt(t, "o-1", terms(), delivered)
	m.moveTo(t, o.DeliveredAt.AddDate(0, 0, 45).Add(time.Nanosecond))
	_, err = m.disputes.Open(ctx, dBuyer, openReq("case-late", "o-1", dispute.QualityNotAsAgreed, "1200.00", failedSGS()))
	var nc *coverage.NotCoveredError
	require.ErrorAs(t, err, &nc)
	require.Equal(t, []string{coverage.ReasonOutsideWindow}, codesOf(nc.Reasons))

	m, err = buildMarketWith(func(c *order.Config) { c.Coverage = &rules }, nil)
	require.NoError(t, err)
	o = m.orderAt(t, "o-1", terms(), delivered)
	m.moveTo(t, o.DeliveredAt.AddDate(0, 0, 40))
	require.False(t, m.clock.Now().Before(o.ReceiptDeadline), "the receipt window has closed")
	c, err := m.disputes.Open(ctx, dBuyer, openReq("case-1", "o-1", dispute.QualityNotAsAgreed, "1200.00", failedSGS()))
	require.NoError(t, err)
	assert.True(t, m.opened(t, c))
}

func TestASupplierOpensACaseForNoMoreThanEscrowHolds(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reason dispute.Reason
		amount string
		// made returns the order, disputable and holding its deposit.
		made func(t *testing.T, m *market) *order.Order
	}{
		{name: "the buyer walked away once production started, for everything held", reason: dispute.CancelledAfterProduction,
			amount: "960.00", made: func(t *testing.T, m *market) *order.Order { return m.orderAt(t, "o-1", terms(), inProduction) }},
		{name: "the buyer refuses the balance of goods made, for part of the deposit", reason: dispute.BalanceRefused,
			amount: "500.00", made: func(t *testing.T, m *market) *order.Order { return m.madeOnDeposit(t, "o-1") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMarket(t, nil)
			o := tc.made(t, m)
			c := m.open(t, dSupplier, openReq("case-1", "o-1", tc.reason, tc.amount, evidence("chat-1", dispute.ChatRecord)))
			assert.Equal(t, dSupplier, c.Claimant)
			assert.Equal(t, dBuyer, c.Respondent())
			assert.Equal(t, dispute.AwaitingResponse, c.State)
			assert.True(t, m.opened(t, c))
			after := m.orderOf(t, "o-1")
			assert.Equal(t, order.Disputed, after.State)
			d, _ := after.OpenDispute()
			assert.Equal(t, o.State, d.From)
			assert.True(t, m.accountOf(t, "o-1").Frozen)
		})
	}
}

func TestOpenRefusesAnInadmissibleClaimAndRecordsNothing(t *testing.T) {
	preShipment := func() order.Terms {
		tm := terms()
		tm.Plan = coverage.PreShipment
		return tm
	}
	for _, tc := range []struct {
		name   string
		terms  func() order.Terms // nil: terms()
		point  string
		reason dispute.Reason
		amount string
		at     func(o *order.Order) time.Time // nil: at once
		codes  []string
	}{
		{name: "a quality claim the instant after the 30-day window", point: delivered, reason: dispute.QualityNotAsAgreed, amount: "1200.00",
			at: func(o *order.Order) time.Time { return o.DeliveredAt.AddDate(0, 0, 30).Add(time.Nanosecond) }, codes: []string{coverage.ReasonOutsideWindow}},
		{name: "a quality claim before delivery", point: shipped, reason: dispute.QualityNotAsAgreed, amount: "1200.00",
			codes: []string{coverage.ReasonNotDelivered}},
		{name: "damage claimed for a cent more than is covered", point: delivered, reason: dispute.DamagedOnArrival, amount: "3200.01",
			codes: []string{coverage.ReasonAmountAboveCovered}},
		{name: "non-delivery at the delivery date itself", point: shipped, reason: dispute.NonDelivery, amount: "3200.00",
			at: func(o *order.Order) time.Time { return o.Terms.DeliverBy }, codes: []string{coverage.ReasonDeliveryNotDue}},
		{name: "non-delivery of goods delivered", point: delivered, reason: dispute.NonDelivery, amount: "3200.00",
			at: func(o *order.Order) time.Time { return o.Terms.DeliverBy.AddDate(0, 0, 1) }, codes: []string{coverage.ReasonDelivered}},
		{name: "late shipment at the shipment date itself", point: inProduction, reason: dispute.LateShipment, amount: "960.00",
			at: func(o *order.Order) time.Time { return o.Terms.ShipBy }, codes: []string{coverage.ReasonNotYetLate}},
		{name: "late shipment of goods shipped on time", point: shipped, reason: dispute.LateShipment, amount: "100.00",
			at: func(o *order.Order) time.Time { return o.Terms.ShipBy.AddDate(0, 0, 1) }, codes: []string{coverage.ReasonShippedOnTime}},
		{name: "a late shipment claimed for more than the deposit covered", point: inProduction, reason: dispute.LateShipment, amount: "960.01",
			at: func(o *order.Order) time.Time { return o.Terms.ShipBy.AddDate(0, 0, 1) }, codes: []string{coverage.ReasonAmountAboveCovered}},
		{name: "a quality claim under the pre-shipment plan", terms: preShipment, point: delivered, reason: dispute.QualityNotAsAgreed,
			amount: "900.00", codes: []string{coverage.ReasonPlanExcludesEvent}},
		{name: "non-delivery under the pre-shipment plan for a cent more than the deposit, the balance paid", terms: preShipment, point: shipped,
			reason: dispute.NonDelivery, amount: "960.01",
			at: func(o *order.Order) time.Time { return o.Terms.DeliverBy.Add(time.Nanosecond) }, codes: []string{coverage.ReasonAmountAboveCovered}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMarket(t, nil)
			tm := terms()
			if tc.terms != nil {
				tm = tc.terms()
			}
			o := m.orderAt(t, "o-1", tm, tc.point)
			if tc.at != nil {
				m.moveTo(t, tc.at(o))
			}
			before := m.still(t, "case-1", "o-1")
			_, err := m.disputes.Open(context.Background(), dBuyer,
				openReq("case-1", "o-1", tc.reason, tc.amount, evidence("photo-1", dispute.Photo)))
			requireNotCovered(t, err, "o-1", tc.codes...)
			m.requireStill(t, before)
			assert.Equal(t, o.State, m.orderOf(t, "o-1").State, "the order is not disputed")
			assert.False(t, m.accountOf(t, "o-1").Frozen)
		})
	}
}

func TestOpenRefusesABadRequestAndRecordsNothing(t *testing.T) {
	eur := payment.MustParse("100.00", payment.EUR)
	for _, tc := range []struct {
		name  string
		by    payment.Actor
		req   func(r *dispute.OpenRequest)
		check func(t testing.TB, err error)
	}{
		{name: "a reason the programme does not know", by: dBuyer,
			req:   func(r *dispute.OpenRequest) { r.Reason = "second_thoughts" },
			check: func(t testing.TB, err error) { require.ErrorIs(t, err, dispute.ErrInvalidRequest) }},
		{name: "a change of mind, refused with its own reason code", by: dBuyer,
			req: func(r *dispute.OpenRequest) { r.Reason = dispute.ChangeOfMind },
			check: func(t testing.TB, err error) {
				var nc *coverage.NotCoveredError
				require.ErrorAs(t, err, &nc)
				require.ErrorIs(t, err, coverage.ErrNotCovered)
				require.Equal(t, []string{coverage.ReasonChangeOfMind}, codesOf(nc.Reasons))
			}},
		{name: "a case without an id", by: dBuyer, req: func(r *dispute.OpenRequest) { r.ID = "" },
			check: func(t testing.TB, err error) { require.ErrorIs(t, err, dispute.ErrInvalidRequest) }},
		{name: "the supplier opening the buyer's claim", by: dSupplier, check: requireForbidden},
		{name: "another buyer opening a claim", by: payment.Buyer("buyer-fr-9"), check: requireForbidden},
		{name: "a platform agent opening a claim", by: dAgent, check: requireForbidden},
		{name: "the buyer opening the supplier's case", by: dBuyer,
			req: func(r *dispute.OpenRequest) { r.Reason = dispute.CancelledAfterProduction }, check: requireForbidden},
		{name: "another supplier opening a supplier's case", by: payment.Supplier("supplier-vn-9"),
			req: func(r *dispute.OpenRequest) { r.Reason = dispute.BalanceRefused }, check: requireForbidden},
		{name: "an amount in another currency", by: dBuyer, req: func(r *dispute.OpenRequest) { r.Amount = eur },
			check: func(t testing.TB, err error) {
				var cm *payment.CurrencyMismatchError
				require.ErrorAs(t, err, &cm)
				assert.Equal(t, payment.CurrencyMismatchError{Want: payment.USD, Got: payment.EUR}, *cm)
			}},
		{name: "a zero amount", by: dBuyer, req: func(r *dispute.OpenRequest) { r.Amount = usd("0.00") },
			check: func(t testing.TB, err error) { require.ErrorIs(t, err, payment.ErrInvalidAmount) }},
		{name: "a negative amount", by: dBuyer, req: func(r *dispute.OpenRequest) { r.Amount = usd("-5.00") },
			check: func(t testing.TB, err error) { require.ErrorIs(t, err, payment.ErrInvalidAmount) }},
		{name: "a supplier's case for a cent more than escrow holds", by: dSupplier,
			req:   func(r *dispute.OpenRequest) { r.Reason, r.Amount = dispute.CancelledAfterProduction, usd("3200.01") },
			check: func(t testing.TB, err error) { require.ErrorIs(t, err, payment.ErrInvalidAmount) }},
		{name: "evidence that fails validation", by: dBuyer,
			req:   func(r *dispute.OpenRequest) { r.Evidence[0].SHA256 = "not-a-digest" },
			check: func(t testing.TB, err error) { require.ErrorIs(t, err, dispute.ErrInvalidRequest) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMarket(t, nil)
			m.orderAt(t, "o-1", terms(), delivered)
			req := openReq("case-1", "o-1", dispute.QualityNotAsAgreed, "1200.00", evidence("photo-1", dispute.Photo))
			if tc.req != nil {
				tc.req(&req)
			}
			before := m.still(t, "case-1", "o-1")
			_, err := m.disputes.Open(context.Background(), tc.by, req)
			tc.check(t, err)
			m.requireStill(t, before)
		})
	}
}

func TestASupplierCaseForMoreThanTheDepositHeldIsRefused(t *testing.T) {
	m := newMarket(t, nil)
	m.orderAt(t, "o-1", terms(), inProduction)
	before := m.still(t, "case-1", "o-1")
	_, err := m.disputes.Open(context.Background(), dSupplier, openReq("case-1", "o-1", dispute.CancelledAfterProduction, "960.01"))
	require.ErrorIs(t, err, payment.ErrInvalidAmount)
	m.requireStill(t, before)
}

func TestOpenRefusesAnOrderThatIsNotDisputable(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		by     payment.Actor
		reason dispute.Reason
		want   order.State
		made   func(t *testing.T, m *market)
	}{
		{name: "an order called off during production", by: dBuyer, reason: dispute.QualityNotAsAgreed, want: order.Refunded,
			made: func(t *testing.T, m *market) {
				m.orderAt(t, "o-1", terms(), inProduction)
				_, err := m.orders.Cancel(ctx, dSupplier, "o-1", "abandon", "out of stock")
				require.NoError(t, err)
			}},
		{name: "an order awaiting its deposit", by: dSupplier, reason: dispute.CancelledAfterProduction, want: order.AwaitingPayment,
			made: func(t *testing.T, m *market) {
				_, err := m.orders.Create(ctx, dSupplier, order.CreateRequest{ID: "o-1", BuyerID: dBuyer.ID, Terms: terms()})
				require.NoError(t, err)
				_, err = m.orders.Submit(ctx, dSupplier, "o-1", "submit")
				require.NoError(t, err)
				_, err = m.orders.Confirm(ctx, dBuyer, "o-1", "confirm")
				require.NoError(t, err)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMarket(t, nil)
			tc.made(t, m)
			before := m.still(t, "case-1", "o-1")
			_, err := m.disputes.Open(ctx, tc.by, openReq("case-1", "o-1", tc.reason, "100.00", evidence("photo-1", dispute.Photo)))
			requireOrderTransition(t, err, tc.want)
			m.requireStill(t, before)
		})
	}
}

func TestASecondCaseOnADisputedOrderIsRefused(t *testing.T) {
	for _, second := range []struct {
		name   string
		by     payment.Actor
		reason dispute.Reason
	}{
		{"another claim by the buyer", dBuyer, dispute.DamagedOnArrival},
		{"a case by the supplier", dSupplier, dispute.BalanceRefused},
	} {
		t.Run(second.name, func(t *testing.T) {
			m := newMarket(t, nil)
			m.deliveredClaim(t, "case-1", "o-1", "1200.00", failedSGS())
			before := m.still(t, "case-2", "o-1")
			_, err := m.disputes.Open(context.Background(), second.by,
				openReq("case-2", "o-1", second.reason, "100.00", evidence("photo-2", dispute.Photo)))
			requireOrderTransition(t, err, order.Disputed)
			m.requireStill(t, before)
			d, _ := m.orderOf(t, "o-1").OpenDispute()
			assert.Equal(t, "case-1", d.CaseID)
		})
	}
}

func TestOpenIsIdempotentByCaseID(t *testing.T) {
	ctx := context.Background()
	req := openReq("case-1", "o-1", dispute.QualityNotAsAgreed, "1200.00", failedSGS())

	t.Run("the same request again is a replay", func(t *testing.T) {
		m := newMarket(t, nil)
		first := m.deliveredClaim(t, "case-1", "o-1", "1200.00", failedSGS())
		before := m.still(t, "case-1", "o-1")
		m.clock.Advance(time.Hour)
		again, err := m.disputes.Open(ctx, dBuyer, req)
		require.NoError(t, err)
		testkit.Check(t, "the replayed case", first, again)
		m.requireStill(t, before)
	})

	for _, tc := range []struct {
		name string
		edit func(r *dispute.OpenRequest)
	}{
		{"another amount under the same id", func(r *dispute.OpenRequest) { r.Amount = usd("1300.00") }},
		{"another reason under the same id", func(r *dispute.OpenRequest) { r.Reason = dispute.DamagedOnArrival }},
		{"the same id on another order", func(r *dispute.OpenRequest) { r.OrderID = "o-2" }},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			m := newMarket(t, nil)
			m.deliveredClaim(t, "case-1", "o-1", "1200.00", failedSGS())
			m.orderAt(t, "o-2", terms(), delivered)
			one, two := m.still(t, "case-1", "o-1"), m.still(t, "case-1", "o-2")
			other := req
			tc.edit(&other)
			_, err := m.disputes.Open(ctx, dBuyer, other)
			require.ErrorIs(t, err, dispute.ErrIdempotencyMismatch)
			m.requireStill(t, one)
			m.requireStill(t, two)
		})
	}

	// A client that retries Open later, having lost the first answer,
	// gets the case: the replay does not judge the claim again.
	for _, tc := range []struct {
		name  string
		later func(t *testing.T, m *market)
	}{
		{"once the claim window has closed", func(t *testing.T, m *market) {
			m.moveTo(t, m.orderOf(t, "o-1").DeliveredAt.AddDate(0, 0, 31))
		}},
		{"once the case is settled and the order completed", func(t *testing.T, m *market) {
			m.responded(t, "case-1")
			m.offered(t, dSupplier, "case-1", "offer-1", "800.00")
			_, err := m.disputes.Accept(ctx, dBuyer, "case-1", "offer-1")
			require.NoError(t, err)
			require.Equal(t, order.Completed, m.orderOf(t, "o-1").State)
		}},
	} {
		t.Run("a replay "+tc.name+" returns the case", func(t *testing.T) {
			m := newMarket(t, nil)
			m.deliveredClaim(t, "case-1", "o-1", "1200.00", failedSGS())
			tc.later(t, m)
			before := m.still(t, "case-1", "o-1")
			again, err := m.disputes.Open(ctx, dBuyer, req)
			require.NoError(t, err, "a replay of Open must not judge the claim or the order again")
			testkit.Check(t, "the replayed case", m.caseOf(t, "case-1"), again)
			m.requireStill(t, before)
		})
	}
}

// --- The parties' actions ---

func TestOnlyTheRespondentResponds(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []opener{buyersClaim, suppliersCase} {
		t.Run("to "+tc.name, func(t *testing.T) {
			m := newMarket(t, nil)
			c := tc.open(t, m)
			for _, by := range []payment.Actor{c.Claimant, dAgent, payment.Buyer("buyer-fr-9"), payment.Supplier("supplier-vn-9")} {
				before := m.still(t, "case-1", "o-1")
				_, err := m.disputes.Respond(ctx, by, "case-1", "respond", "not me")
				requireForbidden(t, err)
				m.requireStill(t, before)
			}

			m.clock.Advance(nDays(1))
			c, err := m.disputes.Respond(ctx, c.Respondent(), "case-1", "respond", "the goods were fine")
			require.NoError(t, err)
			assert.Equal(t, dispute.Negotiating, c.State)
			assert.Equal(t, m.clock.Now(), c.StateSince)
			assert.Equal(t, c.OpenedAt.AddDate(0, 0, 7), c.Deadline, "a negotiation runs to day seven")
			last := c.Timeline[len(c.Timeline)-1]
			assert.Equal(t, dispute.Entry{Seq: 2, Event: dispute.Respond, By: c.Respondent(), At: m.clock.Now(), From: dispute.AwaitingResponse,
				To: dispute.Negotiating, Key: "respond", Op: dispute.Respond, Fingerprint: last.Fingerprint, Note: "the goods were fine"}, last)

			before := m.still(t, "case-1", "o-1")
			again, err := m.disputes.Respond(ctx, c.Respondent(), "case-1", "respond", "the goods were fine")
			require.NoError(t, err, "the same answer under the same key is a replay")
			assert.Equal(t, c.Version, again.Version)
			_, err = m.disputes.Respond(ctx, c.Respondent(), "case-1", "respond", "another note")
			require.ErrorIs(t, err, dispute.ErrIdempotencyMismatch)
			_, err = m.disputes.Respond(ctx, c.Respondent(), "case-1", "respond-again", "twice")
			requireCaseTransition(t, err, dispute.Negotiating, dispute.Respond)
			m.requireStill(t, before)
		})
	}
}

func TestOffersStayWithinWhatTheClaimAsks(t *testing.T) {
	ctx := context.Background()
	m := newMarket(t, nil)
	m.deliveredClaim(t, "case-1", "o-1", "1000.00", failedSGS())

	before := m.still(t, "case-1", "o-1")
	_, err := m.disputes.Offer(ctx, dSupplier, "case-1", "offer-0", usd("500.00"))
	requireCaseTransition(t, err, dispute.AwaitingResponse, dispute.MakeOffer)
	m.requireStill(t, before)

	m.responded(t, "case-1")
	m.offered(t, dSupplier, "case-1", "offer-1", "500.00")
	m.offered(t, dBuyer, "case-1", "offer-2", "900.00")
	c := m.offered(t, dSupplier, "case-1", "offer-3", "1000.00")
	assert.Equal(t, dispute.Negotiating, c.State)
	now := m.clock.Now()
	assert.Equal(t, []dispute.Offer{
		{ID: "offer-1", By: dSupplier, Amount: usd("500.00"), At: now},
		{ID: "offer-2", By: dBuyer, Amount: usd("900.00"), At: now},
		{ID: "offer-3", By: dSupplier, Amount: usd("1000.00"), At: now},
	}, c.Offers)
	assert.Equal(t, []dispute.Event{dispute.Open, dispute.Respond, dispute.MakeOffer, dispute.MakeOffer, dispute.MakeOffer}, eventsOf(c))

	for _, tc := range []struct {
		name   string
		by     payment.Actor
		id     string
		amount payment.Money
		check  func(t testing.TB, err error)
	}{
		{"a cent more than the claim asks", dBuyer, "offer-4", usd("1000.01"),
			func(t testing.TB, err error) { require.ErrorIs(t, err, payment.ErrInvalidAmount) }},
		{"nothing", dSupplier, "offer-4", usd("0.00"),
			func(t testing.TB, err error) { require.ErrorIs(t, err, payment.ErrInvalidAmount) }},
		{"another currency", dSupplier, "offer-4", payment.MustParse("500.00", payment.EUR), func(t testing.TB, err error) {
			var cm *payment.CurrencyMismatchError
			require.ErrorAs(t, err, &cm)
		}},
		{"an offer id reused for another amount", dSupplier, "offer-3", usd("999.00"),
			func(t testing.TB, err error) { require.ErrorIs(t, err, dispute.ErrIdempotencyMismatch) }},
		{"an offer id reused by the other party", dBuyer, "offer-3", usd("1000.00"),
			func(t testing.TB, err error) { require.ErrorIs(t, err, dispute.ErrIdempotencyMismatch) }},
		{"an offer by someone else's buyer", payment.Buyer("buyer-fr-9"), "offer-4", usd("500.00"), requireForbidden},
		{"an offer by a platform agent", dAgent, "offer-4", usd("500.00"), requireForbidden},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			before := m.still(t, "case-1", "o-1")
			_, err := m.disputes.Offer(ctx, tc.by, "case-1", tc.id, tc.amount)
			tc.check(t, err)
			m.requireStill(t, before)
		})
	}

	t.Run("the same offer again is a replay", func(t *testing.T) {
		before := m.still(t, "case-1", "o-1")
		again := m.offered(t, dSupplier, "case-1", "offer-3", "1000.00")
		assert.Len(t, again.Offers, 3)
		m.requireStill(t, before)
	})
}

func TestAnOfferAboveWhatEscrowStillHoldsIsRefused(t *testing.T) {
	// The order shipped late and the order sweep compensated the buyer
	// USD 64.00 out of escrow; the buyer's quality claim asks for the
	// whole order, which the programme covers, but escrow holds USD
	// 3,136.00 only: an offer, like a decision, gets no more than that.
	ctx := context.Background()
	m := newMarket(t, nil)
	m.orderAt(t, "o-1", terms(), readyToShip)
	m.moveTo(t, m.orderOf(t, "o-1").Terms.ShipBy.AddDate(0, 0, 1))
	rep, err := m.orders.Sweep(ctx, m.clock.Now())
	require.NoError(t, err)
	require.Equal(t, []string{"o-1"}, rep.Compensated)
	m.shipAndDeliver(t, "o-1")
	require.Equal(t, usd("3136.00"), m.balanceOf(t, "o-1").Remaining)

	c := m.open(t, dBuyer, openReq("case-1", "o-1", dispute.QualityNotAsAgreed, "3200.00", failedSGS()))
	require.Equal(t, usd("3200.00"), c.Covered)
	m.responded(t, "case-1")
	before := m.still(t, "case-1", "o-1")
	_, err = m.disputes.Offer(ctx, dSupplier, "case-1", "offer-1", usd("3200.00"))
	assert.ErrorIs(t, err, payment.ErrInvalidAmount, "an offer above the USD 3,136.00 escrow holds")
	m.requireStill(t, before)

	// Everything escrow holds is offered and accepted: the order ends
	// refunded.
	m.offered(t, dSupplier, "case-1", "offer-2", "3136.00")
	c, err = m.disputes.Accept(ctx, dBuyer, "case-1", "offer-2")
	require.NoError(t, err)
	assert.Equal(t, dispute.Settled, c.State)
	assert.True(t, m.carriedOut(t, c))
	assert.Equal(t, order.Refunded, m.orderOf(t, "o-1").State)
	m.requireSettledOnce(t, "o-1", "3136.00", "64.00", "0.00")
}

func TestOnlyTheOtherPartysLatestOfferIsAccepted(t *testing.T) {
	ctx := context.Background()
	m := newMarket(t, nil)
	m.deliveredClaim(t, "case-1", "o-1", "1000.00", failedSGS())
	m.responded(t, "case-1")
	m.offered(t, dSupplier, "case-1", "offer-1", "500.00")
	m.offered(t, dBuyer, "case-1", "offer-2", "900.00")
	m.offered(t, dSupplier, "case-1", "offer-3", "700.00")

	for _, tc := range []struct {
		name  string
		by    payment.Actor
		offer string
		want  error
	}{
		{"the other party's older offer", dBuyer, "offer-1", dispute.ErrInvalidRequest},
		{"one's own offer", dBuyer, "offer-2", payment.ErrForbidden},
		{"one's own latest offer", dSupplier, "offer-3", payment.ErrForbidden},
		{"an offer never made", dBuyer, "offer-9", dispute.ErrNotFound},
		{"an offer by someone outside the case", payment.Buyer("buyer-fr-9"), "offer-3", payment.ErrForbidden},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			before := m.still(t, "case-1", "o-1")
			_, err := m.disputes.Accept(ctx, tc.by, "case-1", tc.offer)
			require.ErrorIs(t, err, tc.want)
			m.requireStill(t, before)
		})
	}

	c, err := m.disputes.Accept(ctx, dBuyer, "case-1", "offer-3")
	require.NoError(t, err)
	assert.Equal(t, dispute.Settled, c.State)
	require.NotNil(t, c.Settlement)
	assert.Equal(t, "offer-3", c.Settlement.ID)
	again, err := m.disputes.Accept(ctx, dBuyer, "case-1", "offer-3")
	require.NoError(t, err, "accepting again under the same key is a replay")
	assert.Equal(t, c.Version, again.Version)
	_, err = m.disputes.Accept(ctx, dSupplier, "case-1", "offer-2")
	requireCaseTransition(t, err, dispute.Settled, dispute.Accept)
}

func TestASettlementIsCarriedOutOnTheOrder(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(t *testing.T, m *market) *dispute.Case
		// The offer is the respondent's, accepted by the claimant.
		offer string
		// The order's state after, and the escrow's split (compensate is
		// "" when the order goes on and nothing is settled).
		want                        order.State
		refund, compensate, release string
	}{
		{name: "a quality claim after delivery: the offer refunded, the rest released",
			open: func(t *testing.T, m *market) *dispute.Case {
				return m.deliveredClaim(t, "case-1", "o-1", "1000.00", failedSGS())
			}, offer: "800.00", want: order.Completed, refund: "800.00", compensate: "0.00", release: "2400.00"},
		{name: "a quality claim settled for everything held: the order is refunded",
			open: func(t *testing.T, m *market) *dispute.Case {
				return m.deliveredClaim(t, "case-1", "o-1", "3200.00", failedSGS())
			}, offer: "3200.00", want: order.Refunded, refund: "3200.00", compensate: "0.00", release: "0.00"},
		{name: "a supplier's case: the offer released, the rest refunded",
			open: func(t *testing.T, m *market) *dispute.Case {
				return m.supplierCase(t, "case-1", "o-1", "960.00")
			}, offer: "600.00", want: order.Completed, refund: "360.00", compensate: "0.00", release: "600.00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMarket(t, nil)
			c := tc.open(t, m)
			m.responded(t, "case-1")
			m.offered(t, c.Respondent(), "case-1", "offer-1", tc.offer)
			c, err := m.disputes.Accept(context.Background(), c.Claimant, "case-1", "offer-1")
			require.NoError(t, err)
			assert.Equal(t, dispute.Settled, c.State)
			assert.True(t, m.carriedOut(t, c))
			assert.True(t, c.Deadline.IsZero(), "a settled case has no deadline")
			testkit.Check(t, "the case as stored", c, m.caseOf(t, "case-1"))

			o := m.orderOf(t, "o-1")
			assert.Equal(t, tc.want, o.State)
			_, open := o.OpenDispute()
			assert.False(t, open)
			m.requireSettledOnce(t, "o-1", tc.refund, tc.compensate, tc.release)
			assert.Equal(t, usd(tc.refund), sum(t, m.refundedOnPayments(t, "o-1")...), "the refunds recorded on the buyer's payments")
		})
	}
}

func TestALateShipmentSettledBeforeDeliveryCompensatesAndTheOrderGoesOn(t *testing.T) {
	for _, point := range []string{inProduction, readyToShip} {
		t.Run("from "+point, func(t *testing.T) {
			ctx := context.Background()
			m := newMarket(t, nil)
			m.lateClaim(t, "case-1", "o-1", point, "960.00")
			d, _ := m.orderOf(t, "o-1").OpenDispute()
			held := m.balanceOf(t, "o-1").Held
			m.responded(t, "case-1")
			m.offered(t, dSupplier, "case-1", "offer-1", "64.00")
			c, err := m.disputes.Accept(ctx, dBuyer, "case-1", "offer-1")
			require.NoError(t, err)
			assert.Equal(t, dispute.Settled, c.State)
			assert.True(t, m.carriedOut(t, c))

			o := m.orderOf(t, "o-1")
			assert.Equal(t, d.From, o.State, "the order goes on where it was")
			assert.Equal(t, usd("64.00"), o.Compensated())
			a := m.accountOf(t, "o-1")
			assert.False(t, a.Frozen)
			assert.Equal(t, 0, opsOf(a, escrow.OpSettle))
			assert.Equal(t, 1, opsOf(a, escrow.OpCompensate))
			b := m.balanceOf(t, "o-1")
			assert.Equal(t, usd("64.00"), b.Compensated)
			assert.Equal(t, held, sum(t, b.Remaining, b.Compensated))
		})
	}
}

func TestALateShipmentCompensatedByADisputeIsNotCompensatedAgain(t *testing.T) {
	// Late-shipment compensation is paid once per order: once a dispute
	// compensated the buyer for the late shipment, the order sweep owes
	// nothing more for it.
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		// end ends case-1, compensating the buyer the amount it returns.
		end func(t *testing.T, m *market) string
	}{
		{"settled by an offer", func(t *testing.T, m *market) string {
			m.responded(t, "case-1")
			m.offered(t, dSupplier, "case-1", "offer-1", "50.00")
			_, err := m.disputes.Accept(ctx, dBuyer, "case-1", "offer-1")
			require.NoError(t, err)
			return "50.00"
		}},
		{"decided by the platform", func(t *testing.T, m *market) string {
			c := m.decided(t, "case-1")
			require.Equal(t, dispute.Compensation, c.Decision.Outcome)
			require.True(t, c.Decision.Continue)
			m.moveTo(t, c.Deadline)
			m.sweep(t, c.Deadline)
			return c.Decision.Compensate.Amount().StringFixed(2)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMarket(t, nil)
			m.lateClaim(t, "case-1", "o-1", inProduction, "150.00")
			paid := tc.end(t, m)
			require.True(t, m.carriedOut(t, m.caseOf(t, "case-1")))
			require.Equal(t, usd(paid), m.orderOf(t, "o-1").Compensated())
			require.Equal(t, order.InProduction, m.orderOf(t, "o-1").State)

			rep, err := m.orders.Sweep(ctx, m.clock.Now().Add(time.Hour))
			require.NoError(t, err)
			assert.NotContains(t, rep.Compensated, "o-1", "the order sweep compensated the late shipment again")
			assert.Equal(t, usd(paid), m.orderOf(t, "o-1").Compensated())
			assert.Equal(t, usd(paid), m.balanceOf(t, "o-1").Compensated)
		})
	}
}

func TestEscalationOnRequestOpensOnDayFour(t *testing.T) {
	for _, tc := range []struct {
		name string
		by   payment.Actor
		// respond: the supplier responds first; after: how long after the
		// case opened the party asks.
		respond bool
		after   time.Duration
		check   func(t testing.TB, err error) // nil: escalated
	}{
		{name: "by the buyer on day one", by: dBuyer, after: 0,
			check: func(t testing.TB, err error) { require.ErrorIs(t, err, dispute.ErrTooEarly) }},
		{name: "by the buyer the instant before day four", by: dBuyer, after: nDays(3) - time.Nanosecond,
			check: func(t testing.TB, err error) { require.ErrorIs(t, err, dispute.ErrTooEarly) }},
		{name: "by the supplier during negotiation, the instant before day four", by: dSupplier, respond: true,
			after: nDays(3) - time.Nanosecond, check: func(t testing.TB, err error) { require.ErrorIs(t, err, dispute.ErrTooEarly) }},
		{name: "by the buyer at the start of day four", by: dBuyer, after: nDays(3)},
		{name: "by the supplier at the start of day four", by: dSupplier, after: nDays(3)},
		{name: "by the supplier during negotiation on day five", by: dSupplier, respond: true, after: nDays(4)},
		{name: "by the buyer during negotiation on day seven", by: dBuyer, respond: true, after: nDays(7) - time.Nanosecond},
		{name: "by a platform agent", by: dAgent, after: nDays(3), check: requireForbidden},
		{name: "by another buyer", by: payment.Buyer("buyer-fr-9"), after: nDays(3), check: requireForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMarket(t, nil)
			c := m.deliveredClaim(t, "case-1", "o-1", "1200.00", failedSGS())
			if tc.respond {
				m.responded(t, "case-1")
			}
			m.moveTo(t, c.OpenedAt.Add(tc.after))
			before := m.still(t, "case-1", "o-1")
			c, err := m.disputes.Escalate(context.Background(), tc.by, "case-1", "escalate")
			if tc.check != nil {
				tc.check(t, err)
				m.requireStill(t, before)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, dispute.Escalated, c.State)
			assert.Equal(t, m.clock.Now(), c.StateSince)
			assert.True(t, c.Deadline.IsZero(), "the platform decides an escalated case; no deadline runs")
			last := c.Timeline[len(c.Timeline)-1]
			assert.Equal(t, dispute.Escalate, last.Event)
			assert.Equal(t, tc.by, last.By)
			assert.Equal(t, order.Disputed, m.orderOf(t, "o-1").State)
			assert.True(t, m.accountOf(t, "o-1").Frozen)
		})
	}
}

func TestADecidedCaseCannotBeEscalatedOrWithdrawn(t *testing.T) {
	ctx := context.Background()
	m := newMarket(t, nil)
	m.deliveredClaim(t, "case-1", "o-1", "1200.00", failedSGS())
	m.decided(t, "case-1")
	before := m.still(t, "case-1", "o-1")
	_, err := m.disputes.Escalate(ctx, dBuyer, "case-1", "escalate-again")
	requireCaseTransition(t, err, dispute.Decided, dispute.Escalate)
	_, err = m.disputes.Withdraw(ctx, dBuyer, "case-1", "withdraw")
	requireCaseTransition(t, err, dispute.Decided, dispute.Withdraw)
	m.requireStill(t, before)
}

func TestOnlyTheClaimantWithdrawsAndTheOrderGoesOnWhereItWas(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []opener{buyersClaim, lateInProduction, suppliersCase} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMarket(t, nil)
			c := tc.open(t, m)
			disputed := m.orderOf(t, "o-1")
			d, _ := disputed.OpenDispute()
			held := m.balanceOf(t, "o-1")
			m.clock.Advance(nDays(2))

			for _, by := range []payment.Actor{c.Respondent(), dAgent} {
				before := m.still(t, "case-1", "o-1")
				_, err := m.disputes.Withdraw(ctx, by, "case-1", "withdraw")
				requireForbidden(t, err)
				m.requireStill(t, before)
			}

			c, err := m.disputes.Withdraw(ctx, c.Claimant, "case-1", "withdraw")
			require.NoError(t, err)
			assert.Equal(t, dispute.Withdrawn, c.State)
			assert.True(t, m.carriedOut(t, c))
			assert.True(t, c.Deadline.IsZero())

			o := m.orderOf(t, "o-1")
			assert.Equal(t, d.From, o.State, "the order goes on where it was")
			require.Len(t, o.Disputes, 1)
			assert.Equal(t, m.clock.Now(), o.Disputes[0].ClosedAt)
			assert.False(t, o.Disputes[0].SupplierAtFault)
			if o.State == order.Delivered {
				assert.Equal(t, disputed.ReceiptDeadline.Add(nDays(2)), o.ReceiptDeadline, "the receipt window stood still while disputed")
			}
			m.requireUnfrozenAsBefore(t, "o-1", held)

			before := m.still(t, "case-1", "o-1")
			_, err = m.disputes.Withdraw(ctx, c.Claimant, "case-1", "withdraw-again")
			requireCaseTransition(t, err, dispute.Withdrawn, dispute.Withdraw)
			m.requireStill(t, before)
		})
	}
}

// --- Evidence ---

func TestEvidenceIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	m := newMarket(t, nil)
	m.deliveredClaim(t, "case-1", "o-1", "1200.00", failedSGS())
	m.clock.Advance(time.Hour)
	now := m.clock.Now()

	_, err := m.disputes.SubmitEvidence(ctx, dBuyer, "case-1", evidence("photo-1", dispute.Photo))
	require.NoError(t, err)
	_, err = m.disputes.SubmitEvidence(ctx, dSupplier, "case-1", evidence("loading-1", dispute.LoadingVideo))
	require.NoError(t, err)
	agent := evidence("pod-1", dispute.ProofOfDelivery)
	agent.Description = "the carrier's record, for the supplier"
	c, err := m.disputes.SubmitEvidence(ctx, dAgent, "case-1", agent)
	require.NoError(t, err)

	assert.Equal(t, dispute.AwaitingResponse, c.State, "evidence does not move the case")
	require.Len(t, c.Evidence, 4)
	for i, want := range []struct {
		id string
		by payment.Actor
	}{{"sgs-1", dBuyer}, {"photo-1", dBuyer}, {"loading-1", dSupplier}, {"pod-1", dAgent}} {
		assert.Equal(t, want.id, c.Evidence[i].ID)
		assert.Equal(t, want.by, c.Evidence[i].SubmittedBy)
	}
	assert.Equal(t, now, c.Evidence[3].At)
	last := c.Timeline[len(c.Timeline)-1]
	assert.Equal(t, dispute.Entry{Seq: 4, Event: dispute.SubmitEvidence, By: dAgent, At: now, From: dispute.AwaitingResponse,
		To: dispute.AwaitingResponse, Key: "evidence/pod-1", Op: dispute.SubmitEvidence, Fingerprint: last.Fingerprint}, last)

	t.Run("the same item again is a replay", func(t *testing.T) {
		before := m.still(t, "case-1", "o-1")
		again, err := m.disputes.SubmitEvidence(ctx, dBuyer, "case-1", evidence("photo-1", dispute.Photo))
		require.NoError(t, err)
		assert.Len(t, again.Evidence, 4)
		m.requireStill(t, before)
	})

	changed := evidence("photo-1", dispute.Photo)
	changed.URI = "https://files.example.com/photo-1-retouched"
	for _, tc := range []struct {
		name string
		by   payment.Actor
		e    dispute.Evidence
		want error
	}{
		{"an item changed under its id", dBuyer, changed, dispute.ErrIdempotencyMismatch},
		{"an item's id taken by the other party", dSupplier, evidence("photo-1", dispute.Photo), dispute.ErrIdempotencyMismatch},
		{"an item with the id of one filed with the claim", dBuyer, evidence("sgs-1", dispute.Photo), dispute.ErrDuplicate},
		{"an item from someone outside the case", payment.Supplier("supplier-vn-9"), evidence("photo-9", dispute.Photo), payment.ErrForbidden},
		{"an item from a system actor", dHooks, evidence("photo-9", dispute.Photo), payment.ErrForbidden},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			before := m.still(t, "case-1", "o-1")
			_, err := m.disputes.SubmitEvidence(ctx, tc.by, "case-1", tc.e)
			require.ErrorIs(t, err, tc.want)
			m.requireStill(t, before)
		})
	}
	assert.Equal(t, "https://files.example.com/photo-1", m.caseOf(t, "case-1").Evidence[1].URI, "evidence is never changed")
}

func TestEvidenceIsValidated(t *testing.T) {
	ctx := context.Background()
	m := newMarket(t, nil)
	m.deliveredClaim(t, "case-1", "o-1", "1200.00", failedSGS())
	m.orderAt(t, "o-2", terms(), delivered)
	for _, tc := range []struct {
		name string
		e    func(e *dispute.Evidence)
	}{
		{"an item without an id", func(e *dispute.Evidence) { e.ID = "" }},
		{"an unknown kind", func(e *dispute.Evidence) { e.Kind = "hologram" }},
		{"a relative URI", func(e *dispute.Evidence) { e.URI = "files/bad-1.jpg" }},
		{"a URI that does not parse", func(e *dispute.Evidence) { e.URI = "https://bad host/%zz" }},
		{"no URI", func(e *dispute.Evidence) { e.URI = "" }},
		{"a short digest", func(e *dispute.Evidence) { e.SHA256 = "9f86d081" }},
		{"a digest with a non-hex digit", func(e *dispute.Evidence) { e.SHA256 = strings.Repeat("a", 63) + "g" }},
		{"a report without its agency", func(e *dispute.Evidence) { e.Kind, e.Result = dispute.InspectionReport, coverage.InspectionFailed }},
		{"a report without a result", func(e *dispute.Evidence) { e.Kind, e.Agency = dispute.InspectionReport, "SGS" }},
		{"an agency on a photo", func(e *dispute.Evidence) { e.Agency = "SGS" }},
		{"a result on a photo", func(e *dispute.Evidence) { e.Result = coverage.InspectionFailed }},
		{"defects on a photo", func(e *dispute.Evidence) { e.Defects = []string{"scratch"} }},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			e := evidence("bad-1", dispute.Photo)
			tc.e(&e)
			before := m.still(t, "case-1", "o-1")
			_, err := m.disputes.SubmitEvidence(ctx, dBuyer, "case-1", e)
			require.ErrorIs(t, err, dispute.ErrInvalidRequest)
			m.requireStill(t, before)

			before = m.still(t, "case-2", "o-2")
			_, err = m.disputes.Open(ctx, dBuyer, openReq("case-2", "o-2", dispute.QualityNotAsAgreed, "100.00", e))
			require.ErrorIs(t, err, dispute.ErrInvalidRequest, "with the claim")
			m.requireStill(t, before)
		})
	}
}

func TestEvidenceIsTakenUntilTheDecisionAndAgainOnAppeal(t *testing.T) {
	ctx := context.Background()
	m := newMarket(t, nil)
	m.deliveredClaim(t, "case-1", "o-1", "1200.00", failedSGS())
	m.escalated(t, "case-1")
	c, err := m.disputes.SubmitEvidence(ctx, dSupplier, "case-1", evidence("invoice-1", dispute.Invoice))
	require.NoError(t, err, "while escalated")
	assert.Equal(t, dispute.Escalated, c.State)

	_, err = m.disputes.Decide(ctx, dAgent, "case-1", "decide")
	require.NoError(t, err)
	before := m.still(t, "case-1", "o-1")
	_, err = m.disputes.SubmitEvidence(ctx, dSupplier, "case-1", evidence("invoice-2", dispute.Invoice))
	requireCaseTransition(t, err, dispute.Decided, dispute.SubmitEvidence)
	m.requireStill(t, before)

	_, err = m.disputes.Appeal(ctx, dSupplier, "case-1", "appeal", "the inspection was botched")
	require.NoError(t, err)
	c, err = m.disputes.SubmitEvidence(ctx, dSupplier, "case-1", evidence("invoice-2", dispute.Invoice))
	require.NoError(t, err, "while appealed")
	assert.Equal(t, dispute.Appealed, c.State)

	_, err = m.disputes.Decide(ctx, dAgent, "case-1", "decide-appeal")
	require.NoError(t, err)
	before = m.still(t, "case-1", "o-1")
	_, err = m.disputes.SubmitEvidence(ctx, dBuyer, "case-1", evidence("photo-9", dispute.Photo))
	requireCaseTransition(t, err, dispute.Final, dispute.SubmitEvidence)
	m.requireStill(t, before)
}

// --- The sweep ---

func TestTheSweepEscalatesASilentRespondentAfterThreeDays(t *testing.T) {
	m := newMarket(t, nil)
	c := m.deliveredClaim(t, "case-1", "o-1", "1200.00", failedSGS())
	due := c.OpenedAt.AddDate(0, 0, 3)

	before := m.still(t, "case-1", "o-1")
	rep := m.sweep(t, due.Add(-time.Nanosecond))
	assert.Equal(t, &dispute.SweepReport{}, rep, "not due the instant before")
	m.requireStill(t, before)

	rep = m.sweep(t, due)
	assert.Equal(t, &dispute.SweepReport{Escalated: []string{"case-1"}}, rep)
	c = m.caseOf(t, "case-1")
	assert.Equal(t, dispute.Escalated, c.State)
	assert.Equal(t, due, c.StateSince, "the sweep acts at the time it is given")
	last := c.Timeline[len(c.Timeline)-1]
	assert.Equal(t, dispute.Entry{Seq: 2, Event: dispute.Escalate, By: disputeSystem, At: due, From: dispute.AwaitingResponse,
		To: dispute.Escalated, Ref: "sweep/escalate", Fingerprint: last.Fingerprint}, last)
	assert.Equal(t, &dispute.SweepReport{}, m.sweep(t, due.AddDate(0, 1, 0)), "an escalated case waits for the platform")
}

func TestTheSweepEndsANegotiationAfterSevenDays(t *testing.T) {
	for _, tc := range []struct {
		name   string
		offers []dispute.Offer // amounts in Amount, by By
		want   dispute.State
	}{
		{name: "the respondent answered and nobody offered", want: dispute.Escalated},
		{name: "the claimant's offer is the last", want: dispute.Escalated,
			offers: []dispute.Offer{{By: dBuyer, Amount: usd("900.00")}}},
		{name: "the respondent's offer was answered by a counter-offer", want: dispute.Escalated,
			offers: []dispute.Offer{{By: dSupplier, Amount: usd("300.00")}, {By: dBuyer, Amount: usd("900.00")}}},
		{name: "the respondent's offer is the last and unanswered", want: dispute.Expired,
			offers: []dispute.Offer{{By: dBuyer, Amount: usd("900.00")}, {By: dSupplier, Amount: usd("500.00")}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			m := newMarket(t, nil)
			c := m.deliveredClaim(t, "case-1", "o-1", "1200.00", failedSGS())
			m.responded(t, "case-1")
			for i, o := range tc.offers {
				_, err := m.disputes.Offer(ctx, o.By, "case-1", fmt.Sprint("offer-", i), o.Amount)
				require.NoError(t, err)
			}
			held := m.balanceOf(t, "o-1")
			due := c.OpenedAt.AddDate(0, 0, 7)
			require.Equal(t, due, m.caseOf(t, "case-1").Deadline)

			before := m.still(t, "case-1", "o-1")
			assert.Equal(t, &dispute.SweepReport{}, m.sweep(t, due.Add(-time.Nanosecond)))
			m.requireStill(t, before)

			rep := m.sweep(t, due)
			c = m.caseOf(t, "case-1")
			assert.Equal(t, tc.want, c.State)
			o := m.orderOf(t, "o-1")
			if tc.want == dispute.Expired {
				assert.Equal(t, &dispute.SweepReport{Expired: []string{"case-1"}}, rep)
				assert.True(t, m.carriedOut(t, c))
				assert.Equal(t, order.Delivered, o.State, "the order goes on")
				m.requireUnfrozenAsBefore(t, "o-1", held)
				return
			}
			assert.Equal(t, &dispute.SweepReport{Escalated: []string{"case-1"}}, rep)
			assert.Equal(t, order.Disputed, o.State)
			assert.True(t, m.accountOf(t, "o-1").Frozen)
		})
	}
}

func TestTheSweepCarriesOutAnUnappealedDecisionAfterSevenDays(t *testing.T) {
	m := newMarket(t, nil)
	m.deliveredClaim(t, "case-1", "o-1", "1200.00", failedSGS())
	c := m.decided(t, "case-1")
	require.Equal(t, dispute.PartialRefund, c.Decision.Outcome)
	due := c.StateSince.AddDate(0, 0, 7)
	assert.Equal(t, due, c.Deadline)
	assert.Equal(t, order.Disputed, m.orderOf(t, "o-1").State, "a decision waits for its appeal window")

	before := m.still(t, "case-1", "o-1")
	assert.Equal(t, &dispute.SweepReport{}, m.sweep(t, due.Add(-time.Nanosecond)))
	m.requireStill(t, before)

	assert.Equal(t, &dispute.SweepReport{Finalized: []string{"case-1"}}, m.sweep(t, due))
	c = m.caseOf(t, "case-1")
	assert.Equal(t, dispute.Final, c.State)
	assert.True(t, m.carriedOut(t, c))
	assert.True(t, c.Deadline.IsZero())
	last := c.Timeline[len(c.Timeline)-1]
	assert.Equal(t, dispute.Finalize, last.Event)
	assert.Equal(t, disputeSystem, last.By)
	assert.Equal(t, due, last.At)
	o := m.orderOf(t, "o-1")
	assert.Equal(t, order.Completed, o.State)
	assert.True(t, o.Disputes[0].SupplierAtFault)
	m.requireSettledOnce(t, "o-1", "1200.00", "0.00", "2000.00")
	assert.Equal(t, &dispute.SweepReport{}, m.sweep(t, due.AddDate(0, 1, 0)))
	m.requireSettledOnce(t, "o-1", "1200.00", "0.00", "2000.00")
}

// A decision shares out what escrow held when it was taken. A payment that
// reaches escrow afterwards, while the appeal window runs (the balance,
// paid before the case was opened and processing since), is no part of
// it: the order ends with the decision carried out and that payment
// refunded to the buyer.
func TestAPaymentThatReachesEscrowAfterTheDecisionGoesBackToTheBuyer(t *testing.T) {
	m := newMarket(t, nil)
	ctx := context.Background()
	m.madeOnDeposit(t, "o-1")
	_, p, err := m.orders.Pay(ctx, dBuyer, "o-1", "pay-balance", order.PayRequest{Tranche: payment.Balance, BuyerCountry: "DE"})
	require.NoError(t, err)
	m.open(t, dSupplier, openReq("case-1", "o-1", dispute.BalanceRefused, "960.00", evidence("chat-1", dispute.ChatRecord)))
	c := m.decided(t, "case-1")
	require.False(t, c.Decision.Continue, "the decision ends the order: %s", c.Decision)
	held := sum(t, c.Decision.Refund, c.Decision.Compensate, c.Decision.Release)
	require.Equal(t, usd("960.00"), held, "the decision shares out the deposit")

	_, err = m.orders.ReportPayment(ctx, dHooks, "o-1", p.ID, payment.Outcome{Status: payment.StatusSucceeded})
	require.NoError(t, err, "the frozen escrow account takes the balance")
	assert.Equal(t, usd("3200.00"), m.balanceOf(t, "o-1").Held)

	m.sweep(t, c.StateSince.AddDate(0, 0, 7))
	assert.True(t, m.carriedOut(t, m.caseOf(t, "case-1")))
	b := m.balanceOf(t, "o-1")
	assert.Equal(t, sum(t, c.Decision.Refund, usd("2240.00")), b.Refunded, "the decision's refund and the balance")
	assert.Equal(t, sum(t, c.Decision.Release), sum(t, b.Released, b.Fees), "the decision's release")
	assert.True(t, b.Remaining.IsZero(), "left in escrow: %s", b.Remaining)
}

func TestASweepAtAnEarlierTimeDoesNothing(t *testing.T) {
	m := newMarket(t, nil)
	m.deliveredClaim(t, "case-1", "o-1", "1200.00", failedSGS())
	m.moveTo(t, m.clock.Now().AddDate(0, 0, 10)) // long overdue
	before := m.still(t, "case-1", "o-1")
	assert.Equal(t, &dispute.SweepReport{}, m.sweep(t, m.caseOf(t, "case-1").OpenedAt.Add(-time.Hour)))
	_, err := m.disputes.Sweep(context.Background(), time.Time{})
	require.ErrorIs(t, err, dispute.ErrInvalidRequest)
	m.requireStill(t, before)
}

func TestConcurrentSweepsMoveEachCaseOnce(t *testing.T) {
	for round := range 10 {
		t.Run(fmt.Sprint("round ", round), func(t *testing.T) {
			ctx := context.Background()
			m := newMarket(t, nil)
			for _, id := range []string{"o-silent", "o-offer", "o-decided"} {
				m.orderAt(t, id, terms(), delivered)
			}
			m.open(t, dBuyer, openReq("c-silent", "o-silent", dispute.QualityNotAsAgreed, "1200.00", failedSGS()))
			m.open(t, dBuyer, openReq("c-offer", "o-offer", dispute.QualityNotAsAgreed, "1200.00", failedSGS()))
			m.open(t, dBuyer, openReq("c-decided", "o-decided", dispute.QualityNotAsAgreed, "1200.00", failedSGS()))
			m.responded(t, "c-offer")
			m.offered(t, dSupplier, "c-offer", "offer-1", "400.00")
			c := m.decided(t, "c-decided")
			at := c.StateSince.AddDate(0, 0, 7)

			reps := make([]*dispute.SweepReport, 2)
			errs := make([]error, 2)
			testkit.Together(2, func(i int) { reps[i], errs[i] = m.disputes.Sweep(ctx, at) })

			moved := map[string][]string{}
			for i, rep := range reps {
				require.NoError(t, errs[i])
				assert.Empty(t, rep.Failures)
				for what, ids := range map[string][]string{"escalated": rep.Escalated, "expired": rep.Expired, "finalized": rep.Finalized} {
					for _, id := range ids {
						moved[id] = append(moved[id], what)
					}
				}
			}
			assert.Equal(t, map[string][]string{"c-silent": {"escalated"}, "c-offer": {"expired"}, "c-decided": {"finalized"}}, moved)
			for id, want := range map[string]dispute.State{"c-silent": dispute.Escalated, "c-offer": dispute.Expired, "c-decided": dispute.Final} {
				c := m.caseOf(t, id)
				assert.Equal(t, want, c.State, id)
				sweeps := slices.DeleteFunc(slices.Clone(c.Timeline), func(e dispute.Entry) bool { return !strings.HasPrefix(e.Ref, "sweep/") })
				assert.Len(t, sweeps, 1, "case %s was moved once", id)
			}
			m.requireSettledOnce(t, "o-decided", "1200.00", "0.00", "2000.00")
			offer := m.accountOf(t, "o-offer")
			assert.False(t, offer.Frozen)
			assert.Equal(t, 1, opsOf(offer, escrow.OpUnfreeze))
			assert.Equal(t, order.Delivered, m.orderOf(t, "o-offer").State)
		})
	}
}

// countingStore is a Store that records the limits Sweep asks Due for.
type countingStore struct {
	dispute.Store
	mu     sync.Mutex
	limits []int
}

func (s *countingStore) Due(ctx context.Context, before time.Time, limit int) ([]*dispute.Case, error) {
	s.mu.Lock()
	s.limits = append(s.limits, limit)
	s.mu.Unlock()
	return s.Store.Due(ctx, before, limit)
}

func TestTheSweepMovesEveryDueCaseBatchByBatch(t *testing.T) {
	ctx := context.Background()
	var store *countingStore
	m := newMarket(t, func(cfg *dispute.Config) {
		store = &countingStore{Store: cfg.Store}
		cfg.Store, cfg.SweepBatch = store, 100
	})
	opened := m.clock.Now()
	var want []string
	for i := range 250 {
		id := fmt.Sprintf("case-%03d", i)
		want = append(want, id)
		_, err := m.store.Create(ctx, &dispute.Case{ID: id, OrderID: fmt.Sprintf("order-%03d", i), BuyerID: dBuyer.ID, SupplierID: dSupplier.ID,
			Claimant: dBuyer, Reason: dispute.QualityNotAsAgreed, Amount: usd("100.00"), Covered: usd("3200.00"),
			State: dispute.AwaitingResponse, OpenedAt: opened, StateSince: opened, UpdatedAt: opened,
			Deadline: opened.AddDate(0, 0, 3),
			Timeline: []dispute.Entry{{Seq: 1, Event: dispute.Open, By: dBuyer, At: opened, To: dispute.AwaitingResponse, Key: id, Op: dispute.Open}}})
		require.NoError(t, err)
	}

	rep := m.sweep(t, opened.AddDate(0, 0, 3))
	assert.ElementsMatch(t, want, rep.Escalated)
	for _, id := range want {
		assert.Equal(t, dispute.Escalated, m.caseOf(t, id).State, id)
	}
	assert.Equal(t, []int{100, 100, 100}, store.limits, "batches of SweepBatch")
}

// --- Adjudication ---

func TestOnlyThePlatformDecides(t *testing.T) {
	m := newMarket(t, nil)
	m.deliveredClaim(t, "case-1", "o-1", "1200.00", failedSGS())
	m.escalated(t, "case-1")
	for _, by := range []payment.Actor{dBuyer, dSupplier, dHooks} {
		before := m.still(t, "case-1", "o-1")
		_, err := m.disputes.Decide(context.Background(), by, "case-1", "decide")
		requireForbidden(t, err)
		m.requireStill(t, before)
	}
	assert.Nil(t, m.caseOf(t, "case-1").Decision)
}

func TestACaseIsDecidedOnlyOnceEscalated(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		want dispute.State
		to   func(t *testing.T, m *market)
	}{
		{"awaiting the response", dispute.AwaitingResponse, func(*testing.T, *market) {}},
		{"in negotiation", dispute.Negotiating, func(t *testing.T, m *market) { m.responded(t, "case-1") }},
		{"decided already", dispute.Decided, func(t *testing.T, m *market) { m.decided(t, "case-1") }},
		{"withdrawn", dispute.Withdrawn, func(t *testing.T, m *market) {
			_, err := m.disputes.Withdraw(ctx, dBuyer, "case-1", "withdraw")
			require.NoError(t, err)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMarket(t, nil)
			m.deliveredClaim(t, "case-1", "o-1", "1200.00", failedSGS())
			tc.to(t, m)
			decision := m.caseOf(t, "case-1").Decision
			before := m.still(t, "case-1", "o-1")
			_, err := m.disputes.Decide(ctx, dAgent, "case-1", "decide-now")
			requireCaseTransition(t, err, tc.want, dispute.Decide)
			m.requireStill(t, before)
			assert.Equal(t, decision, m.caseOf(t, "case-1").Decision, "nothing recorded")
		})
	}
}

func TestADecisionIsRecordedWithWhoDecidedAndWhen(t *testing.T) {
	m := newMarket(t, nil)
	m.deliveredClaim(t, "case-1", "o-1", "1200.00", failedSGS())
	c := m.decided(t, "case-1")
	require.NotNil(t, c.Decision)
	d := c.Decision
	assert.Equal(t, dAgent, d.By)
	assert.Equal(t, m.clock.Now(), d.At)
	assert.Equal(t, dispute.PartialRefund, d.Outcome)
	assert.Equal(t, usd("1200.00"), d.Refund)
	assert.Equal(t, usd("2000.00"), d.Release)
	assert.True(t, d.SupplierAtFault)
	assert.Equal(t, []string{dispute.RuleFailedInspection}, d.Rules)
	assert.Equal(t, m.clock.Now(), c.StateSince)
	assert.Equal(t, m.clock.Now().AddDate(0, 0, 7), c.Deadline, "the appeal window")
	assert.Equal(t, order.Disputed, m.orderOf(t, "o-1").State)
	assert.True(t, m.accountOf(t, "o-1").Frozen)
}

func TestAnAppealIsDecidedOnceAndCarriedOutAtOnce(t *testing.T) {
	for _, appellant := range []payment.Actor{dBuyer, dSupplier} {
		t.Run("appealed by the "+string(appellant.Role), func(t *testing.T) {
			ctx := context.Background()
			m := newMarket(t, nil)
			m.deliveredClaim(t, "case-1", "o-1", "1200.00", failedSGS())
			m.decided(t, "case-1")
			m.clock.Advance(nDays(2))

			c, err := m.disputes.Appeal(ctx, appellant, "case-1", "appeal", "please look again")
			require.NoError(t, err)
			assert.Equal(t, dispute.Appealed, c.State)
			assert.Equal(t, appellant, c.AppealedBy)
			assert.True(t, c.Deadline.IsZero(), "the platform decides an appeal; no deadline runs")
			assert.Equal(t, "please look again", c.Timeline[len(c.Timeline)-1].Note)

			for _, by := range []payment.Actor{dBuyer, dSupplier} {
				before := m.still(t, "case-1", "o-1")
				_, err = m.disputes.Appeal(ctx, by, "case-1", "appeal-again", "and again")
				requireCaseTransition(t, err, dispute.Appealed, dispute.Appeal)
				m.requireStill(t, before)
			}

			c, err = m.disputes.Decide(ctx, dAgent, "case-1", "decide-appeal")
			require.NoError(t, err)
			assert.Equal(t, dispute.Final, c.State)
			assert.True(t, m.carriedOut(t, c), "an appeal's decision is carried out at once")
			assert.Equal(t, dispute.DecideAppeal, c.Timeline[len(c.Timeline)-1].Event)
			assert.Equal(t, order.Completed, m.orderOf(t, "o-1").State)
			m.requireSettledOnce(t, "o-1", "1200.00", "0.00", "2000.00")

			before := m.still(t, "case-1", "o-1")
			_, err = m.disputes.Appeal(ctx, appellant, "case-1", "appeal-final", "once more")
			requireCaseTransition(t, err, dispute.Final, dispute.Appeal)
			m.requireStill(t, before)
		})
	}
}

func TestAnAppealIsHeardForSevenDays(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after time.Duration
		open  bool
	}{
		{"the instant before the seventh day ends", nDays(7) - time.Nanosecond, true},
		{"when the seventh day ends", nDays(7), false},
		{"a month later", nDays(30), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMarket(t, nil)
			m.deliveredClaim(t, "case-1", "o-1", "1200.00", failedSGS())
			c := m.decided(t, "case-1")
			m.moveTo(t, c.StateSince.Add(tc.after))
			before := m.still(t, "case-1", "o-1")
			c, err := m.disputes.Appeal(context.Background(), dSupplier, "case-1", "appeal", "")
			if tc.open {
				require.NoError(t, err)
				assert.Equal(t, dispute.Appealed, c.State)
				return
			}
			require.ErrorIs(t, err, dispute.ErrWindowClosed)
			m.requireStill(t, before)
		})
	}
}

func TestADecisionIsCarriedOutExactlyOnceUnderRetries(t *testing.T) {
	ctx := context.Background()
	m := newMarket(t, nil)
	m.deliveredClaim(t, "case-1", "o-1", "3200.00", failedSGS())
	decided := m.decided(t, "case-1")
	require.Equal(t, dispute.FullRefund, decided.Decision.Outcome)

	m.clock.Advance(time.Hour)
	before := m.still(t, "case-1", "o-1")
	again, err := m.disputes.Decide(ctx, dAgent, "case-1", "decide")
	require.NoError(t, err, "the same decision under the same key is a replay")
	testkit.Check(t, "the replayed decision", decided, again)
	_, err = m.disputes.Decide(ctx, payment.Platform("agent-8"), "case-1", "decide")
	require.ErrorIs(t, err, dispute.ErrIdempotencyMismatch, "another agent under the same key")
	m.requireStill(t, before)

	m.sweep(t, decided.StateSince.AddDate(0, 0, 7))
	final := m.caseOf(t, "case-1")
	require.Equal(t, dispute.Final, final.State)
	assert.Equal(t, order.Refunded, m.orderOf(t, "o-1").State)
	m.requireSettledOnce(t, "o-1", "3200.00", "0.00", "0.00")

	before = m.still(t, "case-1", "o-1")
	_, err = m.disputes.Decide(ctx, dAgent, "case-1", "decide")
	require.NoError(t, err, "still a replay")
	m.sweep(t, m.clock.Now().AddDate(0, 1, 0))
	m.requireStill(t, before)
	m.requireSettledOnce(t, "o-1", "3200.00", "0.00", "0.00")
	assert.Equal(t, []payment.Money{usd("960.00"), usd("2240.00")}, m.refundedOnPayments(t, "o-1"))
}

func TestAnAdjudicatorsInvalidDecisionIsRefused(t *testing.T) {
	errBusy := errors.New("adjudicator: busy")
	for _, tc := range []struct {
		name string
		d    dispute.Decision
		err  error
		want error
	}{
		{name: "parts that do not add up to what escrow holds",
			d:    dispute.Decision{Outcome: dispute.PartialRefund, Refund: usd("1000.00"), Release: usd("1000.00")},
			want: dispute.ErrInvalidDecision},
		{name: "parts that add up to more than escrow holds",
			d:    dispute.Decision{Outcome: dispute.PartialRefund, Refund: usd("3000.00"), Release: usd("3000.00")},
			want: dispute.ErrInvalidDecision},
		{name: "a negative part",
			d:    dispute.Decision{Outcome: dispute.PartialRefund, Refund: usd("-1.00"), Release: usd("3201.00")},
			want: dispute.ErrInvalidDecision},
		{name: "a part in another currency",
			d:    dispute.Decision{Outcome: dispute.FullRefund, Refund: payment.MustParse("3200.00", payment.EUR)},
			want: dispute.ErrInvalidDecision},
		{name: "an order that goes on with a refund",
			d:    dispute.Decision{Outcome: dispute.PartialRefund, Refund: usd("100.00"), Continue: true},
			want: dispute.ErrInvalidDecision},
		{name: "an order that goes on compensated above what escrow holds",
			d:    dispute.Decision{Outcome: dispute.Compensation, Compensate: usd("3200.01"), Continue: true},
			want: dispute.ErrInvalidDecision},
		{name: "the adjudicator's own failure", err: errBusy, want: errBusy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMarket(t, func(cfg *dispute.Config) {
				cfg.Adjudicator = dispute.AdjudicatorFunc(func(context.Context, dispute.Input) (dispute.Decision, error) {
					return tc.d, tc.err
				})
			})
			m.deliveredClaim(t, "case-1", "o-1", "3200.00", failedSGS())
			m.escalated(t, "case-1")
			before := m.still(t, "case-1", "o-1")
			_, err := m.disputes.Decide(context.Background(), dAgent, "case-1", "decide")
			require.ErrorIs(t, err, tc.want)
			m.requireStill(t, before)
			c := m.caseOf(t, "case-1")
			assert.Equal(t, dispute.Escalated, c.State)
			assert.Nil(t, c.Decision)
		})
	}
}

func TestACustomAdjudicatorDecidesFromTheCaseAndTheOrder(t *testing.T) {
	var seen dispute.Input
	m := newMarket(t, func(cfg *dispute.Config) {
		cfg.Adjudicator = dispute.AdjudicatorFunc(func(_ context.Context, in dispute.Input) (dispute.Decision, error) {
			seen = in
			parts, err := in.Held.Allocate(1, 3)
			if err != nil {
				return dispute.Decision{}, err
			}
			return dispute.Decision{Outcome: dispute.PartialRefund, Refund: parts[0], Release: parts[1], SupplierAtFault: true,
				Rules: []string{"quarter"}, Reasons: []payment.Reason{{Code: "custom.quarter", Text: "a quarter back"}}}, nil
		})
	})
	m.deliveredClaim(t, "case-1", "o-1", "3200.00", failedSGS())
	c := m.decided(t, "case-1")
	assert.Equal(t, "case-1", seen.Case.ID)
	assert.Equal(t, "o-1", seen.Order.ID)
	assert.Equal(t, usd("3200.00"), seen.Held)
	assert.Equal(t, m.clock.Now(), seen.Now)
	assert.Equal(t, usd("800.00"), c.Decision.Refund)
	assert.Equal(t, dAgent, c.Decision.By)

	m.sweep(t, c.StateSince.AddDate(0, 0, 7))
	assert.Equal(t, order.Completed, m.orderOf(t, "o-1").State)
	m.requireSettledOnce(t, "o-1", "800.00", "0.00", "2400.00")
}

// --- The seed scenarios, end to end ---

func TestSeedAnElectronicsBuyerWithAFailedSGSInspectionIsRefunded(t *testing.T) {
	ctx := context.Background()
	m := newMarket(t, nil)
	m.orderAt(t, "o-tablets", terms(), delivered)
	m.clock.Advance(nDays(5))
	m.open(t, dBuyer, dispute.OpenRequest{ID: "case-flicker", OrderID: "o-tablets", Reason: dispute.QualityNotAsAgreed,
		Amount: usd("3200.00"), Description: "every screen flickers", Defects: []string{"flicker"},
		Evidence: []dispute.Evidence{failedSGS(), evidence("photo-1", dispute.Photo)}})
	m.clock.Advance(nDays(1))
	_, err := m.disputes.Respond(ctx, dSupplier, "case-flicker", "respond", "the screens passed our QC")
	require.NoError(t, err)
	m.offered(t, dSupplier, "case-flicker", "offer-1", "300.00")
	m.offered(t, dBuyer, "case-flicker", "offer-2", "3200.00")
	m.clock.Advance(nDays(2))
	c := m.escalated(t, "case-flicker")
	c, err = m.disputes.Decide(ctx, dAgent, c.ID, "decide")
	require.NoError(t, err)
	d := c.Decision
	assert.Equal(t, dispute.FullRefund, d.Outcome)
	assert.Equal(t, usd("3200.00"), d.Refund)
	assert.True(t, d.SupplierAtFault)
	assert.Equal(t, []string{dispute.ReasonFailedInspection}, codesOf(d.Reasons))

	rep := m.sweep(t, c.StateSince.AddDate(0, 0, 7))
	assert.Equal(t, []string{"case-flicker"}, rep.Finalized)
	c = m.caseOf(t, "case-flicker")
	assert.Equal(t, dispute.Final, c.State)
	assert.Equal(t, []dispute.Event{dispute.Open, dispute.Respond, dispute.MakeOffer, dispute.MakeOffer, dispute.Escalate,
		dispute.Decide, dispute.Finalize}, eventsOf(c))
	o := m.orderOf(t, "o-tablets")
	assert.Equal(t, order.Refunded, o.State)
	assert.True(t, o.Disputes[0].SupplierAtFault)
	m.requireSettledOnce(t, "o-tablets", "3200.00", "0.00", "0.00")
	assert.Equal(t, []payment.Money{usd("960.00"), usd("2240.00")}, m.refundedOnPayments(t, "o-tablets"),
		"each of the buyer's payments is refunded")
}

// clothing are the terms of 500 cotton T-shirts at USD 4.00 and USD
// 150.00 of shipping (USD 2,150.00), otherwise as terms.
func clothing() order.Terms {
	tm := terms()
	tm.Items = []order.LineItem{{SKU: "TEE-M", Description: "cotton T-shirt, M", Quantity: 500, Unit: "pieces", UnitPrice: usd("4.00"),
		Spec: order.Spec{Size: "M", QualityStandard: "OEKO-TEX 100", Packaging: "polybag"}}}
	tm.ShippingCost = usd("150.00")
	return tm
}

func TestSeedALateClothingOrderIsCompensatedWithoutTheBuyerApplying(t *testing.T) {
	ctx := context.Background()
	m := newMarket(t, nil)
	o := m.orderAt(t, "o-tees", clothing(), inProduction)
	require.Equal(t, usd("645.00"), o.Paid(), "the 30% deposit")

	rep, err := m.orders.Sweep(ctx, o.Terms.ShipBy)
	require.NoError(t, err)
	assert.Empty(t, rep.Compensated, "on time at the shipment date itself")

	m.moveTo(t, o.Terms.ShipBy.Add(time.Nanosecond))
	rep, err = m.orders.Sweep(ctx, m.clock.Now())
	require.NoError(t, err)
	assert.Equal(t, []string{"o-tees"}, rep.Compensated)
	o = m.orderOf(t, "o-tees")
	assert.Equal(t, order.InProduction, o.State, "the order goes on")
	assert.Equal(t, usd("43.00"), o.LateShipment.Amount, "2% of USD 2,150.00")
	assert.Equal(t, usd("43.00"), o.Compensated())
	b := m.balanceOf(t, "o-tees")
	assert.Equal(t, usd("43.00"), b.Compensated)
	assert.Equal(t, usd("602.00"), b.Remaining)

	m.clock.Advance(nDays(1))
	before := m.still(t, "case-late", "o-tees")
	_, err = m.disputes.Open(ctx, dBuyer, openReq("case-late", "o-tees", dispute.LateShipment, "100.00"))
	requireNotCovered(t, err, "o-tees", coverage.ReasonAlreadyCompensated)
	m.requireStill(t, before)
}

func TestSeedAPoorQualityClaimWithoutEvidenceLoses(t *testing.T) {
	m := newMarket(t, nil)
	c := m.deliveredClaim(t, "case-1", "o-1", "2000.00")
	m.responded(t, "case-1")
	rep := m.sweep(t, c.OpenedAt.AddDate(0, 0, 7))
	assert.Equal(t, []string{"case-1"}, rep.Escalated)
	c, err := m.disputes.Decide(context.Background(), dAgent, "case-1", "decide")
	require.NoError(t, err)
	d := c.Decision
	assert.Equal(t, dispute.Rejection, d.Outcome)
	assert.False(t, d.SupplierAtFault)
	assert.False(t, d.Continue)
	assert.Equal(t, usd("3200.00"), d.Release)
	assert.Equal(t, []string{dispute.RuleMissingEvidence}, d.Rules)
	assert.Equal(t, []string{dispute.ReasonMissingEvidence, dispute.ReasonDiscountAfterShipment}, codesOf(d.Reasons))

	m.sweep(t, c.StateSince.AddDate(0, 0, 7))
	o := m.orderOf(t, "o-1")
	assert.Equal(t, order.Completed, o.State)
	assert.False(t, o.Disputes[0].SupplierAtFault)
	m.requireSettledOnce(t, "o-1", "0.00", "0.00", "3200.00")
	assert.Equal(t, []payment.Money{usd("0.00"), usd("0.00")}, m.refundedOnPayments(t, "o-1"))
	assert.Equal(t, usd("64.00"), m.balanceOf(t, "o-1").Fees, "the 2% release fee")
}

// --- Crashes ---

var errDown = errors.New("test: down")

// flakyStore is a Store whose Update fails while down is set.
type flakyStore struct {
	dispute.Store
	down atomic.Bool
}

func (s *flakyStore) Update(ctx context.Context, id string, fn func(*dispute.Case) error) (*dispute.Case, error) {
	if s.down.Load() {
		return nil, fmt.Errorf("update case %s: %w", id, errDown)
	}
	return s.Store.Update(ctx, id, func(c *dispute.Case) error {
		if err := fn(c); err != nil {
			return err
		}
		if s.down.Load() { // it went down while fn ran: the write fails
			return fmt.Errorf("update case %s: %w", id, errDown)
		}
		return nil
	})
}

// flakyOrders is the order service with faults: the next calls of a
// method named in fail fail, and afterResolve runs after every
// ResolveDispute that succeeded.
type flakyOrders struct {
	dispute.Orders
	mu           sync.Mutex
	fail         map[string]int
	afterResolve func()
}

func (f *flakyOrders) failing(method string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail[method] == 0 {
		return nil
	}
	f.fail[method]--
	return fmt.Errorf("%s: %w", method, errDown)
}

func (f *flakyOrders) OpenDispute(ctx context.Context, by payment.Actor, id string, req order.DisputeRequest) (*order.Order, error) {
	if err := f.failing("OpenDispute"); err != nil {
		return nil, err
	}
	return f.Orders.OpenDispute(ctx, by, id, req)
}

func (f *flakyOrders) ResolveDispute(ctx context.Context, by payment.Actor, id string, r order.Resolution) (*order.Order, error) {
	if err := f.failing("ResolveDispute"); err != nil {
		return nil, err
	}
	o, err := f.Orders.ResolveDispute(ctx, by, id, r)
	if err == nil && f.afterResolve != nil {
		f.afterResolve()
	}
	return o, err
}

// flakyMarket is a market whose dispute service runs on a flaky store and
// a flaky order service.
func flakyMarket(t testing.TB) (*market, *flakyStore, *flakyOrders) {
	var (
		store  *flakyStore
		orders *flakyOrders
	)
	m := newMarket(t, func(cfg *dispute.Config) {
		store, orders = &flakyStore{Store: cfg.Store}, &flakyOrders{Orders: cfg.Orders, fail: map[string]int{}}
		cfg.Store, cfg.Orders = store, orders
	})
	return m, store, orders
}

func TestACrashAfterTheOrderWasResolvedLeavesNothingAndTheNextSweepFinalizesOnce(t *testing.T) {
	m, store, orders := flakyMarket(t)
	m.deliveredClaim(t, "case-1", "o-1", "1200.00", failedSGS())
	c := m.decided(t, "case-1")
	orders.afterResolve = func() { store.down.Store(true) } // the process dies once the order is resolved, before the case is written
	m.moveTo(t, c.StateSince.AddDate(0, 0, 7))

	rep, err := m.disputes.Sweep(context.Background(), m.clock.Now())
	require.NoError(t, err)
	require.Len(t, rep.Failures, 1)
	assert.ErrorIs(t, rep.Failures[0], errDown)
	assert.Empty(t, rep.Finalized)
	assert.Equal(t, dispute.Decided, m.caseOf(t, "case-1").State, "nothing of the finalisation is left")
	assert.Equal(t, order.Disputed, m.orderOf(t, "o-1").State, "nor of the order's resolution")
	assert.True(t, m.accountOf(t, "o-1").Frozen)
	assert.Equal(t, 0, opsOf(m.accountOf(t, "o-1"), escrow.OpSettle))

	store.down.Store(false)
	orders.afterResolve = nil
	m.clock.Advance(time.Minute)
	rep = m.sweep(t, m.clock.Now())
	assert.Equal(t, []string{"case-1"}, rep.Finalized)
	c = m.caseOf(t, "case-1")
	assert.Equal(t, dispute.Final, c.State)
	assert.True(t, m.carriedOut(t, c))
	assert.True(t, c.Deadline.IsZero())
	assert.Equal(t, order.Completed, m.orderOf(t, "o-1").State)
	m.requireSettledOnce(t, "o-1", "1200.00", "0.00", "2000.00")
	before := m.still(t, "case-1", "o-1")
	assert.Equal(t, &dispute.SweepReport{}, m.sweep(t, m.clock.Now().AddDate(0, 1, 0)))
	m.requireStill(t, before)
}

func TestACrashBeforeTheOrderWasResolvedLeavesNothingAndTheRetryDecidesOnce(t *testing.T) {
	ctx := context.Background()
	m, _, orders := flakyMarket(t)
	m.deliveredClaim(t, "case-1", "o-1", "1200.00", failedSGS())
	m.decided(t, "case-1")
	_, err := m.disputes.Appeal(ctx, dSupplier, "case-1", "appeal", "")
	require.NoError(t, err)
	orders.fail["ResolveDispute"] = 1
	before := m.still(t, "case-1", "o-1")

	_, err = m.disputes.Decide(ctx, dAgent, "case-1", "decide-appeal")
	require.ErrorIs(t, err, errDown)
	m.requireStill(t, before)
	assert.Equal(t, dispute.Appealed, m.caseOf(t, "case-1").State)

	c, err := m.disputes.Decide(ctx, dAgent, "case-1", "decide-appeal")
	require.NoError(t, err)
	assert.Equal(t, dispute.Final, c.State)
	assert.True(t, m.carriedOut(t, c))
	assert.Equal(t, order.Completed, m.orderOf(t, "o-1").State)
	m.requireSettledOnce(t, "o-1", "1200.00", "0.00", "2000.00")
	after := m.still(t, "case-1", "o-1")
	_, err = m.disputes.Decide(ctx, dAgent, "case-1", "decide-appeal")
	require.NoError(t, err, "a replay")
	m.requireStill(t, after)
}

func TestAnOpenWhoseOrderLinkFailedLeavesNoCaseAndItsRetryOpensIt(t *testing.T) {
	ctx := context.Background()
	m, _, orders := flakyMarket(t)
	m.orderAt(t, "o-1", terms(), delivered)
	orders.fail["OpenDispute"] = 1

	_, err := m.disputes.Open(ctx, dBuyer, openReq("case-1", "o-1", dispute.QualityNotAsAgreed, "1200.00", failedSGS()))
	require.ErrorIs(t, err, errDown)
	_, err = m.disputes.Case(ctx, "case-1")
	require.ErrorIs(t, err, dispute.ErrNotFound, "no case is open on an order that is not disputed")
	assert.Equal(t, order.Delivered, m.orderOf(t, "o-1").State)
	assert.False(t, m.accountOf(t, "o-1").Frozen)

	m.clock.Advance(time.Minute)
	c, err := m.disputes.Open(ctx, dBuyer, openReq("case-1", "o-1", dispute.QualityNotAsAgreed, "1200.00", failedSGS()))
	require.NoError(t, err, "the buyer's retry")
	assert.True(t, m.opened(t, c))
	o := m.orderOf(t, "o-1")
	assert.Equal(t, order.Disputed, o.State)
	d, _ := o.OpenDispute()
	assert.Equal(t, "case-1", d.CaseID)
	assert.True(t, m.accountOf(t, "o-1").Frozen)
	assert.Equal(t, c.OpenedAt.AddDate(0, 0, 3), c.Deadline, "the respondent's three days run from the opening")
}

// --- Export ---

func TestTheExportIsOneJSONDocumentWithTheWholeCase(t *testing.T) {
	ctx := context.Background()
	m := newMarket(t, nil)
	m.deliveredClaim(t, "case-1", "o-1", "1200.00", failedSGS())
	_, err := m.disputes.SubmitEvidence(ctx, dSupplier, "case-1", evidence("loading-1", dispute.LoadingVideo))
	require.NoError(t, err)
	m.decided(t, "case-1")
	stored := m.caseOf(t, "case-1")

	raw, err := m.disputes.Export(ctx, "case-1")
	require.NoError(t, err)
	require.True(t, json.Valid(raw))
	var doc dispute.Export
	require.NoError(t, json.Unmarshal(raw, &doc))

	require.NotNil(t, doc.Case)
	assert.Equal(t, "case-1", doc.Case.ID)
	assert.Equal(t, []dispute.Event{dispute.Open, dispute.SubmitEvidence, dispute.Escalate, dispute.Decide}, eventsOf(doc.Case))
	testkit.Check(t, "the exported timeline", stored.Timeline, doc.Case.Timeline)
	require.Len(t, doc.Case.Evidence, 2)
	for i, e := range stored.Evidence {
		assert.Equal(t, e.URI, doc.Case.Evidence[i].URI)
		assert.Equal(t, e.SHA256, doc.Case.Evidence[i].SHA256)
		assert.Equal(t, e.SubmittedBy, doc.Case.Evidence[i].SubmittedBy)
		assert.Contains(t, string(raw), e.URI)
	}
	require.NotNil(t, doc.Case.Decision)
	testkit.Check(t, "the exported decision", *stored.Decision, *doc.Case.Decision)
	assert.Equal(t, "o-1", doc.Order.ID)
	assert.False(t, doc.Order.DeliveredAt.IsZero())
	assert.True(t, doc.ExportedAt.Equal(m.clock.Now()))

	_, err = m.disputes.Export(ctx, "case-9")
	require.ErrorIs(t, err, dispute.ErrNotFound)
}

// TestNoCallersKeyReachesTheSweepsActions replays issue 15's attack on a
// case: the respondent answered under the key of the sweep's finalisation,
// "sweep/finalize", which made the sweep's own action a replay of the
// answer, so no decision was ever carried out and escrow stayed frozen. A
// caller's key lives in a namespace of its own: the sweep finalises the
// decision and carries it out.
func TestNoCallersKeyReachesTheSweepsActions(t *testing.T) {
	m := newMarket(t, nil)
	c := m.deliveredClaim(t, "case-1", "o-1", "1200.00", failedSGS())
	_, err := m.disputes.Respond(context.Background(), c.Respondent(), "case-1", "sweep/finalize", "we disagree")
	require.NoError(t, err)
	c = m.decided(t, "case-1")
	assert.Equal(t, &dispute.SweepReport{Finalized: []string{"case-1"}}, m.sweep(t, c.StateSince.AddDate(0, 0, 7)))
	c = m.caseOf(t, "case-1")
	assert.Equal(t, dispute.Final, c.State)
	assert.True(t, m.carriedOut(t, c), "the decision was carried out")
	assert.NotEqual(t, order.Disputed, m.orderOf(t, "o-1").State)
	assert.False(t, m.accountOf(t, "o-1").Frozen, "escrow is no longer frozen")
}

// TestACallersKeyOnACaseIsScopedToTheOperation: the respondent's answer
// under the key the claimant's acceptance of an offer takes
// ("accept/<offer>") does not block the acceptance.
func TestACallersKeyOnACaseIsScopedToTheOperation(t *testing.T) {
	m := newMarket(t, nil)
	c := m.deliveredClaim(t, "case-1", "o-1", "1200.00", failedSGS())
	_, err := m.disputes.Respond(context.Background(), c.Respondent(), "case-1", "accept/offer-1", "we disagree")
	require.NoError(t, err)
	m.offered(t, c.Respondent(), "case-1", "offer-1", "300.00")
	c, err = m.disputes.Accept(context.Background(), c.Claimant, "case-1", "offer-1")
	require.NoError(t, err, "the claimant accepts the offer")
	assert.Equal(t, dispute.Settled, c.State)
}

func TestEveryEntryOfACaseIsInTheOutboxOnceInOrderAndARefusedCallAddsNone(t *testing.T) {
	outbox := payment.MemoryOutbox()
	m := newMarket(t, func(cfg *dispute.Config) { cfg.Outbox = outbox })
	m.deliveredClaim(t, "case-1", "o-1", "1200.00", failedSGS())
	_, err := m.disputes.Respond(context.Background(), dBuyer, "case-1", "respond", "I am not the respondent")
	require.Error(t, err, "the claimant cannot respond")
	c := m.decided(t, "case-1")

	msgs, err := outbox.Undelivered(context.Background(), 100)
	require.NoError(t, err)
	var got []dispute.Entry
	for _, msg := range msgs {
		n, err := dispute.NoticeOf(msg)
		require.NoError(t, err)
		assert.Equal(t, dispute.Notice{CaseID: c.ID, OrderID: "o-1", BuyerID: dBuyer.ID, SupplierID: dSupplier.ID, Entry: n.Entry}, n)
		assert.Equal(t, "case."+string(n.Entry.Event), msg.Type)
		got = append(got, n.Entry)
	}
	testkit.Check(t, "the case's notices", c.Timeline, got)
	_, err = order.NoticeOf(msgs[0])
	assert.ErrorIs(t, err, payment.ErrInvalidRequest, "a case's message is not an order's")
}
