package dispute

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/internal/idem"
	"github.com/tradeassure/tradeassure/internal/sweep"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// Orders is what the dispute service needs of the order package:
// *order.Service implements it.
type Orders interface {
	Order(ctx context.Context, id string) (*order.Order, error)
	Coverage(ctx context.Context, id string) (coverage.Coverage, error)
	OpenDispute(ctx context.Context, by payment.Actor, id string, req order.DisputeRequest) (*order.Order, error)
	ResolveDispute(ctx context.Context, by payment.Actor, id string, r order.Resolution) (*order.Order, error)
}

// Windows are the case's deadlines, in calendar days counted with
// time.Time.AddDate from the instant the case entered its state (or was
// opened, for AutoEscalateDays).
type Windows struct {
	// RespondDays: a respondent who has not answered this long after the
	// case opened sees it escalated to the platform.
	RespondDays int `json:"respond_days"`
	// EscalateAfterDays: either party may ask for escalation once this
	// many days have passed since the case opened (from day 4 by default).
	EscalateAfterDays int `json:"escalate_after_days"`
	// AutoEscalateDays: a negotiation still open this long after the case
	// opened is escalated, or, when the claimant let the respondent's last
	// offer go unanswered, expires.
	AutoEscalateDays int `json:"auto_escalate_days"`
	// AppealDays: a decision may be appealed, once, for this long; then it
	// is final and carried out.
	AppealDays int `json:"appeal_days"`
}

// DefaultWindows returns the programme's defaults: 3 days to respond,
// escalation on request from day 4 and automatic after 7 days, 7 days to
// appeal.
func DefaultWindows() Windows {
	return Windows{RespondDays: 3, EscalateAfterDays: 3, AutoEscalateDays: 7, AppealDays: 7}
}

// Validate returns an error wrapping ErrInvalidRules when a window is not
// 1 to coverage.MaxDays days or escalation on request opens after the
// automatic one.
func (w Windows) Validate() error {
	switch days := []int{w.RespondDays, w.EscalateAfterDays, w.AutoEscalateDays, w.AppealDays}; {
	case slices.ContainsFunc(days, func(d int) bool { return d <= 0 || d > coverage.MaxDays }):
		return fmt.Errorf("%w: every window is 1 to %d days: %+v", ErrInvalidRules, coverage.MaxDays, w)
	case w.EscalateAfterDays > w.AutoEscalateDays:
		return fmt.Errorf("%w: escalation on request (day %d) opens after the automatic one (day %d)", ErrInvalidRules, w.EscalateAfterDays+1, w.AutoEscalateDays)
	}
	return nil
}

// Config configures a Service.
type Config struct {
	// Store keeps the cases; Clock tells the time of every call but Sweep;
	// Orders is the order service. Required.
	Store  Store
	Clock  payment.Clock
	Orders Orders
	// Unit makes each operation one unit of work over the case and what it
	// does to its order (the order service's work joins it): the unit of
	// the stores' kind, the same as the order service's. Default:
	// payment.MemoryUnit().
	Unit payment.UnitOfWork
	// Outbox receives, in the unit of work of each action, the message of
	// its Notice; it must join Unit (see order.Config.Outbox). Default:
	// none, and no messages.
	Outbox payment.Outbox
	// Coverage decides which claims are admissible. Default: the order
	// service's (order.Service.CoverageRules), so that the claim window
	// the case is judged by is the one the order opens its dispute by; or
	// coverage.DefaultRules() for an Orders that does not say.
	Coverage *coverage.Rules
	// Adjudicator decides escalated cases. Default: DefaultRules().
	Adjudicator Adjudicator
	// Windows are the deadlines. Default: DefaultWindows().
	Windows *Windows
	// Actor is who the service is to the order service, and who fires the
	// sweep's events; a system actor, the order service's Config.Disputes
	// (the only actor that opens and resolves an order's disputes):
	// NewService refuses another when Orders says its own (a Disputes
	// method, as *order.Service has). Default:
	// payment.System("tradeassure/dispute").
	Actor payment.Actor
	// SweepBatch is how many due cases Sweep asks for at once. Default: 100.
	SweepBatch int
}

// Service runs disputes. Every call names its actor and carries an
// idempotency key scoped to the case and the operation (the case id for
// Open, the evidence or offer id for those; the sweep's own actions have
// references of their own, Entry.Ref, which no caller's key reaches): the
// same key for the same operation with the same request is a replay,
// with another an ErrIdempotencyMismatch error. Each call is one unit of
// work (Config.Unit) over the case and what it does to its order
// (disputing it and freezing its escrow when the case opens; resolving it
// when the case ends): all of it or nothing, so that no case is open on an
// order that is not disputed, and no case ends without its order.
type Service struct {
	store       Store
	unit        payment.UnitOfWork
	outbox      payment.Outbox
	clock       payment.Clock
	orders      Orders
	coverage    coverage.Rules
	adjudicator Adjudicator
	windows     Windows
	actor       payment.Actor
	batch       int
}

// NewService returns a Service, or an error naming the first missing or
// invalid part of cfg.
func NewService(cfg Config) (*Service, error) {
	switch {
	case cfg.Store == nil || cfg.Clock == nil || cfg.Orders == nil:
		return nil, errors.New("dispute: Config.Store, Config.Clock and Config.Orders are required")
	case cfg.SweepBatch < 0:
		return nil, fmt.Errorf("dispute: Config.SweepBatch is %d; it must not be negative", cfg.SweepBatch)
	}
	s := &Service{store: cfg.Store, unit: cfg.Unit, outbox: cfg.Outbox, clock: cfg.Clock, orders: cfg.Orders, coverage: coverage.DefaultRules(),
		adjudicator: cfg.Adjudicator, windows: DefaultWindows(), actor: cfg.Actor, batch: cfg.SweepBatch}
	if o, ok := cfg.Orders.(interface{ CoverageRules() coverage.Rules }); ok {
		s.coverage = o.CoverageRules()
	}
	if cfg.Coverage != nil {
		s.coverage = *cfg.Coverage
	}
	if err := s.coverage.Validate(); err != nil {
		return nil, err
	}
	if s.adjudicator == nil {
		s.adjudicator = DefaultRules()
	}
	if r, ok := s.adjudicator.(Rules); ok {
		if err := r.Validate(); err != nil {
			return nil, err
		}
	}
	if cfg.Windows != nil {
		s.windows = *cfg.Windows
	}
	if err := s.windows.Validate(); err != nil {
		return nil, err
	}
	if s.actor == (payment.Actor{}) {
		s.actor = payment.System("tradeassure/dispute")
	}
	if err := payment.RequireRole(s.actor, "run disputes", payment.RoleSystem); err != nil {
		return nil, fmt.Errorf("dispute: Config.Actor: %w", err)
	}
	// An order service that would refuse this actor would refuse every
	// case's opening on its order: a wedge caught at construction.
	if o, ok := cfg.Orders.(interface{ Disputes() payment.Actor }); ok && o.Disputes() != s.actor {
		return nil, fmt.Errorf("dispute: Config.Actor is %s, but the order service takes disputes only from %s (order.Config.Disputes): %w",
			s.actor, o.Disputes(), payment.ErrForbidden)
	}
	if s.batch == 0 {
		s.batch = 100
	}
	if s.unit == nil {
		s.unit = payment.MemoryUnit()
	}
	return s, nil
}

// Case returns the case with that id, or an error wrapping ErrNotFound.
func (s *Service) Case(ctx context.Context, id string) (*Case, error) { return s.store.Case(ctx, id) }

// OpenRequest opens a case.
type OpenRequest struct {
	// ID is the case's id, chosen by the caller: Open's idempotency key.
	ID      string `json:"id"`
	OrderID string `json:"order_id"`
	Reason  Reason `json:"reason"`
	// Amount is what the claimant asks for, in the order's currency.
	Amount      payment.Money `json:"amount"`
	Description string        `json:"description,omitempty"`
	// Defects are the defects a claim about the goods is about, in the
	// vocabulary of inspection reports.
	Defects []string `json:"defects,omitempty"`
	// Evidence is the claimant's evidence, submitted with the claim.
	Evidence []Evidence `json:"evidence,omitempty"`
}

// Open opens a case on an order. A buyer's claim must be admissible under
// the coverage rules (window, plan, covered event, amount not above what
// was paid and covered): otherwise the *coverage.NotCoveredError says why,
// and nothing is recorded. A supplier's case (the buyer walked away after
// production, or refuses the balance) asks for no more than escrow holds.
// Only the order's buyer opens a claim and only its supplier a supplier's
// case. The order is then disputed and its escrow frozen; the respondent has
// Windows.RespondDays to answer.
func (s *Service) Open(ctx context.Context, by payment.Actor, req OpenRequest) (*Case, error) {
	return s.atomic(ctx, func(ctx context.Context) (*Case, error) { return s.open(ctx, by, req) })
}

func (s *Service) open(ctx context.Context, by payment.Actor, req OpenRequest) (*Case, error) {
	now := s.clock.Now()
	fp, err := fingerprint(Open, by, req)
	if err != nil {
		return nil, err
	}
	// A retry returns the case as the first call opened it, whatever has
	// happened since; the claim is not judged again.
	if c, err := s.store.Case(ctx, req.ID); err == nil {
		if c.Timeline[0].Fingerprint != fp {
			return nil, fmt.Errorf("%w: case %s was opened by another request", ErrIdempotencyMismatch, req.ID)
		}
		return c, nil
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if req.ID == "" || !req.Reason.Valid() {
		return nil, invalidf("a case needs an id and a known reason (got %q)", string(req.Reason))
	}
	if err := payment.CheckLengths(ErrInvalidRequest, payment.CheckID("the case id", req.ID), payment.CheckID("the order id", req.OrderID),
		payment.CheckText("the description", req.Description)); err != nil {
		return nil, err
	}
	o, err := s.orders.Order(ctx, req.OrderID)
	if err != nil {
		return nil, err
	}
	if err := payment.RequireRole(by, fmt.Sprintf("open a %s case", req.Reason), req.Reason.Claimant()); err != nil {
		return nil, err
	}
	if by != payment.Buyer(o.BuyerID) && by != payment.Supplier(o.SupplierID) {
		return nil, &payment.ActorError{Actor: by, Action: "open a case on order " + o.ID}
	}
	// A change of mind is never covered, whatever the order's state: the
	// refusal says so in its own reason code.
	if req.Reason == ChangeOfMind {
		return nil, &coverage.NotCoveredError{OrderID: o.ID, Event: coverage.ChangeOfMind, Reasons: []payment.Reason{{
			Code: coverage.ReasonChangeOfMind, Text: "goods that meet the contract are not returnable through the programme"}}}
	}
	// The order must be in a state a dispute opens from (its own table
	// says; a *order.TransitionError otherwise).
	if _, err := order.Next(ctx, o.State, order.OpenDispute, by); err != nil {
		return nil, err
	}
	// A claim about the goods is admitted until the claim deadline counted
	// from delivery, whatever the receipt window (coverage.Rules.Check).
	covered, err := s.admit(ctx, o, req, now)
	if err != nil {
		return nil, err
	}
	c := &Case{
		ID: req.ID, OrderID: o.ID, BuyerID: o.BuyerID, SupplierID: o.SupplierID, Claimant: by, Reason: req.Reason,
		Amount: req.Amount, Description: req.Description, Defects: slices.Clone(req.Defects), Covered: covered,
		State: AwaitingResponse, OpenedAt: now, StateSince: now, UpdatedAt: now,
		Timeline: []Entry{{Seq: 1, Event: Open, By: by, At: now, To: AwaitingResponse, Key: req.ID, Op: Open, Fingerprint: fp}},
	}
	ids := make(map[string]bool, len(req.Evidence))
	for _, e := range req.Evidence {
		if err := e.Validate(); err != nil {
			return nil, err
		}
		if ids[e.ID] {
			return nil, fmt.Errorf("%w: evidence %s is in the claim twice", ErrDuplicate, e.ID)
		}
		ids[e.ID] = true
		e.SubmittedBy, e.At, e.Defects = by, now, slices.Clone(e.Defects)
		c.Evidence = append(c.Evidence, e)
	}
	c.Deadline = s.deadline(c)
	created, err := s.store.Create(ctx, c)
	if errors.Is(err, ErrDuplicate) { // another request opened it first, with its order
		if created, err = s.store.Case(ctx, req.ID); err == nil && created.Timeline[0].Fingerprint != fp {
			return nil, fmt.Errorf("%w: case %s was opened by another request", ErrIdempotencyMismatch, req.ID)
		}
		return created, err
	}
	if err != nil {
		return nil, err
	}
	if err := s.record(ctx, created); err != nil {
		return nil, err
	}
	if _, err := s.orders.OpenDispute(ctx, s.actor, c.OrderID, order.DisputeRequest{CaseID: c.ID, Claimant: c.Claimant}); err != nil {
		return nil, fmt.Errorf("dispute: case %s: dispute order %s: %w", c.ID, c.OrderID, err)
	}
	return created, nil
}

// admit checks the request against the order and the coverage rules and
// returns what the programme covers of the order.
func (s *Service) admit(ctx context.Context, o *order.Order, req OpenRequest, now time.Time) (payment.Money, error) {
	if req.Amount.Currency() != o.Terms.Currency {
		return payment.Money{}, &payment.CurrencyMismatchError{Want: o.Terms.Currency, Got: req.Amount.Currency()}
	}
	if !req.Amount.IsPositive() {
		return payment.Money{}, fmt.Errorf("%w: a case asks for a positive amount, not %s", payment.ErrInvalidAmount, req.Amount)
	}
	cov, err := s.orders.Coverage(ctx, o.ID)
	if err != nil {
		return payment.Money{}, err
	}
	ev, claim := req.Reason.Event()
	if !claim {
		if req.Amount.Minor() > o.Remaining().Minor() {
			return payment.Money{}, fmt.Errorf("%w: %s asked, escrow holds %s", payment.ErrInvalidAmount, req.Amount, o.Remaining())
		}
		return cov.Covered, nil
	}
	err = s.coverage.Check(o.Facts(), coverage.Claim{Event: ev, Amount: req.Amount, At: now, Defects: req.Defects}, cov.Covered)
	return cov.Covered, err
}

// SubmitEvidence adds an item to the case's evidence, under the item's id
// as the key: by is a party or a platform agent; the service sets who and
// when. Evidence is taken until the case is decided (and again while it
// is appealed).
func (s *Service) SubmitEvidence(ctx context.Context, by payment.Actor, id string, e Evidence) (*Case, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return s.do(ctx, by, id, "evidence/"+e.ID, SubmitEvidence, e, func(ch *change) error {
		if slices.ContainsFunc(ch.c.Evidence, func(x Evidence) bool { return x.ID == e.ID }) {
			return fmt.Errorf("%w: evidence %s is on case %s already", ErrDuplicate, e.ID, ch.c.ID)
		}
		if err := ch.fire(SubmitEvidence); err != nil {
			return err
		}
		e.SubmittedBy, e.At, e.Defects = by, ch.now, slices.Clone(e.Defects)
		ch.c.Evidence = append(ch.c.Evidence, e)
		return nil
	})
}

// Respond is the respondent's answer: negotiation starts.
func (s *Service) Respond(ctx context.Context, by payment.Actor, id, key, note string) (*Case, error) {
	if err := payment.CheckLengths(ErrInvalidRequest, payment.CheckText("the note", note)); err != nil {
		return nil, err
	}
	return s.do(ctx, by, id, key, Respond, note, func(ch *change) error {
		if by != ch.c.Respondent() {
			return &payment.ActorError{Actor: by, Action: "respond to case " + ch.c.ID}
		}
		ch.note = note
		return ch.fire(Respond)
	})
}

// Offer is a party's offer to settle for amount: a refund (or
// compensation) to the buyer on a claim, a payment to the supplier on a
// supplier's case; never more than the case asks, than is covered (for a
// claim) or than escrow holds for the order. offerID is the key.
func (s *Service) Offer(ctx context.Context, by payment.Actor, id, offerID string, amount payment.Money) (*Case, error) {
	c, err := s.store.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	o, err := s.orders.Order(ctx, c.OrderID)
	if err != nil {
		return nil, err
	}
	held := o.Remaining() // frozen while the case is open: it cannot change
	return s.do(ctx, by, id, "offer/"+offerID, MakeOffer, amount, func(ch *change) error {
		if err := ch.fire(MakeOffer); err != nil {
			return err
		}
		if err := ch.withinEscrow(amount, held); err != nil {
			return err
		}
		ch.c.Offers = append(ch.c.Offers, Offer{ID: offerID, By: by, Amount: amount, At: ch.now})
		return nil
	})
}

// Accept is a party's acceptance of the other party's latest offer: the
// case is settled and carried out on the order.
func (s *Service) Accept(ctx context.Context, by payment.Actor, id, offerID string) (*Case, error) {
	return s.do(ctx, by, id, "accept/"+offerID, Accept, offerID, func(ch *change) error {
		i := slices.IndexFunc(ch.c.Offers, func(o Offer) bool { return o.ID == offerID })
		if i < 0 {
			return fmt.Errorf("%w: case %s has no offer %s", ErrNotFound, ch.c.ID, offerID)
		}
		o := ch.c.Offers[i]
		latest := i
		for j, x := range ch.c.Offers {
			if x.By == o.By {
				latest = j
			}
		}
		if o.By == by {
			return &payment.ActorError{Actor: by, Action: "accept its own offer " + offerID + " on case " + ch.c.ID}
		}
		if latest != i {
			return invalidf("%s may accept only the other party's latest offer", by)
		}
		if err := ch.fire(Accept); err != nil {
			return err
		}
		ch.c.Settlement = &o
		return nil
	})
}

// Escalate asks the platform to decide: either party may, from
// Windows.EscalateAfterDays after the case opened (ErrTooEarly before).
func (s *Service) Escalate(ctx context.Context, by payment.Actor, id, key string) (*Case, error) {
	return s.do(ctx, by, id, key, Escalate, nil, func(ch *change) error {
		if from := ch.c.OpenedAt.AddDate(0, 0, s.windows.EscalateAfterDays); ch.now.Before(from) {
			return fmt.Errorf("%w: case %s may be escalated on request from %s", ErrTooEarly, ch.c.ID, from.Format(time.RFC3339))
		}
		return ch.fire(Escalate)
	})
}

// Withdraw is the claimant's withdrawal: the order goes on where it was.
func (s *Service) Withdraw(ctx context.Context, by payment.Actor, id, key string) (*Case, error) {
	return s.do(ctx, by, id, key, Withdraw, nil, func(ch *change) error {
		if by != ch.c.Claimant {
			return &payment.ActorError{Actor: by, Action: "withdraw case " + ch.c.ID}
		}
		return ch.fire(Withdraw)
	})
}

// Decide is the platform's decision of an escalated case, or of an
// appealed one (which makes it final), by the service's Adjudicator from
// the claim, the order's facts and the evidence of both sides. A decision
// that is not appealed within Windows.AppealDays becomes final at the next
// sweep; a final decision is carried out on the order at once.
func (s *Service) Decide(ctx context.Context, by payment.Actor, id, key string) (*Case, error) {
	c, err := s.store.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	o, err := s.orders.Order(ctx, c.OrderID)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	d, err := s.adjudicator.Decide(ctx, Input{Case: c.Clone(), Order: o.Facts(), Held: o.Remaining(), Now: now})
	if err != nil {
		return nil, err
	}
	if err := d.check(o.Remaining()); err != nil {
		return nil, err
	}
	d.By, d.At = by, now
	return s.do(ctx, by, id, key, Decide, nil, func(ch *change) error {
		ev := Decide
		if ch.c.State == Appealed {
			ev = DecideAppeal
		}
		if err := ch.fire(ev); err != nil {
			return err
		}
		ch.c.Decision = &d
		return nil
	})
}

// Appeal is a party's appeal of the decision: once per case, within
// Windows.AppealDays of the decision (ErrWindowClosed after).
func (s *Service) Appeal(ctx context.Context, by payment.Actor, id, key, note string) (*Case, error) {
	if err := payment.CheckLengths(ErrInvalidRequest, payment.CheckText("the note", note)); err != nil {
		return nil, err
	}
	return s.do(ctx, by, id, key, Appeal, note, func(ch *change) error {
		if end := ch.c.StateSince.AddDate(0, 0, s.windows.AppealDays); ch.c.State == Decided && !ch.now.Before(end) {
			return fmt.Errorf("%w: the appeal window of case %s closed at %s", ErrWindowClosed, ch.c.ID, end.Format(time.RFC3339))
		}
		if err := ch.fire(Appeal); err != nil {
			return err
		}
		ch.c.AppealedBy, ch.note = by, note
		return nil
	})
}

// Export is a case as one document for legal proceedings: the case with
// its timeline, every evidence reference and the decision, and the order's
// facts as they are now.
type Export struct {
	Case       *Case          `json:"case"`
	Order      coverage.Order `json:"order"`
	ExportedAt time.Time      `json:"exported_at"`
}

// Export returns the case as one indented JSON document (see Export).
func (s *Service) Export(ctx context.Context, id string) ([]byte, error) {
	c, err := s.store.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	o, err := s.orders.Order(ctx, c.OrderID)
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(Export{Case: c, Order: o.Facts(), ExportedAt: s.clock.Now()}, "", "  ")
}

// check verifies a decision's invariants against what escrow holds.
func (d Decision) check(held payment.Money) error {
	var sum int64
	for _, m := range []payment.Money{d.Refund, d.Compensate, d.Release} {
		if m == (payment.Money{}) {
			continue
		}
		if m.Currency() != held.Currency() || m.IsNegative() {
			return fmt.Errorf("%w: part %s of a decision on %s held", ErrInvalidDecision, m, held)
		}
		sum += m.Minor()
	}
	switch {
	case d.Continue && (d.Refund.IsPositive() || d.Release.IsPositive() || sum > held.Minor()):
		return fmt.Errorf("%w: a decision that lets the order go on only compensates, within %s: %s", ErrInvalidDecision, held, d)
	case !d.Continue && sum != held.Minor():
		return fmt.Errorf("%w: the parts of %s do not add up to the %s held", ErrInvalidDecision, d, held)
	}
	return nil
}

// resolution returns what the case's end does to the order: the final
// decision, the settlement, or, withdrawn or expired, nothing but letting
// the order go on. A decision that ends the order shares out what escrow
// held when it was taken; a payment that reached escrow since (the
// balance, processing when the case opened) is refunded to the buyer with
// the rest.
func (c *Case) resolution(o *order.Order) (order.Resolution, error) {
	r := order.Resolution{CaseID: c.ID, LateShipment: c.Reason == LateShipment}
	switch c.State {
	case Final:
		d := c.Decision
		r.Continue, r.Refund, r.Compensate, r.Release, r.SupplierAtFault = d.Continue, d.Refund, d.Compensate, d.Release, d.SupplierAtFault
		if !d.Continue {
			left := o.Remaining()
			shared, err := d.total(left.Currency())
			if err != nil {
				return r, err
			}
			since, err := left.Sub(shared)
			if err != nil {
				return r, err
			}
			if since.IsPositive() {
				if r.Refund == (payment.Money{}) {
					r.Refund = since
				} else if r.Refund, err = r.Refund.Add(since); err != nil {
					return r, err
				}
			}
		}
	case Settled:
		amount, left := c.Settlement.Amount, o.Remaining()
		rest, err := left.Sub(amount)
		if err != nil {
			return r, err
		}
		switch {
		case c.Claimant.Role == payment.RoleSupplier:
			r.Release, r.Refund = amount, rest
		case c.Reason.AboutTheGoods() || !o.DeliveredAt.IsZero():
			r.Refund, r.Release, r.SupplierAtFault = amount, rest, true
		default: // a claim before delivery: compensated, and the order goes on
			r.Continue, r.Compensate, r.SupplierAtFault = true, amount, true
		}
	default:
		r.Continue = true
	}
	return r, nil
}

// change is one action on a case in progress.
type change struct {
	ctx   context.Context
	s     *Service
	c     *Case
	by    payment.Actor
	now   time.Time
	event Event
	note  string
}

// fire moves the case by ev.
func (ch *change) fire(ev Event) error {
	to, err := Next(ch.ctx, ch.c.State, ev, ch.by)
	if err != nil {
		return err
	}
	if to != ch.c.State {
		ch.c.StateSince = ch.now
	}
	ch.c.State, ch.event = to, ev
	return nil
}

// withinEscrow refuses an amount that is not positive, not in the order's
// currency, or above the case's amount, what escrow holds, or (for a
// claim) the case's Covered.
func (ch *change) withinEscrow(m, held payment.Money) error {
	most := ch.c.Amount
	if ch.c.Claimant.Role == payment.RoleBuyer && ch.c.Covered != (payment.Money{}) && ch.c.Covered.Minor() < most.Minor() {
		most = ch.c.Covered
	}
	if held.Currency() == most.Currency() && held.Minor() < most.Minor() {
		most = held
	}
	switch {
	case m.Currency() != most.Currency():
		return &payment.CurrencyMismatchError{Want: most.Currency(), Got: m.Currency()}
	case !m.IsPositive() || m.Minor() > most.Minor():
		return fmt.Errorf("%w: an offer on case %s is above zero and at most %s, not %s", payment.ErrInvalidAmount, ch.c.ID, most, m)
	}
	return nil
}

// fingerprint returns the digest of a request, refusing one that cannot
// be fingerprinted (invalid UTF-8) with ErrInvalidRequest.
func fingerprint(ev Event, by payment.Actor, req any) (string, error) {
	fp, err := idem.Fingerprint(struct {
		Event Event
		By    payment.Actor
		Req   any
	}{ev, by, req})
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	return fp, nil
}

// do runs an action under a caller's key at the clock's time.
func (s *Service) do(ctx context.Context, by payment.Actor, id, key string, ev Event, req any, fn func(*change) error) (*Case, error) {
	fp, err := fingerprint(ev, by, req)
	if err != nil {
		return nil, err
	}
	c, _, err := s.act(ctx, by, id, entryKey{caller: key, op: ev}, fp, s.clock.Now(), fn)
	return c, err
}

// entryKey is the idempotency key of an action on a case, in one of two
// namespaces that never meet: a caller's key, scoped to the case and the
// operation, or a reference the service makes for its own actions
// (Entry.Key and Entry.Op, Entry.Ref).
type entryKey struct {
	caller string
	op     Event
	ref    string
}

func (k entryKey) String() string {
	if k.ref != "" {
		return "the service's own " + strconv.Quote(k.ref)
	}
	return strconv.Quote(k.caller) + " of " + string(k.op)
}

// of reports whether e was done under k.
func (k entryKey) of(e Entry) bool {
	if k.ref != "" {
		return e.Ref == k.ref
	}
	return e.Key == k.caller && e.Op == k.op
}

// act applies fn to the case in one store update unless k was used on
// the case before (a replay, reported, or ErrIdempotencyMismatch). A buyer
// or supplier must be the case's. An action that ends the case resolves
// its order in the same unit of work.
func (s *Service) act(ctx context.Context, by payment.Actor, id string, k entryKey, fp string, now time.Time, fn func(*change) error) (*Case, bool, error) {
	if k.caller == "" && k.ref == "" {
		return nil, false, invalidf("no idempotency key")
	}
	if err := payment.CheckLengths(ErrInvalidRequest, payment.CheckID("the idempotency key", k.caller), payment.CheckID("the case id", id)); err != nil {
		return nil, false, err
	}
	if err := by.Validate(); err != nil {
		return nil, false, err
	}
	replayed := false
	c, err := s.atomic(ctx, func(ctx context.Context) (*Case, error) {
		return s.update(ctx, by, id, k, fp, now, fn, &replayed)
	})
	return c, replayed, err
}

// update records the action on the case, in the unit of work ctx
// carries, and resolves the order when the action ended the case.
func (s *Service) update(ctx context.Context, by payment.Actor, id string, k entryKey, fp string, now time.Time, fn func(*change) error, replayed *bool) (*Case, error) {
	return idem.Update(func(f func(*Case) error) (*Case, error) { return s.store.Update(ctx, id, f) }, func(c *Case) error {
		*replayed = false
		if (by.Role == payment.RoleBuyer || by.Role == payment.RoleSupplier) && !c.party(by) {
			return &payment.ActorError{Actor: by, Action: "act on case " + c.ID}
		}
		if i := slices.IndexFunc(c.Timeline, k.of); i >= 0 {
			if c.Timeline[i].Fingerprint != fp {
				return fmt.Errorf("%w: key %s of case %s was used for another %s request", ErrIdempotencyMismatch, k, c.ID, c.Timeline[i].Event)
			}
			*replayed = true
			return idem.ErrUnchanged
		}
		ch := &change{ctx: ctx, s: s, c: c, by: by, now: now}
		from := c.State
		if err := fn(ch); err != nil {
			return err
		}
		c.Timeline = append(c.Timeline, Entry{Seq: len(c.Timeline) + 1, Event: ch.event, By: by, At: now, From: from, To: c.State,
			Key: k.caller, Op: k.op, Ref: k.ref, Fingerprint: fp, Note: ch.note})
		c.UpdatedAt = now
		c.Deadline = s.deadline(c)
		if err := s.record(ctx, c); err != nil {
			return err
		}
		if from.Final() || !c.State.Final() {
			return nil
		}
		return s.resolve(ctx, c)
	})
}

// Notice is a domain event: one entry of a case's timeline. It is the
// payload, in JSON, of the payment.Message the service appends to
// Config.Outbox in the unit of work of the action (Aggregate "case", ID
// the case's, N the entry's Seq, Type "case." and the entry's event);
// NoticeOf decodes it.
type Notice struct {
	CaseID     string `json:"case_id"`
	OrderID    string `json:"order_id"`
	BuyerID    string `json:"buyer_id"`
	SupplierID string `json:"supplier_id"`
	Entry      Entry  `json:"entry"`
}

// Aggregate is the Aggregate of the dispute service's messages.
const Aggregate = "case"

// NoticeOf returns the notice message m carries, or an error wrapping
// payment.ErrInvalidRequest when m is not a case's message.
func NoticeOf(m payment.Message) (Notice, error) {
	return payment.Payload[Notice](m, Aggregate)
}

// record appends the outbox message of the case's last entry, in the
// unit of work ctx carries, when the service has an outbox.
func (s *Service) record(ctx context.Context, c *Case) error {
	e := c.Timeline[len(c.Timeline)-1]
	return payment.Emit(ctx, s.outbox, Aggregate, c.ID, e.Seq, string(e.Event), e.At,
		Notice{CaseID: c.ID, OrderID: c.OrderID, BuyerID: c.BuyerID, SupplierID: c.SupplierID, Entry: e})
}

// resolve carries out the end of case c on its order.
func (s *Service) resolve(ctx context.Context, c *Case) error {
	o, err := s.orders.Order(ctx, c.OrderID)
	if err != nil {
		return err
	}
	r, err := c.resolution(o)
	if err != nil {
		return err
	}
	if _, err := s.orders.ResolveDispute(ctx, s.actor, c.OrderID, r); err != nil {
		return fmt.Errorf("dispute: case %s: resolve order %s: %w", c.ID, c.OrderID, err)
	}
	return nil
}

// atomic runs op as one unit of work (Config.Unit), run again whole when
// it lost a race; inside a unit the caller began, once, in that unit.
func (s *Service) atomic(ctx context.Context, op func(ctx context.Context) (*Case, error)) (*Case, error) {
	return idem.Atomic(ctx, s.unit, ErrConflict, conflict, op)
}

// conflict reports whether err is a store's or a unit of work's conflict:
// the unit lost a race, and runs again.
func conflict(err error) bool {
	return errors.Is(err, ErrConflict) || errors.Is(err, order.ErrConflict) || errors.Is(err, payment.ErrConflict) ||
		errors.Is(err, escrow.ErrConflict) || errors.Is(err, supplier.ErrConflict)
}

// deadline returns the case's next deadline: the end of the window of its
// state.
func (s *Service) deadline(c *Case) time.Time {
	switch c.State {
	case AwaitingResponse:
		return c.OpenedAt.AddDate(0, 0, s.windows.RespondDays)
	case Negotiating:
		return c.OpenedAt.AddDate(0, 0, s.windows.AutoEscalateDays)
	case Decided:
		return c.StateSince.AddDate(0, 0, s.windows.AppealDays)
	}
	return time.Time{}
}

// SweepReport says what a Sweep did.
type SweepReport struct {
	Escalated []string `json:"escalated,omitempty"`
	Expired   []string `json:"expired,omitempty"`
	Finalized []string `json:"finalized,omitempty"`
	Failures  []error  `json:"-"`
}

// Sweep moves the cases whose deadline passed at now: a respondent's
// silence or a negotiation past Windows.AutoEscalateDays escalates (a
// negotiation in which the claimant let the respondent's last offer go
// unanswered expires instead), a decision past its appeal window becomes
// final and is carried out.
// Each move is an action under a fixed reference of the service's own
// (Entry.Ref), which no caller's key reaches: two sweeps at once do each
// once. Cases it could not move are in the report's Failures.
func (s *Service) Sweep(ctx context.Context, now time.Time) (*SweepReport, error) {
	if now.IsZero() {
		return nil, invalidf("Sweep: no time given")
	}
	rep := &SweepReport{}
	var err error
	rep.Failures, err = sweep.Run(ctx, now, s.batch, "case", s.store.Due,
		func(c *Case) string { return c.ID }, func(c *Case) time.Time { return c.Deadline },
		func(c *Case) (*Case, error) { return s.advance(ctx, c, now, rep) })
	return rep, err
}

// advance does what is due on one case at now.
func (s *Service) advance(ctx context.Context, c *Case, now time.Time, rep *SweepReport) (*Case, error) {
	if d := s.deadline(c); d.IsZero() || now.Before(d) {
		return c, nil
	}
	ev, list := Escalate, &rep.Escalated
	switch {
	case c.State == Decided:
		ev, list = Finalize, &rep.Finalized
	case c.State == Negotiating && claimantSilent(c):
		ev, list = Expire, &rep.Expired
	}
	fp, err := fingerprint(ev, payment.Actor{}, nil)
	if err != nil {
		return nil, err
	}
	after, replayed, err := s.act(ctx, s.actor, c.ID, entryKey{ref: "sweep/" + string(ev)}, fp, now, func(ch *change) error {
		if d := s.deadline(ch.c); d.IsZero() || ch.now.Before(d) {
			return errNotDue
		}
		return ch.fire(ev)
	})
	switch {
	case errors.Is(err, errNotDue):
		return s.store.Case(ctx, c.ID)
	case err != nil:
		return nil, err
	case !replayed:
		*list = append(*list, c.ID)
	}
	return after, nil
}

// claimantSilent reports whether the respondent made the case's last
// offer, which the claimant has not answered.
func claimantSilent(c *Case) bool {
	return len(c.Offers) > 0 && c.Offers[len(c.Offers)-1].By != c.Claimant
}

// errNotDue is returned by a sweep action that finds another worker moved
// the case first.
var errNotDue = errors.New("dispute: not due any more")
