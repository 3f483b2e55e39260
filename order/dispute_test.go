package order_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
	supplierpkg "github.com/tradeassure/tradeassure/supplier"
)

// The dispute cases of these tests.
const (
	caseOne = "case-1"
	caseTwo = "case-2"
)

// disputable are the states a dispute is opened from, each with the last
// step of the happy path that reaches it.
var disputable = []struct {
	state   order.State
	through string
}{
	{order.InProduction, "start production"},
	{order.AwaitingInspection, "finish production"},
	{order.ReadyToShip, "inspect"},
	{order.Shipped, "track"},
	{order.Delivered, "deliver"},
}

// disputedAt is the happy path through the step named through, then the
// buyer opening case-1.
func disputedAt(through string) []step {
	return happyThrough(through, disputeOpened(wBuyer, caseOne))
}

// disputeOpened is by opening dispute caseID on the order, as a step.
func disputeOpened(by payment.Actor, caseID string) step {
	return step{"open dispute " + caseID, func(ctx context.Context, w *world, id string) (*order.Order, error) {
		return w.svc.OpenDispute(ctx, wDisputes, id, order.DisputeRequest{CaseID: caseID, Claimant: by})
	}}
}

// decision is how a dispute ends, worked out on the order as it stands.
type decision func(o *order.Order) order.Resolution

// disputeResolved is a platform agent resolving the order's dispute as
// decide says, as a step.
func disputeResolved(decide decision) step {
	return step{"resolve dispute", func(ctx context.Context, w *world, id string) (*order.Order, error) {
		o, err := w.svc.Order(ctx, id)
		if err != nil {
			return nil, err
		}
		return w.svc.ResolveDispute(ctx, wDisputes, id, decide(o))
	}}
}

// refundAll ends case-1 with everything escrow holds back to the buyer.
func refundAll(o *order.Order) order.Resolution {
	return order.Resolution{CaseID: caseOne, Refund: o.Remaining(), SupplierAtFault: true}
}

// releaseAll ends case-1 rejecting the claim: everything escrow holds goes
// to the supplier.
func releaseAll(o *order.Order) order.Resolution {
	return order.Resolution{CaseID: caseOne, Release: o.Remaining()}
}

// splitting ends case-1, the supplier at fault, with what escrow holds
// shared refund:release between the buyer and the supplier.
func splitting(refund, release int64) decision {
	return func(o *order.Order) order.Resolution {
		parts, err := o.Remaining().Allocate(refund, release)
		if err != nil {
			panic(err)
		}
		return order.Resolution{CaseID: caseOne, Refund: parts[0], Release: parts[1], SupplierAtFault: true}
	}
}

// adjusted is case-1's resolution, the supplier at fault, as edit makes
// it knowing what escrow holds for the order (left).
func adjusted(edit func(r *order.Resolution, left payment.Money)) decision {
	return func(o *order.Order) order.Resolution {
		r := order.Resolution{CaseID: caseOne, SupplierAtFault: true}
		edit(&r, o.Remaining())
		return r
	}
}

// compensating ends case-1 paying the buyer compensation and releasing the
// rest to the supplier.
func compensating(compensation string) decision {
	return adjusted(func(r *order.Resolution, left payment.Money) {
		r.Compensate, r.Release = usd(compensation), shifted(left, -usd(compensation).Minor())
	})
}

// goingOn lets the order go on after case caseID, paying the buyer
// compensation ("" for none).
func goingOn(caseID, compensation string) decision {
	return func(*order.Order) order.Resolution {
		r := order.Resolution{CaseID: caseID, Continue: true}
		if compensation != "" {
			r.Compensate, r.SupplierAtFault = usd(compensation), true
		}
		return r
	}
}

// shifted returns m moved by units minor units.
func shifted(m payment.Money, units int64) payment.Money {
	out, err := payment.FromMinor(m.Minor()+units, m.Currency())
	if err != nil {
		panic(err)
	}
	return out
}

// openCall is by opening dispute caseID, for a refusal's call.
func openCall(by payment.Actor, caseID string) func(s *scene) error {
	return func(s *scene) error {
		return errOf(s.w.svc.OpenDispute(s.ctx, wDisputes, s.id, order.DisputeRequest{CaseID: caseID, Claimant: by}))
	}
}

// resolveCall is by resolving the dispute as decide says, for a refusal's
// call.
func resolveCall(by payment.Actor, decide decision) func(s *scene) error {
	return func(s *scene) error { return errOf(s.w.svc.ResolveDispute(s.ctx, by, s.id, decide(s.order()))) }
}

// snapshot is everything a dispute call may change: the scene's state and
// the order's escrow account (frozen or not) with its balance; Account is
// nil while the order has none.
type snapshot struct {
	Scene   sceneState
	Account *escrow.Account
	Balance escrow.Balance
}

// snapshot returns the scene's snapshot now.
func (s *scene) snapshot() snapshot {
	s.t.Helper()
	snap := snapshot{Scene: s.state()}
	a, err := s.w.escrow.Account(s.ctx, s.id)
	if errors.Is(err, escrow.ErrNotFound) {
		return snap
	}
	require.NoError(s.t, err)
	snap.Account, snap.Balance = a, s.balance()
	return snap
}

// account returns the order's escrow account.
func (s *scene) account() *escrow.Account {
	s.t.Helper()
	a, err := s.w.escrow.Account(s.ctx, s.id)
	require.NoError(s.t, err)
	return a
}

// refuses runs call, requires it to fail with want, as the error type that
// carries it, and to leave everything as it was: the order with its
// version, escrow, the payments, the supplier and the notices.
func (s *scene) refuses(want error, call func() error) {
	s.t.Helper()
	before := s.snapshot()
	err := call()
	requireRefusal(s.t, err, want)
	if want == payment.ErrCurrencyMismatch {
		require.ErrorAs(s.t, err, new(*payment.CurrencyMismatchError))
	}
	testkit.Check(s.t, "what a refused call left", before, s.snapshot())
}

// replays runs call, requires it to succeed with the order as stored, and
// to leave everything as it was.
func (s *scene) replays(call func() (*order.Order, error)) {
	s.t.Helper()
	before := s.snapshot()
	o, err := call()
	require.NoError(s.t, err)
	require.NotNil(s.t, before.Scene.Order)
	assert.Equal(s.t, before.Scene.Order.Version, o.Version, "the version of the order returned")
	testkit.Check(s.t, "what a replay left", before, s.snapshot())
}

// checkDisputeRefusals runs each refusal on order o-1 of a world of its
// own, requiring it to change nothing, escrow included.
func checkDisputeRefusals(t *testing.T, tests []refusal) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScene(t, tt.setup...)
			s.refuses(tt.want, func() error { return tt.call(s) })
		})
	}
}

// checkLastAction requires the latest action on o to be want, whatever its
// fingerprint.
func checkLastAction(t *testing.T, o *order.Order, want order.Action) {
	t.Helper()
	got := lastAction(t, o)
	want.Fingerprint = got.Fingerprint
	testkit.Check(t, "the latest action", want, got)
}

// emptied is the balance of an account that paid out all it held.
func emptied(held, refunded, compensated, released, fees string) escrow.Balance {
	zero := usd("0.00")
	return escrow.Balance{Held: usd(held), Released: usd(released), Fees: usd(fees), Refunded: usd(refunded),
		Compensated: usd(compensated), Guaranteed: zero, Recovered: zero, Remaining: zero, Frozen: zero, Available: zero}
}

// requirePaymentRefunds requires each paid payment of o to show the refund
// refunds gives its tranche (none when absent) and the status that goes
// with it.
func (s *scene) requirePaymentRefunds(o *order.Order, refunds map[payment.Tranche]string) {
	s.t.Helper()
	for _, tp := range o.Payments {
		if tp.PaidAt.IsZero() {
			continue
		}
		want, status := usd("0.00"), payment.StatusSucceeded
		if amount, ok := refunds[tp.Tranche]; ok {
			want, status = usd(amount), payment.StatusPartiallyRefunded
		}
		if want == tp.Amount {
			status = payment.StatusRefunded
		}
		p := s.payment(tp.PaymentID)
		assert.Equal(s.t, want, p.Refunded(), "refunded on the %s's payment", tp.Tranche)
		assert.Equal(s.t, status, p.Status, "the %s's payment", tp.Tranche)
	}
}

// requireRecorded requires the supplier to have no reservation left and
// its record to hold o, finished now, disputed, lost when lost says.
func (s *scene) requireRecorded(o *order.Order, lost bool) {
	s.t.Helper()
	sup := s.supplier()
	assert.Empty(s.t, sup.Reservations, "the supplier's reservations")
	testkit.Check(s.t, "the supplier's record of orders", []supplierpkg.OrderRecord{{
		OrderID: s.id, BuyerID: wBuyer.ID, Value: usd("3200.00"), CompletedAt: o.UpdatedAt,
		OnTime:   !o.Shipment.ShippedAt.IsZero(), // the happy path ships on time
		Disputed: true, DisputeLost: lost,
		Inspected: len(o.Inspections) > 0, // the happy path's inspection passes
		Release:   s.release(),
	}}, recordsOf(s.t, s.w, s.id))
	assert.Equal(s.t, s.released().Minor(), sup.Balance(payment.USD).Credited.Minor(), "the supplier's balance credited: what the escrow released")
}

// released returns what the order's escrow account released to the
// supplier: the zero Money for nothing.
func (s *scene) released() payment.Money { return s.release().Paid }

// release is what the order's escrow account says its release did.
func (s *scene) release() supplierpkg.Release {
	b := s.balance()
	some := func(m payment.Money) payment.Money {
		if m.IsPositive() {
			return m
		}
		return payment.Money{}
	}
	return supplierpkg.Release{Paid: some(b.Released), Fees: some(b.Fees), Withheld: some(b.Recovered)}
}

// Issue 15's finding 5: the buyer called OpenDispute with a case id no
// dispute case had, and the order's escrow froze for good, coverage's
// admission never asked. Only the dispute service opens and resolves an
// order's disputes, for the cases it admitted and decided.
func TestOnlyTheDisputeServiceOpensAndResolvesDisputes(t *testing.T) {
	others := []payment.Actor{wBuyer, wSupplier, wAgent, wHooks, payment.System("tradeassure/order")}
	for _, by := range others {
		t.Run(describe(by)+" opens a dispute for a case that does not exist", func(t *testing.T) {
			s := newScene(t, happyThrough("deliver")...)
			before := s.authzState()
			_, err := s.w.svc.OpenDispute(s.ctx, by, s.id, order.DisputeRequest{CaseID: "no-such-case", Claimant: wBuyer})
			requireRefusal(t, err, payment.ErrForbidden)
			testkit.Check(t, "what the refused call left", before, s.authzState())
			assert.False(t, s.account().Frozen, "the escrow account is frozen")
		})
		t.Run(describe(by)+" resolves the dispute its case did not decide", func(t *testing.T) {
			s := newScene(t, disputedAt("deliver")...)
			before := s.authzState()
			_, err := s.w.svc.ResolveDispute(s.ctx, by, s.id, refundAll(s.order()))
			requireRefusal(t, err, payment.ErrForbidden)
			testkit.Check(t, "what the refused call left", before, s.authzState())
			assert.True(t, s.account().Frozen, "the escrow account stays frozen")
		})
	}
	t.Run("the dispute service is a system actor", func(t *testing.T) {
		w := newWorld(t)
		_, err := order.NewService(order.Config{Store: order.NewMemoryStore(), Clock: w.clock, Payments: w.payments,
			Escrow: w.escrow, Suppliers: w.suppliers, Disputes: wBuyer})
		require.Error(t, err)
		assert.ErrorIs(t, err, payment.ErrForbidden)
	})
}

func TestOpenDisputeFreezesEscrowFromEveryDisputableState(t *testing.T) {
	for _, from := range disputable {
		for _, by := range []payment.Actor{wBuyer, wSupplier, wAgent} {
			t.Run(fmt.Sprintf("%s disputes an order %s", describe(by), from.state), func(t *testing.T) {
				s := sceneAt(t, from.through)
				before := s.order()
				require.Equal(t, from.state, before.State)
				s.w.clock.Advance(time.Hour)
				now := s.w.clock.Now()

				o, err := s.w.svc.OpenDispute(s.ctx, wDisputes, s.id, order.DisputeRequest{CaseID: caseOne, Claimant: by})
				require.NoError(t, err)
				assert.Equal(t, order.Disputed, o.State)
				d, ok := o.OpenDispute()
				require.True(t, ok, "the order has an open dispute")
				testkit.Check(t, "the open dispute", order.DisputeRecord{CaseID: caseOne, From: from.state, OpenedAt: now}, d)
				testkit.Check(t, "the order as stored", o, s.order())

				acct := s.account()
				assert.True(t, acct.Frozen, "the escrow account is frozen")
				assert.Contains(t, acct.FreezeReason, caseOne, "why escrow is frozen")
				bal := s.balance()
				assert.True(t, bal.Available.IsZero(), "escrow available: %s", bal.Available)
				assert.Equal(t, before.Remaining(), bal.Frozen, "escrow holds back all it holds")

				checkLastAction(t, o, order.Action{Seq: before.History.Len() + 1, Name: "open_dispute", Event: order.OpenDispute,
					By: by, At: now, From: from.state, To: order.Disputed, Ref: "dispute/" + caseOne + "/open"})
				s.requirePublished(o)
			})
		}
	}
}

func TestOpenDisputeRefusesOrdersOutsideProductionToDelivery(t *testing.T) {
	var tests []refusal
	for _, not := range []struct{ order, through string }{
		{"a draft", "create"},
		{"an order awaiting confirmation", "submit"},
		{"an order awaiting payment", "confirm"},
		{"a paid order before production; it is called off instead", "report deposit"},
	} {
		tests = append(tests, refusal{name: "nobody disputes " + not.order, setup: happyThrough(not.through),
			call: openCall(wBuyer, caseOne), want: order.ErrInvalidTransition})
	}
	for _, by := range []payment.Actor{strangerBuyer, strangerSupplier, wHooks} {
		tests = append(tests, refusal{name: describe(by) + " cannot dispute the order", setup: happyThrough("track"),
			call: openCall(by, caseOne), want: payment.ErrForbidden})
	}
	checkDisputeRefusals(t, append(tests,
		refusal{name: "a second case cannot be opened while one is open", setup: disputedAt("track"),
			call: openCall(wSupplier, caseTwo), want: order.ErrInvalidTransition},
		refusal{name: "a dispute needs its case id", setup: happyThrough("track"),
			call: openCall(wBuyer, ""), want: order.ErrInvalidRequest},
	))
}

func TestOpenDisputeAgainForTheSameCaseIsAReplay(t *testing.T) {
	tests := []struct {
		name  string
		setup []step
	}{
		{"while the dispute is open", disputedAt("track")},
		{"after the dispute was resolved, without reopening it", happyThrough("track",
			disputeOpened(wBuyer, caseOne), disputeResolved(goingOn(caseOne, "")))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScene(t, tt.setup...)
			s.w.clock.Advance(time.Hour)
			s.replays(func() (*order.Order, error) {
				return s.w.svc.OpenDispute(s.ctx, wDisputes, s.id, order.DisputeRequest{CaseID: caseOne, Claimant: wBuyer})
			})
		})
	}
}

func TestADisputedOrderWaitsForTheResolution(t *testing.T) {
	sweeps := []struct {
		name    string
		through string
		at      func(o *order.Order) time.Time
	}{
		{"the sweep does not confirm receipt of a disputed delivery after the receipt window", "deliver",
			func(o *order.Order) time.Time { return o.ReceiptDeadline.AddDate(0, 0, 1) }},
		{"the sweep does not compensate a disputed order that missed its shipment date", "start production",
			func(o *order.Order) time.Time { return o.Terms.ShipBy.AddDate(0, 0, 1) }},
	}
	for _, tt := range sweeps {
		t.Run(tt.name, func(t *testing.T) {
			s := newScene(t, disputedAt(tt.through)...)
			before := s.snapshot()
			assert.True(t, before.Scene.Order.Deadline.IsZero(), "a disputed order has nothing due, deadline %s", before.Scene.Order.Deadline)
			at := tt.at(before.Scene.Order)
			setClock(s.w, at)
			sweepChangesNothing(t, s.w, at, s.id)
			testkit.Check(t, "what the sweep left", before, s.snapshot())
			assert.Empty(t, compensations(t, s.w, s.id), "compensations paid")
		})
	}
	var refusals []refusal
	for _, tt := range []struct {
		by      payment.Actor
		op      operation
		through string
	}{
		{wBuyer, opReceive, "deliver"},
		{wBuyer, opExtend, "deliver"},
		{wSupplier, opShip, "report balance"},
		{wAgent, opDeliver, "track"},
		{wAgent, opCancel, "start production"},
	} {
		refusals = append(refusals, refusal{name: fmt.Sprintf("%s cannot %s while it is disputed", describe(tt.by), tt.op.does),
			setup: disputedAt(tt.through), call: tt.op.by(tt.by), want: order.ErrInvalidTransition})
	}
	checkDisputeRefusals(t, refusals)
}

func TestResolveDisputeEndingTheOrderSettlesEscrowAtOnce(t *testing.T) {
	tests := []struct {
		name    string
		through string // the happy path's last step before the dispute
		decide  decision
		state   order.State
		balance escrow.Balance
		refunds map[payment.Tranche]string // what each tranche's payment got back
		lost    bool                       // the supplier lost the dispute
	}{
		{"a full refund of a delivered order returns both tranches to the buyer", "deliver", refundAll, order.Refunded,
			emptied("3200.00", "3200.00", "0.00", "0.00", "0.00"), map[payment.Tranche]string{payment.Deposit: "960.00", payment.Balance: "2240.00"}, true},
		{"a full refund of an order in production returns the deposit", "start production", refundAll, order.Refunded,
			emptied("960.00", "960.00", "0.00", "0.00", "0.00"), map[payment.Tranche]string{payment.Deposit: "960.00"}, true},
		{"a 30/70 split refunds 30% and releases 70% less the release fee", "deliver", splitting(30, 70), order.Completed,
			emptied("3200.00", "960.00", "0.00", "2195.20", "44.80"), map[payment.Tranche]string{payment.Balance: "960.00"}, true},
		{"a rejected claim releases everything to the supplier", "deliver", releaseAll, order.Completed,
			emptied("3200.00", "0.00", "0.00", "3136.00", "64.00"), nil, false},
		{"a compensation pays the buyer and releases the rest to the supplier", "track", compensating("200.00"), order.Completed,
			emptied("3200.00", "0.00", "200.00", "2940.00", "60.00"), nil, true},
		{"a refund with a compensation and no release refunds the order", "deliver",
			adjusted(func(r *order.Resolution, left payment.Money) {
				r.Compensate, r.Refund = usd("200.00"), shifted(left, -20000)
			}),
			order.Refunded, emptied("3200.00", "3000.00", "200.00", "0.00", "0.00"),
			map[payment.Tranche]string{payment.Deposit: "760.00", payment.Balance: "2240.00"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScene(t, disputedAt(tt.through)...)
			before := s.order()
			s.w.clock.Advance(24 * time.Hour)
			now := s.w.clock.Now()

			o, err := s.w.svc.ResolveDispute(s.ctx, wDisputes, s.id, tt.decide(before))
			require.NoError(t, err)
			assert.Equal(t, tt.state, o.State)
			closed := before.Disputes[0]
			closed.ClosedAt, closed.SupplierAtFault = now, tt.lost
			testkit.Check(t, "the order's disputes", []order.DisputeRecord{closed}, o.Disputes)

			assert.False(t, s.account().Frozen, "the escrow account is frozen")
			bal := s.balance()
			testkit.Check(t, "the escrow balance", tt.balance, bal)
			paidOut := usd("0.00")
			for _, m := range []payment.Money{bal.Refunded, bal.Compensated, bal.Released, bal.Fees} {
				paidOut, err = paidOut.Add(m)
				require.NoError(t, err)
			}
			assert.Equal(t, bal.Held, paidOut, "held = refunded + compensated + released + fees")
			s.requirePaymentRefunds(o, tt.refunds)
			s.requireRecorded(o, tt.lost)

			ev := order.ResolveForSupplier
			if tt.state == order.Refunded {
				ev = order.ResolveForBuyer
			}
			checkLastAction(t, o, order.Action{Seq: before.History.Len() + 1, Name: "resolve_dispute", Event: ev,
				By: wDisputes, At: now, From: order.Disputed, To: tt.state, Ref: "dispute/" + caseOne + "/resolve"})
			s.requirePublished(o)
		})
	}
}

func TestResolveDisputeLetsTheOrderGoOnWhereItWas(t *testing.T) {
	path := happyPath()
	for _, from := range disputable {
		t.Run(fmt.Sprintf("an order disputed %s goes on %s and completes", from.state, from.state), func(t *testing.T) {
			s := newScene(t, disputedAt(from.through)...)
			before := s.order()
			s.w.clock.Advance(time.Hour)

			o, err := s.w.svc.ResolveDispute(s.ctx, wDisputes, s.id, goingOn(caseOne, "")(before))
			require.NoError(t, err)
			assert.Equal(t, from.state, o.State)
			assert.Equal(t, order.ResumeEvent(from.state), lastAction(t, o).Event)
			_, open := o.OpenDispute()
			assert.False(t, open, "the dispute is closed")
			assert.False(t, s.account().Frozen, "the escrow account is frozen")
			bal := s.balance()
			assert.Equal(t, before.Remaining(), bal.Available, "escrow available")
			assert.Equal(t, before.Remaining(), o.Remaining(), "what escrow holds for the order")

			next := path[stepIndex(path, from.through)+1].name
			o = s.w.run(t, s.id, lifecycleSteps(next, "confirm receipt"))
			assert.Equal(t, order.Completed, o.State)
			testkit.Check(t, "the escrow balance", settledBalance("3200.00", "3136.00", "64.00", "0.00"), s.balance())
			s.requireRecorded(o, false)
		})
	}
}

func TestADisputeCompensationLetsTheOrderGoOnWithTheRest(t *testing.T) {
	s := newScene(t, disputedAt("track")...)
	s.w.clock.Advance(time.Hour)
	o, err := s.w.svc.ResolveDispute(s.ctx, wDisputes, s.id, goingOn(caseOne, "100.00")(s.order()))
	require.NoError(t, err)
	assert.Equal(t, order.Shipped, o.State)
	assert.False(t, s.account().Frozen, "the escrow account is frozen")
	zero := usd("0.00")
	testkit.Check(t, "the escrow balance after the compensation", escrow.Balance{Held: usd("3200.00"), Released: zero, Fees: zero,
		Refunded: zero, Compensated: usd("100.00"), Guaranteed: zero, Recovered: zero, Remaining: usd("3100.00"), Frozen: zero, Available: usd("3100.00")}, s.balance())
	assert.Equal(t, usd("3100.00"), o.Remaining(), "what escrow holds for the order")

	// Receipt releases the USD 3,100.00 left, less the 2% release fee.
	o = s.w.run(t, s.id, lifecycleSteps("deliver", "confirm receipt"))
	assert.Equal(t, order.Completed, o.State)
	testkit.Check(t, "the escrow balance after receipt", settledBalance("3200.00", "3038.00", "62.00", "100.00"), s.balance())
	assert.Len(t, compensations(t, s.w, s.id), 1, "compensation entries")
	s.requireRecorded(o, true)
}

func TestResolvingADeliveredOrdersDisputeMovesTheReceiptDeadlineByTheDisputesLength(t *testing.T) {
	s := sceneAt(t, "deliver")
	deadline := s.order().ReceiptDeadline
	s.w.run(t, s.id, []step{disputeOpened(wBuyer, caseOne)}) // at t
	s.w.clock.Advance(5 * 24 * time.Hour)                    // t + 5 days
	o, err := s.w.svc.ResolveDispute(s.ctx, wDisputes, s.id, goingOn(caseOne, "")(s.order()))
	require.NoError(t, err)
	assert.Equal(t, order.Delivered, o.State)
	moved := deadline.AddDate(0, 0, 5)
	assert.True(t, o.ReceiptDeadline.Equal(moved), "receipt deadline %s, want %s", o.ReceiptDeadline, moved)

	rep, o := sweepFallsDue(t, s.w, s.id, moved)
	assert.Equal(t, []string{s.id}, rep.AutoConfirmed)
	assert.Equal(t, order.Completed, o.State)
}

func TestResolveDisputeRefusesAResolutionThatDoesNotFit(t *testing.T) {
	setup := disputedAt("deliver")
	checkDisputeRefusals(t, []refusal{
		{name: "a resolution for another case", setup: setup, want: order.ErrInvalidRequest,
			call: resolveCall(wDisputes, adjusted(func(r *order.Resolution, left payment.Money) { r.CaseID, r.Refund = caseTwo, left }))},
		{name: "parts one minor unit short of what escrow holds", setup: setup, want: order.ErrInvalidRequest,
			call: resolveCall(wDisputes, adjusted(func(r *order.Resolution, left payment.Money) { r.Refund = shifted(left, -1) }))},
		{name: "parts one minor unit above what escrow holds", setup: setup, want: order.ErrInvalidRequest,
			call: resolveCall(wDisputes, adjusted(func(r *order.Resolution, left payment.Money) { r.Refund, r.Release = left, usd("0.01") }))},
		{name: "a negative part, though the parts add up", setup: setup, want: payment.ErrInvalidAmount,
			call: resolveCall(wDisputes, adjusted(func(r *order.Resolution, left payment.Money) { r.Refund, r.Release = shifted(left, 100), usd("-1.00") }))},
		{name: "a part in another currency", setup: setup, want: payment.ErrCurrencyMismatch,
			call: resolveCall(wDisputes, adjusted(func(r *order.Resolution, left payment.Money) {
				r.Refund = payment.MustParse(left.Amount().String(), payment.EUR)
			}))},
		{name: "going on with a refund", setup: setup, want: order.ErrInvalidRequest,
			call: resolveCall(wDisputes, adjusted(func(r *order.Resolution, _ payment.Money) { r.Continue, r.Refund = true, usd("0.01") }))},
		{name: "going on with a release", setup: setup, want: order.ErrInvalidRequest,
			call: resolveCall(wDisputes, adjusted(func(r *order.Resolution, _ payment.Money) { r.Continue, r.Release = true, usd("0.01") }))},
		{name: "going on with a compensation above what escrow holds", setup: setup, want: payment.ErrInvalidAmount,
			call: resolveCall(wDisputes, adjusted(func(r *order.Resolution, left payment.Money) { r.Continue, r.Compensate = true, shifted(left, 1) }))},
		{name: "the buyer resolving", setup: setup, call: resolveCall(wBuyer, refundAll), want: payment.ErrForbidden},
		{name: "the supplier resolving", setup: setup, call: resolveCall(wSupplier, releaseAll), want: payment.ErrForbidden},
		{name: "another buyer resolving", setup: setup, call: resolveCall(strangerBuyer, refundAll), want: payment.ErrForbidden},
		{name: "resolving an order with no open dispute", setup: happyThrough("deliver"),
			call: resolveCall(wDisputes, refundAll), want: order.ErrInvalidRequest},
	})
}

func TestResolveDisputeAgainUnderTheSameCase(t *testing.T) {
	tests := []struct {
		name          string
		decide, other decision
	}{
		{"a full refund", refundAll, releaseAll},
		{"letting the order go on with a compensation", goingOn(caseOne, "100.00"), goingOn(caseOne, "50.00")},
	}
	for _, tt := range tests {
		t.Run(tt.name+" replays the same resolution and refuses another", func(t *testing.T) {
			s := newScene(t, disputedAt("deliver")...)
			r, other := tt.decide(s.order()), tt.other(s.order())
			_, err := s.w.svc.ResolveDispute(s.ctx, wDisputes, s.id, r)
			require.NoError(t, err)
			s.w.clock.Advance(time.Hour)

			s.replays(func() (*order.Order, error) { return s.w.svc.ResolveDispute(s.ctx, wDisputes, s.id, r) })
			s.refuses(order.ErrIdempotencyMismatch, func() error { return errOf(s.w.svc.ResolveDispute(s.ctx, wDisputes, s.id, other)) })
		})
	}
}

// settleFailingStore is an escrow store whose Update fails, writing
// nothing, while failing is set and the update would record a settlement.
type settleFailingStore struct {
	*escrow.MemoryStore
	failing atomic.Bool
}

var errSettlementLost = errors.New("escrow store lost the settlement")

func (s *settleFailingStore) Update(ctx context.Context, id string, fn func(*escrow.Account) error) (*escrow.Account, error) {
	return s.MemoryStore.Update(ctx, id, func(a *escrow.Account) error {
		if err := fn(a); err != nil {
			return err
		}
		if n := len(a.Operations); s.failing.Load() && n > 0 && a.Operations[n-1].Op == escrow.OpSettle {
			return errSettlementLost
		}
		return nil
	})
}

// withoutVersions returns snap with the order's and the account's versions
// cleared: what a run that took more writes to get there also shows.
func withoutVersions(snap snapshot) snapshot {
	if o := snap.Scene.Order; o != nil {
		snap.Scene.Order = o.Clone()
		snap.Scene.Order.Version = 0
	}
	if a := snap.Account; a != nil {
		snap.Account = a.Clone()
		snap.Account.Version = 0
	}
	return snap
}

func TestAFailedDisputeSettlementLeavesNothingAndItsRetryEndsIt(t *testing.T) {
	breakdowns := []struct {
		name  string
		store func() (escrow.Store, *atomic.Bool)
	}{
		{"the settlement fails", func() (escrow.Store, *atomic.Bool) {
			st := &settleFailingStore{MemoryStore: escrow.NewMemoryStore()}
			return st, &st.failing
		}},
		{"every escrow write fails", func() (escrow.Store, *atomic.Bool) {
			st := &flakyEscrowStore{MemoryStore: escrow.NewMemoryStore()}
			return st, &st.failing
		}},
	}
	decisions := []struct {
		name   string
		decide decision
		state  order.State
	}{
		{"a full refund", refundAll, order.Refunded},
		{"a 30/70 split", splitting(30, 70), order.Completed},
	}
	setup := disputedAt("deliver")
	for _, b := range breakdowns {
		for _, d := range decisions {
			t.Run(fmt.Sprintf("%s when %s: the retry ends it as without the failure", d.name, b.name), func(t *testing.T) {
				want := newScene(t, append(slices.Clone(setup), disputeResolved(d.decide))...)

				es, failing := b.store()
				s := &scene{t: t, w: newWorldWith(t, stores{escrow: es}, nil), ctx: context.Background(), id: "o-1"}
				s.w.run(t, s.id, setup)
				before := s.snapshot()
				s.w.clock.Advance(24 * time.Hour)
				resolution := d.decide(s.order())
				failing.Store(true)
				_, err := s.w.svc.ResolveDispute(s.ctx, wDisputes, s.id, resolution)
				require.Error(t, err)
				testkit.Check(t, "everything, after the resolution that failed", before, s.snapshot())

				failing.Store(false)
				o, err := s.w.svc.ResolveDispute(s.ctx, wDisputes, s.id, resolution)
				require.NoError(t, err)
				assert.Equal(t, d.state, o.State)
				testkit.Check(t, "the escrow balance", want.balance(), s.balance())
				testkit.Check(t, "everything, as without the failure", withoutVersions(want.snapshot()), withoutVersions(s.snapshot()))
				s.replays(func() (*order.Order, error) { return s.w.svc.ResolveDispute(s.ctx, wDisputes, s.id, resolution) })
			})
		}
	}
}

// sweptLate moves the clock a day past the order's shipment date and
// sweeps, as a step; the sweep failing on the order is the step's error.
func sweptLate() step {
	return step{"sweep after the shipment date", func(ctx context.Context, w *world, id string) (*order.Order, error) {
		o, err := w.svc.Order(ctx, id)
		if err != nil {
			return nil, err
		}
		at := o.Terms.ShipBy.AddDate(0, 0, 1)
		setClock(w, at)
		rep, err := w.svc.Sweep(ctx, at)
		if err != nil {
			return nil, err
		}
		if err := errors.Join(rep.Failures...); err != nil {
			return nil, err
		}
		return w.svc.Order(ctx, id)
	}}
}

func TestADisputeCompensationIsPaidBesideEveryOtherCompensation(t *testing.T) {
	tests := []struct {
		name        string
		steps       []step
		compensated string // all the buyer was paid as compensation
	}{
		{"after the late-shipment compensation", happyThrough("start production", sweptLate(),
			disputeOpened(wBuyer, caseOne), disputeResolved(goingOn(caseOne, "100.00"))), "164.00"},
		{"before the late-shipment compensation", happyThrough("start production",
			disputeOpened(wBuyer, caseOne), disputeResolved(goingOn(caseOne, "100.00")), sweptLate()), "164.00"},
		{"after an earlier dispute's compensation", happyThrough("track",
			disputeOpened(wBuyer, caseOne), disputeResolved(goingOn(caseOne, "100.00")),
			disputeOpened(wSupplier, caseTwo), disputeResolved(goingOn(caseTwo, "50.00"))), "150.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScene(t, tt.steps...)
			o := s.order()
			bal := s.balance()
			assert.Equal(t, usd(tt.compensated), bal.Compensated, "compensation paid out of escrow")
			assert.Equal(t, o.Remaining(), bal.Remaining, "escrow holds what the order says it holds")
		})
	}
}

// One claim deadline, counted from delivery: a dispute on delivered goods
// opens up to and including the coverage rules' claim deadline (the
// instant the coverage rules still admit a claim), whatever the receipt
// window, and is refused the instant after with the deadline as data.
func TestOpenDisputeOnDeliveredGoodsUntilTheClaimDeadline(t *testing.T) {
	for _, tt := range []struct {
		name   string
		extend bool          // the buyer extends the receipt window past the claim deadline
		after  time.Duration // after the claim deadline
		opens  bool
	}{
		{"at the claim deadline itself", false, 0, true},
		{"a nanosecond after the claim deadline", false, time.Nanosecond, false},
		{"a nanosecond after the claim deadline, the receipt window extended past it", true, time.Nanosecond, false},
		{"at the claim deadline, the receipt window extended past it", true, 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			ctx := context.Background()
			o := w.run(t, "o-1", stepsThrough("deliver"))
			if tt.extend {
				var err error
				o, err = w.svc.ExtendReceipt(ctx, wBuyer, "o-1", "extend")
				require.NoError(t, err)
			}
			deadline := coverage.DefaultRules().ClaimDeadline(o.DeliveredAt)
			w.clock.Advance(deadline.Add(tt.after).Sub(w.clock.Now()))
			_, err := w.svc.OpenDispute(ctx, wDisputes, "o-1", order.DisputeRequest{CaseID: "case-late", Claimant: wBuyer})
			if tt.opens {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, order.ErrWindowClosed)
			var wc *order.WindowClosedError
			require.ErrorAs(t, err, &wc)
			assert.Equal(t, order.WindowClosedError{OrderID: "o-1", Window: "claim", ClosedAt: deadline}, *wc)
			after, err := w.svc.Order(ctx, "o-1")
			require.NoError(t, err)
			testkit.Check(t, "the stored order", o, after)
		})
	}
}

// A payment still processing when a dispute ends the order (the balance,
// paid just before the case was opened) may succeed afterwards: its money
// reaches escrow and goes straight back to the buyer, recorded on the
// payment, and nothing stays in escrow.
func TestAPaymentThatSucceedsAfterADisputeEndedTheOrderIsRefunded(t *testing.T) {
	all := happyPath()
	payBalance, reportBalance := all[stepIndex(all, "pay balance")], all[stepIndex(all, "report balance")]
	s := newScene(t, slices.Concat(pathThrough(all, "inspect"),
		[]step{payBalance, disputeOpened(wBuyer, caseOne), disputeResolved(refundAll)})...)
	o := s.order()
	require.Equal(t, order.Refunded, o.State, "the dispute refunded the deposit while the balance was processing")
	require.True(t, o.PaymentProcessing())

	o = s.w.run(t, s.id, []step{reportBalance})
	assert.Equal(t, order.Refunded, o.State)
	testkit.Check(t, "the escrow balance", emptied("3200.00", "3200.00", "0.00", "0.00", "0.00"), s.balance())
	s.requirePaymentRefunds(o, map[payment.Tranche]string{payment.Deposit: "960.00", payment.Balance: "2240.00"})
	s.requirePublished(o)

	balance := o.Payments[slices.IndexFunc(o.Payments, func(tp order.TranchePayment) bool { return tp.Tranche == payment.Balance })]
	s.replays(func() (*order.Order, error) {
		return s.w.svc.ReportPayment(s.ctx, wHooks, s.id, balance.PaymentID, payment.Outcome{Status: payment.StatusSucceeded})
	})
}
