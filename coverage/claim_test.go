package coverage_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/payment"
)

// deliveredOrder is baseOrder shipped on day 25 and delivered on day 50:
// its claim window closes on day 80 at 09:00 UTC.
func deliveredOrder(t testing.TB) coverage.Order {
	o := baseOrder(t)
	o.ShippedAt = day(25)
	o.DeliveredAt = day(50)
	return o
}

// failedInspection is an inspection that named two defects, accepted by
// the buyer.
func failedInspection(o *coverage.Order) {
	o.Inspection = coverage.Inspection{Result: coverage.InspectionFailed, Defects: []string{"stitching", "colour"}, BuyerAccepted: true}
}

func TestCheck(t *testing.T) {
	const covered = "10000.00"
	quality := func(at time.Time, defects ...string) coverage.Claim {
		return coverage.Claim{Event: coverage.NotAsDescribedQuality, Amount: usd(t, "500.00"), At: at, Defects: defects}
	}
	event := func(e coverage.Event, at time.Time) coverage.Claim {
		return coverage.Claim{Event: e, Amount: usd(t, "500.00"), At: at}
	}
	pre := func(o *coverage.Order) { o.Plan = coverage.PreShipment }
	undelivered := func(o *coverage.Order) { o.DeliveredAt = time.Time{} }
	unshipped := func(o *coverage.Order) { o.ShippedAt, o.DeliveredAt = time.Time{}, time.Time{} }
	policy := func(p coverage.AcceptancePolicy) func(*coverage.Rules) {
		return func(r *coverage.Rules) { r.AfterFailedInspection = p }
	}
	tests := []struct {
		name    string
		rules   func(*coverage.Rules)
		order   []func(*coverage.Order)
		claim   coverage.Claim
		covered string // the order's covered amount; covered above when empty
		want    []string
		known   []string
	}{
		// Goods not as described, damage, and the claim window.
		{name: "a quality claim within the window is covered", claim: quality(day(60))},
		{name: "a claim at the very instant of delivery is covered", claim: quality(day(50))},
		{name: "a claim a second before delivery is refused as not delivered", claim: quality(day(50).Add(-time.Second)),
			want: []string{coverage.ReasonNotDelivered}},
		{name: "a claim on goods never delivered is refused as not delivered", order: []func(*coverage.Order){undelivered},
			claim: quality(day(70)), want: []string{coverage.ReasonNotDelivered}},
		{name: "a claim at the last instant of the window is covered", claim: quality(day(80))},
		{name: "a claim a nanosecond after the window closed is refused", claim: quality(day(80).Add(time.Nanosecond)),
			want: []string{coverage.ReasonOutsideWindow}},
		{name: "a claim a second after the window closed is refused", claim: quality(day(80).Add(time.Second)),
			want: []string{coverage.ReasonOutsideWindow}},
		{name: "a claim a day after the window closed is refused", claim: quality(day(81)),
			want: []string{coverage.ReasonOutsideWindow}},
		{name: "a configured seven-day window closes seven days after delivery", rules: func(r *coverage.Rules) { r.ClaimWindowDays = 7 },
			claim: quality(day(57).Add(time.Second)), want: []string{coverage.ReasonOutsideWindow}},
		{name: "a quantity claim is covered after delivery", claim: event(coverage.NotAsDescribedQuantity, day(51))},
		{name: "a specification claim is covered after delivery", claim: event(coverage.NotAsDescribedSpecification, day(51))},
		{name: "a packaging claim is covered after delivery", claim: event(coverage.NotAsDescribedPackaging, day(51))},
		{name: "damage on arrival is covered within the window", claim: event(coverage.DamagedOnArrival, day(51))},
		{name: "damage on arrival after the window is refused", claim: event(coverage.DamagedOnArrival, day(81)),
			want: []string{coverage.ReasonOutsideWindow}},

		// Change of mind and the pre-shipment plan.
		{name: "a change of mind is never covered", claim: event(coverage.ChangeOfMind, day(51)),
			want: []string{coverage.ReasonChangeOfMind}},
		{name: "a change of mind is not covered under the pre-shipment plan either", order: []func(*coverage.Order){pre},
			claim: event(coverage.ChangeOfMind, day(51)), want: []string{coverage.ReasonChangeOfMind}},
		{name: "the pre-shipment plan refuses a quality claim", order: []func(*coverage.Order){pre},
			claim: quality(day(60)), want: []string{coverage.ReasonPlanExcludesEvent}},
		{name: "the pre-shipment plan refuses damage on arrival", order: []func(*coverage.Order){pre},
			claim: event(coverage.DamagedOnArrival, day(60)), want: []string{coverage.ReasonPlanExcludesEvent}},
		{name: "the pre-shipment plan covers non-delivery", order: []func(*coverage.Order){pre, undelivered},
			claim: event(coverage.NonDelivery, day(61))},
		{name: "the pre-shipment plan covers late shipment", order: []func(*coverage.Order){pre, unshipped},
			claim: event(coverage.LateShipment, day(31))},

		// Non-delivery and the delivery deadline.
		{name: "non-delivery exactly at the delivery deadline is not yet due", order: []func(*coverage.Order){undelivered},
			claim: event(coverage.NonDelivery, day(60)), want: []string{coverage.ReasonDeliveryNotDue}},
		{name: "non-delivery a nanosecond after the delivery deadline is covered", order: []func(*coverage.Order){undelivered},
			claim: event(coverage.NonDelivery, day(60).Add(time.Nanosecond))},
		{name: "non-delivery of goods never shipped is covered after the deadline", order: []func(*coverage.Order){unshipped},
			claim: event(coverage.NonDelivery, day(61))},
		{name: "non-delivery of delivered goods is refused", claim: event(coverage.NonDelivery, day(61)),
			want: []string{coverage.ReasonDelivered}},
		{name: "non-delivery claimed before the goods arrived late is covered",
			order: []func(*coverage.Order){func(o *coverage.Order) { o.DeliveredAt = day(70) }},
			claim: event(coverage.NonDelivery, day(65))},
		{name: "non-delivery claimed early on goods delivered early gives both reasons",
			order: []func(*coverage.Order){func(o *coverage.Order) { o.DeliveredAt = day(40) }},
			claim: event(coverage.NonDelivery, day(45)), want: []string{coverage.ReasonDeliveryNotDue, coverage.ReasonDelivered}},

		// Late shipment and the agreed shipment date.
		{name: "late shipment exactly at the shipment date is not yet late", order: []func(*coverage.Order){unshipped},
			claim: event(coverage.LateShipment, day(30)), want: []string{coverage.ReasonNotYetLate}},
		{name: "late shipment a nanosecond after the shipment date is covered", order: []func(*coverage.Order){unshipped},
			claim: event(coverage.LateShipment, day(30).Add(time.Nanosecond))},
		{name: "goods shipped exactly at the shipment date were on time",
			order: []func(*coverage.Order){func(o *coverage.Order) { o.ShippedAt = day(30) }},
			claim: event(coverage.LateShipment, day(31)), want: []string{coverage.ReasonShippedOnTime}},
		{name: "goods shipped a second after the shipment date were late",
			order: []func(*coverage.Order){func(o *coverage.Order) { o.ShippedAt = day(30).Add(time.Second) }},
			claim: event(coverage.LateShipment, day(31))},
		{name: "late shipment already compensated is refused",
			order: []func(*coverage.Order){unshipped, func(o *coverage.Order) { o.LateCompensationPaid = true }},
			claim: event(coverage.LateShipment, day(31)), want: []string{coverage.ReasonAlreadyCompensated}},

		// Acceptance after a failed inspection.
		{name: "by default a claim about a defect the report did not name is covered",
			order: []func(*coverage.Order){failedInspection}, claim: quality(day(60), "zip")},
		{name: "by default a claim about a defect the report named is refused",
			order: []func(*coverage.Order){failedInspection}, claim: quality(day(60), "stitching"),
			want: []string{coverage.ReasonDefectNamedInInspection}, known: []string{"stitching"}},
		{name: "by default a claim naming known and new defects is refused for the known ones",
			order: []func(*coverage.Order){failedInspection}, claim: quality(day(60), "zip", "colour", "stitching"),
			want: []string{coverage.ReasonDefectNamedInInspection}, known: []string{"colour", "stitching"}},
		{name: "by default a claim that names no defect is refused as unspecified",
			order: []func(*coverage.Order){failedInspection}, claim: quality(day(60)),
			want: []string{coverage.ReasonDefectsUnspecified}},
		{name: "by default damage the report did not name is covered",
			order: []func(*coverage.Order){failedInspection},
			claim: coverage.Claim{Event: coverage.DamagedOnArrival, Amount: usd(t, "1.00"), At: day(60), Defects: []string{"crushed-carton"}}},
		{name: "by default a failed inspection that named nothing leaves every claim covered",
			order: []func(*coverage.Order){failedInspection, func(o *coverage.Order) { o.Inspection.Defects = nil }},
			claim: quality(day(60))},
		{name: "by default a failed inspection the buyer did not accept changes nothing",
			order: []func(*coverage.Order){failedInspection, func(o *coverage.Order) { o.Inspection.BuyerAccepted = false }},
			claim: quality(day(60), "stitching")},
		{name: "an accepted failed inspection does not affect non-delivery",
			order: []func(*coverage.Order){failedInspection, undelivered}, claim: event(coverage.NonDelivery, day(61))},
		{name: "cover-nothing refuses a claim about a defect the report did not name",
			rules: policy(coverage.CoverNothing), order: []func(*coverage.Order){failedInspection},
			claim: quality(day(60), "zip"), want: []string{coverage.ReasonAcceptedFailedInspection}},
		{name: "cover-nothing refuses a claim about a defect the report named",
			rules: policy(coverage.CoverNothing), order: []func(*coverage.Order){failedInspection},
			claim: quality(day(60), "stitching"), want: []string{coverage.ReasonAcceptedFailedInspection}},
		{name: "cover-nothing refuses damage on arrival",
			rules: policy(coverage.CoverNothing), order: []func(*coverage.Order){failedInspection},
			claim: event(coverage.DamagedOnArrival, day(60)), want: []string{coverage.ReasonAcceptedFailedInspection}},
		{name: "cover-nothing still covers late shipment",
			rules: policy(coverage.CoverNothing), order: []func(*coverage.Order){failedInspection, func(o *coverage.Order) { o.ShippedAt = day(31) }},
			claim: event(coverage.LateShipment, day(32))},
		{name: "cover-everything covers a claim about a defect the report named",
			rules: policy(coverage.CoverEverything), order: []func(*coverage.Order){failedInspection},
			claim: quality(day(60), "stitching")},
		{name: "cover-everything covers a claim about a defect the report did not name",
			rules: policy(coverage.CoverEverything), order: []func(*coverage.Order){failedInspection},
			claim: quality(day(60), "zip")},
		{name: "cover-everything still closes the window",
			rules: policy(coverage.CoverEverything), order: []func(*coverage.Order){failedInspection},
			claim: quality(day(81), "stitching"), want: []string{coverage.ReasonOutsideWindow}},

		// The amount.
		{name: "an amount exactly at the covered amount is covered",
			claim: coverage.Claim{Event: coverage.NotAsDescribedQuality, Amount: usd(t, "8000.00"), At: day(60)}, covered: "8000.00"},
		{name: "an amount one cent above the covered amount is refused",
			claim: coverage.Claim{Event: coverage.NotAsDescribedQuality, Amount: usd(t, "8000.01"), At: day(60)}, covered: "8000.00",
			want: []string{coverage.ReasonAmountAboveCovered}},
		{name: "any amount is refused when nothing is covered",
			claim: coverage.Claim{Event: coverage.NotAsDescribedQuality, Amount: usd(t, "0.01"), At: day(60)}, covered: "0.00",
			want: []string{coverage.ReasonAmountAboveCovered}},

		// Every reason at once.
		{name: "a pre-shipment quality claim after the window and above the covered amount gives every reason",
			order:   []func(*coverage.Order){pre, failedInspection},
			claim:   coverage.Claim{Event: coverage.NotAsDescribedQuality, Amount: usd(t, "3000.01"), At: day(90), Defects: []string{"stitching"}},
			covered: "3000.00",
			want: []string{coverage.ReasonPlanExcludesEvent, coverage.ReasonOutsideWindow, coverage.ReasonDefectNamedInInspection,
				coverage.ReasonAmountAboveCovered},
			known: []string{"stitching"}},
		{name: "a change of mind before delivery above the covered amount gives every reason",
			order: []func(*coverage.Order){undelivered},
			claim: coverage.Claim{Event: coverage.ChangeOfMind, Amount: usd(t, "10000.01"), At: day(40)},
			want:  []string{coverage.ReasonChangeOfMind, coverage.ReasonAmountAboveCovered}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := coverage.DefaultRules()
			if tt.rules != nil {
				tt.rules(&r)
			}
			o := deliveredOrder(t)
			for _, c := range tt.order {
				c(&o)
			}
			cov := covered
			if tt.covered != "" {
				cov = tt.covered
			}
			nc := refusal(t, r.Check(o, tt.claim, usd(t, cov)))
			if tt.want == nil {
				require.Nil(t, nc, "want the claim covered")
				return
			}
			require.NotNil(t, nc, "want the claim refused")
			require.Equal(t, tt.want, codes(nc.Reasons))
			require.Equal(t, tt.known, nc.KnownDefects)
			require.Equal(t, o.ID, nc.OrderID)
			require.Equal(t, tt.claim.Event, nc.Event)
		})
	}
}

func TestCheckCurrencies(t *testing.T) {
	t.Run("yen: a claim one yen above the covered amount is refused", func(t *testing.T) {
		o := deliveredOrder(t)
		o.Value = money(t, "1500000", payment.JPY)
		o.Payments = []coverage.Payment{{Tranche: payment.Full, Amount: money(t, "1500000", payment.JPY), PaidAt: day(0)}}
		claim := coverage.Claim{Event: coverage.DamagedOnArrival, Amount: money(t, "1000000", payment.JPY), At: day(51)}
		require.NoError(t, coverage.DefaultRules().Check(o, claim, money(t, "1000000", payment.JPY)))
		claim.Amount = money(t, "1000001", payment.JPY)
		nc := refusal(t, coverage.DefaultRules().Check(o, claim, money(t, "1000000", payment.JPY)))
		requireSame(t, &coverage.NotCoveredError{OrderID: "order-42", Event: coverage.DamagedOnArrival, Reasons: []payment.Reason{{
			Code: coverage.ReasonAmountAboveCovered,
			Text: "the claim asks for JPY 1000001; the order's covered amount is JPY 1000000",
		}}}, nc)
	})
	t.Run("dinars: a claim one fils above the covered amount is refused", func(t *testing.T) {
		o := deliveredOrder(t)
		o.Value = money(t, "2000.000", payment.KWD)
		o.Payments = []coverage.Payment{{Tranche: payment.Full, Amount: money(t, "2000.000", payment.KWD), PaidAt: day(0)}}
		claim := coverage.Claim{Event: coverage.NotAsDescribedQuantity, Amount: money(t, "1500.250", payment.KWD), At: day(51)}
		require.NoError(t, coverage.DefaultRules().Check(o, claim, money(t, "1500.250", payment.KWD)))
		claim.Amount = money(t, "1500.251", payment.KWD)
		nc := refusal(t, coverage.DefaultRules().Check(o, claim, money(t, "1500.250", payment.KWD)))
		require.Equal(t, []string{coverage.ReasonAmountAboveCovered}, codes(nc.Reasons))
	})
}

func TestCheckWindowAcrossDaylightSaving(t *testing.T) {
	newYork, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	o := deliveredOrder(t)
	o.DeliveredAt = time.Date(2026, time.March, 1, 12, 0, 0, 0, newYork) // EST; the window ends in EDT
	o.ShippedAt = o.DeliveredAt.Add(-24 * time.Hour)
	o.ShipBy, o.DeliverBy = time.Time{}, time.Time{}
	claim := coverage.Claim{Event: coverage.NotAsDescribedQuality, Amount: usd(t, "1.00")}

	claim.At = time.Date(2026, time.March, 31, 12, 0, 0, 0, newYork) // 30 calendar days, 719 hours
	require.NoError(t, coverage.DefaultRules().Check(o, claim, usd(t, "1.00")), "the last instant of the window")
	claim.At = o.DeliveredAt.Add(30 * 24 * time.Hour) // 13:00 EDT: an hour past the window
	nc := refusal(t, coverage.DefaultRules().Check(o, claim, usd(t, "1.00")))
	require.Equal(t, []string{coverage.ReasonOutsideWindow}, codes(nc.Reasons))
}

func TestCheckReasonText(t *testing.T) {
	o := deliveredOrder(t)
	o.Plan = coverage.PreShipment
	failedInspection(&o)
	err := coverage.DefaultRules().Check(o, coverage.Claim{
		Event: coverage.NotAsDescribedQuality, Amount: usd(t, "500.00"), At: day(81), Defects: []string{"zip", "stitching"},
	}, usd(t, "3000.00"))
	nc := refusal(t, err)
	requireSame(t, &coverage.NotCoveredError{
		OrderID: "order-42",
		Event:   coverage.NotAsDescribedQuality,
		Reasons: []payment.Reason{
			{Code: coverage.ReasonPlanExcludesEvent, Text: "the pre_shipment plan does not cover not_as_described_quality; it covers late_shipment, non_delivery"},
			{Code: coverage.ReasonOutsideWindow, Text: "the claim was filed at 2026-05-22T09:00:00Z, after the claim window closed at 2026-05-21T09:00:00Z (30 days after delivery at 2026-04-21T09:00:00Z)"},
			{Code: coverage.ReasonDefectNamedInInspection, Text: "the buyer accepted the goods after a failed inspection that named stitching; those defects are not covered (a claim for the others alone may be filed)"},
		},
		KnownDefects: []string{"stitching"},
	}, nc)
}

func TestCheckRefusesBadInput(t *testing.T) {
	good := coverage.Claim{Event: coverage.NotAsDescribedQuality, Amount: usd(t, "1.00"), At: day(60)}
	tests := []struct {
		name    string
		order   func(*coverage.Order)
		claim   func(*coverage.Claim)
		covered *payment.Money // USD 1.00 when nil
		want    error
	}{
		{name: "an unknown event", claim: func(c *coverage.Claim) { c.Event = "buyer_remorse" }, want: coverage.ErrInvalidClaim},
		{name: "no event", claim: func(c *coverage.Claim) { c.Event = "" }, want: coverage.ErrInvalidClaim},
		{name: "a negative amount", claim: func(c *coverage.Claim) { c.Amount = usd(t, "-1.00") }, want: coverage.ErrInvalidClaim},
		{name: "a zero amount", claim: func(c *coverage.Claim) { c.Amount = usd(t, "0.00") }, want: coverage.ErrInvalidClaim},
		{name: "no amount", claim: func(c *coverage.Claim) { c.Amount = payment.Money{} }, want: coverage.ErrInvalidClaim},
		{name: "an amount in another currency", claim: func(c *coverage.Claim) { c.Amount = money(t, "1.00", payment.EUR) }, want: payment.ErrCurrencyMismatch},
		{name: "no filing time", claim: func(c *coverage.Claim) { c.At = time.Time{} }, want: coverage.ErrInvalidClaim},
		{name: "defects on a late-shipment claim", claim: func(c *coverage.Claim) { c.Event = coverage.LateShipment; c.Defects = []string{"zip"} }, want: coverage.ErrInvalidClaim},
		{name: "defects on a change of mind", claim: func(c *coverage.Claim) { c.Event = coverage.ChangeOfMind; c.Defects = []string{"zip"} }, want: coverage.ErrInvalidClaim},
		{name: "a defect named twice", claim: func(c *coverage.Claim) { c.Defects = []string{"zip", "zip"} }, want: coverage.ErrInvalidClaim},
		{name: "a defect with no id", claim: func(c *coverage.Claim) { c.Defects = []string{""} }, want: coverage.ErrInvalidClaim},
		{name: "a covered amount in another currency", covered: ptr(money(t, "1.00", payment.EUR)), want: payment.ErrCurrencyMismatch},
		{name: "no covered amount", covered: &payment.Money{}, want: payment.ErrCurrencyMismatch},
		{name: "a negative covered amount", covered: ptr(usd(t, "-0.01")), want: coverage.ErrInvalidFacts},
		{name: "a late-shipment claim on an order with no shipment date", order: func(o *coverage.Order) { o.ShipBy = time.Time{} },
			claim: func(c *coverage.Claim) { c.Event = coverage.LateShipment }, want: coverage.ErrInvalidFacts},
		{name: "a non-delivery claim on an order with no delivery deadline", order: func(o *coverage.Order) { o.DeliverBy = time.Time{} },
			claim: func(c *coverage.Claim) { c.Event = coverage.NonDelivery }, want: coverage.ErrInvalidFacts},
		{name: "an order that fails validation", order: func(o *coverage.Order) { o.ID = "" }, want: coverage.ErrInvalidFacts},
	}
	for _, tt := range tests {
		t.Run("refuses "+tt.name+" as bad input", func(t *testing.T) {
			o := deliveredOrder(t)
			if tt.order != nil {
				tt.order(&o)
			}
			c := good
			if tt.claim != nil {
				tt.claim(&c)
			}
			covered := usd(t, "1.00")
			if tt.covered != nil {
				covered = *tt.covered
			}
			requireNotRefusal(t, coverage.DefaultRules().Check(o, c, covered), tt.want)
		})
	}
}

func ptr[T any](v T) *T { return &v }
