package escrow

import (
	"context"
	"time"

	"github.com/tradeassure/tradeassure/internal/memstore"
	"github.com/tradeassure/tradeassure/payment"
)

// MemoryStore is the in-memory Store: the embedded default, safe for
// concurrent use, and the reference the escrowtest kit is written against.
type MemoryStore struct {
	accounts *memstore.Table[Account]
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{accounts: memstore.New(memstore.Schema[Account]{
		Clone:   (*Account).Clone,
		ID:      func(a *Account) string { return a.ID },
		Version: func(a *Account) *int64 { return &a.Version },
		Errors:  memstore.Errors{NotFound: ErrNotFound, Duplicate: ErrDuplicate, Conflict: ErrConflict},
	})}
}

// Create implements Store.
func (s *MemoryStore) Create(ctx context.Context, a *Account) (*Account, error) {
	return s.accounts.Insert(ctx, *a)
}

// Account implements Store.
func (s *MemoryStore) Account(ctx context.Context, id string) (*Account, error) {
	return s.accounts.Get(ctx, id)
}

// Update implements Store.
func (s *MemoryStore) Update(ctx context.Context, id string, fn func(*Account) error) (*Account, error) {
	return s.accounts.Update(ctx, id, nil, fn)
}

// Held implements Store, over every account.
func (s *MemoryStore) Held(ctx context.Context, at time.Time) ([]payment.Money, error) {
	all, err := s.accounts.All(ctx)
	if err != nil {
		return nil, err
	}
	return held(all, at)
}

// Revenue implements Store, over every account.
func (s *MemoryStore) Revenue(ctx context.Context, from, to time.Time) ([]Revenue, error) {
	all, err := s.accounts.All(ctx)
	if err != nil {
		return nil, err
	}
	return revenue(all, from, to)
}
