package payment_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
)

// maxMinor is the largest amount of a Money in minor units: 18 nines.
const maxMinor = 999_999_999_999_999_999

// FuzzParse parses a string as an amount in a currency code and checks the
// result against a reference worked out with big integers: Parse never
// panics; it accepts exactly the plain decimals ("-12.30") whose decimals
// beyond the currency's minor unit are zeros and whose amount has at most 18
// digits of minor units, never rounding; it refuses everything else with the
// zero Money and a typed error of the right class; and what it accepts
// prints, converts and encodes to the same amount exactly.
func FuzzParse(f *testing.F) {
	for _, seed := range [][2]string{
		{"12.30", "USD"}, {"12.3", "USD"}, {"-0.01", "USD"}, {"12.300", "USD"}, {"-0", "USD"}, {"007.50", "USD"},
		{"1234", "JPY"}, {"1234.000", "JPY"}, {"1.234", "KWD"}, {"0.0001", "CLF"},
		{"999999999999999999", "JPY"}, {"9999999999999999.99", "USD"}, {"-9999999999999999.99", "USD"},
		{"99999999999999.9999", "CLF"}, {"1.000000000000000000000000000000", "USD"},
		{"12.305", "USD"}, {"1.5", "JPY"}, {"1.2345", "KWD"},
		{"1000000000000000000", "JPY"}, {"10000000000000000.00", "USD"}, {"-10000000000000000", "USD"},
		{"99999999999999999999999", "USD"}, {"99999999999999999999.001", "USD"},
		{"", "USD"}, {"-", "USD"}, {".5", "USD"}, {"5.", "USD"}, {"+5", "USD"}, {"--5", "USD"}, {"1e3", "USD"},
		{"1,000.00", "USD"}, {" 1.00", "USD"}, {"1.00 ", "USD"}, {"1.0.0", "USD"}, {"NaN", "USD"}, {"Inf", "USD"},
		{"0x10", "USD"}, {"١٢", "USD"}, {"1_000", "USD"},
		{"1.00", "XYZ"}, {"1.00", "usd"}, {"1.00", ""}, {"1.00", "XAU"}, {"garbage", "ZZZ"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, s, code string) {
		c := payment.Currency(code)
		m, err := payment.Parse(s, c)
		want, wantErrs := parseWant(s, c)
		if wantErrs != nil {
			if err == nil {
				t.Fatalf("Parse(%q, %q) = %v, want an error wrapping %v", s, code, m, wantErrs)
			}
			checkParseError(t, s, c, m, err, wantErrs)
			return
		}
		if err != nil {
			t.Fatalf("Parse(%q, %q): %v, want %d minor units", s, code, err, want)
		}
		if m.Minor() != want || m.Currency() != c {
			t.Fatalf("Parse(%q, %q) = %d minor units of %q, want %d", s, code, m.Minor(), m.Currency(), want)
		}
		minor := c.MinorUnits()
		text := amountText(want, minor)
		if got := m.String(); got != code+" "+text {
			t.Errorf("String() = %q, want %q", got, code+" "+text)
		}
		if got := m.Amount(); !got.Equal(decimal.New(want, -int32(minor))) || got.Exponent() != -int32(minor) || got.StringFixed(int32(minor)) != text {
			t.Errorf("Amount() = %s (exponent %d), want %s with %d decimals", got, got.Exponent(), text, minor)
		}
		if back, err := payment.Parse(text, c); err != nil || back != m {
			t.Errorf("Parse of the printed amount %q = %v, %v; want %v", text, back, err, m)
		}
		if back, err := payment.FromDecimal(m.Amount(), c); err != nil || back != m {
			t.Errorf("FromDecimal(Amount()) = %v, %v; want %v", back, err, m)
		}
		if back, err := payment.FromMinor(m.Minor(), c); err != nil || back != m {
			t.Errorf("FromMinor(Minor()) = %v, %v; want %v", back, err, m)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("Marshal(%v): %v", m, err)
		}
		if wantJSON := `{"amount":"` + text + `","currency":"` + code + `"}`; string(b) != wantJSON {
			t.Errorf("Marshal(%v) = %s, want %s", m, b, wantJSON)
		}
		var back payment.Money
		if err := json.Unmarshal(b, &back); err != nil || back != m {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v", b, back, err, m)
		}
	})
}

// plainDecimal is the grammar Parse accepts: an optional minus sign, ASCII
// digits, and at most one decimal point with digits on both sides.
var plainDecimal = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// parseWant is what Parse(s, c) must return, worked out with big integers:
// the amount in minor units, or the sentinels its error may wrap. An amount
// both too precise and out of range may be reported as either.
func parseWant(s string, c payment.Currency) (int64, []error) {
	if !c.Valid() {
		return 0, []error{payment.ErrUnknownCurrency}
	}
	if !plainDecimal.MatchString(s) {
		return 0, []error{payment.ErrMalformedAmount}
	}
	digits, neg := strings.CutPrefix(s, "-")
	whole, frac, _ := strings.Cut(digits, ".")
	minor := c.MinorUnits()
	kept := frac[:min(len(frac), minor)]
	tooPrecise := strings.Trim(frac[len(kept):], "0") != ""
	units, _ := new(big.Int).SetString(whole+kept+strings.Repeat("0", minor-len(kept)), 10)
	outOfRange := units.Cmp(big.NewInt(maxMinor)) > 0
	switch {
	case tooPrecise && outOfRange:
		return 0, []error{payment.ErrTooPrecise, payment.ErrOutOfRange}
	case tooPrecise:
		return 0, []error{payment.ErrTooPrecise}
	case outOfRange:
		return 0, []error{payment.ErrOutOfRange}
	}
	if neg {
		return -units.Int64(), nil
	}
	return units.Int64(), nil
}

// checkParseError checks a refusal of Parse(s, c): the zero Money and a
// typed error carrying the input, of one of the classes want.
func checkParseError(t *testing.T, s string, c payment.Currency, m payment.Money, err error, want []error) {
	t.Helper()
	if m != (payment.Money{}) {
		t.Errorf("Parse(%q, %q) failed but returned %v, not the zero Money", s, c, m)
	}
	if !slices.ContainsFunc(want, func(e error) bool { return errors.Is(err, e) }) {
		t.Fatalf("Parse(%q, %q): %q, want an error wrapping one of %q", s, c, err, want)
	}
	var ue *payment.UnknownCurrencyError
	var ae *payment.AmountError
	switch {
	case errors.Is(err, payment.ErrUnknownCurrency):
		if !errors.As(err, &ue) || ue.Code != string(c) {
			t.Errorf("Parse(%q, %q): %#v, want an *UnknownCurrencyError naming %q", s, c, err, c)
		}
	case !errors.As(err, &ae) || ae.Input != s || ae.Currency != c:
		t.Errorf("Parse(%q, %q): %#v, want an *AmountError naming the input and the currency", s, c, err)
	}
}

// amountText formats units minor units with exactly minor decimals.
func amountText(units int64, minor int) string {
	digits := strconv.FormatUint(uint64(max(units, -units)), 10)
	if minor > 0 {
		digits = strings.Repeat("0", max(0, minor+1-len(digits))) + digits
		digits = digits[:len(digits)-minor] + "." + digits[len(digits)-minor:]
	}
	if units < 0 {
		return "-" + digits
	}
	return digits
}

// FuzzMoneyJSON decodes bytes as a Money, both with UnmarshalJSON alone and
// through encoding/json: decoding never panics; the two agree; what
// decodes is the zero Money (from null) or an amount that encodes in the
// canonical form and decodes again to the same Money; and a refusal is
// typed: an *UnknownCurrencyError, an *AmountError, or (input that is not a
// Money object at all) an error wrapping ErrMalformedAmount.
func FuzzMoneyJSON(f *testing.F) {
	for _, seed := range []string{
		`{"amount":"12.30","currency":"USD"}`, `{"amount":"-0.001","currency":"KWD"}`, `{"amount":"1234","currency":"JPY"}`,
		`{"currency":"EUR","amount":"12.300"}`, `null`, ` null `, `{"amount":"9999999999999999.99","currency":"USD"}`,
		`{"amount":12.30,"currency":"USD"}`, `{"amount":"12.305","currency":"USD"}`, `{"amount":"1.00","currency":"usd"}`,
		`{"amount":"1.00"}`, `{"currency":"USD"}`, `{"amount":null,"currency":"USD"}`, `{}`, `"12.30"`, `[]`, `12.30`,
		`{"amount":"99999999999999999999","currency":"USD"}`, `{"amount":"1e3","currency":"USD"}`,
		`{"AMOUNT":"1.00","Currency":"EUR"}`, `{"amount":"1.00","currency":"USD","amount":"2.00"}`,
		`{"amount":"\u0031.00","currency":"US\u0044"}`, `{"amount":"1.00","currency":"USD"}x`, `{"amount":"1.00","currency":5}`,
		`{"amount":"NaN","currency":"USD"}`, `{"amount":"1.00","currency":"USD","extra":[1,{"a":null}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var m payment.Money
		err := m.UnmarshalJSON(data)
		if json.Valid(data) && bytes.Equal(data, bytes.TrimSpace(data)) {
			// encoding/json hands UnmarshalJSON the value as it is.
			var via struct {
				M payment.Money `json:"m"`
			}
			errVia := json.Unmarshal(append(append([]byte(`{"m":`), data...), '}'), &via)
			if (err == nil) != (errVia == nil) || via.M != m {
				t.Fatalf("UnmarshalJSON(%s) = %v, %v but through encoding/json %v, %v", data, m, err, via.M, errVia)
			}
		}
		if err != nil {
			if m != (payment.Money{}) {
				t.Errorf("UnmarshalJSON(%s) failed but left %v", data, m)
			}
			checkMoneyJSONError(t, data, err)
			return
		}
		if m == (payment.Money{}) {
			if string(data) != "null" {
				t.Fatalf("UnmarshalJSON(%s) gave the zero Money without an error; only null may", data)
			}
			return
		}
		if !m.Currency().Valid() || m.Minor() > maxMinor || m.Minor() < -maxMinor {
			t.Fatalf("UnmarshalJSON(%s) gave %d minor units of %q, not a valid Money", data, m.Minor(), m.Currency())
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("Marshal(%v): %v", m, err)
		}
		if want := `{"amount":"` + amountText(m.Minor(), m.Currency().MinorUnits()) + `","currency":"` + string(m.Currency()) + `"}`; string(b) != want {
			t.Errorf("Marshal(%v) = %s, want %s", m, b, want)
		}
		var back payment.Money
		if err := back.UnmarshalJSON(b); err != nil || back != m {
			t.Errorf("decoded from %s: %v; encoded as %s it decodes to %v, %v", data, m, b, back, err)
		}
	})
}

// checkMoneyJSONError checks that a refusal of data is typed.
func checkMoneyJSONError(t *testing.T, data []byte, err error) {
	t.Helper()
	var ue *payment.UnknownCurrencyError
	var ae *payment.AmountError
	switch {
	case errors.As(err, &ue):
		if !errors.Is(err, payment.ErrUnknownCurrency) {
			t.Errorf("UnmarshalJSON(%s): %v does not wrap ErrUnknownCurrency", data, err)
		}
	case errors.As(err, &ae):
		if !slices.ContainsFunc([]error{payment.ErrMalformedAmount, payment.ErrTooPrecise, payment.ErrOutOfRange},
			func(e error) bool { return errors.Is(ae.Err, e) }) {
			t.Errorf("UnmarshalJSON(%s): *AmountError with %v, not one of its classes", data, ae.Err)
		}
	case !errors.Is(err, payment.ErrMalformedAmount):
		t.Errorf("UnmarshalJSON(%s): %#v is not a typed error", data, err)
	}
}

// FuzzFeeQuote builds up to twelve fee rules from bytes (see
// decodeFeeRules), a payment amount, method, card network, buyer region and
// time from the other arguments, and asks for a quote. NewFeeSchedule either
// refuses the rules with an error wrapping ErrInvalidSchedule, or every
// quote agrees with a reference computed here with exact decimals (quoteWant):
// the same rule, band, conversions, error class or fee, rounded once. And a
// fee is never negative, is in the payment's currency, is split into a
// buyer's and a supplier's part that add up to it by the rule's bearer, is at
// most the cap when capped and at least the minimum when raised to it.
func FuzzFeeQuote(f *testing.F) {
	for _, s := range feeSeeds() {
		f.Add(s.units, s.cur, s.method, s.network, s.region, s.hours, encodeFeeRules(s.rules...))
	}
	f.Fuzz(func(t *testing.T, units int64, cur, method, network, region byte, hours int16, spec []byte) {
		rules := decodeFeeRules(spec)
		s, err := payment.NewFeeSchedule(rules...)
		if err != nil {
			if !errors.Is(err, payment.ErrInvalidSchedule) || s != nil {
				t.Fatalf("NewFeeSchedule: %v, %v; want only an error wrapping ErrInvalidSchedule", s, err)
			}
			return
		}
		checkAccepted(t, rules)
		req, ok := feeRequest(units, cur, method, network, region, hours)
		if !ok {
			return
		}
		q, err := s.Quote(context.Background(), req, feeRates)
		checkQuote(t, s, req, q, err, quoteWant(rules, req))
	})
}

// feeBase is the instant fee rules and requests are placed around: the
// start of the default schedule.
var feeBase = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// feeCurrencies are the currencies of rules and payments: two decimals,
// the euro, none, three.
var feeCurrencies = []payment.Currency{payment.USD, payment.EUR, payment.JPY, payment.KWD}

// feeNetworks are the card networks of rules and requests; the last is
// unknown to the SDK.
var feeNetworks = []payment.CardNetwork{"", payment.Visa, payment.Mastercard, payment.Amex, payment.Discover, payment.JCB,
	payment.UnionPay, payment.OtherNetwork, "diners"}

// feeRegions are the regions of rules and requests; the last is unknown.
var feeRegions = append(append([]payment.Region{""}, payment.Regions()...), "MARS")

// feeMethods are the methods of rules and requests; the last is unknown.
var feeMethods = append(payment.Methods(), "barter")

// rateTable gives exchange rates from a table; a missing pair is ErrNoRate.
type rateTable map[[2]payment.Currency]decimal.Decimal

// Rate implements payment.Rates.
func (r rateTable) Rate(_ context.Context, from, to payment.Currency, _ time.Time) (decimal.Decimal, error) {
	if d, ok := r[[2]payment.Currency{from, to}]; ok {
		return d, nil
	}
	return decimal.Decimal{}, fmt.Errorf("%w: %s to %s", payment.ErrNoRate, from, to)
}

// feeRates convert between feeCurrencies, with awkward decimals; EUR and
// JPY have no rate to KWD, and KWD's rate to EUR is zero, which is no rate
// either.
var feeRates = rateTable{
	{payment.USD, payment.EUR}: decimal.RequireFromString("0.9213"),
	{payment.EUR, payment.USD}: decimal.RequireFromString("1.0854"),
	{payment.USD, payment.JPY}: decimal.RequireFromString("151.37"),
	{payment.JPY, payment.USD}: decimal.RequireFromString("0.006606"),
	{payment.USD, payment.KWD}: decimal.RequireFromString("0.30752"),
	{payment.KWD, payment.USD}: decimal.RequireFromString("3.2518"),
	{payment.EUR, payment.JPY}: decimal.RequireFromString("164.29"),
	{payment.JPY, payment.EUR}: decimal.RequireFromString("0.0060869"),
	{payment.KWD, payment.JPY}: decimal.RequireFromString("492.3"),
	{payment.KWD, payment.EUR}: decimal.Zero,
}

// fuzzBytes reads a fuzz input a byte at a time; past its end it reads
// zeros.
type fuzzBytes struct{ b []byte }

func (r *fuzzBytes) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	x := r.b[0]
	r.b = r.b[1:]
	return x
}

func (r *fuzzBytes) uint16() uint16 { return uint16(r.byte())<<8 | uint16(r.byte()) }
func (r *fuzzBytes) uint32() uint32 { return uint32(r.uint16())<<16 | uint32(r.uint16()) }

// The byte layout of a rule (decodeFeeRule). Most byte values make a valid
// term, so that mutations keep schedules valid; one value of each byte (255
// mostly) makes an invalid one.
//
//	[0]      ID: n%16 < 14 "r" and the rule's index, 14 none, 15 "r0" again
//	[1]      Method: feeMethods[n%11], the last unknown
//	[2]      Network: feeNetworks[n%9], the last unknown; for a method
//	         without networks none, but 255 Visa
//	[3]      Region: feeRegions[n%7], the last unknown
//	[4]      Currency: 0 none, 1-4 feeCurrencies, 5 "ZZZ"
//	[5]      From: int8 days from feeBase
//	[6]      Until: 0 none; up to 199 that many days after From; from 200 on,
//	         n-200 days before it
//	[7..9]   Percent: a uint16 coefficient and n%21 decimals; 255 a minus sign
//	[10..27] Fixed, Min and Cap, 6 bytes each (feeMoney)
//	[28]     Rounding n%4, 255 unknown
//	[29]     Bearer: buyer, supplier or split by n%3, 255 unknown
//	[30]     BuyerSharePercent: n%101 for a split, otherwise 0; 255 is 150
//	[31]     n%4 bands, each 15 bytes: UpTo (feeMoney, unbounded when
//	         unset), Percent (3 bytes), Fixed (feeMoney)
//
// An amount (feeMoney) is a currency n%5 (0 the zero Money, else
// feeCurrencies), a uint32 coefficient and a power of ten n%19 it is
// multiplied by, at most 18 nines; a power byte of 255 makes the
// coefficient negative.
const feeMaxRules = 12

// feeBearers are the bearers of rule byte 29, and the unknown one of 255.
var feeBearers = []payment.Bearer{payment.BuyerBears, payment.SupplierBears, payment.SplitBears, "nobody"}

// decodeFeeRules reads rules from spec until it runs out, at most
// feeMaxRules.
func decodeFeeRules(spec []byte) []payment.FeeRule {
	r := &fuzzBytes{spec}
	var rules []payment.FeeRule
	for len(r.b) > 0 && len(rules) < feeMaxRules {
		rules = append(rules, decodeFeeRule(r, len(rules)))
	}
	return rules
}

// decodeFeeRule reads rule i.
func decodeFeeRule(r *fuzzBytes, i int) payment.FeeRule {
	var rule payment.FeeRule
	switch n := r.byte() % 16; n {
	case 14:
	case 15:
		rule.ID = "r0"
	default:
		rule.ID = "r" + strconv.Itoa(i)
	}
	rule.Method = feeMethods[int(r.byte())%len(feeMethods)]
	switch n := r.byte(); {
	case rule.Method.HasNetwork():
		rule.Network = feeNetworks[int(n)%len(feeNetworks)]
	case n == 255:
		rule.Network = payment.Visa
	}
	rule.Region = feeRegions[int(r.byte())%len(feeRegions)]
	switch n := int(r.byte() % 6); n {
	case 0:
	case 5:
		rule.Currency = "ZZZ"
	default:
		rule.Currency = feeCurrencies[n-1]
	}
	rule.From = feeBase.AddDate(0, 0, int(int8(r.byte())))
	switch n := int(r.byte()); {
	case n >= 200:
		rule.Until = rule.From.AddDate(0, 0, 200-n)
	case n > 0:
		rule.Until = rule.From.AddDate(0, 0, n)
	}
	rule.Percent = feePercent(r)
	rule.Fixed, rule.Min, rule.Cap = feeMoney(r), feeMoney(r), feeMoney(r)
	if n := r.byte(); n == 255 {
		rule.Rounding = payment.RoundingMode(4)
	} else {
		rule.Rounding = payment.RoundingMode(n % 4)
	}
	if n := r.byte(); n == 255 {
		rule.Bearer = feeBearers[3]
	} else {
		rule.Bearer = feeBearers[n%3]
	}
	switch n := r.byte(); {
	case n == 255:
		rule.BuyerSharePercent = 150
	case rule.Bearer == payment.SplitBears:
		rule.BuyerSharePercent = int64(n % 101)
	}
	for range r.byte() % 4 {
		rule.Bands = append(rule.Bands, payment.FeeBand{UpTo: feeMoney(r), Percent: feePercent(r), Fixed: feeMoney(r)})
	}
	return rule
}

// feePercent reads a percentage: a uint16 coefficient and its decimals.
func feePercent(r *fuzzBytes) decimal.Decimal {
	coef, exp := int64(r.uint16()), r.byte()
	if exp == 255 {
		return decimal.New(-coef, -2)
	}
	return decimal.New(coef, -int32(exp%21))
}

// feeMoney reads an amount of feeCurrencies, or the zero Money.
func feeMoney(r *fuzzBytes) payment.Money {
	sel, units, pow := r.byte()%5, int64(r.uint32()), r.byte()
	if pow == 255 {
		units = -units
	}
	for range pow % 19 {
		if units > maxMinor/10 {
			units = maxMinor
			break
		}
		units *= 10
	}
	if sel == 0 {
		return payment.Money{}
	}
	m, err := payment.FromMinor(units, feeCurrencies[sel-1])
	if err != nil {
		panic(err) // units is at most 18 nines
	}
	return m
}

// encodeFeeRules is the inverse of decodeFeeRules, for the seeds: it
// panics on a rule it cannot write.
func encodeFeeRules(rules ...payment.FeeRule) []byte {
	var b []byte
	for i, r := range rules {
		id := i
		switch r.ID {
		case "":
			id = 14
		case "r" + strconv.Itoa(i):
		case "r0":
			id = 15
		default:
			panic("a seed rule's ID is r and its index, r0 or empty: " + r.ID)
		}
		network := index(feeNetworks, r.Network)
		if !r.Method.HasNetwork() {
			network = map[payment.CardNetwork]byte{"": 0, payment.Visa: 255}[r.Network]
		}
		b = append(b, byte(id), index(feeMethods, r.Method), network, index(feeRegions, r.Region))
		switch r.Currency {
		case "":
			b = append(b, 0)
		case "ZZZ":
			b = append(b, 5)
		default:
			b = append(b, 1+index(feeCurrencies, r.Currency))
		}
		b = append(b, byte(int8(days(feeBase, r.From))))
		switch {
		case r.Until.IsZero():
			b = append(b, 0)
		case r.Until.After(r.From):
			b = append(b, byte(days(r.From, r.Until)))
		default:
			b = append(b, byte(200+days(r.Until, r.From)))
		}
		b = append(b, encodePercent(r.Percent)...)
		b = append(b, encodeMoney(r.Fixed)...)
		b = append(b, encodeMoney(r.Min)...)
		b = append(b, encodeMoney(r.Cap)...)
		rounding := byte(r.Rounding)
		if !r.Rounding.Valid() {
			rounding = 255
		}
		bearer := index(feeBearers, r.Bearer)
		if bearer == 3 {
			bearer = 255
		}
		share := byte(r.BuyerSharePercent)
		if r.BuyerSharePercent == 150 {
			share = 255
		}
		b = append(b, rounding, bearer, share, byte(len(r.Bands)))
		for _, band := range r.Bands {
			b = append(b, encodeMoney(band.UpTo)...)
			b = append(b, encodePercent(band.Percent)...)
			b = append(b, encodeMoney(band.Fixed)...)
		}
	}
	return b
}

// index returns the index of v in s as a byte, and panics when s has none.
func index[T comparable](s []T, v T) byte {
	i := slices.Index(s, v)
	if i < 0 {
		panic(fmt.Sprintf("%v is not one of %v", v, s))
	}
	return byte(i)
}

// days returns the whole days from a to b, and panics when that is not
// between -128 and 199.
func days(a, b time.Time) int {
	d := int(b.Sub(a) / (24 * time.Hour))
	if d < -128 || d > 199 || !a.AddDate(0, 0, d).Equal(b) {
		panic(fmt.Sprintf("%s is not a small whole number of days after %s", b, a))
	}
	return d
}

// encodePercent writes a percentage feePercent reads back.
func encodePercent(p decimal.Decimal) []byte {
	coef, exp := p.Coefficient().Int64(), -p.Exponent()
	switch {
	case p.IsZero():
		coef, exp = 0, 0
	case coef < 0 && exp == 2:
		coef, exp = -coef, 255
	}
	if coef < 0 || coef > math.MaxUint16 || exp < 0 || (exp > 20 && exp != 255) {
		panic(fmt.Sprintf("percentage %s cannot be written", p))
	}
	return []byte{byte(coef >> 8), byte(coef), byte(exp)}
}

// encodeMoney writes an amount feeMoney reads back.
func encodeMoney(m payment.Money) []byte {
	if m == (payment.Money{}) {
		return make([]byte, 6)
	}
	units, pow := m.Minor(), byte(0)
	if units < 0 {
		units, pow = -units, 255
	}
	for units > math.MaxUint32 && units%10 == 0 && pow != 255 {
		units, pow = units/10, pow+1
	}
	if units > math.MaxUint32 {
		panic(fmt.Sprintf("amount %s cannot be written", m))
	}
	b := []byte{1 + index(feeCurrencies, m.Currency()), 0, 0, 0, 0, pow}
	binary.BigEndian.PutUint32(b[1:5], uint32(units))
	return b
}

// feeRequest builds the request of the fuzz arguments; false when units
// is no Money.
func feeRequest(units int64, cur, method, network, region byte, hours int16) (payment.FeeRequest, bool) {
	amount, err := payment.FromMinor(units, feeCurrencies[int(cur)%len(feeCurrencies)])
	if err != nil {
		return payment.FeeRequest{}, false
	}
	req := payment.FeeRequest{
		Amount: amount, Method: feeMethods[int(method)%len(feeMethods)], Network: feeNetworks[int(network)%len(feeNetworks)],
		Region: feeRegions[int(region)%len(feeRegions)],
	}
	if hours != math.MinInt16 {
		req.At = feeBase.Add(time.Duration(hours) * time.Hour)
	}
	return req, true
}

// checkAccepted checks the rules a schedule accepted against the rules
// that keep fees sane: percentages in [0, 1), no negative amount.
func checkAccepted(t *testing.T, rules []payment.FeeRule) {
	t.Helper()
	percentOK := func(p decimal.Decimal) bool { return !p.IsNegative() && p.LessThan(decimal.New(1, 0)) }
	for _, r := range rules {
		ok := percentOK(r.Percent) && !r.Fixed.IsNegative() && !r.Min.IsNegative() && !r.Cap.IsNegative() && r.Rounding.Valid()
		for _, b := range r.Bands {
			ok = ok && percentOK(b.Percent) && !b.Fixed.IsNegative() && !b.UpTo.IsNegative()
		}
		if !ok {
			t.Fatalf("NewFeeSchedule accepted rule %+v", r)
		}
	}
}

// feeWant is what a quote must be, by the reference.
type feeWant struct {
	err            error // the sentinel the error wraps, or nil
	rule           payment.FeeRule
	band           int
	exact          decimal.Decimal // the fee in minor units after Min and Cap, before rounding
	raised, capped bool
	fee            int64 // the fee in minor units, rounded
	converted      []payment.Currency
	min, cap       decimal.Decimal // Min and Cap in minor units of the payment
}

// quoteWant works out the quote for req under rules, as FeeSchedule.Quote
// documents it, with exact decimals and the rounding done by hand.
func quoteWant(rules []payment.FeeRule, req payment.FeeRequest) feeWant {
	cur := req.Amount.Currency()
	switch {
	case !req.Amount.IsPositive():
		return feeWant{err: payment.ErrInvalidAmount}
	case !req.Method.Valid(), req.Method.HasNetwork() != (req.Network != ""),
		req.Region != "" && !slices.Contains(payment.Regions(), req.Region), req.At.IsZero():
		return feeWant{err: payment.ErrInvalidRequest}
	}
	w := feeWant{band: -1}
	best := -1
	for _, r := range rules {
		score := 0
		for _, f := range []struct {
			set, match bool
			weight     int
		}{{r.Network != "", r.Network == req.Network, 4}, {r.Region != "", r.Region == req.Region, 2}, {r.Currency != "", r.Currency == cur, 1}} {
			if f.set && !f.match {
				score = -1
				break
			}
			if f.set {
				score += f.weight
			}
		}
		if r.Method != req.Method || score < 0 || req.At.Before(r.From) || (!r.Until.IsZero() && !req.At.Before(r.Until)) {
			continue
		}
		if score == best {
			panic("two rules apply equally: NewFeeSchedule should have refused them")
		}
		if score > best {
			w.rule, best = r, score
		}
	}
	if best < 0 {
		return feeWant{err: payment.ErrNoFeeRule}
	}
	// minorOf returns m in minor units of the payment currency, converted
	// exactly; false when there is no rate.
	minorOf := func(m payment.Money) (decimal.Decimal, bool) {
		switch {
		case m.Currency() == cur:
			return decimal.New(m.Minor(), 0), true
		case m.IsZero():
			return decimal.Zero, true
		}
		rate, ok := feeRates[[2]payment.Currency{m.Currency(), cur}]
		if !ok || !rate.IsPositive() {
			return decimal.Decimal{}, false
		}
		if !slices.Contains(w.converted, m.Currency()) {
			w.converted = append(w.converted, m.Currency())
		}
		return m.Amount().Mul(rate).Shift(int32(cur.MinorUnits())), true
	}
	pct, fixed := w.rule.Percent, w.rule.Fixed
	if len(w.rule.Bands) > 0 {
		for i, b := range w.rule.Bands {
			if b.UpTo == (payment.Money{}) {
				w.band = i
				break
			}
			bound, ok := minorOf(b.UpTo)
			if !ok {
				return feeWant{err: payment.ErrNoRate}
			}
			if decimal.New(req.Amount.Minor(), 0).LessThanOrEqual(bound) {
				w.band = i
				break
			}
		}
		if w.band < 0 {
			return feeWant{err: payment.ErrNoFeeRule}
		}
		pct, fixed = w.rule.Bands[w.band].Percent, w.rule.Bands[w.band].Fixed
	}
	w.exact = decimal.New(req.Amount.Minor(), 0).Mul(pct)
	f, ok := minorOf(fixed)
	if !ok {
		return feeWant{err: payment.ErrNoRate}
	}
	w.exact = w.exact.Add(f)
	if w.rule.Min.Currency() != "" {
		if w.min, ok = minorOf(w.rule.Min); !ok {
			return feeWant{err: payment.ErrNoRate}
		}
		if w.exact.LessThan(w.min) {
			w.exact, w.raised = w.min, true
		}
	}
	if w.rule.Cap.Currency() != "" {
		if w.cap, ok = minorOf(w.rule.Cap); !ok {
			return feeWant{err: payment.ErrNoRate}
		}
		if w.exact.GreaterThan(w.cap) {
			w.exact, w.capped = w.cap, true
		}
	}
	rounded := roundByHand(w.exact, w.rule.Rounding)
	if rounded.GreaterThan(decimal.New(maxMinor, 0)) {
		return feeWant{err: payment.ErrOutOfRange}
	}
	w.fee = rounded.IntPart()
	return w
}

// roundByHand rounds a non-negative x to an integer with mode, from its
// floor and fraction.
func roundByHand(x decimal.Decimal, mode payment.RoundingMode) decimal.Decimal {
	floor := x.Floor()
	frac, half := x.Sub(floor), decimal.New(5, -1)
	up := false
	switch mode {
	case payment.RoundUp:
		up = frac.IsPositive()
	case payment.RoundDown:
	case payment.RoundHalfUp:
		up = frac.GreaterThanOrEqual(half)
	default:
		up = frac.GreaterThan(half) || frac.Equal(half) && floor.BigInt().Bit(0) == 1
	}
	if up {
		return floor.Add(decimal.New(1, 0))
	}
	return floor
}

// checkQuote checks a quote against the reference.
func checkQuote(t *testing.T, s *payment.FeeSchedule, req payment.FeeRequest, q payment.FeeQuote, err error, want feeWant) {
	t.Helper()
	if want.err != nil {
		if !errors.Is(err, want.err) {
			t.Fatalf("Quote(%+v) = %+v, %v; want an error wrapping %v", req, q, err, want.err)
		}
		return
	}
	if err != nil {
		t.Fatalf("Quote(%+v): %v; want a fee of %s minor units by rule %s", req, err, want.exact, want.rule.ID)
	}
	cur := req.Amount.Currency()
	if q.Fee.IsNegative() || q.BuyerFee.IsNegative() || q.SupplierFee.IsNegative() {
		t.Fatalf("negative fee: %+v", q)
	}
	if q.Fee.Currency() != cur || q.BuyerFee.Currency() != cur || q.SupplierFee.Currency() != cur {
		t.Fatalf("a fee in another currency than the payment's %s: %+v", cur, q)
	}
	if sum, err := q.BuyerFee.Add(q.SupplierFee); err != nil || sum != q.Fee {
		t.Fatalf("buyer fee %s + supplier fee %s = %s, %v; want the fee %s", q.BuyerFee, q.SupplierFee, sum, err, q.Fee)
	}
	if q.Capped && (decimal.New(q.Fee.Minor(), 0).GreaterThan(roundByHand(want.cap, want.rule.Rounding)) ||
		want.rule.Cap.Currency() == cur && q.Fee.Minor() > want.rule.Cap.Minor()) {
		t.Fatalf("a capped fee %s above the cap %s: %+v", q.Fee, want.rule.Cap, q)
	}
	if q.RaisedToMin && !q.Capped && (decimal.New(q.Fee.Minor(), 0).LessThan(roundByHand(want.min, want.rule.Rounding)) ||
		want.rule.Min.Currency() == cur && q.Fee.Minor() < want.rule.Min.Minor()) {
		t.Fatalf("a fee %s raised to the minimum %s is below it: %+v", q.Fee, want.rule.Min, q)
	}
	switch want.rule.Bearer {
	case payment.BuyerBears:
		if !q.SupplierFee.IsZero() {
			t.Errorf("the buyer bears the fee, yet the supplier pays %s", q.SupplierFee)
		}
	case payment.SupplierBears:
		if !q.BuyerFee.IsZero() {
			t.Errorf("the supplier bears the fee, yet the buyer pays %s", q.BuyerFee)
		}
	case payment.SplitBears:
		// The buyer's part is its share of the fee, give or take a minor unit.
		off := decimal.New(q.BuyerFee.Minor(), 2).Sub(decimal.New(q.Fee.Minor(), 0).Mul(decimal.New(want.rule.BuyerSharePercent, 0)))
		if off.Abs().GreaterThanOrEqual(decimal.New(100, 0)) {
			t.Errorf("the buyer's %d%% of %s is %s", want.rule.BuyerSharePercent, q.Fee, q.BuyerFee)
		}
	}
	got := feeWant{rule: want.rule, band: q.Band, exact: q.Unrounded.Shift(int32(cur.MinorUnits())), raised: q.RaisedToMin,
		capped: q.Capped, fee: q.Fee.Minor(), min: want.min, cap: want.cap}
	if r, ok := s.Rule(q.RuleID); ok {
		got.rule = r
	} else {
		got.rule = payment.FeeRule{ID: q.RuleID}
	}
	for _, c := range q.Conversions {
		if c.To != cur || !c.At.Equal(req.At) || !c.Rate.Equal(feeRates[[2]payment.Currency{c.From, c.To}]) {
			t.Errorf("conversion %+v is not the table's at the payment's time", c)
		}
		got.converted = append(got.converted, c.From)
	}
	slices.Sort(got.converted)
	slices.Sort(want.converted)
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(feeWant{}), cmp.Options(feeCmpOpts)); diff != "" {
		t.Errorf("Quote(%+v) differs from the reference (-want +got):\n%s", req, diff)
	}
	if line := s.Explain(q); !strings.Contains(line, q.RuleID) {
		t.Errorf("Explain(%+v) = %q, which does not cite the rule", q, line)
	}
}

// feeCmpOpts compare fee rules and quotes: Money with ==, decimals by
// value, times as instants, empty as nil.
var feeCmpOpts = []cmp.Option{
	cmp.Comparer(func(a, b payment.Money) bool { return a == b }),
	cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }),
	cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
}

// feeSeed is one seed of FuzzFeeQuote.
type feeSeed struct {
	rules                        []payment.FeeRule
	units                        int64
	cur, method, network, region byte
	hours                        int16
}

// feeSeeds are the default schedule quoted in every way the programme
// uses it, and rules that exercise every term: bands, minimums, caps,
// conversions, splits, roundings, periods and refusals.
func feeSeeds() []feeSeed {
	usd, eur, jpy, kwd := byte(0), byte(1), byte(2), byte(3)
	card, tt, wu, echeck, applePay := index(feeMethods, payment.Card), index(feeMethods, payment.WireTransfer),
		index(feeMethods, payment.WesternUnion), index(feeMethods, payment.ECheck), index(feeMethods, payment.ApplePay)
	visa, mastercard := index(feeNetworks, payment.Visa), index(feeNetworks, payment.Mastercard)
	apac, eu, na := index(feeRegions, payment.AsiaPacific), index(feeRegions, payment.Europe), index(feeRegions, payment.NorthAmerica)
	def := payment.DefaultSchedule().Rules()
	for i := range def {
		def[i].ID, def[i].Note = "r"+strconv.Itoa(i), ""
	}
	money := func(s string, c payment.Currency) payment.Money { return payment.MustParse(s, c) }
	pct := decimal.RequireFromString
	rule := func(edit func(*payment.FeeRule)) payment.FeeRule {
		r := payment.FeeRule{ID: "r0", Method: payment.Card, From: feeBase, Bearer: payment.BuyerBears}
		edit(&r)
		return r
	}
	return []feeSeed{
		// The default schedule: a Mastercard in APAC capped at USD 40.00,
		// in USD and in euros; a Visa card; a wire; Western Union's bands;
		// e-Checking's fixed fee in yen; a payment above every band.
		{rules: def, units: 200_000, cur: usd, method: card, network: mastercard, region: apac, hours: 24},
		{rules: def, units: 200_000, cur: eur, method: card, network: mastercard, region: apac, hours: 24},
		{rules: def, units: 123_456, cur: usd, method: card, network: visa, region: eu, hours: 1000},
		{rules: def, units: 5_000_000, cur: kwd, method: tt, region: eu, hours: 5},
		{rules: def, units: 75_000, cur: usd, method: wu, region: na, hours: 5},
		{rules: def, units: 249_999, cur: usd, method: wu, region: na, hours: 5},
		{rules: def, units: 250_000, cur: usd, method: wu, region: na, hours: 5},
		{rules: def, units: 40_000, cur: jpy, method: echeck, region: na, hours: 5},
		{rules: def, units: 999, cur: usd, method: applePay, network: visa, hours: 5},
		// Before the schedule starts, without a time, for nothing, and for
		// an amount that is not positive.
		{rules: def, units: 10_000, cur: usd, method: card, network: visa, hours: -1},
		{rules: def, units: 10_000, cur: usd, method: card, network: visa, hours: math.MinInt16},
		{rules: def, units: 0, cur: usd, method: card, network: visa, hours: 1},
		{rules: def, units: -100, cur: usd, method: card, network: visa, hours: 1},
		// A minimum in yen and a cap in dinars on a dollar payment; a split
		// 30/70 rounded half-up; and on a euro payment, with no rate for
		// the dinars.
		{rules: []payment.FeeRule{splitFeeRule()}, units: 12_345, cur: usd, method: card, network: visa, hours: 1},
		{rules: []payment.FeeRule{splitFeeRule()}, units: 99_999_999, cur: usd, method: card, network: visa, hours: 1},
		{rules: []payment.FeeRule{splitFeeRule()}, units: 12_345, cur: eur, method: card, network: visa, hours: 1},
		// Bands bounded in euros on a dollar payment, a fixed fee in dinars
		// with no rate to euros, rounded up and borne by the supplier.
		{rules: []payment.FeeRule{rule(func(r *payment.FeeRule) {
			r.Method, r.Currency, r.Bearer, r.Rounding = payment.PayPal, payment.USD, payment.SupplierBears, payment.RoundUp
			r.Bands = []payment.FeeBand{{UpTo: money("100.00", payment.EUR), Percent: pct("0.035")},
				{UpTo: money("1000.00", payment.EUR), Percent: pct("0.0299"), Fixed: money("0.30", payment.USD)},
				{Percent: pct("0.019"), Fixed: money("0.100", payment.KWD)}}
		})}, units: 50_000, cur: usd, method: index(feeMethods, payment.PayPal), hours: 1},
		{rules: []payment.FeeRule{rule(func(r *payment.FeeRule) {
			r.Method, r.Bands = payment.PayPal, []payment.FeeBand{{UpTo: money("100.00", payment.EUR), Percent: pct("0.035")},
				{Percent: pct("0.019"), Fixed: money("0.100", payment.KWD)}}
		})}, units: 500_000, cur: eur, method: index(feeMethods, payment.PayPal), hours: 1},
		// A specific rule beside a general one, a rule that has ended, and
		// a tie in half-even rounding: 0.5% of JPY 100 is 0.5, rounded to 0.
		{rules: []payment.FeeRule{
			rule(func(r *payment.FeeRule) { r.Percent = pct("0.005") }),
			rule(func(r *payment.FeeRule) {
				r.ID, r.Network, r.Region, r.Currency, r.Percent = "r1", payment.JCB, payment.AsiaPacific, payment.JPY, pct("0.005")
			}),
			rule(func(r *payment.FeeRule) {
				r.ID, r.Network, r.From, r.Until, r.Percent = "r2", payment.JCB, feeBase.AddDate(0, 0, -30), feeBase, pct("0.9")
			}),
		}, units: 100, cur: jpy, method: card, network: index(feeNetworks, payment.JCB), region: apac, hours: 1},
		// A huge fixed fee that converts beyond the largest Money.
		{rules: []payment.FeeRule{rule(func(r *payment.FeeRule) {
			r.Fixed = money("9000000000000000.00", payment.USD)
		})}, units: 1, cur: jpy, method: card, network: visa, hours: 1},
		// Percentages with many decimals, beyond what fits 64 bits.
		{rules: []payment.FeeRule{rule(func(r *payment.FeeRule) {
			r.Percent, r.Min = decimal.New(12_345, -20), money("0.01", payment.USD)
		})}, units: maxMinor, cur: usd, method: card, network: visa, hours: 1},
		// Rules NewFeeSchedule refuses: overlapping, a percent of 100%,
		// a minimum above the cap, an unbounded band before a bounded one.
		{rules: []payment.FeeRule{rule(func(*payment.FeeRule) {}), rule(func(r *payment.FeeRule) { r.ID = "r1" })}, method: card, network: visa},
		{rules: []payment.FeeRule{rule(func(r *payment.FeeRule) { r.Percent = pct("1") })}, units: 1, method: card, network: visa},
		{rules: []payment.FeeRule{rule(func(r *payment.FeeRule) {
			r.Min, r.Cap = money("2.00", payment.USD), money("1.00", payment.USD)
		})}, units: 1, method: card, network: visa},
		{rules: []payment.FeeRule{rule(func(r *payment.FeeRule) {
			r.Bands = []payment.FeeBand{{Percent: pct("0.01")}, {UpTo: money("1.00", payment.USD)}}
		})}, units: 1, method: card, network: visa},
	}
}

// splitFeeRule is a card rule of 1.75% with a minimum in yen and a cap in
// dinars, split 30/70 between the buyer and the supplier and rounded
// half-up.
func splitFeeRule() payment.FeeRule {
	return payment.FeeRule{ID: "r0", Method: payment.Card, From: feeBase, Percent: decimal.RequireFromString("0.0175"),
		Min: payment.MustParse("500", payment.JPY), Cap: payment.MustParse("12.500", payment.KWD),
		Bearer: payment.SplitBears, BuyerSharePercent: 30, Rounding: payment.RoundHalfUp}
}

// TestFeeQuoteSeedsDecodeAsWritten checks that each seed of FuzzFeeQuote
// decodes to the rules it was written from, so that the seeds test what
// they say.
func TestFeeQuoteSeedsDecodeAsWritten(t *testing.T) {
	for i, s := range feeSeeds() {
		got := decodeFeeRules(encodeFeeRules(s.rules...))
		if diff := cmp.Diff(s.rules, got, feeCmpOpts...); diff != "" {
			t.Errorf("seed %d decodes to other rules (-written +decoded):\n%s", i, diff)
		}
	}
}

// TestFeeQuoteSeedsQuote checks that the seeds of FuzzFeeQuote reach what
// they were written for: the valid schedules quote, the invalid ones are
// refused.
func TestFeeQuoteSeedsQuote(t *testing.T) {
	quoted, refused := 0, 0
	for _, s := range feeSeeds() {
		sched, err := payment.NewFeeSchedule(s.rules...)
		if err != nil {
			refused++
			continue
		}
		req, ok := feeRequest(s.units, s.cur, s.method, s.network, s.region, s.hours)
		require.True(t, ok)
		if _, err := sched.Quote(context.Background(), req, feeRates); err == nil {
			quoted++
		}
	}
	require.Equal(t, 4, refused, "the invalid seed schedules")
	require.GreaterOrEqual(t, quoted, 12, "seeds that quote a fee")
}

// paymentJSONTypes are the types of the payment package that decode from
// JSON, with its comparison conventions.
var paymentJSONTypes = func() []testkit.JSONType {
	opts := feeCmpOpts[:2]
	return []testkit.JSONType{
		testkit.JSONTypeOf[payment.Account](opts...), testkit.JSONTypeOf[payment.AccountEvent](opts...),
		testkit.JSONTypeOf[payment.Actor](opts...), testkit.JSONTypeOf[payment.Conversion](opts...),
		testkit.JSONTypeOf[payment.CreditLine](opts...), testkit.JSONTypeOf[payment.Currency](opts...),
		testkit.JSONTypeOf[payment.EligibilityRules](opts...), testkit.JSONTypeOf[payment.Event](opts...), testkit.JSONTypeOf[payment.Message](opts...), testkit.JSONTypeOf[payment.Notice](opts...),
		testkit.JSONTypeOf[payment.FeeBand](opts...), testkit.JSONTypeOf[payment.FeeQuote](opts...),
		testkit.JSONTypeOf[payment.FeeRequest](opts...), testkit.JSONTypeOf[payment.FeeRule](opts...),
		testkit.JSONTypeOf[payment.InitiateRequest](opts...), testkit.JSONTypeOf[payment.Instrument](opts...),
		testkit.JSONTypeOf[payment.MethodEligibility](opts...), testkit.JSONTypeOf[payment.Money](opts...),
		testkit.JSONTypeOf[payment.Outcome](opts...), testkit.JSONTypeOf[payment.Payment](opts...),
		testkit.JSONTypeOf[payment.Reason](opts...), testkit.JSONTypeOf[payment.Refund](opts...),
		testkit.JSONTypeOf[payment.RefundRequest](opts...), testkit.JSONTypeOf[payment.RiskDecision](opts...),
		testkit.JSONTypeOf[payment.RiskOutcome](opts...), testkit.JSONTypeOf[payment.RoundingMode](opts...),
	}
}()

// FuzzJSON decodes bytes into each JSON type of the package in turn
// (paymentJSONTypes): decoding never panics, and whatever decodes encodes
// and decodes again to an equal value (testkit.RoundTripJSON).
func FuzzJSON(f *testing.F) { testkit.FuzzJSON(f, paymentJSONSeeds(f), paymentJSONTypes) }

// TestFuzzJSONDecodesEveryType checks that FuzzJSON decodes every type of
// the package that decodes from JSON.
func TestFuzzJSONDecodesEveryType(t *testing.T) {
	testkit.CheckJSONTypes(t, ".", paymentJSONTypes)
}

// paymentJSONSeeds are the JSON documents of the package's types as the
// SDK writes them: the default fee rules and eligibility rules, quotes,
// a payment that succeeded and was refunded, a frozen account; and a few
// hand-written oddities.
func paymentJSONSeeds(t testing.TB) [][]byte {
	ctx := context.Background()
	clock := testkit.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	svc, err := payment.NewService(payment.Config{Store: payment.NewMemoryStore(), Clock: clock})
	require.NoError(t, err)
	buyer, agent, hooks := payment.Buyer("buyer-de-1"), payment.Platform("agent-7"), payment.System("webhooks")
	p, err := svc.Initiate(ctx, buyer, "key-1", payment.InitiateRequest{OrderID: "order-1", Tranche: payment.Deposit, BuyerID: buyer.ID,
		BuyerCountry: "DE", Instrument: payment.Instrument{Method: payment.Card, Network: payment.Visa, IssuerCountry: "DE"},
		Amount: payment.MustParse("960.00", payment.USD)})
	require.NoError(t, err)
	_, err = svc.Report(ctx, hooks, p.ID, payment.Outcome{Status: payment.StatusSucceeded, ProcessorRef: "psp-1"})
	require.NoError(t, err)
	p, err = svc.RecordRefund(ctx, hooks, p.ID, "refund-1", payment.RefundRequest{Amount: payment.MustParse("100.00", payment.USD), ProcessorRef: "psp-r1"})
	require.NoError(t, err)
	acct, err := svc.Freeze(ctx, agent, buyer.ID, "chargeback")
	require.NoError(t, err)
	q, err := payment.DefaultSchedule().Quote(ctx, payment.FeeRequest{Amount: payment.MustParse("2000.00", payment.EUR), Method: payment.Card,
		Network: payment.Mastercard, Region: payment.AsiaPacific, At: clock.Now()}, feeRates)
	require.NoError(t, err)
	split, err := payment.NewFeeSchedule(splitFeeRule())
	require.NoError(t, err)
	q2, err := split.Quote(ctx, payment.FeeRequest{Amount: payment.MustParse("123.45", payment.USD), Method: payment.Card,
		Network: payment.Visa, At: clock.Now()}, feeRates)
	require.NoError(t, err)
	values := []any{
		p, acct, q, q2, payment.DefaultSchedule().Rules(), payment.DefaultEligibilityRules(),
		payment.MethodEligibility{Instrument: payment.Instrument{Method: payment.WesternUnion}, Reasons: []payment.Reason{{Code: payment.ReasonWesternUnionLimit, Text: "at most USD 2,499.99"}}},
		payment.RiskDecision{Outcome: payment.RiskReview, Reasons: []payment.Reason{{Code: payment.ReasonAmountSpike, Text: "10 times the largest"}}},
		payment.CreditLine{Limit: payment.MustParse("150000.00", payment.USD), Used: payment.MustParse("0.00", payment.USD), TermDays: 60},
		payment.FeeRequest{Amount: payment.MustParse("1.000", payment.KWD), Method: payment.PayLater, At: clock.Now()},
	}
	var seeds [][]byte
	for _, v := range values {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		seeds = append(seeds, b)
	}
	for _, s := range []string{
		`"USD"`, `"half-up"`, `"freeze"`, `"sideways"`, `null`, `{}`, `[]`, `3`,
		`{"amount":{"amount":"-0.00","currency":"USD"},"at":"2026-03-02T10:00:00.123456789+05:30","rounding":"up","unrounded":"1e3"}`,
		`{"percent":"0.0299","from":"0001-01-01T00:00:00Z","until":"9999-12-31T23:59:59.999999999-23:59","bands":[{"up_to":null}]}`,
		`{"rate":1e-5,"from":"EUR","to":"USD"}`, `{"outcome":"allow","reasons":[{"code":"x","text":"\ud800"}]}`,
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}
