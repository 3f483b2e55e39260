package payment_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tradeassure/tradeassure/payment"
)

// Payments recorded with an outbox: each change's notice is in the outbox
// exactly when the change committed, and a relay delivers the notices in
// order, again from the first it could not deliver when the publisher
// fails.
func ExampleRelay() {
	ctx := context.Background()
	now := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)
	unit, outbox := payment.MemoryUnit(), payment.MemoryOutbox()
	svc, err := payment.NewService(payment.Config{
		Store: payment.NewMemoryStore(), Clock: payment.ClockFunc(func() time.Time { return now }),
		Risk: []payment.RiskRule{}, Unit: unit, Outbox: outbox,
		PaymentID: func(_, key string) string { return "pay-" + key },
	})
	if err != nil {
		panic(err)
	}
	p, err := svc.Initiate(ctx, payment.Buyer("b1"), "pay-1", payment.InitiateRequest{
		OrderID: "o-1", Tranche: payment.Deposit, BuyerID: "b1", BuyerCountry: "DE",
		Instrument: payment.Instrument{Method: payment.WireTransfer}, Amount: payment.MustParse("960.00", payment.USD),
	})
	if err != nil {
		panic(err)
	}
	webhooks := payment.System("webhooks")
	_, err = svc.Report(ctx, webhooks, p.ID, payment.Outcome{Status: payment.StatusFailed})
	fmt.Println("reported failed:", err)
	_, err = svc.Report(ctx, webhooks, p.ID, payment.Outcome{Status: payment.StatusSucceeded})
	var refused *payment.TransitionError
	fmt.Println("reported succeeded after failed, refused:", errors.As(err, &refused))

	down := true
	relay := &payment.Relay{Outbox: outbox, Publisher: payment.PublisherFunc(func(_ context.Context, m payment.Message) error {
		if down {
			return errors.New("broker down")
		}
		n, err := payment.NoticeOf(m)
		if err != nil {
			return err
		}
		fmt.Printf("  #%d %s: payment %s of order %s is %s\n", m.N, m.Type, n.PaymentID, n.OrderID, n.Event.Status)
		return nil
	})}
	delivered, err := relay.Deliver(ctx)
	fmt.Println("delivered while the broker is down:", delivered, err != nil)
	down = false
	delivered, err = relay.Deliver(ctx)
	fmt.Println("delivered:", delivered, err)
	// Output:
	// reported failed: <nil>
	// reported succeeded after failed, refused: true
	// delivered while the broker is down: 0 true
	//   #1 payment.initiated: payment pay-pay-1 of order o-1 is initiated
	//   #2 payment.failed: payment pay-pay-1 of order o-1 is failed
	// delivered: 2 <nil>
}
