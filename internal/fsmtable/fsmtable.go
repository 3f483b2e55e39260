// Package fsmtable runs a transition table through a looplab/fsm machine:
// the one way the SDK's state machines (the order's, the dispute's) are
// defined, checked and drawn. A table is data: each line says which event
// moves an aggregate from which states to which, and which roles may fire
// it. Machines are built for one call and never stored: an fsm machine
// holds locks and callbacks, and a cancelled context would leave a stored
// one stuck in a transition.
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

// Fire returns the state that ev, fired by by, moves from to. It returns
// ErrNoTransition when the table has no such transition, a
// *payment.ActorError when by's role may not fire ev (action names what
// was refused), and ctx's error, changing nothing, when ctx is done.
func Fire[S, E ~string](ctx context.Context, table []Line[S, E], from S, ev E, by payment.Actor, action string) (S, error) {
	if err := ctx.Err(); err != nil {
		return from, err
	}
	i := slices.IndexFunc(table, func(l Line[S, E]) bool { return l.Event == ev && slices.Contains(l.From, from) })
	if i < 0 {
		return from, ErrNoTransition
	}
	if err := payment.RequireRole(by, action, table[i].By...); err != nil {
		return from, err
	}
	m := fsm.NewFSM(string(from), events(table), nil)
	if err := m.Event(ctx, string(ev)); err != nil {
		var stay fsm.NoTransitionError
		var invalid fsm.InvalidEventError
		var unknown fsm.UnknownEventError
		switch {
		case errors.As(err, &stay): // an event that records without moving
			return from, nil
		case errors.As(err, &invalid) || errors.As(err, &unknown):
			return from, ErrNoTransition
		default:
			return from, fmt.Errorf("%s from %s: %w", ev, from, err)
		}
	}
	return S(m.Current()), nil
}

// Final reports whether no event of the table leaves s.
func Final[S, E ~string](table []Line[S, E], s S) bool {
	return !slices.ContainsFunc(table, func(l Line[S, E]) bool { return slices.Contains(l.From, s) })
}

// Diagram returns the table as a Mermaid state diagram starting at
// initial.
func Diagram[S, E ~string](table []Line[S, E], initial S) string {
	out, err := fsm.VisualizeWithType(fsm.NewFSM(string(initial), events(table), nil), fsm.MermaidStateDiagram)
	if err != nil { // only for an unknown visualize type
		panic(err)
	}
	return strings.TrimSpace(out)
}

// events returns the table as fsm events.
func events[S, E ~string](table []Line[S, E]) fsm.Events {
	out := make(fsm.Events, 0, len(table))
	for _, l := range table {
		src := make([]string, len(l.From))
		for i, s := range l.From {
			src[i] = string(s)
		}
		out = append(out, fsm.EventDesc{Name: string(l.Event), Src: src, Dst: string(l.To)})
	}
	return out
}
