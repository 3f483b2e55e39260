package supplier_test

import (
	"cmp"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

func TestExplain(t *testing.T) {
	t.Run("the service explains the supplier as stored, under its rules", func(t *testing.T) {
		rules := supplier.DefaultRules()
		rules.Limit.GradeFactor["D"] = svcDec("0.25")
		f := newSvcFixture(t, &rules)
		f.enroll(t, "s1")
		got, err := f.svc.Explain(t.Context(), "s1")
		require.NoError(t, err)
		want, err := rules.Explain(f.get(t, "s1"))
		require.NoError(t, err)
		testkit.Check(t, "Service.Explain", &want, got)
		assert.Equal(t, "grade D × 0.25", svcTerm(t, got.Limit, "grade").Input)
	})

	t.Run("an unknown supplier is ErrNotFound", func(t *testing.T) {
		_, err := newSvcFixture(t, nil).svc.Explain(t.Context(), "nope")
		require.ErrorIs(t, err, supplier.ErrNotFound)
	})

	t.Run("the terms are those of the instant the rating and the limit were computed", func(t *testing.T) {
		// The ISO 9001 certificate lapses an hour after the last
		// evaluation; until the next one the stored rating and limit
		// count it, and so does their explanation, however late it is
		// asked for.
		f := newSvcFixture(t, nil)
		f.enroll(t, "s1")
		s := f.approved(t, "s1", svcDoc("iso", supplier.ISO9001, svcStart.Add(time.Hour)))
		f.clock.Advance(48 * time.Hour)
		before := s.Clone()
		e := svcExplain(t, nil, s)
		testkit.Check(t, "the supplier after Explain", before, s)
		assert.Equal(t, "4 of 8 document kinds", svcTerm(t, e.Rating, supplier.FactorQualifications).Input)
		assert.Equal(t, "iso_9001", svcTerm(t, e.Limit, "document").Input)
		svcCheckExplained(t, nil, s, e)

		s = f.evaluate(t, "s1")
		e = svcExplain(t, nil, s)
		assert.Equal(t, "3 of 8 document kinds", svcTerm(t, e.Rating, supplier.FactorQualifications).Input)
		assert.Equal(t, "on_site_check", svcTerm(t, e.Limit, "document").Input, "ISO 9001 no longer counts")
		svcCheckExplained(t, nil, s, e)
	})

	t.Run("a supplier never rated has nothing to explain", func(t *testing.T) {
		f := newSvcFixture(t, nil)
		_, err := f.store.Create(t.Context(), ruleRecord("s1", svcFounded))
		require.NoError(t, err)
		got, err := f.svc.Explain(t.Context(), "s1")
		require.NoError(t, err)
		assert.Equal(t, &supplier.Explanation{}, got)
	})

	t.Run("invalid rules explain nothing", func(t *testing.T) {
		f := newSvcFixture(t, nil)
		s := f.enroll(t, "s1")
		rules := supplier.DefaultRules()
		rules.Rating.Weights = nil
		_, err := rules.Explain(s)
		require.ErrorIs(t, err, supplier.ErrInvalidRequest)
	})
}

// svcCheckExplained checks that explanation e of s, under rules (the
// defaults for nil), reproduces its stored limit: the last term rounded
// down to the step is the limit; and that its rating's terms, each rounded
// to 0.1, add up to the score within their rounding.
func svcCheckExplained(t testing.TB, rules *supplier.Rules, s *supplier.Supplier, e supplier.Explanation) {
	t.Helper()
	r := supplier.DefaultRules()
	if rules != nil {
		r = *rules
	}
	require.NotEmpty(t, e.Limit)
	last := e.Limit[len(e.Limit)-1].Amount
	step := r.Limit.Step.Amount()
	assert.True(t, last.Div(step).Floor().Mul(step).Equal(s.Limit.Amount.Amount()),
		"the last term %s in steps of %s, against the limit %s", last, step, s.Limit.Amount)
	sum := decimal.Zero
	for _, term := range e.Rating {
		sum = sum.Add(term.Amount)
	}
	bound := svcDec("0.05").Mul(decimal.NewFromInt(int64(len(e.Rating) + 1)))
	assert.True(t, sum.Sub(s.Rating.Score).Abs().LessThanOrEqual(bound), "the points add up to %s, the score is %s", sum, s.Rating.Score)
}

// TestExplainReproducesTheStoredFigures evaluates pseudo-random records
// under pseudo-random rules (a fixed seed) and checks the stored rating and
// limit, and the terms of their explanation, against an exact reference
// computed here in math/big from the documented formulas (propRating,
// propLimit): the score is the exact sum of the points rounded half up to
// 0.1, and each rating term is its factor's points rounded so; the limit
// is the exact sum of its terms, times the grade's factor, capped and
// rounded down to the step, and the last term is that before the step.
// Every fourth case has counters, volumes or configured decimals beyond
// 64 bits, where the evaluation leaves its integer arithmetic for math/big.
func TestExplainReproducesTheStoredFigures(t *testing.T) {
	rng := rand.New(rand.NewPCG(20260302, 7))
	cases := 600
	if testing.Short() {
		cases = 150
	}
	for i := range cases {
		rules, sup, now := propCase(rng, i%4)
		store := supplier.NewMemoryStore()
		svc, err := supplier.NewService(supplier.Config{Store: store, Clock: testkit.NewClock(now), Rules: &rules})
		require.NoError(t, err)
		_, err = store.Create(t.Context(), sup)
		require.NoError(t, err)
		got, err := svc.Evaluate(t.Context(), svcOrders, sup.ID)
		require.NoError(t, err, "case %d", i)
		explained, err := rules.Explain(got)
		require.NoError(t, err)
		if t.Failed() {
			return
		}

		score, points := propRating(rules, got, now)
		want := propTenths(score)
		if got.Rating.Score.Rat().Cmp(want) != 0 {
			t.Errorf("case %d: score %s, want %s (exactly %s); record %+v", i, got.Rating.Score, want.FloatString(1), score.FloatString(6), got.Record)
		}
		wantGrade := ""
		for _, g := range rules.Rating.Grades {
			if want.Cmp(g.Min.Rat()) >= 0 {
				wantGrade = g.Grade
				break
			}
		}
		assert.Equal(t, wantGrade, got.Rating.Grade, "case %d: the grade of %s", i, got.Rating.Score)
		var names []string
		for _, term := range explained.Rating {
			names = append(names, term.Name)
			if p := points[term.Name]; p == nil || term.Amount.Rat().Cmp(propTenths(p)) != 0 {
				t.Errorf("case %d: %s (%s) %s points, want %s", i, term.Name, term.Input, term.Amount, p)
			}
		}
		assert.Len(t, names, len(points), "case %d: the weighed factors", i)

		minor, last, capped := propLimit(rules, got, now)
		assert.Equal(t, minor, got.Limit.Amount.Minor(), "case %d: the limit", i)
		terms := explained.Limit
		require.NotEmpty(t, terms)
		if got.Enrolled() {
			if got := terms[len(terms)-1]; got.Amount.Rat().Cmp(last) != 0 {
				t.Errorf("case %d: the last term %s = %s, want %s", i, got.Name, got.Amount, last.FloatString(6))
			}
			assert.Equal(t, capped, terms[len(terms)-1].Name == "max", "case %d: capped", i)
		}
		if t.Failed() {
			return
		}
	}
}

// propCase returns pseudo-random rules and a supplier record, and when to
// evaluate it: of ordinary sizes in regime 0, with counters of billions
// and responses years late in 1, days of volume up to an int64's limit in
// 2, and configured decimals of more digits than an int64 holds in 3.
func propCase(rng *rand.Rand, regime int) (supplier.Rules, *supplier.Supplier, time.Time) {
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(int64(48 * time.Hour))))
	money := func(max int64) payment.Money { m, _ := payment.FromMinor(rng.Int64N(max+1), payment.USD); return m }
	dec := func(max int64, exp int32) decimal.Decimal { return decimal.New(rng.Int64N(max+1), exp) }
	long := func() decimal.Decimal { // 0 to 1, with 25 decimals
		d := decimal.RequireFromString(fmt.Sprintf("0.%013d%012d", rng.Int64N(1e13), rng.Int64N(1e12)))
		return d
	}

	r := supplier.DefaultRules()
	kinds := supplier.DocumentKinds()
	r.Required = []supplier.DocumentKind{kinds[rng.IntN(len(kinds))]}
	if rng.IntN(2) == 0 {
		r.Required = append(r.Required, kinds[rng.IntN(len(kinds))])
	}
	r.Rating.Weights = map[string]int{}
	total := 0
	for _, name := range []string{supplier.FactorQualifications, supplier.FactorCompleted, supplier.FactorOnTime, supplier.FactorDisputes,
		supplier.FactorDisputesLost, supplier.FactorResponse, supplier.FactorReviews} {
		w := max(0, rng.IntN(36)-5)
		r.Rating.Weights[name] = w
		total += w
	}
	if total == 0 {
		r.Rating.Weights[supplier.FactorReviews] = 1
	}
	r.Rating.CompletedTarget = 1 + rng.IntN(100)
	r.Rating.ResponseTarget = time.Duration(1 + rng.Int64N(int64(48*time.Hour)))
	r.Rating.Neutral = dec(100, -2)
	mins := []int64{rng.Int64N(10001), rng.Int64N(10001), rng.Int64N(10001)} // in hundredths
	slices.SortFunc(mins, func(a, b int64) int { return cmp.Compare(b, a) })
	r.Rating.Grades = []supplier.Grade{{Min: decimal.New(mins[0], -2), Grade: "A"}, {Min: decimal.New(mins[1], -2), Grade: "B"},
		{Min: decimal.New(mins[2], -2), Grade: "C"}, {Min: decimal.Zero, Grade: "D"}}
	if mins[0] == mins[1] || mins[1] == mins[2] || mins[2] == 0 {
		r.Rating.Grades = r.Rating.Grades[3:]
	}

	l := &r.Limit
	l.Base, l.PerYear, l.MaxYears = money(1e7), money(1e6), rng.IntN(16)
	l.PerDocument = map[supplier.DocumentKind]payment.Money{}
	for _, k := range kinds {
		if rng.IntN(2) == 0 {
			l.PerDocument[k] = money(1e6)
		}
	}
	l.VolumeShare = dec(1500, -3)
	l.VolumeWindow = time.Duration(1+rng.Int64N(200*24)) * time.Hour
	l.GradeFactor = map[string]decimal.Decimal{}
	for _, g := range []string{"A", "B", "C", "D"} {
		if rng.IntN(4) != 0 {
			l.GradeFactor[g] = dec(2000, -3)
		}
	}
	l.Max = money(1e12)
	l.Step, _ = payment.FromMinor(1+rng.Int64N(1e6), payment.USD)
	if regime == 3 {
		r.Rating.Neutral, l.VolumeShare = long(), long()
		l.GradeFactor["A"], l.GradeFactor["B"], l.GradeFactor["C"], l.GradeFactor["D"] = long(), long().Add(decimal.NewFromInt(1)), long(), long()
		r.Rating.Grades[0].Min = long().Mul(decimal.NewFromInt(100))
		slices.SortFunc(r.Rating.Grades, func(a, b supplier.Grade) int { return b.Min.Cmp(a.Min) })
	}

	founded := now.Add(-time.Duration(rng.Int64N(int64(20 * 365 * 24 * time.Hour))))
	s := &supplier.Supplier{ID: "s1", Company: "Company s1", Country: "CN", EstablishedOn: founded, Status: supplier.StatusApplied, CreatedAt: founded}
	for i, k := range kinds {
		d := supplier.Document{ID: fmt.Sprint("d", i), Kind: k, Issuer: "SGS", Number: "N", ValidFrom: founded, Outcome: supplier.ReviewApproved}
		switch rng.IntN(5) {
		case 0:
			continue
		case 1:
			d.ValidUntil = now.Add(-time.Hour)
		case 2:
			d.Outcome = supplier.ReviewPending
		}
		s.Documents = append(s.Documents, d)
	}
	scale := int64(1000)
	if regime == 1 {
		scale = 3e9
	}
	rec := &s.Record
	rec.Completed = int(rng.Int64N(scale))
	rec.OnTime, rec.Disputed = int(rng.Int64N(int64(rec.Completed)+1)), int(rng.Int64N(int64(rec.Completed)/4+1))
	rec.DisputesLost = int(rng.Int64N(int64(rec.Disputed) + 1))
	rec.Inquiries = int(rng.Int64N(scale))
	rec.Responded = int(rng.Int64N(int64(rec.Inquiries) + 1))
	if regime == 1 && rng.IntN(2) == 0 {
		rec.Responded = int(rng.Int64N(min(int64(rec.Inquiries), 1000) + 1)) // a few, very late
	}

	rec.Reviews = int(rng.Int64N(int64(rec.Completed) + 1))
	rec.Stars = int(rng.Int64N(4*int64(rec.Reviews) + 1))
	if rec.Responded > 0 {
		late := int64(96 * time.Hour)
		if regime == 1 {
			late = int64(3 * 365 * 24 * time.Hour)
		}
		avg := min(rng.Int64N(late), math.MaxInt64/int64(rec.Responded))
		rec.ResponseTime = time.Duration(avg*int64(rec.Responded) + rng.Int64N(int64(rec.Responded)))
	}
	if regime == 3 && rng.IntN(2) == 0 {
		*rec = supplier.Record{} // nothing to measure: the neutral fraction counts
	}
	today := int32(now.Unix() / (24 * 60 * 60))
	var days []supplier.Volume
	for d := today - int32(rng.IntN(210)); d <= today+1; d += 1 + int32(rng.IntN(20)) {
		minor := rng.Int64N(1e9)
		if regime == 2 {
			minor = math.MaxInt64 - rng.Int64N(1e6)
		}
		days = append(days, supplier.Volume{Day: d, Minor: minor})
	}
	s.Volume = supplier.NewVolumes(days...)
	return r, s, now
}

// propRating returns the exact score of s at now under r, as the rules
// document it, and the points of each weighed factor.
func propRating(r supplier.Rules, s *supplier.Supplier, now time.Time) (*big.Rat, map[string]*big.Rat) {
	g, rec := r.Rating, s.Record
	q := func(n, d int64) *big.Rat { return big.NewRat(n, d) }
	neutral := g.Neutral.Rat()
	frac := func(n, d int) *big.Rat {
		if d == 0 {
			return neutral
		}
		return q(int64(n), int64(d))
	}
	one := q(1, 1)
	valid := 0
	for _, k := range supplier.DocumentKinds() {
		if slices.ContainsFunc(s.Documents, func(d supplier.Document) bool { return d.Kind == k && d.ValidAt(now) }) {
			valid++
		}
	}
	completed := frac(rec.Completed, g.CompletedTarget)
	if completed.Cmp(one) > 0 {
		completed = one
	}
	disputes, kept := neutral, neutral
	if rec.Completed > 0 {
		disputes = new(big.Rat).Sub(one, frac(rec.Disputed, rec.Completed))
		kept = one
	}
	if rec.Disputed > 0 {
		kept = new(big.Rat).Sub(one, frac(rec.DisputesLost, rec.Disputed))
	}
	response := neutral
	if rec.Inquiries > 0 {
		response = frac(rec.Responded, rec.Inquiries)
		if rec.Responded > 0 {
			if avg := rec.ResponseTime / time.Duration(rec.Responded); avg > g.ResponseTarget {
				response = new(big.Rat).Mul(response, q(int64(g.ResponseTarget), int64(avg)))
			}
		}
	}
	values := map[string]*big.Rat{
		supplier.FactorQualifications: frac(valid, len(supplier.DocumentKinds())),
		supplier.FactorCompleted:      completed,
		supplier.FactorOnTime:         frac(rec.OnTime, rec.Completed),
		supplier.FactorDisputes:       disputes,
		supplier.FactorDisputesLost:   kept,
		supplier.FactorResponse:       response,
		supplier.FactorReviews:        frac(rec.Stars, 4*rec.Reviews),
	}
	total := int64(0)
	for _, w := range g.Weights {
		total += int64(w)
	}
	score, points := new(big.Rat), map[string]*big.Rat{}
	for name, v := range values {
		if w := g.Weights[name]; w > 0 {
			points[name] = new(big.Rat).Mul(v, q(100*int64(w), total))
			score.Add(score, points[name])
		}
	}
	return score, points
}

// propTenths returns x rounded half up to a tenth.
func propTenths(x *big.Rat) *big.Rat {
	n := new(big.Int).Mul(x.Num(), big.NewInt(20))
	n.Add(n, x.Denom())
	n.Quo(n, new(big.Int).Mul(x.Denom(), big.NewInt(2)))
	return new(big.Rat).SetFrac(n, big.NewInt(10))
}

// propLimit returns the limit of s at now under r, in minor units, as the
// rules document it, from its status and grade; the last term of its
// explanation (the sum times the grade's factor, or the cap), in the
// currency's units; and whether the cap applied.
func propLimit(r supplier.Rules, s *supplier.Supplier, now time.Time) (int64, *big.Rat, bool) {
	l := r.Limit
	if !s.Enrolled() {
		return 0, new(big.Rat), false
	}
	minor := func(m payment.Money) *big.Rat { return big.NewRat(m.Minor(), 1) }
	years := 0
	for founded := s.EstablishedOn; !founded.AddDate(years+1, 0, 0).After(now.In(founded.Location())); {
		years++
	}
	sum := new(big.Rat).Add(minor(l.Base), new(big.Rat).Mul(minor(l.PerYear), big.NewRat(int64(min(years, l.MaxYears)), 1)))
	for kind, bonus := range l.PerDocument {
		if slices.ContainsFunc(s.Documents, func(d supplier.Document) bool { return d.Kind == kind && d.ValidAt(now) }) {
			sum.Add(sum, minor(bonus))
		}
	}
	volume := new(big.Int)
	for _, v := range s.Volume.All() {
		if start := v.Start(); start.Add(24*time.Hour).After(now.Add(-l.VolumeWindow)) && !start.After(now) {
			volume.Add(volume, big.NewInt(v.Minor))
		}
	}
	share := new(big.Rat).Mul(new(big.Rat).SetInt(volume), l.VolumeShare.Rat())
	sum.Add(sum, new(big.Rat).SetInt(new(big.Int).Quo(share.Num(), share.Denom())))
	factor, ok := l.GradeFactor[s.Rating.Grade]
	if !ok {
		factor = decimal.NewFromInt(1)
	}
	last := sum.Mul(sum, factor.Rat())
	capped := last.Cmp(minor(l.Max)) > 0
	if capped {
		last = minor(l.Max)
	}
	steps := new(big.Int).Quo(last.Num(), new(big.Int).Mul(last.Denom(), big.NewInt(l.Step.Minor())))
	hundredth := big.NewRat(1, 100)
	return steps.Int64() * l.Step.Minor(), last.Mul(last, hundredth), capped
}
