package payment

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// feeCmp compares fee values: decimals by value, Money and times with their
// Equal methods.
func feeCmp() cmp.Option {
	return cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })
}

// feeDate returns midnight UTC on the given day.
func feeDate(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// feeAt is when the tests' payments are made, under the 2024 defaults.
func feeAt() time.Time { return time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC) }

// feeRule returns a valid card rule of 2% in force from 2024, to be changed
// by each test.
func feeRule(id string) FeeRule {
	return FeeRule{
		ID: id, Method: Card, From: feeDate(2024, 1, 1),
		Percent: decimal.RequireFromString("0.02"), Rounding: RoundHalfEven, Bearer: BuyerBears,
	}
}

// feeSchedule builds a schedule that must be valid.
func feeSchedule(t testing.TB, rules ...FeeRule) *FeeSchedule {
	t.Helper()
	s, err := NewFeeSchedule(rules...)
	require.NoError(t, err)
	return s
}

// oneLine returns q, a quote of the tests' time with a method fee only,
// with its line made of its top-level fields as Quote makes it.
func oneLine(q FeeQuote) FeeQuote {
	q.At = feeAt()
	q.Lines = []FeeLine{{Kind: MethodFee, RuleID: q.RuleID, DatedBy: q.DatedBy, Fee: q.Fee, BuyerFee: q.BuyerFee,
		SupplierFee: q.SupplierFee, Band: q.Band, Unrounded: q.Unrounded, Rounding: q.Rounding,
		RaisedToMin: q.RaisedToMin, Capped: q.Capped}}
	return q
}

// feeRequest returns a request for amount in currency c by method.
func feeRequest(amount string, c Currency, method Method, network CardNetwork, region Region) FeeRequest {
	return FeeRequest{Amount: MustParse(amount, c), Method: method, Network: network, Region: region, At: feeAt()}
}

func TestDefaultScheduleIsValidAndCoversEveryMethod(t *testing.T) {
	s := DefaultSchedule() // panics if the literal rules are invalid
	rules := s.Rules()
	_, err := NewFeeSchedule(rules...)
	require.NoError(t, err, "the default rules must pass NewFeeSchedule")

	t.Run("every method has a rule in force from 2024 on", func(t *testing.T) {
		for _, m := range Methods() {
			var network CardNetwork
			if m.HasNetwork() {
				network = Visa
			}
			for _, at := range []time.Time{feeDate(2024, 1, 1), feeAt(), feeDate(2040, 1, 1)} {
				req := FeeRequest{Amount: MustParse("100.00", USD), Method: m, Network: network, At: at}
				_, err := s.Quote(context.Background(), req, nil)
				if err != nil {
					t.Errorf("%s at %s: %v", m, at, err)
				}
			}
		}
	})
	t.Run("nothing is quoted before 2024", func(t *testing.T) {
		req := FeeRequest{Amount: MustParse("100.00", USD), Method: PayPal, At: feeDate(2023, 12, 31)}
		_, err := s.Quote(context.Background(), req, nil)
		require.ErrorIs(t, err, ErrNoFeeRule)
	})
	t.Run("every rule explains itself in its note", func(t *testing.T) {
		for _, r := range rules {
			if r.Note == "" {
				t.Errorf("rule %s has no note", r.ID)
			}
		}
	})
	t.Run("each call builds a fresh schedule", func(t *testing.T) {
		a, b := DefaultSchedule(), DefaultSchedule()
		if a == b {
			t.Fatal("DefaultSchedule returned the same pointer twice")
		}
		if diff := cmp.Diff(a.Rules(), b.Rules(), feeCmp()); diff != "" {
			t.Errorf("two default schedules differ (-first +second):\n%s", diff)
		}
	})
	t.Run("the rule IDs are the documented ones", func(t *testing.T) {
		var ids []string
		for _, r := range rules {
			ids = append(ids, r.ID)
		}
		want := []string{
			"card-before-2018-06-04", "card-2018-06-04", "card-mastercard-apac-before-2018-06-04",
			"card-mastercard-apac-2024", "apple-pay-2024", "google-pay-2024", "tt-2024",
			"online-bank-transfer-2024", "pay-later-2024", "western-union-v2", "echeck-2024",
			"paypal-2024", "alipay-2024",
			"service-wholesale-2024", "service-custom-platform-logistics-2024", "service-custom-2024",
		}
		if diff := cmp.Diff(want, ids); diff != "" {
			t.Errorf("rule IDs (-want +got):\n%s", diff)
		}
	})
}

func TestDefaultScheduleQuotes(t *testing.T) {
	s := DefaultSchedule()
	tests := []struct {
		name      string
		req       FeeRequest
		fee       string
		rule      string
		unrounded string
		capped    bool
	}{
		{"Mastercard in Asia-Pacific is capped at USD 40 on USD 2,000",
			feeRequest("2000.00", USD, Card, Mastercard, AsiaPacific), "40.00", "card-mastercard-apac-2024", "40", true},
		{"Mastercard in Asia-Pacific pays 2.95% under the cap",
			feeRequest("1000.00", USD, Card, Mastercard, AsiaPacific), "29.50", "card-mastercard-apac-2024", "29.5", false},
		{"Mastercard in Asia-Pacific reaches the cap exactly without being capped",
			feeRequest("1355.93", USD, Card, Mastercard, AsiaPacific), "40.00", "card-mastercard-apac-2024", "39.999935", false},
		{"Mastercard in Europe pays the generic 2.95% uncapped",
			feeRequest("2000.00", USD, Card, Mastercard, Europe), "59.00", "card-2018-06-04", "59", false},
		{"Visa in Asia-Pacific pays the generic 2.95%",
			feeRequest("2000.00", USD, Card, Visa, AsiaPacific), "59.00", "card-2018-06-04", "59", false},
		{"Mastercard with no region pays the generic 2.95%",
			feeRequest("2000.00", USD, Card, Mastercard, ""), "59.00", "card-2018-06-04", "59", false},
		{"Apple Pay pays 2.99%",
			feeRequest("1234.56", USD, ApplePay, Mastercard, AsiaPacific), "36.91", "apple-pay-2024", "36.913344", false},
		{"T/T pays no programme fee",
			feeRequest("150000.00", USD, WireTransfer, "", Europe), "0.00", "tt-2024", "0", false},
		{"e-Checking pays a fixed USD 15.00 on a small payment",
			feeRequest("20.00", USD, ECheck, "", NorthAmerica), "15.00", "echeck-2024", "15", false},
		{"e-Checking pays a fixed USD 15.00 on a large payment",
			feeRequest("98765.43", USD, ECheck, "", NorthAmerica), "15.00", "echeck-2024", "15", false},
		{"a Visa payment in euros needs no rate",
			feeRequest("1000.00", EUR, Card, Visa, Europe), "29.50", "card-2018-06-04", "29.5", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := s.Quote(context.Background(), tt.req, nil)
			require.NoError(t, err)
			cur := tt.req.Amount.Currency()
			fee := MustParse(tt.fee, cur)
			want := oneLine(FeeQuote{
				Amount: tt.req.Amount, Fee: fee, BuyerFee: fee, SupplierFee: MustParse("0", cur),
				RuleID: tt.rule, Band: -1, Unrounded: decimal.RequireFromString(tt.unrounded),
				Rounding: RoundHalfEven, Capped: tt.capped,
			})
			if diff := cmp.Diff(want, q, feeCmp()); diff != "" {
				t.Errorf("quote (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFeeQuoteConvertsAmountsInAnotherCurrency(t *testing.T) {
	s := DefaultSchedule()
	eur2000 := feeRequest("2000.00", EUR, Card, Mastercard, AsiaPacific)

	t.Run("the USD 40 cap becomes EUR 36.00 at 0.9", func(t *testing.T) {
		rates := newFakeRates(map[string]string{"USD>EUR": "0.9"})
		q, err := s.Quote(context.Background(), eur2000, rates)
		require.NoError(t, err)
		want := oneLine(FeeQuote{
			Amount: eur2000.Amount, Fee: MustParse("36.00", EUR), BuyerFee: MustParse("36.00", EUR),
			SupplierFee: MustParse("0", EUR), RuleID: "card-mastercard-apac-2024", Band: -1,
			Unrounded: decimal.RequireFromString("36"), Rounding: RoundHalfEven, Capped: true,
			Conversions: []Conversion{{From: USD, To: EUR, Rate: decimal.RequireFromString("0.9"), At: feeAt()}},
		})
		if diff := cmp.Diff(want, q, feeCmp()); diff != "" {
			t.Errorf("quote (-want +got):\n%s", diff)
		}
	})
	t.Run("a converted cap is not rounded before it is compared", func(t *testing.T) {
		rates := newFakeRates(map[string]string{"USD>EUR": "0.91234"})
		q, err := s.Quote(context.Background(), eur2000, rates)
		require.NoError(t, err)
		// 40 × 0.91234 = 36.4936: the fee rounds once, half-even, to 36.49.
		require.True(t, q.Capped)
		require.Equal(t, MustParse("36.49", EUR), q.Fee)
		if !q.Unrounded.Equal(decimal.RequireFromString("36.4936")) {
			t.Errorf("Unrounded = %s, want 36.4936", q.Unrounded)
		}
	})
	t.Run("without rates the quote fails with ErrNoRate", func(t *testing.T) {
		_, err := s.Quote(context.Background(), eur2000, nil)
		require.ErrorIs(t, err, ErrNoRate)
		require.ErrorContains(t, err, "card-mastercard-apac-2024")
	})
	t.Run("rates without the pair fail with ErrNoRate", func(t *testing.T) {
		_, err := s.Quote(context.Background(), eur2000, newFakeRates(map[string]string{"USD>GBP": "0.8"}))
		require.ErrorIs(t, err, ErrNoRate)
	})
	t.Run("a rates failure is wrapped as ErrNoRate and keeps its cause", func(t *testing.T) {
		_, err := s.Quote(context.Background(), eur2000, &fakeRates{err: context.DeadlineExceeded})
		require.ErrorIs(t, err, ErrNoRate)
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
	t.Run("a rate that is not positive is refused", func(t *testing.T) {
		_, err := s.Quote(context.Background(), eur2000, newFakeRates(map[string]string{"USD>EUR": "0"}))
		require.ErrorIs(t, err, ErrNoRate)
	})
	t.Run("one rate is asked for and recorded per currency", func(t *testing.T) {
		r := feeRule("usd-terms")
		r.Fixed, r.Min, r.Cap = MustParse("0.30", USD), MustParse("1.00", USD), MustParse("50.00", USD)
		rates := newFakeRates(map[string]string{"USD>EUR": "0.9"})
		q, err := feeSchedule(t, r).Quote(context.Background(), feeRequest("100.00", EUR, Card, Visa, ""), rates)
		require.NoError(t, err)
		require.Equal(t, 1, len(rates.asked))
		require.Len(t, q.Conversions, 1)
		// 2% of 100.00 + 0.30 × 0.9 = 2.27
		require.Equal(t, MustParse("2.27", EUR), q.Fee)
	})
	t.Run("nothing is converted when the currencies match", func(t *testing.T) {
		rates := newFakeRates(nil)
		q, err := s.Quote(context.Background(), feeRequest("2000.00", USD, Card, Mastercard, AsiaPacific), rates)
		require.NoError(t, err)
		require.Zero(t, len(rates.asked))
		require.Empty(t, q.Conversions)
	})
	t.Run("a minimum that converts above the cap gives way to the cap", func(t *testing.T) {
		r := feeRule("min-over-cap")
		r.Min, r.Cap = MustParse("10.00", GBP), MustParse("10.00", USD)
		rates := newFakeRates(map[string]string{"GBP>EUR": "1.2", "USD>EUR": "0.9"})
		q, err := feeSchedule(t, r).Quote(context.Background(), feeRequest("100.00", EUR, Card, Visa, ""), rates)
		require.NoError(t, err)
		require.Equal(t, MustParse("9.00", EUR), q.Fee)
		require.True(t, q.RaisedToMin)
		require.True(t, q.Capped)
		require.Len(t, q.Conversions, 2)
		require.Equal(t, GBP, q.Conversions[0].From)
		require.Equal(t, USD, q.Conversions[1].From)
	})
	t.Run("a band bound in another currency is converted", func(t *testing.T) {
		r := FeeRule{
			ID: "banded", Method: WesternUnion, From: feeDate(2024, 1, 1), Bearer: BuyerBears,
			Bands: []FeeBand{
				{UpTo: MustParse("100.00", USD), Fixed: MustParse("1.00", EUR)},
				{UpTo: MustParse("200.00", USD), Fixed: MustParse("2.00", EUR)},
			},
		}
		rates := newFakeRates(map[string]string{"USD>EUR": "0.9"})
		s := feeSchedule(t, r)
		for _, tc := range []struct {
			amount string
			band   int
			fee    string
		}{{"90.00", 0, "1.00"}, {"90.01", 1, "2.00"}, {"180.00", 1, "2.00"}} {
			q, err := s.Quote(context.Background(), feeRequest(tc.amount, EUR, WesternUnion, "", ""), rates)
			require.NoError(t, err, tc.amount)
			require.Equal(t, tc.band, q.Band, tc.amount)
			require.Equal(t, MustParse(tc.fee, EUR), q.Fee, tc.amount)
		}
		_, err := s.Quote(context.Background(), feeRequest("180.01", EUR, WesternUnion, "", ""), rates)
		require.ErrorIs(t, err, ErrNoFeeRule)
	})
}

func TestFeeQuoteWesternUnionBands(t *testing.T) {
	s := DefaultSchedule()
	tests := []struct {
		name, amount string
		band         int
		fee          string
	}{
		{"the smallest payment is in the first band", "0.01", 0, "4.95"},
		{"USD 50.00 is still in the first band", "50.00", 0, "4.95"},
		{"USD 50.01 is in the second band", "50.01", 1, "8.00"},
		{"USD 100.00 is still in the second band", "100.00", 1, "8.00"},
		{"USD 100.01 is in the third band", "100.01", 2, "10.00"},
		{"USD 250.00 is still in the third band", "250.00", 2, "10.00"},
		{"USD 250.01 is in the fourth band", "250.01", 3, "12.00"},
		{"USD 500.00 is still in the fourth band", "500.00", 3, "12.00"},
		{"USD 500.01 is in the fifth band", "500.01", 4, "15.00"},
		{"USD 750.00 is still in the fifth band", "750.00", 4, "15.00"},
		{"USD 750.01 is in the sixth band", "750.01", 5, "18.00"},
		{"USD 1000.00 is still in the sixth band", "1000.00", 5, "18.00"},
		{"USD 1000.01 is in our band above the published ones", "1000.01", 6, "25.00"},
		{"USD 2499.99 is the top of the last band", "2499.99", 6, "25.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := s.Quote(context.Background(), feeRequest(tt.amount, USD, WesternUnion, "", NorthAmerica), nil)
			require.NoError(t, err)
			require.Equal(t, "western-union-v2", q.RuleID)
			require.Equal(t, tt.band, q.Band)
			require.Equal(t, MustParse(tt.fee, USD), q.Fee)
			require.Equal(t, q.Fee, q.BuyerFee)
		})
	}
	for _, amount := range []string{"2500.00", "1000000.00"} {
		t.Run(fmt.Sprintf("USD %s is above every band and has no fee rule", amount), func(t *testing.T) {
			_, err := s.Quote(context.Background(), feeRequest(amount, USD, WesternUnion, "", NorthAmerica), nil)
			require.ErrorIs(t, err, ErrNoFeeRule)
			require.ErrorContains(t, err, "western-union-v2")
		})
	}
	t.Run("an unbounded last band takes every larger amount", func(t *testing.T) {
		r := feeRule("open-top")
		r.Percent = decimal.Decimal{}
		r.Bands = []FeeBand{
			{UpTo: MustParse("100.00", USD), Fixed: MustParse("1.00", USD)},
			{Percent: decimal.RequireFromString("0.01")},
		}
		q, err := feeSchedule(t, r).Quote(context.Background(), feeRequest("1000000.00", USD, Card, Visa, ""), nil)
		require.NoError(t, err)
		require.Equal(t, 1, q.Band)
		require.Equal(t, MustParse("10000.00", USD), q.Fee)
	})
}

func TestFeeQuoteMinimum(t *testing.T) {
	r := feeRule("with-min")
	r.Percent = decimal.RequireFromString("0.01")
	r.Min = MustParse("1.00", USD)
	s := feeSchedule(t, r)
	tests := []struct {
		name, amount, fee string
		raised            bool
	}{
		{"a small payment is raised to the minimum", "50.00", "1.00", true},
		{"a payment whose fee is the minimum is not raised", "100.00", "1.00", false},
		{"a larger payment pays its percentage", "250.00", "2.50", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := s.Quote(context.Background(), feeRequest(tt.amount, USD, Card, Visa, ""), nil)
			require.NoError(t, err)
			require.Equal(t, MustParse(tt.fee, USD), q.Fee)
			require.Equal(t, tt.raised, q.RaisedToMin)
			require.False(t, q.Capped)
		})
	}
}

func TestFeeQuoteRoundsOnceWithTheRulesMode(t *testing.T) {
	tests := []struct {
		name     string
		mode     RoundingMode
		amount   string
		currency Currency
		fee      string
	}{
		{"half-even rounds a tie at the cent down to even", RoundHalfEven, "2.50", USD, "0.02"},
		{"half-up rounds a tie at the cent up", RoundHalfUp, "2.50", USD, "0.03"},
		{"half-even rounds a tie up when that is even", RoundHalfEven, "3.50", USD, "0.04"},
		{"half-up rounds that tie up too", RoundHalfUp, "3.50", USD, "0.04"},
		{"down truncates", RoundDown, "2.59", USD, "0.02"},
		{"up rounds away from zero", RoundUp, "2.51", USD, "0.03"},
		{"half-even on yen rounds a tie to the even yen", RoundHalfEven, "250", JPY, "2"},
		{"half-up on yen rounds a tie up", RoundHalfUp, "250", JPY, "3"},
		{"yen below a tie round down", RoundHalfUp, "249", JPY, "2"},
		{"half-even on dinars rounds a tie to the even fils", RoundHalfEven, "2.250", KWD, "0.022"},
		{"half-up on dinars rounds a tie up", RoundHalfUp, "2.250", KWD, "0.023"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := feeRule("one-percent")
			r.Percent = decimal.RequireFromString("0.01")
			r.Rounding = tt.mode
			q, err := feeSchedule(t, r).Quote(context.Background(), feeRequest(tt.amount, tt.currency, Card, Visa, ""), nil)
			require.NoError(t, err)
			require.Equal(t, MustParse(tt.fee, tt.currency), q.Fee)
			require.Equal(t, tt.mode, q.Rounding)
			want := MustParse(tt.amount, tt.currency).Amount().Mul(r.Percent)
			if !q.Unrounded.Equal(want) {
				t.Errorf("Unrounded = %s, want %s", q.Unrounded, want)
			}
		})
	}
}

func TestFeeQuoteSelectsTheRuleInForce(t *testing.T) {
	boundary := feeDate(2025, 1, 1)
	old := feeRule("card-2024")
	old.Until = boundary
	next := feeRule("card-2025")
	next.From = boundary
	next.Percent = decimal.RequireFromString("0.03")
	s := feeSchedule(t, next, old)

	tests := []struct {
		name string
		at   time.Time
		rule string
	}{
		{"a payment in 2024 uses the 2024 rule", feeDate(2024, 6, 1), "card-2024"},
		{"the first instant of the 2024 rule uses it", feeDate(2024, 1, 1), "card-2024"},
		{"the last instant before the change uses the old rule", boundary.Add(-time.Nanosecond), "card-2024"},
		{"the boundary instant uses the new rule", boundary, "card-2025"},
		{"the boundary in another time zone is the same instant", boundary.In(time.FixedZone("UTC+8", 8*3600)), "card-2025"},
		{"a payment in 2025 uses the 2025 rule", feeDate(2025, 6, 1), "card-2025"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := feeRequest("100.00", USD, Card, Visa, "")
			req.At = tt.at
			q, err := s.Quote(context.Background(), req, nil)
			require.NoError(t, err)
			require.Equal(t, tt.rule, q.RuleID)
		})
	}
	t.Run("a payment before every rule has no fee rule", func(t *testing.T) {
		req := feeRequest("100.00", USD, Card, Visa, "")
		req.At = feeDate(2023, 12, 31)
		_, err := s.Quote(context.Background(), req, nil)
		require.ErrorIs(t, err, ErrNoFeeRule)
		require.ErrorContains(t, err, "2023-12-31")
	})
}

func TestFeeQuotePrefersTheMostSpecificRule(t *testing.T) {
	rule := func(id string, network CardNetwork, region Region, c Currency) FeeRule {
		r := feeRule(id)
		r.Network, r.Region, r.Currency = network, region, c
		return r
	}
	s := feeSchedule(t,
		rule("generic", "", "", ""),
		rule("eur", "", "", EUR),
		rule("apac", "", AsiaPacific, ""),
		rule("apac-eur", "", AsiaPacific, EUR),
		rule("mastercard", Mastercard, "", ""),
		rule("mastercard-apac", Mastercard, AsiaPacific, ""),
	)
	tests := []struct {
		name     string
		network  CardNetwork
		region   Region
		currency Currency
		rule     string
	}{
		{"a network and region rule beats a network rule", Mastercard, AsiaPacific, USD, "mastercard-apac"},
		{"a network rule beats a region and currency rule", Mastercard, NorthAmerica, USD, "mastercard"},
		{"a network rule beats a region and currency rule in euros", Mastercard, Europe, EUR, "mastercard"},
		{"a region and currency rule beats a region rule", Visa, AsiaPacific, EUR, "apac-eur"},
		{"a region rule beats a currency rule", Visa, AsiaPacific, USD, "apac"},
		{"a currency rule beats the generic rule", Visa, Europe, EUR, "eur"},
		{"the generic rule takes what nothing else does", Visa, Europe, USD, "generic"},
		{"a request without a region takes no region rule", Visa, "", USD, "generic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			amount := MustParse("100.00", tt.currency)
			q, err := s.Quote(context.Background(), FeeRequest{Amount: amount, Method: Card, Network: tt.network, Region: tt.region, At: feeAt()}, nil)
			require.NoError(t, err)
			require.Equal(t, tt.rule, q.RuleID)
		})
	}
	t.Run("a rule for another method never applies", func(t *testing.T) {
		_, err := s.Quote(context.Background(), feeRequest("100.00", USD, PayPal, "", ""), nil)
		require.ErrorIs(t, err, ErrNoFeeRule)
	})
}

func TestFeeQuoteRefusesBadRequests(t *testing.T) {
	s := DefaultSchedule()
	ok := feeRequest("100.00", USD, Card, Visa, Europe)
	tests := []struct {
		name   string
		change func(*FeeRequest)
		want   error
	}{
		{"a zero amount is refused", func(r *FeeRequest) { r.Amount = MustParse("0", USD) }, ErrInvalidAmount},
		{"a negative amount is refused", func(r *FeeRequest) { r.Amount = MustParse("-1.00", USD) }, ErrInvalidAmount},
		{"an amount with no currency is refused", func(r *FeeRequest) { r.Amount = Money{} }, ErrInvalidAmount},
		{"an unknown method is refused", func(r *FeeRequest) { r.Method = "cheque" }, ErrInvalidRequest},
		{"a card payment without a network is refused", func(r *FeeRequest) { r.Network = "" }, ErrInvalidRequest},
		{"a wire transfer with a network is refused", func(r *FeeRequest) { r.Method = WireTransfer }, ErrInvalidRequest},
		{"an unknown region is refused", func(r *FeeRequest) { r.Region = "MARS" }, ErrInvalidRequest},
		{"a request without a time is refused", func(r *FeeRequest) { r.At = time.Time{} }, ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := ok
			tt.change(&req)
			_, err := s.Quote(context.Background(), req, nil)
			require.ErrorIs(t, err, tt.want)
		})
	}
	t.Run("a nil schedule has no fee rule", func(t *testing.T) {
		var nilSchedule *FeeSchedule
		_, err := nilSchedule.Quote(context.Background(), ok, nil)
		require.ErrorIs(t, err, ErrNoFeeRule)
	})
}

func TestFeeScheduleSelectsRulesWithoutAllocating(t *testing.T) {
	s := DefaultSchedule()
	req := feeRequest("2000.00", USD, Card, Mastercard, AsiaPacific)
	var i int
	allocs := testing.AllocsPerRun(100, func() { i = s.match(&req, MethodFee) })
	require.Zero(t, allocs)
	require.Equal(t, "card-mastercard-apac-2024", s.rules[i].ID)
}

func TestNewFeeScheduleRefusesInvalidRules(t *testing.T) {
	usd := func(s string) Money { return MustParse(s, USD) }
	pct := decimal.RequireFromString
	tests := []struct {
		name   string
		change func(*FeeRule)
		extra  []FeeRule // further rules in the schedule
		id     string    // how the error names the rule, when not "bad"
	}{
		{name: "a rule without an ID is refused", change: func(r *FeeRule) { r.ID = "" }, id: "rule #1"},
		{name: "two rules with the same ID are refused", extra: []FeeRule{func() FeeRule {
			r := feeRule("bad")
			r.Method = PayPal
			return r
		}()}},
		{name: "an unknown method is refused", change: func(r *FeeRule) { r.Method = "cheque" }},
		{name: "a network on a method without networks is refused", change: func(r *FeeRule) { r.Method, r.Network = WireTransfer, Visa }},
		{name: "an unknown region is refused", change: func(r *FeeRule) { r.Region = "MARS" }},
		{name: "an unknown currency is refused", change: func(r *FeeRule) { r.Currency = "ABC" }},
		{name: "an Until equal to From is refused", change: func(r *FeeRule) { r.Until = r.From }},
		{name: "an Until before From is refused", change: func(r *FeeRule) { r.Until = r.From.Add(-time.Hour) }},
		{name: "a negative percent is refused", change: func(r *FeeRule) { r.Percent = pct("-0.01") }},
		{name: "a percent of 100% is refused", change: func(r *FeeRule) { r.Percent = pct("1") }},
		{name: "a percent above 100% is refused", change: func(r *FeeRule) { r.Percent = pct("2.99") }},
		{name: "a negative fixed fee is refused", change: func(r *FeeRule) { r.Fixed = usd("-0.30") }},
		{name: "a negative minimum is refused", change: func(r *FeeRule) { r.Min = usd("-1.00") }},
		{name: "a negative cap is refused", change: func(r *FeeRule) { r.Cap = usd("-40.00") }},
		{name: "a minimum above the cap is refused", change: func(r *FeeRule) { r.Min, r.Cap = usd("50.00"), usd("40.00") }},
		{name: "bands with a rule-level percent are refused", change: func(r *FeeRule) {
			r.Bands = []FeeBand{{UpTo: usd("100.00"), Fixed: usd("1.00")}}
		}},
		{name: "bands with a rule-level fixed fee are refused", change: func(r *FeeRule) {
			r.Percent, r.Fixed = decimal.Decimal{}, usd("1.00")
			r.Bands = []FeeBand{{UpTo: usd("100.00"), Fixed: usd("1.00")}}
		}},
		{name: "bands with equal bounds are refused", change: func(r *FeeRule) {
			r.Percent = decimal.Decimal{}
			r.Bands = []FeeBand{{UpTo: usd("100.00")}, {UpTo: usd("100.00")}}
		}},
		{name: "bands with decreasing bounds are refused", change: func(r *FeeRule) {
			r.Percent = decimal.Decimal{}
			r.Bands = []FeeBand{{UpTo: usd("200.00")}, {UpTo: usd("100.00")}}
		}},
		{name: "bands with bounds in different currencies are refused", change: func(r *FeeRule) {
			r.Percent = decimal.Decimal{}
			r.Bands = []FeeBand{{UpTo: usd("100.00")}, {UpTo: MustParse("200.00", EUR)}}
		}},
		{name: "an unbounded band before the last is refused", change: func(r *FeeRule) {
			r.Percent = decimal.Decimal{}
			r.Bands = []FeeBand{{Fixed: usd("1.00")}, {UpTo: usd("100.00")}}
		}},
		{name: "a band bounded at zero is refused", change: func(r *FeeRule) {
			r.Percent = decimal.Decimal{}
			r.Bands = []FeeBand{{UpTo: usd("0.00")}}
		}},
		{name: "a band with a negative percent is refused", change: func(r *FeeRule) {
			r.Percent = decimal.Decimal{}
			r.Bands = []FeeBand{{Percent: pct("-0.01")}}
		}},
		{name: "a band with a percent of 100% is refused", change: func(r *FeeRule) {
			r.Percent = decimal.Decimal{}
			r.Bands = []FeeBand{{Percent: pct("1.00")}}
		}},
		{name: "a band with a negative fixed fee is refused", change: func(r *FeeRule) {
			r.Percent = decimal.Decimal{}
			r.Bands = []FeeBand{{Fixed: usd("-1.00")}}
		}},
		{name: "an unknown rounding mode is refused", change: func(r *FeeRule) { r.Rounding = RoundingMode(9) }},
		{name: "a rule without a bearer is refused", change: func(r *FeeRule) { r.Bearer = "" }},
		{name: "an unknown bearer is refused", change: func(r *FeeRule) { r.Bearer = "platform" }},
		{name: "a buyer share above 100% is refused", change: func(r *FeeRule) { r.Bearer, r.BuyerSharePercent = SplitBears, 101 }},
		{name: "a negative buyer share is refused", change: func(r *FeeRule) { r.Bearer, r.BuyerSharePercent = SplitBears, -1 }},
		{name: "a buyer share without a split is refused", change: func(r *FeeRule) { r.BuyerSharePercent = 50 }},
		{name: "two open-ended rules for the same scope are refused", extra: []FeeRule{feeRule("other")}},
		{name: "overlapping rules for the same scope are refused", change: func(r *FeeRule) {
			r.From = feeDate(2024, 6, 1)
		}, extra: []FeeRule{func() FeeRule {
			r := feeRule("other")
			r.Until = feeDate(2025, 1, 1)
			return r
		}()}},
		{name: "a rule inside another's range for the same scope is refused", change: func(r *FeeRule) {
			r.Network, r.Region, r.Currency = Visa, Europe, EUR
			r.From, r.Until = feeDate(2024, 3, 1), feeDate(2024, 4, 1)
		}, extra: []FeeRule{func() FeeRule {
			r := feeRule("other")
			r.Network, r.Region, r.Currency = Visa, Europe, EUR
			r.Until = feeDate(2025, 1, 1)
			return r
		}()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := feeRule("bad")
			if tt.change != nil {
				tt.change(&r)
			}
			rules := append(append([]FeeRule(nil), tt.extra...), r)
			s, err := NewFeeSchedule(rules...)
			require.ErrorIs(t, err, ErrInvalidSchedule)
			require.Nil(t, s)
			id := tt.id
			if id == "" {
				id = `"bad"`
			}
			require.ErrorContains(t, err, id)
		})
	}

	t.Run("every problem is reported", func(t *testing.T) {
		a, b := feeRule("a"), feeRule("b")
		a.Method = "cheque"
		b.Bearer = ""
		_, err := NewFeeSchedule(a, b)
		require.ErrorIs(t, err, ErrInvalidSchedule)
		require.ErrorContains(t, err, `"a"`)
		require.ErrorContains(t, err, `"b"`)
	})
}

func TestNewFeeScheduleAcceptsValidRules(t *testing.T) {
	tests := []struct {
		name  string
		rules func() []FeeRule
	}{
		{"no rules make an empty schedule", func() []FeeRule { return nil }},
		{"two versions that meet at a boundary are accepted", func() []FeeRule {
			a, b := feeRule("a"), feeRule("b")
			a.Until, b.From = feeDate(2025, 1, 1), feeDate(2025, 1, 1)
			return []FeeRule{a, b}
		}},
		{"rules for different networks at the same time are accepted", func() []FeeRule {
			a, b := feeRule("a"), feeRule("b")
			a.Network, b.Network = Visa, Mastercard
			return []FeeRule{a, b}
		}},
		{"a generic rule and a regional rule at the same time are accepted", func() []FeeRule {
			a, b := feeRule("a"), feeRule("b")
			b.Region = Europe
			return []FeeRule{a, b}
		}},
		{"a split with any share from 0 to 100 is accepted", func() []FeeRule {
			var rules []FeeRule
			for i, share := range []int64{0, 1, 50, 99, 100} {
				r := feeRule(fmt.Sprintf("split-%d", share))
				r.Method = Methods()[i+1]
				r.Bearer, r.BuyerSharePercent = SplitBears, share
				rules = append(rules, r)
			}
			return rules
		}},
		{"a minimum above a cap in another currency is accepted", func() []FeeRule {
			r := feeRule("a")
			r.Min, r.Cap = MustParse("50.00", GBP), MustParse("40.00", USD)
			return []FeeRule{r}
		}},
		{"a minimum equal to the cap is accepted", func() []FeeRule {
			r := feeRule("a")
			r.Min, r.Cap = MustParse("40.00", USD), MustParse("40.00", USD)
			return []FeeRule{r}
		}},
		{"a zero percent rule with nothing else is accepted", func() []FeeRule {
			r := feeRule("a")
			r.Percent = decimal.Decimal{}
			return []FeeRule{r}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewFeeSchedule(tt.rules()...)
			require.NoError(t, err)
			require.Len(t, s.Rules(), len(tt.rules()))
		})
	}
}

func TestFeeQuoteSplitsTheFeeByBearer(t *testing.T) {
	tests := []struct {
		name            string
		bearer          Bearer
		share           int64
		fixed           string
		buyer, supplier string
	}{
		{"the buyer bears the whole fee", BuyerBears, 0, "0.15", "0.15", "0.00"},
		{"the supplier bears the whole fee", SupplierBears, 0, "0.15", "0.00", "0.15"},
		{"an even split of an odd cent gives the extra cent to the buyer", SplitBears, 50, "0.15", "0.08", "0.07"},
		{"a 70/30 split keeps the total", SplitBears, 70, "0.15", "0.11", "0.04"},
		{"a 30/70 split keeps the total", SplitBears, 30, "10.01", "3.00", "7.01"},
		{"a split with no buyer share charges the supplier", SplitBears, 0, "0.15", "0.00", "0.15"},
		{"a split with the whole buyer share charges the buyer", SplitBears, 100, "0.15", "0.15", "0.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := feeRule("split")
			r.Percent = decimal.Decimal{}
			r.Fixed = MustParse(tt.fixed, USD)
			r.Bearer, r.BuyerSharePercent = tt.bearer, tt.share
			q, err := feeSchedule(t, r).Quote(context.Background(), feeRequest("100.00", USD, Card, Visa, ""), nil)
			require.NoError(t, err)
			require.Equal(t, MustParse(tt.buyer, USD), q.BuyerFee)
			require.Equal(t, MustParse(tt.supplier, USD), q.SupplierFee)
			sum, err := q.BuyerFee.Add(q.SupplierFee)
			require.NoError(t, err)
			require.Equal(t, q.Fee, sum)
		})
	}
}

func TestFeeScheduleRulesIsACopy(t *testing.T) {
	wu, ok := DefaultSchedule().Rule("western-union-v2")
	require.True(t, ok)
	card := feeRule("card")
	input := []FeeRule{card, wu}
	s := feeSchedule(t, input...)
	before := s.Rules()

	t.Run("changing the returned rules leaves the schedule as it was", func(t *testing.T) {
		got := s.Rules()
		got[0].ID = "changed"
		got[0].Percent = decimal.RequireFromString("0.5")
		got[1].Bands[0].Fixed = MustParse("999.00", USD)
		got[1].Bands = append(got[1].Bands[:1], FeeBand{})
		if diff := cmp.Diff(before, s.Rules(), feeCmp()); diff != "" {
			t.Errorf("schedule changed (-before +after):\n%s", diff)
		}
	})
	t.Run("changing a rule from Rule leaves the schedule as it was", func(t *testing.T) {
		r, ok := s.Rule("western-union-v2")
		require.True(t, ok)
		r.Bands[2].UpTo = MustParse("1.00", USD)
		if diff := cmp.Diff(before, s.Rules(), feeCmp()); diff != "" {
			t.Errorf("schedule changed (-before +after):\n%s", diff)
		}
	})
	t.Run("changing the rules given to NewFeeSchedule leaves the schedule as it was", func(t *testing.T) {
		input[0].Cap = MustParse("1.00", USD)
		input[1].Bands[0].UpTo = MustParse("2.00", USD)
		if diff := cmp.Diff(before, s.Rules(), feeCmp()); diff != "" {
			t.Errorf("schedule changed (-before +after):\n%s", diff)
		}
	})
	t.Run("Rule reports a missing ID", func(t *testing.T) {
		_, ok := s.Rule("nope")
		require.False(t, ok)
	})
}

func TestFeeQuoteProperties(t *testing.T) {
	s := DefaultSchedule()
	// The largest percentage and fixed fee of any rule or band, and the
	// smallest cap: bounds every default fee in USD.
	maxPct, maxFixed := decimal.Decimal{}, int64(0)
	for _, r := range s.Rules() {
		terms := []FeeBand{{Percent: r.Percent, Fixed: r.Fixed}}
		terms = append(terms, r.Bands...)
		for _, b := range terms {
			if b.Percent.GreaterThan(maxPct) {
				maxPct = b.Percent
			}
			require.True(t, b.Fixed.IsZero() || b.Fixed.Currency() == USD)
			maxFixed = max(maxFixed, b.Fixed.Minor())
		}
		require.True(t, r.Min.Currency() == "", "the bound below assumes no minimum")
	}
	methods := Methods()
	networks := []CardNetwork{Visa, Mastercard, Amex, Discover, JCB, UnionPay, OtherNetwork}
	regions := append([]Region{""}, Regions()...)

	rapid.Check(t, func(rt *rapid.T) {
		units := rapid.Int64Range(1, 1_000_000_000_000).Draw(rt, "cents")
		method := rapid.SampledFrom(methods).Draw(rt, "method")
		var network CardNetwork
		if method.HasNetwork() {
			network = rapid.SampledFrom(networks).Draw(rt, "network")
		}
		region := rapid.SampledFrom(regions).Draw(rt, "region")
		at := feeDate(2024, 1, 1).Add(time.Duration(rapid.Int64Range(0, 10*365*24).Draw(rt, "hours")) * time.Hour)
		amount, err := FromMinor(units, USD)
		if err != nil {
			rt.Fatal(err)
		}
		q, err := s.Quote(context.Background(), FeeRequest{Amount: amount, Method: method, Network: network, Region: region, At: at}, nil)
		if method == WesternUnion && units > 249999 {
			if !errors.Is(err, ErrNoFeeRule) {
				rt.Fatalf("Western Union above the last band: err = %v, want ErrNoFeeRule", err)
			}
			return
		}
		if err != nil {
			rt.Fatal(err)
		}
		if q.Fee.Currency() != USD || q.Fee.IsNegative() {
			rt.Fatalf("fee %s is negative or not in USD", q.Fee)
		}
		bound := decimal.New(units, 0).Mul(maxPct).Add(decimal.New(maxFixed, 0)).Ceil()
		if decimal.New(q.Fee.Minor(), 0).GreaterThan(bound) {
			rt.Fatalf("fee %s is above amount × %s + %d minor units", q.Fee, maxPct, maxFixed)
		}
		rule, ok := s.Rule(q.RuleID)
		if !ok {
			rt.Fatalf("quote cites unknown rule %q", q.RuleID)
		}
		if rule.Cap.Currency() != "" && q.Fee.Minor() > rule.Cap.Minor() {
			rt.Fatalf("fee %s is above the cap %s", q.Fee, rule.Cap)
		}
		if q.Capped && q.Fee != rule.Cap {
			rt.Fatalf("capped fee %s is not the cap %s", q.Fee, rule.Cap)
		}
		sum, err := q.BuyerFee.Add(q.SupplierFee)
		if err != nil || sum != q.Fee {
			rt.Fatalf("buyer %s + supplier %s = %v (%v), want %s", q.BuyerFee, q.SupplierFee, sum, err, q.Fee)
		}
		rounded, err := FromDecimalRounded(q.Unrounded, USD, q.Rounding)
		if err != nil || rounded != q.Fee {
			rt.Fatalf("Unrounded %s rounds to %v (%v), want %s", q.Unrounded, rounded, err, q.Fee)
		}
	})
}

func TestFeeScheduleExplain(t *testing.T) {
	s := DefaultSchedule()
	custom := feeRule("min-fixed-split")
	custom.Percent = decimal.RequireFromString("0.015")
	custom.Fixed = MustParse("0.30", USD)
	custom.Min = MustParse("1.00", USD)
	custom.Bearer, custom.BuyerSharePercent = SplitBears, 50
	cs := feeSchedule(t, custom)
	rates := newFakeRates(map[string]string{"USD>EUR": "0.9"})

	tests := []struct {
		name string
		s    *FeeSchedule
		req  FeeRequest
		want string
	}{
		{"a capped quote names the rule, the percentage and the cap", s,
			feeRequest("2000.00", USD, Card, Mastercard, AsiaPacific),
			"USD 2000.00 by card/mastercard in APAC, no placement date: dated by the payment at 2026-03-02T10:30:00Z: rule card-mastercard-apac-2024 2.95% = 59.00, capped at USD 40.00, half-even → USD 40.00 (buyer pays)"},
		{"an uncapped quote shows the exact product", s,
			feeRequest("1234.56", USD, Card, Visa, Europe),
			"USD 1234.56 by card, no placement date: dated by the payment at 2026-03-02T10:30:00Z: rule card-2018-06-04 2.95% = 36.41952, half-even → USD 36.42 (buyer pays)"},
		{"a banded quote names the band", s,
			feeRequest("750.00", USD, WesternUnion, "", NorthAmerica),
			"USD 750.00 by western_union: rule western-union-v2 band 5 (up to USD 750.00): USD 15.00 = 15.00, half-even → USD 15.00 (buyer pays)"},
		{"a zero fee says 0%", s,
			feeRequest("5000.00", USD, WireTransfer, "", Europe),
			"USD 5000.00 by tt: rule tt-2024 0% = 0.00, half-even → USD 0.00 (buyer pays)"},
		{"a converted cap shows the rate", s,
			feeRequest("2000.00", EUR, Card, Mastercard, AsiaPacific),
			"EUR 2000.00 by card/mastercard in APAC, no placement date: dated by the payment at 2026-03-02T10:30:00Z: rule card-mastercard-apac-2024 2.95% = 59.00, capped at USD 40.00 (× 0.9 = EUR 36.00), half-even → EUR 36.00 (buyer pays)"},
		{"a minimum and a split show both parts", cs,
			feeRequest("20.00", USD, Card, Visa, ""),
			"USD 20.00 by card: rule min-fixed-split 1.5% + USD 0.30 = 0.60, raised to the minimum USD 1.00, half-even → USD 1.00 (buyer pays USD 0.50, supplier pays USD 0.50)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := tt.s.Quote(context.Background(), tt.req, rates)
			require.NoError(t, err)
			if got := tt.s.Explain(q); got != tt.want {
				t.Errorf("Explain:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
	t.Run("a quote from another schedule says so", func(t *testing.T) {
		q, err := s.Quote(context.Background(), feeRequest("2000.00", USD, Card, Mastercard, AsiaPacific), nil)
		require.NoError(t, err)
		want := "USD 2000.00: rule card-mastercard-apac-2024 (not in this schedule) = 40.00, capped, half-even → USD 40.00 (buyer pays)"
		if got := cs.Explain(q); got != want {
			t.Errorf("Explain:\n got %s\nwant %s", got, want)
		}
	})
	t.Run("an empty quote says so", func(t *testing.T) {
		require.Equal(t, "no fee quote", s.Explain(FeeQuote{}))
	})
}

func TestFeeTermsInt64AgreesWithDecimal(t *testing.T) {
	compared := 0
	rapid.Check(t, func(rt *rapid.T) {
		cur := rapid.SampledFrom([]Currency{USD, JPY, KWD}).Draw(rt, "currency")
		places := rapid.Int32Range(1, 20).Draw(rt, "places")
		digits := rapid.Int64Range(0, 999_999_999_999_999_999).Draw(rt, "coefficient")
		pct := decimal.New(digits, -places)
		if pct.Cmp(decimal.New(1, 0)) >= 0 {
			pct = decimal.Decimal{}
		}
		money := func(label string, limit int64) Money {
			if !rapid.Bool().Draw(rt, label+"Set") {
				return Money{}
			}
			return Money{units: rapid.Int64Range(0, limit).Draw(rt, label), currency: cur}
		}
		terms := feeTerms{
			units: rapid.Int64Range(1, maxUnits).Draw(rt, "units"),
			pct:   pct,
			fixed: money("fixed", maxUnits),
			min:   money("min", 1_000_000_000),
			cap:   money("cap", maxUnits),
		}
		if terms.min.currency != "" && terms.cap.currency != "" && terms.min.units > terms.cap.units {
			terms.min, terms.cap = terms.cap, terms.min
		}
		fast, raised, capped, ok := terms.int64(cur)
		if !ok {
			rt.Skip("does not fit an int64")
		}
		c := feeConverter{to: cur}
		want, wantRaised, wantCapped, err := terms.decimal(&c)
		if err != nil {
			rt.Fatal(err)
		}
		if !fast.Equal(want) || raised != wantRaised || capped != wantCapped {
			rt.Fatalf("int64 gives %s (raised %t, capped %t), decimal %s (raised %t, capped %t)",
				fast, raised, capped, want, wantRaised, wantCapped)
		}
		compared++
	})
	if compared < 50 {
		t.Errorf("only %d cases fit an int64: the generator needs smaller values", compared)
	}
}

func TestFeeQuoteOnTheLargestAmounts(t *testing.T) {
	// 999999999999999999 cents × 299 does not fit 64 bits: the quote computes
	// in decimals and gets the same exact answer.
	amount := MustParse("9999999999999999.99", USD)
	q, err := DefaultSchedule().Quote(context.Background(), FeeRequest{Amount: amount, Method: PayPal, At: feeAt()}, nil)
	require.NoError(t, err)
	want := amount.Amount().Mul(decimal.RequireFromString("0.0299"))
	if !q.Unrounded.Equal(want) {
		t.Errorf("Unrounded = %s, want %s", q.Unrounded, want)
	}
	require.Equal(t, MustParse("299000000000000.00", USD), q.Fee) // 298999999999999.999701 rounds up
}
