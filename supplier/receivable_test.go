package supplier_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

func TestReceivablesAreRecoveredOldestFirstPerCurrency(t *testing.T) {
	f := newSvcFixture(t, nil)
	f.enroll(t, "s1")
	ctx := t.Context()
	eur := func(s string) payment.Money { return payment.MustParse(s, payment.EUR) }
	charge := func(order string, amount payment.Money) *supplier.Supplier {
		t.Helper()
		sup, err := f.svc.ChargeReceivable(ctx, svcOrders, "s1", supplier.ReceivableRequest{OrderID: order, CaseID: "case-" + order, Amount: amount})
		require.NoError(t, err)
		return sup
	}
	charge("o1", svcUSD("100.00"))
	f.clock.Advance(time.Hour)
	charge("o2", eur("70.00"))
	f.clock.Advance(time.Hour)
	sup := charge("o3", svcUSD("50.00"))
	assert.Equal(t, svcUSD("150.00"), sup.Owed(payment.USD))
	assert.Equal(t, eur("70.00"), sup.Owed(payment.EUR))
	assert.Equal(t, payment.MustParse("0", payment.JPY), sup.Owed(payment.JPY))

	t.Run("a charge is once per order", func(t *testing.T) {
		again := charge("o1", svcUSD("100.00"))
		assert.Equal(t, sup.Version, again.Version, "the same charge again writes nothing")
		_, err := f.svc.ChargeReceivable(ctx, svcOrders, "s1", supplier.ReceivableRequest{OrderID: "o1", CaseID: "case-o1", Amount: svcUSD("100.01")})
		assert.ErrorIs(t, err, supplier.ErrIdempotencyMismatch)
	})

	sup, err := f.svc.RecoverReceivables(ctx, svcOrders, "s1", "o9", svcUSD("120.00"))
	require.NoError(t, err)
	want := []struct {
		order     string
		recovered payment.Money
	}{{"o1", svcUSD("100.00")}, {"o2", eur("0")}, {"o3", svcUSD("20.00")}}
	require.Len(t, sup.Receivables, 3)
	for i, w := range want {
		r := sup.Receivables[i]
		assert.Equal(t, w.order, r.OrderID)
		assert.Equal(t, w.recovered, r.Recovered, "receivable of %s", r.OrderID)
	}
	assert.Equal(t, []supplier.Recovery{{OrderID: "o9", Amount: svcUSD("20.00"), At: f.clock.Now()}}, sup.Receivables[2].Recoveries)
	assert.Equal(t, svcUSD("30.00"), sup.Owed(payment.USD), "the oldest repaid first, in the release's currency only")
	assert.Equal(t, eur("70.00"), sup.Owed(payment.EUR))

	t.Run("a release's recovery is recorded once", func(t *testing.T) {
		again, err := f.svc.RecoverReceivables(ctx, svcOrders, "s1", "o9", svcUSD("120.00"))
		require.NoError(t, err)
		assert.Equal(t, sup.Version, again.Version)
		_, err = f.svc.RecoverReceivables(ctx, svcOrders, "s1", "o9", svcUSD("10.00"))
		assert.ErrorIs(t, err, supplier.ErrIdempotencyMismatch)
	})
	t.Run("never more than is owed", func(t *testing.T) {
		_, err := f.svc.RecoverReceivables(ctx, svcOrders, "s1", "o10", svcUSD("30.01"))
		assert.ErrorIs(t, err, payment.ErrInvalidAmount)
		done, err := f.svc.RecoverReceivables(ctx, svcOrders, "s1", "o10", svcUSD("30.00"))
		require.NoError(t, err)
		assert.True(t, done.Owed(payment.USD).IsZero())
		assert.Len(t, done.Receivables, 3, "settled receivables stay, so that none is charged twice")
		_, err = f.svc.ChargeReceivable(ctx, svcOrders, "s1", supplier.ReceivableRequest{OrderID: "o1", CaseID: "case-o1", Amount: svcUSD("100.00")})
		require.NoError(t, err)
		assert.True(t, f.get(t, "s1").Owed(payment.USD).IsZero(), "a settled order charged again is no new debt")
	})
}

// A claim after release is a dispute of an order the record counted as
// completed already: recording the order again with the dispute, lost,
// amends its record and the counters once; nothing else of the record
// changes, and no other change of a completed record is taken.
func TestADisputeAfterCompletionAmendsTheOrdersRecordOnce(t *testing.T) {
	f := newSvcFixture(t, nil)
	f.enroll(t, "s1")
	ctx := t.Context()
	first := svcOrder("o1", "b1", "100.00", svcStart)
	before := f.record(t, "s1", first)
	require.Equal(t, 0, before.Record.DisputesLost)

	later := first
	later.CompletedAt, later.Value = svcStart.Add(20*24*time.Hour), svcUSD("99.00") // as the order recomputes it
	later.Disputed, later.DisputeLost = true, true
	after := f.record(t, "s1", later)
	assert.Equal(t, 1, after.Record.Completed, "the order is counted once")
	assert.Equal(t, 1, after.Record.Disputed)
	assert.Equal(t, 1, after.Record.DisputesLost)
	rec, err := f.svc.OrderRecord(ctx, "s1", "o1")
	require.NoError(t, err)
	want := first
	want.Disputed, want.DisputeLost = true, true
	assert.Equal(t, want.Value, rec.Value, "the value stays as first recorded")
	assert.True(t, rec.CompletedAt.Equal(first.CompletedAt), "and so does the completion")
	assert.True(t, rec.Disputed && rec.DisputeLost)

	again := f.record(t, "s1", later)
	assert.Equal(t, after.Version, again.Version, "the same amendment again changes nothing")
	assert.Equal(t, 1, again.Record.DisputesLost)

	for name, o := range map[string]supplier.OrderRecord{
		"a dispute taken back": first,
		"another buyer":        func() supplier.OrderRecord { o := later; o.BuyerID = "b2"; return o }(),
	} {
		_, err := f.svc.RecordOrder(ctx, svcOrders, "s1", o)
		assert.ErrorIs(t, err, supplier.ErrIdempotencyMismatch, name)
	}
}
