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
