package supplier_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// authzActors are the columns of the supplier service's authorization
// matrix, in the order of its marks, with their names in tests' names.
var (
	authzActors = []payment.Actor{svcBuyer, svcOtherBuyer, svcSelf, svcOther, svcAgent, svcOrders}
	authzNames  = []string{"the buyer of order o1", "another buyer", "the supplier itself", "another supplier",
		"a platform agent", "a system actor"}
)

// authzRow is an operation on supplier s1: who may call it (x may, .
// may not, one mark per column). Unless unregistered, it is called on
// svcActorFixture, whose s1 is enrolled with an ISO 9001 certificate
// pending review, order o1 of buyer b1 recorded (its release credited
// 98.00, of which a payout of 48.00 is pending) and order o-held
// reserved: the state in which the operation's right actor succeeds.
type authzRow struct {
	who          string
	does         string
	unregistered bool // s1 is not registered yet (s2 is)
	call         func(ctx context.Context, s *supplier.Service, by payment.Actor) (*supplier.Supplier, error)
}

// authzMatrix is who may do what to a supplier's record:
//
//	B the buyer of a completed order of s1    b another buyer
//	S the supplier s1 itself                  s another supplier, s2
//	P a platform agent                        Y a system actor (the order service)
//
// Every refusal is a *payment.ActorError and changes nothing; an actor with
// no id or an unknown role gets its validation error on every row.
func authzMatrix() []authzRow {
	reserve := func(ctx context.Context, s *supplier.Service, by payment.Actor) (*supplier.Supplier, error) {
		if _, err := s.Reserve(ctx, by, "s1", "o2", svcUSD("100.00")); err != nil {
			return nil, err
		}
		return s.Supplier(ctx, "s1")
	}
	return []authzRow{
		// B b S s P Y
		{". . x . x .", "register s1", true, func(ctx context.Context, s *supplier.Service, by payment.Actor) (*supplier.Supplier, error) {
			return s.Register(ctx, by, svcRegisterRequest("s1", svcFounded))
		}},
		{". . x . x .", "submit a document of s1", false, func(ctx context.Context, s *supplier.Service, by payment.Actor) (*supplier.Supplier, error) {
			return s.SubmitDocument(ctx, by, "s1", svcDoc("iso-env", supplier.ISO14001, time.Time{}))
		}},
		{". . . . x .", "review s1's pending document", false, func(ctx context.Context, s *supplier.Service, by payment.Actor) (*supplier.Supplier, error) {
			return s.ReviewDocument(ctx, by, "s1", "iso", true, "checked")
		}},
		{". . . . x x", "evaluate s1", false, func(ctx context.Context, s *supplier.Service, by payment.Actor) (*supplier.Supplier, error) {
			return s.Evaluate(ctx, by, "s1")
		}},
		{". . . . x .", "remove s1", false, func(ctx context.Context, s *supplier.Service, by payment.Actor) (*supplier.Supplier, error) {
			return s.Remove(ctx, by, "s1", "forged licence")
		}},
		{". . . . x x", "record an order of s1", false, func(ctx context.Context, s *supplier.Service, by payment.Actor) (*supplier.Supplier, error) {
			return s.RecordOrder(ctx, by, "s1", svcOrder("o2", "b1", "100.00", svcStart))
		}},
		{". . . . x x", "record an inquiry to s1", false, func(ctx context.Context, s *supplier.Service, by payment.Actor) (*supplier.Supplier, error) {
			return s.RecordInquiry(ctx, by, "s1", supplier.Inquiry{ID: "q1", ReceivedAt: svcStart})
		}},
		{"x . . . . .", "review order o1 of s1", false, func(ctx context.Context, s *supplier.Service, by payment.Actor) (*supplier.Supplier, error) {
			return s.AddReview(ctx, by, "s1", supplier.ReviewRequest{OrderID: "o1", Rating: 4, Text: "as agreed"})
		}},
		{". . . . x x", "reserve s1's limit", false, reserve},
		{". . . . x x", "charge s1 a receivable", false, func(ctx context.Context, s *supplier.Service, by payment.Actor) (*supplier.Supplier, error) {
			return s.ChargeReceivable(ctx, by, "s1", supplier.ReceivableRequest{OrderID: "o1", CaseID: "case-1", Amount: svcUSD("40.00")})
		}},
		{". . . . x x", "recover s1's receivable from a release", false, func(ctx context.Context, s *supplier.Service, by payment.Actor) (*supplier.Supplier, error) {
			// 50.00 of it repaid at once from the 50.00 available
			if _, err := s.ChargeReceivable(ctx, by, "s1", supplier.ReceivableRequest{OrderID: "o1", Amount: svcUSD("90.00")}); err != nil {
				return nil, err
			}
			return s.RecoverReceivables(ctx, by, "s1", "o2", svcUSD("40.00"))
		}},
		{". . . . x x", "release s1's reservation", false, func(ctx context.Context, s *supplier.Service, by payment.Actor) (*supplier.Supplier, error) {
			return s.Release(ctx, by, "s1", "o-held")
		}},
		{". . x . x .", "set s1's payout destination", false, func(ctx context.Context, s *supplier.Service, by payment.Actor) (*supplier.Supplier, error) {
			return s.SetPayoutDestination(ctx, by, "s1", "acct_elsewhere")
		}},
		{". . x . x .", "ask for a payout of s1's balance", false, func(ctx context.Context, s *supplier.Service, by payment.Actor) (*supplier.Supplier, error) {
			if _, err := s.RequestPayout(ctx, by, "s1", "payout-1", supplier.PayoutRequest{Amount: svcUSD("50.00")}); err != nil {
				return nil, err
			}
			return s.Supplier(ctx, "s1")
		}},
		{". . . . x x", "report a payout of s1", false, func(ctx context.Context, s *supplier.Service, by payment.Actor) (*supplier.Supplier, error) {
			ps, err := s.Payouts(ctx, "s1")
			if err != nil {
				return nil, err
			}
			if _, err := s.ReportPayout(ctx, by, "s1", ps[0].ID, supplier.PayoutOutcome{Status: supplier.PayoutPaid}); err != nil {
				return nil, err
			}
			return s.Supplier(ctx, "s1")
		}},
		{". . . . x x", "run the payouts", false, func(ctx context.Context, s *supplier.Service, by payment.Actor) (*supplier.Supplier, error) {
			if _, err := s.RunPayouts(ctx, by); err != nil {
				return nil, err
			}
			return s.Supplier(ctx, "s1")
		}},
	}
}

// authzRecord returns supplier s1 as stored; nil when it is not
// registered.
func authzRecord(t *testing.T, f *svcFixture) *supplier.Supplier {
	t.Helper()
	s, err := f.svc.Supplier(t.Context(), "s1")
	require.True(t, err == nil || errors.Is(err, supplier.ErrNotFound), "reading supplier s1: %v", err)
	return s
}

func TestWhoMayDoWhatToASupplier(t *testing.T) {
	for _, row := range authzMatrix() {
		require.Len(t, row.who, 2*len(authzActors)-1, "a mark per actor in %q", row.who)
		noID := payment.Actor{Role: authzActors[strings.IndexByte(row.who, 'x')/2].Role}
		for i, by := range slices.Concat(authzActors, []payment.Actor{noID, {Role: "auditor", ID: "a-1"}}) {
			may := i < len(authzActors) && row.who[2*i] == 'x'
			name := "the invalid actor " + by.String()
			if i < len(authzNames) {
				name = authzNames[i]
			}
			t.Run(name+map[bool]string{true: " may ", false: " may not "}[may]+row.does, func(t *testing.T) {
				var f *svcFixture
				if row.unregistered {
					f = newSvcFixture(t, nil)
					f.register(t, "s2")
				} else {
					f = svcActorFixture(t)
				}
				f.clock.Advance(svcDay)
				before := authzRecord(t, f)
				_, err := row.call(t.Context(), f.svc, by)
				if may {
					require.NoError(t, err)
					assert.NotEqual(t, before, authzRecord(t, f), "the record changed")
					return
				}
				testkit.Check(t, "supplier s1 after a refused call", before, authzRecord(t, f))
				want := map[bool]error{true: payment.ErrForbidden, false: payment.ErrInvalidRequest}[by.Validate() == nil]
				require.ErrorIs(t, err, want)
				var ae *payment.ActorError
				assert.Equal(t, want == payment.ErrForbidden, errors.As(err, &ae) && ae.Actor == by, "a *payment.ActorError naming %s: %v", by, err)
			})
		}
	}
}
