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

// FuzzFeeQuote builds up to sixteen fee rules from bytes (see
// decodeFeeRules), a payment amount, method, card network, buyer region,
// time and order facts (placement, value, goods, shipping) from the other
// arguments, and asks for a quote. NewFeeSchedule either refuses the rules
// with an error wrapping ErrInvalidSchedule, or every quote agrees with a
// reference computed here with exact decimals (quoteWant): the same lines
// (a method fee, and a service fee when one applies), each with the same
// rule, date, band, error class or fee, rounded once, the same conversions
// and totals. And every line's fee is never negative, is in the payment's
// currency, is split into a buyer's and a supplier's part that add up to
// it by the rule's bearer, is at most the cap when capped and at least the
// minimum when raised to it.
func FuzzFeeQuote(f *testing.F) {
	for _, s := range feeSeeds() {
		f.Add(s.units, s.cur, s.method, s.network, s.region, s.hours, s.placed, s.order, s.facts, encodeFeeRules(s.rules...))
	}
	f.Fuzz(func(t *testing.T, units int64, cur, method, network, region byte, hours, placed int16, order int64, facts byte, spec []byte) {
		rules := decodeFeeRules(spec)
		s, err := payment.NewFeeSchedule(rules...)
		if err != nil {
			if !errors.Is(err, payment.ErrInvalidSchedule) || s != nil {
				t.Fatalf("NewFeeSchedule: %v, %v; want only an error wrapping ErrInvalidSchedule", s, err)
			}
			return
		}
		checkAccepted(t, rules)
		req, ok := feeRequest(units, cur, method, network, region, hours, placed, order, facts)
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
//	[0]      ID: n%32 < 30 "r" and the rule's index, 30 none, 31 "r0" again
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
//	[31]     n%8 bands, each 15 bytes: UpTo (feeMoney, unbounded when
//	         unset), Percent (3 bytes), Fixed (feeMoney)
//	[32+15n] bit 0 DatedBy placement; bit 1 Kind service, with no Method or
//	         Network (bit 7 keeps byte 1's method: invalid); bits 2-3
//	         Goods: none, wholesale, custom, "used" (unknown); bits 4-5
//	         Shipping: none, platform, other, "boat" (unknown); bit 6
//	         BandedBy order
//
// An amount (feeMoney) is a currency n%5 (0 the zero Money, else
// feeCurrencies), a uint32 coefficient and a power of ten n%19 it is
// multiplied by, at most 18 nines; a power byte of 255 makes the
// coefficient negative.
const feeMaxRules = 16

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
	switch n := r.byte() % 32; n {
	case 30:
	case 31:
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
	for range r.byte() % 8 {
		rule.Bands = append(rule.Bands, payment.FeeBand{UpTo: feeMoney(r), Percent: feePercent(r), Fixed: feeMoney(r)})
	}
	n := r.byte()
	if n&1 != 0 {
		rule.DatedBy = payment.DatedByPlacement
	}
	if n&2 != 0 {
		rule.Kind = payment.ServiceFee
		if n&128 == 0 {
			rule.Method, rule.Network = "", ""
		}
	}
	rule.Goods, rule.Shipping = feeGoods[n>>2&3], feeShipping[n>>4&3]
	if n&64 != 0 {
		rule.BandedBy = payment.BandByOrder
	}
	return rule
}

// feeGoods and feeShipping are the goods and shipping of rules and
// requests by two bits; the last of each is unknown.
var (
	feeGoods    = []payment.Goods{"", payment.Wholesale, payment.Custom, "used"}
	feeShipping = []payment.Shipping{"", payment.PlatformLogistics, payment.OtherLogistics, "boat"}
)

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
			id = 30
		case "r" + strconv.Itoa(i):
		case "r0":
			id = 31
		default:
			panic("a seed rule's ID is r and its index, r0 or empty: " + r.ID)
		}
		method, network := byte(0), byte(0)
		if r.Kind != payment.ServiceFee || r.Method != "" {
			method, network = index(feeMethods, r.Method), index(feeNetworks, r.Network)
			if !r.Method.HasNetwork() {
				network = map[payment.CardNetwork]byte{"": 0, payment.Visa: 255}[r.Network]
			}
		}
		b = append(b, byte(id), method, network, index(feeRegions, r.Region))
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
		facts := index(feeGoods, r.Goods)<<2 | index(feeShipping, r.Shipping)<<4
		if r.DatedBy == payment.DatedByPlacement {
			facts |= 1
		}
		if r.Kind == payment.ServiceFee {
			facts |= 2
			if r.Method != "" {
				facts |= 128
			}
		}
		if r.BandedBy == payment.BandByOrder {
			facts |= 64
		}
		b = append(b, facts)
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
// is no Money. placed is the order's placement in hours from feeBase,
// none at math.MinInt16; order is the order's value in minor units; facts
// say its goods (bits 0-1, feeGoods), shipping (bits 2-3, feeShipping),
// whether the value is set (bit 4) and whether it is in the next currency
// of feeCurrencies rather than the payment's (bit 5).
func feeRequest(units int64, cur, method, network, region byte, hours, placed int16, order int64, facts byte) (payment.FeeRequest, bool) {
	c := int(cur) % len(feeCurrencies)
	amount, err := payment.FromMinor(units, feeCurrencies[c])
	if err != nil {
		return payment.FeeRequest{}, false
	}
	req := payment.FeeRequest{
		Amount: amount, Method: feeMethods[int(method)%len(feeMethods)], Network: feeNetworks[int(network)%len(feeNetworks)],
		Region: feeRegions[int(region)%len(feeRegions)],
		Order:  payment.OrderFacts{Goods: feeGoods[facts&3], Shipping: feeShipping[facts>>2&3]},
	}
	if hours != math.MinInt16 {
		req.At = feeBase.Add(time.Duration(hours) * time.Hour)
	}
	if placed != math.MinInt16 {
		req.Order.PlacedAt = feeBase.Add(time.Duration(placed) * time.Hour)
	}
	if facts&16 != 0 {
		if facts&32 != 0 {
			c = (c + 1) % len(feeCurrencies)
		}
		if v, err := payment.FromMinor(order, feeCurrencies[c]); err == nil {
			req.Order.Value = v
		}
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
	err       error // the sentinel the error wraps, or nil
	lines     []lineWant
	converted []payment.Currency
}

// lineWant is what a line of a quote must be.
type lineWant struct {
	rule           payment.FeeRule
	datedBy        payment.FeeDating
	band           int
	exact          decimal.Decimal // the fee in minor units after Min and Cap, before rounding
	raised, capped bool
	fee            int64           // the fee in minor units, rounded
	min, cap       decimal.Decimal // Min and Cap in minor units of the payment
}

// quoteWant works out the quote for req under rules, as FeeSchedule.Quote
// documents it, with exact decimals and the rounding done by hand.
func quoteWant(rules []payment.FeeRule, req payment.FeeRequest) feeWant {
	cur := req.Amount.Currency()
	o := req.Order
	switch {
	case !req.Amount.IsPositive():
		return feeWant{err: payment.ErrInvalidAmount}
	case !req.Method.Valid(), req.Method.HasNetwork() != (req.Network != ""),
		req.Region != "" && !slices.Contains(payment.Regions(), req.Region), req.At.IsZero(),
		o.PlacedAt.After(req.At), !slices.Contains(feeGoods[:3], o.Goods), !slices.Contains(feeShipping[:3], o.Shipping),
		o.Value.Currency() != "" && (o.Value.Currency() != cur || o.Value.Minor() < req.Amount.Minor()):
		return feeWant{err: payment.ErrInvalidRequest}
	}
	var w feeWant
	total := int64(0)
	for _, kind := range []payment.FeeKind{payment.MethodFee, payment.ServiceFee} {
		rule, ok := matchWant(rules, req, kind)
		if !ok {
			if kind == payment.MethodFee {
				return feeWant{err: payment.ErrNoFeeRule}
			}
			continue
		}
		l, err := w.line(rule, req)
		if err != nil {
			return feeWant{err: err}
		}
		if total += l.fee; total > maxMinor {
			return feeWant{err: payment.ErrOutOfRange}
		}
		w.lines = append(w.lines, l)
	}
	return w
}

// matchWant returns the rule of kind that applies to req, the most
// specific one.
func matchWant(rules []payment.FeeRule, req payment.FeeRequest, kind payment.FeeKind) (payment.FeeRule, bool) {
	var rule payment.FeeRule
	best := -1
	for _, r := range rules {
		if r.Kind != kind || kind == payment.MethodFee && r.Method != req.Method {
			continue
		}
		score := 0
		for _, f := range []struct {
			set, match bool
			weight     int
		}{
			{r.Network != "", r.Network == req.Network, 16}, {r.Goods != "", r.Goods == req.Order.Goods, 8},
			{r.Shipping != "", r.Shipping == req.Order.Shipping, 4}, {r.Region != "", r.Region == req.Region, 2},
			{r.Currency != "", r.Currency == req.Amount.Currency(), 1},
		} {
			if f.set && !f.match {
				score = -1
				break
			}
			if f.set {
				score += f.weight
			}
		}
		at := req.At
		if r.DatedBy == payment.DatedByPlacement && !req.Order.PlacedAt.IsZero() {
			at = req.Order.PlacedAt
		}
		if score < 0 || at.Before(r.From) || (!r.Until.IsZero() && !at.Before(r.Until)) {
			continue
		}
		if score == best {
			panic("two rules apply equally: NewFeeSchedule should have refused them")
		}
		if score > best {
			rule, best = r, score
		}
	}
	return rule, best >= 0
}

// minorOf returns m in minor units of the payment currency of req,
// converted exactly, noting the currency converted; false when there is no
// rate.
func (w *feeWant) minorOf(m payment.Money, req payment.FeeRequest) (decimal.Decimal, bool) {
	cur := req.Amount.Currency()
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

// line works out the line of rule for req, or the class of its error.
func (w *feeWant) line(rule payment.FeeRule, req payment.FeeRequest) (lineWant, error) {
	l := lineWant{rule: rule, band: -1}
	if rule.DatedBy == payment.DatedByPlacement && !req.Order.PlacedAt.IsZero() {
		l.datedBy = payment.DatedByPlacement
	}
	pct, fixed := rule.Percent, rule.Fixed
	if len(rule.Bands) > 0 {
		basis := req.Amount
		if rule.BandedBy == payment.BandByOrder {
			if basis = req.Order.Value; basis.Currency() == "" {
				return lineWant{}, payment.ErrInvalidRequest
			}
		}
		for i, b := range rule.Bands {
			if b.UpTo == (payment.Money{}) {
				l.band = i
				break
			}
			bound, ok := w.minorOf(b.UpTo, req)
			if !ok {
				return lineWant{}, payment.ErrNoRate
			}
			if decimal.New(basis.Minor(), 0).LessThanOrEqual(bound) {
				l.band = i
				break
			}
		}
		if l.band < 0 {
			return lineWant{}, payment.ErrNoFeeRule
		}
		pct, fixed = rule.Bands[l.band].Percent, rule.Bands[l.band].Fixed
	}
	l.exact = decimal.New(req.Amount.Minor(), 0).Mul(pct)
	f, ok := w.minorOf(fixed, req)
	if !ok {
		return lineWant{}, payment.ErrNoRate
	}
	l.exact = l.exact.Add(f)
	if rule.Min.Currency() != "" {
		if l.min, ok = w.minorOf(rule.Min, req); !ok {
			return lineWant{}, payment.ErrNoRate
		}
		if l.exact.LessThan(l.min) {
			l.exact, l.raised = l.min, true
		}
	}
	if rule.Cap.Currency() != "" {
		if l.cap, ok = w.minorOf(rule.Cap, req); !ok {
			return lineWant{}, payment.ErrNoRate
		}
		if l.exact.GreaterThan(l.cap) {
			l.exact, l.capped = l.cap, true
		}
	}
	rounded := roundByHand(l.exact, rule.Rounding)
	if rounded.GreaterThan(decimal.New(maxMinor, 0)) {
		return lineWant{}, payment.ErrOutOfRange
	}
	l.fee = rounded.IntPart()
	return l, nil
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
		t.Fatalf("Quote(%+v): %v; want %d lines, the first by rule %s", req, err, len(want.lines), want.lines[0].rule.ID)
	}
	cur := req.Amount.Currency()
	got := feeWant{}
	var fee, buyer, supplier int64
	for _, l := range q.Lines {
		checkLine(t, s, q, l)
		fee, buyer, supplier = fee+l.Fee.Minor(), buyer+l.BuyerFee.Minor(), supplier+l.SupplierFee.Minor()
		g := lineWant{rule: payment.FeeRule{ID: l.RuleID}, datedBy: l.DatedBy, band: l.Band, exact: l.Unrounded.Shift(int32(cur.MinorUnits())),
			raised: l.RaisedToMin, capped: l.Capped, fee: l.Fee.Minor()}
		if r, ok := s.Rule(l.RuleID); ok {
			g.rule = r
		}
		if i := len(got.lines); i < len(want.lines) {
			g.min, g.cap = want.lines[i].min, want.lines[i].cap
			checkBounds(t, q, l, want.lines[i])
		}
		got.lines = append(got.lines, g)
	}
	if q.Fee.Currency() != cur || q.BuyerFee.Currency() != cur || q.SupplierFee.Currency() != cur ||
		q.Fee.Minor() != fee || q.BuyerFee.Minor() != buyer || q.SupplierFee.Minor() != supplier {
		t.Errorf("totals %s (buyer %s, supplier %s) are not the lines' %d (%d, %d) in %s", q.Fee, q.BuyerFee, q.SupplierFee, fee, buyer, supplier, cur)
	}
	if len(q.Lines) > 0 {
		m := q.Lines[0]
		if m.Kind != payment.MethodFee || q.RuleID != m.RuleID || q.DatedBy != m.DatedBy || q.Band != m.Band ||
			!q.Unrounded.Equal(m.Unrounded) || q.Rounding != m.Rounding || q.RaisedToMin != m.RaisedToMin || q.Capped != m.Capped {
			t.Errorf("the quote's own fields are not its method fee line's: %+v", q)
		}
	}
	for _, c := range q.Conversions {
		if c.To != cur || !c.At.Equal(req.At) || !c.Rate.Equal(feeRates[[2]payment.Currency{c.From, c.To}]) {
			t.Errorf("conversion %+v is not the table's at the payment's time", c)
		}
		if slices.Contains(got.converted, c.From) {
			t.Errorf("%s converted twice: %+v", c.From, q.Conversions)
		}
		got.converted = append(got.converted, c.From)
	}
	slices.Sort(got.converted)
	slices.Sort(want.converted)
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(feeWant{}, lineWant{}), cmp.Options(feeCmpOpts)); diff != "" {
		t.Errorf("Quote(%+v) differs from the reference (-want +got):\n%s", req, diff)
	}
	line := s.Explain(q)
	for _, l := range q.Lines {
		if !strings.Contains(line, l.RuleID) {
			t.Errorf("Explain(%+v) = %q, which does not cite rule %s", q, line, l.RuleID)
		}
	}
}

// checkLine checks what holds of every line of q: its parts are not
// negative, in the payment's currency, add up to its fee and are borne as
// its rule says.
func checkLine(t *testing.T, s *payment.FeeSchedule, q payment.FeeQuote, l payment.FeeLine) {
	t.Helper()
	cur := q.Amount.Currency()
	if l.Fee.IsNegative() || l.BuyerFee.IsNegative() || l.SupplierFee.IsNegative() {
		t.Fatalf("negative fee: %+v", l)
	}
	if l.Fee.Currency() != cur || l.BuyerFee.Currency() != cur || l.SupplierFee.Currency() != cur {
		t.Fatalf("a fee in another currency than the payment's %s: %+v", cur, l)
	}
	if sum, err := l.BuyerFee.Add(l.SupplierFee); err != nil || sum != l.Fee {
		t.Fatalf("buyer fee %s + supplier fee %s = %s, %v; want the fee %s", l.BuyerFee, l.SupplierFee, sum, err, l.Fee)
	}
	rule, _ := s.Rule(l.RuleID)
	switch rule.Bearer {
	case payment.BuyerBears:
		if !l.SupplierFee.IsZero() {
			t.Errorf("the buyer bears the fee, yet the supplier pays %s", l.SupplierFee)
		}
	case payment.SupplierBears:
		if !l.BuyerFee.IsZero() {
			t.Errorf("the supplier bears the fee, yet the buyer pays %s", l.BuyerFee)
		}
	case payment.SplitBears:
		// The buyer's part is its share of the fee, give or take a minor unit.
		off := decimal.New(l.BuyerFee.Minor(), 2).Sub(decimal.New(l.Fee.Minor(), 0).Mul(decimal.New(rule.BuyerSharePercent, 0)))
		if off.Abs().GreaterThanOrEqual(decimal.New(100, 0)) {
			t.Errorf("the buyer's %d%% of %s is %s", rule.BuyerSharePercent, l.Fee, l.BuyerFee)
		}
	}
}

// checkBounds checks that a capped line is at most its cap and a raised
// one at least its minimum.
func checkBounds(t *testing.T, q payment.FeeQuote, l payment.FeeLine, want lineWant) {
	t.Helper()
	cur := q.Amount.Currency()
	if l.Capped && (decimal.New(l.Fee.Minor(), 0).GreaterThan(roundByHand(want.cap, want.rule.Rounding)) ||
		want.rule.Cap.Currency() == cur && l.Fee.Minor() > want.rule.Cap.Minor()) {
		t.Fatalf("a capped fee %s above the cap %s: %+v", l.Fee, want.rule.Cap, l)
	}
	if l.RaisedToMin && !l.Capped && (decimal.New(l.Fee.Minor(), 0).LessThan(roundByHand(want.min, want.rule.Rounding)) ||
		want.rule.Min.Currency() == cur && l.Fee.Minor() < want.rule.Min.Minor()) {
		t.Fatalf("a fee %s raised to the minimum %s is below it: %+v", l.Fee, want.rule.Min, l)
	}
}

// feeCmpOpts compare fee rules and quotes: Money with ==, decimals by
// value, times as instants, empty as nil.
var feeCmpOpts = []cmp.Option{
	cmp.Comparer(func(a, b payment.Money) bool { return a == b }),
	cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }),
	cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
}

// feeSeed is one seed of FuzzFeeQuote; see feeRequest for placed, order
// and facts. A placed of 0 stands for no placement date (math.MinInt16).
type feeSeed struct {
	rules                        []payment.FeeRule
	units                        int64
	cur, method, network, region byte
	hours, placed                int16
	order                        int64
	facts                        byte
}

// feeSeeds are the default schedule quoted in every way the programme
// uses it, and rules that exercise every term: bands, minimums, caps,
// conversions, splits, roundings, periods, order facts and refusals.
func feeSeeds() []feeSeed {
	seeds := feeSeedList()
	for i := range seeds {
		if seeds[i].placed == 0 {
			seeds[i].placed = math.MinInt16
		}
	}
	return seeds
}

// cardChange is where the seeds put the default schedule's card change of
// 2018-06-04, which the layout of a rule cannot reach: 100 days before
// feeBase (hour -2400); a rule with no From starts 127 days before it.
var cardChange = feeBase.AddDate(0, 0, -100)

// feeSeedList are the seeds of feeSeeds.
func feeSeedList() []feeSeed {
	usd, eur, jpy, kwd := byte(0), byte(1), byte(2), byte(3)
	card, tt, wu, echeck, applePay := index(feeMethods, payment.Card), index(feeMethods, payment.WireTransfer),
		index(feeMethods, payment.WesternUnion), index(feeMethods, payment.ECheck), index(feeMethods, payment.ApplePay)
	visa, mastercard := index(feeNetworks, payment.Visa), index(feeNetworks, payment.Mastercard)
	apac, eu, na := index(feeRegions, payment.AsiaPacific), index(feeRegions, payment.Europe), index(feeRegions, payment.NorthAmerica)
	def := payment.DefaultSchedule().Rules()
	change := time.Date(2018, time.June, 4, 0, 0, 0, 0, time.UTC)
	for i := range def {
		def[i].ID, def[i].Note = "r"+strconv.Itoa(i), ""
		switch {
		case def[i].From.IsZero():
			def[i].From = feeBase.AddDate(0, 0, -127)
		case def[i].From.Equal(change):
			def[i].From = cardChange
		}
		if def[i].Until.Equal(change) {
			def[i].Until = cardChange
		}
	}
	// The order facts: wholesale, custom shipped by the platform, custom
	// shipped otherwise, each with a value in the payment's currency.
	const wholesale, customPlatform, customOther, withValue = 1, 2 | 1<<2, 2 | 2<<2, 16
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
		// Cards on orders placed before and after the change, a Mastercard
		// in APAC capped before it, and with a service fee on top.
		{rules: def, units: 100_000, cur: usd, method: card, network: visa, region: eu, hours: 5, placed: -3000},
		{rules: def, units: 100_000, cur: usd, method: card, network: visa, region: eu, hours: 5, placed: -2400},
		{rules: def, units: 500_000, cur: usd, method: card, network: mastercard, region: apac, hours: 5, placed: -2401},
		{rules: def, units: 200_000, cur: usd, method: card, network: mastercard, region: apac, hours: 5, placed: -24,
			order: 300_000, facts: customOther | withValue},
		// The service fee: wholesale at and above USD 5,000.00, custom by
		// the platform's logistics or not said, and a euro payment on the
		// USD bound below and above it.
		{rules: def, units: 150_000, cur: usd, method: card, network: visa, region: eu, hours: 5, placed: 1,
			order: 500_000, facts: wholesale | withValue},
		{rules: def, units: 150_000, cur: usd, method: tt, region: eu, hours: 5, placed: 1,
			order: 500_001, facts: wholesale | withValue},
		{rules: def, units: 150_000, cur: usd, method: wu, region: na, hours: 5, order: 300_000, facts: customPlatform | withValue},
		{rules: def, units: 150_000, cur: usd, method: echeck, region: na, hours: 5, order: 300_000, facts: 2 | withValue},
		{rules: def, units: 100_000, cur: eur, method: card, network: visa, region: eu, hours: 5, order: 400_000, facts: wholesale | withValue},
		{rules: def, units: 100_000, cur: eur, method: card, network: visa, region: eu, hours: 5, order: 540_000, facts: wholesale | withValue},
		// Order facts the quote refuses: goods without a value, a value in
		// another currency, one below the payment, a placement after the
		// payment, unknown goods.
		{rules: def, units: 100_000, cur: usd, method: card, network: visa, hours: 5, facts: wholesale},
		{rules: def, units: 100_000, cur: usd, method: card, network: visa, hours: 5, order: 500_000, facts: wholesale | withValue | 32},
		{rules: def, units: 100_000, cur: usd, method: card, network: visa, hours: 5, order: 99_999, facts: withValue},
		{rules: def, units: 100_000, cur: usd, method: card, network: visa, hours: 5, placed: 6},
		{rules: def, units: 100_000, cur: usd, method: card, network: visa, hours: 5, order: 500_000, facts: 3 | withValue},
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
		req, ok := feeRequest(s.units, s.cur, s.method, s.network, s.region, s.hours, s.placed, s.order, s.facts)
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
		testkit.JSONTypeOf[payment.FeeLine](opts...), testkit.JSONTypeOf[payment.OrderFacts](opts...),
		testkit.JSONTypeOf[payment.FeeKind](opts...), testkit.JSONTypeOf[payment.FeeDating](opts...),
		testkit.JSONTypeOf[payment.BandBasis](opts...),
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
	// A card deposit of a custom order placed the day before, shipped by
	// other logistics: the method fee and the supplier's service fee.
	q3, err := payment.DefaultSchedule().Quote(ctx, payment.FeeRequest{Amount: payment.MustParse("900.00", payment.EUR), Method: payment.Card,
		Network: payment.Mastercard, Region: payment.AsiaPacific, At: clock.Now(), Order: payment.OrderFacts{
			PlacedAt: clock.Now().Add(-24 * time.Hour), Value: payment.MustParse("3000.00", payment.EUR), Goods: payment.Custom,
			Shipping: payment.OtherLogistics}}, feeRates)
	require.NoError(t, err)
	require.Len(t, q3.Lines, 2)
	values := []any{
		p, acct, q, q2, q3, q3.Lines[1], q3.Order, payment.DefaultSchedule().Rules(), payment.DefaultEligibilityRules(),
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
		`{"rate":1e-5,"from":"EUR","to":"USD"}`, `"service"`, `"placement"`, `"order"`, `"method"`, `"sideways"`,
		`{"kind":"service","dated_by":"placement","banded_by":"order","goods":"used","shipping":"boat","bands":[{"up_to":null}]}`,
		`{"order":{"placed_at":"2018-06-04T00:00:00Z","value":{"amount":"0.00","currency":"USD"}},"lines":[{"kind":"method"}]}`, `{"outcome":"allow","reasons":[{"code":"x","text":"\ud800"}]}`,
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}
