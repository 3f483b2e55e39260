// Package pg is the plumbing the PostgreSQL reference stores share: one
// way to read and write (Query, QueryRow, Write, Insert: each change one
// statement; outside a unit of work sent on its own and retried on
// serialization failures and deadlocks, so the same code runs on
// CockroachDB; inside one, in the unit's batches, two round trips for a
// unit that reads one record), the unit of work itself, the document store
// most of the stores are, one way to apply a store's embedded migrations
// (idempotent, under an advisory lock), and the SQLSTATE checks the stores
// need.
package pg

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// SQLSTATE codes the stores branch on.
const (
	codeSerialization = "40001"
	codeDeadlock      = "40P01"
	codeUnique        = "23505"
	codeForeignKey    = "23503"
	codeStale         = "TA001" // tradeassure_expect's
)

// Expect returns the end of a writing statement whose WITH query named
// from must change exactly one row (the row at the version it read, or a
// new one): a SELECT that fails the statement otherwise (Stale), which
// aborts a unit's transaction before its COMMIT. It calls the function
// tradeassure_expect of schema s, which Migrate creates.
func (s Schema) Expect(from string) string {
	return s.SQL("SELECT tradeassure.tradeassure_expect(count(*) = 1) FROM " + from)
}

// Stale reports whether err is the failure of a statement that ends with
// Expect: it found no row to change.
func Stale(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == codeStale
}

// retryable reports whether err is a serialization failure or a deadlock.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == codeSerialization || pgErr.Code == codeDeadlock)
}

// ForeignKeyViolation reports whether err is a foreign-key violation
// (SQLSTATE 23503): the row referred to does not exist.
func ForeignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == codeForeignKey
}

// UniqueViolation reports whether err is a unique-constraint violation
// (SQLSTATE 23505).
func UniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == codeUnique
}

// own are the migrations every component's need: tradeassure_expect.
//
//go:embed migrations/*.sql
var own embed.FS

// Migrate applies the migrations of component in schema (created if it
// does not exist): the .sql files of dir in fsys, in name order
// (0001_accounts.sql, 0002_…), each once, in its own transaction with the
// search_path set to schema alone (so a migration names its tables
// unqualified, and a function that reads a table must pin it: SET
// search_path FROM CURRENT), recorded in schema's table
// tradeassure_migrations, after the migrations this package's statements
// need (component "tradeassure"). It holds an advisory lock while it
// runs, so that several processes starting at once apply each migration
// once; running it again applies nothing.
func Migrate(ctx context.Context, pool *pgxpool.Pool, schema Schema, component string, fsys fs.FS, dir string) error {
	if n := len(schema.OrDefault()); n > 63 {
		// PostgreSQL would cut it to 63 bytes, and two long names would
		// name one schema.
		return fmt.Errorf("pg: a schema name of %d bytes; PostgreSQL keeps 63", n)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	const lock = 0x7472616465 // "trade"
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", lock); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", lock) //nolint:errcheck // the session ends the lock anyway
	if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema.quoted()+";"+schema.SQL(`
		CREATE TABLE IF NOT EXISTS tradeassure.tradeassure_migrations (
		component text NOT NULL, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
		PRIMARY KEY (component, name))`)); err != nil {
		return err
	}
	if err := migrate(ctx, conn.Conn(), schema, "tradeassure", own, "migrations"); err != nil {
		return err
	}
	return migrate(ctx, conn.Conn(), schema, component, fsys, dir)
}

// migrate applies component's migrations on conn, which holds Migrate's
// lock.
func migrate(ctx context.Context, conn *pgx.Conn, schema Schema, component string, fsys fs.FS, dir string) error {
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return err
	}
	slices.Sort(names)
	for _, name := range names {
		sql, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, schema.SQL(`INSERT INTO tradeassure.tradeassure_migrations (component, name) VALUES ($1, $2) ON CONFLICT DO NOTHING`),
				component, path.Base(name))
			if err != nil || tag.RowsAffected() == 0 {
				return err // applied before
			}
			if _, err := tx.Exec(ctx, "SET LOCAL search_path TO "+schema.quoted()); err != nil {
				return err
			}
			_, err = tx.Exec(ctx, string(sql))
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate %s %s: %w", component, path.Base(name), err)
		}
	}
	return nil
}
