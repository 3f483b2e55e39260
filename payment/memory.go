package payment

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/tradeassure/tradeassure/internal/memstore"
)

// MemoryStore is the in-memory Store: the embedded default, safe for
// concurrent use, and the reference the paymenttest kit is written against.
type MemoryStore struct {
	payments *memstore.Table[Payment]
	accounts *memstore.Table[Account]
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore() *MemoryStore {
	errs := memstore.Errors{NotFound: ErrNotFound, Duplicate: ErrDuplicate, Conflict: ErrConflict}
	return &MemoryStore{
		payments: memstore.New(memstore.Schema[Payment]{
			Clone:   (*Payment).Clone,
			ID:      func(p *Payment) string { return p.ID },
			Version: func(p *Payment) *int64 { return &p.Version },
			Key:     func(p *Payment) string { return buyersKey(p.BuyerID, p.Key) },
			Group:   func(p *Payment) string { return p.BuyerID },
			Errors:  errs,
		}),
		accounts: memstore.New(memstore.Schema[Account]{
			Clone:   (*Account).Clone,
			ID:      func(a *Account) string { return a.ID },
			Version: func(a *Account) *int64 { return &a.Version },
			Errors:  errs,
		}),
	}
}

// CreatePayment implements PaymentStore.
func (s *MemoryStore) CreatePayment(ctx context.Context, p *Payment) (*Payment, error) {
	return s.payments.Insert(ctx, *p)
}

// Payment implements PaymentStore.
func (s *MemoryStore) Payment(ctx context.Context, id string) (*Payment, error) {
	return s.payments.Get(ctx, id)
}

// PaymentByKey implements PaymentStore.
func (s *MemoryStore) PaymentByKey(ctx context.Context, buyerID, key string) (*Payment, error) {
	return s.payments.GetByKey(ctx, buyersKey(buyerID, key))
}

// buyersKey is the memory store's index key of a buyer's idempotency key:
// the buyer's id length-prefixed, so that no two (buyer, key) pairs share
// one; "" (not indexed) for a payment without a key.
func buyersKey(buyerID, key string) string {
	if key == "" {
		return ""
	}
	return strconv.Itoa(len(buyerID)) + ":" + buyerID + key
}

// UpdatePayment implements PaymentStore.
func (s *MemoryStore) UpdatePayment(ctx context.Context, id string, fn func(*Payment) error) (*Payment, error) {
	return s.payments.Update(ctx, id, nil, fn)
}

// PaymentsByBuyer implements PaymentStore.
func (s *MemoryStore) PaymentsByBuyer(ctx context.Context, buyerID string, since time.Time) ([]*Payment, error) {
	out, err := s.payments.Group(ctx, buyerID, func(p *Payment) bool { return !p.CreatedAt.Before(since) })
	if err != nil {
		return nil, err
	}
	// Insertion order is creation order; a stable sort keeps it among equal times.
	slices.SortStableFunc(out, func(a, b *Payment) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

// Account implements AccountStore.
func (s *MemoryStore) Account(ctx context.Context, id string) (*Account, error) {
	return s.accounts.Get(ctx, id)
}

// UpdateAccount implements AccountStore.
func (s *MemoryStore) UpdateAccount(ctx context.Context, id string, fn func(*Account) error) (*Account, error) {
	return s.accounts.Update(ctx, id, func() Account { return Account{ID: id} }, fn)
}
