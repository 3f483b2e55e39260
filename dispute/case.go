package dispute

import (
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/payment"
)

// Reason is what a case is about. The buyer's reasons are claims the
// coverage rules judge; the supplier's are cases against the buyer.
type Reason string

// Reasons of a buyer's claim.
const (
	LateShipment       Reason = "late_shipment"       // the goods did not ship by the agreed date
	NonDelivery        Reason = "non_delivery"        // the goods did not arrive by the agreed date
	QualityNotAsAgreed Reason = "quality"             // below the contract's quality standard
	QuantityShort      Reason = "quantity_short"      // fewer goods than the contract says
	WrongSpecification Reason = "wrong_specification" // size, material, customisation or design differ
	Packaging          Reason = "packaging"           // the packaging differs from the contract's
	DamagedOnArrival   Reason = "damaged_on_arrival"  // the goods arrived damaged
	// ChangeOfMind: the buyer wants to return goods that meet the
	// contract. The programme never covers it: Open refuses such a claim
	// with a *coverage.NotCoveredError whose reason is
	// coverage.ReasonChangeOfMind, whatever the order's state, so that a
	// UI can say why.
	ChangeOfMind Reason = "change_of_mind"
)

// Reasons of a supplier's case.
const (
	CancelledAfterProduction Reason = "cancelled_after_production" // the buyer walked away once production had started
	BalanceRefused           Reason = "balance_refused"            // the buyer refuses to pay the balance of goods made
)

// Reasons returns every reason, the buyer's first, as a fresh slice.
func Reasons() []Reason {
	return []Reason{LateShipment, NonDelivery, QualityNotAsAgreed, QuantityShort, WrongSpecification, Packaging,
		DamagedOnArrival, ChangeOfMind, CancelledAfterProduction, BalanceRefused}
}

// Valid reports whether r is one of the defined reasons.
func (r Reason) Valid() bool { return slices.Contains(Reasons(), r) }

// Claimant returns the role that opens a case for r: the buyer for a
// claim, the supplier for a case against the buyer.
func (r Reason) Claimant() payment.Role {
	if r == CancelledAfterProduction || r == BalanceRefused {
		return payment.RoleSupplier
	}
	return payment.RoleBuyer
}

// Event returns the coverage event a buyer's claim is about; false for a
// supplier's case, which coverage does not judge.
func (r Reason) Event() (coverage.Event, bool) {
	switch r {
	case LateShipment:
		return coverage.LateShipment, true
	case NonDelivery:
		return coverage.NonDelivery, true
	case QualityNotAsAgreed:
		return coverage.NotAsDescribedQuality, true
	case QuantityShort:
		return coverage.NotAsDescribedQuantity, true
	case WrongSpecification:
		return coverage.NotAsDescribedSpecification, true
	case Packaging:
		return coverage.NotAsDescribedPackaging, true
	case DamagedOnArrival:
		return coverage.DamagedOnArrival, true
	case ChangeOfMind:
		return coverage.ChangeOfMind, true
	}
	return "", false
}

// AboutTheGoods reports whether r is a claim about the goods as they
// arrived (quality, quantity, specification, packaging, damage): such a
// claim needs evidence of the defect.
func (r Reason) AboutTheGoods() bool {
	switch r {
	case QualityNotAsAgreed, QuantityShort, WrongSpecification, Packaging, DamagedOnArrival:
		return true
	}
	return false
}

// EvidenceKind is a kind of evidence.
type EvidenceKind string

// Kinds of evidence.
const (
	Photo            EvidenceKind = "photo"
	Video            EvidenceKind = "video"
	InspectionReport EvidenceKind = "inspection_report" // from a third-party agency; Agency and Result are set
	Invoice          EvidenceKind = "invoice"
	BillOfLading     EvidenceKind = "bill_of_lading"
	PackingList      EvidenceKind = "packing_list"
	LoadingVideo     EvidenceKind = "loading_video" // the container being loaded
	ChatRecord       EvidenceKind = "chat_record"
	ContractClause   EvidenceKind = "contract_clause"
	ProofOfDelivery  EvidenceKind = "proof_of_delivery" // a signed delivery note or the carrier's record
)

// EvidenceKinds returns every kind, as a fresh slice.
func EvidenceKinds() []EvidenceKind {
	return []EvidenceKind{Photo, Video, InspectionReport, Invoice, BillOfLading, PackingList, LoadingVideo,
		ChatRecord, ContractClause, ProofOfDelivery}
}

// Valid reports whether k is one of the defined kinds.
func (k EvidenceKind) Valid() bool { return slices.Contains(EvidenceKinds(), k) }

// Agencies are the third-party inspection agencies the default rules
// recognise by name; a report from another agency counts as a party's own
// document.
func Agencies() []string { return []string{"SGS", "Intertek", "TÜV", "BV"} }

// Evidence is one item a party submitted. The SDK stores no files: URI
// says where the content is and SHA256 what it is, so that the content can
// be proven unchanged.
type Evidence struct {
	ID          string        `json:"id"`
	Kind        EvidenceKind  `json:"kind"`
	SubmittedBy payment.Actor `json:"submitted_by"`
	At          time.Time     `json:"at"`
	URI         string        `json:"uri"`
	// SHA256 is the hex SHA-256 digest of the content at URI.
	SHA256      string `json:"sha256"`
	Description string `json:"description,omitempty"`
	// Agency and Result are set for an inspection report: who inspected
	// and whether the goods passed. Defects names what the report found,
	// in the vocabulary of coverage.Claim.Defects.
	Agency  string                    `json:"agency,omitempty"`
	Result  coverage.InspectionResult `json:"result,omitempty"`
	Defects []string                  `json:"defects,omitempty"`
}

// Validate checks the item on its own: an id, a known kind, an absolute
// URI, a SHA-256 digest of 64 hex digits, and agency and result only (and
// both) on an inspection report. Problems wrap ErrInvalidRequest.
func (e Evidence) Validate() error {
	u, err := url.Parse(e.URI)
	switch {
	case e.ID == "":
		return invalidf("evidence needs an id")
	case !e.Kind.Valid():
		return invalidf("evidence %s: unknown kind %q", e.ID, string(e.Kind))
	case err != nil || !u.IsAbs():
		return invalidf("evidence %s: %q is not an absolute URI", e.ID, e.URI)
	case !hexDigest(e.SHA256):
		return invalidf("evidence %s: %q is not a hex SHA-256 digest", e.ID, e.SHA256)
	case (e.Kind == InspectionReport) != (e.Agency != ""):
		return invalidf("evidence %s: an inspection report, and only one, names its agency", e.ID)
	case e.Kind == InspectionReport && e.Result != coverage.InspectionPassed && e.Result != coverage.InspectionFailed:
		return invalidf("evidence %s: an inspection report passed or failed", e.ID)
	case e.Kind != InspectionReport && (e.Result != "" || len(e.Defects) > 0):
		return invalidf("evidence %s: only an inspection report has a result and defects", e.ID)
	}
	return payment.CheckLengths(ErrInvalidRequest, payment.CheckID("the evidence id", e.ID), payment.CheckText("the evidence's URI", e.URI),
		payment.CheckText("the evidence's agency", e.Agency), payment.CheckText("the evidence's description", e.Description))
}

// ThirdParty reports whether e is an inspection report by a recognised
// agency (Agencies).
func (e Evidence) ThirdParty() bool {
	return e.Kind == InspectionReport && slices.Contains(Agencies(), e.Agency)
}

// hexDigest reports whether s is 64 lower- or upper-case hex digits.
func hexDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// Offer is an amount one party offers the other to settle: a refund to the
// buyer for a claim, a payment to the supplier for a supplier's case.
type Offer struct {
	ID     string        `json:"id"`
	By     payment.Actor `json:"by"`
	Amount payment.Money `json:"amount"`
	At     time.Time     `json:"at"`
}

// Outcome is the kind of a decision.
type Outcome string

// Outcomes.
const (
	FullRefund    Outcome = "full_refund"    // everything in escrow goes back to the buyer
	PartialRefund Outcome = "partial_refund" // part back to the buyer, the rest to the supplier
	Compensation  Outcome = "compensation"   // the buyer is compensated; the order goes on or completes
	Rejection     Outcome = "rejection"      // the claim (or the supplier's case) fails
	ForSupplier   Outcome = "for_supplier"   // a supplier's case succeeds: the supplier is paid out of escrow
)

// Decision is how a case ends: the split of the order's escrow and why.
// Refund, Compensate and Release are in the order's currency; when the
// decision closes the order they add up to what escrow holds, else
// (Continue) only Compensate may be set.
type Decision struct {
	Outcome    Outcome       `json:"outcome"`
	Refund     payment.Money `json:"refund"`
	Compensate payment.Money `json:"compensate"`
	Release    payment.Money `json:"release"`
	// Continue is set when the order goes on where it was (a claim made
	// before delivery that fails, or a compensation while the goods are
	// still to come); otherwise the decision closes the order.
	Continue bool `json:"continue,omitempty"`
	// SupplierAtFault decides who bears the cost of the case, the
	// inspection fee included: the buyer pays an inspection up front and
	// is reimbursed out of the supplier's share when the supplier is at
	// fault.
	SupplierAtFault bool `json:"supplier_at_fault"`
	// InspectionFee is what the buyer's inspection cost, reimbursed out of
	// Release into Refund when SupplierAtFault; the zero Money when none.
	InspectionFee payment.Money `json:"inspection_fee"`
	// Rules are the ids of the rules that fired, in order; Reasons say why,
	// with stable codes.
	Rules   []string         `json:"rules"`
	Reasons []payment.Reason `json:"reasons"`
	By      payment.Actor    `json:"by"`
	At      time.Time        `json:"at"`
}

// total returns what d shares out: its parts' sum, in currency cur.
func (d Decision) total(cur payment.Currency) (payment.Money, error) {
	sum, err := payment.FromMinor(0, cur)
	for _, m := range []payment.Money{d.Refund, d.Compensate, d.Release} {
		if err == nil && m != (payment.Money{}) {
			sum, err = sum.Add(m)
		}
	}
	return sum, err
}

// String returns a one-line summary of d.
func (d Decision) String() string {
	return fmt.Sprintf("%s: refund %s, compensate %s, release %s (%v)", d.Outcome, d.Refund, d.Compensate, d.Release, d.Rules)
}

// Case is a dispute about one order: a buyer's claim or a supplier's case,
// the evidence both parties submitted, the offers they made, and how it
// ended.
type Case struct {
	ID         string `json:"id"`
	OrderID    string `json:"order_id"`
	BuyerID    string `json:"buyer_id"`
	SupplierID string `json:"supplier_id"`
	// Claimant is who opened the case: the order's buyer for a claim, its
	// supplier for a case against the buyer.
	Claimant payment.Actor `json:"claimant"`
	Reason   Reason        `json:"reason"`
	// Amount is what the claimant asks for: a refund or compensation for a
	// claim, a payment to the supplier for a supplier's case. It is in the
	// order's currency.
	Amount      payment.Money `json:"amount"`
	Description string        `json:"description,omitempty"`
	// Defects are the ids of the defects a claim about the goods is about.
	Defects []string `json:"defects,omitempty"`
	// Covered is what the programme covered of the order when the claim was
	// admitted; a refund never exceeds it.
	Covered payment.Money `json:"covered"`
	State   State         `json:"state"`
	// Evidence is append-only: items are added, never changed or removed.
	Evidence []Evidence `json:"evidence,omitempty"`
	Offers   []Offer    `json:"offers,omitempty"`
	// Decision is the platform's decision, once decided (the appeal's
	// replaces it); Settlement the accepted offer, when the parties agreed.
	Decision   *Decision `json:"decision,omitempty"`
	Settlement *Offer    `json:"settlement,omitempty"`
	// AppealedBy is the party that appealed, if one did.
	AppealedBy payment.Actor `json:"appealed_by"`
	// Timeline is every action on the case, in order, with its idempotency
	// key.
	Timeline []Entry `json:"timeline"`

	OpenedAt time.Time `json:"opened_at"`
	// StateSince is when the case entered its state: the windows of the
	// state run from it.
	StateSince time.Time `json:"state_since"`
	UpdatedAt  time.Time `json:"updated_at"`
	// Deadline is the next instant at which time alone moves the case; the
	// store indexes it for the sweep. Zero when none.
	Deadline time.Time `json:"deadline,omitzero"`
	Version  int64     `json:"version"`
}

// Entry is one action on a case.
type Entry struct {
	Seq   int           `json:"seq"`
	Event Event         `json:"event"`
	By    payment.Actor `json:"by"`
	At    time.Time     `json:"at"`
	From  State         `json:"from"`
	To    State         `json:"to"`
	// Key, or Ref, and Fingerprint make the action idempotent: the same
	// key again with the same request is a replay, with another request
	// an ErrIdempotencyMismatch error. Key is the caller's idempotency key,
	// scoped to the case and to Op, the operation the caller asked for
	// (Event is what it fired: a decision of an appealed case fires
	// decide_appeal): the same string given to another operation is
	// another key. The service's own actions (the sweep's) have no Key but
	// a Ref, which a caller's key is never compared with: no string a
	// caller chooses can reach them.
	Key         string `json:"key,omitempty"`
	Op          Event  `json:"op,omitempty"`
	Ref         string `json:"ref,omitempty"`
	Fingerprint string `json:"fingerprint"`
	Note        string `json:"note,omitempty"`
}

// Respondent returns the party the claimant opened the case against.
func (c *Case) Respondent() payment.Actor {
	if c.Claimant.Role == payment.RoleSupplier {
		return payment.Buyer(c.BuyerID)
	}
	return payment.Supplier(c.SupplierID)
}

// party reports whether by is the case's buyer or supplier.
func (c *Case) party(by payment.Actor) bool {
	return by == payment.Buyer(c.BuyerID) || by == payment.Supplier(c.SupplierID)
}

// EvidenceBy returns the evidence submitted by the party of role r, in
// the order submitted.
func (c *Case) EvidenceBy(r payment.Role) []Evidence {
	var out []Evidence
	for _, e := range c.Evidence {
		if e.SubmittedBy.Role == r {
			out = append(out, e)
		}
	}
	return out
}

// Clone returns a deep copy of c.
func (c *Case) Clone() *Case {
	d := *c
	d.Defects = slices.Clone(c.Defects)
	d.Evidence = slices.Clone(c.Evidence)
	for i, e := range c.Evidence {
		d.Evidence[i].Defects = slices.Clone(e.Defects)
	}
	d.Offers = slices.Clone(c.Offers)
	if c.Decision != nil {
		dec := *c.Decision
		dec.Rules, dec.Reasons = slices.Clone(dec.Rules), slices.Clone(dec.Reasons)
		d.Decision = &dec
	}
	if c.Settlement != nil {
		s := *c.Settlement
		d.Settlement = &s
	}
	d.Timeline = slices.Clone(c.Timeline)
	return &d
}
