package payment

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

// cardChange is the instant the programme's card fee changed, by the
// order's placement.
var cardChange = time.Date(2018, time.June, 4, 0, 0, 0, 0, time.UTC)

// orderRequest returns a card request by Visa in Europe of amount USD for
// an order with the given facts.
func orderRequest(amount string, facts OrderFacts) FeeRequest {
	req := feeRequest(amount, USD, Card, Visa, Europe)
	req.Order = facts
	return req
}

func TestFeeQuoteIsChosenByTheOrdersPlacement(t *testing.T) {
	s := DefaultSchedule()
	paid := time.Date(2018, time.June, 20, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		network CardNetwork
		region  Region
		placed  time.Time
		amount  string
		rule    string
		fee     string
		capped  bool
		datedBy FeeDating
	}{
		{"an order placed the last instant before 2018-06-04 pays 2.4%", Visa, Europe,
			cardChange.Add(-time.Nanosecond), "1000.00", "card-before-2018-06-04", "24.00", false, DatedByPlacement},
		{"an order placed at 2018-06-04 00:00 UTC pays 2.95%", Visa, Europe,
			cardChange, "1000.00", "card-2018-06-04", "29.50", false, DatedByPlacement},
		{"the boundary in another time zone is the same instant", Visa, Europe,
			cardChange.In(time.FixedZone("UTC+8", 8*3600)), "1000.00", "card-2018-06-04", "29.50", false, DatedByPlacement},
		{"Mastercard in APAC before the change pays 2.4%, capped at USD 40", Mastercard, AsiaPacific,
			cardChange.Add(-time.Hour), "2000.00", "card-mastercard-apac-before-2018-06-04", "40.00", true, DatedByPlacement},
		{"Mastercard in APAC before the change is under the cap at USD 1,000", Mastercard, AsiaPacific,
			cardChange.Add(-time.Hour), "1000.00", "card-mastercard-apac-before-2018-06-04", "24.00", false, DatedByPlacement},
		{"Mastercard in APAC from the change pays 2.95%, capped at USD 40", Mastercard, AsiaPacific,
			cardChange, "2000.00", "card-mastercard-apac-2024", "40.00", true, DatedByPlacement},
		{"without a placement date the payment's date chooses, and says so", Visa, Europe,
			time.Time{}, "1000.00", "card-2018-06-04", "29.50", false, DatedByPayment},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := feeRequest(tt.amount, USD, Card, tt.network, tt.region)
			req.At, req.Order.PlacedAt = paid, tt.placed
			q, err := s.Quote(context.Background(), req, nil)
			require.NoError(t, err)
			require.Equal(t, tt.rule, q.RuleID)
			require.Equal(t, MustParse(tt.fee, USD), q.Fee)
			require.Equal(t, tt.capped, q.Capped)
			require.Equal(t, tt.datedBy, q.DatedBy)
			require.Len(t, q.Lines, 1)
			require.Equal(t, tt.datedBy, q.Lines[0].DatedBy)
		})
	}
	t.Run("a payment before 2018-06-04 without a placement date pays 2.4%", func(t *testing.T) {
		req := feeRequest("1000.00", USD, Card, Visa, Europe)
		req.At = cardChange.Add(-time.Hour)
		q, err := s.Quote(context.Background(), req, nil)
		require.NoError(t, err)
		require.Equal(t, "card-before-2018-06-04", q.RuleID)
		require.Equal(t, DatedByPayment, q.DatedBy)
	})
	t.Run("a rule dated by the payment ignores the placement date", func(t *testing.T) {
		req := feeRequest("100.00", USD, PayPal, "", Europe)
		req.Order.PlacedAt = feeDate(2023, 6, 1) // before paypal-2024's start
		q, err := s.Quote(context.Background(), req, nil)
		require.NoError(t, err)
		require.Equal(t, "paypal-2024", q.RuleID)
		require.Equal(t, DatedByPayment, q.DatedBy)
	})
	t.Run("an order placed after its payment is refused", func(t *testing.T) {
		req := feeRequest("1000.00", USD, Card, Visa, Europe)
		req.Order.PlacedAt = req.At.Add(time.Second)
		_, err := s.Quote(context.Background(), req, nil)
		require.ErrorIs(t, err, ErrInvalidRequest)
		req.Order.PlacedAt = req.At
		_, err = s.Quote(context.Background(), req, nil)
		require.NoError(t, err, "placed and paid at the same instant")
	})
	t.Run("Explain shows the date that chose the rule", func(t *testing.T) {
		req := feeRequest("1000.00", USD, Card, Visa, Europe)
		req.Order.PlacedAt = cardChange.Add(-time.Second)
		q, err := s.Quote(context.Background(), req, nil)
		require.NoError(t, err)
		require.Equal(t, "USD 1000.00 by card, order placed 2018-06-03T23:59:59Z: rule card-before-2018-06-04 2.4% = 24.00, half-even → USD 24.00 (buyer pays)", s.Explain(q))
		req.Order.PlacedAt = time.Time{}
		q, err = s.Quote(context.Background(), req, nil)
		require.NoError(t, err)
		require.Equal(t, "USD 1000.00 by card, no placement date: dated by the payment at 2026-03-02T10:30:00Z: rule card-2018-06-04 2.95% = 29.50, half-even → USD 29.50 (buyer pays)", s.Explain(q))
	})
}

func TestDefaultScheduleChargesTheSuppliersServiceFee(t *testing.T) {
	s := DefaultSchedule()
	placed := feeAt().Add(-48 * time.Hour)
	facts := func(value string, g Goods, sh Shipping) OrderFacts {
		return OrderFacts{PlacedAt: placed, Value: MustParse(value, USD), Goods: g, Shipping: sh}
	}
	tests := []struct {
		name     string
		amount   string
		facts    OrderFacts
		rule     string // the service fee's rule, "" for none
		band     int
		service  string
		supplier string // the quote's SupplierFee
	}{
		{"wholesale at USD 5,000.00 pays 5%", "5000.00", facts("5000.00", Wholesale, ""), "service-wholesale-2024", 0, "250.00", "250.00"},
		{"wholesale at USD 5,000.01 pays none", "5000.01", facts("5000.01", Wholesale, ""), "service-wholesale-2024", 1, "0.00", "0.00"},
		{"wholesale shipped by the platform still pays 5%", "100.00", facts("100.00", Wholesale, PlatformLogistics), "service-wholesale-2024", 0, "5.00", "5.00"},
		{"custom shipped by the platform's logistics pays 1%", "1000.00", facts("1000.00", Custom, PlatformLogistics), "service-custom-platform-logistics-2024", 0, "10.00", "10.00"},
		{"custom shipped otherwise pays 2%", "1000.00", facts("1000.00", Custom, OtherLogistics), "service-custom-2024", 0, "20.00", "20.00"},
		{"custom not saying how it ships pays 2%", "1000.00", facts("1000.00", Custom, ""), "service-custom-2024", 0, "20.00", "20.00"},
		{"custom at USD 5,000.01 by the platform pays none", "5000.01", facts("5000.01", Custom, PlatformLogistics), "service-custom-platform-logistics-2024", 1, "0.00", "0.00"},
		{"the band is the order's: a deposit of an order above USD 5,000 pays none", "1500.00", facts("5000.01", Custom, ""), "service-custom-2024", 1, "0.00", "0.00"},
		{"the band is the order's: a deposit of an order of USD 5,000 pays 2% of itself", "1500.00", facts("5000.00", Custom, ""), "service-custom-2024", 0, "30.00", "30.00"},
		{"an order that names no goods pays no service fee", "1000.00", facts("1000.00", "", PlatformLogistics), "", -1, "", "0.00"},
		{"no order facts at all: no service fee", "1000.00", OrderFacts{}, "", -1, "", "0.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := s.Quote(context.Background(), orderRequest(tt.amount, tt.facts), nil)
			require.NoError(t, err)
			method := MustParse(tt.amount, USD).Amount().Mul(s.rules[s.ruleIndex("card-2018-06-04")].Percent)
			require.Equal(t, "card-2018-06-04", q.RuleID)
			require.True(t, q.Unrounded.Equal(method), "the top-level fields stay the method fee's")
			require.Equal(t, MustParse(tt.supplier, USD), q.SupplierFee)
			if tt.rule == "" {
				require.Len(t, q.Lines, 1)
				_, ok := q.Line(ServiceFee)
				require.False(t, ok)
				require.Equal(t, q.Lines[0].Fee, q.Fee)
				return
			}
			require.Len(t, q.Lines, 2)
			sv, ok := q.Line(ServiceFee)
			require.True(t, ok)
			want := FeeLine{Kind: ServiceFee, RuleID: tt.rule, DatedBy: DatedByPlacement, Fee: MustParse(tt.service, USD),
				BuyerFee: MustParse("0", USD), SupplierFee: MustParse(tt.service, USD), Band: tt.band,
				Unrounded: sv.Unrounded, Rounding: RoundHalfEven}
			if diff := cmp.Diff(want, sv, feeCmp()); diff != "" {
				t.Errorf("service line (-want +got):\n%s", diff)
			}
			total, err := q.Lines[0].Fee.Add(sv.Fee)
			require.NoError(t, err)
			require.Equal(t, total, q.Fee)
			require.Equal(t, q.Lines[0].BuyerFee, q.BuyerFee, "the buyer pays the method fee only")
		})
	}
}

func TestTheServiceFeeStacksOnTheMethodFee(t *testing.T) {
	s := DefaultSchedule()
	custom := OrderFacts{PlacedAt: feeAt().Add(-time.Hour), Value: MustParse("4000.00", USD), Goods: Custom, Shipping: OtherLogistics}

	t.Run("on a card fee: the buyer pays 2.95%, the supplier 2%", func(t *testing.T) {
		q, err := s.Quote(context.Background(), orderRequest("1000.00", custom), nil)
		require.NoError(t, err)
		require.Equal(t, MustParse("29.50", USD), q.BuyerFee)
		require.Equal(t, MustParse("20.00", USD), q.SupplierFee)
		require.Equal(t, MustParse("49.50", USD), q.Fee)
		require.Equal(t, "USD 1000.00 by card, order placed 2026-03-02T09:30:00Z: rule card-2018-06-04 2.95% = 29.50, half-even → USD 29.50 (buyer pays); "+
			"service fee on custom goods, order placed 2026-03-02T09:30:00Z: rule service-custom-2024 band 1 (order USD 4000.00, up to USD 5000.00): 2% = 20.00, half-even → USD 20.00 (supplier pays); "+
			"total USD 49.50 (buyer pays USD 29.50, supplier pays USD 20.00)", s.Explain(q))
	})
	t.Run("on a capped Mastercard fee in APAC: the cap is the method fee's only", func(t *testing.T) {
		req := feeRequest("3000.00", USD, Card, Mastercard, AsiaPacific)
		req.Order = custom
		q, err := s.Quote(context.Background(), req, nil)
		require.NoError(t, err)
		require.True(t, q.Capped)
		require.Equal(t, MustParse("40.00", USD), q.BuyerFee)
		require.Equal(t, MustParse("60.00", USD), q.SupplierFee, "2% of USD 3,000.00, not capped")
		require.Equal(t, MustParse("100.00", USD), q.Fee)
		require.False(t, q.Lines[1].Capped)
	})
	t.Run("a deposit and a balance add up to the whole order's service fee, give or take rounding", func(t *testing.T) {
		order := MustParse("4000.01", USD)
		facts := custom
		facts.Value = order
		var sum Money = MustParse("0", USD)
		for _, part := range []string{"1200.01", "2800.00"} {
			q, err := s.Quote(context.Background(), orderRequest(part, facts), nil)
			require.NoError(t, err)
			sum, err = sum.Add(q.SupplierFee)
			require.NoError(t, err)
		}
		whole, err := s.Quote(context.Background(), orderRequest("4000.01", facts), nil)
		require.NoError(t, err)
		require.Equal(t, MustParse("80.00", USD), whole.SupplierFee, "2% of 4000.01 = 80.0002")
		require.Equal(t, MustParse("80.00", USD), sum, "24.0002 → 24.00 and 56.00")
	})
	t.Run("a euro payment on the USD 5,000 bound converts the bound with the rates", func(t *testing.T) {
		rates := newFakeRates(map[string]string{"USD>EUR": "0.9"}) // USD 5,000.00 is EUR 4,500.00
		for _, tc := range []struct {
			value, fee string
			band       int
			explain    string
		}{
			{"4500.00", "20.00", 0, "band 1 (order EUR 4500.00, up to USD 5000.00 (× 0.9 = EUR 4500.00)): 2% = 20.00"},
			{"4500.01", "0.00", 1, "band 2 (order EUR 4500.01, no upper bound): 0% = 0.00"},
		} {
			req := feeRequest("1000.00", EUR, Card, Visa, Europe)
			req.Order = OrderFacts{Value: MustParse(tc.value, EUR), Goods: Custom}
			q, err := s.Quote(context.Background(), req, rates)
			require.NoError(t, err, tc.value)
			sv, _ := q.Line(ServiceFee)
			require.Equal(t, tc.band, sv.Band, tc.value)
			require.Equal(t, MustParse(tc.fee, EUR), sv.Fee, tc.value)
			require.Equal(t, MustParse("29.50", EUR), q.BuyerFee, tc.value)
			require.Len(t, q.Conversions, 1, "one rate for both lines")
			require.Contains(t, s.Explain(q), tc.explain)
		}
		req := feeRequest("1000.00", EUR, Card, Visa, Europe)
		req.Order = OrderFacts{Value: MustParse("4000.00", EUR), Goods: Custom}
		_, err := s.Quote(context.Background(), req, nil)
		require.ErrorIs(t, err, ErrNoRate)
		require.ErrorContains(t, err, "service-custom-2024")
	})
}

func TestFeeQuoteRefusesBadOrderFacts(t *testing.T) {
	s := DefaultSchedule()
	tests := []struct {
		name  string
		facts OrderFacts
	}{
		{"unknown goods", OrderFacts{Goods: "used", Value: MustParse("100.00", USD)}},
		{"unknown shipping", OrderFacts{Shipping: "boat"}},
		{"a value in another currency than the payment", OrderFacts{Goods: Wholesale, Value: MustParse("100.00", EUR)}},
		{"a value below the payment", OrderFacts{Goods: Wholesale, Value: MustParse("99.99", USD)}},
		{"goods whose service fee is banded by the order, and no value", OrderFacts{Goods: Wholesale}},
		{"a zero value", OrderFacts{Goods: Wholesale, Value: MustParse("0", USD)}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			q, err := s.Quote(context.Background(), orderRequest("100.00", tt.facts), nil)
			require.ErrorIs(t, err, ErrInvalidRequest)
			require.Zero(t, q.Lines)
		})
	}
	t.Run("a value equal to the payment is accepted", func(t *testing.T) {
		_, err := s.Quote(context.Background(), orderRequest("100.00", OrderFacts{Goods: Wholesale, Value: MustParse("100.00", USD)}), nil)
		require.NoError(t, err)
	})
}

func TestNewFeeScheduleChecksKindsDatingAndOrderKeys(t *testing.T) {
	service := func(id string) FeeRule {
		r := feeRule(id)
		r.Method, r.Kind, r.Goods, r.Bearer = "", ServiceFee, Wholesale, SupplierBears
		return r
	}
	refused := []struct {
		name  string
		rules []FeeRule
	}{
		{"a service fee naming a method", []FeeRule{func() FeeRule { r := service("bad"); r.Method = Card; return r }()}},
		{"a method fee naming no method", []FeeRule{func() FeeRule { r := feeRule("bad"); r.Method = ""; return r }()}},
		{"an unknown kind", []FeeRule{func() FeeRule { r := feeRule("bad"); r.Kind = 7; return r }()}},
		{"an unknown dating", []FeeRule{func() FeeRule { r := feeRule("bad"); r.DatedBy = 7; return r }()}},
		{"an unknown band basis", []FeeRule{func() FeeRule { r := feeRule("bad"); r.BandedBy = 7; return r }()}},
		{"unknown goods", []FeeRule{func() FeeRule { r := service("bad"); r.Goods = "used"; return r }()}},
		{"unknown shipping", []FeeRule{func() FeeRule { r := service("bad"); r.Shipping = "boat"; return r }()}},
		{"banded by the order with no bands", []FeeRule{func() FeeRule { r := service("bad"); r.BandedBy = BandByOrder; return r }()}},
		{"two rules of one scope, one dated by the payment, one by placement, in different periods",
			[]FeeRule{
				func() FeeRule { r := feeRule("a"); r.Until = cardChange; return r }(),
				func() FeeRule { r := feeRule("bad"); r.DatedBy, r.From = DatedByPlacement, cardChange; return r }(),
			}},
		{"two service fees of one scope at the same time", []FeeRule{service("a"), service("bad")}},
	}
	for _, tt := range refused {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			_, err := NewFeeSchedule(tt.rules...)
			require.ErrorIs(t, err, ErrInvalidSchedule)
			require.ErrorContains(t, err, `"bad"`)
		})
	}
	accepted := []struct {
		name  string
		rules []FeeRule
	}{
		{"a method fee and a service fee at the same time", []FeeRule{feeRule("a"), service("b")}},
		{"two placement-dated rules that meet at a boundary", []FeeRule{
			func() FeeRule {
				r := feeRule("a")
				r.DatedBy, r.From, r.Until = DatedByPlacement, time.Time{}, cardChange
				return r
			}(),
			func() FeeRule { r := feeRule("b"); r.DatedBy, r.From = DatedByPlacement, cardChange; return r }(),
		}},
		{"service fees for each kind of goods", []FeeRule{service("a"), func() FeeRule { r := service("b"); r.Goods = Custom; return r }()}},
		{"a method fee keyed by goods beside one that is not", []FeeRule{feeRule("a"), func() FeeRule { r := feeRule("b"); r.Goods = Custom; return r }()}},
	}
	for _, tt := range accepted {
		t.Run(tt.name+" is accepted", func(t *testing.T) {
			_, err := NewFeeSchedule(tt.rules...)
			require.NoError(t, err)
		})
	}
	t.Run("a service fee with no goods applies to every payment, whatever the method", func(t *testing.T) {
		r := service("any")
		r.Goods, r.Percent = "", MustParse("0.01", USD).Amount()
		sch := feeSchedule(t, feeRule("card"), func() FeeRule { r := feeRule("wire"); r.Method = WireTransfer; return r }(), r)
		for _, req := range []FeeRequest{feeRequest("100.00", USD, Card, Visa, ""), feeRequest("100.00", USD, WireTransfer, "", "")} {
			q, err := sch.Quote(context.Background(), req, nil)
			require.NoError(t, err)
			require.Len(t, q.Lines, 2)
			require.Equal(t, MustParse("1.00", USD), q.SupplierFee)
		}
	})
	t.Run("goods make a rule more specific than region and currency", func(t *testing.T) {
		regional := service("regional")
		regional.Goods, regional.Region, regional.Currency = "", Europe, USD
		goods := service("goods")
		q, err := feeSchedule(t, feeRule("card"), regional, goods).Quote(context.Background(),
			orderRequest("100.00", OrderFacts{Goods: Wholesale, Value: MustParse("100.00", USD)}), nil)
		require.NoError(t, err)
		sv, _ := q.Line(ServiceFee)
		require.Equal(t, "goods", sv.RuleID)
	})
}

func TestFeeRulesAndQuotesWithLinesRoundTripThroughJSON(t *testing.T) {
	s := DefaultSchedule()
	q, err := s.Quote(context.Background(), orderRequest("1000.00", OrderFacts{
		PlacedAt: feeAt().Add(-time.Hour), Value: MustParse("3000.00", USD), Goods: Custom, Shipping: PlatformLogistics}), nil)
	require.NoError(t, err)
	require.Len(t, q.Lines, 2)
	b, err := json.Marshal(q)
	require.NoError(t, err)
	var back FeeQuote
	require.NoError(t, json.Unmarshal(b, &back))
	if diff := cmp.Diff(q, back, feeCmp()); diff != "" {
		t.Errorf("quote after a JSON round trip (-before +after):\n%s", diff)
	}
	require.Equal(t, s.Explain(q), s.Explain(back))

	rules := s.Rules()
	b, err = json.Marshal(rules)
	require.NoError(t, err)
	var rulesBack []FeeRule
	require.NoError(t, json.Unmarshal(b, &rulesBack))
	if diff := cmp.Diff(rules, rulesBack, feeCmp()); diff != "" {
		t.Errorf("rules after a JSON round trip (-before +after):\n%s", diff)
	}
	require.Contains(t, string(b), `"kind":"service","goods":"custom","shipping":"platform_logistics","dated_by":"placement"`)

	t.Run("a quote stored before lines existed explains as its one method fee", func(t *testing.T) {
		var old FeeQuote
		require.NoError(t, json.Unmarshal([]byte(`{"amount":{"amount":"2000.00","currency":"USD"},"fee":{"amount":"40.00","currency":"USD"},`+
			`"buyer_fee":{"amount":"40.00","currency":"USD"},"supplier_fee":{"amount":"0.00","currency":"USD"},`+
			`"rule_id":"card-mastercard-apac-2024","band":-1,"unrounded":"40","rounding":"half-even","capped":true}`), &old))
		require.Equal(t, "USD 2000.00 by card/mastercard in APAC, no placement date: dated by the payment: rule card-mastercard-apac-2024 2.95% = 59.00, capped at USD 40.00, half-even → USD 40.00 (buyer pays)",
			s.Explain(old))
		l, ok := old.Line(MethodFee)
		require.True(t, ok)
		require.Equal(t, MustParse("40.00", USD), l.Fee)
	})
	t.Run("an unknown kind, dating or band basis does not decode", func(t *testing.T) {
		for _, doc := range []string{`{"kind":"platform"}`, `{"dated_by":"shipment"}`, `{"banded_by":"weight"}`} {
			var r FeeRule
			require.ErrorIs(t, json.Unmarshal([]byte(doc), &r), ErrInvalidRequest, doc)
		}
	})
}
