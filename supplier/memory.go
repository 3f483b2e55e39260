package supplier

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/tradeassure/tradeassure/internal/memstore"
	"github.com/tradeassure/tradeassure/payment"
)

// MemoryStore is the in-memory Store: the embedded default, safe for
// concurrent use, and the reference the suppliertest kit is written against.
type MemoryStore struct {
	suppliers *memstore.Table[Supplier]
	orders    *memstore.Table[historyRow[OrderRecord]] // by order id: an order is one supplier's
	inquiries *memstore.Table[historyRow[Inquiry]]
	payouts   *memstore.Table[historyRow[*Payout]]
	entries   *memstore.Table[historyRow[BalanceEntry]] // by ofSupplier(supplier, seq)
}

var _ Store = (*MemoryStore)(nil)

// historyRow is one record of a supplier's history, under its id and the
// supplier's.
type historyRow[V any] struct {
	id       string // the order's, or ofSupplier's for an inquiry
	supplier string
	v        V
	version  int64
}

// ofSupplier is the id of a supplier's history record id: the supplier's
// id length-prefixed, so that no supplier's record names another's.
func ofSupplier(supplierID, id string) string {
	return strconv.Itoa(len(supplierID)) + ":" + supplierID + id
}

// historyTable returns a table of history records, which clone copies
// (nil: V holds no references, and a copy of the row copies it).
func historyTable[V any](clone func(V) V) *memstore.Table[historyRow[V]] {
	return memstore.New(memstore.Schema[historyRow[V]]{
		Clone: func(r *historyRow[V]) *historyRow[V] {
			c := *r
			if clone != nil {
				c.v = clone(r.v)
			}
			return &c
		},
		ID:      func(r *historyRow[V]) string { return r.id },
		Version: func(r *historyRow[V]) *int64 { return &r.version },
		Errors:  memstore.Errors{NotFound: ErrNotFound, Duplicate: ErrDuplicate, Conflict: ErrConflict},
	})
}

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		suppliers: memstore.New(memstore.Schema[Supplier]{
			Clone:   (*Supplier).Clone,
			ID:      func(s *Supplier) string { return s.ID },
			Version: func(s *Supplier) *int64 { return &s.Version },
			Errors:  memstore.Errors{NotFound: ErrNotFound, Duplicate: ErrDuplicate, Conflict: ErrConflict},
		}),
		orders:    historyTable[OrderRecord](nil),
		inquiries: historyTable[Inquiry](nil),
		payouts:   historyTable((*Payout).Clone),
		entries:   historyTable[BalanceEntry](nil),
	}
}

// Create implements Store.
func (m *MemoryStore) Create(ctx context.Context, s *Supplier) (*Supplier, error) {
	return m.suppliers.Insert(ctx, *s)
}

// Supplier implements Store.
func (m *MemoryStore) Supplier(ctx context.Context, id string) (*Supplier, error) {
	return m.suppliers.Get(ctx, id)
}

// Update implements Store.
func (m *MemoryStore) Update(ctx context.Context, id string, fn func(*Supplier) error) (*Supplier, error) {
	return m.suppliers.Update(ctx, id, nil, fn)
}

// List implements Store.
func (m *MemoryStore) List(ctx context.Context) ([]*Supplier, error) {
	return m.suppliers.All(ctx)
}

// OrderRecord implements Store.
func (m *MemoryStore) OrderRecord(ctx context.Context, supplierID, orderID string) (*OrderRecord, error) {
	return getHistory(ctx, m.orders, supplierID, orderID, orderID)
}

// PutOrderRecord implements Store.
func (m *MemoryStore) PutOrderRecord(ctx context.Context, supplierID string, o *OrderRecord) error {
	return putHistory(ctx, m, m.orders, supplierID, o.OrderID, *o, true)
}

// AddOrderRecord implements Store.
func (m *MemoryStore) AddOrderRecord(ctx context.Context, supplierID string, o *OrderRecord) error {
	return putHistory(ctx, m, m.orders, supplierID, o.OrderID, *o, false)
}

// SupplierOf implements Store.
func (m *MemoryStore) SupplierOf(ctx context.Context, orderID string) (*Supplier, error) {
	r, err := m.orders.Get(ctx, orderID)
	if err != nil {
		return nil, err
	}
	return m.suppliers.Get(ctx, r.supplier)
}

// Inquiry implements Store.
func (m *MemoryStore) Inquiry(ctx context.Context, supplierID, id string) (*Inquiry, error) {
	return getHistory(ctx, m.inquiries, supplierID, ofSupplier(supplierID, id), id)
}

// PutInquiry implements Store.
func (m *MemoryStore) PutInquiry(ctx context.Context, supplierID string, q *Inquiry) error {
	return putHistory(ctx, m, m.inquiries, supplierID, ofSupplier(supplierID, q.ID), *q, true)
}

// Payout implements Store.
func (m *MemoryStore) Payout(ctx context.Context, supplierID, id string) (*Payout, error) {
	p, err := getHistory(ctx, m.payouts, supplierID, ofSupplier(supplierID, id), id)
	if err != nil {
		return nil, err
	}
	return (*p).Clone(), nil
}

// PutPayout implements Store.
func (m *MemoryStore) PutPayout(ctx context.Context, supplierID string, p *Payout) error {
	return putHistory(ctx, m, m.payouts, supplierID, ofSupplier(supplierID, p.ID), p.Clone(), true)
}

// Payouts implements Store.
func (m *MemoryStore) Payouts(ctx context.Context, supplierID string) ([]*Payout, error) {
	rows, err := m.payouts.All(ctx)
	if err != nil {
		return nil, err
	}
	ps := []*Payout{}
	for _, r := range rows {
		if r.supplier == supplierID {
			ps = append(ps, r.v.Clone())
		}
	}
	return ps, nil
}

// AddBalanceEntries implements Store.
func (m *MemoryStore) AddBalanceEntries(ctx context.Context, supplierID string, entries []BalanceEntry) error {
	for _, e := range entries {
		key := ofSupplier(supplierID, strconv.FormatInt(e.Seq, 10))
		if _, err := getHistory(ctx, m.entries, supplierID, key, key); err == nil {
			return fmt.Errorf("%w: balance entry %d of supplier %q", ErrDuplicate, e.Seq, supplierID)
		}
		if err := putHistory(ctx, m, m.entries, supplierID, key, e, false); err != nil {
			return err
		}
	}
	return nil
}

// BalanceEntries implements Store. It reads every entry of the store.
func (m *MemoryStore) BalanceEntries(ctx context.Context, supplierID string, cur payment.Currency, from, to time.Time, limit int) (*BalanceEntry, []BalanceEntry, error) {
	rows, err := m.entries.All(ctx)
	if err != nil {
		return nil, nil, err
	}
	var before *BalanceEntry
	in := []BalanceEntry{}
	for _, r := range rows {
		e := r.v
		switch {
		case r.supplier != supplierID || e.Amount.Currency() != cur:
		case e.At.Before(from):
			if before == nil || e.At.After(before.At) || e.At.Equal(before.At) && e.Seq > before.Seq {
				before = &e
			}
		case e.At.Before(to):
			in = append(in, e)
		}
	}
	slices.SortFunc(in, func(a, b BalanceEntry) int { return cmp.Compare(a.Seq, b.Seq) })
	return before, in[:min(len(in), limit)], nil
}

// getHistory returns the record under key of supplier supplierID, whose
// own id is id.
func getHistory[V any](ctx context.Context, t *memstore.Table[historyRow[V]], supplierID, key, id string) (*V, error) {
	r, err := t.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	if r.supplier != supplierID {
		return nil, fmt.Errorf("%w: %q of supplier %q", ErrNotFound, id, supplierID)
	}
	return &r.v, nil
}

// putHistory writes v as the record under key of supplier supplierID,
// which must exist; a record another supplier has under key is
// ErrDuplicate. Unless replace, a record the supplier has is kept.
func putHistory[V any](ctx context.Context, m *MemoryStore, t *memstore.Table[historyRow[V]], supplierID, key string, v V, replace bool) error {
	if _, err := m.suppliers.Get(ctx, supplierID); err != nil {
		return err
	}
	_, err := t.Update(ctx, key, func() historyRow[V] { return historyRow[V]{id: key, supplier: supplierID} }, func(r *historyRow[V]) error {
		switch {
		case r.supplier != supplierID:
			return fmt.Errorf("%w: %q is supplier %q's", ErrDuplicate, key, r.supplier)
		case r.version > 0 && !replace:
			return errKept
		}
		r.v = v
		return nil
	})
	if errors.Is(err, errKept) {
		return nil
	}
	return err
}

// errKept stops an AddOrderRecord that finds the record.
var errKept = errors.New("supplier: the record is kept")
