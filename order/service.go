package order

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/internal/idem"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// Payments is what the order service needs of the payment package:
// *payment.Service implements it.
type Payments interface {
	Payment(ctx context.Context, id string) (*payment.Payment, error)
	PaymentByKey(ctx context.Context, buyerID, key string) (*payment.Payment, error)
	Initiate(ctx context.Context, by payment.Actor, key string, req payment.InitiateRequest) (*payment.Payment, error)
	// InitiateReads are read ahead of Initiate (see payment.Prefetch).
	InitiateReads(buyerID, key string) []func(context.Context) error
	Report(ctx context.Context, by payment.Actor, id string, o payment.Outcome) (*payment.Payment, error)
	Cancel(ctx context.Context, by payment.Actor, id, note string) (*payment.Payment, error)
	RecordRefund(ctx context.Context, by payment.Actor, id, key string, r payment.RefundRequest) (*payment.Payment, error)
}

// Escrow is what the order service needs of the escrow package:
// *escrow.Service implements it.
type Escrow interface {
	Open(ctx context.Context, by payment.Actor, req escrow.OpenRequest) (*escrow.Account, error)
	Hold(ctx context.Context, by payment.Actor, id, key string, req escrow.HoldRequest) (*escrow.Receipt, error)
	Return(ctx context.Context, by payment.Actor, id, key string, req escrow.HoldRequest) (*escrow.Receipt, error)
	Release(ctx context.Context, by payment.Actor, id, key string, req escrow.ReleaseRequest) (*escrow.Receipt, error)
	Refund(ctx context.Context, by payment.Actor, id, key string, req escrow.RefundRequest) (*escrow.Receipt, error)
	Compensate(ctx context.Context, by payment.Actor, id, key string, req escrow.CompensateRequest) (*escrow.Receipt, error)
	Settle(ctx context.Context, by payment.Actor, id, key string, req escrow.SettleRequest) (*escrow.Receipt, error)
	Freeze(ctx context.Context, by payment.Actor, id, key, reason string) (*escrow.Receipt, error)
	Unfreeze(ctx context.Context, by payment.Actor, id, key, note string) (*escrow.Receipt, error)
	// Account is read ahead of an action that moves the order's money
	// (see payment.Prefetch).
	Account(ctx context.Context, id string) (*escrow.Account, error)
}

// Suppliers is what the order service needs of the supplier package:
// *supplier.Service implements it.
type Suppliers interface {
	Supplier(ctx context.Context, id string) (*supplier.Supplier, error)
	Reserve(ctx context.Context, by payment.Actor, supplierID, orderID string, amount payment.Money) (*supplier.Reservation, error)
	Release(ctx context.Context, by payment.Actor, supplierID, orderID string) (*supplier.Supplier, error)
	RecordOrder(ctx context.Context, by payment.Actor, supplierID string, o supplier.OrderRecord) (*supplier.Supplier, error)
	RecordOrderReads(supplierID, orderID string) []func(context.Context) error
	OpenOrder(ctx context.Context, by payment.Actor, supplierID, orderID, buyerID string) error
	SupplierOf(ctx context.Context, orderID string) (*supplier.Supplier, error)
	ChargeReceivable(ctx context.Context, by payment.Actor, supplierID string, req supplier.ReceivableRequest) (*supplier.Supplier, error)
	RecoverReceivables(ctx context.Context, by payment.Actor, supplierID, orderID string, amount payment.Money) (*supplier.Supplier, error)
}

// Notice is a domain event: one action on an order. It is the payload, in
// JSON, of the payment.Message the service appends to Config.Outbox in the
// unit of work of the action (Aggregate "order", ID the order's, N the
// action's Seq, Type "order." and the action's name); NoticeOf decodes it.
// A relay delivers at least once: a subscriber that receives a notice
// twice recognises it by OrderID and Action.Seq.
type Notice struct {
	OrderID    string `json:"order_id"`
	BuyerID    string `json:"buyer_id"`
	SupplierID string `json:"supplier_id"`
	Action     Action `json:"action"`
}

// Aggregate is the Aggregate of the order service's messages.
const Aggregate = "order"

// NoticeOf returns the notice message m carries, or an error wrapping
// payment.ErrInvalidRequest when m is not an order's message.
func NoticeOf(m payment.Message) (Notice, error) {
	return payment.Payload[Notice](m, Aggregate)
}

// record appends the outbox message of the order's last action, in the
// unit of work ctx carries, when the service has an outbox.
func (s *Service) record(ctx context.Context, o *Order) error {
	a := o.History.Last()
	return payment.Emit(ctx, s.outbox, Aggregate, o.ID, a.Seq, a.Name, a.At,
		Notice{OrderID: o.ID, BuyerID: o.BuyerID, SupplierID: o.SupplierID, Action: a})
}

// Rules are the order's windows and modification rules. Every figure is a
// field; DefaultRules gives the programme's defaults. Days are calendar
// days, added with time.Time.AddDate in the location of the instant they
// count from.
type Rules struct {
	// ConfirmDays: an order sent to the buyer and not confirmed expires
	// this many days after it was sent.
	ConfirmDays int `json:"confirm_days"`
	// PayDays: a confirmed order with no deposit (or full payment) in
	// escrow expires this many days after the confirmation. While a
	// payment is processing the order does not expire.
	PayDays int `json:"pay_days"`
	// ReceiptDays: this many days after delivery with no claim, receipt is
	// confirmed automatically and the supplier paid.
	ReceiptDays int `json:"receipt_days"`
	// ExtensionDays: the buyer and the supplier may each extend the receipt
	// window once, by this many days.
	ExtensionDays int `json:"extension_days"`
	// Modifications are the rules of changes to the terms.
	Modifications ModificationRules `json:"modifications"`
}

// DefaultRules returns the programme's defaults: 30 days to confirm, 60 to
// pay, a receipt window of 30 days that each party may extend once by 15,
// and DefaultModificationRules.
func DefaultRules() Rules {
	return Rules{ConfirmDays: 30, PayDays: 60, ReceiptDays: 30, ExtensionDays: 15, Modifications: DefaultModificationRules()}
}

// Validate returns an error wrapping ErrInvalidRules when a window is not
// positive or the modification rules are invalid.
func (r Rules) Validate() error {
	for _, f := range []struct {
		name string
		days int
	}{{"ConfirmDays", r.ConfirmDays}, {"PayDays", r.PayDays}, {"ReceiptDays", r.ReceiptDays}, {"ExtensionDays", r.ExtensionDays}} {
		if f.days <= 0 {
			return fmt.Errorf("%w: %s is %d; it must be positive", ErrInvalidRules, f.name, f.days)
		}
	}
	return r.Modifications.Validate()
}

// Config configures a Service.
type Config struct {
	// Store keeps the orders. Required.
	Store Store
	// Unit makes each operation one unit of work over the stores of the
	// order, its payments, its escrow accounts and the supplier: all of
	// it is written, or none. It must be the unit of the stores' kind.
	// Default: payment.MemoryUnit(), the in-memory stores' (a store of
	// another kind refuses every call made inside it).
	Unit payment.UnitOfWork
	// Clock tells the time of every operation but Sweep, which is given
	// its time. Required.
	Clock payment.Clock
	// Payments, Escrow and Suppliers are the services the order moves money
	// and limits through. Required.
	Payments  Payments
	Escrow    Escrow
	Suppliers Suppliers
	// Rules are the order's windows. Default: DefaultRules().
	Rules *Rules
	// Coverage are the coverage rules: late-shipment compensation and what
	// the supplier's limit covers. Default: coverage.DefaultRules().
	Coverage *coverage.Rules
	// Rates converts a compensation cap or a supplier's limit stated in
	// another currency than the order's. Default: none, so such a
	// conversion is an error wrapping payment.ErrNoRate.
	Rates payment.Rates
	// Outbox receives, in the unit of work of each action, the message of
	// its Notice; a payment.Relay delivers them. It must join Unit (the
	// outbox of the stores' kind: payment.MemoryOutbox(),
	// paymentpg.Outbox). Default: none, and no messages.
	Outbox payment.Outbox
	// Actor is who the service is to the other services when it moves
	// money and limits, and who fires the sweep's events; a system actor.
	// Default: payment.System("tradeassure/order").
	Actor payment.Actor
	// SweepBatch is how many due orders Sweep asks the store for at once.
	// Default: 100.
	SweepBatch int
	// Disputes is the actor of the dispute service: the only one that may
	// open and resolve an order's disputes (OpenDispute, ResolveDispute),
	// which it does for the cases it admitted and decided. A system actor.
	// Default: payment.System("tradeassure/dispute"), the dispute
	// service's own default.
	Disputes payment.Actor
}

// Service runs orders: it is what a marketplace backend calls. Each
// method names its actor and takes an idempotency key scoped to the order
// and the operation (Action.Key; the service's own actions have references
// of their own, Action.Ref, which no caller's key reaches): the same key
// for the same operation with the same request returns the order and does
// nothing more, the same key with another request is an
// ErrIdempotencyMismatch error.
//
// Windows close at their instant, whenever the sweep runs: once an order's
// confirmation or payment window has closed, every action on it but the
// sweep's expiry is an ErrWindowClosed error. An order's time never goes
// back: an action whose clock reads earlier than the order's last action
// happens at that action's time.
//
// Each operation is one unit of work (Config.Unit) over every aggregate
// it touches: the order, its payments, its escrow accounts and the
// supplier's limit are all written, or none of them. A unit that lost a
// race to another is run again, whole; a failure, or a crash, leaves
// nothing of the operation, and a retry under the same key does it.
type Service struct {
	store     Store
	unit      payment.UnitOfWork
	clock     payment.Clock
	payments  Payments
	escrow    Escrow
	suppliers Suppliers
	rules     Rules
	coverage  coverage.Rules
	rates     payment.Rates
	outbox    payment.Outbox
	actor     payment.Actor
	disputes  payment.Actor
	batch     int
}

// NewService returns a Service, or an error naming the first missing or
// invalid part of cfg (wrapping ErrInvalidRules for invalid rules).
func NewService(cfg Config) (*Service, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("order: Config.Store is required")
	case cfg.Clock == nil:
		return nil, errors.New("order: Config.Clock is required")
	case cfg.Payments == nil || cfg.Escrow == nil || cfg.Suppliers == nil:
		return nil, errors.New("order: Config.Payments, Config.Escrow and Config.Suppliers are required")
	case cfg.SweepBatch < 0:
		return nil, fmt.Errorf("order: Config.SweepBatch is %d; it must not be negative", cfg.SweepBatch)
	}
	s := &Service{
		store: cfg.Store, unit: cfg.Unit, clock: cfg.Clock, payments: cfg.Payments, escrow: cfg.Escrow, suppliers: cfg.Suppliers,
		rules: DefaultRules(), coverage: coverage.DefaultRules(), rates: cfg.Rates, outbox: cfg.Outbox,
		actor: cfg.Actor, disputes: cfg.Disputes, batch: cfg.SweepBatch,
	}
	if cfg.Rules != nil {
		s.rules = *cfg.Rules
	}
	if err := s.rules.Validate(); err != nil {
		return nil, err
	}
	if cfg.Coverage != nil {
		s.coverage = *cfg.Coverage
	}
	if err := s.coverage.Validate(); err != nil {
		return nil, err
	}
	if s.actor == (payment.Actor{}) {
		s.actor = payment.System("tradeassure/order")
	}
	if err := payment.RequireRole(s.actor, "move an order's money", payment.RoleSystem); err != nil {
		return nil, fmt.Errorf("order: Config.Actor: %w", err)
	}
	if s.disputes == (payment.Actor{}) {
		s.disputes = payment.System("tradeassure/dispute")
	}
	if err := payment.RequireRole(s.disputes, "open and resolve disputes", payment.RoleSystem); err != nil {
		return nil, fmt.Errorf("order: Config.Disputes: %w", err)
	}
	if s.batch == 0 {
		s.batch = 100
	}
	if s.unit == nil {
		s.unit = payment.MemoryUnit()
	}
	return s, nil
}

// Disputes returns the actor of the dispute service, the only one the
// service takes disputes from (Config.Disputes).
func (s *Service) Disputes() payment.Actor { return s.disputes }

// Rules returns the service's order rules.
func (s *Service) Rules() Rules { return s.rules }

// CoverageRules returns the service's coverage rules (Config.Coverage):
// the dispute service judges claims by them unless told otherwise.
func (s *Service) CoverageRules() coverage.Rules { return s.coverage }

// Order returns the order with that id, or an error wrapping ErrNotFound.
func (s *Service) Order(ctx context.Context, id string) (*Order, error) {
	return s.store.Order(ctx, id)
}

// CreateRequest drafts an order.
type CreateRequest struct {
	// ID is the order's id, chosen by the caller; it is the idempotency
	// key of Create.
	ID      string `json:"id"`
	BuyerID string `json:"buyer_id"`
	Terms   Terms  `json:"terms"`
}

// Create drafts an order: only a supplier drafts, for itself (NewDraft's
// rules), and the supplier must be known to the supplier service (else its
// not-found error). Create is idempotent under req.ID: the same request
// again returns the order, another request for the same id is an
// ErrIdempotencyMismatch error.
func (s *Service) Create(ctx context.Context, by payment.Actor, req CreateRequest) (*Order, error) {
	return s.atomic(ctx, func(ctx context.Context) (*Order, error) { return s.create(ctx, by, req) })
}

func (s *Service) create(ctx context.Context, by payment.Actor, req CreateRequest) (*Order, error) {
	if err := payment.CheckLengths(ErrInvalidRequest, payment.CheckID("the order id", req.ID), payment.CheckID("the buyer id", req.BuyerID)); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	o, err := NewDraft(req.ID, by, req.BuyerID, req.Terms, now)
	if err != nil {
		return nil, err
	}
	fp, err := fingerprint("create", by, req)
	if err != nil {
		return nil, err
	}
	if _, err := s.suppliers.Supplier(ctx, by.ID); err != nil {
		return nil, fmt.Errorf("order: supplier %s: %w", by.ID, err)
	}
	o.History = NewHistory(Action{Seq: 1, Name: "create", By: by, At: now, From: Draft, To: Draft, Key: req.ID, Fingerprint: fp})
	o.Deadline = s.deadline(o)
	created, err := s.store.Create(ctx, o)
	if errors.Is(err, ErrDuplicate) {
		existing, err := s.store.Order(ctx, req.ID)
		if err != nil {
			return nil, err
		}
		if existing.History.Len() == 0 || existing.History.At(0).Fingerprint != fp {
			return nil, fmt.Errorf("%w: order %s was created by another request", ErrIdempotencyMismatch, req.ID)
		}
		return existing, nil
	}
	if err != nil {
		return nil, err
	}
	// The supplier's history has the order from its start, so that an
	// operation that needs the supplier reads it with the order.
	if err := s.suppliers.OpenOrder(ctx, s.actor, created.SupplierID, created.ID, created.BuyerID); err != nil {
		return nil, fmt.Errorf("order %s: %w", created.ID, err)
	}
	if err := s.record(ctx, created); err != nil {
		return nil, err
	}
	return created, nil
}

// Submit sends the supplier's draft to the buyer for confirmation; the
// confirmation window (Rules.ConfirmDays) starts.
func (s *Service) Submit(ctx context.Context, by payment.Actor, id, key string) (*Order, error) {
	return s.do(ctx, by, id, callerKey(key), "submit", nil, func(c *change) error {
		if err := c.fire(Submit); err != nil {
			return err
		}
		c.o.SubmittedAt = c.now
		return nil
	})
}

// Withdraw takes an order sent to the buyer back to draft, for the
// supplier to change it.
func (s *Service) Withdraw(ctx context.Context, by payment.Actor, id, key string) (*Order, error) {
	return s.do(ctx, by, id, callerKey(key), "withdraw", nil, func(c *change) error { return c.fire(Withdraw) })
}

// Confirm is the buyer's confirmation of the order as it stands: the
// terms and the delivery date are agreed, the payment window
// (Rules.PayDays) starts, and the order's escrow account is opened.
func (s *Service) Confirm(ctx context.Context, by payment.Actor, id, key string) (*Order, error) {
	return s.do(ctx, by, id, callerKey(key), "confirm", nil, func(c *change) error {
		if err := c.fire(Confirm); err != nil {
			return err
		}
		c.o.DeliveryAgreed, c.o.ConfirmedAt = true, c.now
		s.openEscrow(c, c.o.ID, c.o.Terms.Currency)
		return nil
	})
}

// ProposeModification proposes new terms for the order under the
// service's modification rules (Order.Propose); modificationID is the
// proposal's id and its idempotency key.
func (s *Service) ProposeModification(ctx context.Context, by payment.Actor, id, modificationID string, proposed Terms) (*Order, error) {
	return s.do(ctx, by, id, callerKey("modification/"+modificationID+"/propose"), "propose_modification", proposed, func(c *change) error {
		return c.o.Propose(by, modificationID, proposed, s.rules.Modifications, c.now)
	})
}

// ApproveModification is the other party's approval of a proposed
// modification (Order.Approve).
func (s *Service) ApproveModification(ctx context.Context, by payment.Actor, id, modificationID string) (*Order, error) {
	return s.do(ctx, by, id, callerKey("modification/"+modificationID+"/approve/"+by.String()), "approve_modification", nil, func(c *change) error {
		return c.o.Approve(by, modificationID, c.now)
	})
}

// RejectModification is the other party's rejection of a proposed
// modification (Order.Reject).
func (s *Service) RejectModification(ctx context.Context, by payment.Actor, id, modificationID string) (*Order, error) {
	return s.do(ctx, by, id, callerKey("modification/"+modificationID+"/reject"), "reject_modification", nil, func(c *change) error {
		return c.o.Reject(by, modificationID, c.now)
	})
}

// WithdrawModification is the requester's withdrawal of its proposal
// (Order.WithdrawModification).
func (s *Service) WithdrawModification(ctx context.Context, by payment.Actor, id, modificationID string) (*Order, error) {
	return s.do(ctx, by, id, callerKey("modification/"+modificationID+"/withdraw"), "withdraw_modification", nil, func(c *change) error {
		return c.o.WithdrawModification(by, modificationID, c.now)
	})
}

// StartProduction is the supplier starting to make the goods, once the
// deposit (or the full payment) is in escrow. From then on the buyer can
// no longer call the order off; a dispute is the way.
func (s *Service) StartProduction(ctx context.Context, by payment.Actor, id, key string) (*Order, error) {
	return s.do(ctx, by, id, callerKey(key), "start_production", nil, func(c *change) error { return c.fire(StartProduction) })
}

// FinishProduction is the supplier reporting the goods made: they are ready
// to ship, or, when the terms require an inspection, they await it.
func (s *Service) FinishProduction(ctx context.Context, by payment.Actor, id, key string) (*Order, error) {
	return s.do(ctx, by, id, callerKey(key), "finish_production", nil, func(c *change) error {
		if c.o.Terms.InspectionRequired {
			return c.fire(RequireInspection)
		}
		return c.fire(FinishProduction)
	})
}

// RecordInspection records an inspection report, as the agency sent it
// to the platform: a passed report makes the goods ready to ship; a failed
// one keeps them waiting for a new report, or for the buyer to accept them
// (AcceptInspection). Invalid reports wrap ErrInvalidRequest.
func (s *Service) RecordInspection(ctx context.Context, by payment.Actor, id, key string, r InspectionReport) (*Order, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return s.do(ctx, by, id, callerKey(key), "record_inspection", r, func(c *change) error {
		ev := FailInspection
		if r.Result == coverage.InspectionPassed {
			ev = PassInspection
		}
		if err := c.fire(ev); err != nil {
			return err
		}
		r.Defects = slices.Clone(r.Defects)
		c.o.Inspections = append(c.o.Inspections, r)
		return nil
	})
}

// AcceptInspection is the buyer accepting goods whose last inspection
// failed: they may ship, and the coverage rules' AfterFailedInspection
// policy then decides claims about the defects found. Without a failed
// report it is an ErrInvalidRequest error.
func (s *Service) AcceptInspection(ctx context.Context, by payment.Actor, id, key string) (*Order, error) {
	return s.do(ctx, by, id, callerKey(key), "accept_inspection", nil, func(c *change) error {
		if n := len(c.o.Inspections); n == 0 || c.o.Inspections[n-1].Result != coverage.InspectionFailed {
			return invalidf("order %s has no failed inspection to accept", c.o.ID)
		}
		if err := c.fire(AcceptFailedInspection); err != nil {
			return err
		}
		c.o.InspectionAccepted = true
		return nil
	})
}

// Ship is the supplier shipping the goods, described by departure (its At
// is when the carrier took them; carrier, mode, tracking number and
// estimated arrival as known). The order must be fully paid first: the
// balance is due before shipment (else an ErrBalanceDue error).
func (s *Service) Ship(ctx context.Context, by payment.Actor, id, key string, departure TrackingEvent) (*Order, error) {
	if err := departure.Validate(); err != nil {
		return nil, err
	}
	return s.do(ctx, by, id, callerKey(key), "ship", departure, func(c *change) error {
		if err := c.fire(Ship); err != nil {
			return err
		}
		if !c.o.fullyPaid() {
			total, _ := c.o.Total()
			return fmt.Errorf("%w: order %s has %s of %s in escrow", ErrBalanceDue, c.o.ID, c.o.Paid(), total)
		}
		c.o.Shipment = Shipment{ShippedAt: c.now, Departure: departure}
		return nil
	})
}

// Track records a tracking event of the shipped goods. An estimated
// arrival after the agreed delivery date makes the order late at once
// (Order.Late), before the date passes.
func (s *Service) Track(ctx context.Context, by payment.Actor, id, key string, e TrackingEvent) (*Order, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return s.do(ctx, by, id, callerKey(key), "track", e, func(c *change) error {
		if err := c.fire(Track); err != nil {
			return err
		}
		c.o.Shipment.Tracking = append(c.o.Shipment.Tracking, e)
		return nil
	})
}

// Deliver records the goods' arrival: the buyer's receipt window
// (Rules.ReceiptDays) starts.
func (s *Service) Deliver(ctx context.Context, by payment.Actor, id, key string) (*Order, error) {
	return s.do(ctx, by, id, callerKey(key), "deliver", nil, func(c *change) error {
		if err := c.fire(Deliver); err != nil {
			return err
		}
		c.o.DeliveredAt = c.now
		c.o.ReceiptDeadline = c.now.AddDate(0, 0, s.rules.ReceiptDays)
		return nil
	})
}

// ExtendReceipt extends the buyer's receipt window by Rules.ExtensionDays.
// The buyer and the supplier may each do so once (a second time is an
// ErrAlreadyExtended error), while the window is open (else
// ErrWindowClosed).
func (s *Service) ExtendReceipt(ctx context.Context, by payment.Actor, id, key string) (*Order, error) {
	return s.do(ctx, by, id, callerKey(key), "extend_receipt", nil, func(c *change) error {
		if err := c.fire(ExtendReceipt); err != nil {
			return err
		}
		if !c.now.Before(c.o.ReceiptDeadline) {
			return fmt.Errorf("%w: order %s's receipt window closed at %s", ErrWindowClosed, c.o.ID, c.o.ReceiptDeadline.Format(time.RFC3339))
		}
		if slices.Contains(c.o.Extensions, by) {
			return fmt.Errorf("%w: %s extended order %s's receipt window already", ErrAlreadyExtended, by, c.o.ID)
		}
		c.o.Extensions = append(c.o.Extensions, by)
		c.o.ReceiptDeadline = c.o.ReceiptDeadline.AddDate(0, 0, s.rules.ExtensionDays)
		return nil
	})
}

// ConfirmReceipt is the buyer confirming the goods arrived as agreed: the
// order completes, escrow pays the supplier what it holds net of fees (after
// any late-shipment compensation still owed), the supplier's limit
// reservation is given back and the order enters the supplier's record.
func (s *Service) ConfirmReceipt(ctx context.Context, by payment.Actor, id, key string) (*Order, error) {
	return s.atomic(ctx, func(ctx context.Context) (*Order, error) {
		s.prefetch(ctx, id)
		return s.do(ctx, by, id, callerKey(key), "confirm_receipt", nil, func(c *change) error { return s.complete(c) })
	})
}

// Cancel calls the order off. Before anything is paid, the buyer, the
// supplier or the platform cancels it. Once paid and before production
// starts, any of them calls it off and the buyer is refunded everything in
// escrow; once production has started only the supplier or the platform
// may (abandon), and the buyer's way is a dispute. While a payment is
// processing the order cannot be called off (ErrPaymentProcessing).
func (s *Service) Cancel(ctx context.Context, by payment.Actor, id, key, reason string) (*Order, error) {
	if err := payment.CheckLengths(ErrInvalidRequest, payment.CheckText("the reason", reason)); err != nil {
		return nil, err
	}
	return s.do(ctx, by, id, callerKey(key), "cancel", reason, func(c *change) error {
		c.note = reason
		ev := Cancel
		switch c.o.State {
		case Paid:
			ev = Refund
		case InProduction, AwaitingInspection, ReadyToShip:
			ev = Abandon
		}
		if _, err := Next(c.ctx, c.o.State, ev, by); err != nil {
			return err
		}
		if c.o.PaymentProcessing() {
			return fmt.Errorf("%w: order %s cannot be called off until its payment settles", ErrPaymentProcessing, c.o.ID)
		}
		if err := c.fire(ev); err != nil {
			return err
		}
		if ev != Cancel {
			s.refund(c, ev == Abandon)
		}
		return nil
	})
}

// complete moves the order to Completed and records the settlement with
// the supplier: the late compensation still owed, the release of what
// remains, the limit given back and the order recorded.
func (s *Service) complete(c *change) error {
	if _, err := Next(c.ctx, c.o.State, ConfirmReceipt, c.by); err != nil {
		return err
	}
	// The compensation still owed is decided while the order is delivered,
	// and paid before the release.
	if err := s.compensateLate(c); err != nil {
		return err
	}
	if err := c.fire(ConfirmReceipt); err != nil {
		return err
	}
	if left := c.o.Remaining(); left.IsPositive() {
		fee, service, err := c.o.supplierFees()
		if err != nil {
			return err
		}
		s.releasing(c, func(ctx context.Context, key string, recover payment.Money) (*escrow.Receipt, error) {
			return s.escrow.Release(ctx, s.actor, c.o.ID, key, escrow.ReleaseRequest{Amount: left, Fee: fee, ServiceFee: service, Recover: recover, Memo: "receipt confirmed"})
		})
	}
	s.releaseLimit(c)
	s.recordOrder(c)
	return nil
}

// refund records the return of what the order holds to the buyer: the
// escrow refund, the refunds on the payment records (latest payment
// first), the limit given back and, when the supplier abandoned the order,
// the order in the supplier's record.
func (s *Service) refund(c *change, abandoned bool) {
	if left := c.o.Remaining(); left.IsPositive() {
		memo := "order called off: " + string(c.event)
		c.escrowOp(func(ctx context.Context, key string) (*escrow.Receipt, error) {
			return s.escrow.Refund(ctx, s.actor, c.o.ID, key, escrow.RefundRequest{Amount: left, Memo: memo})
		})
		s.refundRecords(c, left)
	}
	s.releaseLimit(c)
	if abandoned {
		s.recordOrder(c)
	}
}

// refundRecords records refunds of left in all on the order's paid
// payments, the latest payment first.
func (s *Service) refundRecords(c *change, left payment.Money) {
	for _, p := range slices.Backward(c.o.Payments) {
		if p.PaidAt.IsZero() || !left.IsPositive() {
			continue
		}
		part := p.Amount
		if part.Minor() > left.Minor() {
			part = left
		}
		left, _ = left.Sub(part)
		s.refundRecord(c, p.PaymentID, part)
	}
}

// supplierFees returns the payment fees the supplier bears on the order's
// paid payments, and of them the programme's service fees, in the order's
// currency; the zero Money for none.
func (o *Order) supplierFees() (fees, service payment.Money, err error) {
	for _, p := range o.Payments {
		if p.PaidAt.IsZero() {
			continue
		}
		if fees, err = addFee(fees, p.SupplierFee); err != nil {
			return payment.Money{}, payment.Money{}, err
		}
		if service, err = addFee(service, p.ServiceFee); err != nil {
			return payment.Money{}, payment.Money{}, err
		}
	}
	return fees, service, nil
}

// addFee adds fee to sum unless it is zero or unset; sum is the zero
// Money until a fee is added.
func addFee(sum, fee payment.Money) (payment.Money, error) {
	switch {
	case fee == (payment.Money{}) || !fee.IsPositive():
		return sum, nil
	case sum == (payment.Money{}):
		return fee, nil
	}
	return sum.Add(fee)
}

// actionKey is the idempotency key of an action, in one of two namespaces
// that never meet: a caller's key, scoped to the order and the operation,
// or a reference the service makes for its own actions (Action.Key and
// Action.Ref). Exactly one of the two is set.
type actionKey struct{ caller, ref string }

// callerKey is a caller's idempotency key.
func callerKey(key string) actionKey { return actionKey{caller: key} }

// ownKey is the reference of one of the service's own actions.
func ownKey(ref string) actionKey { return actionKey{ref: ref} }

func (k actionKey) String() string {
	if k.ref != "" {
		return "the service's own " + strconv.Quote(k.ref)
	}
	return strconv.Quote(k.caller)
}

// action returns the action of the order's history done under k: a
// caller's key by operation name, the service's reference whatever the
// name.
func (o *Order) action(name string, k actionKey) (Action, bool) {
	for _, a := range o.History.All() {
		if k.ref != "" && a.Ref == k.ref || k.ref == "" && a.Key == k.caller && a.Name == name {
			return a, true
		}
	}
	return Action{}, false
}

// latest returns the later of a and b.
func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// open returns an ErrWindowClosed error when the order's confirmation or
// payment window has closed at now: it waits for the sweep to expire it.
func (s *Service) open(o *Order, now time.Time) error {
	if exp := s.expiresAt(o); !exp.IsZero() && !now.Before(exp) {
		return fmt.Errorf("%w: order %s's %s window closed at %s; it expires at the next sweep",
			ErrWindowClosed, o.ID, o.State, exp.Format(time.RFC3339))
	}
	return nil
}

// mismatch is the error of k reused on o for another request than a's.
func mismatch(o *Order, k actionKey, a Action) error {
	return fmt.Errorf("%w: key %s of order %s was used for another %s request", ErrIdempotencyMismatch, k, o.ID, a.Name)
}

// change is one action in progress: the order (a copy the store gave the
// update), the actor, the time, and what the action did and requires of
// other aggregates.
type change struct {
	ctx     context.Context
	o       *Order
	by      payment.Actor
	now     time.Time
	event   Event
	note    string
	effects []effect
}

// fire moves the order by ev, fired by the change's actor.
func (c *change) fire(ev Event) error {
	to, err := Next(c.ctx, c.o.State, ev, c.by)
	if err != nil {
		return err
	}
	c.o.State, c.event = to, ev
	return nil
}

// do runs an action under a caller's key: the fingerprint covers the
// actor and the request.
func (s *Service) do(ctx context.Context, by payment.Actor, id string, k actionKey, name string, req any, fn func(*change) error) (*Order, error) {
	fp, err := fingerprint(name, by, req)
	if err != nil {
		return nil, err
	}
	return s.act(ctx, by, id, k, name, fp, s.clock.Now(), fn)
}

// fingerprint returns the digest of a request, refusing one that cannot
// be fingerprinted (invalid UTF-8) with ErrInvalidRequest.
func fingerprint(name string, by payment.Actor, req any) (string, error) {
	fp, err := idem.Fingerprint(struct {
		Name string
		By   payment.Actor
		Req  any
	}{name, by, req})
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	return fp, nil
}

// act applies fn to the order in one store update, unless k was used on
// the order before: then it is a replay (the same fingerprint) or an
// ErrIdempotencyMismatch error. A buyer or supplier actor must be the
// order's. The update records the action in the history and the new
// deadline, and runs the work fn recorded on other aggregates, in the
// unit of work of the update.
func (s *Service) act(ctx context.Context, by payment.Actor, id string, k actionKey, name, fp string, now time.Time, fn func(*change) error) (*Order, error) {
	o, _, err := s.actOnce(ctx, by, id, k, name, fp, now, fn)
	return o, err
}

// actOnce is act, also reporting whether the action was a replay: done
// before under key, by this call's retry or by another caller.
func (s *Service) actOnce(ctx context.Context, by payment.Actor, id string, k actionKey, name, fp string, now time.Time, fn func(*change) error) (*Order, bool, error) {
	if k == (actionKey{}) {
		return nil, false, invalidf("%s: no idempotency key", name)
	}
	if err := payment.CheckLengths(ErrInvalidRequest, payment.CheckID("the idempotency key", k.caller), payment.CheckID("the order id", id)); err != nil {
		return nil, false, err
	}
	if err := by.Validate(); err != nil {
		return nil, false, err
	}
	replayed := false
	o, err := s.atomic(ctx, func(ctx context.Context) (*Order, error) {
		return s.update(ctx, by, id, k, name, fp, now, fn, &replayed)
	})
	return o, replayed, err
}

// update records the action on the order, in the unit of work ctx
// carries.
func (s *Service) update(ctx context.Context, by payment.Actor, id string, k actionKey, name, fp string, now time.Time, fn func(*change) error, replayed *bool) (*Order, error) {
	return idem.Update(func(f func(*Order) error) (*Order, error) { return s.store.Update(ctx, id, f) }, func(o *Order) error {
		*replayed = false
		if (by.Role == payment.RoleBuyer || by.Role == payment.RoleSupplier) && !o.party(by) {
			return &payment.ActorError{Actor: by, Action: fmt.Sprintf("%s order %s", name, o.ID)}
		}
		if a, ok := o.action(name, k); ok {
			if a.Fingerprint != fp {
				return mismatch(o, k, a)
			}
			*replayed = true
			return idem.ErrUnchanged
		}
		// An order's time never goes back: a clock reading before the
		// order's last action is taken as that action's time, so a window
		// the order saw closed stays closed.
		at := latest(now, o.UpdatedAt)
		if k.ref != refExpire {
			if err := s.open(o, at); err != nil {
				return err
			}
		}
		c := &change{ctx: ctx, o: o, by: by, now: at}
		from := o.State
		if err := fn(c); err != nil {
			return err
		}
		seq := o.History.Len() + 1
		o.History = o.History.add(Action{Seq: seq, Name: name, Event: c.event, By: by, At: at,
			From: from, To: o.State, Key: k.caller, Ref: k.ref, Fingerprint: fp, Note: c.note})
		if err := c.run(ctx, seq); err != nil {
			return err
		}
		if err := s.record(ctx, o); err != nil {
			return err
		}
		o.UpdatedAt = at
		o.Deadline = s.deadline(o)
		return nil
	})
}
