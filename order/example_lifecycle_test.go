package order_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
)

// A buyer asks for other packaging before confirming; the supplier agrees,
// and the change is recorded with who asked and who approved. Once the
// deposit is paid, a change of the total is refused with coded reasons.
func ExampleService_ProposeModification() {
	ctx := context.Background()
	m := exMust(newExMarket(ctx))
	svc := m.orders
	buyer, seller := payment.Buyer("buyer-de-1"), payment.Supplier("supplier-cn-1")
	o := exMust(svc.Create(ctx, seller, order.CreateRequest{ID: "ord-2", BuyerID: buyer.ID, Terms: exTerms(m.clock.now)}))
	exMust(svc.Submit(ctx, seller, o.ID, "submit"))

	wooden := o.Terms.Clone()
	wooden.Items[0].Spec.Packaging = "wooden crate"
	exMust(svc.ProposeModification(ctx, buyer, o.ID, "mod-1", wooden))
	o = exMust(svc.ApproveModification(ctx, seller, o.ID, "mod-1"))
	mod := o.Modifications[0]
	fmt.Printf("%s: packaging %q, asked by %s, approved by %v\n", mod.Status, o.Terms.Items[0].Spec.Packaging, mod.RequestedBy, mod.ApprovedBy)

	exMust(svc.Confirm(ctx, buyer, o.ID, "confirm"))
	_, p := exMust2(svc.Pay(ctx, buyer, o.ID, "pay-deposit", order.PayRequest{Tranche: payment.Deposit, BuyerCountry: "DE"}))
	exMust(svc.ReportPayment(ctx, payment.System("psp-webhooks"), o.ID, p.ID, payment.Outcome{Status: payment.StatusSucceeded}))
	more := wooden.Clone()
	more.Items[0].Quantity = 25
	_, err := svc.ProposeModification(ctx, buyer, o.ID, "mod-2", more)
	var refused *order.ModificationError
	if errors.As(err, &refused) {
		for _, r := range refused.Reasons {
			fmt.Println("refused:", r.Code)
		}
	}
	// Output:
	// applied: packaging "wooden crate", asked by buyer:buyer-de-1, approved by [buyer:buyer-de-1 supplier:supplier-cn-1]
	// refused: order.modification.total_frozen
}

// The scheduler's sweep: an order sent and never confirmed expires after
// 30 days, and a paid order whose agreed shipment date passed without
// shipment is compensated out of escrow without the buyer applying — once,
// however often the sweep runs.
func ExampleService_Sweep() {
	ctx := context.Background()
	m := exMust(newExMarket(ctx))
	svc := m.orders
	buyer, seller := payment.Buyer("buyer-de-1"), payment.Supplier("supplier-cn-1")

	stale := exMust(svc.Create(ctx, seller, order.CreateRequest{ID: "ord-stale", BuyerID: buyer.ID, Terms: exTerms(m.clock.now)}))
	exMust(svc.Submit(ctx, seller, stale.ID, "submit"))
	late := exMust(svc.Create(ctx, seller, order.CreateRequest{ID: "ord-late", BuyerID: buyer.ID, Terms: exTerms(m.clock.now)}))
	exMust(svc.Submit(ctx, seller, late.ID, "submit"))
	exMust(svc.Confirm(ctx, buyer, late.ID, "confirm"))
	_, p := exMust2(svc.Pay(ctx, buyer, late.ID, "pay-deposit", order.PayRequest{Tranche: payment.Deposit, BuyerCountry: "DE"}))
	exMust(svc.ReportPayment(ctx, payment.System("psp-webhooks"), late.ID, p.ID, payment.Outcome{Status: payment.StatusSucceeded}))

	for _, days := range []int{30, 41, 42} {
		now := m.clock.now.AddDate(0, 0, days)
		rep := exMust(svc.Sweep(ctx, now))
		fmt.Printf("day %d: expired %v, compensated %v\n", days, rep.Expired, rep.Compensated)
	}
	late = exMust(svc.Order(ctx, late.ID))
	b := exMust(m.escrow.Balance(ctx, late.ID))
	fmt.Printf("%s: %s compensated (2%% of %s), escrow keeps %s\n", late.ID, late.LateShipment.Amount, exMust(late.Total()), b.Remaining)
	// Output:
	// day 30: expired [ord-stale], compensated []
	// day 41: expired [], compensated [ord-late]
	// day 42: expired [], compensated []
	// ord-late: USD 64.00 compensated (2% of USD 3200.00), escrow keeps USD 896.00
}
