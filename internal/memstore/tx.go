package memstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"unsafe"

	"github.com/tradeassure/tradeassure/internal/unit"
)

// Unit runs units of work over any tables: Do gives fn a context carrying
// a Tx, and every table called with that context reads through the Tx and
// writes into it instead of into the table; Do then commits the Tx's
// writes to all their tables at once, or none of them. The zero value is
// ready to use and holds nothing: tables keep the rows.
//
// It is optimistic concurrency control: a Tx records the version of every
// row it read (a row it found absent, version 0) and the commit, holding
// the locks of every table the Tx touched, checks that each is still the
// version read before it writes anything. A unit that read or wrote a row
// another unit (or a plain update) changed meanwhile fails with the table's
// Conflict error and writes nothing: the caller runs it again. So units are
// serializable over the rows they read by id, key or group; Due and All
// read the tables as committed and record nothing.
type Unit struct {
	// Conflict, if set, is wrapped beside the table's own conflict error
	// in a commit that lost a race, so that a caller retries every unit on
	// one error.
	Conflict error
}

// Do runs fn in a new unit of work and commits what it wrote if it returns
// nil, nothing of it otherwise. Called with a context that already carries
// an in-memory unit, fn runs in that one and Do commits nothing itself: the
// outer unit does. A context carrying another kind of unit is
// unit.ErrForeign.
func (u Unit) Do(ctx context.Context, fn func(ctx context.Context) error) error {
	switch w := unit.From(ctx).(type) {
	case nil:
	case *Tx:
		if w.done {
			return errUnitEnded
		}
		return fn(ctx)
	default:
		return unit.ErrForeign
	}
	tx := &Tx{}
	err := fn(unit.With(ctx, tx))
	if err == nil {
		err = ctx.Err()
	}
	switch {
	case err == nil:
		err = tx.commit(true)
	case !errors.Is(err, u.Conflict):
		// What fn read may not have been one state of the tables (a row
		// read after another unit changed it and one read before): its
		// failure then says nothing, and the unit is to run again.
		if stale := tx.commit(false); stale != nil {
			err = stale
		}
	}
	if err != nil && u.Conflict != nil && !errors.Is(err, u.Conflict) && isConflict(tx, err) {
		err = fmt.Errorf("%w: %w", u.Conflict, err)
	}
	tx.mu.Lock()
	tx.done = true
	tx.mu.Unlock()
	return err
}

// Joins reports whether ctx carries a unit of work of the in-memory
// stores under way: Do would run a function in it.
func (u Unit) Joins(ctx context.Context) bool {
	tx, ok := unit.From(ctx).(*Tx)
	if !ok {
		return false
	}
	tx.mu.Lock()
	defer tx.mu.Unlock()
	return !tx.done
}

// errUnitEnded is the error of a store called with the context of a unit
// of work that has ended.
var errUnitEnded = errors.New("memstore: a unit of work used after it ended")

// Tx is one unit of work's reads and pending writes. Tables find it in the
// context Unit.Do gave.
type Tx struct {
	mu    sync.Mutex
	parts []txPart // the tables and logs the unit touched
	buf   [6]txPart
	done  bool
}

// txPart is one table's (or log's) part of a Tx, found by the table.
type txPart struct {
	key any // the *Table[V] or *Log[V]
	p   participant
}

// participant is one table's part of a Tx, as the commit sees it.
type participant interface {
	addr() uintptr
	lock()
	unlock()
	validate() error
	apply()
	conflict() error
}

// txTable is what a Tx read from and wrote to one table: a unit touches a
// few rows, so they are a slice searched in order, indexed by a map only
// once there are more than indexFrom of them.
type txTable[V any] struct {
	t       *Table[V]
	rows    []txRow[V]     // every row the unit read or wrote, first seen first
	index   map[string]int // id -> its place in rows; nil while rows are few
	written []int          // the places in rows of the rows to write, first write first
	buf     [2]txRow[V]
	wbuf    [2]int
}

// txRow is one row a unit read or wrote.
type txRow[V any] struct {
	id      string
	read    int64 // the version read; 0 for a row found absent
	seen    bool  // read is set
	pending *V    // the row to write, version advanced; nil for none
}

// indexFrom is how many rows a txTable searches in order before it
// indexes them.
const indexFrom = 8

// txOf returns the Tx ctx carries, nil when it carries none, or an error
// when it carries one that is over or not an in-memory one.
func txOf(ctx context.Context) (*Tx, error) {
	switch w := unit.From(ctx).(type) {
	case nil:
		return nil, nil
	case *Tx:
		return w, nil
	default:
		return nil, unit.ErrForeign
	}
}

// lockPart locks tx and returns the part of what key names, nil when the
// unit has not touched it yet: the caller unlocks tx.mu.
func (tx *Tx) lockPart(key any) (participant, error) {
	tx.mu.Lock()
	if tx.done {
		tx.mu.Unlock()
		return nil, errUnitEnded
	}
	for _, e := range tx.parts {
		if e.key == key {
			return e.p, nil
		}
	}
	return nil, nil
}

// addPart records p as the part of what key names, tx.mu held.
func (tx *Tx) addPart(key any, p participant) {
	if tx.parts == nil {
		tx.parts = tx.buf[:0]
	}
	tx.parts = append(tx.parts, txPart{key, p})
}

// part returns the table's part of tx, locked: the caller unlocks tx.mu.
func part[V any](tx *Tx, t *Table[V]) (*txTable[V], error) {
	p, err := tx.lockPart(t)
	if err != nil {
		return nil, err
	}
	if p == nil {
		fresh := &txTable[V]{t: t}
		fresh.rows, fresh.written = fresh.buf[:0], fresh.wbuf[:0]
		tx.addPart(t, fresh)
		return fresh, nil
	}
	return p.(*txTable[V]), nil
}

// find returns the place of row id in p.rows, or -1.
func (p *txTable[V]) find(id string) int {
	if p.index != nil {
		if i, ok := p.index[id]; ok {
			return i
		}
		return -1
	}
	for i := range p.rows {
		if p.rows[i].id == id {
			return i
		}
	}
	return -1
}

// row returns the place of row id in p.rows, adding it when it is not
// there.
func (p *txTable[V]) row(id string) int {
	if i := p.find(id); i >= 0 {
		return i
	}
	p.rows = append(p.rows, txRow[V]{id: id})
	i := len(p.rows) - 1
	switch {
	case p.index != nil:
		p.index[id] = i
	case len(p.rows) > indexFrom:
		p.index = make(map[string]int, 2*len(p.rows))
		for j, r := range p.rows {
			p.index[r.id] = j
		}
	}
	return i
}

// pending returns the row the unit is to write with that id, if any.
func (p *txTable[V]) pending(id string) (*V, bool) {
	if i := p.find(id); i >= 0 && p.rows[i].pending != nil {
		return p.rows[i].pending, true
	}
	return nil, false
}

// readAt returns the version the unit read of row id, if it read it.
func (p *txTable[V]) readAt(id string) (int64, bool) {
	if i := p.find(id); i >= 0 && p.rows[i].seen {
		return p.rows[i].read, true
	}
	return 0, false
}

// seen records that the unit read row id at version v (0: absent), and
// fails at once when it read another version of it before: the unit could
// not commit.
func (p *txTable[V]) seen(id string, v int64) error {
	r := &p.rows[p.row(id)]
	if r.seen {
		if r.read != v {
			return fmt.Errorf("%w: id %q changed since version %d", p.t.s.Errors.Conflict, id, r.read)
		}
		return nil
	}
	r.read, r.seen = v, true
	return nil
}

// get returns the unit's view of row id: its pending write, or the row as
// committed (recording the version read); nil when there is none. It is
// the table's own value, not a copy: the caller reads it, or clones it
// before handing it out (a committed row is never written in place; a
// commit or an update replaces it).
func (p *txTable[V]) get(id string) (*V, error) {
	if v, ok := p.pending(id); ok {
		return v, nil
	}
	p.t.mu.RLock()
	v := p.t.rows[id]
	p.t.mu.RUnlock()
	var version int64
	if v != nil {
		version = *p.t.s.Version(v)
	}
	if err := p.seen(id, version); err != nil {
		return nil, err
	}
	return v, nil
}

// put records v, the unit's own, as the row to write.
func (p *txTable[V]) put(v *V) {
	i := p.row(p.t.s.ID(v))
	if p.rows[i].pending == nil {
		p.written = append(p.written, i)
	}
	p.rows[i].pending = v
}

func (p *txTable[V]) addr() uintptr   { return uintptr(unsafe.Pointer(p.t)) }
func (p *txTable[V]) lock()           { p.t.mu.Lock() }
func (p *txTable[V]) unlock()         { p.t.mu.Unlock() }
func (p *txTable[V]) conflict() error { return p.t.s.Errors.Conflict }

// validate checks, under the table's lock, that every row the unit read is
// still the version it read and that no unique key it takes was taken
// since; either is the conflict of a unit that lost a race.
func (p *txTable[V]) validate() error {
	for _, r := range p.rows {
		if !r.seen {
			continue
		}
		var now int64
		if row, ok := p.t.rows[r.id]; ok {
			now = *p.t.s.Version(row)
		}
		if now != r.read {
			return fmt.Errorf("%w: id %q changed since version %d", p.t.s.Errors.Conflict, r.id, r.read)
		}
	}
	for _, i := range p.written {
		r := p.rows[i]
		if _, ok := p.t.rows[r.id]; ok {
			continue
		}
		if key := p.t.key(r.pending); key != "" {
			if _, taken := p.t.keys[key]; taken {
				// Free when the unit looked, taken since: the unit lost a
				// race, as a row changed since it was read, and runs again
				// (where the key is taken from the start, and the store
				// call says so), as PostgreSQL's serializable units do.
				return fmt.Errorf("%w: key %q was taken since the unit found it free", p.t.s.Errors.Conflict, key)
			}
		}
	}
	return nil
}

// apply writes the pending rows, under the table's lock.
func (p *txTable[V]) apply() {
	for _, i := range p.written {
		id, row := p.rows[i].id, p.rows[i].pending
		if _, ok := p.t.rows[id]; !ok {
			if key := p.t.key(row); key != "" {
				p.t.keys[key] = id
			}
			if group := p.t.group(row); group != "" {
				p.t.groups[group] = append(p.t.groups[group], id)
			}
		}
		p.t.rows[id] = row
		p.t.deadlines.set(id, p.t.deadline(row))
	}
}

// isConflict reports whether err is the conflict error of a table the
// unit touched.
func isConflict(tx *Tx, err error) bool {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	for _, e := range tx.parts {
		if errors.Is(err, e.p.conflict()) {
			return true
		}
	}
	return false
}

// commit writes every pending row of every table, or none: it locks the
// tables the unit touched, in the order of their addresses (tables never
// move, and every commit takes the locks in that one order, so no two
// commits wait on each other in a circle), validates what the unit read,
// and, if write is set, writes.
func (tx *Tx) commit(write bool) error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	parts := tx.parts
	slices.SortFunc(parts, func(a, b txPart) int { return cmp.Compare(a.p.addr(), b.p.addr()) })
	for _, e := range parts {
		e.p.lock()
	}
	defer func() {
		for _, e := range parts {
			e.p.unlock()
		}
	}()
	for _, e := range parts {
		if err := e.p.validate(); err != nil {
			return err
		}
	}
	if write {
		for _, e := range parts {
			e.p.apply()
		}
	}
	return nil
}

// The table's operations inside a unit of work.

func txInsert[V any](tx *Tx, t *Table[V], v V) (*V, error) {
	p, err := part(tx, t)
	if err != nil {
		return nil, err
	}
	defer tx.mu.Unlock()
	row := t.s.Clone(&v)
	*t.s.Version(row) = 1
	id, key := t.s.ID(row), t.key(row)
	cur, err := p.get(id)
	if err != nil {
		return nil, err
	}
	if cur != nil {
		return nil, rowErr(t.s.Errors.Duplicate, "id", id)
	}
	if key != "" {
		if _, err := txGetByKey(p, key); err == nil {
			return nil, rowErr(t.s.Errors.Duplicate, "key", key)
		} else if !errors.Is(err, t.s.Errors.NotFound) {
			return nil, err
		}
	}
	p.put(row)
	return t.out(row), nil
}

func txGet[V any](tx *Tx, t *Table[V], id string) (*V, error) {
	p, err := part(tx, t)
	if err != nil {
		return nil, err
	}
	defer tx.mu.Unlock()
	v, err := p.get(id)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, rowErr(t.s.Errors.NotFound, "id", id)
	}
	return t.out(v), nil
}

func txGetByKey[V any](p *txTable[V], key string) (*V, error) {
	t := p.t
	for _, i := range p.written {
		if v := p.rows[i].pending; t.key(v) == key {
			return t.out(v), nil
		}
	}
	t.mu.RLock()
	id, ok := t.keys[key]
	t.mu.RUnlock()
	if !ok || key == "" {
		return nil, rowErr(t.s.Errors.NotFound, "key", key)
	}
	v, err := p.get(id)
	if err != nil {
		return nil, err
	}
	if v == nil { // gone since the index was read: another unit's doing
		return nil, fmt.Errorf("%w: id %q", t.s.Errors.Conflict, id)
	}
	return t.out(v), nil
}

func txGroup[V any](tx *Tx, t *Table[V], group string, keep func(*V) bool) ([]*V, error) {
	p, err := part(tx, t)
	if err != nil {
		return nil, err
	}
	defer tx.mu.Unlock()
	t.mu.RLock()
	ids := slices.Clone(t.groups[group])
	t.mu.RUnlock()
	for _, i := range p.written {
		if r := p.rows[i]; r.seen && r.read == 0 && t.group(r.pending) == group { // inserted by the unit
			ids = append(ids, r.id)
		}
	}
	var out []*V
	for _, id := range ids {
		v, err := p.get(id)
		if err != nil {
			return nil, err
		}
		if v != nil && (keep == nil || keep(v)) {
			out = append(out, t.out(v))
		}
	}
	return out, nil
}

func txUpdate[V any](tx *Tx, t *Table[V], id string, create func() V, fn func(*V) error) (*V, error) {
	p, err := part(tx, t)
	if err != nil {
		return nil, err
	}
	cur, err := p.get(id)
	tx.mu.Unlock() // fn runs with no lock held: it may call the stores
	if err != nil {
		return nil, err
	}
	var v *V
	switch {
	case cur != nil:
		v = t.s.Clone(cur)
	case create == nil:
		return nil, rowErr(t.s.Errors.NotFound, "id", id)
	default:
		c := create()
		v = &c
	}
	read := *t.s.Version(v)
	key, group := t.key(v), t.group(v)
	if err := fn(v); err != nil {
		return nil, err
	}
	if t.s.ID(v) != id || t.key(v) != key || t.group(v) != group {
		return nil, fmt.Errorf("memstore: update of %q changed its id, key or group", id)
	}
	*t.s.Version(v) = read + 1
	if _, err := part(tx, t); err != nil {
		return nil, err
	}
	defer tx.mu.Unlock()
	now, pending := p.pending(id)
	readAt, _ := p.readAt(id)
	if pending && *t.s.Version(now) != read || !pending && cur != nil && readAt != read {
		return nil, fmt.Errorf("%w: id %q changed since version %d within its unit of work", t.s.Errors.Conflict, id, read)
	}
	if cur == nil && key != "" {
		if _, err := txGetByKey(p, key); err == nil {
			return nil, rowErr(t.s.Errors.Duplicate, "key", key)
		}
	}
	p.put(t.s.Clone(v))
	return v, nil
}

func txKey[V any](tx *Tx, t *Table[V], key string) (*V, error) {
	p, err := part(tx, t)
	if err != nil {
		return nil, err
	}
	defer tx.mu.Unlock()
	return txGetByKey(p, key)
}

// txAll returns every row as the unit sees it, recording nothing.
func txAll[V any](tx *Tx, t *Table[V]) ([]*V, error) {
	p, err := part(tx, t)
	if err != nil {
		return nil, err
	}
	defer tx.mu.Unlock()
	t.mu.RLock()
	out := make([]*V, 0, len(t.rows)+len(p.written))
	for id, row := range t.rows {
		if v, ok := p.pending(id); ok {
			row = v
		}
		out = append(out, t.out(row))
	}
	for _, i := range p.written {
		if r := p.rows[i]; t.rows[r.id] == nil {
			out = append(out, t.out(r.pending))
		}
	}
	t.mu.RUnlock()
	return out, nil
}
