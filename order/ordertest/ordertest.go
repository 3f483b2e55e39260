// Package ordertest checks an implementation of order.Store against the
// contract written on the interface, in the manner of testing/fstest:
//
//	func TestMyStore(t *testing.T) {
//		ordertest.TestStore(t, func(t *testing.T) order.Store {
//			return newEmptyStore(t)
//		})
//	}
//
// Every check reports with t.Errorf and a go-cmp diff, so one run shows every
// failure. Run it with -race: several checks race goroutines on one order.
//
// The first checks are those every versioned store of the SDK must pass
// (read back, copies, duplicates, conflicts, lost updates, cancelled
// contexts), with Due among the reads that must copy and honour their
// context; then Due itself: exactly the due orders, earliest deadline first
// and ties by id, within the limit, following every update of a deadline at
// once, also while updates race. Both are internal/testkit.RunStoreChecks,
// written once for every store with a Due.
//
// The checks assume what the in-memory store does and the contract implies:
// Update runs fn without holding a lock that another Update of the same
// order waits on. Where a store that does hold one would hang, the kit
// gives up after a time limit and reports it instead.
package ordertest

import (
	"testing"
	"time"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
)

// TestStore runs the conformance checks. newStore must return a new, empty
// store each time it is called.
func TestStore(t *testing.T, newStore func(t *testing.T) order.Store) {
	testkit.RunStoreChecks(t, aggregate, func(t *testing.T) testkit.StoreHooks[order.Order] {
		s := newStore(t)
		return testkit.StoreHooks[order.Order]{Create: s.Create, Get: s.Order, Update: s.Update, Due: s.Due}
	})
}

// aggregate describes orders to testkit.RunStoreChecks: their changes
// append a modification, tagged by its id, and move the state, the
// payment flags, the amount paid and the deadline.
var aggregate = testkit.Aggregate[order.Order]{
	Noun:    "order",
	Sample:  sampleOrder,
	Clone:   (*order.Order).Clone,
	Version: func(o *order.Order) *int64 { return &o.Version },
	Mutate:  change,
	Tags: func(o *order.Order) []string {
		return testkit.TagsOf(o.Modifications, func(m order.Modification) string { return m.ID })
	},
	Scribble:          scribble,
	Deadline:          func(o *order.Order) *time.Time { return &o.Deadline },
	ID:                func(o *order.Order) string { return o.ID },
	ErrNotFound:       order.ErrNotFound,
	ErrDuplicate:      order.ErrDuplicate,
	ErrConflict:       order.ErrConflict,
	ErrInvalidRequest: order.ErrInvalidRequest,
}

// change is the aggregate's Mutate: it appends a proposed modification with
// id tag and changes the state, the payment flags, Paid, UpdatedAt and the
// Deadline (never to zero), each as a function of how many modifications o
// had.
func change(o *order.Order, tag string) {
	n := len(o.Modifications)
	proposed := o.Terms.Clone()
	proposed.Route = "route " + tag
	if len(proposed.Items) > 0 {
		proposed.Items[0].Spec.DesignFiles = append(proposed.Items[0].Spec.DesignFiles, "https://files.example.com/"+tag+".pdf")
	}
	o.Modifications = append(o.Modifications, order.Modification{
		ID: tag, Proposed: proposed, Rules: order.DefaultModificationRules(),
		RequestedBy: payment.Buyer(o.BuyerID), ApprovedBy: []payment.Actor{payment.Buyer(o.BuyerID)},
		Status: order.ModificationProposed, At: o.UpdatedAt,
	})
	o.State = []order.State{order.InProduction, order.ReadyToShip, order.Shipped}[n%3]
	o.DeliveryAgreed = n%2 == 1
	o.UpdatedAt = o.UpdatedAt.Add(time.Hour)
	o.Deadline = o.UpdatedAt.Add(time.Duration(24+n) * time.Hour)
}

// sampleOrder returns an order with every field set, the terms of both
// modifications included, and a Version the store must replace with 1. The
// order need not be one the domain rules would produce: the store keeps
// what it is given.
func sampleOrder(id string, created time.Time) *order.Order {
	h := func(n int) time.Time { return created.Add(time.Duration(n) * time.Hour) }
	terms := sampleTerms(h(24 * 30))
	raised := terms.Clone()
	raised.ShippingCost = usd("110.00")
	raised.Items[0].Spec.DesignFiles = append(raised.Items[0].Spec.DesignFiles, "https://files.example.com/chair-v2.pdf")
	earlier := terms.Clone()
	earlier.ShipBy = h(24 * 20)
	return &order.Order{
		ID: id, BuyerID: "b-1", SupplierID: "s-1",
		Terms:          terms,
		State:          order.AwaitingPayment,
		DeliveryAgreed: true,
		Modifications: []order.Modification{
			{ID: "m-1", Proposed: earlier, Replaced: sampleTerms(h(24 * 25)), Rules: order.DefaultModificationRules(),
				RequestedBy: payment.Supplier("s-1"), ApprovedBy: []payment.Actor{payment.Supplier("s-1"), payment.Buyer("b-1")},
				Status: order.ModificationApplied, At: h(1), DecidedAt: h(2)},
			{ID: "m-2", Proposed: raised, Rules: order.ModificationRules{MaxShippingIncreasePercent: 15},
				RequestedBy: payment.Supplier("s-1"), ApprovedBy: []payment.Actor{payment.Supplier("s-1")},
				RejectedBy: payment.Buyer("b-1"), Status: order.ModificationRejected, At: h(3), DecidedAt: h(4)},
		},
		SubmittedAt: h(1), ConfirmedAt: h(2),
		Payments: []order.TranchePayment{
			{Tranche: payment.Deposit, PaymentID: "pay-1", Amount: usd("157.50"), SupplierFee: usd("1.50"), Status: payment.StatusSucceeded, PaidAt: h(3)},
			{Tranche: payment.Balance, PaymentID: "pay-2", Amount: usd("367.50"), SupplierFee: usd("3.50"), Status: payment.StatusProcessing},
		},
		Coverage:           order.Coverage{Reserved: usd("400.00"), Limit: usd("400.00")},
		Inspections:        []order.InspectionReport{{Agency: "SGS", InspectedAt: h(5), Result: coverage.InspectionFailed, Findings: "scratches", Defects: []string{"scratch"}, Document: "https://files.example.com/sgs.pdf"}},
		InspectionAccepted: true,
		Shipment: order.Shipment{ShippedAt: h(6),
			Departure: order.TrackingEvent{At: h(6), Location: "Ningbo", Carrier: "COSCO", Mode: order.Sea, TrackingNumber: "COSU1", EstimatedArrival: h(600), Note: "loaded"},
			Tracking:  []order.TrackingEvent{{At: h(7), Location: "Singapore", EstimatedArrival: h(620)}}},
		DeliveredAt: h(8), ReceiptDeadline: h(9),
		Extensions:   []payment.Actor{payment.Buyer("b-1")},
		LateShipment: order.LateShipment{DecidedAt: h(10), Amount: usd("10.50"), Reasons: []payment.Reason{{Code: "coverage.compensation_capped", Text: "capped"}}},
		Disputes:     []order.DisputeRecord{{CaseID: "case-1", From: order.Delivered, OpenedAt: h(12), ClosedAt: h(13), SupplierAtFault: true}},
		History: order.NewHistory(order.Action{Seq: 1, Name: "create", Event: order.Submit, By: payment.Supplier("s-1"), At: h(0), From: order.Draft, To: order.Draft,
			Key: "o-1", Fingerprint: "abc", Note: "note"},
			order.Action{Seq: 2, Name: "expire", Event: order.Expire, By: payment.System("tradeassure/order"), At: h(1), From: order.Draft, To: order.Draft,
				Ref: "sweep/expire", Fingerprint: "def"}),
		Compensation: usd("10.50"),
		CreatedAt:    created, UpdatedAt: h(4),
		Deadline: h(48),
		Version:  7,
	}
}

// sampleTerms returns USD terms with two items, every field set, shipping
// by shipBy.
func sampleTerms(shipBy time.Time) order.Terms {
	return order.Terms{
		Items: []order.LineItem{
			{SKU: "CHAIR-01", Description: "Oak chair", Quantity: 2, Unit: "pieces", UnitPrice: usd("150.00"),
				Spec: order.Spec{Size: "45x50x90 cm", QualityStandard: "EN 12520", Packaging: "carton", Customisation: "logo",
					DesignFiles: []string{"https://files.example.com/chair.pdf", "https://files.example.com/logo.svg"}}},
			{SKU: "CUSHION-02", Description: "Cushion", Quantity: 10, Unit: "pieces", UnitPrice: usd("12.50"),
				Spec: order.Spec{DesignFiles: []string{"https://files.example.com/cushion.pdf"}}},
		},
		Currency: payment.USD, Incoterm: order.CIF, ShippingCost: usd("100.00"),
		Destination: "DE", Route: "Ningbo - Hamburg, sea",
		ShipBy: shipBy, DeliverBy: shipBy.AddDate(0, 0, 35), ProductionDays: 20, InspectionRequired: true,
		Plan: coverage.PostDelivery, Goods: payment.Custom, Shipping: payment.PlatformLogistics,
		Schedule: order.Schedule{
			DepositPercent:    30,
			DepositInstrument: payment.Instrument{Method: payment.Card, Network: payment.Visa},
			BalanceInstrument: payment.Instrument{Method: payment.WireTransfer},
		},
	}
}

// scribble changes every field of o but its id, the elements of every
// slice included, and appends to every slice.
func scribble(o *order.Order) {
	later := func(t time.Time) time.Time { return t.Add(time.Hour) }
	o.BuyerID, o.SupplierID, o.State = "scribbled", "scribbled", order.Cancelled
	o.DeliveryAgreed = !o.DeliveryAgreed
	o.CreatedAt, o.UpdatedAt, o.Deadline, o.Version = later(o.CreatedAt), later(o.UpdatedAt), later(o.Deadline), 99
	scribbleTerms(&o.Terms)
	for i := range o.Modifications {
		m := &o.Modifications[i]
		m.ID, m.Status, m.At, m.DecidedAt = "scribbled", order.ModificationWithdrawn, later(m.At), later(m.DecidedAt)
		m.Rules.MaxShippingIncreasePercent++
		m.RequestedBy, m.RejectedBy = payment.System("scribbled"), payment.System("scribbled")
		scribbleTerms(&m.Proposed)
		scribbleTerms(&m.Replaced)
		for j := range m.ApprovedBy {
			m.ApprovedBy[j] = payment.System("scribbled")
		}
		m.ApprovedBy = append(m.ApprovedBy, payment.System("scribbled"))
	}
	o.Modifications = append(o.Modifications, order.Modification{ID: "scribbled"})
	eur := payment.MustParse("0.01", payment.EUR)
	o.SubmittedAt, o.ConfirmedAt, o.DeliveredAt, o.ReceiptDeadline = later(o.SubmittedAt), later(o.ConfirmedAt), later(o.DeliveredAt), later(o.ReceiptDeadline)
	for i := range o.Payments {
		o.Payments[i] = order.TranchePayment{Tranche: payment.Full, PaymentID: "scribbled", Amount: eur, SupplierFee: eur, Status: payment.StatusFailed}
	}
	o.Payments = append(o.Payments, order.TranchePayment{PaymentID: "scribbled"})
	o.Coverage = order.Coverage{Reserved: eur, Limit: eur}
	for i := range o.Inspections {
		r := &o.Inspections[i]
		r.Agency, r.Result, r.Findings, r.Document, r.InspectedAt = "scribbled", coverage.InspectionPassed, "scribbled", "scribbled", later(r.InspectedAt)
		for j := range r.Defects {
			r.Defects[j] = "scribbled"
		}
		r.Defects = append(r.Defects, "scribbled")
	}
	o.Inspections = append(o.Inspections, order.InspectionReport{Agency: "scribbled"})
	o.InspectionAccepted = !o.InspectionAccepted
	s := &o.Shipment
	s.ShippedAt, s.Departure = later(s.ShippedAt), order.TrackingEvent{Note: "scribbled"}
	for i := range s.Tracking {
		s.Tracking[i] = order.TrackingEvent{Note: "scribbled"}
	}
	s.Tracking = append(s.Tracking, order.TrackingEvent{Note: "scribbled"})
	for i := range o.Extensions {
		o.Extensions[i] = payment.System("scribbled")
	}
	o.Extensions = append(o.Extensions, payment.System("scribbled"))
	l := &o.LateShipment
	l.DecidedAt, l.Amount = later(l.DecidedAt), eur
	for i := range l.Reasons {
		l.Reasons[i] = payment.Reason{Code: "scribbled"}
	}
	l.Reasons = append(l.Reasons, payment.Reason{Code: "scribbled"})
	for i := range o.Disputes {
		o.Disputes[i] = order.DisputeRecord{CaseID: "scribbled"}
	}
	o.Disputes = append(o.Disputes, order.DisputeRecord{CaseID: "scribbled"})
	o.History = order.NewHistory(order.Action{Name: "scribbled"}) // a History never changes: it is replaced
	o.Compensation = payment.MustParse("0.01", payment.EUR)
}

func scribbleTerms(t *order.Terms) {
	eur := payment.MustParse("0.01", payment.EUR)
	for i := range t.Items {
		it := &t.Items[i]
		it.SKU, it.Description, it.Quantity, it.Unit, it.UnitPrice = "scribbled", "scribbled", -1, "scribbled", eur
		it.Spec.Size, it.Spec.QualityStandard, it.Spec.Packaging, it.Spec.Customisation = "scribbled", "scribbled", "scribbled", "scribbled"
		for j := range it.Spec.DesignFiles {
			it.Spec.DesignFiles[j] = "scribbled"
		}
		it.Spec.DesignFiles = append(it.Spec.DesignFiles, "scribbled")
	}
	t.Items = append(t.Items, order.LineItem{SKU: "scribbled"})
	t.Currency, t.Incoterm, t.ShippingCost, t.Destination, t.Route = payment.EUR, order.EXW, eur, "NZ", "scribbled"
	t.DeliverBy = t.DeliverBy.Add(time.Hour)
	t.ShipBy, t.ProductionDays, t.InspectionRequired, t.Plan = t.ShipBy.Add(time.Hour), -1, !t.InspectionRequired, coverage.PreShipment
	t.Schedule = order.Schedule{DepositPercent: 99, DepositAmount: eur, BalanceInstrument: payment.Instrument{Method: payment.PayPal}}
}

func usd(s string) payment.Money { return payment.MustParse(s, payment.USD) }
