package order

import (
	"encoding/json"
	"iter"
	"slices"
	"sync"
	"time"
)

// History is an order's actions, oldest first: the audit log, append-only
// and read-only. A History is a value that never changes: the service
// appends by making a new one, so that every version of an order, and
// every copy a store hands out, shares the actions of the versions before
// it instead of copying them (an Action holds no reference a caller could
// change through). It encodes in JSON as the array of its actions.
//
// A store that keeps the actions apart (orderpg's order_actions) and
// reads them back builds the History with NewHistory.
type History struct {
	actions []Action // clipped: its elements are never written again (see add)
	log     *actionLog
}

// actionLog is the array that the versions of one history share: each
// History is a prefix of it. An action appended to the longest of them
// goes in place (the array grows by doubling), so appending to a history
// costs one action, not a copy of all of them; appending to a shorter one
// (a branch, as when two updates race from one version) copies its
// prefix into an array of its own. The actions a History holds are never
// written again either way: an append writes past every prefix handed
// out.
type actionLog struct {
	mu  sync.Mutex
	all []Action
}

// NewHistory returns the history of actions, a copy of them.
func NewHistory(actions ...Action) History {
	l := &actionLog{all: append(make([]Action, 0, max(len(actions), firstActions)), actions...)}
	return History{actions: slices.Clip(l.all), log: l}
}

// Len returns the number of actions.
func (h History) Len() int { return len(h.actions) }

// At returns the i-th action, from 0; it panics when there is none.
func (h History) At(i int) Action { return h.actions[i] }

// Last returns the last action, the zero Action for an empty history.
func (h History) Last() Action {
	if len(h.actions) == 0 {
		return Action{}
	}
	return h.actions[len(h.actions)-1]
}

// All yields each action with its index, oldest first.
func (h History) All() iter.Seq2[int, Action] { return slices.All(h.actions) }

// Actions returns a copy of the actions, oldest first.
func (h History) Actions() []Action { return slices.Clone(h.actions) }

// Since returns a copy of the actions from the n-th on (from 0): those
// appended to a history of n actions.
func (h History) Since(n int) []Action { return slices.Clone(h.actions[n:]) }

// Extends reports whether h is g with none or more actions appended, the
// times of g's compared as instants: what a store checks of an update,
// which may only append.
func (h History) Extends(g History) bool {
	return len(h.actions) >= len(g.actions) && slices.EqualFunc(h.actions[:len(g.actions)], g.actions, Action.equal)
}

// IsZero reports whether the history has no action.
func (h History) IsZero() bool { return len(h.actions) == 0 }

// Equal reports whether h and g hold the same actions, their times
// compared as instants.
func (h History) Equal(g History) bool {
	return slices.EqualFunc(h.actions, g.actions, Action.equal)
}

// equal reports whether a and b are the same action, their times compared
// as instants.
func (a Action) equal(b Action) bool {
	at, bt := a.At, b.At
	a.At, b.At = time.Time{}, time.Time{}
	return a == b && at.Equal(bt)
}

// firstActions is the room a new history makes: an order's happy path is
// 14 actions, so most orders never grow theirs.
const firstActions = 16

// add returns h with a appended, h unchanged: in place when h is the
// longest history of its log, in a new log otherwise (see actionLog).
func (h History) add(a Action) History {
	n := len(h.actions)
	if h.log != nil {
		h.log.mu.Lock()
		defer h.log.mu.Unlock()
		if len(h.log.all) == n {
			h.log.all = append(h.log.all, a)
			return History{actions: slices.Clip(h.log.all), log: h.log}
		}
	}
	// A branch, or a history decoded or made without room (NewHistory
	// makes some): it doubles as it grows.
	l := &actionLog{all: append(make([]Action, 0, max(2*n, 4)), h.actions...)}
	l.all = append(l.all, a)
	return History{actions: slices.Clip(l.all), log: l}
}

// MarshalJSON encodes the actions, as an array.
func (h History) MarshalJSON() ([]byte, error) {
	if h.actions == nil {
		return []byte("[]"), nil
	}
	return json.Marshal(h.actions)
}

// UnmarshalJSON decodes an array of actions.
func (h *History) UnmarshalJSON(data []byte) error {
	var actions []Action
	if err := json.Unmarshal(data, &actions); err != nil {
		return err
	}
	*h = History{actions: slices.Clip(actions)} // decoded: no one else has them
	return nil
}
