package dispute

import (
	"errors"
	"fmt"
)

// Sentinel errors. Failures that carry data are the pointer types, whose
// Unwrap returns one of these. Errors about actors, currencies and amounts
// are the payment package's (*payment.ActorError,
// *payment.CurrencyMismatchError, payment.ErrInvalidAmount); a claim the
// coverage rules refuse is a *coverage.NotCoveredError with its coded
// reasons.
var (
	// ErrNotFound: no case with that id.
	ErrNotFound = errors.New("dispute: not found")
	// ErrDuplicate: a case with that id exists.
	ErrDuplicate = errors.New("dispute: already exists")
	// ErrConflict: the case changed between read and write; retry.
	ErrConflict = errors.New("dispute: version conflict")
	// ErrIdempotencyMismatch: a key was reused for another request.
	ErrIdempotencyMismatch = errors.New("dispute: idempotency key reused with a different request")
	// ErrInvalidRequest: a request is missing a field or has a bad value.
	ErrInvalidRequest = errors.New("dispute: invalid request")
	// ErrInvalidRules: the Rules or Windows fail Validate.
	ErrInvalidRules = errors.New("dispute: invalid rules")
	// ErrInvalidTransition: the event cannot happen in the case's state;
	// see TransitionError.
	ErrInvalidTransition = errors.New("dispute: invalid transition")
	// ErrTooEarly: a party asked to escalate before the request window
	// opened (Windows.EscalateAfterDays).
	ErrTooEarly = errors.New("dispute: too early")
	// ErrWindowClosed: the appeal window has closed.
	ErrWindowClosed = errors.New("dispute: window closed")
	// ErrInvalidDecision: an Adjudicator returned a decision that breaks
	// the invariants of a Decision; nothing was recorded.
	ErrInvalidDecision = errors.New("dispute: invalid decision")
)

// TransitionError reports an event that cannot happen in a state.
type TransitionError struct {
	From  State
	Event Event
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("dispute: %s cannot happen to a case in state %s", e.Event, e.From)
}

// Unwrap returns ErrInvalidTransition.
func (e *TransitionError) Unwrap() error { return ErrInvalidTransition }

// invalidf returns an error wrapping ErrInvalidRequest.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidRequest, fmt.Sprintf(format, args...))
}
