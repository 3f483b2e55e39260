//go:build race

package systemtest

// raceEnabled reports whether the tests run under the race detector, which
// makes the model-based test about ten times slower.
const raceEnabled = true
