package payment

import (
	"context"

	"github.com/tradeassure/tradeassure/internal/memstore"
	"github.com/tradeassure/tradeassure/internal/unit"
)

// UnitOfWork makes the work of one operation atomic across every store it
// touches: the order, its payments, its escrow account and ledger, the
// supplier's limit. A service runs each of its public operations as one
// call to Do and makes every store call with the context Do gave it.
//
// An implementation ships with each kind of store: MemoryUnit for the
// in-memory stores, and the PostgreSQL one for the stores on its database
// (see the pg packages). A caller with stores of their own implements it
// beside them: Do begins a unit (a transaction), puts what the stores need
// to join it into the context it gives fn, and commits when fn returns nil;
// the stores, called with that context, read and write through the unit.
// The conformance kit in paymenttest (RunUnitOfWorkChecks) checks an
// implementation.
//
// Do's contract:
//   - fn's writes through stores called with fn's context are committed
//     together when fn returns nil, and none of them when it returns an
//     error (Do returns it as it is) or the commit fails;
//   - fn's reads see its own writes;
//   - two units that read or write the same record never both commit a
//     change made from the same version: one fails with an error wrapping
//     ErrConflict (and commits nothing) or waits for the other; the
//     services run a unit that failed so again, in one place;
//   - Do may run fn more than once before it returns, each run from the
//     start in a unit of its own (the PostgreSQL unit runs fn again when
//     a write it sent late finds a record taken, so that the store says so
//     to fn); only the last run's writes are committed, and fn must read
//     what it decides on through the stores, as the services do;
//   - a call of Do with a context that already carries a unit of the same
//     implementation runs fn in that unit (the outer Do commits); a context
//     carrying a unit of another implementation is an error, as is a store
//     of another implementation called inside a unit, so that no write
//     escapes its unit unseen.
type UnitOfWork interface {
	Do(ctx context.Context, fn func(ctx context.Context) error) error
}

// MemoryUnit returns the unit of work of the in-memory stores (every
// package's MemoryStore): optimistic, with the versions of what a unit read
// checked at its commit under the locks of the stores it touched, so that
// units are serializable over the records they read by id or key. A unit
// that lost a race fails with an error wrapping ErrConflict and the store's
// own conflict error. It holds no state; any number of services may share
// it or have their own.
func MemoryUnit() UnitOfWork { return memstore.Unit{Conflict: ErrConflict} }

// together is the state of a unit of work, in a context, that runs reads
// at once (the PostgreSQL unit's: their reads go in one round trip).
type together interface {
	Together(ctx context.Context, fns ...func(context.Context) error) error
}

// Together runs fns, the reads of one step of an operation that do not
// depend on one another, in the unit of work ctx carries: a unit that can
// (the PostgreSQL one) sends their reads together, in one round trip (it
// runs fns in goroutines, one at a time, in order, each up to its next
// read); any other, or none, runs them one after another, in order.
// It returns the first error of fns, in their order. fns must not wait
// for one another.
func Together(ctx context.Context, fns ...func(context.Context) error) error {
	if t, ok := unit.From(ctx).(together); ok {
		return t.Together(ctx, fns...)
	}
	for _, fn := range fns {
		if err := fn(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Prefetch reads ahead what an operation is about to read, in the unit of
// work ctx carries: a unit that runs reads at once and remembers what it
// read (the PostgreSQL unit) runs reads together, in one round trip, so
// that the operation's own reads of the same records cost none; any other
// unit, or none, does nothing, and the operation reads as it would. What
// reads return, their errors included, is dropped: the operation's own
// reads say it.
func Prefetch(ctx context.Context, reads ...func(context.Context) error) {
	if t, ok := unit.From(ctx).(together); ok {
		_ = t.Together(ctx, reads...)
	}
}

// ReadsAhead reports whether Prefetch does anything in the unit of work
// ctx carries, so that a caller builds its reads only then (in memory they
// would be garbage).
func ReadsAhead(ctx context.Context) bool {
	_, ok := unit.From(ctx).(together)
	return ok
}
