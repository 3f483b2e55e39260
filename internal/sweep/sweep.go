// Package sweep is the loop every service's Sweep runs: ask the store for
// what is due, batch by batch, move each item once, and never loop on an
// item that stays due because it cannot be moved.
package sweep

import (
	"context"
	"fmt"
	"time"
)

// Due is a store's "due before now" query.
type Due[T any] func(ctx context.Context, before time.Time, limit int) ([]*T, error)

// Run moves every item due at now: it asks due for batch items at a time
// and calls advance on each item once. An item that advance fails on, or
// leaves with a deadline not after now, is skipped from then on. Run
// returns advance's errors, each prefixed with noun and the item's id, and
// due's error: failures to move an item do not stop it.
func Run[T any](ctx context.Context, now time.Time, batch int, noun string, due Due[T], id func(*T) string,
	deadline func(*T) time.Time, advance func(*T) (*T, error)) (failures []error, err error) {
	stuck := map[string]bool{} // items still due after this run moved them
	for {
		limit := batch + len(stuck)
		items, err := due(ctx, now, limit)
		if err != nil {
			return failures, err
		}
		moved := false
		for _, it := range items {
			if stuck[id(it)] {
				continue
			}
			moved = true
			after, err := advance(it)
			if err != nil {
				failures = append(failures, fmt.Errorf("%s %s: %w", noun, id(it), err))
			}
			if err != nil || (!deadline(after).IsZero() && !deadline(after).After(now)) {
				stuck[id(it)] = true
			}
		}
		if !moved || len(items) < limit {
			return failures, nil
		}
	}
}
