package escrow_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
)

// authzColumn is an actor of the escrow's authorization matrix, named for
// a test's name.
type authzColumn struct {
	name  string
	actor payment.Actor
}

// authzColumns are the matrix's columns, in the order of its marks.
var authzColumns = []authzColumn{
	{"the account's buyer", svcBuyer}, {"another buyer", payment.Buyer("b2")},
	{"the account's supplier", svcSupplier}, {"another supplier", payment.Supplier("s2")},
	{"a platform agent", svcAgent}, {"another platform agent", payment.Platform("agent-9")},
	{"the system actor", svcOrders}, {"another system actor", payment.System("scheduler")},
}

// authzRow is a row of the matrix: who may perform op.
type authzRow struct {
	who string
	op  svcOp
}

// authzMatrix is who may do what to escrow account o1:
//
//	B the account's buyer       b another buyer
//	S the account's supplier    s another supplier
//	P a platform agent          p another platform agent
//	Y the system actor svcOrders, which froze the account where a row freezes it
//	y another system actor
//
// Each row is an operation of svcOps (and Open, which svcOps leaves out),
// in the state its setup leaves the account in, where its right actor
// succeeds; x may, . may not. Buyers and suppliers act through orders and
// disputes, never on escrow; only a platform agent or the system actor
// that froze an account unfreezes it. Every refusal is a
// *payment.ActorError and writes nothing; an actor with no id or an unknown
// role gets its validation error on every row.
func authzMatrix() []authzRow {
	ops := map[escrow.Op]svcOp{}
	for _, op := range svcOps() {
		ops[op.op] = op
	}
	open := svcOp{name: "an open", op: escrow.OpOpen, setup: func(*testing.T, *svcFixture, string) {},
		run: func(ctx context.Context, s *escrow.Service, by payment.Actor, id, _ string, _ int) (*escrow.Receipt, error) {
			_, err := s.Open(ctx, by, escrow.OpenRequest{OrderID: id, BuyerID: "b1", SupplierID: "s1", Currency: payment.USD})
			return nil, err
		}}
	bySystem, byAgent := ops[escrow.OpUnfreeze], ops[escrow.OpUnfreeze]
	bySystem.name = "an unfreeze of an account the system actor froze"
	byAgent.name = "an unfreeze of an account a platform agent froze"
	byAgent.setup = func(t *testing.T, f *svcFixture, id string) {
		f.hold(t, id, "setup-hold", "100.00")
		_, err := f.svc.Freeze(t.Context(), svcAgent, id, "setup-freeze", "chargeback")
		require.NoError(t, err)
	}
	return []authzRow{
		// B b S s P p Y y
		{". . . . x x x x", open},
		{". . . . x x x x", ops[escrow.OpHold]},
		{". . . . x x x x", ops[escrow.OpRelease]},
		{". . . . x x x x", ops[escrow.OpRefund]},
		{". . . . x x x x", ops[escrow.OpCompensate]},
		{". . . . x x x x", ops[escrow.OpSettle]},
		{". . . . x x x x", ops[escrow.OpFreeze]},
		{". . . . x x x .", bySystem},
		{". . . . x x . .", byAgent},
		{". . . . x x x x", ops[escrow.OpClose]},
	}
}

// authzAccount returns account id as stored; nil when it does not exist.
func authzAccount(t *testing.T, f *svcFixture, id string) *escrow.Account {
	t.Helper()
	a, err := f.svc.Account(t.Context(), id)
	require.True(t, err == nil || errors.Is(err, escrow.ErrNotFound), "reading account %s: %v", id, err)
	return a
}

func TestWhoMayMoveEscrowMoney(t *testing.T) {
	for _, row := range authzMatrix() {
		require.Len(t, row.who, 2*len(authzColumns)-1, "a mark per actor in %q", row.who)
		cells := append(slices.Clone(authzColumns),
			authzColumn{"a system actor with no id", payment.Actor{Role: payment.RoleSystem}},
			authzColumn{"an actor of an unknown role", payment.Actor{Role: "auditor", ID: "a-1"}})
		for i, cell := range cells {
			may := i < len(authzColumns) && row.who[2*i] == 'x'
			t.Run(fmt.Sprintf("%s by %s is %s", row.op.name, cell.name, map[bool]string{true: "allowed", false: "refused"}[may]), func(t *testing.T) {
				f := newSvcFixture(t, escrow.Config{})
				if row.op.op != escrow.OpOpen {
					f.open(t, "o1")
				}
				row.op.setup(t, f, "o1")
				before := authzAccount(t, f, "o1")
				_, err := row.op.run(t.Context(), f.svc, cell.actor, "o1", "authz", 0)
				if may {
					require.NoError(t, err)
					if a := authzAccount(t, f, "o1"); row.op.op != escrow.OpOpen {
						assert.Equal(t, cell.actor, a.Operations[len(a.Operations)-1].Actor, "who the account's records say acted")
					}
					return
				}
				testkit.Check(t, "the account after a refused call", before, authzAccount(t, f, "o1"))
				want := map[bool]error{true: payment.ErrForbidden, false: payment.ErrInvalidRequest}[cell.actor.Validate() == nil]
				require.ErrorIs(t, err, want)
				var ae *payment.ActorError
				assert.Equal(t, want == payment.ErrForbidden, errors.As(err, &ae) && ae.Actor == cell.actor, "a *payment.ActorError naming the actor: %v", err)
			})
		}
	}
}
