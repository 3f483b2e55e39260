package payment_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
)

type fixture struct {
	svc   *payment.Service
	store payment.Store
	clock *testkit.Clock
}

func newFixture(t *testing.T, cfg payment.Config) fixture {
	t.Helper()
	c := testkit.NewClock(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	if cfg.Store == nil {
		cfg.Store = payment.NewMemoryStore()
	}
	cfg.Clock = c
	svc, err := payment.NewService(cfg)
	require.NoError(t, err)
	return fixture{svc: svc, store: cfg.Store, clock: c}
}

var (
	ctx      = context.Background()
	buyer    = payment.Buyer("b1")
	system   = payment.System("webhooks")
	platform = payment.Platform("agent-7")
)

func deposit(amount string) payment.InitiateRequest {
	return payment.InitiateRequest{
		OrderID: "o1", Tranche: payment.Deposit, BuyerID: "b1", BuyerCountry: "AU",
		Instrument: payment.Instrument{Method: payment.Card, Network: payment.Mastercard},
		Amount:     payment.MustParse(amount, payment.USD),
	}
}

func statuses(p *payment.Payment) []payment.Status {
	var out []payment.Status
	for _, e := range p.Timeline {
		out = append(out, e.Status)
	}
	return out
}

func TestAPaymentGoesFromInitiationToSettlement(t *testing.T) {
	f := newFixture(t, payment.Config{})
	p, err := f.svc.Initiate(ctx, buyer, "k1", deposit("3000.00"))
	require.NoError(t, err)
	assert.Equal(t, payment.StatusInitiated, p.Status)
	assert.Equal(t, payment.MustParse("40.00", payment.USD), p.Fee.Fee, "the APAC Mastercard cap applies")
	assert.True(t, p.Fee.Capped)
	assert.Equal(t, payment.MustParse("3040.00", payment.USD), p.Charge())
	assert.Equal(t, payment.RiskAllow, p.Risk.Outcome)

	f.clock.Advance(time.Minute)
	p, err = f.svc.Report(ctx, system, p.ID, payment.Outcome{Status: payment.StatusProcessing, ProcessorRef: "ch_1"})
	require.NoError(t, err)
	f.clock.Advance(time.Minute)
	p, err = f.svc.Report(ctx, system, p.ID, payment.Outcome{Status: payment.StatusSucceeded, ProcessorRef: "ch_1"})
	require.NoError(t, err)

	got, err := f.svc.Payment(ctx, p.ID)
	require.NoError(t, err)
	byKey, err := f.svc.PaymentByKey(ctx, got.BuyerID, "k1")
	require.NoError(t, err)
	assert.Equal(t, got, byKey)
	assert.Equal(t, []payment.Status{payment.StatusInitiated, payment.StatusProcessing, payment.StatusSucceeded}, statuses(got))
	rule, ok := f.svc.Fees().Rule(got.Fee.RuleID)
	require.True(t, ok, "the service's schedule has the rule its quote cites")
	assert.Equal(t, payment.MustParse("40.00", payment.USD), rule.Cap)
	assert.Equal(t, "ch_1", got.ProcessorRef)
	assert.Equal(t, f.clock.Now(), got.UpdatedAt)
	assert.Equal(t, int64(3), got.Version)
}

func TestInitiateIsIdempotentUnderItsKey(t *testing.T) {
	f := newFixture(t, payment.Config{})
	first, err := f.svc.Initiate(ctx, buyer, "k1", deposit("100.00"))
	require.NoError(t, err)

	f.clock.Advance(time.Hour)
	again, err := f.svc.Initiate(ctx, buyer, "k1", deposit("100.00"))
	require.NoError(t, err)
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("a replay returned another payment (-first +replay):\n%s", diff)
	}

	_, err = f.svc.Initiate(ctx, buyer, "k1", deposit("100.01"))
	require.ErrorIs(t, err, payment.ErrIdempotencyMismatch)

	history, err := f.store.PaymentsByBuyer(ctx, "b1", time.Time{})
	require.NoError(t, err)
	assert.Len(t, history, 1, "replays created no payment")
}

func TestConcurrentRetriesCreateOnePayment(t *testing.T) {
	f := newFixture(t, payment.Config{})
	var wg sync.WaitGroup
	ids := make([]string, 16)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := f.svc.Initiate(ctx, buyer, "k1", deposit("100.00"))
			if assert.NoError(t, err) {
				ids[i] = p.ID
			}
		}()
	}
	wg.Wait()
	for _, id := range ids {
		assert.Equal(t, ids[0], id)
	}
	history, err := f.store.PaymentsByBuyer(ctx, "b1", time.Time{})
	require.NoError(t, err)
	assert.Len(t, history, 1)
}

func TestInitiateRefusesBadRequestsAndRecordsNothing(t *testing.T) {
	wu := deposit("100.00")
	wu.Instrument = payment.Instrument{Method: payment.WesternUnion}
	tests := []struct {
		name string
		by   payment.Actor
		key  string
		req  func(r *payment.InitiateRequest)
		want error
	}{
		{"another buyer may not pay for b1", payment.Buyer("b2"), "k", nil, payment.ErrForbidden},
		{"a supplier may not initiate", payment.Supplier("s1"), "k", nil, payment.ErrForbidden},
		{"an actor needs an id", payment.Actor{Role: payment.RoleBuyer}, "k", nil, payment.ErrInvalidRequest},
		{"a key is required", buyer, "", nil, payment.ErrInvalidRequest},
		{"a zero amount", buyer, "k", func(r *payment.InitiateRequest) { r.Amount = payment.MustParse("0", payment.USD) }, payment.ErrInvalidAmount},
		{"a negative amount", buyer, "k", func(r *payment.InitiateRequest) { r.Amount = payment.MustParse("-5", payment.USD) }, payment.ErrInvalidAmount},
		{"no amount at all", buyer, "k", func(r *payment.InitiateRequest) { r.Amount = payment.Money{} }, payment.ErrInvalidAmount},
		{"an unknown country", buyer, "k", func(r *payment.InitiateRequest) { r.BuyerCountry = "ZZ" }, payment.ErrInvalidRequest},
		{"an unknown tranche", buyer, "k", func(r *payment.InitiateRequest) { r.Tranche = "third" }, payment.ErrInvalidRequest},
		{"no order", buyer, "k", func(r *payment.InitiateRequest) { r.OrderID = "" }, payment.ErrInvalidRequest},
		{"an order id that is not UTF-8", buyer, "k", func(r *payment.InitiateRequest) { r.OrderID = "o\xff" }, payment.ErrInvalidRequest},
		{"a card without a network", buyer, "k", func(r *payment.InitiateRequest) { r.Instrument.Network = "" }, payment.ErrInvalidRequest},
		{"an issuer country on a wire", buyer, "k", func(r *payment.InitiateRequest) {
			r.Instrument = payment.Instrument{Method: payment.WireTransfer, IssuerCountry: "AU"}
		}, payment.ErrInvalidRequest},
		{"Western Union for an Australian buyer", buyer, "k", func(r *payment.InitiateRequest) { *r = wu }, payment.ErrIneligible},
		{"a card above the transaction limit", buyer, "k", func(r *payment.InitiateRequest) { r.Amount = payment.MustParse("12000.01", payment.USD) }, payment.ErrIneligible},
		{"a EUR card payment with a USD cap and no rates", buyer, "k", func(r *payment.InitiateRequest) { r.Amount = payment.MustParse("100", payment.EUR) }, payment.ErrNoRate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, payment.Config{})
			req := deposit("100.00")
			if tt.req != nil {
				tt.req(&req)
			}
			p, err := f.svc.Initiate(ctx, tt.by, tt.key, req)
			require.ErrorIs(t, err, tt.want)
			assert.Nil(t, p)
			_, err = f.svc.PaymentByKey(ctx, req.BuyerID, tt.key)
			require.ErrorIs(t, err, payment.ErrNotFound)
			history, err := f.store.PaymentsByBuyer(ctx, req.BuyerID, time.Time{})
			require.NoError(t, err)
			assert.Empty(t, history)
		})
	}
}

func TestIneligibleErrorsSayWhy(t *testing.T) {
	f := newFixture(t, payment.Config{})
	req := deposit("3000.00")
	req.Instrument = payment.Instrument{Method: payment.WesternUnion}
	_, err := f.svc.Initiate(ctx, buyer, "k", req)
	var ie *payment.IneligibleError
	require.ErrorAs(t, err, &ie)
	var codes []string
	for _, r := range ie.Reasons {
		codes = append(codes, r.Code)
	}
	assert.Equal(t, []string{payment.ReasonWesternUnionCountry, payment.ReasonWesternUnionLimit}, codes)
}

func TestRiskOutcomes(t *testing.T) {
	always := func(o payment.RiskOutcome, code string) payment.RiskRule {
		return payment.RiskRuleFunc(func(context.Context, payment.RiskInput) (payment.RiskOutcome, []payment.Reason, error) {
			return o, []payment.Reason{{Code: code, Text: code}}, nil
		})
	}

	t.Run("a review holds the payment as processing until an agent approves it", func(t *testing.T) {
		f := newFixture(t, payment.Config{Risk: []payment.RiskRule{always(payment.RiskReview, "r")}})
		p, err := f.svc.Initiate(ctx, buyer, "k1", deposit("100.00"))
		require.NoError(t, err)
		assert.Equal(t, payment.StatusProcessing, p.Status)
		assert.True(t, p.Held)
		for _, s := range []payment.Status{payment.StatusProcessing, payment.StatusSucceeded, payment.StatusFailed} {
			_, err = f.svc.Report(ctx, system, p.ID, payment.Outcome{Status: s})
			require.ErrorIs(t, err, payment.ErrInvalidTransition, "a held payment is not submitted, so no outcome (%s) may be reported", s)
		}
		_, err = f.svc.Decide(ctx, buyer, p.ID, true, "")
		require.ErrorIs(t, err, payment.ErrForbidden)
		p, err = f.svc.Decide(ctx, platform, p.ID, true, "checked with the buyer")
		require.NoError(t, err)
		assert.False(t, p.Held)
		p, err = f.svc.Report(ctx, system, p.ID, payment.Outcome{Status: payment.StatusSucceeded})
		require.NoError(t, err)
		assert.Equal(t, payment.StatusSucceeded, p.Status)
	})

	t.Run("a suspended payment waits for an agent, who may cancel it", func(t *testing.T) {
		f := newFixture(t, payment.Config{Risk: []payment.RiskRule{always(payment.RiskSuspend, "s"), always(payment.RiskReview, "r")}})
		p, err := f.svc.Initiate(ctx, buyer, "k1", deposit("100.00"))
		require.NoError(t, err)
		assert.Equal(t, payment.StatusSuspended, p.Status)
		assert.Equal(t, []payment.Reason{{Code: "s", Text: "s"}, {Code: "r", Text: "r"}}, p.Risk.Reasons, "every rule's reasons are kept")
		_, err = f.svc.Report(ctx, system, p.ID, payment.Outcome{Status: payment.StatusSucceeded})
		require.ErrorIs(t, err, payment.ErrInvalidTransition)
		p, err = f.svc.Decide(ctx, platform, p.ID, false, "card testing pattern")
		require.NoError(t, err)
		assert.Equal(t, payment.StatusCancelled, p.Status)
		_, err = f.svc.Decide(ctx, platform, p.ID, true, "")
		require.ErrorIs(t, err, payment.ErrInvalidTransition)
	})

	t.Run("a freeze suspends the payment and freezes the account until an agent unfreezes it", func(t *testing.T) {
		f := newFixture(t, payment.Config{Risk: []payment.RiskRule{always(payment.RiskFreeze, "f")}})
		p, err := f.svc.Initiate(ctx, buyer, "k1", deposit("100.00"))
		require.NoError(t, err)
		assert.Equal(t, payment.StatusSuspended, p.Status)
		acct, err := f.svc.Account(ctx, "b1")
		require.NoError(t, err)
		assert.True(t, acct.Frozen)
		assert.Equal(t, p.ID, acct.FrozenBy)

		_, err = f.svc.Initiate(ctx, buyer, "k2", deposit("50.00"))
		var fe *payment.FrozenError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, []payment.Reason{{Code: "f", Text: "f"}}, fe.Reasons)

		_, err = f.svc.Unfreeze(ctx, buyer, "b1", "")
		require.ErrorIs(t, err, payment.ErrForbidden)
		acct, err = f.svc.Unfreeze(ctx, platform, "b1", "verified by phone")
		require.NoError(t, err)
		assert.False(t, acct.Frozen)
		assert.Len(t, acct.History, 2)

		again, err := f.svc.Initiate(ctx, buyer, "k1", deposit("100.00"))
		require.NoError(t, err)
		assert.Equal(t, p.ID, again.ID)
		acct, err = f.svc.Account(ctx, "b1")
		require.NoError(t, err)
		assert.False(t, acct.Frozen, "replaying the request that froze the account does not freeze it again")
	})

	t.Run("a crash between the payment and the freeze is finished by the retry", func(t *testing.T) {
		store := &failingAccounts{Store: payment.NewMemoryStore(), fail: 1}
		f := newFixture(t, payment.Config{Store: store, Risk: []payment.RiskRule{always(payment.RiskFreeze, "f")}})
		_, err := f.svc.Initiate(ctx, buyer, "k1", deposit("100.00"))
		require.ErrorIs(t, err, errCrash)
		acct, err := f.svc.Account(ctx, "b1")
		require.NoError(t, err)
		require.False(t, acct.Frozen, "the crash happened before the freeze")

		p, err := f.svc.Initiate(ctx, buyer, "k1", deposit("100.00"))
		require.NoError(t, err)
		acct, err = f.svc.Account(ctx, "b1")
		require.NoError(t, err)
		assert.True(t, acct.Frozen)
		assert.Equal(t, p.ID, acct.FrozenBy)
		assert.Len(t, acct.History, 1)
	})

	t.Run("an agent can freeze an account by hand", func(t *testing.T) {
		f := newFixture(t, payment.Config{})
		_, err := f.svc.Freeze(ctx, system, "b1", "")
		require.ErrorIs(t, err, payment.ErrForbidden)
		acct, err := f.svc.Freeze(ctx, platform, "b1", "chargeback ring")
		require.NoError(t, err)
		assert.Equal(t, []payment.Reason{{Code: payment.ReasonManualFreeze, Text: "chargeback ring"}}, acct.Reasons)
		_, err = f.svc.Initiate(ctx, buyer, "k1", deposit("100.00"))
		require.ErrorIs(t, err, payment.ErrAccountFrozen)
	})
}

func TestDefaultRiskRules(t *testing.T) {
	t.Run("a card from another country is reviewed", func(t *testing.T) {
		f := newFixture(t, payment.Config{})
		req := deposit("100.00")
		req.Instrument.IssuerCountry = "NG"
		p, err := f.svc.Initiate(ctx, buyer, "k1", req)
		require.NoError(t, err)
		assert.Equal(t, payment.RiskReview, p.Risk.Outcome)
		assert.Equal(t, payment.ReasonCountryMismatch, p.Risk.Reasons[0].Code)
	})

	// attempt initiates a payment under key and reports it with status, or
	// leaves it unreported when status is initiated; it returns the risk
	// outcome of the attempt.
	attempt := func(t *testing.T, f fixture, key string, req payment.InitiateRequest, status payment.Status) payment.RiskOutcome {
		t.Helper()
		p, err := f.svc.Initiate(ctx, buyer, key, req)
		require.NoError(t, err)
		if status != payment.StatusInitiated && p.Risk.Outcome == payment.RiskAllow {
			_, err = f.svc.Report(ctx, system, p.ID, payment.Outcome{Status: status})
			require.NoError(t, err)
		}
		return p.Risk.Outcome
	}
	wire := func(amount string) payment.InitiateRequest {
		r := deposit(amount)
		r.Instrument = payment.Instrument{Method: payment.WireTransfer}
		return r
	}

	t.Run("a buyer paying 12 orders successfully within the hour is allowed every time", func(t *testing.T) {
		f := newFixture(t, payment.Config{})
		for i := range 12 {
			require.Equal(t, payment.RiskAllow, attempt(t, f, fmt.Sprint("k", i), deposit("10.00"), payment.StatusSucceeded), "payment %d", i+1)
			f.clock.Advance(4 * time.Minute)
		}
	})
	t.Run("a buyer with 12 wires pending in a day is allowed every time", func(t *testing.T) {
		f := newFixture(t, payment.Config{})
		for i := range 12 {
			require.Equal(t, payment.RiskAllow, attempt(t, f, fmt.Sprint("k", i), wire("10.00"), payment.StatusInitiated), "payment %d", i+1)
			f.clock.Advance(45 * time.Minute)
		}
	})
	t.Run("after 5 declined attempts within the hour the sixth is suspended, after 4 the fifth is not", func(t *testing.T) {
		f := newFixture(t, payment.Config{})
		for i := range 4 {
			require.Equal(t, payment.RiskAllow, attempt(t, f, fmt.Sprint("k", i), deposit("10.00"), payment.StatusFailed), "attempt %d", i+1)
			f.clock.Advance(time.Minute)
		}
		require.Equal(t, payment.RiskAllow, attempt(t, f, "k4", deposit("10.00"), payment.StatusFailed), "the fifth after 4 declines")
		f.clock.Advance(time.Minute)
		p, err := f.svc.Initiate(ctx, buyer, "k5", deposit("10.00"))
		require.NoError(t, err)
		assert.Equal(t, payment.RiskSuspend, p.Risk.Outcome)
		assert.Equal(t, payment.StatusSuspended, p.Status)
		require.Len(t, p.Risk.Reasons, 1)
		assert.Equal(t, payment.ReasonVelocity, p.Risk.Reasons[0].Code)
		assert.Equal(t, "5 payment attempts in the last hour (limit 5) were declined, cancelled or abandoned", p.Risk.Reasons[0].Text)

		f.clock.Advance(time.Hour)
		assert.Equal(t, payment.RiskAllow, attempt(t, f, "k6", deposit("10.00"), payment.StatusSucceeded), "an hour later the window is clear")
	})
	t.Run("cancelled attempts count as declined ones", func(t *testing.T) {
		f := newFixture(t, payment.Config{})
		for i := range 5 {
			p, err := f.svc.Initiate(ctx, buyer, fmt.Sprint("k", i), deposit("10.00"))
			require.NoError(t, err)
			_, err = f.svc.Cancel(ctx, buyer, p.ID, "changed my mind")
			require.NoError(t, err)
		}
		assert.Equal(t, payment.RiskSuspend, attempt(t, f, "k5", deposit("10.00"), payment.StatusInitiated))
	})
	t.Run("card attempts left unfinished count once 30 minutes old, not before", func(t *testing.T) {
		for _, tc := range []struct {
			after time.Duration
			want  payment.RiskOutcome
		}{{29 * time.Minute, payment.RiskAllow}, {30 * time.Minute, payment.RiskSuspend}} {
			f := newFixture(t, payment.Config{})
			for i := range 5 {
				require.Equal(t, payment.RiskAllow, attempt(t, f, fmt.Sprint("k", i), deposit("10.00"), payment.StatusInitiated))
			}
			f.clock.Advance(tc.after)
			assert.Equal(t, tc.want, attempt(t, f, "k5", deposit("10.00"), payment.StatusInitiated), "%s after 5 unfinished card attempts", tc.after)
		}
	})
	t.Run("after 10 declined attempts within a day the eleventh freezes the account, after 9 the tenth does not", func(t *testing.T) {
		f := newFixture(t, payment.Config{})
		for i := range 9 {
			require.Equal(t, payment.RiskAllow, attempt(t, f, fmt.Sprint("k", i), deposit("10.00"), payment.StatusFailed), "attempt %d", i+1)
			f.clock.Advance(2 * time.Hour)
		}
		require.Equal(t, payment.RiskAllow, attempt(t, f, "k9", deposit("10.00"), payment.StatusFailed), "the tenth after 9 declines")
		f.clock.Advance(2 * time.Hour)
		p, err := f.svc.Initiate(ctx, buyer, "k10", deposit("10.00"))
		require.NoError(t, err)
		assert.Equal(t, payment.RiskFreeze, p.Risk.Outcome)
		acct, err := f.svc.Account(ctx, "b1")
		require.NoError(t, err)
		assert.True(t, acct.Frozen)
	})

	t.Run("an amount far above the buyer's history is reviewed", func(t *testing.T) {
		f := newFixture(t, payment.Config{})
		for i := range 3 {
			p, err := f.svc.Initiate(ctx, buyer, fmt.Sprint("k", i), deposit("100.00"))
			require.NoError(t, err)
			_, err = f.svc.Report(ctx, system, p.ID, payment.Outcome{Status: payment.StatusSucceeded})
			require.NoError(t, err)
			f.clock.Advance(24 * time.Hour)
		}
		p, err := f.svc.Initiate(ctx, buyer, "k-ok", deposit("1000.00"))
		require.NoError(t, err)
		assert.Equal(t, payment.RiskAllow, p.Risk.Outcome, "10× the largest is still allowed")
		p, err = f.svc.Initiate(ctx, buyer, "k-big", deposit("1000.01"))
		require.NoError(t, err)
		assert.Equal(t, payment.RiskReview, p.Risk.Outcome)
		assert.Equal(t, payment.ReasonAmountSpike, p.Risk.Reasons[0].Code)
	})
}

func TestWebhooksTwiceOrOutOfOrderAreHarmless(t *testing.T) {
	f := newFixture(t, payment.Config{})
	p, err := f.svc.Initiate(ctx, buyer, "k1", deposit("100.00"))
	require.NoError(t, err)
	succeeded := payment.Outcome{Status: payment.StatusSucceeded, ProcessorRef: "ch_1"}
	p, err = f.svc.Report(ctx, system, p.ID, succeeded)
	require.NoError(t, err)

	for _, o := range []payment.Outcome{succeeded, {Status: payment.StatusProcessing, ProcessorRef: "ch_1"}, {Status: payment.StatusSucceeded}} {
		again, err := f.svc.Report(ctx, system, p.ID, o)
		require.NoError(t, err, "outcome %+v", o)
		assert.Equal(t, p.Version, again.Version, "outcome %+v changed the payment", o)
	}

	_, err = f.svc.Report(ctx, system, p.ID, payment.Outcome{Status: payment.StatusFailed, ProcessorRef: "ch_1"})
	var te *payment.TransitionError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, payment.TransitionError{ID: p.ID, From: payment.StatusSucceeded, To: payment.StatusFailed}, *te)

	_, err = f.svc.Report(ctx, system, p.ID, payment.Outcome{Status: payment.StatusSucceeded, ProcessorRef: "ch_2"})
	require.ErrorIs(t, err, payment.ErrInvalidRequest, "another processor reference is not the same payment")

	for _, s := range []payment.Status{payment.StatusRefunded, payment.StatusCancelled, "bogus"} {
		_, err = f.svc.Report(ctx, system, p.ID, payment.Outcome{Status: s})
		require.ErrorIs(t, err, payment.ErrInvalidRequest, "processors do not report %s", s)
	}
	_, err = f.svc.Report(ctx, buyer, p.ID, succeeded)
	require.ErrorIs(t, err, payment.ErrForbidden)
	_, err = f.svc.Report(ctx, system, "pay_nope", succeeded)
	require.ErrorIs(t, err, payment.ErrNotFound)

	got, err := f.svc.Payment(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, p.Version, got.Version, "refused reports changed nothing")
}

func TestIllegalTransitions(t *testing.T) {
	f := newFixture(t, payment.Config{})
	p, err := f.svc.Initiate(ctx, buyer, "k1", deposit("100.00"))
	require.NoError(t, err)
	p, err = f.svc.Report(ctx, system, p.ID, payment.Outcome{Status: payment.StatusFailed})
	require.NoError(t, err)

	_, err = f.svc.Report(ctx, system, p.ID, payment.Outcome{Status: payment.StatusSucceeded})
	require.ErrorIs(t, err, payment.ErrInvalidTransition, "a failed payment cannot succeed")
	_, err = f.svc.Cancel(ctx, platform, p.ID, "")
	require.ErrorIs(t, err, payment.ErrInvalidTransition, "a failed payment cannot be cancelled")
	_, err = f.svc.RecordRefund(ctx, system, p.ID, "r1", payment.RefundRequest{Amount: payment.MustParse("1.00", payment.USD)})
	require.ErrorIs(t, err, payment.ErrInvalidAmount, "nothing of a failed payment is refundable")

	for from, tos := range map[payment.Status][]payment.Status{
		payment.StatusInitiated: {payment.StatusRefunded, payment.StatusSuspended},
		payment.StatusSucceeded: {payment.StatusFailed, payment.StatusCancelled, payment.StatusInitiated},
		payment.StatusRefunded:  {payment.StatusPartiallyRefunded, payment.StatusSucceeded},
		payment.StatusCancelled: {payment.StatusInitiated},
	} {
		for _, to := range tos {
			assert.False(t, from.CanMove(to), "%s → %s", from, to)
		}
	}
	assert.True(t, payment.StatusRefunded.Terminal())
	assert.False(t, payment.StatusSucceeded.Terminal())
}

func TestCancel(t *testing.T) {
	f := newFixture(t, payment.Config{})
	p, err := f.svc.Initiate(ctx, buyer, "k1", deposit("100.00"))
	require.NoError(t, err)
	_, err = f.svc.Cancel(ctx, payment.Buyer("b2"), p.ID, "")
	require.ErrorIs(t, err, payment.ErrForbidden, "another buyer")
	_, err = f.svc.Cancel(ctx, system, p.ID, "")
	require.ErrorIs(t, err, payment.ErrForbidden)
	p, err = f.svc.Cancel(ctx, buyer, p.ID, "changed my mind")
	require.NoError(t, err)
	assert.Equal(t, payment.StatusCancelled, p.Status)
	again, err := f.svc.Cancel(ctx, buyer, p.ID, "changed my mind")
	require.NoError(t, err)
	assert.Equal(t, p.Version, again.Version, "cancelling twice changes nothing")

	q, err := f.svc.Initiate(ctx, buyer, "k2", deposit("100.00"))
	require.NoError(t, err)
	_, err = f.svc.Report(ctx, system, q.ID, payment.Outcome{Status: payment.StatusProcessing})
	require.NoError(t, err)
	_, err = f.svc.Cancel(ctx, buyer, q.ID, "")
	require.ErrorIs(t, err, payment.ErrForbidden, "a buyer cannot cancel what the processor is working on")
	q, err = f.svc.Cancel(ctx, platform, q.ID, "processor timeout")
	require.NoError(t, err)
	assert.Equal(t, payment.StatusCancelled, q.Status)
}

func TestRefunds(t *testing.T) {
	f := newFixture(t, payment.Config{})
	p, err := f.svc.Initiate(ctx, buyer, "k1", deposit("100.00"))
	require.NoError(t, err)
	_, err = f.svc.Report(ctx, system, p.ID, payment.Outcome{Status: payment.StatusSucceeded})
	require.NoError(t, err)
	usd := func(s string) payment.RefundRequest {
		return payment.RefundRequest{Amount: payment.MustParse(s, payment.USD), ProcessorRef: "re_" + s}
	}

	p, err = f.svc.RecordRefund(ctx, system, p.ID, "r1", usd("30.00"))
	require.NoError(t, err)
	assert.Equal(t, payment.StatusPartiallyRefunded, p.Status)
	assert.Equal(t, payment.MustParse("70.00", payment.USD), p.Refundable())

	again, err := f.svc.RecordRefund(ctx, system, p.ID, "r1", usd("30.00"))
	require.NoError(t, err)
	assert.Equal(t, p.Version, again.Version, "a replayed refund changes nothing")
	_, err = f.svc.RecordRefund(ctx, system, p.ID, "r1", usd("31.00"))
	require.ErrorIs(t, err, payment.ErrIdempotencyMismatch)

	for name, tt := range map[string]struct {
		by   payment.Actor
		key  string
		req  payment.RefundRequest
		want error
	}{
		"more than is left": {system, "r2", usd("70.01"), payment.ErrInvalidAmount},
		"a negative amount": {system, "r2", usd("-1.00"), payment.ErrInvalidAmount},
		"a zero amount":     {system, "r2", usd("0"), payment.ErrInvalidAmount},
		"another currency":  {system, "r2", payment.RefundRequest{Amount: payment.MustParse("1.00", payment.EUR)}, payment.ErrCurrencyMismatch},
		"no key":            {system, "", usd("1.00"), payment.ErrInvalidRequest},
		"a buyer":           {buyer, "r2", usd("1.00"), payment.ErrForbidden},
	} {
		t.Run("refuses "+name, func(t *testing.T) {
			_, err := f.svc.RecordRefund(ctx, tt.by, p.ID, tt.key, tt.req)
			require.ErrorIs(t, err, tt.want)
		})
	}

	p, err = f.svc.RecordRefund(ctx, system, p.ID, "r2", usd("70.00"))
	require.NoError(t, err)
	assert.Equal(t, payment.StatusRefunded, p.Status)
	assert.True(t, p.Refundable().IsZero())
	assert.Equal(t, payment.MustParse("100.00", payment.USD), p.Refunded())
	assert.Len(t, p.Refunds, 2)
}

func TestNewServiceNeedsAStoreAndAClock(t *testing.T) {
	_, err := payment.NewService(payment.Config{Clock: payment.SystemClock{}})
	require.ErrorIs(t, err, payment.ErrInvalidRequest)
	_, err = payment.NewService(payment.Config{Store: payment.NewMemoryStore()})
	require.ErrorIs(t, err, payment.ErrInvalidRequest)
}

// failingAccounts fails the first fail account updates, as a crash between
// a payment's creation and its account freeze would.
type failingAccounts struct {
	payment.Store
	mu   sync.Mutex
	fail int
}

var errCrash = errors.New("crash")

func (s *failingAccounts) UpdateAccount(ctx context.Context, id string, fn func(*payment.Account) error) (*payment.Account, error) {
	s.mu.Lock()
	fail := s.fail > 0
	s.fail--
	s.mu.Unlock()
	if fail {
		return nil, errCrash
	}
	return s.Store.UpdateAccount(ctx, id, fn)
}

func TestEveryChangeOfAPaymentIsInTheOutboxOnceAndARefusedOrReplayedOneAddsNone(t *testing.T) {
	_, err := payment.NewService(payment.Config{Store: payment.NewMemoryStore(), Clock: payment.SystemClock{}, Outbox: payment.MemoryOutbox()})
	require.NoError(t, err, "an outbox without a unit: the unit is the in-memory stores'")

	outbox := payment.MemoryOutbox()
	f := newFixture(t, payment.Config{Unit: payment.MemoryUnit(), Outbox: outbox})
	p, err := f.svc.Initiate(ctx, buyer, "k1", deposit("3000.00"))
	require.NoError(t, err)
	_, err = f.svc.Initiate(ctx, buyer, "k1", deposit("3000.00"))
	require.NoError(t, err, "a replay")
	_, err = f.svc.Report(ctx, system, p.ID, payment.Outcome{Status: payment.StatusSucceeded, ProcessorRef: "ch_1"})
	require.NoError(t, err)
	_, err = f.svc.Report(ctx, system, p.ID, payment.Outcome{Status: payment.StatusSucceeded, ProcessorRef: "ch_1"})
	require.NoError(t, err, "the webhook again")
	_, err = f.svc.Report(ctx, system, p.ID, payment.Outcome{Status: payment.StatusFailed})
	require.Error(t, err, "failed after succeeded")
	_, err = f.svc.RecordRefund(ctx, system, p.ID, "r1", payment.RefundRequest{Amount: payment.MustParse("100.00", payment.USD)})
	require.NoError(t, err)

	p, err = f.svc.Payment(ctx, p.ID)
	require.NoError(t, err)
	msgs, err := outbox.Undelivered(ctx, 100)
	require.NoError(t, err)
	require.Len(t, msgs, len(p.Timeline), "one message per event: initiated, succeeded, partially refunded")
	for i, m := range msgs {
		n, err := payment.NoticeOf(m)
		require.NoError(t, err)
		assert.Equal(t, i+1, m.N)
		assert.Equal(t, "payment."+string(p.Timeline[i].Status), m.Type)
		testkit.Check(t, fmt.Sprintf("the event of message %d", i+1), p.Timeline[i], n.Event)
		assert.Equal(t, p.ID, n.PaymentID)
	}
	last, err := payment.NoticeOf(msgs[len(msgs)-1])
	require.NoError(t, err)
	assert.Equal(t, payment.MustParse("100.00", payment.USD), last.Refunded)
}

func TestAPaymentSaysWhetherItMayBeChargedYet(t *testing.T) {
	f := newFixture(t, payment.Config{})
	allowed, err := f.svc.Initiate(ctx, buyer, "k-allowed", deposit("100.00"))
	require.NoError(t, err)
	assert.True(t, allowed.Chargeable(), "an allowed payment may be submitted")
	assert.False(t, allowed.HeldForReview())

	abroad := deposit("100.00")
	abroad.Instrument.IssuerCountry = "NG"
	held, err := f.svc.Initiate(ctx, buyer, "k-held", abroad)
	require.NoError(t, err)
	require.Equal(t, payment.StatusProcessing, held.Status, "a review holds the payment as processing")
	assert.True(t, held.HeldForReview())
	assert.False(t, held.Chargeable(), "a held payment must not be charged yet")

	approved, err := f.svc.Decide(ctx, platform, held.ID, true, "documents checked")
	require.NoError(t, err)
	assert.False(t, approved.HeldForReview())
	assert.True(t, approved.Chargeable(), "an approved payment may be submitted")

	done, err := f.svc.Report(ctx, system, allowed.ID, payment.Outcome{Status: payment.StatusSucceeded})
	require.NoError(t, err)
	assert.False(t, done.Chargeable(), "a succeeded payment is not charged again")

	suspended := &payment.Payment{Status: payment.StatusSuspended}
	assert.False(t, suspended.Chargeable())
	assert.False(t, suspended.HeldForReview())
}

func TestInitiateChargesTheServiceFeeToTheSupplier(t *testing.T) {
	f := newFixture(t, payment.Config{})
	placed := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	req := deposit("1500.00") // a Mastercard from AU: the APAC rule
	req.Order = payment.OrderFacts{PlacedAt: placed, Value: payment.MustParse("5000.00", payment.USD), Goods: payment.Wholesale}
	p, err := f.svc.Initiate(ctx, buyer, "k1", req)
	require.NoError(t, err)
	assert.Equal(t, payment.MustParse("40.00", payment.USD), p.Fee.BuyerFee, "2.95% of 1500.00 = 44.25, capped")
	assert.Equal(t, payment.MustParse("75.00", payment.USD), p.Fee.SupplierFee, "5% of the deposit of a wholesale order of USD 5,000")
	assert.Equal(t, payment.MustParse("1540.00", payment.USD), p.Charge(), "the buyer is charged the method fee only")
	require.Len(t, p.Fee.Lines, 2)
	assert.Equal(t, payment.DatedByPlacement, p.Fee.DatedBy)
	assert.Equal(t, req.Order, p.Fee.Order)

	stored, err := f.svc.Payment(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, p.Fee.SupplierFee, stored.Fee.SupplierFee)
	stored.Fee.Lines[1].Fee = payment.MustParse("1.00", payment.USD)
	again, err := f.svc.Payment(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, payment.MustParse("75.00", payment.USD), again.Fee.Lines[1].Fee, "the store's copy shares no lines")

	t.Run("without order facts the supplier pays no service fee", func(t *testing.T) {
		p, err := f.svc.Initiate(ctx, buyer, "k2", deposit("1500.00"))
		require.NoError(t, err)
		assert.True(t, p.Fee.SupplierFee.IsZero())
		assert.Len(t, p.Fee.Lines, 1)
	})
	t.Run("bad order facts are refused and record nothing", func(t *testing.T) {
		for i, facts := range []payment.OrderFacts{
			{Goods: "used"},
			{Goods: payment.Wholesale, Value: payment.MustParse("100.00", payment.USD)}, // below the payment
			{Goods: payment.Wholesale},                         // banded by the order, no value
			{PlacedAt: f.clock.Now().Add(time.Minute)},         // placed after the payment
			{Value: payment.MustParse("5000.00", payment.EUR)}, // another currency
		} {
			key := fmt.Sprint("bad-", i)
			req := deposit("1500.00")
			req.Order = facts
			_, err := f.svc.Initiate(ctx, buyer, key, req)
			require.ErrorIs(t, err, payment.ErrInvalidRequest, "%+v", facts)
			_, err = f.svc.PaymentByKey(ctx, "b1", key)
			require.ErrorIs(t, err, payment.ErrNotFound, "%+v", facts)
		}
	})
	t.Run("a request without order facts encodes as before they existed", func(t *testing.T) {
		b, err := json.Marshal(deposit("1500.00"))
		require.NoError(t, err)
		assert.NotContains(t, string(b), "order\":{", "the idempotency fingerprint of an older request is unchanged")
	})
}
