package pg_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/internal/pg"
	"github.com/tradeassure/tradeassure/internal/pgtest"
)

var errConflict = errors.New("conflict")

func TestMigrateAppliesEachMigrationOnce(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.Pool(t)
	fsys := os.DirFS("testdata")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs { // several processes starting at once
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = pg.Migrate(ctx, pool, pg.DefaultSchema, "test", fsys, "migrations") }()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.NoError(t, pg.Migrate(ctx, pool, pg.DefaultSchema, "test", fsys, "migrations"), "running it again applies nothing")
	var rows int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM counters").Scan(&rows))
	assert.Equal(t, 1, rows, "the seed migration ran once")
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM tradeassure_migrations WHERE component = 'test'").Scan(&rows))
	assert.Equal(t, 2, rows)
}

func TestAWriteConditionedOnWhatItReadWritesNothingOnceThatIsGone(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.Pool(t)
	require.NoError(t, pg.Migrate(ctx, pool, pg.DefaultSchema, "test", os.DirFS("testdata"), "migrations"))
	const workers, each = 8, 10
	var wg sync.WaitGroup
	var written atomic.Int64
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				var n int64
				if !assert.NoError(t, pool.QueryRow(ctx, "SELECT n FROM counters WHERE id = 'c'").Scan(&n)) {
					return
				}
				tag, err := pool.Exec(ctx, "UPDATE counters SET n = $1 WHERE id = 'c' AND n = $2", n+1, n)
				written.Add(tag.RowsAffected())
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	var n int64
	require.NoError(t, pool.QueryRow(ctx, "SELECT n FROM counters WHERE id = 'c'").Scan(&n))
	assert.Equal(t, written.Load(), n, "no lost update: each write that counted itself moved n by one")
	assert.Positive(t, n)
}

// TestAStatementThatFailsToSerializeIsTheStoresConflict: outside a unit
// of work a write is sent once; a serialization failure changed nothing
// and is the store's conflict, for the service to run its unit again (the
// one level of retries); any other failure is what the store makes of it.
func TestAStatementThatFailsToSerializeIsTheStoresConflict(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.Pool(t)
	require.NoError(t, pg.Migrate(ctx, pool, pg.DefaultSchema, "test", os.DirFS("testdata"), "migrations"))
	errStore := errors.New("the store's error")
	fail := func(err error) error { return fmt.Errorf("%w: %v", errStore, err) }

	err := pg.Write(ctx, pool, errConflict, fail, `DO $$ BEGIN RAISE EXCEPTION 'test' USING ERRCODE = 'serialization_failure'; END $$`)
	require.ErrorIs(t, err, errConflict, "a statement that failed to serialize is the store's conflict")
	assert.NotErrorIs(t, err, errStore)

	err = pg.Write(ctx, pool, errConflict, fail, "UPDATE counters SET n = -1 WHERE id = 'c'")
	require.ErrorIs(t, err, errStore, "a CHECK violation is the store's error")
	assert.NotErrorIs(t, err, errConflict)

	require.NoError(t, pg.Write(ctx, pool, errConflict, fail, "UPDATE counters SET n = n + 1 WHERE id = 'c'"))
	var n int64
	require.NoError(t, pool.QueryRow(ctx, "SELECT n FROM counters WHERE id = 'c'").Scan(&n))
	assert.Equal(t, int64(1), n, "the write was sent once")
}

func TestMigrateRefusesASchemaNamePostgreSQLWouldCut(t *testing.T) {
	pool := pgtest.Pool(t)
	err := pg.Migrate(context.Background(), pool, pg.Schema(strings.Repeat("s", 64)), "test", os.DirFS("testdata"), "migrations")
	require.Error(t, err)
	var schemas int
	require.NoError(t, pool.QueryRow(context.Background(), "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'sss%'").Scan(&schemas))
	assert.Zero(t, schemas, "nothing created")
}
