package order_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
)

func usd(s string) payment.Money { return payment.MustParse(s, payment.USD) }

// validTerms returns USD terms worth 2 × 150.00 + 10 × 12.50 + 100.00
// shipping = 525.00, paid as a 30% deposit and the balance.
func validTerms() order.Terms {
	return order.Terms{
		Items: []order.LineItem{
			{
				SKU: "CHAIR-01", Description: "Oak chair", Quantity: 2, Unit: "pieces", UnitPrice: usd("150.00"),
				Spec: order.Spec{Size: "45x50x90 cm", QualityStandard: "EN 12520", Packaging: "carton",
					DesignFiles: []string{"https://files.example.com/chair.pdf"}},
			},
			{SKU: "CUSHION-02", Quantity: 10, Unit: "pieces", UnitPrice: usd("12.50")},
		},
		Currency:     payment.USD,
		Incoterm:     order.CIF,
		ShippingCost: usd("100.00"),
		Destination:  "DE",
		Route:        "Ningbo - Hamburg, sea",
		ShipBy:       time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC),
		DeliverBy:    time.Date(2025, 8, 4, 0, 0, 0, 0, time.UTC),
		Plan:         coverage.PostDelivery,
		Schedule: order.Schedule{
			DepositPercent:    30,
			DepositInstrument: payment.Instrument{Method: payment.Card, Network: payment.Visa},
			BalanceInstrument: payment.Instrument{Method: payment.WireTransfer},
		},
		ProductionDays: 20,
	}
}

// termsFields returns the Field of every *TermsError err joins.
func termsFields(err error) []string {
	var out []string
	var walk func(error)
	walk = func(err error) {
		var te *order.TermsError
		if joined, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range joined.Unwrap() {
				walk(e)
			}
		} else if errors.As(err, &te) {
			out = append(out, te.Field)
		}
	}
	walk(err)
	return out
}

func TestIncotermsAreTheElevenRulesOf2020(t *testing.T) {
	for _, tc := range []struct {
		term  order.Incoterm
		valid bool
	}{
		{"EXW", true}, {"FCA", true}, {"FAS", true}, {"FOB", true}, {"CFR", true}, {"CIF", true},
		{"CPT", true}, {"CIP", true}, {"DAP", true}, {"DPU", true}, {"DDP", true},
		{"fob", false}, {"FOB ", false}, {"", false},
		{"DAT", false}, // Incoterms 2010, replaced by DPU
		{"DDU", false}, // Incoterms 2000
	} {
		t.Run(string(tc.term)+" is valid or not", func(t *testing.T) {
			assert.Equal(t, tc.valid, tc.term.Valid())
		})
	}
	assert.Len(t, order.Incoterms(), 11)
}

func TestValidTermsPass(t *testing.T) {
	require.NoError(t, validTerms().Validate())
}

func TestValidateNamesEveryBrokenField(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*order.Terms)
		fields []string
	}{
		{"an unknown currency is refused", func(t *order.Terms) { t.Currency = "XXY" }, []string{"Currency"}},
		{"terms without items are refused", func(t *order.Terms) { t.Items = nil }, []string{"Items"}},
		{"an item without a SKU is refused", func(t *order.Terms) { t.Items[0].SKU = "" }, []string{"Items[0].SKU"}},
		{"a zero quantity is refused", func(t *order.Terms) { t.Items[1].Quantity = 0 }, []string{"Items[1].Quantity"}},
		{"a negative quantity is refused", func(t *order.Terms) { t.Items[1].Quantity = -1 }, []string{"Items[1].Quantity"}},
		{"an item without a unit is refused", func(t *order.Terms) { t.Items[0].Unit = "" }, []string{"Items[0].Unit"}},
		{"a zero unit price is refused", func(t *order.Terms) { t.Items[0].UnitPrice = usd("0") }, []string{"Items[0].UnitPrice"}},
		{"an unset unit price is refused", func(t *order.Terms) { t.Items[0].UnitPrice = payment.Money{} }, []string{"Items[0].UnitPrice"}},
		{"a unit price in another currency is refused", func(t *order.Terms) {
			t.Items[1].UnitPrice = payment.MustParse("12.50", payment.EUR)
		}, []string{"Items[1].UnitPrice"}},
		{"a relative design file reference is refused", func(t *order.Terms) {
			t.Items[0].Spec.DesignFiles = append(t.Items[0].Spec.DesignFiles, "chair.pdf")
		}, []string{"Items[0].Spec.DesignFiles[1]"}},
		{"an unknown Incoterm is refused", func(t *order.Terms) { t.Incoterm = "DAT" }, []string{"Incoterm"}},
		{"a negative shipping cost is refused", func(t *order.Terms) { t.ShippingCost = usd("-0.01") }, []string{"ShippingCost"}},
		{"an unset shipping cost is refused", func(t *order.Terms) { t.ShippingCost = payment.Money{} }, []string{"ShippingCost"}},
		{"an unknown destination is refused", func(t *order.Terms) { t.Destination = "XX" }, []string{"Destination"}},
		{"a missing shipment date is refused", func(t *order.Terms) { t.ShipBy = time.Time{} }, []string{"ShipBy"}},
		{"a missing delivery date is refused", func(t *order.Terms) { t.DeliverBy = time.Time{} }, []string{"DeliverBy"}},
		{"a delivery date before the shipment date is refused", func(t *order.Terms) { t.DeliverBy = t.ShipBy.Add(-time.Nanosecond) }, []string{"DeliverBy"}},
		{"a negative lead time is refused", func(t *order.Terms) { t.ProductionDays = -1 }, []string{"ProductionDays"}},
		{"an unknown plan is refused", func(t *order.Terms) { t.Plan = "gold" }, []string{"Plan"}},
		{"a negative deposit percentage is refused", func(t *order.Terms) { t.Schedule.DepositPercent = -1 }, []string{"Schedule.DepositPercent"}},
		{"a 100% deposit is refused", func(t *order.Terms) { t.Schedule.DepositPercent = 100 }, []string{"Schedule.DepositPercent"}},
		{"a percentage and an amount together are refused", func(t *order.Terms) {
			t.Schedule.DepositAmount = usd("100.00")
		}, []string{"Schedule.DepositAmount"}},
		{"a deposit amount equal to the total is refused", func(t *order.Terms) {
			t.Schedule.DepositPercent, t.Schedule.DepositAmount = 0, usd("525.00")
		}, []string{"Schedule.DepositAmount"}},
		{"a zero deposit amount is refused", func(t *order.Terms) {
			t.Schedule.DepositPercent, t.Schedule.DepositAmount = 0, usd("0")
		}, []string{"Schedule.DepositAmount"}},
		{"a deposit instrument without a deposit is refused", func(t *order.Terms) { t.Schedule.DepositPercent = 0 }, []string{"Schedule.DepositInstrument"}},
		{"a card without a network is refused", func(t *order.Terms) {
			t.Schedule.BalanceInstrument = payment.Instrument{Method: payment.Card}
		}, []string{"Schedule.BalanceInstrument"}},
		{"a total out of range is refused", func(t *order.Terms) {
			t.Items[0].Quantity = 10_000_000_000_000_000
		}, []string{"Items"}},
		{"every broken field is reported at once", func(t *order.Terms) {
			t.Items[0].SKU, t.Incoterm, t.Destination = "", "", ""
		}, []string{"Items[0].SKU", "Incoterm", "Destination"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			terms := validTerms()
			tc.change(&terms)
			err := terms.Validate()
			require.ErrorIs(t, err, order.ErrInvalidTerms)
			var te *order.TermsError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, tc.fields, termsFields(err))
		})
	}
}

func TestValidateAcceptsTheEdgesOfTheSchedule(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*order.Terms)
	}{
		{"a 99% deposit", func(t *order.Terms) { t.Schedule.DepositPercent = 99 }},
		{"a 1% deposit", func(t *order.Terms) { t.Schedule.DepositPercent = 1 }},
		{"a deposit one cent below the total", func(t *order.Terms) {
			t.Schedule.DepositPercent, t.Schedule.DepositAmount = 0, usd("524.99")
		}},
		{"a full payment without instruments", func(t *order.Terms) { t.Schedule = order.Schedule{} }},
		{"zero shipping under EXW", func(t *order.Terms) { t.Incoterm, t.ShippingCost = order.EXW, usd("0") }},
	} {
		t.Run(tc.name+" is valid", func(t *testing.T) {
			terms := validTerms()
			tc.change(&terms)
			require.NoError(t, terms.Validate())
		})
	}
}

func TestTotalsAreExactInEveryCurrency(t *testing.T) {
	for _, tc := range []struct {
		name      string
		currency  payment.Currency
		prices    []string
		qty       []int64
		shipping  string
		wantSub   string
		wantTotal string
	}{
		{"USD cents add up", payment.USD, []string{"150.00", "12.50"}, []int64{2, 10}, "100.00", "425.00", "525.00"},
		{"USD thirds of a cent never appear", payment.USD, []string{"0.01"}, []int64{3}, "0.00", "0.03", "0.03"},
		{"JPY has no minor unit", payment.JPY, []string{"1234", "99"}, []int64{3, 7}, "1500", "4395", "5895"},
		{"KWD has three decimals", payment.KWD, []string{"1.125", "0.333"}, []int64{3, 3}, "2.001", "4.374", "6.375"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			terms := validTerms()
			terms.Currency = tc.currency
			terms.Items = nil
			for i, p := range tc.prices {
				terms.Items = append(terms.Items, order.LineItem{SKU: "S", Quantity: tc.qty[i], Unit: "pcs",
					UnitPrice: payment.MustParse(p, tc.currency)})
			}
			terms.ShippingCost = payment.MustParse(tc.shipping, tc.currency)
			terms.Schedule = order.Schedule{}
			require.NoError(t, terms.Validate())
			sub, err := terms.Subtotal()
			require.NoError(t, err)
			total, err := terms.Total()
			require.NoError(t, err)
			assert.Equal(t, payment.MustParse(tc.wantSub, tc.currency), sub)
			assert.Equal(t, payment.MustParse(tc.wantTotal, tc.currency), total)
		})
	}
}

func TestTotalFailsOutOfRangeAndAcrossCurrencies(t *testing.T) {
	t.Run("a product beyond 18 digits is out of range", func(t *testing.T) {
		terms := validTerms()
		terms.Items[0].UnitPrice = usd("9999999999999999.99")
		terms.Items[0].Quantity = 2
		_, err := terms.Total()
		require.ErrorIs(t, err, payment.ErrOutOfRange)
	})
	t.Run("a sum beyond 18 digits is out of range", func(t *testing.T) {
		terms := validTerms()
		terms.Items[0].UnitPrice = usd("9999999999999999.99")
		terms.Items[0].Quantity = 1
		_, err := terms.Total()
		require.ErrorIs(t, err, payment.ErrOutOfRange)
	})
	t.Run("a price in another currency is a mismatch", func(t *testing.T) {
		terms := validTerms()
		terms.Items[1].UnitPrice = payment.MustParse("1", payment.JPY)
		_, err := terms.Total()
		var mismatch *payment.CurrencyMismatchError
		require.ErrorAs(t, err, &mismatch)
	})
}

func TestTranches(t *testing.T) {
	card := payment.Instrument{Method: payment.Card, Network: payment.Visa}
	wire := payment.Instrument{Method: payment.WireTransfer}
	for _, tc := range []struct {
		name     string
		schedule order.Schedule
		shipping string
		want     []order.Due
	}{
		{"no deposit is one full payment with the balance instrument", order.Schedule{BalanceInstrument: wire}, "100.00",
			[]order.Due{{Tranche: payment.Full, Amount: usd("525.00"), Instrument: wire}}},
		{"a 30% deposit splits the total", order.Schedule{DepositPercent: 30, DepositInstrument: card, BalanceInstrument: wire}, "100.00",
			[]order.Due{{payment.Deposit, usd("157.50"), card}, {payment.Balance, usd("367.50"), wire}}},
		{"the cent a 30% split cannot share goes to the larger remainder", order.Schedule{DepositPercent: 30}, "100.01",
			[]order.Due{{payment.Deposit, usd("157.50"), payment.Instrument{}}, {payment.Balance, usd("367.51"), payment.Instrument{}}}},
		{"the cent a 50% split cannot share goes to the deposit", order.Schedule{DepositPercent: 50}, "100.01",
			[]order.Due{{payment.Deposit, usd("262.51"), payment.Instrument{}}, {payment.Balance, usd("262.50"), payment.Instrument{}}}},
		{"a fixed deposit leaves the rest as balance", order.Schedule{DepositAmount: usd("200.00"), DepositInstrument: card}, "100.00",
			[]order.Due{{payment.Deposit, usd("200.00"), card}, {payment.Balance, usd("325.00"), payment.Instrument{}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			terms := validTerms()
			terms.Schedule = tc.schedule
			terms.ShippingCost = usd(tc.shipping)
			got, err := terms.Tranches()
			require.NoError(t, err)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("tranches (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("invalid terms have no tranches", func(t *testing.T) {
		terms := validTerms()
		terms.Schedule.DepositPercent = 100
		_, err := terms.Tranches()
		require.ErrorIs(t, err, order.ErrInvalidTerms)
	})
}

func TestTranchesAlwaysAddUpToTheTotal(t *testing.T) {
	currencies := []payment.Currency{payment.USD, payment.JPY, payment.KWD}
	rapid.Check(t, func(rt *rapid.T) {
		c := rapid.SampledFrom(currencies).Draw(rt, "currency")
		terms := validTerms()
		terms.Currency = c
		terms.Items = nil
		for i := range rapid.IntRange(1, 5).Draw(rt, "items") {
			price, err := payment.FromMinor(rapid.Int64Range(1, 10_000_000).Draw(rt, "price"), c)
			require.NoError(rt, err)
			terms.Items = append(terms.Items, order.LineItem{SKU: "S", Unit: "pcs", UnitPrice: price,
				Quantity: rapid.Int64Range(1, 100_000).Draw(rt, "quantity")})
			_ = i
		}
		shipping, err := payment.FromMinor(rapid.Int64Range(0, 1_000_000).Draw(rt, "shipping"), c)
		require.NoError(rt, err)
		terms.ShippingCost = shipping
		terms.Schedule = order.Schedule{DepositPercent: rapid.Int64Range(0, 99).Draw(rt, "percent")}

		total, err := terms.Total()
		require.NoError(rt, err)
		dues, err := terms.Tranches()
		require.NoError(rt, err)
		sum, err := payment.FromMinor(0, c)
		require.NoError(rt, err)
		for _, d := range dues {
			require.False(rt, d.Amount.IsNegative(), "no tranche is negative")
			sum, err = sum.Add(d.Amount)
			require.NoError(rt, err)
		}
		require.Equal(rt, total, sum, "deposit + balance == total")
		if p := terms.Schedule.DepositPercent; p > 0 {
			// The deposit is p% of the total to within one minor unit.
			exact := total.Minor() * p
			dep := dues[0].Amount.Minor() * 100
			require.LessOrEqual(rt, abs(dep-exact), int64(100))
		}
	})
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestCloneSharesNothing(t *testing.T) {
	terms := validTerms()
	c := terms.Clone()
	c.Items[0].Spec.DesignFiles[0] = "https://evil.example.com/x"
	c.Items[1].Quantity = 99
	if diff := cmp.Diff(validTerms(), terms); diff != "" {
		t.Errorf("changing the clone changed the original (-want +got):\n%s", diff)
	}
}

// TestTermsShape fails when a field is added to Terms, LineItem or Spec, to
// remind whoever adds it to compare it in equalTerms (the idempotency check
// of Propose) and to copy it in Clone.
func TestTermsShape(t *testing.T) {
	assert.Equal(t, 14, reflect.TypeOf(order.Terms{}).NumField(), "update equalTerms and Clone")
	assert.Equal(t, 6, reflect.TypeOf(order.LineItem{}).NumField(), "update equalItems and Clone")
	assert.Equal(t, 5, reflect.TypeOf(order.Spec{}).NumField(), "update equalItems and Clone")
}

// TestOrderShape fails when a field is added to Order, to remind whoever adds
// it to deep-copy it in Clone and to set and scribble it in the ordertest kit,
// whose copy checks would otherwise not see it.
func TestOrderShape(t *testing.T) {
	assert.Equal(t, 25, reflect.TypeOf(order.Order{}).NumField(), "update Order.Clone and ordertest's sampleOrder and scribble")
}
