package coverage_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
)

// coverageJSONTypes are the types of the coverage package that decode from
// JSON; Money compares with ==, decimals by value.
var coverageJSONTypes = func() []testkit.JSONType {
	opts := []cmp.Option{
		cmp.Comparer(func(a, b payment.Money) bool { return a == b }),
		cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }),
	}
	return []testkit.JSONType{
		testkit.JSONTypeOf[coverage.Claim](opts...), testkit.JSONTypeOf[coverage.Compensation](opts...),
		testkit.JSONTypeOf[coverage.Coverage](opts...), testkit.JSONTypeOf[coverage.Inspection](opts...),
		testkit.JSONTypeOf[coverage.LateShipmentRule](opts...), testkit.JSONTypeOf[coverage.Order](opts...),
		testkit.JSONTypeOf[coverage.Payment](opts...), testkit.JSONTypeOf[coverage.Quote](opts...),
		testkit.JSONTypeOf[coverage.Rules](opts...), testkit.JSONTypeOf[coverage.Schedule](opts...),
	}
}()

// FuzzJSON decodes bytes into each JSON type of the package in turn
// (coverageJSONTypes): decoding never panics, and whatever decodes encodes
// and decodes again to an equal value (testkit.RoundTripJSON).
func FuzzJSON(f *testing.F) { testkit.FuzzJSON(f, coverageJSONSeeds(f), coverageJSONTypes) }

// TestFuzzJSONDecodesEveryType checks that FuzzJSON decodes every type of
// the package that decodes from JSON.
func TestFuzzJSONDecodesEveryType(t *testing.T) {
	testkit.CheckJSONTypes(t, ".", coverageJSONTypes)
}

// coverageJSONSeeds are the JSON documents of the package's types as the
// SDK writes them — the default rules, a late order paid in two tranches
// with a failed inspection the buyer accepted, its coverage, a quote, a
// compensation and a claim — and a few hand-written oddities.
func coverageJSONSeeds(t testing.TB) [][]byte {
	rules := coverage.DefaultRules()
	sched := coverage.Schedule{PaidAt: day(0), ProductionDays: 25, HandlingDays: 3, ShippingDays: 30}
	o := coverage.Order{ID: "order-1", Plan: coverage.PostDelivery, Value: usd(t, "3200.00"),
		Payments: []coverage.Payment{{Tranche: payment.Deposit, Amount: usd(t, "960.00"), PaidAt: day(0)},
			{Tranche: payment.Balance, Amount: usd(t, "2240.00"), PaidAt: day(27)}},
		ShipBy: sched.ShipBy(), DeliverBy: sched.DeliverBy(), ShippedAt: day(35),
		Inspection: coverage.Inspection{Result: coverage.InspectionFailed, Defects: []string{"scratches"}, BuyerAccepted: true}}
	cov, err := rules.Covered(o, usd(t, "3000.00"))
	require.NoError(t, err)
	q, err := rules.Quote(coverage.Order{ID: "order-2", Plan: coverage.PreShipment, Value: usd(t, "1000.00"), Deposit: usd(t, "300.00")}, payment.Deposit, usd(t, "300.00"), usd(t, "250.00"))
	require.NoError(t, err)
	comp, err := rules.LateCompensation(context.Background(), o, day(40), nil)
	require.NoError(t, err)
	claim := coverage.Claim{Event: coverage.LateShipment, Amount: usd(t, "64.00"), At: day(40)}
	values := []any{rules, rules.LateShipment, sched, o, o.Payments[0], o.Inspection, cov, q, comp, claim}
	var seeds [][]byte
	for _, v := range values {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		seeds = append(seeds, b)
	}
	for _, s := range []string{
		`null`, `{}`, `[]`, `{"percent":"1e-10000","cap":null,"rounding":"down"}`, `{"percent":12.5e3,"rounding":"half-up"}`,
		`{"production_days":-1,"paid_at":"2026-02-29T00:00:00Z"}`, `{"inspection":{},"ship_by":"0001-01-01T00:00:00Z"}`,
		`{"late_shipment":{"percent":"0.02","cap":{"amount":"100.00","currency":"EUR"}},"claim_window_days":0}`,
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}
