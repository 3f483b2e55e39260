package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// world is one run: the market, the seed's choices and the report being
// written. Each story is a method that adds its section to the report.
type world struct {
	*market
	params
	rep    *report
	placed []string // every order placed, for the ledger summary
}

// say adds an event at the clock's time to the current section.
func (w *world) say(name, text string, data any, lines ...string) {
	w.rep.add(w.clock.now, name, text, data, lines...)
}

// chapter is one section of the report and the story that writes it.
type chapter struct {
	id, title string
	story     func(*world, context.Context) error
}

// chapters are the run's stories, in the order they are told.
var chapters = []chapter{
	{"supplier", "1. A VERIFIED SUPPLIER ENROLS   supplier.Service", (*world).enrol},
	{"order", "2. A BUYER IN SINGAPORE ORDERS AND PAYS   order.Service, payment.Service", (*world).buy},
	{"fulfilment", "3. MADE, INSPECTED, SHIPPED, RECEIVED, RELEASED   order.Service, escrow.Service", (*world).fulfil},
	{"late_shipment", "4. A LATE SHIPMENT, COMPENSATED BY THE SWEEP   order.Service.Sweep", (*world).lateShipment},
	{"quality_dispute", "5. A QUALITY DISPUTE WON WITH AN SGS REPORT   dispute.Service", (*world).qualityDispute},
	{"claim_without_evidence", "6. A CLAIM WITHOUT EVIDENCE, REJECTED   dispute.Service", (*world).claimWithoutEvidence},
	{"western_union", "7. WESTERN UNION FROM OUTSIDE THE US, REFUSED   payment eligibility", (*world).westernUnion},
	{"partly_covered", "8. AN ORDER ABOVE THE SUPPLIER'S REMAINING LIMIT   order.Service.Quote", (*world).partlyCovered},
	{"risk_freeze", "9. A BUYER'S ACCOUNT FROZEN BY THE RISK RULES   payment.DefaultRiskRules", (*world).riskFreeze},
	{"payouts", "10. THE SUPPLIER PAID OUT: A DAILY RUN, A PAYOUT THE BANK SENDS BACK   supplier.Service.RunPayouts", (*world).payouts},
	{"after_release", "11. A CLAIM AFTER RECEIPT, PAID BY THE GUARANTEE   protection after release", (*world).claimAfterReceipt},
	{"pre_shipment", "12. A PRE-SHIPMENT ORDER: THE DEPOSIT ALONE IS PROTECTED   coverage.PreShipment", (*world).preShipment},
	{"ledger", "13. EVERY ESCROW LEDGER OF THE RUN   escrow.Account.Verify, Balance", (*world).ledger},
}

// play runs every story on one market, from start, with the choices drawn
// from seed, and returns the report.
func play(ctx context.Context, seed uint64) (*report, error) {
	m, err := newMarket(start)
	if err != nil {
		return nil, err
	}
	w := &world{market: m, params: newParams(seed), rep: &report{Seed: seed, Start: start}}
	for i, c := range chapters {
		if i > 0 { // each story starts the next morning
			w.clock.now = time.Date(w.clock.now.Year(), w.clock.now.Month(), w.clock.now.Day()+1, 9, 0, 0, 0, time.UTC)
		}
		w.rep.begin(w.clock.now, c.id, c.title)
		if err := c.story(w, ctx); err != nil {
			return nil, fmt.Errorf("%s: %w", c.id, err)
		}
	}
	return w.rep, nil
}

// enrol registers the supplier, has a platform agent review its documents
// (one rejected and submitted again), and shows the limit it gets.
func (w *world) enrol(ctx context.Context) error {
	sup, err := w.suppliers.Register(ctx, seller, supplier.RegisterRequest{
		ID: seller.ID, Company: "Ningbo Brightway Lighting Co.", Country: "CN",
		EstablishedOn: time.Date(2015, time.June, 1, 0, 0, 0, 0, time.UTC), MainProducts: []string{"LED lighting", "homeware"},
	})
	if err != nil {
		return err
	}
	w.say("register", fmt.Sprintf("%s, %s (%s, established %d) registers: %s", sup.ID, sup.Company, sup.Country, sup.EstablishedOn.Year(), sup.Status),
		sup.StatusReasons, reasonLines(sup.StatusReasons)...)

	from, until := w.clock.now.AddDate(-1, 0, 0), w.clock.now.AddDate(3, 0, 0)
	review := func(id string, kind supplier.DocumentKind, approve bool, note string) error {
		d := supplier.Document{ID: id, Kind: kind, Issuer: "SGS", Number: strings.ToUpper(id), ValidFrom: from, ValidUntil: until,
			Files: []string{"https://files.example.com/" + id + ".pdf"}}
		if _, err := w.suppliers.SubmitDocument(ctx, seller, seller.ID, d); err != nil {
			return err
		}
		w.clock.advance(time.Hour)
		sup, err = w.suppliers.ReviewDocument(ctx, agent, seller.ID, id, approve, note)
		return err
	}
	var reviewed []string
	for i, kind := range []supplier.DocumentKind{supplier.BusinessLicence, supplier.ProductionQualification,
		supplier.ISO9001, supplier.ISO14001, supplier.OnSiteCheck} {
		if kind == supplier.OnSiteCheck {
			if err := review("doc-5a", kind, false, "the factory photos do not show the production line"); err != nil {
				return err
			}
			reviewed = append(reviewed, fmt.Sprintf("%s rejected (%s): %s", kind, sup.Documents[len(sup.Documents)-1].ReviewNote, sup.Status))
		}
		if err := review(fmt.Sprintf("doc-%d", i+1), kind, true, "checked with the issuer"); err != nil {
			return err
		}
		reviewed = append(reviewed, fmt.Sprintf("%s approved: %s", kind, sup.Status))
	}
	w.say("documents_reviewed", fmt.Sprintf("Platform agent %s reviews its documents, one by one:", agent.ID), sup.Documents, reviewed...)

	explained, err := w.suppliers.Explain(ctx, seller.ID)
	if err != nil {
		return err
	}
	var terms []string
	for _, t := range explained.Limit {
		terms = append(terms, fmt.Sprintf("%-9s %-42s %10s", t.Name, t.Input, t.Amount.StringFixed(2)))
	}
	w.say("limit", fmt.Sprintf("%s: credit rating %s (%s); Trade Assurance limit %s, by supplier.DefaultRules():",
		sup.Status, sup.Rating.Score, sup.Rating.Grade, sup.Limit.Amount), struct {
		supplier.Limit
		Derivation []supplier.Term `json:"derivation"` // supplier.Service.Explain's
	}{sup.Limit, explained.Limit}, terms...)
	// Its payouts go to its processor's reference for its bank account.
	if sup, err = w.suppliers.SetPayoutDestination(ctx, seller, seller.ID, "acct_brightway_boc"); err != nil {
		return err
	}
	w.rep.verify("supplier_enrolled", sup.Enrolled() && sup.Limit.Amount.IsPositive() && len(explained.Limit) > 0,
		"the supplier is enrolled once its documents are approved, with a limit above zero and its derivation")
	return nil
}

// The main order, told across sections 2 and 3.
const mainOrder = "ord-1001"

// buy has the buyer in Singapore order LED panels, see the coverage and the
// fee before paying, and pay the 30% deposit by Mastercard.
func (w *world) buy(ctx context.Context) error {
	g := ledPanels.times(w.mainQty)
	t := g.terms(w.clock.now, 21, 35, 60, true, split(mastercard, wire))
	o, err := w.place(ctx, mainOrder, w.mainBuyer, t)
	if err != nil {
		return err
	}
	w.placed = append(w.placed, o.ID)
	total, err := o.Total()
	if err != nil {
		return err
	}
	dues, err := t.Tranches()
	if err != nil {
		return err
	}
	w.say("placed", fmt.Sprintf("%s for %s: %d × %s at %s + %s shipping, %s Singapore = %s",
		o.ID, o.BuyerID, g.qty, g.desc, usd(g.price), usd(g.shipping), g.incoterm, total), o.Terms,
		fmt.Sprintf("ship by %s, deliver by %s; %d days of production, an inspection before shipment; plan %s",
			day(t.ShipBy), day(t.DeliverBy), t.ProductionDays, t.Plan))
	w.say("confirmed", fmt.Sprintf("The buyer confirms (escrow account opened): deposit 30%% %s by %s, balance %s by %s",
		dues[0].Amount, label(dues[0].Instrument), dues[1].Amount, label(dues[1].Instrument)), dues)

	q, err := w.orders.Quote(ctx, o.ID, payment.Deposit)
	if err != nil {
		return err
	}
	w.say("quote", fmt.Sprintf("Before paying, order.Service.Quote(deposit): %s covered, %s not; the order's cover once paid: %s",
		q.Covered, q.Uncovered, q.Order.Covered), q)
	w.rep.verify("deposit_quoted_covered", q.Amount == dues[0].Amount && q.Covered == q.Amount && q.Uncovered.IsZero(),
		"Quote covers the whole deposit %s before it is paid", dues[0].Amount)

	o, p, err := w.pay(ctx, o.ID, w.mainBuyer, "SG", payment.Deposit, "pay-deposit", payment.StatusSucceeded)
	if err != nil {
		return err
	}
	rule, _ := w.payments.Fees().Rule(p.Fee.RuleID)
	uncapped, err := p.Amount.Mul(rule.Percent, rule.Rounding)
	if err != nil {
		return err
	}
	w.say("deposit_fee", fmt.Sprintf("Deposit %s by %s from SG: fee %s, capped %t; the buyer is charged %s",
		p.ID, label(p.Instrument), p.Fee.Fee, p.Fee.Capped, p.Charge()), struct {
		Quote    payment.FeeQuote `json:"quote"`
		Uncapped payment.Money    `json:"uncapped"`
	}{p.Fee, uncapped},
		w.payments.Fees().Explain(p.Fee),
		fmt.Sprintf("uncapped, %s%% of %s would be %s", rule.Percent.Shift(2), p.Amount, uncapped))
	capUSD := usd("40.00")
	w.rep.verify("fee_cap_applied", p.Fee.Capped && p.Fee.Fee == capUSD && rule.Cap == capUSD && uncapped.Minor() > capUSD.Minor(),
		"the Mastercard deposit's fee in APAC is capped at %s, below the uncapped %s", capUSD, uncapped)

	bal, err := w.escrow.Balance(ctx, o.ID)
	if err != nil {
		return err
	}
	w.say("deposit_held", fmt.Sprintf("The processor reports %s: %s held in escrow, order %s; the supplier's limit reserves %s for it",
		p.Status, bal.Held, o.State, o.Coverage.Reserved), o.Coverage)
	w.rep.verify("deposit_held", bal.Held == p.Amount && o.State == order.Paid && o.Coverage.Limit == total,
		"the deposit is held in escrow and the supplier's limit covers the whole order (%s)", total)
	return nil
}

// fulfil makes the goods, has them inspected, collects the balance by
// T/T, ships them with tracking, delivers them, and has the buyer confirm
// receipt, which releases escrow to the supplier net of the platform fee.
func (w *world) fulfil(ctx context.Context) error {
	id, buyer := mainOrder, w.mainBuyer
	w.clock.days(1)
	o, err := w.orders.StartProduction(ctx, seller, id, "start")
	if err != nil {
		return err
	}
	w.say("production", fmt.Sprintf("The supplier starts production (%d days): %s", o.Terms.ProductionDays, o.State), nil)
	w.clock.days(o.Terms.ProductionDays)
	if o, err = w.orders.FinishProduction(ctx, seller, id, "finish"); err != nil {
		return err
	}
	w.say("produced", fmt.Sprintf("Production finished; the terms require an inspection: %s", o.State), nil)

	w.clock.days(1)
	report := order.InspectionReport{Agency: "SGS", InspectedAt: w.clock.now, Result: coverage.InspectionPassed,
		Findings: "AQL 2.5: 80 sampled, no critical or major defect", Document: "https://files.example.com/sgs-ins-1001.pdf"}
	if o, err = w.orders.RecordInspection(ctx, agent, id, "inspection", report); err != nil {
		return err
	}
	w.say("inspection", fmt.Sprintf("SGS inspection %s (%s), recorded by %s: %s", report.Result, report.Findings, agent.ID, o.State), report)
	w.rep.verify("inspection_passed", o.State == order.ReadyToShip, "a passed inspection makes the order ready to ship")

	q, err := w.orders.Quote(ctx, id, payment.Balance)
	if err != nil {
		return err
	}
	_, p, err := w.pay(ctx, id, buyer, "SG", payment.Balance, "pay-balance", payment.StatusProcessing, payment.StatusSucceeded)
	if err != nil {
		return err
	}
	w.say("balance", fmt.Sprintf("Quote(balance): %s covered; the buyer wires the balance %s by %s, fee %s:",
		q.Covered, p.Amount, label(p.Instrument), p.Fee.Fee), p, statuses(p))

	w.clock.days(2)
	eta := w.clock.now.AddDate(0, 0, 12)
	departure := order.TrackingEvent{At: w.clock.now, Location: "Ningbo", Carrier: "COSCO", Mode: order.Sea,
		TrackingNumber: fmt.Sprintf("COSU%07d", 4400000+w.mainQty*13), EstimatedArrival: eta}
	if o, err = w.orders.Ship(ctx, seller, id, "ship", departure); err != nil {
		return err
	}
	w.say("shipped", fmt.Sprintf("Shipped by %s from %s, %s %s, estimated arrival %s (ship-by date %s)",
		strings.ToLower(string(departure.Mode)), departure.Location, departure.Carrier, departure.TrackingNumber, day(eta), day(o.Terms.ShipBy)), departure)

	w.clock.days(5)
	update := order.TrackingEvent{At: w.clock.now, Location: "Hong Kong", Carrier: "COSCO",
		EstimatedArrival: eta.AddDate(0, 0, w.etaSlip), Note: "transshipment delayed, port congestion"}
	if o, err = w.orders.Track(ctx, carrier, id, "track-1", update); err != nil {
		return err
	}
	late, _ := o.Late(w.clock.now)
	w.say("tracking", fmt.Sprintf("Tracking at %s, %s: arrival now %s (deliver by %s), late %t",
		update.Location, update.Note, day(o.Shipment.EstimatedArrival()), day(o.Terms.DeliverBy), late), update)
	w.rep.verify("arrival_estimate_updated", o.Shipment.EstimatedArrival().Equal(update.EstimatedArrival) && !late,
		"the tracking update moves the estimated arrival %d days, still before the delivery date", w.etaSlip)

	w.clock.now = o.Shipment.EstimatedArrival()
	if o, err = w.orders.Deliver(ctx, carrier, id, "delivered"); err != nil {
		return err
	}
	w.say("delivered", fmt.Sprintf("Delivered in Singapore: %s; receipt is confirmed automatically on %s unless the buyer acts",
		o.State, day(o.ReceiptDeadline)), nil)

	w.clock.days(2)
	if o, err = w.orders.ConfirmReceipt(ctx, buyer, id, "receipt"); err != nil {
		return err
	}
	a, b, err := w.ledgerOf(ctx, id)
	if err != nil {
		return err
	}
	st, err := a.Statement()
	if err != nil {
		return err
	}
	sup, err := w.suppliers.Supplier(ctx, seller.ID)
	if err != nil {
		return err
	}
	w.say("released", fmt.Sprintf("The buyer confirms receipt: %s; escrow releases %s to the supplier, net of a %s platform fee (%s%%):",
		o.State, b.Released, b.Fees, platformFee.Shift(2)), st, ledgerLines(st)...)
	total, err := o.Total()
	if err != nil {
		return err
	}
	fee, err := total.Mul(platformFee, payment.RoundHalfEven)
	if err != nil {
		return err
	}
	reserved := slices.ContainsFunc(sup.Reservations, func(r supplier.Reservation) bool { return r.OrderID == id })
	w.say("limit_back", fmt.Sprintf("The reservation is given back and the order joins the supplier's record: limit %s, rating %s (%s)",
		sup.Limit.Amount, sup.Rating.Score, sup.Rating.Grade), sup.Limit)
	w.rep.verify("released_net_of_fees", o.State == order.Completed && b.Held == total && b.Fees == fee &&
		b.Released.Minor()+b.Fees.Minor() == total.Minor() && b.Remaining.IsZero() && !reserved,
		"receipt releases the %s held: %s to the supplier, %s (%s%%) fee; limit given back", total, b.Released, fee, platformFee.Shift(2))
	return nil
}

// day prints an instant as a date.
func day(t time.Time) string { return t.Format("2006-01-02") }

// statuses lists a payment's statuses in order, with their dates.
func statuses(p *payment.Payment) string {
	var s []string
	for _, e := range p.Timeline {
		s = append(s, fmt.Sprintf("%s %s", e.Status, e.At.Format("01-02 15:04")))
	}
	return strings.Join(s, " → ")
}

// label names an instrument for people: "Mastercard card", "T/T".
func label(in payment.Instrument) string {
	switch {
	case in.Method == payment.WireTransfer:
		return "T/T"
	case in.Method == payment.WesternUnion:
		return "Western Union"
	case in.Network != "":
		return strings.ToUpper(string(in.Network[:1])) + string(in.Network[1:]) + " " + string(in.Method)
	}
	return string(in.Method)
}

// ledgerOf returns the escrow account of order id and its balance.
func (w *world) ledgerOf(ctx context.Context, id string) (*escrow.Account, escrow.Balance, error) {
	a, err := w.escrow.Account(ctx, id)
	if err != nil {
		return nil, escrow.Balance{}, err
	}
	b, err := a.Balance()
	return a, b, err
}

// ledgerLines are an escrow account's statement, as text lines.
func ledgerLines(st *escrow.Statement) []string {
	return strings.Split(strings.TrimSpace(st.String()), "\n")
}
