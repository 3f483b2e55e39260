package supplier

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/tradeassure/tradeassure/internal/fsmtable"
	"github.com/tradeassure/tradeassure/internal/idem"
	"github.com/tradeassure/tradeassure/payment"
)

// Balance is the supplier's payable balance in one currency: what the
// releases of its orders paid it (net of the platform's fees and of what
// they withheld for the programme's guarantee) and where that went. It is
// kept on the supplier as counters, moved in the unit of work of each
// release (RecordOrder), payout and offset, so that
//
//	Credited = Available + InFlight + PaidOut + Offset
//
// always, and Credited is the sum of the supplier_payable entries of the
// releases of the supplier's orders in that currency.
type Balance struct {
	Currency payment.Currency `json:"currency"`
	// Credited is what releases paid the supplier: its orders' escrow
	// Balance.Released (OrderRecord.Release.Paid), in all.
	Credited payment.Money `json:"credited"`
	// Offset is what was taken from the balance to repay the supplier's
	// receivables (Receivable.Recoveries with no OrderID).
	Offset payment.Money `json:"offset"`
	// InFlight is in payouts pending or sent; PaidOut in payouts paid and
	// not returned.
	InFlight payment.Money `json:"in_flight"`
	PaidOut  payment.Money `json:"paid_out"`
}

// Available returns what can be paid out: Credited less Offset, InFlight
// and PaidOut.
func (b Balance) Available() payment.Money {
	m, _ := payment.FromMinor(b.Credited.Minor()-b.Offset.Minor()-b.InFlight.Minor()-b.PaidOut.Minor(), b.Currency)
	return m
}

// Balance returns the supplier's payable balance in cur: all zero when no
// release has paid it in cur.
func (s *Supplier) Balance(cur payment.Currency) Balance {
	if i := slices.IndexFunc(s.Balances, func(b Balance) bool { return b.Currency == cur }); i >= 0 {
		return s.Balances[i]
	}
	zero, _ := payment.FromMinor(0, cur)
	return Balance{Currency: cur, Credited: zero, Offset: zero, InFlight: zero, PaidOut: zero}
}

// EntryKind is what moved a supplier's balance.
type EntryKind string

// Entry kinds, and what each moves.
const (
	EntryRelease        EntryKind = "release"         // an order's release paid it: Credited (Ref: the order)
	EntryOffset         EntryKind = "offset"          // it repaid a receivable: Offset (Ref: the receivable's order)
	EntryPayout         EntryKind = "payout"          // a payout took it: InFlight (Ref: the payout)
	EntryPayoutPaid     EntryKind = "payout_paid"     // the payout arrived: InFlight to PaidOut
	EntryPayoutFailed   EntryKind = "payout_failed"   // the payout failed: InFlight back to available
	EntryPayoutReturned EntryKind = "payout_returned" // the payout was sent back once paid: PaidOut back to available
)

// BalanceEntry is one movement of a supplier's balance in one currency:
// the supplier's ledger, written in the unit of work of the movement,
// whose entries the Balance counters sum. Statement reads it by period.
type BalanceEntry struct {
	Seq    int64         `json:"seq"` // the supplier's, from 1, in the order written (Supplier.Entries is the last)
	Kind   EntryKind     `json:"kind"`
	Ref    string        `json:"ref"`
	Amount payment.Money `json:"amount"` // positive, but for a release that paid nothing
	At     time.Time     `json:"at"`
	// Fees and Withheld are, for a release, the platform's fees it took
	// and what it withheld for the guarantee (Release), beside what it
	// paid (Amount).
	Fees     payment.Money `json:"fees"`
	Withheld payment.Money `json:"withheld"`
	// Balance is the balance in Amount's currency after the entry.
	Balance Balance `json:"balance"`
}

// journal is the entries of the supplier's balances one change made,
// which the service stores in the change's unit of work.
type journal []BalanceEntry

// move moves m of the supplier's balance in m's currency as kind says,
// adding the balance when there is none, and records the entry in j (ref
// names what moved it). A release that would take Credited past Money's
// range is refused; every other movement is of an amount the counter it
// leaves holds (its callers check).
func (s *Supplier) move(j *journal, kind EntryKind, ref string, m payment.Money, now time.Time) error {
	cur := m.Currency()
	i := slices.IndexFunc(s.Balances, func(b Balance) bool { return b.Currency == cur })
	if i < 0 {
		s.Balances = append(s.Balances, s.Balance(cur))
		i = len(s.Balances) - 1
	}
	b := &s.Balances[i]
	switch kind {
	case EntryRelease:
		sum, err := b.Credited.Add(m)
		if err != nil {
			return err // what the supplier was paid would leave Money's range
		}
		b.Credited = sum
	case EntryOffset:
		b.Offset, _ = b.Offset.Add(m)
	case EntryPayout:
		b.InFlight, _ = b.InFlight.Add(m)
	case EntryPayoutPaid:
		b.InFlight, _ = b.InFlight.Sub(m)
		b.PaidOut, _ = b.PaidOut.Add(m)
	case EntryPayoutFailed:
		b.InFlight, _ = b.InFlight.Sub(m)
	case EntryPayoutReturned:
		b.PaidOut, _ = b.PaidOut.Sub(m)
	}
	s.Entries++
	*j = append(*j, BalanceEntry{Seq: s.Entries, Kind: kind, Ref: ref, Amount: m, At: now, Balance: *b})
	return nil
}

// credit adds what the release of order orderID paid the supplier to its
// balance, and repays its receivables from it (offset).
func (s *Supplier) credit(j *journal, orderID string, r Release, now time.Time) error {
	cur, _ := r.currency() // RecordOrder checks
	if cur == "" {
		return nil
	}
	paid := r.Paid
	if paid == (payment.Money{}) { // all of it withheld, or taken in fees: an entry of nothing, for the statement
		paid, _ = payment.FromMinor(0, cur)
	}
	if err := s.move(j, EntryRelease, orderID, paid, now); err != nil {
		return err
	}
	e := &(*j)[len(*j)-1]
	e.Fees, e.Withheld = r.Fees, r.Withheld
	s.offset(j, cur, now)
	return nil
}

// offset repays what the supplier owes in cur from its available balance
// in cur, as far as it goes: a supplier that owes the guarantee is paid
// out only what is left once it is repaid. Every change that adds to the
// available balance or to what is owed calls it, so that a supplier never
// has both in one currency.
func (s *Supplier) offset(j *journal, cur payment.Currency, now time.Time) {
	take := min(s.Balance(cur).Available().Minor(), s.Owed(cur).Minor())
	if take <= 0 {
		return
	}
	m, _ := payment.FromMinor(take, cur)
	for _, r := range s.repay(m, "", now) {
		_ = s.move(j, EntryOffset, r.OrderID, r.Amount, now) // at most what is available
	}
}

// repay repays m of the supplier's receivables in m's currency, oldest
// first, recording orderID (the releasing order; empty for the balance)
// on each recovery, and returns what each receivable got (OrderID the
// receivable's). m is at most what the supplier owes in its currency.
func (s *Supplier) repay(m payment.Money, orderID string, now time.Time) []Recovery {
	var repaid []Recovery
	cur, left := m.Currency(), m
	for i := range s.Receivables {
		r := &s.Receivables[i]
		out := r.Outstanding()
		if r.Amount.Currency() != cur || !out.IsPositive() || !left.IsPositive() {
			continue
		}
		part, _ := payment.FromMinor(min(out.Minor(), left.Minor()), cur)
		r.Recovered, _ = r.Recovered.Add(part)
		r.Recoveries = append(r.Recoveries, Recovery{OrderID: orderID, Amount: part, At: now})
		repaid = append(repaid, Recovery{OrderID: r.OrderID, Amount: part, At: now})
		left, _ = left.Sub(part)
	}
	return repaid
}

// PayoutStatus is where a payout stands at the caller's processor.
type PayoutStatus string

// Payout statuses. A payout is created pending; the caller's processor
// reports the rest (Service.ReportPayout).
const (
	PayoutPending  PayoutStatus = "pending"  // created: the caller sends it through its processor
	PayoutSent     PayoutStatus = "sent"     // the processor accepted it
	PayoutPaid     PayoutStatus = "paid"     // it arrived
	PayoutFailed   PayoutStatus = "failed"   // it never left: its amount is back in the balance
	PayoutReturned PayoutStatus = "returned" // it was paid, then returned: its amount is back in the balance
)

// payouts is the payout's transition table: the event is the status the
// processor reports.
var payouts = fsmtable.New([]fsmtable.Line[PayoutStatus, PayoutStatus]{
	{Event: PayoutSent, From: []PayoutStatus{PayoutPending}, To: PayoutSent, By: processor()},
	{Event: PayoutPaid, From: []PayoutStatus{PayoutPending, PayoutSent}, To: PayoutPaid, By: processor()},
	{Event: PayoutFailed, From: []PayoutStatus{PayoutPending, PayoutSent}, To: PayoutFailed, By: processor()},
	{Event: PayoutReturned, From: []PayoutStatus{PayoutPaid}, To: PayoutReturned, By: processor()},
})

// moves returns how a payout reaching status to moves the balance, and
// false for sent, which moves nothing.
func moves(to PayoutStatus) (EntryKind, bool) {
	switch to {
	case PayoutPaid:
		return EntryPayoutPaid, true
	case PayoutFailed:
		return EntryPayoutFailed, true
	case PayoutReturned:
		return EntryPayoutReturned, true
	}
	return "", false
}

// processor are the roles that report payouts' outcomes: the processor's
// webhook (a system actor) and platform agents.
func processor() []payment.Role { return []payment.Role{payment.RoleSystem, payment.RolePlatform} }

// Payout is one payment of the supplier's balance to the supplier, made by
// the caller's processor. It is created pending (Service.RequestPayout, or
// a scheduled run: Service.RunPayouts) with its amount moved to the
// balance's InFlight; the processor's reports move it on (ReportPayout):
// paid moves the amount to PaidOut; failed, or returned once paid, puts
// it back in the balance, visibly (the Timeline says when and why).
type Payout struct {
	// ID is the service's, derived from the supplier and the caller's key
	// (or the run): pass it to the processor, which reports under it.
	ID         string        `json:"id"`
	SupplierID string        `json:"supplier_id"`
	Amount     payment.Money `json:"amount"`
	// Destination is the supplier's payout destination when the payout
	// was made: the caller's reference to it (a connected account, a
	// tokenised bank account), never bank details.
	Destination  string       `json:"destination"`
	Status       PayoutStatus `json:"status"`
	ProcessorRef string       `json:"processor_ref,omitempty"`
	// Key is the caller's idempotency key of an on-demand payout; Run
	// the period of the scheduled run that made it ("2026-12-07",
	// "2026-W49"). Exactly one is set.
	Key         string        `json:"key,omitempty"`
	Run         string        `json:"run,omitempty"`
	Fingerprint string        `json:"fingerprint"`
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
	Timeline    []PayoutEvent `json:"timeline"`
}

// PayoutEvent is one step of a payout.
type PayoutEvent struct {
	Status       PayoutStatus   `json:"status"`
	At           time.Time      `json:"at"`
	By           payment.Actor  `json:"by"`
	ProcessorRef string         `json:"processor_ref,omitempty"`
	Reason       payment.Reason `json:"reason,omitzero"` // why it failed or was returned
}

// Clone returns a deep copy of p.
func (p *Payout) Clone() *Payout {
	c := *p
	c.Timeline = slices.Clone(p.Timeline)
	return &c
}

// PayoutRule is how the programme pays suppliers out.
type PayoutRule struct {
	// Schedule is when RunPayouts pays: on demand (never: only
	// RequestPayout does; the zero Schedule too), daily (UTC days), or
	// weekly (ISO weeks, Monday first) from Weekday on: once a week, on
	// the first run on or after that day.
	Schedule Schedule
	Weekday  time.Weekday
	// Minimum is the least a payout pays, per currency: a balance below
	// its currency's minimum waits. A currency not listed has none.
	Minimum []payment.Money
}

// Schedule is how often scheduled payouts run.
type Schedule string

// Schedules.
const (
	OnDemand Schedule = "on_demand"
	Daily    Schedule = "daily"
	Weekly   Schedule = "weekly"
)

func (r PayoutRule) validate() error {
	switch r.Schedule {
	case "", OnDemand, Daily, Weekly:
	default:
		return invalidf("supplier rules: payout schedule %q (want %s, %s or %s)", r.Schedule, OnDemand, Daily, Weekly)
	}
	if r.Weekday < time.Sunday || r.Weekday > time.Saturday {
		return invalidf("supplier rules: payout weekday %d", r.Weekday)
	}
	for i, m := range r.Minimum {
		if err := m.Currency().Validate(); err != nil {
			return fmt.Errorf("supplier rules: payout minimum %d: %w", i, err)
		}
		if m.IsNegative() || slices.ContainsFunc(r.Minimum[:i], func(n payment.Money) bool { return n.Currency() == m.Currency() }) {
			return invalidf("supplier rules: payout minimum %s is negative or its currency's second", m)
		}
	}
	return nil
}

// minimum returns the least a payout in cur pays.
func (r PayoutRule) minimum(cur payment.Currency) int64 {
	if i := slices.IndexFunc(r.Minimum, func(m payment.Money) bool { return m.Currency() == cur }); i >= 0 {
		return r.Minimum[i].Minor()
	}
	return 1
}

// period returns the scheduled run due at t (UTC), or false when none
// is: daily, the day ("2026-12-07"); weekly, the ISO week ("2026-W49")
// from its Weekday on, so that a scheduler that missed the day runs the
// week's payouts the next day it runs.
func (r PayoutRule) period(t time.Time) (string, bool) {
	t = t.UTC()
	iso := func(d time.Weekday) int { return (int(d) + 6) % 7 } // Monday 0 … Sunday 6
	switch {
	case r.Schedule == Daily:
		return t.Format(time.DateOnly), true
	case r.Schedule == Weekly && iso(t.Weekday()) >= iso(r.Weekday):
		y, w := t.ISOWeek()
		return fmt.Sprintf("%d-W%02d", y, w), true
	}
	return "", false
}

// Payout hold reasons (payment.Reason codes): why a supplier's balance is
// not paid out.
const (
	HoldSuspended     = "supplier_suspended"    // a required document lapsed or was rejected
	HoldRemoved       = "supplier_removed"      // removed from the programme
	HoldNoDestination = "no_payout_destination" // SetPayoutDestination was never called
	HoldBelowMinimum  = "below_minimum"         // the balance is below the currency's minimum
	HoldReceivable    = "receivable_owed"       // the balance repays what the supplier owes first
)

// holds returns why sup's balance in cur is not paid out now, beyond
// what is available to pay.
func (sup *Supplier) holds(cur payment.Currency) []payment.Reason {
	var rs []payment.Reason
	switch sup.Status {
	case StatusSuspended:
		rs = append(rs, payment.Reason{Code: HoldSuspended, Text: "supplier " + sup.ID + " is suspended"})
	case StatusRemoved:
		rs = append(rs, payment.Reason{Code: HoldRemoved, Text: "supplier " + sup.ID + " was removed"})
	}
	if sup.PayoutDestination == "" {
		rs = append(rs, payment.Reason{Code: HoldNoDestination, Text: "supplier " + sup.ID + " has no payout destination"})
	}
	if owed := sup.Owed(cur); owed.IsPositive() {
		rs = append(rs, payment.Reason{Code: HoldReceivable, Text: "supplier " + sup.ID + " owes " + owed.String()})
	}
	return rs
}

// PayoutHeldError is a payout refused, and why (every hold's reason).
type PayoutHeldError struct {
	SupplierID string
	Reasons    []payment.Reason
}

func (e *PayoutHeldError) Error() string {
	s := "supplier: payouts of " + e.SupplierID + " are held"
	for _, r := range e.Reasons {
		s += "; " + r.Code + ": " + r.Text
	}
	return s
}

// Unwrap returns ErrPayoutHeld.
func (e *PayoutHeldError) Unwrap() error { return ErrPayoutHeld }

// payoutID returns the id of the supplier's payout made under key in
// namespace ns (a caller's: its role and id; "run" for a scheduled
// run's), so that a payout's id is found from its request, a caller's
// key is its own (as escrow's are) and never names a run's payout.
func payoutID(supplierID, ns, key string) string {
	h := sha256.New()
	for _, s := range []string{supplierID, ns, key} {
		h.Write([]byte(strconv.Itoa(len(s)) + ":" + s))
	}
	return "po_" + hex.EncodeToString(h.Sum(nil)[:16])
}

// SetPayoutDestination records where the supplier's payouts go: the
// caller's reference to it (a processor's connected account or tokenised
// bank account; never bank details). The supplier itself or a platform
// agent sets it; payouts made before keep theirs.
func (s *Service) SetPayoutDestination(ctx context.Context, by payment.Actor, supplierID, destination string) (*Supplier, error) {
	if err := s.self(by, supplierID, "set payout destinations"); err != nil {
		return nil, err
	}
	if destination == "" {
		return nil, invalidf("a payout destination names where the payouts go")
	}
	if err := payment.CheckLengths(ErrInvalidRequest, payment.CheckID("the supplier id", supplierID), payment.CheckID("the payout destination", destination)); err != nil {
		return nil, err
	}
	return s.reserve(ctx, "set_payout_destination", supplierID, func(sup *Supplier, _ time.Time) error {
		if sup.PayoutDestination == destination {
			return idem.ErrUnchanged
		}
		sup.PayoutDestination = destination
		return nil
	})
}

// PayoutRequest asks for a payout of Amount from the supplier's balance in
// its currency.
type PayoutRequest struct {
	Amount payment.Money `json:"amount"`
}

// RequestPayout pays amount of the supplier's available balance out, on
// demand, under the caller's idempotency key (scoped to the supplier and
// to the caller, the actor): the payout is created
// pending (its amount in flight) for the caller's processor to send. The
// supplier itself or a platform agent asks. It is refused, changing
// nothing, when the supplier's payouts are held (a *PayoutHeldError
// naming every reason), above the available balance
// (ErrInsufficientBalance) or below the currency's minimum
// (payment.ErrInvalidAmount). The same key and request again return the
// payout made; another request under the key is ErrIdempotencyMismatch.
func (s *Service) RequestPayout(ctx context.Context, by payment.Actor, supplierID, key string, req PayoutRequest) (*Payout, error) {
	if err := s.self(by, supplierID, "request payouts"); err != nil {
		return nil, err
	}
	if key == "" {
		return nil, invalidf("a payout needs an idempotency key")
	}
	if err := payment.CheckLengths(ErrInvalidRequest, payment.CheckID("the supplier id", supplierID), payment.CheckID("the idempotency key", key)); err != nil {
		return nil, err
	}
	if err := req.Amount.Currency().Validate(); err != nil {
		return nil, err
	}
	if !req.Amount.IsPositive() {
		return nil, fmt.Errorf("%w: a payout of %s", payment.ErrInvalidAmount, req.Amount)
	}
	fp, err := idem.Fingerprint(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	p, err := s.payout(ctx, by, supplierID, &Payout{ID: payoutID(supplierID, "key/"+by.String(), key), Key: key, Fingerprint: fp, Amount: req.Amount}, true)
	if errors.Is(err, errNothingToPay) {
		return nil, fmt.Errorf("%w: supplier %s has nothing to pay out in %s", ErrInsufficientBalance, supplierID, req.Amount.Currency())
	}
	return p, err
}

// errNothingToPay stops a scheduled payout of a balance with nothing
// available.
var errNothingToPay = errors.New("supplier: nothing to pay out")

// payout creates p (ID, Key or Run, Fingerprint and Amount set: the
// amount asked, or for a run the currency's zero, for all that is
// available) for supplier supplierID, unless it exists: then it is
// returned when it was made by the same request, else the request is
// ErrIdempotencyMismatch.
func (s *Service) payout(ctx context.Context, by payment.Actor, supplierID string, p *Payout, onDemand bool) (*Payout, error) {
	var made *Payout
	_, err := s.history(ctx, "request_payout", supplierID,
		func(ctx context.Context) error {
			prev, err := s.store.Payout(ctx, supplierID, p.ID)
			made = prev
			return err
		},
		func(sup *Supplier, j *journal, now time.Time) error {
			if made != nil {
				if made.Fingerprint != p.Fingerprint {
					return fmt.Errorf("%w: payout %s was made under key %q by another request", ErrIdempotencyMismatch, made.ID, p.Key)
				}
				return idem.ErrUnchanged
			}
			if err := s.refresh(sup, now); err != nil { // holds follow the status at now
				return err
			}
			cur := p.Amount.Currency()
			avail := sup.Balance(cur).Available()
			rs := sup.holds(cur)
			// What the supplier owes is repaid from its balance first
			// (offset): it holds a payout only when nothing is left.
			if slices.ContainsFunc(rs, func(r payment.Reason) bool { return r.Code != HoldReceivable }) || len(rs) > 0 && !avail.IsPositive() {
				return &PayoutHeldError{SupplierID: sup.ID, Reasons: rs}
			}
			switch {
			case !avail.IsPositive():
				return errNothingToPay
			case !onDemand:
				p.Amount = avail
			case p.Amount.Minor() > avail.Minor():
				return fmt.Errorf("%w: a payout of %s is above the %s available", ErrInsufficientBalance, p.Amount, avail)
			}
			if least := s.rules.Payouts.minimum(cur); p.Amount.Minor() < least {
				m, _ := payment.FromMinor(least, cur)
				return fmt.Errorf("%w: a payout of %s is below the minimum of %s", payment.ErrInvalidAmount, p.Amount, m)
			}
			_ = sup.move(j, EntryPayout, p.ID, p.Amount, now) // at most what is available
			p.SupplierID, p.Destination, p.Status, p.CreatedAt, p.UpdatedAt = sup.ID, sup.PayoutDestination, PayoutPending, now, now
			p.Timeline = []PayoutEvent{{Status: PayoutPending, At: now, By: by}}
			made = p
			return nil
		},
		func(ctx context.Context) error { return s.putPayout(ctx, made) })
	if err != nil {
		return nil, err
	}
	return made.Clone(), nil
}

// PayoutAggregate is the Aggregate of the messages of payouts: one per
// step of a payout (N its number in the Timeline, from 1; Type
// "payout." and the status it reached: "payout.pending" asks the
// caller's processor to send it), with the Payout as its JSON payload
// (PayoutOf decodes it). They go to Config.Outbox in the unit of work of
// the step, beside the supplier's own Notice.
const PayoutAggregate = "payout"

// PayoutOf returns the payout message m carries, or an error wrapping
// payment.ErrInvalidRequest when m is not a payout's message.
func PayoutOf(m payment.Message) (*Payout, error) {
	p, err := payment.Payload[Payout](m, PayoutAggregate)
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// putPayout writes p, in the unit of work ctx carries, with the message
// of its last step.
func (s *Service) putPayout(ctx context.Context, p *Payout) error {
	if err := s.store.PutPayout(ctx, p.SupplierID, p); err != nil {
		return err
	}
	return payment.Emit(ctx, s.outbox, PayoutAggregate, p.ID, len(p.Timeline), string(p.Status), p.UpdatedAt, p)
}

// PayoutOutcome is what the caller's processor reports of a payout.
type PayoutOutcome struct {
	Status       PayoutStatus   `json:"status"` // sent, paid, failed or returned
	ProcessorRef string         `json:"processor_ref,omitempty"`
	Reason       payment.Reason `json:"reason,omitzero"` // why it failed or was returned
}

// ReportPayout records the processor's report of payout payoutID of the
// supplier: sent; paid (its amount moves to PaidOut); failed, or returned
// once paid (its amount is back in the available balance, and repays
// what the supplier owes first). The processor's webhook (a system actor)
// or a platform agent reports. A report of the payout's status again, or
// of sent once it is further on (webhooks arrive out of order), changes
// nothing; any other move is payment.ErrInvalidTransition.
func (s *Service) ReportPayout(ctx context.Context, by payment.Actor, supplierID, payoutID string, o PayoutOutcome) (*Payout, error) {
	if err := payment.RequireRole(by, "report payouts", processor()...); err != nil {
		return nil, err
	}
	if err := payment.CheckLengths(ErrInvalidRequest, payment.CheckID("the supplier id", supplierID), payment.CheckID("the payout id", payoutID),
		payment.CheckID("the processor reference", o.ProcessorRef), payment.CheckID("the reason code", o.Reason.Code),
		payment.CheckText("the reason", o.Reason.Text)); err != nil {
		return nil, err
	}
	if o.Status == PayoutPending || !slices.Contains([]PayoutStatus{PayoutSent, PayoutPaid, PayoutFailed, PayoutReturned}, o.Status) {
		return nil, invalidf("a payout outcome is %s, %s, %s or %s, not %q", PayoutSent, PayoutPaid, PayoutFailed, PayoutReturned, o.Status)
	}
	var p *Payout
	_, err := s.history(ctx, "report_payout", supplierID,
		func(ctx context.Context) error {
			var err error
			p, err = s.store.Payout(ctx, supplierID, payoutID)
			return err
		},
		func(sup *Supplier, j *journal, now time.Time) error {
			if p == nil {
				return fmt.Errorf("%w: payout %q of supplier %q", ErrNotFound, payoutID, supplierID)
			}
			if p.Status == o.Status || o.Status == PayoutSent && p.Status != PayoutPending {
				return idem.ErrUnchanged // a replayed or a late webhook
			}
			to, err := payouts.Fire(ctx, p.Status, o.Status, by, "payout")
			if err != nil {
				return fmt.Errorf("%w: payout %s is %s: %s: %w", payment.ErrInvalidTransition, p.ID, p.Status, o.Status, err)
			}
			a := p.Amount
			if kind, ok := moves(to); ok {
				_ = sup.move(j, kind, p.ID, a, now) // the payout's amount, which the counter it leaves holds
			}
			sup.offset(j, a.Currency(), now)
			p.Status, p.UpdatedAt = to, now
			if o.ProcessorRef != "" {
				p.ProcessorRef = o.ProcessorRef
			}
			p.Timeline = append(p.Timeline, PayoutEvent{Status: to, At: now, By: by, ProcessorRef: o.ProcessorRef, Reason: o.Reason})
			return nil
		},
		func(ctx context.Context) error { return s.putPayout(ctx, p) })
	if err != nil {
		return nil, err
	}
	return p.Clone(), nil
}

// PayoutRun is what one scheduled run did: the payouts it made (or found
// made by an earlier run of the period), and the balances it left, with
// why.
type PayoutRun struct {
	Period  string        `json:"period"` // empty: no run was due
	Payouts []*Payout     `json:"payouts"`
	Held    []HeldBalance `json:"held,omitempty"`
}

// HeldBalance is a supplier's balance a run did not pay, and why.
type HeldBalance struct {
	SupplierID string           `json:"supplier_id"`
	Available  payment.Money    `json:"available"`
	Reasons    []payment.Reason `json:"reasons"`
}

// RunPayouts runs the payouts due now by the programme's schedule
// (Rules.Payouts): each supplier's available balance in each currency, at
// least the currency's minimum, is paid out unless held (each held
// balance is in the run's Held, with its reasons). A run is made once per
// period: running it again in the same period (two schedulers at once, a
// retry after a crash) makes no second payout, and what was credited
// since waits for the next period. A scheduler (system actor) or a
// platform agent runs it; with no run due (on demand, or not the weekly
// run's day) it does nothing.
func (s *Service) RunPayouts(ctx context.Context, by payment.Actor) (*PayoutRun, error) {
	if err := payment.RequireRole(by, "run payouts", payment.RoleSystem, payment.RolePlatform); err != nil {
		return nil, err
	}
	period, due := s.rules.Payouts.period(s.clock.Now())
	run := &PayoutRun{Period: period, Payouts: []*Payout{}}
	if !due {
		return run, nil
	}
	sups, err := s.store.List(ctx)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(sups, func(a, b *Supplier) int { return cmp.Compare(a.ID, b.ID) })
	for _, sup := range sups {
		for _, b := range sup.Balances {
			cur := b.Currency
			zero, _ := payment.FromMinor(0, cur)
			p, err := s.payout(ctx, by, sup.ID, &Payout{ID: payoutID(sup.ID, "run", period+"/"+string(cur)), Run: period, Amount: zero}, false)
			var held *PayoutHeldError
			switch {
			case err == nil:
				run.Payouts = append(run.Payouts, p)
			case errors.As(err, &held):
				run.Held = append(run.Held, HeldBalance{SupplierID: sup.ID, Available: b.Available(), Reasons: held.Reasons})
			case errors.Is(err, payment.ErrInvalidAmount):
				run.Held = append(run.Held, HeldBalance{SupplierID: sup.ID, Available: b.Available(), Reasons: []payment.Reason{{Code: HoldBelowMinimum, Text: err.Error()}}})
			case errors.Is(err, errNothingToPay):
			default:
				return nil, err // a store's: run it again
			}
		}
	}
	return run, nil
}

// Payout returns payout id of supplier supplierID, or an error satisfying
// errors.Is(err, ErrNotFound).
func (s *Service) Payout(ctx context.Context, supplierID, id string) (*Payout, error) {
	return s.store.Payout(ctx, supplierID, id)
}

// Payouts returns the supplier's payouts, oldest first.
func (s *Service) Payouts(ctx context.Context, supplierID string) ([]*Payout, error) {
	ps, err := s.store.Payouts(ctx, supplierID)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(ps, func(a, b *Payout) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return ps, nil
}
