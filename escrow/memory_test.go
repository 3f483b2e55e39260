package escrow_test

import (
	"testing"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/escrow/escrowtest"
)

func TestMemoryStore(t *testing.T) {
	escrowtest.TestStore(t, func(*testing.T) escrow.Store { return escrow.NewMemoryStore() })
}
