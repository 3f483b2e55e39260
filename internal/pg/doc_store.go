package pg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DocStore keeps an aggregate as a versioned JSONB document: a table with
// the columns id (the primary key), version and doc (the aggregate in its
// JSON encoding, the one source a read decodes), and beside them typed
// columns projected from the aggregate for CHECK constraints and indexes.
// Every write sets the document and the projection in one statement, so
// the two never disagree.
//
// Writes are optimistic, as the in-memory stores' are: Update reads the
// document, calls fn once on the decoded copy, then writes with "WHERE id
// = @doc_id AND version = @doc_read" (the version it read) in one
// statement (see Write); when the version moved on the statement fails and
// the error wraps Conflict. The named arguments of a write are doc_ and
// the column's name.
//
// The zero value is not usable; fill in every field but Also and Clone.
type DocStore[T any] struct {
	Pool *pgxpool.Pool
	// Schema is the table's schema (DefaultSchema when empty), and Table
	// its name; its primary key constraint is named Table+"_pkey",
	// PostgreSQL's default.
	Schema Schema
	Table  string
	// Columns are the typed columns beside id, version and doc, in the
	// order Project returns their values.
	Columns []string
	// ID and Version return the aggregate's id and a pointer to its
	// version.
	ID      func(v *T) string
	Version func(v *T) *int64
	// Project returns the values of Columns for v, or why v cannot be
	// stored.
	Project func(v *T) ([]any, error)
	// Also, if set, returns what else a write of v changes in the same
	// statement: data-modifying WITH queries that read the written row's
	// id from the query named doc ("INSERT INTO items SELECT doc.id, …
	// FROM doc, …"), so that they write nothing when the row was not
	// written, with their named arguments. before is the stored aggregate
	// an update started from, nil on Insert.
	Also func(before, v *T) (With, error)
	// Clone returns a deep copy of v: Update keeps the aggregate it read
	// for Also, and a unit of work keeps what it read or wrote decoded,
	// cloned out on each read of it, instead of decoding its document
	// again. Required with Also.
	Clone func(v *T) *T
	// NotFound, Duplicate and Conflict are the store's errors for an
	// unknown id, a taken id and a version that moved on.
	NotFound, Duplicate, Conflict error
}

// With is a list of WITH queries, "name AS (…)", and their named
// arguments (pgx.NamedArgs); the names must not begin with "doc_". The
// queries name tables qualified with DefaultSchema ("tradeassure.items"),
// which the DocStore rewrites to its Schema.
type With struct {
	Queries []string
	Args    pgx.NamedArgs
}

// Insert stores v with version 1 and returns it as stored, or Duplicate
// when the id is taken. It is one statement (see pg.Insert: in a unit it
// goes with the unit's next one).
func (s *DocStore[T]) Insert(ctx context.Context, v *T) (*T, error) {
	row := *v // a shallow copy: only marshalled, never changed below the top
	*s.Version(&row) = 1
	args, err := s.args(&row)
	if err != nil {
		return nil, err
	}
	cols := append([]string{"id", "version", "doc"}, s.Columns...)
	params := make([]string, len(cols))
	for i, c := range cols {
		params[i] = "@doc_" + c
	}
	// A taken id writes nothing rather than failing, so that it leaves a
	// unit of work's transaction usable.
	write := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (id) DO NOTHING", s.table(), strings.Join(cols, ", "), strings.Join(params, ", "))
	statement, err := s.statement(write, nil, &row, args)
	if err != nil {
		return nil, err
	}
	taken := func() error { return fmt.Errorf("%w: id %q", s.Duplicate, s.ID(v)) }
	inserted, err := Insert(ctx, s.Pool, s.Schema, s.Conflict, func(err error) error {
		if Stale(err) || duplicateKey(err, s.Table+"_pkey") {
			return taken()
		}
		return fmt.Errorf("pg: insert into %s of %q: %w", s.Table, s.ID(v), err)
	}, statement, "doc", args)
	switch {
	case err != nil:
		return nil, err
	case !inserted:
		return nil, taken()
	}
	return s.wrote(ctx, &row, args["doc_doc"].(json.RawMessage), true)
}

// Get returns the aggregate with that id, or NotFound. It is one
// statement, or none when the unit of work ctx carries read or wrote it
// already.
func (s *DocStore[T]) Get(ctx context.Context, id string) (*T, error) {
	if v, ok := s.recall(ctx, id); ok {
		return v, nil
	}
	got, err := s.Select(ctx, "WHERE id = $1", id)
	if err != nil {
		return nil, err
	}
	if len(got) == 0 {
		return nil, fmt.Errorf("%w: id %q", s.NotFound, id)
	}
	return got[0], nil
}

// Keep returns the aggregate of row id at version with doc, read by a
// statement of the store's own (a join), and remembers it in ctx's unit
// as Get would.
func (s *DocStore[T]) Keep(ctx context.Context, id string, version int64, doc []byte) (*T, error) {
	return s.remember(ctx, id, version, slices.Clone(doc))
}

// stored is a row as a unit of work remembers it (see Remember): its
// document, and, when the store can clone its aggregates, the aggregate
// decoded, which a recall clones instead of decoding the document again.
type stored struct {
	version int64
	doc     []byte
	decoded any // *T, never handed out; nil without Clone
}

// remember remembers the row id at version with doc in ctx's unit, and
// returns its aggregate.
func (s *DocStore[T]) remember(ctx context.Context, id string, version int64, doc []byte) (*T, error) {
	v, err := decode[T](doc, version, s.Version)
	if err != nil {
		return nil, err
	}
	r := stored{version: version, doc: doc}
	if s.Clone != nil {
		r.decoded = s.Clone(v)
	}
	Remember(ctx, s.Pool, s.table()+"/"+id, r)
	return v, nil
}

// wrote remembers v, which the store just wrote as doc, in ctx's unit,
// and returns it as stored: v itself, the caller's, or a copy of it when
// shared (a shallow copy of the caller's value). With Clone, the unit
// keeps a copy of v instead of decoding doc again; without, the document
// is decoded, as a read would.
func (s *DocStore[T]) wrote(ctx context.Context, v *T, doc []byte, shared bool) (*T, error) {
	if s.Clone == nil {
		return s.remember(ctx, s.ID(v), *s.Version(v), doc)
	}
	Remember(ctx, s.Pool, s.table()+"/"+s.ID(v), stored{version: *s.Version(v), doc: doc, decoded: s.Clone(v)})
	if shared {
		return s.Clone(v), nil
	}
	return v, nil
}

// recall returns a new copy of the aggregate id that ctx's unit read or
// wrote.
func (s *DocStore[T]) recall(ctx context.Context, id string) (*T, bool) {
	r, ok := Recall(ctx, s.Pool, s.table()+"/"+id).(stored)
	if !ok {
		return nil, false
	}
	if v, ok := r.decoded.(*T); ok {
		return s.Clone(v), true
	}
	v, err := decode[T](r.doc, r.version, s.Version)
	return v, err == nil
}

// Select returns the aggregates of the rows that rest (a WHERE, ORDER BY
// and LIMIT, with $1, $2, … for args) selects, in its order. It is one
// statement.
func (s *DocStore[T]) Select(ctx context.Context, rest string, args ...any) ([]*T, error) {
	var out []*T
	err := Query(ctx, s.Pool, func(rows pgx.Rows) error {
		var version int64
		var doc []byte
		_, err := pgx.ForEachRow(rows, []any{&version, &doc}, func() error {
			v, err := decode[T](doc, version, s.Version)
			if err == nil && s.ID(v) != "" {
				r := stored{version: version, doc: slices.Clone(doc)}
				if s.Clone != nil {
					r.decoded = s.Clone(v)
				}
				Remember(ctx, s.Pool, s.table()+"/"+s.ID(v), r)
			}
			out = append(out, v)
			return err
		})
		return err
	}, "SELECT version, doc FROM "+s.table()+" "+rest, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Update reads the aggregate with that id (NotFound when there is none),
// applies fn to the copy it decoded, and writes the result with the
// version advanced by one, returning it as stored. fn runs exactly once;
// if it fails, nothing is written and its error is returned as it is. If
// the row was written in between, nothing is written and the error wraps
// Conflict. Outside a unit of work it is two round trips, the read and the
// write (a serialization failure is Conflict); in a unit
// the write goes with the unit's next statement, and so does its
// Conflict.
func (s *DocStore[T]) Update(ctx context.Context, id string, fn func(*T) error) (*T, error) {
	v, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	read := *s.Version(v)
	var before *T
	if s.Also != nil {
		before = s.Clone(v)
	}
	if err := fn(v); err != nil {
		return nil, err
	}
	if got := s.ID(v); got != id {
		return nil, fmt.Errorf("pg: an update of %s %q changed its id to %q", s.Table, id, got)
	}
	*s.Version(v) = read + 1
	args, err := s.args(v)
	if err != nil {
		return nil, err
	}
	args["doc_read"] = read
	set := make([]string, 0, 2+len(s.Columns))
	for _, c := range append([]string{"version", "doc"}, s.Columns...) {
		set = append(set, c+" = @doc_"+c)
	}
	write := fmt.Sprintf("UPDATE %s SET %s WHERE id = @doc_id AND version = @doc_read", s.table(), strings.Join(set, ", "))
	statement, err := s.statement(write, before, v, args)
	if err != nil {
		return nil, err
	}
	err = Write(ctx, s.Pool, s.Conflict, func(err error) error {
		if Stale(err) {
			return fmt.Errorf("%w: id %q changed since version %d", s.Conflict, id, read)
		}
		return fmt.Errorf("pg: update %s %q: %w", s.Table, id, err)
	}, statement+s.Schema.Expect("doc"), args)
	if err != nil {
		return nil, err
	}
	return s.wrote(ctx, v, args["doc_doc"].(json.RawMessage), false)
}

// table returns the table's name, qualified with its schema.
func (s *DocStore[T]) table() string { return s.Schema.SQL("tradeassure." + s.Table) }

// args returns the named arguments of a write of v: its id, version,
// document and projection.
func (s *DocStore[T]) args(v *T) (pgx.NamedArgs, error) {
	doc, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("pg: encode %s %q: %w", s.Table, s.ID(v), err)
	}
	values, err := s.Project(v)
	if err != nil {
		return nil, err
	}
	if len(values) != len(s.Columns) {
		return nil, fmt.Errorf("pg: %s projects %d values for %d columns", s.Table, len(values), len(s.Columns))
	}
	args := pgx.NamedArgs{"doc_id": s.ID(v), "doc_version": *s.Version(v), "doc_doc": json.RawMessage(doc)}
	for i, c := range s.Columns {
		args["doc_"+c] = values[i]
	}
	return args, nil
}

// statement returns write (an INSERT or UPDATE of one row) with what Also
// adds, as the WITH queries of one statement, for the caller to end with
// its SELECT from doc. Also's queries read the row from doc, so they write
// nothing when write wrote nothing.
func (s *DocStore[T]) statement(write string, before, v *T, args pgx.NamedArgs) (string, error) {
	queries := []string{"doc AS (" + write + " RETURNING id)"}
	if s.Also != nil {
		also, err := s.Also(before, v)
		if err != nil {
			return "", err
		}
		for _, q := range also.Queries {
			queries = append(queries, s.Schema.SQL(q))
		}
		for k, a := range also.Args {
			args[k] = a
		}
	}
	return "WITH " + strings.Join(queries, ",\n") + "\n", nil
}

// decode returns the aggregate doc encodes, with its version.
func decode[T any](doc []byte, version int64, field func(*T) *int64) (*T, error) {
	v := new(T)
	if err := json.Unmarshal(doc, v); err != nil {
		return nil, fmt.Errorf("pg: decode a stored document: %w", err)
	}
	*field(v) = version
	return v, nil
}

// duplicateKey reports whether err is a unique violation of constraint.
func duplicateKey(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return UniqueViolation(err) && errors.As(err, &pgErr) && pgErr.ConstraintName == constraint
}

// SplitTime returns t as a timestamptz column keeps it, truncated to the
// microsecond, and the nanoseconds below the microsecond (0 to 999) that a
// smallint column beside it keeps, so that the pair orders and compares as
// t does: a < b exactly when (SplitTime(a)) < (SplitTime(b)) as rows.
func SplitTime(t time.Time) (time.Time, int16) {
	us := t.Truncate(time.Microsecond)
	return us, int16(t.Sub(us))
}

// QueryCounter is a pgx.QueryTracer and pgx.BatchTracer that counts the
// round trips: each statement sent and each
// batch. Set it as a pool's ConnConfig.Tracer to see what each operation
// costs.
type QueryCounter struct{ n atomic.Int64 }

// TraceQueryStart counts a statement.
func (c *QueryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}

// TraceQueryEnd does nothing.
func (c *QueryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TraceBatchStart counts a batch, sent as one round trip.
func (c *QueryCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	c.n.Add(1)
	return ctx
}

// TraceBatchQuery does nothing: the batch was counted.
func (c *QueryCounter) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

// TraceBatchEnd does nothing.
func (c *QueryCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// Count returns how many statements were sent.
func (c *QueryCounter) Count() int64 { return c.n.Load() }

// Of returns how many statements op sent, op running alone on the pool.
func (c *QueryCounter) Of(op func() error) (int64, error) {
	before := c.Count()
	err := op()
	return c.Count() - before, err
}

// Pool returns a new pool with pool's configuration whose statements c
// counts; the caller closes it.
func (c *QueryCounter) Pool(ctx context.Context, pool *pgxpool.Pool) (*pgxpool.Pool, error) {
	cfg := pool.Config()
	cfg.ConnConfig.Tracer = c
	return pgxpool.NewWithConfig(ctx, cfg)
}
