package testkit

import (
	"flag"
	"os"
	"strconv"
	"sync"
	"testing"
)

// RapidSize is how big a model-based test is: how many random sequences it
// runs (Checks, RaceChecks under the race detector) and how long they are
// (AvgSteps on average, cut at MaxSteps).
type RapidSize struct {
	Checks, RaceChecks int
	AvgSteps, MaxSteps int
}

// userRapidFlags records, once and before any test sets one, whether the
// command line or the environment set rapid's -rapid.checks and
// -rapid.steps: flag.Visit lists a flag set by Set too, so this is read
// before the first Set.
var userRapidFlags = sync.OnceValues(func() (checks, steps bool) {
	flag.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "rapid.checks":
			checks = true
		case "rapid.steps":
			steps = true
		}
	})
	_, env := os.LookupEnv("RAPID_CHECKS")
	checks = checks || env
	_, env = os.LookupEnv("RAPID_STEPS")
	return checks, steps || env
})

// SizeRapid sets rapid's flags to size for the duration of the test, unless
// the command line or the environment set them; race tells whether the
// race detector is on. Under -short the test keeps rapid's default of 100
// checks, of which rapid runs a fifth. It returns the longest sequence the
// test runs. The flags are set per test, not in a TestMain, so that a -run
// of one test sizes that test only and the package's other rapid tests
// keep rapid's defaults.
func SizeRapid(t *testing.T, size RapidSize, race bool) (maxSteps int) {
	userChecks, userSteps := userRapidFlags()
	if !userChecks && !testing.Short() {
		checks := size.Checks
		if race {
			checks = size.RaceChecks
		}
		SetFlag(t, "rapid.checks", strconv.Itoa(checks))
	}
	if !userSteps {
		SetFlag(t, "rapid.steps", strconv.Itoa(size.AvgSteps))
		return size.MaxSteps
	}
	steps, err := strconv.Atoi(flag.Lookup("rapid.steps").Value.String())
	if err != nil {
		t.Fatalf("-rapid.steps: %v", err)
	}
	return max(2*steps, 1)
}

// SetFlag sets a registered flag, one of rapid's, for the duration of the
// test.
func SetFlag(t *testing.T, name, value string) {
	userRapidFlags() // what the user set is noted before anything is set
	f := flag.Lookup(name)
	if f == nil {
		t.Fatalf("no -%s flag is registered", name)
	}
	old := f.Value.String()
	if err := flag.Set(name, value); err != nil {
		t.Fatalf("-%s=%s: %v", name, value, err)
	}
	t.Cleanup(func() { _ = flag.Set(name, old) })
}
