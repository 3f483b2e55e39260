package dispute_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/dispute"
)

// exMarket returns a market with order id delivered, or stops the example.
func exMarket(id string) *market {
	m, err := buildMarket(nil)
	if err == nil {
		_, err = m.runOrder(id, terms(), delivered)
	}
	if err != nil {
		log.Fatal(err)
	}
	return m
}

// exMust stops an example at its first error.
func exMust[T any](v T, err error) T {
	if err != nil {
		log.Fatal(err)
	}
	return v
}

// A buyer opens a claim about the quality of delivered goods, with an
// inspection report; a claim for more than the order is covered for is
// refused with the coverage rules' reason, and records nothing.
func ExampleService_Open() {
	ctx := context.Background()
	m := exMarket("ord-1")
	report := report("sgs-7781", "SGS", coverage.InspectionFailed, "screen-flicker")
	report.Description = "12 of 100 tablets flicker"

	_, err := m.disputes.Open(ctx, dBuyer, dispute.OpenRequest{ID: "case-0", OrderID: "ord-1",
		Reason: dispute.QualityNotAsAgreed, Amount: usd("5000.00")})
	var refused *coverage.NotCoveredError
	if errors.As(err, &refused) {
		fmt.Println("refused:", refused.Reasons[0].Code)
	}

	c := exMust(m.disputes.Open(ctx, dBuyer, dispute.OpenRequest{ID: "case-1", OrderID: "ord-1",
		Reason: dispute.QualityNotAsAgreed, Amount: usd("384.00"), Defects: []string{"screen-flicker"},
		Evidence: []dispute.Evidence{report}}))
	o := exMust(m.orders.Order(ctx, "ord-1"))
	a := exMust(m.escrow.Account(ctx, "ord-1"))
	fmt.Printf("%s: %s asks %s; order %s, escrow frozen %v; %s must respond by %s\n",
		c.ID, c.Claimant, c.Amount, o.State, a.Frozen, c.Respondent(), c.Deadline.Format("2006-01-02"))
	// Output:
	// refused: coverage.amount_above_covered
	// case-1: buyer:buyer-de-1 asks USD 384.00; order disputed, escrow frozen true; supplier:supplier-cn-1 must respond by 2026-03-09
}

// The supplier answers and offers less; the buyer counters, and the
// supplier accepts: the case is settled and carried out on the order at
// once — the buyer refunded the agreed amount, the rest released to the
// supplier net of the platform's fee.
func ExampleService_Offer() {
	ctx := context.Background()
	m := exMarket("ord-2")
	exMust(m.disputes.Open(ctx, dBuyer, dispute.OpenRequest{ID: "case-2", OrderID: "ord-2",
		Reason: dispute.QuantityShort, Amount: usd("300.00"), Evidence: []dispute.Evidence{evidence("photo-1", dispute.Photo)}}))
	exMust(m.disputes.Respond(ctx, dSupplier, "case-2", "respond", "we count 96 units loaded"))
	exMust(m.disputes.Offer(ctx, dSupplier, "case-2", "offer-1", usd("120.00")))
	exMust(m.disputes.Offer(ctx, dBuyer, "case-2", "offer-2", usd("180.00")))
	c := exMust(m.disputes.Accept(ctx, dSupplier, "case-2", "offer-2"))

	b := exMust(m.escrow.Balance(ctx, "ord-2"))
	o := exMust(m.orders.Order(ctx, "ord-2"))
	fmt.Printf("%s for %s; order %s: refunded %s, released %s, fees %s\n", c.State, c.Settlement.Amount, o.State, b.Refunded, b.Released, b.Fees)
	// Output:
	// settled for USD 180.00; order completed: refunded USD 180.00, released USD 2959.60, fees USD 60.40
}

// A claim without evidence of the defect, escalated when the supplier does
// not answer, is decided by the default rules: rejected, and once the appeal
// window has passed, everything is released to the supplier.
func ExampleService_Decide() {
	ctx := context.Background()
	m := exMarket("ord-3")
	exMust(m.disputes.Open(ctx, dBuyer, dispute.OpenRequest{ID: "case-3", OrderID: "ord-3",
		Reason: dispute.QualityNotAsAgreed, Amount: usd("800.00"), Description: "not as good as hoped"}))

	m.clock.Advance(3 * 24 * time.Hour)
	rep := exMust(m.disputes.Sweep(ctx, m.clock.Now()))
	fmt.Println("escalated:", rep.Escalated)
	c := exMust(m.disputes.Decide(ctx, dAgent, "case-3", "decide"))
	fmt.Println(c.Decision.Outcome, c.Decision.Rules, c.Decision.Reasons[0].Code)

	m.clock.Advance(7 * 24 * time.Hour)
	rep = exMust(m.disputes.Sweep(ctx, m.clock.Now()))
	o := exMust(m.orders.Order(ctx, "ord-3"))
	b := exMust(m.escrow.Balance(ctx, "ord-3"))
	fmt.Printf("final: %v; order %s, released %s\n", rep.Finalized, o.State, b.Released)
	// Output:
	// escalated: [case-3]
	// rejection [missing_evidence] dispute.rule.missing_evidence
	// final: [case-3]; order completed, released USD 3136.00
}
