package supplier

import (
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradeassure/tradeassure/payment"
)

// The evaluator's arithmetic, against math/big. The Service-level tests
// (TestExplainReproducesTheStoredFigures) check its results against the
// documented formulas; these check the parts that random records rarely
// reach.

func TestU128AgainstBig(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	word := func() uint64 {
		switch rng.IntN(4) {
		case 0:
			return rng.Uint64N(1000)
		case 1:
			return math.MaxUint64 - rng.Uint64N(1000)
		}
		return rng.Uint64()
	}
	toBig := func(x u128) *big.Int {
		b := new(big.Int).SetUint64(x.hi)
		return b.Lsh(b, 64).Add(b, new(big.Int).SetUint64(x.lo))
	}
	limit := new(big.Int).Lsh(big.NewInt(1), 128)
	fits := func(b *big.Int) bool { return b.Cmp(limit) < 0 }
	for range 20000 {
		x, y, d := u128{word(), word()}, u128{word(), word()}, max(word(), 1)
		bx, by, bd := toBig(x), toBig(y), new(big.Int).SetUint64(d)

		if got, want := toBig(mul64(x.lo, d)), new(big.Int).Mul(new(big.Int).SetUint64(x.lo), bd); got.Cmp(want) != 0 {
			t.Fatalf("mul64(%d, %d) = %s, want %s", x.lo, d, got, want)
		}
		sum, ok := x.add(y)
		if want := new(big.Int).Add(bx, by); ok != fits(want) || ok && toBig(sum).Cmp(want) != 0 {
			t.Fatalf("%s + %s = %s (%v), want %s", bx, by, toBig(sum), ok, want)
		}
		prod, ok := x.mul(d)
		if want := new(big.Int).Mul(bx, bd); ok != fits(want) || ok && toBig(prod).Cmp(want) != 0 {
			t.Fatalf("%s × %d = %s (%v), want %s", bx, d, toBig(prod), ok, want)
		}
		q, r := x.divmod(d)
		wq, wr := new(big.Int).QuoRem(bx, bd, new(big.Int))
		if toBig(q).Cmp(wq) != 0 || r != wr.Uint64() {
			t.Fatalf("%s / %d = %s rem %d, want %s rem %s", bx, d, toBig(q), r, wq, wr)
		}
		if got, want := x.cmp(y), bx.Cmp(by); got != want {
			t.Fatalf("cmp(%s, %s) = %d, want %d", bx, by, got, want)
		}
		i, ok := x.int64()
		if ok != bx.IsInt64() || ok && i != bx.Int64() {
			t.Fatalf("int64(%s) = %d, %v", bx, i, ok)
		}
		a, b := word(), word()
		if got, want := gcd(a, b), new(big.Int).GCD(nil, nil, new(big.Int).SetUint64(a), new(big.Int).SetUint64(b)); got != want.Uint64() {
			t.Fatalf("gcd(%d, %d) = %d, want %s", a, b, got, want)
		}
	}
	if gcd(0, 0) != 0 || gcd(0, 6) != 6 || gcd(6, 0) != 6 {
		t.Error("gcd with zero")
	}
}

// TestScore10AgreesWithScoreExact draws factor values of every size, with
// neutral fractions and weights that do and do not fit 64 bits: whenever
// score10 computes a score, it is scoreExact's.
func TestScore10AgreesWithScoreExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n64 := func() int64 {
		switch rng.IntN(6) {
		case 0:
			return rng.Int64N(10)
		case 1:
			return math.MaxInt64 - rng.Int64N(10)
		case 2:
			return rng.Int64()
		}
		return rng.Int64N(1 << 31)
	}
	neutrals := []string{"0", "0.5", "1", "0.33", "0.3333333333333333333333333"}
	computed := 0
	for range 20000 {
		r := DefaultRules()
		for _, name := range factors() {
			r.Rating.Weights[name] = rng.IntN(4) * rng.IntN(30)
		}
		r.Rating.Weights[FactorOnTime]++
		r.Rating.Neutral = decimal.RequireFromString(neutrals[rng.IntN(len(neutrals))])
		e := newEvaluator(r)
		var values [numFactors]factorValue
		for i := range values {
			switch rng.IntN(4) {
			case 0:
				values[i] = factorValue{neutral: true}
			case 1: // small fractions of at most 1: what records give
				c := 1 + rng.Int64N(12)
				a := rng.Int64N(c + 1)
				values[i] = factorValue{a: a, b: rng.Int64N(a + 1), c: c, e: 1, f: 1}
			default:
				a, c, f := n64(), max(n64(), 1), max(n64(), 1)
				upTo := func(x int64) int64 { return int64(rng.Uint64N(uint64(x) + 1)) }
				values[i] = factorValue{a: a, b: upTo(a), c: c, e: upTo(f), f: f}
			}
		}
		want := e.scoreExact(&values)
		if got, ok := e.score10(&values); ok {
			computed++
			if !want.IsInt64() || got != want.Int64() {
				t.Fatalf("score10(%+v) = %d, scoreExact %s", values, got, want)
			}
		}
	}
	if computed < 2000 {
		t.Errorf("score10 computed %d scores of 20000", computed)
	}
}

// TestScore10OnARoundingBoundary: two factors of thirds add up to a
// score of exactly 93.75, which rounds up to 93.8. Their fixed-point
// fractions, rounded down, say only that it is within 2⁻⁶³ of the
// boundary; the least common multiple of the denominators (3) decides.
func TestScore10OnARoundingBoundary(t *testing.T) {
	r := DefaultRules()
	r.Rating.Weights = map[string]int{FactorCompleted: 14, FactorOnTime: 1, FactorDisputes: 1}
	r.Rating.CompletedTarget = 3
	e := newEvaluator(r)
	s := &Supplier{Record: Record{Completed: 3, OnTime: 1, Disputed: 1}}
	values, _ := e.factors(s, time.Time{})
	got, ok := e.score10(&values)
	if !ok || got != 938 {
		t.Errorf("score10 = %d, %v; want 938: 87.5 + 100/48 + 200/48 = 93.75, rounded half up", got, ok)
	}
	rem, den := [numFactors]uint64{1, 2}, [numFactors]uint64{3, 3}
	if k, ok := twiceFraction(&rem, &den); !ok || k != 2 {
		t.Errorf("twiceFraction(1/3 + 2/3) = %d, %v; want 2", k, ok)
	}
	rem, den = [numFactors]uint64{1, 1}, [numFactors]uint64{1<<63 - 1, 1<<63 + 1}
	if _, ok := twiceFraction(&rem, &den); ok {
		t.Error("twiceFraction over coprime denominators of 63 bits fits 64 bits")
	}
}

// TestRatingAllocatesNothing: re-rating a supplier whose score does not
// change allocates nothing, whatever the size of its record.
func TestRatingAllocatesNothing(t *testing.T) {
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	e := newEvaluator(DefaultRules())
	s := &Supplier{
		Documents: []Document{{Kind: BusinessLicence, Outcome: ReviewApproved}, {Kind: ISO9001, Outcome: ReviewApproved}},
		Record: Record{Completed: 10000, OnTime: 9000, Disputed: 37, DisputesLost: 11, Inquiries: 5000, Responded: 4321,
			ResponseTime: 4321 * 17 * time.Hour, Reviews: 8000, Stars: 25000},
	}
	s.Rating = e.rating(s, now)
	if allocs := testing.AllocsPerRun(100, func() { s.Rating = e.rating(s, now) }); allocs != 0 {
		t.Errorf("rating allocates %v times", allocs)
	}
	// 2/8 × 15 + 15 + 0.9 × 20 + (1 − 37/10000) × 15 + 26/37 × 10 +
	// 4321/5000 × 12/17 × 10 + 25000/32000 × 15 = 76.54…
	if want := "76.5"; s.Rating.Score.String() != want || s.Rating.Grade != "B" {
		t.Errorf("rating %s (%s), want %s (B)", s.Rating.Score, s.Rating.Grade, want)
	}
}

// TestLimitAllocatesNothing: recomputing an enrolled supplier's limit
// allocates nothing, with every day of its volume window full.
func TestLimitAllocatesNothing(t *testing.T) {
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	e := newEvaluator(DefaultRules())
	s := &Supplier{
		Status: StatusEnrolled, EstablishedOn: now.AddDate(-7, 0, 0),
		Documents: []Document{{Kind: ISO9001, Outcome: ReviewApproved}, {Kind: OnSiteCheck, Outcome: ReviewApproved}},
	}
	for d := day(now) - 180; d <= day(now); d++ {
		s.Volume.days = append(s.Volume.days, Volume{Day: d, Minor: 60000})
	}
	var l Limit
	var err error
	if allocs := testing.AllocsPerRun(100, func() { l, err = e.limit(s, "B", now) }); allocs != 0 {
		t.Errorf("limit allocates %v times", allocs)
	}
	// (5,000 + 7 × 2,000 + 5,000 + 2,500 + 181 × 600 × 0.5) × 1.2 = 96,960:
	// 96,900 in steps of 100.
	if want := "USD 96900.00"; err != nil || l.Amount.String() != want {
		t.Errorf("limit %s, %v; want %s", l.Amount, err, want)
	}
}

// TestLimitMinorAgreesWithDecimals draws rules and records whose numbers
// fit the integer evaluation: its limit is the decimal one's.
func TestLimitMinorAgreesWithDecimals(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	money := func(max int64) payment.Money { m, _ := payment.FromMinor(rng.Int64N(max+1), payment.USD); return m }
	digits := func() decimal.Decimal { // 0 to 2, of 1 to 19 decimals
		n, p := int32(1+rng.IntN(19)), int64(2)
		for range n {
			p = min(p*10, math.MaxInt64/10)
		}
		return decimal.New(rng.Int64N(p), -n)
	}
	computed := 0
	for i := range 5000 {
		r := DefaultRules()
		l := &r.Limit
		l.Base, l.PerYear, l.Max = money(1e12), money(1e9), money(1e15)
		l.Step, _ = payment.FromMinor(1+rng.Int64N(1e7), payment.USD)
		l.VolumeShare, l.GradeFactor["C"] = digits(), digits()
		if err := r.Validate(); err != nil {
			t.Fatal(err)
		}
		e := newEvaluator(r)
		s := &Supplier{Status: StatusEnrolled, EstablishedOn: now.AddDate(-rng.IntN(20), 0, 0)}
		for d := day(now) - 180; d <= day(now); d += 1 + int32(rng.IntN(30)) {
			s.Volume.days = append(s.Volume.days, Volume{Day: d, Minor: rng.Int64N(1 << uint(rng.IntN(56)))})
		}
		want, err := r.limit(s, "C", now, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, ok, err := e.limitMinor(s, "C", now)
		if err != nil || ok && got != want.Amount.Minor() {
			t.Fatalf("case %d: limitMinor = %d, %v, %v; decimals %s (share %s, factor %s)", i, got, ok, err, want.Amount, l.VolumeShare, l.GradeFactor["C"])
		}
		if ok {
			computed++
		}
	}
	if computed < 4000 {
		t.Errorf("limitMinor computed %d limits of 5000", computed)
	}
}

// TestRefreshAllocatesNothing: re-evaluating a supplier whose status,
// reasons and score stay what they were — enrolled or not — allocates
// nothing.
func TestRefreshAllocatesNothing(t *testing.T) {
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	svc, err := NewService(Config{Store: NewMemoryStore(), Clock: payment.ClockFunc(func() time.Time { return now })})
	if err != nil {
		t.Fatal(err)
	}
	approved := func(k DocumentKind) Document { return Document{Kind: k, Outcome: ReviewApproved} }
	for _, tt := range []struct {
		name string
		docs []Document
		want Status
	}{
		{"enrolled", []Document{approved(BusinessLicence), approved(ProductionQualification), approved(OnSiteCheck), approved(ISO9001)}, StatusEnrolled},
		{"verified", []Document{approved(BusinessLicence), {Kind: OnSiteCheck, Outcome: ReviewPending}}, StatusVerified},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &Supplier{Status: StatusApplied, EstablishedOn: now.AddDate(-3, 0, 0), Documents: tt.docs,
				Record: Record{Completed: 40, OnTime: 39, Inquiries: 7, Responded: 7, ResponseTime: 7 * 30 * time.Hour, Reviews: 12, Stars: 40},
				Volume: NewVolumes(Volume{Day: day(now) - 3, Minor: 1234567}, Volume{Day: day(now), Minor: 89})}
			if err := svc.refresh(s, now); err != nil || s.Status != tt.want {
				t.Fatalf("refresh: %v, status %s", err, s.Status)
			}
			if allocs := testing.AllocsPerRun(100, func() { err = svc.refresh(s, now) }); allocs != 0 || err != nil {
				t.Errorf("refresh allocates %v times (%v)", allocs, err)
			}
		})
	}
}

// TestEnrollmentKeepsTheReasonsItCan: the reasons that stand are the
// supplier's own, those that change are new, and the supplier's are
// never written to.
func TestEnrollmentKeepsTheReasonsItCan(t *testing.T) {
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	e := newEvaluator(DefaultRules())
	s := &Supplier{}
	all := e.enrollment(s, now)
	want := []payment.Reason{
		{Code: ReasonMissingDocument, Text: "business_licence: no document submitted"},
		{Code: ReasonMissingDocument, Text: "production_qualification: no document submitted"},
		{Code: ReasonMissingDocument, Text: "on_site_check: no document submitted"},
	}
	if !slices.Equal(all, want) {
		t.Fatalf("enrollment = %v, want %v", all, want)
	}
	s.StatusReasons = all
	if got := e.enrollment(s, now); &got[0] != &all[0] || len(got) != 3 {
		t.Errorf("the same reasons are not the supplier's own")
	}

	s.Documents = []Document{{Kind: ProductionQualification, Outcome: ReviewPending}}
	got := e.enrollment(s, now)
	want[1] = payment.Reason{Code: ReasonPendingDocument, Text: "production_qualification: awaiting review"}
	if !slices.Equal(got, want) || &got[0] == &all[0] {
		t.Errorf("enrollment = %v, want %v, in a new slice", got, want)
	}
	if all[1].Code != ReasonMissingDocument {
		t.Errorf("the supplier's reasons were written to: %v", all)
	}

	s.StatusReasons = got
	s.Documents = []Document{{Kind: OnSiteCheck, Outcome: ReviewApproved}, {Kind: ProductionQualification, Outcome: ReviewPending}}
	if fewer := e.enrollment(s, now); !slices.Equal(fewer, want[:2]) || cap(fewer) != 2 {
		t.Errorf("enrollment = %v (capacity %d), want %v", fewer, cap(fewer), want[:2])
	}
	s.Documents = append(s.Documents, Document{Kind: BusinessLicence, Outcome: ReviewApproved}, Document{Kind: ProductionQualification, Outcome: ReviewApproved})
	if none := e.enrollment(s, now); none != nil {
		t.Errorf("enrollment = %v, want none", none)
	}
}
