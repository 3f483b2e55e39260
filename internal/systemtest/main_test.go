package systemtest

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them: a
// database pool of a sequence left running.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
