package dispute_test

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tradeassure/tradeassure/dispute"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
)

func TestThePackageDocumentationShowsTheTable(t *testing.T) {
	testkit.DocShowsDiagram(t, "doc.go", dispute.Diagram())
}

func TestEveryEventFollowsTheTable(t *testing.T) {
	ctx := context.Background()
	for _, from := range dispute.States() {
		for _, tr := range dispute.Transitions() {
			by := payment.Actor{Role: tr.By[0], ID: "actor-1"}
			got, err := dispute.Next(ctx, from, tr.Event, by)
			allowed := slices.ContainsFunc(dispute.Transitions(), func(l dispute.Transition) bool {
				return l.Event == tr.Event && slices.Contains(l.From, from)
			})
			switch {
			case allowed && slices.Contains(tr.From, from):
				require.NoError(t, err, "%s from %s", tr.Event, from)
				assert.Equal(t, tr.To, got, "%s from %s", tr.Event, from)
			case !allowed:
				var te *dispute.TransitionError
				require.ErrorAs(t, err, &te, "%s from %s", tr.Event, from)
				assert.Equal(t, dispute.TransitionError{From: from, Event: tr.Event}, *te)
				assert.Equal(t, from, got)
			}
		}
	}
}

func TestOnlyTheRolesInTheTableFireAnEvent(t *testing.T) {
	all := []payment.Role{payment.RoleBuyer, payment.RoleSupplier, payment.RolePlatform, payment.RoleSystem}
	for _, tr := range dispute.Transitions() {
		for _, r := range all {
			_, err := dispute.Next(context.Background(), tr.From[0], tr.Event, payment.Actor{Role: r, ID: "actor-1"})
			if slices.Contains(tr.By, r) {
				assert.NoError(t, err, "%s may fire %s", r, tr.Event)
			} else {
				assert.ErrorIs(t, err, payment.ErrForbidden, "%s may not fire %s", r, tr.Event)
			}
		}
	}
}

func TestEveryStateIsReachableAndTheEndsAreFinal(t *testing.T) {
	reachable := map[dispute.State]bool{dispute.AwaitingResponse: true}
	for changed := true; changed; {
		changed = false
		for _, tr := range dispute.Transitions() {
			if slices.ContainsFunc(tr.From, func(s dispute.State) bool { return reachable[s] }) && !reachable[tr.To] {
				reachable[tr.To], changed = true, true
			}
		}
	}
	var final []dispute.State
	for _, s := range dispute.States() {
		assert.True(t, reachable[s], "%s is reachable", s)
		if s.Final() {
			final = append(final, s)
		}
	}
	assert.Equal(t, []dispute.State{dispute.Final, dispute.Settled, dispute.Withdrawn, dispute.Expired}, final)
}

func TestTheREADMEShowsTheTable(t *testing.T) {
	testkit.ReadmeShowsDiagram(t, "../README.md", dispute.Diagram())
}
