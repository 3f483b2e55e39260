package dispute_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/dispute"
	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// The parties of the dispute tests.
var (
	dBuyer    = payment.Buyer("buyer-de-1")
	dSupplier = payment.Supplier("supplier-cn-1")
	dAgent    = payment.Platform("agent-7")
	dHooks    = payment.System("webhooks")
	dStart    = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
)

// market is a marketplace on the in-memory stores with an enrolled
// supplier: the order service and the dispute service on one clock.
type market struct {
	clock     *testkit.Clock
	escrow    *escrow.Service
	payments  *payment.Service
	orders    *order.Service
	disputes  *dispute.Service
	suppliers *supplier.Service
	store     dispute.Store
}

// newMarket returns a market; edit, when not nil, changes the dispute
// service's configuration.
func newMarket(t testing.TB, edit func(*dispute.Config)) *market {
	t.Helper()
	m, err := buildMarket(edit)
	require.NoError(t, err)
	return m
}

// buildMarket returns a market, or the first error setting it up.
func buildMarket(edit func(*dispute.Config)) (*market, error) { return buildMarketWith(nil, edit) }

// buildMarketWith is buildMarket with the order service's configuration
// edited too.
func buildMarketWith(orderEdit func(*order.Config), edit func(*dispute.Config)) (*market, error) {
	m := &market{clock: testkit.NewClock(dStart), store: dispute.NewMemoryStore()}
	var err error
	if m.payments, err = payment.NewService(payment.Config{Store: payment.NewMemoryStore(), Clock: m.clock, Risk: []payment.RiskRule{}}); err != nil {
		return nil, err
	}
	if m.escrow, err = escrow.NewService(escrow.Config{Store: escrow.NewMemoryStore(), Clock: m.clock,
		ReleaseFee: escrow.PercentFee(decimal.RequireFromString("0.02"), payment.RoundHalfEven)}); err != nil {
		return nil, err
	}
	suppliers, err := supplier.NewService(supplier.Config{Store: supplier.NewMemoryStore(), Clock: m.clock})
	if err != nil {
		return nil, err
	}
	m.suppliers = suppliers
	ocfg := order.Config{Store: order.NewMemoryStore(), Clock: m.clock, Payments: m.payments, Escrow: m.escrow, Suppliers: suppliers}
	if orderEdit != nil {
		orderEdit(&ocfg)
	}
	if m.orders, err = order.NewService(ocfg); err != nil {
		return nil, err
	}
	cfg := dispute.Config{Store: m.store, Clock: m.clock, Orders: m.orders}
	if edit != nil {
		edit(&cfg)
	}
	if m.disputes, err = dispute.NewService(cfg); err != nil {
		return nil, err
	}
	ctx := context.Background()
	if _, err = suppliers.Register(ctx, dSupplier, supplier.RegisterRequest{ID: dSupplier.ID, Company: "Shenzhen Bright Electronics Co.",
		Country: "CN", EstablishedOn: time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		return nil, err
	}
	for i, kind := range []supplier.DocumentKind{supplier.BusinessLicence, supplier.ProductionQualification, supplier.ISO9001, supplier.OnSiteCheck} {
		d := supplier.Document{ID: fmt.Sprint("doc-", i), Kind: kind, Issuer: "SGS", Number: fmt.Sprint("SGS-", i),
			ValidFrom: dStart.AddDate(-1, 0, 0), ValidUntil: dStart.AddDate(3, 0, 0)}
		if _, err := suppliers.SubmitDocument(ctx, dSupplier, dSupplier.ID, d); err != nil {
			return nil, err
		}
		if _, err = suppliers.ReviewDocument(ctx, dAgent, dSupplier.ID, d.ID, true, "checked"); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func usd(s string) payment.Money { return payment.MustParse(s, payment.USD) }

// terms are 100 tablets at USD 30.00 and USD 200.00 of shipping (USD
// 3,200.00): a 30% deposit by card, the balance by T/T, under the
// post-delivery plan, shipping within 40 days and delivered within 70.
func terms() order.Terms {
	return order.Terms{
		Items: []order.LineItem{{SKU: "TAB-10", Description: "10-inch tablet", Quantity: 100, Unit: "pieces", UnitPrice: usd("30.00"),
			Spec: order.Spec{QualityStandard: "IEC 62368-1", Packaging: "retail box"}}},
		Currency: payment.USD, Incoterm: order.CIF, ShippingCost: usd("200.00"), Destination: "DE",
		ShipBy: dStart.AddDate(0, 0, 40), DeliverBy: dStart.AddDate(0, 0, 70), ProductionDays: 25, Plan: coverage.PostDelivery,
		Schedule: order.Schedule{DepositPercent: 30,
			DepositInstrument: payment.Instrument{Method: payment.Card, Network: payment.Visa},
			BalanceInstrument: payment.Instrument{Method: payment.WireTransfer}},
	}
}

// Points of an order's life that orderAt stops at.
const (
	inProduction = "in production"
	readyToShip  = "ready to ship"
	shipped      = "shipped"
	delivered    = "delivered"
)

// orderAt creates order id on terms tm and runs it, a day per step, up to
// the point named: "in production" (deposit paid), "ready to ship"
// (balance paid), "shipped" or "delivered".
func (m *market) orderAt(t testing.TB, id string, tm order.Terms, point string) *order.Order {
	t.Helper()
	o, err := m.runOrder(id, tm, point)
	require.NoError(t, err)
	return o
}

// runOrder is orderAt, returning the first error.
func (m *market) runOrder(id string, tm order.Terms, point string) (o *order.Order, err error) {
	ctx := context.Background()
	day := func() { m.clock.Advance(24 * time.Hour) }
	steps := []struct {
		after string // the point reached once the step has run
		call  func() (*order.Order, error)
	}{
		{"", func() (*order.Order, error) {
			return m.orders.Create(ctx, dSupplier, order.CreateRequest{ID: id, BuyerID: dBuyer.ID, Terms: tm})
		}},
		{"", func() (*order.Order, error) { return m.orders.Submit(ctx, dSupplier, id, "submit") }},
		{"", func() (*order.Order, error) { day(); return m.orders.Confirm(ctx, dBuyer, id, "confirm") }},
		{"", func() (*order.Order, error) { return m.pay(id, payment.Deposit) }},
		{inProduction, func() (*order.Order, error) { return m.orders.StartProduction(ctx, dSupplier, id, "start") }},
		{"", func() (*order.Order, error) { day(); return m.orders.FinishProduction(ctx, dSupplier, id, "finish") }},
		{"", func() (*order.Order, error) {
			if !tm.InspectionRequired {
				return o, nil
			}
			return m.orders.RecordInspection(ctx, dAgent, id, "inspection", order.InspectionReport{Agency: "SGS",
				InspectedAt: m.clock.Now(), Result: coverage.InspectionPassed})
		}},
		{readyToShip, func() (*order.Order, error) { return m.pay(id, payment.Balance) }},
		{shipped, func() (*order.Order, error) {
			day()
			return m.orders.Ship(ctx, dSupplier, id, "ship", order.TrackingEvent{At: m.clock.Now(), Carrier: "COSCO", Mode: order.Sea,
				TrackingNumber: "COSU1", EstimatedArrival: m.clock.Now().AddDate(0, 0, 20)})
		}},
		{delivered, func() (*order.Order, error) { day(); return m.orders.Deliver(ctx, dAgent, id, "deliver") }},
	}
	for _, st := range steps {
		if o, err = st.call(); err != nil || st.after == point {
			return o, err
		}
	}
	return nil, fmt.Errorf("no point %q in an order's life", point)
}

// pay pays a tranche of order id and reports it succeeded.
func (m *market) pay(id string, tranche payment.Tranche) (*order.Order, error) {
	ctx := context.Background()
	_, p, err := m.orders.Pay(ctx, dBuyer, id, "pay-"+string(tranche), order.PayRequest{Tranche: tranche, BuyerCountry: "DE"})
	if err != nil {
		return nil, err
	}
	return m.orders.ReportPayment(ctx, dHooks, id, p.ID, payment.Outcome{Status: payment.StatusSucceeded})
}

// evidence returns an item of kind k with a valid reference.
func evidence(id string, k dispute.EvidenceKind) dispute.Evidence {
	return dispute.Evidence{ID: id, Kind: k, URI: "https://files.example.com/" + id,
		SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}
}

// report returns an inspection report by agency with result r.
func report(id, agency string, r coverage.InspectionResult, defects ...string) dispute.Evidence {
	e := evidence(id, dispute.InspectionReport)
	e.Agency, e.Result, e.Defects = agency, r, defects
	return e
}
