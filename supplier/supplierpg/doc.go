// Package supplierpg is the PostgreSQL supplier.Store: suppliers and their
// history in the tables that Migrate creates.
//
//	pool, err := pgxpool.New(ctx, dsn)
//	...
//	if err := supplierpg.Migrate(ctx, pool); err != nil { ... }
//	svc, err := supplier.NewService(supplier.Config{Store: supplierpg.New(pool), Unit: paymentpg.Unit(pool), Clock: payment.SystemClock{}})
//
// # Schema
//
// The tables are in the PostgreSQL schema "tradeassure", which Migrate
// creates, or in the one Schema names (the same option to Migrate and New,
// and to the other packages' stores); every statement names it.
//
// Table suppliers holds each supplier whole, as JSONB in its JSON encoding
// (column doc), which is what a read decodes; beside it are columns
// projected from it, written in the same statement, that carry the
// invariants: the status is one of the package's, the country two capital
// letters, the limit a NUMERIC amount (never a float) that is not negative
// beside its currency code (three capital letters; NULL only for a limit
// never computed, which is zero), reserved the NUMERIC sum of the
// reservations, and created_at and updated_at. Money reads back as the same
// payment.Money (==), and times as the same instants (time.Time.Equal),
// nanoseconds included: the JSON keeps them; the timestamptz columns keep
// them to the microsecond.
//
// The revolving limit is never over-reserved, and the database enforces it
// too: a trigger refuses any update that raises reserved above the limit,
// whoever writes it (a hand-written UPDATE included). It is not
// CHECK (reserved <= limit_amount) because the domain lets the limit fall
// below what is reserved: a suspended or removed supplier's limit is zero,
// a recomputed one may be lower, and its reservations stand until their
// orders release them (see supplier.Supplier.Available); for the same
// reason Create stores a supplier as it is given, over-reserved or not (the
// conformance kit creates such suppliers). Reserved is computed from the
// aggregate rather than kept in a table of reservations: the check then
// reads one row, which makes it sound at any isolation level, where a sum
// over other rows would need every writer to lock the supplier or run
// SERIALIZABLE. The store refuses a reservation in another currency than
// the limit's (supplier.ErrInvalidRequest), since the two are compared.
//
// Tables supplier_orders and supplier_inquiries hold each supplier's
// history, one row per completed order (with its review) or inquiry,
// keyed by the supplier's id and the record's, as JSONB; a row names a
// supplier that exists (a foreign key). A supplier's document keeps only
// what is derived from them, counters and the days of its volume window,
// so it stays the same size however long the history grows. The history
// is written by upsert, in the unit of work of the supplier's update
// that counts it (see supplier.Store). Migrate moves the history out of
// the documents of suppliers written before these tables existed, and
// counts it.
//
// Ids are text COLLATE "C", so that they order as Go strings do.
//
// # Concurrency
//
// Update is optimistic, as the in-memory store is: it reads the supplier,
// calls fn exactly once on a copy with no transaction open and no lock
// held, then writes with "WHERE id = $1 AND version = $2" in one statement,
// which, outside a unit of work, is sent on its own; a serialization
// failure (SQLSTATE 40001) or a deadlock changed nothing and is
// supplier.ErrConflict too, so the same code runs on CockroachDB. When the
// version has moved on, nothing is written and the error is
// supplier.ErrConflict, which the caller (supplier.Service does: its unit
// of work runs again whole) may retry from the read. Of concurrent
// creates of one id exactly one succeeds; the others are
// supplier.ErrDuplicate.
//
// # Round trips
//
// Create, Supplier, List, OrderRecord, PutOrderRecord, Inquiry and
// PutInquiry are one statement each; Update is two (the
// read, then the UPDATE). pgx prepares each statement once per connection, which
// costs one more round trip the first time. pg.QueryCounter counts them.
//
// Inside a unit of work (paymentpg.Unit) the statements join the unit's
// batches instead: see paymentpg's Round trips.
package supplierpg
