package payment

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		cur     Currency
		want    int64
		wantErr error
	}{
		{"12.30", USD, 1230, nil},
		{"12.3", USD, 1230, nil},
		{"12", USD, 1200, nil},
		{"-0.01", USD, -1, nil},
		{"12.300", USD, 1230, nil},
		{"1234", JPY, 1234, nil},
		{"1234.0", JPY, 1234, nil},
		{"1.234", KWD, 1234, nil},
		{"0.0001", "CLF", 1, nil},
		{"999999999999999999", JPY, 999999999999999999, nil},
		{"9999999999999999.99", USD, 999999999999999999, nil},
		{"12.305", USD, 0, ErrTooPrecise},
		{"1.5", JPY, 0, ErrTooPrecise},
		{"1.2345", KWD, 0, ErrTooPrecise},
		{"1000000000000000000", JPY, 0, ErrOutOfRange},
		{"10000000000000000.00", USD, 0, ErrOutOfRange},
		{"99999999999999999999999", USD, 0, ErrOutOfRange},
		{"", USD, 0, ErrMalformedAmount},
		{"-", USD, 0, ErrMalformedAmount},
		{".5", USD, 0, ErrMalformedAmount},
		{"5.", USD, 0, ErrMalformedAmount},
		{"+5", USD, 0, ErrMalformedAmount},
		{"1e3", USD, 0, ErrMalformedAmount},
		{"1,000.00", USD, 0, ErrMalformedAmount},
		{" 1.00", USD, 0, ErrMalformedAmount},
		{"1.0.0", USD, 0, ErrMalformedAmount},
		{"NaN", USD, 0, ErrMalformedAmount},
		{"1.00", "XYZ", 0, ErrUnknownCurrency},
		{"1.00", "usd", 0, ErrUnknownCurrency},
		{"1.00", "", 0, ErrUnknownCurrency},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q in %q", tt.in, tt.cur), func(t *testing.T) {
			m, err := Parse(tt.in, tt.cur)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Equal(t, Money{}, m, "a failed parse returns the zero Money")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, m.Minor())
			assert.Equal(t, tt.cur, m.Currency())
		})
	}
}

func TestParseErrorsCarryTheInput(t *testing.T) {
	_, err := Parse("12.305", USD)
	var ae *AmountError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "12.305", ae.Input)
	assert.Equal(t, USD, ae.Currency)
	assert.EqualError(t, err, `payment: more decimals than the currency's minor unit: "12.305" in USD`)

	_, err = Parse("1", "ABC")
	var ue *UnknownCurrencyError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, "ABC", ue.Code)
}

func TestFromMinor(t *testing.T) {
	m, err := FromMinor(1230, USD)
	require.NoError(t, err)
	assert.Equal(t, "USD 12.30", m.String())

	_, err = FromMinor(1, "XXX")
	assert.ErrorIs(t, err, ErrUnknownCurrency)
	_, err = FromMinor(math.MaxInt64, USD)
	assert.ErrorIs(t, err, ErrOutOfRange)
	_, err = FromMinor(-maxUnits-1, USD)
	assert.ErrorIs(t, err, ErrOutOfRange)
}

func TestRoundingToTheMinorUnit(t *testing.T) {
	tests := []struct {
		amount string
		cur    Currency
		mode   RoundingMode
		want   string
	}{
		// Zero decimals.
		{"1234.5", JPY, RoundHalfEven, "JPY 1234"},
		{"1235.5", JPY, RoundHalfEven, "JPY 1236"},
		{"1234.5", JPY, RoundHalfUp, "JPY 1235"},
		{"-1234.5", JPY, RoundHalfUp, "JPY -1235"},
		{"1234.9", JPY, RoundDown, "JPY 1234"},
		{"1234.1", JPY, RoundUp, "JPY 1235"},
		// Two decimals.
		{"0.125", USD, RoundHalfEven, "USD 0.12"},
		{"0.135", USD, RoundHalfEven, "USD 0.14"},
		{"0.125", USD, RoundHalfUp, "USD 0.13"},
		{"-0.125", USD, RoundHalfUp, "USD -0.13"},
		{"-0.125", USD, RoundHalfEven, "USD -0.12"},
		{"0.1251", USD, RoundHalfEven, "USD 0.13"},
		{"0.129", USD, RoundDown, "USD 0.12"},
		{"-0.129", USD, RoundDown, "USD -0.12"},
		{"0.121", USD, RoundUp, "USD 0.13"},
		{"-0.121", USD, RoundUp, "USD -0.13"},
		// Three decimals.
		{"1.2345", KWD, RoundHalfEven, "KWD 1.234"},
		{"1.2355", KWD, RoundHalfEven, "KWD 1.236"},
		{"1.2345", KWD, RoundHalfUp, "KWD 1.235"},
		{"0.0005", KWD, RoundHalfEven, "KWD 0.000"},
		{"0.0005", KWD, RoundHalfUp, "KWD 0.001"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s %s gives %s", tt.amount, tt.cur, tt.mode, tt.want), func(t *testing.T) {
			m, err := FromDecimalRounded(decimal.RequireFromString(tt.amount), tt.cur, tt.mode)
			require.NoError(t, err)
			assert.Equal(t, tt.want, m.String())
		})
	}
}

func TestFromDecimalIsExact(t *testing.T) {
	m, err := FromDecimal(decimal.RequireFromString("12.3"), USD)
	require.NoError(t, err)
	assert.Equal(t, MustParse("12.30", USD), m)

	_, err = FromDecimal(decimal.RequireFromString("12.345"), USD)
	assert.ErrorIs(t, err, ErrTooPrecise)
	_, err = FromDecimal(decimal.RequireFromString("1e30"), USD)
	assert.ErrorIs(t, err, ErrOutOfRange)
}

func TestArithmetic(t *testing.T) {
	a, b := MustParse("10.25", USD), MustParse("0.75", USD)

	sum, err := a.Add(b)
	require.NoError(t, err)
	assert.Equal(t, MustParse("11.00", USD), sum)

	diff, err := b.Sub(a)
	require.NoError(t, err)
	assert.Equal(t, MustParse("-9.50", USD), diff)
	assert.True(t, diff.IsNegative())
	assert.Equal(t, MustParse("9.50", USD), diff.Abs())
	assert.Equal(t, MustParse("9.50", USD), diff.Neg())

	c, err := a.Cmp(b)
	require.NoError(t, err)
	assert.Equal(t, 1, c)
	c, err = b.Cmp(a)
	require.NoError(t, err)
	assert.Equal(t, -1, c)
	c, err = a.Cmp(MustParse("10.250", USD))
	require.NoError(t, err)
	assert.Equal(t, 0, c)

	zero, err := a.Sub(a)
	require.NoError(t, err)
	assert.True(t, zero.IsZero())
	assert.False(t, zero.IsPositive())
	assert.False(t, zero.IsNegative())

	fee, err := MustParse("1000.00", USD).Mul(decimal.RequireFromString("0.0299"), RoundHalfEven)
	require.NoError(t, err)
	assert.Equal(t, MustParse("29.90", USD), fee)
	tie, err := MustParse("0.50", USD).Mul(decimal.RequireFromString("0.25"), RoundHalfEven)
	require.NoError(t, err)
	assert.Equal(t, MustParse("0.12", USD), tie, "0.125 rounds half-even to 0.12")
	tie, err = MustParse("0.50", USD).Mul(decimal.RequireFromString("0.25"), RoundHalfUp)
	require.NoError(t, err)
	assert.Equal(t, MustParse("0.13", USD), tie, "0.125 rounds half-up to 0.13")

	eur, err := MustParse("40.00", USD).Convert(EUR, decimal.RequireFromString("0.9137"), RoundHalfEven)
	require.NoError(t, err)
	assert.Equal(t, MustParse("36.55", EUR), eur)
	yen, err := MustParse("40.00", USD).Convert(JPY, decimal.RequireFromString("151.37"), RoundHalfEven)
	require.NoError(t, err)
	assert.Equal(t, MustParse("6055", JPY), yen)
}

func TestTimes(t *testing.T) {
	for _, tt := range []struct {
		m    Money
		n    int64
		want Money
	}{
		{MustParse("12.34", USD), 3, MustParse("37.02", USD)},
		{MustParse("12.34", USD), 0, MustParse("0", USD)},
		{MustParse("-12.34", USD), 2, MustParse("-24.68", USD)},
		{MustParse("12.34", USD), -2, MustParse("-24.68", USD)},
		{MustParse("-0.001", KWD), -1000, MustParse("1", KWD)},
		{MustParse("1", JPY), 999_999_999_999_999_999, MustParse("999999999999999999", JPY)},
	} {
		got, err := tt.m.Times(tt.n)
		require.NoError(t, err)
		assert.Equal(t, tt.want, got, "%s × %d", tt.m, tt.n)
	}
	for _, n := range []int64{1_000_000_000_000_000_000, math.MinInt64, math.MaxInt64} {
		_, err := MustParse("1", JPY).Times(n)
		assert.ErrorIs(t, err, ErrOutOfRange, "× %d", n)
	}
	_, err := MustParse("2", JPY).Times(500_000_000_000_000_000)
	assert.ErrorIs(t, err, ErrOutOfRange)
}

func TestArithmeticRefusesMixedCurrencies(t *testing.T) {
	usd, eur := MustParse("1.00", USD), MustParse("1.00", EUR)
	_, err := usd.Add(eur)
	var me *CurrencyMismatchError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, &CurrencyMismatchError{Want: USD, Got: EUR}, me)
	_, err = usd.Sub(eur)
	assert.ErrorIs(t, err, ErrCurrencyMismatch)
	_, err = usd.Cmp(eur)
	assert.ErrorIs(t, err, ErrCurrencyMismatch)
	assert.False(t, usd.Equal(eur))
	_, err = usd.Add(Money{})
	assert.ErrorIs(t, err, ErrCurrencyMismatch, "the zero Money has no currency to add to")
}

func TestArithmeticRefusesOverflow(t *testing.T) {
	big := MustParse("999999999999999999", JPY)
	_, err := big.Add(MustParse("1", JPY))
	assert.ErrorIs(t, err, ErrOutOfRange)
	_, err = big.Neg().Sub(MustParse("1", JPY))
	assert.ErrorIs(t, err, ErrOutOfRange)
	_, err = big.Mul(decimal.NewFromInt(2), RoundHalfEven)
	assert.ErrorIs(t, err, ErrOutOfRange)
}

func TestAllocate(t *testing.T) {
	tests := []struct {
		name   string
		amount Money
		ratios []int64
		want   []string
	}{
		{"70/30 of 100.01 gives the extra cent to the larger remainder", MustParse("100.01", USD), []int64{70, 30}, []string{"70.01", "30.00"}},
		{"thirds of 100.00 give the extra cent to the first", MustParse("100.00", USD), []int64{1, 1, 1}, []string{"33.34", "33.33", "33.33"}},
		{"thirds of 0.02 give a cent each to the first two", MustParse("0.02", USD), []int64{1, 1, 1}, []string{"0.01", "0.01", "0.00"}},
		{"a zero ratio gets nothing", MustParse("0.05", USD), []int64{0, 1, 1}, []string{"0.00", "0.03", "0.02"}},
		{"negative amounts allocate their magnitude", MustParse("-100.00", USD), []int64{1, 1, 1}, []string{"-33.34", "-33.33", "-33.33"}},
		{"yen have no fraction to spread", MustParse("100", JPY), []int64{30, 70}, []string{"30", "70"}},
		{"dinars keep three decimals", MustParse("10.000", KWD), []int64{1, 2}, []string{"3.333", "6.667"}},
		{"the largest remainder wins over the order", MustParse("1.00", USD), []int64{1, 2}, []string{"0.33", "0.67"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts, err := tt.amount.Allocate(tt.ratios...)
			require.NoError(t, err)
			var got []string
			for _, p := range parts {
				assert.Equal(t, tt.amount.Currency(), p.Currency())
				got = append(got, p.amountString())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Allocate(%v) of %s (-want +got):\n%s", tt.ratios, tt.amount, diff)
			}
		})
	}
}

func TestAllocateRefusesBadRatios(t *testing.T) {
	m := MustParse("1.00", USD)
	for name, ratios := range map[string][]int64{
		"no ratios":     nil,
		"all zero":      {0, 0},
		"negative":      {1, -1},
		"overflowing":   {math.MaxInt64, 1},
		"max twice":     {math.MaxInt64, math.MaxInt64},
		"huge negative": {math.MinInt64},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := m.Allocate(ratios...)
			assert.ErrorIs(t, err, ErrInvalidRatios)
		})
	}
	_, err := m.Split(0)
	assert.ErrorIs(t, err, ErrInvalidRatios)
}

func TestAllocateKeepsTheTotal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cur := rapid.SampledFrom([]Currency{USD, JPY, KWD, "CLF"}).Draw(t, "currency")
		m, err := FromMinor(rapid.Int64Range(-maxUnits, maxUnits).Draw(t, "units"), cur)
		require.NoError(t, err)
		ratios := rapid.SliceOfN(rapid.Int64Range(0, 1<<40), 1, 12).Draw(t, "ratios")
		if rapid.Bool().Draw(t, "one positive") {
			ratios[0]++
		}
		var sum int64
		for _, r := range ratios {
			sum += r
		}
		parts, err := m.Allocate(ratios...)
		if sum == 0 {
			require.ErrorIs(t, err, ErrInvalidRatios)
			return
		}
		require.NoError(t, err)
		require.Len(t, parts, len(ratios))
		total := Money{currency: cur}
		for i, p := range parts {
			total, err = total.Add(p)
			require.NoError(t, err)
			if ratios[i] == 0 && !p.IsZero() {
				t.Fatalf("part %d has ratio 0 but got %s", i, p)
			}
			if p.IsNegative() != m.IsNegative() && !p.IsZero() {
				t.Fatalf("part %d is %s, of the other sign than %s", i, p, m)
			}
			// Each part is within one minor unit of its exact share.
			exact := decimal.New(m.Minor(), 0).Mul(decimal.NewFromInt(ratios[i])).Div(decimal.NewFromInt(sum))
			if d := decimal.New(p.Minor(), 0).Sub(exact).Abs(); d.GreaterThanOrEqual(decimal.NewFromInt(1)) {
				t.Fatalf("part %d is %s, %s minor units from its share %s", i, p, d, exact)
			}
		}
		if total != m {
			t.Fatalf("parts sum to %s, want %s", total, m)
		}
	})
}

func TestSplitKeepsTheTotal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m, err := FromMinor(rapid.Int64Range(-maxUnits, maxUnits).Draw(t, "units"), USD)
		require.NoError(t, err)
		n := rapid.IntRange(1, 50).Draw(t, "n")
		parts, err := m.Split(n)
		require.NoError(t, err)
		var sum int64
		lo, hi := parts[0].Minor(), parts[0].Minor()
		for i, p := range parts {
			sum += p.Minor()
			lo, hi = min(lo, p.Minor()), max(hi, p.Minor())
			if i > 0 && p.Abs().Minor() > parts[i-1].Abs().Minor() {
				t.Fatalf("part %d (%s) is larger than part %d (%s): earlier parts get the extra units", i, p, i-1, parts[i-1])
			}
		}
		if sum != m.Minor() || hi-lo > 1 {
			t.Fatalf("Split(%d) of %s = %v", n, m, parts)
		}
	})
}

func TestString(t *testing.T) {
	for _, tt := range []struct {
		m    Money
		want string
	}{
		{MustParse("0.05", USD), "USD 0.05"},
		{MustParse("-0.05", USD), "USD -0.05"},
		{MustParse("1234567.80", USD), "USD 1234567.80"},
		{MustParse("7", JPY), "JPY 7"},
		{MustParse("0.007", KWD), "KWD 0.007"},
		{MustParse("-12.5", "CLF"), "CLF -12.5000"},
		{Money{}, "0"},
	} {
		assert.Equal(t, tt.want, tt.m.String())
	}
	assert.Equal(t, "0.050", MustParse("0.05", KWD).Amount().StringFixed(3))
	assert.True(t, MustParse("0.05", KWD).Amount().Equal(decimal.RequireFromString("0.05")))
}

func TestJSON(t *testing.T) {
	for _, m := range []Money{MustParse("12.3", USD), MustParse("-1", JPY), MustParse("0.5", KWD), MustParse("0", EUR)} {
		b, err := json.Marshal(m)
		require.NoError(t, err)
		var back Money
		require.NoError(t, json.Unmarshal(b, &back))
		assert.Equal(t, m, back, "round trip of %s", b)
	}

	b, err := json.Marshal(MustParse("12.3", USD))
	require.NoError(t, err)
	assert.JSONEq(t, `{"amount":"12.30","currency":"USD"}`, string(b))
	b, err = json.Marshal(struct{ Fee Money }{})
	require.NoError(t, err)
	assert.Equal(t, `{"Fee":null}`, string(b))

	for name, tt := range map[string]struct {
		in   string
		want error
	}{
		"a number amount":      {`{"amount":12.30,"currency":"USD"}`, ErrMalformedAmount},
		"no amount":            {`{"currency":"USD"}`, ErrMalformedAmount},
		"too many decimals":    {`{"amount":"12.301","currency":"USD"}`, ErrTooPrecise},
		"an unknown currency":  {`{"amount":"12.30","currency":"XYZ"}`, ErrUnknownCurrency},
		"no currency":          {`{"amount":"12.30"}`, ErrUnknownCurrency},
		"an exponent":          {`{"amount":"1e2","currency":"USD"}`, ErrMalformedAmount},
		"not an object":        {`"12.30 USD"`, ErrMalformedAmount},
		"an out-of-range one":  {`{"amount":"1000000000000000000","currency":"JPY"}`, ErrOutOfRange},
		"a float in a string":  {`{"amount":"0.1e1","currency":"USD"}`, ErrMalformedAmount},
		"a lower-case code":    {`{"amount":"1","currency":"usd"}`, ErrUnknownCurrency},
		"a negative zero form": {`{"amount":"-","currency":"USD"}`, ErrMalformedAmount},
	} {
		t.Run("refuses "+name, func(t *testing.T) {
			m := MustParse("1", USD)
			err := json.Unmarshal([]byte(tt.in), &m)
			assert.ErrorIs(t, err, tt.want)
			assert.Equal(t, MustParse("1", USD), m, "a failed decode leaves the value alone")
		})
	}

	var m Money
	require.NoError(t, json.Unmarshal([]byte(`null`), &m))
	assert.Equal(t, Money{}, m)
}

func TestRoundingModeJSON(t *testing.T) {
	for m := RoundHalfEven; m.Valid(); m++ {
		b, err := json.Marshal(m)
		require.NoError(t, err)
		var back RoundingMode
		require.NoError(t, json.Unmarshal(b, &back))
		assert.Equal(t, m, back, "round trip of %s", b)
	}
	b, err := json.Marshal(FeeQuote{Rounding: RoundHalfUp})
	require.NoError(t, err)
	assert.Contains(t, string(b), `"rounding":"half-up"`)
	var m RoundingMode
	assert.ErrorIs(t, json.Unmarshal([]byte(`"nearest"`), &m), ErrInvalidRequest)
	_, err = json.Marshal(RoundingMode(9))
	assert.Error(t, err)
}

func TestSQLValues(t *testing.T) {
	v, err := MustParse("12.3", USD).Value()
	require.NoError(t, err)
	assert.Equal(t, "12.30", v)
	_, err = Money{}.Value()
	assert.ErrorIs(t, err, ErrUnknownCurrency)

	cv, err := USD.Value()
	require.NoError(t, err)
	assert.Equal(t, "USD", cv)

	var c Currency
	require.NoError(t, c.Scan([]byte("KWD")))
	assert.Equal(t, KWD, c)
	assert.ErrorIs(t, c.Scan("ZZZ"), ErrUnknownCurrency)
	assert.Error(t, c.Scan(42))
	assert.Equal(t, KWD, c, "a failed scan leaves the value alone")
}

func TestCurrencyLookups(t *testing.T) {
	c, err := ParseCurrency("KWD")
	require.NoError(t, err)
	assert.Equal(t, 3, c.MinorUnits())
	assert.Equal(t, 414, c.Numeric())
	assert.Equal(t, "Kuwaiti Dinar", c.Name())

	c, err = CurrencyByNumeric(392)
	require.NoError(t, err)
	assert.Equal(t, JPY, c)

	_, err = CurrencyByNumeric(999)
	assert.True(t, errors.Is(err, ErrUnknownCurrency))
	_, err = ParseCurrency("eur")
	assert.ErrorIs(t, err, ErrUnknownCurrency)
	assert.Equal(t, -1, Currency("ZZZ").MinorUnits())
	assert.False(t, Currency("ZZZ").Valid())
}

func TestWithReasons(t *testing.T) {
	assert.Equal(t, "refused", WithReasons("refused", nil))
	assert.Equal(t, "refused: a.b: one", WithReasons("refused", []Reason{{Code: "a.b", Text: "one"}}))
	assert.Equal(t, "refused: a.b: one; c.d: two",
		WithReasons("refused", []Reason{{Code: "a.b", Text: "one"}, {Code: "c.d", Text: "two"}}))
	err := &IneligibleError{Instrument: Instrument{Method: Card, Network: Visa}, Reasons: []Reason{{Code: ReasonCardLimit, Text: "too much"}}}
	assert.EqualError(t, err, "payment: method card/visa not eligible: card.limit: too much")
}
