package dispute_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/dispute"
	"github.com/tradeassure/tradeassure/order"
)

func TestAQualityClaimWithAnInspectionReportIsRefunded(t *testing.T) {
	ctx := context.Background()
	m := newMarket(t, nil)
	m.orderAt(t, "o-1", terms(), delivered)
	c, err := m.disputes.Open(ctx, dBuyer, dispute.OpenRequest{ID: "case-1", OrderID: "o-1", Reason: dispute.QualityNotAsAgreed,
		Amount: usd("3200.00"), Description: "screens flicker",
		Evidence: []dispute.Evidence{report("sgs-1", "SGS", coverage.InspectionFailed, "flicker")}})
	require.NoError(t, err)
	o, err := m.orders.Order(ctx, "o-1")
	require.NoError(t, err)
	assert.Equal(t, order.Disputed, o.State)
	assert.True(t, c.Linked)
	m.clock.Advance(4 * 24 * time.Hour)
	rep, err := m.disputes.Sweep(ctx, m.clock.Now())
	require.NoError(t, err)
	assert.Equal(t, []string{"case-1"}, rep.Escalated)
	c, err = m.disputes.Decide(ctx, dAgent, "case-1", "decide")
	require.NoError(t, err)
	t.Logf("%v", c.Decision)
	m.clock.Advance(8 * 24 * time.Hour)
	rep, err = m.disputes.Sweep(ctx, m.clock.Now())
	require.NoError(t, err)
	assert.Equal(t, []string{"case-1"}, rep.Finalized)
	c, err = m.disputes.Case(ctx, "case-1")
	require.NoError(t, err)
	assert.Equal(t, dispute.Final, c.State)
	assert.True(t, c.Executed)
	o, err = m.orders.Order(ctx, "o-1")
	require.NoError(t, err)
	assert.Equal(t, order.Refunded, o.State)
	b, err := m.escrow.Balance(ctx, "o-1")
	require.NoError(t, err)
	t.Logf("%+v", b)
}
