package payment

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// RiskOutcome is what a risk check decides about a payment, from the mildest
// to the most severe.
type RiskOutcome int

// Risk outcomes. When several rules fire, the most severe outcome wins and
// every rule's reasons are kept.
const (
	RiskAllow   RiskOutcome = iota // accept the payment
	RiskReview                     // accept it held as processing until a platform agent approves it
	RiskSuspend                    // suspend the payment until a platform agent resumes or cancels it
	RiskFreeze                     // suspend the payment and freeze the buyer's account
)

// String returns the outcome's name.
func (o RiskOutcome) String() string {
	switch o {
	case RiskAllow:
		return "allow"
	case RiskReview:
		return "review"
	case RiskSuspend:
		return "suspend"
	case RiskFreeze:
		return "freeze"
	}
	return fmt.Sprintf("RiskOutcome(%d)", int(o))
}

// MarshalText encodes the outcome as its name.
func (o RiskOutcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText decodes an outcome name.
func (o *RiskOutcome) UnmarshalText(b []byte) error {
	for c := RiskAllow; c <= RiskFreeze; c++ {
		if c.String() == string(b) {
			*o = c
			return nil
		}
	}
	return invalidf("unknown risk outcome %q", string(b))
}

// RiskDecision is the combined verdict of the risk rules on one payment.
type RiskDecision struct {
	Outcome RiskOutcome `json:"outcome"`
	Reasons []Reason    `json:"reasons,omitempty"`
}

// RiskInput is what a risk rule sees: the payment asked for and the buyer's
// recent payments (those created within the service's risk lookback, oldest
// first, the new one not included).
type RiskInput struct {
	Request InitiateRequest
	History []*Payment
	At      time.Time
}

// RiskRule checks a payment before it is accepted. It returns RiskAllow and
// no reasons when it has nothing to say. A rule must not change its input.
type RiskRule interface {
	Check(ctx context.Context, in RiskInput) (RiskOutcome, []Reason, error)
}

// RiskRuleFunc adapts a function to a RiskRule.
type RiskRuleFunc func(ctx context.Context, in RiskInput) (RiskOutcome, []Reason, error)

// Check calls f.
func (f RiskRuleFunc) Check(ctx context.Context, in RiskInput) (RiskOutcome, []Reason, error) {
	return f(ctx, in)
}

// Risk reason codes of the built-in rules.
const (
	ReasonAmountSpike     = "risk.amount_spike"
	ReasonVelocity        = "risk.velocity"
	ReasonCountryMismatch = "risk.country_mismatch"
	ReasonManualFreeze    = "risk.manual_freeze"
)

// AmountSpike fires when a payment is more than Factor times the largest
// payment the buyer completed in the same currency, once the buyer has at
// least MinHistory completed payments (a new buyer has no pattern yet).
type AmountSpike struct {
	Factor     decimal.Decimal
	MinHistory int
	Outcome    RiskOutcome
}

// Check implements RiskRule.
func (r AmountSpike) Check(_ context.Context, in RiskInput) (RiskOutcome, []Reason, error) {
	var largest Money
	count := 0
	for _, p := range in.History {
		if p.Amount.currency != in.Request.Amount.currency || !p.Status.succeededOnce() {
			continue
		}
		count++
		if p.Amount.units > largest.units {
			largest = p.Amount
		}
	}
	if count < r.MinHistory || count == 0 {
		return RiskAllow, nil, nil
	}
	limit := decimal.New(largest.units, 0).Mul(r.Factor)
	if decimal.New(in.Request.Amount.units, 0).LessThanOrEqual(limit) {
		return RiskAllow, nil, nil
	}
	return r.Outcome, []Reason{{Code: ReasonAmountSpike, Text: fmt.Sprintf(
		"%s is more than %s times the buyer's largest completed payment (%s)",
		in.Request.Amount, r.Factor, largest)}}, nil
}

// Velocity fires when the buyer has already made Max or more declined or
// abandoned payment attempts within Window before this one. Payments that
// went through, or are still going through, do not count: a buyer paying
// many orders in a day is not suspended for it. An attempt counts when it
// was created within Window and
//
//   - failed (the processor declined it) or was cancelled; or
//   - is still initiated or processing, not held for a risk review, at
//     least AbandonedAfter after it was created, and its method is one of
//     Abandonable: methods whose processor answers within minutes (cards,
//     wallets), so that a payment left unfinished that long was abandoned.
//     A zero AbandonedAfter or an empty Abandonable counts no unfinished
//     attempt. Methods that take days by design (T/T, e-Checking, Western
//     Union) belong nowhere in Abandonable.
//
// Suspended payments await a platform agent and do not count.
type Velocity struct {
	Max            int
	Window         time.Duration
	AbandonedAfter time.Duration
	Abandonable    []Method
	Outcome        RiskOutcome
}

// Check implements RiskRule.
func (r Velocity) Check(_ context.Context, in RiskInput) (RiskOutcome, []Reason, error) {
	since := in.At.Add(-r.Window)
	n := 0
	for _, p := range in.History {
		if !p.CreatedAt.Before(since) && r.counts(p, in.At) {
			n++
		}
	}
	if n < r.Max {
		return RiskAllow, nil, nil
	}
	return r.Outcome, []Reason{{Code: ReasonVelocity, Text: fmt.Sprintf(
		"%d payment attempts in the last %s (limit %d) were declined, cancelled or abandoned", n, hours(r.Window), r.Max)}}, nil
}

// counts reports whether p is a declined or abandoned attempt at time at.
func (r Velocity) counts(p *Payment, at time.Time) bool {
	switch p.Status {
	case StatusFailed, StatusCancelled:
		return true
	case StatusInitiated, StatusProcessing:
		return !p.Held && r.AbandonedAfter > 0 && !at.Before(p.CreatedAt.Add(r.AbandonedAfter)) &&
			slices.Contains(r.Abandonable, p.Instrument.Method)
	}
	return false
}

// hours writes a window as people do: "24 hours" (or "hour") rather than
// Go's "24h0m0s" when it is whole hours.
func hours(d time.Duration) string {
	switch {
	case d == time.Hour:
		return "hour"
	case d > 0 && d%time.Hour == 0:
		return fmt.Sprintf("%d hours", d/time.Hour)
	}
	return d.String()
}

// CountryMismatch fires when a card (or a card wallet) was issued in another
// country than the buyer's.
type CountryMismatch struct {
	Outcome RiskOutcome
}

// Check implements RiskRule.
func (r CountryMismatch) Check(_ context.Context, in RiskInput) (RiskOutcome, []Reason, error) {
	issuer := in.Request.Instrument.IssuerCountry
	if !in.Request.Instrument.Method.HasNetwork() || issuer == "" || issuer == in.Request.BuyerCountry {
		return RiskAllow, nil, nil
	}
	return r.Outcome, []Reason{{Code: ReasonCountryMismatch, Text: fmt.Sprintf(
		"card issued in %s for a buyer in %s", issuer, in.Request.BuyerCountry)}}, nil
}

// DefaultRiskRules returns the built-in rules with their default settings
// (all of them ours: the programme publishes none):
//
//   - amount spike: a payment over 10 times the buyer's largest completed
//     payment in its currency, once the buyer has 3, is reviewed;
//   - velocity, per hour: after 5 declined or abandoned attempts within an
//     hour, the next attempt is suspended;
//   - velocity, per day: after 10 declined or abandoned attempts within 24
//     hours, the next attempt is suspended and the account frozen;
//   - for both, an attempt is abandoned when a card, Apple Pay, Google Pay,
//     PayPal or Alipay payment is still initiated or processing (and not
//     held for review) 30 minutes after it was created; payments that
//     succeed never count, so a buyer paying a dozen orders a day is not
//     stopped (see Velocity);
//   - a card from another country than the buyer's is reviewed.
func DefaultRiskRules() []RiskRule {
	abandonable := []Method{Card, ApplePay, GooglePay, PayPal, Alipay}
	return []RiskRule{
		AmountSpike{Factor: decimal.NewFromInt(10), MinHistory: 3, Outcome: RiskReview},
		Velocity{Max: 5, Window: time.Hour, AbandonedAfter: 30 * time.Minute, Abandonable: abandonable, Outcome: RiskSuspend},
		Velocity{Max: 10, Window: 24 * time.Hour, AbandonedAfter: 30 * time.Minute, Abandonable: slices.Clone(abandonable), Outcome: RiskFreeze},
		CountryMismatch{Outcome: RiskReview},
	}
}

// evaluateRisk runs every rule and combines their verdicts.
func evaluateRisk(ctx context.Context, rules []RiskRule, in RiskInput) (RiskDecision, error) {
	var d RiskDecision
	for _, r := range rules {
		o, reasons, err := r.Check(ctx, in)
		if err != nil {
			return RiskDecision{}, fmt.Errorf("payment: risk rule %T: %w", r, err)
		}
		d.Outcome = max(d.Outcome, o)
		d.Reasons = append(d.Reasons, reasons...)
	}
	return d, nil
}

// Account is a buyer's payment account as risk control sees it: whether it
// is frozen, by whom and why. A frozen account accepts no new payments until
// a platform agent unfreezes it.
type Account struct {
	ID       string         `json:"id"`
	Frozen   bool           `json:"frozen"`
	Reasons  []Reason       `json:"reasons,omitempty"`   // why it is frozen
	FrozenBy string         `json:"frozen_by,omitempty"` // the payment id or the agent that froze it
	History  []AccountEvent `json:"history,omitempty"`   // every freeze and unfreeze
	Updated  time.Time      `json:"updated"`
	Version  int64          `json:"version"`
}

// AccountEvent is one freeze or unfreeze of an account.
type AccountEvent struct {
	At      time.Time `json:"at"`
	Frozen  bool      `json:"frozen"` // true for a freeze, false for an unfreeze
	Actor   Actor     `json:"actor"`
	Cause   string    `json:"cause,omitempty"` // the payment whose risk decision froze it
	Note    string    `json:"note,omitempty"`
	Reasons []Reason  `json:"reasons,omitempty"`
}

// Clone returns a deep copy of a.
func (a *Account) Clone() *Account {
	c := *a
	c.Reasons = slices.Clone(a.Reasons)
	c.History = slices.Clone(a.History)
	for i := range c.History {
		c.History[i].Reasons = slices.Clone(c.History[i].Reasons)
	}
	return &c
}
