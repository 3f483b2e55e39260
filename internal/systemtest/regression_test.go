package systemtest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/dispute"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
)

// The SDK bugs TestSystemAgainstModel found, each kept as the shortest
// sequence of public calls that shows it (rapid's failure files replay
// only against the state machine of their day). Each comment tells the
// bug as it was, and how it was fixed.

// testWorld returns a world on the in-memory stores with two enrolled
// suppliers and the buyers of newWorld.
func testWorld(t *testing.T) *world {
	t.Helper()
	w, err := newWorld(context.Background(), memoryStores(), 2)
	require.NoError(t, err)
	return w
}

func usd(s string) payment.Money { return payment.MustParse(s, payment.USD) }

// testTerms are 10 pieces at USD 10.00 and USD 20.00 of shipping (USD
// 120.00) for the US buyer, paid as a 30% deposit and the balance (or in
// full when deposit is 0), shipped by shipBy days from now and delivered
// ten days later, with no inspection, under the post-delivery plan.
func testTerms(w *world, deposit int64, shipBy int) order.Terms {
	now := w.clock.Now()
	return order.Terms{
		Items:    []order.LineItem{{SKU: "CHAIR-1", Quantity: 10, Unit: "pieces", UnitPrice: usd("10.00"), Spec: order.Spec{QualityStandard: "EN 12520"}}},
		Currency: payment.USD, Incoterm: order.CIF, ShippingCost: usd("20.00"), Destination: "US",
		ShipBy: now.AddDate(0, 0, shipBy), DeliverBy: now.AddDate(0, 0, shipBy+10), Plan: coverage.PostDelivery,
		Schedule: order.Schedule{DepositPercent: deposit},
	}
}

// confirmed drafts order id on terms t between the first supplier and the
// US buyer, and has it submitted and confirmed.
func confirmed(t *testing.T, w *world, id string, terms order.Terms) (sup, buy payment.Actor) {
	t.Helper()
	sup, buy = payment.Supplier(w.sups[0]), payment.Buyer(w.buyers[0].id)
	_, err := w.orders.Create(w.ctx, sup, order.CreateRequest{ID: id, BuyerID: buy.ID, Terms: terms})
	require.NoError(t, err)
	_, err = w.orders.Submit(w.ctx, sup, id, "submit")
	require.NoError(t, err)
	_, err = w.orders.Confirm(w.ctx, buy, id, "confirm")
	require.NoError(t, err)
	return sup, buy
}

// paid pays a tranche of order id by T/T and reports it succeeded.
func paid(t *testing.T, w *world, buy payment.Actor, id string, tranche payment.Tranche) *payment.Payment {
	t.Helper()
	_, p, err := w.orders.Pay(w.ctx, buy, id, "pay-"+string(tranche), order.PayRequest{Tranche: tranche, BuyerCountry: "US",
		Instrument: payment.Instrument{Method: payment.WireTransfer}})
	require.NoError(t, err)
	_, err = w.orders.ReportPayment(w.ctx, webhooks, id, p.ID, payment.Outcome{Status: payment.StatusSucceeded})
	require.NoError(t, err)
	return p
}

// TestPayRetriedAfterTheTermsChangedIsAReplay: a retry of a successful
// Pay, with the same key and request, must return the payment the first
// call made and change nothing, whatever happened to the order since. When
// the order's terms changed in between (the buyer withdrew that payment,
// then both parties agreed on a higher shipping cost, which is allowed
// while nothing is paid), Pay asks the payment service again for the
// tranche as the terms are now, under the payment's key, and the payment
// service refuses the other amount: ErrIdempotencyMismatch instead of a
// replay. Fixed: a replay returns the payment recorded under the key
// (Payments.PaymentByKey).
func TestPayRetriedAfterTheTermsChangedIsAReplay(t *testing.T) {
	w := testWorld(t)
	terms := testTerms(w, 30, 20)
	sup, buy := confirmed(t, w, "order-1", terms)
	req := order.PayRequest{Tranche: payment.Deposit, BuyerCountry: "US", Instrument: payment.Instrument{Method: payment.Card, Network: payment.Visa}}
	_, first, err := w.orders.Pay(w.ctx, buy, "order-1", "pay-deposit", req)
	require.NoError(t, err)

	// The buyer withdraws the payment before submitting it, and the order
	// learns it; then both parties agree on a higher shipping cost.
	_, err = w.payments.Cancel(w.ctx, buy, first.ID, "wrong card")
	require.NoError(t, err)
	_, err = w.orders.SyncPayment(w.ctx, webhooks, "order-1", first.ID)
	require.NoError(t, err)
	more := terms.Clone()
	more.ShippingCost = usd("22.00")
	_, err = w.orders.ProposeModification(w.ctx, buy, "order-1", "shipping", more)
	require.NoError(t, err)
	before, err := w.orders.ApproveModification(w.ctx, sup, "order-1", "shipping")
	require.NoError(t, err)

	// The buyer's client retries its first call.
	o, again, err := w.orders.Pay(w.ctx, buy, "order-1", "pay-deposit", req)
	require.NoError(t, err, "a retry of a successful Pay under its key is a replay")
	require.Equal(t, first.ID, again.ID, "the replay returns the first call's payment")
	require.Equal(t, before.Version, o.Version, "the replay changes nothing")
}

// TestAPaymentThatSucceedsWhileTheOrderIsDisputedIsHeld: the balance is
// paid, and before the processor reports it the supplier opens a case
// (the buyer refuses the balance, the supplier says): the order is
// disputed and its escrow account frozen. Then the payment succeeds. The
// order records the money as paid and a hold step, which the frozen escrow
// account refuses (a freeze stops every movement, holds included), so
// ReportPayment fails with the payment succeeded and the order changed. And
// since an order runs its steps in order and stops at the first failure,
// the hold blocks everything after it for good: when the case ends, the
// dispute's unfreeze never runs, the account stays frozen, the balance is
// never held, and the order counts as paid money escrow does not have.
// Fixed: a freeze stops money leaving escrow; a frozen account still
// takes holds.
func TestAPaymentThatSucceedsWhileTheOrderIsDisputedIsHeld(t *testing.T) {
	w := testWorld(t)
	sup, buy := confirmed(t, w, "order-1", testTerms(w, 30, 20))
	paid(t, w, buy, "order-1", payment.Deposit)
	_, err := w.orders.StartProduction(w.ctx, sup, "order-1", "start")
	require.NoError(t, err)
	_, err = w.orders.FinishProduction(w.ctx, sup, "order-1", "finish")
	require.NoError(t, err)
	_, balance, err := w.orders.Pay(w.ctx, buy, "order-1", "pay-balance", order.PayRequest{Tranche: payment.Balance, BuyerCountry: "US",
		Instrument: payment.Instrument{Method: payment.WireTransfer}})
	require.NoError(t, err)
	_, err = w.disputes.Open(w.ctx, sup, dispute.OpenRequest{ID: "case-1", OrderID: "order-1", Reason: dispute.BalanceRefused,
		Amount: usd("36.00")})
	require.NoError(t, err)

	_, err = w.orders.ReportPayment(w.ctx, webhooks, "order-1", balance.ID, payment.Outcome{Status: payment.StatusSucceeded})
	assert.NoError(t, err, "the balance arrived while the order is disputed")

	// The supplier withdraws its case: the order goes on, fully paid.
	_, err = w.disputes.Withdraw(w.ctx, sup, "case-1", "withdraw")
	assert.NoError(t, err)
	o, err := w.orders.Order(w.ctx, "order-1")
	require.NoError(t, err)
	assert.Equal(t, order.ReadyToShip, o.State)
	a, err := w.escrow.Account(w.ctx, "order-1")
	require.NoError(t, err)
	assert.False(t, a.Frozen, "the escrow account is unfrozen when the dispute ends")
	b, err := a.Balance()
	require.NoError(t, err)
	assert.Equal(t, o.Paid(), b.Remaining, "escrow holds what the order has paid")
}

// TestADisputeEndingWithNothingLeftInEscrowIsCarriedOut: a late-shipment
// claim for the whole order is decided for the buyer before delivery, so
// the order goes on with everything in escrow paid out as compensation.
// The goods arrive, and a claim about them is rejected: the decision ends
// the order, with nothing left to split. ResolveDispute records a
// settlement of three zero parts, which escrow refuses ("a settlement
// moves something"); the steps after it never run: the supplier's limit
// stays reserved for a closed order, the supplier's record misses it, the
// case is never marked carried out, and every dispute sweep fails on it.
// Fixed: a resolution with nothing to share out records no settlement.
func TestADisputeEndingWithNothingLeftInEscrowIsCarriedOut(t *testing.T) {
	w := testWorld(t)
	sup, buy := confirmed(t, w, "order-1", testTerms(w, 0, 2))
	paid(t, w, buy, "order-1", payment.Full)
	_, err := w.orders.StartProduction(w.ctx, sup, "order-1", "start")
	require.NoError(t, err)
	_, err = w.orders.FinishProduction(w.ctx, sup, "order-1", "finish")
	require.NoError(t, err)

	// The goods do not ship by the agreed date: the buyer claims the whole
	// order value, the platform decides for the buyer, nobody appeals.
	w.clock.Advance(3 * 24 * time.Hour)
	decideUnappealed(t, w, buy, dispute.OpenRequest{ID: "case-late", OrderID: "order-1", Reason: dispute.LateShipment, Amount: usd("120.00")})
	o, err := w.orders.Order(w.ctx, "order-1")
	require.NoError(t, err)
	require.Equal(t, order.ReadyToShip, o.State, "a late shipment compensated before delivery lets the order go on")
	require.True(t, o.Remaining().IsZero(), "the compensation took everything in escrow: %s left", o.Remaining())

	_, err = w.orders.Ship(w.ctx, sup, "order-1", "ship", order.TrackingEvent{At: w.clock.Now(), Carrier: "COSCO"})
	require.NoError(t, err)
	_, err = w.orders.Deliver(w.ctx, agent, "order-1", "deliver")
	require.NoError(t, err)
	// A claim about the goods with no evidence: rejected, which ends the
	// order with nothing left in escrow.
	decideUnappealed(t, w, buy, dispute.OpenRequest{ID: "case-quality", OrderID: "order-1", Reason: dispute.QualityNotAsAgreed, Amount: usd("10.00")})

	c, err := w.disputes.Case(w.ctx, "case-quality")
	require.NoError(t, err)
	require.Equal(t, dispute.Final, c.State, "the decision is final")
	o, err = w.orders.Order(w.ctx, "order-1")
	require.NoError(t, err)
	assert.Equal(t, order.Refunded, o.State, "the rejected claim ends the order")
	s, err := w.suppliers.Supplier(w.ctx, sup.ID)
	require.NoError(t, err)
	require.Empty(t, s.Reservations, "the closed order's reservation is given back")
}

// decideUnappealed opens a claim by buy, has it escalated and decided, and
// lets the appeal window pass: the dispute sweep makes the decision final
// and carries it out. It fails the test if the sweep cannot.
func decideUnappealed(t *testing.T, w *world, buy payment.Actor, req dispute.OpenRequest) {
	t.Helper()
	_, err := w.disputes.Open(w.ctx, buy, req)
	require.NoError(t, err)
	w.clock.Advance(4 * 24 * time.Hour)
	_, err = w.disputes.Escalate(w.ctx, buy, req.ID, "escalate")
	require.NoError(t, err)
	c, err := w.disputes.Decide(w.ctx, agent, req.ID, "decide")
	require.NoError(t, err)
	t.Logf("case %s: %s", req.ID, c.Decision)
	w.clock.Advance(8 * 24 * time.Hour)
	rep, err := w.disputes.Sweep(w.ctx, w.clock.Now())
	require.NoError(t, err)
	require.Empty(t, rep.Failures, "the dispute sweep carries the final decision out")
}

// TestLateShipmentCompensationAfterADisputeCompensationIsPaid: the goods
// ship late and are overdue, the buyer claims non-delivery, and the
// parties settle before the goods arrive: the buyer is compensated all but
// one cent out of escrow, and the order goes on. The goods arrive and the
// buyer confirms receipt, which pays the late-shipment compensation still
// owed: 2% of the order value, bounded by what the buyer paid but not by
// what escrow still holds. Escrow refuses to pay USD 2.40 out of USD 0.01,
// and the failed step blocks the steps after it for good: the order is
// completed with money in escrow, the supplier's limit stays reserved and
// its record misses the order. (The sweep's late-shipment compensation,
// had it run first, failed the same way.) Fixed: the compensation is
// capped at what escrow holds (order.ReasonLateCappedByEscrow).
func TestLateShipmentCompensationAfterADisputeCompensationIsPaid(t *testing.T) {
	w := testWorld(t)
	sup, buy := confirmed(t, w, "order-1", testTerms(w, 0, 2))
	paid(t, w, buy, "order-1", payment.Full)
	_, err := w.orders.StartProduction(w.ctx, sup, "order-1", "start")
	require.NoError(t, err)
	_, err = w.orders.FinishProduction(w.ctx, sup, "order-1", "finish")
	require.NoError(t, err)
	w.clock.Advance(13 * 24 * time.Hour) // past the agreed shipment and delivery dates
	_, err = w.orders.Ship(w.ctx, sup, "order-1", "ship", order.TrackingEvent{At: w.clock.Now(), Carrier: "COSCO"})
	require.NoError(t, err)

	_, err = w.disputes.Open(w.ctx, buy, dispute.OpenRequest{ID: "case-1", OrderID: "order-1", Reason: dispute.NonDelivery, Amount: usd("119.99")})
	require.NoError(t, err)
	_, err = w.disputes.Respond(w.ctx, sup, "case-1", "respond", "on its way")
	require.NoError(t, err)
	_, err = w.disputes.Offer(w.ctx, sup, "case-1", "offer-1", usd("119.99"))
	require.NoError(t, err)
	_, err = w.disputes.Accept(w.ctx, buy, "case-1", "offer-1")
	require.NoError(t, err)
	o, err := w.orders.Order(w.ctx, "order-1")
	require.NoError(t, err)
	require.Equal(t, order.Shipped, o.State, "a settlement before delivery lets the order go on")
	require.Equal(t, usd("0.01"), o.Remaining())

	_, err = w.orders.Deliver(w.ctx, agent, "order-1", "deliver")
	require.NoError(t, err)
	_, err = w.orders.ConfirmReceipt(w.ctx, buy, "order-1", "receipt")
	assert.NoError(t, err, "the buyer confirms receipt")
	o, err = w.orders.Order(w.ctx, "order-1")
	require.NoError(t, err)
	assert.Equal(t, order.Completed, o.State)
	a, err := w.escrow.Account(w.ctx, "order-1")
	require.NoError(t, err)
	b, err := a.Balance()
	require.NoError(t, err)
	assert.True(t, b.Remaining.IsZero(), "escrow holds nothing for a completed order, not %s", b.Remaining)
	s, err := w.suppliers.Supplier(w.ctx, sup.ID)
	require.NoError(t, err)
	assert.Empty(t, s.Reservations, "the completed order's reservation is given back")
}

// TestAReleaseAfterADisputeCompensationDeductsNoMoreThanItPays: the
// supplier bears the fee of a payment made by Alipay, which is deducted
// from what escrow releases to it when the buyer confirms receipt. A
// late-shipment claim compensated the buyer all but one cent before
// delivery, so the release at receipt is USD 0.01, and the supplier's fee
// of USD 2.51 on top of the platform's is more than the release: escrow
// refuses it ("release fee … is above the release"), and the failed step
// blocks the order's last steps for good: completed with money in escrow,
// the limit reserved, the record missing. Fixed: escrow charges the
// further fee only up to what the platform fee leaves of the release.
func TestAReleaseAfterADisputeCompensationDeductsNoMoreThanItPays(t *testing.T) {
	w := testWorld(t)
	sup, buy := confirmed(t, w, "order-1", testTerms(w, 30, 2))
	paid(t, w, buy, "order-1", payment.Deposit)
	_, err := w.orders.StartProduction(w.ctx, sup, "order-1", "start")
	require.NoError(t, err)
	_, err = w.orders.FinishProduction(w.ctx, sup, "order-1", "finish")
	require.NoError(t, err)
	_, p, err := w.orders.Pay(w.ctx, buy, "order-1", "pay-balance", order.PayRequest{Tranche: payment.Balance, BuyerCountry: "US",
		Instrument: payment.Instrument{Method: payment.Alipay}})
	require.NoError(t, err)
	require.True(t, p.Fee.SupplierFee.IsPositive(), "the supplier bears the Alipay fee")
	_, err = w.orders.ReportPayment(w.ctx, webhooks, "order-1", p.ID, payment.Outcome{Status: payment.StatusSucceeded})
	require.NoError(t, err)

	w.clock.Advance(3 * 24 * time.Hour) // past the agreed shipment date
	decideUnappealed(t, w, buy, dispute.OpenRequest{ID: "case-late", OrderID: "order-1", Reason: dispute.LateShipment, Amount: usd("119.99")})
	_, err = w.orders.Ship(w.ctx, sup, "order-1", "ship", order.TrackingEvent{At: w.clock.Now(), Carrier: "COSCO"})
	require.NoError(t, err)
	_, err = w.orders.Deliver(w.ctx, agent, "order-1", "deliver")
	require.NoError(t, err)
	_, err = w.orders.ConfirmReceipt(w.ctx, buy, "order-1", "receipt")
	assert.NoError(t, err, "the buyer confirms receipt")
	o, err := w.orders.Order(w.ctx, "order-1")
	require.NoError(t, err)
	assert.Equal(t, order.Completed, o.State)
	s, err := w.suppliers.Supplier(w.ctx, sup.ID)
	require.NoError(t, err)
	assert.Empty(t, s.Reservations, "the completed order's reservation is given back")
}

// TestCoverageIsReservedWhenTheLimitShrankWithTime: the supplier's limit
// counts half its trailing 180-day volume, so it shrinks as completed
// orders age out of the window, without anything being written. The order
// service reads the supplier's stored record, whose limit was computed at
// its last write, asks to reserve that much for an order above the limit,
// and the supplier service, which judges the limit as it is now, refuses
// with a *supplier.LimitError; the order service asks again from the same
// stored record, and gives up after its attempts ("the limit of supplier
// … kept changing"). The reservation step never succeeds, and it blocks
// every later step of the paid order: its release at receipt included.
// Fixed: the next request asks no more than the refusal said was
// available, while the stored record is the same.
func TestCoverageIsReservedWhenTheLimitShrankWithTime(t *testing.T) {
	w := testWorld(t)
	sup, buy := payment.Supplier(w.sups[1]), payment.Buyer(w.buyers[0].id)
	first := testTerms(w, 0, 20)
	first.Items[0].Quantity = 100 // USD 1,020.00: half of it counts towards the limit for 180 days
	run := func(id string, terms order.Terms) {
		_, err := w.orders.Create(w.ctx, sup, order.CreateRequest{ID: id, BuyerID: buy.ID, Terms: terms})
		require.NoError(t, err)
		_, err = w.orders.Submit(w.ctx, sup, id, "submit")
		require.NoError(t, err)
		_, err = w.orders.Confirm(w.ctx, buy, id, "confirm")
		require.NoError(t, err)
	}
	run("order-1", first)
	paid(t, w, buy, "order-1", payment.Full)
	for _, step := range []func() (*order.Order, error){
		func() (*order.Order, error) { return w.orders.StartProduction(w.ctx, sup, "order-1", "start") },
		func() (*order.Order, error) { return w.orders.FinishProduction(w.ctx, sup, "order-1", "finish") },
		func() (*order.Order, error) {
			return w.orders.Ship(w.ctx, sup, "order-1", "ship", order.TrackingEvent{At: w.clock.Now(), Carrier: "COSCO"})
		},
		func() (*order.Order, error) { return w.orders.Deliver(w.ctx, agent, "order-1", "deliver") },
		func() (*order.Order, error) { return w.orders.ConfirmReceipt(w.ctx, buy, "order-1", "receipt") },
	} {
		_, err := step()
		require.NoError(t, err)
	}
	stored, err := w.suppliers.Supplier(w.ctx, sup.ID)
	require.NoError(t, err)

	// Half a year later the order no longer counts, and a large order is
	// paid: above the limit, it is covered in part.
	w.clock.Advance(200 * 24 * time.Hour)
	second := testTerms(w, 0, 20)
	second.Items[0].Quantity = 3000 // USD 30,020.00
	run("order-2", second)
	_, p, err := w.orders.Pay(w.ctx, buy, "order-2", "pay", order.PayRequest{Tranche: payment.Full, BuyerCountry: "US",
		Instrument: payment.Instrument{Method: payment.WireTransfer}})
	require.NoError(t, err)
	_, err = w.orders.ReportPayment(w.ctx, webhooks, "order-2", p.ID, payment.Outcome{Status: payment.StatusSucceeded})
	assert.NoError(t, err, "the payment arrives and the order's coverage is reserved")
	o, err := w.orders.Order(w.ctx, "order-2")
	require.NoError(t, err)
	covered, _, err := w.suppliers.Coverable(w.ctx, sup.ID, usd("30020.00"))
	require.NoError(t, err)
	t.Logf("the stored record's limit is %s; the limit now covers %s", stored.Limit.Amount, covered)
	assert.True(t, o.Coverage.Reserved.IsPositive(), "the order is covered up to the supplier's limit")
}

// TestSyncingAPaymentTheOrderKnowsChangesNothing: SyncPayment says that
// "syncing a payment the order already knows as it is changes nothing".
// Right after Pay the order knows its payment as initiated, as the payment
// service has it; a sync then appends a report_payment action to the
// order's history, writes the order and publishes a notice, because the
// sync is keyed by the payment's status and Pay recorded the payment
// without a report under that key. Harmless to money, but the history
// and the subscribers get an event for nothing. Fixed: a report of the
// status the order knows writes nothing.
func TestSyncingAPaymentTheOrderKnowsChangesNothing(t *testing.T) {
	w := testWorld(t)
	_, buy := confirmed(t, w, "order-1", testTerms(w, 0, 20))
	before, p, err := w.orders.Pay(w.ctx, buy, "order-1", "pay", order.PayRequest{Tranche: payment.Full, BuyerCountry: "US",
		Instrument: payment.Instrument{Method: payment.WireTransfer}})
	require.NoError(t, err)
	require.Equal(t, p.Status, before.Payments[0].Status, "the order knows the payment as it is")

	after, err := w.orders.SyncPayment(w.ctx, webhooks, "order-1", p.ID)
	require.NoError(t, err)
	assert.Equal(t, before.Version, after.Version, "the sync writes nothing")
	assert.Equal(t, before.History.Len(), after.History.Len(), "the sync records no action")
	published, err := noticesOf[order.Notice](w, order.Aggregate, "order-1")
	require.NoError(t, err)
	assert.Equal(t, before.History.Len(), len(published), "the sync publishes nothing")
}
