// Package orderpg is the PostgreSQL [order.Store], on
// github.com/jackc/pgx/v5:
//
//	pool, err := pgxpool.New(ctx, dsn)
//	…
//	if err := orderpg.Migrate(ctx, pool); err != nil { … }
//	svc, err := order.NewService(order.Config{Store: orderpg.New(pool), Unit: paymentpg.Unit(pool), …})
//
// [Migrate] applies the embedded migrations (migrations/*.sql) once each,
// under an advisory lock, in the schema the pool's search_path names;
// running it again changes nothing.
//
// # Schema
//
// The tables are in the PostgreSQL schema "tradeassure", which Migrate
// creates, or in the one Schema names (the same option to Migrate and New,
// and to the other packages' stores); every statement names it.
//
// Table orders holds each order as its JSON encoding in a JSONB column,
// doc, which is what a read decodes (Money as exact decimal strings, times
// to the nanosecond), and beside it typed columns projected from the order
// in the same statement, for what the database checks or indexes: id (the
// primary key, compared byte by byte), buyer_id, supplier_id, state (one
// of the order states), currency (an ISO 4217 code), total and paid
// (NUMERIC: Order.Total and Order.Paid, with 0 < total and 0 ≤ paid ≤
// total), deadline and deadline_ns (below), version, created_at and
// updated_at, and claimed_until (below). A CHECK holds the id, parties,
// state, currency and version to what doc says.
//
// Table order_actions has a row per entry of Order.History, inserted in
// the statement that writes the order and never changed: a trigger refuses
// UPDATE, DELETE and TRUNCATE, and UNIQUE (order_id, key) means the
// database itself lets an idempotency key be used once per order. An
// update may only append to the history: one that changes or drops an
// action is refused with order.ErrInvalidRequest, one that reuses a key
// with order.ErrIdempotencyMismatch.
//
// # Writes
//
// Create is one INSERT statement (ErrDuplicate on a taken id). Update
// reads the order (one statement), calls fn exactly once on the copy it
// read, then writes in one statement (outside a unit of work sent on its
// own; a serialization failure is order.ErrConflict): an
// UPDATE … WHERE id = … AND version = <read> with the INSERT of the new
// actions, which reads the order's id from the row updated. When the
// version moved on, nothing is written and the error is
// order.ErrConflict, for the caller to retry. An Update is two round trips
// (the read and the write).
//
// Inside a unit of work (paymentpg.Unit) the statements join the unit's
// batches instead: see paymentpg's Round trips.
//
// PostgreSQL keeps times to the microsecond; doc keeps them to the
// nanosecond, so what a read returns is the instant written. The deadline
// is stored as the timestamptz to the microsecond, rounded down, and the
// nanoseconds below it in deadline_ns, so that Due cuts off and orders
// exactly as the in-memory store does (the service's late-shipment
// deadline is the agreed shipment date plus one nanosecond).
//
// # Due and claiming
//
// Due reads the partial index orders_due on (deadline, deadline_ns, id),
// which holds only the orders with a deadline: earliest first, ties by id,
// stopping at the limit, whatever the number of orders that are not due.
//
// Beyond the order.Store contract, Due claims what it returns, so that
// several sweep workers can run at once and each due order is handled by
// one of them. In one statement, it selects the due orders that no lease
// claims (claimed_until NULL or past), locking them FOR UPDATE SKIP LOCKED
// so that a concurrent Due passes over them instead of waiting, and sets
// claimed_until to the database's now() plus the lease ([DefaultLease],
// 30 seconds, or [WithLease]). Until the lease runs out, no other Due
// returns the order; any write of the order (Update) clears the claim, so
// an order still due after its worker moved it is due again at once. A
// worker that dies or leaves the order unwritten gives it back when the
// lease runs out. A claim is not a write of the order: it does not advance
// the version, and an Update in progress does not conflict with it.
//
// Claiming makes Due a write, and two calls with the same arguments then
// return different orders. The order.Store contract does not ask for that
// and the ordertest kit, which calls Due repeatedly in one test and
// expects the same orders each time, runs with claiming off:
// New(pool, WithLease(0)) is a Due that only reads, as the in-memory store's
// does. Turn claiming off too when one process sweeps and wants Due to
// answer the same until the orders move.
package orderpg
