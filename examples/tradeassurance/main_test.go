package main

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/payment"
)

// runOut runs the program with args and returns what it wrote.
func runOut(t *testing.T, args ...string) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, run(context.Background(), &buf, args))
	return buf.String()
}

// lineWith returns the first line of out that starts with prefix.
func lineWith(t *testing.T, out, prefix string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	t.Fatalf("no line starts with %q in:\n%s", prefix, out)
	return ""
}

func TestTheTextReportShowsWhatTheSDKDoes(t *testing.T) {
	out := runOut(t)

	t.Run("the Mastercard row is capped in APAC only", func(t *testing.T) {
		row := strings.Fields(lineWith(t, out, "  Card (Mastercard) "))
		// Card (Mastercard) then five cells of two fields: APAC, NA, LATAM, EU, MEA.
		require.Len(t, row, 2+2*len(payment.Regions()), row)
		cells := row[2:]
		assert.Equal(t, []string{"USD", "40.00*"}, cells[0:2], "APAC")
		for i := 2; i < len(cells); i += 2 {
			assert.Equal(t, []string{"USD", "59.80"}, cells[i:i+2], "region %s", payment.Regions()[i/2])
		}
		assert.Contains(t, out, "USD 40.00")
		assert.Contains(t, out, "APAC: USD 2000.00 by card/mastercard in APAC: rule card-mastercard-apac-2024 2.95% = 59.00, capped at USD 40.00")
	})

	t.Run("Western Union above its last band has no fee and a note", func(t *testing.T) {
		row := lineWith(t, out, "  Western Union      NA")
		assert.Contains(t, row, "— (1)")
		assert.Contains(t, out, "(1) payment: no fee rule applies: western_union payment")
	})

	t.Run("refusals give their reason codes", func(t *testing.T) {
		for _, code := range []string{
			payment.ReasonWesternUnionCountry, payment.ReasonWesternUnionLimit,
			payment.ReasonECheckCountry, payment.ReasonECheckCurrency,
			payment.ReasonPayLaterNoCreditLine, payment.ReasonPayLaterInsufficientCredit,
			payment.ReasonCountryMismatch,
		} {
			assert.Contains(t, out, code)
		}
		assert.Contains(t, out, "pays USD 1200.00 by Western Union: refused, nothing recorded\n"+
			"  western_union.country  Western Union is offered only to buyers in US; the buyer is in BR\n")
	})

	t.Run("the timelines show each status in order", func(t *testing.T) {
		event := regexp.MustCompile(`^  \d{4}-\d\d-\d\d \d\d:\d\d UTC  +(\S+) +(\S+)`)
		var statuses, actors []string
		for _, l := range strings.Split(out, "\n") {
			if m := event.FindStringSubmatch(l); m != nil {
				statuses, actors = append(statuses, m[1]), append(actors, m[2])
			}
		}
		assert.Equal(t, []string{
			"initiated", "processing", "succeeded", // the deposit
			"processing", "processing", "succeeded", // the balance: held, approved, settled
		}, statuses)
		assert.Equal(t, "platform:agent-7", actors[4], "the review is approved by the platform agent")
		assert.Contains(t, out, `A duplicate "succeeded" webhook changes nothing: still succeeded, version 3, 3 timeline events`)
	})

	t.Run("every check passes and the report stays short", func(t *testing.T) {
		m := regexp.MustCompile(`(\d+) of (\d+) passed`).FindStringSubmatch(out)
		require.NotNil(t, m)
		assert.Equal(t, m[2], m[1])
		assert.NotContains(t, out, "FAILED")
		assert.LessOrEqual(t, strings.Count(out, "\n"), 200)
	})

	t.Run("a supplier enrols, an order above its limit is partly covered, a late shipment is compensated", func(t *testing.T) {
		assert.Contains(t, out, "supplier.document_missing  business_licence: no document submitted")
		assert.Regexp(t, `Four documents approved: enrolled, rating [\d.]+ \([A-D]\), Trade Assurance limit USD \d+\.00`, out)
		assert.Regexp(t, `Before payment, an order of USD 25000\.00: USD \d+\.00 covered, USD \d+\.00 not`, out)
		assert.Contains(t, out, `compensation owed true, USD 100.00, paid from escrow under key "late-shipment/ord-4004"`)
	})

	t.Run("every escrow ledger balances and the fee is its own entry", func(t *testing.T) {
		assert.Contains(t, out, "held USD 10000.00 = released USD 9800.00 + fees USD 200.00 + refunded USD 0.00 + compensated USD 0.00 + remaining USD 0.00")
		assert.Contains(t, out, "held USD 4999.99 = released USD 1470.00 + fees USD 30.00 + refunded USD 3499.99 + compensated USD 0.00 + remaining USD 0.00")
		assert.Contains(t, out, "escrow      platform_fee   200.00")
		assert.Contains(t, out, "error: escrow: account frozen: ord-3003")
		assert.Contains(t, out, "The same release retried with its key: replayed true")
	})
}

func TestTheJSONReportIsOneObjectPerLine(t *testing.T) {
	out := runOut(t, "-json")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	sections := map[string]int{}
	var capped, checks int
	for i, l := range lines {
		var ev map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &ev), "line %d: %s", i+1, l)
		section, ok := ev["section"].(string)
		require.True(t, ok, "line %d has no section: %s", i+1, l)
		sections[section]++

		switch section {
		case "fees":
			if ev["table"] == "by_region" && ev["method"] == "card" && ev["network"] == "mastercard" && ev["region"] == "APAC" {
				capped++
				assert.Equal(t, map[string]any{"amount": "40.00", "currency": "USD"}, ev["fee"])
				assert.Equal(t, true, ev["capped"])
			}
		case "check":
			checks++
			assert.Equal(t, true, ev["ok"], "check %v", ev["name"])
		}
	}
	for _, s := range []string{"run", "fees", "eligibility", "eligibility_check", "payments", "timeline", "escrow", "ledger", "programme", "check"} {
		assert.Positive(t, sections[s], "section %q", s)
	}
	assert.Len(t, sections, 10, "sections: %v", sections)
	assert.Equal(t, 2, sections["ledger"], "one statement per escrow account")
	assert.Equal(t, 1, capped)
	assert.Equal(t, len(instruments)*len(payment.Regions())+3*3, sections["fees"])
	assert.Equal(t, len(instruments)*5, sections["eligibility"])
	assert.Equal(t, 6, sections["timeline"])
	assert.Positive(t, checks)
}

func TestTwoRunsPrintTheSameBytes(t *testing.T) {
	for _, args := range [][]string{nil, {"-json"}} {
		first, second := runOut(t, args...), runOut(t, args...)
		assert.Equal(t, first, second, "args %q", args)
	}
}

func TestTheCommandLine(t *testing.T) {
	t.Run("an unknown flag or an argument is a usage error", func(t *testing.T) {
		for _, args := range [][]string{{"-x"}, {"report"}, {"-json", "extra"}} {
			var buf bytes.Buffer
			err := run(context.Background(), &buf, args)
			assert.ErrorIs(t, err, errUsage, "args %q", args)
			assert.Empty(t, buf.String(), "args %q", args)
		}
	})
	t.Run("-h prints the usage and succeeds", func(t *testing.T) {
		out := runOut(t, "-h")
		assert.Contains(t, out, "usage: tradeassurance [-json]")
		assert.Contains(t, out, "-json")
	})
}

func TestAFailedCheckFailsTheRun(t *testing.T) {
	rep := &report{At: start}
	rep.verify("fine", true, "all good")
	rep.verify("apac_mastercard_capped", false, "the fee was %s", "USD 59.00")

	err := rep.failures()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "check failed: apac_mastercard_capped: the fee was USD 59.00")
	assert.NotContains(t, err.Error(), "fine")

	var buf bytes.Buffer
	require.NoError(t, writeText(&buf, rep))
	assert.Contains(t, buf.String(), "1 of 2 passed")
	assert.Contains(t, buf.String(), "FAILED  apac_mastercard_capped")
}

func TestTheRatesTableRefusesToGuess(t *testing.T) {
	_, err := rates.Rate(context.Background(), payment.USD, payment.EUR, start)
	assert.ErrorIs(t, err, payment.ErrNoRate)

	r, err := rates.Rate(context.Background(), payment.EUR, payment.USD, start)
	require.NoError(t, err)
	assert.Equal(t, "1.08", r.String())
}
