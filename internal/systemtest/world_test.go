package systemtest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradeassure/tradeassure/dispute"
	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// start is when every sequence begins.
var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// The actors that are not parties to an order: a platform agent, and the
// system that delivers the processor's webhooks.
var (
	agent    = payment.Platform("agent-7")
	webhooks = payment.System("webhooks")
	// scheduler runs the payouts.
	scheduler = payment.System("scheduler")
)

// stores are the five stores a world runs on.
type stores struct {
	orders    order.Store
	payments  payment.Store
	escrow    escrow.Store
	suppliers supplier.Store
	cases     dispute.Store
	unit      payment.UnitOfWork // the stores' unit of work
	outbox    payment.Outbox     // the outbox that joins it
}

// memoryStores returns fresh in-memory stores.
func memoryStores() stores {
	return stores{
		orders: order.NewMemoryStore(), payments: payment.NewMemoryStore(), escrow: escrow.NewMemoryStore(),
		suppliers: supplier.NewMemoryStore(), cases: dispute.NewMemoryStore(), unit: payment.MemoryUnit(),
		outbox: payment.MemoryOutbox(),
	}
}

// fixedRates are exchange rates that never change.
type fixedRates map[[2]payment.Currency]decimal.Decimal

// Rate implements payment.Rates.
func (r fixedRates) Rate(_ context.Context, from, to payment.Currency, _ time.Time) (decimal.Decimal, error) {
	if d, ok := r[[2]payment.Currency{from, to}]; ok {
		return d, nil
	}
	return decimal.Decimal{}, fmt.Errorf("%w: %s to %s", payment.ErrNoRate, from, to)
}

// rates converts between the currencies orders are drawn in.
var rates = fixedRates{
	{payment.EUR, payment.USD}: decimal.RequireFromString("1.0850"),
	{payment.USD, payment.EUR}: decimal.RequireFromString("0.9217"),
	{payment.JPY, payment.USD}: decimal.RequireFromString("0.006650"),
	{payment.USD, payment.JPY}: decimal.RequireFromString("150.38"),
	{payment.EUR, payment.JPY}: decimal.RequireFromString("163.20"),
	{payment.JPY, payment.EUR}: decimal.RequireFromString("0.006127"),
}

// releaseFee is the platform's fee on what escrow releases to a supplier.
var releaseFee = decimal.RequireFromString("0.02")

// feeSchedule is the default schedule, except that the supplier bears the
// Alipay fee and half the PayPal fee, so that releases deduct the
// supplier's part of the payment fees.
func feeSchedule() (*payment.FeeSchedule, error) {
	rules := payment.DefaultSchedule().Rules()
	for i := range rules {
		switch rules[i].Method {
		case payment.Alipay:
			rules[i].Bearer = payment.SupplierBears
		case payment.PayPal:
			rules[i].Bearer, rules[i].BuyerSharePercent = payment.SplitBears, 50
		}
	}
	return payment.NewFeeSchedule(rules...)
}

// notices is a payment.Publisher that keeps the notices it receives,
// decoded once, by aggregate and id.
type notices struct {
	mu  sync.Mutex
	got map[string][]any // by aggregate + "/" + id
}

// Publish implements payment.Publisher.
func (n *notices) Publish(_ context.Context, m payment.Message) error {
	var (
		v   any
		err error
	)
	switch m.Aggregate {
	case order.Aggregate:
		v, err = order.NoticeOf(m)
	case dispute.Aggregate:
		v, err = dispute.NoticeOf(m)
	case escrow.Aggregate:
		v, err = escrow.NoticeOf(m)
	case payment.PaymentAggregate:
		v, err = payment.NoticeOf(m)
	case supplier.Aggregate:
		v, err = supplier.NoticeOf(m)
	case supplier.PayoutAggregate:
		v, err = supplier.PayoutOf(m)
	default:
		err = fmt.Errorf("a message about a %q", m.Aggregate)
	}
	if err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.got[m.Aggregate+"/"+m.ID] = append(n.got[m.Aggregate+"/"+m.ID], v)
	return nil
}

// noticesOf delivers the world's outbox and returns the notices of the
// aggregate of that kind and id delivered so far, as T.
func noticesOf[T any](w *world, aggregate, id string) ([]T, error) {
	_, err := (&payment.Relay{Outbox: w.st.outbox, Publisher: w.published}).Deliver(w.ctx)
	w.published.mu.Lock()
	defer w.published.mu.Unlock()
	out := make([]T, 0, len(w.published.got[aggregate+"/"+id]))
	for _, v := range w.published.got[aggregate+"/"+id] {
		out = append(out, v.(T))
	}
	return out, err
}

// buyerParty is a buyer of the marketplace and where it pays from.
type buyerParty struct {
	id      string
	country payment.Country
}

// world is a marketplace: every service on one manual clock, with its
// suppliers registered and its buyers known.
type world struct {
	ctx       context.Context
	clock     *testkit.Clock
	st        stores
	payments  *payment.Service
	escrow    *escrow.Service
	suppliers *supplier.Service
	orders    *order.Service
	disputes  *dispute.Service
	// sups are the suppliers' ids: the first two are enrolled, the third
	// (when there is one) is verified but not enrolled, so it has no limit.
	sups   []string
	buyers []buyerParty
	// published are the notices a relay delivered from the outbox.
	published *notices
	// versions, when set, lists the version of everything the world
	// stores, so that a snapshot reads again only what changed.
	versions func(ctx context.Context) (map[row]int64, error)
}

// newWorld wires the services on st and registers nSuppliers suppliers
// (2 or 3) and the buyers.
func newWorld(ctx context.Context, st stores, nSuppliers int) (*world, error) {
	w := &world{ctx: ctx, clock: testkit.NewClock(start), st: st, published: &notices{got: map[string][]any{}}}
	fees, err := feeSchedule()
	if err != nil {
		return nil, err
	}
	if w.payments, err = payment.NewService(payment.Config{Store: st.payments, Unit: st.unit, Outbox: st.outbox, Clock: w.clock, Fees: fees, Rates: rates}); err != nil {
		return nil, err
	}
	if w.escrow, err = escrow.NewService(escrow.Config{Store: st.escrow, Unit: st.unit, Outbox: st.outbox, Clock: w.clock,
		ReleaseFee: escrow.PercentFee(releaseFee, payment.RoundHalfEven)}); err != nil {
		return nil, err
	}
	if w.suppliers, err = supplier.NewService(supplier.Config{Store: st.suppliers, Unit: st.unit, Outbox: st.outbox, Clock: w.clock}); err != nil {
		return nil, err
	}
	if w.orders, err = order.NewService(order.Config{Store: st.orders, Unit: st.unit, Clock: w.clock, Payments: w.payments,
		Escrow: w.escrow, Suppliers: w.suppliers, Rates: rates, Outbox: st.outbox}); err != nil {
		return nil, err
	}
	if w.disputes, err = dispute.NewService(dispute.Config{Store: st.cases, Unit: st.unit, Outbox: st.outbox, Clock: w.clock, Orders: w.orders}); err != nil {
		return nil, err
	}
	profiles := []struct {
		established time.Time
		docs        []supplier.DocumentKind
	}{
		// An established factory: a limit of some USD 16,000.
		{time.Date(2015, time.June, 1, 0, 0, 0, 0, time.UTC),
			[]supplier.DocumentKind{supplier.BusinessLicence, supplier.ProductionQualification, supplier.ISO9001, supplier.OnSiteCheck}},
		// A young one: a limit of some USD 5,000, which orders exceed.
		{start.AddDate(-1, -2, 0),
			[]supplier.DocumentKind{supplier.BusinessLicence, supplier.ProductionQualification, supplier.OnSiteCheck}},
		// A trading company with a licence only: verified, not enrolled.
		{start.AddDate(-3, 0, 0), []supplier.DocumentKind{supplier.BusinessLicence}},
	}
	for i, p := range profiles[:nSuppliers] {
		id := fmt.Sprintf("sup-%d", i+1)
		if err := w.register(id, p.established, p.docs); err != nil {
			return nil, err
		}
		w.sups = append(w.sups, id)
		if i < 2 { // the third is paid nowhere: its payouts are held
			if _, err := w.suppliers.SetPayoutDestination(w.ctx, payment.Supplier(id), id, "acct_"+id); err != nil {
				return nil, err
			}
		}
	}
	for _, c := range []payment.Country{"US", "DE", "SG"} {
		w.buyers = append(w.buyers, buyerParty{id: "buyer-" + string(c), country: c})
	}
	return w, nil
}

// register registers supplier id and has its documents approved.
func (w *world) register(id string, established time.Time, docs []supplier.DocumentKind) error {
	me := payment.Supplier(id)
	if _, err := w.suppliers.Register(w.ctx, me, supplier.RegisterRequest{ID: id, Company: "Company " + id, Country: "CN",
		EstablishedOn: established}); err != nil {
		return err
	}
	for i, kind := range docs {
		d := supplier.Document{ID: fmt.Sprintf("doc-%d", i+1), Kind: kind, Issuer: "SGS", Number: fmt.Sprintf("SGS-%s-%d", id, i+1),
			ValidFrom: start.AddDate(-1, 0, 0), ValidUntil: start.AddDate(5, 0, 0)}
		if _, err := w.suppliers.SubmitDocument(w.ctx, me, id, d); err != nil {
			return err
		}
		if _, err := w.suppliers.ReviewDocument(w.ctx, agent, id, d.ID, true, "checked"); err != nil {
			return err
		}
	}
	return nil
}

// buyer returns the buyer with that id.
func (w *world) buyer(id string) buyerParty {
	for _, b := range w.buyers {
		if b.id == id {
			return b
		}
	}
	return buyerParty{id: id}
}
