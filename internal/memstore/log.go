package memstore

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"unsafe"
)

// Log is an append-only sequence of records that joins units of work: an
// append inside a unit is written when the unit commits, and not at all
// when it does not. Each record gets its sequence number at its commit,
// under the log's lock, so the log's order is the order in which the
// appends committed. Records are kept until they are removed (delivered):
// removing the oldest, as a relay does, costs the same however many
// records the log holds.
type Log[V any] struct {
	// Seq sets a record's sequence number.
	Seq func(*V, int64)

	mu   sync.Mutex
	last int64
	recs []logRec[V] // in sequence order, from head on; removed ones marked
	head int         // recs before head are removed
	live int         // the records not removed
}

type logRec[V any] struct {
	seq     int64
	removed bool
	v       V
}

// Append appends vs: at once, or, inside a unit of work, when it commits.
func (l *Log[V]) Append(ctx context.Context, vs ...V) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tx, err := txOf(ctx)
	if err != nil {
		return err
	}
	if tx == nil {
		l.mu.Lock()
		l.add(vs)
		l.mu.Unlock()
		return nil
	}
	p, err := logPart(tx, l)
	if err != nil {
		return err
	}
	p.pending = append(p.pending, vs...)
	tx.mu.Unlock()
	return nil
}

// add appends vs, numbering them, under the log's lock.
func (l *Log[V]) add(vs []V) {
	for _, v := range vs {
		l.last++
		l.Seq(&v, l.last)
		l.recs = append(l.recs, logRec[V]{seq: l.last, v: v})
		l.live++
	}
}

// First returns up to limit records, first appended first.
func (l *Log[V]) First(ctx context.Context, limit int) ([]V, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]V, 0, min(limit, l.live))
	for _, r := range l.recs[l.head:] {
		if len(out) == limit {
			break
		}
		if !r.removed {
			out = append(out, r.v)
		}
	}
	return out, nil
}

// Remove removes the record numbered seq, if the log has it.
func (l *Log[V]) Remove(ctx context.Context, seq int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	recs := l.recs[l.head:]
	i, ok := slices.BinarySearchFunc(recs, seq, func(r logRec[V], seq int64) int { return cmp.Compare(r.seq, seq) })
	if !ok || recs[i].removed {
		return nil
	}
	recs[i].removed, recs[i].v = true, *new(V) // what it held is garbage now
	l.live--
	for l.head < len(l.recs) && l.recs[l.head].removed {
		l.head++
	}
	// Keep what is removed at most as much as what is not: the records
	// left are moved down once the removed ones are the larger part.
	if removed := len(l.recs) - l.live; removed > 64 && removed > l.live {
		kept := make([]logRec[V], 0, 2*l.live)
		for _, r := range l.recs[l.head:] {
			if !r.removed {
				kept = append(kept, r)
			}
		}
		l.recs, l.head = kept, 0
	}
	return nil
}

// txLog is what a unit of work appends to a log.
type txLog[V any] struct {
	l       *Log[V]
	pending []V
}

// logPart returns the log's part of tx, with tx.mu held: the caller
// unlocks it.
func logPart[V any](tx *Tx, l *Log[V]) (*txLog[V], error) {
	p, err := tx.lockPart(l)
	if err != nil {
		return nil, err
	}
	if p == nil {
		fresh := &txLog[V]{l: l}
		tx.addPart(l, fresh)
		return fresh, nil
	}
	return p.(*txLog[V]), nil
}

func (p *txLog[V]) addr() uintptr   { return uintptr(unsafe.Pointer(p.l)) }
func (p *txLog[V]) lock()           { p.l.mu.Lock() }
func (p *txLog[V]) unlock()         { p.l.mu.Unlock() }
func (p *txLog[V]) validate() error { return nil }
func (p *txLog[V]) apply()          { p.l.add(p.pending) }
func (p *txLog[V]) conflict() error { return nil }
