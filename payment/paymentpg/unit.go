package paymentpg

import (
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
