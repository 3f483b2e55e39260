package payment_test

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tradeassure/tradeassure/payment"
)

// The programme caps Mastercard fees in Asia-Pacific at USD 40 a transaction;
// the same payment in Europe pays the generic 2.99%.
func ExampleFeeSchedule_Quote() {
	s := payment.DefaultSchedule()
	at := time.Date(2026, time.March, 2, 10, 30, 0, 0, time.UTC)
	for _, region := range []payment.Region{payment.AsiaPacific, payment.Europe} {
		q, err := s.Quote(context.Background(), payment.FeeRequest{
			Amount:  payment.MustParse("2000.00", payment.USD),
			Method:  payment.Card,
			Network: payment.Mastercard,
			Region:  region,
			At:      at,
		}, nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: fee %s, capped %t\n", region, q.Fee, q.Capped)
		fmt.Println(s.Explain(q))
	}
	// Output:
	// APAC: fee USD 40.00, capped true
	// USD 2000.00 by card/mastercard in APAC: rule card-mastercard-apac-2024 2.95% = 59.00, capped at USD 40.00, half-even → USD 40.00 (buyer pays)
	// EU: fee USD 59.80, capped false
	// USD 2000.00 by card: rule card-2024 2.99% = 59.80, half-even → USD 59.80 (buyer pays)
}

// A caller with its own agreement builds its own schedule: here, cards in
// Europe pay 1.4% + EUR 0.25, at least EUR 0.50, shared half and half.
func ExampleNewFeeSchedule() {
	s, err := payment.NewFeeSchedule(payment.FeeRule{
		ID:                "card-eu-2025",
		Method:            payment.Card,
		Region:            payment.Europe,
		From:              time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC),
		Percent:           decimal.RequireFromString("0.014"),
		Fixed:             payment.MustParse("0.25", payment.EUR),
		Min:               payment.MustParse("0.50", payment.EUR),
		Rounding:          payment.RoundHalfUp,
		Bearer:            payment.SplitBears,
		BuyerSharePercent: 50,
		Note:              "negotiated European card rate",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	at := time.Date(2026, time.March, 2, 10, 30, 0, 0, time.UTC)
	for _, amount := range []string{"80.00", "10.00"} {
		q, err := s.Quote(context.Background(), payment.FeeRequest{
			Amount:  payment.MustParse(amount, payment.EUR),
			Method:  payment.Card,
			Network: payment.Visa,
			Region:  payment.Europe,
			At:      at,
		}, nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: fee %s (buyer %s, supplier %s)\n", q.Amount, q.Fee, q.BuyerFee, q.SupplierFee)
	}
	// Output:
	// EUR 80.00: fee EUR 1.37 (buyer EUR 0.69, supplier EUR 0.68)
	// EUR 10.00: fee EUR 0.50 (buyer EUR 0.25, supplier EUR 0.25)
}
