package idem

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type inner struct {
	Note string
	Tags []string
	M    map[string]string
}

type request struct {
	Amount string
	In     *inner
	Any    any
}

func TestFingerprint(t *testing.T) {
	a, err := Fingerprint(request{Amount: "1.00", In: &inner{Note: "x"}})
	require.NoError(t, err)
	b, err := Fingerprint(request{Amount: "1.00", In: &inner{Note: "x"}})
	require.NoError(t, err)
	c, err := Fingerprint(request{Amount: "1.01", In: &inner{Note: "x"}})
	require.NoError(t, err)
	assert.Equal(t, a, b, "equal requests have equal fingerprints")
	assert.NotEqual(t, a, c, "different requests have different fingerprints")

	for name, v := range map[string]request{
		"a top-level string":   {Amount: "\xff"},
		"behind a pointer":     {In: &inner{Note: "a\xfe"}},
		"in a slice":           {In: &inner{Tags: []string{"ok", "\xc3"}}},
		"a map key":            {In: &inner{M: map[string]string{"\xff": "v"}}},
		"a map value":          {In: &inner{M: map[string]string{"k": "\xff"}}},
		"behind an interface":  {Any: inner{Note: "\xff"}},
		"an unexported string": {Any: struct{ s string }{"\xff"}},
	} {
		t.Run("refuses invalid UTF-8 in "+name, func(t *testing.T) {
			_, err := Fingerprint(v)
			assert.ErrorIs(t, err, ErrInvalidUTF8)
		})
	}
}

var errConflict = errors.New("conflict")

// runUnit is a unit of work that runs fn as it is.
type runUnit struct{}

func (runUnit) Do(ctx context.Context, fn func(context.Context) error) error { return fn(ctx) }

func TestAtomicRunsTheUnitAgainUpToAttempts(t *testing.T) {
	isConflict := func(err error) bool { return errors.Is(err, errConflict) }
	calls := 0
	_, err := Atomic(context.Background(), runUnit{}, errConflict, isConflict, func(context.Context) (int, error) { calls++; return 0, errConflict })
	assert.ErrorIs(t, err, errConflict)
	assert.Equal(t, Attempts, calls)

	calls = 0
	got, err := Atomic(context.Background(), runUnit{}, errConflict, isConflict, func(context.Context) (int, error) {
		calls++
		if calls < 3 {
			return 0, errConflict
		}
		return calls, nil
	})
	assert.NoError(t, err)
	assert.Equal(t, 3, got, "what the unit that committed returned")

	boom := errors.New("boom")
	calls = 0
	_, err = Atomic(context.Background(), runUnit{}, errConflict, isConflict, func(context.Context) (int, error) { calls++; return 0, boom })
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, 1, calls, "an error that is no conflict is not retried")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls = 0
	_, err = Atomic(ctx, runUnit{}, errConflict, isConflict, func(context.Context) (int, error) { calls++; return 0, errConflict })
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, calls, "a done context stops the retries")
}

// A unit that keeps losing races to another package's records (the unit's
// own conflict, or another store's) fails with the caller's conflict
// error, which its caller is told to expect, and still names the race.
func TestAtomicGivesUpWithTheCallersOwnConflict(t *testing.T) {
	errOwn, errTheirs := errors.New("escrow: version conflict"), errors.New("payment: version conflict")
	retry := func(err error) bool { return errors.Is(err, errOwn) || errors.Is(err, errTheirs) }
	_, err := Atomic(context.Background(), runUnit{}, errOwn, retry, func(context.Context) (int, error) { return 0, errTheirs })
	assert.ErrorIs(t, err, errOwn)
	assert.ErrorIs(t, err, errTheirs)

	boom := errors.New("boom")
	_, err = Atomic(context.Background(), runUnit{}, errOwn, retry, func(context.Context) (int, error) { return 0, boom })
	assert.NotErrorIs(t, err, errOwn, "an error that is no conflict is not called one")
}

func TestUpdate(t *testing.T) {
	stored := 1
	store := func(fn func(*int) error) (*int, error) {
		v := stored
		if err := fn(&v); err != nil {
			return nil, err
		}
		stored = v
		return &v, nil
	}

	got, err := Update(store, func(v *int) error { *v += 1; return nil })
	require.NoError(t, err)
	assert.Equal(t, 2, *got)
	assert.Equal(t, 2, stored)

	got, err = Update(store, func(v *int) error { *v += 100; return ErrUnchanged })
	require.NoError(t, err, "ErrUnchanged is not an error")
	assert.Equal(t, 102, *got, "ErrUnchanged returns the value the function saw")
	assert.Equal(t, 2, stored, "and writes nothing")

	boom := errors.New("boom")
	_, err = Update(store, func(*int) error { return boom })
	assert.ErrorIs(t, err, boom)
}
