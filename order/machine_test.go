package order_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
)

// actorFor returns an actor of the first role allowed to fire ev.
func actorFor(t order.Transition) payment.Actor {
	return payment.Actor{Role: t.By[0], ID: "actor-1"}
}

func TestEveryStateAndEventFollowsTheTable(t *testing.T) {
	ctx := context.Background()
	byEvent := map[order.Event]order.Transition{}
	for _, tr := range order.Transitions() {
		require.NotContains(t, byEvent, tr.Event, "event %s has one line in the table", tr.Event)
		byEvent[tr.Event] = tr
	}
	for _, from := range order.States() {
		for ev, tr := range byEvent {
			t.Run(fmt.Sprintf("%s from %s", ev, from), func(t *testing.T) {
				got, err := order.Next(ctx, from, ev, actorFor(tr))
				if slices.Contains(tr.From, from) {
					require.NoError(t, err)
					assert.Equal(t, tr.To, got)
					return
				}
				var te *order.TransitionError
				require.ErrorAs(t, err, &te)
				assert.Equal(t, order.TransitionError{From: from, Event: ev}, *te)
				assert.ErrorIs(t, err, order.ErrInvalidTransition)
				assert.Equal(t, from, got, "a refused event leaves the state")
			})
		}
	}
}

func TestTheHappyPath(t *testing.T) {
	ctx := context.Background()
	steps := []struct {
		ev order.Event
		by payment.Actor
	}{
		{order.Submit, payment.Supplier("s1")},
		{order.Confirm, payment.Buyer("b1")},
		{order.PaymentReceived, payment.System("webhooks")},
		{order.StartProduction, payment.Supplier("s1")},
		{order.RequireInspection, payment.Supplier("s1")},
		{order.PassInspection, payment.Platform("agent-7")},
		{order.Ship, payment.Supplier("s1")},
		{order.Deliver, payment.System("tracking")},
		{order.ConfirmReceipt, payment.Buyer("b1")},
	}
	s := order.Draft
	var seen []order.State
	for _, st := range steps {
		next, err := order.Next(ctx, s, st.ev, st.by)
		require.NoError(t, err, "%s from %s", st.ev, s)
		s = next
		seen = append(seen, s)
	}
	assert.Equal(t, []order.State{order.AwaitingConfirmation, order.AwaitingPayment, order.Paid,
		order.InProduction, order.AwaitingInspection, order.ReadyToShip, order.Shipped, order.Delivered, order.Completed}, seen)
	assert.True(t, order.Completed.Final())
}

func TestOnlyTheRolesInTheTableFireAnEvent(t *testing.T) {
	ctx := context.Background()
	all := []payment.Role{payment.RoleBuyer, payment.RoleSupplier, payment.RolePlatform, payment.RoleSystem}
	for _, tr := range order.Transitions() {
		for _, role := range all {
			by := payment.Actor{Role: role, ID: "x"}
			t.Run(fmt.Sprintf("%s by %s", tr.Event, role), func(t *testing.T) {
				got, err := order.Next(ctx, tr.From[0], tr.Event, by)
				if slices.Contains(tr.By, role) {
					require.NoError(t, err)
					assert.Equal(t, tr.To, got)
					return
				}
				var ae *payment.ActorError
				require.ErrorAs(t, err, &ae)
				assert.ErrorIs(t, err, payment.ErrForbidden)
				assert.Equal(t, tr.From[0], got)
			})
		}
	}
	t.Run("an actor without an id is refused", func(t *testing.T) {
		_, err := order.Next(ctx, order.Draft, order.Submit, payment.Actor{Role: payment.RoleSupplier})
		assert.ErrorIs(t, err, payment.ErrInvalidRequest)
	})
}

func TestTheMachineRefusesUnknownEventsAndCancelledContexts(t *testing.T) {
	_, err := order.Next(context.Background(), order.Draft, "teleport", payment.System("x"))
	assert.ErrorIs(t, err, order.ErrInvalidTransition)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got, err := order.Next(ctx, order.Draft, order.Submit, payment.Supplier("s1"))
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, order.Draft, got)
	// The next call, with a live context, is unaffected: no machine is kept.
	got, err = order.Next(context.Background(), order.Draft, order.Submit, payment.Supplier("s1"))
	require.NoError(t, err)
	assert.Equal(t, order.AwaitingConfirmation, got)
}

func TestTheTableIsSound(t *testing.T) {
	reachable := map[order.State]bool{order.Draft: true}
	for changed := true; changed; {
		changed = false
		for _, tr := range order.Transitions() {
			for _, f := range tr.From {
				if reachable[f] && !reachable[tr.To] {
					reachable[tr.To], changed = true, true
				}
			}
		}
	}
	for _, s := range order.States() {
		assert.True(t, reachable[s], "state %s is reachable from draft", s)
	}
	for _, tr := range order.Transitions() {
		assert.NotEmpty(t, tr.By, "event %s names who fires it", tr.Event)
		if slices.Contains(tr.From, tr.To) {
			assert.Equal(t, []order.State{tr.To}, tr.From, "event %s records without moving, from its one state only", tr.Event)
		}
	}
	var final []order.State
	for _, s := range order.States() {
		if s.Final() {
			final = append(final, s)
		}
	}
	assert.Equal(t, []order.State{order.Completed, order.Refunded, order.Cancelled, order.Expired}, final)
}

func TestThePackageDocumentationShowsTheTable(t *testing.T) {
	testkit.DocShowsDiagram(t, "doc.go", order.Diagram())
}

func ExampleNext() {
	s, err := order.Next(context.Background(), order.AwaitingPayment, order.PaymentReceived, payment.System("webhooks"))
	fmt.Println(s, err)
	_, err = order.Next(context.Background(), order.Shipped, order.Cancel, payment.Buyer("b1"))
	fmt.Println(errors.Is(err, order.ErrInvalidTransition), err)
	_, err = order.Next(context.Background(), order.ReadyToShip, order.Ship, payment.Buyer("b1"))
	fmt.Println(errors.Is(err, payment.ErrForbidden), err)
	// Output:
	// paid <nil>
	// true order: cancel cannot happen to an order in state shipped
	// true payment: buyer:b1 may not ship an order
}

func TestTheREADMEShowsTheTable(t *testing.T) {
	testkit.ReadmeShowsDiagram(t, "../README.md", order.Diagram())
}
