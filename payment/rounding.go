package payment

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// RoundingMode says how an amount with more decimals than its currency's
// minor unit is brought to that unit. The zero value is RoundHalfEven.
type RoundingMode uint8

// Rounding modes. Half-even (banker's rounding) is the default because it has
// no upward bias over many roundings; half-up is what most invoices and
// processors print.
const (
	// RoundHalfEven rounds to the nearest minor unit, ties to the even one:
	// 0.125 → 0.12, 0.135 → 0.14.
	RoundHalfEven RoundingMode = iota
	// RoundHalfUp rounds to the nearest minor unit, ties away from zero:
	// 0.125 → 0.13, -0.125 → -0.13.
	RoundHalfUp
	// RoundDown truncates toward zero: 0.129 → 0.12.
	RoundDown
	// RoundUp rounds away from zero: 0.121 → 0.13.
	RoundUp
)

// round rounds d to an integer with the mode.
func (r RoundingMode) round(d decimal.Decimal) decimal.Decimal {
	switch r {
	case RoundHalfUp:
		return d.Round(0)
	case RoundDown:
		return d.Truncate(0)
	case RoundUp:
		return d.RoundUp(0)
	default:
		return d.RoundBank(0)
	}
}

// String returns the mode's name, as used in fee quotes and logs.
func (r RoundingMode) String() string {
	switch r {
	case RoundHalfEven:
		return "half-even"
	case RoundHalfUp:
		return "half-up"
	case RoundDown:
		return "down"
	case RoundUp:
		return "up"
	}
	return fmt.Sprintf("RoundingMode(%d)", uint8(r))
}

// MarshalText encodes the mode as its name ("half-even").
func (r RoundingMode) MarshalText() ([]byte, error) {
	if !r.Valid() {
		return nil, fmt.Errorf("payment: cannot encode %v", r)
	}
	return []byte(r.String()), nil
}

// UnmarshalText decodes a mode name.
func (r *RoundingMode) UnmarshalText(b []byte) error {
	for m := RoundHalfEven; m.Valid(); m++ {
		if m.String() == string(b) {
			*r = m
			return nil
		}
	}
	return invalidf("unknown rounding mode %q", string(b))
}

// Valid reports whether r is one of the defined modes.
func (r RoundingMode) Valid() bool { return r <= RoundUp }
