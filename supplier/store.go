package supplier

import (
	"context"
	"time"

	"github.com/tradeassure/tradeassure/payment"
)

// Store keeps suppliers and, beside each, its history: the records of its
// completed orders and of its inquiries, which the supplier's Record
// counts, and its payouts, whose amounts its Balances count. Callers implement it over their own database or use
// NewMemoryStore; package suppliertest checks an implementation against
// this contract. Every method honours ctx and copies values in and out; the
// store sets Version to 1 on create and advances it by one on every update.
//
// The service replaces a record of a supplier's history only in a unit of
// work that also updates the supplier (its Record counts what was
// written), so the supplier's version orders every such write: the
// history needs no versions of its own. The record of an order opened
// (AddOrderRecord) is only ever added, never replaced, so it needs none
// either. An order is one supplier's: its id names one record in the
// whole store.
type Store interface {
	// Create stores a new supplier and returns it as stored, or an error
	// satisfying errors.Is(err, ErrDuplicate) when the id is taken; exactly
	// one of several concurrent creates succeeds.
	Create(ctx context.Context, s *Supplier) (*Supplier, error)

	// Supplier returns the supplier with that id, or an error satisfying
	// errors.Is(err, ErrNotFound).
	Supplier(ctx context.Context, id string) (*Supplier, error)

	// Update reads the supplier, applies fn to it and writes the result with
	// its version advanced, returning it as stored. If fn returns an error,
	// nothing is written and the error returned satisfies errors.Is for
	// fn's error. It returns an error satisfying errors.Is(err, ErrNotFound)
	// when there is no such supplier, and errors.Is(err, ErrConflict) when
	// the supplier was written by someone else between the read and the
	// write. Update calls fn exactly once, on a copy, and holds no lock
	// while fn runs that would block another Update of the same supplier.
	Update(ctx context.Context, id string, fn func(*Supplier) error) (*Supplier, error)

	// List returns every supplier, in no particular order.
	List(ctx context.Context) ([]*Supplier, error)

	// OrderRecord returns the record of order orderID of supplier
	// supplierID, or an error satisfying errors.Is(err, ErrNotFound).
	OrderRecord(ctx context.Context, supplierID, orderID string) (*OrderRecord, error)

	// PutOrderRecord stores o as the record of order o.OrderID of
	// supplier supplierID, replacing the one stored. It returns an error
	// satisfying errors.Is(err, ErrDuplicate) when another supplier has
	// a record of the order.
	PutOrderRecord(ctx context.Context, supplierID string, o *OrderRecord) error

	// AddOrderRecord stores o as the record of order o.OrderID of
	// supplier supplierID unless the supplier has one, which it leaves as
	// it is; ErrDuplicate as PutOrderRecord.
	AddOrderRecord(ctx context.Context, supplierID string, o *OrderRecord) error

	// SupplierOf returns the supplier that has a record of order orderID,
	// or an error satisfying errors.Is(err, ErrNotFound). A store that
	// reads in round trips may read the record with it (the PostgreSQL
	// store does, for the unit of work's later OrderRecord).
	SupplierOf(ctx context.Context, orderID string) (*Supplier, error)

	// Inquiry returns inquiry id of supplier supplierID, or an error
	// satisfying errors.Is(err, ErrNotFound).
	Inquiry(ctx context.Context, supplierID, id string) (*Inquiry, error)

	// PutInquiry stores q as inquiry q.ID of supplier supplierID,
	// replacing the one stored.
	PutInquiry(ctx context.Context, supplierID string, q *Inquiry) error

	// Payout returns payout id of supplier supplierID, or an error
	// satisfying errors.Is(err, ErrNotFound).
	Payout(ctx context.Context, supplierID, id string) (*Payout, error)

	// PutPayout stores p as payout p.ID of supplier supplierID, replacing
	// the one stored.
	PutPayout(ctx context.Context, supplierID string, p *Payout) error

	// Payouts returns every payout of supplier supplierID, in no
	// particular order.
	Payouts(ctx context.Context, supplierID string) ([]*Payout, error)

	// AddBalanceEntries stores entries of the ledger of supplier
	// supplierID's balances, each under its Seq, which the supplier has
	// no entry under (the service writes them in the unit of work that
	// advances Supplier.Entries).
	AddBalanceEntries(ctx context.Context, supplierID string, entries []BalanceEntry) error

	// BalanceEntries returns the entries of supplier supplierID's
	// balance in cur at or after from and before to, in Seq order, at
	// most limit of them, and the last
	// entry in cur before from (nil when there is none): a statement's
	// opening. A store answers from an index on the supplier, the
	// currency and the instant, so that its cost does not grow with the
	// history outside the period.
	BalanceEntries(ctx context.Context, supplierID string, cur payment.Currency, from, to time.Time, limit int) (before *BalanceEntry, entries []BalanceEntry, err error)
}
