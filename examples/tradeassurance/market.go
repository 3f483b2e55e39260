package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/dispute"
	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// The actors of the run besides the buyers, who come from the seed.
var (
	seller  = payment.Supplier("supplier-cn-8")
	agent   = payment.Platform("agent-7")
	psp     = payment.System("psp-webhooks") // the card processor's and the banks' webhooks
	carrier = payment.System("carrier-feed") // the carriers' tracking feed
)

// The instruments the orders are paid with.
var (
	mastercard   = payment.Instrument{Method: payment.Card, Network: payment.Mastercard}
	visa         = payment.Instrument{Method: payment.Card, Network: payment.Visa}
	wire         = payment.Instrument{Method: payment.WireTransfer}
	westernUnion = payment.Instrument{Method: payment.WesternUnion}
)

// platformFee is what the platform keeps of every release: an example
// figure, as in the godoc examples.
var platformFee = pct(2)

// market is the marketplace the run drives: the five public services wired
// as the godoc examples wire them, on the in-memory stores, their unit of
// work and its outbox, and one simulated clock.
type market struct {
	clock     *simClock
	outbox    payment.Outbox
	payments  *payment.Service
	escrow    *escrow.Service
	suppliers *supplier.Service
	orders    *order.Service
	disputes  *dispute.Service
}

// newMarket wires the services with their default rules; the payment
// service runs payment.DefaultRiskRules.
func newMarket(at time.Time) (*market, error) {
	unit := payment.MemoryUnit()
	m := &market{clock: &simClock{now: at}, outbox: payment.MemoryOutbox()}
	var err error
	// Payment ids are random by default; the run derives them from their
	// keys instead, so that a seed gives the same run, ids included.
	if m.payments, err = payment.NewService(payment.Config{Store: payment.NewMemoryStore(), Clock: m.clock,
		Risk: payment.DefaultRiskRules(), PaymentID: idOfKey, Unit: unit, Outbox: m.outbox}); err != nil {
		return nil, err
	}
	if m.escrow, err = escrow.NewService(escrow.Config{Store: escrow.NewMemoryStore(), Clock: m.clock,
		ReleaseFee: escrow.PercentFee(platformFee, payment.RoundHalfEven), Unit: unit, Outbox: m.outbox}); err != nil {
		return nil, err
	}
	if m.suppliers, err = supplier.NewService(supplier.Config{Store: supplier.NewMemoryStore(), Clock: m.clock,
		Unit: unit, Outbox: m.outbox}); err != nil {
		return nil, err
	}
	if m.orders, err = order.NewService(order.Config{Store: order.NewMemoryStore(), Clock: m.clock,
		Payments: m.payments, Escrow: m.escrow, Suppliers: m.suppliers, Unit: unit, Outbox: m.outbox}); err != nil {
		return nil, err
	}
	if m.disputes, err = dispute.NewService(dispute.Config{Store: dispute.NewMemoryStore(), Clock: m.clock,
		Orders: m.orders, Unit: unit, Outbox: m.outbox}); err != nil {
		return nil, err
	}
	return m, nil
}

// params are the run's choices, drawn from the seed all at once and in a
// fixed order, so that a seed always gives the same run. Every range keeps
// the stories true: the deposit's uncapped card fee stays above the cap,
// the late order's compensation below its cap, every order but the partly
// covered one within the supplier's limit.
type params struct {
	mainBuyer, lateBuyer, qualityBuyer, idleBuyer, wuBuyer, bigBuyer, riskBuyer payment.Actor

	mainQty    int64 // LED panels ordered by the buyer in Singapore: 360 to 480
	etaSlip    int   // days the arrival estimate slips in transit: 1 to 4
	lateQty    int64 // cutting boards of the late order: 220 to 300
	qualityQty int64 // earbuds of the disputed order: 400 to 600
	defects    int64 // earbuds the buyer's SGS report finds faulty: 5% to 15%
	idleQty    int64 // desk lamps of the claim without evidence: 150 to 250
	wuQty      int64 // sample kits paid by Western Union: 40 to 80
	bigExtra   int64 // inverters ordered beyond what the remaining limit covers: 20 to 60

	afterBuyer, nextBuyer, preBuyer payment.Actor
	afterQty                        int64 // power banks of the order claimed after receipt: 300 to 500
	afterDefects                    int64 // of which found faulty after receipt: 5% to 15%
	preQty                          int64 // tents of the pre-shipment order: 100 to 200
}

// newParams draws the run's choices from seed.
func newParams(seed uint64) params {
	r := rand.New(rand.NewPCG(seed, 0x7ade_a55e_55ed))
	buyer := func(country string) payment.Actor {
		return payment.Buyer(fmt.Sprintf("buyer-%s-%d", country, 10+r.IntN(90)))
	}
	p := params{
		mainBuyer: buyer("sg"), lateBuyer: buyer("de"), qualityBuyer: buyer("us"), idleBuyer: buyer("gb"),
		wuBuyer: buyer("br"), bigBuyer: buyer("au"), riskBuyer: buyer("mx"),
		mainQty: 360 + r.Int64N(121), etaSlip: 1 + r.IntN(4), lateQty: 220 + r.Int64N(81),
		qualityQty: 400 + r.Int64N(201), idleQty: 150 + r.Int64N(101), wuQty: 40 + r.Int64N(41),
		bigExtra: 20 + r.Int64N(41),
	}
	p.defects = p.qualityQty/20 + r.Int64N(p.qualityQty/10+1)
	// Drawn after the others, so that a seed's earlier stories stay as
	// they were.
	p.afterBuyer, p.nextBuyer, p.preBuyer = buyer("fr"), buyer("it"), buyer("ca")
	p.afterQty = 300 + r.Int64N(201)
	p.afterDefects = p.afterQty/20 + r.Int64N(p.afterQty/10+1)
	p.preQty = 100 + r.Int64N(101)
	return p
}

// pct is n percent, as a fraction.
func pct(n int64) decimal.Decimal { return decimal.New(n, -2) }

// usd is an amount in US dollars; it panics on a malformed literal.
func usd(s string) payment.Money { return payment.MustParse(s, payment.USD) }

// goods is what an order sells: one line item, its shipping and where it
// goes.
type goods struct {
	sku, desc, standard string
	price, shipping     string // USD
	incoterm            order.Incoterm
	dest                payment.Country
	qty                 int64
}

// times returns g with n units ordered.
func (g goods) times(n int64) goods {
	g.qty = n
	return g
}

// The goods the supplier sells in the run, by SKU, description, quality
// standard, unit price, shipping, Incoterm and destination; each order
// sets its quantity.
var (
	ledPanels     = goods{"LED-6060", "60x60 cm LED panel, 40 W", "IEC 60598-1", "18.40", "420.00", order.CIF, "SG", 0}
	cuttingBoards = goods{"BAM-CB-L", "bamboo cutting board", "EN 1186", "12.50", "300.00", order.CIF, "DE", 0}
	earbuds       = goods{"EB-200", "wireless earbuds", "EN 62368-1", "9.60", "250.00", order.CIF, "US", 0}
	deskLamps     = goods{"LMP-D12", "LED desk lamp", "EN 60598-2-1", "14.20", "180.00", order.CIF, "GB", 0}
	sampleKits    = goods{"KIT-S1", "sample kit", "ISO 8124", "29.50", "95.00", order.DAP, "BR", 0}
	inverters     = goods{"INV-5K", "5 kW solar inverter", "IEC 62109-1", "420.00", "1200.00", order.CIF, "AU", 0}
	mugs          = goods{"MUG-350", "stoneware mug", "EN 12875", "3.80", "240.00", order.CIF, "MX", 0}
	plates        = goods{"PLT-27", "stoneware plate", "EN 12875", "4.40", "240.00", order.CIF, "MX", 0}
	powerBanks    = goods{"PB-10K", "10,000 mAh power bank", "IEC 62133-2", "7.80", "220.00", order.CIF, "FR", 0}
	tents         = goods{"TNT-4P", "four-person tent", "EN ISO 5912", "38.00", "400.00", order.CIF, "CA", 0}
)

// terms are the order's contract terms: the goods made in production days,
// shipped by shipBy and delivered by deliverBy (days from now), paid on
// schedule, under the post-delivery plan.
func (g goods) terms(now time.Time, production, shipBy, deliverBy int, inspected bool, schedule order.Schedule) order.Terms {
	return order.Terms{
		Items: []order.LineItem{{SKU: g.sku, Description: g.desc, Quantity: g.qty, Unit: "pieces", UnitPrice: usd(g.price),
			Spec: order.Spec{QualityStandard: g.standard, Packaging: "export carton"}}},
		Currency: payment.USD, Incoterm: g.incoterm, ShippingCost: usd(g.shipping), Destination: g.dest,
		ShipBy: now.AddDate(0, 0, shipBy), DeliverBy: now.AddDate(0, 0, deliverBy), ProductionDays: production,
		InspectionRequired: inspected, Plan: coverage.PostDelivery, Schedule: schedule,
	}
}

// split is a 30% deposit and the balance, each with its instrument.
func split(deposit, balance payment.Instrument) order.Schedule {
	return order.Schedule{DepositPercent: 30, DepositInstrument: deposit, BalanceInstrument: balance}
}

// place has the supplier draft order id for buyer and send it, and the
// buyer confirm it an hour later; confirming opens the order's escrow
// account.
func (m *market) place(ctx context.Context, id string, buyer payment.Actor, t order.Terms) (*order.Order, error) {
	if _, err := m.orders.Create(ctx, seller, order.CreateRequest{ID: id, BuyerID: buyer.ID, Terms: t}); err != nil {
		return nil, err
	}
	if _, err := m.orders.Submit(ctx, seller, id, "submit"); err != nil {
		return nil, err
	}
	m.clock.advance(time.Hour)
	return m.orders.Confirm(ctx, buyer, id, "confirm")
}

// pay has buyer pay a tranche of order id from country, and the processor
// report each of outcomes in turn, an hour apart.
func (m *market) pay(ctx context.Context, id string, buyer payment.Actor, country payment.Country, tranche payment.Tranche,
	key string, outcomes ...payment.Status) (*order.Order, *payment.Payment, error) {
	o, p, err := m.orders.Pay(ctx, buyer, id, key, order.PayRequest{Tranche: tranche, BuyerCountry: country})
	if err != nil {
		return nil, nil, err
	}
	for _, s := range outcomes {
		m.clock.advance(time.Hour)
		if o, err = m.orders.ReportPayment(ctx, psp, id, p.ID, payment.Outcome{Status: s, ProcessorRef: "psp-" + p.ID[4:12]}); err != nil {
			return nil, nil, err
		}
	}
	if p, err = m.payments.Payment(ctx, p.ID); err != nil {
		return nil, nil, err
	}
	return o, p, nil
}

// deliver runs a confirmed order, paid in two tranches by T/T, to its
// delivery: a day or so a step, the way section 3 shows in full.
func (m *market) deliver(ctx context.Context, id string, buyer payment.Actor, country payment.Country) (*order.Order, error) {
	steps := []func() (*order.Order, error){
		func() (*order.Order, error) { return m.paid(ctx, id, buyer, country, payment.Deposit) },
		func() (*order.Order, error) { return m.orders.StartProduction(ctx, seller, id, "start") },
		func() (*order.Order, error) {
			m.clock.days(4)
			return m.orders.FinishProduction(ctx, seller, id, "finish")
		},
		func() (*order.Order, error) { return m.paid(ctx, id, buyer, country, payment.Balance) },
		func() (*order.Order, error) {
			m.clock.days(1)
			return m.orders.Ship(ctx, seller, id, "ship", order.TrackingEvent{At: m.clock.now, Location: "Ningbo",
				Carrier: "COSCO", Mode: order.Sea, TrackingNumber: "COSU" + id[4:], EstimatedArrival: m.clock.now.AddDate(0, 0, 18)})
		},
		func() (*order.Order, error) { m.clock.days(18); return m.orders.Deliver(ctx, carrier, id, "delivered") },
	}
	var o *order.Order
	for _, step := range steps {
		var err error
		if o, err = step(); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// paid pays a tranche of order id and has the bank report it succeeded.
func (m *market) paid(ctx context.Context, id string, buyer payment.Actor, country payment.Country, tranche payment.Tranche) (*order.Order, error) {
	o, _, err := m.pay(ctx, id, buyer, country, tranche, "pay-"+string(tranche), payment.StatusSucceeded)
	return o, err
}

// digest is the hex SHA-256 of a document's content: evidence refers to
// its file by URI and digest, the SDK stores no files.
func digest(content string) string {
	sum := sha256.Sum256([]byte(content))
	return hex.EncodeToString(sum[:])
}

// evidence is an item of kind k whose file is at files.example.com.
func evidence(id string, k dispute.EvidenceKind, desc string) dispute.Evidence {
	return dispute.Evidence{ID: id, Kind: k, Description: desc,
		URI: "https://files.example.com/" + id + ".pdf", SHA256: digest(id + ": " + desc)}
}

// failedSGS is the buyer's SGS inspection report id in which the goods
// failed, with the defect named.
func failedSGS(id, desc, defect string) dispute.Evidence {
	sgs := evidence(id, dispute.InspectionReport, desc)
	sgs.Agency, sgs.Result, sgs.Defects = "SGS", coverage.InspectionFailed, []string{defect}
	return sgs
}

// money prints an amount without its currency, for tables.
func money(m payment.Money) string {
	return m.Amount().StringFixed(int32(m.Currency().MinorUnits()))
}

// idOfKey returns a payment's id made from its buyer and idempotency key:
// "pay_" and the first 20 hex digits of the SHA-256 of the two, the same
// on every run.
func idOfKey(buyerID, key string) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%d:%s%s", len(buyerID), buyerID, key))
	return "pay_" + hex.EncodeToString(sum[:10])
}
