package dispute_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/dispute"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
)

// disputeJSONTypes are the types of the dispute package that decode from
// JSON; Money compares with ==, decimals by value.
var disputeJSONTypes = func() []testkit.JSONType {
	opts := []cmp.Option{
		cmp.Comparer(func(a, b payment.Money) bool { return a == b }),
		cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }),
	}
	return []testkit.JSONType{
		testkit.JSONTypeOf[dispute.Case](opts...), testkit.JSONTypeOf[dispute.Decision](opts...),
		testkit.JSONTypeOf[dispute.Entry](opts...), testkit.JSONTypeOf[dispute.Notice](opts...), testkit.JSONTypeOf[dispute.Evidence](opts...),
		testkit.JSONTypeOf[dispute.Export](opts...), testkit.JSONTypeOf[dispute.Offer](opts...),
		testkit.JSONTypeOf[dispute.OpenRequest](opts...), testkit.JSONTypeOf[dispute.Rules](opts...),
		testkit.JSONTypeOf[dispute.SweepReport](opts...), testkit.JSONTypeOf[dispute.Windows](opts...),
	}
}()

// FuzzJSON decodes bytes into each JSON type of the package in turn
// (disputeJSONTypes): decoding never panics, and whatever decodes encodes
// and decodes again to an equal value (testkit.RoundTripJSON).
func FuzzJSON(f *testing.F) { testkit.FuzzJSON(f, disputeJSONSeeds(f), disputeJSONTypes) }

// TestFuzzJSONDecodesEveryType checks that FuzzJSON decodes every type of
// the package that decodes from JSON.
func TestFuzzJSONDecodesEveryType(t *testing.T) {
	testkit.CheckJSONTypes(t, ".", disputeJSONTypes)
}

// disputeJSONSeeds are the JSON documents of the package's types as the
// SDK writes them — a claim with an inspection report, negotiated and
// settled; a claim escalated, decided and final, with its export and the
// sweeps' reports; the default rules and windows — and a few hand-written
// oddities.
func disputeJSONSeeds(t testing.TB) [][]byte {
	ctx := context.Background()
	m := newMarket(t, nil)
	m.orderAt(t, "ord-1", terms(), delivered)
	m.orderAt(t, "ord-2", terms(), delivered)
	rep := report("sgs-7781", "SGS", coverage.InspectionFailed, "screen-flicker")
	rep.Description = "12 of 100 tablets flicker"
	open := dispute.OpenRequest{ID: "case-1", OrderID: "ord-1", Reason: dispute.QualityNotAsAgreed, Amount: usd("384.00"),
		Defects: []string{"screen-flicker"}, Evidence: []dispute.Evidence{rep}}
	_, err := m.disputes.Open(ctx, dBuyer, open)
	require.NoError(t, err)
	_, err = m.disputes.Respond(ctx, dSupplier, "case-1", "respond", "we tested 10 units")
	require.NoError(t, err)
	_, err = m.disputes.Offer(ctx, dSupplier, "case-1", "offer-1", usd("120.00"))
	require.NoError(t, err)
	_, err = m.disputes.Offer(ctx, dBuyer, "case-1", "offer-2", usd("180.00"))
	require.NoError(t, err)
	settled, err := m.disputes.Accept(ctx, dSupplier, "case-1", "offer-2")
	require.NoError(t, err)

	_, err = m.disputes.Open(ctx, dBuyer, dispute.OpenRequest{ID: "case-2", OrderID: "ord-2", Reason: dispute.QualityNotAsAgreed,
		Amount: usd("800.00"), Description: "not as good as hoped", Evidence: []dispute.Evidence{evidence("photo-1", dispute.Photo)}})
	require.NoError(t, err)
	m.clock.Advance(3 * 24 * time.Hour)
	escalated, err := m.disputes.Sweep(ctx, m.clock.Now())
	require.NoError(t, err)
	decided, err := m.disputes.Decide(ctx, dAgent, "case-2", "decide")
	require.NoError(t, err)
	m.clock.Advance(7 * 24 * time.Hour)
	finalized, err := m.disputes.Sweep(ctx, m.clock.Now())
	require.NoError(t, err)
	export, err := m.disputes.Export(ctx, "case-2")
	require.NoError(t, err)

	values := []any{settled, decided, decided.Decision, settled.Settlement, settled.Timeline[0], rep, open, escalated, finalized,
		dispute.DefaultRules(), dispute.DefaultWindows()}
	seeds := [][]byte{export}
	for _, v := range values {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		seeds = append(seeds, b)
	}
	for _, s := range []string{
		`null`, `{}`, `[]`, `{"case":null}`, `{"case":{"decision":null,"settlement":{}}}`,
		`{"photo_only_percent":-5,"inspection_fee":{"amount":"0.000","currency":"KWD"}}`,
		`{"respond_days":0,"escalate_after_days":-1}`, `{"escalated":["a","a"],"failures":["x"]}`,
		`{"sha256":"zz","uri":"file:///etc/passwd","kind":"photo","submitted_at":"2026-03-02T09:00:00.000000001+00:00"}`,
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}
