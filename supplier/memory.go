package supplier

import (
	"context"

	"github.com/tradeassure/tradeassure/internal/memstore"
)

// MemoryStore is the in-memory Store: the embedded default, safe for
// concurrent use, and the reference the suppliertest kit is written against.
type MemoryStore struct {
	suppliers *memstore.Table[Supplier]
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{suppliers: memstore.New(memstore.Schema[Supplier]{
		Clone:   func(s Supplier) Supplier { return *s.Clone() },
		ID:      func(s *Supplier) string { return s.ID },
		Version: func(s *Supplier) *int64 { return &s.Version },
		Errors:  memstore.Errors{NotFound: ErrNotFound, Duplicate: ErrDuplicate, Conflict: ErrConflict},
	})}
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
