package payment_test

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
	"github.com/tradeassure/tradeassure/payment"
)

// The programme caps Mastercard fees in Asia-Pacific at USD 40 a transaction;
// the same payment in Europe pays the generic 2.95% of orders placed from
// 2018-06-04.
func ExampleFeeSchedule_Quote() {
	s := payment.DefaultSchedule()
	at := time.Date(2026, time.March, 2, 10, 30, 0, 0, time.UTC)
	placed := time.Date(2026, time.February, 20, 9, 0, 0, 0, time.UTC)
	for _, region := range []payment.Region{payment.AsiaPacific, payment.Europe} {
		q, err := s.Quote(context.Background(), payment.FeeRequest{
			Amount:  payment.MustParse("2000.00", payment.USD),
			Method:  payment.Card,
			Network: payment.Mastercard,
			Region:  region,
			At:      at,
			Order:   payment.OrderFacts{PlacedAt: placed},
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
	// USD 2000.00 by card/mastercard in APAC, order placed 2026-02-20T09:00:00Z: rule card-mastercard-apac-2024 2.95% = 59.00, capped at USD 40.00, half-even → USD 40.00 (buyer pays)
	// EU: fee USD 59.00, capped false
	// USD 2000.00 by card, order placed 2026-02-20T09:00:00Z: rule card-2018-06-04 2.95% = 59.00, half-even → USD 59.00 (buyer pays)
}

// A card fee is chosen by the date the order was placed, not the date it
// is paid: 2.4% for an order placed before 2018-06-04, 2.95% from then on.
func ExampleFeeSchedule_Quote_placementDate() {
	s := payment.DefaultSchedule()
	paid := time.Date(2018, time.June, 20, 12, 0, 0, 0, time.UTC)
	for _, placed := range []time.Time{
		time.Date(2018, time.June, 3, 23, 59, 59, 0, time.UTC),
		time.Date(2018, time.June, 4, 0, 0, 0, 0, time.UTC),
	} {
		q, err := s.Quote(context.Background(), payment.FeeRequest{
			Amount: payment.MustParse("1000.00", payment.USD), Method: payment.Card, Network: payment.Visa,
			Region: payment.NorthAmerica, At: paid, Order: payment.OrderFacts{PlacedAt: placed},
		}, nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("placed %s: %s by rule %s, chosen by the %s date\n", placed.Format(time.RFC3339), q.Fee, q.RuleID, q.DatedBy)
	}
	// Output:
	// placed 2018-06-03T23:59:59Z: USD 24.00 by rule card-before-2018-06-04, chosen by the placement date
	// placed 2018-06-04T00:00:00Z: USD 29.50 by rule card-2018-06-04, chosen by the placement date
}

// The supplier's service fee comes on top of the buyer's method fee: here
// a 30% card deposit on a custom order of USD 4,000.00 that does not ship
// with the platform's logistics (2%), from a buyer in Asia-Pacific whose
// Mastercard fee is capped. The supplier's part is deducted from its
// release; the buyer pays only the method fee.
func ExampleFeeSchedule_Quote_serviceFee() {
	s := payment.DefaultSchedule()
	q, err := s.Quote(context.Background(), payment.FeeRequest{
		Amount:  payment.MustParse("1500.00", payment.USD),
		Method:  payment.Card,
		Network: payment.Mastercard,
		Region:  payment.AsiaPacific,
		At:      time.Date(2026, time.March, 2, 10, 30, 0, 0, time.UTC),
		Order: payment.OrderFacts{
			PlacedAt: time.Date(2026, time.March, 1, 0, 0, 0, 0, time.UTC),
			Value:    payment.MustParse("4000.00", payment.USD),
			Goods:    payment.Custom,
			Shipping: payment.OtherLogistics,
		},
	}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range q.Lines {
		fmt.Printf("%s fee by %s: %s (buyer %s, supplier %s)\n", l.Kind, l.RuleID, l.Fee, l.BuyerFee, l.SupplierFee)
	}
	fmt.Printf("total %s: the buyer pays %s on top, the supplier's release loses %s\n", q.Fee, q.BuyerFee, q.SupplierFee)
	fmt.Println(s.Explain(q))
	// Output:
	// method fee by card-mastercard-apac-2024: USD 40.00 (buyer USD 40.00, supplier USD 0.00)
	// service fee by service-custom-2024: USD 30.00 (buyer USD 0.00, supplier USD 30.00)
	// total USD 70.00: the buyer pays USD 40.00 on top, the supplier's release loses USD 30.00
	// USD 1500.00 by card/mastercard in APAC, order placed 2026-03-01T00:00:00Z: rule card-mastercard-apac-2024 2.95% = 44.25, capped at USD 40.00, half-even → USD 40.00 (buyer pays); service fee on custom goods, order placed 2026-03-01T00:00:00Z: rule service-custom-2024 band 1 (order USD 4000.00, up to USD 5000.00): 2% = 30.00, half-even → USD 30.00 (supplier pays); total USD 70.00 (buyer pays USD 40.00, supplier pays USD 30.00)
}

// Western Union is a fixed fee by amount band, borne by the buyer.
func ExampleFeeSchedule_Quote_westernUnion() {
	s := payment.DefaultSchedule()
	for _, amount := range []string{"50.00", "50.01", "1000.00", "1000.01"} {
		q, err := s.Quote(context.Background(), payment.FeeRequest{
			Amount: payment.MustParse(amount, payment.USD), Method: payment.WesternUnion, Region: payment.NorthAmerica,
			At: time.Date(2026, time.March, 2, 10, 30, 0, 0, time.UTC),
		}, nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("USD %s: fee %s (band %d)\n", amount, q.Fee, q.Band+1)
	}
	// Output:
	// USD 50.00: fee USD 4.95 (band 1)
	// USD 50.01: fee USD 8.00 (band 2)
	// USD 1000.00: fee USD 18.00 (band 6)
	// USD 1000.01: fee USD 25.00 (band 7)
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
