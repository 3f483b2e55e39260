package testkit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Aggregate describes to RunStoreChecks one kind of record a store keeps (a
// payment, an escrow account, a supplier): how to make sample records,
// change them and look into them. It holds no store; StoreHooks do.
type Aggregate[T any] struct {
	// Noun names a record in messages: "payment".
	Noun string

	// CreatedByUpdate is set for records the store has no Create for: the
	// first Update of an id gives fn a new record with version 0 and stores
	// what fn makes of it (an upsert), and of concurrent first updates all
	// but one fail with ErrConflict. The checks then create a record with
	// an Update that copies the sample into the new one, and check
	// concurrent first updates instead of concurrent creates and duplicate
	// ids.
	CreatedByUpdate bool

	// Sample returns a record with that id and every field set, with a
	// Version the store must replace: two calls with the same arguments
	// return equal records.
	Sample func(id string, created time.Time) *T
	// Clone returns a deep copy of v.
	Clone func(v *T) *T
	// Version returns a pointer to v's version.
	Version func(v *T) *int64
	// Mutate makes a small change to v that Tags then shows as tag (it
	// appends an entry, a record, an event), and may change other fields
	// too; what it does depends on v and tag only. It leaves the id, and
	// any unique key or group the store indexes v by, alone.
	Mutate func(v *T, tag string)
	// Tags returns the tags Mutate left in v, oldest first, after those a
	// sample starts with.
	Tags func(v *T) []string
	// Scribble changes every field of v but its id, the elements of every
	// slice included, and appends to every slice: what a store shares with
	// its caller, a scribble over the caller's value shows.
	Scribble func(v *T)
	// Verify, if set, returns what is inconsistent in a stored record (a
	// ledger that does not balance), or nil.
	Verify func(v *T) error

	// Deadline, for a store with a Due (StoreHooks.Due), returns a pointer
	// to the instant the store indexes v by, zero for none; nil for a store
	// without one. Sample sets it and Mutate never clears it. ID returns
	// v's id; it is required with Deadline.
	Deadline func(v *T) *time.Time
	ID       func(v *T) string

	// The errors the store's contract names: ErrInvalidRequest is Due's,
	// for a limit that is not positive, and required with Deadline.
	ErrNotFound, ErrDuplicate, ErrConflict, ErrInvalidRequest error
}

// StoreHooks are the operations of one store under test on one aggregate,
// in the shape every store of the SDK has.
type StoreHooks[T any] struct {
	// Create stores a new record and returns it as stored, with version 1;
	// ErrDuplicate when the id is taken. Nil when the Aggregate is
	// CreatedByUpdate.
	Create func(ctx context.Context, v *T) (*T, error)
	// Get returns the record with that id, or ErrNotFound.
	Get func(ctx context.Context, id string) (*T, error)
	// Update reads the record, calls fn once on a copy, and writes the
	// result with the version advanced by one unless the record changed in
	// between (ErrConflict) or fn failed (fn's error); ErrNotFound when
	// there is no such record, unless the Aggregate is CreatedByUpdate.
	Update func(ctx context.Context, id string, fn func(*T) error) (*T, error)
	// Lookups are the store's other reads that return records.
	Lookups []Lookup[T]
	// Due returns up to limit records whose deadline is set and not after
	// before, earliest first and ties by id, from an index; a limit that is
	// not positive is ErrInvalidRequest. Set exactly when the Aggregate has
	// a Deadline: the checks then read it as a Lookup too, at the record's
	// deadline, and check it on its own.
	Due func(ctx context.Context, before time.Time, limit int) ([]*T, error)
}

// Lookup is a read of a store other than by id: by a unique key, a group,
// a listing. The checks see that it returns what Get does, copies, and
// honours its context.
type Lookup[T any] struct {
	Name string
	// Read returns what the lookup finds for the stored record v in a store
	// holding no other record: v as stored, and nothing else.
	Read func(ctx context.Context, v *T) ([]*T, error)
}

// RunStoreChecks runs, as subtests of t, the checks every versioned store of
// the SDK must pass for one aggregate: a created record reads back as
// written with version 1; values are copied in and out; unknown ids;
// duplicate ids and concurrent creates; an update writes its change and
// advances the version by one, calling fn once; a failed fn writes nothing;
// a stale write is ErrConflict; concurrent updates retried on conflict lose
// nothing; of updates from one version exactly one wins; and a cancelled
// context fails and writes nothing. For a store with a Due, the checks
// follow with Due's own: exactly the due records, earliest deadline first
// and ties by id, within the limit, following every update of a deadline at
// once, also while updates race. newHooks must return the hooks of a new,
// empty store each time it is called.
//
// The checks report with t.Errorf and a go-cmp diff. They survive a broken
// store: a panic in a store is reported as an error, retries are bounded
// (MaxAttempts), and where a store that holds a lock while fn runs would
// hang a check, the check gives up after WaitLimit and reports it.
func RunStoreChecks[T any](t *testing.T, a Aggregate[T], newHooks func(t *testing.T) StoreHooks[T]) {
	t.Helper()
	if err := a.selfCheck(); err != nil {
		t.Fatalf("testkit: the %s aggregate's hooks: %v", a.Noun, err)
	}
	run := func(name string, check func(t *testing.T, s *store[T])) {
		t.Run(name, func(t *testing.T) {
			h := newHooks(t)
			if h.Get == nil || h.Update == nil || (h.Create == nil) != a.CreatedByUpdate || (h.Due == nil) != (a.Deadline == nil) {
				t.Fatalf("testkit: the %s store hooks want Get, Update, Create unless the aggregate is CreatedByUpdate, and Due when it has a Deadline", a.Noun)
			}
			if h.Due != nil {
				// A stored record with a deadline is due at that instant,
				// and is the only one due in a store holding no other.
				h.Lookups = append(slices.Clip(h.Lookups), Lookup[T]{Name: "Due at the " + a.Noun + "'s deadline", Read: func(ctx context.Context, v *T) ([]*T, error) {
					return h.Due(ctx, *a.Deadline(v), 10)
				}})
			}
			check(t, &store[T]{Aggregate: a, h: h})
		})
	}
	n, an := a.Noun, article(a.Noun)
	if a.CreatedByUpdate {
		run(an+" created by its first update reads back as written, with version 1", checkCreated[T])
	} else {
		run("a created "+n+" reads back as written, with version 1", checkCreated[T])
	}
	run("values are copied in and out", checkCopies[T])
	if a.CreatedByUpdate {
		run("an unknown id is ErrNotFound and a failed first update creates nothing", checkUnknown[T])
		run("of concurrent first updates of one id exactly one creates it", checkFirstUpdates[T])
	} else {
		run("an unknown id is ErrNotFound and Update never calls fn", checkUnknown[T])
		run("a second "+n+" with the same id is ErrDuplicate and changes nothing", checkDuplicate[T])
		run("of concurrent creates of one id exactly one wins", checkCreates[T])
	}
	run("an update stores the change and advances the version by one", checkUpdate[T])
	run("an update whose fn fails writes nothing and returns fn's error", checkFailedFn[T])
	run("a write over a newer version is ErrConflict and the newer one stays", checkStale[T])
	run("concurrent updates retried on conflict lose nothing", checkRetried[T])
	run("of concurrent updates from one version exactly one wins per version", checkOneVersion[T])
	run("a cancelled context fails and writes nothing", checkCancelled[T])
	if a.Deadline == nil {
		return
	}
	run("Due returns exactly the due "+n+"s, earliest deadline first, ties by id", checkDueOrder[T])
	run("Due honours the limit and refuses one that is not positive", checkDueLimit[T])
	run("an update that moves a deadline is reflected in Due at once", checkDueMoved[T])
	run("an update whose fn fails leaves the deadline where it was", checkDueFailedFn[T])
	run("Due returns copies", checkDueCopies[T])
	run("Due with a cancelled context fails", checkDueCancelled[T])
	run("Due stays ordered and consistent while updates move deadlines", checkDueRaced[T])
}

// OneWinner reports unless exactly one of errs, the results of racing
// calls, is nil and all the others satisfy errors.Is(err, lose), and
// returns the index of the last nil, or -1.
func OneWinner(t testing.TB, what string, errs []error, lose error) int {
	t.Helper()
	wins, winner := 0, -1
	for i, err := range errs {
		switch {
		case err == nil:
			wins, winner = wins+1, i
		case !errors.Is(err, lose):
			t.Errorf("%s %d: got %v, want nil or %v", what, i, err, lose)
		}
	}
	if wins != 1 {
		t.Errorf("%d of %d calls to %s succeeded, want exactly 1", wins, len(errs), what)
	}
	return winner
}

// TagsOf returns tag(e) for each element e of s, for an Aggregate's Tags.
func TagsOf[E any](s []E, tag func(E) string) []string {
	var tags []string
	for _, e := range s {
		tags = append(tags, tag(e))
	}
	return tags
}

func article(noun string) string {
	if noun != "" && strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

// selfCheck sees that the aggregate's hooks do what the checks rely on, so
// that a failure is the store's and not the kit's.
func (a Aggregate[T]) selfCheck() error {
	if a.Sample == nil || a.Clone == nil || a.Version == nil || a.Mutate == nil || a.Tags == nil || a.Scribble == nil ||
		a.ErrNotFound == nil || a.ErrConflict == nil || (a.ErrDuplicate == nil && !a.CreatedByUpdate) {
		return errors.New("the hooks Sample, Clone, Version, Mutate, Tags and Scribble and the errors are required")
	}
	opts := cmp.Options{cmpopts.EquateEmpty(), cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })}
	v, w := a.Sample("id", At(0)), a.Sample("id", At(0))
	if !cmp.Equal(v, w, opts) {
		return errors.New("two samples with the same arguments differ")
	}
	if a.Verify != nil {
		if err := a.Verify(v); err != nil {
			return fmt.Errorf("the sample is inconsistent: %w", err)
		}
	}
	tags := a.Tags(v)
	a.Mutate(v, "t1")
	a.Mutate(w, "t1")
	if !cmp.Equal(v, w, opts) {
		return errors.New("the Mutate hook, with one tag, changed two equal records differently")
	}
	if got, want := a.Tags(v), append(slices.Clone(tags), "t1"); !slices.Equal(got, want) {
		return fmt.Errorf("after Mutate(v, %q), Tags(v) = %q, want %q", "t1", got, want)
	}
	if a.Verify != nil {
		if err := a.Verify(v); err != nil {
			return fmt.Errorf("a mutated sample is inconsistent: %w", err)
		}
	}
	if a.Deadline != nil {
		if err := a.deadlineCheck(v); err != nil {
			return err
		}
	}
	c := a.Clone(v)
	a.Scribble(c)
	if !cmp.Equal(v, w, opts) {
		return errors.New("the Clone hook shares memory with the original: a scribble over the clone changed it")
	}
	if cmp.Equal(v, c, opts) {
		return errors.New("the Scribble hook changed nothing")
	}
	return nil
}

// store is the store under test, seen through its hooks: every call turns
// a panic into an error, and a nil record without an error into an error.
type store[T any] struct {
	Aggregate[T]
	h StoreHooks[T]
}

func value[T any](what string, call func() (*T, error)) (*T, error) {
	v, err := Safely(call)
	if err == nil && v == nil {
		err = fmt.Errorf("%s returned no record and no error", what)
	}
	return v, err
}

// create creates v, whose id is id: with Create, or with the first Update
// of a CreatedByUpdate aggregate, fn copying v over the new record but for
// its version (and sharing v's memory, as a caller's fn may).
func (s *store[T]) create(ctx context.Context, id string, v *T) (*T, error) {
	if s.h.Create != nil {
		return value("Create", func() (*T, error) { return s.h.Create(ctx, v) })
	}
	return s.update(ctx, id, func(fresh *T) error {
		version := *s.Version(fresh)
		*fresh = *v
		*s.Version(fresh) = version
		return nil
	})
}

func (s *store[T]) get(ctx context.Context, id string) (*T, error) {
	return value("Get", func() (*T, error) { return s.h.Get(ctx, id) })
}

func (s *store[T]) update(ctx context.Context, id string, fn func(*T) error) (*T, error) {
	return value("Update", func() (*T, error) { return s.h.Update(ctx, id, fn) })
}

// creating names the call that creates a record, in messages.
func (s *store[T]) creating() string {
	if s.CreatedByUpdate {
		return "the first Update"
	}
	return "Create"
}

// stored returns what the store should hold after it stored v as version.
func (s *store[T]) stored(v *T, version int64) *T {
	c := s.Clone(v)
	*s.Version(c) = version
	return c
}

// put creates the sample with that id, created at At(at), and returns it
// as it should be stored.
func (s *store[T]) put(t *testing.T, id string, at int) *T {
	t.Helper()
	v := s.Sample(id, At(at))
	want := s.stored(v, 1)
	created, err := s.create(context.Background(), id, v)
	must(t, s.creating(), created, err)
	return want
}

// want returns the record with that id, or stops the test.
func (s *store[T]) want(t *testing.T, id string) *T {
	t.Helper()
	v, err := s.get(context.Background(), id)
	return must(t, "Get", v, err)
}

// lookups checks that every lookup finds want, and nothing else.
func (s *store[T]) lookups(t *testing.T, when string, want *T) {
	t.Helper()
	for _, l := range s.h.Lookups {
		got, err := Safely(func() ([]*T, error) { return l.Read(context.Background(), want) })
		if err != nil {
			t.Errorf("%s %s: %v", l.Name, when, err)
			continue
		}
		Check(t, l.Name+" "+when, []*T{want}, got)
	}
}

// verify reports what Verify finds wrong in v.
func (s *store[T]) verify(t *testing.T, what string, v *T) {
	t.Helper()
	if s.Verify != nil {
		if err := s.Verify(v); err != nil {
			t.Errorf("%s is inconsistent: %v", what, err)
		}
	}
}

// tags checks the tags of got against want, in any order.
func (s *store[T]) tags(t *testing.T, what string, want []string, got *T) {
	t.Helper()
	if diff := cmp.Diff(want, s.Tags(got), cmpopts.EquateEmpty(), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("%s, in any order (-want +got):\n%s", what, diff)
	}
}

func must[T any](t *testing.T, what string, v *T, err error) *T {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func checkCreated[T any](t *testing.T, s *store[T]) {
	ctx := context.Background()
	v := s.Sample("id-1", At(0))
	want := s.stored(v, 1)
	created, err := s.create(ctx, "id-1", v)
	Check(t, s.creating()+" result", want, must(t, s.creating(), created, err))
	Check(t, "Get", want, s.want(t, "id-1"))
	s.lookups(t, "after the create", want)
}

func checkCopies[T any](t *testing.T, s *store[T]) {
	ctx := context.Background()
	v := s.Sample("id-1", At(0))
	want := s.stored(v, 1)
	created, err := s.create(ctx, "id-1", v)
	created = must(t, s.creating(), created, err)
	s.Scribble(v)
	s.Scribble(created)
	Check(t, "after changing the value given to "+s.creating()+" and the one it returned", want, s.want(t, "id-1"))
	s.Scribble(s.want(t, "id-1"))
	Check(t, "after changing a read value", want, s.want(t, "id-1"))
	for _, l := range s.h.Lookups {
		found, err := Safely(func() ([]*T, error) { return l.Read(ctx, want) })
		if err != nil {
			t.Errorf("%s: %v", l.Name, err)
		}
		for _, f := range found {
			if f != nil {
				s.Scribble(f)
			}
		}
		Check(t, "after changing the values "+l.Name+" returned", want, s.want(t, "id-1"))
	}
	var seen *T
	updated, err := s.update(ctx, "id-1", func(v *T) error {
		seen = v
		return nil
	})
	updated = must(t, "Update", updated, err)
	*s.Version(want) = 2
	s.Scribble(updated)
	if seen != nil {
		s.Scribble(seen)
	}
	Check(t, "after changing the value Update returned and the one fn was given", want, s.want(t, "id-1"))
}

func checkUnknown[T any](t *testing.T, s *store[T]) {
	ctx := context.Background()
	s.put(t, "id-1", 0)
	_, err := s.get(ctx, "nope")
	WantErr(t, "Get", err, s.ErrNotFound)
	if s.CreatedByUpdate {
		boom := errors.New("boom")
		calls := 0
		_, err = s.update(ctx, "nope", func(v *T) error {
			calls++
			if got := *s.Version(v); got != 0 {
				t.Errorf("the first Update gave fn a %s with version %d, want a new one with version 0", s.Noun, got)
			}
			s.Mutate(v, "failed")
			return fmt.Errorf("wrapped: %w", boom)
		})
		WantErr(t, "a failed first Update", err, boom)
		if calls != 1 {
			t.Errorf("the first Update called fn %d times, want once", calls)
		}
	} else {
		_, err = s.update(ctx, "nope", func(v *T) error {
			t.Errorf("Update called fn for a missing %s", s.Noun)
			s.Mutate(v, "nope")
			return nil
		})
		WantErr(t, "Update", err, s.ErrNotFound)
	}
	_, err = s.get(ctx, "nope")
	WantErr(t, "Get after Update", err, s.ErrNotFound)
}

func checkDuplicate[T any](t *testing.T, s *store[T]) {
	want := s.put(t, "id-1", 0)
	second := s.Sample("id-1", At(1))
	s.Scribble(second)
	_, err := s.create(context.Background(), "id-1", second)
	WantErr(t, "a second Create of the id", err, s.ErrDuplicate)
	Check(t, "the first "+s.Noun, want, s.want(t, "id-1"))
	s.lookups(t, "after the refused create", want)
}

func checkCreates[T any](t *testing.T, s *store[T]) {
	const n = 16
	values := make([]*T, n)
	for i := range values {
		values[i] = s.Sample("id-1", At(0))
		s.Mutate(values[i], fmt.Sprintf("creator-%d", i))
	}
	errs := make([]error, n)
	Together(n, func(i int) {
		_, errs[i] = s.create(context.Background(), "id-1", values[i])
	})
	if winner := OneWinner(t, "create", errs, s.ErrDuplicate); winner >= 0 {
		want := s.Sample("id-1", At(0))
		s.Mutate(want, fmt.Sprintf("creator-%d", winner))
		Check(t, fmt.Sprintf("the stored %s against the last winner's, create %d", s.Noun, winner), s.stored(want, 1), s.want(t, "id-1"))
	}
}

func checkUpdate[T any](t *testing.T, s *store[T]) {
	ctx := context.Background()
	s.put(t, "id-1", 0)
	for v := int64(2); v <= 4; v++ {
		before := s.want(t, "id-1")
		tag := fmt.Sprintf("update-%d", v-1)
		calls := 0
		updated, err := s.update(ctx, "id-1", func(x *T) error {
			calls++
			Check(t, tag+": the value fn was given", before, x)
			s.Mutate(x, tag)
			return nil
		})
		updated = must(t, tag, updated, err)
		if calls != 1 {
			t.Errorf("%s: Update called fn %d times, want once", tag, calls)
		}
		want := s.Clone(before)
		s.Mutate(want, tag)
		*s.Version(want) = v
		Check(t, tag+": Update result", want, updated)
		got := s.want(t, "id-1")
		Check(t, tag+": Get", want, got)
		s.lookups(t, "after "+tag, want)
		s.verify(t, tag+": the stored "+s.Noun, got)
	}
}

func checkFailedFn[T any](t *testing.T, s *store[T]) {
	s.put(t, "id-1", 0)
	before := s.want(t, "id-1")
	boom := errors.New("boom")
	calls := 0
	_, err := s.update(context.Background(), "id-1", func(v *T) error {
		calls++
		s.Mutate(v, "failed")
		s.Scribble(v)
		return fmt.Errorf("wrapped: %w", boom)
	})
	WantErr(t, "Update", err, boom)
	if calls != 1 {
		t.Errorf("Update called fn %d times, want once", calls)
	}
	Check(t, "after a failed update", before, s.want(t, "id-1"))
	s.lookups(t, "after a failed update", before)
}

func checkStale[T any](t *testing.T, s *store[T]) {
	ctx := context.Background()
	base := s.put(t, "id-1", 0)
	var inner *T
	calls := 0
	_, err := s.update(ctx, "id-1", func(outer *T) error {
		if calls++; calls > 1 {
			return nil // a store that retries fn itself: reported below
		}
		// Someone else writes while this update is between read and write.
		var err error
		inner, err = beside(s.Noun, func() (*T, error) {
			return s.update(ctx, "id-1", func(v *T) error {
				s.Mutate(v, "inner")
				return nil
			})
		})
		if err != nil {
			t.Errorf("inner Update: %v", err)
		}
		s.Mutate(outer, "outer")
		return nil
	})
	if calls != 1 {
		t.Errorf("Update called fn %d times, want once", calls)
	}
	WantErr(t, "the stale update", err, s.ErrConflict)
	got := s.want(t, "id-1")
	if inner != nil {
		Check(t, "after the conflict, the inner update's "+s.Noun, inner, got)
	}
	if v := *s.Version(got); v != 2 {
		t.Errorf("after the conflict: version %d, want 2", v)
	}
	if diff := cmp.Diff(append(slices.Clone(s.Tags(base)), "inner"), s.Tags(got), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("after the conflict, the tags (-want +got):\n%s", diff)
	}
}

func checkRetried[T any](t *testing.T, s *store[T]) {
	ctx := context.Background()
	base := s.put(t, "id-1", 0)
	const workers, each = 8, 10
	Together(workers, func(w int) {
		for i := range each {
			tag := fmt.Sprintf("w%d/%d", w, i)
			if err := Retry(s.ErrConflict, func() error {
				_, err := s.update(ctx, "id-1", func(v *T) error {
					s.Mutate(v, tag)
					return nil
				})
				return err
			}); err != nil {
				t.Errorf("Update %s: %v", tag, err)
				return
			}
		}
	})
	want := slices.Clone(s.Tags(base))
	for w := range workers {
		for i := range each {
			want = append(want, fmt.Sprintf("w%d/%d", w, i))
		}
	}
	got := s.want(t, "id-1")
	const n = workers * each
	if *s.Version(got) != 1+n {
		t.Errorf("after %d updates: version %d, want %d", n, *s.Version(got), 1+n)
	}
	s.tags(t, fmt.Sprintf("after %d updates, the tags", n), want, got)
	s.verify(t, "the stored "+s.Noun, got)
}

func checkOneVersion[T any](t *testing.T, s *store[T]) {
	base := s.put(t, "id-1", 0)
	s.race(t, base)
}

func checkFirstUpdates[T any](t *testing.T, s *store[T]) {
	s.race(t, nil)
}

// race runs concurrent updates of id-1 that all read before any writes,
// from base, or from nothing when base is nil: exactly one may win per
// version, and exactly one in all when every one read before any wrote.
func (s *store[T]) race(t *testing.T, base *T) {
	ctx := context.Background()
	const n = 16
	meet := newRendezvous(ctx, n)
	defer meet.stop()
	errs := make([]error, n)
	versions := make([]int64, n)
	calls := make([]atomic.Int32, n)
	Together(n, func(i int) {
		var arrived atomic.Bool
		defer func() {
			if !arrived.Swap(true) {
				meet.arrive() // fn was never called
			}
		}()
		updated, err := s.update(ctx, "id-1", func(v *T) error {
			calls[i].Add(1)
			if !arrived.Swap(true) {
				meet.arrive()
			}
			meet.wait() // every update reads before any writes
			s.Mutate(v, fmt.Sprintf("u%d", i))
			return nil
		})
		errs[i] = err
		if err == nil {
			versions[i] = *s.Version(updated)
		}
	})
	var from int64
	var want []string
	if base != nil {
		from, want = *s.Version(base), slices.Clone(s.Tags(base))
	}
	wins := map[int64]int{}
	for i, err := range errs {
		if c := calls[i].Load(); c > 1 || (c == 0 && err == nil) {
			t.Errorf("update %d called fn %d times, want once", i, c)
		}
		switch {
		case err == nil:
			wins[versions[i]]++
			want = append(want, fmt.Sprintf("u%d", i))
		case !errors.Is(err, s.ErrConflict):
			t.Errorf("update %d: got %v, want nil or ErrConflict", i, err)
		}
	}
	ok := 0
	for v, k := range wins {
		ok += k
		if k != 1 {
			t.Errorf("%d updates returned version %d, want at most 1", k, v)
		}
	}
	if ok < 1 || (meet.met() && ok != 1) {
		t.Errorf("%d of %d updates succeeded; want exactly 1, since all read version %d before any wrote", ok, n, from)
	}
	got := s.want(t, "id-1")
	if *s.Version(got) != from+int64(ok) {
		t.Errorf("%d of %d updates succeeded but the %s has version %d, want %d", ok, n, s.Noun, *s.Version(got), from+int64(ok))
	}
	s.tags(t, "the tags of the successful updates", want, got)
	s.verify(t, "the stored "+s.Noun, got)
}

func checkCancelled[T any](t *testing.T, s *store[T]) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.create(ctx, "id-1", s.Sample("id-1", At(0))); err == nil {
		t.Errorf("%s with a cancelled context succeeded", s.creating())
	}
	if _, err := s.get(context.Background(), "id-1"); !errors.Is(err, s.ErrNotFound) {
		t.Errorf("%s created with a cancelled context exists: %v", article(s.Noun), err)
	}
	created := s.put(t, "id-2", 0)
	if _, err := s.get(ctx, "id-2"); err == nil {
		t.Errorf("Get with a cancelled context succeeded")
	}
	for _, l := range s.h.Lookups {
		if _, err := Safely(func() ([]*T, error) { return l.Read(ctx, created) }); err == nil {
			t.Errorf("%s with a cancelled context succeeded", l.Name)
		}
	}
	if _, err := s.update(ctx, "id-2", func(v *T) error {
		s.Mutate(v, "cancelled")
		return nil
	}); err == nil {
		t.Errorf("Update with a cancelled context succeeded")
	}
	Check(t, "after an update with a cancelled context", created, s.want(t, "id-2"))
}

// ServiceKit splits a conformance kit's factory of stores, each with the
// unit of work of its kind, into the factory of stores alone (the store
// checks) and that of a store with a service over it in its unit (the
// checks that drive a service), which service makes.
func ServiceKit[S, U, V any](newStore func(*testing.T) (S, U), service func(*testing.T, S, U) V) (func(*testing.T) S, func(*testing.T) (S, V)) {
	store := func(t *testing.T) S { s, _ := newStore(t); return s }
	withService := func(t *testing.T) (S, V) {
		t.Helper()
		s, u := newStore(t)
		return s, service(t, s, u)
	}
	return store, withService
}
