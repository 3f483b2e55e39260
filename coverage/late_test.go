package coverage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/payment"
)

func TestSchedule(t *testing.T) {
	newYork, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 30, 0, 0, time.UTC) }
	tests := []struct {
		name              string
		s                 coverage.Schedule
		shipBy, deliverBy time.Time
	}{
		{"production and handling run across a month end",
			coverage.Schedule{PaidAt: at(2026, time.January, 20), ProductionDays: 10, HandlingDays: 2, ShippingDays: 30},
			at(2026, time.February, 1), at(2026, time.March, 3)},
		{"thirty-one days from the last of January end on the third of March in a common year",
			coverage.Schedule{PaidAt: at(2027, time.January, 31), ProductionDays: 28, HandlingDays: 3, ShippingDays: 1},
			at(2027, time.March, 3), at(2027, time.March, 4)},
		{"the shipment date can fall on a leap day",
			coverage.Schedule{PaidAt: at(2028, time.February, 19), ProductionDays: 7, HandlingDays: 3, ShippingDays: 1},
			at(2028, time.February, 29), at(2028, time.March, 1)},
		{"the day after the twenty-eighth of February is the leap day in 2028",
			coverage.Schedule{PaidAt: at(2028, time.February, 28), ProductionDays: 1, ShippingDays: 1},
			at(2028, time.February, 29), at(2028, time.March, 1)},
		{"the day after the twenty-eighth of February is the first of March in 2027",
			coverage.Schedule{PaidAt: at(2027, time.February, 28), ProductionDays: 1},
			at(2027, time.March, 1), at(2027, time.March, 1)},
		{"no lead time ships and delivers at the payment instant",
			coverage.Schedule{PaidAt: at(2026, time.March, 2)},
			at(2026, time.March, 2), at(2026, time.March, 2)},
		{"calendar days keep the wall-clock time across a daylight-saving change",
			coverage.Schedule{PaidAt: time.Date(2026, time.March, 7, 12, 0, 0, 0, newYork), ProductionDays: 1, ShippingDays: 1},
			time.Date(2026, time.March, 8, 12, 0, 0, 0, newYork), time.Date(2026, time.March, 9, 12, 0, 0, 0, newYork)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, tt.s.Validate())
			require.True(t, tt.s.ShipBy().Equal(tt.shipBy), "ShipBy: got %s, want %s", tt.s.ShipBy(), tt.shipBy)
			require.True(t, tt.s.DeliverBy().Equal(tt.deliverBy), "DeliverBy: got %s, want %s", tt.s.DeliverBy(), tt.deliverBy)
		})
	}
}

func TestScheduleValidate(t *testing.T) {
	err := coverage.Schedule{ProductionDays: -1, HandlingDays: -2, ShippingDays: -3}.Validate()
	require.ErrorIs(t, err, coverage.ErrInvalidFacts)
	var joined interface{ Unwrap() []error }
	require.True(t, errors.As(err, &joined))
	require.Len(t, joined.Unwrap(), 4, "every problem is reported: %v", err)
	for _, want := range []string{"payment time", "ProductionDays", "HandlingDays", "ShippingDays"} {
		require.ErrorContains(t, err, want)
	}
	require.NoError(t, coverage.Schedule{PaidAt: day(0)}.Validate(), "zero days are valid")
}

// lateOrder is a USD 5,000.00 order paid in full on day 0, due to ship by
// day 30 and not shipped: 2% of it is USD 100.00, exactly the default cap.
func lateOrder(t testing.TB) coverage.Order {
	t.Helper()
	return coverage.Order{
		ID:        "order-7",
		Plan:      coverage.PreShipment,
		Value:     usd(t, "5000.00"),
		Payments:  []coverage.Payment{{Tranche: payment.Full, Amount: usd(t, "5000.00"), PaidAt: day(0)}},
		ShipBy:    day(30),
		DeliverBy: day(60),
	}
}

func TestLateCompensation(t *testing.T) {
	paidInFull := func(v payment.Money) func(*coverage.Order) {
		return func(o *coverage.Order) {
			o.Value = v
			o.Payments = []coverage.Payment{{Tranche: payment.Full, Amount: v, PaidAt: day(0)}}
		}
	}
	rules := func(change func(*coverage.LateShipmentRule)) func(*coverage.Rules) {
		return func(r *coverage.Rules) { change(&r.LateShipment) }
	}
	noCap := func(l *coverage.LateShipmentRule) { l.Cap = payment.Money{} }
	tests := []struct {
		name   string
		rules  func(*coverage.Rules)
		order  []func(*coverage.Order)
		now    time.Time
		rates  *fakeRates
		owed   bool
		amount payment.Money
		codes  []string
		conv   []payment.Conversion
	}{
		// When.
		{name: "nothing is owed exactly at the shipment date", now: day(30),
			amount: usd(t, "0.00"), codes: []string{coverage.ReasonNotYetLate}},
		{name: "compensation is owed a nanosecond after the shipment date", now: day(30).Add(time.Nanosecond),
			owed: true, amount: usd(t, "100.00")},
		{name: "nothing is owed when the goods shipped exactly at the shipment date",
			order: []func(*coverage.Order){func(o *coverage.Order) { o.ShippedAt = day(30) }}, now: day(40),
			amount: usd(t, "0.00"), codes: []string{coverage.ReasonShippedOnTime}},
		{name: "compensation is owed when the goods shipped a second after the shipment date",
			order: []func(*coverage.Order){func(o *coverage.Order) { o.ShippedAt = day(30).Add(time.Second) }}, now: day(40),
			owed: true, amount: usd(t, "100.00")},
		{name: "nothing is owed twice",
			order: []func(*coverage.Order){func(o *coverage.Order) { o.LateCompensationPaid = true }}, now: day(40),
			amount: usd(t, "0.00"), codes: []string{coverage.ReasonAlreadyCompensated}},
		{name: "nothing is owed when the buyer paid nothing",
			order: []func(*coverage.Order){func(o *coverage.Order) { o.Payments = nil }}, now: day(40),
			amount: usd(t, "0.00"), codes: []string{coverage.ReasonNothingPaid}},
		{name: "every reason nothing is owed is given",
			order: []func(*coverage.Order){func(o *coverage.Order) { o.ShippedAt = day(29); o.LateCompensationPaid = true }}, now: day(30),
			amount: usd(t, "0.00"), codes: []string{coverage.ReasonNotYetLate, coverage.ReasonShippedOnTime, coverage.ReasonAlreadyCompensated}},

		// How much, and the cap.
		{name: "two percent below the cap is paid in full",
			order: []func(*coverage.Order){paidInFull(usd(t, "4000.00"))}, now: day(31),
			owed: true, amount: usd(t, "80.00")},
		{name: "two percent exactly at the cap is paid and not reported as capped", now: day(31),
			owed: true, amount: usd(t, "100.00")},
		{name: "two percent one cent above the cap is capped",
			order: []func(*coverage.Order){paidInFull(usd(t, "5000.50"))}, now: day(31),
			owed: true, amount: usd(t, "100.00"), codes: []string{coverage.ReasonCompensationCapped}},
		{name: "with no cap the percentage is paid",
			rules: rules(noCap), order: []func(*coverage.Order){paidInFull(usd(t, "5000.50"))}, now: day(31),
			owed: true, amount: usd(t, "100.01")},
		{name: "the compensation is limited to what the buyer paid",
			order: []func(*coverage.Order){func(o *coverage.Order) { o.Payments[0].Amount = usd(t, "60.00") }}, now: day(31),
			owed: true, amount: usd(t, "60.00"), codes: []string{coverage.ReasonCompensationLimitedToPaid}},
		{name: "a compensation exactly equal to what the buyer paid is not limited",
			order: []func(*coverage.Order){func(o *coverage.Order) { o.Payments[0].Amount = usd(t, "100.00") }}, now: day(31),
			owed: true, amount: usd(t, "100.00")},
		{name: "a capped compensation is still limited to what the buyer paid",
			order: []func(*coverage.Order){paidInFull(usd(t, "9000.00")), func(o *coverage.Order) { o.Payments[0].Amount = usd(t, "99.99") }}, now: day(31),
			owed: true, amount: usd(t, "99.99"), codes: []string{coverage.ReasonCompensationCapped, coverage.ReasonCompensationLimitedToPaid}},

		// Rounding, with three decimals.
		{name: "half-even rounds a tie of dinars to the even fils",
			rules: rules(noCap), order: []func(*coverage.Order){paidInFull(money(t, "1000.025", payment.KWD))}, now: day(31),
			owed: true, amount: money(t, "20.000", payment.KWD)},
		{name: "half-up rounds a tie of dinars up",
			rules: rules(func(l *coverage.LateShipmentRule) { noCap(l); l.Rounding = payment.RoundHalfUp }),
			order: []func(*coverage.Order){paidInFull(money(t, "1000.025", payment.KWD))}, now: day(31),
			owed: true, amount: money(t, "20.001", payment.KWD)},
		{name: "round-down drops the fraction of a fils",
			rules: rules(func(l *coverage.LateShipmentRule) { noCap(l); l.Rounding = payment.RoundDown }),
			order: []func(*coverage.Order){paidInFull(money(t, "1000.075", payment.KWD))}, now: day(31),
			owed: true, amount: money(t, "20.001", payment.KWD)},

		// A cap in another currency.
		{name: "a euro order exactly at the converted cap is paid in full",
			order: []func(*coverage.Order){paidInFull(money(t, "4500.00", payment.EUR))}, now: day(31),
			rates: newRates(payment.USD, payment.EUR, "0.9"),
			owed:  true, amount: money(t, "90.00", payment.EUR),
			conv: []payment.Conversion{{From: payment.USD, To: payment.EUR, Rate: decimal.RequireFromString("0.9"), At: day(31)}}},
		{name: "a euro order one cent above the converted cap is capped",
			order: []func(*coverage.Order){paidInFull(money(t, "4500.50", payment.EUR))}, now: day(31),
			rates: newRates(payment.USD, payment.EUR, "0.9"),
			owed:  true, amount: money(t, "90.00", payment.EUR), codes: []string{coverage.ReasonCompensationCapped},
			conv: []payment.Conversion{{From: payment.USD, To: payment.EUR, Rate: decimal.RequireFromString("0.9"), At: day(31)}}},
		{name: "a converted cap is rounded down, so the amount at it is not capped",
			order: []func(*coverage.Order){paidInFull(money(t, "4617.00", payment.EUR))}, now: day(31),
			rates: newRates(payment.USD, payment.EUR, "0.9234567"), // the cap is EUR 92.34567
			owed:  true, amount: money(t, "92.34", payment.EUR),
			conv: []payment.Conversion{{From: payment.USD, To: payment.EUR, Rate: decimal.RequireFromString("0.9234567"), At: day(31)}}},
		{name: "a converted cap is rounded down, so one cent above it is capped to it",
			order: []func(*coverage.Order){paidInFull(money(t, "4617.50", payment.EUR))}, now: day(31),
			rates: newRates(payment.USD, payment.EUR, "0.9234567"),
			owed:  true, amount: money(t, "92.34", payment.EUR), codes: []string{coverage.ReasonCompensationCapped},
			conv: []payment.Conversion{{From: payment.USD, To: payment.EUR, Rate: decimal.RequireFromString("0.9234567"), At: day(31)}}},
		{name: "a yen order exactly at the converted cap is paid in full",
			order: []func(*coverage.Order){paidInFull(money(t, "752500", payment.JPY))}, now: day(31),
			rates: newRates(payment.USD, payment.JPY, "150.5"),
			owed:  true, amount: money(t, "15050", payment.JPY),
			conv: []payment.Conversion{{From: payment.USD, To: payment.JPY, Rate: decimal.RequireFromString("150.5"), At: day(31)}}},
		{name: "a yen order one yen above the converted cap is capped",
			order: []func(*coverage.Order){paidInFull(money(t, "752550", payment.JPY))}, now: day(31),
			rates: newRates(payment.USD, payment.JPY, "150.5"),
			owed:  true, amount: money(t, "15050", payment.JPY), codes: []string{coverage.ReasonCompensationCapped},
			conv: []payment.Conversion{{From: payment.USD, To: payment.JPY, Rate: decimal.RequireFromString("150.5"), At: day(31)}}},
		{name: "no rate is needed when nothing is owed",
			order: []func(*coverage.Order){paidInFull(money(t, "4500.00", payment.EUR))}, now: day(30),
			amount: money(t, "0.00", payment.EUR), codes: []string{coverage.ReasonNotYetLate}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := coverage.DefaultRules()
			if tt.rules != nil {
				tt.rules(&r)
			}
			o := lateOrder(t)
			for _, c := range tt.order {
				c(&o)
			}
			var rates payment.Rates // nil unless the case converts
			if tt.rates != nil {
				rates = tt.rates
			}
			got, err := r.LateCompensation(t.Context(), o, tt.now, rates)
			require.NoError(t, err)
			require.Equal(t, tt.codes, codes(got.Reasons))
			got.Reasons = nil
			requireSame(t, coverage.Compensation{Owed: tt.owed, Amount: tt.amount, Conversions: tt.conv}, got)
			if tt.rates != nil {
				require.Equal(t, len(tt.conv), tt.rates.calls, "rates is asked once, and only when converting")
			}
		})
	}
}

func TestLateCompensationReasonText(t *testing.T) {
	o := lateOrder(t)
	o.Value = money(t, "4500.50", payment.EUR)
	o.Payments[0].Amount = money(t, "4500.50", payment.EUR)
	got, err := coverage.DefaultRules().LateCompensation(t.Context(), o, day(31), newRates(payment.USD, payment.EUR, "0.9"))
	require.NoError(t, err)
	requireSame(t, []payment.Reason{{
		Code: coverage.ReasonCompensationCapped,
		Text: "2% of the order value of EUR 4500.50 is EUR 90.01, above the cap of USD 100.00 (EUR 90.00 at 0.9 EUR per USD)",
	}}, got.Reasons)
}

func TestLateCompensationNeedsARate(t *testing.T) {
	euroOrder := lateOrder(t)
	euroOrder.Value = money(t, "4500.00", payment.EUR)
	euroOrder.Payments[0].Amount = money(t, "4500.00", payment.EUR)
	canceled := &fakeRates{err: context.Canceled}
	tests := []struct {
		name  string
		rates payment.Rates
		also  error
	}{
		{"no Rates at all", nil, nil},
		{"a Rates without the pair", newRates(payment.USD, payment.JPY, "150"), nil},
		{"a Rates that fails", canceled, context.Canceled},
		{"a zero rate", newRates(payment.USD, payment.EUR, "0"), nil},
		{"a negative rate", newRates(payment.USD, payment.EUR, "-0.9"), nil},
	}
	for _, tt := range tests {
		t.Run("fails with "+tt.name, func(t *testing.T) {
			got, err := coverage.DefaultRules().LateCompensation(t.Context(), euroOrder, day(31), tt.rates)
			require.ErrorIs(t, err, payment.ErrNoRate)
			if tt.also != nil {
				require.ErrorIs(t, err, tt.also)
			}
			requireSame(t, coverage.Compensation{}, got)
		})
	}
}

func TestLateCompensationRefusesBadFacts(t *testing.T) {
	o := lateOrder(t)
	_, err := coverage.DefaultRules().LateCompensation(t.Context(), o, time.Time{}, nil)
	require.ErrorIs(t, err, coverage.ErrInvalidFacts, "no time")
	o.ShipBy = time.Time{}
	_, err = coverage.DefaultRules().LateCompensation(t.Context(), o, day(31), nil)
	require.ErrorIs(t, err, coverage.ErrInvalidFacts, "no shipment date")
	o = lateOrder(t)
	o.Payments[0].Amount = money(t, "5000.00", payment.EUR)
	_, err = coverage.DefaultRules().LateCompensation(t.Context(), o, day(31), nil)
	require.ErrorIs(t, err, payment.ErrCurrencyMismatch, "a payment in another currency")
}
