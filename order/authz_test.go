package order_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
	supplierpkg "github.com/tradeassure/tradeassure/supplier"
)

// authzActors are the columns of the order's authorization matrix, in the
// order of its marks.
var authzActors = []payment.Actor{wBuyer, strangerBuyer, wSupplier, strangerSupplier, wAgent, wHooks}

// authzRow is one operation of the matrix: who may call it (one mark per
// column of authzActors, x may and . may not), in the state the setup
// steps leave order o-1 in, which is the state in which its right actor
// succeeds. event is the line of order.Transitions the call fires ("" when
// it fires none): the row must then allow exactly the table's roles, less
// the buyers and suppliers the service's party check refuses (all but this
// order's buyer and supplier).
type authzRow struct {
	who   string
	op    operation
	event order.Event
	setup []step
}

// authzMatrix is who may do what to an order:
//
//	B the order's buyer       b another buyer
//	S the order's supplier    s another supplier (one the order does not name)
//	P a platform agent        Y a system actor (a scheduler, processor webhooks)
//
// Every refusal is a *payment.ActorError (errors.Is payment.ErrForbidden)
// and changes nothing; an actor with no id or an unknown role gets its
// validation error (payment.ErrInvalidRequest) on every row.
func authzMatrix() []authzRow {
	return []authzRow{
		// B b S s P Y
		// Any supplier the supplier service knows drafts, for itself: it becomes the order's supplier.
		{". . x x . .", opCreate, "", []step{authzRegistered(strangerSupplier)}},
		{". . x . . .", opSubmit, order.Submit, happyThrough("create")},
		{". . x . . .", authzWithdraw, order.Withdraw, happyThrough("submit")},
		{"x . . . . .", opConfirm, order.Confirm, happyThrough("submit")},
		{"x . x . . .", opPropose, "", happyThrough("confirm")},
		// The supplier proposed mod-1; its own approval is a no-op (Order.Approve): it approved by proposing.
		{"x . x . . .", authzApprove, "", happyThrough("confirm", proposed(wSupplier, "mod-1", crated()))},
		{"x . . . . .", authzReject, "", happyThrough("confirm", proposed(wSupplier, "mod-1", crated()))},
		{". . x . . .", authzWithdrawMod, "", happyThrough("confirm", proposed(wSupplier, "mod-1", crated()))},
		{"x . . . . .", opPay, "", happyThrough("confirm")},
		{". . . . x x", opReport, order.PaymentReceived, happyThrough("pay deposit")},
		{". . . . x x", authzSync, "", happyThrough("pay deposit", authzBuyerCancelsPayment)},
		{". . x . . .", opStart, order.StartProduction, happyThrough("report deposit")},
		{". . x . . .", opFinish, order.RequireInspection, happyThrough("start production")},
		{". . . . x x", opInspect, order.PassInspection, happyThrough("finish production")},
		{"x . . . . .", opAccept, order.AcceptFailedInspection, happyThrough("finish production", inspected("inspection-1", failedInspection()))},
		{". . x . . .", opShip, order.Ship, happyThrough("report balance")},
		{". . x . x x", opTrack, order.Track, happyThrough("ship")},
		{". . . . x x", opDeliver, order.Deliver, happyThrough("track")},
		{"x . x . . .", opExtend, order.ExtendReceipt, happyThrough("deliver")},
		{"x . . . . x", opReceive, order.ConfirmReceipt, happyThrough("deliver")},
		{"x . x . x .", opCancel, order.Cancel, happyThrough("confirm")},
		{"x . x . x .", opCancel, order.Refund, happyThrough("report deposit")},
		{". . x . x .", opCancel, order.Abandon, happyThrough("start production")},
		// Only the dispute service opens and resolves disputes, for the cases
		// it admitted and decided (TestOnlyTheDisputeServiceOpensAndResolvesDisputes):
		// the open row is the case's claimant, the resolve row the caller.
		{"x . x . x .", authzOpenDispute, order.OpenDispute, happyThrough("deliver")},
		{". . . . . .", authzResolve, "", disputedAt("deliver")},
	}
}

// The operations of the matrix that service_test.go does not have.
var (
	authzWithdraw    = authzCall("take the order back to draft", (*order.Service).Withdraw, "withdraw")
	authzApprove     = authzCall("approve modification mod-1", (*order.Service).ApproveModification, "mod-1")
	authzReject      = authzCall("reject modification mod-1", (*order.Service).RejectModification, "mod-1")
	authzWithdrawMod = authzCall("withdraw modification mod-1", (*order.Service).WithdrawModification, "mod-1")
	authzOpenDispute = operation{"open a dispute (the dispute service, for a case the actor claimed)", func(s *scene, by payment.Actor) (*order.Order, error) {
		return s.w.svc.OpenDispute(s.ctx, wDisputes, s.id, order.DisputeRequest{CaseID: caseOne, Claimant: by})
	}}
	authzSync = operation{"sync the cancelled payment", func(s *scene, by payment.Actor) (*order.Order, error) {
		return s.w.svc.SyncPayment(s.ctx, by, s.id, s.lastPayment())
	}}
	authzResolve = operation{"resolve the dispute with a refund", func(s *scene, by payment.Actor) (*order.Order, error) {
		return s.w.svc.ResolveDispute(s.ctx, by, s.id, refundAll(s.order()))
	}}
)

// authzCall is the operation of a method of the service that takes the
// actor, the order's id and one more string, arg: a key or an id.
func authzCall(does string, method func(*order.Service, context.Context, payment.Actor, string, string) (*order.Order, error), arg string) operation {
	return operation{does, func(s *scene, by payment.Actor) (*order.Order, error) { return method(s.w.svc, s.ctx, by, s.id, arg) }}
}

// authzRegistered is supplier a registering itself with the supplier
// service, which makes it known to the order service.
func authzRegistered(a payment.Actor) step {
	return step{a.ID + " registers", func(ctx context.Context, w *world, _ string) (*order.Order, error) {
		_, err := w.suppliers.Register(ctx, a, supplierpkg.RegisterRequest{ID: a.ID, Company: "Other Co.", Country: "CN",
			EstablishedOn: wStart.AddDate(-5, 0, 0)})
		return nil, err
	}}
}

// authzBuyerCancelsPayment is the buyer cancelling the order's last
// payment at the payment service: the order learns of it by SyncPayment.
var authzBuyerCancelsPayment = step{"the buyer cancels the payment", func(ctx context.Context, w *world, id string) (*order.Order, error) {
	o, err := w.svc.Order(ctx, id)
	if err != nil {
		return nil, err
	}
	_, err = w.payments.Cancel(ctx, wBuyer, o.Payments[len(o.Payments)-1].PaymentID, "changed my mind")
	return o, err
}}

// authzState is all a call on the order may touch: the scene's state (the
// order, its ledger, the buyer's payments, the supplier, the notices
// published) and the order's escrow account with its version and freeze.
type authzState struct {
	Scene  sceneState
	Escrow *escrow.Account
}

func (s *scene) authzState() authzState {
	s.t.Helper()
	a, err := s.w.escrow.Account(s.ctx, s.id)
	if errors.Is(err, escrow.ErrNotFound) {
		a, err = nil, nil
	}
	require.NoError(s.t, err)
	return authzState{Scene: s.state(), Escrow: a}
}

func TestWhoMayDoWhatToAnOrder(t *testing.T) {
	for _, row := range authzMatrix() {
		require.Len(t, row.who, 2*len(authzActors)-1, "a mark per actor in %q", row.who)
		// Invalid actors: the role of the first allowed one with no id, and an unknown role.
		invalid := []payment.Actor{{Role: authzActors[strings.IndexByte(row.who, 'x')/2].Role}, {Role: "auditor", ID: "a-1"}}
		for i, by := range append(slices.Clone(authzActors), invalid...) {
			may := i < len(authzActors) && row.who[2*i] == 'x'
			verb := map[bool]string{true: "may", false: "may not"}[may]
			name := describe(by)
			if by.Validate() != nil {
				name = "the invalid actor " + by.String()
			}
			t.Run(fmt.Sprintf("%s %s %s %s", name, verb, row.op.does, after(row.setup)), func(t *testing.T) {
				s := newScene(t, row.setup...)
				before := s.authzState()
				o, err := row.op.call(s, by)
				if may {
					require.NoError(t, err)
					assert.Equal(t, by, o.History.Last().By, "who the order's history says acted")
					return
				}
				testkit.Check(t, "what a refused call left", before, s.authzState())
				want := map[bool]error{true: payment.ErrForbidden, false: payment.ErrInvalidRequest}[by.Validate() == nil]
				requireRefusal(t, err, want)
				var ae *payment.ActorError
				assert.Equal(t, want == payment.ErrForbidden, errors.As(err, &ae) && ae.Actor == by, "a *payment.ActorError naming %s: %v", by, err)
			})
		}
	}
}

func TestTheOrderMatrixFollowsTheTransitionTable(t *testing.T) {
	table := order.Transitions()
	for _, row := range authzMatrix() {
		if row.event == "" {
			continue
		}
		i := slices.IndexFunc(table, func(l order.Transition) bool { return l.Event == row.event })
		require.GreaterOrEqual(t, i, 0, "no line for %s", row.event)
		want := make([]string, len(authzActors))
		for j, a := range authzActors {
			passes := a == wBuyer || a == wSupplier || a.Role == payment.RolePlatform || a.Role == payment.RoleSystem // the party check
			want[j] = map[bool]string{true: "x", false: "."}[passes && slices.Contains(table[i].By, a.Role)]
		}
		assert.Equal(t, row.who, strings.Join(want, " "), "%s (%s)", row.op.does, row.event)
	}
}
