package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/payment"
)

// fees runs the program in-process and returns what it printed and its
// exit status.
func fees(args ...string) (out string, status int) {
	var b bytes.Buffer
	err := run(context.Background(), &b, args)
	return b.String(), exitCode(err)
}

// mustRun runs the program and fails the test unless it succeeds.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, status := fees(args...)
	require.Equal(t, 0, status, "fees %q printed:\n%s", args, out)
	return out
}

// textTable reads the fee table of the text output: its header and the
// cells of each row by label. Cells are separated by two spaces or more.
func textTable(t *testing.T, out string) (header []string, rows map[string][]string, labels []string) {
	t.Helper()
	sep := regexp.MustCompile(`\s{2,}`)
	rows = map[string][]string{}
	in := false
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(l, "method "):
			header, in = sep.Split(l, -1), true
		case in && l == "":
			return header, rows, labels
		case in:
			f := sep.Split(l, -1)
			rows[f[0]], labels = f[1:], append(labels, f[0])
		}
	}
	t.Fatalf("no fee table in:\n%s", out)
	return nil, nil, nil
}

// jsonTable decodes the -json output, refusing any field the program's
// table does not have.
func jsonTable(t *testing.T, out string) *table {
	t.Helper()
	require.True(t, json.Valid([]byte(out)), "not JSON:\n%s", out)
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	var tab table
	require.NoError(t, dec.Decode(&tab))
	return &tab
}

// cellOf returns the cell of the JSON row with the label in the region.
func cellOf(t *testing.T, tab *table, label string, region payment.Region) cell {
	t.Helper()
	for _, r := range tab.Rows {
		for _, c := range r.Cells {
			if r.Label == label && c.Region == region {
				return c
			}
		}
	}
	t.Fatalf("no cell %s / %s", label, region)
	return cell{}
}

// labels are the rows of the default table, in order.
var labels = []string{
	"Card (Mastercard)", "Card (other networks)", "T/T", "Online bank transfer", "Pay Later",
	"Western Union", "e-Checking", "PayPal", "Alipay", "Apple Pay", "Google Pay",
}

// inNA returns a row that is n/a everywhere but in North America.
func inNA(fee string) []string {
	row := same("n/a")
	row[slices.Index(payment.Regions(), payment.NorthAmerica)] = fee
	return row
}

// same returns a row with the same text in every region.
func same(text string) []string {
	row := make([]string, len(payment.Regions()))
	for i := range row {
		row[i] = text
	}
	return row
}

func TestTheDefaultTable(t *testing.T) {
	out := mustRun(t)
	header, rows, got := textTable(t, out)

	t.Run("the header names the amount, the date, the buyers and the regions", func(t *testing.T) {
		assert.True(t, strings.HasPrefix(out, "Fee on a USD 2000.00 payment, by method and buyer region\n"), out)
		assert.Contains(t, out, "payment.DefaultSchedule() in force on 2026-03-02")
		assert.Contains(t, out, "for a buyer in AU (APAC), US (NA), BR (LATAM), DE (EU), AE (MEA)")
		assert.Contains(t, out, "with an unused Pay Later line of USD 150000.00, 30 days")
		want := []string{"method"}
		for _, r := range payment.Regions() {
			want = append(want, string(r))
		}
		assert.Equal(t, want, header)
	})

	t.Run("one row per method, cards by the networks the schedule tells apart", func(t *testing.T) {
		assert.Equal(t, labels, got)
		tab := jsonTable(t, mustRun(t, "-json"))
		var methods []payment.Method
		for _, r := range tab.Rows {
			if len(methods) == 0 || methods[len(methods)-1] != r.Method {
				methods = append(methods, r.Method)
			}
		}
		assert.Equal(t, payment.Methods(), methods)
	})

	t.Run("the Mastercard fee is capped in APAC, and the mark is explained", func(t *testing.T) {
		assert.Equal(t, []string{"40.00*", "59.00", "59.00", "59.00", "59.00"}, rows["Card (Mastercard)"], "2.95%, orders placed from 2018-06-04")
		assert.Equal(t, same("59.00"), rows["Card (other networks)"])
		assert.Regexp(t, `(?m)^  \*  +capped: the fee is lowered to the rule's cap$`, out)
	})

	t.Run("Western Union shows its band for US buyers only, e-Checking its fixed fee", func(t *testing.T) {
		assert.Equal(t, inNA("25.00"), rows["Western Union"], "USD 25.00 is our band up to USD 2499.99")
		assert.Equal(t, inNA("15.00"), rows["e-Checking"])
		assert.Regexp(t, `(?m)^  n/a  +not eligible: `, out)
	})

	t.Run("the other methods are priced everywhere", func(t *testing.T) {
		for _, l := range []string{"T/T", "Online bank transfer", "Pay Later"} {
			assert.Equal(t, same("0.00"), rows[l], l)
		}
		for _, l := range []string{"PayPal", "Alipay", "Apple Pay", "Google Pay"} {
			assert.Equal(t, same("59.80"), rows[l], l)
		}
	})

	t.Run("the legend shows only the marks the table uses", func(t *testing.T) {
		assert.Contains(t, out, "Fees in USD, paid by the buyer on top of the amount.\n")
		assert.NotContains(t, out, "no rate")
		assert.NotContains(t, out, "?")
		assert.NotContains(t, out, "—")
		assert.NotContains(t, out, "Why:", "no explanations without -explain")
	})
}

func TestTheJSONHasTheSameCells(t *testing.T) {
	_, text, _ := textTable(t, mustRun(t))
	tab := jsonTable(t, mustRun(t, "-json"))

	assert.Equal(t, payment.MustParse("2000.00", payment.USD), tab.Amount)
	assert.Equal(t, quotedAt, tab.At)
	require.Len(t, tab.Rows, len(labels))
	for _, r := range tab.Rows {
		require.Len(t, r.Cells, len(payment.Regions()), r.Label)
		for i, c := range r.Cells {
			assert.Equal(t, payment.Regions()[i], c.Region)
			assert.Equal(t, text[r.Label][i], c.Text, "%s in %s", r.Label, c.Region)
			assert.Empty(t, c.Explain, "no explanations without -explain")
			require.NotNil(t, c.Eligible, "%s in %s: every USD cell is decided", r.Label, c.Region)
			if c.Quote != nil && *c.Eligible {
				assert.True(t, strings.HasPrefix(c.Text, c.Quote.Fee.Amount().StringFixed(2)), "%s: %s", c.Text, c.Quote.Fee)
			}
		}
	}

	capped := cellOf(t, tab, "Card (Mastercard)", payment.AsiaPacific)
	require.NotNil(t, capped.Quote)
	assert.Equal(t, payment.MustParse("40.00", payment.USD), capped.Quote.Fee)
	assert.True(t, capped.Quote.Capped)
	assert.Equal(t, "card-mastercard-apac-2024", capped.Quote.RuleID)

	wu := cellOf(t, tab, "Western Union", payment.NorthAmerica)
	require.NotNil(t, wu.Quote)
	assert.Equal(t, "western-union-v2", wu.Quote.RuleID)
	assert.Equal(t, 6, wu.Quote.Band, "the seventh band, up to USD 2499.99")

	refused := cellOf(t, tab, "Western Union", payment.Europe)
	assert.Equal(t, "n/a", refused.Text)
	assert.False(t, *refused.Eligible)
	require.Len(t, refused.Reasons, 1)
	assert.Equal(t, payment.ReasonWesternUnionCountry, refused.Reasons[0].Code)
	require.NotNil(t, refused.Quote, "the quote is kept for a method the buyer may not use")
	assert.Equal(t, payment.MustParse("25.00", payment.USD), refused.Quote.Fee)

	other := tab.Rows[1]
	assert.True(t, other.OtherNetworks)
	assert.Equal(t, payment.Visa, other.Network, "the first network the schedule does not price on its own")
	assert.Equal(t, []legendLine{legend[0], legend[3]}, tab.Legend)
}

func TestAnotherAmountChangesTheFiguresConsistently(t *testing.T) {
	usd := func(s string) payment.Money { return payment.MustParse(s, payment.USD) }
	at := map[string]*table{}
	for _, a := range []string{"400.00", "2000.00", "4000.00"} {
		at[a] = jsonTable(t, mustRun(t, "-json", "-amount", a))
		assert.Equal(t, usd(a), at[a].Amount)
	}

	t.Run("percentage fees scale with the amount", func(t *testing.T) {
		rules := map[string]payment.FeeRule{}
		for _, r := range payment.DefaultSchedule().Rules() {
			rules[r.ID] = r
		}
		n := 0
		for i, r := range at["400.00"].Rows {
			for j, c := range r.Cells {
				rule := rules[c.Quote.RuleID]
				if rule.Percent.IsZero() || rule.Cap != (payment.Money{}) || rule.Min != (payment.Money{}) {
					continue // a fixed, banded, capped or raised fee does not scale
				}
				// 2.99% of USD 400.00 is exact to the cent, so k × the amount costs k × the fee.
				for a, k := range map[string]int64{"2000.00": 5, "4000.00": 10} {
					want, err := c.Quote.Fee.Times(k)
					require.NoError(t, err)
					assert.Equal(t, want, at[a].Rows[i].Cells[j].Quote.Fee, "%s in %s at USD %s", r.Label, c.Region, a)
				}
				n++
			}
		}
		regions := len(payment.Regions())
		assert.Equal(t, 5*regions+(regions-1), n,
			"every percentage cell: cards on other networks, PayPal, Alipay, Apple Pay, Google Pay, and Mastercard outside APAC")
	})

	t.Run("the cap applies only once 2.95% is above USD 40.00", func(t *testing.T) {
		for a, want := range map[string]string{"400.00": "11.80", "2000.00": "40.00*", "4000.00": "40.00*"} {
			assert.Equal(t, want, cellOf(t, at[a], "Card (Mastercard)", payment.AsiaPacific).Text, "USD %s", a)
		}
		assert.Equal(t, "118.00", cellOf(t, at["4000.00"], "Card (Mastercard)", payment.Europe).Text)
	})

	t.Run("Western Union follows its bands, then its limit", func(t *testing.T) {
		for a, want := range map[string]string{"400.00": "12.00", "2000.00": "25.00", "4000.00": "n/a"} {
			assert.Equal(t, want, cellOf(t, at[a], "Western Union", payment.NorthAmerica).Text, "USD %s", a)
		}
		c := cellOf(t, at["4000.00"], "Western Union", payment.NorthAmerica)
		require.Len(t, c.Reasons, 1)
		assert.Equal(t, payment.ReasonWesternUnionLimit, c.Reasons[0].Code)
		assert.Contains(t, c.QuoteError, "no fee rule applies", "and no band prices it either")
		_, rows, _ := textTable(t, mustRun(t, "-amount", "2499.99"))
		assert.Equal(t, inNA("25.00"), rows["Western Union"])
		_, rows, _ = textTable(t, mustRun(t, "-amount", "2500.00"))
		assert.Equal(t, same("n/a"), rows["Western Union"], "the limit is exclusive")
	})

	t.Run("fixed fees stay, and a card payment above the card limit is refused", func(t *testing.T) {
		for _, a := range []string{"400.00", "2000.00", "4000.00"} {
			assert.Equal(t, "15.00", cellOf(t, at[a], "e-Checking", payment.NorthAmerica).Text)
		}
		_, rows, _ := textTable(t, mustRun(t, "-amount", "12000.01"))
		for _, l := range []string{"Card (Mastercard)", "Card (other networks)", "Apple Pay", "Google Pay"} {
			assert.Equal(t, same("n/a"), rows[l], l)
		}
		assert.Equal(t, same("358.80"), rows["PayPal"], "2.99% of USD 12000.01 = 358.800299, half-even")
	})
}

func TestTheCommandLine(t *testing.T) {
	for _, tc := range []struct {
		args []string
		is   error // nil: the flag package's own error
		says string
	}{
		{[]string{"-amount", "12.345"}, payment.ErrTooPrecise, `-amount "12.345": payment: more decimals than the currency's minor unit: "12.345" in USD; USD has 2 decimals`},
		{[]string{"-amount", "abc"}, payment.ErrMalformedAmount, `-amount "abc": payment: malformed amount: "abc" in USD`},
		{[]string{"-amount", "-5"}, payment.ErrInvalidAmount, `-amount "-5": payment: invalid amount: a payment must be above zero`},
		{[]string{"-amount", "0.00"}, payment.ErrInvalidAmount, "a payment must be above zero"},
		{[]string{"-amount", "1,000.00"}, payment.ErrMalformedAmount, "malformed amount"},
		{[]string{"-currency", "JPY", "-amount", "12.5"}, payment.ErrTooPrecise, "JPY has 0 decimals"},
		{[]string{"-currency", "XYZ"}, payment.ErrUnknownCurrency, `-currency "XYZ": payment: unknown currency "XYZ"`},
		{[]string{"-currency", "usd"}, payment.ErrUnknownCurrency, "upper case"},
		{[]string{"-amount"}, nil, "flag needs an argument: -amount"},
		{[]string{"-x"}, nil, "flag provided but not defined: -x"},
		{[]string{"-json", "table"}, nil, `unexpected argument "table"`},
	} {
		t.Run(strings.Join(tc.args, " ")+" is a usage error, exit status 2", func(t *testing.T) {
			var b bytes.Buffer
			err := run(context.Background(), &b, tc.args)
			require.Error(t, err)
			assert.Equal(t, 2, exitCode(err))
			assert.Empty(t, b.String(), "nothing on stdout")
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
			assert.Contains(t, err.Error(), tc.says)
			assert.True(t, strings.HasSuffix(err.Error(), "\n"+usage), err.Error())
		})
	}

	t.Run("-h prints the usage and the flags and succeeds", func(t *testing.T) {
		out := mustRun(t, "-h")
		assert.True(t, strings.HasPrefix(out, usage+"\n"), out)
		for _, f := range []string{"-amount amount", "-currency code", "-json", "-explain"} {
			assert.Contains(t, out, "  "+f)
		}
	})

	t.Run("an error after the command line is exit status 1", func(t *testing.T) {
		err := run(context.Background(), failingWriter{}, nil)
		assert.ErrorIs(t, err, errWrite)
		assert.Equal(t, 1, exitCode(err))
		assert.Equal(t, 1, exitCode(errors.New("payment: invalid request")))
		assert.Equal(t, 0, exitCode(nil))
	})
}

// errWrite is what failingWriter fails with.
var errWrite = errors.New("disk full")

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestEurosWithoutRatesPrintWhatCanBePriced(t *testing.T) {
	out, status := fees("-currency", "EUR")
	require.Equal(t, 0, status, out)
	_, rows, _ := textTable(t, out)
	assert.True(t, strings.HasPrefix(out, "Fee on a EUR 2000.00 payment"), out)

	assert.Equal(t, []string{"no rate", "59.00?", "59.00?", "59.00?", "59.00?"}, rows["Card (Mastercard)"],
		"the USD 40 cap needs a rate; the card limit (USD 12,000) too")
	assert.Equal(t, same("59.80?"), rows["Apple Pay"])
	assert.Equal(t, same("0.00?"), rows["Pay Later"], "the line is in USD")
	assert.Equal(t, same("no rate"), rows["Western Union"], "its bands are in USD")
	assert.Equal(t, same("n/a"), rows["e-Checking"], "USD only, whatever the rate")
	assert.Equal(t, same("0.00"), rows["T/T"], "EUR is a wire currency")
	assert.Equal(t, same("59.80"), rows["PayPal"], "a percentage with no limit needs no rate")
	assert.Regexp(t, `(?m)^  \?  +the fee, but whether the buyer may pay this way is not decided`, out)
	assert.Regexp(t, `(?m)^  no rate  +not priced: the fee rule has an amount in another currency`, out)
	assert.Contains(t, out, "Fees in EUR, ")

	tab := jsonTable(t, mustRun(t, "-currency", "EUR", "-json"))
	c := cellOf(t, tab, "Card (Mastercard)", payment.AsiaPacific)
	assert.Nil(t, c.Quote)
	assert.Contains(t, c.QuoteError, "no exchange rate: USD to EUR")
	c = cellOf(t, tab, "Card (Mastercard)", payment.Europe)
	assert.Nil(t, c.Eligible, "undecided is null, neither true nor false")
	assert.Contains(t, c.EligibilityError, "no exchange rate: EUR to USD")
	require.NotNil(t, c.Quote)
	assert.Equal(t, payment.MustParse("59.00", payment.EUR), c.Quote.Fee)
}

func TestExplainSaysWhyEveryCellSaysWhatItSays(t *testing.T) {
	out := mustRun(t, "-explain")
	_, why, ok := strings.Cut(out, "\nWhy:\n")
	require.True(t, ok, out)
	lines := strings.Split(strings.TrimSuffix(why, "\n"), "\n")
	assert.Len(t, lines, len(labels)*len(payment.Regions()), "one line per cell")
	assert.Contains(t, lines, "  Card (Mastercard)      APAC   USD 2000.00 by card/mastercard in APAC, no placement date: dated by the payment at "+
		"2026-03-02T00:00:00Z: rule card-mastercard-apac-2024 2.95% = 59.00, capped at USD 40.00, half-even → USD 40.00 (buyer pays)")
	assert.Contains(t, lines, "  Western Union          NA     USD 2000.00 by western_union: rule western-union-v2 "+
		"band 7 (up to USD 2499.99): USD 25.00 = 25.00, half-even → USD 25.00 (buyer pays)")
	assert.Contains(t, lines, "  e-Checking             EU     not eligible: echeck.country: e-Checking is offered only to buyers in US; the buyer is in DE")

	tab := jsonTable(t, mustRun(t, "-explain", "-json"))
	for _, r := range tab.Rows {
		for _, c := range r.Cells {
			assert.NotEmpty(t, c.Explain, "%s in %s", r.Label, c.Region)
		}
	}
	assert.Equal(t, payment.DefaultSchedule().Explain(*cellOf(t, tab, "PayPal", payment.Europe).Quote),
		cellOf(t, tab, "PayPal", payment.Europe).Explain)

	eur := mustRun(t, "-explain", "-currency", "EUR")
	assert.Contains(t, eur, "  Card (other networks)  EU     EUR 2000.00 by card, no placement date: dated by the payment at 2026-03-02T00:00:00Z: "+
		"rule card-2018-06-04 2.95% = 59.00, half-even → EUR 59.00 (buyer pays); "+
		"eligibility not decided: payment: no exchange rate: EUR to USD")
}

func TestTwoRunsPrintTheSameBytes(t *testing.T) {
	for _, args := range [][]string{nil, {"-json", "-explain"}, {"-currency", "EUR", "-explain"}} {
		assert.Equal(t, mustRun(t, args...), mustRun(t, args...), "args %q", args)
	}
}

// The default schedule and rules never show the minimum's mark nor "—";
// a schedule and rules of the caller's can.
func TestMarksTheDefaultsNeverShow(t *testing.T) {
	usd := func(s string) payment.Money { return payment.MustParse(s, payment.USD) }
	from := time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)
	s, err := payment.NewFeeSchedule(
		payment.FeeRule{ID: "paypal-min", Method: payment.PayPal, From: from,
			Percent: decimal.RequireFromString("0.01"), Min: usd("5.00"), Bearer: payment.BuyerBears},
		payment.FeeRule{ID: "wu-short", Method: payment.WesternUnion, From: from,
			Bands: []payment.FeeBand{{UpTo: usd("500.00"), Fixed: usd("10.00")}}, Bearer: payment.BuyerBears},
		payment.FeeRule{ID: "card-visa", Method: payment.Card, Network: payment.Visa, From: from,
			Percent: decimal.RequireFromString("0.02"), Bearer: payment.BuyerBears},
	)
	require.NoError(t, err)
	rules := payment.DefaultEligibilityRules()
	rules.WesternUnionLimit = payment.Money{} // no limit: the missing band shows
	us := column{Region: payment.NorthAmerica, Buyer: "US"}

	for _, tc := range []struct {
		name   string
		method payment.Method
		amount string
		text   string
		marks  []string
	}{
		{"a fee above the minimum has no mark", payment.PayPal, "1000.00", "10.00", nil},
		{"a fee raised to the minimum is marked +", payment.PayPal, "100.00", "5.00+", []string{markMin}},
		{"an amount above every band, with no limit, is not priced", payment.WesternUnion, "1000.00", "—", []string{markNoRule}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab := &table{At: quotedAt, Amount: usd(tc.amount)}
			c, marks, err := quoteCell(context.Background(), s, rules, tab, row{Method: tc.method}, us)
			require.NoError(t, err)
			assert.Equal(t, tc.text, c.Text)
			assert.Equal(t, tc.marks, marks)
			require.NotNil(t, c.Eligible)
			assert.True(t, *c.Eligible)
		})
	}

	t.Run("cards get a row per network the schedule names, then one for the others", func(t *testing.T) {
		rows := rowsOf(s, quotedAt)
		var got []string
		for _, r := range rows {
			got = append(got, r.Label+" "+string(r.Network))
		}
		assert.Equal(t, []string{
			"Card (Visa) visa", "Card (other networks) mastercard", "T/T ", "Online bank transfer ", "Pay Later ",
			"Western Union ", "e-Checking ", "PayPal ", "Alipay ", "Apple Pay visa", "Google Pay visa",
		}, got)
		assert.Len(t, rowsOf(s, from.Add(-time.Second)), len(payment.Methods()), "a rule not yet in force names no network")
	})
}

func TestTheCardFeeFollowsTheOrdersPlacement(t *testing.T) {
	for _, tc := range []struct {
		placed, card, mastercardAPAC, explain string
	}{
		{"2018-06-03", "48.00", "40.00*", "order placed 2018-06-03T00:00:00Z: rule card-before-2018-06-04 2.4% = 48.00"},
		{"2018-06-04", "59.00", "40.00*", "order placed 2018-06-04T00:00:00Z: rule card-2018-06-04 2.95% = 59.00"},
	} {
		t.Run("an order placed "+tc.placed, func(t *testing.T) {
			out := mustRun(t, "-placed", tc.placed, "-explain")
			_, rows, _ := textTable(t, out)
			assert.Equal(t, same(tc.card), rows["Card (other networks)"])
			assert.Equal(t, tc.mastercardAPAC, rows["Card (Mastercard)"][0], "the APAC cap in both periods")
			assert.Equal(t, same("59.80"), rows["PayPal"], "dated by the payment: the placement does not matter")
			assert.Contains(t, out, "for an order placed "+tc.placed+"\n")
			assert.Contains(t, out, tc.explain)
			assert.NotContains(t, out, "service fee", "no goods, no service fee")
		})
	}
}

func TestTheSuppliersServiceFeeComesOnTopOfEveryMethodFee(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		fee  string // the service fee, "" for none
		rule string
	}{
		{"wholesale, a whole order of USD 5,000.00: 5%", []string{"-goods", "wholesale", "-order", "5000.00"}, "100.00", "service-wholesale-2024"},
		{"wholesale, a whole order of USD 5,000.01: none", []string{"-goods", "wholesale", "-order", "5000.01"}, "0.00", "service-wholesale-2024"},
		{"custom by the platform's logistics: 1%", []string{"-goods", "custom", "-shipping", "platform_logistics", "-order", "4000.00"}, "20.00", "service-custom-platform-logistics-2024"},
		{"custom by other logistics: 2%", []string{"-goods", "custom", "-shipping", "other_logistics"}, "40.00", "service-custom-2024"},
		{"no goods: no service fee", []string{"-order", "4000.00"}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := mustRun(t, tc.args...)
			_, rows, _ := textTable(t, out)
			assert.Equal(t, []string{"40.00*", "59.00", "59.00", "59.00", "59.00"}, rows["Card (Mastercard)"], "the method fees stay")
			tab := jsonTable(t, mustRun(t, append(tc.args, "-json")...))
			card := cellOf(t, tab, "Card (other networks)", payment.Europe)
			require.NotNil(t, card.Quote)
			if tc.fee == "" {
				assert.Nil(t, tab.Service)
				assert.NotContains(t, out, "service fee")
				assert.Len(t, card.Quote.Lines, 1)
				return
			}
			require.NotNil(t, tab.Service)
			assert.Equal(t, payment.MustParse(tc.fee, payment.USD), tab.Service.Fee)
			assert.Equal(t, tc.rule, tab.Service.RuleID)
			assert.Contains(t, out, "On top of every method fee, the supplier's service fee: USD "+tc.fee+", deducted from its release.\n")
			assert.Contains(t, out, "rule "+tc.rule+" band ")
			// Stacked on the card fee: the buyer pays 2.95%, the supplier the service fee.
			assert.Equal(t, payment.MustParse("59.00", payment.USD), card.Quote.BuyerFee)
			assert.Equal(t, payment.MustParse(tc.fee, payment.USD), card.Quote.SupplierFee)
			total, err := payment.MustParse("59.00", payment.USD).Add(payment.MustParse(tc.fee, payment.USD))
			require.NoError(t, err)
			assert.Equal(t, total, card.Quote.Fee)
			assert.Equal(t, "59.00", card.Text, "a cell shows the method fee")
		})
	}
}

func TestBadOrderFactsAreUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"-placed", "03/06/2018"}, `-placed "03/06/2018": not a day YYYY-MM-DD`},
		{[]string{"-placed", "2026-03-03"}, "after the day the fees are quoted, 2026-03-02"},
		{[]string{"-goods", "used"}, `-goods "used": not wholesale or custom`},
		{[]string{"-shipping", "boat"}, `-shipping "boat": not platform_logistics or other_logistics`},
		{[]string{"-order", "1999.99", "-goods", "wholesale"}, "the order's value is below the payment amount USD 2000.00"},
		{[]string{"-order", "abc"}, "malformed amount"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var b bytes.Buffer
			err := run(context.Background(), &b, tc.args)
			require.Error(t, err)
			assert.Equal(t, 2, exitCode(err))
			assert.Empty(t, b.String())
			assert.Contains(t, err.Error(), tc.says)
		})
	}
}
