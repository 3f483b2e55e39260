package payment

import (
	"context"
	"fmt"
	"strings"
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
