package payment_test

import (
	"testing"

	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/payment/paymenttest"
)

func TestMemoryStore(t *testing.T) {
	paymenttest.TestStore(t, func(*testing.T) payment.Store { return payment.NewMemoryStore() })
}

func TestMemoryUnit(t *testing.T) {
	paymenttest.TestUnitOfWork(t, func(*testing.T) (payment.UnitOfWork, payment.Store) {
		return payment.MemoryUnit(), payment.NewMemoryStore()
	})
}
