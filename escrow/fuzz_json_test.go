package escrow_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
)

// escrowJSONTypes are the types of the escrow package that decode from
// JSON; Money compares with ==.
var escrowJSONTypes = func() []testkit.JSONType {
	money := cmp.Comparer(func(a, b payment.Money) bool { return a == b })
	return []testkit.JSONType{
		testkit.JSONTypeOf[escrow.Account](money), testkit.JSONTypeOf[escrow.Balance](money), testkit.JSONTypeOf[escrow.Revenue](money),
		testkit.JSONTypeOf[escrow.CompensateRequest](money), testkit.JSONTypeOf[escrow.Entry](money), testkit.JSONTypeOf[escrow.Notice](money),
		testkit.JSONTypeOf[escrow.HoldRequest](money), testkit.JSONTypeOf[escrow.OpenRequest](money),
		testkit.JSONTypeOf[escrow.Operation](money), testkit.JSONTypeOf[escrow.Receipt](money),
		testkit.JSONTypeOf[escrow.RefundRequest](money), testkit.JSONTypeOf[escrow.ReleaseRequest](money),
		testkit.JSONTypeOf[escrow.SettleRequest](money), testkit.JSONTypeOf[escrow.Statement](money),
		testkit.JSONTypeOf[escrow.StatementLine](money),
	}
}()

// FuzzJSON decodes bytes into each JSON type of the package in turn
// (escrowJSONTypes): decoding never panics, and whatever decodes encodes
// and decodes again to an equal value (testkit.RoundTripJSON).
func FuzzJSON(f *testing.F) { testkit.FuzzJSON(f, escrowJSONSeeds(f), escrowJSONTypes) }

// TestFuzzJSONDecodesEveryType checks that FuzzJSON decodes every type of
// the package that decodes from JSON.
func TestFuzzJSONDecodesEveryType(t *testing.T) {
	testkit.CheckJSONTypes(t, ".", escrowJSONTypes)
}

// escrowJSONSeeds are the JSON documents of the package's types as the SDK
// writes them — an account that took two holds, a freeze, a compensation
// and a settlement, its receipts, balance and statement, and the requests
// that made them — and a few hand-written oddities.
func escrowJSONSeeds(t testing.TB) [][]byte {
	ctx := context.Background()
	clock := testkit.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	svc, err := escrow.NewService(escrow.Config{Store: escrow.NewMemoryStore(), Clock: clock,
		ReleaseFee: escrow.PercentFee(decimal.RequireFromString("0.02"), payment.RoundHalfEven)})
	require.NoError(t, err)
	sys, agent := payment.System("orders"), payment.Platform("agent-7")
	usd := func(s string) payment.Money { return payment.MustParse(s, payment.USD) }
	open := escrow.OpenRequest{OrderID: "order-1", BuyerID: "buyer-1", SupplierID: "supplier-1", Currency: payment.USD}
	hold := escrow.HoldRequest{Amount: usd("960.00"), PaymentID: "pay-1", Memo: "deposit"}
	compensate := escrow.CompensateRequest{Amount: usd("48.00"), Memo: "late shipment"}
	settle := escrow.SettleRequest{Refund: usd("300.00"), Compensate: usd("12.00"), Release: usd("2840.00"), Memo: "dispute case-1"}
	_, err = svc.Open(ctx, sys, open)
	require.NoError(t, err)
	var receipts []*escrow.Receipt
	for _, op := range []func() (*escrow.Receipt, error){
		func() (*escrow.Receipt, error) { return svc.Hold(ctx, sys, "order-1", "hold-1", hold) },
		func() (*escrow.Receipt, error) {
			return svc.Hold(ctx, sys, "order-1", "hold-2", escrow.HoldRequest{Amount: usd("2240.00"), PaymentID: "pay-2"})
		},
		func() (*escrow.Receipt, error) { return svc.Compensate(ctx, sys, "order-1", "comp-1", compensate) },
		func() (*escrow.Receipt, error) { return svc.Freeze(ctx, sys, "order-1", "freeze-1", "dispute case-1") },
		func() (*escrow.Receipt, error) { return svc.Unfreeze(ctx, agent, "order-1", "unfreeze-1", "decided") },
		func() (*escrow.Receipt, error) { return svc.Settle(ctx, sys, "order-1", "settle-1", settle) },
		func() (*escrow.Receipt, error) { return svc.Settle(ctx, sys, "order-1", "settle-1", settle) },
	} {
		clock.Advance(time.Hour)
		r, err := op()
		require.NoError(t, err)
		receipts = append(receipts, r)
	}
	acct, err := svc.Account(ctx, "order-1")
	require.NoError(t, err)
	st, err := svc.Statement(ctx, "order-1")
	require.NoError(t, err)
	values := []any{acct, st, st.Balance, st.Lines[0], acct.Operations[0], open, hold, compensate, settle,
		escrow.ReleaseRequest{Amount: usd("100.00"), Fee: usd("2.99"), Memo: "receipt confirmed"},
		escrow.RefundRequest{Amount: usd("1.00"), Memo: "called off"}}
	for _, r := range receipts {
		values = append(values, r)
	}
	var seeds [][]byte
	for _, v := range values {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		seeds = append(seeds, b)
	}
	for _, s := range []string{
		`null`, `{}`, `[]`, `{"seq":-1,"from":"nowhere","to":"","amount":null}`,
		`{"amount":{"amount":"1.000","currency":"KWD"},"in_escrow":{"amount":"0","currency":"JPY"},"seq":1}`,
		`{"entries":null,"operations":[{"first":2,"last":1,"at":"2026-03-02T09:00:00-00:00"}]}`,
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}
