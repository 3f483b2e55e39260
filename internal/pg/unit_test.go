package pg_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/internal/pg"
	"github.com/tradeassure/tradeassure/payment"
)

// TestAUnitIsTwoRoundTrips: a unit's BEGIN goes with its first read and
// its writes with its COMMIT, and a read in the unit sees the writes made
// before it though they were not sent on their own.
func TestAUnitIsTwoRoundTrips(t *testing.T) {
	ctx := context.Background()
	s, counter := newItems(t)
	u := pg.Unit{Pool: s.Pool, Conflict: errConflict}
	for _, id := range []string{"i1", "i2"} {
		_, err := s.Insert(ctx, &item{ID: id, Name: id})
		require.NoError(t, err)
	}
	var seen []string
	n, err := counter.Of(func() error {
		return u.Do(ctx, func(ctx context.Context) error {
			for _, id := range []string{"i1", "i2"} {
				if _, err := s.Update(ctx, id, func(v *item) error { v.Tags = append(v.Tags, "t"); return nil }); err != nil {
					return err
				}
			}
			if _, err := s.Insert(ctx, &item{ID: "i3", Name: "three", Tags: []string{"new"}}); err != nil {
				return err
			}
			again, err := s.Get(ctx, "i1") // remembered: no round trip
			if err != nil {
				return err
			}
			seen = again.Tags
			return nil
		})
	})
	require.NoError(t, err)
	assert.Equal(t, int64(3), n, "BEGIN with the first read, the second read, the writes with the COMMIT")
	assert.Equal(t, []string{"t"}, seen, "a read in the unit sees its write")
	assert.Equal(t, []string{"t"}, tagsOf(t, s, "i2"))
	assert.Equal(t, []string{"new"}, tagsOf(t, s, "i3"))

	n, err = counter.Of(func() error {
		return u.Do(ctx, func(ctx context.Context) error {
			_, err := s.Update(ctx, "i1", func(v *item) error { v.Name = "uno"; return nil })
			return err
		})
	})
	require.NoError(t, err)
	assert.Equal(t, int64(2), n, "a read and its write")
}

// TestAWriteThatFailsWhenSentLeavesNothingOfItsUnit: a write waits for
// the COMMIT; when the database refuses it then (a constraint, a version
// that moved on), the COMMIT does not run and none of the unit's writes
// are kept, those sent before it included.
func TestAWriteThatFailsWhenSentLeavesNothingOfItsUnit(t *testing.T) {
	ctx := context.Background()
	s, _ := newItems(t)
	u := pg.Unit{Pool: s.Pool, Conflict: errConflict}
	for _, id := range []string{"i1", "i2"} {
		_, err := s.Insert(ctx, &item{ID: id, Name: id})
		require.NoError(t, err)
	}
	before := snapshot(t, s)

	err := u.Do(ctx, func(ctx context.Context) error {
		if _, err := s.Update(ctx, "i1", func(v *item) error { v.Tags = []string{"kept?"}; return nil }); err != nil {
			return err
		}
		if _, err := s.Get(ctx, "i2"); err != nil { // sends the first write
			return err
		}
		_, err := s.Update(ctx, "i2", func(v *item) error { v.Name = "forbidden"; return nil })
		return err // nil: the CHECK refuses it at the COMMIT
	})
	require.Error(t, err)
	assert.NotErrorIs(t, err, errConflict, "a constraint is not a race")
	assert.Equal(t, before, snapshot(t, s), "nothing of the unit is kept")

	// The caller's transaction at READ COMMITTED: the row moves on between
	// the read and the write, which then finds no row at the version read.
	tx, err := s.Pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx) //nolint:errcheck // the test's transaction
	err = u.Do(pg.WithTx(ctx, s.Pool, tx), func(ctx context.Context) error {
		_, err := s.Update(ctx, "i1", func(v *item) error {
			_, err := s.Pool.Exec(context.Background(), "UPDATE items SET version = version + 1 WHERE id = 'i1'")
			v.Name = "stale"
			return err
		})
		return err
	})
	require.ErrorIs(t, err, errConflict, "a version that moved on is the store's conflict")
	require.NoError(t, tx.Rollback(ctx))
	var name string
	require.NoError(t, s.Pool.QueryRow(ctx, "SELECT name FROM items WHERE id = 'i1'").Scan(&name))
	assert.Equal(t, "i1", name)
}

// TestAnInsertThatFindsItsRowTakenRunsTheUnitAgain: an insert in a unit
// is reported made and sent with the COMMIT; when the id turns out taken,
// Do runs fn again with its inserts sent at once, and fn learns of it.
func TestAnInsertThatFindsItsRowTakenRunsTheUnitAgain(t *testing.T) {
	ctx := context.Background()
	s, _ := newItems(t)
	u := pg.Unit{Pool: s.Pool, Conflict: errConflict}
	_, err := s.Insert(ctx, &item{ID: "i1", Name: "one"})
	require.NoError(t, err)

	var runs int
	var inserted []error
	err = u.Do(ctx, func(ctx context.Context) error {
		runs++
		_, taken := s.Insert(ctx, &item{ID: "i1", Name: "again"})
		_, fresh := s.Insert(ctx, &item{ID: "i2", Name: "two"})
		inserted = []error{taken, fresh}
		return fresh
	})
	require.NoError(t, err)
	assert.Equal(t, 2, runs)
	assert.ErrorIs(t, inserted[0], errDuplicate, "the run that commits sees the id taken")
	assert.NoError(t, inserted[1])
	got, err := s.Get(ctx, "i2")
	require.NoError(t, err)
	assert.Equal(t, "two", got.Name)

	// fn's own error after an insert that was taken: fn runs again too, for
	// its error may come of the insert it believed made.
	runs = 0
	errOfTheGuess := errors.New("the name is not what fn inserted")
	err = u.Do(ctx, func(ctx context.Context) error {
		runs++
		if _, err := s.Insert(ctx, &item{ID: "i1", Name: "mine"}); errors.Is(err, errDuplicate) {
			return nil
		} else if err != nil {
			return err
		}
		return errOfTheGuess
	})
	require.NoError(t, err)
	assert.Equal(t, 2, runs)
}

// snapshot returns every item as stored, by id.
func snapshot(t *testing.T, s *pg.DocStore[item]) map[string]*item {
	t.Helper()
	all, err := s.Select(context.Background(), "ORDER BY id")
	require.NoError(t, err)
	out := map[string]*item{}
	for _, v := range all {
		out[v.ID] = v
	}
	return out
}

// TestTogetherSendsTheReadsOfItsFunctionsInOneRoundTrip: Together's
// functions run at once; whenever each waits for a read or has returned,
// the reads waiting go in one batch, and each gets its own answer (a row
// not found leaves the others to be read).
func TestTogetherSendsTheReadsOfItsFunctionsInOneRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, counter := newItems(t)
	u := pg.Unit{Pool: s.Pool, Conflict: errConflict}
	for _, id := range []string{"i1", "i2", "i3"} {
		_, err := s.Insert(ctx, &item{ID: id, Name: id})
		require.NoError(t, err)
	}
	var names [4]string
	var missing, chained error
	n, err := counter.Of(func() error {
		return u.Do(ctx, func(ctx context.Context) error {
			_, err := s.Update(ctx, "i3", func(v *item) error { v.Name = "three"; return nil }) // a write not sent yet
			if err != nil {
				return err
			}
			return payment.Together(ctx,
				func(ctx context.Context) error {
					v, err := s.Get(ctx, "i1")
					if err == nil {
						names[0] = v.Name
						v, err = s.Get(ctx, "i2") // a second round
						names[3] = v.Name
					}
					chained = err
					return err
				},
				func(ctx context.Context) error { _, missing = s.Get(ctx, "nope"); return nil },
				func(ctx context.Context) error {
					all, err := s.Select(ctx, "WHERE id = $1", "i3") // sees the write
					if err == nil {
						names[2] = all[0].Name
					}
					return err
				},
			)
		})
	})
	require.NoError(t, err)
	require.NoError(t, chained)
	assert.ErrorIs(t, missing, errNotFound)
	assert.Equal(t, [4]string{"i1", "", "three", "i2"}, names)
	assert.Equal(t, int64(4), n, "BEGIN with the update's read; its write with the three first reads; the second read; the COMMIT")

	boom := errors.New("boom")
	err = u.Do(ctx, func(ctx context.Context) error {
		return payment.Together(ctx,
			func(ctx context.Context) error { _, err := s.Get(ctx, "i1"); return err },
			func(context.Context) error { return boom },
			func(ctx context.Context) error { _, err := s.Get(ctx, "nope"); return err })
	})
	assert.ErrorIs(t, err, boom, "the first error, in the functions' order")
	assert.PanicsWithValue(t, "oops", func() {
		_ = u.Do(ctx, func(ctx context.Context) error {
			return payment.Together(ctx, func(context.Context) error { return nil }, func(context.Context) error { panic("oops") })
		})
	}, "a panic of a function is Together's")
}
