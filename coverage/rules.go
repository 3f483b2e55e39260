package coverage

import (
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradeassure/tradeassure/payment"
)

// Plan is a coverage plan: what part of the buyer's money the programme
// protects and against which events. The plans are the programme's
// definitions, not configuration: a plan that covered something else would
// be another plan.
type Plan string

// Plans.
const (
	// PreShipment protects the initial payment (the deposit, or the full
	// payment of an order paid at once), never the balance, against late
	// shipment and non-delivery.
	PreShipment Plan = "pre_shipment"
	// PostDelivery protects everything the buyer paid against every covered
	// event.
	PostDelivery Plan = "post_delivery"
)

// Valid reports whether p is one of the defined plans.
func (p Plan) Valid() bool { return p == PreShipment || p == PostDelivery }

// Covers reports whether the plan covers the event. PreShipment covers
// LateShipment and NonDelivery; PostDelivery covers every event for which
// Event.Covered is true. No plan covers ChangeOfMind or an unknown event.
func (p Plan) Covers(e Event) bool {
	switch p {
	case PreShipment:
		return e == LateShipment || e == NonDelivery
	case PostDelivery:
		return e.Covered()
	}
	return false
}

// Event is what a claim is about.
type Event string

// Events.
const (
	// LateShipment: the agreed shipment date passed without shipment, or the
	// goods shipped after it.
	LateShipment Event = "late_shipment"
	// NonDelivery: the delivery deadline passed without delivery.
	NonDelivery Event = "non_delivery"
	// NotAsDescribedQuality: the goods are below the contract's quality
	// standard.
	NotAsDescribedQuality Event = "not_as_described_quality"
	// NotAsDescribedQuantity: fewer (or other) goods than the contract says.
	NotAsDescribedQuantity Event = "not_as_described_quantity"
	// NotAsDescribedSpecification: the goods differ from the contract's
	// specification (size, material, customisation, design).
	NotAsDescribedSpecification Event = "not_as_described_specification"
	// NotAsDescribedPackaging: the packaging differs from the contract's.
	NotAsDescribedPackaging Event = "not_as_described_packaging"
	// DamagedOnArrival: the goods arrived damaged.
	DamagedOnArrival Event = "damaged_on_arrival"
	// ChangeOfMind: the buyer no longer wants goods that meet the contract.
	// It is never covered: goods that meet the contract are not returnable
	// through the programme.
	ChangeOfMind Event = "change_of_mind"
)

// Events returns every event, in the order of the package documentation's
// table, as a fresh slice.
func Events() []Event {
	return []Event{
		LateShipment, NonDelivery,
		NotAsDescribedQuality, NotAsDescribedQuantity, NotAsDescribedSpecification, NotAsDescribedPackaging,
		DamagedOnArrival, ChangeOfMind,
	}
}

// Valid reports whether e is one of the defined events.
func (e Event) Valid() bool {
	switch e {
	case LateShipment, NonDelivery,
		NotAsDescribedQuality, NotAsDescribedQuantity, NotAsDescribedSpecification, NotAsDescribedPackaging,
		DamagedOnArrival, ChangeOfMind:
		return true
	}
	return false
}

// Covered reports whether the programme covers e under some plan: true for
// every defined event but ChangeOfMind.
func (e Event) Covered() bool { return e.Valid() && e != ChangeOfMind }

// aboutGoods reports whether e is about the condition of delivered goods:
// the not-as-described events and damage on arrival. Such a claim needs
// delivery, falls in the claim window and is subject to the policy after a
// failed inspection.
func (e Event) aboutGoods() bool {
	switch e {
	case NotAsDescribedQuality, NotAsDescribedQuantity, NotAsDescribedSpecification, NotAsDescribedPackaging,
		DamagedOnArrival:
		return true
	}
	return false
}

// AcceptancePolicy decides the claims about the goods (the not-as-described
// events and DamagedOnArrival) of a buyer who accepted the goods after a
// failed inspection. Claims about late shipment and non-delivery are never
// affected.
type AcceptancePolicy string

// Acceptance policies.
const (
	// CoverUnnamedDefects refuses a claim about a defect the inspection
	// report named (the buyer accepted it knowingly) and covers every other
	// defect. A claim must then say which defects it is about
	// (Claim.Defects), so that the two can be told apart; a claim that
	// names any defect of the report is refused as a whole, listing those
	// defects, and the buyer may file again for the others.
	CoverUnnamedDefects AcceptancePolicy = "cover_unnamed_defects"
	// CoverNothing refuses every claim about the goods: accepting them after
	// a failed inspection waives the programme's protection of their
	// condition.
	CoverNothing AcceptancePolicy = "cover_nothing"
	// CoverEverything covers claims about the goods as if the inspection
	// had passed.
	CoverEverything AcceptancePolicy = "cover_everything"
)

// Valid reports whether p is one of the defined policies.
func (p AcceptancePolicy) Valid() bool {
	return p == CoverUnnamedDefects || p == CoverNothing || p == CoverEverything
}

// LateShipmentRule is the compensation a buyer receives, without applying,
// when the goods do not ship by the agreed date.
type LateShipmentRule struct {
	// Percent is the compensation as a fraction of the order value: 0.02 is
	// 2%. It must be above 0 and at most 1.
	Percent decimal.Decimal `json:"percent"`
	// Cap is the most compensation paid for one order. A cap in another
	// currency than the order's is converted with the caller's rates at the
	// time of the computation. The zero Money means no cap; a set cap must
	// be positive.
	Cap payment.Money `json:"cap"`
	// Rounding rounds Percent × order value to the order currency's minor
	// unit.
	Rounding payment.RoundingMode `json:"rounding"`
}

// Rules are the coverage rules of the programme. They are configuration:
// every figure and policy is a field, DefaultRules gives the programme's
// defaults, and a caller changes them by editing the value. The zero Rules
// is not valid; start from DefaultRules.
//
// Rules is a value with no slices or maps: its methods only read it, and one
// value may be shared by any number of goroutines.
type Rules struct {
	// ClaimWindowDays is how long after delivery a claim about the goods is
	// accepted, in calendar days counted from the delivery instant with
	// time.Time.AddDate in the location of Order.DeliveredAt (keep it in UTC
	// for a programme-wide day). A claim filed at or before
	// DeliveredAt.AddDate(0, 0, ClaimWindowDays) is in the window; the
	// instant after is not. See ClaimDeadline. It must be positive and at
	// most MaxDays.
	ClaimWindowDays int `json:"claim_window_days"`
	// AfterFailedInspection decides the claims about the goods of a buyer
	// who accepted them after a failed inspection.
	AfterFailedInspection AcceptancePolicy `json:"after_failed_inspection"`
	// LateShipment is the automatic compensation for late shipment.
	LateShipment LateShipmentRule `json:"late_shipment"`
}

// DefaultRules returns the programme's default rules:
//
//   - claims about the goods are accepted for 30 days after delivery;
//   - after accepting goods despite a failed inspection, the buyer is not
//     covered for the defects the report named and is covered for every
//     other (CoverUnnamedDefects);
//   - late shipment is compensated with 2% of the order value, rounded
//     half-even, capped at USD 100.00.
func DefaultRules() Rules {
	return Rules{
		ClaimWindowDays:       30,
		AfterFailedInspection: CoverUnnamedDefects,
		LateShipment: LateShipmentRule{
			Percent:  decimal.New(2, -2),
			Cap:      payment.MustParse("100.00", payment.USD),
			Rounding: payment.RoundHalfEven,
		},
	}
}

// Validate checks that the rules make sense and reports every problem at
// once; each wraps ErrInvalidRules. Every method of Rules calls it first, so
// a broken configuration is an error, never a silent decision; call it when
// loading configuration to fail early.
func (r Rules) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s", ErrInvalidRules, fmt.Sprintf(format, args...)))
	}
	if r.ClaimWindowDays <= 0 || r.ClaimWindowDays > MaxDays {
		bad("ClaimWindowDays is %d; it must be 1 to %d", r.ClaimWindowDays, MaxDays)
	}
	if !r.AfterFailedInspection.Valid() {
		bad("AfterFailedInspection: unknown policy %q", string(r.AfterFailedInspection))
	}
	ls := r.LateShipment
	if !ls.Percent.IsPositive() || ls.Percent.GreaterThan(decimal.New(1, 0)) {
		bad("LateShipment.Percent is %s; it must be above 0 and at most 1", ls.Percent)
	}
	if ls.Cap != (payment.Money{}) {
		if err := ls.Cap.Currency().Validate(); err != nil {
			bad("LateShipment.Cap: %v", err)
		} else if !ls.Cap.IsPositive() {
			bad("LateShipment.Cap is %s; it must be positive (the zero Money means no cap)", ls.Cap)
		}
	}
	if !ls.Rounding.Valid() {
		bad("LateShipment.Rounding: unknown mode %v", ls.Rounding)
	}
	return errors.Join(errs...)
}

// MaxDays bounds every count of days of the Rules and of a Schedule: a
// century, far more than any window or lead time needs. Far beyond it,
// time.Time.AddDate overflows silently and gives an instant before the one
// it started from, which would close a claim window before delivery.
const MaxDays = 36_525

// ClaimDeadline returns the last instant at which a claim about goods
// delivered at deliveredAt is accepted: deliveredAt plus ClaimWindowDays
// calendar days, at the same clock time in deliveredAt's location. A claim
// filed at the deadline is accepted; one filed a nanosecond later is not.
func (r Rules) ClaimDeadline(deliveredAt time.Time) time.Time {
	return deliveredAt.AddDate(0, 0, r.ClaimWindowDays)
}
