package memstore

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"time"
)

// deadlineIndex is an indexed binary min-heap of (deadline, id): the rows
// whose deadline is set, the earliest at the root, ties broken by id. pos
// maps an id to its entry's index in the heap, so that a row's entry is
// moved or removed in O(log n) when its deadline changes.
//
// Deadlines are kept without their monotonic clock reading, so that they
// compare by wall-clock instant only, as a caller's "before" does.
type deadlineIndex struct {
	heap []deadlineEntry
	pos  map[string]int
}

type deadlineEntry struct {
	at time.Time
	id string
}

func (a deadlineEntry) less(b deadlineEntry) bool {
	if c := a.at.Compare(b.at); c != 0 {
		return c < 0
	}
	return a.id < b.id
}

func newDeadlineIndex() *deadlineIndex { return &deadlineIndex{pos: map[string]int{}} }

// set records that row id has deadline at, zero for none: it adds, moves or
// removes the row's entry.
func (x *deadlineIndex) set(id string, at time.Time) {
	i, ok := x.pos[id]
	switch {
	case at.IsZero() && !ok:
	case at.IsZero():
		x.remove(i)
	case !ok:
		x.heap = append(x.heap, deadlineEntry{at: at.Round(0), id: id})
		x.pos[id] = len(x.heap) - 1
		x.up(len(x.heap) - 1)
	default:
		x.heap[i].at = at.Round(0)
		x.fix(i)
	}
}

// remove deletes the entry at index i.
func (x *deadlineIndex) remove(i int) {
	last := len(x.heap) - 1
	delete(x.pos, x.heap[i].id)
	if i != last {
		x.heap[i] = x.heap[last]
		x.pos[x.heap[i].id] = i
	}
	x.heap[last] = deadlineEntry{}
	x.heap = x.heap[:last]
	if i != last {
		x.fix(i)
	}
}

// fix restores the heap order after the entry at i changed.
func (x *deadlineIndex) fix(i int) {
	if !x.down(i) {
		x.up(i)
	}
}

func (x *deadlineIndex) swap(i, j int) {
	x.heap[i], x.heap[j] = x.heap[j], x.heap[i]
	x.pos[x.heap[i].id] = i
	x.pos[x.heap[j].id] = j
}

func (x *deadlineIndex) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !x.heap[i].less(x.heap[p]) {
			return
		}
		x.swap(i, p)
		i = p
	}
}

// down sifts the entry at i down and reports whether it moved.
func (x *deadlineIndex) down(i int) bool {
	start, n := i, len(x.heap)
	for {
		m, l, r := i, 2*i+1, 2*i+2
		if l < n && x.heap[l].less(x.heap[m]) {
			m = l
		}
		if r < n && x.heap[r].less(x.heap[m]) {
			m = r
		}
		if m == i {
			return i != start
		}
		x.swap(i, m)
		i = m
	}
}

// due returns the ids of up to limit entries whose deadline is not after
// before, earliest first. It walks the heap best first: a frontier heap of
// heap indices starts at the root, and each step takes the frontier's
// least entry and adds its two children. Every entry of the frontier is
// less than every entry below it, so entries come out in order, and the
// walk stops at the first one after before or at limit. For k results it
// touches at most 2k+1 entries: O(k log k), whatever the number of rows.
func (x *deadlineIndex) due(before time.Time, limit int) []string {
	if len(x.heap) == 0 || limit <= 0 {
		return nil
	}
	before = before.Round(0)
	var ids []string
	f := &frontier{x: x, idx: make([]int, 1, min(2*limit+1, len(x.heap)))}
	for f.Len() > 0 && len(ids) < limit {
		i := heap.Pop(f).(int)
		e := x.heap[i]
		if e.at.After(before) {
			break
		}
		ids = append(ids, e.id)
		for _, c := range []int{2*i + 1, 2*i + 2} {
			if c < len(x.heap) {
				heap.Push(f, c)
			}
		}
	}
	return ids
}

// frontier is a min-heap of indices into x.heap, ordered by their entries.
type frontier struct {
	x   *deadlineIndex
	idx []int
}

func (f *frontier) Len() int           { return len(f.idx) }
func (f *frontier) Less(i, j int) bool { return f.x.heap[f.idx[i]].less(f.x.heap[f.idx[j]]) }
func (f *frontier) Swap(i, j int)      { f.idx[i], f.idx[j] = f.idx[j], f.idx[i] }
func (f *frontier) Push(v any)         { f.idx = append(f.idx, v.(int)) }
func (f *frontier) Pop() any {
	v := f.idx[len(f.idx)-1]
	f.idx = f.idx[:len(f.idx)-1]
	return v
}

// check verifies the heap order and the position map; for tests.
func (x *deadlineIndex) check() error {
	if len(x.pos) != len(x.heap) {
		return fmt.Errorf("%d positions for %d entries", len(x.pos), len(x.heap))
	}
	for i, e := range x.heap {
		if p, ok := x.pos[e.id]; !ok || p != i {
			return fmt.Errorf("entry %d (%s) has position %d, %t", i, e.id, p, ok)
		}
		if e.at.IsZero() {
			return fmt.Errorf("entry %d (%s) has no deadline", i, e.id)
		}
		if i > 0 && e.less(x.heap[(i-1)/2]) {
			return fmt.Errorf("entry %d (%s at %v) is less than its parent", i, e.id, e.at)
		}
	}
	return nil
}

// Due returns copies of up to limit rows whose deadline (Schema.Deadline) is
// set and not after before, earliest deadline first and ties by id. It
// reads the deadline index, so its cost grows with the rows it returns
// (O(k log k) for k rows, plus copying them) and not with the rows that are
// not due. A limit that is not positive, or a schema without Deadline, is
// an error; callers with an error contract check limit first.
func (t *Table[V]) Due(ctx context.Context, before time.Time, limit int) ([]*V, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	switch {
	case t.s.Deadline == nil:
		return nil, errors.New("memstore: Due on a table whose schema has no Deadline")
	case limit <= 0:
		return nil, fmt.Errorf("memstore: Due with limit %d; it must be positive", limit)
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	ids := t.deadlines.due(before, limit)
	out := make([]*V, len(ids))
	for i, id := range ids {
		out[i] = t.out(t.rows[id])
	}
	return out, nil
}

// deadline returns v's deadline, or zero when the schema indexes none.
func (t *Table[V]) deadline(v *V) time.Time {
	if t.s.Deadline == nil {
		return time.Time{}
	}
	return t.s.Deadline(v)
}
