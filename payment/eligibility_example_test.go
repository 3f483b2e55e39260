package payment_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tradeassure/tradeassure/payment"
)

func ExampleEligibilityRules_Check() {
	rules := payment.DefaultEligibilityRules()
	at := time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)

	// A buyer in Great Britain wants to pay USD 3,000.00 by Western Union,
	// which is only for US buyers and orders under USD 2,500.
	refused := payment.EligibilityRequest{
		Instrument:   payment.Instrument{Method: payment.WesternUnion},
		BuyerCountry: "GB",
		Amount:       payment.MustParse("3000.00", payment.USD),
		At:           at,
	}
	// Every figure is in USD, so no exchange rates are needed: Rates is nil.
	err := rules.Check(context.Background(), refused, nil)
	var ie *payment.IneligibleError
	if errors.As(err, &ie) {
		fmt.Println(ie.Instrument.Method, "refused:")
		for _, r := range ie.Reasons {
			fmt.Printf("  %s: %s\n", r.Code, r.Text)
		}
	}

	// A buyer in the US paying USD 2,499.99 may use it.
	accepted := refused
	accepted.BuyerCountry = "US"
	accepted.Amount = payment.MustParse("2499.99", payment.USD)
	if err := rules.Check(context.Background(), accepted, nil); err == nil {
		fmt.Println(accepted.Instrument.Method, "accepted for", accepted.Amount, "from", accepted.BuyerCountry)
	}
	// Output:
	// western_union refused:
	//   western_union.country: Western Union is offered only to buyers in US; the buyer is in GB
	//   western_union.limit: Western Union takes payments under USD 2500.00; the payment of USD 3000.00 is not
	// western_union accepted for USD 2499.99 from US
}

func ExampleEligibilityRules_Evaluate() {
	rules := payment.DefaultEligibilityRules()
	req := payment.EligibilityRequest{
		BuyerCountry: "US",
		Amount:       payment.MustParse("3000.00", payment.USD),
		At:           time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC),
		// The buyer has no Pay Later credit line: Credit is nil.
	}
	offered := []payment.Instrument{
		{Method: payment.Card, Network: payment.Visa},
		{Method: payment.WireTransfer},
		{Method: payment.OnlineBankTransfer},
		{Method: payment.PayLater},
		{Method: payment.WesternUnion},
		{Method: payment.ECheck},
		{Method: payment.PayPal},
		{Method: payment.Alipay},
		{Method: payment.ApplePay, Network: payment.Visa},
		{Method: payment.GooglePay, Network: payment.Mastercard},
	}
	screen, err := rules.Evaluate(context.Background(), req, nil, offered...)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	for _, m := range screen {
		if m.Eligible {
			fmt.Printf("%-20s yes\n", m.Instrument.Method)
			continue
		}
		fmt.Printf("%-20s no", m.Instrument.Method)
		for _, r := range m.Reasons {
			fmt.Printf(" [%s] %s", r.Code, r.Text)
		}
		fmt.Println()
	}
	// Output:
	// card                 yes
	// tt                   yes
	// online_bank_transfer yes
	// pay_later            no [pay_later.no_credit_line] Pay Later needs an approved credit line; the buyer has none
	// western_union        no [western_union.limit] Western Union takes payments under USD 2500.00; the payment of USD 3000.00 is not
	// echeck               yes
	// paypal               yes
	// alipay               yes
	// apple_pay            yes
	// google_pay           yes
}
