package dispute_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/dispute"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
)

// A buyer who confirmed receipt and then found the goods defective claims
// within the claim deadline: the decision for the buyer is paid by the
// programme's guarantee, since the supplier was paid already, and the
// supplier repays the guarantee from its balance first (what the release
// paid it, not paid out yet: 3,136.00), and owes the rest until its next
// release repays it.
func TestAClaimAfterReceiptIsPaidByTheGuaranteeAndOwedByTheSupplier(t *testing.T) {
	ctx := context.Background()
	m := newMarket(t, nil)
	m.orderAt(t, "o-tablets", terms(), delivered)
	_, err := m.orders.ConfirmReceipt(ctx, dBuyer, "o-tablets", "receipt")
	require.NoError(t, err)
	m.clock.Advance(nDays(20))
	c := m.open(t, dBuyer, dispute.OpenRequest{ID: "case-flicker", OrderID: "o-tablets", Reason: dispute.QualityNotAsAgreed,
		Amount: usd("3200.00"), Description: "every screen flickers after two weeks", Defects: []string{"flicker"},
		Evidence: []dispute.Evidence{failedSGS(), evidence("photo-1", dispute.Photo)}})
	assert.Equal(t, usd("3200.00"), c.Covered)
	assert.Equal(t, order.Completed, m.orderOf(t, "o-tablets").Disputes[0].From)

	c = m.decided(t, "case-flicker")
	assert.Equal(t, dispute.FullRefund, c.Decision.Outcome)
	m.sweep(t, c.StateSince.AddDate(0, 0, 7))
	o := m.orderOf(t, "o-tablets")
	assert.Equal(t, order.Refunded, o.State)
	b := m.balanceOf(t, "o-tablets")
	assert.Equal(t, usd("3200.00"), b.Guaranteed, "the guarantee paid the refund in")
	assert.Equal(t, usd("3200.00"), b.Refunded)
	assert.Equal(t, usd("3200.00"), sum(t, b.Released, b.Fees), "the supplier was paid before the claim")
	assert.Equal(t, []payment.Money{usd("960.00"), usd("2240.00")}, m.refundedOnPayments(t, "o-tablets"))
	sup, err := m.suppliers.Supplier(ctx, dSupplier.ID)
	require.NoError(t, err)
	assert.Equal(t, usd("64.00"), sup.Owed(payment.USD), "3,200.00 less the 3,136.00 the supplier's balance repaid")
	assert.Equal(t, usd("3136.00"), sup.Balance(payment.USD).Offset)
	assert.True(t, sup.Balance(payment.USD).Available().IsZero())
	require.Len(t, sup.Receivables, 1)
	assert.Equal(t, "case-flicker", sup.Receivables[0].CaseID)
}
