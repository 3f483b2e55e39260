// Package idem holds the two mechanisms every service uses to make its
// operations safe to repeat: a fingerprint of a request, stored beside its
// idempotency key so that a key reused for a different request is detected,
// and a bounded retry of an optimistic update that lost a race.
package idem

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
)

// Fingerprint returns a digest of v's JSON encoding. Requests are structs,
// whose JSON field order is fixed, and Money encodes its amount exactly, so
// equal requests have equal fingerprints.
func Fingerprint(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("idem: fingerprint: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// Attempts is how many times Retry runs an operation that keeps conflicting.
const Attempts = 8

// Retry runs op until it returns something other than an error matching
// conflict, at most Attempts times, and returns its last error. It stops
// early when ctx is done.
func Retry(ctx context.Context, conflict error, op func() error) error {
	var err error
	for range Attempts {
		if err = op(); !errors.Is(err, conflict) {
			return err
		}
		if ctx.Err() != nil {
			return errors.Join(err, ctx.Err())
		}
	}
	return err
}
