package payment_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tradeassure/tradeassure/payment"
)

// A deposit paid by card in Asia-Pacific, followed from initiation to
// settlement as the processor reports on it. A webhook delivered twice
// changes nothing.
func ExampleService() {
	ctx := context.Background()
	now := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)
	svc, err := payment.NewService(payment.Config{
		Store: payment.NewMemoryStore(),
		Clock: payment.ClockFunc(func() time.Time { return now }),
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	p, err := svc.Initiate(ctx, payment.Buyer("buyer-1"), "order-42/deposit", payment.InitiateRequest{
		OrderID:      "order-42",
		Tranche:      payment.Deposit,
		BuyerID:      "buyer-1",
		BuyerCountry: "AU",
		Instrument:   payment.Instrument{Method: payment.Card, Network: payment.Mastercard},
		Amount:       payment.MustParse("3000.00", payment.USD),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: %s, fee %s (rule %s), buyer is charged %s\n", p.Tranche, p.Status, p.Fee.Fee, p.Fee.RuleID, p.Charge())

	webhook := payment.System("processor-webhook")
	for _, o := range []payment.Outcome{
		{Status: payment.StatusProcessing, ProcessorRef: "ch_123"},
		{Status: payment.StatusSucceeded, ProcessorRef: "ch_123"},
		{Status: payment.StatusSucceeded, ProcessorRef: "ch_123"}, // delivered twice
	} {
		now = now.Add(time.Minute)
		if p, err = svc.Report(ctx, webhook, p.ID, o); err != nil {
			fmt.Println(err)
			return
		}
	}
	for _, e := range p.Timeline {
		fmt.Println(e.At.Format("15:04"), e.Status, "by", e.Actor)
	}

	// Western Union is for US buyers only: refused, and nothing recorded.
	_, err = svc.Initiate(ctx, payment.Buyer("buyer-1"), "order-43/full", payment.InitiateRequest{
		OrderID: "order-43", Tranche: payment.Full, BuyerID: "buyer-1", BuyerCountry: "AU",
		Instrument: payment.Instrument{Method: payment.WesternUnion},
		Amount:     payment.MustParse("900.00", payment.USD),
	})
	var refused *payment.IneligibleError
	if errors.As(err, &refused) {
		for _, r := range refused.Reasons {
			fmt.Println("refused:", r.Code)
		}
	}
	// Output:
	// deposit: initiated, fee USD 40.00 (rule card-mastercard-apac-2024), buyer is charged USD 3040.00
	// 09:00 initiated by buyer:buyer-1
	// 09:01 processing by system:processor-webhook
	// 09:02 succeeded by system:processor-webhook
	// refused: western_union.country
}
