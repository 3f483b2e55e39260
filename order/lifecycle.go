package order

import (
	"fmt"
	"slices"
	"time"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/payment"
)

// TranchePayment is one payment of a tranche of the order, as the order
// knows it: the payment package keeps the full record under PaymentID.
type TranchePayment struct {
	Tranche   payment.Tranche `json:"tranche"`
	PaymentID string          `json:"payment_id"`
	// Amount is what the payment puts into escrow.
	Amount payment.Money `json:"amount"`
	// SupplierFee is the part of the payment's fee the supplier bears; it
	// is deducted from the release to the supplier.
	SupplierFee payment.Money `json:"supplier_fee"`
	// ServiceFee is the part of SupplierFee that is the programme's
	// service fee (its payment.ServiceFee line): the release books it
	// apart (escrow.ReleaseRequest.ServiceFee). The zero Money: none.
	ServiceFee payment.Money `json:"service_fee,omitzero"`
	// Status is the payment's status as last reported to the order.
	Status payment.Status `json:"status"`
	// PaidAt is when the payment succeeded and its money reached escrow;
	// zero until then.
	PaidAt time.Time `json:"paid_at,omitzero"`
	// Unapplied says why the order could not apply the money of a payment
	// that succeeded (the tranche was paid already, the order had ended,
	// the payment is not what the order is owed): its Code is one of the
	// ReasonPayment… codes. The money was booked into the order's escrow
	// account and returned to the buyer at once (escrow.Service.Return,
	// and a refund on the payment record), and the payment counts for
	// nothing on the order. The zero Reason for an applied payment.
	Unapplied payment.Reason `json:"unapplied,omitzero"`
}

// pending reports whether the payment may still succeed.
func (p TranchePayment) pending() bool {
	return p.PaidAt.IsZero() && p.Unapplied.Code == "" && p.Status != payment.StatusFailed && p.Status != payment.StatusCancelled
}

// TransportMode is how goods travel.
type TransportMode string

// Modes of transport.
const (
	Sea        TransportMode = "sea"
	Air        TransportMode = "air"
	Rail       TransportMode = "rail"
	Road       TransportMode = "road"
	Express    TransportMode = "express" // a courier: DHL, FedEx, UPS
	Multimodal TransportMode = "multimodal"
)

// Valid reports whether m is one of the defined modes.
func (m TransportMode) Valid() bool {
	return slices.Contains([]TransportMode{Sea, Air, Rail, Road, Express, Multimodal}, m)
}

// TrackingEvent is one report about a shipment: where the goods are, with
// whom, how they travel and when they are now expected.
type TrackingEvent struct {
	// At is when the event happened, as the carrier reports it; required.
	At       time.Time `json:"at"`
	Location string    `json:"location,omitempty"`
	Carrier  string    `json:"carrier,omitempty"`
	// Mode is how the goods travel from here; optional.
	Mode           TransportMode `json:"mode,omitempty"`
	TrackingNumber string        `json:"tracking_number,omitempty"`
	// EstimatedArrival is when the goods are now expected; zero when the
	// event says nothing about it. The latest estimate decides whether the
	// order is late before its delivery date passes.
	EstimatedArrival time.Time `json:"estimated_arrival,omitzero"`
	Note             string    `json:"note,omitempty"`
}

// Validate checks that the event has a time and that a mode, if set, is
// known; problems wrap ErrInvalidRequest.
func (e TrackingEvent) Validate() error {
	switch {
	case e.At.IsZero():
		return invalidf("a tracking event needs its time")
	case e.Mode != "" && !e.Mode.Valid():
		return invalidf("tracking event: unknown mode of transport %q", string(e.Mode))
	}
	return nil
}

// Shipment is how the goods left and what has been heard of them since.
type Shipment struct {
	// ShippedAt is when the supplier shipped, by the service's clock.
	ShippedAt time.Time `json:"shipped_at"`
	// Departure is the shipment as the supplier declared it: carrier, mode,
	// tracking number, estimated arrival.
	Departure TrackingEvent `json:"departure"`
	// Tracking are the later events, in the order they were recorded.
	Tracking []TrackingEvent `json:"tracking,omitempty"`
}

// EstimatedArrival returns the latest estimate of arrival: the last event
// that gave one, the departure's otherwise; zero when none did.
func (s Shipment) EstimatedArrival() time.Time {
	for _, e := range slices.Backward(s.Tracking) {
		if !e.EstimatedArrival.IsZero() {
			return e.EstimatedArrival
		}
	}
	return s.Departure.EstimatedArrival
}

// InspectionReport is a third-party inspection of the goods before
// shipment, as the agency reported it. The SDK keeps a reference to the
// report document, never the file.
type InspectionReport struct {
	// Agency is who inspected: SGS, Intertek, TÜV, Bureau Veritas, ...
	Agency      string                    `json:"agency"`
	InspectedAt time.Time                 `json:"inspected_at"`
	Result      coverage.InspectionResult `json:"result"`
	Findings    string                    `json:"findings,omitempty"`
	// Defects are ids of the defects found, in the vocabulary claims use
	// (coverage.Claim.Defects); only a failed report names defects.
	Defects []string `json:"defects,omitempty"`
	// Document is the URI of the report document.
	Document string `json:"document,omitempty"`
}

// Validate checks the report: an agency, a time, a result of passed or
// failed, and defects only on a failed report, each named once; problems
// wrap ErrInvalidRequest.
func (r InspectionReport) Validate() error {
	switch {
	case r.Agency == "":
		return invalidf("an inspection report needs its agency")
	case r.InspectedAt.IsZero():
		return invalidf("an inspection report needs its date")
	case r.Result != coverage.InspectionPassed && r.Result != coverage.InspectionFailed:
		return invalidf("inspection result %q; it is passed or failed", string(r.Result))
	case r.Result == coverage.InspectionPassed && len(r.Defects) > 0:
		return invalidf("a passed inspection names no defects")
	}
	if err := coverage.ValidateDefects(r.Defects); err != nil {
		return invalidf("inspection: %v", err)
	}
	return nil
}

// LateShipment is the late-shipment compensation of the order, decided once
// when the agreed shipment date passed without shipment (or the goods
// shipped after it).
type LateShipment struct {
	// DecidedAt is when the sweep decided it; zero until then.
	DecidedAt time.Time `json:"decided_at,omitzero"`
	// Amount is what was paid to the buyer out of escrow; zero when nothing
	// was owed (nothing paid), with the reasons saying why.
	Amount  payment.Money    `json:"amount"`
	Reasons []payment.Reason `json:"reasons,omitempty"`
}

// Action is one entry of an order's history: an operation that changed the
// order, who did it, when, under which idempotency key, and the state before
// and after (the same state when the operation changed no state, such as a
// tracking event). It is also the domain event the service publishes.
type Action struct {
	// Seq numbers the order's actions from 1, so that a subscriber that
	// receives an action twice (publication is at least once) sees it.
	Seq  int    `json:"seq"`
	Name string `json:"name"`
	// Event is the state machine's event the action fired, if any.
	Event Event         `json:"event,omitempty"`
	By    payment.Actor `json:"by"`
	At    time.Time     `json:"at"`
	From  State         `json:"from"`
	To    State         `json:"to"`
	// Key, or Ref, and Fingerprint make the action idempotent: the same key
	// again with the same request is a replay, with another request an
	// ErrIdempotencyMismatch error. Key is the caller's idempotency key,
	// scoped to the order and to the operation Name names: the same string
	// given to another operation is another key. The service's own actions
	// (the sweep's, a processor's report, a dispute case opened or resolved)
	// have no Key but a Ref, a reference the service makes, which a
	// caller's key is never compared with: no string a caller chooses can
	// reach them. Exactly one of Key and Ref is set.
	Key         string `json:"key,omitempty"`
	Ref         string `json:"ref,omitempty"`
	Fingerprint string `json:"fingerprint"`
	Note        string `json:"note,omitempty"`
}

// Coverage is the programme's cover of an order: the part of the
// supplier's Trade Assurance limit reserved for it when its first payment
// arrived, and what that covers of the order's value.
type Coverage struct {
	// Reserved is the reservation on the supplier's limit, in the limit's
	// currency; the zero Money until the first payment succeeded.
	Reserved payment.Money `json:"reserved"`
	// Limit is Reserved in the order's currency: the most of what the buyer
	// paid that the programme covers.
	Limit payment.Money `json:"limit"`
	// Uncovered says why nothing could be reserved when the supplier's
	// rules refused the reservation (ReasonCoverageNotEnrolled,
	// ReasonCoverageNoRate): the order is paid and goes on not covered,
	// and Quote gives the reason too. The zero Reason otherwise.
	Uncovered payment.Reason `json:"uncovered,omitzero"`
}

// The codes of Coverage.Uncovered.
const (
	// ReasonCoverageNotEnrolled: the supplier was not enrolled in the
	// programme when the order was paid (its documents lapsed, say).
	ReasonCoverageNotEnrolled = "order.coverage.not_enrolled"
	// ReasonCoverageNoRate: the supplier's limit is in another currency
	// and the service's Rates gave no rate to convert it.
	ReasonCoverageNoRate = "order.coverage.no_rate"
)

// fullyPaid reports whether everything the schedule asks for is in
// escrow.
func (o *Order) fullyPaid() bool {
	total, err := o.Total()
	return err == nil && o.Paid() == total
}

// PaymentProcessing reports whether a payment of the order may still
// succeed (initiated, processing, held for review or suspended): no
// modification is possible and the order cannot be called off or expire
// until it settles.
func (o *Order) PaymentProcessing() bool {
	return slices.ContainsFunc(o.Payments, TranchePayment.pending)
}

// Remaining returns what the order's escrow account holds by the order's
// own record: what was paid, less the compensation paid out.
func (o *Order) Remaining() payment.Money {
	left, _ := o.Paid().Sub(o.Compensated()) // both in the terms' currency
	return left
}

// Compensated returns the compensation the order paid the buyer out of
// escrow (late shipment, dispute decisions), in the terms' currency.
func (o *Order) Compensated() payment.Money {
	if o.Compensation == (payment.Money{}) {
		zero, _ := payment.FromMinor(0, o.Terms.Currency)
		return zero
	}
	return o.Compensation
}

// DisputeRecord is a dispute on the order: the case that opened it, the
// state the order was in, and how it ended.
type DisputeRecord struct {
	CaseID   string    `json:"case_id"`
	From     State     `json:"from"`
	OpenedAt time.Time `json:"opened_at"`
	// ClosedAt is zero while the dispute is open.
	ClosedAt        time.Time `json:"closed_at,omitzero"`
	SupplierAtFault bool      `json:"supplier_at_fault,omitempty"`
}

// OpenDispute returns the open dispute of the order, if any.
func (o *Order) OpenDispute() (DisputeRecord, bool) {
	if n := len(o.Disputes); n > 0 && o.Disputes[n-1].ClosedAt.IsZero() {
		return o.Disputes[n-1], true
	}
	return DisputeRecord{}, false
}

// Facts returns what the coverage rules need to know about the order.
func (o *Order) Facts() coverage.Order {
	total, _ := o.Total()
	f := coverage.Order{
		ID: o.ID, Plan: o.Terms.Plan, Value: total,
		ShipBy: o.Terms.ShipBy, DeliverBy: o.Terms.DeliverBy,
		ShippedAt: o.Shipment.ShippedAt, DeliveredAt: o.DeliveredAt,
		LateCompensationPaid: !o.LateShipment.DecidedAt.IsZero(),
	}
	if dues, err := o.Terms.Tranches(); err == nil && len(dues) > 1 {
		f.Deposit = dues[0].Amount
	}
	for _, p := range o.Payments {
		if !p.PaidAt.IsZero() {
			f.Payments = append(f.Payments, coverage.Payment{Tranche: p.Tranche, Amount: p.Amount, PaidAt: p.PaidAt})
		}
	}
	if n := len(o.Inspections); n > 0 {
		last := o.Inspections[n-1]
		f.Inspection = coverage.Inspection{Result: last.Result, Defects: slices.Clone(last.Defects), BuyerAccepted: o.InspectionAccepted}
	}
	return f
}

// Reason codes of Order.Late.
const (
	// ReasonShipmentLate: the agreed shipment date passed and the goods
	// have not shipped, or shipped after it.
	ReasonShipmentLate = "order.late.shipment"
	// ReasonArrivalExpectedLate: the latest tracking estimate of arrival is
	// after the agreed delivery date, which has not passed yet.
	ReasonArrivalExpectedLate = "order.late.arrival_expected"
	// ReasonDeliveryOverdue: the agreed delivery date passed and the goods
	// have not been delivered.
	ReasonDeliveryOverdue = "order.late.delivery_overdue"
)

// Late reports whether the order is late at now, and why: it answers
// before a deadline passes when tracking expects the goods after the
// agreed delivery date. An order is late only between its first payment
// and its delivery (or its end): the supplier owes no shipment before
// being paid. Shipping late stays a reason until delivery.
// Deadlines are inclusive: at ShipBy or DeliverBy exactly the order is on
// time.
func (o *Order) Late(now time.Time) (bool, []payment.Reason) {
	if !o.DeliveredAt.IsZero() || o.State.Final() || !o.Paid().IsPositive() {
		return false, nil
	}
	var why []payment.Reason
	shipBy, deliverBy := o.Terms.ShipBy, o.Terms.DeliverBy
	shipped := o.Shipment.ShippedAt
	if (shipped.IsZero() && now.After(shipBy)) || shipped.After(shipBy) {
		why = append(why, payment.Reason{Code: ReasonShipmentLate,
			Text: fmt.Sprintf("the agreed shipment date %s passed before shipment", shipBy.Format(time.RFC3339))})
	}
	switch eta := o.Shipment.EstimatedArrival(); {
	case now.After(deliverBy):
		why = append(why, payment.Reason{Code: ReasonDeliveryOverdue,
			Text: fmt.Sprintf("the agreed delivery date %s passed without delivery", deliverBy.Format(time.RFC3339))})
	case eta.After(deliverBy):
		why = append(why, payment.Reason{Code: ReasonArrivalExpectedLate,
			Text: fmt.Sprintf("arrival is expected %s, after the agreed delivery date %s", eta.Format(time.RFC3339), deliverBy.Format(time.RFC3339))})
	}
	return len(why) > 0, why
}
