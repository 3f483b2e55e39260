package coverage_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/payment"
)

func TestCovered(t *testing.T) {
	shipped := func(o *coverage.Order) { o.ShippedAt = day(25) }
	pre := func(o *coverage.Order) { o.Plan, o.Deposit = coverage.PreShipment, usd(t, "3000.00") }
	tests := []struct {
		name      string
		change    []func(*coverage.Order)
		available payment.Money
		want      coverage.Coverage
		codes     []string
	}{
		{
			name:      "post-delivery protects every payment, all covered within the limit",
			available: usd(t, "50000.00"),
			want:      coverage.Coverage{Plan: coverage.PostDelivery, Paid: usd(t, "10000.00"), Protected: usd(t, "10000.00"), Covered: usd(t, "10000.00"), Uncovered: usd(t, "0.00")},
		},
		{
			name:      "a limit exactly equal to what was paid covers all of it",
			available: usd(t, "10000.00"),
			want:      coverage.Coverage{Plan: coverage.PostDelivery, Paid: usd(t, "10000.00"), Protected: usd(t, "10000.00"), Covered: usd(t, "10000.00"), Uncovered: usd(t, "0.00")},
		},
		{
			name:      "a limit one cent below what was paid leaves one cent uncovered",
			available: usd(t, "9999.99"),
			want:      coverage.Coverage{Plan: coverage.PostDelivery, Paid: usd(t, "10000.00"), Protected: usd(t, "10000.00"), Covered: usd(t, "9999.99"), Uncovered: usd(t, "0.01")},
			codes:     []string{coverage.ReasonLimitExceeded},
		},
		{
			name:      "a zero limit covers nothing",
			available: usd(t, "0.00"),
			want:      coverage.Coverage{Plan: coverage.PostDelivery, Paid: usd(t, "10000.00"), Protected: usd(t, "10000.00"), Covered: usd(t, "0.00"), Uncovered: usd(t, "10000.00")},
			codes:     []string{coverage.ReasonLimitExceeded},
		},
		{
			name:      "post-delivery still protects payments made after shipment",
			change:    []func(*coverage.Order){shipped, func(o *coverage.Order) { o.Payments[1].PaidAt = day(26) }},
			available: usd(t, "50000.00"),
			want:      coverage.Coverage{Plan: coverage.PostDelivery, Paid: usd(t, "10000.00"), Protected: usd(t, "10000.00"), Covered: usd(t, "10000.00"), Uncovered: usd(t, "0.00")},
		},
		{
			name:      "pre-shipment protects the deposit only, never the balance",
			change:    []func(*coverage.Order){pre},
			available: usd(t, "50000.00"),
			want: coverage.Coverage{Plan: coverage.PreShipment, Paid: usd(t, "10000.00"), Protected: usd(t, "3000.00"),
				Covered: usd(t, "3000.00"), Uncovered: usd(t, "7000.00")},
			codes: []string{coverage.ReasonBalanceNotProtected},
		},
		{
			name:      "pre-shipment protects the deposit alone before the balance is paid",
			change:    []func(*coverage.Order){pre, func(o *coverage.Order) { o.Payments = o.Payments[:1] }},
			available: usd(t, "50000.00"),
			want: coverage.Coverage{Plan: coverage.PreShipment, Paid: usd(t, "3000.00"), Protected: usd(t, "3000.00"),
				Covered: usd(t, "3000.00"), Uncovered: usd(t, "0.00")},
		},
		{
			name: "pre-shipment protects a full payment: it is the initial payment",
			change: []func(*coverage.Order){pre, func(o *coverage.Order) {
				o.Payments = []coverage.Payment{{Tranche: payment.Full, Amount: usd(t, "10000.00"), PaidAt: day(0)}}
			}},
			available: usd(t, "50000.00"),
			want: coverage.Coverage{Plan: coverage.PreShipment, Paid: usd(t, "10000.00"), Protected: usd(t, "10000.00"),
				Covered: usd(t, "10000.00"), Uncovered: usd(t, "0.00")},
		},
		{
			name:      "pre-shipment protects the deposit whenever the balance was paid, shipment or not",
			change:    []func(*coverage.Order){pre, shipped},
			available: usd(t, "50000.00"),
			want: coverage.Coverage{Plan: coverage.PreShipment, Paid: usd(t, "10000.00"), Protected: usd(t, "3000.00"),
				Covered: usd(t, "3000.00"), Uncovered: usd(t, "7000.00")},
			codes: []string{coverage.ReasonBalanceNotProtected},
		},
		{
			name:      "pre-shipment with a limit one cent below the deposit reports both reasons",
			change:    []func(*coverage.Order){pre},
			available: usd(t, "2999.99"),
			want: coverage.Coverage{Plan: coverage.PreShipment, Paid: usd(t, "10000.00"), Protected: usd(t, "3000.00"),
				Covered: usd(t, "2999.99"), Uncovered: usd(t, "7000.01")},
			codes: []string{coverage.ReasonBalanceNotProtected, coverage.ReasonLimitExceeded},
		},
		{
			name:      "pre-shipment with a limit exactly the deposit covers all of it",
			change:    []func(*coverage.Order){pre},
			available: usd(t, "3000.00"),
			want: coverage.Coverage{Plan: coverage.PreShipment, Paid: usd(t, "10000.00"), Protected: usd(t, "3000.00"),
				Covered: usd(t, "3000.00"), Uncovered: usd(t, "7000.00")},
			codes: []string{coverage.ReasonBalanceNotProtected},
		},
		{
			name:      "a partly refunded payment counts for what is left of it",
			change:    []func(*coverage.Order){func(o *coverage.Order) { o.Payments[0].Amount = usd(t, "2500.00") }},
			available: usd(t, "50000.00"),
			want:      coverage.Coverage{Plan: coverage.PostDelivery, Paid: usd(t, "9500.00"), Protected: usd(t, "9500.00"), Covered: usd(t, "9500.00"), Uncovered: usd(t, "0.00")},
		},
		{
			name:      "nothing paid, nothing covered, in the order's currency",
			change:    []func(*coverage.Order){func(o *coverage.Order) { o.Payments = nil }},
			available: usd(t, "50000.00"),
			want:      coverage.Coverage{Plan: coverage.PostDelivery, Paid: usd(t, "0.00"), Protected: usd(t, "0.00"), Covered: usd(t, "0.00"), Uncovered: usd(t, "0.00")},
		},
		{
			name: "yen have no minor unit: one yen over the limit is uncovered",
			change: []func(*coverage.Order){func(o *coverage.Order) {
				o.Value, o.Deposit = money(t, "1500000", payment.JPY), money(t, "450000", payment.JPY)
				o.Payments = []coverage.Payment{
					{Tranche: payment.Deposit, Amount: money(t, "450000", payment.JPY), PaidAt: day(0)},
					{Tranche: payment.Balance, Amount: money(t, "1050000", payment.JPY), PaidAt: day(20)},
				}
			}},
			available: money(t, "1499999", payment.JPY),
			want: coverage.Coverage{Plan: coverage.PostDelivery, Paid: money(t, "1500000", payment.JPY), Protected: money(t, "1500000", payment.JPY),
				Covered: money(t, "1499999", payment.JPY), Uncovered: money(t, "1", payment.JPY)},
			codes: []string{coverage.ReasonLimitExceeded},
		},
		{
			name: "dinars have three decimals: one fils over the limit is uncovered",
			change: []func(*coverage.Order){func(o *coverage.Order) {
				o.Value, o.Deposit = money(t, "1000.500", payment.KWD), payment.Money{}
				o.Payments = []coverage.Payment{{Tranche: payment.Full, Amount: money(t, "1000.500", payment.KWD), PaidAt: day(0)}}
			}},
			available: money(t, "1000.499", payment.KWD),
			want: coverage.Coverage{Plan: coverage.PostDelivery, Paid: money(t, "1000.500", payment.KWD), Protected: money(t, "1000.500", payment.KWD),
				Covered: money(t, "1000.499", payment.KWD), Uncovered: money(t, "0.001", payment.KWD)},
			codes: []string{coverage.ReasonLimitExceeded},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := baseOrder(t)
			for _, c := range tt.change {
				c(&o)
			}
			got, err := coverage.DefaultRules().Covered(o, tt.available)
			require.NoError(t, err)
			require.Equal(t, tt.codes, codes(got.Reasons))
			got.Reasons = nil
			requireSame(t, tt.want, got)
		})
	}
}

func TestCoveredReasonText(t *testing.T) {
	o := baseOrder(t)
	got, err := coverage.DefaultRules().Covered(o, usd(t, "8000.00"))
	require.NoError(t, err)
	requireSame(t, []payment.Reason{{
		Code: coverage.ReasonLimitExceeded,
		Text: "the supplier's available Trade Assurance limit of USD 8000.00 is less than the USD 10000.00 the plan protects",
	}}, got.Reasons)
}

func TestCoveredRefusesBadFacts(t *testing.T) {
	tests := []struct {
		name      string
		change    func(*coverage.Order)
		available payment.Money
		want      error
	}{
		{"a limit in another currency", nil, money(t, "50000.00", payment.EUR), payment.ErrCurrencyMismatch},
		{"a limit with no currency", nil, payment.Money{}, payment.ErrCurrencyMismatch},
		{"a negative limit", nil, usd(t, "-0.01"), coverage.ErrInvalidFacts},
		{"a payment in another currency", func(o *coverage.Order) { o.Payments[0].Amount = money(t, "3000.00", payment.EUR) }, usd(t, "1.00"), payment.ErrCurrencyMismatch},
		{"payments one cent above the order value", func(o *coverage.Order) { o.Payments[1].Amount = usd(t, "7000.01") }, usd(t, "1.00"), coverage.ErrInvalidFacts},
		{"no order id", func(o *coverage.Order) { o.ID = "" }, usd(t, "1.00"), coverage.ErrInvalidFacts},
		{"an unknown plan", func(o *coverage.Order) { o.Plan = "gold" }, usd(t, "1.00"), coverage.ErrInvalidFacts},
		{"no order value", func(o *coverage.Order) { o.Value = payment.Money{} }, usd(t, "1.00"), coverage.ErrInvalidFacts},
		{"a zero order value", func(o *coverage.Order) { o.Value = usd(t, "0.00"); o.Payments = nil }, usd(t, "1.00"), coverage.ErrInvalidFacts},
		{"a negative payment", func(o *coverage.Order) { o.Payments[0].Amount = usd(t, "-1.00") }, usd(t, "1.00"), coverage.ErrInvalidFacts},
		{"a payment with no time", func(o *coverage.Order) { o.Payments[0].PaidAt = time.Time{} }, usd(t, "1.00"), coverage.ErrInvalidFacts},
		{"a payment with an unknown tranche", func(o *coverage.Order) { o.Payments[0].Tranche = "extra" }, usd(t, "1.00"), coverage.ErrInvalidFacts},
		{"delivery without shipment", func(o *coverage.Order) { o.DeliveredAt = day(40) }, usd(t, "1.00"), coverage.ErrInvalidFacts},
		{"delivery before shipment", func(o *coverage.Order) { o.ShippedAt = day(40); o.DeliveredAt = day(39) }, usd(t, "1.00"), coverage.ErrInvalidFacts},
		{"a delivery deadline before the shipment date", func(o *coverage.Order) { o.DeliverBy = day(29) }, usd(t, "1.00"), coverage.ErrInvalidFacts},
		{"an unknown inspection result", func(o *coverage.Order) { o.Inspection.Result = "maybe" }, usd(t, "1.00"), coverage.ErrInvalidFacts},
		{"defects from an inspection that passed", func(o *coverage.Order) {
			o.Inspection = coverage.Inspection{Result: coverage.InspectionPassed, Defects: []string{"stitching"}}
		}, usd(t, "1.00"), coverage.ErrInvalidFacts},
		{"acceptance of an inspection that did not fail", func(o *coverage.Order) {
			o.Inspection = coverage.Inspection{BuyerAccepted: true}
		}, usd(t, "1.00"), coverage.ErrInvalidFacts},
		{"a defect named twice", func(o *coverage.Order) {
			o.Inspection = coverage.Inspection{Result: coverage.InspectionFailed, Defects: []string{"stitching", "stitching"}}
		}, usd(t, "1.00"), coverage.ErrInvalidFacts},
		{"a defect with no id", func(o *coverage.Order) {
			o.Inspection = coverage.Inspection{Result: coverage.InspectionFailed, Defects: []string{""}}
		}, usd(t, "1.00"), coverage.ErrInvalidFacts},
	}
	for _, tt := range tests {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			o := baseOrder(t)
			if tt.change != nil {
				tt.change(&o)
			}
			_, err := coverage.DefaultRules().Covered(o, tt.available)
			require.ErrorIs(t, err, tt.want)
			if tt.want == payment.ErrCurrencyMismatch {
				var cm *payment.CurrencyMismatchError
				require.ErrorAs(t, err, &cm)
			}
		})
	}
}

func TestQuote(t *testing.T) {
	unpaid := func(o *coverage.Order) { o.Payments = nil }
	depositOnly := func(o *coverage.Order) { o.Payments = o.Payments[:1] }
	pre := func(o *coverage.Order) { o.Plan, o.Deposit = coverage.PreShipment, usd(t, "3000.00") }
	tests := []struct {
		name      string
		change    []func(*coverage.Order)
		tranche   payment.Tranche // payment.Full when unset
		amount    string
		available string
		want      coverage.Quote // without reasons
		codes     []string
		order     []string // codes of the order's coverage
		whole     []string // codes of the whole order's
	}{
		{
			name:   "a whole order above the supplier's limit is covered up to the limit",
			change: []func(*coverage.Order){unpaid}, amount: "10000.00", available: "6000.00",
			want: coverage.Quote{Amount: usd(t, "10000.00"), Covered: usd(t, "6000.00"), Uncovered: usd(t, "4000.00"),
				Order: coverage.Coverage{Plan: coverage.PostDelivery, Paid: usd(t, "10000.00"), Protected: usd(t, "10000.00"), Covered: usd(t, "6000.00"), Uncovered: usd(t, "4000.00")}},
			codes: []string{coverage.ReasonLimitExceeded}, order: []string{coverage.ReasonLimitExceeded},
		},
		{
			name:   "a whole order exactly at the limit is fully covered",
			change: []func(*coverage.Order){unpaid}, amount: "10000.00", available: "10000.00",
			want: coverage.Quote{Amount: usd(t, "10000.00"), Covered: usd(t, "10000.00"), Uncovered: usd(t, "0.00"),
				Order: coverage.Coverage{Plan: coverage.PostDelivery, Paid: usd(t, "10000.00"), Protected: usd(t, "10000.00"), Covered: usd(t, "10000.00"), Uncovered: usd(t, "0.00")}},
		},
		{
			name:   "a balance that fits what is left of the limit is fully covered",
			change: []func(*coverage.Order){depositOnly}, amount: "7000.00", available: "10000.00",
			want: coverage.Quote{Amount: usd(t, "7000.00"), Covered: usd(t, "7000.00"), Uncovered: usd(t, "0.00"),
				Order: coverage.Coverage{Plan: coverage.PostDelivery, Paid: usd(t, "10000.00"), Protected: usd(t, "10000.00"), Covered: usd(t, "10000.00"), Uncovered: usd(t, "0.00")}},
		},
		{
			name:   "a balance one cent above what is left of the limit leaves one cent uncovered",
			change: []func(*coverage.Order){depositOnly}, amount: "7000.00", available: "9999.99",
			want: coverage.Quote{Amount: usd(t, "7000.00"), Covered: usd(t, "6999.99"), Uncovered: usd(t, "0.01"),
				Order: coverage.Coverage{Plan: coverage.PostDelivery, Paid: usd(t, "10000.00"), Protected: usd(t, "10000.00"), Covered: usd(t, "9999.99"), Uncovered: usd(t, "0.01")}},
			codes: []string{coverage.ReasonLimitExceeded}, order: []string{coverage.ReasonLimitExceeded},
		},
		{
			name:   "a balance after the deposit used up the limit is not covered at all",
			change: []func(*coverage.Order){depositOnly}, amount: "7000.00", available: "3000.00",
			want: coverage.Quote{Amount: usd(t, "7000.00"), Covered: usd(t, "0.00"), Uncovered: usd(t, "7000.00"),
				Order: coverage.Coverage{Plan: coverage.PostDelivery, Paid: usd(t, "10000.00"), Protected: usd(t, "10000.00"), Covered: usd(t, "3000.00"), Uncovered: usd(t, "7000.00")}},
			codes: []string{coverage.ReasonLimitExceeded}, order: []string{coverage.ReasonLimitExceeded},
		},
		{
			name:   "pre-shipment does not protect the balance",
			change: []func(*coverage.Order){pre, depositOnly}, tranche: payment.Balance, amount: "7000.00", available: "50000.00",
			want: coverage.Quote{Amount: usd(t, "7000.00"), Covered: usd(t, "0.00"), Uncovered: usd(t, "7000.00"),
				Order: coverage.Coverage{Plan: coverage.PreShipment, Paid: usd(t, "10000.00"), Protected: usd(t, "3000.00"), Covered: usd(t, "3000.00"), Uncovered: usd(t, "7000.00")},
				Whole: coverage.Coverage{Plan: coverage.PreShipment, Paid: usd(t, "10000.00"), Protected: usd(t, "3000.00"), Covered: usd(t, "3000.00"), Uncovered: usd(t, "7000.00")}},
			codes: []string{coverage.ReasonBalanceNotProtected}, order: []string{coverage.ReasonBalanceNotProtected},
			whole: []string{coverage.ReasonBalanceNotProtected},
		},
		{
			name:   "before the deposit, a pre-shipment buyer learns the balance will not be covered",
			change: []func(*coverage.Order){pre, unpaid}, tranche: payment.Deposit, amount: "3000.00", available: "50000.00",
			want: coverage.Quote{Amount: usd(t, "3000.00"), Covered: usd(t, "3000.00"), Uncovered: usd(t, "0.00"),
				Order: coverage.Coverage{Plan: coverage.PreShipment, Paid: usd(t, "3000.00"), Protected: usd(t, "3000.00"), Covered: usd(t, "3000.00"), Uncovered: usd(t, "0.00")},
				Whole: coverage.Coverage{Plan: coverage.PreShipment, Paid: usd(t, "10000.00"), Protected: usd(t, "3000.00"), Covered: usd(t, "3000.00"), Uncovered: usd(t, "7000.00")}},
			whole: []string{coverage.ReasonBalanceNotProtected},
		},
		{
			name:   "before the deposit, a post-delivery buyer learns what of the whole order the limit leaves uncovered",
			change: []func(*coverage.Order){unpaid}, tranche: payment.Deposit, amount: "3000.00", available: "6000.00",
			want: coverage.Quote{Amount: usd(t, "3000.00"), Covered: usd(t, "3000.00"), Uncovered: usd(t, "0.00"),
				Order: coverage.Coverage{Plan: coverage.PostDelivery, Paid: usd(t, "3000.00"), Protected: usd(t, "3000.00"), Covered: usd(t, "3000.00"), Uncovered: usd(t, "0.00")},
				Whole: coverage.Coverage{Plan: coverage.PostDelivery, Paid: usd(t, "10000.00"), Protected: usd(t, "10000.00"), Covered: usd(t, "6000.00"), Uncovered: usd(t, "4000.00")}},
			whole: []string{coverage.ReasonLimitExceeded},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := baseOrder(t)
			for _, c := range tt.change {
				c(&o)
			}
			tranche := tt.tranche
			if tranche == "" {
				tranche = payment.Full
				if len(o.Payments) > 0 {
					tranche = payment.Balance
				}
			}
			if tt.want.Whole.Plan == "" { // the quoted payment completes the order
				tt.want.Whole, tt.whole = tt.want.Order, tt.order
			}
			got, err := coverage.DefaultRules().Quote(o, tranche, usd(t, tt.amount), usd(t, tt.available))
			require.NoError(t, err)
			require.Equal(t, tt.codes, codes(got.Reasons), "payment reasons")
			require.Equal(t, tt.order, codes(got.Order.Reasons), "order reasons")
			require.Equal(t, tt.whole, codes(got.Whole.Reasons), "whole order reasons")
			got.Reasons, got.Order.Reasons, got.Whole.Reasons = nil, nil, nil
			requireSame(t, tt.want, got)
		})
	}
}

func TestQuoteRefusesBadPayments(t *testing.T) {
	depositPaid := baseOrder(t)
	depositPaid.Payments = depositPaid.Payments[:1]
	r := coverage.DefaultRules()

	_, err := r.Quote(depositPaid, payment.Balance, usd(t, "7000.00"), usd(t, "1.00"))
	require.NoError(t, err, "the exact rest of the order value may be quoted")
	_, err = r.Quote(depositPaid, payment.Balance, usd(t, "7000.01"), usd(t, "1.00"))
	require.ErrorIs(t, err, coverage.ErrInvalidFacts, "one cent more than the rest is refused")
	_, err = r.Quote(depositPaid, payment.Balance, usd(t, "0.00"), usd(t, "1.00"))
	require.ErrorIs(t, err, coverage.ErrInvalidFacts)
	_, err = r.Quote(depositPaid, payment.Balance, usd(t, "-1.00"), usd(t, "1.00"))
	require.ErrorIs(t, err, coverage.ErrInvalidFacts)
	_, err = r.Quote(depositPaid, payment.Balance, money(t, "7000.00", payment.EUR), usd(t, "1.00"))
	var cm *payment.CurrencyMismatchError
	require.ErrorAs(t, err, &cm)
	require.Equal(t, payment.CurrencyMismatchError{Want: payment.USD, Got: payment.EUR}, *cm)
	_, err = r.Quote(depositPaid, payment.Balance, usd(t, "7000.00"), money(t, "1.00", payment.EUR))
	require.ErrorIs(t, err, payment.ErrCurrencyMismatch)
}

// TestCoveredProperties checks, over random orders and limits, that the
// covered and uncovered parts always add up exactly to what the plan
// protects, that nothing above what was paid or above the limit is ever
// covered, and that a quote says what Covered will say once the payment is
// made.
func TestCoveredProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cur := rapid.SampledFrom([]payment.Currency{payment.USD, payment.JPY, payment.KWD}).Draw(t, "currency")
		m := func(units int64) payment.Money {
			v, err := payment.FromMinor(units, cur)
			if err != nil {
				t.Fatalf("FromMinor(%d): %v", units, err)
			}
			return v
		}
		plan := rapid.SampledFrom([]coverage.Plan{coverage.PreShipment, coverage.PostDelivery}).Draw(t, "plan")
		const maxPart = 1_000_000_000_000_000 // 18 digits of minor units in all: six parts fit
		n := rapid.IntRange(0, 5).Draw(t, "payments")
		o := coverage.Order{ID: "order-p", Plan: plan}
		var total int64
		tranches := []payment.Tranche{payment.Full, payment.Deposit, payment.Balance}
		for i := range n {
			units := rapid.Int64Range(0, maxPart).Draw(t, "amount")
			o.Payments = append(o.Payments, coverage.Payment{
				Tranche: rapid.SampledFrom(tranches).Draw(t, "tranche"), Amount: m(units),
				PaidAt: day(rapid.IntRange(0, 60).Draw(t, "paid day")).Add(time.Duration(i) * time.Second),
			})
			total += units
		}
		if rapid.Bool().Draw(t, "shipped") {
			o.ShippedAt = day(rapid.IntRange(0, 60).Draw(t, "shipped day"))
		}
		toQuote := rapid.Int64Range(1, maxPart).Draw(t, "quoted")
		o.Value = m(total + toQuote + rapid.Int64Range(0, maxPart).Draw(t, "unpaid"))
		available := m(rapid.Int64Range(0, 2*maxPart).Draw(t, "available"))

		r := coverage.DefaultRules()
		c, err := r.Covered(o, available)
		if err != nil {
			t.Fatalf("Covered: %v", err)
		}
		if c.Paid.Currency() != cur || c.Protected.Currency() != cur || c.Covered.Currency() != cur || c.Uncovered.Currency() != cur {
			t.Fatalf("currencies: %+v", c)
		}
		if c.Covered.Minor()+c.Uncovered.Minor() != c.Paid.Minor() {
			t.Fatalf("covered %s + uncovered %s != paid %s", c.Covered, c.Uncovered, c.Paid)
		}
		if c.Covered.IsNegative() || c.Uncovered.IsNegative() {
			t.Fatalf("negative part: %+v", c)
		}
		if c.Covered.Minor() > available.Minor() || c.Covered.Minor() > c.Protected.Minor() || c.Protected.Minor() > c.Paid.Minor() || c.Paid.Minor() != total {
			t.Fatalf("covered %s above limit %s or protected %s, or protected above paid %s, or paid not the payments' %d", c.Covered, available, c.Protected, c.Paid, total)
		}
		var balance int64
		for _, p := range o.Payments {
			if p.Tranche == payment.Balance {
				balance += p.Amount.Minor()
			}
		}
		if plan == coverage.PostDelivery && c.Protected.Minor() != total || plan == coverage.PreShipment && c.Protected.Minor() != total-balance {
			t.Fatalf("%s protects %s of %d paid, %d of it the balance", plan, c.Protected, total, balance)
		}
		if outside := hasCode(c.Reasons, coverage.ReasonBalanceNotProtected); outside != (c.Paid.Minor() > c.Protected.Minor()) {
			t.Fatalf("balance reason %v, protected %s of %s", outside, c.Protected, c.Paid)
		}
		if limited := hasCode(c.Reasons, coverage.ReasonLimitExceeded); limited != (c.Protected.Minor() > c.Covered.Minor()) {
			t.Fatalf("limit reason %v, protected %s, covered %s", limited, c.Protected, c.Covered)
		}

		quoted := rapid.SampledFrom(tranches).Draw(t, "quoted tranche")
		q, err := r.Quote(o, quoted, m(toQuote), available)
		if err != nil {
			t.Fatalf("Quote: %v", err)
		}
		if q.Covered.Minor()+q.Uncovered.Minor() != toQuote || q.Covered.IsNegative() || q.Uncovered.IsNegative() {
			t.Fatalf("quote parts %s + %s != %d", q.Covered, q.Uncovered, toQuote)
		}
		after := o
		after.Payments = append(append([]coverage.Payment(nil), o.Payments...), coverage.Payment{
			Tranche: quoted, Amount: m(toQuote), PaidAt: day(61),
		})
		want, err := r.Covered(after, available)
		if err != nil {
			t.Fatalf("Covered after the payment: %v", err)
		}
		requireSame(t, want, q.Order)
		if q.Order.Covered.Minor()-c.Covered.Minor() != q.Covered.Minor() {
			t.Fatalf("quote covers %s, the order's coverage grows by %d", q.Covered, q.Order.Covered.Minor()-c.Covered.Minor())
		}
		if q.Whole.Paid != o.Value || q.Whole.Protected != o.Protects() || q.Whole.Covered.Minor() != min(o.Protects().Minor(), available.Minor()) {
			t.Fatalf("the whole order's cover %+v, value %s, protects %s, available %s", q.Whole, o.Value, o.Protects(), available)
		}
	})
}

func hasCode(rs []payment.Reason, code string) bool {
	for _, r := range rs {
		if r.Code == code {
			return true
		}
	}
	return false
}
