package payment

import (
	"fmt"
	"slices"
	"time"
)

// Tranche is the part of an order a payment pays for.
type Tranche string

// Tranches: an order is paid in full at once, or as a deposit (the initial
// payment, often 30%) and then the balance; each may use another method.
const (
	Full    Tranche = "full"
	Deposit Tranche = "deposit"
	Balance Tranche = "balance"
)

// Valid reports whether t is one of the tranches.
func (t Tranche) Valid() bool { return t == Full || t == Deposit || t == Balance }

// Status is where a payment is in its life. See the transition table in
// the package documentation.
type Status string

// Payment statuses.
const (
	StatusInitiated         Status = "initiated"          // created and accepted; not yet reported by the processor
	StatusProcessing        Status = "processing"         // the processor is working on it, or a risk review holds it
	StatusSuspended         Status = "suspended"          // stopped by a risk decision until a platform agent decides
	StatusSucceeded         Status = "succeeded"          // the money arrived: it may be held in escrow
	StatusFailed            Status = "failed"             // the processor declined or the transfer failed
	StatusCancelled         Status = "cancelled"          // withdrawn before it succeeded
	StatusPartiallyRefunded Status = "partially_refunded" // succeeded, part of it returned to the buyer
	StatusRefunded          Status = "refunded"           // succeeded, all of it returned to the buyer
)

// transitions is the payment state machine: from each status, the statuses
// it may move to. Terminal statuses have no entry.
func transitions(from Status) []Status {
	switch from {
	case StatusInitiated:
		return []Status{StatusProcessing, StatusSucceeded, StatusFailed, StatusCancelled}
	case StatusProcessing:
		return []Status{StatusSucceeded, StatusFailed, StatusCancelled}
	case StatusSuspended:
		return []Status{StatusInitiated, StatusCancelled}
	case StatusSucceeded, StatusPartiallyRefunded:
		return []Status{StatusPartiallyRefunded, StatusRefunded}
	}
	return nil
}

// CanMove reports whether a payment in status s may move to status to.
func (s Status) CanMove(to Status) bool { return slices.Contains(transitions(s), to) }

// Terminal reports whether no further transition is possible from s.
func (s Status) Terminal() bool { return len(transitions(s)) == 0 }

// succeededOnce reports whether the money of a payment in status s arrived
// at some point (it may have been refunded since).
func (s Status) succeededOnce() bool {
	return s == StatusSucceeded || s == StatusPartiallyRefunded || s == StatusRefunded
}

// stage orders the statuses a processor reports, so that a webhook that
// arrives late (processing after succeeded) is recognised as stale.
func (s Status) stage() int {
	switch s {
	case StatusInitiated, StatusSuspended:
		return 0
	case StatusProcessing:
		return 1
	case StatusSucceeded, StatusFailed, StatusCancelled:
		return 2
	}
	return 3 // refunds
}

// TransitionError reports a status change the state machine does not allow.
type TransitionError struct {
	ID       string
	From, To Status
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("payment: %s cannot move from %s to %s", e.ID, e.From, e.To)
}

// Unwrap returns ErrInvalidTransition.
func (e *TransitionError) Unwrap() error { return ErrInvalidTransition }

// Payment is the record of one payment into escrow: what was asked, what it
// costs, what risk checks decided and every status it went through, so that
// "where is my payment" has an answer at any moment.
type Payment struct {
	ID          string  `json:"id"`
	Key         string  `json:"key"`         // the idempotency key of the request that created it
	Fingerprint string  `json:"fingerprint"` // digest of that request, to detect a key reused for another request
	OrderID     string  `json:"order_id"`
	Tranche     Tranche `json:"tranche"`
	BuyerID     string  `json:"buyer_id"`
	// BuyerCountry is where the buyer is; it selects the region for fees.
	BuyerCountry Country    `json:"buyer_country"`
	Instrument   Instrument `json:"instrument"`
	// Amount is what goes into escrow. The fee comes on top of it for the
	// buyer (Fee.BuyerFee) or out of the supplier's payout (Fee.SupplierFee).
	Amount Money    `json:"amount"`
	Fee    FeeQuote `json:"fee"`

	Status Status `json:"status"`
	// Held is true while a risk review holds the payment: it must not be
	// submitted to the processor until a platform agent approves it.
	Held         bool         `json:"held,omitempty"`
	Risk         RiskDecision `json:"risk"`
	ProcessorRef string       `json:"processor_ref,omitempty"` // the processor's reference, never card or bank data
	Refunds      []Refund     `json:"refunds,omitempty"`
	Timeline     []Event      `json:"timeline"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Version is advanced by the store on every write.
	Version int64 `json:"version"`
}

// Refund is one refund recorded against a succeeded payment.
type Refund struct {
	Key          string    `json:"key"` // the caller's idempotency key
	Amount       Money     `json:"amount"`
	ProcessorRef string    `json:"processor_ref,omitempty"`
	At           time.Time `json:"at"`
}

// Event is one line of a payment's timeline.
type Event struct {
	At     time.Time `json:"at"`
	Status Status    `json:"status"`
	Actor  Actor     `json:"actor"`
	// Note says why, in English; Reasons carry machine codes where there are
	// some (risk decisions).
	Note    string   `json:"note,omitempty"`
	Reasons []Reason `json:"reasons,omitempty"`
}

// Charge returns what the buyer is charged: Amount plus the buyer's part of
// the fee.
func (p *Payment) Charge() Money {
	// The fee is quoted in the payment currency; both are far below the range.
	return Money{units: p.Amount.units + p.Fee.BuyerFee.units, currency: p.Amount.currency}
}

// HeldForReview reports whether a risk review holds the payment: it was
// accepted (its status is processing) but must not be submitted to the
// processor, nor the buyer charged, until a platform agent approves it
// with Service.Decide.
func (p *Payment) HeldForReview() bool { return p.Held }

// Chargeable reports whether the payment may be submitted to the processor
// now, that is the buyer charged: it is initiated or processing, not held
// for a risk review, and not suspended. A payment that is not chargeable
// either awaits a platform agent (HeldForReview, or suspended) or is
// finished (succeeded, failed, cancelled, refunded).
func (p *Payment) Chargeable() bool {
	return !p.Held && (p.Status == StatusInitiated || p.Status == StatusProcessing)
}

// Refunded returns the total of the payment's refunds.
func (p *Payment) Refunded() Money {
	total := Money{currency: p.Amount.currency}
	for _, r := range p.Refunds {
		total.units += r.Amount.units // each in the payment currency, their sum at most Amount
	}
	return total
}

// Refundable returns how much of the payment may still be refunded.
func (p *Payment) Refundable() Money {
	if p.Status != StatusSucceeded && p.Status != StatusPartiallyRefunded {
		return Money{currency: p.Amount.currency}
	}
	return Money{units: p.Amount.units - p.Refunded().units, currency: p.Amount.currency}
}

// Clone returns a deep copy of p.
func (p *Payment) Clone() *Payment {
	c := *p
	c.Fee.Conversions = slices.Clone(p.Fee.Conversions)
	c.Fee.Lines = slices.Clone(p.Fee.Lines)
	c.Risk.Reasons = slices.Clone(p.Risk.Reasons)
	c.Refunds = slices.Clone(p.Refunds)
	c.Timeline = slices.Clone(p.Timeline)
	for i := range c.Timeline {
		c.Timeline[i].Reasons = slices.Clone(c.Timeline[i].Reasons)
	}
	return &c
}

// move changes the status, appending to the timeline, or fails with a
// *TransitionError.
func (p *Payment) move(to Status, at time.Time, by Actor, note string, reasons []Reason) error {
	if !p.Status.CanMove(to) {
		return &TransitionError{ID: p.ID, From: p.Status, To: to}
	}
	p.Status = to
	p.UpdatedAt = at
	p.Timeline = append(p.Timeline, Event{At: at, Status: to, Actor: by, Note: note, Reasons: reasons})
	return nil
}
