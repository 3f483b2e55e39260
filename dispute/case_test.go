package dispute_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"

	"github.com/tradeassure/tradeassure/dispute"
	"github.com/tradeassure/tradeassure/payment"
)

// TestCaseShape fails when a field is added to Case or to a type it holds,
// to remind whoever adds it to deep-copy it in Clone and to set and
// scribble it in the disputetest kit, whose copy checks would otherwise not
// see it.
func TestCaseShape(t *testing.T) {
	const msg = "update Case.Clone and disputetest's sampleCase and scribble"
	assert.Equal(t, 22, reflect.TypeOf(dispute.Case{}).NumField(), msg)
	assert.Equal(t, 10, reflect.TypeOf(dispute.Evidence{}).NumField(), msg)
	assert.Equal(t, 11, reflect.TypeOf(dispute.Decision{}).NumField(), msg)
	assert.Equal(t, 4, reflect.TypeOf(dispute.Offer{}).NumField(), msg)
	assert.Equal(t, 11, reflect.TypeOf(dispute.Entry{}).NumField(), msg)
}

func TestACaseCloneSharesNothing(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	buyer, usd := payment.Buyer("b-1"), payment.MustParse("10.00", payment.USD)
	newCase := func() *dispute.Case {
		return &dispute.Case{
			ID: "c-1", Defects: []string{"scratch"},
			Evidence:   []dispute.Evidence{{ID: "e-1", Kind: dispute.InspectionReport, Defects: []string{"dent"}}},
			Offers:     []dispute.Offer{{ID: "of-1", By: buyer, Amount: usd, At: at}},
			Decision:   &dispute.Decision{Outcome: dispute.FullRefund, Rules: []string{"r-1"}, Reasons: []payment.Reason{{Code: "x"}}},
			Settlement: &dispute.Offer{ID: "of-1", By: buyer, Amount: usd, At: at},
			Timeline:   []dispute.Entry{{Seq: 1, Event: dispute.Open, Key: "k-1"}},
		}
	}
	c := newCase()
	d := c.Clone()
	d.Defects[0] = "changed"
	d.Evidence[0].Defects[0] = "changed"
	d.Evidence[0].ID = "changed"
	d.Offers[0].ID = "changed"
	d.Decision.Outcome = dispute.Rejection
	d.Decision.Rules[0] = "changed"
	d.Decision.Reasons[0].Code = "changed"
	d.Settlement.ID = "changed"
	d.Timeline[0].Key = "changed"
	// Appends within the capacity the original's slices may have left.
	d.Defects = append(d.Defects[:0], "appended")
	d.Decision.Rules = append(d.Decision.Rules[:0], "appended")
	if diff := cmp.Diff(newCase(), c); diff != "" {
		t.Errorf("changing a clone changed the case (-want +got):\n%s", diff)
	}

	none := &dispute.Case{ID: "c-2"}
	if got := none.Clone(); got.Decision != nil || got.Settlement != nil {
		t.Errorf("the clone of a case without a decision or settlement has %v and %v", got.Decision, got.Settlement)
	}
}
