package payment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Rates gives exchange rates. A fee rule or an eligibility limit stated in
// one currency (a USD 40 cap) and applied to a payment in another needs one;
// the SDK never guesses a rate.
type Rates interface {
	// Rate returns how many units of to one unit of from buys at time at.
	// When it has no rate it returns an error wrapping ErrNoRate.
	Rate(ctx context.Context, from, to Currency, at time.Time) (decimal.Decimal, error)
}

// Conversion records one exchange rate a quote or check used.
type Conversion struct {
	From Currency        `json:"from"`
	To   Currency        `json:"to"`
	Rate decimal.Decimal `json:"rate"`
	At   time.Time       `json:"at"`
}

// ConvertAt converts m into currency to with the rate rates gives at time
// at, rounded to to's minor unit with mode, and returns the conversion it
// used (none when m is already in to, and rates may then be nil). It follows
// the one rule every conversion of the SDK follows: no Rates, no rate, or a
// rate that is not positive is an error wrapping ErrNoRate, never a guess.
func ConvertAt(ctx context.Context, rates Rates, m Money, to Currency, at time.Time, mode RoundingMode) (Money, *Conversion, error) {
	if m.currency == to {
		return m, nil, nil
	}
	c := converter{ctx: ctx, rates: rates, at: at}
	d, cv, err := c.convert(m, to)
	if err != nil {
		return Money{}, nil, err
	}
	out, err := FromDecimalRounded(d, to, mode)
	if err != nil {
		return Money{}, nil, err
	}
	return out, &cv, nil
}

// converter asks Rates for exchange rates at one instant, at most once per
// currency pair, and remembers the rates it used. Fee quotes and
// eligibility checks both convert through it, so one rule governs every
// conversion: no Rates, no rate, or a rate that is not positive is an
// ErrNoRate error, never a guess.
type converter struct {
	ctx   context.Context
	rates Rates
	at    time.Time
	used  []Conversion
}

// rate returns the conversion from one currency into another.
func (c *converter) rate(from, to Currency) (Conversion, error) {
	for _, cv := range c.used {
		if cv.From == from && cv.To == to {
			return cv, nil
		}
	}
	at := c.at.Format(time.RFC3339)
	if c.rates == nil {
		return Conversion{}, fmt.Errorf("%w: %s to %s at %s: no Rates given", ErrNoRate, from, to, at)
	}
	rate, err := c.rates.Rate(c.ctx, from, to, c.at)
	switch {
	case errors.Is(err, ErrNoRate):
		return Conversion{}, fmt.Errorf("payment: %s to %s at %s: %w", from, to, at, err)
	case err != nil:
		return Conversion{}, fmt.Errorf("%w: %s to %s at %s: %w", ErrNoRate, from, to, at, err)
	case !rate.IsPositive():
		return Conversion{}, fmt.Errorf("%w: %s to %s at %s: rate %s is not positive", ErrNoRate, from, to, at, rate)
	}
	cv := Conversion{From: from, To: to, Rate: rate, At: c.at}
	c.used = append(c.used, cv)
	return cv, nil
}

// convert returns m's amount in currency to, exactly (never rounded).
func (c *converter) convert(m Money, to Currency) (decimal.Decimal, Conversion, error) {
	if m.currency == to {
		return m.Amount(), Conversion{}, nil
	}
	cv, err := c.rate(m.currency, to)
	if err != nil {
		return decimal.Decimal{}, Conversion{}, err
	}
	return m.Amount().Mul(cv.Rate), cv, nil
}
