package coverage_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/payment"
)

// An order of USD 10,000.00 paid as a 30% deposit and the balance, from a
// supplier with USD 8,000.00 of Trade Assurance limit left: the
// pre-shipment plan protects the deposit only, the post-delivery plan
// everything paid up to the limit.
func ExampleRules_Covered() {
	rules := coverage.DefaultRules()
	order := coverage.Order{
		ID:    "order-42",
		Value: payment.MustParse("10000.00", payment.USD),
		Payments: []coverage.Payment{
			{Tranche: payment.Deposit, Amount: payment.MustParse("3000.00", payment.USD), PaidAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)},
			{Tranche: payment.Balance, Amount: payment.MustParse("7000.00", payment.USD), PaidAt: time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC)},
		},
	}
	available := payment.MustParse("8000.00", payment.USD)

	for _, plan := range []coverage.Plan{coverage.PreShipment, coverage.PostDelivery} {
		order.Plan = plan
		c, err := rules.Covered(order, available)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: paid %s, protects %s, covered %s, uncovered %s\n", c.Plan, c.Paid, c.Protected, c.Covered, c.Uncovered)
		for _, r := range c.Reasons {
			fmt.Println("  " + r.String())
		}
	}
	// Output:
	// pre_shipment: paid USD 10000.00, protects USD 3000.00, covered USD 3000.00, uncovered USD 7000.00
	//   coverage.balance_not_protected: the balance of USD 7000.00 is not protected: the pre-shipment plan protects only the initial payment
	// post_delivery: paid USD 10000.00, protects USD 10000.00, covered USD 8000.00, uncovered USD 2000.00
	//   coverage.limit_exceeded: the supplier's available Trade Assurance limit of USD 8000.00 is less than the USD 10000.00 the plan protects
}

// Before paying, the buyer of a USD 50,000.00 order is told how much of each
// payment, and of the whole order, will be covered by a supplier with
// USD 30,000.00 of limit left: all of the deposit, part of the balance.
func ExampleRules_Quote() {
	rules := coverage.DefaultRules()
	order := coverage.Order{ID: "order-43", Plan: coverage.PostDelivery, Value: payment.MustParse("50000.00", payment.USD)}
	available := payment.MustParse("30000.00", payment.USD)

	show := func(tranche payment.Tranche, amount payment.Money) {
		q, err := rules.Quote(order, tranche, amount, available)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s of %s: %s covered, %s not\n", tranche, q.Amount, q.Covered, q.Uncovered)
		for _, r := range q.Reasons {
			fmt.Println("  " + r.String())
		}
		fmt.Printf("  the order then: %s paid, %s covered, %s not\n", q.Order.Paid, q.Order.Covered, q.Order.Uncovered)
		fmt.Printf("  the whole order: %s covered, %s not\n", q.Whole.Covered, q.Whole.Uncovered)
	}

	show(payment.Deposit, payment.MustParse("15000.00", payment.USD))
	order.Payments = []coverage.Payment{{Tranche: payment.Deposit, Amount: payment.MustParse("15000.00", payment.USD), PaidAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}}
	show(payment.Balance, payment.MustParse("35000.00", payment.USD))
	// Output:
	// deposit of USD 15000.00: USD 15000.00 covered, USD 0.00 not
	//   the order then: USD 15000.00 paid, USD 15000.00 covered, USD 0.00 not
	//   the whole order: USD 30000.00 covered, USD 20000.00 not
	// balance of USD 35000.00: USD 15000.00 covered, USD 20000.00 not
	//   coverage.limit_exceeded: USD 20000.00 of the payment is above the supplier's available Trade Assurance limit of USD 30000.00, of which USD 15000.00 already covers earlier payments
	//   the order then: USD 50000.00 paid, USD 30000.00 covered, USD 20000.00 not
	//   the whole order: USD 30000.00 covered, USD 20000.00 not
}

// A buyer under the pre-shipment plan claims for poor quality five weeks
// after delivery, for more than is covered: the claim is refused with every
// reason. A change of mind is never covered.
func ExampleRules_Check() {
	rules := coverage.DefaultRules()
	order := coverage.Order{
		ID:    "order-44",
		Plan:  coverage.PreShipment,
		Value: payment.MustParse("10000.00", payment.USD),
		Payments: []coverage.Payment{
			{Tranche: payment.Deposit, Amount: payment.MustParse("3000.00", payment.USD), PaidAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)},
		},
		ShippedAt:   time.Date(2026, 3, 30, 9, 0, 0, 0, time.UTC),
		DeliveredAt: time.Date(2026, 4, 20, 9, 0, 0, 0, time.UTC),
	}
	covered := payment.MustParse("3000.00", payment.USD)

	claims := []coverage.Claim{
		{Event: coverage.NotAsDescribedQuality, Amount: payment.MustParse("4000.00", payment.USD), At: time.Date(2026, 5, 25, 9, 0, 0, 0, time.UTC)},
		{Event: coverage.ChangeOfMind, Amount: payment.MustParse("3000.00", payment.USD), At: time.Date(2026, 4, 21, 9, 0, 0, 0, time.UTC)},
	}
	for _, c := range claims {
		err := rules.Check(order, c, covered)
		var refused *coverage.NotCoveredError
		if errors.As(err, &refused) {
			fmt.Printf("%s claim refused:\n", c.Event)
			for _, r := range refused.Reasons {
				fmt.Println("  " + r.String())
			}
		}
	}
	// Output:
	// not_as_described_quality claim refused:
	//   coverage.plan_excludes_event: the pre_shipment plan does not cover not_as_described_quality; it covers late_shipment, non_delivery
	//   coverage.outside_window: the claim was filed at 2026-05-25T09:00:00Z, after the claim window closed at 2026-05-20T09:00:00Z (30 days after delivery at 2026-04-20T09:00:00Z)
	//   coverage.amount_above_covered: the claim asks for USD 4000.00; the order's covered amount is USD 3000.00
	// change_of_mind claim refused:
	//   coverage.change_of_mind: goods that meet the contract are not returnable through the programme
}

// The contract gives the supplier 20 days to produce and 3 to hand over
// after the deposit, and 25 days of shipping. A scheduler asks for the
// compensation at the shipment date (not late yet) and an hour later, when
// 2% of the order, capped at USD 100.00, is owed once, under a stable
// idempotency key.
func ExampleRules_LateCompensation() {
	ctx := context.Background()
	rules := coverage.DefaultRules()
	schedule := coverage.Schedule{
		PaidAt:         time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
		ProductionDays: 20, HandlingDays: 3, ShippingDays: 25,
	}
	if err := schedule.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("ship by:   ", schedule.ShipBy().Format(time.DateTime))
	fmt.Println("deliver by:", schedule.DeliverBy().Format(time.DateTime))

	order := coverage.Order{
		ID:    "order-45",
		Plan:  coverage.PreShipment,
		Value: payment.MustParse("8000.00", payment.USD),
		Payments: []coverage.Payment{
			{Tranche: payment.Deposit, Amount: payment.MustParse("2400.00", payment.USD), PaidAt: schedule.PaidAt},
		},
		ShipBy:    schedule.ShipBy(),
		DeliverBy: schedule.DeliverBy(),
	}
	for _, now := range []time.Time{order.ShipBy, order.ShipBy.Add(time.Hour)} {
		c, err := rules.LateCompensation(ctx, order, now, nil) // the cap is in the order's currency: no rates needed
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("at %s: owed %v, %s\n", now.Format(time.DateTime), c.Owed, c.Amount)
		for _, r := range c.Reasons {
			fmt.Println("  " + r.String())
		}
		if c.Owed {
			fmt.Println("  pay under key", coverage.LateCompensationKey)
		}
	}
	// Output:
	// ship by:    2026-03-25 09:00:00
	// deliver by: 2026-04-19 09:00:00
	// at 2026-03-25 09:00:00: owed false, USD 0.00
	//   coverage.not_late: it is 2026-03-25T09:00:00Z; the goods are due to ship by 2026-03-25T09:00:00Z
	// at 2026-03-25 10:00:00: owed true, USD 100.00
	//   coverage.compensation_capped: 2% of the order value of USD 8000.00 is USD 160.00, above the cap of USD 100.00
	//   pay under key late-shipment
}
