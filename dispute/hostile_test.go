package dispute_test

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/dispute"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
)

// hostileLargest is the largest USD amount a Money holds.
var hostileLargest = usd("9999999999999999.99")

// hostileIDs returns n distinct defect ids, then the ones of more.
func hostileIDs(n int, more ...string) []string {
	ids := make([]string, n, n+len(more))
	for i := range ids {
		ids[i] = "defect-" + strconv.Itoa(i)
	}
	return append(ids, more...)
}

// hostile runs call, a call with hostile input, and requires it to fail
// with want (and the type typed points to, when set) and to change
// nothing: case-1, order o-1, its escrow account and its payments.
func (m *market) hostile(t *testing.T, want error, typed any, call func(ctx context.Context) error) {
	t.Helper()
	before := m.authzState(t)
	err := testkit.HostileErr(t, call)
	testkit.RequireErr(t, err, want, typed)
	testkit.Check(t, "what a hostile call left", before, m.authzState(t))
}

func TestHostileClaimsAreRefusedAndOpenNothing(t *testing.T) {
	long := testkit.Long("")
	tests := []struct {
		name  string
		edit  func(r *dispute.OpenRequest)
		want  error
		typed any
	}{
		{"a zero request", func(r *dispute.OpenRequest) { *r = dispute.OpenRequest{} }, dispute.ErrInvalidRequest, nil},
		{"a mebibyte reason", func(r *dispute.OpenRequest) { r.Reason = dispute.Reason(long) }, dispute.ErrInvalidRequest, nil},
		{"a claim on a mebibyte order id", func(r *dispute.OpenRequest) { r.OrderID = long }, dispute.ErrInvalidRequest, new(*payment.LengthError)},
		{"a claim for the largest amount", func(r *dispute.OpenRequest) { r.Amount = hostileLargest }, coverage.ErrNotCovered, new(*coverage.NotCoveredError)},
		{"a claim for minus the largest amount", func(r *dispute.OpenRequest) { r.Amount = hostileLargest.Neg() }, payment.ErrInvalidAmount, nil},
		{"a claim for no amount", func(r *dispute.OpenRequest) { r.Amount = payment.Money{} }, payment.ErrCurrencyMismatch, new(*payment.CurrencyMismatchError)},
		{"a claim in yen", func(r *dispute.OpenRequest) { r.Amount = payment.MustParse("100", payment.JPY) }, payment.ErrCurrencyMismatch, new(*payment.CurrencyMismatchError)},
		{"a claim whose millionth defect repeats the first", func(r *dispute.OpenRequest) { r.Defects = hostileIDs(1_000_000, "defect-0") },
			coverage.ErrInvalidClaim, nil},
		{"a claim with a million items of evidence, the last with no digest", func(r *dispute.OpenRequest) {
			r.Evidence = make([]dispute.Evidence, 1_000_000)
			for i := range r.Evidence {
				r.Evidence[i] = evidence("photo-"+strconv.Itoa(i), dispute.Photo)
			}
			r.Evidence[999_999].SHA256 = ""
		}, dispute.ErrInvalidRequest, nil},
		{"evidence at a mebibyte that is no URI", func(r *dispute.OpenRequest) { r.Evidence[0].URI = long }, dispute.ErrInvalidRequest, nil},
		{"evidence with a mebibyte digest", func(r *dispute.OpenRequest) { r.Evidence[0].SHA256 = long }, dispute.ErrInvalidRequest, nil},
		{"evidence of a mebibyte kind", func(r *dispute.OpenRequest) { r.Evidence[0].Kind = dispute.EvidenceKind(long) }, dispute.ErrInvalidRequest, nil},
		{"an inspection report of a mebibyte result", func(r *dispute.OpenRequest) { r.Evidence[0].Result = coverage.InspectionResult(long) },
			dispute.ErrInvalidRequest, nil},
		{"a claim by an actor of a mebibyte role", nil, payment.ErrInvalidRequest, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMarket(t, nil)
			m.orderAt(t, "o-1", terms(), delivered)
			req := openReq("case-1", "o-1", dispute.QualityNotAsAgreed, "1200.00", failedSGS())
			by := dBuyer
			if tt.edit != nil {
				tt.edit(&req)
			} else {
				by = payment.Actor{Role: payment.Role(long), ID: dBuyer.ID}
			}
			m.hostile(t, tt.want, tt.typed, func(ctx context.Context) error {
				_, err := m.disputes.Open(ctx, by, req)
				return err
			})
		})
	}
}

func TestAClaimWithTwoItemsOfEvidenceUnderOneIDIsRefused(t *testing.T) {
	m := newMarket(t, nil)
	m.orderAt(t, "o-1", terms(), delivered)
	photo := evidence("photo-1", dispute.Photo)
	other := photo
	other.URI = "https://files.example.com/another-photo"
	req := openReq("case-1", "o-1", dispute.QualityNotAsAgreed, "1200.00", failedSGS(), photo, other)
	// Evidence is keyed by its id (SubmitEvidence refuses an id on the case
	// already): a claim that brings two items under one id is bad input.
	before := m.authzState(t)
	err := testkit.HostileErr(t, func(ctx context.Context) error {
		_, err := m.disputes.Open(ctx, dBuyer, req)
		return err
	})
	require.ErrorIs(t, err, dispute.ErrDuplicate, "the claim is refused")
	testkit.Check(t, "what a refused claim left", before, m.authzState(t))
}

func TestHostileCallsOnAnOpenCaseAreRefusedAndChangeNothing(t *testing.T) {
	long := testkit.Long("")
	sgs := func(defects []string) dispute.Evidence {
		return report("sgs-9", "SGS", coverage.InspectionFailed, defects...)
	}
	tests := []struct {
		name  string
		given authzGiven
		call  func(ctx context.Context, s *dispute.Service) error
		want  error
		typed any
	}{
		{"zero evidence", authzClaimed, func(ctx context.Context, s *dispute.Service) error {
			_, err := s.SubmitEvidence(ctx, dBuyer, "case-1", dispute.Evidence{})
			return err
		}, dispute.ErrInvalidRequest, nil},
		{"evidence on a mebibyte case id", authzClaimed, func(ctx context.Context, s *dispute.Service) error {
			_, err := s.SubmitEvidence(ctx, dBuyer, long, evidence("photo-9", dispute.Photo))
			return err
		}, dispute.ErrInvalidRequest, new(*payment.LengthError)},
		{"evidence under the id of evidence on the case", authzClaimed, func(ctx context.Context, s *dispute.Service) error {
			e := failedSGS()
			e.Description = testkit.Text("")
			_, err := s.SubmitEvidence(ctx, dBuyer, "case-1", e)
			return err
		}, dispute.ErrDuplicate, nil},
		{"a report of a million defects in a mebibyte of an agency", authzClaimed, func(ctx context.Context, s *dispute.Service) error {
			e := sgs(hostileIDs(1_000_000))
			e.Agency, e.Result = long, coverage.InspectionResult(long)
			_, err := s.SubmitEvidence(ctx, dBuyer, "case-1", e)
			return err
		}, dispute.ErrInvalidRequest, nil},
		{"an offer of the largest amount", authzResponded, func(ctx context.Context, s *dispute.Service) error {
			_, err := s.Offer(ctx, dSupplier, "case-1", "offer-9", hostileLargest)
			return err
		}, payment.ErrInvalidAmount, nil},
		{"an offer of minus the largest amount", authzResponded, func(ctx context.Context, s *dispute.Service) error {
			_, err := s.Offer(ctx, dSupplier, "case-1", "offer-9", hostileLargest.Neg())
			return err
		}, payment.ErrInvalidAmount, nil},
		{"an offer of no amount", authzResponded, func(ctx context.Context, s *dispute.Service) error {
			_, err := s.Offer(ctx, dSupplier, "case-1", "offer-9", payment.Money{})
			return err
		}, payment.ErrCurrencyMismatch, new(*payment.CurrencyMismatchError)},
		{"an offer in yen", authzResponded, func(ctx context.Context, s *dispute.Service) error {
			_, err := s.Offer(ctx, dSupplier, "case-1", "offer-9", payment.MustParse("100", payment.JPY))
			return err
		}, payment.ErrCurrencyMismatch, new(*payment.CurrencyMismatchError)},
		{"the acceptance of a mebibyte offer id", authzOffered, func(ctx context.Context, s *dispute.Service) error {
			_, err := s.Accept(ctx, dBuyer, "case-1", long)
			return err
		}, dispute.ErrInvalidRequest, new(*payment.LengthError)},
		{"an escalation under no key", authzDayFour, func(ctx context.Context, s *dispute.Service) error {
			_, err := s.Escalate(ctx, dBuyer, "case-1", "")
			return err
		}, dispute.ErrInvalidRequest, nil},
		{"a decision of a mebibyte case id", authzEscalated, func(ctx context.Context, s *dispute.Service) error {
			_, err := s.Decide(ctx, dAgent, long, "decide")
			return err
		}, dispute.ErrNotFound, nil},
		{"an appeal by an actor of a mebibyte role", authzDecided, func(ctx context.Context, s *dispute.Service) error {
			_, err := s.Appeal(ctx, payment.Actor{Role: payment.Role(long), ID: dBuyer.ID}, "case-1", "appeal", long)
			return err
		}, payment.ErrInvalidRequest, nil},
		{"a sweep at no time", authzClaimed, func(ctx context.Context, s *dispute.Service) error {
			_, err := s.Sweep(ctx, time.Time{})
			return err
		}, dispute.ErrInvalidRequest, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name+" "+tt.given.name, func(t *testing.T) {
			m := newMarket(t, nil)
			tt.given.setup(t, m)
			m.hostile(t, tt.want, tt.typed, func(ctx context.Context) error { return tt.call(ctx, m.disputes) })
		})
	}
}

func TestTextsThatAreNotAmountsDoNotDecodeIntoAClaim(t *testing.T) {
	for _, text := range testkit.NotAmounts() {
		t.Run(testkit.Short(text), func(t *testing.T) {
			amount, err := json.Marshal(text)
			require.NoError(t, err)
			body := `{"id":"case-1","order_id":"o-1","reason":"quality","amount":{"amount":` + string(amount) + `,"currency":"USD"}}`
			var req dispute.OpenRequest
			err = testkit.HostileErr(t, func(context.Context) error { return json.Unmarshal([]byte(body), &req) })
			var ae *payment.AmountError
			testkit.RequireErr(t, err, payment.ErrMalformedAmount, &ae)
			assert.True(t, ae.Input == text, "the error carries the text")
		})
	}
}

// TestAWindowTooLongToCountIsRefusedNeverDueAtOnce: a window of more days
// than time.Time.AddDate can add must not make a case due before it
// opened.
func TestAWindowTooLongToCountIsRefusedNeverDueAtOnce(t *testing.T) {
	for _, days := range []int{coverage.MaxDays + 1, math.MaxInt32, math.MaxInt / 2, math.MaxInt} {
		t.Run(strconv.Itoa(days)+" days", func(t *testing.T) {
			w := dispute.Windows{RespondDays: days, EscalateAfterDays: days, AutoEscalateDays: days, AppealDays: days}
			m, err := testkit.Hostile(t, func(context.Context) (*market, error) {
				return buildMarket(func(c *dispute.Config) { c.Windows = &w })
			})
			testkit.RequireErr(t, err, dispute.ErrInvalidRules, nil)
			assert.Nil(t, m)
		})
	}
	t.Run("coverage.MaxDays days are taken, and a case opened is due that far ahead", func(t *testing.T) {
		d := coverage.MaxDays
		w := dispute.Windows{RespondDays: d, EscalateAfterDays: d, AutoEscalateDays: d, AppealDays: d}
		m := newMarket(t, func(c *dispute.Config) { c.Windows = &w })
		m.orderAt(t, "o-1", terms(), delivered)
		c := m.open(t, dBuyer, openReq("case-1", "o-1", dispute.QualityNotAsAgreed, "1200.00", failedSGS()))
		assert.Equal(t, c.OpenedAt.AddDate(0, 0, d), c.Deadline)
		rep, err := m.disputes.Sweep(context.Background(), c.OpenedAt.Add(time.Hour))
		require.NoError(t, err)
		assert.Empty(t, rep.Escalated, "an hour after it opened, the case is not escalated")
	})
}

// TestStringsAtTheirLimitsAreKeptWhole: ids and keys of
// payment.MaxIDLen bytes and texts of payment.MaxTextLen are taken and
// stored whole; one byte more is a *payment.LengthError that changes
// nothing.
func TestStringsAtTheirLimitsAreKeptWhole(t *testing.T) {
	m := newMarket(t, nil)
	m.orderAt(t, "o-1", terms(), delivered)
	long, id := testkit.Text(""), testkit.ID("case-")
	e := failedSGS()
	e.ID, e.URI, e.Description = testkit.ID("sgs-"), testkit.Text("https://files.example.com/"), long
	req := dispute.OpenRequest{ID: id, OrderID: "o-1", Reason: dispute.QualityNotAsAgreed, Amount: usd("1200.00"), Description: long,
		Evidence: []dispute.Evidence{e}}
	_, err := testkit.Hostile(t, func(ctx context.Context) (*dispute.Case, error) { return m.disputes.Open(ctx, dBuyer, req) })
	require.NoError(t, err)
	_, err = testkit.Hostile(t, func(ctx context.Context) (*dispute.Case, error) {
		return m.disputes.Respond(ctx, dSupplier, id, testkit.ID("respond-"), long)
	})
	require.NoError(t, err)
	_, err = testkit.Hostile(t, func(ctx context.Context) (*dispute.Case, error) {
		return m.disputes.Offer(ctx, dSupplier, id, testkit.ID("")[len("offer/"):], usd("100.00"))
	})
	require.NoError(t, err)
	c := m.caseOf(t, id)
	assert.True(t, c.ID == id && c.Description == long && c.Evidence[0].ID == e.ID && c.Evidence[0].URI == e.URI &&
		c.Evidence[0].Description == long && c.Offers[0].ID == testkit.ID("")[len("offer/"):], "every long string is stored whole")
	again, err := testkit.Hostile(t, func(ctx context.Context) (*dispute.Case, error) { return m.disputes.Open(ctx, dBuyer, req) })
	require.NoError(t, err, "opening again with the same request")
	assert.Equal(t, c.Version, again.Version, "changes nothing")
	doc, err := testkit.Hostile(t, func(ctx context.Context) ([]byte, error) { return m.disputes.Export(ctx, id) })
	require.NoError(t, err)
	assert.Greater(t, len(doc), 3*payment.MaxTextLen, "the export carries every text whole")
	for what, call := range map[string]func(ctx context.Context) (*dispute.Case, error){
		"a key one byte too long": func(ctx context.Context) (*dispute.Case, error) {
			return m.disputes.Escalate(ctx, dBuyer, id, testkit.ID("escalate-")+"x")
		},
		"a note one byte too long": func(ctx context.Context) (*dispute.Case, error) {
			return m.disputes.Appeal(ctx, dBuyer, id, "appeal", long+"x")
		},
		"a case id one byte too long": func(ctx context.Context) (*dispute.Case, error) {
			other := req
			other.ID = id + "x"
			return m.disputes.Open(ctx, dBuyer, other)
		},
	} {
		_, err := call(context.Background())
		var le *payment.LengthError
		require.ErrorAs(t, err, &le, what)
		require.ErrorIs(t, err, dispute.ErrInvalidRequest, what)
	}
	assert.Equal(t, again.Version, m.caseOf(t, id).Version, "the refused calls changed nothing")
}
