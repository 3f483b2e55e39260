// Package paymentpg is the PostgreSQL payment.Store: payments into escrow
// and buyers' risk accounts, in two tables that Migrate creates.
//
//	pool, err := pgxpool.New(ctx, dsn)
//	...
//	if err := paymentpg.Migrate(ctx, pool); err != nil { ... }
//	svc, err := payment.NewService(payment.Config{Store: paymentpg.New(pool), Unit: paymentpg.Unit(pool), Clock: payment.SystemClock{}})
//
// # Schema
//
// The tables are in the PostgreSQL schema "tradeassure", which Migrate
// creates, or in the one Schema names (give the same option to Migrate,
// New and Outbox, and to the other packages' stores); every statement
// names it, so the connections' search_path does not matter.
//
// Table payments has a column for every field the store or a report
// filters on, with CHECK constraints for the payment's invariants: the
// status and tranche are among the package's, the amount is positive, the
// currency is three capital letters, the fee amounts are not negative, and
// the refunded total (kept beside the refunds) never exceeds the amount.
// Money is NUMERIC beside the currency code, never a float, and reads back
// as the same payment.Money (==). The idempotency key is UNIQUE (NULL when
// a payment has none), so of concurrent creates with one key exactly one
// succeeds and the others are payment.ErrDuplicate. The instrument, the
// rest of the fee quote, the risk decision, the refunds and the timeline
// are JSONB, in the payment's JSON encoding. An index on (buyer_id,
// created_at, created_at_ns, seq) serves PaymentsByBuyer, seq being the
// creation order that breaks ties between equal creation times.
//
// Table payment_accounts holds the risk accounts: id, frozen, frozen_by,
// updated and version as columns, reasons and history as JSONB.
//
// Times are stored as a timestamptz, which keeps microseconds, plus the
// nanoseconds below the microsecond, so every time.Time reads back as the
// same instant (time.Time.Equal); those read from columns (CreatedAt,
// UpdatedAt, Account.Updated) come back in UTC, those inside the JSONB
// (the timeline's, the refunds') with the offset they were written with.
// Decimals inside the fee quote (Unrounded, conversion rates) read back
// Equal, not necessarily with the same exponent.
//
// # Concurrency
//
// Outside a unit of work every write is one statement sent on its own,
// which PostgreSQL runs as a transaction of its own; a serialization
// failure (SQLSTATE 40001) or a deadlock changed nothing and is
// payment.ErrConflict, so the same code runs on CockroachDB. Updates are
// optimistic, as in the in-memory store: UpdatePayment and UpdateAccount
// read the record, call fn exactly once on a copy with no transaction
// open and no lock held, then write with "WHERE id = $1 AND version = $2";
// when the version has moved on, nothing is written and the error is
// payment.ErrConflict, which the caller (payment.Service does: its unit of
// work runs again whole) may retry from the read. An account's first update inserts it; a concurrent first
// update that inserted it before is payment.ErrConflict as well.
//
// # Round trips
//
// A read (Payment, PaymentByKey, PaymentsByBuyer, Account) is one
// statement; CreatePayment is one; an update is two (the read, then the
// UPDATE or INSERT). pgx prepares
// each statement once per connection, which costs one more round trip the
// first time.
//
// Inside a unit of work (Unit) every store on the pool (this package's,
// escrowpg's, supplierpg's, orderpg's, disputepg's, and the Outbox) sends
// its statements in the unit's batches, one round trip each: the unit's
// BEGIN goes with its first statement; reads a service makes together
// (payment.Together, payment.Prefetch) go in one batch; a record the unit
// read or wrote (or found missing: a key no payment has, a buyer with no
// account; or a buyer's recent payments, until the unit writes one) is
// read again from what the unit remembers, with no round trip; and every
// write (an update, an insert, a message of the outbox) waits for the
// unit's next read, or its COMMIT, and goes in the same batch, so a read
// sees the unit's writes before it. A unit that reads in n rounds is n + 1
// round trips: two for an operation on one record. A write that finds its
// row at another version than the one read fails its statement (the
// function tradeassure_expect, which every Migrate creates), so that the
// batch's COMMIT does not run: the unit fails with ErrConflict. An insert
// is told it inserted, and the id or key is checked when it is sent; when
// it was taken, the unit runs its operation again with its inserts sent at
// once, so that the operation learns the record exists (ErrDuplicate, or
// the record a replay returns).
package paymentpg
