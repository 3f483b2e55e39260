package payment

import (
	"cmp"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// maxUnits bounds a Money's amount: at most 18 digits of minor units, so that
// every amount fits an int64, a NUMERIC(20,2) column for two-decimal
// currencies, and every processor's integer amount field.
const maxUnits = 999_999_999_999_999_999

// Money is an exact amount in one ISO 4217 currency.
//
// The amount is held as an integer count of the currency's minor unit (cents
// for USD, yen for JPY, fils for KWD), so a Money is always exactly
// representable in its currency: nothing is ever rounded implicitly, and two
// Money values are equal if and only if == says so. Decimals appear only at
// the edges: [Money.Amount] gives the amount as a decimal.Decimal,
// [FromDecimalRounded] and [Money.Mul] take one with an explicit
// [RoundingMode].
//
// The zero Money has no currency; it is what an unset field holds. Build
// values with [Parse], [FromMinor] or [FromDecimal]. Arithmetic across
// currencies is a *CurrencyMismatchError, never a conversion.
type Money struct {
	units    int64
	currency Currency
}

// FromMinor returns units minor units of c: FromMinor(1230, USD) is USD 12.30.
func FromMinor(units int64, c Currency) (Money, error) {
	if err := c.Validate(); err != nil {
		return Money{}, err
	}
	if units > maxUnits || units < -maxUnits {
		return Money{}, &AmountError{Input: strconv.FormatInt(units, 10), Currency: c, Err: ErrOutOfRange}
	}
	return Money{units: units, currency: c}, nil
}

// Parse reads a plain decimal amount ("1234.50", "-3", "0.005") in currency c.
// It accepts an optional leading minus sign, digits and at most one decimal
// point with digits on both sides; no exponent, no grouping, no spaces. Any
// decimals beyond c's minor unit must be zeros ("12.300" is USD 12.30,
// "12.305" is ErrTooPrecise): Parse never rounds.
func Parse(s string, c Currency) (Money, error) {
	if err := c.Validate(); err != nil {
		return Money{}, err
	}
	units, err := parseUnits(s, c.MinorUnits())
	if err != nil {
		return Money{}, &AmountError{Input: s, Currency: c, Err: err}
	}
	return Money{units: units, currency: c}, nil
}

// plainDecimal reports whether s is -?[0-9]+(\.[0-9]+)?.
func plainDecimal(s string) bool {
	s = strings.TrimPrefix(s, "-")
	whole, frac, dot := strings.Cut(s, ".")
	digits := func(d string) bool {
		return d != "" && strings.Trim(d, "0123456789") == ""
	}
	return digits(whole) && (!dot || digits(frac))
}

// MustParse is like Parse but panics on error. It is meant for constants in
// configuration, tests and examples, never for input.
func MustParse(s string, c Currency) Money {
	m, err := Parse(s, c)
	if err != nil {
		panic(err)
	}
	return m
}

// parseUnits converts a plain decimal string to minor units at the given
// scale without rounding. A string that is not a plain decimal is
// ErrMalformedAmount, whatever else is wrong with it.
func parseUnits(s string, scale int) (int64, error) {
	if !plainDecimal(s) {
		return 0, ErrMalformedAmount
	}
	i, neg := 0, false
	if i < len(s) && s[i] == '-' {
		neg = true
		i++
	}
	var units int64
	intDigits, fracDigits := 0, 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if units > maxUnits/10 {
			return 0, ErrOutOfRange
		}
		units = units*10 + int64(s[i]-'0')
		intDigits++
	}
	if intDigits == 0 {
		return 0, ErrMalformedAmount
	}
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			fracDigits++
			if fracDigits > scale {
				if s[i] != '0' {
					return 0, ErrTooPrecise
				}
				continue
			}
			if units > maxUnits/10 {
				return 0, ErrOutOfRange
			}
			units = units*10 + int64(s[i]-'0')
		}
		if fracDigits == 0 {
			return 0, ErrMalformedAmount
		}
	}
	if i != len(s) {
		return 0, ErrMalformedAmount
	}
	for ; fracDigits < scale; fracDigits++ {
		if units > maxUnits/10 {
			return 0, ErrOutOfRange
		}
		units *= 10
	}
	if units > maxUnits {
		return 0, ErrOutOfRange
	}
	if neg {
		units = -units
	}
	return units, nil
}

// FromDecimal returns d in currency c. d must be exactly representable in
// c's minor unit; use FromDecimalRounded to round.
func FromDecimal(d decimal.Decimal, c Currency) (Money, error) {
	if err := c.Validate(); err != nil {
		return Money{}, err
	}
	scaled := d.Shift(int32(c.MinorUnits()))
	if !scaled.Equal(scaled.Truncate(0)) {
		return Money{}, &AmountError{Input: d.String(), Currency: c, Err: ErrTooPrecise}
	}
	return fromScaled(scaled, c)
}

// FromDecimalRounded returns d in currency c, rounded to c's minor unit with
// mode.
func FromDecimalRounded(d decimal.Decimal, c Currency, mode RoundingMode) (Money, error) {
	if err := c.Validate(); err != nil {
		return Money{}, err
	}
	return fromScaled(mode.round(d.Shift(int32(c.MinorUnits()))), c)
}

// fromScaled builds a Money from an integral decimal count of minor units.
func fromScaled(scaled decimal.Decimal, c Currency) (Money, error) {
	if scaled.Abs().GreaterThan(decimal.New(maxUnits, 0)) {
		return Money{}, &AmountError{Input: scaled.String() + " minor units", Currency: c, Err: ErrOutOfRange}
	}
	return Money{units: scaled.IntPart(), currency: c}, nil
}

// Currency returns m's currency ("" for the zero Money).
func (m Money) Currency() Currency { return m.currency }

// Minor returns m's amount in minor units: 1230 for USD 12.30.
func (m Money) Minor() int64 { return m.units }

// Amount returns m's amount as a decimal with exactly the currency's number
// of decimal places.
func (m Money) Amount() decimal.Decimal {
	return decimal.New(m.units, -int32(max(m.currency.MinorUnits(), 0)))
}

// IsZero reports whether the amount is zero.
func (m Money) IsZero() bool { return m.units == 0 }

// IsNegative reports whether the amount is below zero.
func (m Money) IsNegative() bool { return m.units < 0 }

// IsPositive reports whether the amount is above zero.
func (m Money) IsPositive() bool { return m.units > 0 }

// Neg returns -m.
func (m Money) Neg() Money { return Money{units: -m.units, currency: m.currency} }

// Abs returns |m|.
func (m Money) Abs() Money {
	if m.units < 0 {
		return m.Neg()
	}
	return m
}

// Equal reports whether m and o are the same amount in the same currency.
func (m Money) Equal(o Money) bool { return m == o }

// Cmp compares m and o: -1 if m < o, 0 if equal, +1 if m > o. Comparing
// different currencies is a *CurrencyMismatchError.
func (m Money) Cmp(o Money) (int, error) {
	if err := sameCurrency(m.currency, o.currency); err != nil {
		return 0, err
	}
	switch {
	case m.units < o.units:
		return -1, nil
	case m.units > o.units:
		return 1, nil
	}
	return 0, nil
}

// Add returns m + o.
func (m Money) Add(o Money) (Money, error) {
	if err := sameCurrency(m.currency, o.currency); err != nil {
		return Money{}, err
	}
	return m.withUnits(m.units + o.units) // |a|,|b| ≤ maxUnits: no int64 overflow
}

// Sub returns m - o.
func (m Money) Sub(o Money) (Money, error) {
	if err := sameCurrency(m.currency, o.currency); err != nil {
		return Money{}, err
	}
	return m.withUnits(m.units - o.units)
}

// Mul returns m × rate, rounded to the currency's minor unit with mode.
func (m Money) Mul(rate decimal.Decimal, mode RoundingMode) (Money, error) {
	return fromScaled(mode.round(decimal.New(m.units, 0).Mul(rate)), m.currency)
}

// Times returns m × n exactly: a unit price times a quantity. No rounding
// is involved; a product outside Money's range is an ErrOutOfRange error.
func (m Money) Times(n int64) (Money, error) {
	hi, lo := bits.Mul64(uint64(m.Abs().units), uint64(max(n, -n)))
	if hi != 0 || lo > maxUnits || n == math.MinInt64 {
		return Money{}, &AmountError{Input: fmt.Sprintf("%s × %d", m, n), Currency: m.currency, Err: ErrOutOfRange}
	}
	units := int64(lo)
	if (m.units < 0) != (n < 0) {
		units = -units
	}
	return Money{units: units, currency: m.currency}, nil
}

// Convert returns m in currency to at rate (units of to per unit of m's
// currency), rounded to to's minor unit with mode.
func (m Money) Convert(to Currency, rate decimal.Decimal, mode RoundingMode) (Money, error) {
	return FromDecimalRounded(m.Amount().Mul(rate), to, mode)
}

func (m Money) withUnits(units int64) (Money, error) {
	if units > maxUnits || units < -maxUnits {
		return Money{}, &AmountError{Input: strconv.FormatInt(units, 10) + " minor units", Currency: m.currency, Err: ErrOutOfRange}
	}
	return Money{units: units, currency: m.currency}, nil
}

// Allocate splits m into len(ratios) parts proportional to ratios whose sum
// is exactly m. Allocate(70, 30) of USD 100.01 is [USD 70.01, USD 30.00].
//
// Each part first gets the proportional share rounded toward zero; the minor
// units left over go one each to the parts with the largest remainders, ties
// going to the earlier part (the largest-remainder method). A part whose
// ratio is zero is always zero. Ratios must not be negative and at least one
// must be positive, or the error wraps ErrInvalidRatios.
func (m Money) Allocate(ratios ...int64) ([]Money, error) {
	var sum uint64
	for _, r := range ratios {
		if r < 0 {
			return nil, fmt.Errorf("%w: negative ratio %d", ErrInvalidRatios, r)
		}
		var carry uint64
		sum, carry = bits.Add64(sum, uint64(r), 0)
		if carry != 0 || sum > 1<<63-1 {
			return nil, fmt.Errorf("%w: ratios overflow", ErrInvalidRatios)
		}
	}
	if sum == 0 {
		return nil, fmt.Errorf("%w: no positive ratio", ErrInvalidRatios)
	}
	total := uint64(m.Abs().units)
	parts := make([]Money, len(ratios))
	rems := make([]uint64, len(ratios))
	left := total
	for i, r := range ratios {
		hi, lo := bits.Mul64(total, uint64(r))
		q, rem := bits.Div64(hi, lo, sum) // q ≤ total since r ≤ sum
		parts[i] = Money{units: int64(q), currency: m.currency}
		rems[i] = rem
		left -= q
	}
	// Hand out the left-over units, one each, by largest remainder, ties to
	// the earlier part; left is less than the number of parts with a
	// remainder, so no part gets two. One stable sort of the parts by
	// remainder, not a search per unit, which took hours for a million parts.
	if left > 0 {
		order := make([]int, len(rems))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rems[b], rems[a]) })
		for _, i := range order[:left] {
			parts[i].units++
		}
	}
	if m.units < 0 {
		for i := range parts {
			parts[i].units = -parts[i].units
		}
	}
	return parts, nil
}

// maxParts bounds Split's number of parts, so that a hostile count is an
// error rather than an allocation that panics or exhausts memory.
const maxParts = 1_000_000

// Split divides m into n parts that differ by at most one minor unit and sum
// exactly to m; the earlier parts get the extra units. n is 1 to 1,000,000;
// another n is an error wrapping ErrInvalidRatios.
func (m Money) Split(n int) ([]Money, error) {
	if n <= 0 || n > maxParts {
		return nil, fmt.Errorf("%w: cannot split into %d parts (1 to %d)", ErrInvalidRatios, n, maxParts)
	}
	ratios := make([]int64, n)
	for i := range ratios {
		ratios[i] = 1
	}
	return m.Allocate(ratios...)
}

// String formats m as "USD 12.30": the code, a space and the amount with
// exactly the currency's decimals. The zero Money formats as "0".
func (m Money) String() string {
	if m.currency == "" {
		return strconv.FormatInt(m.units, 10)
	}
	return string(m.currency) + " " + m.amountString()
}

// amountString formats the amount with exactly the currency's decimals.
func (m Money) amountString() string {
	scale := m.currency.MinorUnits()
	digits := strconv.FormatUint(uint64(m.Abs().units), 10)
	if scale > 0 {
		for len(digits) <= scale {
			digits = "0" + digits
		}
		digits = digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	}
	if m.units < 0 {
		return "-" + digits
	}
	return digits
}

// moneyJSON is the wire form of a Money.
type moneyJSON struct {
	Amount   *string  `json:"amount"`
	Currency Currency `json:"currency"`
}

// MarshalJSON encodes m as {"amount":"12.30","currency":"USD"}: the amount is
// a string with exactly the currency's decimals. The zero Money is null.
func (m Money) MarshalJSON() ([]byte, error) {
	if m.currency == "" {
		return []byte("null"), nil
	}
	s := m.amountString()
	return json.Marshal(moneyJSON{Amount: &s, Currency: m.currency})
}

// UnmarshalJSON decodes the form MarshalJSON writes. The amount must be a
// JSON string that Parse accepts for the currency; null gives the zero Money.
func (m *Money) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		*m = Money{}
		return nil
	}
	var w moneyJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformedAmount, err)
	}
	if w.Amount == nil {
		return &AmountError{Input: string(data), Currency: w.Currency, Err: ErrMalformedAmount}
	}
	parsed, err := Parse(*w.Amount, w.Currency)
	if err != nil {
		return err
	}
	*m = parsed
	return nil
}

// Value implements driver.Valuer: the amount as a decimal string with the
// currency's decimals, for a NUMERIC column. The currency goes in its own
// column (Currency is a Valuer too); read both back with FromDecimal.
func (m Money) Value() (driver.Value, error) {
	if err := m.currency.Validate(); err != nil {
		return nil, err
	}
	return m.amountString(), nil
}
