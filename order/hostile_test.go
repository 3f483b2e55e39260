package order_test

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
)

// hostileLargest is the largest USD amount a Money holds.
var hostileLargest = usd("9999999999999999.99")

// hostile runs call, a call with hostile input, and requires it to fail
// with want (and the type typed points to, when set) and to change
// nothing: the order, its ledger and escrow account, the buyer's
// payments, the supplier and the notices.
func (s *scene) hostile(want error, typed any, call func(ctx context.Context) error) error {
	s.t.Helper()
	before := s.authzState()
	err := testkit.HostileErr(s.t, call)
	testkit.RequireErr(s.t, err, want, typed)
	testkit.Check(s.t, "what a hostile call left", before, s.authzState())
	return err
}

// requireTermsError requires err to say, first, that field of the terms
// is wrong.
func requireTermsError(t *testing.T, err error, field string) {
	t.Helper()
	var te *order.TermsError
	testkit.RequireErr(t, err, order.ErrInvalidTerms, &te)
	assert.Equal(t, field, te.Field, "the first field the error names")
}

// hostileItems returns wTerms with n copies of item.
func hostileItems(n int, item order.LineItem) order.Terms {
	t := wTerms()
	t.Items = make([]order.LineItem, n)
	for i := range t.Items {
		t.Items[i] = item
	}
	return t
}

func TestTermsWithUpToMaxLineItemsAreTakenWhole(t *testing.T) {
	s := newScene(t)
	item := order.LineItem{SKU: "BOLT-M4", Quantity: 1, Unit: "pieces", UnitPrice: usd("0.01")}
	o, err := testkit.Hostile(t, func(ctx context.Context) (*order.Order, error) {
		return s.w.svc.Create(ctx, wSupplier, order.CreateRequest{ID: s.id, BuyerID: wBuyer.ID, Terms: hostileItems(order.MaxLineItems, item)})
	})
	require.NoError(t, err)
	require.Len(t, o.Terms.Items, order.MaxLineItems, "every line item is kept")
	total, err := o.Terms.Total()
	require.NoError(t, err)
	assert.Equal(t, usd("300.00"), total, "ten thousand cents and the shipping, to the cent")
	assert.Len(t, s.order().Terms.Items, order.MaxLineItems)
}

func TestAMillionBadLineItemsAreInvalidTermsAndDraftNothing(t *testing.T) {
	tests := []struct {
		name  string
		terms order.Terms
		field string
	}{
		{"a million items", hostileItems(1_000_000, order.LineItem{SKU: "BOLT-M4", Quantity: 1, Unit: "pieces", UnitPrice: usd("0.01")}), "Items"},
		{"one item more than MaxLineItems", hostileItems(order.MaxLineItems+1, order.LineItem{SKU: "BOLT-M4", Quantity: 1, Unit: "pieces", UnitPrice: usd("0.01")}), "Items"},
		{"a million empty items", hostileItems(1_000_000, order.LineItem{}), "Items"},
		{"a million items whose total leaves Money's range",
			hostileItems(1_000_000, order.LineItem{SKU: "GOLD", Quantity: 1, Unit: "bars", UnitPrice: usd("99999999999.99")}), "Items"},
		{"a million items of which the last has no quantity", func() order.Terms {
			t := hostileItems(1_000_000, order.LineItem{SKU: "BOLT-M4", Quantity: 1, Unit: "pieces", UnitPrice: usd("0.01")})
			t.Items[999_999].Quantity = 0
			return t
		}(), "Items"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScene(t)
			err := s.hostile(order.ErrInvalidTerms, nil, func(ctx context.Context) error {
				_, err := s.w.svc.Create(ctx, wSupplier, order.CreateRequest{ID: s.id, BuyerID: wBuyer.ID, Terms: tt.terms})
				return err
			})
			requireTermsError(t, err, tt.field)
		})
	}
}

func TestHostileTermsAreInvalidTermsAndDraftNothing(t *testing.T) {
	long := testkit.Long("")
	tests := []struct {
		name  string
		edit  func(*order.Terms)
		field string
	}{
		{"zero terms", func(t *order.Terms) { *t = order.Terms{} }, "Currency"},
		{"the largest quantity", func(t *order.Terms) { t.Items[0].Quantity = math.MaxInt64 }, "Items"},
		{"the smallest quantity", func(t *order.Terms) { t.Items[0].Quantity = math.MinInt64 }, "Items[0].Quantity"},
		{"no quantity", func(t *order.Terms) { t.Items[0].Quantity = 0 }, "Items[0].Quantity"},
		{"a negative quantity", func(t *order.Terms) { t.Items[0].Quantity = -1 }, "Items[0].Quantity"},
		{"the largest unit price times twenty", func(t *order.Terms) { t.Items[0].UnitPrice = hostileLargest }, "Items"},
		{"a unit price of minus the largest amount", func(t *order.Terms) { t.Items[0].UnitPrice = hostileLargest.Neg() }, "Items[0].UnitPrice"},
		{"a unit price of zero", func(t *order.Terms) { t.Items[0].UnitPrice = usd("0") }, "Items[0].UnitPrice"},
		{"no unit price", func(t *order.Terms) { t.Items[0].UnitPrice = payment.Money{} }, "Items[0].UnitPrice"},
		{"a unit price in yen", func(t *order.Terms) { t.Items[0].UnitPrice = payment.MustParse("100", payment.JPY) }, "Items[0].UnitPrice"},
		{"a shipping cost of the largest amount", func(t *order.Terms) { t.ShippingCost = hostileLargest }, "Items"},
		{"a shipping cost of minus the largest amount", func(t *order.Terms) { t.ShippingCost = hostileLargest.Neg() }, "ShippingCost"},
		{"a mebibyte design file that is no URI", func(t *order.Terms) { t.Items[0].Spec.DesignFiles = []string{" " + long} }, "Items[0].Spec.DesignFiles[0]"},
		{"a mebibyte destination", func(t *order.Terms) { t.Destination = payment.Country(long) }, "Destination"},
		{"a lower-case Incoterm", func(t *order.Terms) { t.Incoterm = "cif" }, "Incoterm"},
		{"a mebibyte plan", func(t *order.Terms) { t.Plan = coverage.Plan(long) }, "Plan"},
		{"no shipment date", func(t *order.Terms) { t.ShipBy = time.Time{} }, "ShipBy"},
		{"a delivery date before the shipment date", func(t *order.Terms) { t.DeliverBy = t.ShipBy.Add(-time.Nanosecond) }, "DeliverBy"},
		{"the smallest production lead time", func(t *order.Terms) { t.ProductionDays = math.MinInt }, "ProductionDays"},
		{"a deposit of the largest percentage", func(t *order.Terms) { t.Schedule.DepositPercent = math.MaxInt64 }, "Schedule.DepositPercent"},
		{"a deposit of the smallest percentage", func(t *order.Terms) { t.Schedule.DepositPercent = math.MinInt64 }, "Schedule.DepositPercent"},
		{"a deposit of the largest amount", func(t *order.Terms) {
			t.Schedule.DepositPercent, t.Schedule.DepositAmount = 0, hostileLargest
		}, "Schedule.DepositAmount"},
		{"a deposit instrument of a mebibyte method", func(t *order.Terms) {
			t.Schedule.DepositInstrument = payment.Instrument{Method: payment.Method(long)}
		}, "Schedule.DepositInstrument"},
	}
	for _, code := range testkit.NotCurrencies() {
		tests = append(tests, struct {
			name  string
			edit  func(*order.Terms)
			field string
		}{"the currency " + testkit.Short(code), func(t *order.Terms) { t.Currency = payment.Currency(code) }, "Currency"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScene(t)
			terms := termsWith(tt.edit)
			err := s.hostile(order.ErrInvalidTerms, nil, func(ctx context.Context) error {
				_, err := s.w.svc.Create(ctx, wSupplier, order.CreateRequest{ID: s.id, BuyerID: wBuyer.ID, Terms: terms})
				return err
			})
			requireTermsError(t, err, tt.field)
		})
	}
}

func TestTextsThatAreNotAmountsDoNotDecodeIntoAnOrderRequest(t *testing.T) {
	for _, text := range testkit.NotAmounts() {
		t.Run(testkit.Short(text), func(t *testing.T) {
			price, err := json.Marshal(text)
			require.NoError(t, err)
			body := `{"id":"o-1","buyer_id":"buyer-de-1","terms":{"currency":"USD","items":[{"sku":"CHAIR-01","quantity":20,"unit":"pieces",` +
				`"unit_price":{"amount":` + string(price) + `,"currency":"USD"}}]}}`
			var req order.CreateRequest
			err = testkit.HostileErr(t, func(context.Context) error { return json.Unmarshal([]byte(body), &req) })
			var ae *payment.AmountError
			testkit.RequireErr(t, err, payment.ErrMalformedAmount, &ae)
			assert.True(t, ae.Input == text, "the error carries the text")
		})
	}
}

func TestHostileCallsOnALiveOrderAreRefusedAndChangeNothing(t *testing.T) {
	long := testkit.Long("")
	pay := func(key string, req order.PayRequest) func(s *scene) func(context.Context) error {
		return func(s *scene) func(context.Context) error {
			return func(ctx context.Context) error {
				_, _, err := s.w.svc.Pay(ctx, wBuyer, s.id, key, req)
				return err
			}
		}
	}
	inspect := func(r order.InspectionReport) func(s *scene) func(context.Context) error {
		return func(s *scene) func(context.Context) error {
			return func(ctx context.Context) error {
				_, err := s.w.svc.RecordInspection(ctx, wAgent, s.id, "inspection-1", r)
				return err
			}
		}
	}
	ship := func(e order.TrackingEvent) func(s *scene) func(context.Context) error {
		return func(s *scene) func(context.Context) error {
			return func(ctx context.Context) error {
				_, err := s.w.svc.Ship(ctx, wSupplier, s.id, "ship", e)
				return err
			}
		}
	}
	resolve := func(edit func(r *order.Resolution, remaining payment.Money)) func(s *scene) func(context.Context) error {
		return func(s *scene) func(context.Context) error {
			r := order.Resolution{CaseID: caseOne}
			edit(&r, s.order().Remaining())
			return func(ctx context.Context) error {
				_, err := s.w.svc.ResolveDispute(ctx, wDisputes, s.id, r)
				return err
			}
		}
	}
	tests := []struct {
		name  string
		setup []step
		call  func(s *scene) func(context.Context) error
		want  error
		typed any
	}{
		{"a zero draft", nil, func(s *scene) func(context.Context) error {
			return func(ctx context.Context) error {
				_, err := s.w.svc.Create(ctx, wSupplier, order.CreateRequest{})
				return err
			}
		}, order.ErrInvalidRequest, nil},
		{"a draft by a supplier of a mebibyte id", nil, func(s *scene) func(context.Context) error {
			return func(ctx context.Context) error {
				_, err := s.w.svc.Create(ctx, payment.Supplier(long), order.CreateRequest{ID: s.id, BuyerID: wBuyer.ID, Terms: wTerms()})
				return err
			}
		}, payment.ErrInvalidRequest, new(*payment.LengthError)},
		{"a payment from a mebibyte country", happyThrough("confirm"),
			pay("pay-deposit", order.PayRequest{Tranche: payment.Deposit, BuyerCountry: payment.Country(long)}), payment.ErrInvalidRequest, nil},
		{"a payment of a mebibyte tranche", happyThrough("confirm"),
			pay("pay-deposit", order.PayRequest{Tranche: payment.Tranche(long), BuyerCountry: "DE"}), order.ErrInvalidRequest, nil},
		{"a payment by a mebibyte method", happyThrough("confirm"),
			pay("pay-deposit", order.PayRequest{Tranche: payment.Deposit, BuyerCountry: "DE", Instrument: payment.Instrument{Method: payment.Method(long)}}),
			order.ErrInvalidRequest, nil},
		{"a payment on an empty credit line", happyThrough("confirm"),
			pay("pay-deposit", order.PayRequest{Tranche: payment.Deposit, BuyerCountry: "DE", Credit: &payment.CreditLine{}}), payment.ErrInvalidRequest, nil},
		{"a report on a mebibyte payment id", happyThrough("pay deposit"), func(s *scene) func(context.Context) error {
			return func(ctx context.Context) error {
				_, err := s.w.svc.ReportPayment(ctx, wHooks, s.id, long, processorSays(long, payment.StatusSucceeded))
				return err
			}
		}, payment.ErrNotFound, nil},
		{"a report of a mebibyte status", happyThrough("pay deposit"), func(s *scene) func(context.Context) error {
			id := s.lastPayment()
			return func(ctx context.Context) error {
				_, err := s.w.svc.ReportPayment(ctx, wHooks, s.id, id, payment.Outcome{Status: payment.Status(long)})
				return err
			}
		}, payment.ErrInvalidRequest, nil},
		{"an inspection of a mebibyte result", happyThrough("finish production"),
			inspect(inspection(coverage.InspectionResult(long))), order.ErrInvalidRequest, nil},
		{"a passed inspection naming a defect", happyThrough("finish production"),
			inspect(inspection(coverage.InspectionPassed, "scratches")), order.ErrInvalidRequest, nil},
		{"a shipment with no departure", happyThrough("report balance"), ship(order.TrackingEvent{}), order.ErrInvalidRequest, nil},
		{"a shipment by a mebibyte mode of transport", happyThrough("report balance"),
			ship(order.TrackingEvent{At: wStart.AddDate(0, 0, 40), Mode: order.TransportMode(long)}), order.ErrInvalidRequest, nil},
		{"a modification to zero terms", happyThrough("confirm"), func(s *scene) func(context.Context) error {
			return func(ctx context.Context) error {
				_, err := s.w.svc.ProposeModification(ctx, wSupplier, s.id, "mod-1", order.Terms{})
				return err
			}
		}, order.ErrInvalidTerms, new(*order.TermsError)},
		{"a modification to a million line items of the largest price", happyThrough("confirm"), func(s *scene) func(context.Context) error {
			terms := hostileItems(1_000_000, order.LineItem{SKU: "GOLD", Quantity: 1, Unit: "bars", UnitPrice: hostileLargest})
			return func(ctx context.Context) error {
				_, err := s.w.svc.ProposeModification(ctx, wBuyer, s.id, "mod-1", terms)
				return err
			}
		}, order.ErrInvalidTerms, new(*order.TermsError)},
		{"a resolution refunding the largest amount", disputedAt("deliver"), resolve(func(r *order.Resolution, _ payment.Money) {
			r.Refund = hostileLargest
		}), order.ErrInvalidRequest, nil},
		{"a resolution refunding minus the largest amount", disputedAt("deliver"), resolve(func(r *order.Resolution, remaining payment.Money) {
			r.Refund, r.Release = hostileLargest.Neg(), remaining
		}), payment.ErrInvalidAmount, nil},
		{"a resolution in yen", disputedAt("deliver"), resolve(func(r *order.Resolution, _ payment.Money) {
			r.Refund = payment.MustParse("100", payment.JPY)
		}), payment.ErrCurrencyMismatch, new(*payment.CurrencyMismatchError)},
		{"a resolution of a mebibyte case id", disputedAt("deliver"), resolve(func(r *order.Resolution, remaining payment.Money) {
			r.CaseID, r.Refund = long, remaining
		}), order.ErrInvalidRequest, nil},
		{"a quote of a mebibyte tranche", happyThrough("confirm"), func(s *scene) func(context.Context) error {
			return func(ctx context.Context) error {
				_, err := s.w.svc.Quote(ctx, s.id, payment.Tranche(long))
				return err
			}
		}, order.ErrInvalidRequest, nil},
		{"a sweep at no time", happyThrough("confirm"), func(s *scene) func(context.Context) error {
			return func(ctx context.Context) error {
				_, err := s.w.svc.Sweep(ctx, time.Time{})
				return err
			}
		}, order.ErrInvalidRequest, nil},
		{"a cancellation under no key", happyThrough("confirm"), func(s *scene) func(context.Context) error {
			return func(ctx context.Context) error {
				_, err := s.w.svc.Cancel(ctx, wBuyer, s.id, "", long)
				return err
			}
		}, order.ErrInvalidRequest, nil},
		{"a shipment by an actor of a mebibyte role", happyThrough("report balance"), func(s *scene) func(context.Context) error {
			return func(ctx context.Context) error {
				_, err := s.w.svc.Ship(ctx, payment.Actor{Role: payment.Role(long), ID: "x"}, s.id, "ship", departure(wStart))
				return err
			}
		}, payment.ErrInvalidRequest, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name+" "+after(tt.setup), func(t *testing.T) {
			s := newScene(t, tt.setup...)
			s.hostile(tt.want, tt.typed, tt.call(s))
		})
	}
}

func TestAMillionInspectionDefectsAreCheckedInTime(t *testing.T) {
	defects := make([]string, 0, 1_000_001)
	for i := range 1_000_000 {
		defects = append(defects, "defect-"+strconv.Itoa(i))
	}
	s := newScene(t, happyThrough("finish production")...)
	s.hostile(order.ErrInvalidRequest, nil, func(ctx context.Context) error {
		_, err := s.w.svc.RecordInspection(ctx, wAgent, s.id, "inspection-1", inspection(coverage.InspectionFailed, append(defects, "defect-0")...))
		return err
	})
}
