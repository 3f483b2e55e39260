package payment

import (
	"database/sql/driver"
	"fmt"
)

// Currency is an ISO 4217 alphabetic currency code such as "USD".
//
// A Currency is a plain string so that it can be a constant, a map key and a
// column value. It is validated wherever it enters the package: Money is
// never built with a currency the table does not know, and [ParseCurrency]
// checks codes read from outside.
type Currency string

// Currencies the package's defaults and examples use. Any other active ISO
// 4217 code is equally valid: write Currency("BRL") or use [ParseCurrency].
const (
	AUD Currency = "AUD"
	CAD Currency = "CAD"
	CHF Currency = "CHF"
	CNY Currency = "CNY"
	EUR Currency = "EUR"
	GBP Currency = "GBP"
	HKD Currency = "HKD"
	JPY Currency = "JPY"
	KWD Currency = "KWD"
	SGD Currency = "SGD"
	USD Currency = "USD"
)

// currencyInfo is one row of the ISO 4217 table.
type currencyInfo struct {
	numeric    int
	minorUnits int
	name       string
}

// ParseCurrency returns the Currency for an alphabetic ISO 4217 code. Codes
// are upper case, as ISO writes them; anything else, or a code that is not an
// active currency, is an *UnknownCurrencyError.
func ParseCurrency(code string) (Currency, error) {
	c := Currency(code)
	if _, ok := iso4217[c]; !ok {
		return "", &UnknownCurrencyError{Code: code}
	}
	return c, nil
}

// CurrencyByNumeric returns the Currency with the given ISO 4217 numeric code
// (840 for USD), or an *UnknownCurrencyError.
func CurrencyByNumeric(numeric int) (Currency, error) {
	for c, info := range iso4217 {
		if info.numeric == numeric {
			return c, nil
		}
	}
	return "", &UnknownCurrencyError{Code: fmt.Sprintf("%03d", numeric)}
}

// Valid reports whether c is an active ISO 4217 currency.
func (c Currency) Valid() bool {
	_, ok := iso4217[c]
	return ok
}

// Validate returns nil when c is an active ISO 4217 currency and an
// *UnknownCurrencyError otherwise.
func (c Currency) Validate() error {
	if !c.Valid() {
		return &UnknownCurrencyError{Code: string(c)}
	}
	return nil
}

// MinorUnits returns the number of decimal places of c's minor unit: 0 for
// JPY, 2 for USD, 3 for KWD. It returns -1 when c is not a known currency.
func (c Currency) MinorUnits() int {
	info, ok := iso4217[c]
	if !ok {
		return -1
	}
	return info.minorUnits
}

// Numeric returns c's ISO 4217 numeric code, or 0 when c is unknown.
func (c Currency) Numeric() int { return iso4217[c].numeric }

// Name returns c's English name from ISO 4217, or "" when c is unknown.
func (c Currency) Name() string { return iso4217[c].name }

// String returns the alphabetic code.
func (c Currency) String() string { return string(c) }

// Value implements driver.Valuer: a currency is stored as its code.
func (c Currency) Value() (driver.Value, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return string(c), nil
}

// Scan implements sql.Scanner for a text column holding a currency code.
func (c *Currency) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("payment: cannot scan %T into Currency", src)
	}
	parsed, err := ParseCurrency(s)
	if err != nil {
		return err
	}
	*c = parsed
	return nil
}
