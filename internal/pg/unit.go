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

// A unit of work on PostgreSQL costs two round trips however many
// aggregates it writes: its BEGIN is sent with its first read, and its
// writes wait, in the order the stores made them, until the next read or
// the COMMIT, and go with it in the same batch. A read therefore sees
// every write the unit made before it, as it would if each had been sent
// on its own; a write learns whether it wrote what it should only when it
// is sent, so a write that must find its row at the version it read says
// so in SQL (Expect) and, when it does not, fails the statement, which
// aborts the transaction: the batch's COMMIT is not run and the unit
// fails with the store's error (see Write).
//
// Outside a unit each statement is sent on its own, on the store's pool or
// in the caller's transaction (WithTx), and a write that fails to
// serialize fails with the store's conflict: the services run their units
// of work again (idem.Atomic), the one level of retries.

// db is what a statement outside a unit is sent to: the store's pool, or
// the caller's transaction.
type db interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// batcher is what a unit sends its batches on: the connection it holds,
// or the caller's transaction.
type batcher interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// work is a unit of work, in the context its Do gives fn. One goroutine
// at a time uses it: Together's hand the unit from one to the next.
type work struct {
	pool *pgxpool.Pool
	db   batcher
	// round is set while Together runs: a read waits in it for the
	// others, and they are sent in one batch.
	round *round
	// begin is the unit's BEGIN until it is sent with the first batch;
	// empty in the caller's transaction.
	begin string
	// begun is set once BEGIN was sent: the transaction is open until the
	// COMMIT or ROLLBACK.
	begun bool
	// pending are the writes not sent yet, in the order they were made.
	pending []*pgx.QueuedQuery
	// err is the first error the database returned to the unit: its
	// transaction is aborted and every later statement would fail, so the
	// unit fails with it.
	err error
	// eager is set when the unit's inserts are sent at once (see Insert):
	// in the caller's transaction, and when a unit is run again because an
	// insert found its row taken.
	eager bool
	// guessed is set while an insert that Insert reported made is not
	// sent.
	guessed bool
	// seen is what the unit's stores remembered of the rows it read and
	// wrote (see Remember).
	seen map[string]any
}

// callerTx is what WithTx puts in a context: the caller's transaction
// and the pool its stores are on.
type callerTx struct {
	pool *pgxpool.Pool
	tx   pgx.Tx
}

// WithTx returns a context in which every store on pool runs its
// statements in tx, a transaction the caller began and ends: a Unit's Do
// called with it runs fn in tx, sends its writes before it returns, and
// neither commits nor rolls back.
func WithTx(ctx context.Context, pool *pgxpool.Pool, tx pgx.Tx) context.Context {
	return unit.With(ctx, &callerTx{pool: pool, tx: tx})
}

// on returns where a store on pool sends a statement called with ctx:
// the unit of work ctx carries, or (w nil) the caller's transaction or
// the pool. A unit on another pool, or of another kind, is
// unit.ErrForeign: the store's writes would escape the unit.
func on(ctx context.Context, pool *pgxpool.Pool) (w *work, d db, err error) {
	switch u := unit.From(ctx).(type) {
	case nil:
		return nil, pool, nil
	case *callerTx:
		if u.pool == pool {
			return nil, u.tx, nil
		}
	case *work:
		if u.pool == pool {
			return u, nil, nil
		}
	}
	return nil, nil, unit.ErrForeign
}

// Query sends a reading statement and gives its rows to scan. In a unit
// it goes in one round trip with the unit's writes not sent yet (so that
// it sees them), and with the unit's BEGIN if it is the unit's first.
func Query(ctx context.Context, pool *pgxpool.Pool, scan func(pgx.Rows) error, sql string, args ...any) error {
	q := &pgx.QueuedQuery{SQL: sql, Arguments: args}
	q.Query(scan)
	return read(ctx, pool, q, func(d db) error {
		rows, err := d.Query(ctx, sql, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		if err := scan(rows); err != nil {
			return err
		}
		rows.Close()
		return rows.Err()
	})
}

// QueryRow is Query for a statement that returns at most one row: scan's
// Scan returns pgx.ErrNoRows when it returns none.
func QueryRow(ctx context.Context, pool *pgxpool.Pool, scan func(pgx.Row) error, sql string, args ...any) error {
	q := &pgx.QueuedQuery{SQL: sql, Arguments: args}
	q.QueryRow(scan)
	return read(ctx, pool, q, func(d db) error { return scan(d.QueryRow(ctx, sql, args...)) })
}

// read sends q in ctx's unit, or, outside one, runs direct on the pool or
// the caller's transaction.
func read(ctx context.Context, pool *pgxpool.Pool, q *pgx.QueuedQuery, direct func(db) error) error {
	w, d, err := on(ctx, pool)
	switch {
	case err != nil:
		return err
	case w != nil:
		return w.send(ctx, q)
	}
	return direct(d)
}

// Write sends a writing statement. Outside a unit it is sent now (a
// serialization failure or a deadlock is an error wrapping conflict). In
// a unit it waits for the unit's next read or its COMMIT
// and Write returns nil; the statement's error, when it is sent, fails
// the unit. Either way a failure of the statement's own is given to fail,
// which returns the store's error for it (a serialization failure or
// deadlock is not: the unit wraps it in its Conflict). A statement whose
// success depends on what it finds (a row at the version read) must fail
// when it finds something else (Expect): in a unit nothing after it would
// know.
func Write(ctx context.Context, pool *pgxpool.Pool, conflict error, fail func(error) error, sql string, args ...any) error {
	w, d, err := on(ctx, pool)
	switch {
	case err != nil:
		return err
	case w != nil:
		if w.err != nil {
			return w.err
		}
		q := &pgx.QueuedQuery{SQL: sql, Arguments: args}
		q.Fn = func(br pgx.BatchResults) error {
			_, err := br.Exec()
			if err != nil && !retryable(err) {
				return fail(err)
			}
			return err
		}
		w.pending = append(w.pending, q)
		return nil
	}
	_, err = d.Exec(ctx, sql, args...)
	return failed(conflict, fail, err)
}

// failed returns the error of a statement sent on its own: a
// serialization failure or a deadlock wraps conflict (it changed nothing;
// the unit of work the service runs again is the one level of retries),
// any other failure what fail makes of it.
func failed(conflict error, fail func(error) error, err error) error {
	switch {
	case err == nil:
		return nil
	case retryable(err):
		return fmt.Errorf("%w: %v", conflict, err)
	}
	return fail(err)
}

// errTaken is wrapped in the error of an insert that, sent after its
// caller went on (see Insert), found its row taken.
var errTaken = errors.New("pg: the row was taken")

// Insert sends a statement that inserts a row (and what goes with it):
// WITH queries, one of which, from, returns the row inserted, and none
// when the row is taken (ON CONFLICT DO NOTHING), on tables in schema. It
// reports whether the row was inserted. Outside a unit, and in a unit
// whose inserts are eager, it is sent at once (a serialization failure
// wraps conflict, as Write's do). Otherwise it waits for the unit's next
// statement, as Write's do, and reports the row inserted; if it is taken
// when the statement is sent, the unit fails and Unit.Do runs it again
// from the start with its inserts eager, so that the caller learns here
// that the row is taken. fail translates the statement's other errors.
func Insert(ctx context.Context, pool *pgxpool.Pool, schema Schema, conflict error, fail func(error) error, with, from string, args ...any) (bool, error) {
	if w, _, err := on(ctx, pool); err != nil {
		return false, err
	} else if w != nil && !w.eager {
		w.guessed = true
		return true, Write(ctx, pool, conflict, func(err error) error {
			if Stale(err) {
				return fmt.Errorf("%w: %w", errTaken, fail(err))
			}
			return fail(err)
		}, with+schema.Expect(from), args...)
	}
	var n int
	err := QueryRow(ctx, pool, func(row pgx.Row) error { return row.Scan(&n) }, with+"SELECT count(*) FROM "+from, args...)
	if err := failed(conflict, fail, err); err != nil {
		return false, err
	}
	return n == 1, nil
}

// Remember keeps v under key in ctx's unit of work, for the stores on
// pool: what a store read or wrote of a row (v must never change after),
// so that reading it again in the unit needs no round trip. Outside a unit
// it does nothing. A unit's snapshot does not change under it, and every
// write of the unit's to the row remembers what it wrote, so what Recall
// returns is what the database would.
func Remember(ctx context.Context, pool *pgxpool.Pool, key string, v any) {
	if w, _, _ := on(ctx, pool); w != nil {
		if w.seen == nil {
			w.seen = make(map[string]any)
		}
		w.seen[key] = v
	}
}

// Recall returns what was remembered under key in ctx's unit of work, or
// nil.
func Recall(ctx context.Context, pool *pgxpool.Pool, key string) any {
	if w, _, _ := on(ctx, pool); w != nil {
		return w.seen[key]
	}
	return nil
}

// send sends, in one batch, the unit's BEGIN if it was not sent, its
// writes not sent yet, and qs, and runs each one's function on its
// result. After a failure (any but a read's pgx.ErrNoRows) the unit's
// transaction is aborted: the error is the unit's, and every later send
// returns it.
func (w *work) send(ctx context.Context, qs ...*pgx.QueuedQuery) error {
	if r := w.round; r != nil && len(qs) > 0 {
		return r.wait(qs) // Together sends it with the others
	}
	return w.flush(ctx, qs...)
}

// flush is send, now.
func (w *work) flush(ctx context.Context, qs ...*pgx.QueuedQuery) error {
	if w.err != nil {
		return w.err
	}
	b := &pgx.Batch{}
	if w.begin != "" {
		b.Queue(w.begin)
		w.begin, w.begun = "", true
	}
	b.QueuedQueries = append(append(b.QueuedQueries, w.pending...), qs...)
	w.pending, w.guessed = nil, false
	if len(b.QueuedQueries) == 0 {
		return nil
	}
	err := w.db.SendBatch(ctx, b).Close()
	if err != nil && !errors.Is(err, pgx.ErrNoRows) { // no row is an answer, not a failure
		w.err = err
	}
	return err
}

// Together runs fns, each in a goroutine of its own with ctx, in the unit
// ctx carries, and sends the reads they make together. The goroutines run
// one at a time, in the order of fns, each until it waits for a read or
// returns; then the reads waiting go in one batch (with the unit's BEGIN
// and its writes not sent yet, as a read's always do), and each goroutine
// runs on, in the same order, to its next read or its end. So fns that
// each read a record the unit has not read cost one round trip between
// them, the store calls come in the same order every time (a crash test
// can count them), and no two of fns ever run at once. Inside another
// Together, or for one fn, they run one after another. It returns the
// first error of fns, in their order, and a panic of one of them again.
// fns must not wait for one another.
//
// It is a method of the unit's state in the context, so that
// payment.Together finds it there whichever service began the unit.
func (w *work) Together(ctx context.Context, fns ...func(context.Context) error) error {
	if w.round != nil || len(fns) < 2 {
		for _, fn := range fns {
			if err := fn(ctx); err != nil {
				return err
			}
		}
		return nil
	}
	r := &round{park: make(chan *waiting)}
	w.round = r
	errs := make([]error, len(fns))
	panics := make([]any, len(fns))
	var parked []*waiting
	for i, fn := range fns {
		go func() {
			defer func() {
				panics[i] = recover()
				r.park <- nil // returned
			}()
			errs[i] = fn(ctx)
		}()
		if wt := <-r.park; wt != nil {
			parked = append(parked, wt)
		}
	}
	for len(parked) > 0 {
		var qs []*pgx.QueuedQuery
		for _, wt := range parked {
			qs = append(qs, wt.queries()...)
		}
		err := w.flush(ctx, qs...)
		var next []*waiting
		for _, wt := range parked {
			if !wt.ran && wt.err == nil {
				wt.err = err // the batch failed before its turn
			}
			close(wt.resume)
			if wt := <-r.park; wt != nil {
				next = append(next, wt)
			}
		}
		parked = next
	}
	w.round = nil
	for _, p := range panics {
		if p != nil {
			panic(p)
		}
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// round is Together's: the goroutine running says on park when it stops,
// with the read it waits for, or nil when it returned.
type round struct {
	park chan *waiting
}

// waiting is a read that waits for the round's batch.
type waiting struct {
	qs     []*pgx.QueuedQuery
	err    error
	ran    bool
	resume chan struct{}
}

// wait parks the goroutine running until the round sent the reads qs.
func (r *round) wait(qs []*pgx.QueuedQuery) error {
	wt := &waiting{qs: qs, resume: make(chan struct{})}
	r.park <- wt
	<-wt.resume
	return wt.err
}

// queries returns wt's reads, their functions keeping each read's own
// error: a read that found no row, or could not decode what it found,
// leaves the batch's other reads to run.
func (wt *waiting) queries() []*pgx.QueuedQuery {
	for _, q := range wt.qs {
		fn := q.Fn
		q.Fn = func(br pgx.BatchResults) error {
			wt.ran = true
			err := fn(br)
			if err != nil && wt.err == nil {
				wt.err = err
			}
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) {
				return err // the transaction is aborted: the unit fails
			}
			return nil
		}
	}
	return wt.qs
}

// commit is the COMMIT of a unit's transaction. COMMIT in a transaction
// that a failed statement aborted rolls it back and says so, without an
// error: that is the unit's failure too.
func commit() *pgx.QueuedQuery {
	q := &pgx.QueuedQuery{SQL: "COMMIT"}
	q.Exec(func(tag pgconn.CommandTag) error {
		if tag.String() != "COMMIT" {
			return errors.New("pg: the transaction was rolled back, not committed")
		}
		return nil
	})
	return q
}

// Unit is the unit of work of the stores on one pool: Do holds a
// connection, gives fn a context that carries the unit, so that every
// store on Pool called with that context runs its statements in one
// REPEATABLE READ transaction, and commits when fn returns nil; the
// transaction's BEGIN goes with its first statement and its writes with
// its COMMIT, so a unit is two round trips when it reads before it
// writes. A unit that loses a race (its snapshot's version of a row it
// writes is gone: a serialization failure, a deadlock, or a write
// conditioned on a version that moved on) fails and commits nothing; its
// error wraps Conflict, and the service runs it again.
type Unit struct {
	Pool *pgxpool.Pool
	// Conflict is wrapped in the error of a unit that lost a race.
	Conflict error
}

// Joins reports whether ctx carries a unit of work of u's pool under way:
// Do would run a function in it.
func (u Unit) Joins(ctx context.Context) bool {
	w, ok := unit.From(ctx).(*work)
	return ok && w.pool == u.Pool
}

// beginSQL begins a unit's transaction.
const beginSQL = "BEGIN ISOLATION LEVEL REPEATABLE READ"

// Do implements payment.UnitOfWork.
func (u Unit) Do(ctx context.Context, fn func(ctx context.Context) error) error {
	switch w := unit.From(ctx).(type) {
	case nil:
	case *callerTx:
		if w.pool != u.Pool {
			return unit.ErrForeign
		}
		return u.run(ctx, &work{pool: u.Pool, db: w.tx, eager: true}, fn)
	case *work:
		if w.pool != u.Pool {
			return unit.ErrForeign
		}
		return fn(ctx)
	default:
		return unit.ErrForeign
	}
	err := u.once(ctx, false, fn)
	if errors.Is(err, errTaken) {
		// An insert found its row taken when it was sent, after fn had
		// gone on as if it was not: run fn again, its inserts sent at once,
		// so that the store says the row is taken where fn can see it.
		err = u.once(ctx, true, fn)
	}
	return err
}

// once runs fn in a transaction of its own, on a connection it holds.
func (u Unit) once(ctx context.Context, eager bool, fn func(ctx context.Context) error) error {
	conn, err := u.Pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("pg: a connection for a unit of work: %v", err)
	}
	defer conn.Release() // a connection left in a transaction is closed, not reused
	w := &work{pool: u.Pool, db: conn, begin: beginSQL, eager: eager}
	err = u.run(ctx, w, fn)
	if err != nil && w.begun {
		// The error is fn's or the batch's; a rollback that fails leaves
		// the connection in its transaction, which Release closes.
		_, _ = conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
	}
	return err
}

// run runs fn in w and sends what w has not sent, with the COMMIT when w
// began the transaction.
func (u Unit) run(ctx context.Context, w *work, fn func(ctx context.Context) error) error {
	err := fn(unit.With(ctx, w))
	if err != nil && w.guessed {
		// fn failed after an insert it was told had succeeded: if the row
		// was taken, fn's error may come of that, and fn must run again.
		_ = w.send(ctx)
	}
	if w.err != nil && (err == nil || errors.Is(w.err, errTaken)) {
		err = w.err // a failure of the database's that fn did not return, or a taken row fn did not know of
	}
	if err == nil {
		var end []*pgx.QueuedQuery
		if w.begun || w.begin != "" && len(w.pending) > 0 {
			end = append(end, commit())
		}
		if err = w.send(ctx, end...); err == nil {
			w.begun = false // ended
			return nil
		}
	}
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
