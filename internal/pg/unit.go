package pg

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tradeassure/tradeassure/internal/unit"
)

// DB is what a store sends its statements to: its pool, or the
// transaction of the unit of work it was called in (see On).
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// work is what a Unit puts in the context it gives: its transaction and
// the pool it runs on.
type work struct {
	pool *pgxpool.Pool
	tx   pgx.Tx
}

// On returns what a store on pool sends a statement called with ctx to:
// the transaction of the unit of work ctx carries, or pool when it carries
// none. A unit on another pool, or of another kind, is unit.ErrForeign:
// the store's writes would escape the unit.
func On(ctx context.Context, pool *pgxpool.Pool) (DB, error) {
	switch w := unit.From(ctx).(type) {
	case nil:
		return pool, nil
	case *work:
		if w.pool != pool {
			return nil, unit.ErrForeign
		}
		return w.tx, nil
	default:
		return nil, unit.ErrForeign
	}
}

// WithTx returns a context in which every store on pool runs its
// statements in tx, a transaction the caller began and ends: a Unit's Do
// called with it runs fn in tx and neither commits nor rolls back.
func WithTx(ctx context.Context, pool *pgxpool.Pool, tx pgx.Tx) context.Context {
	return unit.With(ctx, &work{pool: pool, tx: tx})
}

// Unit is the unit of work of the stores on one pool: Do begins a
// REPEATABLE READ transaction, gives fn a context that carries it, so
// that every store on Pool called with that context runs its statements
// in it, and commits when fn returns nil. A unit that loses a race (its
// snapshot's version of a row it writes is gone: a serialization
// failure, a deadlock, or a write conditioned on a version that moved on)
// fails and commits nothing; its error wraps Conflict, and the service
// runs it again.
type Unit struct {
	Pool *pgxpool.Pool
	// Conflict is wrapped in the error of a unit that lost a race.
	Conflict error
}

// Do implements payment.UnitOfWork.
func (u Unit) Do(ctx context.Context, fn func(ctx context.Context) error) error {
	switch w := unit.From(ctx).(type) {
	case nil:
	case *work:
		if w.pool != u.Pool {
			return unit.ErrForeign
		}
		return fn(ctx)
	default:
		return unit.ErrForeign
	}
	tx, err := u.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
	if err != nil {
		return fmt.Errorf("pg: begin a unit of work: %v", err)
	}
	if err = fn(unit.With(ctx, &work{pool: u.Pool, tx: tx})); err == nil {
		err = tx.Commit(ctx)
		if err != nil {
			err = u.failed("commit", err)
		}
		return err
	}
	_ = tx.Rollback(context.WithoutCancel(ctx)) // the error is fn's; a rollback that fails leaves a connection the pool closes
	if retryable(err) && !errors.Is(err, u.Conflict) {
		return u.failed("statement", err)
	}
	return err
}

// failed returns the error of a unit whose commit or statement failed: a
// serialization failure or deadlock wraps Conflict; another failure of
// the database is described, not wrapped, so that no driver error reaches
// a caller.
func (u Unit) failed(what string, err error) error {
	if retryable(err) {
		return fmt.Errorf("%w: the unit of work lost a race (%s: %v)", u.Conflict, what, err)
	}
	return fmt.Errorf("pg: unit of work %s: %v", what, err)
}
