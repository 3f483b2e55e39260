package supplier

import (
	"encoding/json"
	"iter"
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

// OrderRecord is one order of the supplier's: opened (Service.OpenOrder:
// its id and buyer), then completed (or refunded) as the order package
// reports it, and the buyer's review of it once given. The supplier's
// Record counts it once completed and its Volume adds its value; the
// record itself is kept beside the supplier, in the store's history
// (Store.OrderRecord), so that the supplier stays the same size however
// many orders it has completed.
type OrderRecord struct {
	OrderID     string        `json:"order_id"`
	BuyerID     string        `json:"buyer_id"`
	Value       payment.Money `json:"value"` // in the limit's currency
	CompletedAt time.Time     `json:"completed_at"`
	OnTime      bool          `json:"on_time"`      // shipped by the agreed date
	Disputed    bool          `json:"disputed"`     // a claim was opened
	DisputeLost bool          `json:"dispute_lost"` // and decided against the supplier
	// Inspected reports that the goods passed a third-party inspection
	// before shipment: the order gives the supplier a quality-assurance
	// mark (Record.QualityMarks).
	Inspected bool `json:"inspected,omitempty"`
	// Release is what the order's release did, as its escrow ledger says;
	// zero when nothing was released. Recording the order credits what it
	// paid the supplier to the supplier's Balance, once.
	Release Release `json:"release,omitzero"`
	Review  Review  `json:"review,omitzero"` // the buyer's, once given (Service.AddReview); zero: none
}

// Release is what the release of an order did, in the order's currency,
// as its escrow account's balance says: what it paid the supplier (net
// of the fees and of what it withheld; Balance.Released), the platform's
// fees it took (Balance.Fees) and what it withheld for the programme's
// guarantee (Balance.Recovered). A figure of nothing is the zero Money.
type Release struct {
	Paid     payment.Money `json:"paid"`
	Fees     payment.Money `json:"fees"`
	Withheld payment.Money `json:"withheld"`
}

// IsZero reports whether nothing was released.
func (r Release) IsZero() bool { return r == Release{} }

// currency returns the currency of r's figures, and whether they agree
// and none is negative.
func (r Release) currency() (payment.Currency, bool) {
	var cur payment.Currency
	for _, m := range []payment.Money{r.Paid, r.Fees, r.Withheld} {
		switch {
		case m == (payment.Money{}):
		case m.Currency().Validate() != nil || m.IsNegative() || cur != "" && m.Currency() != cur:
			return "", false
		default:
			cur = m.Currency()
		}
	}
	return cur, true
}

// Open reports whether the record is of an order opened (Service.OpenOrder)
// and not completed yet: the supplier's Record does not count it.
func (o OrderRecord) Open() bool { return o.CompletedAt.IsZero() }

// equal reports whether o and p record the same order (times as instants),
// whatever their reviews.
func (o OrderRecord) equal(p OrderRecord) bool {
	a, b := o, p
	a.CompletedAt, b.CompletedAt, a.Review, b.Review = time.Time{}, time.Time{}, Review{}, Review{}
	return a == b && o.CompletedAt.Equal(p.CompletedAt)
}

// amendedBy returns o's record amended by p, a later report of the same
// order: the disputes p records after completion (Disputed and DisputeLost
// turn true, never back), and nothing else of p's. It is false when p is
// another buyer's or takes a dispute back.
func (o OrderRecord) amendedBy(p OrderRecord) (*OrderRecord, bool) {
	if p.OrderID != o.OrderID || p.BuyerID != o.BuyerID || (o.Disputed && !p.Disputed) || (o.DisputeLost && !p.DisputeLost) {
		return nil, false
	}
	a := o
	a.Disputed, a.DisputeLost = p.Disputed, p.DisputeLost
	return &a, true
}

// Inquiry is one buyer inquiry and the supplier's response, for the
// response rate and speed. Like an OrderRecord it is kept beside the
// supplier (Store.Inquiry) and counted in its Record.
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

// Record is what the credit rating counts, over the supplier's whole
// history: counters, so that rating a supplier with 10,000 past orders
// costs what rating one with 10 does. The records counted are kept beside
// the supplier (OrderRecord, Inquiry).
type Record struct {
	Completed    int           `json:"completed"` // orders recorded
	OnTime       int           `json:"on_time"`   // of which shipped by the agreed date
	Disputed     int           `json:"disputed"`  // of which with a claim
	DisputesLost int           `json:"disputes_lost"`
	Inquiries    int           `json:"inquiries"`     // inquiries received
	Responded    int           `json:"responded"`     // of which answered
	ResponseTime time.Duration `json:"response_time"` // the answered ones' time to answer, in total
	Reviews      int           `json:"reviews"`
	Stars        int           `json:"stars"` // the reviews' stars above one, in total: 0 to 4 each
	// QualityMarks counts the orders whose goods passed a third-party
	// inspection (OrderRecord.Inspected): quality-assurance marks, which
	// the search ranks by after the rating (Rank).
	QualityMarks int `json:"quality_marks,omitempty"`
}

// Volume is the value of the orders completed on one day (UTC), in minor
// units of the limit's currency: the trailing volume the limit counts is
// the sum of the days of its window. A day whose orders add up to more
// than an int64 holds has more than one Volume. It holds no pointer, so
// that copying a supplier's 181 days of volume is one copy of memory.
type Volume struct {
	Day   int32 `json:"day"`   // days since 1970-01-01 (UTC)
	Minor int64 `json:"minor"` // the value, in minor units of the limit's currency
}

// Volumes are a supplier's volume by day, oldest first: read-only, so
// that every copy of a supplier shares them (a supplier with 181 days of
// volume copies none of them when it is reserved against or released).
// Recording an order makes new Volumes; the window passing a day drops it
// without a copy. They encode in JSON as the array of their days.
type Volumes struct {
	days []Volume // clipped, never written once shared
}

// NewVolumes returns the volume of days, a copy of them, which must be
// oldest first.
func NewVolumes(days ...Volume) Volumes { return Volumes{days: slices.Clip(slices.Clone(days))} }

// Len returns the number of days.
func (v Volumes) Len() int { return len(v.days) }

// At returns the i-th day, from 0, oldest first; it panics when there is
// none.
func (v Volumes) At(i int) Volume { return v.days[i] }

// All yields each day with its index, oldest first.
func (v Volumes) All() iter.Seq2[int, Volume] { return slices.All(v.days) }

// Days returns a copy of the days, oldest first.
func (v Volumes) Days() []Volume { return slices.Clone(v.days) }

// IsZero reports whether there is no day.
func (v Volumes) IsZero() bool { return len(v.days) == 0 }

// Equal reports whether v and w hold the same days.
func (v Volumes) Equal(w Volumes) bool { return slices.Equal(v.days, w.days) }

// MarshalJSON encodes the days, as an array.
func (v Volumes) MarshalJSON() ([]byte, error) {
	if v.days == nil {
		return []byte("[]"), nil
	}
	return json.Marshal(v.days)
}

// UnmarshalJSON decodes an array of days.
func (v *Volumes) UnmarshalJSON(data []byte) error {
	var days []Volume
	if err := json.Unmarshal(data, &days); err != nil {
		return err
	}
	*v = Volumes{days: slices.Clip(days)}
	return nil
}

// Start returns the instant the day of v begins.
func (v Volume) Start() time.Time { return time.Unix(int64(v.Day)*secondsPerDay, 0).UTC() }

const secondsPerDay = 24 * 60 * 60

// day returns the day (UTC) of t, as a Volume counts it.
func day(t time.Time) int32 {
	s := t.Unix()
	d := s / secondsPerDay
	if s%secondsPerDay < 0 {
		d--
	}
	return int32(d)
}

// Reservation is the part of the limit an order's coverage holds.
type Reservation struct {
	OrderID string        `json:"order_id"`
	Amount  payment.Money `json:"amount"`
	At      time.Time     `json:"at"`
}

// Term is one line of how a figure was derived (an Explanation): a named
// input, its value and what it contributed.
type Term struct {
	Name   string          `json:"name"`
	Input  string          `json:"input"`  // the input, as text ("7 years", "USD 120000.00")
	Amount decimal.Decimal `json:"amount"` // what it contributed (money for the limit, points for the rating)
}

// Limit is the supplier's Trade Assurance limit and when it was computed;
// Rules.Explain says how.
type Limit struct {
	Amount     payment.Money `json:"amount"`
	ComputedAt time.Time     `json:"computed_at"`
}

// Rating is the supplier's credit rating and when it was computed;
// Rules.Explain says how.
type Rating struct {
	Score      decimal.Decimal `json:"score"` // 0 to 100, one decimal
	Grade      string          `json:"grade"`
	ComputedAt time.Time       `json:"computed_at"`
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

	Record       Record        `json:"record"`
	Volume       Volumes       `json:"volume,omitzero"` // the days of the limit's volume window, oldest first
	Reservations []Reservation `json:"reservations,omitempty"`
	// Receivables are what the supplier owes the programme's guarantee,
	// by order (Owed sums what is outstanding).
	Receivables []Receivable `json:"receivables,omitempty"`
	// Balances are the supplier's payable balances, one per currency its
	// orders were released in (Balance returns one); PayoutDestination is
	// where its payouts go (SetPayoutDestination).
	Balances          []Balance `json:"balances,omitempty"`
	PayoutDestination string    `json:"payout_destination,omitempty"`
	// Entries is the number of the entries of its balances' ledger
	// (BalanceEntry.Seq of the last).
	Entries int64 `json:"entries,omitempty"`

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
	// c.Volume is s's: Volumes never change.
	c.Reservations = slices.Clone(s.Reservations)
	c.Balances = slices.Clone(s.Balances)
	c.Receivables = slices.Clone(s.Receivables)
	for i := range c.Receivables {
		c.Receivables[i].Recoveries = slices.Clone(c.Receivables[i].Recoveries)
	}
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
