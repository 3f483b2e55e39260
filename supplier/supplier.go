package supplier

import (
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradeassure/tradeassure/payment"
)

// Status is where a supplier stands in the programme.
type Status string

// Programme statuses. Evaluate moves a supplier between applied, verified,
// enrolled and suspended from its documents; only a platform agent removes.
const (
	StatusApplied   Status = "applied"   // registered; documents not yet verified
	StatusVerified  Status = "verified"  // business licence verified; not every required document yet
	StatusEnrolled  Status = "enrolled"  // every required document verified and valid: orders can be covered
	StatusSuspended Status = "suspended" // was enrolled; a required document expired or was rejected
	StatusRemoved   Status = "removed"   // removed by the platform; final
)

// DocumentKind is a kind of verification document.
type DocumentKind string

// Document kinds.
const (
	BusinessLicence         DocumentKind = "business_licence"
	ProductionQualification DocumentKind = "production_qualification"
	ISO9001                 DocumentKind = "iso_9001"  // quality management
	ISO14001                DocumentKind = "iso_14001" // environmental management
	SocialResponsibility    DocumentKind = "social_responsibility"
	IntellectualProperty    DocumentKind = "intellectual_property"
	OnSiteCheck             DocumentKind = "on_site_check" // a report with factory photos
	OtherCertification      DocumentKind = "other_certification"
)

// DocumentKinds returns every document kind.
func DocumentKinds() []DocumentKind {
	return []DocumentKind{BusinessLicence, ProductionQualification, ISO9001, ISO14001,
		SocialResponsibility, IntellectualProperty, OnSiteCheck, OtherCertification}
}

// ReviewOutcome is the outcome of a platform agent's review of a document.
type ReviewOutcome string

// Review outcomes.
const (
	ReviewPending  ReviewOutcome = "pending"
	ReviewApproved ReviewOutcome = "approved"
	ReviewRejected ReviewOutcome = "rejected"
)

// Document is one verification document, as submitted and as reviewed. The
// SDK keeps references to files (URIs), never the files.
type Document struct {
	ID         string        `json:"id"`
	Kind       DocumentKind  `json:"kind"`
	Issuer     string        `json:"issuer"` // "SGS", a licensing authority, …
	Number     string        `json:"number"`
	ValidFrom  time.Time     `json:"valid_from"`
	ValidUntil time.Time     `json:"valid_until"`     // zero: does not expire
	Files      []string      `json:"files,omitempty"` // URIs: scans, factory photos
	Outcome    ReviewOutcome `json:"outcome"`
	ReviewedBy payment.Actor `json:"reviewed_by,omitempty"`
	ReviewedAt time.Time     `json:"reviewed_at,omitempty"`
	ReviewNote string        `json:"review_note,omitempty"`
}

// ValidAt reports whether the document is approved and in force at t.
func (d *Document) ValidAt(t time.Time) bool {
	return d.Outcome == ReviewApproved && !t.Before(d.ValidFrom) && (d.ValidUntil.IsZero() || t.Before(d.ValidUntil))
}

// OrderRecord is one completed (or refunded) order, as the order package
// reports it: it feeds the transaction volume, the on-time and dispute
// rates, and who may review.
type OrderRecord struct {
	OrderID     string        `json:"order_id"`
	BuyerID     string        `json:"buyer_id"`
	Value       payment.Money `json:"value"` // in the limit's currency
	CompletedAt time.Time     `json:"completed_at"`
	OnTime      bool          `json:"on_time"`      // shipped by the agreed date
	Disputed    bool          `json:"disputed"`     // a claim was opened
	DisputeLost bool          `json:"dispute_lost"` // and decided against the supplier
}

// equal reports whether o and p record the same order (times as instants).
func (o OrderRecord) equal(p OrderRecord) bool {
	a, b := o, p
	a.CompletedAt, b.CompletedAt = time.Time{}, time.Time{}
	return a == b && o.CompletedAt.Equal(p.CompletedAt)
}

// Inquiry is one buyer inquiry and the supplier's response, for the
// response rate and speed.
type Inquiry struct {
	ID          string    `json:"id"`
	ReceivedAt  time.Time `json:"received_at"`
	RespondedAt time.Time `json:"responded_at,omitempty"` // zero: no response
}

// equal reports whether q and r record the same inquiry (times as
// instants).
func (q Inquiry) equal(r Inquiry) bool {
	return q.ID == r.ID && q.ReceivedAt.Equal(r.ReceivedAt) && q.RespondedAt.Equal(r.RespondedAt)
}

// Review is a buyer's review of one completed order.
type Review struct {
	OrderID string    `json:"order_id"`
	BuyerID string    `json:"buyer_id"`
	Rating  int       `json:"rating"` // 1 to 5
	Text    string    `json:"text,omitempty"`
	At      time.Time `json:"at"`
}

// Reservation is the part of the limit an order's coverage holds.
type Reservation struct {
	OrderID string        `json:"order_id"`
	Amount  payment.Money `json:"amount"`
	At      time.Time     `json:"at"`
}

// Term is one line of how a figure was derived: a named input, its value
// and what it contributed.
type Term struct {
	Name   string          `json:"name"`
	Input  string          `json:"input"`  // the input, as text ("7 years", "USD 120000.00")
	Amount decimal.Decimal `json:"amount"` // what it contributed (money for the limit, points for the rating)
}

// Limit is the supplier's Trade Assurance limit and how it was computed.
type Limit struct {
	Amount     payment.Money `json:"amount"`
	ComputedAt time.Time     `json:"computed_at"`
	Derivation []Term        `json:"derivation"`
}

// Rating is the supplier's credit rating and how it was computed.
type Rating struct {
	Score      decimal.Decimal `json:"score"` // 0 to 100, one decimal
	Grade      string          `json:"grade"`
	ComputedAt time.Time       `json:"computed_at"`
	Derivation []Term          `json:"derivation"`
}

// Supplier is a supplier's record in the programme.
type Supplier struct {
	ID            string          `json:"id"`
	Company       string          `json:"company"`
	Country       payment.Country `json:"country"`
	EstablishedOn time.Time       `json:"established_on"`
	MainProducts  []string        `json:"main_products,omitempty"`

	Status        Status           `json:"status"`
	StatusReasons []payment.Reason `json:"status_reasons,omitempty"` // why not enrolled, or why suspended
	Documents     []Document       `json:"documents,omitempty"`

	Orders       []OrderRecord `json:"orders,omitempty"`
	Inquiries    []Inquiry     `json:"inquiries,omitempty"`
	Reviews      []Review      `json:"reviews,omitempty"`
	Reservations []Reservation `json:"reservations,omitempty"`

	Rating Rating `json:"rating"`
	Limit  Limit  `json:"limit"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Version is advanced by the store on every write.
	Version int64 `json:"version"`
}

// Clone returns a deep copy of s.
func (s *Supplier) Clone() *Supplier {
	c := *s
	c.MainProducts = slices.Clone(s.MainProducts)
	c.StatusReasons = slices.Clone(s.StatusReasons)
	c.Documents = slices.Clone(s.Documents)
	for i := range c.Documents {
		c.Documents[i].Files = slices.Clone(c.Documents[i].Files)
	}
	c.Orders = slices.Clone(s.Orders)
	c.Inquiries = slices.Clone(s.Inquiries)
	c.Reviews = slices.Clone(s.Reviews)
	c.Reservations = slices.Clone(s.Reservations)
	c.Rating.Derivation = slices.Clone(s.Rating.Derivation)
	c.Limit.Derivation = slices.Clone(s.Limit.Derivation)
	return &c
}

// Enrolled reports whether the supplier's orders can be covered.
func (s *Supplier) Enrolled() bool { return s.Status == StatusEnrolled }

// Reserved returns the sum of the supplier's reservations, in the limit's
// currency.
func (s *Supplier) Reserved() payment.Money {
	var units int64
	for _, r := range s.Reservations {
		units += r.Amount.Minor()
	}
	m, _ := payment.FromMinor(units, s.Limit.Amount.Currency()) // bounded by the limit: Reserve checks
	return m
}

// Available returns what is left of the limit: the limit less the
// reservations, never below zero (a limit recomputed below what is
// reserved leaves nothing available; the reservations stand).
func (s *Supplier) Available() payment.Money {
	left := s.Limit.Amount.Minor() - s.Reserved().Minor()
	m, _ := payment.FromMinor(max(left, 0), s.Limit.Amount.Currency())
	return m
}

// reservation returns the reservation of an order, if any.
func (s *Supplier) reservation(orderID string) (int, bool) {
	i := slices.IndexFunc(s.Reservations, func(r Reservation) bool { return r.OrderID == orderID })
	return i, i >= 0
}
