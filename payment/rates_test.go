package payment

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// fakeRates is the tests' Rates: a fixed table, and a log of what was asked.
// A pair not in the table is an error wrapping ErrNoRate; err, when set, is
// returned for every pair instead.
type fakeRates struct {
	table map[[2]Currency]decimal.Decimal
	err   error
	asked []string // "FROM>TO@time"
}

// newFakeRates returns a fakeRates with "FROM>TO": "rate" pairs.
func newFakeRates(pairs map[string]string) *fakeRates {
	f := &fakeRates{table: map[[2]Currency]decimal.Decimal{}}
	for pair, rate := range pairs {
		from, to, ok := strings.Cut(pair, ">")
		if !ok {
			panic("fakeRates: pair " + pair + " is not FROM>TO")
		}
		f.table[[2]Currency{Currency(from), Currency(to)}] = decimal.RequireFromString(rate)
	}
	return f
}

func (f *fakeRates) Rate(_ context.Context, from, to Currency, at time.Time) (decimal.Decimal, error) {
	f.asked = append(f.asked, fmt.Sprintf("%s>%s@%s", from, to, at.Format(time.RFC3339)))
	if f.err != nil {
		return decimal.Decimal{}, f.err
	}
	r, ok := f.table[[2]Currency{from, to}]
	if !ok {
		return decimal.Decimal{}, fmt.Errorf("%w: fake has no %s to %s", ErrNoRate, from, to)
	}
	return r, nil
}

func TestConvertAt(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)
	cap40 := MustParse("40.00", USD)

	same, cv, err := ConvertAt(ctx, nil, cap40, USD, at, RoundDown)
	if err != nil || same != cap40 || cv != nil {
		t.Errorf("same currency: got %s, %v, %v; want the amount itself, no conversion", same, cv, err)
	}
	if _, _, err := ConvertAt(ctx, nil, cap40, EUR, at, RoundDown); !errors.Is(err, ErrNoRate) {
		t.Errorf("no Rates: got %v, want ErrNoRate", err)
	}
	if _, _, err := ConvertAt(ctx, newFakeRates(map[string]string{"USD>EUR": "0"}), cap40, EUR, at, RoundDown); !errors.Is(err, ErrNoRate) {
		t.Errorf("a zero rate: got %v, want ErrNoRate", err)
	}
	rates := newFakeRates(map[string]string{"USD>EUR": "0.91239"})
	down, cv, err := ConvertAt(ctx, rates, cap40, EUR, at, RoundDown)
	if err != nil || down != MustParse("36.49", EUR) || cv == nil || !cv.Rate.Equal(decimal.RequireFromString("0.91239")) || !cv.At.Equal(at) {
		t.Errorf("USD 40 at 0.91239 rounded down: got %s, %+v, %v; want EUR 36.49 and the conversion", down, cv, err)
	}
	up, _, err := ConvertAt(ctx, rates, cap40, EUR, at, RoundHalfUp)
	if err != nil || up != MustParse("36.50", EUR) {
		t.Errorf("USD 40 at 0.91239 half-up: got %s, %v; want EUR 36.50", up, err)
	}
}
