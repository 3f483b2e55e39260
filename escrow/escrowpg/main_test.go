package escrowpg_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them: a
// racing call, a guard's timer or a database pool left running.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
