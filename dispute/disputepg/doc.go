// Package disputepg is the PostgreSQL dispute.Store: cases and their
// evidence in two tables that Migrate creates.
//
//	pool, err := pgxpool.New(ctx, dsn)
//	...
//	if err := disputepg.Migrate(ctx, pool); err != nil { ... }
//	svc, err := dispute.NewService(dispute.Config{Store: disputepg.New(pool), Unit: paymentpg.Unit(pool), Clock: payment.SystemClock{}, Orders: orders})
//
// # Schema
//
// The tables are in the PostgreSQL schema "tradeassure", which Migrate
// creates, or in the one Schema names (the same option to Migrate and New,
// and to the other packages' stores); every statement names it.
//
// Table cases holds each case whole, as JSONB in its JSON encoding (column
// doc), which is what a read decodes; beside it are columns projected from
// it, written in the same statement, that carry the invariants and the
// index: the order, the state (one of the package's), the amount asked (a
// positive NUMERIC with the currency's decimals, never a float) and its
// currency (three capital letters), and the deadline. Money reads back as
// the same payment.Money (==), and times as the same instants
// (time.Time.Equal), nanoseconds included: the JSON keeps them.
//
// The deadline is a timestamptz, which keeps microseconds, and deadline_ns
// the nanoseconds below the microsecond, both NULL for a case without one;
// the partial index cases_due on (deadline, deadline_ns, id), over the
// cases with a deadline only, serves Due: it reads the index from its start
// up to the cut-off, in Due's order (earliest first, ties by id), so its
// cost grows with the cases it returns, not with the cases not due. The
// pair compares exactly as the Go times do: a case due at an instant with
// nanoseconds is due at that instant and not a nanosecond before.
//
// Table case_evidence has a row for every item of evidence, inserted in the
// statement that writes the case adding it: the case, the item's id (the
// primary key is the pair, so an id is used once per case), kind, URI,
// SHA-256 digest (CHECK: 64 hex digits), who submitted it ("role:id") and
// when. Evidence is append-only, and the database holds it to that: a
// trigger refuses every UPDATE and DELETE of a row, and TRUNCATE. The store
// holds the case's copy to it too: an Update whose fn changes or removes an
// item is refused with dispute.ErrInvalidRequest, and writes nothing.
//
// Ids are text COLLATE "C", so that they order as Go strings do.
//
// # Concurrency
//
// Update is optimistic, as the in-memory store is: it reads the case, calls
// fn exactly once on a copy with no transaction open and no lock held, then
// writes with "WHERE id = $1 AND version = $2" in one statement (outside a
// unit of work sent on its own; a serialization failure (SQLSTATE 40001)
// or a deadlock changed nothing and is dispute.ErrConflict too, so the
// same code runs on CockroachDB). When the version has moved on, nothing
// is written and the error is dispute.ErrConflict, which the caller
// (dispute.Service does: its unit of work runs again whole) may retry from
// the read. Of concurrent creates of
// one id exactly one succeeds; the others are dispute.ErrDuplicate.
//
// Due is a read and claims nothing: two sweeps at once may read the same
// due case. dispute.Service.Sweep moves a case through Update under a fixed
// idempotency key, so of two sweeps racing on one case one moves it and the
// other finds it moved.
//
// # Round trips
//
// Create (the case and its evidence), Case and Due are one statement each;
// Update is two (the read, then one statement that updates the case and
// inserts the evidence added). pgx prepares each statement once per
// connection, which costs one more round trip the first time.
// pg.QueryCounter counts them.
//
// Inside a unit of work (paymentpg.Unit) the statements join the unit's
// batches instead: see paymentpg's Round trips.
package disputepg
