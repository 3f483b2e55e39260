package dispute

import (
	"context"
	"time"

	"github.com/tradeassure/tradeassure/internal/memstore"
)

// Store keeps cases. Callers implement it over their own database or use
// NewMemoryStore; package disputetest checks an implementation against
// this contract. Every method honours ctx and copies values in and out; the
// store sets Version to 1 on create and advances it by one on every update.
type Store interface {
	// Create stores a new case and returns it as stored, or an error
	// satisfying errors.Is(err, ErrDuplicate) when the id is taken.
	Create(ctx context.Context, c *Case) (*Case, error)

	// Case returns the case with that id, or an error satisfying
	// errors.Is(err, ErrNotFound).
	Case(ctx context.Context, id string) (*Case, error)

	// Update reads the case, applies fn to it and writes the result with
	// its version advanced, returning it as stored. If fn returns an error,
	// nothing is written and the error returned satisfies errors.Is for
	// fn's error. It returns ErrNotFound when there is no such case and
	// ErrConflict when the case was written by someone else between the
	// read and the write. fn runs exactly once, on a copy, and no lock
	// held while it runs blocks another Update of the same case.
	Update(ctx context.Context, id string, fn func(*Case) error) (*Case, error)

	// Due returns up to limit cases whose Deadline is set and not after
	// before, earliest first (ties by id), from an index: its cost does not
	// grow with the cases that are not due. A limit that is not positive is
	// an error satisfying errors.Is(err, ErrInvalidRequest).
	Due(ctx context.Context, before time.Time, limit int) ([]*Case, error)
}

// MemoryStore is the in-memory Store: the embedded default, safe for
// concurrent use, and the reference the disputetest kit is written
// against.
type MemoryStore struct {
	cases *memstore.Table[Case]
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{cases: memstore.New(memstore.Schema[Case]{
		Clone:    (*Case).Clone,
		ID:       func(c *Case) string { return c.ID },
		Version:  func(c *Case) *int64 { return &c.Version },
		Deadline: func(c *Case) time.Time { return c.Deadline },
		Errors:   memstore.Errors{NotFound: ErrNotFound, Duplicate: ErrDuplicate, Conflict: ErrConflict},
	})}
}

// Create implements Store.
func (m *MemoryStore) Create(ctx context.Context, c *Case) (*Case, error) {
	return m.cases.Insert(ctx, *c)
}

// Case implements Store.
func (m *MemoryStore) Case(ctx context.Context, id string) (*Case, error) {
	return m.cases.Get(ctx, id)
}

// Update implements Store.
func (m *MemoryStore) Update(ctx context.Context, id string, fn func(*Case) error) (*Case, error) {
	return m.cases.Update(ctx, id, nil, fn)
}

// Due implements Store.
func (m *MemoryStore) Due(ctx context.Context, before time.Time, limit int) ([]*Case, error) {
	if limit <= 0 {
		return nil, invalidf("Due: limit %d; it must be positive", limit)
	}
	return m.cases.Due(ctx, before, limit)
}
