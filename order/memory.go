package order

import (
	"context"
	"time"

	"github.com/tradeassure/tradeassure/internal/memstore"
)

// MemoryStore is the in-memory Store: the embedded default, safe for
// concurrent use, and the reference the ordertest kit is written against.
// It indexes orders by Deadline, so Due reads only the orders it returns.
type MemoryStore struct {
	orders *memstore.Table[Order]
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{orders: memstore.New(memstore.Schema[Order]{
		Clone:    (*Order).Clone,
		ID:       func(o *Order) string { return o.ID },
		Version:  func(o *Order) *int64 { return &o.Version },
		Deadline: func(o *Order) time.Time { return o.Deadline },
		Errors:   memstore.Errors{NotFound: ErrNotFound, Duplicate: ErrDuplicate, Conflict: ErrConflict},
	})}
}

// Create implements Store.
func (m *MemoryStore) Create(ctx context.Context, o *Order) (*Order, error) {
	return m.orders.Insert(ctx, *o)
}

// Order implements Store.
func (m *MemoryStore) Order(ctx context.Context, id string) (*Order, error) {
	return m.orders.Get(ctx, id)
}

// Update implements Store.
func (m *MemoryStore) Update(ctx context.Context, id string, fn func(*Order) error) (*Order, error) {
	return m.orders.Update(ctx, id, nil, fn)
}

// Due implements Store.
func (m *MemoryStore) Due(ctx context.Context, before time.Time, limit int) ([]*Order, error) {
	if limit <= 0 {
		return nil, invalidf("Due: limit %d; it must be positive", limit)
	}
	return m.orders.Due(ctx, before, limit)
}
