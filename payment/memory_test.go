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

func TestMemoryOutbox(t *testing.T) {
	paymenttest.TestOutbox(t, func(*testing.T) (payment.Outbox, payment.UnitOfWork) {
		return payment.MemoryOutbox(), payment.MemoryUnit()
	})
}
