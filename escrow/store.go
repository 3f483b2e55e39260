package escrow

import "context"

// Store keeps escrow accounts, each with its ledger and its idempotency
// records, so that a movement, its entries and its record are written in
// one atomic step. Callers implement it over their own database or use
// NewMemoryStore; package escrowtest checks an implementation against this
// contract.
//
// Every method honours ctx and copies values in and out. The store sets
// Version to 1 on create and advances it by one on every update.
type Store interface {
	// Create stores a new account and returns it as stored. It returns an
	// error satisfying errors.Is(err, ErrDuplicate) when an account with
	// that ID exists; exactly one of several concurrent creates succeeds.
	Create(ctx context.Context, a *Account) (*Account, error)

	// Account returns the account with that id, or an error satisfying
	// errors.Is(err, ErrNotFound).
	Account(ctx context.Context, id string) (*Account, error)

	// Update reads the account, applies fn to it and writes the result with
	// its version advanced, returning it as stored. If fn returns an error,
	// nothing is written and the error returned satisfies errors.Is for
	// fn's error. It returns an error satisfying errors.Is(err, ErrNotFound)
	// when there is no such account, and errors.Is(err, ErrConflict) when the
	// account was written by someone else between the read and the write.
	//
	// Update calls fn exactly once, on a copy, and holds no lock while fn
	// runs that would block another Update of the same account: the check is
	// optimistic, on the version, at write time.
	//
	// fn only ever appends to Entries and Operations and never changes ID:
	// a store may write the new entries and records as inserts.
	Update(ctx context.Context, id string, fn func(*Account) error) (*Account, error)
}
