package payment

import "fmt"

// The longest values the services take from callers, in bytes. An id or
// an idempotency key (of an order, a payment, an escrow account, a case, a
// piece of evidence, an offer, a modification, a supplier, a buyer, a
// document, an actor) is at most MaxIDLen; a free text (a note, a reason,
// a memo, a description, a URI, an item's text) at most MaxTextLen. Every
// store holds them whole — PostgreSQL's unique indexes take keys up to
// 2,704 bytes, and the longest key the services build from ids stays far
// below — and a longer value is refused with a *LengthError before
// anything is written.
const (
	MaxIDLen   = 255
	MaxTextLen = 16 << 10
)

// LengthError reports a value longer than its limit. It wraps
// ErrInvalidRequest; the other packages wrap it in their own
// ErrInvalidRequest as well, so errors.As finds it whichever service
// refused.
type LengthError struct {
	Field string // what the value is: "order id", "idempotency key", "note", ...
	Len   int    // its length in bytes
	Max   int    // the limit
}

func (e *LengthError) Error() string {
	return fmt.Sprintf("payment: invalid request: %s is %d bytes long; at most %d are taken", e.Field, e.Len, e.Max)
}

// Unwrap returns ErrInvalidRequest.
func (e *LengthError) Unwrap() error { return ErrInvalidRequest }

// CheckID returns a *LengthError when id is longer than MaxIDLen; field
// names it.
func CheckID(field, id string) error { return checkLen(field, id, MaxIDLen) }

// CheckText returns a *LengthError when text is longer than MaxTextLen;
// field names it.
func CheckText(field, text string) error { return checkLen(field, text, MaxTextLen) }

func checkLen(field, v string, most int) error {
	if len(v) > most {
		return &LengthError{Field: field, Len: len(v), Max: most}
	}
	return nil
}

// CheckLengths returns nil when every check (CheckID's and CheckText's
// results) passed, else the first failure wrapped in invalid, the calling
// package's ErrInvalidRequest.
func CheckLengths(invalid error, checks ...error) error {
	for _, err := range checks {
		if err != nil {
			return fmt.Errorf("%w: %w", invalid, err)
		}
	}
	return nil
}
