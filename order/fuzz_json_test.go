package order_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
)

// orderJSONTypes are the types of the order package that decode from JSON;
// Money compares with ==, decimals by value.
var orderJSONTypes = func() []testkit.JSONType {
	opts := []cmp.Option{
		cmp.Comparer(func(a, b payment.Money) bool { return a == b }),
		cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }),
	}
	return []testkit.JSONType{
		testkit.JSONTypeOf[order.Action](opts...), testkit.JSONTypeOf[order.History](opts...), testkit.JSONTypeOf[order.Coverage](opts...),
		testkit.JSONTypeOf[order.CreateRequest](opts...), testkit.JSONTypeOf[order.DisputeRecord](opts...),
		testkit.JSONTypeOf[order.DisputeRequest](opts...),
		testkit.JSONTypeOf[order.Due](opts...), testkit.JSONTypeOf[order.InspectionReport](opts...),
		testkit.JSONTypeOf[order.LateShipment](opts...), testkit.JSONTypeOf[order.LineItem](opts...),
		testkit.JSONTypeOf[order.Modification](opts...), testkit.JSONTypeOf[order.ModificationRules](opts...),
		testkit.JSONTypeOf[order.Notice](opts...), testkit.JSONTypeOf[order.Order](opts...),
		testkit.JSONTypeOf[order.PayRequest](opts...), testkit.JSONTypeOf[order.Resolution](opts...),
		testkit.JSONTypeOf[order.Rules](opts...), testkit.JSONTypeOf[order.Schedule](opts...),
		testkit.JSONTypeOf[order.Shipment](opts...), testkit.JSONTypeOf[order.Spec](opts...),
		testkit.JSONTypeOf[order.SweepReport](opts...),
		testkit.JSONTypeOf[order.Terms](opts...), testkit.JSONTypeOf[order.TrackingEvent](opts...),
		testkit.JSONTypeOf[order.TranchePayment](opts...),
	}
}()

// FuzzJSON decodes bytes into each JSON type of the package in turn
// (orderJSONTypes): decoding never panics, and whatever decodes encodes and
// decodes again to an equal value (testkit.RoundTripJSON).
func FuzzJSON(f *testing.F) { testkit.FuzzJSON(f, orderJSONSeeds(f), orderJSONTypes) }

// TestFuzzJSONDecodesEveryType checks that FuzzJSON decodes every type of
// the package that decodes from JSON.
func TestFuzzJSONDecodesEveryType(t *testing.T) {
	testkit.CheckJSONTypes(t, ".", orderJSONTypes)
}

// orderJSONSeeds are the JSON documents of the package's types as the SDK
// writes them — an order through its whole life, with the notices it
// published; an order whose draft was modified, then disputed in
// production and resumed with a late-shipment compensation, and the
// sweep's report — and a few hand-written oddities.
func orderJSONSeeds(t testing.TB) [][]byte {
	ctx := context.Background()
	w := newWorld(t)
	done := w.run(t, "o-done", happyPath())

	o := w.create(t, "o-disputed", wTerms())
	changed := wTerms()
	changed.Route, changed.Items[0].Spec.DesignFiles = "Ningbo - Hamburg by sea", []string{"https://files.example.com/chair.dwg"}
	_, err := w.svc.ProposeModification(ctx, wSupplier, o.ID, "mod-1", changed)
	require.NoError(t, err)
	_, err = w.svc.Submit(ctx, wSupplier, o.ID, "submit")
	require.NoError(t, err)
	_, err = w.svc.Confirm(ctx, wBuyer, o.ID, "confirm")
	require.NoError(t, err)
	w.pay(t, o.ID, payment.Deposit)
	_, err = w.svc.StartProduction(ctx, wSupplier, o.ID, "start")
	require.NoError(t, err)
	_, err = w.svc.OpenDispute(ctx, wDisputes, o.ID, order.DisputeRequest{CaseID: "case-1", Claimant: wBuyer})
	require.NoError(t, err)
	resolution := order.Resolution{CaseID: "case-1", Continue: true, Compensate: usd("48.00"), LateShipment: true, SupplierAtFault: true}
	disputed, err := w.svc.ResolveDispute(ctx, wDisputes, o.ID, resolution)
	require.NoError(t, err)
	w.clock.Advance(90 * 24 * time.Hour)
	report, err := w.svc.Sweep(ctx, w.clock.Now())
	require.NoError(t, err)
	dues, err := disputed.Terms.Tranches()
	require.NoError(t, err)

	values := []any{done, disputed, done.Terms, done.Terms.Items[0], done.Terms.Schedule, done.Shipment, done.Shipment.Departure,
		done.History.At(0), done.History, done.Payments[0], done.Inspections, disputed.Modifications[0], disputed.Disputes[0],
		disputed.LateShipment, disputed.Coverage, dues, resolution, report, w.svc.Rules(),
		order.CreateRequest{ID: "o-new", BuyerID: wBuyer.ID, Terms: wTerms()},
		order.PayRequest{Tranche: payment.Deposit, BuyerCountry: "US", Instrument: payment.Instrument{Method: payment.PayLater},
			Credit: &payment.CreditLine{Limit: usd("5000.00"), Used: usd("0.00"), TermDays: 30}},
	}
	notices, err := w.delivered()
	require.NoError(t, err)
	values = append(values, notices[0], notices[len(notices)-1])
	var seeds [][]byte
	for _, v := range values {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		seeds = append(seeds, b)
	}
	for _, s := range []string{
		`null`, `{}`, `[]`, `{"items":[{"quantity":-1,"unit_price":{"amount":"0.00","currency":"USD"}}],"currency":"usd"}`,
		`{"shipment":{},"late_shipment":{},"deadline":"0001-01-01T00:00:00Z","version":-9223372036854775808}`,
		`{"tranche":"deposit","credit":null,"instrument":{"method":"card","network":"visa"}}`,
		`{"seq":1,"event":"resume_shipped","by":{"role":"system","id":""},"at":"2026-03-02T09:00:00+01:00"}`,
		`{"at":"2026-03-02T09:00:00Z","estimated_arrival":"2026-03-02T09:00:00+00:00","mode":"teleport"}`,
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}
