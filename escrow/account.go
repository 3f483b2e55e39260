package escrow

import (
	"fmt"
	"slices"
	"time"

	"github.com/tradeassure/tradeassure/payment"
)

// Ledger names one side of a ledger entry. Money only ever moves into
// escrow from the buyer's funding or the programme's guarantee, and from
// escrow to one of five destinations.
type Ledger string

// The ledgers of an escrow account.
const (
	BuyerFunding    Ledger = "buyer_funding"    // where held money comes from: the buyer's payments
	Escrow          Ledger = "escrow"           // what the account holds
	SupplierPayable Ledger = "supplier_payable" // released to the supplier, net of fees
	PlatformFee     Ledger = "platform_fee"     // the platform's fee on releases
	BuyerRefund     Ledger = "buyer_refund"     // returned to the buyer
	Compensation    Ledger = "compensation"     // paid to the buyer as compensation
	// Guarantee is the programme's guarantee fund, platform money: it pays
	// into escrow what the buyer is owed on an order whose money was
	// released already (a claim decided for the buyer after release).
	Guarantee Ledger = "guarantee"
	// Recovery is what a release withholds from the supplier to repay the
	// guarantee what it paid for the supplier's earlier orders.
	Recovery Ledger = "recovery"
)

// Entry is one immutable line of an account's ledger: Amount moves From one
// ledger To another. In double-entry terms To is debited and From credited
// by the same amount, so the ledgers of an account always sum to zero.
type Entry struct {
	Seq    int64         `json:"seq"` // 1, 2, 3, … within the account
	From   Ledger        `json:"from"`
	To     Ledger        `json:"to"`
	Amount payment.Money `json:"amount"` // positive, in the account's currency
	Key    string        `json:"key"`    // the idempotency key of the operation that wrote it
	Ref    string        `json:"ref,omitempty"`
	Memo   string        `json:"memo,omitempty"`
	Actor  payment.Actor `json:"actor"`
	At     time.Time     `json:"at"`
}

// movement reports whether an entry may move money from one ledger to
// another.
func movement(from, to Ledger) bool {
	switch {
	case from == BuyerFunding || from == Guarantee:
		return to == Escrow
	case from == Escrow:
		return to == SupplierPayable || to == PlatformFee || to == BuyerRefund || to == Compensation || to == Recovery
	}
	return false
}

// Op is an operation on an account.
type Op string

// Operations.
const (
	OpOpen       Op = "open" // Open is idempotent by order id; it keeps no record
	OpHold       Op = "hold"
	OpReturn     Op = "return"
	OpRelease    Op = "release"
	OpRefund     Op = "refund"
	OpCompensate Op = "compensate"
	OpSettle     Op = "settle"
	OpFreeze     Op = "freeze"
	OpUnfreeze   Op = "unfreeze"
	OpClose      Op = "close"
)

// Operation is the idempotency record of one operation applied to the
// account: the key it came with, a fingerprint of the request, and the
// entries it wrote (Seqs First..Last; none when Last < First). A request
// that repeats a key is answered from this record.
type Operation struct {
	Key         string        `json:"key"`
	Op          Op            `json:"op"`
	Fingerprint string        `json:"fingerprint"`
	Actor       payment.Actor `json:"actor"`
	At          time.Time     `json:"at"`
	First       int64         `json:"first"`
	Last        int64         `json:"last"`
	Memo        string        `json:"memo,omitempty"`
}

// Account is one escrow account, one per order, in the order's currency:
// its parties, its state, its ledger and the record of every operation.
type Account struct {
	// ID is the order's id: there is one account per order.
	ID         string           `json:"id"`
	BuyerID    string           `json:"buyer_id"`
	SupplierID string           `json:"supplier_id"`
	Currency   payment.Currency `json:"currency"`

	// Frozen accounts move no money until unfreezed: by a platform agent,
	// or by the system actor that froze them (FrozenBy).
	Frozen       bool          `json:"frozen"`
	FreezeReason string        `json:"freeze_reason,omitempty"`
	FrozenBy     payment.Actor `json:"frozen_by"`
	// Closed accounts move no money at all, ever again.
	Closed bool `json:"closed"`

	Entries    []Entry     `json:"entries"`
	Operations []Operation `json:"operations"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Version is advanced by the store on every write.
	Version int64 `json:"version"`
}

// Clone returns a deep copy of a.
func (a *Account) Clone() *Account {
	c := *a
	c.Entries = slices.Clone(a.Entries)
	c.Operations = slices.Clone(a.Operations)
	return &c
}

// operation returns the record of the operation by actor by with that
// key, if any: a key is its caller's.
func (a *Account) operation(by payment.Actor, key string) (Operation, bool) {
	for _, op := range a.Operations {
		if op.Key == key && op.Actor == by {
			return op, true
		}
	}
	return Operation{}, false
}

// Balance is what an account's ledger adds up to. Always:
//
//	Held + Guaranteed = Released + Fees + Refunded + Compensated + Recovered + Remaining, Remaining ≥ 0
//
// Available is what may move now: Remaining, or zero while the account is
// frozen (when Frozen is Remaining) or closed.
type Balance struct {
	Held        payment.Money `json:"held"`        // paid in by the buyer
	Released    payment.Money `json:"released"`    // paid to the supplier, net of fees
	Fees        payment.Money `json:"fees"`        // the platform's fees on releases
	Refunded    payment.Money `json:"refunded"`    // returned to the buyer
	Compensated payment.Money `json:"compensated"` // paid to the buyer as compensation
	// Guaranteed is what the programme's guarantee paid in for the buyer
	// after the money was released; Recovered what releases withheld
	// from the supplier to repay the guarantee for its other orders.
	Guaranteed payment.Money `json:"guaranteed"`
	Recovered  payment.Money `json:"recovered"`
	Remaining  payment.Money `json:"remaining"` // still in escrow
	Frozen     payment.Money `json:"frozen"`    // held back by a freeze
	Available  payment.Money `json:"available"` // free to move
}

// Balance adds up the account's ledger. It fails only when the ledger is
// inconsistent (see Verify), which no sequence of operations can cause.
func (a *Account) Balance() (Balance, error) {
	t, err := a.totals(len(a.Entries))
	if err != nil {
		return Balance{}, err
	}
	return t.balance(a)
}

// Verify checks the account's ledger: entries numbered 1, 2, 3, …; every
// amount positive and in the account's currency; every movement one the
// ledger allows; the escrow balance never negative after any entry; and
// every operation record pointing at entries that exist. It returns the
// first problem found.
func (a *Account) Verify() error {
	if _, err := a.totals(len(a.Entries)); err != nil {
		return err
	}
	var next int64 = 1
	for _, op := range a.Operations {
		if op.Last >= op.First && (op.First != next || op.Last > int64(len(a.Entries))) {
			return fmt.Errorf("escrow: account %s: operation %q claims entries %d..%d, next entry is %d", a.ID, op.Key, op.First, op.Last, next)
		}
		if op.Last >= op.First {
			next = op.Last + 1
		}
	}
	if next != int64(len(a.Entries))+1 {
		return fmt.Errorf("escrow: account %s: entries %d.. belong to no operation", a.ID, next)
	}
	return nil
}

// totals sums the first n entries in minor units, checking each.
type totals struct {
	held, guaranteed, released, fees, refunded, compensated, recovered int64
}

func (t totals) remaining() int64 {
	return t.held + t.guaranteed - t.released - t.fees - t.refunded - t.compensated - t.recovered
}

func (a *Account) totals(n int) (totals, error) {
	var t totals
	if n < 0 || n > len(a.Entries) {
		return t, fmt.Errorf("escrow: account %s: %d entries needed, %d stored", a.ID, n, len(a.Entries))
	}
	for i, e := range a.Entries[:n] {
		units := e.Amount.Minor()
		switch {
		case e.Seq != int64(i)+1:
			return t, fmt.Errorf("escrow: account %s: entry %d has sequence number %d", a.ID, i+1, e.Seq)
		case e.Amount.Currency() != a.Currency:
			return t, fmt.Errorf("escrow: account %s: entry %d is in %s, not %s", a.ID, e.Seq, e.Amount.Currency(), a.Currency)
		case units <= 0:
			return t, fmt.Errorf("escrow: account %s: entry %d moves %s, not a positive amount", a.ID, e.Seq, e.Amount)
		case !movement(e.From, e.To):
			return t, fmt.Errorf("escrow: account %s: entry %d moves money from %s to %s", a.ID, e.Seq, e.From, e.To)
		}
		switch e.To {
		case Escrow:
			if e.From == Guarantee {
				t.guaranteed += units
			} else {
				t.held += units
			}
		case SupplierPayable:
			t.released += units
		case PlatformFee:
			t.fees += units
		case BuyerRefund:
			t.refunded += units
		case Compensation:
			t.compensated += units
		case Recovery:
			t.recovered += units
		}
		if t.remaining() < 0 {
			return t, fmt.Errorf("escrow: account %s: entry %d overdraws escrow by %d minor units", a.ID, e.Seq, -t.remaining())
		}
	}
	return t, nil
}

func (t totals) balance(a *Account) (Balance, error) {
	var b Balance
	var err error
	for _, f := range []struct {
		dst   *payment.Money
		units int64
	}{
		{&b.Held, t.held}, {&b.Released, t.released}, {&b.Fees, t.fees}, {&b.Refunded, t.refunded},
		{&b.Compensated, t.compensated}, {&b.Guaranteed, t.guaranteed}, {&b.Recovered, t.recovered}, {&b.Remaining, t.remaining()},
	} {
		if *f.dst, err = payment.FromMinor(f.units, a.Currency); err != nil {
			return Balance{}, fmt.Errorf("escrow: account %s: %w", a.ID, err)
		}
	}
	b.Frozen, b.Available = b.Remaining, b.Remaining
	zero, err := payment.FromMinor(0, a.Currency)
	if err != nil {
		return Balance{}, err
	}
	if a.Frozen {
		b.Available = zero
	} else {
		b.Frozen = zero
	}
	if a.Closed {
		b.Available = zero
	}
	return b, nil
}
