package supplier_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// supplierJSONTypes are the types of the supplier package that decode from
// JSON; Money compares with ==.
var supplierJSONTypes = func() []testkit.JSONType {
	money := cmp.Comparer(func(a, b payment.Money) bool { return a == b })
	return []testkit.JSONType{
		testkit.JSONTypeOf[supplier.Document](money), testkit.JSONTypeOf[supplier.Explanation](money), testkit.JSONTypeOf[supplier.Inquiry](money),
		testkit.JSONTypeOf[supplier.Limit](money), testkit.JSONTypeOf[supplier.Notice](money), testkit.JSONTypeOf[supplier.OrderRecord](money),
		testkit.JSONTypeOf[supplier.Rating](money), testkit.JSONTypeOf[supplier.RegisterRequest](money),
		testkit.JSONTypeOf[supplier.Reservation](money), testkit.JSONTypeOf[supplier.Receivable](money), testkit.JSONTypeOf[supplier.ReceivableRequest](money), testkit.JSONTypeOf[supplier.Recovery](money), testkit.JSONTypeOf[supplier.Review](money),
		testkit.JSONTypeOf[supplier.ReviewRequest](money), testkit.JSONTypeOf[supplier.Supplier](money),
		testkit.JSONTypeOf[supplier.Balance](money), testkit.JSONTypeOf[supplier.Release](money), testkit.JSONTypeOf[supplier.BalanceEntry](money), testkit.JSONTypeOf[supplier.Statement](money), testkit.JSONTypeOf[supplier.HeldBalance](money), testkit.JSONTypeOf[supplier.Payout](money),
		testkit.JSONTypeOf[supplier.PayoutEvent](money), testkit.JSONTypeOf[supplier.PayoutOutcome](money), testkit.JSONTypeOf[supplier.PayoutRequest](money),
		testkit.JSONTypeOf[supplier.PayoutRun](money),
		testkit.JSONTypeOf[supplier.Term](money), testkit.JSONTypeOf[supplier.Record](money), testkit.JSONTypeOf[supplier.Volume](money), testkit.JSONTypeOf[supplier.Volumes](money),
	}
}()

// FuzzJSON decodes bytes into each JSON type of the package in turn
// (supplierJSONTypes): decoding never panics, and whatever decodes encodes
// and decodes again to an equal value (testkit.RoundTripJSON).
func FuzzJSON(f *testing.F) { testkit.FuzzJSON(f, supplierJSONSeeds(f), supplierJSONTypes) }

// TestFuzzJSONDecodesEveryType checks that FuzzJSON decodes every type of
// the package that decodes from JSON.
func TestFuzzJSONDecodesEveryType(t *testing.T) {
	testkit.CheckJSONTypes(t, ".", supplierJSONTypes)
}

// supplierJSONSeeds are the JSON documents of the package's types as the
// SDK writes them — an enrolled supplier with its documents, limit,
// reservation, inquiries, orders and reviews, and its explanation — and a
// few hand-written oddities.
func supplierJSONSeeds(t testing.TB) [][]byte {
	ctx := context.Background()
	now := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)
	svc, err := exampleEnrolled(&now)
	require.NoError(t, err)
	orders, buyer := payment.System("orders"), payment.Buyer("buyer-1")
	usd := func(s string) payment.Money { return payment.MustParse(s, payment.USD) }
	r, err := svc.Reserve(ctx, orders, "supplier-9", "order-42", usd("10000.00"))
	require.NoError(t, err)
	_, err = svc.RecordInquiry(ctx, orders, "supplier-9", supplier.Inquiry{ID: "inq-1", ReceivedAt: now.Add(-time.Hour), RespondedAt: now})
	require.NoError(t, err)
	record := supplier.OrderRecord{OrderID: "order-41", BuyerID: buyer.ID, Value: usd("2500.00"), CompletedAt: now, OnTime: true, Disputed: true, Release: supplier.Release{Paid: usd("2450.00")}}
	_, err = svc.RecordOrder(ctx, orders, "supplier-9", record)
	require.NoError(t, err)
	_, err = svc.SetPayoutDestination(ctx, payment.Supplier("supplier-9"), "supplier-9", "acct_9")
	require.NoError(t, err)
	payout, err := svc.RequestPayout(ctx, payment.Supplier("supplier-9"), "supplier-9", "payout-1", supplier.PayoutRequest{Amount: usd("2000.00")})
	require.NoError(t, err)
	payout, err = svc.ReportPayout(ctx, orders, "supplier-9", payout.ID, supplier.PayoutOutcome{Status: supplier.PayoutFailed, Reason: payment.Reason{Code: "account_closed", Text: "the account is closed"}})
	require.NoError(t, err)
	review := supplier.ReviewRequest{OrderID: "order-41", Rating: 4, Text: "good castings, slow replies"}
	s, err := svc.AddReview(ctx, buyer, "supplier-9", review)
	require.NoError(t, err)
	explained, err := svc.Explain(ctx, "supplier-9")
	require.NoError(t, err)
	statement, err := svc.Statement(ctx, payment.Supplier("supplier-9"), "supplier-9", payment.USD, now.Add(-time.Hour), now.Add(time.Hour))
	require.NoError(t, err)
	values := []any{s, r, record, review, payout, statement, s.Limit, s.Rating, explained, s.Documents[0],
		supplier.RegisterRequest{ID: "supplier-10", Company: "Yiwu Trading", Country: "CN", EstablishedOn: now.AddDate(-3, 0, 0), MainProducts: []string{"toys"}}}
	var seeds [][]byte
	for _, v := range values {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		seeds = append(seeds, b)
	}
	for _, s := range []string{
		`null`, `{}`, `[]`, `{"rating":6,"order_id":""}`, `{"amount":{"amount":"-1.00","currency":"JPY"}}`,
		`{"id":"x","established_on":"2014-05-17T00:00:00+14:00","main_products":null,"reservations":[{}]}`,
		`{"received_at":"0000-01-01T00:00:00Z","responded_at":"9999-12-31T23:59:59.999999999Z"}`,
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}
