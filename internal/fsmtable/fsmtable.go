// Package fsmtable runs a transition table: the one way the SDK's state
// machines (the order's, the dispute's) are defined, checked and drawn. A
// table is data: each line says which event moves an aggregate from which
// states to which, and which roles may fire it.
//
// A Table is built once from its lines and is immutable: Fire is a map
// lookup, safe from any number of goroutines. The table's looplab/fsm
// machine is its definition's check and its drawing: Verify runs every
// state and event of the table through a fresh fsm machine and reports
// any answer of Fire that differs, and Diagram is the fsm's Mermaid
// rendering. No fsm machine is fired on the hot path: building one costs
// about 10 µs, one stored and shared would race, and a cancelled context
// leaves one stuck in a transition for good.
package fsmtable

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/looplab/fsm"

	"github.com/tradeassure/tradeassure/payment"
)

// Line is one line of a transition table: Event moves from any of From to
// To, and may be fired by the roles in By. An event whose To is its one From
// records something without changing the state. An event may have several
// lines, from different states.
type Line[S, E ~string] struct {
	Event E
	From  []S
	To    S
	By    []payment.Role
}

// ErrNoTransition is returned by Fire when the table has no line for the
// event from the state; callers wrap it in their own typed error.
var ErrNoTransition = errors.New("fsmtable: no transition")

// Table is a transition table ready to fire.
type Table[S, E ~string] struct {
	lines []Line[S, E]
	next  map[move[S, E]]int // the line of each (state, event)
	final map[S]bool
}

type move[S, E ~string] struct {
	from S
	ev   E
}

// New returns the table of lines; the first line of an event that names a
// state is the one Fire follows from it.
func New[S, E ~string](lines []Line[S, E]) *Table[S, E] {
	t := &Table[S, E]{lines: lines, next: map[move[S, E]]int{}, final: map[S]bool{}}
	for i, l := range lines {
		for _, s := range l.From {
			if _, ok := t.next[move[S, E]{s, l.Event}]; !ok {
				t.next[move[S, E]{s, l.Event}] = i
			}
			t.final[s] = false
		}
		if _, ok := t.final[l.To]; !ok {
			t.final[l.To] = true
		}
	}
	return t
}

// Lines returns a copy of the table's lines.
func (t *Table[S, E]) Lines() []Line[S, E] {
	out := slices.Clone(t.lines)
	for i := range out {
		out[i].From, out[i].By = slices.Clone(out[i].From), slices.Clone(out[i].By)
	}
	return out
}

// Fire returns the state that ev, fired by by, moves from to. It returns
// ErrNoTransition when the table has no such transition, a
// *payment.ActorError when by's role may not fire ev (its action is the
// event and what, as in "ship an order"), and ctx's error, changing
// nothing, when ctx is done.
func (t *Table[S, E]) Fire(ctx context.Context, from S, ev E, by payment.Actor, what string) (S, error) {
	if err := ctx.Err(); err != nil {
		return from, err
	}
	i, ok := t.next[move[S, E]{from, ev}]
	if !ok {
		return from, ErrNoTransition
	}
	l := &t.lines[i]
	if err := by.Validate(); err != nil {
		return from, err
	}
	if !slices.Contains(l.By, by.Role) {
		return from, &payment.ActorError{Actor: by, Action: string(ev) + " " + what}
	}
	return l.To, nil
}

// Final reports whether no event of the table leaves s.
func (t *Table[S, E]) Final(s S) bool {
	final, known := t.final[s]
	return final || !known
}

// Verify runs every state of the table and every event through a looplab/fsm
// machine built from the lines, and returns an error for each answer of
// Fire that differs from the machine's: the state reached, or that there is
// no transition.
func (t *Table[S, E]) Verify() error {
	var errs []error
	ctx := context.Background()
	for s := range t.final {
		for _, l := range t.lines {
			m := fsm.NewFSM(string(s), t.events(), nil)
			want, ok := S(s), true
			switch err := m.Event(ctx, string(l.Event)); {
			case err == nil:
				want = S(m.Current())
			case errors.As(err, new(fsm.NoTransitionError)):
			default:
				ok = false
			}
			got, err := t.Fire(ctx, s, l.Event, payment.Actor{Role: l.By[0], ID: "verify"}, "")
			switch {
			case !ok && !errors.Is(err, ErrNoTransition):
				errs = append(errs, fmt.Errorf("%s from %s: Fire gives %s, %v; the fsm has no transition", l.Event, s, got, err))
			case ok && (err != nil || got != want):
				errs = append(errs, fmt.Errorf("%s from %s: Fire gives %s, %v; the fsm goes to %s", l.Event, s, got, err, want))
			}
		}
	}
	return errors.Join(errs...)
}

// Diagram returns the table as a Mermaid state diagram starting at
// initial.
func (t *Table[S, E]) Diagram(initial S) string {
	out, err := fsm.VisualizeWithType(fsm.NewFSM(string(initial), t.events(), nil), fsm.MermaidStateDiagram)
	if err != nil { // only for an unknown visualize type
		panic(err)
	}
	return strings.TrimSpace(out)
}

// events returns the table as fsm events.
func (t *Table[S, E]) events() fsm.Events {
	out := make(fsm.Events, 0, len(t.lines))
	for _, l := range t.lines {
		src := make([]string, len(l.From))
		for i, s := range l.From {
			src[i] = string(s)
		}
		out = append(out, fsm.EventDesc{Name: string(l.Event), Src: src, Dst: string(l.To)})
	}
	return out
}
