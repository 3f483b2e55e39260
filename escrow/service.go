package escrow

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradeassure/tradeassure/internal/idem"
	"github.com/tradeassure/tradeassure/payment"
)

// FeeFunc computes the platform's fee on a release of gross to the supplier
// of account a (a copy: changing it changes nothing). It must be pure: a
// retried operation calls it again and must get the same fee. The fee must
// be in the account's currency, not negative and not above gross; the zero
// Money means no fee.
type FeeFunc func(ctx context.Context, a *Account, gross payment.Money) (payment.Money, error)

// PercentFee returns a FeeFunc charging rate (0.02 for 2%) of every release,
// rounded to the currency's minor unit with mode.
func PercentFee(rate decimal.Decimal, mode payment.RoundingMode) FeeFunc {
	return func(_ context.Context, _ *Account, gross payment.Money) (payment.Money, error) {
		return gross.Mul(rate, mode)
	}
}

// Config configures a Service.
type Config struct {
	// Store keeps the accounts. Required.
	Store Store
	// Clock tells the time. Required.
	Clock payment.Clock
	// ReleaseFee computes the platform fee booked on each release. nil
	// means releases carry no fee.
	ReleaseFee FeeFunc
	// Unit makes each operation one unit of work over the account and its
	// ledger. It must be the unit of the store's kind. An operation
	// called inside another service's unit (the order service's) joins
	// it. Default: payment.MemoryUnit(), the in-memory stores' (a store
	// of another kind refuses every call made inside it).
	Unit payment.UnitOfWork
	// Outbox receives, in each operation's unit, its Notice (see
	// order.Config.Outbox). Default: none, and no messages.
	Outbox payment.Outbox
}

// Service moves money through escrow accounts. Every operation names its
// actor and carries an idempotency key, scoped to the account: the same key
// with the same request returns the first receipt and writes nothing; the
// same key with another request is ErrIdempotencyMismatch. A refused
// operation writes nothing. Each operation is one unit of work; one that
// loses a race with another runs again whole, a bounded number of times
// (idem.Attempts), before ErrConflict is returned to the caller, who may
// retry with the same key.
//
// Only a system actor (the caller's order or dispute service, its
// scheduler) or a platform agent moves money; buyers and suppliers act
// through orders and disputes, which call escrow on their behalf. Only a
// platform agent unfreezes an account.
type Service struct {
	store  Store
	clock  payment.Clock
	fee    FeeFunc
	unit   payment.UnitOfWork
	outbox payment.Outbox
}

// NewService returns a Service for cfg.
func NewService(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Clock == nil {
		return nil, invalidf("escrow.Config needs a Store and a Clock")
	}
	fee := cfg.ReleaseFee
	if fee == nil {
		fee = func(context.Context, *Account, payment.Money) (payment.Money, error) { return payment.Money{}, nil }
	}
	unit := cfg.Unit
	if unit == nil {
		unit = payment.MemoryUnit()
	}
	return &Service{store: cfg.Store, clock: cfg.Clock, fee: fee, unit: unit, outbox: cfg.Outbox}, nil
}

// OpenRequest opens the escrow account of an order.
type OpenRequest struct {
	OrderID    string           `json:"order_id"`
	BuyerID    string           `json:"buyer_id"`
	SupplierID string           `json:"supplier_id"`
	Currency   payment.Currency `json:"currency"`
}

// Open creates the escrow account of an order, with the order's id as its
// id. Opening an account that exists with the same parties and currency
// returns it; with others, it is ErrDuplicate.
func (s *Service) Open(ctx context.Context, by payment.Actor, req OpenRequest) (*Account, error) {
	if err := payment.RequireRole(by, "open an escrow account", payment.RoleSystem, payment.RolePlatform); err != nil {
		return nil, err
	}
	switch {
	case req.OrderID == "" || req.BuyerID == "" || req.SupplierID == "":
		return nil, invalidf("an escrow account needs an order, a buyer and a supplier")
	case req.BuyerID == req.SupplierID:
		return nil, invalidf("buyer and supplier are both %q", req.BuyerID)
	}
	if err := payment.CheckLengths(ErrInvalidRequest, payment.CheckID("the order id", req.OrderID),
		payment.CheckID("the buyer id", req.BuyerID), payment.CheckID("the supplier id", req.SupplierID)); err != nil {
		return nil, err
	}
	if err := req.Currency.Validate(); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	a := &Account{
		ID: req.OrderID, BuyerID: req.BuyerID, SupplierID: req.SupplierID, Currency: req.Currency,
		CreatedAt: now, UpdatedAt: now,
	}
	created, err := s.store.Create(ctx, a)
	if !errors.Is(err, ErrDuplicate) {
		return created, err
	}
	existing, err := s.store.Account(ctx, req.OrderID)
	if err != nil {
		return nil, err
	}
	if existing.BuyerID != req.BuyerID || existing.SupplierID != req.SupplierID || existing.Currency != req.Currency {
		return nil, fmt.Errorf("%w: account %s is for buyer %s, supplier %s in %s",
			ErrDuplicate, existing.ID, existing.BuyerID, existing.SupplierID, existing.Currency)
	}
	return existing, nil
}

// Receipt is the result of an operation: the entries it wrote and the
// escrow balance right after them. A replayed request gets the same receipt
// with Replayed set.
type Receipt struct {
	AccountID string        `json:"account_id"`
	Key       string        `json:"key"`
	Op        Op            `json:"op"`
	Entries   []Entry       `json:"entries"`
	Remaining payment.Money `json:"remaining"` // in escrow right after the operation
	Replayed  bool          `json:"replayed,omitempty"`
}

// HoldRequest puts money received from a payment into escrow.
type HoldRequest struct {
	Amount    payment.Money `json:"amount"`
	PaymentID string        `json:"payment_id"` // the payment the money came from
	Memo      string        `json:"memo,omitempty"`
}

// Hold records money received from a buyer's payment (a deposit, a balance,
// a full payment) as held in escrow. An account takes any number of holds,
// but each payment only once: holding a payment already held, under another
// key, is ErrDuplicate.
func (s *Service) Hold(ctx context.Context, by payment.Actor, id, key string, req HoldRequest) (*Receipt, error) {
	return s.do(ctx, by, id, key, OpHold, req, req.Memo, func(a *Account, t totals, w *writer) error {
		return w.receive(t, req)
	})
}

// Return books money a payment brought that the order cannot apply (the
// tranche was paid already, the order has ended, the payment is not what
// the order is owed): the money is held and refunded to the buyer in one
// operation, two entries, so that every amount a processor captured is in
// the ledger and what escrow holds for the order does not change. Unlike a
// refund it is taken on a frozen account, since it moves nothing the freeze
// secures. Each payment is received once, by Hold or Return.
func (s *Service) Return(ctx context.Context, by payment.Actor, id, key string, req HoldRequest) (*Receipt, error) {
	return s.do(ctx, by, id, key, OpReturn, req, req.Memo, func(a *Account, t totals, w *writer) error {
		if err := w.receive(t, req); err != nil {
			return err
		}
		w.move(Escrow, BuyerRefund, req.Amount, req.PaymentID, req.Memo)
		return nil
	})
}

// receive books the money of payment req.PaymentID into escrow, once per
// payment.
func (w *writer) receive(t totals, req HoldRequest) error {
	if err := payment.CheckLengths(ErrInvalidRequest, payment.CheckID("the payment id", req.PaymentID)); err != nil {
		return err
	}
	if req.PaymentID == "" {
		return invalidf("a hold names the payment the money came from")
	}
	for _, e := range w.a.Entries {
		if e.To == Escrow && e.Ref == req.PaymentID {
			return fmt.Errorf("%w: payment %s is held already (key %q)", ErrDuplicate, req.PaymentID, e.Key)
		}
	}
	if err := w.positive(req.Amount); err != nil {
		return err
	}
	if _, err := payment.FromMinor(t.held+t.guaranteed+req.Amount.Minor(), w.a.Currency); err != nil {
		return err // what the account took in would leave Money's range, and with it what it pays out
	}
	w.move(BuyerFunding, Escrow, req.Amount, req.PaymentID, req.Memo)
	return nil
}

// ReleaseRequest pays money held in escrow to the supplier.
type ReleaseRequest struct {
	// Amount is what leaves escrow: the supplier receives it less the
	// platform fee, which the Service's FeeFunc computes, and less Fee.
	Amount payment.Money `json:"amount"`
	// Fee is a further fee the supplier bears on this release, such as the
	// processing and service fees of its payments (payment.FeeQuote.SupplierFee).
	// It is booked to the platform fee ledger in an entry of its own (Ref
	// SupplierFeesRef), and charged only up to what the platform fee leaves of Amount: the
	// supplier is never charged more on a release than it is released (a
	// release made small by a compensation to the buyer). The zero Money
	// means none; a set Fee is in the account's currency and not negative.
	Fee payment.Money `json:"fee"`
	// ServiceFee is the part of Fee that is the programme's service fee
	// (payment.ServiceFee lines): booked in an entry of its own (Ref
	// ServiceFeeRef), the rest of Fee in the SupplierFeesRef entry, so
	// that the revenue report tells the service fees apart. When the
	// release leaves less than Fee, the service fee is charged first. The
	// zero Money means none; a set ServiceFee is at most Fee.
	ServiceFee payment.Money `json:"service_fee,omitzero"`
	// Recover is at most how much of what the release leaves the supplier
	// (after the fees) goes to the Recovery ledger instead: money the
	// supplier owes the programme's guarantee for a refund it paid on
	// another order of the supplier's (see supplier.Receivable). What is
	// recovered is never more than the supplier is released; the receipt's
	// Recovery entry says how much it was. The zero Money means none.
	Recover payment.Money `json:"recover,omitzero"`
	Memo    string        `json:"memo,omitempty"`
}

// Release pays some or all of the available balance to the supplier. The
// platform fee is booked as its own entry, so the supplier's net payout and
// the platform's revenue are both visible. A release larger than the
// available balance is an *InsufficientFundsError.
func (s *Service) Release(ctx context.Context, by payment.Actor, id, key string, req ReleaseRequest) (*Receipt, error) {
	return s.do(ctx, by, id, key, OpRelease, req, req.Memo, func(a *Account, t totals, w *writer) error {
		return w.release(ctx, s.fee, t, req.Amount, req.Fee, req.ServiceFee, req.Recover, req.Memo)
	})
}

// RefundRequest returns money held in escrow to the buyer.
type RefundRequest struct {
	Amount payment.Money `json:"amount"`
	Memo   string        `json:"memo,omitempty"`
}

// Refund returns some or all of the available balance to the buyer. A
// refund never exceeds what is in escrow, and so never what the buyer paid
// in net of earlier refunds.
func (s *Service) Refund(ctx context.Context, by payment.Actor, id, key string, req RefundRequest) (*Receipt, error) {
	return s.do(ctx, by, id, key, OpRefund, req, req.Memo, func(a *Account, t totals, w *writer) error {
		return w.drawTo(BuyerRefund, t, req.Amount, req.Memo)
	})
}

// CompensateRequest pays the buyer a compensation out of escrow.
type CompensateRequest struct {
	Amount payment.Money `json:"amount"`
	Memo   string        `json:"memo,omitempty"` // why: late shipment, a dispute decision
}

// Compensate pays the buyer a compensation (for a late shipment, after a
// dispute) out of the available balance, which reduces what the supplier
// can be paid.
func (s *Service) Compensate(ctx context.Context, by payment.Actor, id, key string, req CompensateRequest) (*Receipt, error) {
	return s.do(ctx, by, id, key, OpCompensate, req, req.Memo, func(a *Account, t totals, w *writer) error {
		return w.drawTo(Compensation, t, req.Amount, req.Memo)
	})
}

// SettleRequest is a split decided elsewhere, such as a dispute decision of
// 70% refund and 30% release. A part left as the zero Money is not paid.
type SettleRequest struct {
	Refund     payment.Money `json:"refund"`
	Compensate payment.Money `json:"compensate"`
	Release    payment.Money `json:"release"` // gross: the platform fee comes out of it
	// Guarantee is what the programme's guarantee pays into the account
	// first, for the buyer's parts, when escrow no longer holds them (a
	// claim decided for the buyer after the money was released): at most
	// Refund and Compensate together, and never what escrow still holds
	// (at most the parts less the remaining balance). The zero Money means
	// none.
	Guarantee payment.Money `json:"guarantee,omitzero"`
	// Recover is at most how much of the release goes to the Recovery
	// ledger instead of the supplier (see ReleaseRequest.Recover).
	Recover payment.Money `json:"recover,omitzero"`
	Memo    string        `json:"memo,omitempty"`
}

// Settle applies a split in one atomic step: every part or none. The parts
// together may not exceed the available balance and the guarantee paid
// in. Use Money.Allocate on the balance's Available to turn ratios into
// parts that add up exactly.
func (s *Service) Settle(ctx context.Context, by payment.Actor, id, key string, req SettleRequest) (*Receipt, error) {
	return s.do(ctx, by, id, key, OpSettle, req, req.Memo, func(a *Account, t totals, w *writer) error {
		var sum, buyer int64
		for i, p := range []payment.Money{req.Refund, req.Compensate, req.Release, req.Guarantee} {
			if p == (payment.Money{}) {
				continue
			}
			if err := w.nonNegative(p); err != nil {
				return err
			}
			switch i {
			case 0, 1:
				buyer += p.Minor()
				sum += p.Minor()
			case 2:
				sum += p.Minor()
			}
		}
		if sum == 0 {
			return fmt.Errorf("%w: a settlement moves something", payment.ErrInvalidAmount)
		}
		if g := req.Guarantee; g.IsPositive() {
			switch {
			case g.Minor() > buyer:
				return fmt.Errorf("%w: a guarantee of %s is above the buyer's parts of the settlement", payment.ErrInvalidAmount, g)
			case g.Minor() > sum-t.remaining():
				return fmt.Errorf("%w: a guarantee of %s is above what escrow lacks for the settlement", payment.ErrInvalidAmount, g)
			}
			if _, err := payment.FromMinor(t.held+t.guaranteed+g.Minor(), a.Currency); err != nil {
				return err // what the account took in would leave Money's range
			}
			w.move(Guarantee, Escrow, g, "", req.Memo)
		}
		total, err := payment.FromMinor(sum, a.Currency)
		if err != nil {
			return err
		}
		if err := w.available(t, total); err != nil {
			return err
		}
		if req.Refund.IsPositive() {
			w.move(Escrow, BuyerRefund, req.Refund, "", req.Memo)
		}
		if req.Compensate.IsPositive() {
			w.move(Escrow, Compensation, req.Compensate, "", req.Memo)
		}
		if req.Release.IsPositive() {
			return w.release(ctx, s.fee, t, req.Release, payment.Money{}, payment.Money{}, req.Recover, req.Memo)
		}
		return nil
	})
}

// Freeze stops every movement of money out of the account, and its
// closing, until it is unfrozen; attempts are refused with ErrFrozen and
// write nothing. Holds are still taken. A system
// actor (risk control, a dispute being opened) or a platform agent may
// freeze. Freezing a frozen account replaces its reason and who froze it;
// only a platform agent or the system actor that froze it may do that.
// Every freeze and unfreeze stays in the account's operation records with
// its reason.
func (s *Service) Freeze(ctx context.Context, by payment.Actor, id, key, reason string) (*Receipt, error) {
	return s.do(ctx, by, id, key, OpFreeze, reason, reason, func(a *Account, _ totals, _ *writer) error {
		if reason == "" {
			return invalidf("a freeze needs a reason")
		}
		if a.Frozen && by.Role != payment.RolePlatform && by != a.FrozenBy {
			// Another system actor may not take over a freeze, which would
			// let it unfreeze what it did not freeze.
			return &payment.ActorError{Actor: by, Action: "freeze escrow frozen by " + a.FrozenBy.String()}
		}
		a.Frozen, a.FreezeReason, a.FrozenBy = true, reason, by
		return nil
	})
}

// Unfreeze lets the account move money again. A platform agent may, and
// the system actor that froze it (the dispute that opened, once it ends);
// no other system actor may (a *payment.ActorError).
func (s *Service) Unfreeze(ctx context.Context, by payment.Actor, id, key, note string) (*Receipt, error) {
	return s.do(ctx, by, id, key, OpUnfreeze, note, note, func(a *Account, _ totals, _ *writer) error {
		if by.Role != payment.RolePlatform && by != a.FrozenBy {
			return &payment.ActorError{Actor: by, Action: "unfreeze escrow frozen by " + a.FrozenBy.String()}
		}
		a.Frozen, a.FreezeReason, a.FrozenBy = false, "", payment.Actor{}
		return nil
	})
}

// Close closes an account whose balance is zero (ErrNotEmpty otherwise);
// nothing moves after that.
func (s *Service) Close(ctx context.Context, by payment.Actor, id, key string) (*Receipt, error) {
	return s.do(ctx, by, id, key, OpClose, nil, "", func(a *Account, t totals, _ *writer) error {
		if r := t.remaining(); r != 0 {
			m, _ := payment.FromMinor(r, a.Currency)
			return fmt.Errorf("%w: %s still holds %s", ErrNotEmpty, a.ID, m)
		}
		a.Closed = true
		return nil
	})
}

// Account returns the account with its ledger and operation records.
func (s *Service) Account(ctx context.Context, id string) (*Account, error) {
	return s.store.Account(ctx, id)
}

// Balance returns what the account's ledger adds up to now.
func (s *Service) Balance(ctx context.Context, id string) (Balance, error) {
	a, err := s.store.Account(ctx, id)
	if err != nil {
		return Balance{}, err
	}
	return a.Balance()
}

// roles says who may perform each operation.
func roles(op Op) []payment.Role {
	return []payment.Role{payment.RoleSystem, payment.RolePlatform}
}

// frozenOut reports whether op is refused on a frozen account: every
// operation that lets money out or ends the account. A hold (money coming
// in) is taken: a freeze secures what escrow holds, and refusing a
// payment that already succeeded would leave the buyer's money nowhere;
// so is a return, which takes money in and out again at once.
func frozenOut(op Op) bool {
	return op != OpFreeze && op != OpUnfreeze && op != OpHold && op != OpReturn
}

// do runs one operation: it checks the actor and the key, answers a replay
// from the account's records, refuses closed and frozen accounts, and
// otherwise applies the change and its record in one store update.
func (s *Service) do(ctx context.Context, by payment.Actor, id, key string, op Op, req any, memo string, apply func(*Account, totals, *writer) error) (*Receipt, error) {
	if err := payment.RequireRole(by, string(op)+" escrow", roles(op)...); err != nil {
		return nil, err
	}
	if key == "" {
		return nil, invalidf("an idempotency key is required")
	}
	if err := payment.CheckLengths(ErrInvalidRequest, payment.CheckID("the account id", id), payment.CheckID("the idempotency key", key),
		payment.CheckText("the memo", memo)); err != nil {
		return nil, err
	}
	fp, err := idem.Fingerprint(struct {
		Op    Op
		Actor payment.Actor
		Req   any
	}{op, by, req})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	return idem.Atomic(ctx, s.unit, ErrConflict, func(err error) bool {
		return errors.Is(err, ErrConflict) || errors.Is(err, payment.ErrConflict)
	}, func(ctx context.Context) (*Receipt, error) { return s.update(ctx, by, id, key, op, fp, memo, apply) })
}

// update records the operation on the account in one store update, and
// its message in the outbox.
func (s *Service) update(ctx context.Context, by payment.Actor, id, key string, op Op, fp, memo string, apply func(*Account, totals, *writer) error) (*Receipt, error) {
	var rec Operation
	replayed := false
	a, err := idem.Update(func(fn func(*Account) error) (*Account, error) {
		return s.store.Update(ctx, id, fn)
	}, func(a *Account) error {
		if prev, ok := a.operation(by, key); ok {
			if prev.Op != op || prev.Fingerprint != fp {
				return fmt.Errorf("%w: key %q was %s by %s", ErrIdempotencyMismatch, key, prev.Op, prev.Actor)
			}
			rec, replayed = prev, true
			return idem.ErrUnchanged
		}
		switch {
		case a.Closed:
			return fmt.Errorf("%w: %s", ErrClosed, a.ID)
		case a.Frozen && frozenOut(op):
			return fmt.Errorf("%w: %s: %s", ErrFrozen, a.ID, a.FreezeReason)
		}
		t, err := a.totals(len(a.Entries))
		if err != nil {
			return err
		}
		now := s.clock.Now()
		first := int64(len(a.Entries)) + 1
		w := &writer{a: a, key: key, by: by, at: now}
		if err := apply(a, t, w); err != nil {
			return err
		}
		rec = Operation{Key: key, Op: op, Fingerprint: fp, Actor: by, At: now, First: first, Last: int64(len(a.Entries)), Memo: memo}
		a.Operations = append(a.Operations, rec)
		a.UpdatedAt = now
		return s.record(ctx, a, rec)
	})
	if err != nil {
		return nil, err
	}
	return receipt(a, rec, replayed)
}

// Notice is a domain event: one operation on an escrow account, with the
// entries it wrote and what escrow holds after it. It is the payload, in
// JSON, of the payment.Message the service appends to Config.Outbox in the
// operation's unit of work (Aggregate "escrow", ID the account's, N the
// operation's number on it, Type "escrow." and the operation); NoticeOf
// decodes it.
type Notice struct {
	AccountID  string    `json:"account_id"`
	BuyerID    string    `json:"buyer_id"`
	SupplierID string    `json:"supplier_id"`
	Operation  Operation `json:"operation"`
	Entries    []Entry   `json:"entries,omitempty"`
	// Remaining is what escrow holds for the account after the operation.
	Remaining payment.Money `json:"remaining"`
}

// Aggregate is the Aggregate of the escrow service's messages.
const Aggregate = "escrow"

// NoticeOf returns the notice message m carries, or an error wrapping
// payment.ErrInvalidRequest when m is not an escrow account's message.
func NoticeOf(m payment.Message) (Notice, error) {
	return payment.Payload[Notice](m, Aggregate)
}

// record appends the outbox message of operation rec on account a, in
// the unit of work ctx carries, when the service has an outbox.
func (s *Service) record(ctx context.Context, a *Account, rec Operation) error {
	if s.outbox == nil {
		return nil
	}
	r, err := receipt(a, rec, false)
	if err != nil {
		return err
	}
	rec.Fingerprint = "" // bookkeeping, not news
	return payment.Emit(ctx, s.outbox, Aggregate, a.ID, len(a.Operations), string(rec.Op), rec.At,
		Notice{AccountID: a.ID, BuyerID: a.BuyerID, SupplierID: a.SupplierID, Operation: rec, Entries: r.Entries, Remaining: r.Remaining})
}

// receipt builds the receipt of the operation rec on account a.
func receipt(a *Account, rec Operation, replayed bool) (*Receipt, error) {
	t, err := a.totals(int(rec.Last)) // fails, rather than panics, on a store that lost entries
	if err != nil {
		return nil, err
	}
	remaining, err := payment.FromMinor(t.remaining(), a.Currency)
	if err != nil {
		return nil, err
	}
	r := &Receipt{AccountID: a.ID, Key: rec.Key, Op: rec.Op, Remaining: remaining, Replayed: replayed}
	if rec.Last >= rec.First {
		r.Entries = a.Entries[rec.First-1 : rec.Last : rec.Last]
	}
	return r, nil
}

// writer appends an operation's entries to an account, and counts what the
// operation has drawn from escrow so far, net of what it brought in.
type writer struct {
	a     *Account
	key   string
	by    payment.Actor
	at    time.Time
	drawn int64 // minor units
}

// move appends an entry.
func (w *writer) move(from, to Ledger, amount payment.Money, ref, memo string) {
	switch {
	case from == Escrow:
		w.drawn += amount.Minor()
	case to == Escrow:
		w.drawn -= amount.Minor()
	}
	w.a.Entries = append(w.a.Entries, Entry{
		Seq: int64(len(w.a.Entries)) + 1, From: from, To: to, Amount: amount,
		Key: w.key, Ref: ref, Memo: memo, Actor: w.by, At: w.at,
	})
}

// nonNegative checks that m is set, in the account's currency and not
// negative.
func (w *writer) nonNegative(m payment.Money) error {
	if m == (payment.Money{}) {
		return fmt.Errorf("%w: no amount", payment.ErrInvalidAmount)
	}
	if m.Currency() != w.a.Currency {
		return &payment.CurrencyMismatchError{Want: w.a.Currency, Got: m.Currency()}
	}
	if m.IsNegative() {
		return fmt.Errorf("%w: %s is negative", payment.ErrInvalidAmount, m)
	}
	return nil
}

// positive checks that m is in the account's currency and above zero.
func (w *writer) positive(m payment.Money) error {
	if err := w.nonNegative(m); err != nil {
		return err
	}
	if m.IsZero() {
		return fmt.Errorf("%w: %s moves nothing", payment.ErrInvalidAmount, m)
	}
	return nil
}

// available checks that m does not exceed what the operation may still draw
// from escrow: the remaining balance less what it has drawn already (net
// of what it brought in).
func (w *writer) available(t totals, m payment.Money) error {
	left := t.remaining() - w.drawn
	if m.Minor() <= left {
		return nil
	}
	avail, err := payment.FromMinor(left, w.a.Currency)
	if err != nil {
		return err
	}
	return &InsufficientFundsError{AccountID: w.a.ID, Requested: m, Available: avail}
}

// drawTo moves a positive amount from escrow to a destination, within what
// is available.
func (w *writer) drawTo(to Ledger, t totals, m payment.Money, memo string) error {
	if err := w.positive(m); err != nil {
		return err
	}
	if err := w.available(t, m); err != nil {
		return err
	}
	w.move(Escrow, to, m, "", memo)
	return nil
}

// release pays gross to the supplier, net of the platform fee and of at
// most recover withheld for the guarantee, booked as up to three entries.
func (w *writer) release(ctx context.Context, fees FeeFunc, t totals, gross, extra, service, recover payment.Money, memo string) error {
	if err := w.positive(gross); err != nil {
		return err
	}
	if err := w.available(t, gross); err != nil {
		return err
	}
	fee, err := fees(ctx, w.a.Clone(), gross)
	if err != nil {
		return fmt.Errorf("escrow: release fee: %w", err)
	}
	if fee == (payment.Money{}) { // unset: no fee
		if fee, err = payment.FromMinor(0, w.a.Currency); err != nil {
			return err
		}
	}
	if err := w.nonNegative(fee); err != nil {
		return fmt.Errorf("escrow: release fee: %w", err)
	}
	net, err := gross.Sub(fee)
	if err != nil || net.IsNegative() {
		return fmt.Errorf("%w: release fee %s is above the release %s", payment.ErrInvalidAmount, fee, gross)
	}
	var charged payment.Money // of extra, what the net leaves room for
	if extra != (payment.Money{}) {
		if err := w.nonNegative(extra); err != nil {
			return fmt.Errorf("escrow: release fee: %w", err)
		}
		if charged = extra; charged.Minor() > net.Minor() {
			charged = net
		}
		net, _ = net.Sub(charged)
	}
	var serviceCharged payment.Money // of charged, the service fee's: charged first
	if service != (payment.Money{}) {
		if err := w.nonNegative(service); err != nil {
			return fmt.Errorf("escrow: service fee: %w", err)
		}
		if extra == (payment.Money{}) || service.Minor() > extra.Minor() {
			return fmt.Errorf("%w: a service fee of %s is above the supplier's fees of %s", payment.ErrInvalidAmount, service, extra)
		}
		if serviceCharged = service; serviceCharged.Minor() > charged.Minor() {
			serviceCharged = charged
		}
		charged, _ = charged.Sub(serviceCharged)
	}
	if recover != (payment.Money{}) {
		if err := w.nonNegative(recover); err != nil {
			return fmt.Errorf("escrow: recovery: %w", err)
		}
		if recover.Minor() > net.Minor() {
			recover = net
		}
		if recover.IsPositive() {
			w.move(Escrow, Recovery, recover, "", memo)
			net, _ = net.Sub(recover)
		}
	}
	if net.IsPositive() {
		w.move(Escrow, SupplierPayable, net, "", memo)
	}
	if fee.IsPositive() {
		w.move(Escrow, PlatformFee, fee, "", memo)
	}
	if serviceCharged.IsPositive() {
		w.move(Escrow, PlatformFee, serviceCharged, ServiceFeeRef, memo)
	}
	if charged.IsPositive() {
		w.move(Escrow, PlatformFee, charged, SupplierFeesRef, memo)
	}
	return nil
}

// SupplierFeesRef is the Ref of the platform-fee entry of a release that
// books the further fees the supplier bears (ReleaseRequest.Fee: its
// payments' processing fees; the service fee has its own, ServiceFeeRef),
// beside the entry of the
// platform's release fee, so that a statement shows each.
const SupplierFeesRef = "supplier_fees"

// ServiceFeeRef is the Ref of the platform-fee entry of a release that
// books the programme's service fee (ReleaseRequest.ServiceFee), apart
// from the supplier's other fees (SupplierFeesRef).
const ServiceFeeRef = "service_fee"
