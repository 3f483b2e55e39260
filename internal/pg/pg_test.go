package pg_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
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
		go func() { defer wg.Done(); errs[i] = pg.Migrate(ctx, pool, "test", fsys, "migrations") }()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.NoError(t, pg.Migrate(ctx, pool, "test", fsys, "migrations"), "running it again applies nothing")
	var rows int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM counters").Scan(&rows))
	assert.Equal(t, 1, rows, "the seed migration ran once")
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM tradeassure_migrations WHERE component = 'test'").Scan(&rows))
	assert.Equal(t, 2, rows)
}

func TestTxRetriesSerializationFailures(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.Pool(t)
	require.NoError(t, pg.Migrate(ctx, pool, "test", os.DirFS("testdata"), "migrations"))
	const workers, each = 8, 10
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				err := pg.Tx(ctx, pool, errConflict, func(tx pgx.Tx) error {
					var n int64
					if err := tx.QueryRow(ctx, "SELECT n FROM counters WHERE id = 'c'").Scan(&n); err != nil {
						return err
					}
					_, err := tx.Exec(ctx, "UPDATE counters SET n = $1 WHERE id = 'c'", n+1)
					return err
				})
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	var n int64
	require.NoError(t, pool.QueryRow(ctx, "SELECT n FROM counters WHERE id = 'c'").Scan(&n))
	assert.Equal(t, int64(workers*each), n, "no lost update: every read-modify-write was serialized")

	err := pg.Tx(ctx, pool, errConflict, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE counters SET n = -1 WHERE id = 'c'")
		return err
	})
	require.Error(t, err, "a CHECK violation is returned, not retried")
	assert.NotErrorIs(t, err, errConflict)
}
