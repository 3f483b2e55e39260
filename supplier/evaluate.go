package supplier

import (
	"math"
	"math/big"
	"math/bits"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradeassure/tradeassure/payment"
)

// numFactors is the number of rating factors, those of factors().
const numFactors = 7

// evaluator is a Service's Rules made ready to evaluate a supplier on every
// write without allocating: the weights in the order of factors(), the
// configured decimals as exact fractions of integers, the grades' minimums
// in tenths of a point. NewService builds it once, from validated rules
// (Rules.Explain builds one for each explanation); it never changes.
//
// The rating is exact. A factor's value is a fraction of integers
// (factorValue); its points are weight × 100 × value / Σ weights; the score
// is the sum of the points rounded half up to 0.1, which score10 computes
// in 128-bit integers whenever every factor's numerator and denominator
// fit 64 bits, reduced, and the weights are below 10¹⁶. Every factor's
// does but for a record with negative counters, which no Service writes,
// and the response's: (responded × target) / (inquiries × average response
// in nanoseconds), whose denominator passes 2⁶⁴ only when most inquiries go
// unanswered and the answered ones took months (a thousand inquiries,
// eight months on average; responded × average is at most 2⁶³ ns, the
// record's total). scoreExact, in math/big, computes the same otherwise:
// it allocates, it never differs.
//
// The limit is exact too, in minor units (limitMinor): its configured
// decimals, the volume share and the grade factors, as fractions of
// integers; Rules.limit, in decimals, computes it when a number does not
// fit 64 bits: a share or factor of more than 19 significant digits, a
// volume over its window or a sum of the limit's terms of 2⁶⁴ minor units
// or more (over 10¹⁷ dollars), or a negative volume (no Service writes
// one).
type evaluator struct {
	rules Rules
	kinds []DocumentKind // DocumentKinds()

	// reasons are the reasons each required document kind may be
	// missing for, by the index of rules.Required and of missingCode.
	reasons [][numMissing]payment.Reason

	// weights are each factor's weight × 1000, in tenths of a point
	// times the total weight, and total the total weight; fits is false
	// when they do not fit the integer arithmetic.
	weights [numFactors]uint64
	total   uint64
	fits    bool
	// points are each factor's weight × 1000 / total, for scoreExact.
	points [numFactors]*big.Rat

	// The neutral fraction: reduced, num/den, when both fit 64 bits
	// (neutralFits); exact, for scoreExact.
	neutralNum, neutralDen uint64
	neutralFits            bool
	neutral                *big.Rat

	// grades are the minimums of the rules' grades, in their order.
	grades []gradeMin

	// The limit: zero in its currency; each document kind's bonus, by
	// the index of e.kinds; the volume share and the grade factors, as
	// fractions.
	zero         payment.Money
	documents    []bonus
	share        fraction
	gradeFactors map[string]fraction
}

// bonus is what an approved document of a kind adds to the limit, if
// anything (ok).
type bonus struct {
	minor int64
	ok    bool
}

// fraction is a non-negative configured decimal as num / den, when both
// fit 64 bits (fits).
type fraction struct {
	num, den uint64
	fits     bool
}

// fractionOf returns d, not negative, as a fraction.
func fractionOf(d decimal.Decimal) fraction {
	r := d.Rat()
	if r.Num().IsUint64() && r.Denom().IsUint64() {
		return fraction{num: r.Num().Uint64(), den: r.Denom().Uint64(), fits: true}
	}
	return fraction{}
}

// gradeMin is a grade's minimum in tenths of a point, rounded up: a score
// of t tenths earns the grade when t ≥ tenths.
type gradeMin struct {
	tenths *big.Int
	small  int64 // tenths, when it fits an int64 (fits)
	fits   bool
}

// newEvaluator returns the evaluator of rules r, which must be valid
// (Rules.Validate).
func newEvaluator(r Rules) *evaluator {
	e := &evaluator{rules: r, kinds: DocumentKinds(), fits: true}
	for _, kind := range r.Required {
		var reasons [numMissing]payment.Reason
		for why := range reasons {
			code, text := missingCode(why)
			reasons[why] = payment.Reason{Code: code, Text: string(kind) + ": " + text}
		}
		e.reasons = append(e.reasons, reasons)
	}
	total := new(big.Int)
	for i, name := range factors() {
		w := uint64(r.Rating.Weights[name]) // not negative: Validate
		total.Add(total, new(big.Int).SetUint64(w))
		if w > math.MaxUint64/1000 {
			e.fits = false
		}
		e.weights[i] = w * 1000
	}
	if !total.IsUint64() || total.Uint64() > 1<<62 {
		e.fits = false
	}
	e.total = total.Uint64()
	for i, name := range factors() {
		w := new(big.Int).SetUint64(uint64(r.Rating.Weights[name]))
		e.points[i] = new(big.Rat).SetFrac(w.Mul(w, big.NewInt(1000)), total)
	}
	e.neutral = r.Rating.Neutral.Rat()
	if num, den := e.neutral.Num(), e.neutral.Denom(); num.IsUint64() && den.IsUint64() {
		e.neutralNum, e.neutralDen, e.neutralFits = num.Uint64(), den.Uint64(), true
	}
	for _, g := range r.Rating.Grades {
		t := g.Min.Shift(1).Ceil().BigInt()
		e.grades = append(e.grades, gradeMin{tenths: t, small: t.Int64(), fits: t.IsInt64()})
	}

	l := r.Limit
	e.zero, _ = payment.FromMinor(0, l.Currency) // a valid currency
	for _, k := range e.kinds {
		m, ok := l.PerDocument[k]
		e.documents = append(e.documents, bonus{minor: m.Minor(), ok: ok})
	}
	e.share = fractionOf(l.VolumeShare)
	e.gradeFactors = make(map[string]fraction, len(l.GradeFactor))
	for grade, f := range l.GradeFactor {
		e.gradeFactors[grade] = fractionOf(f)
	}
	return e
}

// Why a required document kind is missing, from the least to the most
// telling: the indexes of missingCode.
const (
	missingDocument = iota
	expiredDocument
	pendingDocument
	rejectedDocument
	numMissing
)

// missingCode returns the reason code of why a kind is missing, and what
// its text says after the kind.
func missingCode(why int) (code, text string) {
	switch why {
	case expiredDocument:
		return ReasonExpiredDocument, "the approved document is not in force"
	case pendingDocument:
		return ReasonPendingDocument, "awaiting review"
	case rejectedDocument:
		return ReasonRejectedDocument, "rejected at review"
	}
	return ReasonMissingDocument, "no document submitted"
}

// enrollment returns what keeps s from enrollment at now: one reason per
// required document kind that has no approved document in force. When
// s's StatusReasons say that already, it returns them (or as many of
// them as it needs), so that re-evaluating a supplier that is no more
// enrolled than it was allocates nothing.
func (e *evaluator) enrollment(s *Supplier, now time.Time) []payment.Reason {
	var missing []payment.Reason
	kept := 0 // the reasons so far are s.StatusReasons[:kept], missing unused
	for i, kind := range e.rules.Required {
		best, ok := missingDocument, false
		for j := range s.Documents {
			d := &s.Documents[j]
			if d.Kind != kind {
				continue
			}
			switch {
			case d.ValidAt(now):
				ok = true
			case d.Outcome == ReviewApproved && best != pendingDocument:
				best = expiredDocument
			case d.Outcome == ReviewPending:
				best = pendingDocument
			case d.Outcome == ReviewRejected && best == missingDocument:
				best = rejectedDocument
			}
		}
		if ok {
			continue
		}
		r := e.reasons[i][best]
		if missing == nil && kept < len(s.StatusReasons) && s.StatusReasons[kept] == r {
			kept++
			continue
		}
		if missing == nil {
			missing = append(make([]payment.Reason, 0, len(e.rules.Required)), s.StatusReasons[:kept]...)
		}
		missing = append(missing, r)
	}
	if missing == nil && kept > 0 {
		return s.StatusReasons[:kept:kept]
	}
	return missing
}

// factorValue is the value of one rating factor: the rules' neutral
// fraction when there is nothing to measure, or else (a − b) / c × e / f,
// with c and f not zero.
type factorValue struct {
	neutral       bool
	a, b, c, e, f int64
}

// ratio is the factor value n / d, neutral when d is zero.
func ratio(n, d int64) factorValue {
	if d == 0 {
		return factorValue{neutral: true}
	}
	return factorValue{a: n, c: d, e: 1, f: 1}
}

// factors returns the value of each rating factor of s at now, in the
// order of factors(), and how many document kinds s has approved and in
// force.
func (e *evaluator) factors(s *Supplier, now time.Time) ([numFactors]factorValue, int) {
	g := &e.rules.Rating
	valid := 0
	for _, k := range e.kinds {
		if validKind(s.Documents, k, now) {
			valid++
		}
	}
	rec := &s.Record
	orders, onTime, disputed, lost := int64(rec.Completed), int64(rec.OnTime), int64(rec.Disputed), int64(rec.DisputesLost)
	completed := ratio(1, 1)
	if target := int64(g.CompletedTarget); orders < target {
		completed = ratio(orders, target)
	}
	disputes := factorValue{neutral: true}
	if orders != 0 {
		disputes = factorValue{a: orders, b: disputed, c: orders, e: 1, f: 1}
	}
	kept := factorValue{neutral: true}
	switch {
	case disputed > 0:
		kept = factorValue{a: disputed, b: lost, c: disputed, e: 1, f: 1}
	case orders > 0:
		kept = ratio(1, 1)
	}
	response := factorValue{neutral: true}
	if rec.Inquiries > 0 {
		response = ratio(int64(rec.Responded), int64(rec.Inquiries))
		if rec.Responded > 0 {
			// The speed: 1 within the target, target / average beyond it.
			if avg := rec.ResponseTime / time.Duration(rec.Responded); avg > g.ResponseTarget {
				response.e, response.f = int64(g.ResponseTarget), int64(avg)
			}
		}
	}
	return [numFactors]factorValue{
		ratio(int64(valid), int64(len(e.kinds))),
		completed,
		ratio(onTime, orders),
		disputes,
		kept,
		response,
		ratio(int64(rec.Stars), int64(4*rec.Reviews)),
	}, valid
}

// validKind reports whether docs has a document of kind valid at now.
func validKind(docs []Document, kind DocumentKind, now time.Time) bool {
	for i := range docs {
		if docs[i].Kind == kind && docs[i].ValidAt(now) {
			return true
		}
	}
	return false
}

// rating computes s's credit rating at now. The score is a new decimal
// only when it changed: an unchanged score keeps s's.
func (e *evaluator) rating(s *Supplier, now time.Time) Rating {
	values, _ := e.factors(s, now)
	out := Rating{ComputedAt: now}
	if t, ok := e.score10(&values); ok {
		out.Score = scoreDecimal(t, s.Rating.Score)
		out.Grade = e.grade(t)
		return out
	}
	t := e.scoreExact(&values)
	out.Score = decimal.NewFromBigInt(t, -1)
	out.Grade = e.gradeExact(t)
	return out
}

// scoreDecimal returns t tenths as a decimal: prev itself when it is that
// already, so that an unchanged score allocates nothing.
func scoreDecimal(t int64, prev decimal.Decimal) decimal.Decimal {
	if prev.Exponent() == -1 && prev.NumDigits() <= 18 && prev.CoefficientInt64() == t {
		return prev
	}
	return decimal.New(t, -1)
}

// grade returns the grade of a score of t tenths: the first whose minimum
// it reaches.
func (e *evaluator) grade(t int64) string {
	for i, g := range e.grades {
		if g.fits && t >= g.small {
			return e.rules.Rating.Grades[i].Grade
		}
	}
	return ""
}

// gradeExact is grade for any score.
func (e *evaluator) gradeExact(t *big.Int) string {
	for i, g := range e.grades {
		if t.Cmp(g.tenths) >= 0 {
			return e.rules.Rating.Grades[i].Grade
		}
	}
	return ""
}

// score10 returns the score of the factor values in tenths of a point,
// exactly: Σ 1000 × weight_i × value_i / total, rounded half up. It
// returns false when a number does not fit 64 bits (scoreExact then
// computes it).
//
// Each factor's term n_i / d_i (n_i = 1000 × weight × numerator, d_i the
// denominator) is split into its integer part q_i and remainder r_i. The
// score is floor(X + ½) with X = (Q + F) / total, Q = Σ q_i and F =
// Σ r_i / d_i in [0, 7): floor((2Q + total + 2F) / 2 total), and as
// 2 total is an integer, only floor(2F) matters. Each r_i / d_i is taken in
// 64-bit fixed point, rounded down, so that 2F is known within a few
// 2⁻⁶⁴; only when an integer lies in that interval and the score rounds
// differently on either side of it — the score is on a rounding boundary
// (xx.x5) or within 2⁻⁶⁰ of one — is floor(2F) computed exactly, over the
// least common multiple of the denominators (false if that exceeds 64
// bits).
func (e *evaluator) score10(values *[numFactors]factorValue) (int64, bool) {
	if !e.fits {
		return 0, false
	}
	var q, fixed u128 // Σ q_i; Σ floor(2⁶⁴ × r_i / d_i)
	var rem, den [numFactors]uint64
	inexact := uint64(0) // the terms whose fixed point is rounded down
	for i := range values {
		w := e.weights[i]
		if w == 0 {
			continue
		}
		num, d, ok := e.fraction(&values[i])
		if !ok {
			return 0, false
		}
		qi, r := mul64(w, num).divmod(d)
		if q, ok = q.add(qi); !ok {
			return 0, false
		}
		if r == 0 {
			continue
		}
		f, fr := bits.Div64(r, 0, d)
		fixed, _ = fixed.add(u128{lo: f}) // below 7 × 2⁶⁴
		if fr != 0 {
			inexact++
		}
		rem[i], den[i] = r, d
	}
	base, ok := q.mul(2)
	if !ok {
		return 0, false
	}
	if base, ok = base.add(u128{lo: e.total}); !ok {
		return 0, false
	}
	// 2F × 2⁶⁴ is in [2 fixed, 2 fixed + 2 inexact): floor(2F) is between
	// the floors of both ends over 2⁶⁴ (its high word).
	twice, _ := fixed.mul(2)
	low, high := twice.hi, twice.hi
	if inexact > 0 {
		top, _ := twice.add(u128{lo: 2*inexact - 1})
		high = top.hi
	}
	tLow, okLow := e.rounded(base, low)
	tHigh, okHigh := e.rounded(base, high)
	if !okLow || !okHigh {
		return 0, false
	}
	if tLow == tHigh {
		return tLow, true
	}
	k, ok := twiceFraction(&rem, &den)
	if !ok {
		return 0, false
	}
	return e.rounded(base, k)
}

// rounded returns floor((base + k) / 2 total), and false when it does not
// fit an int64.
func (e *evaluator) rounded(base u128, k uint64) (int64, bool) {
	x, ok := base.add(u128{lo: k})
	if !ok {
		return 0, false
	}
	t, _ := x.divmod(2 * e.total)
	return t.int64()
}

// twiceFraction returns floor(2 Σ rem_i / den_i), for rem_i < den_i
// (zero: no term), exactly: over the least common multiple of the
// reduced denominators, and false when that does not fit 64 bits. It
// reduces rem and den in place.
func twiceFraction(rem, den *[numFactors]uint64) (uint64, bool) {
	l := uint64(1)
	for i := range rem {
		if rem[i] == 0 {
			continue
		}
		g := gcd(rem[i], den[i])
		rem[i], den[i] = rem[i]/g, den[i]/g
		hi, lo := bits.Mul64(l/gcd(l, den[i]), den[i])
		if hi != 0 {
			return 0, false
		}
		l = lo
	}
	var sum u128
	for i := range rem {
		if rem[i] != 0 {
			sum, _ = sum.add(mul64(rem[i], l/den[i])) // each below l
		}
	}
	twice, _ := sum.mul(2)
	k, _ := twice.divmod(l)
	return k.lo, true // below 14
}

// fraction returns factor value v as num / den, den > 0, and false when
// it is negative or its numerator or denominator does not fit 64 bits,
// even reduced.
func (e *evaluator) fraction(v *factorValue) (num, den uint64, ok bool) {
	if v.neutral {
		return e.neutralNum, e.neutralDen, e.neutralFits
	}
	if v.b < 0 || v.a < v.b || v.c <= 0 || v.e < 0 || v.f <= 0 {
		return 0, 0, false
	}
	n, c, x, f := uint64(v.a-v.b), uint64(v.c), uint64(v.e), uint64(v.f)
	nh, num := bits.Mul64(n, x)
	dh, den := bits.Mul64(c, f)
	if nh == 0 && dh == 0 {
		return num, den, true
	}
	// Reduce each numerator against each denominator: the product then
	// fits whenever the reduced fraction does.
	g := gcd(n, c)
	n, c = n/g, c/g
	g = gcd(x, f)
	x, f = x/g, f/g
	g = gcd(n, f)
	n, f = n/g, f/g
	g = gcd(x, c)
	x, c = x/g, c/g
	nh, num = bits.Mul64(n, x)
	dh, den = bits.Mul64(c, f)
	return num, den, nh == 0 && dh == 0
}

// value returns factor value v exactly.
func (e *evaluator) value(v *factorValue) *big.Rat {
	if v.neutral {
		return new(big.Rat).Set(e.neutral)
	}
	n := new(big.Int).Sub(big.NewInt(v.a), big.NewInt(v.b))
	r := new(big.Rat).SetFrac(n, big.NewInt(v.c))
	return r.Mul(r, big.NewRat(v.e, v.f))
}

// scoreExact is score10 in math/big, for any numbers: the score in tenths,
// rounded half away from zero (as decimal rounds; the score is negative
// only for a record with negative counters).
func (e *evaluator) scoreExact(values *[numFactors]factorValue) *big.Int {
	sum := new(big.Rat)
	for i := range values {
		if e.points[i].Sign() != 0 {
			v := e.value(&values[i])
			sum.Add(sum, v.Mul(v, e.points[i]))
		}
	}
	return roundHalfAway(sum)
}

// roundHalfAway returns x rounded to an integer, halves away from zero.
func roundHalfAway(x *big.Rat) *big.Int {
	two := big.NewInt(2)
	n := new(big.Int).Abs(x.Num())
	n.Mul(n, two).Add(n, x.Denom())
	n.Quo(n, new(big.Int).Mul(x.Denom(), two))
	if x.Sign() < 0 {
		n.Neg(n)
	}
	return n
}

// ratingTerms returns the terms of s's rating at now, for its
// explanation: each weighed factor's input and its points, exactly,
// rounded half up to 0.1.
func (e *evaluator) ratingTerms(s *Supplier, now time.Time) []Term {
	values, valid := e.factors(s, now)
	terms := []Term{}
	for i, name := range factors() {
		if e.points[i].Sign() == 0 {
			continue
		}
		v := e.value(&values[i])
		points := roundHalfAway(v.Mul(v, e.points[i]))
		terms = append(terms, Term{Name: name, Input: factorInput(name, s, valid, len(e.kinds), e.rules.Rating), Amount: decimal.NewFromBigInt(points, -1)})
	}
	return terms
}

// limit computes s's Trade Assurance limit at now, from the grade of its
// rating: in integers (limitMinor) when they fit, else in decimals
// (Rules.limit).
func (e *evaluator) limit(s *Supplier, grade string, now time.Time) (Limit, error) {
	if s.Status != StatusEnrolled {
		return Limit{Amount: e.zero, ComputedAt: now}, nil
	}
	minor, ok, err := e.limitMinor(s, grade, now)
	switch {
	case err != nil:
		return Limit{}, err
	case !ok:
		return e.rules.limit(s, grade, now, nil)
	}
	amount, err := payment.FromMinor(minor, e.rules.Limit.Currency)
	if err != nil {
		return Limit{}, err
	}
	return Limit{Amount: amount, ComputedAt: now}, nil
}

// limitMinor returns the limit of enrolled supplier s at now, in minor
// units, exactly:
//
//	min(Max, (Base + PerYear × years + Σ bonuses + ⌊volume × share⌋) × factor)
//
// rounded down to a multiple of Step, every amount in minor units, share
// and factor fractions. It returns false when a number does not fit 64
// bits, and the error of PerYear × years beyond a Money.
func (e *evaluator) limitMinor(s *Supplier, grade string, now time.Time) (int64, bool, error) {
	l := &e.rules.Limit
	perYear, err := l.PerYear.Times(int64(min(yearsBetween(s.EstablishedOn, now), l.MaxYears)))
	if err != nil {
		return 0, false, err
	}
	// Base, PerYear, bonuses, Max and Step are not negative (Validate)
	// and below 10¹⁸: their sum fits.
	sum := uint64(l.Base.Minor()) + uint64(perYear.Minor())
	for i, k := range e.kinds {
		if b := e.documents[i]; b.ok && validKind(s.Documents, k, now) {
			sum += uint64(b.minor)
		}
	}
	var volume u128
	for _, v := range l.window(s.Volume.days, now) {
		var ok bool
		if volume, ok = volume.add(u128{lo: uint64(v.Minor)}); !ok || v.Minor < 0 {
			return 0, false, nil
		}
	}
	if !e.share.fits || volume.hi != 0 {
		return 0, false, nil
	}
	share, _ := mul64(volume.lo, e.share.num).divmod(e.share.den) // rounded down
	total, ok := share.add(u128{lo: sum})
	factor, found := e.gradeFactors[grade]
	if !found {
		factor = fraction{num: 1, den: 1, fits: true}
	}
	if !ok || total.hi != 0 || !factor.fits {
		return 0, false, nil
	}
	limit, ceiling := mul64(total.lo, factor.num), mul64(uint64(l.Max.Minor()), factor.den)
	var minor int64
	if limit.cmp(ceiling) > 0 {
		minor = l.Max.Minor()
	} else {
		q, _ := limit.divmod(factor.den) // at most Max
		minor = int64(q.lo)
	}
	return minor - minor%l.Step.Minor(), true, nil
}
