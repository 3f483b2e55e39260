package coverage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradeassure/tradeassure/payment"
)

// Schedule is an order's lead times, from which its agreed shipment date
// and delivery deadline follow. Days are calendar days, added with
// time.Time.AddDate in PaidAt's location, so the dates keep PaidAt's clock
// time across month ends, leap days and daylight-saving changes.
type Schedule struct {
	// PaidAt is when the payment that starts production arrived (usually the
	// deposit); required.
	PaidAt time.Time `json:"paid_at"`
	// ProductionDays is how long the supplier has to make the goods; 0 to
	// MaxDays, as are the other lead times.
	ProductionDays int `json:"production_days"`
	// HandlingDays is how long the supplier has to hand the goods to the
	// carrier once made.
	HandlingDays int `json:"handling_days"`
	// ShippingDays is how long the goods may travel.
	ShippingDays int `json:"shipping_days"`
}

// Validate checks that PaidAt is set and every lead time is 0 to MaxDays;
// each problem wraps ErrInvalidFacts. ShipBy and DeliverBy do not check: call
// Validate first.
func (s Schedule) Validate() error {
	var errs []error
	if s.PaidAt.IsZero() {
		errs = append(errs, factsf("schedule has no payment time"))
	}
	for _, d := range []struct {
		name string
		days int
	}{{"ProductionDays", s.ProductionDays}, {"HandlingDays", s.HandlingDays}, {"ShippingDays", s.ShippingDays}} {
		if d.days < 0 || d.days > MaxDays {
			errs = append(errs, factsf("schedule: %s is %d; it must be 0 to %d", d.name, d.days, MaxDays))
		}
	}
	return errors.Join(errs...)
}

// ShipBy returns the agreed shipment date, Order.ShipBy: PaidAt plus the
// production and handling days.
func (s Schedule) ShipBy() time.Time {
	return s.PaidAt.AddDate(0, 0, s.ProductionDays+s.HandlingDays)
}

// DeliverBy returns the delivery deadline, Order.DeliverBy: ShipBy plus the
// shipping days.
func (s Schedule) DeliverBy() time.Time {
	return s.ShipBy().AddDate(0, 0, s.ShippingDays)
}

// LateCompensationKey is the idempotency key under which an order's
// late-shipment compensation is paid out of its escrow account (an escrow
// key is scoped to the account, which is the order's). Paying with it
// makes the payment happen once per order however often a scheduler finds
// the order late, and finishes a payment a crash interrupted. It holds no
// id, so it stays within payment.MaxIDLen whatever the order's id.
const LateCompensationKey = "late-shipment"

// Compensation is the late-shipment compensation an order is owed at one
// instant.
type Compensation struct {
	// Owed reports that the compensation is due now and has not been paid.
	Owed bool `json:"owed"`
	// Amount is what to pay the buyer out of escrow: zero in the order's
	// currency unless Owed.
	Amount payment.Money `json:"amount"`
	// Reasons explains why nothing is owed (ReasonNotYetLate,
	// ReasonShippedOnTime, ReasonAlreadyCompensated, ReasonNothingPaid), or
	// how the amount was bounded (ReasonCompensationCapped,
	// ReasonCompensationLimitedToPaid).
	Reasons []payment.Reason `json:"reasons,omitempty"`
	// Conversions lists the exchange rate used to bring a cap in another
	// currency into the order's, if any.
	Conversions []payment.Conversion `json:"conversions,omitempty"`
}

// LateCompensation returns the late-shipment compensation the order is owed
// at now. The programme pays it without the buyer applying: a scheduler
// calls LateCompensation for orders past their shipment date and, when
// Owed, pays Amount out of escrow as compensation under the idempotency key
// LateCompensationKey, then records it in the order
// (Order.LateCompensationPaid).
//
// The compensation is owed when all of these hold:
//
//   - now is after o.ShipBy (at ShipBy exactly the supplier is still on
//     time: ReasonNotYetLate);
//   - the goods did not ship by o.ShipBy: they have not shipped, or shipped
//     after it (ReasonShippedOnTime otherwise);
//   - it was not paid for the order already (ReasonAlreadyCompensated);
//   - the buyer has paid something (ReasonNothingPaid).
//
// The amount is Rules.LateShipment.Percent × o.Value, rounded with its
// Rounding, then bounded by the cap (ReasonCompensationCapped when the cap
// lowers it; an amount equal to the cap is not capped) and by what the
// buyer paid, since it comes out of escrow
// (ReasonCompensationLimitedToPaid). A cap in another currency is
// converted into the order's at rates.Rate(ctx, cap currency, order
// currency, now), exactly, and rounded down to the order currency's minor
// unit so the compensation never exceeds the cap; rates is asked only then
// and may otherwise be nil.
//
// Errors: ErrInvalidRules for rules that fail Validate; ErrInvalidFacts
// for an order that fails Validate, has no ShipBy, or a zero now; an error
// wrapping payment.ErrNoRate when a rate is needed and rates is nil, has
// none, fails (the error also wraps the one rates returned, such as a
// context error) or gives one that is not positive.
func (r Rules) LateCompensation(ctx context.Context, o Order, now time.Time, rates payment.Rates) (Compensation, error) {
	if err := r.Validate(); err != nil {
		return Compensation{}, err
	}
	if err := o.Validate(); err != nil {
		return Compensation{}, err
	}
	if now.IsZero() {
		return Compensation{}, factsf("order %s: no time given for late compensation", o.ID)
	}
	if o.ShipBy.IsZero() {
		return Compensation{}, factsf("order %s has no agreed shipment date", o.ID)
	}
	comp := Compensation{Amount: o.zero()}
	var rs reasons
	if !now.After(o.ShipBy) {
		rs.add(ReasonNotYetLate, "it is %s; the goods are due to ship by %s", stamp(now), stamp(o.ShipBy))
	}
	if !o.ShippedAt.IsZero() && !o.ShippedAt.After(o.ShipBy) && !o.ShippedAt.After(now) {
		rs.add(ReasonShippedOnTime, "the goods shipped at %s, by the agreed date %s", stamp(o.ShippedAt), stamp(o.ShipBy))
	}
	if o.LateCompensationPaid {
		rs.add(ReasonAlreadyCompensated, "late-shipment compensation was already paid for order %s", o.ID)
	}
	paid := o.paid()
	if paid.IsZero() {
		rs.add(ReasonNothingPaid, "the buyer has paid nothing into escrow for order %s", o.ID)
	}
	if len(rs) > 0 {
		comp.Reasons = rs
		return comp, nil
	}

	rule := r.LateShipment
	amount, err := o.Value.Mul(rule.Percent, rule.Rounding)
	if err != nil {
		return Compensation{}, err
	}
	if rule.Cap != (payment.Money{}) {
		capped, cv, err := capIn(ctx, rule.Cap, o.currency(), now, rates)
		if err != nil {
			return Compensation{}, fmt.Errorf("coverage: order %s: late-shipment cap: %w", o.ID, err)
		}
		if cv != nil {
			comp.Conversions = []payment.Conversion{*cv}
		}
		if amount.Minor() > capped.Minor() {
			if cv == nil {
				rs.add(ReasonCompensationCapped, "%s of the order value of %s is %s, above the cap of %s",
					percent(rule.Percent), o.Value, amount, rule.Cap)
			} else {
				rs.add(ReasonCompensationCapped, "%s of the order value of %s is %s, above the cap of %s (%s at %s %s per %s)",
					percent(rule.Percent), o.Value, amount, rule.Cap, capped, cv.Rate, cv.To, cv.From)
			}
			amount = capped
		}
	}
	if amount.Minor() > paid.Minor() {
		rs.add(ReasonCompensationLimitedToPaid, "the compensation of %s is limited to the %s the buyer paid into escrow", amount, paid)
		amount = paid
	}
	comp.Owed, comp.Amount, comp.Reasons = true, amount, rs
	return comp, nil
}

// capIn returns limit in currency to, rounded down to its minor unit (so
// the payout never exceeds the cap), and the conversion used, nil when
// limit is already in to.
func capIn(ctx context.Context, limit payment.Money, to payment.Currency, at time.Time, rates payment.Rates) (payment.Money, *payment.Conversion, error) {
	return payment.ConvertAt(ctx, rates, limit, to, at, payment.RoundDown)
}

// percent formats a fraction as a percentage: 0.02 → "2%".
func percent(d decimal.Decimal) string { return d.Shift(2).String() + "%" }
