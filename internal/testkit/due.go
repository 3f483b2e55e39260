package testkit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// The checks of a store's Due, run by RunStoreChecks when the aggregate has
// a Deadline: a read, from an index, of the records whose deadline is set
// and not after a cut-off, earliest deadline first and ties by id, at most
// limit of them. The records are the sample with its deadline moved, made
// at At(-100): deadlines are whole hours from At(0) (see hours).

func checkDueOrder[T any](t *testing.T, s *store[T]) {
	s.putDue(t, "id-none", -1)
	want := []*T{
		s.putDue(t, "id-first", 1),
		s.putDue(t, "id-tie-a", 3), s.putDue(t, "id-tie-b", 3),
		s.putDue(t, "id-cutoff", 5),
	}
	s.putDue(t, "id-late", 6)
	// Created out of order: the store may not rely on insertion order.
	want = slices.Insert(want, 1, s.putDue(t, "id-tie-0", 3))
	s.putDue(t, "id-later", 100)
	s.checkDue(t, "with the cut-off on a deadline", At(5), 100, s.ids(want))
	got, err := s.due(At(5), 100)
	if err != nil {
		t.Fatalf("Due: %v", err)
	}
	Check(t, fmt.Sprintf("Due returns the %ss as stored", s.Noun), want, got)
	s.checkDue(t, "before the first deadline", At(0), 100, nil)
	s.checkDue(t, "an instant between deadlines", At(4), 100, s.ids(want[:4]))
	s.checkDue(t, "a nanosecond before the cut-off deadline", At(5).Add(-time.Nanosecond), 100, s.ids(want[:4]))
	s.checkDue(t, fmt.Sprintf("far in the future, %ss without a deadline excluded", s.Noun), At(1_000_000), 100,
		[]string{"id-first", "id-tie-0", "id-tie-a", "id-tie-b", "id-cutoff", "id-late", "id-later"})
}

func checkDueLimit[T any](t *testing.T, s *store[T]) {
	for i, id := range []string{"id-5", "id-1", "id-4", "id-2", "id-3"} {
		s.putDue(t, id, 1+i%2) // id-5, id-4 and id-3 at 1; id-1 and id-2 at 2
	}
	all := []string{"id-3", "id-4", "id-5", "id-1", "id-2"} // deadline 1, then 2, each by id
	for limit := 1; limit <= 6; limit++ {
		s.checkDue(t, fmt.Sprintf("limit %d", limit), At(2), limit, all[:min(limit, len(all))])
	}
	for _, limit := range []int{0, -1} {
		_, err := s.due(At(2), limit)
		WantErr(t, fmt.Sprintf("Due with limit %d", limit), err, s.ErrInvalidRequest)
	}
}

func checkDueMoved[T any](t *testing.T, s *store[T]) {
	s.putDue(t, "id-a", 2)
	s.putDue(t, "id-b", 4)
	s.putDue(t, "id-c", 6)
	for _, step := range []struct {
		what string
		id   string
		to   int // hours from At(0); -1 for none
		want []string
	}{
		{"later, past another", "id-a", 5, []string{"id-b", "id-a", "id-c"}},
		{"earlier, before the others", "id-c", 1, []string{"id-c", "id-b", "id-a"}},
		{"onto another's, tied by id", "id-b", 1, []string{"id-b", "id-c", "id-a"}},
		{"to none", "id-c", -1, []string{"id-b", "id-a"}},
		{"after the cut-off", "id-a", 50, []string{"id-b"}},
		{"from none", "id-c", 3, []string{"id-b", "id-c"}},
		{"from after the cut-off to before it", "id-a", 0, []string{"id-a", "id-b", "id-c"}},
	} {
		updated, err := s.update(context.Background(), step.id, func(v *T) error {
			*s.Deadline(v) = hours(step.to)
			return nil
		})
		updated = must(t, "Update "+step.id, updated, err)
		if got := *s.Deadline(updated); !got.Equal(hours(step.to)) {
			t.Errorf("moving %s %s: Update returned deadline %v, want %v", step.id, step.what, got, hours(step.to))
		}
		s.checkDue(t, "after moving "+step.id+" "+step.what, At(6), 100, step.want)
	}
}

func checkDueFailedFn[T any](t *testing.T, s *store[T]) {
	s.putDue(t, "id-a", 2)
	s.putDue(t, "id-b", 4)
	boom := errors.New("boom")
	for _, to := range []int{-1, 3, 50} {
		_, err := s.update(context.Background(), "id-a", func(v *T) error {
			*s.Deadline(v) = hours(to)
			return boom
		})
		WantErr(t, "Update", err, boom)
		s.checkDue(t, fmt.Sprintf("after a failed move to %d", to), At(6), 100, []string{"id-a", "id-b"})
	}
}

func checkDueCopies[T any](t *testing.T, s *store[T]) {
	want := []*T{s.putDue(t, "id-a", 1), s.putDue(t, "id-b", 2)}
	got, err := s.due(At(2), 10)
	if err != nil {
		t.Fatalf("Due: %v", err)
	}
	for _, v := range got {
		if v != nil {
			s.Scribble(v)
		}
	}
	got, err = s.due(At(2), 10)
	if err != nil {
		t.Fatalf("Due: %v", err)
	}
	Check(t, "Due after changing what it returned", want, got)
	for _, w := range want {
		id := s.ID(w)
		Check(t, "Get "+id+" after changing what Due returned", w, s.want(t, id))
	}
}

func checkDueCancelled[T any](t *testing.T, s *store[T]) {
	s.putDue(t, "id-a", 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got, err := Safely(func() ([]*T, error) { return s.h.Due(ctx, At(2), 10) }); err == nil {
		t.Errorf("Due with a cancelled context returned %d %ss and no error", len(got), s.Noun)
	}
}

func checkDueRaced[T any](t *testing.T, s *store[T]) {
	ctx := context.Background()
	const records, moves = 8, 25
	for i := range records {
		s.putDue(t, fmt.Sprintf("id-%d", i), i)
	}
	cutoff := At(records / 2)
	Together(records+1, func(w int) {
		if w == records { // the reader
			for range records * moves {
				got, err := s.due(cutoff, 100)
				if err != nil {
					t.Errorf("Due: %v", err)
					return
				}
				if slices.Contains(got, nil) {
					t.Errorf("Due returned %q", s.ids(got))
					return
				}
				for i, v := range got {
					if at := *s.Deadline(v); at.IsZero() || at.After(cutoff) {
						t.Errorf("Due(%v) returned %s with deadline %v", cutoff, s.ID(v), at)
					}
					if i > 0 && s.byDeadline(got[i-1], v) >= 0 {
						t.Errorf("Due returned %s (%v) before %s (%v)", s.ID(got[i-1]), *s.Deadline(got[i-1]), s.ID(v), *s.Deadline(v))
					}
				}
			}
			return
		}
		id := fmt.Sprintf("id-%d", w)
		for m := range moves {
			to := hours([]int{-1, 1, 7, 3, 4}[(w+m)%5])
			if err := Retry(s.ErrConflict, func() error {
				_, err := s.update(ctx, id, func(v *T) error {
					*s.Deadline(v) = to
					return nil
				})
				return err
			}); err != nil {
				t.Errorf("Update %s: %v", id, err)
			}
		}
	})
	var want []*T
	for i := range records {
		v := s.want(t, fmt.Sprintf("id-%d", i))
		if at := *s.Deadline(v); !at.IsZero() && !at.After(cutoff) {
			want = append(want, v)
		}
	}
	slices.SortFunc(want, s.byDeadline)
	s.checkDue(t, "after the updates", cutoff, 100, s.ids(want))
}

// hours returns At(n), or the zero time (no deadline) for n < 0.
func hours(n int) time.Time {
	if n < 0 {
		return time.Time{}
	}
	return At(n)
}

// putDue creates the sample with that id, its deadline at hours(deadline),
// and returns it as it should be stored.
func (s *store[T]) putDue(t *testing.T, id string, deadline int) *T {
	t.Helper()
	v := s.Sample(id, At(-100))
	*s.Deadline(v) = hours(deadline)
	want := s.stored(v, 1)
	created, err := s.create(context.Background(), id, v)
	Check(t, s.creating()+" "+id, want, must(t, s.creating()+" "+id, created, err))
	return want
}

// due calls the store's Due, turning a panic into an error.
func (s *store[T]) due(before time.Time, limit int) ([]*T, error) {
	return Safely(func() ([]*T, error) { return s.h.Due(context.Background(), before, limit) })
}

// checkDue reports unless Due(before, limit) returns the records want, by
// id, in that order.
func (s *store[T]) checkDue(t *testing.T, what string, before time.Time, limit int, want []string) {
	t.Helper()
	got, err := s.due(before, limit)
	if err != nil {
		t.Errorf("Due %s: %v", what, err)
		return
	}
	Check(t, fmt.Sprintf("Due(%v, %d) %s, by id", before, limit, what), want, s.ids(got))
}

func (s *store[T]) ids(vs []*T) []string {
	var out []string
	for _, v := range vs {
		if v == nil {
			out = append(out, "<nil>")
			continue
		}
		out = append(out, s.ID(v))
	}
	return out
}

// byDeadline orders by deadline, then id: Due's order.
func (s *store[T]) byDeadline(a, b *T) int {
	if c := s.Deadline(a).Compare(*s.Deadline(b)); c != 0 {
		return c
	}
	return cmp.Compare(s.ID(a), s.ID(b))
}

// deadlineCheck sees that the hooks of an aggregate with a Deadline do what
// the Due checks rely on; v is a sample with id "id", mutated once.
func (a Aggregate[T]) deadlineCheck(v *T) error {
	switch {
	case a.ID == nil || a.ErrInvalidRequest == nil:
		return errors.New("an aggregate with a Deadline needs the ID hook and ErrInvalidRequest")
	case a.ID(v) != "id":
		return fmt.Errorf("the ID hook returned %q for a sample with id %q", a.ID(v), "id")
	case a.Deadline(a.Sample("id", At(0))).IsZero():
		return errors.New("the sample has no deadline")
	case a.Deadline(v).IsZero():
		return errors.New("the Mutate hook cleared the deadline")
	}
	return nil
}
