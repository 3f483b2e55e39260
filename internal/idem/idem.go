// Package idem holds the two mechanisms every service uses to make its
// operations safe to repeat: a fingerprint of a request, stored beside its
// idempotency key so that a key reused for a different request is detected,
// and Atomic, the unit of work run again whole when it lost a race (the
// SDK's one level of retries).
package idem

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"time"
	"unicode/utf8"

	"github.com/tradeassure/tradeassure/internal/unit"
)

// ErrInvalidUTF8 is returned by Fingerprint for a request holding a string
// that is not valid UTF-8.
var ErrInvalidUTF8 = errors.New("idem: string is not valid UTF-8")

// Fingerprint returns a digest of v's JSON encoding. Requests are structs,
// whose JSON field order is fixed, and Money encodes its amount exactly, so
// equal requests have equal fingerprints and different ones different
// fingerprints. JSON would write every invalid UTF-8 byte as U+FFFD, making
// two different requests look alike, so a request with such a string is
// refused with ErrInvalidUTF8 instead.
func Fingerprint(v any) (string, error) {
	if s, ok := invalidString(reflect.ValueOf(v)); ok {
		return "", fmt.Errorf("%w: %q", ErrInvalidUTF8, s)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("idem: fingerprint: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// invalidString returns the first string in v, walking structs, pointers,
// interfaces, slices, arrays and maps, that is not valid UTF-8.
func invalidString(v reflect.Value) (string, bool) {
	switch v.Kind() {
	case reflect.String:
		return v.String(), !utf8.ValidString(v.String())
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return invalidString(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if s, bad := invalidString(v.Field(i)); bad {
				return s, true
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if s, bad := invalidString(v.Index(i)); bad {
				return s, true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if s, bad := invalidString(it.Key()); bad {
				return s, true
			}
			if s, bad := invalidString(it.Value()); bad {
				return s, true
			}
		}
	}
	return "", false
}

// Attempts is how many times Atomic runs a unit of work that keeps losing
// races.
const Attempts = 10

// retryOn runs op until it returns an error retry does not accept, at
// most Attempts times, and returns its last error. Between attempts it
// waits a random time below 2^attempt × 100µs (full jitter, so racing
// units spread out), and it stops early when ctx is done.
func retryOn(ctx context.Context, retry func(error) bool, op func() error) error {
	var err error
	for attempt := range Attempts {
		if err = op(); !retry(err) {
			return err
		}
		if attempt == Attempts-1 {
			break
		}
		if ctx.Err() != nil { // a done context stops at once, not at a coin toss with the timer
			return errors.Join(err, ctx.Err())
		}
		wait := time.NewTimer(rand.N(time.Duration(100<<attempt) * time.Microsecond))
		select {
		case <-ctx.Done():
			wait.Stop()
			return errors.Join(err, ctx.Err())
		case <-wait.C:
		}
	}
	return err
}

// Atomic runs op as one unit of work of u, run again whole while it fails
// with an error retry accepts (the unit lost a race); inside a unit the
// caller began, once, in that unit, which the caller commits and retries.
// It returns what op returned in the unit that committed. A unit that
// lost its last race fails with an error that wraps conflict, the
// caller's own conflict error, as well as the race it lost (another
// package's, or the unit's): a caller of a service sees the error that
// service documents. This is the SDK's one level of retries: a store
// call, a store update and a service inside a unit run once, and the unit
// that began them runs again whole.
func Atomic[T any](ctx context.Context, u interface {
	Do(context.Context, func(context.Context) error) error
}, conflict error, retry func(error) bool, op func(ctx context.Context) (T, error)) (T, error) {
	if j, ok := u.(joiner); ok && unit.In(ctx) && j.Joins(ctx) {
		// In a unit of u's that is under way, as a service called by
		// another is: op runs in it, as Do would run it, without the
		// closures Do needs.
		v, err := op(ctx)
		if err != nil {
			var zero T
			return zero, err
		}
		return v, nil
	}
	v, err := begin(ctx, u, retry, op)
	if err != nil && retry(err) && !errors.Is(err, conflict) {
		return v, fmt.Errorf("%w: %w", conflict, err)
	}
	return v, err
}

// joiner is a unit of work that tells whether ctx carries a unit of its
// own under way, which its Do would run a function in (the SDK's units:
// memstore.Unit, pg.Unit).
type joiner interface {
	Joins(ctx context.Context) bool
}

// begin is Atomic when ctx carries no unit of u's under way.
func begin[T any](ctx context.Context, u interface {
	Do(context.Context, func(context.Context) error) error
}, retry func(error) bool, op func(ctx context.Context) (T, error)) (T, error) {
	var v, zero T
	work := func(ctx context.Context) error {
		var err error
		v, err = op(ctx)
		return err
	}
	var err error
	if unit.In(ctx) {
		err = u.Do(ctx, work)
	} else {
		err = retryOn(ctx, retry, func() error { return u.Do(ctx, work) })
	}
	if err != nil {
		return zero, err
	}
	return v, nil
}

// ErrUnchanged is returned by an update function to mean "nothing to write":
// Update then returns the value the function saw, unwritten, and no error.
// Services use it for replays and for requests that are already satisfied.
var ErrUnchanged = errors.New("idem: unchanged")

// Update runs a store's closure update, once: a conflict fails the unit of
// work it runs in, which Atomic runs again. store is the store's update
// method with its context and id bound; fn is the change. When fn returns
// ErrUnchanged, Update returns the value fn saw and writes nothing.
func Update[T any](store func(fn func(*T) error) (*T, error), fn func(*T) error) (*T, error) {
	var seen *T
	stored, err := store(func(v *T) error {
		seen = v
		return fn(v)
	})
	switch {
	case errors.Is(err, ErrUnchanged):
		return seen, nil
	case err != nil:
		return nil, err
	}
	return stored, nil
}
