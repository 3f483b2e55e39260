package payment

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tradeassure/tradeassure/internal/idem"
)

// Config configures a Service. Store and Clock are required; every other
// field has a documented default.
type Config struct {
	// Store keeps payments and accounts. Required.
	Store Store
	// Clock tells the time. Required: use SystemClock{} in production.
	Clock Clock
	// Fees prices payments. Default: DefaultSchedule().
	Fees *FeeSchedule
	// Eligibility decides which methods a payment may use. Default:
	// DefaultEligibilityRules().
	Eligibility *EligibilityRules
	// Rates converts fee caps and limits stated in another currency than the
	// payment's. Default: none, so such a conversion is an ErrNoRate error.
	Rates Rates
	// Risk are the risk rules run before a payment is accepted. nil means
	// DefaultRiskRules(); an empty non-nil slice means no rules.
	Risk []RiskRule
	// RiskLookback is how far back the buyer's payments are given to the risk
	// rules. Default: 180 days.
	RiskLookback time.Duration
	// RegionOf maps the buyer's country to the region that selects fee rules.
	// Default: Country.Region, the ISO 3166 mapping of this package.
	RegionOf func(Country) (Region, bool)
	// PaymentID returns the id of a new payment, given its buyer and its
	// idempotency key (a retried request finds its payment by the two, not
	// by the id); ids must differ where the pairs do. Default: "pay_" and
	// 26 random base-32 characters from crypto/rand, which no caller can
	// predict from what it sends.
	PaymentID func(buyerID, key string) string
	// Unit makes each operation one unit of work over the payment and
	// the buyer's account. It must be the unit of the store's kind. An
	// operation called inside another service's unit (the order
	// service's) joins it. Default: MemoryUnit(), the in-memory stores'
	// (a store of another kind refuses every call made inside it).
	Unit UnitOfWork
	// Outbox receives, in each operation's unit, the message of each
	// change of a payment (a Notice). Default: none, and no messages.
	Outbox Outbox
}

// Service records payments into escrow and their progress: it checks the
// method's eligibility, quotes the fee, runs the risk rules, and then follows
// what the processor reports. It does not talk to banks or card processors:
// the caller submits accepted payments to its processor and reports the
// outcome back with Report, typically from webhooks.
//
// Every method that changes state takes the Actor doing it. Operations that
// create or move money take a caller-supplied idempotency key: the same key
// with the same request returns the first result, the same key with a
// different request is an ErrIdempotencyMismatch error.
type Service struct {
	store     Store
	clock     Clock
	fees      *FeeSchedule
	rules     EligibilityRules
	rates     Rates
	risk      []RiskRule
	lookback  time.Duration
	regionOf  func(Country) (Region, bool)
	paymentID func(buyerID, key string) string
	unit      UnitOfWork
	outbox    Outbox
}

// NewService returns a Service for cfg, filling in the defaults.
func NewService(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Clock == nil {
		return nil, invalidf("payment.Config needs a Store and a Clock")
	}
	s := &Service{
		store: cfg.Store, clock: cfg.Clock, fees: cfg.Fees, rates: cfg.Rates, risk: cfg.Risk,
		lookback: cfg.RiskLookback, regionOf: cfg.RegionOf, paymentID: cfg.PaymentID, unit: cfg.Unit, outbox: cfg.Outbox,
	}
	if s.fees == nil {
		s.fees = DefaultSchedule()
	}
	if s.unit == nil {
		s.unit = MemoryUnit()
	}
	if cfg.Eligibility != nil {
		s.rules = *cfg.Eligibility
	} else {
		s.rules = DefaultEligibilityRules()
	}
	if err := s.rules.Validate(); err != nil {
		return nil, err
	}
	if s.risk == nil {
		s.risk = DefaultRiskRules()
	}
	if s.lookback == 0 {
		s.lookback = 180 * 24 * time.Hour
	}
	if s.regionOf == nil {
		s.regionOf = Country.Region
	}
	if s.paymentID == nil {
		s.paymentID = func(string, string) string { return "pay_" + strings.ToLower(rand.Text()) }
	}
	return s, nil
}

// InitiateRequest asks for a payment into escrow.
type InitiateRequest struct {
	OrderID      string      `json:"order_id"`
	Tranche      Tranche     `json:"tranche"`
	BuyerID      string      `json:"buyer_id"`
	BuyerCountry Country     `json:"buyer_country"`
	Instrument   Instrument  `json:"instrument"`
	Amount       Money       `json:"amount"` // what goes into escrow, positive
	Credit       *CreditLine `json:"credit,omitempty"`
	// Order is what the fee depends on about the order the payment is for:
	// when it was placed (the card fee is chosen by it), its whole value
	// (the service fee's band), its goods and how it ships (which service
	// fee applies). Optional: the zero OrderFacts quotes the method fee by
	// the payment's date and no service fee. See FeeSchedule.Quote.
	Order OrderFacts `json:"order,omitzero"`
}

func (r InitiateRequest) validate() error {
	switch {
	case r.OrderID == "":
		return invalidf("payment request has no order id")
	case r.BuyerID == "":
		return invalidf("payment request has no buyer id")
	case !r.Tranche.Valid():
		return invalidf("unknown tranche %q", string(r.Tranche))
	case !r.Amount.IsPositive():
		return fmt.Errorf("%w: payment amount %s must be positive", ErrInvalidAmount, r.Amount)
	}
	if err := r.BuyerCountry.Validate(); err != nil {
		return err
	}
	if err := r.Order.validate(r.Amount); err != nil {
		return err
	}
	return r.Instrument.Validate()
}

// FrozenError reports a payment refused because the buyer's account is
// frozen.
type FrozenError struct {
	AccountID string
	Reasons   []Reason
}

func (e *FrozenError) Error() string {
	return fmt.Sprintf("payment: account %s is frozen", e.AccountID)
}

// Unwrap returns ErrAccountFrozen.
func (e *FrozenError) Unwrap() error { return ErrAccountFrozen }

// Initiate checks and records a payment. The buyer named in the request, or
// a system actor, may initiate it.
//
// A refused payment is an error and records nothing: *IneligibleError when
// the method may not be used, *FrozenError when the buyer's account is
// frozen, ErrNoFeeRule or ErrNoRate when it cannot be priced,
// ErrInvalidRequest when req.Order is invalid (unknown goods or shipping,
// a value in another currency or below the amount, placed after now). The
// payment's Fee is the quote: the buyer's method fee in BuyerFee, the
// supplier's service fee (and any supplier part of the method fee) in
// SupplierFee, which the order service deducts from the release. An accepted
// payment's status follows the risk decision: initiated (allow), processing
// and Held (review), suspended (suspend, or freeze, which also freezes the
// buyer's account). Submit the payment to the processor only when
// Payment.Chargeable says so: a payment held for review is processing yet
// must not be charged (Payment.HeldForReview).
//
// Initiate is idempotent under key, a key of the request's buyer: a retry
// after a crash or a timeout returns the payment the first call created
// and finishes its remaining step (freezing the account); a retry with
// another request is an ErrIdempotencyMismatch error. Two buyers' keys
// never meet: another buyer's payment under the same key is another
// payment, so no buyer can take or block a key another buyer will use.
func (s *Service) Initiate(ctx context.Context, by Actor, key string, req InitiateRequest) (*Payment, error) {
	if err := by.Validate(); err != nil {
		return nil, err
	}
	if by.Role != RoleSystem && (by.Role != RoleBuyer || by.ID != req.BuyerID) {
		return nil, &ActorError{Actor: by, Action: "initiate a payment for buyer " + req.BuyerID}
	}
	if key == "" {
		return nil, invalidf("an idempotency key is required")
	}
	if err := CheckLengths(ErrInvalidRequest, CheckID("the idempotency key", key), CheckID("the order id", req.OrderID),
		CheckID("the buyer id", req.BuyerID)); err != nil {
		return nil, err
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
	fp, err := idem.Fingerprint(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	return s.atomic(ctx, func(ctx context.Context) (*Payment, error) { return s.initiate(ctx, by, key, fp, req) })
}

// InitiateReads returns the reads that Initiate of a payment of buyerID
// under key makes before it decides (the key's payment, the buyer's
// account, its recent payments), for Prefetch: an operation that
// initiates a payment inside a larger unit of work (the order service's
// Pay) reads them ahead with its own, in one round trip on PostgreSQL.
func (s *Service) InitiateReads(buyerID, key string) []func(context.Context) error {
	since := s.clock.Now().Add(-s.lookback) // Initiate's comes later, and reads no more
	return []func(context.Context) error{
		func(ctx context.Context) error { _, err := s.store.PaymentByKey(ctx, buyerID, key); return err },
		func(ctx context.Context) error { _, err := s.store.Account(ctx, buyerID); return err },
		func(ctx context.Context) error { _, err := s.store.PaymentsByBuyer(ctx, buyerID, since); return err },
	}
}

func (s *Service) initiate(ctx context.Context, by Actor, key, fp string, req InitiateRequest) (*Payment, error) {
	// The three reads the payment needs: its key's payment (a replay),
	// the buyer's account (frozen?) and recent payments (the risk rules'
	// history), read ahead at once where the unit can (one round trip
	// on PostgreSQL), then one after another: a replay stops at the
	// first.
	if ReadsAhead(ctx) {
		Prefetch(ctx, s.InitiateReads(req.BuyerID, key)...)
	}
	now := s.clock.Now()
	replayed, err := s.replay(ctx, req.BuyerID, key, fp)
	if !errors.Is(err, ErrNotFound) {
		return replayed, err
	}
	acct, err := s.store.Account(ctx, req.BuyerID)
	switch {
	case err == nil && acct.Frozen:
		return nil, &FrozenError{AccountID: acct.ID, Reasons: acct.Reasons}
	case err != nil && !errors.Is(err, ErrNotFound):
		return nil, err
	}
	history, historyErr := s.store.PaymentsByBuyer(ctx, req.BuyerID, now.Add(-s.lookback))
	if err := s.rules.Check(ctx, EligibilityRequest{
		Instrument: req.Instrument, BuyerCountry: req.BuyerCountry, Amount: req.Amount, At: now, Credit: req.Credit,
	}, s.rates); err != nil {
		return nil, err
	}
	region, ok := s.regionOf(req.BuyerCountry)
	if !ok {
		return nil, invalidf("no payment region for country %s", req.BuyerCountry)
	}
	fee, err := s.fees.Quote(ctx, FeeRequest{
		Amount: req.Amount, Method: req.Instrument.Method, Network: req.Instrument.Network, Region: region, At: now,
		Order: req.Order,
	}, s.rates)
	if err != nil {
		return nil, err
	}
	if historyErr != nil {
		return nil, historyErr
	}
	risk, err := evaluateRisk(ctx, s.risk, RiskInput{Request: req, History: history, At: now})
	if err != nil {
		return nil, err
	}

	p := &Payment{
		ID: s.paymentID(req.BuyerID, key), Key: key, Fingerprint: fp,
		OrderID: req.OrderID, Tranche: req.Tranche, BuyerID: req.BuyerID, BuyerCountry: req.BuyerCountry,
		Instrument: req.Instrument, Amount: req.Amount, Fee: fee, Risk: risk,
		CreatedAt: now, UpdatedAt: now,
	}
	switch risk.Outcome {
	case RiskAllow:
		p.Status = StatusInitiated
	case RiskReview:
		p.Status, p.Held = StatusProcessing, true
	default:
		p.Status = StatusSuspended
	}
	p.Timeline = []Event{{At: now, Status: p.Status, Actor: by, Note: "risk: " + risk.Outcome.String(), Reasons: risk.Reasons}}
	created, err := s.store.CreatePayment(ctx, p)
	if errors.Is(err, ErrDuplicate) { // a concurrent retry won the race
		won, err := s.replay(ctx, req.BuyerID, key, fp)
		if errors.Is(err, ErrNotFound) { // no: Config.PaymentID gave another payment's id
			return nil, fmt.Errorf("%w: payment id %q (Config.PaymentID) is another payment's", ErrDuplicate, p.ID)
		}
		return won, err
	}
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, created); err != nil {
		return nil, err
	}
	return created, s.finishFreeze(ctx, created)
}

// replay returns the payment of buyerID created under key if the request
// matches, finishing any step a crash interrupted.
func (s *Service) replay(ctx context.Context, buyerID, key, fingerprint string) (*Payment, error) {
	p, err := s.store.PaymentByKey(ctx, buyerID, key)
	if err != nil {
		return nil, err
	}
	if p.Fingerprint != fingerprint {
		return nil, fmt.Errorf("%w: key %q", ErrIdempotencyMismatch, key)
	}
	return p, s.finishFreeze(ctx, p)
}

// finishFreeze freezes the buyer's account when p's risk decision says so;
// it is a no-op once done, so a retry can always run it.
func (s *Service) finishFreeze(ctx context.Context, p *Payment) error {
	if p.Risk.Outcome != RiskFreeze {
		return nil
	}
	_, err := s.updateAccount(ctx, p.BuyerID, func(a *Account) error {
		for _, e := range a.History {
			if e.Frozen && e.Cause == p.ID {
				return idem.ErrUnchanged
			}
		}
		a.freeze(AccountEvent{At: p.CreatedAt, Frozen: true, Actor: System("risk"), Cause: p.ID, Reasons: p.Risk.Reasons})
		return nil
	})
	return err
}

// Outcome is what a processor reported about a payment.
type Outcome struct {
	// Status is processing, succeeded or failed.
	Status Status `json:"status"`
	// ProcessorRef is the processor's reference for the payment. Once
	// recorded it cannot change.
	ProcessorRef string `json:"processor_ref,omitempty"`
	// Note is free text, such as the processor's decline message.
	Note string `json:"note,omitempty"`
}

// Report records what the processor said about payment id. A system or
// platform actor reports. Webhooks may arrive twice or out of order: a
// report of the status the payment already has, or of an earlier stage than
// it has reached (processing after succeeded), changes nothing and returns
// the payment as it is. A report that contradicts a final status (failed
// after succeeded) is a *TransitionError. A payment held for review or
// suspended cannot be reported on until a platform agent approves it.
func (s *Service) Report(ctx context.Context, by Actor, id string, o Outcome) (*Payment, error) {
	if err := RequireRole(by, "report a processor outcome", RoleSystem, RolePlatform); err != nil {
		return nil, err
	}
	switch o.Status {
	case StatusProcessing, StatusSucceeded, StatusFailed:
	default:
		return nil, invalidf("a processor reports processing, succeeded or failed, not %q", string(o.Status))
	}
	if err := CheckLengths(ErrInvalidRequest, CheckText("the processor's reference", o.ProcessorRef), CheckText("the note", o.Note)); err != nil {
		return nil, err
	}
	return s.update(ctx, id, func(p *Payment) error {
		if o.ProcessorRef != "" && p.ProcessorRef != "" && o.ProcessorRef != p.ProcessorRef {
			return invalidf("payment %s has processor reference %q, not %q", p.ID, p.ProcessorRef, o.ProcessorRef)
		}
		if p.Held || p.Status == StatusSuspended {
			return fmt.Errorf("%w: payment %s awaits a risk decision", ErrInvalidTransition, p.ID)
		}
		if p.Status == o.Status || o.Status.stage() < p.Status.stage() {
			return idem.ErrUnchanged
		}
		if err := p.move(o.Status, s.clock.Now(), by, o.Note, nil); err != nil {
			return err
		}
		if o.ProcessorRef != "" {
			p.ProcessorRef = o.ProcessorRef
		}
		return nil
	})
}

// Cancel withdraws a payment that has not succeeded. The buyer may cancel
// their own payment while it is initiated; a platform agent may cancel any
// payment that has not succeeded or failed. Cancelling a cancelled payment
// changes nothing.
func (s *Service) Cancel(ctx context.Context, by Actor, id, note string) (*Payment, error) {
	if err := RequireRole(by, "cancel a payment", RoleBuyer, RolePlatform); err != nil {
		return nil, err
	}
	return s.update(ctx, id, func(p *Payment) error {
		if p.Status == StatusCancelled {
			return idem.ErrUnchanged
		}
		if by.Role == RoleBuyer && (by.ID != p.BuyerID || p.Status != StatusInitiated) {
			return &ActorError{Actor: by, Action: fmt.Sprintf("cancel %s payment %s", p.Status, p.ID)}
		}
		p.Held = false
		return p.move(StatusCancelled, s.clock.Now(), by, note, nil)
	})
}

// Decide settles a risk review or suspension: approve lets the payment go on
// (a held payment may be submitted to the processor; a suspended one returns
// to initiated); reject cancels it. Only a platform agent decides.
func (s *Service) Decide(ctx context.Context, by Actor, id string, approve bool, note string) (*Payment, error) {
	if err := RequireRole(by, "decide a risk review", RolePlatform); err != nil {
		return nil, err
	}
	return s.update(ctx, id, func(p *Payment) error {
		now := s.clock.Now()
		switch {
		case !p.Held && p.Status != StatusSuspended:
			return fmt.Errorf("%w: payment %s is %s and awaits no risk decision", ErrInvalidTransition, p.ID, p.Status)
		case !approve:
			p.Held = false
			return p.move(StatusCancelled, now, by, note, nil)
		case p.Held:
			p.Held = false
			p.UpdatedAt = now
			p.Timeline = append(p.Timeline, Event{At: now, Status: p.Status, Actor: by, Note: "review approved: " + note})
			return nil
		default:
			return p.move(StatusInitiated, now, by, note, nil)
		}
	})
}

// RefundRequest records a refund the processor made.
type RefundRequest struct {
	Amount       Money  `json:"amount"`
	ProcessorRef string `json:"processor_ref,omitempty"`
}

// RecordRefund records a refund of part or all of a succeeded payment. A
// system or platform actor records it, under an idempotency key: a retry
// with the same key and request changes nothing; a refund above what is
// left to refund is an ErrInvalidAmount error.
func (s *Service) RecordRefund(ctx context.Context, by Actor, id, key string, r RefundRequest) (*Payment, error) {
	if err := RequireRole(by, "record a refund", RoleSystem, RolePlatform); err != nil {
		return nil, err
	}
	if key == "" {
		return nil, invalidf("an idempotency key is required")
	}
	if err := CheckLengths(ErrInvalidRequest, CheckID("the idempotency key", key)); err != nil {
		return nil, err
	}
	return s.update(ctx, id, func(p *Payment) error {
		for _, prev := range p.Refunds {
			if prev.Key != key {
				continue
			}
			if prev.Amount != r.Amount || prev.ProcessorRef != r.ProcessorRef {
				return fmt.Errorf("%w: refund key %q", ErrIdempotencyMismatch, key)
			}
			return idem.ErrUnchanged
		}
		if err := sameCurrency(p.Amount.currency, r.Amount.currency); err != nil {
			return err
		}
		left := p.Refundable()
		if !r.Amount.IsPositive() || r.Amount.units > left.units {
			return fmt.Errorf("%w: refund %s of payment %s (refundable %s)", ErrInvalidAmount, r.Amount, p.ID, left)
		}
		now := s.clock.Now()
		to := StatusPartiallyRefunded
		if r.Amount == left {
			to = StatusRefunded
		}
		if err := p.move(to, now, by, "refund "+r.Amount.String(), nil); err != nil {
			return err
		}
		p.Refunds = append(p.Refunds, Refund{Key: key, Amount: r.Amount, ProcessorRef: r.ProcessorRef, At: now})
		return nil
	})
}

// Payment returns payment id with its timeline: where it is and how it got
// there.
func (s *Service) Payment(ctx context.Context, id string) (*Payment, error) {
	return s.store.Payment(ctx, id)
}

// PaymentByKey returns the payment of buyer buyerID created under an
// idempotency key, or an error satisfying errors.Is(err, ErrNotFound) when
// that request recorded nothing (it was refused, or never arrived).
func (s *Service) PaymentByKey(ctx context.Context, buyerID, key string) (*Payment, error) {
	return s.store.PaymentByKey(ctx, buyerID, key)
}

// Fees returns the fee schedule the service quotes from, to explain a
// payment's fee with FeeSchedule.Explain.
func (s *Service) Fees() *FeeSchedule { return s.fees }

// Account returns the buyer's risk account; a buyer never frozen has an
// unfrozen account with no history.
func (s *Service) Account(ctx context.Context, buyerID string) (*Account, error) {
	a, err := s.store.Account(ctx, buyerID)
	if errors.Is(err, ErrNotFound) {
		return &Account{ID: buyerID}, nil
	}
	return a, err
}

// Freeze freezes a buyer's account by hand: it accepts no new payments until
// unfrozen. Only a platform agent may freeze or unfreeze.
func (s *Service) Freeze(ctx context.Context, by Actor, buyerID, note string) (*Account, error) {
	return s.setFrozen(ctx, by, buyerID, true, note)
}

// Unfreeze lifts a freeze. Unfreezing an account that is not frozen changes
// nothing.
func (s *Service) Unfreeze(ctx context.Context, by Actor, buyerID, note string) (*Account, error) {
	return s.setFrozen(ctx, by, buyerID, false, note)
}

func (s *Service) setFrozen(ctx context.Context, by Actor, buyerID string, frozen bool, note string) (*Account, error) {
	if err := RequireRole(by, "freeze or unfreeze an account", RolePlatform); err != nil {
		return nil, err
	}
	if err := CheckLengths(ErrInvalidRequest, CheckID("the account id", buyerID), CheckText("the note", note)); err != nil {
		return nil, err
	}
	if buyerID == "" {
		return nil, invalidf("no account id")
	}
	return s.updateAccount(ctx, buyerID, func(a *Account) error {
		if a.Frozen == frozen {
			return idem.ErrUnchanged
		}
		e := AccountEvent{At: s.clock.Now(), Frozen: frozen, Actor: by, Note: note}
		if frozen {
			e.Reasons = []Reason{{Code: ReasonManualFreeze, Text: note}}
		}
		a.freeze(e)
		return nil
	})
}

// freeze applies a freeze or unfreeze event.
func (a *Account) freeze(e AccountEvent) {
	a.Frozen = e.Frozen
	a.Reasons, a.FrozenBy = nil, ""
	if e.Frozen {
		a.Reasons = e.Reasons
		a.FrozenBy = e.Cause
		if e.Cause == "" {
			a.FrozenBy = e.Actor.String()
		}
	}
	a.Updated = e.At
	a.History = append(a.History, e)
}

// update applies fn to payment id, and records the change in the outbox,
// as one unit of work when the service has one, retrying on conflicts; fn
// returns idem.ErrUnchanged when there is nothing to write.
func (s *Service) update(ctx context.Context, id string, fn func(*Payment) error) (*Payment, error) {
	return s.atomic(ctx, func(ctx context.Context) (*Payment, error) {
		return idem.Update(func(fn func(*Payment) error) (*Payment, error) {
			return s.store.UpdatePayment(ctx, id, fn)
		}, func(p *Payment) error {
			if err := fn(p); err != nil {
				return err
			}
			return s.record(ctx, p)
		})
	})
}

// atomic runs op as one unit of work (Config.Unit) when the service has
// one, run again whole when it lost a race; inside a unit the caller
// began, once, in it.
func (s *Service) atomic(ctx context.Context, op func(ctx context.Context) (*Payment, error)) (*Payment, error) {
	return idem.Atomic(ctx, s.unit, ErrConflict, func(err error) bool { return errors.Is(err, ErrConflict) }, op)
}

// Notice is a domain event: one change of a payment, the last event of
// its timeline. It is the payload, in JSON, of the Message the service
// appends to Config.Outbox in the change's unit of work (Aggregate
// "payment", ID the payment's, N the event's place in the timeline, from
// 1, Type "payment." and the status); NoticeOf decodes it.
type Notice struct {
	PaymentID string  `json:"payment_id"`
	OrderID   string  `json:"order_id"`
	Tranche   Tranche `json:"tranche"`
	BuyerID   string  `json:"buyer_id"`
	Amount    Money   `json:"amount"`
	Refunded  Money   `json:"refunded"`
	Held      bool    `json:"held,omitempty"`
	Event     Event   `json:"event"`
}

// PaymentAggregate is the Aggregate of the payment service's messages.
const PaymentAggregate = "payment"

// NoticeOf returns the notice message m carries, or an ErrInvalidRequest
// error when m is not a payment's message.
func NoticeOf(m Message) (Notice, error) {
	return Payload[Notice](m, PaymentAggregate)
}

// record appends the outbox message of p's last timeline event, in the
// unit of work ctx carries, when the service has an outbox.
func (s *Service) record(ctx context.Context, p *Payment) error {
	e := p.Timeline[len(p.Timeline)-1]
	return Emit(ctx, s.outbox, PaymentAggregate, p.ID, len(p.Timeline), string(e.Status), e.At,
		Notice{PaymentID: p.ID, OrderID: p.OrderID, Tranche: p.Tranche, BuyerID: p.BuyerID, Amount: p.Amount, Refunded: p.Refunded(), Held: p.Held, Event: e})
}

// updateAccount applies fn to account id as update does.
func (s *Service) updateAccount(ctx context.Context, id string, fn func(*Account) error) (*Account, error) {
	return idem.Update(func(fn func(*Account) error) (*Account, error) {
		return s.store.UpdateAccount(ctx, id, fn)
	}, fn)
}
