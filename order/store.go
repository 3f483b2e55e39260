package order

import (
	"context"
	"time"
)

// Store keeps orders. Callers implement it over their own database or use
// NewMemoryStore; package ordertest checks an implementation against this
// contract. Every method honours ctx and copies values in and out; the
// store sets Version to 1 on create and advances it by one on every update.
type Store interface {
	// Create stores a new order and returns it as stored, or an error
	// satisfying errors.Is(err, ErrDuplicate) when the id is taken; exactly
	// one of several concurrent creates succeeds.
	Create(ctx context.Context, o *Order) (*Order, error)

	// Order returns the order with that id, or an error satisfying
	// errors.Is(err, ErrNotFound).
	Order(ctx context.Context, id string) (*Order, error)

	// Update reads the order, applies fn to it and writes the result with
	// its version advanced, returning it as stored. If fn returns an error,
	// nothing is written and the error returned satisfies errors.Is for
	// fn's error. It returns an error satisfying errors.Is(err, ErrNotFound)
	// when there is no such order, and errors.Is(err, ErrConflict) when
	// the order was written by someone else between the read and the
	// write. Update calls fn exactly once, on a copy, and holds no lock
	// while fn runs that would block another Update of the same order. fn
	// may change the order's Deadline: Due answers from the new one as
	// soon as Update returns.
	Update(ctx context.Context, id string, fn func(*Order) error) (*Order, error)

	// Due returns up to limit orders whose Deadline is set and not after
	// before, earliest deadline first (ties by id); it answers from an
	// index, so its cost does not grow with the number of orders that are
	// not due. A limit that is not positive is an error satisfying
	// errors.Is(err, ErrInvalidRequest).
	Due(ctx context.Context, before time.Time, limit int) ([]*Order, error)
}
