package dispute_test

import (
	"testing"

	"github.com/tradeassure/tradeassure/dispute"
	"github.com/tradeassure/tradeassure/dispute/disputetest"
)

func TestMemoryStore(t *testing.T) {
	disputetest.TestStore(t, func(*testing.T) dispute.Store { return dispute.NewMemoryStore() })
}
