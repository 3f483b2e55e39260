package payment_test

import (
	"context"
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
)

// hostileLargest is the largest amount a USD Money holds: 18 digits of
// cents.
var hostileLargest = payment.MustParse("9999999999999999.99", payment.USD)

// requireAmountError requires err to be an *payment.AmountError of input
// in c that wraps want.
func requireAmountError(t *testing.T, err, want error, input string, c payment.Currency) {
	t.Helper()
	var ae *payment.AmountError
	testkit.RequireErr(t, err, want, &ae)
	assert.Equal(t, c, ae.Currency, "the currency the error names")
	if input != "" {
		assert.True(t, ae.Input == input, "the error carries the input (%d bytes), not %.40q…", len(input), ae.Input)
	}
}

func TestTextsThatAreNotAmountsAreMalformedInEveryCurrency(t *testing.T) {
	for _, s := range testkit.NotAmounts() {
		for _, c := range []payment.Currency{payment.USD, payment.JPY, payment.KWD} {
			t.Run(c.String()+" "+strings.ToValidUTF8(s[:min(len(s), 12)], "?"), func(t *testing.T) {
				m, err := testkit.Hostile(t, func(context.Context) (payment.Money, error) { return payment.Parse(s, c) })
				requireAmountError(t, err, payment.ErrMalformedAmount, s, c)
				assert.Equal(t, payment.Money{}, m)

				body, err := json.Marshal(map[string]string{"amount": s, "currency": string(c)})
				require.NoError(t, err)
				err = testkit.HostileErr(t, func(context.Context) error { return json.Unmarshal(body, &m) })
				requireAmountError(t, err, payment.ErrMalformedAmount, s, c)
				assert.Equal(t, payment.Money{}, m, "a failed decoding leaves the Money as it was")
			})
		}
	}
}

func TestAmountsBeyondMoneysRangeAreOutOfRange(t *testing.T) {
	tenTo30 := "1" + strings.Repeat("0", 30)
	tests := []struct {
		name  string
		input string // what the error carries; "" for a computed amount
		call  func() (payment.Money, error)
	}{
		{"10^30 dollars", tenTo30, func() (payment.Money, error) { return payment.Parse(tenTo30, payment.USD) }},
		{"minus 10^30 dollars", "-" + tenTo30, func() (payment.Money, error) { return payment.Parse("-"+tenTo30, payment.USD) }},
		{"10^30 yen with zero decimals", tenTo30 + ".000", func() (payment.Money, error) { return payment.Parse(tenTo30+".000", payment.JPY) }},
		{"a mebibyte of nines", strings.Repeat("9", testkit.MB), func() (payment.Money, error) {
			return payment.Parse(strings.Repeat("9", testkit.MB), payment.USD)
		}},
		{"one cent above the largest amount", "10000000000000000.00", func() (payment.Money, error) {
			return payment.Parse("10000000000000000.00", payment.USD)
		}},
		{"the largest int64 of minor units", "", func() (payment.Money, error) { return payment.FromMinor(math.MaxInt64, payment.USD) }},
		{"the smallest int64 of minor units", "", func() (payment.Money, error) { return payment.FromMinor(math.MinInt64, payment.USD) }},
		{"10^30 as a decimal", "", func() (payment.Money, error) {
			return payment.FromDecimal(decimal.RequireFromString(tenTo30), payment.USD)
		}},
		{"minus 10^30 as a decimal, rounded", "", func() (payment.Money, error) {
			return payment.FromDecimalRounded(decimal.RequireFromString("-"+tenTo30), payment.USD, payment.RoundHalfEven)
		}},
		{"the largest amount doubled", "", func() (payment.Money, error) { return hostileLargest.Add(hostileLargest) }},
		{"minus the largest amount less the largest amount", "", func() (payment.Money, error) {
			return hostileLargest.Neg().Sub(hostileLargest)
		}},
		{"the largest amount times a quantity of two", "", func() (payment.Money, error) { return hostileLargest.Times(2) }},
		{"a cent times the largest int64", "", func() (payment.Money, error) {
			return payment.MustParse("0.01", payment.USD).Times(math.MaxInt64)
		}},
		{"a cent times the smallest int64", "", func() (payment.Money, error) {
			return payment.MustParse("0.01", payment.USD).Times(math.MinInt64)
		}},
		{"a unit price times a quantity whose product overflows 64 bits", "", func() (payment.Money, error) {
			return payment.MustParse("4294967296.00", payment.USD).Times(1 << 40)
		}},
		{"the largest amount at a fee rate of 10^30", "", func() (payment.Money, error) {
			return hostileLargest.Mul(decimal.RequireFromString("1e30"), payment.RoundHalfEven)
		}},
		{"a dollar at a rate of 1e9999, the largest exponent JSON decodes", "", func() (payment.Money, error) {
			return payment.MustParse("1.00", payment.USD).Mul(decimal.RequireFromString("1e9999"), payment.RoundUp)
		}},
		{"the largest amount converted at 10^30 yen a dollar", "", func() (payment.Money, error) {
			return hostileLargest.Convert(payment.JPY, decimal.RequireFromString("1e30"), payment.RoundDown)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := testkit.Hostile(t, func(context.Context) (payment.Money, error) { return tt.call() })
			var ae *payment.AmountError
			testkit.RequireErr(t, err, payment.ErrOutOfRange, &ae)
			if tt.input != "" {
				assert.True(t, ae.Input == tt.input, "the error carries the input (%d bytes)", len(tt.input))
			}
			assert.Equal(t, payment.Money{}, m)
		})
	}
}

func TestLongTextsOfAnAmountInRangeParseExactly(t *testing.T) {
	zeros := strings.Repeat("0", testkit.MB)
	tests := []struct {
		name, text string
		want       payment.Money
		err        error
	}{
		{"a mebibyte of leading zeros", zeros + "1.50", payment.MustParse("1.50", payment.USD), nil},
		{"a mebibyte of trailing zeros", "1." + zeros, payment.MustParse("1.00", payment.USD), nil},
		{"a cent's fraction a mebibyte down", "0." + zeros + "1", payment.Money{}, payment.ErrTooPrecise},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := testkit.Hostile(t, func(context.Context) (payment.Money, error) { return payment.Parse(tt.text, payment.USD) })
			if tt.err != nil {
				requireAmountError(t, err, tt.err, tt.text, payment.USD)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.want, m)
		})
	}
}

func TestCodesThatAreNotCurrenciesAreUnknownCurrencies(t *testing.T) {
	for _, code := range testkit.NotCurrencies() {
		c := payment.Currency(code)
		calls := map[string]func() error{
			"ParseCurrency": func() error { _, err := payment.ParseCurrency(code); return err },
			"Validate":      c.Validate,
			"Parse":         func() error { _, err := payment.Parse("1.00", c); return err },
			"FromMinor":     func() error { _, err := payment.FromMinor(100, c); return err },
			"FromDecimal":   func() error { _, err := payment.FromDecimal(decimal.New(1, 0), c); return err },
			"Convert":       func() error { _, err := hostileLargest.Convert(c, decimal.New(1, 0), payment.RoundDown); return err },
			"JSON": func() error {
				body, err := json.Marshal(map[string]string{"amount": "1.00", "currency": code})
				require.NoError(t, err)
				var m payment.Money
				return json.Unmarshal(body, &m)
			},
			"SQL scan": func() error { var got payment.Currency; return got.Scan(code) },
		}
		for _, name := range slices.Sorted(maps.Keys(calls)) {
			t.Run(name+" of "+strings.ToValidUTF8(code[:min(len(code), 12)], "?"), func(t *testing.T) {
				err := testkit.HostileErr(t, func(context.Context) error { return calls[name]() })
				var ue *payment.UnknownCurrencyError
				testkit.RequireErr(t, err, payment.ErrUnknownCurrency, &ue)
				assert.True(t, ue.Code == code, "the error names the code (%d bytes)", len(code))
			})
		}
	}
}

func TestAMillionWaySplitFinishesAndAnyMoreIsRefused(t *testing.T) {
	total := payment.MustParse("9999.99", payment.USD)
	parts, err := testkit.Hostile(t, func(context.Context) ([]payment.Money, error) { return total.Split(1_000_000) })
	require.NoError(t, err)
	require.Len(t, parts, 1_000_000)
	cent, zero := payment.MustParse("0.01", payment.USD), payment.MustParse("0", payment.USD)
	assert.Equal(t, cent, parts[0], "the earlier parts get the cents")
	assert.Equal(t, cent, parts[999_998])
	assert.Equal(t, zero, parts[999_999], "the last part gets none")

	ratios := make([]int64, 1_000_000)
	for i := range ratios {
		ratios[i] = int64(i%7 + 1)
	}
	parts, err = testkit.Hostile(t, func(context.Context) ([]payment.Money, error) { return hostileLargest.Neg().Allocate(ratios...) })
	require.NoError(t, err)
	sum := payment.MustParse("0", payment.USD)
	for _, p := range parts {
		sum, err = sum.Add(p)
		require.NoError(t, err)
	}
	assert.Equal(t, hostileLargest.Neg(), sum, "a million parts add up to the whole")

	for _, n := range []int{0, -1, 1_000_001, math.MaxInt, math.MinInt} {
		parts, err := testkit.Hostile(t, func(context.Context) ([]payment.Money, error) { return total.Split(n) })
		require.ErrorIs(t, err, payment.ErrInvalidRatios, "a split into %d parts", n)
		assert.Nil(t, parts)
	}
	for _, ratios := range [][]int64{{math.MaxInt64, 1}, {-1, 2}, {0, 0}, nil} {
		parts, err := testkit.Hostile(t, func(context.Context) ([]payment.Money, error) { return total.Allocate(ratios...) })
		require.ErrorIs(t, err, payment.ErrInvalidRatios, "an allocation by %v", ratios)
		assert.Nil(t, parts)
	}
}

// hostileCall is a call of the payment service with hostile input, on a
// fixture where b1 has a succeeded payment, id, with processor reference
// psp-1: the call must fail with want (and errors.As find typed, when set)
// and change neither b1's payments nor its account.
type hostileCall struct {
	name  string
	call  func(ctx context.Context, s *payment.Service, id string) error
	want  error
	typed any
}

func hostileInitiate(by payment.Actor, key string, edit func(*payment.InitiateRequest)) func(context.Context, *payment.Service, string) error {
	return func(ctx context.Context, s *payment.Service, _ string) error {
		req := deposit("100.00")
		edit(&req)
		_, err := s.Initiate(ctx, by, key, req)
		return err
	}
}

func TestHostileRequestsToThePaymentServiceAreRefusedAndChangeNothing(t *testing.T) {
	long := testkit.Long("")
	refund := func(key string, amount payment.Money) func(context.Context, *payment.Service, string) error {
		return func(ctx context.Context, s *payment.Service, id string) error {
			_, err := s.RecordRefund(ctx, system, id, key, payment.RefundRequest{Amount: amount})
			return err
		}
	}
	report := func(id string, o payment.Outcome) func(context.Context, *payment.Service, string) error {
		return func(ctx context.Context, s *payment.Service, paid string) error {
			if id == "" {
				id = paid
			}
			_, err := s.Report(ctx, system, id, o)
			return err
		}
	}
	none := func(*payment.InitiateRequest) {}
	tests := []hostileCall{
		{"a zero request", hostileInitiate(system, "k", func(r *payment.InitiateRequest) { *r = payment.InitiateRequest{} }), payment.ErrInvalidRequest, nil},
		{"no amount", hostileInitiate(buyer, "k", func(r *payment.InitiateRequest) { r.Amount = payment.Money{} }), payment.ErrInvalidAmount, nil},
		{"a zero amount", hostileInitiate(buyer, "k", func(r *payment.InitiateRequest) { r.Amount = payment.MustParse("0", payment.USD) }), payment.ErrInvalidAmount, nil},
		{"a negative amount", hostileInitiate(buyer, "k", func(r *payment.InitiateRequest) { r.Amount = hostileLargest.Neg() }), payment.ErrInvalidAmount, nil},
		{"the largest amount by card", hostileInitiate(buyer, "k", func(r *payment.InitiateRequest) { r.Amount = hostileLargest }), payment.ErrIneligible, new(*payment.IneligibleError)},
		{"the largest amount by Western Union", hostileInitiate(buyer, "k", func(r *payment.InitiateRequest) {
			r.Amount, r.Instrument = hostileLargest, payment.Instrument{Method: payment.WesternUnion}
		}), payment.ErrIneligible, new(*payment.IneligibleError)},
		{"the largest amount on a credit line of the largest amount", hostileInitiate(buyer, "k", func(r *payment.InitiateRequest) {
			r.Amount, r.Instrument = hostileLargest, payment.Instrument{Method: payment.PayLater}
			r.Credit = &payment.CreditLine{Limit: hostileLargest, Used: hostileLargest, TermDays: 60}
		}), payment.ErrIneligible, new(*payment.IneligibleError)},
		{"an empty credit line", hostileInitiate(buyer, "k", func(r *payment.InitiateRequest) {
			r.Instrument, r.Credit = payment.Instrument{Method: payment.PayLater}, &payment.CreditLine{}
		}), payment.ErrInvalidRequest, nil},
		{"a mebibyte country", hostileInitiate(buyer, "k", func(r *payment.InitiateRequest) { r.BuyerCountry = payment.Country(long) }), payment.ErrInvalidRequest, nil},
		{"a lower-case country", hostileInitiate(buyer, "k", func(r *payment.InitiateRequest) { r.BuyerCountry = "au" }), payment.ErrInvalidRequest, nil},
		{"a mebibyte method", hostileInitiate(buyer, "k", func(r *payment.InitiateRequest) { r.Instrument = payment.Instrument{Method: payment.Method(long)} }), payment.ErrInvalidRequest, nil},
		{"a mebibyte tranche", hostileInitiate(buyer, "k", func(r *payment.InitiateRequest) { r.Tranche = payment.Tranche(long) }), payment.ErrInvalidRequest, nil},
		{"a mebibyte issuer country", hostileInitiate(buyer, "k", func(r *payment.InitiateRequest) { r.Instrument.IssuerCountry = payment.Country(long) }), payment.ErrInvalidRequest, nil},
		{"a mebibyte role", hostileInitiate(payment.Actor{Role: payment.Role(long), ID: "b1"}, "k", none), payment.ErrInvalidRequest, nil},
		{"a mebibyte buyer acting for b1", hostileInitiate(payment.Buyer(long), "k", none), payment.ErrInvalidRequest, new(*payment.LengthError)},
		{"an empty key", hostileInitiate(buyer, "", none), payment.ErrInvalidRequest, nil},
		{"a report of a mebibyte status", report("", payment.Outcome{Status: payment.Status(long)}), payment.ErrInvalidRequest, nil},
		{"a report of no status", report("", payment.Outcome{}), payment.ErrInvalidRequest, nil},
		{"a report with another mebibyte processor reference", report("", payment.Outcome{Status: payment.StatusSucceeded, ProcessorRef: long}), payment.ErrInvalidRequest, nil},
		{"a report on a mebibyte payment id", report(long, payment.Outcome{Status: payment.StatusSucceeded}), payment.ErrNotFound, nil},
		{"a refund of the largest amount", refund("r", hostileLargest), payment.ErrInvalidAmount, nil},
		{"a refund of a negative amount", refund("r", hostileLargest.Neg()), payment.ErrInvalidAmount, nil},
		{"a refund of zero", refund("r", payment.MustParse("0", payment.USD)), payment.ErrInvalidAmount, nil},
		{"a refund of no amount", refund("r", payment.Money{}), payment.ErrCurrencyMismatch, new(*payment.CurrencyMismatchError)},
		{"a refund in yen", refund("r", payment.MustParse("100", payment.JPY)), payment.ErrCurrencyMismatch, new(*payment.CurrencyMismatchError)},
		{"a refund with no key", refund("", payment.MustParse("1.00", payment.USD)), payment.ErrInvalidRequest, nil},
		{"a cancellation of a mebibyte payment id", func(ctx context.Context, s *payment.Service, _ string) error {
			_, err := s.Cancel(ctx, platform, long, "no")
			return err
		}, payment.ErrNotFound, nil},
		{"a risk decision on a mebibyte payment id", func(ctx context.Context, s *payment.Service, _ string) error {
			_, err := s.Decide(ctx, platform, long, true, "ok")
			return err
		}, payment.ErrNotFound, nil},
		{"a freeze of no account", func(ctx context.Context, s *payment.Service, _ string) error {
			_, err := s.Freeze(ctx, platform, "", long)
			return err
		}, payment.ErrInvalidRequest, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, payment.Config{})
			p, err := f.svc.Initiate(ctx, buyer, "k1", deposit("100.00"))
			require.NoError(t, err)
			_, err = f.svc.Report(ctx, system, p.ID, payment.Outcome{Status: payment.StatusSucceeded, ProcessorRef: "psp-1"})
			require.NoError(t, err)
			before := f.authzState(t)
			err = testkit.HostileErr(t, func(ctx context.Context) error { return tt.call(ctx, f.svc, p.ID) })
			testkit.RequireErr(t, err, tt.want, tt.typed)
			testkit.Check(t, "b1's payments and account after a refused call", before, f.authzState(t))
		})
	}
}

func TestHostileConfigurationIsRefused(t *testing.T) {
	err := testkit.HostileErr(t, func(context.Context) error { _, err := payment.NewService(payment.Config{}); return err })
	require.ErrorIs(t, err, payment.ErrInvalidRequest)
	err = testkit.HostileErr(t, func(context.Context) error { _, err := payment.NewFeeSchedule(payment.FeeRule{}); return err })
	require.ErrorIs(t, err, payment.ErrInvalidSchedule)
	err = testkit.HostileErr(t, func(ctx context.Context) error {
		_, err := payment.DefaultSchedule().Quote(ctx, payment.FeeRequest{}, nil)
		return err
	})
	require.ErrorIs(t, err, payment.ErrInvalidAmount)
	err = testkit.HostileErr(t, func(ctx context.Context) error {
		return payment.DefaultEligibilityRules().Check(ctx, payment.EligibilityRequest{}, nil)
	})
	require.ErrorIs(t, err, payment.ErrInvalidRequest)
}

// TestStringsAtTheirLimitsAreKeptWhole: ids and keys of payment.MaxIDLen
// bytes and texts of payment.MaxTextLen are taken and stored whole; one
// byte more is a *payment.LengthError (TestLongerStringsAreRefused).
func TestLongerStringsAreRefused(t *testing.T) {
	f := newFixture(t, payment.Config{})
	over := func(req payment.InitiateRequest, key string) {
		t.Helper()
		_, err := f.svc.Initiate(ctx, system, key, req)
		var le *payment.LengthError
		require.ErrorAs(t, err, &le)
		require.ErrorIs(t, err, payment.ErrInvalidRequest)
		assert.Equal(t, le.Max+1, le.Len)
	}
	req := deposit("100.00")
	over(req, testkit.ID("key-")+"x")
	req.OrderID = testkit.ID("order-") + "x"
	over(req, "key-1")
	req = deposit("100.00")
	req.BuyerID = testkit.ID("buyer-") + "x"
	over(req, "key-2")
	_, err := f.svc.Initiate(ctx, payment.Buyer(testkit.ID("b-")+"x"), "key-3", deposit("100.00"))
	require.ErrorIs(t, err, payment.ErrInvalidRequest, "an actor's id one byte too long")
	_, err = f.svc.Freeze(ctx, platform, "b1", testkit.Text("")+"x")
	require.ErrorIs(t, err, payment.ErrInvalidRequest, "a note one byte too long")
	ps, err := f.store.PaymentsByBuyer(ctx, "b1", time.Time{})
	require.NoError(t, err)
	assert.Empty(t, ps, "nothing was recorded")
}

func TestStringsAtTheirLimitsAreKeptWhole(t *testing.T) {
	f := newFixture(t, payment.Config{})
	long := testkit.Text("")
	req := deposit("100.00")
	req.OrderID, req.BuyerID = testkit.ID("order-"), testkit.ID("buyer-")
	p, err := testkit.Hostile(t, func(ctx context.Context) (*payment.Payment, error) {
		return f.svc.Initiate(ctx, system, testkit.ID("key-"), req)
	})
	require.NoError(t, err)
	p, err = testkit.Hostile(t, func(ctx context.Context) (*payment.Payment, error) {
		return f.svc.Report(ctx, system, p.ID, payment.Outcome{Status: payment.StatusFailed, ProcessorRef: long, Note: long})
	})
	require.NoError(t, err)
	got, err := f.svc.PaymentByKey(ctx, req.BuyerID, testkit.ID("key-"))
	require.NoError(t, err)
	assert.True(t, got.OrderID == req.OrderID && got.BuyerID == req.BuyerID && got.ProcessorRef == long &&
		got.Timeline[len(got.Timeline)-1].Note == long, "every long string is stored whole")
	assert.Equal(t, p.Version, got.Version)

	again, err := testkit.Hostile(t, func(ctx context.Context) (*payment.Payment, error) {
		return f.svc.Initiate(ctx, system, testkit.ID("key-"), req)
	})
	require.NoError(t, err, "a replay under a key at its limit")
	assert.Equal(t, got.Version, again.Version, "a replay writes nothing")

	_, err = testkit.Hostile(t, func(ctx context.Context) (*payment.Account, error) {
		return f.svc.Freeze(ctx, platform, testkit.ID("buyer-"), long)
	})
	require.NoError(t, err)
	acct, err := f.svc.Account(ctx, testkit.ID("buyer-"))
	require.NoError(t, err)
	assert.True(t, acct.Frozen && acct.History[0].Note == long, "a mebibyte note is stored whole")
}
