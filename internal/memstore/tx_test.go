package memstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUnitOfManyRows runs units over more rows than a unit searches in
// order (indexFrom), so that its index is what finds them: a unit reads
// its own writes, commits all of them or none, and fails on a row another
// writer changed after the unit read it, however many rows it holds.
func TestUnitOfManyRows(t *testing.T) {
	ctx := context.Background()
	tasks, u := newTasks(), Unit{}
	n := 3 * indexFrom
	id := func(i int) string { return fmt.Sprintf("t-%02d", i) }

	require.NoError(t, u.Do(ctx, func(ctx context.Context) error {
		for i := range n {
			if _, err := tasks.Insert(ctx, task{ID: id(i), Due: at(i)}); err != nil {
				return err
			}
		}
		for i := range n {
			got, err := tasks.Get(ctx, id(i))
			require.NoError(t, err, "the unit reads its own insert %d", i)
			assert.Equal(t, at(i), got.Due)
		}
		_, err := tasks.Update(ctx, id(n-1), nil, func(v *task) error { v.Notes = []string{"updated"}; return nil })
		return err
	}))
	assert.Equal(t, n, tasks.Len(), "every insert committed")
	last, err := tasks.Get(ctx, id(n-1))
	require.NoError(t, err)
	assert.Equal(t, []string{"updated"}, last.Notes)
	assert.Equal(t, int64(2), last.Version, "inserted and updated in one unit: two versions")

	err = u.Do(ctx, func(ctx context.Context) error {
		for i := range n {
			if _, err := tasks.Get(ctx, id(i)); err != nil {
				return err
			}
		}
		if _, err := tasks.Update(ctx, id(0), nil, func(v *task) error { v.Notes = []string{"lost"}; return nil }); err != nil {
			return err
		}
		// Another writer, outside the unit, changes a row the unit read
		// after its index was built.
		_, err := tasks.Update(context.Background(), id(n-2), nil, func(v *task) error { v.Notes = []string{"theirs"}; return nil })
		return err
	})
	require.ErrorIs(t, err, errConflict)
	first, err := tasks.Get(ctx, id(0))
	require.NoError(t, err)
	assert.Empty(t, first.Notes, "the unit that lost wrote nothing")
}

// Two units find a unique key free and insert rows under it: the one that
// commits second lost a race, and fails with the conflict (it runs again,
// and then finds the key taken), not with a duplicate, as on PostgreSQL's
// serializable units.
func TestAKeyTakenSinceTheUnitFoundItFreeIsAConflict(t *testing.T) {
	ctx := context.Background()
	s := newTasks().s
	s.Key = func(v *task) string {
		if len(v.Notes) == 0 {
			return ""
		}
		return v.Notes[0]
	}
	tasks, u := New(s), Unit{}
	err := u.Do(ctx, func(ctx context.Context) error {
		if _, err := tasks.GetByKey(ctx, "key-1"); !assert.ErrorIs(t, err, errNotFound) {
			return err
		}
		if _, err := tasks.Insert(ctx, task{ID: "mine", Notes: []string{"key-1"}}); err != nil {
			return err
		}
		// Another unit takes the key before this one commits.
		_, err := tasks.Insert(context.Background(), task{ID: "theirs", Notes: []string{"key-1"}})
		return err
	})
	require.ErrorIs(t, err, errConflict)
	assert.NotErrorIs(t, err, errDuplicate)
	_, err = tasks.Get(ctx, "mine")
	assert.ErrorIs(t, err, errNotFound, "the unit that lost wrote nothing")

	err = u.Do(ctx, func(ctx context.Context) error {
		_, err := tasks.Insert(ctx, task{ID: "mine", Notes: []string{"key-1"}})
		return err
	})
	assert.ErrorIs(t, err, errDuplicate, "run again, the unit finds the key taken")
}
