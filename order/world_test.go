package order_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
	supplierpkg "github.com/tradeassure/tradeassure/supplier"
)

// The parties of the service tests.
var (
	wBuyer    = payment.Buyer("buyer-de-1")
	wSupplier = payment.Supplier("supplier-cn-1")
	wAgent    = payment.Platform("agent-7")
	wHooks    = payment.System("webhooks")
	// wDisputes is the dispute service, the only actor that opens and
	// resolves an order's disputes (order.Config.Disputes' default).
	wDisputes = payment.System("tradeassure/dispute")
	wStart    = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
)

// world is a marketplace on the in-memory stores: every service the order
// service needs, on one manual clock, with an enrolled supplier.
type world struct {
	clock     *testkit.Clock
	orders    order.Store
	payStore  payment.Store
	escStore  escrow.Store
	supStore  supplierpkg.Store
	payments  *payment.Service
	escrow    *escrow.Service
	suppliers *supplierpkg.Service
	svc       *order.Service
	outbox    payment.Outbox
	published *notices
	// buyerPerOrder makes happyPath's buyer of order id "buyer-" + id
	// instead of wBuyer, as in a marketplace of many buyers; buyers, when
	// set, makes it one of that many buyers instead (by a hash of the
	// order id), each with orders of its own.
	buyerPerOrder bool
	buyers        int
	// decodeRequests makes happyPath's requests and keys decoded from
	// their JSON (see fresh), as a marketplace's handlers decode them.
	decodeRequests bool
	// sellers, when set, are the suppliers happyPath spreads its orders
	// over (by a hash of the order id) instead of wSupplier, as in a
	// marketplace of many suppliers; enrolSellers enrols them.
	sellers []payment.Actor
}

// buyerOf returns the buyer of order id in happyPath.
func (w *world) buyerOf(id string) payment.Actor {
	switch {
	case w.buyers > 0:
		return payment.Buyer("buyer-" + strconv.Itoa(int(idHash(id)>>8)%w.buyers))
	case w.buyerPerOrder:
		return payment.Buyer("buyer-" + id)
	}
	return wBuyer
}

// supplierOf returns the supplier of order id in happyPath.
func (w *world) supplierOf(id string) payment.Actor {
	if len(w.sellers) == 0 {
		return wSupplier
	}
	return w.sellers[idHash(id)%uint32(len(w.sellers))]
}

// idHash is the 32-bit FNV-1a hash of id, computed without allocating
// (the benchmarks call it on every step).
func idHash(id string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(id); i++ {
		h = (h ^ uint32(id[i])) * 16777619
	}
	return h
}

// enrolSellers enrols n suppliers for happyPath to spread its orders
// over.
func (w *world) enrolSellers(t testing.TB, n int) {
	for i := range n {
		s := payment.Supplier(fmt.Sprintf("supplier-cn-%d", 100+i))
		w.enrol(t, s.ID)
		w.sellers = append(w.sellers, s)
	}
}

// notices is a payment.Publisher that keeps the order notices it
// receives.
type notices struct {
	mu   sync.Mutex
	got  []order.Notice
	fail error
}

func (n *notices) Publish(_ context.Context, m payment.Message) error {
	x, err := order.NoticeOf(m)
	if err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.fail != nil {
		return n.fail
	}
	n.got = append(n.got, x)
	return nil
}

// delivered delivers what the world's outbox holds to its notices, and
// returns every notice delivered so far, and the relay's failure.
func (w *world) delivered() ([]order.Notice, error) {
	_, err := (&payment.Relay{Outbox: w.outbox, Publisher: w.published}).Deliver(context.Background())
	w.published.mu.Lock()
	defer w.published.mu.Unlock()
	return slices.Clone(w.published.got), err
}

// stores are the four stores of a world; nil fields get in-memory ones.
type stores struct {
	orders   order.Store
	payments payment.Store
	escrow   escrow.Store
	supplier supplierpkg.Store
	// unit is the stores' unit of work, and outbox the outbox that joins
	// it; nil for payment.MemoryUnit() and payment.MemoryOutbox().
	unit   payment.UnitOfWork
	outbox payment.Outbox
}

// newWorld returns a world with an enrolled supplier, its limit in USD.
func newWorld(t testing.TB) *world {
	return newWorldWith(t, stores{}, nil)
}

// newWorldWith returns a world on the given stores, with the order
// service configured by edit (when not nil).
func newWorldWith(t testing.TB, st stores, edit func(*order.Config)) *world {
	t.Helper()
	if st.orders == nil {
		st.orders = order.NewMemoryStore()
	}
	if st.payments == nil {
		st.payments = payment.NewMemoryStore()
	}
	if st.escrow == nil {
		st.escrow = escrow.NewMemoryStore()
	}
	if st.supplier == nil {
		st.supplier = supplierpkg.NewMemoryStore()
	}
	if st.outbox == nil {
		st.outbox = payment.MemoryOutbox()
	}
	w := &world{clock: testkit.NewClock(wStart), orders: st.orders, payStore: st.payments, escStore: st.escrow, supStore: st.supplier,
		outbox: st.outbox, published: &notices{}}
	var err error
	// Payment ids are made from their keys, not drawn at random: the crash
	// tests compare two runs whole, and the key attacks can predict them.
	// Another buyer's payment's id names its buyer.
	w.payments, err = payment.NewService(payment.Config{Store: st.payments, Unit: st.unit, Clock: w.clock, Risk: []payment.RiskRule{},
		PaymentID: func(buyer, key string) string {
			if buyer != wBuyer.ID {
				return "pay-" + buyer + "-" + key
			}
			return "pay-" + key
		}})
	require.NoError(t, err)
	w.escrow, err = escrow.NewService(escrow.Config{Store: st.escrow, Unit: st.unit, Clock: w.clock, ReleaseFee: escrow.PercentFee(decimal.RequireFromString("0.02"), payment.RoundHalfEven)})
	require.NoError(t, err)
	w.suppliers, err = supplierpkg.NewService(supplierpkg.Config{Store: st.supplier, Unit: st.unit, Clock: w.clock})
	require.NoError(t, err)
	cfg := order.Config{Store: st.orders, Unit: st.unit, Clock: w.clock, Payments: w.payments, Escrow: w.escrow, Suppliers: w.suppliers, Outbox: st.outbox}
	if edit != nil {
		edit(&cfg)
	}
	w.svc, err = order.NewService(cfg)
	require.NoError(t, err)
	w.enrol(t, wSupplier.ID)
	return w
}

// enrol registers supplier id and approves the documents that enrol it.
func (w *world) enrol(t testing.TB, id string) *supplierpkg.Supplier {
	t.Helper()
	ctx, me := context.Background(), payment.Supplier(id)
	sup, err := w.suppliers.Register(ctx, me, supplierpkg.RegisterRequest{
		ID: id, Company: "Ningbo Fine Furniture Co.", Country: "CN",
		EstablishedOn: time.Date(2015, time.June, 1, 0, 0, 0, 0, time.UTC),
	})
	require.NoError(t, err)
	from, until := wStart.AddDate(-1, 0, 0), wStart.AddDate(3, 0, 0)
	for i, kind := range []supplierpkg.DocumentKind{supplierpkg.BusinessLicence, supplierpkg.ProductionQualification, supplierpkg.ISO9001, supplierpkg.OnSiteCheck} {
		d := supplierpkg.Document{ID: fmt.Sprintf("doc-%d", i+1), Kind: kind, Issuer: "SGS", Number: fmt.Sprintf("SGS-%04d", i+1), ValidFrom: from, ValidUntil: until}
		_, err := w.suppliers.SubmitDocument(ctx, me, id, d)
		require.NoError(t, err)
		sup, err = w.suppliers.ReviewDocument(ctx, wAgent, id, d.ID, true, "checked")
		require.NoError(t, err)
	}
	require.True(t, sup.Enrolled(), "the supplier is enrolled")
	return sup
}

// wTerms are an order of USD 3,000.00 in goods and USD 200.00 shipping:
// a 30% deposit by Visa card (USD 960.00) and the balance by T/T (USD
// 2,240.00), shipping by 40 days from the start and delivered 30 days
// later, inspected before shipment, under the post-delivery plan.
func wTerms() order.Terms {
	return order.Terms{
		Items: []order.LineItem{{SKU: "CHAIR-01", Description: "Oak chair", Quantity: 20, Unit: "pieces", UnitPrice: usd("150.00"),
			Spec: order.Spec{Size: "45x50x90 cm", QualityStandard: "EN 12520", Packaging: "carton"}}},
		Currency: payment.USD, Incoterm: order.CIF, ShippingCost: usd("200.00"), Destination: "DE",
		ShipBy: wStart.AddDate(0, 0, 40), DeliverBy: wStart.AddDate(0, 0, 70), ProductionDays: 25,
		InspectionRequired: true, Plan: coverage.PostDelivery,
		Schedule: order.Schedule{
			DepositPercent:    30,
			DepositInstrument: payment.Instrument{Method: payment.Card, Network: payment.Visa},
			BalanceInstrument: payment.Instrument{Method: payment.WireTransfer},
		},
	}
}

// create drafts order id on terms t.
func (w *world) create(t testing.TB, id string, terms order.Terms) *order.Order {
	t.Helper()
	o, err := w.svc.Create(context.Background(), wSupplier, order.CreateRequest{ID: id, BuyerID: wBuyer.ID, Terms: terms})
	require.NoError(t, err)
	return o
}

// pay pays a tranche of order id and reports it succeeded.
func (w *world) pay(t testing.TB, id string, tranche payment.Tranche) *order.Order {
	t.Helper()
	ctx := context.Background()
	_, p, err := w.svc.Pay(ctx, wBuyer, id, "pay-"+string(tranche), order.PayRequest{Tranche: tranche, BuyerCountry: "DE"})
	require.NoError(t, err)
	o, err := w.svc.ReportPayment(ctx, wHooks, id, p.ID, payment.Outcome{Status: payment.StatusSucceeded, ProcessorRef: "psp-" + p.ID})
	require.NoError(t, err)
	return o
}

// step is one call of a lifecycle.
type step struct {
	name string
	call func(ctx context.Context, w *world, id string) (*order.Order, error)
}

// happyPath is the full lifecycle of an order on wTerms, from draft to
// completion, one call per step, with the clock moving between them. Each
// request (and its key) goes through fresh.
func happyPath() []step {
	passed := order.InspectionReport{Agency: "SGS", InspectedAt: wStart.AddDate(0, 0, 30), Result: coverage.InspectionPassed}
	payStep := func(tranche payment.Tranche) []step {
		var paymentID string
		return []step{
			{"pay " + string(tranche), func(ctx context.Context, w *world, id string) (*order.Order, error) {
				o, p, err := w.svc.Pay(ctx, w.buyerOf(id), id, fresh(w, "pay-"+string(tranche)), fresh(w, order.PayRequest{Tranche: tranche, BuyerCountry: "DE"}))
				if p != nil {
					paymentID = p.ID
				}
				return o, err
			}},
			{"report " + string(tranche), func(ctx context.Context, w *world, id string) (*order.Order, error) {
				return w.svc.ReportPayment(ctx, wHooks, id, paymentID, fresh(w, payment.Outcome{Status: payment.StatusSucceeded, ProcessorRef: "psp-" + paymentID}))
			}},
		}
	}
	steps := []step{
		{"create", func(ctx context.Context, w *world, id string) (*order.Order, error) {
			return w.svc.Create(ctx, w.supplierOf(id), fresh(w, order.CreateRequest{ID: id, BuyerID: w.buyerOf(id).ID, Terms: wTerms()}))
		}},
		{"submit", func(ctx context.Context, w *world, id string) (*order.Order, error) {
			return w.svc.Submit(ctx, w.supplierOf(id), id, fresh(w, "submit"))
		}},
		{"confirm", func(ctx context.Context, w *world, id string) (*order.Order, error) {
			return w.svc.Confirm(ctx, w.buyerOf(id), id, fresh(w, "confirm"))
		}},
	}
	steps = append(steps, payStep(payment.Deposit)...)
	steps = append(steps, []step{
		{"start production", func(ctx context.Context, w *world, id string) (*order.Order, error) {
			return w.svc.StartProduction(ctx, w.supplierOf(id), id, fresh(w, "start"))
		}},
		{"finish production", func(ctx context.Context, w *world, id string) (*order.Order, error) {
			return w.svc.FinishProduction(ctx, w.supplierOf(id), id, fresh(w, "finish"))
		}},
		{"inspect", func(ctx context.Context, w *world, id string) (*order.Order, error) {
			return w.svc.RecordInspection(ctx, wAgent, id, fresh(w, "inspection-1"), fresh(w, passed))
		}},
	}...)
	steps = append(steps, payStep(payment.Balance)...)
	steps = append(steps, []step{
		{"ship", func(ctx context.Context, w *world, id string) (*order.Order, error) {
			return w.svc.Ship(ctx, w.supplierOf(id), id, fresh(w, "ship"), fresh(w, order.TrackingEvent{At: w.clock.Now(), Location: "Ningbo", Carrier: "COSCO",
				Mode: order.Sea, TrackingNumber: "COSU1234567", EstimatedArrival: wStart.AddDate(0, 0, 65)}))
		}},
		{"track", func(ctx context.Context, w *world, id string) (*order.Order, error) {
			return w.svc.Track(ctx, w.supplierOf(id), id, fresh(w, "track-1"), fresh(w, order.TrackingEvent{At: w.clock.Now(), Location: "Singapore", EstimatedArrival: wStart.AddDate(0, 0, 66)}))
		}},
		{"deliver", func(ctx context.Context, w *world, id string) (*order.Order, error) {
			return w.svc.Deliver(ctx, wAgent, id, fresh(w, "deliver"))
		}},
		{"confirm receipt", func(ctx context.Context, w *world, id string) (*order.Order, error) {
			return w.svc.ConfirmReceipt(ctx, w.buyerOf(id), id, fresh(w, "receipt"))
		}},
	}...)
	return steps
}

// fresh returns v itself or, when w.decodeRequests is set, v as a
// marketplace's handler would have it: decoded from its JSON, every string
// of its own.
func fresh[T any](w *world, v T) T {
	if !w.decodeRequests {
		return v
	}
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out T
	if err := json.Unmarshal(data, &out); err != nil {
		panic(err)
	}
	return out
}

// run runs steps on order id, advancing the clock a day before each.
func (w *world) run(t testing.TB, id string, steps []step) *order.Order {
	t.Helper()
	var o *order.Order
	for _, st := range steps {
		w.clock.Advance(24 * time.Hour)
		var err error
		o, err = st.call(context.Background(), w, id)
		require.NoError(t, err, st.name)
	}
	return o
}
