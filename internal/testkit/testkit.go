// Package testkit holds what the SDK's conformance kits and tests share: a
// manual clock and the reporting helpers of the kits, so that every kit
// reports failures the same way; the checks every versioned store must pass
// (RunStoreChecks), written once for every aggregate; and the guards that
// let a kit survive a broken store (Safely, Retry, UntilWritten, WaitLimit)
// and race calls (Together).
package testkit

import (
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Clock is a manual clock, safe for concurrent use: it moves only when a
// test moves it.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// At returns a fixed instant plus n hours, in UTC.
func At(n int) time.Time {
	return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Hour)
}

// Check reports a go-cmp diff between want and got. Empty and nil slices
// are equal, and times compare as instants (stores may return another
// location); Money and decimals compare with their Equal methods.
func Check[T any](t testing.TB, what string, want, got T) {
	t.Helper()
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty(), cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("%s (-want +got):\n%s", what, diff)
	}
}

// MustGet returns v, or stops the test when err is not nil.
func MustGet[T any](t testing.TB, v *T, err error) *T {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	return v
}

// WantErr reports err unless it satisfies errors.Is(err, want).
func WantErr(t testing.TB, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: got error %v, want %v", what, err, want)
	}
}

// DocShowsDiagram checks that the package documentation in file (doc.go)
// shows diagram, a Mermaid state diagram, as a code block: every line
// indented by a tab after "//", with runs of four spaces shortened to two.
// It prints the block to paste when it does not.
func DocShowsDiagram(t testing.TB, file, diagram string) {
	t.Helper()
	doc, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(diagram, "\n") {
		lines = append(lines, "//\t"+strings.ReplaceAll(strings.TrimRight(l, " "), "    ", "  "))
	}
	if block := strings.Join(lines, "\n"); !strings.Contains(string(doc), block) {
		t.Errorf("%s does not show the current diagram; it should contain:\n%s", file, block)
	}
}

// ReadmeShowsDiagram checks that the Markdown file readme shows diagram
// in a ```mermaid block exactly as Diagram returns it, and prints the block
// to paste when it does not.
func ReadmeShowsDiagram(t testing.TB, readme, diagram string) {
	t.Helper()
	doc, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	if block := "```mermaid\n" + diagram + "\n```"; !strings.Contains(string(doc), block) {
		t.Errorf("%s does not show the current diagram; it should contain:\n%s", readme, block)
	}
}
