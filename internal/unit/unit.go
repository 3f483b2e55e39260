// Package unit carries a unit of work in a context: the one a store's
// implementation began (an in-memory write set, a PostgreSQL transaction)
// and the stores of that implementation join when they are called with
// the context the unit gave. The domain never sees it: services pass ctx
// along, as they always do.
package unit

import (
	"context"
	"errors"
)

type key struct{}

// ErrForeign is returned by a store called with a context whose unit of
// work belongs to another implementation (a PostgreSQL store inside an
// in-memory unit): its writes would not be part of the unit.
var ErrForeign = errors.New("the store is not part of the context's unit of work; give every service the stores of its unit's kind")

// With returns ctx carrying w, the state of a unit of work.
func With(ctx context.Context, w any) context.Context { return context.WithValue(ctx, key{}, w) }

// From returns the unit of work ctx carries, or nil.
func From(ctx context.Context) any { return ctx.Value(key{}) }

// In reports whether ctx carries a unit of work: inside one, a conflict is
// not retried where it happens, for the unit is retried whole.
func In(ctx context.Context) bool { return From(ctx) != nil }
