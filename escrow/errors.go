package escrow

import (
	"errors"
	"fmt"

	"github.com/tradeassure/tradeassure/payment"
)

// Sentinel errors. Failures that carry data are the pointer types below,
// whose Unwrap returns one of these. Errors about actors and currencies are
// the payment package's (*payment.ActorError, *payment.CurrencyMismatchError),
// shared by every package of the SDK.
var (
	// ErrNotFound: no account with that id.
	ErrNotFound = errors.New("escrow: not found")
	// ErrDuplicate: an account with that id exists already for other parties,
	// or a payment is held already.
	ErrDuplicate = errors.New("escrow: already exists")
	// ErrConflict: the account changed between read and write; the operation
	// may be retried.
	ErrConflict = errors.New("escrow: version conflict")
	// ErrIdempotencyMismatch: an idempotency key was reused for a different
	// request on the same account.
	ErrIdempotencyMismatch = errors.New("escrow: idempotency key reused with a different request")
	// ErrInsufficientFunds: the account does not hold enough for the
	// movement.
	ErrInsufficientFunds = errors.New("escrow: insufficient funds")
	// ErrFrozen: the account is frozen and lets no money out until it is
	// unfrozen.
	ErrFrozen = errors.New("escrow: account frozen")
	// ErrClosed: the account is closed and moves no money any more.
	ErrClosed = errors.New("escrow: account closed")
	// ErrNotEmpty: the account still holds money, so it cannot be closed.
	ErrNotEmpty = errors.New("escrow: account not empty")
	// ErrInvalidRequest: a request is missing a field or has a bad value.
	ErrInvalidRequest = errors.New("escrow: invalid request")
)

// InsufficientFundsError reports a movement larger than what is available
// in escrow. Every movement out of escrow draws on the same balance, so a
// refund is bounded by what is left after releases and compensations, which
// is never more than what the buyer paid in net of earlier refunds.
type InsufficientFundsError struct {
	AccountID string
	Requested payment.Money
	Available payment.Money
}

func (e *InsufficientFundsError) Error() string {
	return fmt.Sprintf("escrow: insufficient funds in %s: requested %s, available %s", e.AccountID, e.Requested, e.Available)
}

// Unwrap returns ErrInsufficientFunds.
func (e *InsufficientFundsError) Unwrap() error { return ErrInsufficientFunds }

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidRequest, fmt.Sprintf(format, args...))
}
