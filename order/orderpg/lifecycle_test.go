package orderpg_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/escrow/escrowpg"
	"github.com/tradeassure/tradeassure/internal/pg"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/order/orderpg"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/payment/paymentpg"
	"github.com/tradeassure/tradeassure/supplier"
	"github.com/tradeassure/tradeassure/supplier/supplierpg"
)

// TestHappyPath runs an order's whole life through order.Service with
// every store on PostgreSQL, in its unit of work, a day passing before
// each call.
func TestHappyPath(t *testing.T) {
	var queries pg.QueryCounter
	pool := tracedPool(t, &queries)
	m := newMarket(t, pool, orderpg.New(pool))
	var o *order.Order
	n, err := queries.Of(func() (err error) {
		o, err = m.lifecycle(context.Background(), "o-1", 24*time.Hour)
		return err
	})
	require.NoError(t, err)
	assert.Equal(t, order.Completed, o.State)
	t.Logf("%d SQL round trips for one lifecycle", n)

	stored, err := m.orders.Order(context.Background(), "o-1")
	require.NoError(t, err)
	testkit.Check(t, "the order as stored", o, stored)
	var actions int
	require.NoError(t, pool.QueryRow(context.Background(), "SELECT count(*) FROM order_actions WHERE order_id = 'o-1'").Scan(&actions))
	assert.Equal(t, o.History.Len(), actions, "every action in order_actions")
}

// TestAClaimAfterReleaseIsPaidByTheGuaranteeAndRecovered runs payouts and
// protection after release on PostgreSQL: the release credits the
// supplier's balance, the day's payout run pays it and the processor
// reports it paid; a claim on the completed order decided for the buyer is
// paid by the guarantee, owed by the supplier (nothing is left in its
// balance) and withheld from its next release, each step in its unit of
// work.
func TestAClaimAfterReleaseIsPaidByTheGuaranteeAndRecovered(t *testing.T) {
	ctx := context.Background()
	s, pool := newStore(t)
	m := newMarket(t, pool, s)
	_, err := m.lifecycle(ctx, "o-1", 24*time.Hour)
	require.NoError(t, err)
	sup, err := m.suppliers.SetPayoutDestination(ctx, mSupplier, mSupplier.ID, "acct_pg")
	require.NoError(t, err)
	released := sup.Balance(payment.USD).Available()
	require.True(t, released.IsPositive(), "the release credited the supplier's balance")
	scheduler := payment.System("scheduler")
	run, err := m.suppliers.RunPayouts(ctx, scheduler)
	require.NoError(t, err)
	require.Len(t, run.Payouts, 1)
	again, err := m.suppliers.RunPayouts(ctx, scheduler)
	require.NoError(t, err)
	require.Equal(t, run.Payouts[0].ID, again.Payouts[0].ID, "the day's run pays once")
	p, err := m.suppliers.ReportPayout(ctx, payment.System("webhooks"), mSupplier.ID, run.Payouts[0].ID, supplier.PayoutOutcome{Status: supplier.PayoutPaid})
	require.NoError(t, err)
	assert.Equal(t, released, p.Amount)
	sup, err = m.suppliers.Supplier(ctx, mSupplier.ID)
	require.NoError(t, err)
	assert.Equal(t, released, sup.Balance(payment.USD).PaidOut)
	assert.True(t, sup.Balance(payment.USD).Available().IsZero())

	disputes := payment.System("tradeassure/dispute")
	_, err = m.svc.OpenDispute(ctx, disputes, "o-1", order.DisputeRequest{CaseID: "case-1", Claimant: payment.Buyer("buyer-o-1")})
	require.NoError(t, err)
	refund := payment.MustParse("500.00", payment.USD)
	o, err := m.svc.ResolveDispute(ctx, disputes, "o-1", order.Resolution{CaseID: "case-1", Refund: refund,
		Release: payment.MustParse("2700.00", payment.USD), SupplierAtFault: true})
	require.NoError(t, err)
	assert.Equal(t, order.Completed, o.State)
	b, err := m.escrow.Balance(ctx, "o-1")
	require.NoError(t, err)
	assert.Equal(t, refund, b.Guaranteed)
	assert.Equal(t, refund, b.Refunded)
	sup, err = m.suppliers.Supplier(ctx, mSupplier.ID)
	require.NoError(t, err)
	assert.Equal(t, refund, sup.Owed(payment.USD))

	_, err = m.lifecycle(ctx, "o-2", 24*time.Hour)
	require.NoError(t, err)
	b, err = m.escrow.Balance(ctx, "o-2")
	require.NoError(t, err)
	assert.Equal(t, refund, b.Recovered, "the next release withholds what is owed")
	sup, err = m.suppliers.Supplier(ctx, mSupplier.ID)
	require.NoError(t, err)
	assert.True(t, sup.Owed(payment.USD).IsZero())
}

// TestConcurrentSweeps expires orders nobody confirmed with four sweeps
// running at once on the claiming store: each order is expired by exactly
// one of them.
func TestConcurrentSweeps(t *testing.T) {
	ctx := context.Background()
	s, pool := newStore(t)
	m := newMarket(t, pool, s)
	const n = 40
	for i := range n {
		id := fmt.Sprintf("o-%02d", i)
		_, err := m.svc.Create(ctx, mSupplier, order.CreateRequest{ID: id, BuyerID: "buyer-" + id, Terms: mTerms()})
		require.NoError(t, err)
		_, err = m.svc.Submit(ctx, mSupplier, id, "submit")
		require.NoError(t, err)
	}
	m.clock.Advance(31 * 24 * time.Hour) // the 30-day confirmation window closes
	var mu sync.Mutex
	var expired []string
	testkit.Together(4, func(int) {
		rep, err := m.svc.Sweep(ctx, m.clock.Now())
		assert.NoError(t, err)
		assert.Empty(t, rep.Failures)
		mu.Lock()
		expired = append(expired, rep.Expired...)
		mu.Unlock()
	})
	slices.Sort(expired)
	assert.Len(t, expired, n, "each order expired by one sweep")
	assert.Len(t, slices.Compact(expired), n)
	for i := range n {
		o, err := s.Order(ctx, fmt.Sprintf("o-%02d", i))
		require.NoError(t, err)
		assert.Equal(t, order.Expired, o.State, o.ID)
	}
}

// The market's supplier, its platform agent (who reviews documents,
// inspects and delivers) and the instant its clock starts at.
var mSupplier, mAgent, mStart = payment.Supplier("supplier-cn-1"), payment.Platform("agent-7"), time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// market is the order service over an order store under test, with the
// payment, escrow and supplier stores on the same pool, all in the pool's
// unit of work, and an enrolled supplier; each order has a buyer of its
// own.
type market struct {
	clock     *testkit.Clock
	orders    order.Store
	svc       *order.Service
	escrow    *escrow.Service
	suppliers *supplier.Service
}

func newMarket(t testing.TB, pool *pgxpool.Pool, orders order.Store) *market {
	t.Helper()
	ctx, m := context.Background(), &market{clock: testkit.NewClock(mStart), orders: orders}
	require.NoError(t, paymentpg.Migrate(ctx, pool))
	require.NoError(t, escrowpg.Migrate(ctx, pool))
	require.NoError(t, supplierpg.Migrate(ctx, pool))
	payments, err := payment.NewService(payment.Config{Store: paymentpg.New(pool), Unit: paymentpg.Unit(pool), Clock: m.clock, Risk: []payment.RiskRule{}})
	require.NoError(t, err)
	esc, err := escrow.NewService(escrow.Config{Store: escrowpg.New(pool), Unit: paymentpg.Unit(pool), Clock: m.clock})
	require.NoError(t, err)
	suppliers, err := supplier.NewService(supplier.Config{Store: supplierpg.New(pool), Unit: paymentpg.Unit(pool), Clock: m.clock})
	require.NoError(t, err)
	m.svc, err = order.NewService(order.Config{Store: orders, Unit: paymentpg.Unit(pool), Clock: m.clock, Payments: payments, Escrow: esc, Suppliers: suppliers})
	require.NoError(t, err)
	m.escrow, m.suppliers = esc, suppliers

	_, err = suppliers.Register(ctx, mSupplier, supplier.RegisterRequest{ID: mSupplier.ID, Company: "Ningbo Fine Furniture Co.",
		Country: "CN", EstablishedOn: time.Date(2015, time.June, 1, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	kinds := []supplier.DocumentKind{supplier.BusinessLicence, supplier.ProductionQualification, supplier.ISO9001, supplier.OnSiteCheck}
	for i, kind := range kinds {
		d := supplier.Document{ID: fmt.Sprint("doc-", i), Kind: kind, Issuer: "SGS", Number: fmt.Sprint("SGS-", i),
			ValidFrom: mStart.AddDate(-1, 0, 0), ValidUntil: mStart.AddDate(3, 0, 0)}
		_, err := suppliers.SubmitDocument(ctx, mSupplier, mSupplier.ID, d)
		require.NoError(t, err)
		_, err = suppliers.ReviewDocument(ctx, mAgent, mSupplier.ID, d.ID, true, "checked")
		require.NoError(t, err)
	}
	return m
}

// mTerms are USD 3,000.00 of goods and USD 200.00 of shipping, a 30%
// deposit by card and the balance by wire, inspected before shipment.
func mTerms() order.Terms {
	return order.Terms{
		Items: []order.LineItem{{SKU: "CHAIR-01", Description: "Oak chair", Quantity: 20, Unit: "pieces",
			UnitPrice: payment.MustParse("150.00", payment.USD)}},
		Currency: payment.USD, Incoterm: order.CIF, ShippingCost: payment.MustParse("200.00", payment.USD), Destination: "DE",
		ShipBy: mStart.AddDate(0, 0, 40), DeliverBy: mStart.AddDate(0, 0, 70), ProductionDays: 25,
		InspectionRequired: true, Plan: coverage.PostDelivery,
		Schedule: order.Schedule{DepositPercent: 30, DepositInstrument: payment.Instrument{Method: payment.Card, Network: payment.Visa},
			BalanceInstrument: payment.Instrument{Method: payment.WireTransfer}},
	}
}

// lifecycleSteps are the calls of the happy path after the create, by
// name; paying a tranche is two calls (pay, and the processor's report).
var lifecycleSteps = []string{"submit", "confirm", "pay deposit", "start", "finish", "inspect", "pay balance",
	"ship", "track", "deliver", "receipt"}

// lifecycle runs the happy path on a new order id, the clock advancing by
// step before each call, and returns the completed order.
func (m *market) lifecycle(ctx context.Context, id string, step time.Duration) (*order.Order, error) {
	buyer := payment.Buyer("buyer-" + id)
	pay := func(tranche payment.Tranche) (*order.Order, error) {
		_, p, err := m.svc.Pay(ctx, buyer, id, "pay-"+string(tranche), order.PayRequest{Tranche: tranche, BuyerCountry: "DE"})
		if err != nil {
			return nil, err
		}
		m.clock.Advance(step)
		return m.svc.ReportPayment(ctx, payment.System("webhooks"), id, p.ID, payment.Outcome{Status: payment.StatusSucceeded, ProcessorRef: "psp-" + p.ID})
	}
	calls := map[string]func() (*order.Order, error){
		"submit":      func() (*order.Order, error) { return m.svc.Submit(ctx, mSupplier, id, "submit") },
		"confirm":     func() (*order.Order, error) { return m.svc.Confirm(ctx, buyer, id, "confirm") },
		"pay deposit": func() (*order.Order, error) { return pay(payment.Deposit) },
		"start":       func() (*order.Order, error) { return m.svc.StartProduction(ctx, mSupplier, id, "start") },
		"finish":      func() (*order.Order, error) { return m.svc.FinishProduction(ctx, mSupplier, id, "finish") },
		"inspect": func() (*order.Order, error) {
			return m.svc.RecordInspection(ctx, mAgent, id, "inspection-1",
				order.InspectionReport{Agency: "SGS", InspectedAt: m.clock.Now(), Result: coverage.InspectionPassed})
		},
		"pay balance": func() (*order.Order, error) { return pay(payment.Balance) },
		"ship": func() (*order.Order, error) {
			return m.svc.Ship(ctx, mSupplier, id, "ship", order.TrackingEvent{At: m.clock.Now(), Location: "Ningbo", Carrier: "COSCO",
				Mode: order.Sea, TrackingNumber: "COSU1234567", EstimatedArrival: mStart.AddDate(0, 0, 65)})
		},
		"track": func() (*order.Order, error) {
			return m.svc.Track(ctx, mSupplier, id, "track-1", order.TrackingEvent{At: m.clock.Now(), Location: "Singapore"})
		},
		"deliver": func() (*order.Order, error) { return m.svc.Deliver(ctx, mAgent, id, "deliver") },
		"receipt": func() (*order.Order, error) { return m.svc.ConfirmReceipt(ctx, buyer, id, "receipt") },
	}
	o, err := m.svc.Create(ctx, mSupplier, order.CreateRequest{ID: id, BuyerID: buyer.ID, Terms: mTerms()})
	for _, name := range lifecycleSteps {
		if err != nil {
			break
		}
		m.clock.Advance(step)
		if o, err = calls[name](); err != nil {
			err = fmt.Errorf("order %s: %s: %w", id, name, err)
		}
	}
	if err == nil && o.State != order.Completed {
		err = fmt.Errorf("order %s ends %s", id, o.State)
	}
	return o, err
}
