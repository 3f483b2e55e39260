package order_test

import (
	"context"
	"fmt"
	"time"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
)

// A supplier drafts an order with two line items paid as a 30% deposit by
// card and the balance by wire; the buyer asks for sturdier packaging
// before confirming, and the supplier agrees.
func Example_aggregate() {
	usd := func(s string) payment.Money { return payment.MustParse(s, payment.USD) }
	now := time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC)
	supplier, buyer := payment.Supplier("acme-furniture"), payment.Buyer("bistro-berlin")

	terms := order.Terms{
		Items: []order.LineItem{
			{SKU: "CHAIR-01", Description: "Oak chair", Quantity: 40, Unit: "pieces", UnitPrice: usd("48.50"),
				Spec: order.Spec{Size: "45x50x90 cm", QualityStandard: "EN 12520", Packaging: "carton",
					DesignFiles: []string{"https://files.example.com/chair-01.pdf"}}},
			{SKU: "TABLE-02", Description: "Oak table", Quantity: 10, Unit: "pieces", UnitPrice: usd("129.99"),
				Spec: order.Spec{Size: "80x80x75 cm", QualityStandard: "EN 12521", Packaging: "carton"}},
		},
		Currency:       payment.USD,
		Incoterm:       order.CIF,
		ShippingCost:   usd("350.00"),
		Destination:    "DE",
		Route:          "Ningbo - Hamburg, sea",
		ShipBy:         time.Date(2025, 7, 15, 0, 0, 0, 0, time.UTC),
		DeliverBy:      time.Date(2025, 8, 20, 0, 0, 0, 0, time.UTC),
		ProductionDays: 30,
		Plan:           coverage.PostDelivery,
		Schedule: order.Schedule{
			DepositPercent:    30,
			DepositInstrument: payment.Instrument{Method: payment.Card, Network: payment.Visa},
			BalanceInstrument: payment.Instrument{Method: payment.WireTransfer},
		},
	}
	o, err := order.NewDraft("po-1001", supplier, "bistro-berlin", terms, now)
	if err != nil {
		fmt.Println(err)
		return
	}
	// The supplier sends the draft to the buyer (the service will do this).
	if o.State, err = order.Next(context.Background(), o.State, order.Submit, supplier); err != nil {
		fmt.Println(err)
		return
	}

	total, _ := o.Total()
	fmt.Println("total:", total)
	dues, _ := o.Terms.Tranches()
	for _, d := range dues {
		fmt.Printf("%s: %s by %s\n", d.Tranche, d.Amount, d.Instrument.Method)
	}

	// The buyer asks for wooden crates; the supplier agrees.
	changed := o.Terms.Clone()
	for i := range changed.Items {
		changed.Items[i].Spec.Packaging = "wooden crate"
	}
	rules := order.DefaultModificationRules()
	if err := o.Propose(buyer, "mod-1", changed, rules, now.Add(time.Hour)); err != nil {
		fmt.Println(err)
		return
	}
	m, _ := o.Modification("mod-1")
	fmt.Println("proposed by", m.RequestedBy, "->", m.Status)
	if err := o.Approve(supplier, "mod-1", now.Add(2*time.Hour)); err != nil {
		fmt.Println(err)
		return
	}
	m, _ = o.Modification("mod-1")
	fmt.Println("approved by", m.ApprovedBy, "->", m.Status)
	fmt.Println("packaging:", o.Terms.Items[0].Spec.Packaging)

	// A dearer route is refused beyond +20% of the shipping cost.
	dearer := o.Terms.Clone()
	dearer.Route, dearer.ShippingCost = "Shanghai - Hamburg, air", usd("420.01")
	err = o.Propose(supplier, "mod-2", dearer, rules, now.Add(3*time.Hour))
	fmt.Println(err)

	// Output:
	// total: USD 3589.90
	// deposit: USD 1076.97 by card
	// balance: USD 2512.93 by tt
	// proposed by buyer:bistro-berlin -> proposed
	// approved by [buyer:bistro-berlin supplier:acme-furniture] -> applied
	// packaging: wooden crate
	// order: modification mod-2 of order po-1001 refused: order.modification.shipping_increase: the shipping cost may rise by at most 20% of USD 350.00; USD 420.01 is more
}
