package paymentpg

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tradeassure/tradeassure/internal/pg"
	"github.com/tradeassure/tradeassure/payment"
)

// Unit returns the unit of work of the PostgreSQL stores on pool (this
// package's, escrowpg's, supplierpg's, orderpg's and disputepg's): each
// unit is one REPEATABLE READ transaction, which every store on pool
// called with the unit's context joins. A unit that lost a race (a
// serialization failure, a deadlock, a version that moved on) commits
// nothing and fails with an error wrapping payment.ErrConflict, which the
// services retry. A store on another pool called inside the unit fails
// rather than write outside it.
func Unit(pool *pgxpool.Pool) payment.UnitOfWork {
	return pg.Unit{Pool: pool, Conflict: payment.ErrConflict}
}

// WithTx returns a context in which every operation of the services on
// the PostgreSQL stores on pool (and the outbox, Outbox(pool)) runs in tx,
// the caller's own transaction, so that the caller commits its own rows
// and the SDK's writes together, or neither: the services run the
// operation once in tx and neither commit nor retry it. A race an
// operation lost (an error wrapping payment.ErrConflict) leaves tx for the
// caller to roll back and run again whole. Begin tx at REPEATABLE READ
// (what Unit uses) for the same isolation; at READ COMMITTED every write
// is still conditioned on the version read, so no update is lost.
func WithTx(ctx context.Context, pool *pgxpool.Pool, tx pgx.Tx) context.Context {
	return pg.WithTx(ctx, pool, tx)
}
