//go:build race

package escrow_test

// modelRaceEnabled reports whether the tests run under the race detector,
// which makes the model-based test about ten times slower.
const modelRaceEnabled = true
