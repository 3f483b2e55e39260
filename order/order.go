package order

import (
	"slices"
	"strings"
	"time"

	"github.com/tradeassure/tradeassure/payment"
)

// Order is the order aggregate: the parties, the contract terms, where the
// order is in its life, and the record of every modification.
//
// The methods of Order are pure domain rules: they take the actor and the
// time, check, and either change the order or return an error and change
// nothing. Storing the order and moving money are the service's work; the
// service also records payments and sets DeliveryAgreed from what
// happens to payments and to the order's state.
type Order struct {
	ID         string `json:"id"`
	BuyerID    string `json:"buyer_id"`
	SupplierID string `json:"supplier_id"`
	Terms      Terms  `json:"terms"`
	State      State  `json:"state"`
	// DeliveryAgreed is true from the buyer's confirmation on: the
	// shipment and delivery dates are agreed, and a modification needs
	// both parties' approval.
	DeliveryAgreed bool `json:"delivery_agreed"`
	// Modifications records every proposed modification, open or decided,
	// in the order they were proposed.
	Modifications []Modification `json:"modifications,omitempty"`

	// SubmittedAt and ConfirmedAt are when the supplier last sent the
	// order to the buyer and when the buyer confirmed it: the confirmation
	// and payment windows run from them.
	SubmittedAt time.Time `json:"submitted_at,omitzero"`
	ConfirmedAt time.Time `json:"confirmed_at,omitzero"`
	// Payments are the order's payments, one per attempt at a tranche,
	// failed ones included, in the order they were made.
	Payments []TranchePayment `json:"payments,omitempty"`
	// Coverage is the reservation on the supplier's limit and what it
	// covers.
	Coverage Coverage `json:"coverage"`
	// Inspections are the inspection reports, in the order they came; the
	// last one decides. InspectionAccepted is set when the buyer accepted
	// goods whose last inspection failed.
	Inspections        []InspectionReport `json:"inspections,omitempty"`
	InspectionAccepted bool               `json:"inspection_accepted,omitempty"`
	// Shipment is set when the goods ship.
	Shipment Shipment `json:"shipment,omitzero"`
	// DeliveredAt is when the goods were delivered; zero until then.
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
	// ReceiptDeadline is when the buyer's receipt window closes and receipt
	// is confirmed automatically, extensions included.
	ReceiptDeadline time.Time `json:"receipt_deadline,omitzero"`
	// Extensions are the parties that extended the receipt window: each
	// may do so once.
	Extensions []payment.Actor `json:"extensions,omitempty"`
	// LateShipment is the late-shipment compensation, once decided.
	LateShipment LateShipment `json:"late_shipment,omitzero"`
	// Disputes are the disputes opened on the order, the open one last.
	Disputes []DisputeRecord `json:"disputes,omitempty"`
	// History is every action on the order, in order: the audit log and
	// the domain events the service appends to its outbox (Notice).
	// It is read-only, and shared between the order's versions.
	History History `json:"history,omitzero"`
	// Compensation is what the order paid the buyer out of escrow (late
	// shipment, dispute decisions); the zero Money for none (see
	// Compensated).
	Compensation payment.Money `json:"compensation,omitzero"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Deadline is the next instant at which time alone changes what must
	// happen to the order (a confirmation or payment window closing, the
	// agreed shipment date passing, the receipt window closing); zero when
	// none. The service keeps it; the store indexes it so that a sweep
	// finds due orders without scanning.
	Deadline time.Time `json:"deadline,omitempty"`
	// Version is advanced by the store on every write.
	Version int64 `json:"version"`
}

// NewDraft returns a new order in state Draft, drafted by the supplier by
// for buyer buyerID on terms t at now. Only a supplier drafts: by must be
// a valid payment.Supplier actor, and by.ID becomes the order's
// SupplierID. The order keeps a copy of t; Paid is zero in t's currency.
//
// It returns a *payment.ActorError for another role, an error wrapping
// ErrInvalidRequest for an empty id or buyerID, an id with the prefix of
// the orders' returns accounts (ReturnAccountPrefix: an order's escrow
// account has the order's id, and must never be another order's returns
// account) or a zero now, and Validate's error (ErrInvalidTerms) for
// invalid terms.
func NewDraft(id string, by payment.Actor, buyerID string, t Terms, now time.Time) (*Order, error) {
	if err := payment.RequireRole(by, "draft an order", payment.RoleSupplier); err != nil {
		return nil, err
	}
	switch {
	case id == "":
		return nil, invalidf("the order has no id")
	case strings.HasPrefix(id, ReturnAccountPrefix):
		return nil, invalidf("order id %q: the prefix %q is the returns accounts'", id, ReturnAccountPrefix)
	case buyerID == "":
		return nil, invalidf("order %s has no buyer", id)
	case buyerID == by.ID:
		return nil, invalidf("order %s: the supplier %s cannot be its own buyer", id, by.ID)
	case now.IsZero():
		return nil, invalidf("order %s: no time given", id)
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return &Order{
		ID:         id,
		BuyerID:    buyerID,
		SupplierID: by.ID,
		Terms:      t.Clone(),
		State:      Draft,
		CreatedAt:  now,
		UpdatedAt:  now,
	}, nil
}

// Clone returns a deep copy of o: no slice is shared.
func (o *Order) Clone() *Order {
	c := *o
	c.Terms = o.Terms.Clone()
	c.Modifications = slices.Clone(o.Modifications)
	for i, m := range o.Modifications {
		c.Modifications[i] = m.clone()
	}
	c.Payments = slices.Clone(o.Payments)
	c.Inspections = slices.Clone(o.Inspections)
	for i, r := range o.Inspections {
		c.Inspections[i].Defects = slices.Clone(r.Defects)
	}
	c.Shipment.Tracking = slices.Clone(o.Shipment.Tracking)
	c.Extensions = slices.Clone(o.Extensions)
	c.LateShipment.Reasons = slices.Clone(o.LateShipment.Reasons)
	c.Disputes = slices.Clone(o.Disputes)
	// c.History is o's: a History never changes.
	return &c
}

// Total returns the total of the order's terms (Terms.Total).
func (o *Order) Total() (payment.Money, error) { return o.Terms.Total() }

// Frozen reports whether the total is frozen: once anything has been paid
// into escrow, no modification may change the total or the amounts of the
// payment schedule.
func (o *Order) Frozen() bool { return o.Paid().IsPositive() }

// Paid returns what has reached escrow: the sum of the order's succeeded
// payments, in the terms' currency (refunds and compensations leave it as
// it is; see Remaining).
func (o *Order) Paid() payment.Money {
	sum, _ := payment.FromMinor(0, o.Terms.Currency)
	for _, p := range o.Payments {
		if !p.PaidAt.IsZero() {
			if s, err := sum.Add(p.Amount); err == nil {
				sum = s
			}
		}
	}
	return sum
}

// Returned returns the money of the order's payments it could not apply
// (TranchePayment.Unapplied) that its escrow account booked and returned
// to the buyer, in the terms' currency: what a processor captured for the
// order is Paid plus Returned (plus what came in another currency, refunded
// on its payment record).
func (o *Order) Returned() payment.Money {
	sum, _ := payment.FromMinor(0, o.Terms.Currency)
	for _, p := range o.Payments {
		if p.Unapplied.Code != "" && p.Amount.Currency() == o.Terms.Currency {
			if s, err := sum.Add(p.Amount); err == nil {
				sum = s
			}
		}
	}
	return sum
}

// party reports whether by is this order's buyer or supplier.
func (o *Order) party(by payment.Actor) bool {
	return by == payment.Buyer(o.BuyerID) || by == payment.Supplier(o.SupplierID)
}
