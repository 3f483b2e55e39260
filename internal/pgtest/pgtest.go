// Package pgtest gives the PostgreSQL store tests a database: the DSN in
// TRADEASSURE_TEST_DSN, and for each test a database of its own, dropped
// when the test ends. Without the DSN the tests fail when CI is set and
// skip, saying how to run them, on a developer's machine.
package pgtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// EnvDSN is the environment variable that holds the test database's DSN.
const EnvDSN = "TRADEASSURE_TEST_DSN"

// DSN returns the test database's DSN. Without one it fails the test when
// CI is set (CI must run these tests) and skips it otherwise.
func DSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	switch {
	case dsn != "":
		return dsn
	case os.Getenv("CI") != "":
		t.Fatalf("%s is not set: CI must run the PostgreSQL tests (.ci/run starts a cluster and sets it)", EnvDSN)
	default:
		t.Skipf("%s is not set: the PostgreSQL tests need a database, e.g. %s=postgres://user@127.0.0.1:5432/postgres?sslmode=disable (see README)", EnvDSN, EnvDSN)
	}
	return ""
}

// Pool returns a pool on a new database of the test's own, dropped (with
// everything in it) when the test ends, so that the stores' tables are in
// their default schema, "tradeassure", as a caller's are. The pool's
// search_path is that schema, so that a test's own SQL may name the tables
// unqualified; the stores' statements qualify every name, which
// TestTheStoresNameTheirSchema checks on a pool without it. The pool is
// closed before the database is dropped, so that none of its background
// goroutines outlives the test (the packages' TestMain checks with
// goleak); a test that fails halfway through setting up leaves nothing
// open either.
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	cfg := Config(t)
	cfg.ConnConfig.RuntimeParams["search_path"] = "tradeassure"
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// Config returns the configuration of a pool on a new database of the
// test's own, dropped when the test ends, with the server's defaults (no
// search_path of the test's).
func Config(t testing.TB) *pgxpool.Config {
	t.Helper()
	ctx := context.Background()
	dsn := DSN(t)
	name := fmt.Sprintf("test_%016x", rand.Uint64())
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvDSN, err)
	}
	// Cleanups run last first: the pool closes, the database goes, then
	// the admin connection.
	t.Cleanup(func() { admin.Close(ctx) })
	// template0 is never connected to, so that tests may copy it at once.
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.Database = name
	cfg.MaxConns = 16
	return cfg
}
