// Package memstore is the engine under every package's in-memory store: a
// concurrency-safe table of versioned values with optimistic updates, an
// optional unique key (the idempotency key), an optional group index (all
// payments of a buyer, all entries of an account) and an optional deadline
// index (the orders due for a sweep, earliest first; see Table.Due).
//
// Values are copied in and out with the table's clone function, so no caller
// ever shares memory with the table. An update reads a copy, runs the
// caller's function on it without holding a lock, and writes it back only if
// nobody wrote in between; otherwise it fails with the table's conflict
// error. This is the contract the PostgreSQL stores keep too, so services
// written against one behave the same on the other.
package memstore

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Errors are the package-specific errors a table returns, so that each
// domain package keeps its own sentinels ("payment: not found").
type Errors struct {
	NotFound  error // no row with that id or key
	Duplicate error // a row with that id or unique key exists
	Conflict  error // the row changed between read and write
}

// Schema describes the values a table holds.
type Schema[V any] struct {
	// Clone returns a deep copy of *v, in a value of its own: one
	// allocation for the value, however it is held.
	Clone func(v *V) *V
	// ID returns v's primary key.
	ID func(v *V) string
	// Version returns a pointer to v's version field; the table sets it.
	Version func(v *V) *int64
	// Key, if set, returns v's unique secondary key ("" for none).
	Key func(v *V) string
	// Group, if set, returns the group v is listed under ("" for none).
	Group func(v *V) string
	// Deadline, if set, returns the instant by which v is due (the zero
	// time for none): the table keeps its rows with a deadline in an
	// ordered index that Due reads. Unlike the key and the group, an
	// update may change it; the index moves the row in the same critical
	// section as the write.
	Deadline func(v *V) time.Time
	// Errors are returned for the table's failures.
	Errors Errors
}

// Table is an in-memory table. The zero value is not usable; call New.
type Table[V any] struct {
	s      Schema[V]
	mu     sync.RWMutex
	rows   map[string]*V
	keys   map[string]string   // unique key -> id
	groups map[string][]string // group -> ids, in insertion order
	// deadlines indexes the rows whose Schema.Deadline is set; empty when
	// the schema has none.
	deadlines *deadlineIndex
}

// New returns an empty table for the schema.
func New[V any](s Schema[V]) *Table[V] {
	return &Table[V]{s: s, rows: map[string]*V{}, keys: map[string]string{}, groups: map[string][]string{},
		deadlines: newDeadlineIndex()}
}

// Insert stores a copy of v with version 1 and returns the stored copy. It
// fails with Errors.Duplicate when the id or the unique key is taken.
func (t *Table[V]) Insert(ctx context.Context, v V) (*V, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if tx, err := txOf(ctx); err != nil || tx != nil {
		if err != nil {
			return nil, err
		}
		return txInsert(tx, t, v)
	}
	row := t.s.Clone(&v)
	*t.s.Version(row) = 1
	id, key, group := t.s.ID(row), t.key(row), t.group(row)
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.rows[id]; ok {
		return nil, rowErr(t.s.Errors.Duplicate, "id", id)
	}
	if key != "" {
		if _, ok := t.keys[key]; ok {
			return nil, rowErr(t.s.Errors.Duplicate, "key", key)
		}
		t.keys[key] = id
	}
	if group != "" {
		t.groups[group] = append(t.groups[group], id)
	}
	t.rows[id] = row
	t.deadlines.set(id, t.deadline(row))
	return t.out(row), nil
}

// Get returns a copy of the row with that id, or Errors.NotFound.
func (t *Table[V]) Get(ctx context.Context, id string) (*V, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if tx, err := txOf(ctx); err != nil || tx != nil {
		if err != nil {
			return nil, err
		}
		return txGet(tx, t, id)
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	row, ok := t.rows[id]
	if !ok {
		return nil, rowErr(t.s.Errors.NotFound, "id", id)
	}
	return t.out(row), nil
}

// GetByKey returns a copy of the row with that unique key, or
// Errors.NotFound.
func (t *Table[V]) GetByKey(ctx context.Context, key string) (*V, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if tx, err := txOf(ctx); err != nil || tx != nil {
		if err != nil {
			return nil, err
		}
		return txKey(tx, t, key)
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	id, ok := t.keys[key]
	if !ok || key == "" {
		return nil, rowErr(t.s.Errors.NotFound, "key", key)
	}
	return t.out(t.rows[id]), nil
}

// Group returns copies of the rows in a group that keep(v) accepts, in
// insertion order. keep may be nil.
func (t *Table[V]) Group(ctx context.Context, group string, keep func(*V) bool) ([]*V, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if tx, err := txOf(ctx); err != nil || tx != nil {
		if err != nil {
			return nil, err
		}
		return txGroup(tx, t, group, keep)
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	var out []*V
	for _, id := range t.groups[group] {
		row := t.rows[id]
		if keep == nil || keep(row) {
			out = append(out, t.out(row))
		}
	}
	return out, nil
}

// Update applies fn to a copy of the row and stores the result with the
// version advanced by one, returning the stored copy. fn runs without any
// lock held. If fn fails, nothing is written and its error is returned as
// is. If another write landed between the read and the write, nothing is
// written and Update returns Errors.Conflict. fn may not change the id, the
// unique key or the group; it may change the deadline, and the row then
// moves in the deadline index with the write.
//
// If create is non-nil and no row has that id, fn is applied to create()
// and the result inserted (an upsert); a concurrent insert of the same id
// makes it fail with Errors.Conflict.
func (t *Table[V]) Update(ctx context.Context, id string, create func() V, fn func(*V) error) (*V, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if tx, err := txOf(ctx); err != nil || tx != nil {
		if err != nil {
			return nil, err
		}
		return txUpdate(tx, t, id, create, fn)
	}
	t.mu.RLock()
	row, ok := t.rows[id]
	var cur *V
	if ok {
		cur = t.s.Clone(row)
	}
	t.mu.RUnlock()
	if !ok {
		if create == nil {
			return nil, rowErr(t.s.Errors.NotFound, "id", id)
		}
		c := create()
		cur = &c
	}
	read := *t.s.Version(cur)
	key, group := t.key(cur), t.group(cur)
	if err := fn(cur); err != nil {
		return nil, err
	}
	if t.s.ID(cur) != id || t.key(cur) != key || t.group(cur) != group {
		return nil, fmt.Errorf("memstore: update of %q changed its id, key or group", id)
	}
	*t.s.Version(cur) = read + 1
	stored := t.s.Clone(cur)

	t.mu.Lock()
	defer t.mu.Unlock()
	now, exists := t.rows[id]
	switch {
	case exists != ok, exists && *t.s.Version(now) != read:
		return nil, fmt.Errorf("%w: id %q changed since version %d", t.s.Errors.Conflict, id, read)
	case !ok:
		if key != "" {
			if _, taken := t.keys[key]; taken {
				return nil, rowErr(t.s.Errors.Duplicate, "key", key)
			}
			t.keys[key] = id
		}
		if group != "" {
			t.groups[group] = append(t.groups[group], id)
		}
	}
	t.rows[id] = stored
	t.deadlines.set(id, t.deadline(stored))
	return cur, nil // fn's copy: the stored row is a clone of it, so it is the caller's alone
}

// rowError is a table's error about one row (not found, taken), its text
// made only when it is read: a lookup that finds nothing is an answer, not
// a failure, and costs one allocation.
type rowError struct {
	err   error  // the table's Errors.NotFound or Errors.Duplicate
	field string // "id" or "key"
	value string
}

func rowErr(err error, field, value string) error { return &rowError{err, field, value} }

func (e *rowError) Error() string { return fmt.Sprintf("%v: %s %q", e.err, e.field, e.value) }
func (e *rowError) Unwrap() error { return e.err }

// out returns a fresh copy of a stored row.
func (t *Table[V]) out(row *V) *V { return t.s.Clone(row) }

// All returns copies of every row, in no particular order.
func (t *Table[V]) All(ctx context.Context) ([]*V, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if tx, err := txOf(ctx); err != nil || tx != nil {
		if err != nil {
			return nil, err
		}
		return txAll(tx, t)
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]*V, 0, len(t.rows))
	for _, row := range t.rows {
		out = append(out, t.out(row))
	}
	return out, nil
}

// Len returns the number of rows.
func (t *Table[V]) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.rows)
}

func (t *Table[V]) key(v *V) string {
	if t.s.Key == nil {
		return ""
	}
	return t.s.Key(v)
}

func (t *Table[V]) group(v *V) string {
	if t.s.Group == nil {
		return ""
	}
	return t.s.Group(v)
}
