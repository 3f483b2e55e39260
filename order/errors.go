package order

import (
	"errors"
	"fmt"
	"time"

	"github.com/tradeassure/tradeassure/payment"
)

// Sentinel errors. Failures that carry data are the pointer types below,
// whose Unwrap returns one of these. Errors about actors and currencies are
// the payment package's (*payment.ActorError, *payment.CurrencyMismatchError),
// shared by every package of the SDK; an event the state machine refuses is
// a *TransitionError (ErrInvalidTransition).
var (
	// ErrNotFound: no order with that id in the store, or no modification
	// with that id on the order.
	ErrNotFound = errors.New("order: not found")
	// ErrDuplicate: an order with that id already exists.
	ErrDuplicate = errors.New("order: already exists")
	// ErrConflict: the order changed between read and write; retry.
	ErrConflict = errors.New("order: version conflict")
	// ErrIdempotencyMismatch: a modification id was reused for another
	// proposal (other terms or another requester).
	ErrIdempotencyMismatch = errors.New("order: idempotency key reused with a different request")
	// ErrInvalidTerms: the terms break a rule of Terms.Validate; the
	// *TermsError says which field.
	ErrInvalidTerms = errors.New("order: invalid terms")
	// ErrModificationRefused: the modification rules refuse the change now;
	// the *ModificationError lists every reason.
	ErrModificationRefused = errors.New("order: modification refused")
	// ErrModificationClosed: the modification was applied, rejected or
	// withdrawn already and cannot be decided again.
	ErrModificationClosed = errors.New("order: modification already decided")
	// ErrInvalidRules: the ModificationRules fail Validate.
	ErrInvalidRules = errors.New("order: invalid modification rules")
	// ErrInvalidRequest: a request is missing a field or has a bad value
	// (an empty id, a zero time).
	ErrInvalidRequest = errors.New("order: invalid request")
	// ErrNotPayable: the tranche is paid or being paid, or the order's
	// state does not take it.
	ErrNotPayable = errors.New("order: tranche not payable")
	// ErrPaymentProcessing: the order cannot be called off while one of its
	// payments is processing.
	ErrPaymentProcessing = errors.New("order: a payment is processing")
	// ErrBalanceDue: the goods may not ship before the order is fully paid.
	ErrBalanceDue = errors.New("order: balance due before shipment")
	// ErrWindowClosed: the confirmation, payment, receipt or claim window
	// the action needs has closed.
	ErrWindowClosed = errors.New("order: window closed")
	// ErrAlreadyExtended: each party extends the receipt window once.
	ErrAlreadyExtended = errors.New("order: receipt window already extended")
)

// TermsError reports one field of Terms that breaks a rule. Field is a
// path such as "Items[1].Quantity" or "Schedule.DepositAmount".
type TermsError struct {
	Field   string
	Problem string
}

func (e *TermsError) Error() string {
	return fmt.Sprintf("order: invalid terms: %s: %s", e.Field, e.Problem)
}

// Unwrap returns ErrInvalidTerms.
func (e *TermsError) Unwrap() error { return ErrInvalidTerms }

// ModificationError reports a modification the rules refuse, with every
// reason that applies (never none), each with a stable code (the Reason…
// constants), in the order the constants are declared.
type ModificationError struct {
	OrderID        string
	ModificationID string
	Reasons        []payment.Reason
}

// Error returns "order: modification M of order O refused: code: text;
// code: text".
func (e *ModificationError) Error() string {
	return payment.WithReasons(fmt.Sprintf("order: modification %s of order %s refused", e.ModificationID, e.OrderID), e.Reasons)
}

// Unwrap returns ErrModificationRefused.
func (e *ModificationError) Unwrap() error { return ErrModificationRefused }

// WindowClosedError reports an action refused because the window it needs
// closed, with the instant it closed as data.
type WindowClosedError struct {
	OrderID string
	// Window names the window: "claim".
	Window string
	// ClosedAt is the window's last instant: the action was refused after
	// it.
	ClosedAt time.Time
}

// Error returns "order: order O's W window closed at T".
func (e *WindowClosedError) Error() string {
	return fmt.Sprintf("order: order %s's %s window closed at %s", e.OrderID, e.Window, e.ClosedAt.Format(time.RFC3339Nano))
}

// Unwrap returns ErrWindowClosed.
func (e *WindowClosedError) Unwrap() error { return ErrWindowClosed }

// invalidf returns an error wrapping ErrInvalidRequest.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidRequest, fmt.Sprintf(format, args...))
}
