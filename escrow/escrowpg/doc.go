// Package escrowpg is the PostgreSQL [escrow.Store]: escrow accounts, their
// ledgers and their idempotency records in three tables, with the ledger's
// invariants held by the database itself.
//
// # Use
//
// Create the tables with [Migrate] (at every start: it applies each
// migration once, under an advisory lock), then give [New]'s store to the
// Service:
//
//	pool, err := pgxpool.New(ctx, dsn)
//	...
//	if err := escrowpg.Migrate(ctx, pool); err != nil { ... }
//	svc, err := escrow.NewService(escrow.Config{Store: escrowpg.New(pool), Unit: paymentpg.Unit(pool), Clock: payment.SystemClock{}})
//
// The tables live in the schema the pool's connections use (their
// search_path), beside the other stores' tables; their names start with
// escrow_, and Migrate records what it applied in tradeassure_migrations.
//
// # Schema
//
// The tables are in the PostgreSQL schema "tradeassure", which Migrate
// creates, or in the one Schema names (the same option to Migrate and New,
// and to the other packages' stores); every statement names it.
//
// escrow_accounts holds one row per account: its parties, its currency
// (char(3), CHECK ^[A-Z]{3}$), its freeze and close state, the actor who
// froze it (role and id columns), created_at and updated_at (timestamptz)
// and the version (bigint, CHECK > 0). Two more columns are the ledger's
// running totals, which only the entries' trigger moves: entries (the last
// entry's seq) and in_escrow, whose CHECK escrow_never_negative (≥ 0) holds
// after every single entry.
//
// escrow_entries holds the ledger, one row per [escrow.Entry], keyed by
// (account_id, seq). The amount is NUMERIC(22,4), CHECK > 0, beside its
// currency, which a foreign key on (account_id, currency) keeps equal to
// the account's; a CHECK allows exactly the movements of [escrow.Ledger]. A
// BEFORE INSERT trigger accepts an entry only as the account's next one
// (seq = entries + 1: no gaps, no reordering) and moves the running totals,
// so no INSERT, the store's or anyone's, can overdraw escrow. escrow_after
// keeps the balance right after each entry, for statements in SQL.
//
// escrow_operations holds the idempotency records, one row per
// [escrow.Operation], keyed by (account_id, pos), pos being the record's
// place in Account.Operations, with UNIQUE (account_id, key) and a CHECK on
// the operation's name.
//
// Both the entries and the records are insert-only: a trigger refuses
// every UPDATE, DELETE and TRUNCATE (SQLSTATE 23001). A ledger is corrected
// by new entries, never by changing old ones.
//
// # Consistency
//
// Update keeps the in-memory store's optimistic contract. It reads the
// account, its entries and its records in one statement (one snapshot),
// calls fn exactly once on that copy, outside any transaction and holding no
// lock, and checks that fn only appended to Entries and Operations (any
// other change to them, or to the ID, is an error and nothing is written).
// It then writes in one statement (outside a unit of work sent on its own,
// which PostgreSQL runs as a transaction of its own): an UPDATE of the account row WHERE version
// is the one read, advancing it by one, and, reading the account's id from
// the row it updated, INSERTs of the new entries and records (from arrays,
// one per column). No row updated means someone else wrote first, and then
// nothing is inserted either: [escrow.ErrConflict], which the caller (the
// Service: its unit of work runs again whole) retries with a fresh read.
// Under READ COMMITTED a concurrent writer's row is re-read before the
// version is checked again, so the check holds without SERIALIZABLE; a
// serialization failure or a deadlock (a server whose default isolation
// is SERIALIZABLE) changed nothing and is [escrow.ErrConflict] too. Create
// is one such statement of INSERTs; an id that exists is
// [escrow.ErrDuplicate]. Nothing relies on PostgreSQL's row locks for
// correctness: the version check and the unit's retries are what a database
// offering only SERIALIZABLE, such as CockroachDB, needs too. The schema's
// triggers are PostgreSQL's (PL/pgSQL, pg_trigger_depth) and would need
// porting there.
//
// # Values
//
// Money is stored exactly as NUMERIC plus currency code and read back equal
// (==) to what was written; see internal/pg's Numeric and Money. Times are
// timestamptz, which keeps microseconds: the store truncates every time it
// writes to the microsecond, in UTC, and Create and Update return the
// account as stored, so a later read returns exactly what they returned.
// Text is PostgreSQL text, which holds any valid UTF-8 but no NUL byte;
// the Service already refuses strings that are not valid UTF-8.
//
// # Round trips
//
// Account is one query, Create one statement, and Update two round trips:
// the read and the write. So a Service operation outside a unit costs two (a replay or a refused
// request, one: it writes nothing).
//
// Inside a unit of work (paymentpg.Unit) the statements join the unit's
// batches instead: see paymentpg's Round trips.
package escrowpg
