package coverage_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/payment"
)

// day returns 09:00 UTC on the n-th day after 2 March 2026, the tests'
// first day.
func day(n int) time.Time {
	return time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC).AddDate(0, 0, n)
}

// money parses an amount for a test.
func money(t testing.TB, s string, c payment.Currency) payment.Money {
	t.Helper()
	m, err := payment.Parse(s, c)
	require.NoError(t, err)
	return m
}

// usd parses a USD amount for a test.
func usd(t testing.TB, s string) payment.Money {
	t.Helper()
	return money(t, s, payment.USD)
}

// diffOpts compares decimals by value (DESIGN.md: never == on decimals),
// times as instants, and empty slices as nil.
func diffOpts() cmp.Options {
	return cmp.Options{
		cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }),
		cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
		cmpopts.EquateEmpty(),
	}
}

// fataler is what requireSame needs of a *testing.T or a *rapid.T.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// requireSame fails the test with a diff unless want and got are the same.
func requireSame[T any](t fataler, want, got T) {
	t.Helper()
	if diff := cmp.Diff(want, got, diffOpts()); diff != "" {
		t.Fatalf("mismatch (-want +got):\n%s", diff)
	}
}

// codes returns the codes of reasons, nil for none.
func codes(rs []payment.Reason) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Code)
	}
	return out
}

// refusal returns the *NotCoveredError of err, nil for a nil error, and
// fails the test for any other error.
func refusal(t *testing.T, err error) *coverage.NotCoveredError {
	t.Helper()
	if err == nil {
		return nil
	}
	var nc *coverage.NotCoveredError
	require.ErrorAs(t, err, &nc, "want a *NotCoveredError")
	require.ErrorIs(t, err, coverage.ErrNotCovered)
	require.NotEmpty(t, nc.Reasons, "a NotCoveredError carries at least one reason")
	for _, r := range nc.Reasons {
		require.NotEmpty(t, r.Text, "reason %s has no text", r.Code)
	}
	return nc
}

// baseOrder is a USD 10,000.00 post-delivery order: a 30% deposit on day 0
// and the balance on day 20, due to ship by day 30 and to arrive by day 60.
func baseOrder(t testing.TB) coverage.Order {
	t.Helper()
	return coverage.Order{
		ID:    "order-42",
		Plan:  coverage.PostDelivery,
		Value: usd(t, "10000.00"),
		Payments: []coverage.Payment{
			{Tranche: payment.Deposit, Amount: usd(t, "3000.00"), PaidAt: day(0)},
			{Tranche: payment.Balance, Amount: usd(t, "7000.00"), PaidAt: day(20)},
		},
		ShipBy:    day(30),
		DeliverBy: day(60),
	}
}

// fakeRates is a payment.Rates over a fixed table; it counts the calls and
// can fail every call with err.
type fakeRates struct {
	rates map[[2]payment.Currency]decimal.Decimal
	err   error
	calls int
}

func newRates(pairs ...any) *fakeRates {
	f := &fakeRates{rates: map[[2]payment.Currency]decimal.Decimal{}}
	for i := 0; i+2 < len(pairs); i += 3 {
		f.rates[[2]payment.Currency{pairs[i].(payment.Currency), pairs[i+1].(payment.Currency)}] = decimal.RequireFromString(pairs[i+2].(string))
	}
	return f
}

func (f *fakeRates) Rate(_ context.Context, from, to payment.Currency, _ time.Time) (decimal.Decimal, error) {
	f.calls++
	if f.err != nil {
		return decimal.Decimal{}, f.err
	}
	r, ok := f.rates[[2]payment.Currency{from, to}]
	if !ok {
		return decimal.Decimal{}, fmt.Errorf("fake rates: %s/%s: %w", from, to, payment.ErrNoRate)
	}
	return r, nil
}

// requireNotRefusal checks that err is the bad-input error want and not a
// refusal.
func requireNotRefusal(t *testing.T, err, want error) {
	t.Helper()
	require.ErrorIs(t, err, want)
	var nc *coverage.NotCoveredError
	require.False(t, errors.As(err, &nc), "bad input must not be a NotCoveredError: %v", err)
}
