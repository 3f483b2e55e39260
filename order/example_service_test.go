package order_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// exClock is the examples' clock: time moves when the example says so.
type exClock struct{ now time.Time }

func (c *exClock) Now() time.Time { return c.now }

// exMarket is a marketplace on the in-memory stores: the order service and
// the escrow service it moves money through, one clock, and an enrolled
// supplier.
type exMarket struct {
	clock  *exClock
	orders *order.Service
	escrow *escrow.Service
}

// newExMarket wires the services and enrols supplier-cn-1 with its four
// documents approved.
func newExMarket(ctx context.Context) (*exMarket, error) {
	clock := &exClock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	payments, err := payment.NewService(payment.Config{Store: payment.NewMemoryStore(), Clock: clock})
	if err != nil {
		return nil, err
	}
	esc, err := escrow.NewService(escrow.Config{Store: escrow.NewMemoryStore(), Clock: clock,
		ReleaseFee: escrow.PercentFee(decimal.RequireFromString("0.02"), payment.RoundHalfEven)})
	if err != nil {
		return nil, err
	}
	suppliers, err := supplier.NewService(supplier.Config{Store: supplier.NewMemoryStore(), Clock: clock})
	if err != nil {
		return nil, err
	}
	orders, err := order.NewService(order.Config{Store: order.NewMemoryStore(), Clock: clock,
		Payments: payments, Escrow: esc, Suppliers: suppliers})
	if err != nil {
		return nil, err
	}
	me := payment.Supplier("supplier-cn-1")
	if _, err := suppliers.Register(ctx, me, supplier.RegisterRequest{ID: me.ID, Company: "Ningbo Fine Furniture Co.",
		Country: "CN", EstablishedOn: time.Date(2015, 6, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		return nil, err
	}
	for i, kind := range []supplier.DocumentKind{supplier.BusinessLicence, supplier.ProductionQualification, supplier.ISO9001, supplier.OnSiteCheck} {
		d := supplier.Document{ID: fmt.Sprint("doc-", i), Kind: kind, Issuer: "SGS", Number: fmt.Sprint("SGS-", i),
			ValidFrom: clock.now.AddDate(-1, 0, 0), ValidUntil: clock.now.AddDate(3, 0, 0)}
		if _, err := suppliers.SubmitDocument(ctx, me, me.ID, d); err != nil {
			return nil, err
		}
		if _, err := suppliers.ReviewDocument(ctx, payment.Platform("agent-7"), me.ID, d.ID, true, "checked"); err != nil {
			return nil, err
		}
	}
	return &exMarket{clock: clock, orders: orders, escrow: esc}, nil
}

// exTerms are 20 oak chairs at USD 150.00 and USD 200.00 of shipping: a 30%
// deposit by Visa card and the balance by T/T.
func exTerms(from time.Time) order.Terms {
	return order.Terms{
		Items: []order.LineItem{{SKU: "CHAIR-01", Quantity: 20, Unit: "pieces", UnitPrice: payment.MustParse("150.00", payment.USD),
			Spec: order.Spec{QualityStandard: "EN 12520", Packaging: "carton"}}},
		Currency: payment.USD, Incoterm: order.CIF, ShippingCost: payment.MustParse("200.00", payment.USD), Destination: "DE",
		ShipBy: from.AddDate(0, 0, 40), DeliverBy: from.AddDate(0, 0, 70), ProductionDays: 25, Plan: coverage.PostDelivery,
		Schedule: order.Schedule{DepositPercent: 30,
			DepositInstrument: payment.Instrument{Method: payment.Card, Network: payment.Visa},
			BalanceInstrument: payment.Instrument{Method: payment.WireTransfer}},
	}
}

// exMust stops an example at its first error.
func exMust[T any](v T, err error) T {
	if err != nil {
		log.Fatal(err)
	}
	return v
}

// The whole life of an order: drafted by the supplier, confirmed and paid
// by the buyer in two tranches, made, shipped and delivered, and released to
// the supplier net of the platform's fee when the buyer confirms receipt.
func ExampleService() {
	ctx := context.Background()
	m := exMust(newExMarket(ctx))
	svc := m.orders
	buyer, seller, hooks := payment.Buyer("buyer-de-1"), payment.Supplier("supplier-cn-1"), payment.System("psp-webhooks")
	day := func() { m.clock.now = m.clock.now.AddDate(0, 0, 1) }

	o := exMust(svc.Create(ctx, seller, order.CreateRequest{ID: "ord-1", BuyerID: buyer.ID, Terms: exTerms(m.clock.now)}))
	exMust(svc.Submit(ctx, seller, o.ID, "submit"))
	day()
	exMust(svc.Confirm(ctx, buyer, o.ID, "confirm"))
	pay := func(tranche payment.Tranche) {
		_, p := exMust2(svc.Pay(ctx, buyer, o.ID, "pay-"+string(tranche), order.PayRequest{Tranche: tranche, BuyerCountry: "DE"}))
		o = exMust(svc.ReportPayment(ctx, hooks, o.ID, p.ID, payment.Outcome{Status: payment.StatusSucceeded, ProcessorRef: "psp-1"}))
		fmt.Printf("%s of %s by %s held; order %s\n", tranche, p.Amount, p.Instrument.Method, o.State)
	}
	pay(payment.Deposit)
	fmt.Println("covered by the supplier's limit:", o.Coverage.Limit)
	exMust(svc.StartProduction(ctx, seller, o.ID, "start"))
	m.clock.now = m.clock.now.AddDate(0, 0, 25)
	exMust(svc.FinishProduction(ctx, seller, o.ID, "made"))
	pay(payment.Balance)
	exMust(svc.Ship(ctx, seller, o.ID, "ship", order.TrackingEvent{At: m.clock.now, Location: "Ningbo", Carrier: "COSCO",
		Mode: order.Sea, TrackingNumber: "COSU1234567", EstimatedArrival: m.clock.now.AddDate(0, 0, 28)}))
	m.clock.now = m.clock.now.AddDate(0, 0, 28)
	exMust(svc.Deliver(ctx, payment.Platform("agent-7"), o.ID, "delivered"))
	day()
	o = exMust(svc.ConfirmReceipt(ctx, buyer, o.ID, "receipt"))

	b := exMust(m.escrow.Balance(ctx, o.ID))
	fmt.Printf("order %s: held %s, released %s to the supplier, fees %s, left %s\n", o.State, b.Held, b.Released, b.Fees, b.Remaining)
	// Output:
	// deposit of USD 960.00 by card held; order paid
	// covered by the supplier's limit: USD 3200.00
	// balance of USD 2240.00 by tt held; order ready_to_ship
	// order completed: held USD 3200.00, released USD 3136.00 to the supplier, fees USD 64.00, left USD 0.00
}

// exMust2 is exMust for calls with two results.
func exMust2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		log.Fatal(err)
	}
	return a, b
}
