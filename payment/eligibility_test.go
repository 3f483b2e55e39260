package payment

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// eligAt is the payment time of the tests.
func eligAt() time.Time { return time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC) }

func eligMoney(t testing.TB, s string, c Currency) Money {
	t.Helper()
	m, err := Parse(s, c)
	require.NoError(t, err)
	return m
}

func eligCodes(rs []Reason) []string {
	var codes []string
	for _, r := range rs {
		codes = append(codes, r.Code)
	}
	return codes
}

// eligCmp compares decimals by value, as DESIGN.md asks.
func eligCmp() cmp.Option {
	return cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })
}

// eligReasonsOf returns the reasons of an *IneligibleError, nil for a nil
// error, and fails the test for any other error.
func eligReasonsOf(t *testing.T, err error) []Reason {
	t.Helper()
	if err == nil {
		return nil
	}
	var ie *IneligibleError
	require.ErrorAs(t, err, &ie)
	require.NotEmpty(t, ie.Reasons, "an IneligibleError carries at least one reason")
	return ie.Reasons
}

func TestEligibilityCheck(t *testing.T) {
	visa := Instrument{Method: Card, Network: Visa}
	line := func(limit, used string, term int) *CreditLine {
		return &CreditLine{Limit: eligMoney(t, limit, USD), Used: eligMoney(t, used, USD), TermDays: term}
	}
	tests := []struct {
		name    string
		in      Instrument
		country Country
		amount  Money
		credit  *CreditLine
		want    []string // reason codes; nil means eligible
	}{
		{"a card payment of exactly the card limit is accepted", visa, "US", eligMoney(t, "12000.00", USD), nil, nil},
		{"a card payment one cent above the card limit is refused", visa, "US", eligMoney(t, "12000.01", USD), nil, []string{ReasonCardLimit}},
		{"a card payment well above the card limit is refused for a buyer anywhere", Instrument{Method: Card, Network: Mastercard}, "DE", eligMoney(t, "50000.00", USD), nil, []string{ReasonCardLimit}},
		{"an Apple Pay payment at the card limit is accepted", Instrument{Method: ApplePay, Network: Visa}, "US", eligMoney(t, "12000.00", USD), nil, nil},
		{"an Apple Pay payment above the card limit is refused", Instrument{Method: ApplePay, Network: Visa}, "US", eligMoney(t, "12000.01", USD), nil, []string{ReasonCardLimit}},
		{"a Google Pay payment above the card limit is refused", Instrument{Method: GooglePay, Network: Mastercard}, "US", eligMoney(t, "12000.01", USD), nil, []string{ReasonCardLimit}},

		{"a T/T in USD is accepted", Instrument{Method: WireTransfer}, "GB", eligMoney(t, "100.00", USD), nil, nil},
		{"a T/T in yen is accepted", Instrument{Method: WireTransfer}, "JP", eligMoney(t, "1500000", JPY), nil, nil},
		{"a T/T of any size is accepted", Instrument{Method: WireTransfer}, "CN", eligMoney(t, "90000000000.00", USD), nil, nil},
		{"a T/T in an exotic currency is refused", Instrument{Method: WireTransfer}, "NG", eligMoney(t, "100.00", "NGN"), nil, []string{ReasonWireCurrency}},

		{"a Western Union payment one cent under the limit by a US buyer is accepted", Instrument{Method: WesternUnion}, "US", eligMoney(t, "2499.99", USD), nil, nil},
		{"a Western Union payment of exactly the limit is refused", Instrument{Method: WesternUnion}, "US", eligMoney(t, "2500.00", USD), nil, []string{ReasonWesternUnionLimit}},
		{"a Western Union payment by a GB buyer is refused for the country", Instrument{Method: WesternUnion}, "GB", eligMoney(t, "100.00", USD), nil, []string{ReasonWesternUnionCountry}},
		{"a Western Union payment by a GB buyer above the limit is refused for both", Instrument{Method: WesternUnion}, "GB", eligMoney(t, "3000.00", USD), nil, []string{ReasonWesternUnionCountry, ReasonWesternUnionLimit}},

		{"an e-Check by a US buyer in USD is accepted", Instrument{Method: ECheck}, "US", eligMoney(t, "40000.00", USD), nil, nil},
		{"an e-Check by a US buyer in EUR is refused for the currency", Instrument{Method: ECheck}, "US", eligMoney(t, "100.00", EUR), nil, []string{ReasonECheckCurrency}},
		{"an e-Check by a CA buyer is refused for the country", Instrument{Method: ECheck}, "CA", eligMoney(t, "100.00", USD), nil, []string{ReasonECheckCountry}},
		{"an e-Check by a CA buyer in CAD is refused for both", Instrument{Method: ECheck}, "CA", eligMoney(t, "100.00", CAD), nil, []string{ReasonECheckCountry, ReasonECheckCurrency}},

		{"Pay Later within the credit line is accepted", Instrument{Method: PayLater}, "US", eligMoney(t, "4000.00", USD), line("10000.00", "6000.00", 60), nil},
		{"Pay Later with no credit line is refused", Instrument{Method: PayLater}, "US", eligMoney(t, "100.00", USD), nil, []string{ReasonPayLaterNoCreditLine}},
		{"Pay Later on a line of exactly the maximum is accepted", Instrument{Method: PayLater}, "US", eligMoney(t, "100.00", USD), line("150000.00", "0.00", 30), nil},
		{"Pay Later on a line one cent above the maximum is refused", Instrument{Method: PayLater}, "US", eligMoney(t, "100.00", USD), line("150000.01", "0.00", 30), []string{ReasonPayLaterLineAboveMax}},
		{"Pay Later one cent above the credit available is refused", Instrument{Method: PayLater}, "US", eligMoney(t, "4000.01", USD), line("10000.00", "6000.00", 90), []string{ReasonPayLaterInsufficientCredit}},
		{"Pay Later on an overdrawn line is refused", Instrument{Method: PayLater}, "US", eligMoney(t, "0.01", USD), line("10000.00", "10000.50", 90), []string{ReasonPayLaterInsufficientCredit}},
		{"Pay Later with a term the programme does not offer is refused", Instrument{Method: PayLater}, "US", eligMoney(t, "100.00", USD), line("10000.00", "0.00", 45), []string{ReasonPayLaterTerm}},
		{"Pay Later breaking every line rule gives every reason", Instrument{Method: PayLater}, "US", eligMoney(t, "5000.00", USD), line("200000.00", "199000.00", 120), []string{ReasonPayLaterLineAboveMax, ReasonPayLaterInsufficientCredit, ReasonPayLaterTerm}},

		{"an online bank transfer has no programme restriction", Instrument{Method: OnlineBankTransfer}, "NG", eligMoney(t, "9000000.00", "NGN"), nil, nil},
		{"a PayPal payment has no programme restriction", Instrument{Method: PayPal}, "GB", eligMoney(t, "99999.99", GBP), nil, nil},
		{"an Alipay payment has no programme restriction", Instrument{Method: Alipay}, "CN", eligMoney(t, "500000.00", CNY), nil, nil},
	}
	rules := DefaultEligibilityRules()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := EligibilityRequest{Instrument: tt.in, BuyerCountry: tt.country, Amount: tt.amount, At: eligAt(), Credit: tt.credit}
			rates := newFakeRates(nil)
			err := rules.Check(context.Background(), req, rates)
			if diff := cmp.Diff(tt.want, eligCodes(eligReasonsOf(t, err))); diff != "" {
				t.Errorf("reason codes (-want +got):\n%s", diff)
			}
			if len(rates.asked) != 0 {
				t.Errorf("asked for rates %v with every figure in one currency", rates.asked)
			}
		})
	}
}

func TestEligibilityReasonTextsGiveTheFigures(t *testing.T) {
	rules := DefaultEligibilityRules()
	tests := []struct {
		name string
		req  EligibilityRequest
		want []Reason
	}{
		{
			name: "a card payment above the limit names the amount and the limit",
			req:  EligibilityRequest{Instrument: Instrument{Method: Card, Network: Visa}, BuyerCountry: "US", Amount: eligMoney(t, "12000.01", USD)},
			want: []Reason{{Code: ReasonCardLimit, Text: "the payment of USD 12000.01 is above the card limit of USD 12000.00 per transaction"}},
		},
		{
			name: "a T/T in an unaccepted currency lists the accepted ones",
			req:  EligibilityRequest{Instrument: Instrument{Method: WireTransfer}, BuyerCountry: "MN", Amount: eligMoney(t, "10.00", "MNT")},
			want: []Reason{{Code: ReasonWireCurrency, Text: "T/T does not accept MNT; accepted currencies: USD, EUR, GBP, JPY, CNY, HKD, AUD, CAD, CHF, SGD, NZD, SEK, NOK, DKK"}},
		},
		{
			name: "a Western Union payment by a GB buyer above the limit explains both",
			req:  EligibilityRequest{Instrument: Instrument{Method: WesternUnion}, BuyerCountry: "GB", Amount: eligMoney(t, "3000.00", USD)},
			want: []Reason{
				{Code: ReasonWesternUnionCountry, Text: "Western Union is offered only to buyers in US; the buyer is in GB"},
				{Code: ReasonWesternUnionLimit, Text: "Western Union takes payments under USD 2500.00; the payment of USD 3000.00 is not"},
			},
		},
		{
			name: "an e-Check by a CA buyer in CAD explains both",
			req:  EligibilityRequest{Instrument: Instrument{Method: ECheck}, BuyerCountry: "CA", Amount: eligMoney(t, "10.00", CAD)},
			want: []Reason{
				{Code: ReasonECheckCountry, Text: "e-Checking is offered only to buyers in US; the buyer is in CA"},
				{Code: ReasonECheckCurrency, Text: "e-Checking accepts only USD; the payment is in CAD"},
			},
		},
		{
			name: "a Pay Later payment breaking every line rule explains each",
			req: EligibilityRequest{Instrument: Instrument{Method: PayLater}, BuyerCountry: "US", Amount: eligMoney(t, "5000.00", USD),
				Credit: &CreditLine{Limit: eligMoney(t, "200000.00", USD), Used: eligMoney(t, "199000.00", USD), TermDays: 120}},
			want: []Reason{
				{Code: ReasonPayLaterLineAboveMax, Text: "the credit line of USD 200000.00 is above the programme's maximum of USD 150000.00"},
				{Code: ReasonPayLaterInsufficientCredit, Text: "the payment of USD 5000.00 is above the credit available, USD 1000.00 (line USD 200000.00, used USD 199000.00)"},
				{Code: ReasonPayLaterTerm, Text: "a repayment term of 120 days is not offered; terms offered: 30, 60, 90 days"},
			},
		},
		{
			name: "a Pay Later payment with no line says so",
			req:  EligibilityRequest{Instrument: Instrument{Method: PayLater}, BuyerCountry: "US", Amount: eligMoney(t, "5000.00", USD)},
			want: []Reason{{Code: ReasonPayLaterNoCreditLine, Text: "Pay Later needs an approved credit line; the buyer has none"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.At = eligAt()
			got := eligReasonsOf(t, rules.Check(context.Background(), tt.req, nil))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("reasons (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEligibilityIneligibleError(t *testing.T) {
	req := EligibilityRequest{Instrument: Instrument{Method: WesternUnion}, BuyerCountry: "GB", Amount: eligMoney(t, "3000.00", USD), At: eligAt()}
	err := DefaultEligibilityRules().Check(context.Background(), req, nil)

	t.Run("the error matches ErrIneligible", func(t *testing.T) {
		if !errors.Is(err, ErrIneligible) {
			t.Errorf("errors.Is(%v, ErrIneligible) = false", err)
		}
		if errors.Is(err, ErrInvalidRequest) || errors.Is(err, ErrNoRate) {
			t.Errorf("a refusal %v matches a failure sentinel", err)
		}
	})
	t.Run("the error is an *IneligibleError naming the method and every reason", func(t *testing.T) {
		var ie *IneligibleError
		require.ErrorAs(t, err, &ie)
		if ie.Instrument.Method != WesternUnion {
			t.Errorf("Method = %q, want %q", ie.Instrument.Method, WesternUnion)
		}
		if diff := cmp.Diff([]string{ReasonWesternUnionCountry, ReasonWesternUnionLimit}, eligCodes(ie.Reasons)); diff != "" {
			t.Errorf("reason codes (-want +got):\n%s", diff)
		}
		if len(ie.Conversions) != 0 {
			t.Errorf("Conversions = %v, want none for a USD payment", ie.Conversions)
		}
	})
	t.Run("the message lists every reason code and text", func(t *testing.T) {
		want := "payment: method western_union not eligible: " +
			"western_union.country: Western Union is offered only to buyers in US; the buyer is in GB; " +
			"western_union.limit: Western Union takes payments under USD 2500.00; the payment of USD 3000.00 is not"
		if got := err.Error(); got != want {
			t.Errorf("Error() =\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("a wrapped error still matches", func(t *testing.T) {
		wrapped := fmt.Errorf("order 42: %w", err)
		var ie *IneligibleError
		if !errors.As(wrapped, &ie) || !errors.Is(wrapped, ErrIneligible) {
			t.Errorf("wrapped %v does not match *IneligibleError and ErrIneligible", wrapped)
		}
	})
}

func TestEligibilityConvertsThePaymentIntoTheLimitCurrency(t *testing.T) {
	usdLine := func(limit string) *CreditLine {
		return &CreditLine{Limit: eligMoney(t, limit, USD), Used: eligMoney(t, "0.00", USD), TermDays: 30}
	}
	tests := []struct {
		name  string
		rates map[string]string
		req   EligibilityRequest
		want  []string
	}{
		{
			name:  "a card payment in EUR worth exactly the card limit is accepted",
			rates: map[string]string{"EUR>USD": "1.2"},
			req:   EligibilityRequest{Instrument: Instrument{Method: Card, Network: Visa}, BuyerCountry: "DE", Amount: eligMoney(t, "10000.00", EUR)},
		},
		{
			name:  "a card payment in EUR worth a cent more than the card limit is refused",
			rates: map[string]string{"EUR>USD": "1.2"},
			req:   EligibilityRequest{Instrument: Instrument{Method: Card, Network: Visa}, BuyerCountry: "DE", Amount: eligMoney(t, "10000.01", EUR)},
			want:  []string{ReasonCardLimit},
		},
		{
			name:  "a card payment worth a fraction of a cent above the limit is refused, not rounded down to it",
			rates: map[string]string{"EUR>USD": "1.2000004"}, // EUR 10000.00 = USD 12000.004
			req:   EligibilityRequest{Instrument: Instrument{Method: ApplePay, Network: Visa}, BuyerCountry: "FR", Amount: eligMoney(t, "10000.00", EUR)},
			want:  []string{ReasonCardLimit},
		},
		{
			name:  "a card payment in yen is converted into the limit's currency",
			rates: map[string]string{"JPY>USD": "0.0067"}, // JPY 1,800,000 = USD 12060
			req:   EligibilityRequest{Instrument: Instrument{Method: Card, Network: JCB}, BuyerCountry: "JP", Amount: eligMoney(t, "1800000", JPY)},
			want:  []string{ReasonCardLimit},
		},
		{
			name:  "a Western Union payment worth a fraction of a cent under the limit is accepted, not rounded up to it",
			rates: map[string]string{"EUR>USD": "1.2"}, // EUR 2083.33 = USD 2499.996
			req:   EligibilityRequest{Instrument: Instrument{Method: WesternUnion}, BuyerCountry: "US", Amount: eligMoney(t, "2083.33", EUR)},
		},
		{
			name:  "a Western Union payment in EUR worth the limit is refused",
			rates: map[string]string{"EUR>USD": "1.25"}, // EUR 2000.00 = USD 2500
			req:   EligibilityRequest{Instrument: Instrument{Method: WesternUnion}, BuyerCountry: "US", Amount: eligMoney(t, "2000.00", EUR)},
			want:  []string{ReasonWesternUnionLimit},
		},
		{
			name:  "a Pay Later payment in EUR within a USD line is accepted",
			rates: map[string]string{"EUR>USD": "1.2"}, // EUR 8333.33 = USD 9999.996
			req:   EligibilityRequest{Instrument: Instrument{Method: PayLater}, BuyerCountry: "DE", Amount: eligMoney(t, "8333.33", EUR), Credit: usdLine("10000.00")},
		},
		{
			name:  "a Pay Later payment in EUR above a USD line's available credit is refused",
			rates: map[string]string{"EUR>USD": "1.2"}, // EUR 8333.34 = USD 10000.008
			req:   EligibilityRequest{Instrument: Instrument{Method: PayLater}, BuyerCountry: "DE", Amount: eligMoney(t, "8333.34", EUR), Credit: usdLine("10000.00")},
			want:  []string{ReasonPayLaterInsufficientCredit},
		},
		{
			name:  "a EUR credit line worth more than the USD maximum is refused",
			rates: map[string]string{"EUR>USD": "1.2"}, // EUR 130,000 = USD 156,000
			req: EligibilityRequest{Instrument: Instrument{Method: PayLater}, BuyerCountry: "DE", Amount: eligMoney(t, "100.00", EUR),
				Credit: &CreditLine{Limit: eligMoney(t, "130000.00", EUR), Used: eligMoney(t, "0.00", EUR), TermDays: 60}},
			want: []string{ReasonPayLaterLineAboveMax},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rates := newFakeRates(tt.rates)
			tt.req.At = eligAt()
			err := DefaultEligibilityRules().Check(context.Background(), tt.req, rates)
			if diff := cmp.Diff(tt.want, eligCodes(eligReasonsOf(t, err))); diff != "" {
				t.Errorf("reason codes (-want +got):\n%s", diff)
			}
			if len(rates.asked) != 1 {
				t.Errorf("asked for rates %v, want exactly one rate", rates.asked)
			}
			if len(rates.asked) > 0 && !strings.HasSuffix(rates.asked[0], "@2026-03-02T10:30:00Z") {
				t.Errorf("asked for %q, want the rate at the payment time", rates.asked[0])
			}
		})
	}
}

func TestEligibilityRecordsTheConversionUsed(t *testing.T) {
	rates := newFakeRates(map[string]string{"EUR>USD": "1.2000004"})
	req := EligibilityRequest{Instrument: Instrument{Method: Card, Network: Visa}, BuyerCountry: "FR", Amount: eligMoney(t, "10000.00", EUR), At: eligAt()}
	err := DefaultEligibilityRules().Check(context.Background(), req, rates)
	var ie *IneligibleError
	require.ErrorAs(t, err, &ie)

	wantCv := []Conversion{{From: EUR, To: USD, Rate: decimal.RequireFromString("1.2000004"), At: eligAt()}}
	if diff := cmp.Diff(wantCv, ie.Conversions, eligCmp()); diff != "" {
		t.Errorf("conversions (-want +got):\n%s", diff)
	}
	wantReasons := []Reason{{Code: ReasonCardLimit, Text: "the payment of EUR 10000.00 (USD 12000.004 at 1.2000004 USD per EUR) is above the card limit of USD 12000.00 per transaction"}}
	if diff := cmp.Diff(wantReasons, ie.Reasons); diff != "" {
		t.Errorf("reasons (-want +got):\n%s", diff)
	}
}

func TestEligibilityWithoutARate(t *testing.T) {
	eur := eligMoney(t, "100.00", EUR)
	tests := []struct {
		name  string
		rates Rates
		req   EligibilityRequest
		also  error // another error the result must match
	}{
		{
			name:  "a card payment in EUR against a USD limit with no EUR rate fails",
			rates: newFakeRates(nil),
			req:   EligibilityRequest{Instrument: Instrument{Method: Card, Network: Visa}, BuyerCountry: "DE", Amount: eur},
		},
		{
			name:  "a refusal already known does not hide the missing rate",
			rates: newFakeRates(map[string]string{"USD>EUR": "0.9"}), // the wrong direction
			req:   EligibilityRequest{Instrument: Instrument{Method: WesternUnion}, BuyerCountry: "GB", Amount: eur},
		},
		{
			name:  "nil Rates fails when a conversion is needed",
			rates: nil,
			req:   EligibilityRequest{Instrument: Instrument{Method: GooglePay, Network: Visa}, BuyerCountry: "DE", Amount: eur},
		},
		{
			name:  "a zero rate is no rate",
			rates: newFakeRates(map[string]string{"EUR>USD": "0"}),
			req:   EligibilityRequest{Instrument: Instrument{Method: Card, Network: Visa}, BuyerCountry: "DE", Amount: eur},
		},
		{
			name:  "a negative rate is no rate",
			rates: newFakeRates(map[string]string{"EUR>USD": "-1.1"}),
			req:   EligibilityRequest{Instrument: Instrument{Method: Card, Network: Visa}, BuyerCountry: "DE", Amount: eur},
		},
		{
			name:  "a Rates failure is no rate and keeps its cause",
			rates: &fakeRates{err: context.Canceled},
			req:   EligibilityRequest{Instrument: Instrument{Method: PayLater}, BuyerCountry: "DE", Amount: eur, Credit: &CreditLine{Limit: eligMoney(t, "1000.00", USD), Used: eligMoney(t, "0.00", USD), TermDays: 30}},
			also:  context.Canceled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.At = eligAt()
			err := DefaultEligibilityRules().Check(context.Background(), tt.req, tt.rates)
			require.Error(t, err)
			if !errors.Is(err, ErrNoRate) {
				t.Errorf("errors.Is(%v, ErrNoRate) = false", err)
			}
			if tt.also != nil && !errors.Is(err, tt.also) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.also)
			}
			var ie *IneligibleError
			if errors.As(err, &ie) || errors.Is(err, ErrIneligible) {
				t.Errorf("a missing rate %v is reported as a refusal", err)
			}
		})
	}
}

func TestEligibilityAsksForRatesOnlyWhenCurrenciesDiffer(t *testing.T) {
	t.Run("nil Rates is enough when every figure is in one currency", func(t *testing.T) {
		req := EligibilityRequest{BuyerCountry: "US", Amount: eligMoney(t, "100.00", USD), At: eligAt(),
			Credit: &CreditLine{Limit: eligMoney(t, "1000.00", USD), Used: eligMoney(t, "0.00", USD), TermDays: 30}}
		got, err := DefaultEligibilityRules().Evaluate(context.Background(), req, nil, eligAllInstruments()...)
		require.NoError(t, err)
		for _, m := range got {
			if !m.Eligible {
				t.Errorf("%s refused: %v", m.Instrument.Method, m.Reasons)
			}
		}
	})
	t.Run("one evaluation asks once per currency pair", func(t *testing.T) {
		rates := newFakeRates(map[string]string{"EUR>USD": "1.1"})
		req := EligibilityRequest{BuyerCountry: "US", Amount: eligMoney(t, "100.00", EUR), At: eligAt(),
			Credit: &CreditLine{Limit: eligMoney(t, "1000.00", USD), Used: eligMoney(t, "0.00", USD), TermDays: 30}}
		_, err := DefaultEligibilityRules().Evaluate(context.Background(), req, rates, eligAllInstruments()...)
		require.NoError(t, err)
		if diff := cmp.Diff([]string{"EUR>USD@2026-03-02T10:30:00Z"}, rates.asked); diff != "" {
			t.Errorf("rates asked (-want +got):\n%s", diff)
		}
	})
	t.Run("a rule with no limit needs no rate", func(t *testing.T) {
		rules := DefaultEligibilityRules()
		rules.CardLimit = Money{}
		req := EligibilityRequest{Instrument: Instrument{Method: Card, Network: Visa}, BuyerCountry: "US", Amount: eligMoney(t, "99999999.00", EUR), At: eligAt()}
		require.NoError(t, rules.Check(context.Background(), req, nil))
	})
}

func TestEligibilityRefusesBadRequests(t *testing.T) {
	usd := eligMoney(t, "100.00", USD)
	visa := Instrument{Method: Card, Network: Visa}
	goodLine := CreditLine{Limit: eligMoney(t, "1000.00", USD), Used: eligMoney(t, "0.00", USD), TermDays: 30}
	withLine := func(edit func(*CreditLine)) *CreditLine {
		l := goodLine
		edit(&l)
		return &l
	}
	tests := []struct {
		name   string
		rules  func(*EligibilityRules)
		req    EligibilityRequest
		zeroAt bool
	}{
		{name: "an unknown method is refused", req: EligibilityRequest{Instrument: Instrument{Method: "cheque"}, BuyerCountry: "US", Amount: usd}},
		{name: "an empty method is refused", req: EligibilityRequest{BuyerCountry: "US", Amount: usd}},
		{name: "a card with no network is refused", req: EligibilityRequest{Instrument: Instrument{Method: Card}, BuyerCountry: "US", Amount: usd}},
		{name: "a T/T with a card network is refused", req: EligibilityRequest{Instrument: Instrument{Method: WireTransfer, Network: Visa}, BuyerCountry: "US", Amount: usd}},
		{name: "an unknown issuer country is refused", req: EligibilityRequest{Instrument: Instrument{Method: Card, Network: Visa, IssuerCountry: "ZZ"}, BuyerCountry: "US", Amount: usd}},
		{name: "an unknown buyer country is refused", req: EligibilityRequest{Instrument: visa, BuyerCountry: "UK", Amount: usd}},
		{name: "a missing buyer country is refused", req: EligibilityRequest{Instrument: visa, Amount: usd}},
		{name: "a zero amount is refused", req: EligibilityRequest{Instrument: visa, BuyerCountry: "US", Amount: eligMoney(t, "0.00", USD)}},
		{name: "a negative amount is refused", req: EligibilityRequest{Instrument: visa, BuyerCountry: "US", Amount: eligMoney(t, "-5.00", USD)}},
		{name: "a missing amount is refused", req: EligibilityRequest{Instrument: visa, BuyerCountry: "US"}},
		{name: "a missing payment time is refused", req: EligibilityRequest{Instrument: visa, BuyerCountry: "US", Amount: usd}, zeroAt: true},
		{name: "a credit line with no limit is refused", req: EligibilityRequest{Instrument: Instrument{Method: PayLater}, BuyerCountry: "US", Amount: usd, Credit: withLine(func(l *CreditLine) { l.Limit = Money{} })}},
		{name: "a credit line with a zero limit is refused", req: EligibilityRequest{Instrument: Instrument{Method: PayLater}, BuyerCountry: "US", Amount: usd, Credit: withLine(func(l *CreditLine) { l.Limit = eligMoney(t, "0", USD) })}},
		{name: "a credit line with no used amount is refused", req: EligibilityRequest{Instrument: Instrument{Method: PayLater}, BuyerCountry: "US", Amount: usd, Credit: withLine(func(l *CreditLine) { l.Used = Money{} })}},
		{name: "a credit line used in another currency is refused", req: EligibilityRequest{Instrument: Instrument{Method: PayLater}, BuyerCountry: "US", Amount: usd, Credit: withLine(func(l *CreditLine) { l.Used = eligMoney(t, "1.00", EUR) })}},
		{name: "a credit line with a negative used amount is refused", req: EligibilityRequest{Instrument: Instrument{Method: PayLater}, BuyerCountry: "US", Amount: usd, Credit: withLine(func(l *CreditLine) { l.Used = eligMoney(t, "-1.00", USD) })}},
		{name: "a credit line with no term is refused", req: EligibilityRequest{Instrument: Instrument{Method: PayLater}, BuyerCountry: "US", Amount: usd, Credit: withLine(func(l *CreditLine) { l.TermDays = 0 })}},
		{name: "a malformed credit line is refused even for another method", req: EligibilityRequest{Instrument: visa, BuyerCountry: "US", Amount: usd, Credit: withLine(func(l *CreditLine) { l.TermDays = -30 })}},
		{name: "rules with a negative card limit are refused", rules: func(r *EligibilityRules) { r.CardLimit = eligMoney(t, "-1.00", USD) }, req: EligibilityRequest{Instrument: visa, BuyerCountry: "US", Amount: usd}},
		{name: "rules with an unknown currency are refused", rules: func(r *EligibilityRules) { r.WireCurrencies = append(r.WireCurrencies, "XYZ") }, req: EligibilityRequest{Instrument: visa, BuyerCountry: "US", Amount: usd}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules := DefaultEligibilityRules()
			if tt.rules != nil {
				tt.rules(&rules)
			}
			if !tt.zeroAt {
				tt.req.At = eligAt()
			}
			rates := newFakeRates(nil)
			err := rules.Check(context.Background(), tt.req, rates)
			require.Error(t, err)
			if !errors.Is(err, ErrInvalidRequest) {
				t.Errorf("errors.Is(%v, ErrInvalidRequest) = false", err)
			}
			var ie *IneligibleError
			if errors.As(err, &ie) || errors.Is(err, ErrIneligible) {
				t.Errorf("bad input %v is reported as a refusal", err)
			}
			if len(rates.asked) != 0 {
				t.Errorf("asked for rates %v before rejecting bad input", rates.asked)
			}
		})
	}
}

func TestEligibilityRulesValidate(t *testing.T) {
	t.Run("the default rules are valid", func(t *testing.T) {
		require.NoError(t, DefaultEligibilityRules().Validate())
	})
	t.Run("the zero rules are valid", func(t *testing.T) {
		require.NoError(t, EligibilityRules{}.Validate())
	})
	t.Run("a zero limit in a currency is valid", func(t *testing.T) {
		r := DefaultEligibilityRules()
		r.WesternUnionLimit = eligMoney(t, "0", USD)
		require.NoError(t, r.Validate())
	})
	t.Run("every problem is reported at once", func(t *testing.T) {
		r := EligibilityRules{
			CardLimit:             eligMoney(t, "-0.01", USD),
			WireCurrencies:        []Currency{USD, "usd"},
			WesternUnionCountries: []Country{"US", "EU"},
			WesternUnionLimit:     eligMoney(t, "-1", JPY),
			ECheckCountries:       []Country{""},
			ECheckCurrencies:      []Currency{"BGN"},
			PayLaterMaxLine:       eligMoney(t, "-5.000", KWD),
			PayLaterTermsDays:     []int{30, 0, -7},
		}
		err := r.Validate()
		require.Error(t, err)
		if !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("errors.Is(%v, ErrInvalidRequest) = false", err)
		}
		for _, want := range []string{
			"CardLimit is negative (USD -0.01)",
			`WireCurrencies: unknown currency "usd"`,
			`WesternUnionCountries: unknown country "EU"`,
			"WesternUnionLimit is negative (JPY -1)",
			`ECheckCountries: unknown country ""`,
			`ECheckCurrencies: unknown currency "BGN"`,
			"PayLaterMaxLine is negative (KWD -5.000)",
			"PayLaterTermsDays: term of 0 days is not positive",
			"PayLaterTermsDays: term of -7 days is not positive",
		} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("Validate() = %q, missing %q", err, want)
			}
		}
	})
}

func TestEligibilityRulesSettings(t *testing.T) {
	usd := func(s string) Money { return eligMoney(t, s, USD) }
	tests := []struct {
		name   string
		rules  func(*EligibilityRules)
		req    EligibilityRequest
		want   []string
		wantOK bool
	}{
		{
			name:  "an empty T/T currency list refuses every T/T",
			rules: func(r *EligibilityRules) { r.WireCurrencies = nil },
			req:   EligibilityRequest{Instrument: Instrument{Method: WireTransfer}, BuyerCountry: "US", Amount: usd("1.00")},
			want:  []string{ReasonWireCurrency},
		},
		{
			name:  "a zero Western Union limit in USD refuses every Western Union payment",
			rules: func(r *EligibilityRules) { r.WesternUnionLimit = usd("0") },
			req:   EligibilityRequest{Instrument: Instrument{Method: WesternUnion}, BuyerCountry: "US", Amount: usd("0.01")},
			want:  []string{ReasonWesternUnionLimit},
		},
		{
			name:   "no Western Union limit accepts any amount",
			rules:  func(r *EligibilityRules) { r.WesternUnionLimit = Money{} },
			req:    EligibilityRequest{Instrument: Instrument{Method: WesternUnion}, BuyerCountry: "US", Amount: usd("1000000.00")},
			wantOK: true,
		},
		{
			name:   "a country added to the Western Union list is accepted",
			rules:  func(r *EligibilityRules) { r.WesternUnionCountries = append(r.WesternUnionCountries, "MX") },
			req:    EligibilityRequest{Instrument: Instrument{Method: WesternUnion}, BuyerCountry: "MX", Amount: usd("100.00")},
			wantOK: true,
		},
		{
			name:   "no Pay Later maximum accepts any line",
			rules:  func(r *EligibilityRules) { r.PayLaterMaxLine = Money{} },
			req:    EligibilityRequest{Instrument: Instrument{Method: PayLater}, BuyerCountry: "US", Amount: usd("100.00"), Credit: &CreditLine{Limit: usd("9000000.00"), Used: usd("0"), TermDays: 30}},
			wantOK: true,
		},
		{
			name:  "no Pay Later terms refuse every line",
			rules: func(r *EligibilityRules) { r.PayLaterTermsDays = nil },
			req:   EligibilityRequest{Instrument: Instrument{Method: PayLater}, BuyerCountry: "US", Amount: usd("100.00"), Credit: &CreditLine{Limit: usd("1000.00"), Used: usd("0"), TermDays: 30}},
			want:  []string{ReasonPayLaterTerm},
		},
		{
			name:  "a card limit in EUR applies to a USD payment through the rate",
			rules: func(r *EligibilityRules) { r.CardLimit = eligMoney(t, "10000.00", EUR) },
			req:   EligibilityRequest{Instrument: Instrument{Method: Card, Network: Visa}, BuyerCountry: "US", Amount: usd("11000.00")}, // EUR 10010
			want:  []string{ReasonCardLimit},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules := DefaultEligibilityRules()
			tt.rules(&rules)
			tt.req.At = eligAt()
			err := rules.Check(context.Background(), tt.req, newFakeRates(map[string]string{"USD>EUR": "0.91"}))
			if tt.wantOK {
				require.NoError(t, err)
				return
			}
			if diff := cmp.Diff(tt.want, eligCodes(eligReasonsOf(t, err))); diff != "" {
				t.Errorf("reason codes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDefaultEligibilityRules(t *testing.T) {
	t.Run("the defaults are the programme's published figures", func(t *testing.T) {
		r := DefaultEligibilityRules()
		for _, c := range []struct {
			name      string
			got, want Money
		}{
			{"CardLimit", r.CardLimit, eligMoney(t, "12000.00", USD)},
			{"WesternUnionLimit", r.WesternUnionLimit, eligMoney(t, "2500.00", USD)},
			{"PayLaterMaxLine", r.PayLaterMaxLine, eligMoney(t, "150000.00", USD)},
		} {
			if !c.got.Equal(c.want) {
				t.Errorf("%s = %s, want %s", c.name, c.got, c.want)
			}
		}
		if diff := cmp.Diff([]int{30, 60, 90}, r.PayLaterTermsDays); diff != "" {
			t.Errorf("PayLaterTermsDays (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]Country{"US"}, r.WesternUnionCountries); diff != "" {
			t.Errorf("WesternUnionCountries (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]Country{"US"}, r.ECheckCountries); diff != "" {
			t.Errorf("ECheckCountries (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]Currency{USD}, r.ECheckCurrencies); diff != "" {
			t.Errorf("ECheckCurrencies (-want +got):\n%s", diff)
		}
		for _, c := range []Currency{USD, EUR, GBP, JPY, CNY, HKD, AUD, CAD, CHF, SGD} {
			found := false
			for _, w := range r.WireCurrencies {
				found = found || w == c
			}
			if !found {
				t.Errorf("WireCurrencies %v lacks %s", r.WireCurrencies, c)
			}
		}
	})
	t.Run("each call returns fresh slices", func(t *testing.T) {
		a := DefaultEligibilityRules()
		a.WireCurrencies[0] = "NGN"
		a.WesternUnionCountries[0] = "GB"
		a.ECheckCountries[0] = "GB"
		a.ECheckCurrencies[0] = EUR
		a.PayLaterTermsDays[0] = 7
		b := DefaultEligibilityRules()
		if b.WireCurrencies[0] != USD || b.WesternUnionCountries[0] != "US" || b.ECheckCountries[0] != "US" || b.ECheckCurrencies[0] != USD || b.PayLaterTermsDays[0] != 30 {
			t.Errorf("changing one result changed the next: %+v", b)
		}
	})
}

// eligAllInstruments returns one instrument per method.
func eligAllInstruments() []Instrument {
	var out []Instrument
	for _, m := range Methods() {
		in := Instrument{Method: m}
		if m.HasNetwork() {
			in.Network = Visa
		}
		out = append(out, in)
	}
	return out
}

func TestEligibilityEvaluate(t *testing.T) {
	rules := DefaultEligibilityRules()

	t.Run("a US buyer paying USD 3000 sees every method, refused ones with their reasons", func(t *testing.T) {
		req := EligibilityRequest{
			Instrument:   Instrument{Method: "ignored"},
			BuyerCountry: "US",
			Amount:       eligMoney(t, "3000.00", USD),
			At:           eligAt(),
			Credit:       &CreditLine{Limit: eligMoney(t, "50000.00", USD), Used: eligMoney(t, "48000.00", USD), TermDays: 60},
		}
		got, err := rules.Evaluate(context.Background(), req, newFakeRates(nil), eligAllInstruments()...)
		require.NoError(t, err)
		want := []MethodEligibility{
			{Instrument: Instrument{Method: Card, Network: Visa}, Eligible: true},
			{Instrument: Instrument{Method: WireTransfer}, Eligible: true},
			{Instrument: Instrument{Method: OnlineBankTransfer}, Eligible: true},
			{Instrument: Instrument{Method: PayLater}, Reasons: []Reason{{Code: ReasonPayLaterInsufficientCredit,
				Text: "the payment of USD 3000.00 is above the credit available, USD 2000.00 (line USD 50000.00, used USD 48000.00)"}}},
			{Instrument: Instrument{Method: WesternUnion}, Reasons: []Reason{{Code: ReasonWesternUnionLimit,
				Text: "Western Union takes payments under USD 2500.00; the payment of USD 3000.00 is not"}}},
			{Instrument: Instrument{Method: ECheck}, Eligible: true},
			{Instrument: Instrument{Method: PayPal}, Eligible: true},
			{Instrument: Instrument{Method: Alipay}, Eligible: true},
			{Instrument: Instrument{Method: ApplePay, Network: Visa}, Eligible: true},
			{Instrument: Instrument{Method: GooglePay, Network: Visa}, Eligible: true},
		}
		if diff := cmp.Diff(want, got, eligCmp()); diff != "" {
			t.Errorf("Evaluate (-want +got):\n%s", diff)
		}
	})

	t.Run("a GB buyer paying in EUR sees the conversion on the methods that used it", func(t *testing.T) {
		rates := newFakeRates(map[string]string{"EUR>USD": "1.1"})
		req := EligibilityRequest{BuyerCountry: "GB", Amount: eligMoney(t, "11000.00", EUR), At: eligAt()}
		got, err := rules.Evaluate(context.Background(), req, rates,
			Instrument{Method: Card, Network: Mastercard}, Instrument{Method: WireTransfer}, Instrument{Method: WesternUnion}, Instrument{Method: ECheck})
		require.NoError(t, err)
		cv := []Conversion{{From: EUR, To: USD, Rate: decimal.RequireFromString("1.1"), At: eligAt()}}
		want := []MethodEligibility{
			{Instrument: Instrument{Method: Card, Network: Mastercard}, Conversions: cv, Reasons: []Reason{{Code: ReasonCardLimit,
				Text: "the payment of EUR 11000.00 (USD 12100 at 1.1 USD per EUR) is above the card limit of USD 12000.00 per transaction"}}},
			{Instrument: Instrument{Method: WireTransfer}, Eligible: true},
			{Instrument: Instrument{Method: WesternUnion}, Conversions: cv, Reasons: []Reason{
				{Code: ReasonWesternUnionCountry, Text: "Western Union is offered only to buyers in US; the buyer is in GB"},
				{Code: ReasonWesternUnionLimit, Text: "Western Union takes payments under USD 2500.00; the payment of EUR 11000.00 (USD 12100 at 1.1 USD per EUR) is not"},
			}},
			{Instrument: Instrument{Method: ECheck}, Reasons: []Reason{
				{Code: ReasonECheckCountry, Text: "e-Checking is offered only to buyers in US; the buyer is in GB"},
				{Code: ReasonECheckCurrency, Text: "e-Checking accepts only USD; the payment is in EUR"},
			}},
		}
		if diff := cmp.Diff(want, got, eligCmp()); diff != "" {
			t.Errorf("Evaluate (-want +got):\n%s", diff)
		}
	})

	t.Run("every method has a rule", func(t *testing.T) {
		req := EligibilityRequest{BuyerCountry: "US", Amount: eligMoney(t, "1.00", USD), At: eligAt()}
		got, err := rules.Evaluate(context.Background(), req, nil, eligAllInstruments()...)
		require.NoError(t, err)
		require.Len(t, got, len(Methods()))
	})

	t.Run("no instrument gives an empty screen", func(t *testing.T) {
		req := EligibilityRequest{BuyerCountry: "US", Amount: eligMoney(t, "1.00", USD), At: eligAt()}
		got, err := rules.Evaluate(context.Background(), req, nil)
		require.NoError(t, err)
		require.Empty(t, got)
	})

	t.Run("a bad instrument fails the whole screen", func(t *testing.T) {
		req := EligibilityRequest{BuyerCountry: "US", Amount: eligMoney(t, "1.00", USD), At: eligAt()}
		got, err := rules.Evaluate(context.Background(), req, nil, Instrument{Method: WireTransfer}, Instrument{Method: Card})
		require.ErrorIs(t, err, ErrInvalidRequest)
		require.Nil(t, got)
	})

	t.Run("a bad request fails the whole screen", func(t *testing.T) {
		req := EligibilityRequest{BuyerCountry: "US", Amount: eligMoney(t, "1.00", USD)}
		_, err := rules.Evaluate(context.Background(), req, nil, Instrument{Method: WireTransfer})
		require.ErrorIs(t, err, ErrInvalidRequest)
	})

	t.Run("a missing rate fails the whole screen", func(t *testing.T) {
		req := EligibilityRequest{BuyerCountry: "DE", Amount: eligMoney(t, "1.00", EUR), At: eligAt()}
		got, err := rules.Evaluate(context.Background(), req, newFakeRates(nil), eligAllInstruments()...)
		require.ErrorIs(t, err, ErrNoRate)
		require.NotErrorIs(t, err, ErrIneligible)
		require.Nil(t, got)
	})
}

// TestEligibilityCheckAgreesWithEvaluate checks, over random payments, that
// Check and Evaluate give the same answer, and that a bigger payment is never
// eligible where a smaller one by the same buyer with the same method is not.
func TestEligibilityCheckAgreesWithEvaluate(t *testing.T) {
	rules := DefaultEligibilityRules()
	currencies := []Currency{USD, EUR, JPY, "NGN"}
	rates := newFakeRates(map[string]string{"EUR>USD": "1.0837", "JPY>USD": "0.00664", "NGN>USD": "0.000651"})
	rapid.Check(t, func(rt *rapid.T) {
		in := rapid.SampledFrom(eligAllInstruments()).Draw(rt, "instrument")
		country := rapid.SampledFrom([]Country{"US", "GB", "CA", "CN"}).Draw(rt, "country")
		cur := rapid.SampledFrom(currencies).Draw(rt, "currency")
		small := rapid.Int64Range(1, 1_000_000_000).Draw(rt, "small")
		big := small + rapid.Int64Range(0, 1_000_000_000).Draw(rt, "more")
		var credit *CreditLine
		if rapid.Bool().Draw(rt, "hasCredit") {
			limit := rapid.Int64Range(1, 30_000_000).Draw(rt, "limit")
			credit = &CreditLine{
				Limit:    Money{units: limit, currency: USD},
				Used:     Money{units: rapid.Int64Range(0, limit).Draw(rt, "used"), currency: USD},
				TermDays: rapid.SampledFrom([]int{30, 45, 60, 90}).Draw(rt, "term"),
			}
		}
		eligible := func(units int64) bool {
			req := EligibilityRequest{Instrument: in, BuyerCountry: country, Amount: Money{units: units, currency: cur}, At: eligAt(), Credit: credit}
			checkErr := rules.Check(context.Background(), req, rates)
			screen, err := rules.Evaluate(context.Background(), req, rates, in)
			if err != nil {
				rt.Fatalf("Evaluate: %v", err)
			}
			if checkErr != nil {
				var ie *IneligibleError
				if !errors.As(checkErr, &ie) {
					rt.Fatalf("Check: %v", checkErr)
				}
				if diff := cmp.Diff(screen[0].Reasons, ie.Reasons); diff != "" {
					rt.Fatalf("Check and Evaluate disagree (-Evaluate +Check):\n%s", diff)
				}
			}
			if screen[0].Eligible != (checkErr == nil) {
				rt.Fatalf("Evaluate eligible = %v, Check error = %v", screen[0].Eligible, checkErr)
			}
			return checkErr == nil
		}
		if eligible(big) && !eligible(small) {
			rt.Fatalf("%s %d minor units of %s eligible but %d not", in.Method, big, cur, small)
		}
	})
}
