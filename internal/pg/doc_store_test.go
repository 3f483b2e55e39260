package pg_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/tradeassure/tradeassure/internal/pg"
	"github.com/tradeassure/tradeassure/internal/pgtest"
)

// item is the aggregate of the DocStore tests: its name is a typed column
// (UNIQUE), and its tags are rows of item_tags, inserted by Also.
type item struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Tags    []string  `json:"tags,omitempty"`
	At      time.Time `json:"at"`
	Version int64     `json:"version"`
}

var errNotFound, errDuplicate = errors.New("not found"), errors.New("duplicate")

func newItems(t *testing.T) (*pg.DocStore[item], *pg.QueryCounter) {
	t.Helper()
	ctx := context.Background()
	var counter pg.QueryCounter
	pool, err := counter.Pool(ctx, pgtest.Pool(t))
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	require.NoError(t, pg.Migrate(ctx, pool, pg.DefaultSchema, "items", fstest.MapFS{}, "."), "what every store's statements need")
	_, err = pool.Exec(ctx, `CREATE TABLE items (id text PRIMARY KEY, version bigint NOT NULL, doc jsonb NOT NULL,
			name text NOT NULL UNIQUE CHECK (name <> 'forbidden'), at timestamptz NOT NULL, at_ns smallint NOT NULL);
		CREATE TABLE item_tags (item_id text NOT NULL REFERENCES items (id), tag text NOT NULL, PRIMARY KEY (item_id, tag))`)
	require.NoError(t, err)
	return &pg.DocStore[item]{
		Pool:    pool,
		Table:   "items",
		Columns: []string{"name", "at", "at_ns"},
		ID:      func(v *item) string { return v.ID },
		Version: func(v *item) *int64 { return &v.Version },
		Project: func(v *item) ([]any, error) {
			at, ns := pg.SplitTime(v.At)
			return []any{v.Name, at, ns}, nil
		},
		Also: func(before, v *item) (pg.With, error) {
			var old []string
			if before != nil {
				old = before.Tags
			}
			return pg.With{
				Queries: []string{"tags AS (INSERT INTO item_tags SELECT doc.id, tag FROM doc, unnest(@tags::text[]) AS tag)"},
				Args:    pgx.NamedArgs{"tags": v.Tags[len(old):]},
			}, nil
		},
		Clone: func(v *item) *item {
			c := *v
			c.Tags = slices.Clone(v.Tags)
			return &c
		},
		NotFound: errNotFound, Duplicate: errDuplicate, Conflict: errConflict,
	}, &counter
}

func tagsOf(t *testing.T, s *pg.DocStore[item], id string) []string {
	t.Helper()
	rows, err := s.Pool.Query(context.Background(), "SELECT tag FROM item_tags WHERE item_id = $1 ORDER BY tag", id)
	require.NoError(t, err)
	tags, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return tags
}

func TestDocStoreWritesTheDocumentAndWhatGoesWithIt(t *testing.T) {
	ctx := context.Background()
	s, counter := newItems(t)
	at := time.Date(2026, 3, 1, 9, 0, 0, 123456789, time.UTC)

	given := &item{ID: "i1", Name: "one", Tags: []string{"a"}, At: at, Version: 9}
	created, err := s.Insert(ctx, given)
	require.NoError(t, err)
	assert.Equal(t, &item{ID: "i1", Name: "one", Tags: []string{"a"}, At: at, Version: 1}, created)
	assert.Equal(t, int64(9), given.Version, "the caller's value is left alone")
	assert.Equal(t, []string{"a"}, tagsOf(t, s, "i1"))

	_, err = s.Insert(ctx, &item{ID: "i1", Name: "again"})
	assert.ErrorIs(t, err, errDuplicate, "a taken id")
	_, err = s.Insert(ctx, &item{ID: "i2", Name: "one"})
	require.Error(t, err, "a taken name")
	assert.NotErrorIs(t, err, errDuplicate, "only a taken id is Duplicate")

	calls := 0
	updated, err := s.Update(ctx, "i1", func(v *item) error {
		calls++
		v.Name, v.Tags = "uno", append(v.Tags, "b", "c")
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, 1, calls)
	assert.Equal(t, &item{ID: "i1", Name: "uno", Tags: []string{"a", "b", "c"}, At: at, Version: 2}, updated)
	assert.Equal(t, []string{"a", "b", "c"}, tagsOf(t, s, "i1"), "Also saw the stored item as before")
	got, err := s.Get(ctx, "i1")
	require.NoError(t, err)
	assert.Equal(t, updated, got)
	var name string
	var ns int16
	require.NoError(t, s.Pool.QueryRow(ctx, "SELECT name, at_ns FROM items WHERE id = 'i1'").Scan(&name, &ns))
	assert.Equal(t, "uno", name, "the projection follows the document")
	assert.Equal(t, int16(789), ns)

	n, err := counter.Of(func() error { _, err := s.Select(ctx, "ORDER BY id"); return err })
	require.NoError(t, err)
	assert.Equal(t, int64(1), n, "statements of a Select")
}

func TestDocStoreUpdateWritesNothingUnlessItCan(t *testing.T) {
	ctx := context.Background()
	s, _ := newItems(t)
	_, err := s.Insert(ctx, &item{ID: "i1", Name: "one"})
	require.NoError(t, err)
	_, err = s.Insert(ctx, &item{ID: "i2", Name: "two"})
	require.NoError(t, err)
	boom := errors.New("boom")

	for _, tc := range []struct {
		name string
		id   string
		fn   func(*item) error
		want error // nil: any error
	}{
		{"an unknown id is NotFound", "nope", func(*item) error { return nil }, errNotFound},
		{"fn's error is returned as it is", "i1", func(v *item) error { v.Name = "changed"; return boom }, boom},
		{"a change of id is refused", "i1", func(v *item) error { v.ID = "i3"; return nil }, nil},
		{"a constraint refuses the projection", "i1", func(v *item) error { v.Name = "forbidden"; return nil }, nil},
		{"a constraint refuses what Also inserts", "i1", func(v *item) error { v.Tags = []string{"x", "x"}; return nil }, nil},
		{"a version that moved on is Conflict, and Also writes nothing", "i1", func(v *item) error {
			_, err := s.Update(ctx, "i1", func(v *item) error { v.Tags = append(v.Tags, "inner"); return nil })
			require.NoError(t, err)
			v.Tags = append(v.Tags, "outer")
			return nil
		}, errConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, err := s.Get(ctx, "i1")
			require.NoError(t, err)
			_, err = s.Update(ctx, tc.id, tc.fn)
			require.Error(t, err)
			if tc.want != nil {
				assert.ErrorIs(t, err, tc.want)
			}
			if tc.want != errConflict {
				after, err := s.Get(ctx, "i1")
				require.NoError(t, err)
				assert.Equal(t, before, after, "written")
			}
		})
	}
	assert.Equal(t, []string{"inner"}, tagsOf(t, s, "i1"), "only the update that won wrote its tags")
}

func TestSplitTimeOrdersAsTimesDo(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		a := base.Add(time.Duration(rapid.Int64Range(-1e15, 1e15).Draw(t, "a")))
		b := a.Add(time.Duration(rapid.Int64Range(-2000, 2000).Draw(t, "b-a")))
		au, an := pg.SplitTime(a)
		bu, bn := pg.SplitTime(b)
		if an < 0 || an > 999 || au.Nanosecond()%1000 != 0 || !au.Add(time.Duration(an)).Equal(a) {
			t.Fatalf("SplitTime(%v) = %v, %d", a, au, an)
		}
		pair := au.Compare(bu)
		if pair == 0 {
			pair = int(an) - int(bn)
		}
		if sign(pair) != a.Compare(b) {
			t.Fatalf("%v ? %v: the pairs compare %d, the times %d", a, b, sign(pair), a.Compare(b))
		}
	})
}

func sign(n int) int { return min(max(n, -1), 1) }
