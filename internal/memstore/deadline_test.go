package memstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

var (
	errNotFound  = errors.New("test: not found")
	errDuplicate = errors.New("test: duplicate")
	errConflict  = errors.New("test: conflict")
)

// task is a test row with a deadline.
type task struct {
	ID      string
	Due     time.Time
	Notes   []string
	Version int64
}

func newTasks() *Table[task] {
	return New(Schema[task]{
		Clone:    func(v *task) *task { c := *v; c.Notes = slices.Clone(v.Notes); return &c },
		ID:       func(v *task) string { return v.ID },
		Version:  func(v *task) *int64 { return &v.Version },
		Deadline: func(v *task) time.Time { return v.Due },
		Errors:   Errors{NotFound: errNotFound, Duplicate: errDuplicate, Conflict: errConflict},
	})
}

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// at returns t0 plus n minutes; at(-1) is the zero time (no deadline).
func at(n int) time.Time {
	if n < 0 {
		return time.Time{}
	}
	return t0.Add(time.Duration(n) * time.Minute)
}

// wantDue is the reference: the rows of ref due by before, sorted by
// deadline then id, at most limit of them.
func wantDue(ref map[string]time.Time, before time.Time, limit int) []string {
	var ids []string
	for id, d := range ref {
		if !d.IsZero() && !d.After(before) {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b string) int {
		if c := ref[a].Compare(ref[b]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return ids[:min(limit, len(ids))]
}

// fataler is what testing.T and rapid.T share.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

func dueIDs(t fataler, tb *Table[task], before time.Time, limit int) []string {
	t.Helper()
	got, err := tb.Due(context.Background(), before, limit)
	if err != nil {
		t.Fatalf("Due(%v, %d): %v", before, limit, err)
	}
	var ids []string
	for _, v := range got {
		ids = append(ids, v.ID)
	}
	return ids
}

func TestDueMatchesASortedReference(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		tb := newTasks()
		ref := map[string]time.Time{}
		// Few ids and few instants, so that updates hit existing rows and
		// deadlines tie often.
		id := rapid.SampledFrom([]string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"})
		deadline := rapid.IntRange(-1, 20)
		steps := rapid.IntRange(1, 80).Draw(rt, "steps")
		for step := range steps {
			switch op := rapid.IntRange(0, 2).Draw(rt, "op"); op {
			case 0: // insert
				k, d := id.Draw(rt, "id"), at(deadline.Draw(rt, "deadline"))
				_, err := tb.Insert(ctx, task{ID: k, Due: d})
				if _, taken := ref[k]; taken {
					if !errors.Is(err, errDuplicate) {
						rt.Fatalf("step %d: Insert of taken %s: %v", step, k, err)
					}
				} else if err != nil {
					rt.Fatalf("step %d: Insert %s: %v", step, k, err)
				} else {
					ref[k] = d
				}
			case 1: // update: move the deadline later, earlier, to zero or from zero
				k, d := id.Draw(rt, "id"), at(deadline.Draw(rt, "deadline"))
				_, err := tb.Update(ctx, k, nil, func(v *task) error { v.Due = d; return nil })
				if _, ok := ref[k]; !ok {
					if !errors.Is(err, errNotFound) {
						rt.Fatalf("step %d: Update of missing %s: %v", step, k, err)
					}
				} else if err != nil {
					rt.Fatalf("step %d: Update %s: %v", step, k, err)
				} else {
					ref[k] = d
				}
			case 2: // an update that fails leaves the index alone
				k := id.Draw(rt, "id")
				_, _ = tb.Update(ctx, k, nil, func(v *task) error { v.Due = at(99); return errors.New("no") })
			}
			if err := tb.deadlines.check(); err != nil {
				rt.Fatalf("step %d: the index: %v", step, err)
			}
			before, limit := at(deadline.Draw(rt, "before")), rapid.IntRange(1, 15).Draw(rt, "limit")
			if before.IsZero() {
				before = at(100) // everything
			}
			want, got := wantDue(ref, before, limit), dueIDs(rt, tb, before, limit)
			if diff := gocmp.Diff(want, got); diff != "" {
				rt.Fatalf("step %d: Due(%v, %d) ids (-want +got):\n%s", step, before, limit, diff)
			}
		}
	})
}

func TestDue(t *testing.T) {
	ctx := context.Background()
	tb := newTasks()
	// Inserted out of order: ties at minute 5 ("b" before "c"), one without
	// a deadline, one exactly at the cut-off, one after it.
	for _, v := range []task{
		{ID: "c", Due: at(5)}, {ID: "none", Due: at(-1)}, {ID: "late", Due: at(11)},
		{ID: "cut", Due: at(10)}, {ID: "b", Due: at(5)}, {ID: "first", Due: at(1)},
	} {
		if _, err := tb.Insert(ctx, v); err != nil {
			t.Fatalf("Insert %s: %v", v.ID, err)
		}
	}
	for _, tc := range []struct {
		name   string
		before time.Time
		limit  int
		want   []string
	}{
		{"everything due, earliest first, ties by id, the cut-off included", at(10), 100, []string{"first", "b", "c", "cut"}},
		{"the limit keeps the earliest", at(10), 2, []string{"first", "b"}},
		{"a limit inside a tie breaks it by id", at(10), 3, []string{"first", "b", "c"}},
		{"nothing is due before the first deadline", at(0), 10, nil},
		{"rows without a deadline are never due", at(1_000_000), 10, []string{"first", "b", "c", "cut", "late"}},
		{"an instant between deadlines", at(7), 10, []string{"first", "b", "c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := gocmp.Diff(tc.want, dueIDs(t, tb, tc.before, tc.limit)); diff != "" {
				t.Errorf("Due(%v, %d) ids (-want +got):\n%s", tc.before, tc.limit, diff)
			}
		})
	}

	t.Run("an update moves the row in the index at once", func(t *testing.T) {
		tb := newTasks()
		for i, d := range []int{3, 6, 9} {
			if _, err := tb.Insert(ctx, task{ID: fmt.Sprint("r", i), Due: at(d)}); err != nil {
				t.Fatal(err)
			}
		}
		for _, step := range []struct {
			what string
			id   string
			to   int
			want []string
		}{
			{"later", "r0", 8, []string{"r1", "r0", "r2"}},
			{"earlier", "r2", 1, []string{"r2", "r1", "r0"}},
			{"to none", "r1", -1, []string{"r2", "r0"}},
			{"from none", "r1", 2, []string{"r2", "r1", "r0"}},
			{"past the cut-off", "r2", 50, []string{"r1", "r0"}},
		} {
			if _, err := tb.Update(ctx, step.id, nil, func(v *task) error { v.Due = at(step.to); return nil }); err != nil {
				t.Fatalf("Update %s: %v", step.id, err)
			}
			if diff := gocmp.Diff(step.want, dueIDs(t, tb, at(10), 10)); diff != "" {
				t.Errorf("after moving %s %s (-want +got):\n%s", step.id, step.what, diff)
			}
		}
	})

	t.Run("an upsert indexes the new row", func(t *testing.T) {
		tb := newTasks()
		if _, err := tb.Update(ctx, "new", func() task { return task{ID: "new"} }, func(v *task) error { v.Due = at(1); return nil }); err != nil {
			t.Fatal(err)
		}
		if diff := gocmp.Diff([]string{"new"}, dueIDs(t, tb, at(1), 10)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})

	t.Run("a monotonic clock reading does not change the order", func(t *testing.T) {
		tb := newTasks()
		now := time.Now() // carries a monotonic reading
		for _, v := range []task{{ID: "mono", Due: now}, {ID: "wall", Due: now.Round(0)}} {
			if _, err := tb.Insert(ctx, v); err != nil {
				t.Fatal(err)
			}
		}
		if diff := gocmp.Diff([]string{"mono", "wall"}, dueIDs(t, tb, now.Round(0), 10)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})

	t.Run("it returns copies", func(t *testing.T) {
		tb := newTasks()
		if _, err := tb.Insert(ctx, task{ID: "x", Due: at(1), Notes: []string{"kept"}}); err != nil {
			t.Fatal(err)
		}
		got, err := tb.Due(ctx, at(1), 1)
		if err != nil || len(got) != 1 {
			t.Fatalf("Due: %v, %v", got, err)
		}
		got[0].Notes[0], got[0].Due = "scribbled", at(99)
		v, err := tb.Get(ctx, "x")
		if err != nil {
			t.Fatal(err)
		}
		if v.Notes[0] != "kept" || !v.Due.Equal(at(1)) {
			t.Errorf("after changing what Due returned, the row is %+v", v)
		}
	})

	t.Run("a bad limit, a cancelled context and a table without the index fail", func(t *testing.T) {
		for _, limit := range []int{0, -1} {
			if _, err := tb.Due(ctx, at(10), limit); err == nil {
				t.Errorf("Due with limit %d succeeded", limit)
			}
		}
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := tb.Due(cancelled, at(10), 10); !errors.Is(err, context.Canceled) {
			t.Errorf("Due with a cancelled context: %v, want context.Canceled", err)
		}
		plain := New(Schema[task]{
			Clone: func(v *task) *task { c := *v; return &c }, ID: func(v *task) string { return v.ID }, Version: func(v *task) *int64 { return &v.Version },
		})
		if _, err := plain.Due(ctx, at(10), 10); err == nil {
			t.Errorf("Due on a table without a deadline index succeeded")
		}
	})
}
