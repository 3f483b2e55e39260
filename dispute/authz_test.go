package dispute_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/dispute"
	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
)

// The columns of the dispute's authorization matrix, in the order of its
// marks: the order's buyer and supplier (the case's parties), another
// buyer and another supplier, a platform agent and a system actor.
var (
	authzOtherBuyer    = payment.Buyer("buyer-fr-9")
	authzOtherSupplier = payment.Supplier("supplier-vn-9")
	authzActors        = []payment.Actor{dBuyer, authzOtherBuyer, dSupplier, authzOtherSupplier, dAgent, dHooks}
	authzNames         = []string{"the buyer", "another buyer", "the supplier", "another supplier", "a platform agent", "a system actor"}
)

// authzCase is one operation of the matrix on case case-1 of order o-1:
// who may call it (x may, . may not, one mark per column), given the
// state setup leaves the market in, in which its right actor succeeds.
// event is the transition of dispute.Transitions the call fires ("" for
// Open, which no line of the table describes); narrower says which rule
// of the service refuses actors the table's roles allow.
type authzCase struct {
	who      string
	does     string
	event    dispute.Event
	narrower string
	given    authzGiven
	call     func(ctx context.Context, s *dispute.Service, by payment.Actor) (*dispute.Case, error)
}

// authzGiven is a state of the market, reached by setup, named for a
// test's name.
type authzGiven struct {
	name  string
	setup func(t *testing.T, m *market)
}

// then is g followed by more setup, named name.
func (g authzGiven) then(name string, more func(t *testing.T, m *market)) authzGiven {
	return authzGiven{name, func(t *testing.T, m *market) { g.setup(t, m); more(t, m) }}
}

// The states the matrix's operations start from. The claim is the buyer's
// (the claimant; the supplier responds), about the quality of delivered
// goods.
var (
	authzDelivered = authzGiven{"on delivered goods", func(t *testing.T, m *market) { m.orderAt(t, "o-1", terms(), delivered) }}
	authzMade      = authzGiven{"on goods made on the deposit", func(t *testing.T, m *market) { m.madeOnDeposit(t, "o-1") }}
	authzClaimed   = authzGiven{"on the buyer's open claim", func(t *testing.T, m *market) { buyersClaim.open(t, m) }}
	authzResponded = authzClaimed.then("once the supplier responded", func(t *testing.T, m *market) { m.responded(t, "case-1") })
	authzOffered   = authzResponded.then("after the supplier's offer-1", func(t *testing.T, m *market) {
		m.offered(t, dSupplier, "case-1", "offer-1", "400.00")
	})
	authzDayFour = authzClaimed.then("on day four", func(t *testing.T, m *market) {
		m.moveTo(t, m.caseOf(t, "case-1").OpenedAt.AddDate(0, 0, 3))
	})
	authzEscalated = authzClaimed.then("once escalated", func(t *testing.T, m *market) { m.escalated(t, "case-1") })
	authzDecided   = authzClaimed.then("once decided", func(t *testing.T, m *market) { m.decided(t, "case-1") })
	authzAppealed  = authzDecided.then("once appealed", func(t *testing.T, m *market) {
		_, err := m.disputes.Appeal(context.Background(), dBuyer, "case-1", "appeal", "the screens flicker")
		require.NoError(t, err)
	})
)

// authzMatrix is who may do what in a dispute:
//
//	B the order's buyer       b another buyer
//	S the order's supplier    s another supplier
//	P a platform agent        Y a system actor
//
// Every refusal is a *payment.ActorError (errors.Is payment.ErrForbidden)
// and changes neither the case, the order nor its escrow; an actor with no
// id or an unknown role gets its validation error on every row.
func authzMatrix() []authzCase {
	return []authzCase{
		// B b S s P Y
		{"x . . . . .", "open a quality claim", "", "", authzDelivered,
			func(ctx context.Context, s *dispute.Service, by payment.Actor) (*dispute.Case, error) {
				return s.Open(ctx, by, openReq("case-1", "o-1", dispute.QualityNotAsAgreed, "1200.00", failedSGS()))
			}},
		{". . x . . .", "open a supplier's case", "", "", authzMade,
			func(ctx context.Context, s *dispute.Service, by payment.Actor) (*dispute.Case, error) {
				return s.Open(ctx, by, openReq("case-1", "o-1", dispute.BalanceRefused, "500.00"))
			}},
		{"x . x . x .", "submit evidence", dispute.SubmitEvidence, "", authzClaimed,
			func(ctx context.Context, s *dispute.Service, by payment.Actor) (*dispute.Case, error) {
				return s.SubmitEvidence(ctx, by, "case-1", evidence("photo-9", dispute.Photo))
			}},
		{". . x . . .", "respond", dispute.Respond, "only the respondent", authzClaimed,
			func(ctx context.Context, s *dispute.Service, by payment.Actor) (*dispute.Case, error) {
				return s.Respond(ctx, by, "case-1", "respond", "the screens were fine")
			}},
		{"x . x . . .", "make an offer", dispute.MakeOffer, "", authzResponded,
			func(ctx context.Context, s *dispute.Service, by payment.Actor) (*dispute.Case, error) {
				return s.Offer(ctx, by, "case-1", "offer-9", usd("300.00"))
			}},
		{"x . . . . .", "accept offer-1", dispute.Accept, "only the party that did not make the offer", authzOffered,
			func(ctx context.Context, s *dispute.Service, by payment.Actor) (*dispute.Case, error) {
				return s.Accept(ctx, by, "case-1", "offer-1")
			}},
		{"x . x . . x", "escalate", dispute.Escalate, "", authzDayFour,
			func(ctx context.Context, s *dispute.Service, by payment.Actor) (*dispute.Case, error) {
				return s.Escalate(ctx, by, "case-1", "escalate")
			}},
		{"x . . . . .", "withdraw the claim", dispute.Withdraw, "only the claimant", authzClaimed,
			func(ctx context.Context, s *dispute.Service, by payment.Actor) (*dispute.Case, error) {
				return s.Withdraw(ctx, by, "case-1", "withdraw")
			}},
		{". . . . x .", "decide", dispute.Decide, "", authzEscalated,
			func(ctx context.Context, s *dispute.Service, by payment.Actor) (*dispute.Case, error) {
				return s.Decide(ctx, by, "case-1", "decide")
			}},
		{"x . x . . .", "appeal", dispute.Appeal, "", authzDecided,
			func(ctx context.Context, s *dispute.Service, by payment.Actor) (*dispute.Case, error) {
				return s.Appeal(ctx, by, "case-1", "appeal", "we disagree")
			}},
		{". . . . x .", "decide the appeal", dispute.DecideAppeal, "", authzAppealed,
			func(ctx context.Context, s *dispute.Service, by payment.Actor) (*dispute.Case, error) {
				return s.Decide(ctx, by, "case-1", "decide-appeal")
			}},
	}
}

// authzState is what a call may change: case-1 (nil before it is
// opened), order o-1, its escrow account and its payments (which a case's
// end refunds).
type authzState struct {
	Case     *dispute.Case
	Order    *order.Order
	Escrow   *escrow.Account
	Payments []*payment.Payment
}

func (m *market) authzState(t *testing.T) authzState {
	t.Helper()
	c, err := m.store.Case(context.Background(), "case-1")
	require.True(t, err == nil || errors.Is(err, dispute.ErrNotFound), "reading case-1: %v", err)
	s := authzState{Case: c, Order: m.orderOf(t, "o-1"), Escrow: m.accountOf(t, "o-1")}
	for _, tp := range s.Order.Payments {
		s.Payments = append(s.Payments, get(t, m.payments.Payment, tp.PaymentID))
	}
	return s
}

func TestWhoMayDoWhatInADispute(t *testing.T) {
	for _, row := range authzMatrix() {
		require.Len(t, row.who, 2*len(authzActors)-1, "a mark per actor in %q", row.who)
		actors := append(slices.Clone(authzActors),
			payment.Actor{Role: authzActors[strings.IndexByte(row.who, 'x')/2].Role}, payment.Actor{Role: "mediator", ID: "m-1"})
		for i, by := range actors {
			may := i < len(authzActors) && row.who[2*i] == 'x'
			name := "the invalid actor " + by.String()
			if i < len(authzNames) {
				name = authzNames[i]
			}
			name += map[bool]string{true: " may ", false: " may not "}[may] + row.does + " " + row.given.name
			t.Run(name, func(t *testing.T) {
				m := newMarket(t, nil)
				row.given.setup(t, m)
				before := m.authzState(t)
				c, err := row.call(context.Background(), m.disputes, by)
				if may {
					require.NoError(t, err)
					assert.Equal(t, by, c.Timeline[len(c.Timeline)-1].By, "who the case's timeline says acted")
					return
				}
				testkit.Check(t, "what a refused call left", before, m.authzState(t))
				if by.Validate() != nil {
					require.ErrorIs(t, err, payment.ErrInvalidRequest, "the actor's validation error")
					return
				}
				requireForbidden(t, err)
				var ae *payment.ActorError
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, by, ae.Actor, "the actor the error names")
			})
		}
	}
}

func TestTheDisputeMatrixFollowsTheTransitionTable(t *testing.T) {
	table := dispute.Transitions()
	for _, row := range authzMatrix() {
		if row.event == "" {
			continue
		}
		i := slices.IndexFunc(table, func(l dispute.Transition) bool { return l.Event == row.event })
		require.GreaterOrEqual(t, i, 0, "no line for %s", row.event)
		marks := make([]string, len(authzActors))
		for j, a := range authzActors {
			outsider := a == authzOtherBuyer || a == authzOtherSupplier // the service's party check
			marks[j] = map[bool]string{true: "x", false: "."}[!outsider && slices.Contains(table[i].By, a.Role)]
		}
		byTable := strings.Join(marks, " ")
		if row.narrower == "" {
			assert.Equal(t, byTable, row.who, "%s (%s): the table's roles and the parties", row.does, row.event)
			continue
		}
		assert.NotEqual(t, byTable, row.who, "%s: %q narrows nothing", row.does, row.narrower)
		for j := range authzActors {
			assert.False(t, row.who[2*j] == 'x' && byTable[2*j] != 'x', "%s: %s may, but the table does not allow it", row.does, authzNames[j])
		}
	}
}
