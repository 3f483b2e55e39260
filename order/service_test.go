package order_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
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

// Actors that are no party to the order: another buyer, another supplier.
var (
	strangerBuyer    = payment.Buyer("someone-else")
	strangerSupplier = payment.Supplier("someone-else")
)

// describe names an actor of the service tests in a test's name.
func describe(a payment.Actor) string {
	switch a {
	case wBuyer:
		return "the buyer"
	case wSupplier:
		return "the supplier"
	case strangerBuyer:
		return "another buyer"
	case strangerSupplier:
		return "another supplier"
	case wAgent:
		return "a platform agent"
	case wHooks:
		return "the system"
	}
	return a.String()
}

// scene is order o-1 in a world of its own, taken along by the steps a
// test gives it, and what the test reads of it.
type scene struct {
	t   *testing.T
	w   *world
	ctx context.Context
	id  string
}

// newScene returns order o-1 of a new world after steps, the clock moving
// a day before each.
func newScene(t *testing.T, steps ...step) *scene {
	t.Helper()
	s := &scene{t: t, w: newWorld(t), ctx: context.Background(), id: "o-1"}
	if len(steps) > 0 {
		s.w.run(t, s.id, steps)
	}
	return s
}

// sceneAt returns order o-1 taken along the happy path up to and
// including the step named name.
func sceneAt(t *testing.T, name string) *scene {
	t.Helper()
	return newScene(t, happyThrough(name)...)
}

// another returns order id of the same world after steps.
func (s *scene) another(id string, steps ...step) *scene {
	s.t.Helper()
	other := &scene{t: s.t, w: s.w, ctx: s.ctx, id: id}
	s.w.run(s.t, id, steps)
	return other
}

// stepIndex returns the index of the step named name.
func stepIndex(steps []step, name string) int {
	i := slices.IndexFunc(steps, func(st step) bool { return st.name == name })
	if i < 0 {
		panic(fmt.Sprintf("no step %q", name))
	}
	return i
}

// pathThrough returns steps up to and including the step named name.
func pathThrough(steps []step, name string) []step {
	return steps[:stepIndex(steps, name)+1]
}

// happyThrough returns the happy path up to and including the step named
// name, then more.
func happyThrough(name string, more ...step) []step {
	return slices.Concat(pathThrough(happyPath(), name), more)
}

// happySteps returns the named steps of one happy path, in the order
// given: a payment and its report share the payment's id.
func happySteps(names ...string) []step {
	all := happyPath()
	out := make([]step, len(names))
	for i, name := range names {
		out[i] = all[stepIndex(all, name)]
	}
	return out
}

// termsWith returns wTerms changed by edit.
func termsWith(edit func(*order.Terms)) order.Terms {
	t := wTerms()
	edit(&t)
	return t
}

// crated are wTerms with other packaging: a change that keeps the
// total.
func crated() order.Terms {
	return termsWith(func(t *order.Terms) { t.Items[0].Spec.Packaging = "wooden crate" })
}

// pathOn is the happy path of an order on terms, each tranche paid as
// req says (the step sets its Tranche), without the inspection when the
// terms require none.
func pathOn(terms order.Terms, req order.PayRequest) []step {
	steps := happyPath()
	paid := map[payment.Tranche]string{}
	for i, st := range steps {
		verb, rest, _ := strings.Cut(st.name, " ")
		tranche := payment.Tranche(rest)
		switch verb {
		case "create":
			steps[i].call = func(ctx context.Context, w *world, id string) (*order.Order, error) {
				return w.svc.Create(ctx, wSupplier, order.CreateRequest{ID: id, BuyerID: wBuyer.ID, Terms: terms})
			}
		case "pay":
			steps[i].call = func(ctx context.Context, w *world, id string) (*order.Order, error) {
				r := req
				r.Tranche = tranche
				o, p, err := w.svc.Pay(ctx, wBuyer, id, "pay-"+rest, r)
				if p != nil {
					paid[tranche] = p.ID
				}
				return o, err
			}
		case "report":
			steps[i].call = func(ctx context.Context, w *world, id string) (*order.Order, error) {
				return w.svc.ReportPayment(ctx, wHooks, id, paid[tranche], processorSays(paid[tranche], payment.StatusSucceeded))
			}
		}
	}
	if !terms.InspectionRequired {
		steps = slices.DeleteFunc(steps, func(st step) bool { return st.name == "inspect" })
	}
	return steps
}

// processorSays is the processor's report of status for payment id.
func processorSays(id string, status payment.Status) payment.Outcome {
	return payment.Outcome{Status: status, ProcessorRef: "psp-" + id}
}

// inspection is a report of result, naming defects.
func inspection(result coverage.InspectionResult, defects ...string) order.InspectionReport {
	return order.InspectionReport{Agency: "SGS", InspectedAt: wStart.AddDate(0, 0, 30), Result: result, Defects: defects}
}

// failedInspection is an inspection report that found scratches.
func failedInspection() order.InspectionReport {
	return inspection(coverage.InspectionFailed, "scratches")
}

// departure is a shipment leaving Ningbo at at, expected 65 days after the
// start.
func departure(at time.Time) order.TrackingEvent {
	return order.TrackingEvent{At: at, Location: "Ningbo", Carrier: "COSCO", Mode: order.Sea,
		TrackingNumber: "COSU1234567", EstimatedArrival: wStart.AddDate(0, 0, 65)}
}

// inspected is the platform recording report r under key.
func inspected(key string, r order.InspectionReport) step {
	return step{"inspect " + key, func(ctx context.Context, w *world, id string) (*order.Order, error) {
		return w.svc.RecordInspection(ctx, wAgent, id, key, r)
	}}
}

// tracked is the supplier recording, under key, a tracking event that
// expects arrival at eta.
func tracked(key string, eta time.Time) step {
	return step{"track " + key, func(ctx context.Context, w *world, id string) (*order.Order, error) {
		return w.svc.Track(ctx, wSupplier, id, key, order.TrackingEvent{At: w.clock.Now(), Location: "Colombo", EstimatedArrival: eta})
	}}
}

// paying is the buyer paying the tranche under key from Germany; the
// payment stays initiated.
func paying(key string, tranche payment.Tranche) step {
	return step{"pay " + key, func(ctx context.Context, w *world, id string) (*order.Order, error) {
		o, _, err := w.svc.Pay(ctx, wBuyer, id, key, fromGermany(tranche))
		return o, err
	}}
}

// reported is the system reporting status for the order's last payment.
func reported(status payment.Status) step {
	return step{"report " + string(status), func(ctx context.Context, w *world, id string) (*order.Order, error) {
		o, err := w.svc.Order(ctx, id)
		if err != nil {
			return nil, err
		}
		last := o.Payments[len(o.Payments)-1].PaymentID
		return w.svc.ReportPayment(ctx, wHooks, id, last, processorSays(last, status))
	}}
}

// calledOff is by calling the order off under key for reason.
func calledOff(by payment.Actor, key, reason string) step {
	return step{"cancel " + key, func(ctx context.Context, w *world, id string) (*order.Order, error) {
		return w.svc.Cancel(ctx, by, id, key, reason)
	}}
}

// extended is by extending the receipt window under key.
func extended(by payment.Actor, key string) step {
	return step{"extend " + key, func(ctx context.Context, w *world, id string) (*order.Order, error) {
		return w.svc.ExtendReceipt(ctx, by, id, key)
	}}
}

// proposed is by proposing terms as modification mod.
func proposed(by payment.Actor, mod string, terms order.Terms) step {
	return step{"propose " + mod, func(ctx context.Context, w *world, id string) (*order.Order, error) {
		return w.svc.ProposeModification(ctx, by, id, mod, terms)
	}}
}

// waitUntil moves the clock on to at, when it is earlier.
func waitUntil(at time.Time) step {
	return step{"wait until " + at.Format(time.RFC3339), func(ctx context.Context, w *world, id string) (*order.Order, error) {
		if d := at.Sub(w.clock.Now()); d > 0 {
			w.clock.Advance(d)
		}
		return w.svc.Order(ctx, id)
	}}
}

// errOf returns the error of a call.
func errOf[T any](_ T, err error) error { return err }

// payErr returns the error of a Pay call.
func payErr(_ *order.Order, _ *payment.Payment, err error) error { return err }

// order returns the stored order.
func (s *scene) order() *order.Order {
	s.t.Helper()
	o, err := s.w.svc.Order(s.ctx, s.id)
	require.NoError(s.t, err)
	return o
}

// balance returns the balance of the order's escrow account.
func (s *scene) balance() escrow.Balance {
	s.t.Helper()
	b, err := s.w.escrow.Balance(s.ctx, s.id)
	require.NoError(s.t, err)
	return b
}

// ledger returns the entries of the order's escrow account; none when it
// has no account.
func (s *scene) ledger() []escrow.Entry {
	s.t.Helper()
	entries, err := s.w.escrow.Entries(s.ctx, s.id)
	if errors.Is(err, escrow.ErrNotFound) {
		return nil
	}
	require.NoError(s.t, err)
	return entries
}

// payment returns the payment record id.
func (s *scene) payment(id string) *payment.Payment {
	s.t.Helper()
	p, err := s.w.payments.Payment(s.ctx, id)
	require.NoError(s.t, err)
	return p
}

// lastPayment returns the id of the order's last payment.
func (s *scene) lastPayment() string {
	s.t.Helper()
	o := s.order()
	require.NotEmpty(s.t, o.Payments, "the order has a payment")
	return o.Payments[len(o.Payments)-1].PaymentID
}

// supplier returns the order's supplier.
func (s *scene) supplier() *supplierpkg.Supplier {
	s.t.Helper()
	sup, err := s.w.suppliers.Supplier(s.ctx, wSupplier.ID)
	require.NoError(s.t, err)
	return sup
}

// notices delivers the outbox and returns the notices delivered so far:
// those before the first a failing publisher refused.
func (s *scene) notices() []order.Notice {
	s.t.Helper()
	got, err := s.w.delivered()
	s.w.published.mu.Lock()
	failing := s.w.published.fail
	s.w.published.mu.Unlock()
	if failing == nil {
		require.NoError(s.t, err)
	}
	return got
}

// failPublishing makes the publisher fail with err from now on; nil
// repairs it.
func (s *scene) failPublishing(err error) {
	n := s.w.published
	n.mu.Lock()
	defer n.mu.Unlock()
	n.fail = err
}

// pay pays under key as the buyer and requires it accepted.
func (s *scene) pay(key string, req order.PayRequest) (*order.Order, *payment.Payment) {
	s.t.Helper()
	o, p, err := s.w.svc.Pay(s.ctx, wBuyer, s.id, key, req)
	require.NoError(s.t, err)
	return o, p
}

// report reports status for payment id as the system and requires it
// accepted.
func (s *scene) report(id string, status payment.Status) *order.Order {
	s.t.Helper()
	o, err := s.w.svc.ReportPayment(s.ctx, wHooks, s.id, id, processorSays(id, status))
	require.NoError(s.t, err)
	return o
}

// sceneState is everything an action on the order may change: the stored
// order, its escrow ledger, every payment of the buyer, the supplier's
// record and the notices published.
type sceneState struct {
	Order    *order.Order
	Ledger   []escrow.Entry
	Payments []*payment.Payment
	Supplier *supplierpkg.Supplier
	Notices  []order.Notice
}

// state returns the scene's state now; Order is nil while there is no
// order.
func (s *scene) state() sceneState {
	s.t.Helper()
	st := sceneState{Ledger: s.ledger(), Supplier: s.supplier(), Notices: s.notices()}
	o, err := s.w.svc.Order(s.ctx, s.id)
	if !errors.Is(err, order.ErrNotFound) {
		require.NoError(s.t, err)
		st.Order = o
	}
	st.Payments, err = s.w.payStore.PaymentsByBuyer(s.ctx, wBuyer.ID, time.Time{})
	require.NoError(s.t, err)
	return st
}

// refused runs call, requires it to fail with want (see requireRefusal)
// and to leave everything as it was, and returns the error.
func (s *scene) refused(want error, call func() error) error {
	s.t.Helper()
	before := s.state()
	err := call()
	requireRefusal(s.t, err, want)
	testkit.Check(s.t, "what a refused call left", before, s.state())
	return err
}

// replayed runs call, requires it to succeed, to return the order as
// stored and to leave everything as it was.
func (s *scene) replayed(call func() (*order.Order, error)) {
	s.t.Helper()
	before := s.state()
	o, err := call()
	require.NoError(s.t, err)
	require.NotNil(s.t, before.Order)
	assert.Equal(s.t, before.Order.Version, o.Version, "the version of the order returned")
	testkit.Check(s.t, "what a replay left", before, s.state())
}

// requireRefusal requires err to be want and, for the errors that carry
// data, of the type that carries it.
func requireRefusal(t testing.TB, err, want error) {
	t.Helper()
	require.ErrorIs(t, err, want)
	typed := true
	switch want {
	case payment.ErrForbidden:
		typed = errors.As(err, new(*payment.ActorError))
	case order.ErrInvalidTransition:
		typed = errors.As(err, new(*order.TransitionError))
	case payment.ErrIneligible:
		typed = errors.As(err, new(*payment.IneligibleError))
	case order.ErrModificationRefused:
		typed = errors.As(err, new(*order.ModificationError))
	}
	require.True(t, typed, "%v: not the error type that carries %v", err, want)
}

// reasonCodes returns the codes of reasons.
func reasonCodes(reasons []payment.Reason) []string {
	var out []string
	for _, r := range reasons {
		out = append(out, r.Code)
	}
	return out
}

// errorReasons returns the reason codes a *order.ModificationError or a
// *payment.IneligibleError in err gives.
func errorReasons(err error) []string {
	var me *order.ModificationError
	var ie *payment.IneligibleError
	switch {
	case errors.As(err, &me):
		return reasonCodes(me.Reasons)
	case errors.As(err, &ie):
		return reasonCodes(ie.Reasons)
	}
	return nil
}

// refusal is a call the service must refuse with want, changing nothing,
// on order o-1 after setup; reason, when set, is a code the error's
// reasons must include.
type refusal struct {
	name   string
	setup  []step
	call   func(s *scene) error
	want   error
	reason string
}

// checkRefusals runs each refusal in a world of its own.
func checkRefusals(t *testing.T, tests []refusal) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScene(t, tt.setup...)
			err := s.refused(tt.want, func() error { return tt.call(s) })
			if tt.reason != "" {
				assert.Contains(t, errorReasons(err), tt.reason)
			}
		})
	}
}

// operation is a call of the service on the scene's order by an actor,
// with the key and the request of the happy path.
type operation struct {
	does string // what the call does, in a test's name
	call func(s *scene, by payment.Actor) (*order.Order, error)
}

var (
	opCreate = operation{"draft the order", func(s *scene, by payment.Actor) (*order.Order, error) {
		return s.w.svc.Create(s.ctx, by, order.CreateRequest{ID: s.id, BuyerID: wBuyer.ID, Terms: wTerms()})
	}}
	opSubmit = operation{"submit the order", func(s *scene, by payment.Actor) (*order.Order, error) {
		return s.w.svc.Submit(s.ctx, by, s.id, "submit")
	}}
	opConfirm = operation{"confirm the order", func(s *scene, by payment.Actor) (*order.Order, error) {
		return s.w.svc.Confirm(s.ctx, by, s.id, "confirm")
	}}
	opPay = operation{"pay the deposit", func(s *scene, by payment.Actor) (*order.Order, error) {
		o, _, err := s.w.svc.Pay(s.ctx, by, s.id, "pay-deposit", fromGermany(payment.Deposit))
		return o, err
	}}
	opReport = operation{"report the payment succeeded", func(s *scene, by payment.Actor) (*order.Order, error) {
		id := s.lastPayment()
		return s.w.svc.ReportPayment(s.ctx, by, s.id, id, processorSays(id, payment.StatusSucceeded))
	}}
	opStart = operation{"start production", func(s *scene, by payment.Actor) (*order.Order, error) {
		return s.w.svc.StartProduction(s.ctx, by, s.id, "start")
	}}
	opFinish = operation{"finish production", func(s *scene, by payment.Actor) (*order.Order, error) {
		return s.w.svc.FinishProduction(s.ctx, by, s.id, "finish")
	}}
	opInspect = operation{"record a passed inspection", func(s *scene, by payment.Actor) (*order.Order, error) {
		return s.w.svc.RecordInspection(s.ctx, by, s.id, "inspection-1", inspection(coverage.InspectionPassed))
	}}
	opAccept = operation{"accept a failed inspection", func(s *scene, by payment.Actor) (*order.Order, error) {
		return s.w.svc.AcceptInspection(s.ctx, by, s.id, "accept")
	}}
	opShip = operation{"ship", func(s *scene, by payment.Actor) (*order.Order, error) {
		return s.w.svc.Ship(s.ctx, by, s.id, "ship", departure(s.w.clock.Now()))
	}}
	opTrack = operation{"track the shipment", func(s *scene, by payment.Actor) (*order.Order, error) {
		return s.w.svc.Track(s.ctx, by, s.id, "track-2", order.TrackingEvent{At: s.w.clock.Now(), Location: "Suez"})
	}}
	opDeliver = operation{"record the delivery", func(s *scene, by payment.Actor) (*order.Order, error) {
		return s.w.svc.Deliver(s.ctx, by, s.id, "deliver")
	}}
	opExtend = operation{"extend the receipt window", func(s *scene, by payment.Actor) (*order.Order, error) {
		return s.w.svc.ExtendReceipt(s.ctx, by, s.id, "extend")
	}}
	opReceive = operation{"confirm receipt", func(s *scene, by payment.Actor) (*order.Order, error) {
		return s.w.svc.ConfirmReceipt(s.ctx, by, s.id, "receipt")
	}}
	opCancel = operation{"call the order off", func(s *scene, by payment.Actor) (*order.Order, error) {
		return s.w.svc.Cancel(s.ctx, by, s.id, "cancel", "no longer needed")
	}}
	opPropose = operation{"propose a modification", func(s *scene, by payment.Actor) (*order.Order, error) {
		return s.w.svc.ProposeModification(s.ctx, by, s.id, "mod-1", crated())
	}}
)

// by returns the operation done by actor a, for a refusal's call.
func (op operation) by(a payment.Actor) func(s *scene) error {
	return func(s *scene) error { return errOf(op.call(s, a)) }
}

// payCall is the buyer paying the order under key as req says, for a
// refusal's call.
func payCall(key string, req order.PayRequest) func(s *scene) error {
	return func(s *scene) error { return payErr(s.w.svc.Pay(s.ctx, wBuyer, s.id, key, req)) }
}

// fromGermany pays tranche with the schedule's instrument from Germany.
func fromGermany(tranche payment.Tranche) order.PayRequest {
	return order.PayRequest{Tranche: tranche, BuyerCountry: "DE"}
}

// after names the last of steps in a test's name.
func after(steps []step) string {
	if len(steps) == 0 {
		return "before the order exists"
	}
	return "after " + steps[len(steps)-1].name
}

func TestServiceRefusesActorsTheOrderDoesNotAllow(t *testing.T) {
	failed := inspected("inspection-1", failedInspection())
	tests := []struct {
		op      operation
		setup   []step
		refused []payment.Actor
	}{
		{opCreate, nil, []payment.Actor{wBuyer, wAgent, wHooks}},
		{opSubmit, happyThrough("create"), []payment.Actor{strangerSupplier, wBuyer, wAgent}},
		{opConfirm, happyThrough("submit"), []payment.Actor{strangerBuyer, wSupplier, wAgent}},
		{opPay, happyThrough("confirm"), []payment.Actor{strangerBuyer, wSupplier, wAgent, wHooks}},
		{opReport, happyThrough("pay deposit"), []payment.Actor{wBuyer, wSupplier}},
		{opStart, happyThrough("report deposit"), []payment.Actor{strangerSupplier, wBuyer, wAgent}},
		{opFinish, happyThrough("start production"), []payment.Actor{strangerSupplier, wBuyer, wAgent}},
		{opInspect, happyThrough("finish production"), []payment.Actor{wSupplier, wBuyer}},
		{opAccept, happyThrough("finish production", failed), []payment.Actor{strangerBuyer, wSupplier, wAgent}},
		{opShip, happyThrough("report balance"), []payment.Actor{strangerSupplier, wBuyer, wAgent}},
		{opTrack, happyThrough("ship"), []payment.Actor{strangerSupplier, wBuyer}},
		{opDeliver, happyThrough("track"), []payment.Actor{wSupplier, wBuyer}},
		{opExtend, happyThrough("deliver"), []payment.Actor{strangerBuyer, strangerSupplier, wAgent, wHooks}},
		{opReceive, happyThrough("deliver"), []payment.Actor{strangerBuyer, wSupplier, wAgent}},
		{opCancel, happyThrough("report deposit"), []payment.Actor{strangerBuyer, strangerSupplier, wHooks}},
		{opCancel, happyThrough("start production"), []payment.Actor{wBuyer, strangerSupplier}},
		{opCancel, happyThrough("finish production"), []payment.Actor{wBuyer}},
		{opPropose, happyThrough("submit"), []payment.Actor{strangerBuyer, strangerSupplier, wAgent}},
	}
	var refusals []refusal
	for _, tt := range tests {
		for _, by := range tt.refused {
			refusals = append(refusals, refusal{
				name:  fmt.Sprintf("%s may not %s %s", describe(by), tt.op.does, after(tt.setup)),
				setup: tt.setup,
				call:  tt.op.by(by),
				want:  payment.ErrForbidden,
			})
		}
	}
	checkRefusals(t, refusals)
}

func TestServiceLetsEveryActorTheOrderAllowsAct(t *testing.T) {
	tests := []struct {
		op      operation
		setup   []step
		allowed []payment.Actor
		state   order.State
	}{
		{opReport, happyThrough("pay deposit"), []payment.Actor{wHooks, wAgent}, order.Paid},
		{opInspect, happyThrough("finish production"), []payment.Actor{wAgent, wHooks}, order.ReadyToShip},
		{opTrack, happyThrough("ship"), []payment.Actor{wSupplier, wAgent, wHooks}, order.Shipped},
		{opDeliver, happyThrough("track"), []payment.Actor{wAgent, wHooks}, order.Delivered},
		{opExtend, happyThrough("deliver"), []payment.Actor{wBuyer, wSupplier}, order.Delivered},
		{opReceive, happyThrough("deliver"), []payment.Actor{wBuyer, wHooks}, order.Completed},
		{opCancel, happyThrough("confirm"), []payment.Actor{wBuyer, wSupplier, wAgent}, order.Cancelled},
		{opCancel, happyThrough("report deposit"), []payment.Actor{wBuyer, wSupplier, wAgent}, order.Refunded},
		{opCancel, happyThrough("start production"), []payment.Actor{wSupplier, wAgent}, order.Refunded},
	}
	for _, tt := range tests {
		for _, by := range tt.allowed {
			t.Run(fmt.Sprintf("%s may %s %s", describe(by), tt.op.does, after(tt.setup)), func(t *testing.T) {
				s := newScene(t, tt.setup...)
				o, err := tt.op.call(s, by)
				require.NoError(t, err)
				assert.Equal(t, tt.state, o.State)
				assert.Equal(t, by, o.History.Last().By, "who the history says acted")
			})
		}
	}
}

func TestServiceReplaysEveryStepUnderItsKey(t *testing.T) {
	for i, st := range happyPath() {
		t.Run(st.name+" again under its key changes nothing", func(t *testing.T) {
			steps := happyPath()
			s := newScene(t, steps[:i+1]...)
			s.replayed(func() (*order.Order, error) { return steps[i].call(s.ctx, s.w, s.id) })
		})
	}
	t.Run("every step again once the order completed changes nothing", func(t *testing.T) {
		steps := happyPath()
		s := newScene(t, steps...)
		for _, st := range steps {
			if st.name == "ship" || st.name == "track" {
				continue // their events carry the time of the clock, which moved on
			}
			s.replayed(func() (*order.Order, error) { return st.call(s.ctx, s.w, s.id) })
		}
	})
}

func TestServiceRefusesAKeyReusedForAnotherRequest(t *testing.T) {
	create := func(buyerID string, terms order.Terms) func(s *scene) error {
		return func(s *scene) error {
			return errOf(s.w.svc.Create(s.ctx, wSupplier, order.CreateRequest{ID: s.id, BuyerID: buyerID, Terms: terms}))
		}
	}
	rows := []refusal{
		{name: "a draft under an existing order's id with other terms", setup: happyThrough("create"),
			call: create(wBuyer.ID, termsWith(func(t *order.Terms) { t.Items[0].Quantity++ }))},
		{name: "a draft under an existing order's id for another buyer", setup: happyThrough("create"),
			call: create(strangerBuyer.ID, wTerms())},
		{name: "another inspection report under the first one's key", setup: happyThrough("inspect"),
			call: func(s *scene) error {
				return errOf(s.w.svc.RecordInspection(s.ctx, wAgent, s.id, "inspection-1", failedInspection()))
			}},
		{name: "another departure under the shipment's key", setup: happyThrough("ship"),
			call: func(s *scene) error {
				return errOf(s.w.svc.Ship(s.ctx, wSupplier, s.id, "ship", departure(s.w.clock.Now().Add(-time.Hour))))
			}},
		{name: "another tracking event under the first one's key", setup: happyThrough("track"),
			call: func(s *scene) error {
				return errOf(s.w.svc.Track(s.ctx, wSupplier, s.id, "track-1", order.TrackingEvent{At: s.w.clock.Now(), Location: "Port Said"}))
			}},
		{name: "another reason under a cancellation's key", setup: happyThrough("confirm", calledOff(wBuyer, "cancel", "ordered twice")),
			call: func(s *scene) error { return errOf(s.w.svc.Cancel(s.ctx, wBuyer, s.id, "cancel", "found it cheaper")) }},
		{name: "other terms under a proposed modification's id", setup: happyThrough("submit", proposed(wBuyer, "mod-1", crated())),
			call: func(s *scene) error {
				return errOf(s.w.svc.ProposeModification(s.ctx, wBuyer, s.id, "mod-1", termsWith(func(t *order.Terms) { t.Route = "by rail" })))
			}},
		{name: "a payment from another country under the deposit's key", setup: happyThrough("pay deposit"),
			call: payCall("pay-deposit", order.PayRequest{Tranche: payment.Deposit, BuyerCountry: "US"})},
		{name: "the balance under the deposit's key", setup: happyThrough("report deposit"),
			call: payCall("pay-deposit", fromGermany(payment.Balance))},
	}
	for i := range rows {
		rows[i].want = order.ErrIdempotencyMismatch
	}
	checkRefusals(t, rows)
}

func TestServiceHoldsEachTrancheInEscrow(t *testing.T) {
	tests := []struct {
		name    string
		through string
		state   order.State
		paid    string
		holds   []string // the amount of each payment, in the order paid
	}{
		{"the deposit is held in escrow and the order is paid", "report deposit", order.Paid, "960.00", []string{"960.00"}},
		{"the balance is held beside the deposit", "report balance", order.ReadyToShip, "3200.00", []string{"960.00", "2240.00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sceneAt(t, tt.through)
			o := s.order()
			assert.Equal(t, tt.state, o.State)
			assert.Equal(t, usd(tt.paid), o.Paid())
			assert.False(t, o.PaymentProcessing(), "a payment is processing")
			bal := s.balance()
			assert.Equal(t, usd(tt.paid), bal.Held, "held")
			assert.Equal(t, usd(tt.paid), bal.Remaining, "remaining")
			var want, held []payment.Money
			for _, h := range tt.holds {
				want = append(want, usd(h))
			}
			for _, e := range s.ledger() {
				held = append(held, e.Amount)
			}
			testkit.Check(t, "the amounts of the escrow entries", want, held)
			require.Len(t, o.Payments, len(tt.holds))
			for i, tp := range o.Payments {
				p := s.payment(tp.PaymentID)
				assert.Equal(t, usd(tt.holds[i]), p.Amount, "payment %s", p.ID)
				assert.Equal(t, payment.StatusSucceeded, p.Status, "payment %s", p.ID)
				assert.Equal(t, payment.StatusSucceeded, tp.Status, "the order's record of payment %s", p.ID)
				assert.False(t, tp.PaidAt.IsZero(), "when payment %s reached escrow", p.ID)
			}
		})
	}
}

func TestServicePaysATrancheAgainAfterAFailedPayment(t *testing.T) {
	s := sceneAt(t, "confirm")
	deposit := fromGermany(payment.Deposit)
	_, first := s.pay("card-1", deposit)
	o := s.report(first.ID, payment.StatusFailed)
	assert.Equal(t, order.AwaitingPayment, o.State)
	assert.False(t, o.PaymentProcessing(), "a payment is processing")
	assert.True(t, o.Paid().IsZero(), "paid %s", o.Paid())
	assert.Empty(t, s.ledger(), "escrow entries")

	s.replayed(func() (*order.Order, error) {
		o, p, err := s.w.svc.Pay(s.ctx, wBuyer, s.id, "card-1", deposit)
		if p != nil {
			assert.Equal(t, first.ID, p.ID, "the payment under the failed payment's key")
		}
		return o, err
	})

	_, second := s.pay("card-2", deposit)
	assert.NotEqual(t, first.ID, second.ID)
	o = s.report(second.ID, payment.StatusSucceeded)
	assert.Equal(t, order.Paid, o.State)
	assert.Equal(t, usd("960.00"), s.balance().Held)
	var statuses []payment.Status
	for _, tp := range o.Payments {
		statuses = append(statuses, tp.Status)
	}
	assert.Equal(t, []payment.Status{payment.StatusFailed, payment.StatusSucceeded}, statuses)
}

func TestServiceRefusesPaymentsTheOrderCannotTake(t *testing.T) {
	open := termsWith(func(t *order.Terms) { t.Schedule.DepositInstrument = payment.Instrument{} })
	wire := payment.Instrument{Method: payment.WireTransfer}
	westernUnion := payment.Instrument{Method: payment.WesternUnion}
	checkRefusals(t, []refusal{
		{name: "the deposit of an order not yet confirmed is not payable", setup: happyThrough("submit"),
			call: payCall("pay-again", fromGermany(payment.Deposit)), want: order.ErrNotPayable},
		{name: "a second payment of a deposit being paid is not payable", setup: happyThrough("pay deposit"),
			call: payCall("pay-again", fromGermany(payment.Deposit)), want: order.ErrNotPayable},
		{name: "a second payment of a paid deposit is not payable", setup: happyThrough("report deposit"),
			call: payCall("pay-again", fromGermany(payment.Deposit)), want: order.ErrNotPayable},
		{name: "the balance before the deposit is not payable", setup: happyThrough("confirm"),
			call: payCall("pay-again", fromGermany(payment.Balance)), want: order.ErrNotPayable},
		{name: "a second payment of a balance being paid is not payable", setup: happyThrough("pay balance"),
			call: payCall("pay-again", fromGermany(payment.Balance)), want: order.ErrNotPayable},
		{name: "the balance of a completed order is not payable", setup: happyPath(),
			call: payCall("pay-again", fromGermany(payment.Balance)), want: order.ErrNotPayable},
		{name: "a tranche the schedule does not have is an invalid request", setup: happyThrough("confirm"),
			call: payCall("pay-again", fromGermany(payment.Full)), want: order.ErrInvalidRequest},
		{name: "an instrument other than the schedule's is an invalid request", setup: happyThrough("confirm"),
			call: payCall("pay-again", order.PayRequest{Tranche: payment.Deposit, Instrument: wire, BuyerCountry: "DE"}), want: order.ErrInvalidRequest},
		{name: "Western Union for a buyer in Germany is not eligible", setup: pathThrough(pathOn(open, order.PayRequest{BuyerCountry: "DE"}), "confirm"),
			call: payCall("pay-again", order.PayRequest{Tranche: payment.Deposit, Instrument: westernUnion, BuyerCountry: "DE"}), want: payment.ErrIneligible, reason: payment.ReasonWesternUnionCountry},
	})
}

func TestServiceTakesEachReportedOutcomeOnce(t *testing.T) {
	tests := []struct {
		name   string
		by     payment.Actor
		status payment.Status
	}{
		{"the same success reported again by the same reporter", wHooks, payment.StatusSucceeded},
		{"the same success reported again by another reporter", wAgent, payment.StatusSucceeded},
		{"a processing report arriving after the success", wHooks, payment.StatusProcessing},
	}
	for _, tt := range tests {
		t.Run(tt.name+" changes nothing", func(t *testing.T) {
			s := sceneAt(t, "report deposit")
			id := s.lastPayment()
			s.replayed(func() (*order.Order, error) {
				return s.w.svc.ReportPayment(s.ctx, tt.by, s.id, id, processorSays(id, tt.status))
			})
		})
	}
}

func TestServiceRefusesAReportOfAnotherOrdersPayment(t *testing.T) {
	first := sceneAt(t, "pay deposit")
	second := first.another("o-2", happyThrough("confirm")...)
	id := first.lastPayment()
	second.refused(order.ErrInvalidRequest, func() error {
		return errOf(second.w.svc.ReportPayment(second.ctx, wHooks, second.id, id, processorSays(id, payment.StatusSucceeded)))
	})
}

func TestServiceScopesPaymentKeysToTheOrder(t *testing.T) {
	first := sceneAt(t, "confirm")
	second := first.another("o-2", happyThrough("confirm")...)
	for _, s := range []*scene{first, second} {
		_, p := s.pay("pay-deposit", fromGermany(payment.Deposit))
		assert.Equal(t, s.id, p.OrderID, "the order of the payment")
		o := s.report(p.ID, payment.StatusSucceeded)
		assert.Equal(t, order.Paid, o.State)
		assert.Equal(t, usd("960.00"), s.balance().Held)
	}
}

func TestServiceRecordsOneOfTwoConcurrentPaymentsOfATranche(t *testing.T) {
	s := sceneAt(t, "confirm")
	payments := make([]*payment.Payment, 2)
	errs := make([]error, len(payments))
	testkit.Together(len(payments), func(i int) {
		_, payments[i], errs[i] = s.w.svc.Pay(s.ctx, wBuyer, s.id, fmt.Sprintf("tab-%d", i+1), fromGermany(payment.Deposit))
	})
	won := slices.IndexFunc(errs, func(err error) bool { return err == nil })
	require.GreaterOrEqual(t, won, 0, "a call that paid: %v", errs)
	requireRefusal(t, errs[1-won], order.ErrNotPayable)
	o := s.order()
	require.Len(t, o.Payments, 1, "the payments the order records")
	assert.Equal(t, payments[won].ID, o.Payments[0].PaymentID, "the payment the order records")
	all, err := s.w.payStore.PaymentsByBuyer(s.ctx, wBuyer.ID, time.Time{})
	require.NoError(t, err)
	for _, p := range all {
		if p.ID != payments[won].ID {
			assert.Equal(t, payment.StatusCancelled, p.Status, "payment %s of the call that lost", p.ID)
		}
	}
}

func TestServiceKeepsAnOrderWhosePaymentIsProcessing(t *testing.T) {
	balanceProcessing := slices.Concat(happyThrough("report deposit"), happySteps("pay balance"))
	checkRefusals(t, []refusal{
		{name: "the buyer cannot cancel while the deposit is processing", setup: happyThrough("pay deposit"),
			call: opCancel.by(wBuyer), want: order.ErrPaymentProcessing},
		{name: "a platform agent cannot cancel while the deposit is processing", setup: happyThrough("pay deposit"),
			call: opCancel.by(wAgent), want: order.ErrPaymentProcessing},
		{name: "the supplier cannot call a paid order off while the balance is processing", setup: balanceProcessing,
			call: opCancel.by(wSupplier), want: order.ErrPaymentProcessing},
		{name: "the buyer cannot propose a modification while the deposit is processing", setup: happyThrough("pay deposit"),
			call: opPropose.by(wBuyer), want: order.ErrModificationRefused, reason: order.ReasonPaymentProcessing},
		{name: "the supplier cannot propose a modification while the balance is processing", setup: balanceProcessing,
			call: opPropose.by(wSupplier), want: order.ErrModificationRefused, reason: order.ReasonPaymentProcessing},
	})
}

func TestServiceGatesShipmentOnTheInspection(t *testing.T) {
	noInspection := termsWith(func(t *order.Terms) { t.InspectionRequired = false })
	failed := inspected("inspection-1", failedInspection())
	passed := inspected("inspection-2", inspection(coverage.InspectionPassed))
	accepted := step{"accept", func(ctx context.Context, w *world, id string) (*order.Order, error) {
		return w.svc.AcceptInspection(ctx, wBuyer, id, "accept")
	}}
	tests := []struct {
		name       string
		setup      []step
		state      order.State
		inspection coverage.Inspection
	}{
		{"with an inspection required, finished goods await it", happyThrough("finish production"),
			order.AwaitingInspection, coverage.Inspection{}},
		{"without an inspection required, finished goods are ready to ship",
			pathThrough(pathOn(noInspection, order.PayRequest{BuyerCountry: "DE"}), "finish production"),
			order.ReadyToShip, coverage.Inspection{}},
		{"a passed report makes the goods ready to ship", happyThrough("inspect"),
			order.ReadyToShip, coverage.Inspection{Result: coverage.InspectionPassed}},
		{"a failed report keeps the goods awaiting inspection", happyThrough("finish production", failed),
			order.AwaitingInspection, coverage.Inspection{Result: coverage.InspectionFailed, Defects: []string{"scratches"}}},
		{"the buyer accepting goods that failed makes them ready to ship", happyThrough("finish production", failed, accepted),
			order.ReadyToShip, coverage.Inspection{Result: coverage.InspectionFailed, Defects: []string{"scratches"}, BuyerAccepted: true}},
		{"a passed report after a failed one makes the goods ready to ship", happyThrough("finish production", failed, passed),
			order.ReadyToShip, coverage.Inspection{Result: coverage.InspectionPassed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := newScene(t, tt.setup...).order()
			assert.Equal(t, tt.state, o.State)
			testkit.Check(t, "the inspection the coverage rules see", tt.inspection, o.Facts().Inspection)
			assert.Equal(t, tt.inspection.BuyerAccepted, o.InspectionAccepted, "the buyer accepted the goods")
		})
	}
	balancePaid := happySteps("pay balance", "report balance")
	checkRefusals(t, []refusal{
		{name: "shipping before any report is an invalid transition", setup: slices.Concat(happyThrough("finish production"), balancePaid),
			call: opShip.by(wSupplier), want: order.ErrInvalidTransition},
		{name: "shipping after a failed report is an invalid transition", setup: slices.Concat(happyThrough("finish production", failed), balancePaid),
			call: opShip.by(wSupplier), want: order.ErrInvalidTransition},
		{name: "accepting goods no report failed is an invalid request", setup: happyThrough("finish production"),
			call: opAccept.by(wBuyer), want: order.ErrInvalidRequest},
		{name: "accepting goods whose report passed is an invalid request", setup: happyThrough("inspect"),
			call: opAccept.by(wBuyer), want: order.ErrInvalidRequest},
		{name: "a report before production finished is an invalid transition", setup: happyThrough("start production"),
			call: opInspect.by(wAgent), want: order.ErrInvalidTransition},
		{name: "a report without its agency is an invalid request", setup: happyThrough("finish production"),
			call: func(s *scene) error {
				r := inspection(coverage.InspectionPassed)
				r.Agency = ""
				return errOf(s.w.svc.RecordInspection(s.ctx, wAgent, s.id, "inspection-1", r))
			}, want: order.ErrInvalidRequest},
		{name: "shipping with only the deposit paid leaves the balance due", setup: happyThrough("inspect"),
			call: opShip.by(wSupplier), want: order.ErrBalanceDue},
	})
}

func TestServiceTellsWhetherAnOrderIsLate(t *testing.T) {
	shipBy, deliverBy := wTerms().ShipBy, wTerms().DeliverBy
	now := func(s *scene) time.Time { return s.w.clock.Now() }
	at := func(t time.Time) func(*scene) time.Time { return func(*scene) time.Time { return t } }
	shippedLate := slices.Concat(happyThrough("report balance", waitUntil(shipBy)), happySteps("ship"))
	tests := []struct {
		name  string
		setup []step
		at    func(*scene) time.Time
		want  []string
	}{
		{"a paid order is on time before its shipment date", happyThrough("report deposit"), at(shipBy.Add(-time.Hour)), nil},
		{"an order not shipped is on time at its shipment date exactly", happyThrough("report deposit"), at(shipBy), nil},
		{"an order not shipped is late the instant after its shipment date", happyThrough("report deposit"),
			at(shipBy.Add(time.Nanosecond)), []string{order.ReasonShipmentLate}},
		{"an order not shipped after its delivery date is late on both counts", happyThrough("report deposit"),
			at(deliverBy.Add(time.Nanosecond)), []string{order.ReasonShipmentLate, order.ReasonDeliveryOverdue}},
		{"an order nobody paid is never late", happyThrough("confirm"), at(deliverBy.AddDate(0, 0, 1)), nil},
		{"goods expected after the delivery date are late before the date passes", happyThrough("ship", tracked("track-late", deliverBy.AddDate(0, 0, 5))),
			now, []string{order.ReasonArrivalExpectedLate}},
		{"goods expected on the delivery date are on time at that date", happyThrough("ship", tracked("track-on-time", deliverBy)), at(deliverBy), nil},
		{"goods not delivered after the delivery date are overdue", happyThrough("track"),
			at(deliverBy.Add(time.Nanosecond)), []string{order.ReasonDeliveryOverdue}},
		{"goods shipped after the shipment date are late", shippedLate, now, []string{order.ReasonShipmentLate}},
		{"goods shipped late are not late once delivered", slices.Concat(shippedLate, happySteps("deliver")), now, nil},
		{"delivered goods are not late after the delivery date", happyThrough("deliver"), at(deliverBy.AddDate(0, 0, 10)), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScene(t, tt.setup...)
			late, why := s.order().Late(tt.at(s))
			assert.Equal(t, len(tt.want) > 0, late, "late")
			assert.Equal(t, tt.want, reasonCodes(why))
		})
	}
}

func TestServiceExtendsTheReceiptWindowOncePerParty(t *testing.T) {
	tests := []struct {
		name string
		by   []payment.Actor
	}{
		{"the buyer extends the receipt window once", []payment.Actor{wBuyer}},
		{"the supplier extends the receipt window once", []payment.Actor{wSupplier}},
		{"each party extends the receipt window once", []payment.Actor{wBuyer, wSupplier}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sceneAt(t, "deliver")
			o := s.order()
			delivered := o.DeliveredAt
			for _, by := range tt.by {
				var err error
				o, err = s.w.svc.ExtendReceipt(s.ctx, by, s.id, "extend-"+by.ID)
				require.NoError(t, err)
			}
			rules := s.w.svc.Rules()
			want := delivered.AddDate(0, 0, rules.ReceiptDays+len(tt.by)*rules.ExtensionDays)
			assert.Equal(t, want, o.ReceiptDeadline)
			assert.Equal(t, tt.by, o.Extensions)
		})
	}
	extendAgain := func(by payment.Actor) func(s *scene) error {
		return func(s *scene) error { return errOf(s.w.svc.ExtendReceipt(s.ctx, by, s.id, "extend-again")) }
	}
	checkRefusals(t, []refusal{
		{name: "the buyer's second extension is refused", setup: happyThrough("deliver", extended(wBuyer, "extend-1")),
			call: extendAgain(wBuyer), want: order.ErrAlreadyExtended},
		{name: "the supplier's second extension is refused after the buyer's", setup: happyThrough("deliver", extended(wSupplier, "extend-1"), extended(wBuyer, "extend-2")),
			call: extendAgain(wSupplier), want: order.ErrAlreadyExtended},
		{name: "an extension before delivery is an invalid transition", setup: happyThrough("track"),
			call: extendAgain(wBuyer), want: order.ErrInvalidTransition},
	})
}

func TestServiceCallsOrdersOff(t *testing.T) {
	tests := []struct {
		name      string
		setup     []step
		by        payment.Actor
		state     order.State
		refunds   map[payment.Tranche]string // what each tranche's payment got back
		abandoned bool                       // the supplier's record gets the order
	}{
		{"the supplier cancels its draft", happyThrough("create"), wSupplier, order.Cancelled, nil, false},
		{"the buyer cancels an order sent for confirmation", happyThrough("submit"), wBuyer, order.Cancelled, nil, false},
		{"a platform agent cancels a confirmed order nobody paid", happyThrough("confirm"), wAgent, order.Cancelled, nil, false},
		{"the buyer cancels an order whose payment failed", happyThrough("confirm", paying("card-1", payment.Deposit), reported(payment.StatusFailed)),
			wBuyer, order.Cancelled, nil, false},
		{"the buyer calls a paid order off before production and gets the deposit back", happyThrough("report deposit"),
			wBuyer, order.Refunded, map[payment.Tranche]string{payment.Deposit: "960.00"}, false},
		{"the supplier calls an order paid in full off before production and the buyer gets both tranches back",
			slices.Concat(happyThrough("report deposit"), happySteps("pay balance", "report balance")),
			wSupplier, order.Refunded, map[payment.Tranche]string{payment.Deposit: "960.00", payment.Balance: "2240.00"}, false},
		{"the supplier abandons production and the buyer gets the deposit back", happyThrough("start production"),
			wSupplier, order.Refunded, map[payment.Tranche]string{payment.Deposit: "960.00"}, true},
		{"a platform agent abandons goods awaiting inspection and the buyer gets the deposit back", happyThrough("finish production"),
			wAgent, order.Refunded, map[payment.Tranche]string{payment.Deposit: "960.00"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScene(t, tt.setup...)
			o, err := s.w.svc.Cancel(s.ctx, tt.by, s.id, "cancel", "no longer needed")
			require.NoError(t, err)
			assert.Equal(t, tt.state, o.State)
			s.requireRefunded(o, tt.refunds)
			sup := s.supplier()
			assert.Empty(t, sup.Reservations, "the supplier's reservations")
			var records []supplierpkg.OrderRecord
			if tt.abandoned {
				records = []supplierpkg.OrderRecord{{OrderID: s.id, BuyerID: wBuyer.ID, Value: usd("3200.00"), CompletedAt: o.UpdatedAt, OnTime: false}}
			}
			testkit.Check(t, "the supplier's record of orders", records, recordsOf(t, s.w, s.id))
		})
	}
	checkRefusals(t, []refusal{
		{name: "the buyer cannot call off an order in production", setup: happyThrough("start production"),
			call: opCancel.by(wBuyer), want: payment.ErrForbidden},
		{name: "nobody calls off a shipped order", setup: happyThrough("ship"),
			call: opCancel.by(wAgent), want: order.ErrInvalidTransition},
		{name: "nobody calls off a completed order", setup: happyPath(),
			call: opCancel.by(wSupplier), want: order.ErrInvalidTransition},
	})
}

// requireRefunded requires the order's escrow to have returned everything
// refunds lists to the buyer, each tranche's payment record showing its
// part, and no money to have moved when refunds is empty.
func (s *scene) requireRefunded(o *order.Order, refunds map[payment.Tranche]string) {
	s.t.Helper()
	if len(refunds) == 0 {
		assert.Empty(s.t, s.ledger(), "escrow entries")
		return
	}
	total := usd("0.00")
	for _, tp := range o.Payments {
		want, ok := refunds[tp.Tranche]
		if !ok || tp.PaidAt.IsZero() {
			continue
		}
		p := s.payment(tp.PaymentID)
		assert.Equal(s.t, usd(want), p.Refunded(), "refunded on the %s's payment", tp.Tranche)
		assert.Equal(s.t, payment.StatusRefunded, p.Status, "the %s's payment", tp.Tranche)
		var err error
		total, err = total.Add(usd(want))
		require.NoError(s.t, err)
	}
	zero := usd("0.00")
	testkit.Check(s.t, "the escrow balance",
		escrow.Balance{Held: total, Released: zero, Fees: zero, Refunded: total, Compensated: zero, Guaranteed: zero, Recovered: zero, Remaining: zero, Frozen: zero, Available: zero},
		s.balance())
}

func TestServiceCoversAnOrderAboveTheSupplierLimitUpToTheLimit(t *testing.T) {
	wire := payment.Instrument{Method: payment.WireTransfer}
	tests := []struct {
		name     string
		schedule order.Schedule
	}{
		{"an order paid in full", order.Schedule{BalanceInstrument: wire}},
		{"an order paid as a deposit and the balance", order.Schedule{DepositPercent: 30, DepositInstrument: wire, BalanceInstrument: wire}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is covered up to the supplier's available limit", func(t *testing.T) {
			s := newScene(t)
			available := s.supplier().Available()
			require.True(t, available.IsPositive(), "the supplier has a limit")
			terms := termsWith(func(t *order.Terms) {
				t.Items[0].Quantity = available.Minor()/t.Items[0].UnitPrice.Minor() + 20
				t.Schedule = tt.schedule
			})
			total, err := terms.Total()
			require.NoError(t, err)
			above, err := total.Sub(available)
			require.NoError(t, err)
			require.True(t, above.IsPositive(), "the order is above the limit")
			req := order.PayRequest{BuyerCountry: "DE"}
			s.w.run(t, s.id, pathThrough(pathOn(terms, req), "confirm"))

			dues, err := terms.Tranches()
			require.NoError(t, err)
			uncovered := usd("0.00")
			for i, due := range dues {
				q, err := s.w.svc.Quote(s.ctx, s.id, due.Tranche)
				require.NoError(t, err)
				assert.Equal(t, due.Amount, q.Amount, "the amount quoted for the %s", due.Tranche)
				// Before the first payment as after it, the quote tells
				// the whole order's cover.
				testkit.Check(t, "the whole order's cover, quoted with the "+string(due.Tranche),
					coverage.Coverage{Plan: terms.Plan, Paid: total, Protected: total, Covered: available, Uncovered: above}, withoutReasons(q.Whole))
				assert.Equal(t, []string{coverage.ReasonLimitExceeded}, reasonCodes(q.Whole.Reasons), "why the whole order is not all covered")
				if q.Uncovered.IsPositive() {
					assert.Contains(t, reasonCodes(q.Reasons), coverage.ReasonLimitExceeded, "why the %s is not all covered", due.Tranche)
				}
				uncovered, err = uncovered.Add(q.Uncovered)
				require.NoError(t, err)

				req.Tranche = due.Tranche
				_, p := s.pay("pay-"+string(due.Tranche), req)
				o := s.report(p.ID, payment.StatusSucceeded)
				if i == 0 {
					testkit.Check(t, "the coverage the first payment reserved", order.Coverage{Reserved: available, Limit: available}, o.Coverage)
					assert.True(t, s.supplier().Available().IsZero(), "the supplier's limit left: %s", s.supplier().Available())
				}
			}
			assert.Equal(t, above, uncovered, "what the quotes said would not be covered")
			cov, err := s.w.svc.Coverage(s.ctx, s.id)
			require.NoError(t, err)
			assert.Equal(t, []string{coverage.ReasonLimitExceeded}, reasonCodes(cov.Reasons))
			cov.Reasons = nil
			testkit.Check(t, "the order's coverage", coverage.Coverage{Plan: terms.Plan, Paid: total, Protected: total, Covered: available, Uncovered: above}, cov)
		})
	}
}

// withoutReasons returns c with no reasons, to compare the amounts.
func withoutReasons(c coverage.Coverage) coverage.Coverage {
	c.Reasons = nil
	return c
}

// A buyer of a pre-shipment order paid as a deposit and a balance, from a
// supplier whose available limit is below the deposit, learns before
// paying the deposit what of the whole order is covered and what not, and
// why: the limit cuts the deposit, the balance is not protected at all.
// The first payment reserves what the plan protects: the deposit (or the
// limit left), never the order's total.
func TestServiceQuotesThePreShipmentCoverOfTheWholeOrderBeforeTheDeposit(t *testing.T) {
	for _, tt := range []struct {
		name    string
		percent int64 // the deposit's share of the order
		below   bool  // the limit is below the deposit
	}{
		{"a deposit within the limit", 30, false},
		{"a deposit above the limit", 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newScene(t)
			available := s.supplier().Available()
			wire := payment.Instrument{Method: payment.WireTransfer}
			terms := termsWith(func(t *order.Terms) {
				t.Plan = coverage.PreShipment
				t.Items[0].Quantity = available.Minor()/t.Items[0].UnitPrice.Minor()*2 + 20
				t.Schedule = order.Schedule{DepositPercent: 10, DepositInstrument: wire, BalanceInstrument: wire}
				if tt.below {
					t.Schedule.DepositPercent = 80
				}
			})
			total, err := terms.Total()
			require.NoError(t, err)
			dues, err := terms.Tranches()
			require.NoError(t, err)
			deposit := dues[0].Amount
			covered := deposit
			wantWhy := []string{coverage.ReasonBalanceNotProtected}
			if tt.below {
				require.Greater(t, deposit.Minor(), available.Minor(), "the deposit is above the limit")
				covered, wantWhy = available, []string{coverage.ReasonBalanceNotProtected, coverage.ReasonLimitExceeded}
			} else {
				require.Less(t, deposit.Minor(), available.Minor(), "the deposit is within the limit")
				require.Greater(t, total.Minor(), available.Minor(), "the order is above the limit")
			}
			notCovered, err := total.Sub(covered)
			require.NoError(t, err)
			req := order.PayRequest{BuyerCountry: "DE"}
			s.w.run(t, s.id, pathThrough(pathOn(terms, req), "confirm"))

			q, err := s.w.svc.Quote(s.ctx, s.id, payment.Deposit)
			require.NoError(t, err)
			testkit.Check(t, "the whole order's cover before the deposit",
				coverage.Coverage{Plan: coverage.PreShipment, Paid: total, Protected: deposit, Covered: covered, Uncovered: notCovered}, withoutReasons(q.Whole))
			assert.Equal(t, wantWhy, reasonCodes(q.Whole.Reasons), "why part of the order is not covered")

			req.Tranche = payment.Deposit
			_, p := s.pay("pay-deposit", req)
			o := s.report(p.ID, payment.StatusSucceeded)
			testkit.Check(t, "the reservation of the deposit alone", order.Coverage{Reserved: covered, Limit: covered}, o.Coverage)
			left, err := available.Sub(covered)
			require.NoError(t, err)
			assert.Equal(t, left, s.supplier().Available(), "the limit left to the supplier's other orders")

			q, err = s.w.svc.Quote(s.ctx, s.id, payment.Balance)
			require.NoError(t, err)
			assert.True(t, q.Covered.IsZero(), "none of the balance is covered: %s", q.Covered)
			assert.Equal(t, []string{coverage.ReasonBalanceNotProtected}, reasonCodes(q.Reasons))
		})
	}
}

func TestServiceCompletesAnOrderUnderEveryPlanAndPaymentMethod(t *testing.T) {
	credit := &payment.CreditLine{Limit: usd("10000.00"), Used: usd("0.00"), TermDays: 60}
	methods := []struct {
		name    string
		in      payment.Instrument
		country payment.Country
		credit  *payment.CreditLine
	}{
		{"a Visa card", payment.Instrument{Method: payment.Card, Network: payment.Visa}, "DE", nil},
		{"a Mastercard", payment.Instrument{Method: payment.Card, Network: payment.Mastercard}, "US", nil},
		{"T/T", payment.Instrument{Method: payment.WireTransfer}, "DE", nil},
		{"online bank transfer", payment.Instrument{Method: payment.OnlineBankTransfer}, "DE", nil},
		{"Pay Later", payment.Instrument{Method: payment.PayLater}, "DE", credit},
		{"Western Union", payment.Instrument{Method: payment.WesternUnion}, "US", nil},
		{"e-Checking", payment.Instrument{Method: payment.ECheck}, "US", nil},
		{"PayPal", payment.Instrument{Method: payment.PayPal}, "DE", nil},
		{"Alipay", payment.Instrument{Method: payment.Alipay}, "DE", nil},
		{"Apple Pay", payment.Instrument{Method: payment.ApplePay, Network: payment.Visa}, "DE", nil},
		{"Google Pay", payment.Instrument{Method: payment.GooglePay, Network: payment.Mastercard}, "US", nil},
	}
	for _, plan := range []coverage.Plan{coverage.PreShipment, coverage.PostDelivery} {
		for _, m := range methods {
			t.Run(fmt.Sprintf("an order under the %s plan paid by %s from %s completes", plan, m.name, m.country), func(t *testing.T) {
				terms := termsWith(func(t *order.Terms) {
					t.Plan = plan
					t.Schedule.DepositInstrument, t.Schedule.BalanceInstrument = m.in, m.in
				})
				s := newScene(t, pathOn(terms, order.PayRequest{BuyerCountry: m.country, Credit: m.credit})...)
				o := s.order()
				assert.Equal(t, order.Completed, o.State)
				for _, tp := range o.Payments {
					p := s.payment(tp.PaymentID)
					assert.Equal(t, payment.StatusSucceeded, p.Status, "the %s's payment", tp.Tranche)
					assert.Equal(t, m.in, p.Instrument, "the %s's payment", tp.Tranche)
				}
				s.requireSettled(o)
			})
		}
	}
}

// requireSettled requires a completed order on wTerms to have paid the
// supplier everything in escrow net of the 2% release fee, given its
// limit back, entered its record on time, published its whole history,
// and to show who did each of its actions.
func (s *scene) requireSettled(o *order.Order) {
	s.t.Helper()
	zero := usd("0.00")
	bal := s.balance()
	testkit.Check(s.t, "the escrow balance",
		escrow.Balance{Held: usd("3200.00"), Released: usd("3136.00"), Fees: usd("64.00"), Refunded: zero, Compensated: zero, Guaranteed: zero, Recovered: zero, Remaining: zero, Frozen: zero, Available: zero},
		bal)
	out := zero
	for _, m := range []payment.Money{bal.Released, bal.Fees, bal.Refunded, bal.Compensated, bal.Remaining} {
		var err error
		out, err = out.Add(m)
		require.NoError(s.t, err)
	}
	assert.Equal(s.t, bal.Held, out, "held = released + fees + refunded + compensated + remaining")

	sup := s.supplier()
	assert.Empty(s.t, sup.Reservations, "the supplier's reservations")
	assert.True(s.t, sup.Reserved().IsZero(), "the supplier's limit reserved: %s", sup.Reserved())
	testkit.Check(s.t, "the supplier's record of orders",
		[]supplierpkg.OrderRecord{{OrderID: s.id, BuyerID: wBuyer.ID, Value: usd("3200.00"), CompletedAt: o.UpdatedAt, OnTime: true, Inspected: true, Release: supplierpkg.Release{Paid: usd("3136.00"), Fees: usd("64.00")}}}, recordsOf(s.t, s.w, s.id))
	testkit.Check(s.t, "the supplier's payable balance: what the release paid it",
		supplierpkg.Balance{Currency: payment.USD, Credited: usd("3136.00"), Offset: zero, InFlight: zero, PaidOut: zero}, sup.Balance(payment.USD))
	assert.Equal(s.t, 1, sup.Record.QualityMarks, "the goods passed the inspection: a quality-assurance mark")

	cov, err := s.w.svc.Coverage(s.ctx, s.id)
	require.NoError(s.t, err)
	want := coverage.Coverage{Plan: o.Terms.Plan, Paid: usd("3200.00"), Protected: usd("3200.00"), Covered: usd("3200.00"), Uncovered: zero}
	if o.Terms.Plan == coverage.PreShipment {
		// The pre-shipment plan protects the deposit alone, and the
		// limit was reserved for it alone.
		want.Protected, want.Covered, want.Uncovered = usd("960.00"), usd("960.00"), usd("2240.00")
		assert.Equal(s.t, []string{coverage.ReasonBalanceNotProtected}, reasonCodes(cov.Reasons))
		assert.Equal(s.t, order.Coverage{Reserved: usd("960.00"), Limit: usd("960.00")}, o.Coverage, "the reservation of the deposit")
		cov.Reasons = nil
	}
	testkit.Check(s.t, "the order's coverage", want, cov)

	s.requirePublished(o)
	actors := map[string]payment.Actor{
		"create": wSupplier, "submit": wSupplier, "confirm": wBuyer, "pay": wBuyer, "report_payment": wHooks,
		"start_production": wSupplier, "finish_production": wSupplier, "record_inspection": wAgent, "ship": wSupplier,
		"track": wSupplier, "deliver": wAgent, "confirm_receipt": wBuyer,
	}
	for _, a := range o.History.All() {
		assert.Equal(s.t, actors[a.Name], a.By, "who did action %d, %s", a.Seq, a.Name)
	}
}

// requirePublished requires the notices published to be the order's
// history, each action once, in order.
func (s *scene) requirePublished(o *order.Order) {
	s.t.Helper()
	var actions []order.Action
	for _, n := range s.notices() {
		if n.OrderID != s.id {
			continue
		}
		assert.Equal(s.t, order.Notice{OrderID: s.id, BuyerID: wBuyer.ID, SupplierID: wSupplier.ID, Action: n.Action}, n)
		actions = append(actions, n.Action)
	}
	testkit.Check(s.t, "the actions published", o.History.Actions(), actions)
}

func TestAFailedPublisherLeavesTheNoticesInTheOutboxAndTheNextRelayDeliversThemOnceInOrder(t *testing.T) {
	s := sceneAt(t, "create")
	require.Len(t, s.notices(), 1, "the draft's notice is delivered")
	down := errors.New("broker unreachable")
	s.failPublishing(down)
	_, err := opSubmit.call(s, wSupplier)
	require.NoError(t, err, "an operation does not wait for the publisher")
	_, err = opConfirm.call(s, wBuyer)
	require.NoError(t, err)
	o := s.order()
	assert.Equal(t, order.AwaitingPayment, o.State)
	relay := &payment.Relay{Outbox: s.w.outbox, Publisher: s.w.published}
	n, err := relay.Deliver(s.ctx)
	require.ErrorIs(t, err, down)
	assert.Zero(t, n, "nothing is delivered past the failure")
	assert.Len(t, s.notices(), 1, "the notices delivered")

	s.failPublishing(nil)
	s.requirePublished(o)
	n, err = relay.Deliver(s.ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "nothing is left to deliver")
}

func TestServiceAppliesAModificationBothPartiesApproved(t *testing.T) {
	s := sceneAt(t, "submit")
	changed := crated()
	o, err := s.w.svc.ProposeModification(s.ctx, wBuyer, s.id, "mod-1", changed)
	require.NoError(t, err)
	testkit.Check(t, "the terms while the supplier has not approved", wTerms(), o.Terms)
	m, ok := o.Modification("mod-1")
	require.True(t, ok)
	assert.Equal(t, order.ModificationProposed, m.Status)
	s.replayed(func() (*order.Order, error) {
		return s.w.svc.ProposeModification(s.ctx, wBuyer, s.id, "mod-1", changed)
	})

	o, err = s.w.svc.ApproveModification(s.ctx, wSupplier, s.id, "mod-1")
	require.NoError(t, err)
	testkit.Check(t, "the terms once the supplier approved", changed, o.Terms)
	m, ok = o.Modification("mod-1")
	require.True(t, ok)
	assert.Equal(t, order.ModificationApplied, m.Status)
	assert.Equal(t, wBuyer, m.RequestedBy, "who asked")
	assert.Equal(t, []payment.Actor{wBuyer, wSupplier}, m.ApprovedBy, "who approved")
	testkit.Check(t, "the terms replaced", wTerms(), m.Replaced)
	var did []string
	for _, a := range o.History.Since(o.History.Len() - 2) {
		did = append(did, describe(a.By)+" "+a.Name)
	}
	assert.Equal(t, []string{"the buyer propose_modification", "the supplier approve_modification"}, did)
	s.replayed(func() (*order.Order, error) { return s.w.svc.ApproveModification(s.ctx, wSupplier, s.id, "mod-1") })

	o, err = opConfirm.call(s, wBuyer)
	require.NoError(t, err)
	assert.Equal(t, order.AwaitingPayment, o.State)
	testkit.Check(t, "the terms the buyer confirmed", changed, o.Terms)
}

func TestServiceLetsTheOtherPartyApproveAfterTheRequesterApprovedItsOwnProposal(t *testing.T) {
	s := newScene(t, happyThrough("submit", proposed(wBuyer, "mod-1", crated()))...)
	_, err := s.w.svc.ApproveModification(s.ctx, wBuyer, s.id, "mod-1")
	require.NoError(t, err, "the requester approving its own proposal")
	o, err := s.w.svc.ApproveModification(s.ctx, wSupplier, s.id, "mod-1")
	require.NoError(t, err, "the supplier approving the buyer's proposal")
	m, _ := o.Modification("mod-1")
	assert.Equal(t, order.ModificationApplied, m.Status)
}
