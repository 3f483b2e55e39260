package supplier

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tradeassure/tradeassure/internal/idem"
	"github.com/tradeassure/tradeassure/payment"
)

// Config configures a Service.
type Config struct {
	// Store keeps the suppliers. Required.
	Store Store
	// Clock tells the time. Required.
	Clock payment.Clock
	// Rules are the programme's rules. Default: DefaultRules().
	// NewService keeps a copy: changing them afterwards, their maps and
	// slices included, changes nothing for the Service.
	Rules *Rules
	// Unit makes each change one unit of work over the supplier and its
	// history. It must be the unit of the store's kind. A change made
	// inside another service's unit (the order service's) joins it.
	// Default: payment.MemoryUnit(), the in-memory stores' (a store of
	// another kind refuses every call made inside it).
	Unit payment.UnitOfWork
	// Outbox receives, in each change's unit, its message (a Notice).
	// Default: none, and no messages.
	Outbox payment.Outbox
}

// Service keeps suppliers' programme records. Every change of a supplier's
// documents or record re-evaluates, in the same update, its status (from its
// documents at the clock's now), its credit rating and its Trade Assurance
// limit; Evaluate does only that, for documents that lapse with time.
type Service struct {
	store  Store
	clock  payment.Clock
	rules  Rules
	eval   *evaluator // rules, made ready for every write's evaluation
	unit   payment.UnitOfWork
	outbox payment.Outbox
}

// NewService returns a Service for cfg.
func NewService(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Clock == nil {
		return nil, invalidf("supplier.Config needs a Store and a Clock")
	}
	rules := DefaultRules()
	if cfg.Rules != nil {
		rules = cfg.Rules.clone()
	}
	if err := rules.Validate(); err != nil {
		return nil, err
	}
	unit := cfg.Unit
	if unit == nil {
		unit = payment.MemoryUnit()
	}
	return &Service{store: cfg.Store, clock: cfg.Clock, rules: rules, eval: newEvaluator(rules), unit: unit, outbox: cfg.Outbox}, nil
}

// RegisterRequest registers a supplier.
type RegisterRequest struct {
	ID            string          `json:"id"`
	Company       string          `json:"company"`
	Country       payment.Country `json:"country"`
	EstablishedOn time.Time       `json:"established_on"`
	MainProducts  []string        `json:"main_products,omitempty"`
}

// Register creates a supplier's record, in status applied. The supplier
// itself or a platform agent registers it. Registering again with the same
// request returns the record; with another, ErrDuplicate.
func (s *Service) Register(ctx context.Context, by payment.Actor, req RegisterRequest) (*Supplier, error) {
	if err := s.self(by, req.ID, "register supplier "+req.ID); err != nil {
		return nil, err
	}
	switch {
	case req.ID == "" || req.Company == "":
		return nil, invalidf("a supplier needs an id and a company name")
	case req.EstablishedOn.IsZero() || req.EstablishedOn.After(s.clock.Now()):
		return nil, invalidf("a supplier needs its date of establishment, not in the future")
	}
	checks := []error{payment.CheckID("the supplier id", req.ID), payment.CheckText("the company", req.Company)}
	for _, p := range req.MainProducts {
		checks = append(checks, payment.CheckText("a main product", p))
	}
	if err := payment.CheckLengths(ErrInvalidRequest, checks...); err != nil {
		return nil, err
	}
	if err := req.Country.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	now := s.clock.Now()
	sup := &Supplier{
		ID: req.ID, Company: req.Company, Country: req.Country, EstablishedOn: req.EstablishedOn,
		MainProducts: slices.Clone(req.MainProducts), Status: StatusApplied, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.refresh(sup, now); err != nil {
		return nil, err
	}
	return s.atomic(ctx, func(ctx context.Context) (*Supplier, error) { return s.register(ctx, sup, req) })
}

func (s *Service) register(ctx context.Context, sup *Supplier, req RegisterRequest) (*Supplier, error) {
	created, err := s.store.Create(ctx, sup)
	if err == nil {
		if err := s.record(ctx, created, 1, "register"); err != nil {
			return nil, err
		}
		return created, nil
	}
	if !errors.Is(err, ErrDuplicate) {
		return nil, err
	}
	existing, err := s.store.Supplier(ctx, req.ID)
	if err != nil {
		return nil, err
	}
	if existing.Company != req.Company || existing.Country != req.Country || !existing.EstablishedOn.Equal(req.EstablishedOn) ||
		!slices.Equal(existing.MainProducts, req.MainProducts) {
		return nil, fmt.Errorf("%w: supplier %s is registered with other details", ErrDuplicate, req.ID)
	}
	return existing, nil
}

// SubmitDocument adds a verification document, pending review. The
// supplier itself or a platform agent submits. Submitting the same document
// (same ID and content) again changes nothing; another content under the
// same ID is ErrIdempotencyMismatch.
func (s *Service) SubmitDocument(ctx context.Context, by payment.Actor, supplierID string, d Document) (*Supplier, error) {
	if err := s.self(by, supplierID, "submit documents for supplier "+supplierID); err != nil {
		return nil, err
	}
	checks := []error{payment.CheckID("the document id", d.ID), payment.CheckText("the issuer", d.Issuer), payment.CheckText("the number", d.Number)}
	for _, f := range d.Files {
		checks = append(checks, payment.CheckText("a file", f))
	}
	if err := payment.CheckLengths(ErrInvalidRequest, checks...); err != nil {
		return nil, err
	}
	switch {
	case d.ID == "" || d.Issuer == "" || d.Number == "":
		return nil, invalidf("a document needs an id, an issuer and a number")
	case !slices.Contains(DocumentKinds(), d.Kind):
		return nil, invalidf("unknown document kind %q", d.Kind)
	case d.ValidFrom.IsZero() || !d.ValidUntil.IsZero() && !d.ValidUntil.After(d.ValidFrom):
		return nil, invalidf("document %s: valid from %s until %s", d.ID, d.ValidFrom, d.ValidUntil)
	}
	d.Outcome, d.ReviewedBy, d.ReviewedAt, d.ReviewNote = ReviewPending, payment.Actor{}, time.Time{}, ""
	return s.update(ctx, "submit_document", supplierID, false, func(sup *Supplier, now time.Time) error {
		if i := slices.IndexFunc(sup.Documents, func(x Document) bool { return x.ID == d.ID }); i >= 0 {
			prev := sup.Documents[i]
			prev.Outcome, prev.ReviewedBy, prev.ReviewedAt, prev.ReviewNote = d.Outcome, d.ReviewedBy, d.ReviewedAt, d.ReviewNote
			if !sameDocument(prev, d) {
				return fmt.Errorf("%w: document %s", ErrIdempotencyMismatch, d.ID)
			}
			return idem.ErrUnchanged
		}
		sup.Documents = append(sup.Documents, d)
		return nil
	})
}

func sameDocument(a, b Document) bool {
	return a.Kind == b.Kind && a.Issuer == b.Issuer && a.Number == b.Number && a.ValidFrom.Equal(b.ValidFrom) &&
		a.ValidUntil.Equal(b.ValidUntil) && slices.Equal(a.Files, b.Files)
}

// ReviewDocument records a platform agent's review of a document: approved
// or rejected, with a note. The supplier is re-evaluated at once.
func (s *Service) ReviewDocument(ctx context.Context, by payment.Actor, supplierID, documentID string, approve bool, note string) (*Supplier, error) {
	if err := payment.RequireRole(by, "review supplier documents", payment.RolePlatform); err != nil {
		return nil, err
	}
	if err := payment.CheckLengths(ErrInvalidRequest, payment.CheckID("the document id", documentID), payment.CheckText("the note", note)); err != nil {
		return nil, err
	}
	outcome := ReviewRejected
	if approve {
		outcome = ReviewApproved
	}
	return s.update(ctx, "review_document", supplierID, false, func(sup *Supplier, now time.Time) error {
		i := slices.IndexFunc(sup.Documents, func(x Document) bool { return x.ID == documentID })
		if i < 0 {
			return fmt.Errorf("%w: document %s of supplier %s", ErrNotFound, documentID, supplierID)
		}
		d := &sup.Documents[i]
		if d.Outcome == outcome && d.ReviewNote == note && d.ReviewedBy == by {
			return idem.ErrUnchanged
		}
		d.Outcome, d.ReviewedBy, d.ReviewedAt, d.ReviewNote = outcome, by, now, note
		return nil
	})
}

// Evaluate re-evaluates a supplier at the clock's now: its status from its
// documents (a required document that lapsed suspends an enrolled
// supplier; renewed, it is enrolled again), its rating and its limit. A
// system actor (a scheduler) or a platform agent evaluates.
func (s *Service) Evaluate(ctx context.Context, by payment.Actor, supplierID string) (*Supplier, error) {
	if err := payment.RequireRole(by, "evaluate suppliers", payment.RoleSystem, payment.RolePlatform); err != nil {
		return nil, err
	}
	return s.update(ctx, "evaluate", supplierID, true, func(*Supplier, time.Time) error { return nil })
}

// Remove removes a supplier from the programme, for good. Only a platform
// agent may; its reservations stand until their orders release them.
func (s *Service) Remove(ctx context.Context, by payment.Actor, supplierID, reason string) (*Supplier, error) {
	if err := payment.RequireRole(by, "remove suppliers", payment.RolePlatform); err != nil {
		return nil, err
	}
	if reason == "" {
		return nil, invalidf("a removal needs a reason")
	}
	return s.update(ctx, "remove", supplierID, true, func(sup *Supplier, _ time.Time) error {
		if sup.Status == StatusRemoved {
			return idem.ErrUnchanged
		}
		sup.Status = StatusRemoved
		sup.StatusReasons = []payment.Reason{{Code: ReasonRemoved, Text: reason}}
		return nil
	})
}

// RecordOrder records a completed (or refunded) order of the supplier, as
// the order package reports it; it is idempotent per order. Its value must
// be in the limit's currency. What its release paid the supplier
// (OrderRecord.Release) is credited to the supplier's balance in its
// currency, in the same unit of work, and repays what the supplier owes
// in it first; only a system actor (the order service) records it, a
// platform agent's record credits nothing (a *payment.ActorError). A completed record is amended only by a
// dispute opened after completion (a claim after release): Disputed and
// DisputeLost may turn true, counted then, once; the rest of the record
// stays as first recorded, and any other change is ErrIdempotencyMismatch.
func (s *Service) RecordOrder(ctx context.Context, by payment.Actor, supplierID string, o OrderRecord) (*Supplier, error) {
	if err := payment.RequireRole(by, "record orders", payment.RoleSystem, payment.RolePlatform); err != nil {
		return nil, err
	}
	if !o.Release.IsZero() {
		// Money a release paid: only the order service, in the release's
		// unit of work, knows it; an agent's hand never credits a balance.
		if err := payment.RequireRole(by, "credit what a release paid", payment.RoleSystem); err != nil {
			return nil, err
		}
	}
	switch {
	case o.OrderID == "" || o.BuyerID == "" || o.CompletedAt.IsZero():
		return nil, invalidf("an order record needs an order, a buyer and a completion time")
	case o.DisputeLost && !o.Disputed:
		return nil, invalidf("order %s: a dispute lost must be a dispute", o.OrderID)
	case o.Value.Currency() != s.rules.Limit.Currency:
		return nil, &payment.CurrencyMismatchError{Want: s.rules.Limit.Currency, Got: o.Value.Currency()}
	case !o.Value.IsPositive():
		return nil, fmt.Errorf("%w: order %s has value %s", payment.ErrInvalidAmount, o.OrderID, o.Value)
	case o.Review != Review{}:
		return nil, invalidf("order %s: a review is added by its buyer (AddReview), not recorded", o.OrderID)
	case !releaseValid(o.Release):
		return nil, fmt.Errorf("%w: order %s released %s, fees %s, withheld %s: one currency, none negative", payment.ErrInvalidAmount, o.OrderID,
			o.Release.Paid, o.Release.Fees, o.Release.Withheld)
	}
	if err := payment.CheckLengths(ErrInvalidRequest, payment.CheckID("the supplier id", supplierID), payment.CheckID("the order id", o.OrderID),
		payment.CheckID("the buyer id", o.BuyerID)); err != nil {
		return nil, err
	}
	return s.orderHistory(ctx, "record_order", supplierID, o.OrderID, func(prev *OrderRecord, sup *Supplier, j *journal, now time.Time) (*OrderRecord, error) {
		switch {
		case prev != nil && prev.Open():
			if prev.BuyerID != o.BuyerID {
				return nil, fmt.Errorf("%w: order %s was opened for buyer %s", ErrIdempotencyMismatch, o.OrderID, prev.BuyerID)
			}
		case prev != nil && prev.equal(o):
			return nil, idem.ErrUnchanged
		case prev != nil:
			amended, ok := prev.amendedBy(o)
			switch {
			case !ok || (amended.equal(*prev) && !prev.Disputed): // not a dispute: another record of the order
				return nil, fmt.Errorf("%w: order %s", ErrIdempotencyMismatch, o.OrderID)
			case amended.equal(*prev): // the amendment again
				return nil, idem.ErrUnchanged
			}
			// A dispute opened once the order was completed (a claim
			// after release): counted now, once.
			sup.Record.Disputed += count(amended.Disputed && !prev.Disputed)
			sup.Record.DisputesLost += count(amended.DisputeLost && !prev.DisputeLost)
			return amended, nil
		}
		r := &sup.Record
		r.Completed++
		r.OnTime += count(o.OnTime)
		r.Disputed += count(o.Disputed)
		r.DisputesLost += count(o.DisputeLost)
		r.QualityMarks += count(o.Inspected)
		s.rules.Limit.addVolume(sup, o, now)
		if err := sup.credit(j, o.OrderID, o.Release, now); err != nil {
			return nil, err
		}
		return &o, nil
	})
}

// OpenOrder records that order orderID of buyer buyerID is the
// supplier's, open: its record is there from the order's start, not
// counted until RecordOrder completes it, and SupplierOf finds the
// supplier from it. Opening an order the supplier has a record of changes
// nothing; an order another supplier has is ErrDuplicate.
func (s *Service) OpenOrder(ctx context.Context, by payment.Actor, supplierID, orderID, buyerID string) error {
	if err := payment.RequireRole(by, "open orders", payment.RoleSystem, payment.RolePlatform); err != nil {
		return err
	}
	if orderID == "" || buyerID == "" {
		return invalidf("an open order needs an order and a buyer")
	}
	if err := payment.CheckLengths(ErrInvalidRequest, payment.CheckID("the supplier id", supplierID), payment.CheckID("the order id", orderID),
		payment.CheckID("the buyer id", buyerID)); err != nil {
		return err
	}
	_, err := s.atomic(ctx, func(ctx context.Context) (*Supplier, error) {
		return nil, s.store.AddOrderRecord(ctx, supplierID, &OrderRecord{OrderID: orderID, BuyerID: buyerID})
	})
	return err
}

// SupplierOf returns the supplier of an order opened (OpenOrder) or
// recorded, or an error satisfying errors.Is(err, ErrNotFound).
func (s *Service) SupplierOf(ctx context.Context, orderID string) (*Supplier, error) {
	return s.store.SupplierOf(ctx, orderID)
}

// RecordOrderReads returns the reads that RecordOrder of order orderID of
// supplier supplierID makes (the supplier, its record of the order), for
// payment.Prefetch: an operation that records an order inside a larger
// unit of work (the order service's receipt) reads them ahead with its
// own, in one round trip on PostgreSQL.
func (s *Service) RecordOrderReads(supplierID, orderID string) []func(context.Context) error {
	return []func(context.Context) error{
		func(ctx context.Context) error { _, err := s.store.Supplier(ctx, supplierID); return err },
		func(ctx context.Context) error { _, err := s.store.OrderRecord(ctx, supplierID, orderID); return err },
	}
}

// releaseValid reports whether r's figures are in one currency and none
// is negative.
func releaseValid(r Release) bool { _, ok := r.currency(); return ok }

// count is 1 for true, 0 for false.
func count(b bool) int {
	if b {
		return 1
	}
	return 0
}

// RecordInquiry records a buyer's inquiry, and later the supplier's
// response (the same inquiry with RespondedAt set); it is idempotent per
// inquiry.
func (s *Service) RecordInquiry(ctx context.Context, by payment.Actor, supplierID string, q Inquiry) (*Supplier, error) {
	if err := payment.RequireRole(by, "record inquiries", payment.RoleSystem, payment.RolePlatform); err != nil {
		return nil, err
	}
	if q.ID == "" || q.ReceivedAt.IsZero() || !q.RespondedAt.IsZero() && q.RespondedAt.Before(q.ReceivedAt) {
		return nil, invalidf("an inquiry needs an id and a receipt time, and a response after it")
	}
	if err := payment.CheckLengths(ErrInvalidRequest, payment.CheckID("the supplier id", supplierID), payment.CheckID("the inquiry id", q.ID)); err != nil {
		return nil, err
	}
	var prev *Inquiry
	return s.history(ctx, "record_inquiry", supplierID, func(ctx context.Context) (err error) {
		prev, err = s.store.Inquiry(ctx, supplierID, q.ID)
		return err
	}, func(sup *Supplier, _ *journal, _ time.Time) error {
		r := &sup.Record
		switch {
		case prev == nil:
			r.Inquiries++
		case prev.equal(q):
			return idem.ErrUnchanged
		case !prev.ReceivedAt.Equal(q.ReceivedAt) || !prev.RespondedAt.IsZero():
			return fmt.Errorf("%w: inquiry %s", ErrIdempotencyMismatch, q.ID)
		}
		if !q.RespondedAt.IsZero() { // the response arrives
			r.Responded++
			r.ResponseTime += q.RespondedAt.Sub(q.ReceivedAt)
		}
		return nil
	}, func(ctx context.Context) error { return s.store.PutInquiry(ctx, supplierID, &q) })
}

// ReviewRequest is a buyer's review of a completed order.
type ReviewRequest struct {
	OrderID string `json:"order_id"`
	Rating  int    `json:"rating"` // 1 to 5
	Text    string `json:"text,omitempty"`
}

// AddReview records a buyer's review. Only the buyer of a completed order
// of the supplier may review it, once: the same review again changes
// nothing, another one is ErrDuplicate.
func (s *Service) AddReview(ctx context.Context, by payment.Actor, supplierID string, r ReviewRequest) (*Supplier, error) {
	if err := payment.RequireRole(by, "review suppliers", payment.RoleBuyer); err != nil {
		return nil, err
	}
	if r.Rating < 1 || r.Rating > 5 || r.OrderID == "" {
		return nil, invalidf("a review rates an order from 1 to 5")
	}
	if err := payment.CheckLengths(ErrInvalidRequest, payment.CheckID("the supplier id", supplierID), payment.CheckID("the order id", r.OrderID),
		payment.CheckText("the review", r.Text)); err != nil {
		return nil, err
	}
	return s.orderHistory(ctx, "add_review", supplierID, r.OrderID, func(rec *OrderRecord, sup *Supplier, _ *journal, now time.Time) (*OrderRecord, error) {
		switch {
		case rec == nil || rec.BuyerID != by.ID:
			return nil, &payment.ActorError{Actor: by, Action: "review order " + r.OrderID + " of supplier " + supplierID}
		case rec.Open():
			return nil, invalidf("order %s of supplier %s is not completed: it is reviewed once it is", r.OrderID, supplierID)
		case rec.Review != (Review{}):
			if rec.Review.Rating == r.Rating && rec.Review.Text == r.Text {
				return nil, idem.ErrUnchanged
			}
			return nil, fmt.Errorf("%w: order %s is reviewed already", ErrDuplicate, r.OrderID)
		}
		rec.Review = Review{OrderID: r.OrderID, BuyerID: by.ID, Rating: r.Rating, Text: r.Text, At: now}
		sup.Record.Reviews++
		sup.Record.Stars += r.Rating - 1
		return rec, nil
	})
}

// orderHistory is history for a change about the supplier's record of
// order orderID: fn sees the record (nil when there is none), changes the
// supplier's Record, and returns the record to write.
func (s *Service) orderHistory(ctx context.Context, name, supplierID, orderID string, fn func(*OrderRecord, *Supplier, *journal, time.Time) (*OrderRecord, error)) (*Supplier, error) {
	var prev, next *OrderRecord
	return s.history(ctx, name, supplierID, func(ctx context.Context) (err error) {
		prev, err = s.store.OrderRecord(ctx, supplierID, orderID)
		return err
	}, func(sup *Supplier, j *journal, now time.Time) (err error) {
		next, err = fn(prev, sup, j, now)
		return err
	}, func(ctx context.Context) error { return s.store.PutOrderRecord(ctx, supplierID, next) })
}

// Reserve reserves amount of the supplier's limit for an order's coverage,
// judging the supplier as it is now (a document that lapsed since the last
// evaluation has suspended it).
// Only an enrolled supplier's limit can be reserved, never beyond what is
// available (a *LimitError says how much is); the amount is in the limit's
// currency. Reserve is idempotent per order: the same amount again changes
// nothing, another amount is ErrIdempotencyMismatch (release first). Under
// heavy contention on one supplier it may return ErrConflict after its
// bounded retries; calling it again is safe.
func (s *Service) Reserve(ctx context.Context, by payment.Actor, supplierID, orderID string, amount payment.Money) (*Reservation, error) {
	if err := payment.RequireRole(by, "reserve limits", payment.RoleSystem, payment.RolePlatform); err != nil {
		return nil, err
	}
	if orderID == "" {
		return nil, invalidf("a reservation names its order")
	}
	if amount.Currency() != s.rules.Limit.Currency {
		return nil, &payment.CurrencyMismatchError{Want: s.rules.Limit.Currency, Got: amount.Currency()}
	}
	if !amount.IsPositive() {
		return nil, fmt.Errorf("%w: reservation of %s", payment.ErrInvalidAmount, amount)
	}
	var out Reservation
	_, err := s.reserve(ctx, "reserve", supplierID, func(sup *Supplier, now time.Time) error {
		if i, ok := sup.reservation(orderID); ok {
			if out = sup.Reservations[i]; out.Amount != amount {
				return fmt.Errorf("%w: order %s holds %s", ErrIdempotencyMismatch, orderID, out.Amount)
			}
			return idem.ErrUnchanged
		}
		if !sup.Enrolled() {
			return fmt.Errorf("%w: supplier %s is %s", ErrNotEnrolled, sup.ID, sup.Status)
		}
		if avail := sup.Available(); amount.Minor() > avail.Minor() {
			return &LimitError{SupplierID: sup.ID, Requested: amount, Available: avail}
		}
		out = Reservation{OrderID: orderID, Amount: amount, At: now}
		sup.Reservations = append(sup.Reservations, out)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Release gives an order's reservation back to the supplier's limit, when
// the order completes or is refunded. Releasing an order with no
// reservation changes nothing.
func (s *Service) Release(ctx context.Context, by payment.Actor, supplierID, orderID string) (*Supplier, error) {
	if err := payment.RequireRole(by, "release limits", payment.RoleSystem, payment.RolePlatform); err != nil {
		return nil, err
	}
	return s.reserve(ctx, "release", supplierID, func(sup *Supplier, _ time.Time) error {
		i, ok := sup.reservation(orderID)
		if !ok {
			return idem.ErrUnchanged
		}
		sup.Reservations = slices.Delete(sup.Reservations, i, i+1)
		return nil
	})
}

// Coverable answers, before payment, how much of amount the supplier's
// limit can cover now: covered plus uncovered is amount. A supplier that is
// not enrolled covers nothing.
func (s *Service) Coverable(ctx context.Context, supplierID string, amount payment.Money) (covered, uncovered payment.Money, err error) {
	sup, err := s.current(ctx, supplierID)
	if err != nil {
		return payment.Money{}, payment.Money{}, err
	}
	if amount.Currency() != s.rules.Limit.Currency {
		return payment.Money{}, payment.Money{}, &payment.CurrencyMismatchError{Want: s.rules.Limit.Currency, Got: amount.Currency()}
	}
	if amount.IsNegative() {
		return payment.Money{}, payment.Money{}, fmt.Errorf("%w: %s", payment.ErrInvalidAmount, amount)
	}
	avail := sup.Available()
	if !sup.Enrolled() {
		avail, _ = amount.Sub(amount)
	}
	if amount.Minor() <= avail.Minor() {
		covered = amount
	} else {
		covered = avail
	}
	uncovered, err = amount.Sub(covered)
	return covered, uncovered, err
}

// Supplier returns a supplier's record.
func (s *Service) Supplier(ctx context.Context, id string) (*Supplier, error) {
	return s.store.Supplier(ctx, id)
}

// OrderRecord returns the record of a completed order of the supplier, as
// RecordOrder recorded it, with its review.
func (s *Service) OrderRecord(ctx context.Context, supplierID, orderID string) (*OrderRecord, error) {
	return s.store.OrderRecord(ctx, supplierID, orderID)
}

// Inquiry returns an inquiry of the supplier, as RecordInquiry recorded
// it.
func (s *Service) Inquiry(ctx context.Context, supplierID, id string) (*Inquiry, error) {
	return s.store.Inquiry(ctx, supplierID, id)
}

// Search returns the suppliers in the order Rank gives, only the enrolled
// ones when programmeOnly is set.
func (s *Service) Search(ctx context.Context, programmeOnly bool) ([]*Supplier, error) {
	all, err := s.store.List(ctx)
	if err != nil {
		return nil, err
	}
	return Rank(all, programmeOnly), nil
}

// Rank orders suppliers for a buyer's search: suppliers enrolled in the
// programme first, then by rating score (highest first), then by
// quality-assurance marks (Record.QualityMarks, most first), then by id. With
// programmeOnly, only enrolled suppliers are kept. It returns a new slice
// and leaves the caller's alone.
func Rank(suppliers []*Supplier, programmeOnly bool) []*Supplier {
	suppliers = slices.Clone(suppliers)
	if programmeOnly {
		suppliers = slices.DeleteFunc(suppliers, func(s *Supplier) bool { return !s.Enrolled() })
	}
	slices.SortStableFunc(suppliers, func(a, b *Supplier) int {
		if a.Enrolled() != b.Enrolled() {
			if a.Enrolled() {
				return -1
			}
			return 1
		}
		if c := b.Rating.Score.Cmp(a.Rating.Score); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Record.QualityMarks, a.Record.QualityMarks); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return suppliers
}

// self allows the supplier id itself or a platform agent.
func (s *Service) self(by payment.Actor, id, action string) error {
	if err := payment.RequireRole(by, action, payment.RoleSupplier, payment.RolePlatform); err != nil {
		return err
	}
	if by.Role == payment.RoleSupplier && by.ID != id {
		return &payment.ActorError{Actor: by, Action: action}
	}
	return nil
}

// update applies fn to supplier id, retrying on conflicts, and
// re-evaluates the supplier at the clock's now after fn (so a lapsed
// document has suspended it); fn changes what the evaluation is derived
// from (documents, orders, inquiries, reviews) and reads none of what is
// derived (the status, save removal, the rating and the limit). fn returns
// idem.ErrUnchanged when there is nothing to write. A removed supplier
// changes no more (ErrRemoved) unless removedOK.
func (s *Service) update(ctx context.Context, name, id string, removedOK bool, fn func(*Supplier, time.Time) error) (*Supplier, error) {
	return s.updateAt(ctx, name, id, removedOK, true, fn)
}

// history is update for a change of the supplier's history: read reads
// the record the change is about (ErrNotFound: there is none yet), with
// the supplier, in one round trip where the unit can; fn changes the
// supplier's Record from it, and its balances (recording each movement
// in the journal it is given); put writes the record, and the journal's
// entries are stored, in the same unit, when fn changed something.
func (s *Service) history(ctx context.Context, name, id string, read func(context.Context) error, fn func(*Supplier, *journal, time.Time) error, put func(context.Context) error) (*Supplier, error) {
	return s.atomic(ctx, func(ctx context.Context) (*Supplier, error) {
		err := payment.Together(ctx,
			func(ctx context.Context) error { _, err := s.store.Supplier(ctx, id); return err },
			func(ctx context.Context) error {
				if err := read(ctx); !errors.Is(err, ErrNotFound) {
					return err
				}
				return nil
			})
		if err != nil {
			return nil, err
		}
		changed := false
		var moved journal
		sup, err := s.write(ctx, name, id, true, true, func(sup *Supplier, now time.Time) error {
			moved = nil
			err := fn(sup, &moved, now)
			changed = err == nil
			return err
		})
		if err != nil || !changed {
			return sup, err
		}
		if err := put(ctx); err != nil {
			return nil, err
		}
		if len(moved) > 0 {
			err = s.store.AddBalanceEntries(ctx, id, moved)
		}
		return sup, err
	})
}

// reserve is update for a change of the reservations alone, which nothing
// about the supplier is derived from: the supplier is re-evaluated before
// fn only (re-rating runs over the whole record of orders).
func (s *Service) reserve(ctx context.Context, name, id string, fn func(*Supplier, time.Time) error) (*Supplier, error) {
	return s.updateAt(ctx, name, id, true, false, fn)
}

// updateAt is update when after is set (the supplier re-evaluated after
// fn, also when fn changes nothing, so that what is returned is current)
// and reserve otherwise (re-evaluated before fn only), and records the
// change, named name, in the outbox, as one unit of work when the service
// has one.
func (s *Service) updateAt(ctx context.Context, name, id string, removedOK, after bool, fn func(*Supplier, time.Time) error) (*Supplier, error) {
	return s.atomic(ctx, func(ctx context.Context) (*Supplier, error) { return s.write(ctx, name, id, removedOK, after, fn) })
}

func (s *Service) write(ctx context.Context, name, id string, removedOK, after bool, fn func(*Supplier, time.Time) error) (*Supplier, error) {
	return idem.Update(func(f func(*Supplier) error) (*Supplier, error) {
		return s.store.Update(ctx, id, f)
	}, func(sup *Supplier) error {
		now := s.clock.Now()
		if sup.Status == StatusRemoved && !removedOK {
			return fmt.Errorf("%w: %s", ErrRemoved, sup.ID)
		}
		if !after {
			if err := s.refresh(sup, now); err != nil {
				return err
			}
		}
		err := fn(sup, now)
		if after && (err == nil || errors.Is(err, idem.ErrUnchanged)) {
			if rerr := s.refresh(sup, now); rerr != nil {
				return rerr
			}
		}
		if err != nil {
			return err
		}
		sup.UpdatedAt = now
		return s.record(ctx, sup, sup.Version+1, name)
	})
}

// atomic runs op as one unit of work (Config.Unit) when the service has
// one, run again whole when it lost a race; inside a unit the caller
// began, once, in it.
func (s *Service) atomic(ctx context.Context, op func(ctx context.Context) (*Supplier, error)) (*Supplier, error) {
	return idem.Atomic(ctx, s.unit, ErrConflict, func(err error) bool { return errors.Is(err, ErrConflict) || errors.Is(err, payment.ErrConflict) }, op)
}

// Notice is a domain event: one change of a supplier's record, named, with
// what the programme derives from it. It is the payload, in JSON, of the
// payment.Message the service appends to Config.Outbox in the change's
// unit of work (Aggregate "supplier", ID the supplier's, N the version the
// change wrote, Type "supplier." and the change: register,
// submit_document, review_document, evaluate, remove, record_order,
// record_inquiry, add_review, reserve, release, charge_receivable,
// recover_receivables, set_payout_destination, request_payout,
// report_payout; a payout's own steps are messages of their own:
// PayoutAggregate); NoticeOf decodes it.
type Notice struct {
	SupplierID string        `json:"supplier_id"`
	Change     string        `json:"change"`
	Status     Status        `json:"status"`
	Grade      string        `json:"grade,omitempty"`
	Limit      payment.Money `json:"limit"`
	Available  payment.Money `json:"available"`
}

// Aggregate is the Aggregate of the supplier service's messages.
const Aggregate = "supplier"

// NoticeOf returns the notice message m carries, or an error wrapping
// payment.ErrInvalidRequest when m is not a supplier's message.
func NoticeOf(m payment.Message) (Notice, error) {
	return payment.Payload[Notice](m, Aggregate)
}

// record appends the outbox message of change name of sup, which writes
// its version n, in the unit of work ctx carries, when the service has an
// outbox.
func (s *Service) record(ctx context.Context, sup *Supplier, n int64, name string) error {
	return payment.Emit(ctx, s.outbox, Aggregate, sup.ID, int(n), name, sup.UpdatedAt,
		Notice{SupplierID: sup.ID, Change: name, Status: sup.Status, Grade: sup.Rating.Grade, Limit: sup.Limit.Amount, Available: sup.Available()})
}

// current returns supplier id as it is at the clock's now.
func (s *Service) current(ctx context.Context, id string) (*Supplier, error) {
	sup, err := s.store.Supplier(ctx, id)
	if err != nil {
		return nil, err
	}
	return sup, s.refresh(sup, s.clock.Now())
}

// refresh re-evaluates sup's status, rating and limit at now.
func (s *Service) refresh(sup *Supplier, now time.Time) error {
	s.rules.Limit.prune(sup, now)
	if sup.Status != StatusRemoved {
		missing := s.eval.enrollment(sup, now)
		licence := validKind(sup.Documents, BusinessLicence, now)
		switch {
		case len(missing) == 0:
			sup.Status = StatusEnrolled
		case sup.Status == StatusEnrolled || sup.Status == StatusSuspended:
			sup.Status = StatusSuspended
		case licence:
			sup.Status = StatusVerified
		default:
			sup.Status = StatusApplied
		}
		sup.StatusReasons = missing
	}
	sup.Rating = s.eval.rating(sup, now)
	limit, err := s.eval.limit(sup, sup.Rating.Grade, now)
	if err != nil {
		return err
	}
	sup.Limit = limit
	return nil
}
