package coverage_test

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
)

// hostileLargest is the largest USD amount a Money holds.
var hostileLargest = payment.MustParse("9999999999999999.99", payment.USD)

// hostileIDs returns n distinct defect ids, then the ones of more.
func hostileIDs(n int, more ...string) []string {
	ids := make([]string, n, n+len(more))
	for i := range ids {
		ids[i] = "defect-" + strconv.Itoa(i)
	}
	return append(ids, more...)
}

// hostileDelivered is baseOrder delivered on day 35, after a failed
// inspection the buyer accepted, which named defects.
func hostileDelivered(t *testing.T, defects []string) coverage.Order {
	o := baseOrder(t)
	o.ShippedAt, o.DeliveredAt = day(31), day(35)
	o.Inspection = coverage.Inspection{Result: coverage.InspectionFailed, Defects: defects, BuyerAccepted: true}
	return o
}

// hostileClaim is a quality claim on day 36 for USD 100.00 about defects.
func hostileClaim(t *testing.T, defects []string) coverage.Claim {
	return coverage.Claim{Event: coverage.NotAsDescribedQuality, Amount: usd(t, "100.00"), At: day(36), Defects: defects}
}

func TestHostileFactsAndClaimsAreBadInputNeverADecision(t *testing.T) {
	long := testkit.Long("")
	rules := coverage.DefaultRules()
	covered := func(edit func(*coverage.Order), available payment.Money) func(t *testing.T) error {
		return func(t *testing.T) error {
			o := baseOrder(t)
			edit(&o)
			_, err := testkit.Hostile(t, func(context.Context) (coverage.Coverage, error) { return rules.Covered(o, available) })
			return err
		}
	}
	order := func(edit func(*coverage.Order)) func(t *testing.T) error {
		return func(t *testing.T) error { return covered(edit, usd(t, "5000.00"))(t) }
	}
	check := func(o func(*testing.T) coverage.Order, c func(*testing.T) coverage.Claim, coveredAmount string) func(t *testing.T) error {
		return func(t *testing.T) error {
			ord, claim := o(t), c(t)
			amount := payment.MustParse(coveredAmount, payment.USD)
			return testkit.HostileErr(t, func(context.Context) error { return rules.Check(ord, claim, amount) })
		}
	}
	claim := func(edit func(*coverage.Claim)) func(*testing.T) coverage.Claim {
		return func(t *testing.T) coverage.Claim {
			c := hostileClaim(t, nil)
			edit(&c)
			return c
		}
	}
	delivered := func(t *testing.T) coverage.Order { return hostileDelivered(t, nil) }
	quote := func(amount payment.Money) func(t *testing.T) error {
		return func(t *testing.T) error {
			o := baseOrder(t)
			_, err := testkit.Hostile(t, func(context.Context) (coverage.Quote, error) {
				return rules.Quote(o, payment.Full, amount, hostileLargest)
			})
			return err
		}
	}
	tests := []struct {
		name  string
		call  func(t *testing.T) error
		want  error
		typed any
	}{
		{"a zero order", order(func(o *coverage.Order) { *o = coverage.Order{} }), coverage.ErrInvalidFacts, nil},
		{"an order of a mebibyte plan", order(func(o *coverage.Order) { o.Plan = coverage.Plan(long) }), coverage.ErrInvalidFacts, nil},
		{"a payment of a mebibyte tranche", order(func(o *coverage.Order) { o.Payments[0].Tranche = payment.Tranche(long) }), coverage.ErrInvalidFacts, nil},
		{"a payment of minus the largest amount", order(func(o *coverage.Order) { o.Payments[0].Amount = hostileLargest.Neg() }), coverage.ErrInvalidFacts, nil},
		{"a payment of no amount", order(func(o *coverage.Order) { o.Payments[0].Amount = payment.Money{} }),
			payment.ErrCurrencyMismatch, new(*payment.CurrencyMismatchError)},
		{"payments whose total leaves Money's range", order(func(o *coverage.Order) {
			o.Value = hostileLargest
			o.Payments[0].Amount, o.Payments[1].Amount = hostileLargest, hostileLargest
		}), coverage.ErrInvalidFacts, nil},
		{"a million payments of a cent above the value", order(func(o *coverage.Order) {
			o.Value = usd(t, "10000.00")
			o.Payments = make([]coverage.Payment, 1_000_001)
			cent := coverage.Payment{Tranche: payment.Balance, Amount: usd(t, "0.01"), PaidAt: day(1)}
			for i := range o.Payments {
				o.Payments[i] = cent
			}
		}), coverage.ErrInvalidFacts, nil},
		{"a passed inspection that names a million defects", order(func(o *coverage.Order) {
			o.Inspection = coverage.Inspection{Result: coverage.InspectionPassed, Defects: hostileIDs(1_000_000)}
		}), coverage.ErrInvalidFacts, nil},
		{"a failed inspection whose millionth defect repeats the first", order(func(o *coverage.Order) {
			o.Inspection = coverage.Inspection{Result: coverage.InspectionFailed, Defects: hostileIDs(1_000_000, "defect-0")}
		}), coverage.ErrInvalidFacts, nil},
		{"an available limit of minus the largest amount", covered(func(*coverage.Order) {}, hostileLargest.Neg()), coverage.ErrInvalidFacts, nil},
		{"no available limit", covered(func(*coverage.Order) {}, payment.Money{}), payment.ErrCurrencyMismatch, new(*payment.CurrencyMismatchError)},
		{"a quote of the largest amount", quote(hostileLargest), coverage.ErrInvalidFacts, nil},
		{"a quote of minus the largest amount", quote(hostileLargest.Neg()), coverage.ErrInvalidFacts, nil},
		{"a quote of no amount", quote(payment.Money{}), payment.ErrCurrencyMismatch, new(*payment.CurrencyMismatchError)},
		{"a zero claim", check(delivered, claim(func(c *coverage.Claim) { *c = coverage.Claim{} }), "3000.00"), coverage.ErrInvalidClaim, nil},
		{"a claim of a mebibyte event", check(delivered, claim(func(c *coverage.Claim) { c.Event = coverage.Event(long) }), "3000.00"), coverage.ErrInvalidClaim, nil},
		{"a claim of minus the largest amount", check(delivered, claim(func(c *coverage.Claim) { c.Amount = hostileLargest.Neg() }), "3000.00"), coverage.ErrInvalidClaim, nil},
		{"a claim of no amount", check(delivered, claim(func(c *coverage.Claim) { c.Amount = payment.Money{} }), "3000.00"), coverage.ErrInvalidClaim, nil},
		{"a claim of no time", check(delivered, claim(func(c *coverage.Claim) { c.At = time.Time{} }), "3000.00"), coverage.ErrInvalidClaim, nil},
		{"a claim in yen", check(delivered, claim(func(c *coverage.Claim) { c.Amount = payment.MustParse("100", payment.JPY) }), "3000.00"),
			payment.ErrCurrencyMismatch, new(*payment.CurrencyMismatchError)},
		{"a claim whose millionth defect repeats the first", check(delivered, claim(func(c *coverage.Claim) { c.Defects = hostileIDs(1_000_000, "defect-0") }), "3000.00"),
			coverage.ErrInvalidClaim, nil},
		{"a claim with an empty defect after a million", check(delivered, claim(func(c *coverage.Claim) { c.Defects = hostileIDs(1_000_000, "") }), "3000.00"),
			coverage.ErrInvalidClaim, nil},
		{"a covered amount of minus the largest amount", func(t *testing.T) error {
			o, c := hostileDelivered(t, nil), hostileClaim(t, nil)
			return testkit.HostileErr(t, func(context.Context) error { return rules.Check(o, c, hostileLargest.Neg()) })
		}, coverage.ErrInvalidFacts, nil},
		{"a late compensation at no time", func(t *testing.T) error {
			o := baseOrder(t)
			_, err := testkit.Hostile(t, func(ctx context.Context) (coverage.Compensation, error) {
				return rules.LateCompensation(ctx, o, time.Time{}, nil)
			})
			return err
		}, coverage.ErrInvalidFacts, nil},
		{"a late compensation whose cap converts to 10^30 euros a dollar", func(t *testing.T) error {
			o := baseOrder(t)
			o.Value = payment.MustParse("10000.00", payment.EUR)
			o.Payments = []coverage.Payment{{Tranche: payment.Deposit, Amount: payment.MustParse("3000.00", payment.EUR), PaidAt: day(0)}}
			rates := newRates(payment.USD, payment.EUR, "1e30")
			_, err := testkit.Hostile(t, func(ctx context.Context) (coverage.Compensation, error) {
				return rules.LateCompensation(ctx, o, day(31), rates)
			})
			return err
		}, payment.ErrOutOfRange, new(*payment.AmountError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(t)
			testkit.RequireErr(t, err, tt.want, tt.typed)
			requireNotRefusal(t, err, tt.want)
		})
	}
}

func TestAMillionDefectsOnEachSideAreJudgedAndNamed(t *testing.T) {
	named := hostileIDs(1_000_000)
	o := hostileDelivered(t, named)
	claimed := hostileIDs(0, "scratches", "defect-999999", "dents", "defect-0")
	c := hostileClaim(t, append(claimed, hostileIDs(1_000_000)[1:999_999]...))
	rules := coverage.DefaultRules()
	err := testkit.HostileErr(t, func(context.Context) error { return rules.Check(o, c, usd(t, "3000.00")) })
	nc := refusal(t, err)
	require.NotNil(t, nc, "a claim naming the report's defects is refused")
	assert.Equal(t, []string{coverage.ReasonDefectNamedInInspection}, codes(nc.Reasons))
	require.Len(t, nc.KnownDefects, 1_000_000, "every claimed defect the report named")
	assert.Equal(t, []string{"defect-999999", "defect-0", "defect-1"}, nc.KnownDefects[:3], "in the claim's order")

	c = hostileClaim(t, []string{"scratches"})
	err = testkit.HostileErr(t, func(context.Context) error { return rules.Check(o, c, usd(t, "3000.00")) })
	require.NoError(t, err, "a claim about a defect the report did not name is covered")
}

func TestTheLargestAmountsAreCoveredExactly(t *testing.T) {
	rules := coverage.DefaultRules()
	o := baseOrder(t)
	o.Value = hostileLargest
	o.Payments = []coverage.Payment{{Tranche: payment.Full, Amount: hostileLargest, PaidAt: day(1)}}
	c, err := testkit.Hostile(t, func(context.Context) (coverage.Coverage, error) { return rules.Covered(o, hostileLargest) })
	require.NoError(t, err)
	assert.Equal(t, hostileLargest, c.Covered)
	assert.True(t, c.Uncovered.IsZero())

	c, err = testkit.Hostile(t, func(context.Context) (coverage.Coverage, error) { return rules.Covered(o, usd(t, "0.01")) })
	require.NoError(t, err)
	assert.Equal(t, usd(t, "0.01"), c.Covered)
	assert.Equal(t, payment.MustParse("9999999999999999.98", payment.USD), c.Uncovered)

	comp, err := testkit.Hostile(t, func(ctx context.Context) (coverage.Compensation, error) {
		return rules.LateCompensation(ctx, o, day(31), nil)
	})
	require.NoError(t, err)
	assert.Equal(t, usd(t, "100.00"), comp.Amount, "the cap bounds 2% of the largest amount")

	claim := coverage.Claim{Event: coverage.LateShipment, Amount: hostileLargest, At: day(31)}
	nc := refusal(t, testkit.HostileErr(t, func(context.Context) error { return rules.Check(o, claim, usd(t, "1000.00")) }))
	require.NotNil(t, nc, "a claim above the covered amount is refused")
	assert.Equal(t, []string{coverage.ReasonAmountAboveCovered}, codes(nc.Reasons))
}

func TestHostileRulesAndSchedulesAreRefused(t *testing.T) {
	rules := map[string]func(*coverage.Rules){
		"zero rules":                            func(r *coverage.Rules) { *r = coverage.Rules{} },
		"a claim window of the smallest int":    func(r *coverage.Rules) { r.ClaimWindowDays = math.MinInt },
		"a claim window of the largest int":     func(r *coverage.Rules) { r.ClaimWindowDays = math.MaxInt },
		"a claim window of a century and a day": func(r *coverage.Rules) { r.ClaimWindowDays = coverage.MaxDays + 1 },
		"a mebibyte policy":                     func(r *coverage.Rules) { r.AfterFailedInspection = coverage.AcceptancePolicy(testkit.Long("")) },
		"a compensation of 10^30 of the value":  func(r *coverage.Rules) { r.LateShipment.Percent = r.LateShipment.Percent.Shift(32) },
		"a cap of minus the largest amount":     func(r *coverage.Rules) { r.LateShipment.Cap = hostileLargest.Neg() },
		"an unknown rounding mode":              func(r *coverage.Rules) { r.LateShipment.Rounding = payment.RoundingMode(200) },
	}
	for name, edit := range rules {
		t.Run(name, func(t *testing.T) {
			r := coverage.DefaultRules()
			edit(&r)
			o, c := hostileDelivered(t, nil), hostileClaim(t, nil)
			err := testkit.HostileErr(t, func(context.Context) error { return r.Check(o, c, usd(t, "3000.00")) })
			testkit.RequireErr(t, err, coverage.ErrInvalidRules, nil)
			requireNotRefusal(t, err, coverage.ErrInvalidRules)
		})
	}
	for _, days := range []int{coverage.MaxDays + 1, math.MaxInt / 2, math.MaxInt, -1, math.MinInt} {
		t.Run(fmt.Sprintf("a schedule of %d days", days), func(t *testing.T) {
			s := coverage.Schedule{PaidAt: day(0), ProductionDays: days, HandlingDays: days, ShippingDays: days}
			err := testkit.HostileErr(t, func(context.Context) error { return s.Validate() })
			testkit.RequireErr(t, err, coverage.ErrInvalidFacts, nil)
		})
	}
	s := coverage.Schedule{PaidAt: day(0), ProductionDays: coverage.MaxDays, HandlingDays: coverage.MaxDays, ShippingDays: coverage.MaxDays}
	require.NoError(t, s.Validate())
	assert.True(t, s.ShipBy().After(s.PaidAt) && s.DeliverBy().After(s.ShipBy()), "the longest lead times keep their order")
	r := coverage.DefaultRules()
	r.ClaimWindowDays = coverage.MaxDays
	require.NoError(t, r.Validate())
	assert.True(t, r.ClaimDeadline(day(0)).After(day(0)), "the longest claim window closes after delivery")
}
