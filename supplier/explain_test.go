package supplier_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/internal/testkit"
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
