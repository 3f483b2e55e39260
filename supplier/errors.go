package supplier

import (
	"errors"
	"fmt"

	"github.com/tradeassure/tradeassure/payment"
)

// Sentinel errors. Errors about actors and currencies are the payment
// package's (*payment.ActorError, *payment.CurrencyMismatchError).
var (
	// ErrNotFound: no supplier with that id.
	ErrNotFound = errors.New("supplier: not found")
	// ErrDuplicate: a supplier, document or review with that id exists.
	ErrDuplicate = errors.New("supplier: already exists")
	// ErrConflict: the supplier changed between read and write; retry.
	ErrConflict = errors.New("supplier: version conflict")
	// ErrIdempotencyMismatch: an id (order, document, inquiry) was reused
	// for a different record.
	ErrIdempotencyMismatch = errors.New("supplier: id reused with a different request")
	// ErrNotEnrolled: the supplier is not enrolled in the programme, so its
	// orders cannot be covered.
	ErrNotEnrolled = errors.New("supplier: not enrolled")
	// ErrLimitExceeded: a reservation above the available limit.
	ErrLimitExceeded = errors.New("supplier: trade assurance limit exceeded")
	// ErrRemoved: the supplier was removed from the programme.
	ErrRemoved = errors.New("supplier: removed")
	// ErrInsufficientBalance: a payout above the supplier's available
	// balance.
	ErrInsufficientBalance = errors.New("supplier: insufficient balance")
	// ErrPayoutHeld: the supplier's payouts are held (a *PayoutHeldError
	// says why).
	ErrPayoutHeld = errors.New("supplier: payouts held")
	// ErrInvalidRequest: a request is missing a field or has a bad value.
	ErrInvalidRequest = errors.New("supplier: invalid request")
)

// LimitError reports a reservation above what is left of the limit.
type LimitError struct {
	SupplierID string
	Requested  payment.Money
	Available  payment.Money
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("supplier: %s: trade assurance limit exceeded: requested %s, available %s", e.SupplierID, e.Requested, e.Available)
}

// Unwrap returns ErrLimitExceeded.
func (e *LimitError) Unwrap() error { return ErrLimitExceeded }

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidRequest, fmt.Sprintf(format, args...))
}
