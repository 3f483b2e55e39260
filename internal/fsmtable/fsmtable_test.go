package fsmtable_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/dispute"
	"github.com/tradeassure/tradeassure/internal/fsmtable"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
)

func TestTheSDKsTablesFireAsTheirFSMMachines(t *testing.T) {
	require.NoError(t, fsmtable.New(order.Transitions()).Verify(), "the order's table")
	require.NoError(t, fsmtable.New(dispute.Transitions()).Verify(), "the dispute's table")
}

type (
	state string
	event string
)

func TestVerifyFindsALineTheFSMMachineReadsOtherwise(t *testing.T) {
	// Two lines for go from a: Fire follows the first, an fsm machine the
	// last.
	table := fsmtable.New([]fsmtable.Line[state, event]{
		{Event: "go", From: []state{"a"}, To: "b", By: []payment.Role{payment.RoleSystem}},
		{Event: "go", From: []state{"a"}, To: "c", By: []payment.Role{payment.RoleSystem}},
	})
	assert.ErrorContains(t, table.Verify(), "go from a: Fire gives b")
}

func TestFire(t *testing.T) {
	table := fsmtable.New([]fsmtable.Line[state, event]{
		{Event: "go", From: []state{"a", "b"}, To: "c", By: []payment.Role{payment.RoleSystem}},
		{Event: "note", From: []state{"c"}, To: "c", By: []payment.Role{payment.RoleBuyer}},
	})
	ctx, system := context.Background(), payment.System("clock")

	to, err := table.Fire(ctx, "b", "go", system, "a thing")
	require.NoError(t, err)
	assert.Equal(t, state("c"), to)
	to, err = table.Fire(ctx, "c", "note", payment.Buyer("b-1"), "a thing")
	require.NoError(t, err)
	assert.Equal(t, state("c"), to, "an event that records stays")

	to, err = table.Fire(ctx, "c", "go", system, "a thing")
	assert.ErrorIs(t, err, fsmtable.ErrNoTransition)
	assert.Equal(t, state("c"), to)
	_, err = table.Fire(ctx, "a", "go", payment.Buyer("b-1"), "a thing")
	var actor *payment.ActorError
	require.ErrorAs(t, err, &actor)
	assert.Equal(t, "go a thing", actor.Action)
	_, err = table.Fire(ctx, "a", "go", payment.Actor{}, "a thing")
	assert.ErrorIs(t, err, payment.ErrInvalidRequest)

	done, cancel := context.WithCancel(ctx)
	cancel()
	to, err = table.Fire(done, "a", "go", system, "a thing")
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, state("a"), to)
	to, err = table.Fire(ctx, "a", "go", system, "a thing")
	require.NoError(t, err, "a cancelled call leaves nothing stuck")
	assert.Equal(t, state("c"), to)

	assert.False(t, table.Final("a"))
	assert.False(t, table.Final("c"), "an event records in c")
	assert.True(t, table.Final("z"), "no event leaves a state the table does not name")
}
