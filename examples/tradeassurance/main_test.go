package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/dispute"
	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// TestMain runs the program's main instead of the tests when the test
// binary is started as the program, so that a test can check its exit
// status.
func TestMain(m *testing.M) {
	if os.Getenv("TRADEASSURANCE_AS_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runOut runs the program in-process with args and returns what it wrote.
func runOut(t *testing.T, args ...string) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, run(context.Background(), &buf, args))
	return buf.String()
}

// section returns the lines of the text report's section whose title
// starts with prefix, up to the next blank line.
func section(t *testing.T, out, prefix string) string {
	t.Helper()
	i := strings.Index(out, "\n"+prefix)
	require.GreaterOrEqual(t, i, 0, "no section %q in:\n%s", prefix, out)
	s := out[i+1:]
	if j := strings.Index(s, "\n\n"); j >= 0 {
		s = s[:j]
	}
	return s
}

// cents parses "USD 1234.56" amounts out of s, in order, as minor units.
func cents(t *testing.T, s string) []int64 {
	t.Helper()
	var out []int64
	for _, m := range regexp.MustCompile(`USD (\d+)\.(\d\d)`).FindAllStringSubmatch(s, -1) {
		n, err := strconv.ParseInt(m[1]+m[2], 10, 64)
		require.NoError(t, err)
		out = append(out, n)
	}
	return out
}

func TestTheTextReportTellsEveryStory(t *testing.T) {
	out := runOut(t)

	t.Run("it is short enough to read and every check passed", func(t *testing.T) {
		assert.LessOrEqual(t, strings.Count(out, "\n"), 200)
		assert.Contains(t, out, "seed 1;")
		passed := regexp.MustCompile(`CHECKS   (\d+) of (\d+) passed`).FindStringSubmatch(out)
		require.NotNil(t, passed)
		assert.Equal(t, passed[2], passed[1])
		assert.NotContains(t, out, "FAILED")
	})

	for _, story := range []struct {
		name, section string
		contains      []string
		matches       []string // regular expressions
	}{
		{name: "the supplier enrols and gets a limit with its derivation", section: "1. ", contains: []string{
			"registers: applied", supplier.ReasonMissingDocument,
			"on_site_check rejected (the factory photos do not show the production line): verified",
			"on_site_check approved: enrolled",
			"enrolled: credit rating 44.4 (D); Trade Assurance limit USD 17500.00",
			"years     10 years in business (counted up to 10)      20000.00",
			"grade     grade D × 0.5                                17500.00",
		}},
		{name: "the buyer in Singapore sees the coverage and pays a deposit whose Mastercard fee is capped at USD 40", section: "2. ", contains: []string{
			"buyer-sg-", "deposit 30% USD 2267.76 by Mastercard card, balance USD 5291.44 by T/T",
			"order.Service.Quote(deposit): USD 2267.76 covered, USD 0.00 not",
			"fee USD 40.00, capped true; the buyer is charged USD 2307.76",
			"rule card-mastercard-apac-2024 2.95% = 66.89892, capped at USD 40.00",
			"uncapped, 2.95% of USD 2267.76 would be USD 66.90",
		}},
		{name: "the goods are inspected, paid by T/T, shipped, tracked, delivered and released net of fees", section: "3. ", matches: []string{
			`SGS inspection passed .*: ready_to_ship`,
			`Quote\(balance\): USD 5291.44 covered; the buyer wires the balance USD 5291.44 by T/T, fee USD 0.00:\n +initiated .* → processing .* → succeeded `,
			`Shipped by sea from Ningbo, COSCO COSU\d+, estimated arrival 2026-04-10`,
			`Tracking at Hong Kong, .*: arrival now 2026-04-12 \(deliver by 2026-05-02\), late false`,
			`Delivered in Singapore: delivered`,
			`escrow releases USD 7408.02 to the supplier, net of a USD 151.18 platform fee \(2%\)`,
			`held USD 7559.20 = released USD 7408.02 \+ fees USD 151.18 \+ refunded USD 0.00 \+ compensated USD 0.00 \+ remaining USD 0.00`,
			`limit USD 38700.00, rating 67.2 \(C\)`,
		}},
		{name: "the late shipment is compensated once, by the sweep", section: "4. ", contains: []string{
			"daily sweep: compensated [ord-1002]", "USD 76.50 (2% of USD 3825.00, cap USD 100.00) paid to the buyer out of escrow, unasked",
			"The next day's sweep: compensated []",
		}},
		{name: "the quality dispute is won with the SGS report and carried out once", section: "5. ", contains: []string{
			"opens case-1003 (quality): USD 422.40 for 44 faulty at USD 9.60, with an SGS report", "inspection_report, failed",
			"escrow frozen true", ": negotiating", ": escalated",
			"partial_refund, refund USD 422.40, release USD 3888.40; rules [" + dispute.RuleFailedInspection + "]", "supplier at fault true",
			dispute.ReasonFailedInspection,
			"final [case-1003]", "refunded USD 422.40, released USD 3810.63, fees USD 77.77",
			"change nothing: 5 ledger entries before and after",
		}},
		{name: "the claim without evidence is rejected", section: "6. ", contains: []string{
			"with no evidence", "the sweep escalates [case-1004]",
			"rejection, rules [" + dispute.RuleMissingEvidence + "]", dispute.ReasonMissingEvidence,
			"final [case-1004]", "refunded USD 0.00, released USD 3279.67, fees USD 66.93",
		}},
		{name: "Western Union is refused outside the US and records nothing", section: "7. ", contains: []string{
			"paid in full by Western Union from Brazil: refused, *payment.IneligibleError",
			payment.ReasonWesternUnionCountry + "  Western Union is offered only to buyers in US; the buyer is in BR",
			"Nothing recorded: no payment under its key (not found true), 0 on the order, still awaiting_payment, USD 0.00 in escrow",
		}},
		{name: "the risk rules freeze the account until an agent unfreezes it", section: "9. ", contains: []string{
			"10 times, 2 hours apart", "Attempt 11: risk freeze, payment suspended, account frozen true",
			payment.ReasonVelocity + "  10 payment attempts in the last 24 hours (limit 10)",
			"is refused with *payment.FrozenError, nothing recorded", "payment: account buyer-mx-", "unfreezes the account (frozen false)",
			"ord-1007 paid", "goes through: risk allow, succeeded",
		}},
	} {
		t.Run(story.name, func(t *testing.T) {
			s := section(t, out, story.section)
			for _, want := range story.contains {
				assert.Contains(t, s, want)
			}
			for _, re := range story.matches {
				assert.Regexp(t, re, s)
			}
		})
	}

	t.Run("the order above the remaining limit is covered in part", func(t *testing.T) {
		s := section(t, out, "8. ")
		quote := regexp.MustCompile(`Quote\(full\): USD \S+ covered \+ USD \S+ uncovered = USD \S+`).FindString(s)
		require.NotEmpty(t, quote, s)
		c := cents(t, quote)
		assert.Equal(t, c[2], c[0]+c[1], quote)
		assert.Positive(t, c[1])
		assert.Contains(t, s, "with USD 38775.00 left (reserved: ord-1002 USD 3825.00)")
		assert.Contains(t, s, coverage.ReasonLimitExceeded)
	})

	t.Run("the supplier is paid out once a day, and a failed payout comes back", func(t *testing.T) {
		s := section(t, out, "10. ")
		avail := regexp.MustCompile(`paid supplier-cn-8 USD (\S+) net of fees; the daily run of \S+ pays all of it to acct_brightway_boc`).FindStringSubmatch(s)
		require.NotNil(t, avail, s)
		assert.Contains(t, s, "failed, the beneficiary's account is closed; USD "+avail[1]+" is available again")
		assert.Contains(t, s, "pays USD "+avail[1]+" to acct_brightway_hsbc: paid")
		assert.Contains(t, s, "opened with USD "+avail[1]+" available; payouts took")
		assert.Regexp(t, `payout_paid +`+regexp.QuoteMeta(avail[1])+` +available +0\.00`, s)
	})

	t.Run("a claim after receipt is paid by the guarantee and recovered from the next release", func(t *testing.T) {
		s := section(t, out, "11. ")
		paid := regexp.MustCompile(`the programme's guarantee pays USD (\S+) in and on to the buyer; the supplier owes it USD (\S+)`).FindStringSubmatch(s)
		require.NotNil(t, paid, s)
		assert.Equal(t, paid[1], paid[2], "the supplier owes what the guarantee paid")
		assert.Contains(t, s, "guarantee            escrow   "+paid[1])
		assert.Contains(t, s, "its release withholds USD "+paid[1]+" for the guarantee")
		assert.Contains(t, s, "owed now USD 0.00")
	})

	t.Run("the pre-shipment plan protects the deposit alone", func(t *testing.T) {
		s := section(t, out, "12. ")
		quote := regexp.MustCompile(`= USD \S+ under the pre-shipment plan; before the deposit of USD \S+, Quote: the whole order USD \S+ covered, USD \S+ not`).FindString(s)
		require.NotEmpty(t, quote, s)
		c := cents(t, quote)
		assert.Equal(t, c[1], c[2], "the deposit is what is covered")
		assert.Equal(t, c[0], c[2]+c[3], "the balance is what is not")
		assert.Contains(t, s, coverage.ReasonBalanceNotProtected)
	})

	t.Run("every ledger balances", func(t *testing.T) {
		s := section(t, out, "13. ")
		row := regexp.MustCompile(`(ord-\d+) +\S+ +([\d.]+) \+ +([\d.]+) = +([\d.]+) \+ +([\d.]+) \+ +([\d.]+) \+ +([\d.]+) \+ +([\d.]+) \+ +([\d.]+)`)
		rows := row.FindAllStringSubmatch(s, -1)
		require.Len(t, rows, 11, s)
		for _, r := range rows {
			n := cents(t, "USD "+strings.Join(r[2:], " USD "))
			assert.Equal(t, n[0]+n[1], n[2]+n[3]+n[4]+n[5]+n[6]+n[7], r[0])
		}
		assert.Contains(t, s, "All 11 accounts balance")
	})
}

func TestTheJSONLinesTellTheSameRun(t *testing.T) {
	text, lines := runOut(t), strings.Split(strings.TrimSuffix(runOut(t, "-json"), "\n"), "\n")
	var sections []string
	events, checks := 0, 0
	for i, l := range lines {
		var e struct {
			Section string          `json:"section"`
			Event   string          `json:"event"`
			Text    string          `json:"text"`
			Lines   []string        `json:"lines"`
			Data    json.RawMessage `json:"data"`
		}
		require.NoError(t, json.Unmarshal([]byte(l), &e), "line %d: %s", i+1, l)
		require.NotEmpty(t, e.Section, "line %d", i+1)
		require.NotEmpty(t, e.Event, "line %d", i+1)
		if len(sections) == 0 || sections[len(sections)-1] != e.Section {
			sections = append(sections, e.Section)
		}
		switch {
		case e.Section == "checks" && e.Event == "check":
			var v verdict
			require.NoError(t, json.Unmarshal(e.Data, &v))
			assert.True(t, v.OK, v.Name)
			checks++
		case e.Section != "run" && e.Section != "checks":
			assert.Contains(t, text, e.Text, "line %d", i+1)
			for _, l := range e.Lines {
				assert.Contains(t, text, l, "line %d", i+1)
			}
			events++
		}
	}
	want := []string{"run"}
	for _, c := range chapters {
		want = append(want, c.id)
	}
	assert.Equal(t, append(want, "checks"), sections)
	assert.Equal(t, strings.Count(text, "\n  ok  "), checks)
	assert.Greater(t, events, 2*len(chapters))
	assert.Contains(t, lines[len(lines)-1], `"data":{"passed":`+strconv.Itoa(checks)+`,"failed":0}`)
}

func TestASeedGivesTheSameRunAndAnotherSeedAnotherConsistentRun(t *testing.T) {
	first := runOut(t)
	assert.Equal(t, first, runOut(t), "the same seed prints the same bytes")
	assert.Equal(t, first, runOut(t, "-seed", "1"))
	assert.Equal(t, runOut(t, "-json", "-seed", "5"), runOut(t, "-seed", "5", "-json"))

	for _, seed := range []string{"2", "3", "77", "18446744073709551615"} {
		other := runOut(t, "-seed", seed) // run returns an error when a check fails
		assert.NotEqual(t, first, other, "seed %s", seed)
		assert.Contains(t, other, "seed "+seed+";")
		assert.NotContains(t, other, "FAILED")
	}
}

func TestABadCommandLineIsAUsageError(t *testing.T) {
	for _, args := range [][]string{{"-nope"}, {"-seed", "minus-one"}, {"-seed", "-1"}, {"extra"}} {
		var buf bytes.Buffer
		err := run(context.Background(), &buf, args)
		assert.ErrorIs(t, err, errUsage, "%q", args)
		assert.Empty(t, buf.String(), "%q", args)
	}

	t.Run("-h prints the usage and the flags", func(t *testing.T) {
		out := runOut(t, "-h")
		assert.Contains(t, out, "usage: tradeassurance [-json] [-seed N]")
		assert.Contains(t, out, "-seed")
		assert.Contains(t, out, "-json")
	})

	t.Run("the program exits 2 with the usage on stderr, 0 after a good run", func(t *testing.T) {
		cmd := exec.Command(os.Args[0], "-nope")
		cmd.Env = append(os.Environ(), "TRADEASSURANCE_AS_MAIN=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		var exit *exec.ExitError
		require.ErrorAs(t, cmd.Run(), &exit)
		assert.Equal(t, 2, exit.ExitCode())
		assert.Contains(t, stderr.String(), "tradeassurance: usage: tradeassurance [-json] [-seed N]: flag provided but not defined: -nope")

		cmd = exec.Command(os.Args[0], "-seed", "3")
		cmd.Env = append(os.Environ(), "TRADEASSURANCE_AS_MAIN=1")
		out, err := cmd.Output()
		require.NoError(t, err)
		assert.Equal(t, runOut(t, "-seed", "3"), string(out))
	})
}

func TestTheChecksFailOnABrokenLedger(t *testing.T) {
	ctx := context.Background()
	m, err := newMarket(start)
	require.NoError(t, err)
	w := &world{market: m, params: newParams(1), rep: &report{Seed: 1, Start: start}}
	for _, c := range chapters[:3] {
		require.NoError(t, c.story(w, ctx), c.id)
	}
	good, err := m.escrow.Account(ctx, mainOrder)
	require.NoError(t, err)
	_, ok := w.rep.checkLedger(good)
	require.True(t, ok)
	require.NoError(t, w.rep.failures())

	overpaid := good.Clone() // the supplier paid a cent more than escrow held
	i := len(overpaid.Entries) - 2
	require.Equal(t, escrow.SupplierPayable, overpaid.Entries[i].To)
	overpaid.Entries[i].Amount, err = overpaid.Entries[i].Amount.Add(usd("0.01"))
	require.NoError(t, err)
	orphan := good.Clone() // an entry no operation wrote
	orphan.Operations = orphan.Operations[:len(orphan.Operations)-1]

	for name, a := range map[string]*escrow.Account{"overpaid": overpaid, "orphan": orphan} {
		t.Run(name, func(t *testing.T) {
			rep := &report{Seed: 1, Start: start}
			_, ok := rep.checkLedger(a)
			assert.False(t, ok)
			err := rep.failures()
			require.Error(t, err)
			assert.Contains(t, err.Error(), "check failed: ledger_balances_"+mainOrder)

			var text bytes.Buffer
			require.NoError(t, writeText(&text, rep))
			assert.Contains(t, text.String(), "CHECKS   0 of 1 passed")
			assert.Regexp(t, `FAILED  ledger_balances_`+mainOrder, text.String())
			var js bytes.Buffer
			require.NoError(t, writeJSON(&js, rep))
			assert.Contains(t, js.String(), `"failed":1`)
		})
	}
}

func TestAFailingWriterIsAnError(t *testing.T) {
	for _, args := range [][]string{nil, {"-json"}} {
		err := run(context.Background(), failingWriter{}, args)
		assert.ErrorIs(t, err, errWrite, "%q", args)
	}
}

var errWrite = errors.New("disk full")

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errWrite }
