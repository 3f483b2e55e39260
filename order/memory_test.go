package order_test

import (
	"testing"

	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/order/ordertest"
)

func TestMemoryStore(t *testing.T) {
	ordertest.TestStore(t, func(*testing.T) order.Store { return order.NewMemoryStore() })
}
