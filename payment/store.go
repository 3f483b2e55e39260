package payment

import (
	"context"
	"time"
)

// Store keeps payments and risk accounts. Callers implement it over their
// own database, or use NewMemoryStore; package paymenttest checks an
// implementation against this contract.
//
// Every method honours ctx and copies values in and out: a caller never
// shares memory with the store. Versions are the store's: it sets Version to
// 1 on create and advances it by one on every update.
type Store interface {
	PaymentStore
	AccountStore
}

// PaymentStore keeps Payment records.
type PaymentStore interface {
	// CreatePayment stores a new payment and returns it as stored. It returns
	// an error satisfying errors.Is(err, ErrDuplicate) when a payment with the
	// same ID, or the same buyer (BuyerID) and non-empty Key, exists:
	// a key is its buyer's, and two buyers' payments may share one.
	// Exactly one of several concurrent creates with the same buyer and
	// key succeeds.
	CreatePayment(ctx context.Context, p *Payment) (*Payment, error)

	// Payment returns the payment with that id, or an error satisfying
	// errors.Is(err, ErrNotFound).
	Payment(ctx context.Context, id string) (*Payment, error)

	// PaymentByKey returns the payment of buyer buyerID created under that
	// idempotency key, or an error satisfying errors.Is(err, ErrNotFound).
	PaymentByKey(ctx context.Context, buyerID, key string) (*Payment, error)

	// UpdatePayment reads the payment, applies fn to it and writes the result
	// with its version advanced, returning it as stored. If fn returns an
	// error, nothing is written and the error returned satisfies errors.Is
	// for fn's error. It returns an error satisfying errors.Is(err,
	// ErrNotFound) when there is no such payment, and errors.Is(err,
	// ErrConflict) when the payment was written by someone else between the
	// read and the write (the caller may retry). fn must not change ID, Key
	// or BuyerID.
	//
	// UpdatePayment calls fn exactly once, on a copy, and holds no lock while
	// fn runs that would block another update of the same payment: the check
	// is optimistic, on the version, at write time.
	UpdatePayment(ctx context.Context, id string, fn func(*Payment) error) (*Payment, error)

	// PaymentsByBuyer returns the buyer's payments created at or after since,
	// oldest first (by CreatedAt, then by creation order).
	PaymentsByBuyer(ctx context.Context, buyerID string, since time.Time) ([]*Payment, error)
}

// AccountStore keeps risk Accounts.
type AccountStore interface {
	// Account returns the account with that id, or an error satisfying
	// errors.Is(err, ErrNotFound) when none was ever written.
	Account(ctx context.Context, id string) (*Account, error)

	// UpdateAccount applies fn to the account and writes it, as UpdatePayment
	// does; when there is no such account yet, fn receives &Account{ID: id}
	// and the result is created. It returns errors.Is(err, ErrConflict) when
	// the account was written concurrently (including a concurrent creation).
	UpdateAccount(ctx context.Context, id string, fn func(*Account) error) (*Account, error)
}
