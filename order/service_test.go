package order_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/order"
)

func TestTheHappyPathMovesTheMoney(t *testing.T) {
	w := newWorld(t)
	o := w.run(t, "o-1", happyPath())
	assert.Equal(t, order.Completed, o.State)
	assert.Empty(t, o.Pending())
	bal, err := w.escrow.Balance(context.Background(), "o-1")
	require.NoError(t, err)
	t.Logf("%+v", bal)
	t.Logf("%+v", o.Coverage)
	for _, a := range o.History {
		t.Logf("%d %s %s %s->%s", a.Seq, a.Name, a.By, a.From, a.To)
	}
	sup, err := w.suppliers.Supplier(context.Background(), wSupplier.ID)
	require.NoError(t, err)
	t.Logf("reservations %v orders %v", sup.Reservations, len(sup.Orders))
	t.Logf("published %d", len(w.published.got))
}
