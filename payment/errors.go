package payment

import (
	"errors"
	"fmt"
)

// Sentinel errors. Failures that carry data are pointer types below whose
// Unwrap returns one of these, so callers can branch with errors.Is and read
// the data with errors.As.
var (
	// ErrNotFound: no record with that id or key.
	ErrNotFound = errors.New("payment: not found")
	// ErrConflict: the record changed between read and write (a stale
	// version); the operation may be retried.
	ErrConflict = errors.New("payment: version conflict")
	// ErrDuplicate: a record with that id or idempotency key already exists.
	ErrDuplicate = errors.New("payment: already exists")
	// ErrIdempotencyMismatch: an idempotency key was reused for a different
	// request.
	ErrIdempotencyMismatch = errors.New("payment: idempotency key reused with a different request")

	// ErrUnknownCurrency: not an active ISO 4217 currency.
	ErrUnknownCurrency = errors.New("payment: unknown currency")
	// ErrCurrencyMismatch: arithmetic or comparison across currencies.
	ErrCurrencyMismatch = errors.New("payment: currency mismatch")
	// ErrMalformedAmount: the text is not a plain decimal number.
	ErrMalformedAmount = errors.New("payment: malformed amount")
	// ErrTooPrecise: the amount has more decimals than the currency's minor
	// unit; round it explicitly with FromDecimalRounded.
	ErrTooPrecise = errors.New("payment: more decimals than the currency's minor unit")
	// ErrOutOfRange: the amount has more than 18 digits of minor units.
	ErrOutOfRange = errors.New("payment: amount out of range")
	// ErrInvalidAmount: the amount is not allowed here (zero or negative
	// where a positive amount is required).
	ErrInvalidAmount = errors.New("payment: invalid amount")
	// ErrInvalidRatios: Allocate needs at least one ratio, none negative and
	// at least one positive.
	ErrInvalidRatios = errors.New("payment: invalid allocation ratios")

	// ErrNoRate: an exchange rate was needed and the Rates gave none.
	ErrNoRate = errors.New("payment: no exchange rate")
	// ErrNoFeeRule: no fee rule of the schedule applies to the payment.
	ErrNoFeeRule = errors.New("payment: no fee rule applies")
	// ErrInvalidSchedule: a fee schedule or rule is inconsistent.
	ErrInvalidSchedule = errors.New("payment: invalid fee schedule")

	// ErrIneligible: the payment method may not be used for this payment.
	ErrIneligible = errors.New("payment: method not eligible")
	// ErrInvalidTransition: the payment cannot move to that status.
	ErrInvalidTransition = errors.New("payment: invalid status transition")
	// ErrForbidden: the actor may not perform the operation.
	ErrForbidden = errors.New("payment: actor not allowed")
	// ErrAccountFrozen: the account is frozen by a risk decision and accepts
	// no new payments until a platform agent unfreezes it.
	ErrAccountFrozen = errors.New("payment: account frozen")
	// ErrInvalidRequest: a request is missing a field or has a bad value.
	ErrInvalidRequest = errors.New("payment: invalid request")
)

// UnknownCurrencyError reports a code that is not an active ISO 4217
// currency.
type UnknownCurrencyError struct {
	Code string
}

func (e *UnknownCurrencyError) Error() string {
	return fmt.Sprintf("payment: unknown currency %q", e.Code)
}

// Unwrap returns ErrUnknownCurrency.
func (e *UnknownCurrencyError) Unwrap() error { return ErrUnknownCurrency }

// AmountError reports an amount that cannot be a Money: Err is
// ErrMalformedAmount, ErrTooPrecise or ErrOutOfRange.
type AmountError struct {
	Input    string
	Currency Currency
	Err      error
}

func (e *AmountError) Error() string {
	return fmt.Sprintf("%v: %q in %s", e.Err, e.Input, e.Currency)
}

// Unwrap returns the sentinel that classifies the failure.
func (e *AmountError) Unwrap() error { return e.Err }

// CurrencyMismatchError reports an operation between two currencies.
type CurrencyMismatchError struct {
	Want, Got Currency
}

func (e *CurrencyMismatchError) Error() string {
	return fmt.Sprintf("payment: currency mismatch: want %s, got %s", e.Want, e.Got)
}

// Unwrap returns ErrCurrencyMismatch.
func (e *CurrencyMismatchError) Unwrap() error { return ErrCurrencyMismatch }

// sameCurrency returns a *CurrencyMismatchError unless a and b are equal.
func sameCurrency(want, got Currency) error {
	if want != got {
		return &CurrencyMismatchError{Want: want, Got: got}
	}
	return nil
}

// invalidf returns an error wrapping ErrInvalidRequest.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidRequest, fmt.Sprintf(format, args...))
}
