package supplier_test

// The helpers of this file are prefixed with rule; it uses those of
// service_test.go too. The rules are unexported methods, so they are tested
// through the Service: a record is written to the store as it is and
// Evaluate applies the rules to it at the clock's now.

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// ruleLongAgo is when ruleRecord's documents came into force.
var ruleLongAgo = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)

// ruleRecord returns a supplier record with the three documents the default
// rules require approved and in force for good, and nothing else.
func ruleRecord(id string, founded time.Time) *supplier.Supplier {
	doc := func(kind supplier.DocumentKind) supplier.Document {
		return supplier.Document{ID: string(kind), Kind: kind, Issuer: "SGS", Number: "N-" + string(kind), ValidFrom: ruleLongAgo,
			Outcome: supplier.ReviewApproved, ReviewedBy: svcAgent, ReviewedAt: ruleLongAgo}
	}
	return &supplier.Supplier{
		ID: id, Company: "Company " + id, Country: "CN", EstablishedOn: founded, Status: supplier.StatusApplied,
		Documents: []supplier.Document{doc(supplier.BusinessLicence), doc(supplier.ProductionQualification), doc(supplier.OnSiteCheck)},
		CreatedAt: ruleLongAgo,
	}
}

// ruleHistory is what a supplier completed and was asked, recorded
// through the Service before it is evaluated, and the reviews of its
// orders, added by their buyers.
type ruleHistory struct {
	orders    []supplier.OrderRecord
	inquiries []supplier.Inquiry
	reviews   []supplier.Review
}

// ruleEvaluate stores sup as it is, records h, evaluates it at now under
// rules (the defaults for nil) and returns the result.
func ruleEvaluate(t testing.TB, now time.Time, rules *supplier.Rules, sup *supplier.Supplier, h ...ruleHistory) *supplier.Supplier {
	t.Helper()
	f := newSvcFixtureAt(t, now, rules)
	ctx := t.Context()
	_, err := f.store.Create(ctx, sup)
	require.NoError(t, err)
	for _, h := range h {
		for _, o := range h.orders {
			f.record(t, sup.ID, o)
		}
		for _, q := range h.inquiries {
			_, err := f.svc.RecordInquiry(ctx, svcOrders, sup.ID, q)
			require.NoError(t, err)
		}
		for _, r := range h.reviews {
			_, err := f.svc.AddReview(ctx, payment.Buyer(r.BuyerID), sup.ID, supplier.ReviewRequest{OrderID: r.OrderID, Rating: r.Rating, Text: r.Text})
			require.NoError(t, err)
		}
	}
	return f.evaluate(t, sup.ID)
}

// ruleReferenceFounded is when the reference supplier was founded: seven
// years before svcStart.
var ruleReferenceFounded = time.Date(2019, 3, 2, 8, 0, 0, 0, time.UTC)

// ruleReference builds, through the Service under rules, the supplier of the
// hand-computed examples: founded seven years ago; a business licence, a
// production qualification, an on-site check and an ISO 9001 certificate
// approved; ten orders completed in the last ten days for USD 20,123.45,
// eight on time, two disputed and one of those lost; four inquiries, three
// answered in 24 hours each; two reviews, of five and four stars.
func ruleReference(t *testing.T, rules *supplier.Rules) (*svcFixture, *supplier.Supplier) {
	t.Helper()
	f := newSvcFixture(t, rules)
	f.registerFounded(t, "s1", ruleReferenceFounded)
	f.approved(t, "s1", svcDoc("licence", supplier.BusinessLicence, time.Time{}))
	f.approved(t, "s1", svcDoc("production", supplier.ProductionQualification, time.Time{}))
	f.approved(t, "s1", svcDoc("on-site", supplier.OnSiteCheck, time.Time{}))
	f.approved(t, "s1", svcDoc("iso", supplier.ISO9001, time.Time{}))
	for i := 1; i <= 10; i++ {
		o := svcOrder(fmt.Sprint("o", i), fmt.Sprint("b", i), "2000.00", svcStart.Add(-time.Duration(i)*svcDay))
		if i == 10 {
			o.Value = svcUSD("2123.45")
		}
		o.OnTime, o.Disputed, o.DisputeLost = i <= 8, i >= 9, i == 10
		f.record(t, "s1", o)
	}
	received := svcStart.Add(-10 * svcDay)
	for i := 1; i <= 4; i++ {
		q := supplier.Inquiry{ID: fmt.Sprint("q", i), ReceivedAt: received}
		if i <= 3 {
			q.RespondedAt = received.Add(24 * time.Hour)
		}
		_, err := f.svc.RecordInquiry(t.Context(), svcOrders, "s1", q)
		require.NoError(t, err)
	}
	for i, stars := range []int{5, 4} {
		_, err := f.svc.AddReview(t.Context(), payment.Buyer(fmt.Sprint("b", i+1)), "s1", supplier.ReviewRequest{OrderID: fmt.Sprint("o", i+1), Rating: stars})
		require.NoError(t, err)
	}
	return f, f.get(t, "s1")
}

func TestDefaultRules(t *testing.T) {
	r := supplier.DefaultRules()
	require.NoError(t, r.Validate())
	dec := decimal.RequireFromString
	want := supplier.Rules{
		Required: []supplier.DocumentKind{supplier.BusinessLicence, supplier.ProductionQualification, supplier.OnSiteCheck},
		Limit: supplier.LimitRule{
			Currency: payment.USD, Base: svcUSD("5000"), PerYear: svcUSD("2000"), MaxYears: 10,
			PerDocument:  map[supplier.DocumentKind]payment.Money{supplier.ISO9001: svcUSD("5000"), supplier.ISO14001: svcUSD("2500"), supplier.OnSiteCheck: svcUSD("2500")},
			VolumeShare:  dec("0.5"),
			VolumeWindow: 180 * svcDay,
			GradeFactor:  map[string]decimal.Decimal{"A": dec("1.5"), "B": dec("1.2"), "C": dec("1"), "D": dec("0.5")},
			Max:          svcUSD("1000000"), Step: svcUSD("100"),
		},
		Rating: supplier.RatingRule{
			Weights: map[string]int{
				supplier.FactorQualifications: 15, supplier.FactorCompleted: 15, supplier.FactorOnTime: 20, supplier.FactorDisputes: 15,
				supplier.FactorDisputesLost: 10, supplier.FactorResponse: 10, supplier.FactorReviews: 15,
			},
			CompletedTarget: 50, ResponseTarget: 12 * time.Hour, Neutral: dec("0.5"),
			Grades: []supplier.Grade{{Min: dec("85"), Grade: "A"}, {Min: dec("70"), Grade: "B"}, {Min: dec("50"), Grade: "C"}, {Min: dec("0"), Grade: "D"}},
		},
		Payouts: supplier.PayoutRule{Schedule: supplier.Daily},
	}
	testkit.Check(t, "DefaultRules, against its doc comment", want, r)

	t.Run("each call returns its own maps", func(t *testing.T) {
		a := supplier.DefaultRules()
		a.Limit.GradeFactor["A"] = dec("100")
		a.Rating.Weights[supplier.FactorReviews] = 1000
		b := supplier.DefaultRules()
		assert.True(t, dec("1.5").Equal(b.Limit.GradeFactor["A"]))
		assert.Equal(t, 15, b.Rating.Weights[supplier.FactorReviews])
	})
}

func TestRulesValidate(t *testing.T) {
	dec := decimal.RequireFromString
	for _, tt := range []struct {
		name   string
		change func(r *supplier.Rules)
		want   error // nil: the rules are valid
	}{
		{"a neutral fraction of 0 is valid", func(r *supplier.Rules) { r.Rating.Neutral = decimal.Zero }, nil},
		{"a neutral fraction of 1 is valid", func(r *supplier.Rules) { r.Rating.Neutral = dec("1") }, nil},
		{"a factor may weigh nothing", func(r *supplier.Rules) { r.Rating.Weights[supplier.FactorReviews] = 0 }, nil},
		{"a limit of nothing but its base is valid", func(r *supplier.Rules) {
			r.Limit.PerDocument, r.Limit.GradeFactor, r.Limit.VolumeShare, r.Limit.VolumeWindow = nil, nil, decimal.Zero, 0
		}, nil},
		{"the limit needs a known currency", func(r *supplier.Rules) { r.Limit.Currency = "ZZZ" }, payment.ErrUnknownCurrency},
		{"the base is in the limit's currency", func(r *supplier.Rules) { r.Limit.Base = payment.MustParse("5000", payment.EUR) }, supplier.ErrInvalidRequest},
		{"the base is set", func(r *supplier.Rules) { r.Limit.Base = payment.Money{} }, supplier.ErrInvalidRequest},
		{"a year in business adds nothing negative", func(r *supplier.Rules) { r.Limit.PerYear = svcUSD("-1") }, supplier.ErrInvalidRequest},
		{"the cap is not negative", func(r *supplier.Rules) { r.Limit.Max = svcUSD("-1") }, supplier.ErrInvalidRequest},
		{"a document adds nothing negative", func(r *supplier.Rules) { r.Limit.PerDocument[supplier.ISO9001] = svcUSD("-0.01") }, supplier.ErrInvalidRequest},
		{"a document adds in the limit's currency", func(r *supplier.Rules) {
			r.Limit.PerDocument[supplier.ISO9001] = payment.MustParse("1", payment.EUR)
		}, supplier.ErrInvalidRequest},
		{"the step is positive", func(r *supplier.Rules) { r.Limit.Step = svcUSD("0") }, supplier.ErrInvalidRequest},
		{"the years counted are not negative", func(r *supplier.Rules) { r.Limit.MaxYears = -1 }, supplier.ErrInvalidRequest},
		{"the volume share is not negative", func(r *supplier.Rules) { r.Limit.VolumeShare = dec("-0.1") }, supplier.ErrInvalidRequest},
		{"the volume window is not negative", func(r *supplier.Rules) { r.Limit.VolumeWindow = -time.Second }, supplier.ErrInvalidRequest},
		{"a weight is not negative", func(r *supplier.Rules) { r.Rating.Weights[supplier.FactorOnTime] = -1 }, supplier.ErrInvalidRequest},
		{"a weight names a known factor", func(r *supplier.Rules) { r.Rating.Weights["charm"] = 5 }, supplier.ErrInvalidRequest},
		{"some factor weighs something", func(r *supplier.Rules) { r.Rating.Weights = map[string]int{supplier.FactorOnTime: 0} }, supplier.ErrInvalidRequest},
		{"the completed-orders target is positive", func(r *supplier.Rules) { r.Rating.CompletedTarget = 0 }, supplier.ErrInvalidRequest},
		{"the response target is positive", func(r *supplier.Rules) { r.Rating.ResponseTarget = 0 }, supplier.ErrInvalidRequest},
		{"the neutral fraction is at most 1", func(r *supplier.Rules) { r.Rating.Neutral = dec("1.01") }, supplier.ErrInvalidRequest},
		{"the neutral fraction is not negative", func(r *supplier.Rules) { r.Rating.Neutral = dec("-0.01") }, supplier.ErrInvalidRequest},
		{"there are grades", func(r *supplier.Rules) { r.Rating.Grades = nil }, supplier.ErrInvalidRequest},
		{"grades go from the highest minimum down", func(r *supplier.Rules) {
			r.Rating.Grades[0], r.Rating.Grades[1] = r.Rating.Grades[1], r.Rating.Grades[0]
		}, supplier.ErrInvalidRequest},
		{"the last grade starts at 0", func(r *supplier.Rules) { r.Rating.Grades = r.Rating.Grades[:3] }, supplier.ErrInvalidRequest},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := supplier.DefaultRules()
			tt.change(&r)
			err := r.Validate()
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.want)
		})
	}
}

func TestDocumentValidAt(t *testing.T) {
	from, until := svcStart, svcStart.Add(365*svcDay)
	for _, tt := range []struct {
		name    string
		outcome supplier.ReviewOutcome
		until   time.Time
		at      time.Time
		want    bool
	}{
		{"an approved document is valid from its first instant", supplier.ReviewApproved, until, from, true},
		{"an approved document is not valid the instant before", supplier.ReviewApproved, until, from.Add(-time.Nanosecond), false},
		{"an approved document is valid on its last instant", supplier.ReviewApproved, until, until.Add(-time.Nanosecond), true},
		{"an approved document has expired at ValidUntil", supplier.ReviewApproved, until, until, false},
		{"an approved document without an expiry is valid for good", supplier.ReviewApproved, time.Time{}, from.Add(100 * 365 * svcDay), true},
		{"a document pending review is never valid", supplier.ReviewPending, until, from.Add(svcDay), false},
		{"a rejected document is never valid", supplier.ReviewRejected, time.Time{}, from.Add(svcDay), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := supplier.Document{Outcome: tt.outcome, ValidFrom: from, ValidUntil: tt.until}
			assert.Equal(t, tt.want, d.ValidAt(tt.at))
		})
	}
}

func TestEnrollmentReasons(t *testing.T) {
	rules := supplier.DefaultRules()
	rules.Required = []supplier.DocumentKind{supplier.BusinessLicence}
	now := svcStart
	doc := func(id string, outcome supplier.ReviewOutcome, from, until time.Time) supplier.Document {
		return supplier.Document{ID: id, Kind: supplier.BusinessLicence, Issuer: "AMR", Number: id, ValidFrom: from, ValidUntil: until, Outcome: outcome}
	}
	past, future := now.Add(-365*svcDay), now.Add(365*svcDay)
	valid := doc("valid", supplier.ReviewApproved, past, time.Time{})
	expired := doc("expired", supplier.ReviewApproved, past, now)
	early := doc("early", supplier.ReviewApproved, now.Add(time.Nanosecond), future)
	pending := doc("pending", supplier.ReviewPending, past, time.Time{})
	rejected := doc("rejected", supplier.ReviewRejected, past, time.Time{})
	text := map[string]string{
		supplier.ReasonMissingDocument:  "business_licence: no document submitted",
		supplier.ReasonExpiredDocument:  "business_licence: the approved document is not in force",
		supplier.ReasonPendingDocument:  "business_licence: awaiting review",
		supplier.ReasonRejectedDocument: "business_licence: rejected at review",
	}
	for _, tt := range []struct {
		name string
		docs []supplier.Document
		want string // the reason code; "" for enrolled
	}{
		{"no licence is missing", nil, supplier.ReasonMissingDocument},
		{"a licence of another kind is missing", []supplier.Document{{ID: "iso", Kind: supplier.ISO9001, ValidFrom: past, Outcome: supplier.ReviewApproved}}, supplier.ReasonMissingDocument},
		{"a licence awaiting review is pending", []supplier.Document{pending}, supplier.ReasonPendingDocument},
		{"a rejected licence is rejected", []supplier.Document{rejected}, supplier.ReasonRejectedDocument},
		{"an approved licence past its expiry has expired", []supplier.Document{expired}, supplier.ReasonExpiredDocument},
		{"an approved licence not yet in force counts as not in force", []supplier.Document{early}, supplier.ReasonExpiredDocument},
		{"a renewal awaiting review outranks the expired licence", []supplier.Document{expired, pending}, supplier.ReasonPendingDocument},
		{"a renewal awaiting review outranks the expired licence in any order", []supplier.Document{pending, expired}, supplier.ReasonPendingDocument},
		{"a renewal awaiting review outranks a rejected one", []supplier.Document{rejected, pending}, supplier.ReasonPendingDocument},
		{"an expired licence outranks a rejected renewal", []supplier.Document{expired, rejected}, supplier.ReasonExpiredDocument},
		{"an expired licence outranks a rejected renewal in any order", []supplier.Document{rejected, expired}, supplier.ReasonExpiredDocument},
		{"one licence in force is enough", []supplier.Document{rejected, expired, valid, pending}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sup := ruleRecord("s1", svcFounded)
			sup.Documents = tt.docs
			got := ruleEvaluate(t, now, &rules, sup)
			if tt.want == "" {
				assert.Equal(t, supplier.StatusEnrolled, got.Status)
				assert.Empty(t, got.StatusReasons)
				return
			}
			assert.Equal(t, []payment.Reason{{Code: tt.want, Text: text[tt.want]}}, got.StatusReasons)
			assert.NotEqual(t, supplier.StatusEnrolled, got.Status)
		})
	}
}

func TestYearsInBusiness(t *testing.T) {
	leap := time.Date(2020, 2, 29, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name    string
		founded time.Time
		now     time.Time
		years   int
	}{
		{"on the tenth anniversary ten years count", svcFounded, svcStart, 10},
		{"the instant before the tenth anniversary nine years count", svcFounded, svcStart.Add(-time.Nanosecond), 9},
		{"the day before the seventh anniversary six years count", ruleReferenceFounded, svcStart.Add(-svcDay), 6},
		{"on the seventh anniversary seven years count", ruleReferenceFounded, svcStart, 7},
		{"a supplier founded today has no years", svcStart, svcStart, 0},
		{"founded on 29 February, on 28 February of the next year no year counts", leap, time.Date(2021, 2, 28, 23, 59, 59, 999999999, time.UTC), 0},
		{"founded on 29 February, a year counts from 1 March of a common year", leap, time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC), 1},
		{"founded on 29 February, the day before the fourth anniversary three years count", leap, time.Date(2024, 2, 28, 0, 0, 0, 0, time.UTC), 3},
		{"founded on 29 February, on 29 February four years later four count", leap, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), 4},
		{"beyond MaxYears the years are counted up to it", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), svcStart, 26},
		{"a founding date in the future counts no years", svcStart.Add(svcDay), svcStart, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := ruleEvaluate(t, tt.now, nil, ruleRecord("s1", tt.founded))
			require.True(t, got.Enrolled())
			term := svcTerm(t, svcExplain(t, nil, got).Limit, "years")
			assert.Equal(t, fmt.Sprintf("%d years in business (counted up to 10)", tt.years), term.Input)
			want := decimal.NewFromInt(int64(2000 * min(tt.years, 10)))
			assert.True(t, want.Equal(term.Amount), "years term: got %s, want %s", term.Amount, want)
		})
	}
}

// Bug: yearsBetween (supplier/rules.go) takes the year of the founding date
// in its own location and the year of now in the clock's, then corrects
// only downwards, so when the two locations straddle New Year it counts a
// year short. A supplier founded at midnight on 1 January 2016 in Shanghai
// has its tenth anniversary at 16:00 UTC on 31 December 2025; at 20:00 UTC
// (04:00 on 1 January in Shanghai) ten years have passed, but b.Year() −
// a.Year() is 2025 − 2016 = 9 and nothing raises it.
func TestYearsInBusinessAcrossTimeZones(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*60*60)
	founded := time.Date(2016, 1, 1, 0, 0, 0, 0, shanghai)
	now := time.Date(2025, 12, 31, 20, 0, 0, 0, time.UTC)
	require.False(t, now.Before(founded.AddDate(10, 0, 0)), "the tenth anniversary has passed")
	got := ruleEvaluate(t, now, nil, ruleRecord("s1", founded))
	assert.Equal(t, "10 years in business (counted up to 10)", svcTerm(t, svcExplain(t, nil, got).Limit, "years").Input)
}

func TestVolumeWindow(t *testing.T) {
	window := supplier.DefaultRules().Limit.VolumeWindow
	for _, tt := range []struct {
		name      string
		completed time.Duration // from now
		in        bool
	}{
		// The volume is kept by day (UTC): an order counts until the
		// window has passed the whole of its day.
		{"an order completed exactly one window ago is in, for the rest of its day", -window, true},
		{"an order completed at the start of the day one window ago is in", -window - svcStart.Sub(svcStart.Truncate(svcDay)), true},
		{"an order completed on the day before is out", -window - svcStart.Sub(svcStart.Truncate(svcDay)) - time.Nanosecond, false},
		{"an order completed a second ago is in", -time.Second, true},
		{"an order completed now is in", 0, true},
		{"an order completed tomorrow is out", svcDay, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := ruleEvaluate(t, svcStart, nil, ruleRecord("s1", svcFounded),
				ruleHistory{orders: []supplier.OrderRecord{svcOrder("o1", "b1", "1000.00", svcStart.Add(tt.completed))}})
			term := svcTerm(t, svcExplain(t, nil, got).Limit, "volume")
			volume, share := "USD 0.00", "0"
			if tt.in {
				volume, share = "USD 1000.00", "500"
			}
			assert.Equal(t, volume+" in the last 180 days × 0.5", term.Input)
			assert.True(t, svcDec(share).Equal(term.Amount), "volume share: got %s, want %s", term.Amount, share)
		})
	}

	t.Run("the volume share rounds down to the cent", func(t *testing.T) {
		got := ruleEvaluate(t, svcStart, nil, ruleRecord("s1", svcFounded), ruleHistory{orders: []supplier.OrderRecord{
			svcOrder("o1", "b1", "1000.01", svcStart), svcOrder("o2", "b1", "0.02", svcStart)}})
		term := svcTerm(t, svcExplain(t, nil, got).Limit, "volume")
		assert.Equal(t, "USD 1000.03 in the last 180 days × 0.5", term.Input)
		assert.True(t, svcDec("500.01").Equal(term.Amount), "got %s", term.Amount)
	})
}

func TestGradeBoundaries(t *testing.T) {
	// Only the response factor weighs, and one inquiry is answered in 100
	// seconds: the score is 100 × min(1, target / 100 s), exactly.
	for _, tt := range []struct {
		target time.Duration
		score  string
		grade  string
		factor string
	}{
		{100 * time.Second, "100", "A", "1.5"},
		{85 * time.Second, "85", "A", "1.5"},
		{84950 * time.Millisecond, "85", "A", "1.5"}, // 84.95 rounds to 85.0 before grading
		{84940 * time.Millisecond, "84.9", "B", "1.2"},
		{84900 * time.Millisecond, "84.9", "B", "1.2"},
		{70 * time.Second, "70", "B", "1.2"},
		{69900 * time.Millisecond, "69.9", "C", "1"},
		{50 * time.Second, "50", "C", "1"},
		{49900 * time.Millisecond, "49.9", "D", "0.5"},
		{time.Millisecond, "0", "D", "0.5"},
	} {
		t.Run(fmt.Sprintf("a score of %s is grade %s", tt.score, tt.grade), func(t *testing.T) {
			rules := supplier.DefaultRules()
			rules.Rating.Weights = map[string]int{supplier.FactorResponse: 1}
			rules.Rating.ResponseTarget = tt.target
			got := ruleEvaluate(t, svcStart, &rules, ruleRecord("s1", svcFounded), ruleHistory{inquiries: []supplier.Inquiry{
				{ID: "q1", ReceivedAt: svcStart.Add(-time.Hour), RespondedAt: svcStart.Add(-time.Hour + 100*time.Second)}}})
			assert.True(t, svcDec(tt.score).Equal(got.Rating.Score), "score: got %s, want %s", got.Rating.Score, tt.score)
			assert.Equal(t, tt.grade, got.Rating.Grade)
			assert.Equal(t, fmt.Sprintf("grade %s × %s", tt.grade, tt.factor), svcTerm(t, svcExplain(t, &rules, got).Limit, "grade").Input)
		})
	}
}

func TestLimitFormula(t *testing.T) {
	t.Run("the reference supplier's limit, by hand", func(t *testing.T) {
		// (5,000 base + 7 years × 2,000 + 5,000 for ISO 9001 + 2,500 for the
		// on-site check + 20,123.45 × 0.5 rounded down to 10,061.72) × 1 for
		// grade C = 36,561.72, in steps of 100: 36,500.
		_, s := ruleReference(t, nil)
		testkit.Check(t, "Limit", supplier.Limit{Amount: svcUSD("36500.00"), ComputedAt: svcStart}, s.Limit)
		testkit.Check(t, "the limit's terms", []supplier.Term{
			{Name: "base", Input: "enrolled", Amount: svcDec("5000")},
			{Name: "years", Input: "7 years in business (counted up to 10)", Amount: svcDec("14000")},
			{Name: "document", Input: "iso_9001", Amount: svcDec("5000")},
			{Name: "document", Input: "on_site_check", Amount: svcDec("2500")},
			{Name: "volume", Input: "USD 20123.45 in the last 180 days × 0.5", Amount: svcDec("10061.72")},
			{Name: "grade", Input: "grade C × 1", Amount: svcDec("36561.72")},
		}, svcExplain(t, nil, s).Limit)
		assert.Equal(t, svcUSD("36500.00"), s.Available())
	})

	t.Run("the grade factors are configuration", func(t *testing.T) {
		rules := supplier.DefaultRules()
		rules.Limit.GradeFactor["C"] = svcDec("0.75")
		_, s := ruleReference(t, &rules)
		assert.Equal(t, "grade C × 0.75", svcTerm(t, svcExplain(t, &rules, s).Limit, "grade").Input)
		assert.Equal(t, svcUSD("27400.00"), s.Limit.Amount, "36,561.72 × 0.75 = 27,421.29, in steps of 100")
	})

	t.Run("a grade without a factor counts 1", func(t *testing.T) {
		rules := supplier.DefaultRules()
		rules.Limit.GradeFactor = map[string]decimal.Decimal{"A": svcDec("3")}
		_, s := ruleReference(t, &rules)
		assert.Equal(t, svcUSD("36500.00"), s.Limit.Amount)
	})

	t.Run("the default limit is capped at USD 1,000,000", func(t *testing.T) {
		got := ruleEvaluate(t, svcStart, nil, ruleRecord("s1", svcFounded),
			ruleHistory{orders: []supplier.OrderRecord{svcOrder("o1", "b1", "5000000.00", svcStart)}})
		assert.Equal(t, svcUSD("1000000.00"), got.Limit.Amount)
		terms := svcExplain(t, nil, got).Limit
		testkit.Check(t, "the last term", supplier.Term{Name: "max", Input: "USD 1000000.00", Amount: svcDec("1000000")}, terms[len(terms)-1])
	})
}

func TestLimitCapAndStep(t *testing.T) {
	for _, tt := range []struct {
		name   string
		base   string
		max    string // default "10000.00"
		want   string
		capped bool
	}{
		{"a sum below one step rounds down to nothing", "99.99", "", "0.00", false},
		{"a sum of exactly one step is one step", "100.00", "", "100.00", false},
		{"a cent below the next step rounds down", "9999.99", "", "9900.00", false},
		{"a sum of exactly the cap is the cap", "10000.00", "", "10000.00", false},
		{"a cent over the cap is capped", "10000.01", "", "10000.00", true},
		{"far over the cap is capped", "5000000.00", "", "10000.00", true},
		{"a cap between steps is rounded down to a step too", "20000.00", "10050.00", "10000.00", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rules := supplier.DefaultRules()
			capAt := cmp.Or(tt.max, "10000.00")
			rules.Limit = supplier.LimitRule{Currency: payment.USD, Base: svcUSD(tt.base), PerYear: svcUSD("0"), Max: svcUSD(capAt), Step: svcUSD("100.00")}
			got := ruleEvaluate(t, svcStart, &rules, ruleRecord("s1", svcFounded))
			assert.Equal(t, svcUSD(tt.want), got.Limit.Amount)
			terms := svcExplain(t, &rules, got).Limit
			last := terms[len(terms)-1]
			if tt.capped {
				testkit.Check(t, "the last term", supplier.Term{Name: "max", Input: svcUSD(capAt).String(), Amount: svcDec(capAt)}, last)
			} else {
				assert.Equal(t, "grade", last.Name, "no cap applied")
				assert.True(t, svcDec(tt.base).Equal(last.Amount), "the sum before steps: got %s, want %s", last.Amount, tt.base)
			}
		})
	}
}

// TestLimitRoundsDownExactly: the limit is the largest multiple of the
// step not above the sum times the grade's factor, however close below a
// multiple that falls. USD 10,000 × 0.9999999999999999999 is a hundred-
// quadrillionth of a cent below USD 10,000, so the limit in steps of 100
// is USD 9,900 (dividing by the step in 16-digit decimals rounded that up
// to USD 10,000): with the factor's 19 digits, which the integer
// evaluation takes, and with 20, which it leaves to decimals.
func TestLimitRoundsDownExactly(t *testing.T) {
	for _, factor := range []string{"0.9999999999999999999", "0.99999999999999999999"} {
		t.Run(factor, func(t *testing.T) {
			rules := supplier.DefaultRules()
			rules.Limit = supplier.LimitRule{Currency: payment.USD, Base: svcUSD("10000.00"), PerYear: svcUSD("0"),
				Max: svcUSD("1000000.00"), Step: svcUSD("100.00"), GradeFactor: map[string]decimal.Decimal{}}
			for _, g := range rules.Rating.Grades {
				rules.Limit.GradeFactor[g.Grade] = svcDec(factor)
			}
			got := ruleEvaluate(t, svcStart, &rules, ruleRecord("s1", svcFounded))
			assert.Equal(t, svcUSD("9900.00"), got.Limit.Amount)
			grade := svcTerm(t, svcExplain(t, &rules, got).Limit, "grade")
			assert.True(t, svcDec("10000").Mul(svcDec(factor)).Equal(grade.Amount), "the grade term: %s", grade.Amount)
		})
	}
}

func TestLimitIsZeroUnlessEnrolled(t *testing.T) {
	for _, tt := range []struct {
		status supplier.Status
		setup  func(t *testing.T, f *svcFixture)
	}{
		{supplier.StatusApplied, func(t *testing.T, f *svcFixture) { f.register(t, "s1") }},
		{supplier.StatusVerified, func(t *testing.T, f *svcFixture) {
			f.register(t, "s1")
			f.approved(t, "s1", svcDoc("licence", supplier.BusinessLicence, time.Time{}))
		}},
		{supplier.StatusSuspended, func(t *testing.T, f *svcFixture) {
			f.enroll(t, "s1")
			f.review(t, "s1", "on-site", false)
		}},
		{supplier.StatusRemoved, func(t *testing.T, f *svcFixture) {
			f.enroll(t, "s1")
			_, err := f.svc.Remove(t.Context(), svcAgent, "s1", "fraud")
			require.NoError(t, err)
		}},
	} {
		t.Run(fmt.Sprintf("a supplier %s has a limit of zero", tt.status), func(t *testing.T) {
			f := newSvcFixture(t, nil)
			tt.setup(t, f)
			f.clock.Advance(time.Hour)
			s := f.evaluate(t, "s1")
			require.Equal(t, tt.status, s.Status)
			testkit.Check(t, "Limit", supplier.Limit{Amount: svcUSD("0.00"), ComputedAt: svcStart.Add(time.Hour)}, s.Limit)
			testkit.Check(t, "the limit's terms", []supplier.Term{{Name: "status", Input: string(tt.status), Amount: decimal.Zero}},
				svcExplain(t, nil, s).Limit)
			assert.Equal(t, svcUSD("0.00"), s.Available())
		})
	}
}

func TestLimitFollowsTheRecord(t *testing.T) {
	t.Run("every record change recomputes the limit", func(t *testing.T) {
		f := newSvcFixture(t, nil)
		s := f.enroll(t, "s1")
		require.Equal(t, svcUSD(svcEnrolledLimit), s.Limit.Amount)
		f.clock.Advance(time.Hour)
		s = f.record(t, "s1", svcOrder("o1", "b1", "30000.00", svcStart))
		assert.Equal(t, svcStart.Add(time.Hour), s.Limit.ComputedAt)
		assert.Equal(t, "USD 30000.00 in the last 180 days × 0.5", svcTerm(t, svcExplain(t, nil, s).Limit, "volume").Input)
		assert.Equal(t, 1, mustCmp(t, s.Limit.Amount, svcUSD(svcEnrolledLimit)), "the volume raises the limit: %s", s.Limit.Amount)
	})

	t.Run("Evaluate recomputes the limit as orders leave the volume window", func(t *testing.T) {
		f := newSvcFixture(t, nil)
		f.enroll(t, "s1")
		s := f.record(t, "s1", svcOrder("o1", "b1", "30000.00", svcStart))
		grown := s.Limit.Amount
		// The volume is kept by day: the order's day leaves the window
		// once the window has passed the whole of it.
		out := svcStart.Truncate(svcDay).Add(svcDay + 180*svcDay)
		f.advanceTo(t, out.Add(-time.Second))
		s = f.evaluate(t, "s1")
		assert.Equal(t, grown, s.Limit.Amount, "the order's day is still in the window")
		f.clock.Advance(time.Second)
		s = f.evaluate(t, "s1")
		assert.Equal(t, "USD 0.00 in the last 180 days × 0.5", svcTerm(t, svcExplain(t, nil, s).Limit, "volume").Input)
		assert.Equal(t, -1, mustCmp(t, s.Limit.Amount, grown), "the limit shrinks: %s", s.Limit.Amount)
		assert.Equal(t, out, s.Limit.ComputedAt)
		assert.Zero(t, s.Volume.Len(), "the day out of the window is dropped")
	})

	t.Run("only approved documents in force add to the limit", func(t *testing.T) {
		f := newSvcFixture(t, nil)
		f.enroll(t, "s1")
		documents := func(s *supplier.Supplier) []string {
			var kinds []string
			for _, term := range svcExplain(t, nil, s).Limit {
				if term.Name == "document" {
					kinds = append(kinds, term.Input)
				}
			}
			return kinds
		}
		expires := svcStart.Add(30 * svcDay)
		s := f.submit(t, "s1", svcDoc("iso", supplier.ISO9001, expires))
		assert.Equal(t, []string{"on_site_check"}, documents(s), "ISO 9001 awaiting review")
		s = f.review(t, "s1", "iso", true)
		assert.Equal(t, []string{"iso_9001", "on_site_check"}, documents(s), "ISO 9001 approved")
		f.advanceTo(t, expires)
		s = f.evaluate(t, "s1")
		assert.Equal(t, []string{"on_site_check"}, documents(s), "ISO 9001 expired")
		s = f.approved(t, "s1", svcDoc("iso-env", supplier.ISO14001, time.Time{}))
		assert.Equal(t, []string{"iso_14001", "on_site_check"}, documents(s))
		s = f.approved(t, "s1", svcDoc("ip", supplier.IntellectualProperty, time.Time{}))
		assert.Equal(t, []string{"iso_14001", "on_site_check"}, documents(s), "a kind without a bonus adds nothing")
	})
}

func TestRatingFormula(t *testing.T) {
	t.Run("the reference supplier's rating, by hand", func(t *testing.T) {
		// Out of 100 weight points: qualifications 4/8 × 15 = 7.5; completed
		// 10/50 × 15 = 3; on time 8/10 × 20 = 16; disputes (1 − 2/10) × 15 =
		// 12; disputes lost (1 − 1/2) × 10 = 5; response 3/4 answered ×
		// (12 h / 24 h) × 10 = 3.75; reviews (4 + 3)/(4 × 2) × 15 = 13.125.
		// The score is 60.375, rounded to 60.4: grade C.
		_, s := ruleReference(t, nil)
		testkit.Check(t, "Rating", supplier.Rating{Score: svcDec("60.4"), Grade: "C", ComputedAt: svcStart}, s.Rating)
		testkit.Check(t, "the rating's terms", []supplier.Term{
			{Name: supplier.FactorQualifications, Input: "4 of 8 document kinds", Amount: svcDec("7.5")},
			{Name: supplier.FactorCompleted, Input: "10 orders (full marks at 50)", Amount: svcDec("3")},
			{Name: supplier.FactorOnTime, Input: "8 of 10 on time", Amount: svcDec("16")},
			{Name: supplier.FactorDisputes, Input: "2 of 10 disputed", Amount: svcDec("12")},
			{Name: supplier.FactorDisputesLost, Input: "1 of 2 disputes lost", Amount: svcDec("5")},
			{Name: supplier.FactorResponse, Input: "3 of 4 inquiries answered", Amount: svcDec("3.8")},
			{Name: supplier.FactorReviews, Input: "2 reviews", Amount: svcDec("13.1")},
		}, svcExplain(t, nil, s).Rating)
	})

	t.Run("the weights are configuration: only reviews", func(t *testing.T) {
		rules := supplier.DefaultRules()
		rules.Rating.Weights = map[string]int{supplier.FactorReviews: 3, supplier.FactorOnTime: 0}
		_, s := ruleReference(t, &rules)
		testkit.Check(t, "Rating", supplier.Rating{Score: svcDec("87.5"), Grade: "A", ComputedAt: svcStart}, s.Rating)
		explained := svcExplain(t, &rules, s)
		testkit.Check(t, "the rating's terms", []supplier.Term{{Name: supplier.FactorReviews, Input: "2 reviews", Amount: svcDec("87.5")}}, explained.Rating)
		assert.Equal(t, "grade A × 1.5", svcTerm(t, explained.Limit, "grade").Input, "the grade feeds the limit")
	})

	t.Run("the targets are configuration", func(t *testing.T) {
		rules := supplier.DefaultRules()
		rules.Rating.CompletedTarget = 10
		rules.Rating.ResponseTarget = 24 * time.Hour
		_, s := ruleReference(t, &rules)
		// Completed 15 instead of 3, response 7.5 instead of 3.75: 60.375 + 12 + 3.75.
		assert.True(t, svcDec("76.1").Equal(s.Rating.Score), "score: got %s", s.Rating.Score)
		assert.Equal(t, "B", s.Rating.Grade)
		assert.Equal(t, "10 orders (full marks at 10)", svcTerm(t, svcExplain(t, &rules, s).Rating, supplier.FactorCompleted).Input)
	})

	t.Run("the grades are configuration", func(t *testing.T) {
		rules := supplier.DefaultRules()
		rules.Rating.Grades = []supplier.Grade{{Min: svcDec("60.4"), Grade: "gold"}, {Min: decimal.Zero, Grade: "plain"}}
		_, s := ruleReference(t, &rules)
		assert.Equal(t, "gold", s.Rating.Grade)
		assert.Equal(t, "grade gold × 1", svcTerm(t, svcExplain(t, &rules, s).Limit, "grade").Input, "a grade without a factor counts 1")
	})

	t.Run("with a neutral fraction of 0 a factor without data counts nothing", func(t *testing.T) {
		rules := supplier.DefaultRules()
		rules.Rating.Neutral = decimal.Zero
		f := newSvcFixture(t, &rules)
		s := f.register(t, "s1")
		assert.True(t, decimal.Zero.Equal(s.Rating.Score), "score: got %s", s.Rating.Score)
		assert.Equal(t, "D", s.Rating.Grade)
	})
}

// TestRatingRoundsExactly: the score is the exact sum of the points,
// rounded half up once; a score of exactly xx.x5 rounds up, however its
// points' fractions fall.
func TestRatingRoundsExactly(t *testing.T) {
	orders := func(n int, onTime, disputed func(i int) bool) ruleHistory {
		var h ruleHistory
		for i := range n {
			o := svcOrder(fmt.Sprint("o", i), fmt.Sprint("b", i), "100.00", svcStart.Add(-time.Duration(i)*time.Hour))
			o.OnTime, o.Disputed = onTime(i), disputed(i)
			h.orders = append(h.orders, o)
		}
		return h
	}
	never := func(int) bool { return false }
	for _, tt := range []struct {
		name    string
		weights map[string]int
		target  int
		history ruleHistory
		score   string
		terms   []supplier.Term
	}{
		{
			// 12/26 × 13 × 100 / 32 = 18.75. In decimals of 16 digits,
			// 12/26 is 0.4615384615384615, a little short, and the sum
			// rounded down to 18.7.
			name:    "12 of 26 on time, weighing 13 of 32, is 18.75 points: 18.8",
			weights: map[string]int{supplier.FactorOnTime: 13, supplier.FactorQualifications: 19},
			target:  50,
			history: orders(26, func(i int) bool { return i < 12 }, never),
			score:   "18.8",
			terms: []supplier.Term{
				{Name: supplier.FactorQualifications, Input: "0 of 8 document kinds", Amount: svcDec("0")},
				{Name: supplier.FactorOnTime, Input: "12 of 26 on time", Amount: svcDec("18.8")},
			},
		},
		{
			// 3 of 3 orders for 14 of 16, 1/3 on time for 1 and 2/3
			// undisputed for 1: 87.5 + 100/48 + 200/48 = 93.75.
			name:    "thirds adding up to 93.75 points: 93.8",
			weights: map[string]int{supplier.FactorCompleted: 14, supplier.FactorOnTime: 1, supplier.FactorDisputes: 1},
			target:  3,
			history: orders(3, func(i int) bool { return i == 0 }, func(i int) bool { return i == 1 }),
			score:   "93.8",
			terms: []supplier.Term{
				{Name: supplier.FactorCompleted, Input: "3 orders (full marks at 3)", Amount: svcDec("87.5")},
				{Name: supplier.FactorOnTime, Input: "1 of 3 on time", Amount: svcDec("2.1")},
				{Name: supplier.FactorDisputes, Input: "1 of 3 disputed", Amount: svcDec("4.2")},
			},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rules := supplier.DefaultRules()
			rules.Rating.Weights, rules.Rating.CompletedTarget = tt.weights, tt.target
			sup := ruleRecord("s1", svcFounded)
			sup.Documents = nil
			got := ruleEvaluate(t, svcStart, &rules, sup, tt.history)
			assert.True(t, svcDec(tt.score).Equal(got.Rating.Score), "score: got %s, want %s", got.Rating.Score, tt.score)
			testkit.Check(t, "the rating's terms", tt.terms, svcExplain(t, &rules, got).Rating)
		})
	}
}

func TestRatingFollowsTheRecord(t *testing.T) {
	f := newSvcFixture(t, nil)
	s := f.enroll(t, "s1")
	steps := []struct {
		name   string
		change func(t *testing.T) *supplier.Supplier
		factor string
		input  string
	}{
		{"a recorded order", func(t *testing.T) *supplier.Supplier {
			return f.record(t, "s1", svcOrder("o1", "b1", "100.00", f.clock.Now()))
		}, supplier.FactorCompleted, "1 orders (full marks at 50)"},
		{"a late order", func(t *testing.T) *supplier.Supplier {
			o := svcOrder("o2", "b2", "100.00", f.clock.Now())
			o.OnTime = false
			return f.record(t, "s1", o)
		}, supplier.FactorOnTime, "1 of 2 on time"},
		{"an inquiry", func(t *testing.T) *supplier.Supplier {
			s, err := f.svc.RecordInquiry(t.Context(), svcOrders, "s1", supplier.Inquiry{ID: "q1", ReceivedAt: f.clock.Now()})
			require.NoError(t, err)
			return s
		}, supplier.FactorResponse, "0 of 1 inquiries answered"},
		{"its response", func(t *testing.T) *supplier.Supplier {
			now := f.clock.Now()
			s, err := f.svc.RecordInquiry(t.Context(), svcOrders, "s1", supplier.Inquiry{ID: "q1", ReceivedAt: now.Add(-time.Hour), RespondedAt: now})
			require.NoError(t, err)
			return s
		}, supplier.FactorResponse, "1 of 1 inquiries answered"},
		{"a review", func(t *testing.T) *supplier.Supplier {
			s, err := f.svc.AddReview(t.Context(), svcBuyer, "s1", supplier.ReviewRequest{OrderID: "o1", Rating: 2})
			require.NoError(t, err)
			return s
		}, supplier.FactorReviews, "1 reviews"},
		{"an approved certificate", func(t *testing.T) *supplier.Supplier {
			return f.approved(t, "s1", svcDoc("iso", supplier.ISO9001, f.clock.Now().Add(time.Hour)))
		}, supplier.FactorQualifications, "4 of 8 document kinds"},
		{"the certificate's expiry, at the next evaluation", func(t *testing.T) *supplier.Supplier {
			return f.evaluate(t, "s1")
		}, supplier.FactorQualifications, "3 of 8 document kinds"},
	}
	for _, st := range steps {
		t.Run(st.name+" recomputes the rating", func(t *testing.T) {
			f.clock.Advance(time.Hour)
			before := s
			s = st.change(t)
			assert.Equal(t, f.clock.Now(), s.Rating.ComputedAt)
			assert.Equal(t, st.input, svcTerm(t, svcExplain(t, nil, s).Rating, st.factor).Input)
			assert.False(t, before.Rating.Score.Equal(s.Rating.Score), "the score stayed %s", s.Rating.Score)
		})
	}
}

// TestRatingPointsAddUpToTheScore checks, for random records and weights,
// that the rating's explanation lists each weighed factor once, in order,
// within its weight's share of 100, and that its points, each rounded to
// 0.1, add up to the score, rounded to 0.1 too, within the rounding of each:
// |Σ points − score| ≤ 0.05 × (factors + 1).
func TestRatingPointsAddUpToTheScore(t *testing.T) {
	factors := []string{supplier.FactorQualifications, supplier.FactorCompleted, supplier.FactorOnTime, supplier.FactorDisputes,
		supplier.FactorDisputesLost, supplier.FactorResponse, supplier.FactorReviews}
	rapid.Check(t, func(rt *rapid.T) {
		rules := supplier.DefaultRules()
		rules.Rating.Weights = map[string]int{}
		total := 0
		for _, name := range factors {
			w := rapid.IntRange(0, 30).Draw(rt, "weight "+name)
			rules.Rating.Weights[name] = w
			total += w
		}
		if total == 0 {
			rules.Rating.Weights[supplier.FactorOnTime], total = 1, 1
		}
		rules.Rating.Neutral = decimal.New(int64(rapid.IntRange(0, 100).Draw(rt, "neutral %")), -2)
		rules.Rating.CompletedTarget = rapid.IntRange(1, 60).Draw(rt, "completed target")
		rules.Rating.ResponseTarget = time.Duration(rapid.IntRange(1, 48).Draw(rt, "response target h")) * time.Hour

		sup := ruleRecord("s1", svcFounded)
		for _, kind := range []supplier.DocumentKind{supplier.ISO9001, supplier.ISO14001, supplier.SocialResponsibility,
			supplier.IntellectualProperty, supplier.OtherCertification} {
			if rapid.Bool().Draw(rt, "has "+string(kind)) {
				sup.Documents = append(sup.Documents, supplier.Document{ID: string(kind), Kind: kind, Issuer: "SGS", Number: "N",
					ValidFrom: ruleLongAgo, Outcome: supplier.ReviewApproved})
			}
		}
		var h ruleHistory
		orders := rapid.IntRange(0, 80).Draw(rt, "orders")
		for i := range orders {
			o := svcOrder(fmt.Sprint("o", i), fmt.Sprint("b", i), "100.00", svcStart.Add(-time.Duration(i)*time.Hour))
			o.OnTime = rapid.Bool().Draw(rt, "on time")
			o.Disputed = rapid.IntRange(0, 4).Draw(rt, "dispute") == 0
			o.DisputeLost = o.Disputed && rapid.Bool().Draw(rt, "lost")
			h.orders = append(h.orders, o)
			if rapid.IntRange(0, 2).Draw(rt, "review") == 0 {
				h.reviews = append(h.reviews, supplier.Review{OrderID: o.OrderID, BuyerID: o.BuyerID, Rating: rapid.IntRange(1, 5).Draw(rt, "stars"), At: svcStart})
			}
		}
		for i := range rapid.IntRange(0, 12).Draw(rt, "inquiries") {
			q := supplier.Inquiry{ID: fmt.Sprint("q", i), ReceivedAt: svcStart.Add(-100 * time.Hour)}
			if rapid.Bool().Draw(rt, "answered") {
				q.RespondedAt = q.ReceivedAt.Add(time.Duration(rapid.IntRange(0, 96*60).Draw(rt, "minutes")) * time.Minute)
			}
			h.inquiries = append(h.inquiries, q)
		}

		store := supplier.NewMemoryStore()
		svc, err := supplier.NewService(supplier.Config{Store: store, Clock: testkit.NewClock(svcStart), Rules: &rules})
		if err != nil {
			rt.Fatalf("NewService: %v", err)
		}
		ctx := context.Background()
		if _, err := store.Create(ctx, sup); err != nil {
			rt.Fatalf("Create: %v", err)
		}
		for _, o := range h.orders {
			if _, err := svc.RecordOrder(ctx, svcOrders, "s1", o); err != nil {
				rt.Fatalf("RecordOrder: %v", err)
			}
		}
		for _, q := range h.inquiries {
			if _, err := svc.RecordInquiry(ctx, svcOrders, "s1", q); err != nil {
				rt.Fatalf("RecordInquiry: %v", err)
			}
		}
		for _, r := range h.reviews {
			if _, err := svc.AddReview(ctx, payment.Buyer(r.BuyerID), "s1", supplier.ReviewRequest{OrderID: r.OrderID, Rating: r.Rating}); err != nil {
				rt.Fatalf("AddReview: %v", err)
			}
		}
		got, err := svc.Evaluate(ctx, svcOrders, "s1")
		if err != nil {
			rt.Fatalf("Evaluate: %v", err)
		}
		r := got.Rating
		explained, err := rules.Explain(got)
		if err != nil {
			rt.Fatalf("Explain: %v", err)
		}

		var wantNames, names []string
		for _, name := range factors {
			if rules.Rating.Weights[name] > 0 {
				wantNames = append(wantNames, name)
			}
		}
		sum := decimal.Zero
		for _, term := range explained.Rating {
			names = append(names, term.Name)
			sum = sum.Add(term.Amount)
			share := decimal.NewFromInt(int64(100 * rules.Rating.Weights[term.Name])).Div(decimal.NewFromInt(int64(total)))
			if term.Amount.IsNegative() || term.Amount.GreaterThan(share.Add(svcDec("0.05"))) || !term.Amount.Equal(term.Amount.Round(1)) {
				rt.Errorf("%s: %s points (%s), want 0 to %s in tenths", term.Name, term.Amount, term.Input, share)
			}
		}
		if !slices.Equal(wantNames, names) {
			rt.Errorf("the explanation lists %v, want %v", names, wantNames)
		}
		bound := svcDec("0.05").Mul(decimal.NewFromInt(int64(len(explained.Rating) + 1)))
		if sum.Sub(r.Score).Abs().GreaterThan(bound) {
			rt.Errorf("the points add up to %s, the score is %s: more than %s apart", sum, r.Score, bound)
		}
		if r.Score.IsNegative() || r.Score.GreaterThan(decimal.NewFromInt(100)) || !r.Score.Equal(r.Score.Round(1)) {
			rt.Errorf("score %s, want 0 to 100 in tenths", r.Score)
		}
		i := slices.IndexFunc(rules.Rating.Grades, func(g supplier.Grade) bool { return r.Score.GreaterThanOrEqual(g.Min) })
		if i < 0 || r.Grade != rules.Rating.Grades[i].Grade {
			rt.Errorf("score %s has grade %q", r.Score, r.Grade)
		}

		// The limit: a multiple of the step, within the cap.
		l := got.Limit.Amount
		if l.Minor()%rules.Limit.Step.Minor() != 0 || l.IsNegative() || l.Minor() > rules.Limit.Max.Minor() {
			rt.Errorf("limit %s: want a multiple of %s from 0 to %s", l, rules.Limit.Step, rules.Limit.Max)
		}
	})
}

func TestRank(t *testing.T) {
	sup := func(id string, status supplier.Status, score string) *supplier.Supplier {
		return &supplier.Supplier{ID: id, Status: status, Rating: supplier.Rating{Score: svcDec(score)}}
	}
	list := func() []*supplier.Supplier {
		return []*supplier.Supplier{
			sup("a", supplier.StatusEnrolled, "50"),
			sup("b", supplier.StatusApplied, "90"),
			sup("e", supplier.StatusEnrolled, "70.0"),
			sup("d", supplier.StatusSuspended, "95"),
			sup("c", supplier.StatusEnrolled, "70"),
			sup("f", supplier.StatusRemoved, "95"),
		}
	}
	ids := func(ss []*supplier.Supplier) []string {
		var out []string
		for _, s := range ss {
			out = append(out, s.ID)
		}
		return out
	}
	for _, tt := range []struct {
		name          string
		programmeOnly bool
		want          []string
	}{
		{"enrolled suppliers come first, then by score, then by id", false, []string{"c", "e", "a", "d", "f", "b"}},
		{"programme only keeps the enrolled suppliers", true, []string{"c", "e", "a"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ids(supplier.Rank(list(), tt.programmeOnly)))
		})
	}

	t.Run("at the same score, more quality-assurance marks rank first, and never above a higher score or the programme", func(t *testing.T) {
		marked := func(s *supplier.Supplier, marks int) *supplier.Supplier { s.Record.QualityMarks = marks; return s }
		got := supplier.Rank([]*supplier.Supplier{
			marked(sup("a", supplier.StatusEnrolled, "70"), 1),
			marked(sup("b", supplier.StatusEnrolled, "70"), 3),
			marked(sup("c", supplier.StatusEnrolled, "70.1"), 0),
			marked(sup("d", supplier.StatusApplied, "99"), 50),
			marked(sup("e", supplier.StatusEnrolled, "70"), 3),
		}, false)
		assert.Equal(t, []string{"c", "b", "e", "a", "d"}, ids(got))
	})

	t.Run("no suppliers rank as none", func(t *testing.T) {
		assert.Empty(t, supplier.Rank(nil, true))
		assert.Empty(t, supplier.Rank(nil, false))
	})
}
