package coverage_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/payment"
)

func TestDefaultRules(t *testing.T) {
	want := coverage.Rules{
		ClaimWindowDays:       30,
		AfterFailedInspection: coverage.CoverUnnamedDefects,
		LateShipment: coverage.LateShipmentRule{
			Percent:  decimal.RequireFromString("0.02"),
			Cap:      usd(t, "100.00"),
			Rounding: payment.RoundHalfEven,
		},
	}
	requireSame(t, want, coverage.DefaultRules())
	require.NoError(t, coverage.DefaultRules().Validate())
}

func TestRulesValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*coverage.Rules)
		want   []string // substrings, one per problem; none for valid rules
	}{
		{"the defaults are valid", func(*coverage.Rules) {}, nil},
		{"a one-day window is valid", func(r *coverage.Rules) { r.ClaimWindowDays = 1 }, nil},
		{"a zero-day window is refused", func(r *coverage.Rules) { r.ClaimWindowDays = 0 }, []string{"ClaimWindowDays"}},
		{"a negative window is refused", func(r *coverage.Rules) { r.ClaimWindowDays = -1 }, []string{"ClaimWindowDays"}},
		{"an unknown policy is refused", func(r *coverage.Rules) { r.AfterFailedInspection = "cover_some" }, []string{"AfterFailedInspection"}},
		{"no policy is refused", func(r *coverage.Rules) { r.AfterFailedInspection = "" }, []string{"AfterFailedInspection"}},
		{"each policy is valid", func(r *coverage.Rules) { r.AfterFailedInspection = coverage.CoverNothing }, nil},
		{"a percent of 100% is valid", func(r *coverage.Rules) { r.LateShipment.Percent = decimal.New(1, 0) }, nil},
		{"a percent just above 100% is refused", func(r *coverage.Rules) { r.LateShipment.Percent = decimal.RequireFromString("1.0001") }, []string{"Percent"}},
		{"a zero percent is refused", func(r *coverage.Rules) { r.LateShipment.Percent = decimal.Zero }, []string{"Percent"}},
		{"a negative percent is refused", func(r *coverage.Rules) { r.LateShipment.Percent = decimal.RequireFromString("-0.02") }, []string{"Percent"}},
		{"no cap is valid", func(r *coverage.Rules) { r.LateShipment.Cap = payment.Money{} }, nil},
		{"a one-cent cap is valid", func(r *coverage.Rules) { r.LateShipment.Cap = usd(t, "0.01") }, nil},
		{"a zero cap is refused", func(r *coverage.Rules) { r.LateShipment.Cap = usd(t, "0.00") }, []string{"Cap"}},
		{"a negative cap is refused", func(r *coverage.Rules) { r.LateShipment.Cap = usd(t, "-1.00") }, []string{"Cap"}},
		{"an unknown rounding mode is refused", func(r *coverage.Rules) { r.LateShipment.Rounding = 9 }, []string{"Rounding"}},
		{"the zero rules report every problem at once", func(r *coverage.Rules) { *r = coverage.Rules{} },
			[]string{"ClaimWindowDays", "AfterFailedInspection", "Percent"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := coverage.DefaultRules()
			tt.change(&r)
			err := r.Validate()
			if len(tt.want) == 0 {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, coverage.ErrInvalidRules)
			var joined interface{ Unwrap() []error }
			require.True(t, errors.As(err, &joined), "Validate joins its problems")
			require.Len(t, joined.Unwrap(), len(tt.want))
			for i, w := range tt.want {
				require.Contains(t, joined.Unwrap()[i].Error(), w)
			}
		})
	}
}

func TestRulesAreCheckedByEveryMethod(t *testing.T) {
	r := coverage.DefaultRules()
	r.ClaimWindowDays = 0
	o := baseOrder(t)
	_, err := r.Covered(o, usd(t, "1.00"))
	require.ErrorIs(t, err, coverage.ErrInvalidRules)
	_, err = r.Quote(coverage.Order{ID: "o", Plan: coverage.PostDelivery, Value: usd(t, "1.00")}, payment.Full, usd(t, "1.00"), usd(t, "1.00"))
	require.ErrorIs(t, err, coverage.ErrInvalidRules)
	err = r.Check(o, coverage.Claim{Event: coverage.NonDelivery, Amount: usd(t, "1.00"), At: day(61)}, usd(t, "1.00"))
	requireNotRefusal(t, err, coverage.ErrInvalidRules)
	_, err = r.LateCompensation(t.Context(), o, day(31), nil)
	require.ErrorIs(t, err, coverage.ErrInvalidRules)
}

func TestPlanCovers(t *testing.T) {
	type row struct{ pre, post bool }
	want := map[coverage.Event]row{
		coverage.LateShipment:                {true, true},
		coverage.NonDelivery:                 {true, true},
		coverage.NotAsDescribedQuality:       {false, true},
		coverage.NotAsDescribedQuantity:      {false, true},
		coverage.NotAsDescribedSpecification: {false, true},
		coverage.NotAsDescribedPackaging:     {false, true},
		coverage.DamagedOnArrival:            {false, true},
		coverage.ChangeOfMind:                {false, false},
		"lost_interest":                      {false, false},
	}
	for e, w := range want {
		t.Run(string(e), func(t *testing.T) {
			require.Equal(t, w.pre, coverage.PreShipment.Covers(e), "pre-shipment")
			require.Equal(t, w.post, coverage.PostDelivery.Covers(e), "post-delivery")
			require.False(t, coverage.Plan("premium").Covers(e), "an unknown plan covers nothing")
			require.Equal(t, w.post, e.Covered(), "the programme covers what post-delivery covers")
		})
	}
	require.Len(t, coverage.Events(), len(want)-1, "Events lists every defined event")
	for _, e := range coverage.Events() {
		require.True(t, e.Valid(), "%s", e)
		_, ok := want[e]
		require.True(t, ok, "%s has a row above", e)
	}
	require.False(t, coverage.Event("").Valid())
	require.True(t, coverage.PreShipment.Valid())
	require.True(t, coverage.PostDelivery.Valid())
	require.False(t, coverage.Plan("").Valid())
}

func TestClaimDeadline(t *testing.T) {
	newYork, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	tests := []struct {
		name        string
		days        int
		deliveredAt time.Time
		want        time.Time
	}{
		{"thirty calendar days after delivery, at the same time",
			30, day(0), time.Date(2026, time.April, 1, 9, 0, 0, 0, time.UTC)},
		{"across the end of a short February",
			30, time.Date(2026, time.January, 31, 23, 59, 59, 0, time.UTC), time.Date(2026, time.March, 2, 23, 59, 59, 0, time.UTC)},
		{"across a leap day",
			30, time.Date(2028, time.February, 15, 9, 0, 0, 0, time.UTC), time.Date(2028, time.March, 16, 9, 0, 0, 0, time.UTC)},
		{"across a daylight-saving change, at the same wall-clock time",
			30, time.Date(2026, time.March, 1, 12, 0, 0, 0, newYork), time.Date(2026, time.March, 31, 12, 0, 0, 0, newYork)},
		{"with a configured window", 7, day(0), day(7)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := coverage.DefaultRules()
			r.ClaimWindowDays = tt.days
			got := r.ClaimDeadline(tt.deliveredAt)
			require.True(t, got.Equal(tt.want), "got %s, want %s", got, tt.want)
		})
	}
}

func TestNotCoveredErrorMessage(t *testing.T) {
	err := &coverage.NotCoveredError{OrderID: "order-42", Event: coverage.ChangeOfMind, Reasons: []payment.Reason{
		{Code: "a.b", Text: "one"}, {Code: "c.d", Text: "two"},
	}}
	require.Equal(t, "coverage: claim for change_of_mind on order order-42 not covered: a.b: one; c.d: two", err.Error())
	require.True(t, errors.Is(err, coverage.ErrNotCovered))
	require.True(t, strings.HasPrefix(coverage.ErrInvalidClaim.Error(), "coverage: "))
}

func TestRulesLoadFromJSON(t *testing.T) {
	data, err := json.Marshal(coverage.DefaultRules())
	require.NoError(t, err)
	require.JSONEq(t, `{
		"claim_window_days": 30,
		"after_failed_inspection": "cover_unnamed_defects",
		"late_shipment": {"percent": "0.02", "cap": {"amount": "100.00", "currency": "USD"}, "rounding": "half-even"}
	}`, string(data))

	var r coverage.Rules
	require.NoError(t, json.Unmarshal([]byte(`{
		"claim_window_days": 45,
		"after_failed_inspection": "cover_nothing",
		"late_shipment": {"percent": "0.015", "cap": null, "rounding": "half-up"}
	}`), &r))
	require.NoError(t, r.Validate())
	requireSame(t, coverage.Rules{
		ClaimWindowDays:       45,
		AfterFailedInspection: coverage.CoverNothing,
		LateShipment:          coverage.LateShipmentRule{Percent: decimal.RequireFromString("0.015"), Rounding: payment.RoundHalfUp},
	}, r)
}
