package supplier_test

import (
	"testing"

	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
	"github.com/tradeassure/tradeassure/supplier/suppliertest"
)

func TestMemoryStore(t *testing.T) {
	suppliertest.TestStore(t, func(*testing.T) (supplier.Store, payment.UnitOfWork) {
		return supplier.NewMemoryStore(), payment.MemoryUnit()
	})
}
