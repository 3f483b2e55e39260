package order_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
	supplierpkg "github.com/tradeassure/tradeassure/supplier"
)

// Protection after release: a claim about the goods of a completed order
// is admitted until the claim deadline, whatever the buyer confirmed.
func TestOpenDisputeOnACompletedOrderUntilTheClaimDeadline(t *testing.T) {
	for _, tt := range []struct {
		name  string
		late  bool // a nanosecond after the claim deadline
		opens bool
	}{{"at the claim deadline itself", false, true}, {"a nanosecond after it", true, false}} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			ctx := context.Background()
			o := w.run(t, "o-1", happyPath())
			require.Equal(t, order.Completed, o.State)
			deadline := coverage.DefaultRules().ClaimDeadline(o.DeliveredAt)
			at := deadline
			if tt.late {
				at = at.Add(1)
			}
			setClock(w, at)
			got, err := w.svc.OpenDispute(ctx, wDisputes, "o-1", order.DisputeRequest{CaseID: caseOne, Claimant: wBuyer})
			if !tt.opens {
				var wc *order.WindowClosedError
				require.ErrorAs(t, err, &wc)
				assert.Equal(t, order.WindowClosedError{OrderID: "o-1", Window: "claim", ClosedAt: deadline}, *wc)
				testkit.Check(t, "the stored order", o, stored(t, w, "o-1"))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, order.Disputed, got.State)
			assert.Equal(t, order.Completed, got.Disputes[0].From)
			a, err := w.escrow.Account(ctx, "o-1")
			require.NoError(t, err)
			assert.True(t, a.Frozen, "the account is frozen while the claim is open")
		})
	}
}

func TestACompletedOrderIsDisputedOnlyByItsBuyerAboutDeliveredGoods(t *testing.T) {
	afterRelease := disputeResolved(func(o *order.Order) order.Resolution {
		return order.Resolution{CaseID: caseOne, Refund: usd("960.00"), Release: usd("2240.00"), SupplierAtFault: true}
	})
	checkDisputeRefusals(t, []refusal{{
		// The buyer was refunded 960.00 of the delivered goods by a
		// dispute that completed the order: another claim would have the
		// guarantee pay what the buyer got back already.
		name:  "an order a dispute completed after delivery",
		setup: happyThrough("deliver", disputeOpened(wBuyer, caseOne), afterRelease),
		call:  openCall(wBuyer, caseTwo), want: order.ErrInvalidTransition,
	}, {
		name:  "a second claim after release",
		setup: append(happyPath(), disputeOpened(wBuyer, caseOne), afterRelease),
		call:  openCall(wBuyer, caseTwo), want: order.ErrInvalidTransition,
	}, {
		name:  "an order completed by a dispute during shipment",
		setup: happyThrough("track", disputeOpened(wBuyer, caseOne), disputeResolved(releaseAll)),
		call:  openCall(wBuyer, caseTwo), want: order.ErrInvalidTransition,
	}, {
		name:  "the supplier, who was paid",
		setup: happyPath(),
		call:  openCall(wSupplier, caseOne), want: order.ErrInvalidTransition,
	}})
}

// A claim decided for the buyer after release is paid by the programme's
// guarantee, within the order's cover, and recovered from the supplier's
// next release once what the release paid it was paid out.
func TestAClaimAfterReleaseIsPaidByTheGuaranteeAndRecoveredFromTheNextRelease(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	completed := w.run(t, "o-1", happyPath())
	require.Equal(t, usd("3200.00"), completed.Coverage.Limit, "the order is covered whole")
	payOut(t, w, usd("3136.00"))
	w.clock.Advance(24 * time.Hour)
	_, err := w.svc.OpenDispute(ctx, wDisputes, "o-1", order.DisputeRequest{CaseID: caseOne, Claimant: wBuyer})
	require.NoError(t, err)

	t.Run("never more than the cover, and nothing paid to go on", func(t *testing.T) {
		s := &scene{t: t, ctx: ctx, w: w, id: "o-1"}
		s.refuses(order.ErrInvalidRequest, func() error {
			_, err := w.svc.ResolveDispute(ctx, wDisputes, "o-1", order.Resolution{CaseID: caseOne, Refund: usd("3200.00"), Compensate: usd("0.01"), SupplierAtFault: true})
			return err
		})
		s.refuses(order.ErrInvalidRequest, func() error {
			_, err := w.svc.ResolveDispute(ctx, wDisputes, "o-1", order.Resolution{CaseID: caseOne, Continue: true, Compensate: usd("10.00")})
			return err
		})
	})

	// 30% of the goods were defective: the buyer gets USD 960.00 back, the
	// supplier keeps the rest of what it was released.
	o, err := w.svc.ResolveDispute(ctx, wDisputes, "o-1", order.Resolution{CaseID: caseOne, Refund: usd("960.00"), Release: usd("2240.00"), SupplierAtFault: true})
	require.NoError(t, err)
	assert.Equal(t, order.Completed, o.State, "a partial refund after release leaves the order completed")
	b := requireAddsUp(t, w, "o-1")
	want := settledBalance("3200.00", "3136.00", "64.00", "0.00")
	want.Guaranteed, want.Refunded = usd("960.00"), usd("960.00")
	testkit.Check(t, "the escrow balance", want, b)
	p, err := w.payments.Payment(ctx, completed.Payments[1].PaymentID)
	require.NoError(t, err)
	assert.Equal(t, usd("960.00"), p.Refunded(), "the refund is recorded on the latest payment")
	sup, err := w.suppliers.Supplier(ctx, wSupplier.ID)
	require.NoError(t, err)
	assert.Equal(t, usd("960.00"), sup.Owed(payment.USD), "the supplier owes the guarantee what it paid")
	require.Len(t, sup.Receivables, 1)
	assert.Equal(t, caseOne, sup.Receivables[0].CaseID)
	assert.Equal(t, 1, sup.Record.Completed, "the order is counted once")
	assert.Equal(t, 1, sup.Record.DisputesLost, "and the claim after release as a dispute lost")
	rec := recordsOf(t, w, "o-1")[0]
	assert.True(t, rec.Disputed && rec.DisputeLost)

	t.Run("the resolution is idempotent", func(t *testing.T) {
		s := &scene{t: t, ctx: ctx, w: w, id: "o-1"}
		s.replays(func() (*order.Order, error) {
			return w.svc.ResolveDispute(ctx, wDisputes, "o-1", order.Resolution{CaseID: caseOne, Refund: usd("960.00"), Release: usd("2240.00"), SupplierAtFault: true})
		})
	})

	// The supplier's next order releases USD 3,136.00 net: 960.00 of it
	// repays the guarantee.
	next := w.run(t, "o-2", happyPath())
	require.Equal(t, order.Completed, next.State)
	b2 := requireAddsUp(t, w, "o-2")
	want2 := settledBalance("3200.00", "2176.00", "64.00", "0.00")
	want2.Recovered = usd("960.00")
	testkit.Check(t, "the next order's escrow balance", want2, b2)
	sup, err = w.suppliers.Supplier(ctx, wSupplier.ID)
	require.NoError(t, err)
	assert.True(t, sup.Owed(payment.USD).IsZero(), "the receivable is recovered")
	assert.Equal(t, usd("960.00"), sup.Receivables[0].Recovered)
	assert.Equal(t, "o-2", sup.Receivables[0].Recoveries[0].OrderID)

	// A third order releases everything to the supplier: nothing is owed.
	third := w.run(t, "o-3", happyPath())
	require.Equal(t, order.Completed, third.State)
	assert.True(t, requireAddsUp(t, w, "o-3").Recovered.IsZero())
}

// Under the pre-shipment plan the guarantee pays at most the deposit the
// plan protects.
func TestTheGuaranteePaysAtMostTheOrdersCover(t *testing.T) {
	steps := happyPath()
	steps[0] = step{"create", func(ctx context.Context, w *world, id string) (*order.Order, error) {
		terms := wTerms()
		terms.Plan = coverage.PreShipment
		return w.svc.Create(ctx, wSupplier, order.CreateRequest{ID: id, BuyerID: wBuyer.ID, Terms: terms})
	}}
	s := newScene(t, append(steps, disputeOpened(wBuyer, caseOne))...)
	require.Equal(t, usd("960.00"), stored(t, s.w, "o-1").Coverage.Limit)
	s.refuses(payment.ErrInvalidAmount, func() error {
		_, err := s.w.svc.ResolveDispute(s.ctx, wDisputes, "o-1", order.Resolution{CaseID: caseOne, Refund: usd("960.01"), Release: usd("2239.99"), SupplierAtFault: true})
		return err
	})
	o, err := s.w.svc.ResolveDispute(s.ctx, wDisputes, "o-1", order.Resolution{CaseID: caseOne, Refund: usd("960.00"), Release: usd("2240.00"), SupplierAtFault: true})
	require.NoError(t, err)
	assert.Equal(t, order.Completed, o.State)
}

// A claim for everything released refunds the order.
func TestAFullRefundAfterReleaseRefundsTheOrder(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.run(t, "o-1", happyPath())
	_, err := w.svc.OpenDispute(ctx, wDisputes, "o-1", order.DisputeRequest{CaseID: caseOne, Claimant: wBuyer})
	require.NoError(t, err)
	o, err := w.svc.ResolveDispute(ctx, wDisputes, "o-1", order.Resolution{CaseID: caseOne, Refund: usd("3200.00"), SupplierAtFault: true})
	require.NoError(t, err)
	assert.Equal(t, order.Refunded, o.State)
	b := requireAddsUp(t, w, "o-1")
	assert.Equal(t, usd("3200.00"), b.Guaranteed)
	assert.Equal(t, usd("3200.00"), b.Refunded)
	assert.True(t, b.Remaining.IsZero())
	assert.Len(t, recordsOf(t, w, "o-1"), 1, "the order stays recorded once in the supplier's record")
}

// payOut pays amount of the supplier's balance out, and reports it paid.
func payOut(t *testing.T, w *world, amount payment.Money) {
	t.Helper()
	ctx := context.Background()
	_, err := w.suppliers.SetPayoutDestination(ctx, wSupplier, wSupplier.ID, "acct_test")
	require.NoError(t, err)
	p, err := w.suppliers.RequestPayout(ctx, wSupplier, wSupplier.ID, "payout-"+amount.String(), supplierpkg.PayoutRequest{Amount: amount})
	require.NoError(t, err)
	_, err = w.suppliers.ReportPayout(ctx, wHooks, wSupplier.ID, p.ID, supplierpkg.PayoutOutcome{Status: supplierpkg.PayoutPaid, ProcessorRef: "po-ref"})
	require.NoError(t, err)
}

// A claim after release while the supplier still holds what the release
// paid it is repaid from that balance at once: nothing is left owed, and
// the supplier's next payout is smaller by it.
func TestAClaimAfterReleaseIsOffsetFromTheSuppliersBalance(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.run(t, "o-1", happyPath())
	w.clock.Advance(24 * time.Hour)
	_, err := w.svc.OpenDispute(ctx, wDisputes, "o-1", order.DisputeRequest{CaseID: caseOne, Claimant: wBuyer})
	require.NoError(t, err)
	_, err = w.svc.ResolveDispute(ctx, wDisputes, "o-1", order.Resolution{CaseID: caseOne, Refund: usd("960.00"), Release: usd("2240.00"), SupplierAtFault: true})
	require.NoError(t, err)
	sup, err := w.suppliers.Supplier(ctx, wSupplier.ID)
	require.NoError(t, err)
	assert.True(t, sup.Owed(payment.USD).IsZero(), "nothing is left owed")
	require.Len(t, sup.Receivables, 1)
	assert.Equal(t, []supplierpkg.Recovery{{Amount: usd("960.00"), At: w.clock.Now()}}, sup.Receivables[0].Recoveries, "repaid from the balance: no releasing order")
	zero := usd("0.00")
	testkit.Check(t, "the supplier's balance", supplierpkg.Balance{Currency: payment.USD, Credited: usd("3136.00"), Offset: usd("960.00"), InFlight: zero, PaidOut: zero}, sup.Balance(payment.USD))
	assert.Equal(t, usd("2176.00"), sup.Balance(payment.USD).Available())
	s := &scene{t: t, ctx: ctx, w: w, id: "o-1"}
	s.refuses(supplierpkg.ErrPayoutHeld, func() error {
		_, err := w.suppliers.RequestPayout(ctx, wSupplier, wSupplier.ID, "nowhere", supplierpkg.PayoutRequest{Amount: usd("1.00")})
		return err
	})
	_, err = w.suppliers.SetPayoutDestination(ctx, wSupplier, wSupplier.ID, "acct_test")
	require.NoError(t, err)
	s.refuses(supplierpkg.ErrInsufficientBalance, func() error {
		_, err := w.suppliers.RequestPayout(ctx, wSupplier, wSupplier.ID, "too-much", supplierpkg.PayoutRequest{Amount: usd("2176.01")})
		return err
	})
	payOut(t, w, usd("2176.00"))
	next := w.run(t, "o-2", happyPath())
	require.Equal(t, order.Completed, next.State)
	assert.True(t, requireAddsUp(t, w, "o-2").Recovered.IsZero(), "the next release withholds nothing")
}
