// Package disputetest checks an implementation of dispute.Store against the
// contract written on the interface, in the manner of testing/fstest:
//
//	func TestMyStore(t *testing.T) {
//		disputetest.TestStore(t, func(t *testing.T) dispute.Store {
//			return newEmptyStore(t)
//		})
//	}
//
// Every check reports with t.Errorf and a go-cmp diff, so one run shows every
// failure. Run it with -race: several checks race goroutines on one case.
//
// The first checks are those every versioned store of the SDK must pass
// (read back, copies, duplicates, conflicts, lost updates, cancelled
// contexts), with Due among the reads that must copy and honour their
// context; then Due itself: exactly the due cases, earliest deadline first
// and ties by id, within the limit, following every update of a deadline at
// once, also while updates race. Both are internal/testkit.RunStoreChecks,
// written once for every store with a Due; this package describes cases to
// it.
//
// The checks assume what the in-memory store does and the contract implies:
// Update runs fn without holding a lock that another Update of the same
// case waits on. Where a store that does hold one would hang, the kit gives
// up after a time limit and reports it instead.
package disputetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/dispute"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
)

// TestStore runs the conformance checks. newStore must return a new, empty
// store each time it is called.
func TestStore(t *testing.T, newStore func(t *testing.T) dispute.Store) {
	testkit.RunStoreChecks(t, aggregate, func(t *testing.T) testkit.StoreHooks[dispute.Case] {
		s := newStore(t)
		return testkit.StoreHooks[dispute.Case]{Create: s.Create, Get: s.Case, Update: s.Update, Due: s.Due}
	})
}

// aggregate describes cases to testkit.RunStoreChecks: their changes
// append a timeline entry, tagged by its key, and an item of evidence, and
// move the state, the amount, the flags, the decision's rules and the
// deadline.
var aggregate = testkit.Aggregate[dispute.Case]{
	Noun:    "case",
	Sample:  sampleCase,
	Clone:   (*dispute.Case).Clone,
	Version: func(c *dispute.Case) *int64 { return &c.Version },
	Mutate:  change,
	Tags: func(c *dispute.Case) []string {
		return testkit.TagsOf(c.Timeline, func(e dispute.Entry) string { return e.Key })
	},
	Scribble:          scribble,
	Deadline:          func(c *dispute.Case) *time.Time { return &c.Deadline },
	ID:                func(c *dispute.Case) string { return c.ID },
	ErrNotFound:       dispute.ErrNotFound,
	ErrDuplicate:      dispute.ErrDuplicate,
	ErrConflict:       dispute.ErrConflict,
	ErrInvalidRequest: dispute.ErrInvalidRequest,
}

// change is the aggregate's Mutate: it appends a timeline entry with key
// tag and an item of evidence with id tag, and changes the state, the
// amount, the decision's rules, StateSince, UpdatedAt
// and the Deadline (never to zero), each as a function of how long the
// timeline was.
func change(c *dispute.Case, tag string) {
	n := len(c.Timeline)
	from := c.State
	c.State = []dispute.State{dispute.Negotiating, dispute.Escalated, dispute.Appealed}[n%3]
	c.UpdatedAt = c.UpdatedAt.Add(time.Hour)
	c.StateSince = c.UpdatedAt
	by := payment.Buyer(c.BuyerID)
	c.Evidence = append(c.Evidence, dispute.Evidence{ID: tag, Kind: dispute.Photo, SubmittedBy: by, At: c.UpdatedAt,
		URI: "https://files.example.com/" + tag + ".jpg", SHA256: digest('c')})
	c.Timeline = append(c.Timeline, dispute.Entry{Seq: n + 1, Event: dispute.SubmitEvidence, By: by, At: c.UpdatedAt,
		From: from, To: c.State, Key: tag, Op: dispute.SubmitEvidence, Fingerprint: "fp-" + tag})
	c.Amount = usd(fmt.Sprintf("%d.00", 100*(n+1)))
	if c.Decision != nil {
		c.Decision.Rules = append(c.Decision.Rules, "rule-"+tag)
	}
	c.Deadline = c.UpdatedAt.Add(time.Duration(24+n) * time.Hour)
}

// sampleCase returns a case with every field set, every slice and both
// pointers included, and a Version the store must replace with 1. The case
// need not be one the domain rules would produce (it has both a decision
// and a settlement): the store keeps what it is given.
func sampleCase(id string, created time.Time) *dispute.Case {
	h := func(n int) time.Time { return created.Add(time.Duration(n) * time.Hour) }
	buyer, supplier, agent := payment.Buyer("b-1"), payment.Supplier("s-1"), payment.Platform("agent-1")
	return &dispute.Case{
		ID: id, OrderID: "o-1", BuyerID: "b-1", SupplierID: "s-1",
		Claimant: buyer, Reason: dispute.QualityNotAsAgreed,
		Amount: usd("250.00"), Description: "the seats arrived scratched",
		Defects: []string{"scratch", "dent"},
		Covered: usd("400.00"),
		State:   dispute.Decided,
		Evidence: []dispute.Evidence{
			{ID: "e-1", Kind: dispute.Photo, SubmittedBy: buyer, At: h(1), URI: "https://files.example.com/seat.jpg",
				SHA256: digest('a'), Description: "a scratched seat"},
			{ID: "e-2", Kind: dispute.InspectionReport, SubmittedBy: buyer, At: h(2), URI: "https://files.example.com/sgs.pdf",
				SHA256: digest('b'), Description: "the SGS report", Agency: "SGS", Result: coverage.InspectionFailed,
				Defects: []string{"scratch", "dent"}},
		},
		Offers: []dispute.Offer{
			{ID: "of-1", By: supplier, Amount: usd("100.00"), At: h(3)},
			{ID: "of-2", By: buyer, Amount: usd("200.00"), At: h(4)},
		},
		Decision: &dispute.Decision{
			Outcome: dispute.PartialRefund, Refund: usd("180.00"), Compensate: usd("20.00"), Release: usd("325.00"),
			Continue: true, SupplierAtFault: true, InspectionFee: usd("30.00"),
			Rules:   []string{"quality.third_party", "fee.reimbursed"},
			Reasons: []payment.Reason{{Code: "dispute.quality", Text: "the report failed the goods"}, {Code: "dispute.fee", Text: "fee"}},
			By:      agent, At: h(5),
		},
		Settlement: &dispute.Offer{ID: "of-2", By: buyer, Amount: usd("200.00"), At: h(4)},
		AppealedBy: supplier,
		Timeline: []dispute.Entry{
			{Seq: 1, Event: dispute.Open, By: buyer, At: created, From: "", To: dispute.AwaitingResponse,
				Key: "k-open", Op: dispute.Open, Fingerprint: "fp-open", Note: "opened"},
			{Seq: 2, Event: dispute.Decide, By: agent, At: h(5), From: dispute.Escalated, To: dispute.Decided,
				Key: "k-decide", Op: dispute.Decide, Fingerprint: "fp-decide", Note: "decided"},
			{Seq: 3, Event: dispute.Finalize, By: payment.System("tradeassure/dispute"), At: h(6), From: dispute.Decided, To: dispute.Final,
				Ref: "sweep/finalize", Fingerprint: "fp-finalize"},
		},
		OpenedAt: created, StateSince: h(5), UpdatedAt: h(6),
		Deadline: h(48),
		Version:  7,
	}
}

// scribble changes every field of c but its id, the elements of every
// slice and what both pointers point to included, and appends to every
// slice.
func scribble(c *dispute.Case) {
	later := func(t time.Time) time.Time { return t.Add(time.Hour) }
	eur := payment.MustParse("0.01", payment.EUR)
	other := payment.System("scribbled")
	c.OrderID, c.BuyerID, c.SupplierID, c.Description = "scribbled", "scribbled", "scribbled", "scribbled"
	c.Claimant, c.Reason, c.Amount, c.Covered, c.State = other, dispute.BalanceRefused, eur, eur, dispute.Withdrawn
	for i := range c.Defects {
		c.Defects[i] = "scribbled"
	}
	c.Defects = append(c.Defects, "scribbled")
	for i := range c.Evidence {
		e := &c.Evidence[i]
		e.ID, e.Kind, e.SubmittedBy, e.At = "scribbled", dispute.ChatRecord, other, later(e.At)
		e.URI, e.SHA256, e.Description, e.Agency, e.Result = "scribbled", "scribbled", "scribbled", "scribbled", coverage.InspectionPassed
		for j := range e.Defects {
			e.Defects[j] = "scribbled"
		}
		e.Defects = append(e.Defects, "scribbled")
	}
	c.Evidence = append(c.Evidence, dispute.Evidence{ID: "scribbled"})
	for i := range c.Offers {
		c.Offers[i] = dispute.Offer{ID: "scribbled", By: other, Amount: eur, At: later(c.Offers[i].At)}
	}
	c.Offers = append(c.Offers, dispute.Offer{ID: "scribbled"})
	if c.Decision == nil {
		c.Decision = &dispute.Decision{}
	}
	d := c.Decision
	d.Outcome, d.Refund, d.Compensate, d.Release, d.InspectionFee = dispute.Rejection, eur, eur, eur, eur
	d.Continue, d.SupplierAtFault, d.By, d.At = !d.Continue, !d.SupplierAtFault, other, later(d.At)
	for i := range d.Rules {
		d.Rules[i] = "scribbled"
	}
	d.Rules = append(d.Rules, "scribbled")
	for i := range d.Reasons {
		d.Reasons[i] = payment.Reason{Code: "scribbled"}
	}
	d.Reasons = append(d.Reasons, payment.Reason{Code: "scribbled"})
	if c.Settlement == nil {
		c.Settlement = &dispute.Offer{}
	}
	*c.Settlement = dispute.Offer{ID: "scribbled", By: other, Amount: eur, At: later(c.Settlement.At)}
	c.AppealedBy = other
	for i := range c.Timeline {
		c.Timeline[i] = dispute.Entry{Event: dispute.Expire, Key: "scribbled"}
	}
	c.Timeline = append(c.Timeline, dispute.Entry{Key: "scribbled"})
	c.OpenedAt, c.StateSince, c.UpdatedAt, c.Deadline, c.Version = later(c.OpenedAt), later(c.StateSince), later(c.UpdatedAt), later(c.Deadline), 99
}

// digest returns a well-formed hex SHA-256 digest: 64 times the digit d.
func digest(d byte) string { return strings.Repeat(string(d), 64) }

func usd(s string) payment.Money { return payment.MustParse(s, payment.USD) }
