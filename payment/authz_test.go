package payment_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
)

// authzActors are the columns of the payment service's authorization
// matrix, in the order of its marks; authzNames name them in tests' names.
var (
	authzActors = []payment.Actor{buyer, payment.Buyer("b2"), payment.Supplier("s1"), payment.Supplier("s2"), platform, system}
	authzNames  = []string{"the payment's buyer", "another buyer", "a supplier", "another supplier", "a platform agent", "a system actor"}
)

// authzOp is an operation of the matrix. Its fixture's risk rules decide
// every payment as risk says; given brings buyer b1 to the state in which
// the operation's right actor succeeds and returns the payment to act on
// ("" for none); call performs the operation as by.
type authzOp struct {
	does  string
	risk  payment.RiskOutcome
	given func(t *testing.T, f fixture) string
	call  func(s *payment.Service, by payment.Actor, id string) error
}

// authzRow is a row of the matrix: who may perform op.
type authzRow struct {
	who string
	op  authzOp
}

// authzPaid returns the steps that bring b1's payment k1 of USD 100.00 up
// to and including status (initiated, or succeeded when reported so).
func authzPaid(status payment.Status) func(t *testing.T, f fixture) string {
	return func(t *testing.T, f fixture) string {
		p, err := f.svc.Initiate(ctx, buyer, "k1", deposit("100.00"))
		require.NoError(t, err)
		if status == payment.StatusSucceeded {
			_, err = f.svc.Report(ctx, system, p.ID, payment.Outcome{Status: status})
			require.NoError(t, err)
		}
		return p.ID
	}
}

// authzMatrix is who may do what to a payment or a buyer's account:
//
//	B the payment's buyer     b another buyer
//	S a supplier              s another supplier
//	P a platform agent        Y a system actor (processor webhooks)
//
// x may, . may not: every refusal is a *payment.ActorError and changes
// neither the buyer's payments nor its account; an actor with no id or an
// unknown role gets its validation error on every row.
func authzMatrix() []authzRow {
	nothing := func(*testing.T, fixture) string { return "" }
	frozen := func(t *testing.T, f fixture) string {
		_, err := f.svc.Freeze(ctx, platform, "b1", "chargeback ring")
		require.NoError(t, err)
		return ""
	}
	return []authzRow{
		// B b S s P Y
		{"x . . . . x", authzOp{"initiate b1's payment", payment.RiskAllow, nothing, func(s *payment.Service, by payment.Actor, _ string) error {
			_, err := s.Initiate(ctx, by, "k-authz", deposit("100.00"))
			return err
		}}},
		{". . . . x x", authzOp{"report the processor's outcome", payment.RiskAllow, authzPaid(payment.StatusInitiated),
			func(s *payment.Service, by payment.Actor, id string) error {
				_, err := s.Report(ctx, by, id, payment.Outcome{Status: payment.StatusSucceeded, ProcessorRef: "psp-1"})
				return err
			}}},
		{"x . . . x .", authzOp{"cancel an initiated payment", payment.RiskAllow, authzPaid(payment.StatusInitiated),
			func(s *payment.Service, by payment.Actor, id string) error {
				_, err := s.Cancel(ctx, by, id, "changed my mind")
				return err
			}}},
		{". . . . x .", authzOp{"approve a payment held for review", payment.RiskReview, authzPaid(payment.StatusInitiated),
			func(s *payment.Service, by payment.Actor, id string) error {
				_, err := s.Decide(ctx, by, id, true, "checked with the buyer")
				return err
			}}},
		{". . . . x x", authzOp{"record a refund", payment.RiskAllow, authzPaid(payment.StatusSucceeded),
			func(s *payment.Service, by payment.Actor, id string) error {
				_, err := s.RecordRefund(ctx, by, id, "r1", payment.RefundRequest{Amount: payment.MustParse("30.00", payment.USD)})
				return err
			}}},
		{". . . . x .", authzOp{"freeze b1's account", payment.RiskAllow, nothing, func(s *payment.Service, by payment.Actor, _ string) error {
			_, err := s.Freeze(ctx, by, "b1", "chargeback ring")
			return err
		}}},
		{". . . . x .", authzOp{"unfreeze b1's account frozen by an agent", payment.RiskAllow, frozen, authzUnfreeze}},
		{". . . . x .", authzOp{"unfreeze b1's account frozen by the risk rules", payment.RiskFreeze, authzPaid(payment.StatusInitiated), authzUnfreeze}},
	}
}

func authzUnfreeze(s *payment.Service, by payment.Actor, _ string) error {
	_, err := s.Unfreeze(ctx, by, "b1", "verified by phone")
	return err
}

// authzState is all an operation may change: every payment of buyer b1
// and its account.
type authzState struct {
	Payments []*payment.Payment
	Account  *payment.Account
}

func (f fixture) authzState(t *testing.T) authzState {
	t.Helper()
	ps, err := f.store.PaymentsByBuyer(ctx, "b1", time.Time{})
	require.NoError(t, err)
	a, err := f.store.Account(ctx, "b1")
	if errors.Is(err, payment.ErrNotFound) {
		a, err = nil, nil
	}
	require.NoError(t, err)
	return authzState{Payments: ps, Account: a}
}

// lastActors returns who acted last on each payment and on the account.
func (s authzState) lastActors() []payment.Actor {
	var out []payment.Actor
	for _, p := range s.Payments {
		out = append(out, p.Timeline[len(p.Timeline)-1].Actor)
	}
	if s.Account != nil && len(s.Account.History) > 0 {
		out = append(out, s.Account.History[len(s.Account.History)-1].Actor)
	}
	return out
}

func TestWhoMayDoWhatToAPayment(t *testing.T) {
	for _, row := range authzMatrix() {
		require.Len(t, row.who, 2*len(authzActors)-1, "a mark per actor in %q", row.who)
		rule := payment.RiskRuleFunc(func(context.Context, payment.RiskInput) (payment.RiskOutcome, []payment.Reason, error) {
			return row.op.risk, []payment.Reason{{Code: "authz", Text: "as the row says"}}, nil
		})
		invalid := []payment.Actor{{Role: authzActors[strings.IndexByte(row.who, 'x')/2].Role}, {Role: "auditor", ID: "a-1"}}
		for i, by := range slices.Concat(authzActors, invalid) {
			may := i < len(authzActors) && row.who[2*i] == 'x'
			name := "the invalid actor " + by.String()
			if i < len(authzNames) {
				name = authzNames[i]
			}
			t.Run(fmt.Sprintf("%s %s %s", name, map[bool]string{true: "may", false: "may not"}[may], row.op.does), func(t *testing.T) {
				f := newFixture(t, payment.Config{Risk: []payment.RiskRule{rule}})
				id := row.op.given(t, f)
				before := f.authzState(t)
				err := row.op.call(f.svc, by, id)
				if may {
					require.NoError(t, err)
					assert.Contains(t, f.authzState(t).lastActors(), by, "who the records say acted last")
					return
				}
				testkit.Check(t, "what a refused call left", before, f.authzState(t))
				want := map[bool]error{true: payment.ErrForbidden, false: payment.ErrInvalidRequest}[by.Validate() == nil]
				require.ErrorIs(t, err, want)
				var ae *payment.ActorError
				assert.Equal(t, want == payment.ErrForbidden, errors.As(err, &ae) && ae.Actor == by, "a *payment.ActorError naming %s: %v", by, err)
			})
		}
	}
}
