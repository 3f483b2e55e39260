package supplier

import (
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradeassure/tradeassure/payment"
)

// Rules are the programme's rules for suppliers: what enrollment requires,
// how the Trade Assurance limit is computed and how the credit rating is.
// Every number is a field; DefaultRules documents the defaults.
type Rules struct {
	// Required are the document kinds a supplier must have approved and in
	// force to be enrolled.
	Required []DocumentKind
	Limit    LimitRule
	Rating   RatingRule
	Payouts  PayoutRule
}

// LimitRule computes the Trade Assurance limit:
//
//	limit = min(Max, (Base + PerYear × min(years, MaxYears)
//	                  + Σ PerDocument[kind] over approved, valid documents
//	                  + VolumeShare × volume over VolumeWindow)
//	                 × GradeFactor[grade])
//
// rounded down to Step. Only an enrolled supplier has a limit above zero.
type LimitRule struct {
	Currency     payment.Currency
	Base         payment.Money
	PerYear      payment.Money
	MaxYears     int
	PerDocument  map[DocumentKind]payment.Money
	VolumeShare  decimal.Decimal // 0.5: half the trailing volume
	VolumeWindow time.Duration
	GradeFactor  map[string]decimal.Decimal // by rating grade; a grade without a factor counts 1
	Max          payment.Money
	Step         payment.Money // the limit is a multiple of Step (rounded down)
}

// RatingRule computes the credit rating: each factor is a fraction between
// 0 and 1, multiplied by its weight; the score is the sum, out of the sum of
// the weights, scaled to 100. Factors with no data count Neutral.
type RatingRule struct {
	Weights map[string]int
	// CompletedTarget is the number of completed orders worth full marks.
	CompletedTarget int
	// ResponseTarget is the average response time worth full marks; twice
	// as slow is worth half.
	ResponseTarget time.Duration
	// Neutral is the fraction a factor counts when there is nothing to
	// measure (no orders, no reviews): 0.5.
	Neutral decimal.Decimal
	// Grades maps a minimum score to a grade, highest first.
	Grades []Grade
}

// Grade is a rating grade and the minimum score that earns it.
type Grade struct {
	Min   decimal.Decimal
	Grade string
}

// Rating factor names, the keys of RatingRule.Weights.
const (
	FactorQualifications = "qualifications" // share of document kinds approved and valid
	FactorCompleted      = "completed"      // completed orders against CompletedTarget
	FactorOnTime         = "on_time"        // orders shipped on time
	FactorDisputes       = "disputes"       // orders without a dispute
	FactorDisputesLost   = "disputes_lost"  // disputes not lost
	FactorResponse       = "response"       // response rate × response speed
	FactorReviews        = "reviews"        // average review, 1 star = 0, 5 stars = 1
)

// DefaultRules returns the default rules:
//
//   - enrollment requires an approved, valid business licence, production
//     qualification and on-site check;
//   - the limit, in USD: 5,000 base, 2,000 a year in business (up to 10
//     years), 5,000 for an ISO 9001, 2,500 for ISO 14001 and for an on-site
//     check, plus half the volume of the last 180 days; times 1.5 for grade
//     A, 1.2 for B, 1 for C, 0.5 for D; at most 1,000,000, in steps of 100;
//   - the rating weighs qualifications 15, completed orders 15, on-time
//     shipment 20, disputes 15, disputes lost 10, response 10 and reviews
//     15; full marks for 50 completed orders and a 12-hour average
//     response; grades A from 85, B from 70, C from 50, D below;
//   - payouts run daily, with no minimum.
func DefaultRules() Rules {
	usd := func(s string) payment.Money { return payment.MustParse(s, payment.USD) }
	dec := decimal.RequireFromString
	return Rules{
		Required: []DocumentKind{BusinessLicence, ProductionQualification, OnSiteCheck},
		Limit: LimitRule{
			Currency: payment.USD,
			Base:     usd("5000"), PerYear: usd("2000"), MaxYears: 10,
			PerDocument:  map[DocumentKind]payment.Money{ISO9001: usd("5000"), ISO14001: usd("2500"), OnSiteCheck: usd("2500")},
			VolumeShare:  dec("0.5"),
			VolumeWindow: 180 * 24 * time.Hour,
			GradeFactor:  map[string]decimal.Decimal{"A": dec("1.5"), "B": dec("1.2"), "C": dec("1"), "D": dec("0.5")},
			Max:          usd("1000000"),
			Step:         usd("100"),
		},
		Rating: RatingRule{
			Weights: map[string]int{
				FactorQualifications: 15, FactorCompleted: 15, FactorOnTime: 20, FactorDisputes: 15,
				FactorDisputesLost: 10, FactorResponse: 10, FactorReviews: 15,
			},
			CompletedTarget: 50,
			ResponseTarget:  12 * time.Hour,
			Neutral:         dec("0.5"),
			Grades:          []Grade{{dec("85"), "A"}, {dec("70"), "B"}, {dec("50"), "C"}, {dec("0"), "D"}},
		},
		Payouts: PayoutRule{Schedule: Daily},
	}
}

// clone returns a copy of r that shares no map or slice with it.
func (r Rules) clone() Rules {
	r.Required = slices.Clone(r.Required)
	r.Limit.PerDocument = maps.Clone(r.Limit.PerDocument)
	r.Limit.GradeFactor = maps.Clone(r.Limit.GradeFactor)
	r.Rating.Weights = maps.Clone(r.Rating.Weights)
	r.Rating.Grades = slices.Clone(r.Rating.Grades)
	r.Payouts.Minimum = slices.Clone(r.Payouts.Minimum)
	return r
}

// Validate checks the rules.
func (r Rules) Validate() error {
	if len(r.Required) == 0 {
		return invalidf("supplier rules: enrollment requires at least one document kind")
	}
	for _, k := range r.Required {
		if !slices.Contains(DocumentKinds(), k) {
			return invalidf("supplier rules: unknown required document kind %q", k)
		}
	}
	l := r.Limit
	for grade, f := range l.GradeFactor {
		if f.IsNegative() {
			return invalidf("supplier rules: grade %s factor %s is negative", grade, f)
		}
	}
	if err := l.Currency.Validate(); err != nil {
		return fmt.Errorf("supplier rules: limit: %w", err)
	}
	for name, m := range map[string]payment.Money{"Base": l.Base, "PerYear": l.PerYear, "Max": l.Max, "Step": l.Step} {
		if m.Currency() != l.Currency || m.IsNegative() {
			return invalidf("supplier rules: limit %s %s must be a non-negative amount in %s", name, m, l.Currency)
		}
	}
	for kind, m := range l.PerDocument {
		if m.Currency() != l.Currency || m.IsNegative() {
			return invalidf("supplier rules: limit for %s %s must be a non-negative amount in %s", kind, m, l.Currency)
		}
	}
	if !l.Step.IsPositive() || l.MaxYears < 0 || l.VolumeShare.IsNegative() || l.VolumeWindow < 0 {
		return invalidf("supplier rules: limit Step must be positive; MaxYears, VolumeShare and VolumeWindow not negative")
	}
	g := r.Rating
	total := 0
	for name, w := range g.Weights {
		if w < 0 || !slices.Contains(factors(), name) {
			return invalidf("supplier rules: rating weight %q = %d", name, w)
		}
		total += w
	}
	if total == 0 || g.CompletedTarget <= 0 || g.ResponseTarget <= 0 || len(g.Grades) == 0 ||
		g.Neutral.IsNegative() || g.Neutral.GreaterThan(decimal.NewFromInt(1)) {
		return invalidf("supplier rules: rating needs weights, targets, a neutral fraction in [0, 1] and grades")
	}
	if !slices.IsSortedFunc(g.Grades, func(a, b Grade) int { return b.Min.Cmp(a.Min) }) || !g.Grades[len(g.Grades)-1].Min.IsZero() {
		return invalidf("supplier rules: rating grades must go from the highest minimum down to 0")
	}
	return r.Payouts.validate()
}

func factors() []string {
	return []string{FactorQualifications, FactorCompleted, FactorOnTime, FactorDisputes, FactorDisputesLost, FactorResponse, FactorReviews}
}

// Reason codes of an enrollment evaluation.
const (
	ReasonMissingDocument  = "supplier.document_missing"  // a required document was never approved
	ReasonExpiredDocument  = "supplier.document_expired"  // a required document is no longer in force
	ReasonPendingDocument  = "supplier.document_pending"  // a required document awaits review
	ReasonRejectedDocument = "supplier.document_rejected" // a required document was rejected
	ReasonRemoved          = "supplier.removed"           // removed from the programme by a platform agent
)

// limit computes s's Trade Assurance limit at now, from the grade of its
// rating, exactly, in decimals: the explanation's computation (Rules.Explain),
// which appends each term of the limit to terms when it is not nil, and
// the evaluation's when its integers do not fit (evaluator.limit).
func (r Rules) limit(s *Supplier, grade string, now time.Time, terms *[]Term) (Limit, error) {
	l := r.Limit
	out := Limit{ComputedAt: now}
	zero, err := payment.FromMinor(0, l.Currency)
	if err != nil {
		return Limit{}, err
	}
	add := func(name string, input func() string, amount decimal.Decimal) decimal.Decimal {
		if terms != nil {
			*terms = append(*terms, Term{Name: name, Input: input(), Amount: amount})
		}
		return amount
	}
	if s.Status != StatusEnrolled {
		out.Amount = zero
		add("status", func() string { return string(s.Status) }, decimal.Zero)
		return out, nil
	}
	sum := add("base", func() string { return "enrolled" }, l.Base.Amount())
	years := yearsBetween(s.EstablishedOn, now)
	perYear, err := l.PerYear.Times(int64(min(years, l.MaxYears)))
	if err != nil {
		return Limit{}, err
	}
	sum = sum.Add(add("years", func() string { return fmt.Sprintf("%d years in business (counted up to %d)", years, l.MaxYears) }, perYear.Amount()))
	for _, kind := range DocumentKinds() {
		if bonus, ok := l.PerDocument[kind]; ok && validKind(s.Documents, kind, now) {
			sum = sum.Add(add("document", func() string { return string(kind) }, bonus.Amount()))
		}
	}
	// The days of the window may add up to more than a Money holds (the
	// limit is capped at Max anyway).
	scale := int32(zero.Currency().MinorUnits())
	minor := new(big.Int)
	for _, v := range l.window(s.Volume.days, now) {
		minor.Add(minor, big.NewInt(v.Minor))
	}
	volume := decimal.NewFromBigInt(minor, -scale)
	share := volume.Mul(l.VolumeShare).RoundDown(scale)
	sum = sum.Add(add("volume", func() string {
		return fmt.Sprintf("%s %s in the last %d days × %s", l.Currency, volume.StringFixed(scale), int(l.VolumeWindow/(24*time.Hour)), l.VolumeShare)
	}, share))
	factor, ok := l.GradeFactor[grade]
	if !ok {
		factor = decimal.NewFromInt(1)
	}
	sum = add("grade", func() string { return fmt.Sprintf("grade %s × %s", grade, factor) }, sum.Mul(factor))
	if sum.GreaterThan(l.Max.Amount()) {
		sum = add("max", l.Max.String, l.Max.Amount())
	}
	// Rounded down to a multiple of Step, in minor units: floor(floor(x) / n)
	// is floor(x / n).
	steps := sum.Shift(scale).Floor().BigInt()
	step := big.NewInt(l.Step.Minor())
	steps.Div(steps, step) // Euclidean: floor, for a positive step
	if out.Amount, err = payment.FromDecimal(decimal.NewFromBigInt(steps.Mul(steps, step), -scale), l.Currency); err != nil {
		return Limit{}, err
	}
	return out, nil
}

// window returns the days of volume the limit counts at now: those that
// end after now − VolumeWindow and begin no later than now. The volume is
// kept by day (UTC), so an order counts from the day it completed until
// the window has passed the whole of that day.
func (l LimitRule) window(days []Volume, now time.Time) []Volume {
	first := l.passed(days, now)
	last, today := first, day(now)
	for last < len(days) && days[last].Day <= today {
		last++
	}
	return days[first:last]
}

// passed returns how many of days, oldest first, the window has passed at
// now: those that end no later than now − VolumeWindow.
func (l LimitRule) passed(days []Volume, now time.Time) int {
	since := now.Add(-l.VolumeWindow)
	n := 0
	for n < len(days) && !days[n].Start().Add(24*time.Hour).After(since) {
		n++
	}
	return n
}

// addVolume adds an order's value to its day of s's volume, keeping the
// days in order, and drops the days the window has passed at now.
func (l LimitRule) addVolume(s *Supplier, o OrderRecord, now time.Time) {
	d, minor := day(o.CompletedAt), o.Value.Minor()
	days := s.Volume.days
	i, _ := slices.BinarySearchFunc(days, d, func(v Volume, d int32) int {
		if v.Day > d {
			return 1
		}
		return -1 // after every Volume of the day: a day full to int64's limit gets another
	})
	// A new array: the days s had are shared with its other copies.
	out := make([]Volume, 0, len(days)+1)
	if j := i - 1; j >= 0 && days[j].Day == d && days[j].Minor <= math.MaxInt64-minor {
		out = append(out, days...)
		out[j].Minor += minor
	} else {
		out = append(append(append(out, days[:i]...), Volume{Day: d, Minor: minor}), days[i:]...)
	}
	s.Volume = Volumes{days: out}
	l.prune(s, now)
}

// prune drops the days of s's volume that the window has passed at now:
// the record keeps VolumeWindow of volume, so a window made longer counts
// only what was kept. It copies nothing.
func (l LimitRule) prune(s *Supplier, now time.Time) {
	if n := l.passed(s.Volume.days, now); n > 0 {
		s.Volume = Volumes{days: slices.Clip(s.Volume.days[n:])}
	}
}

// yearsBetween returns the number of whole years from a to b.
func yearsBetween(a, b time.Time) int {
	if a.IsZero() || b.Before(a) {
		return 0
	}
	b = b.In(a.Location()) // anniversaries fall on the founder's calendar
	y := b.Year() - a.Year()
	if a.AddDate(y, 0, 0).After(b) {
		y--
	}
	return y
}
