package escrow_test

import (
	"testing"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/escrow/escrowtest"
	"github.com/tradeassure/tradeassure/payment"
)

func TestMemoryStore(t *testing.T) {
	escrowtest.TestStore(t, func(*testing.T) (escrow.Store, payment.UnitOfWork) {
		return escrow.NewMemoryStore(), payment.MemoryUnit()
	})
}
