package coverage

import (
	"errors"
	"fmt"

	"github.com/tradeassure/tradeassure/payment"
)

// Sentinel errors. A refused claim is a *NotCoveredError, whose Unwrap
// returns ErrNotCovered. Currency errors are the payment package's
// *payment.CurrencyMismatchError, and a missing exchange rate wraps
// payment.ErrNoRate, as everywhere in the SDK.
var (
	// ErrNotCovered: the claim is well formed but the rules do not cover
	// it.
	ErrNotCovered = errors.New("coverage: not covered")
	// ErrInvalidClaim: the claim is malformed (unknown event, amount not
	// positive, no filing time, bad defect ids). Nothing was decided.
	ErrInvalidClaim = errors.New("coverage: invalid claim")
	// ErrInvalidFacts: the facts the caller passed are missing or
	// inconsistent: the Order, the available limit, the covered amount, the
	// time of a computation, a Schedule or a payment to quote. Nothing was
	// decided.
	ErrInvalidFacts = errors.New("coverage: invalid facts")
	// ErrInvalidRules: the Rules fail Validate.
	ErrInvalidRules = errors.New("coverage: invalid rules")
)

// NotCoveredError reports a claim the rules refuse, with every reason that
// applies (never none), in a fixed order: the event, the plan, the timing,
// the inspection, the amount.
type NotCoveredError struct {
	// OrderID is the order the claim is on.
	OrderID string
	// Event is what the claim is about.
	Event Event
	// Reasons lists every rule that refuses the claim, each with a stable
	// code (the Reason… constants).
	Reasons []payment.Reason
	// KnownDefects lists the claimed defects that the inspection report
	// named, when ReasonDefectNamedInInspection is among the reasons; a
	// claim without them may be filed again.
	KnownDefects []string
}

// Error returns "coverage: claim for EVENT on order ID not covered: code:
// text; code: text".
func (e *NotCoveredError) Error() string {
	return payment.WithReasons(fmt.Sprintf("coverage: claim for %s on order %s not covered", e.Event, e.OrderID), e.Reasons)
}

// Unwrap returns ErrNotCovered.
func (e *NotCoveredError) Unwrap() error { return ErrNotCovered }

// factsf returns an error wrapping ErrInvalidFacts.
func factsf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidFacts, fmt.Sprintf(format, args...))
}

// claimf returns an error wrapping ErrInvalidClaim.
func claimf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidClaim, fmt.Sprintf(format, args...))
}
