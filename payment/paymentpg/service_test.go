package paymentpg_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/payment/paymentpg"
)

var (
	buyer    = payment.Buyer("b1")
	webhooks = payment.System("webhooks")
)

// newService returns a payment service on a new PostgreSQL store, its
// clock stopped at an instant with nanoseconds, which the store keeps.
func newService(t *testing.T, cfg payment.Config) (*payment.Service, *paymentpg.Store, *testkit.Clock) {
	t.Helper()
	pool := migrated(t)
	store := paymentpg.New(pool)
	clock := testkit.NewClock(time.Date(2026, 3, 2, 8, 0, 0, 123_456_789, time.UTC))
	cfg.Store, cfg.Clock = store, clock
	if cfg.Unit == nil {
		cfg.Unit = paymentpg.Unit(pool)
	}
	svc, err := payment.NewService(cfg)
	require.NoError(t, err)
	return svc, store, clock
}

func deposit(amount string) payment.InitiateRequest {
	return payment.InitiateRequest{
		OrderID: "o1", Tranche: payment.Deposit, BuyerID: "b1", BuyerCountry: "AU",
		Instrument: payment.Instrument{Method: payment.Card, Network: payment.Mastercard},
		Amount:     payment.MustParse(amount, payment.USD),
	}
}

func TestAPaymentIsInitiatedReportedAndRefundedOnPostgreSQL(t *testing.T) {
	svc, store, clock := newService(t, payment.Config{})
	p, err := svc.Initiate(ctx, buyer, "k1", deposit("3000.00"))
	require.NoError(t, err)
	assert.Equal(t, payment.StatusInitiated, p.Status)
	assert.Equal(t, payment.MustParse("40.00", payment.USD), p.Fee.Fee, "the APAC Mastercard cap applies")
	stored, err := store.Payment(ctx, p.ID)
	require.NoError(t, err)
	testkit.Check(t, "the stored payment against Initiate's", p, stored)

	clock.Advance(time.Minute)
	_, err = svc.Report(ctx, webhooks, p.ID, payment.Outcome{Status: payment.StatusProcessing, ProcessorRef: "ch_1"})
	require.NoError(t, err)
	clock.Advance(time.Minute)
	p, err = svc.Report(ctx, webhooks, p.ID, payment.Outcome{Status: payment.StatusSucceeded, ProcessorRef: "ch_1"})
	require.NoError(t, err)
	again, err := svc.Report(ctx, webhooks, p.ID, payment.Outcome{Status: payment.StatusProcessing})
	require.NoError(t, err, "a late webhook")
	assert.Equal(t, p.Version, again.Version, "a late webhook writes nothing")

	clock.Advance(time.Hour)
	part := payment.RefundRequest{Amount: payment.MustParse("1000.00", payment.USD), ProcessorRef: "re_1"}
	p, err = svc.RecordRefund(ctx, webhooks, p.ID, "r1", part)
	require.NoError(t, err)
	assert.Equal(t, payment.StatusPartiallyRefunded, p.Status)
	replayed, err := svc.RecordRefund(ctx, webhooks, p.ID, "r1", part)
	require.NoError(t, err)
	assert.Equal(t, p.Version, replayed.Version, "a replayed refund writes nothing")
	_, err = svc.RecordRefund(ctx, webhooks, p.ID, "r2", payment.RefundRequest{Amount: payment.MustParse("2000.01", payment.USD)})
	require.ErrorIs(t, err, payment.ErrInvalidAmount, "more than is left")
	clock.Advance(time.Hour)
	p, err = svc.RecordRefund(ctx, webhooks, p.ID, "r2", payment.RefundRequest{Amount: payment.MustParse("2000.00", payment.USD)})
	require.NoError(t, err)

	got, err := svc.Payment(ctx, p.ID)
	require.NoError(t, err)
	testkit.Check(t, "the payment read back", p, got)
	assert.Equal(t, payment.StatusRefunded, got.Status)
	assert.Equal(t, payment.MustParse("3000.00", payment.USD), got.Refunded())
	assert.Equal(t, []string{"initiated", "processing", "succeeded", "partially_refunded", "refunded"},
		testkit.TagsOf(got.Timeline, func(e payment.Event) string { return string(e.Status) }))
	assert.True(t, got.UpdatedAt.Equal(clock.Now()), "UpdatedAt %v, want %v to the nanosecond", got.UpdatedAt, clock.Now())
	assert.Equal(t, int64(5), got.Version)
}

func TestConcurrentInitiatesWithOneKeyCreateOnePayment(t *testing.T) {
	svc, store, _ := newService(t, payment.Config{})
	const n = 16
	got := make([]*payment.Payment, n)
	errs := make([]error, n)
	testkit.Together(n, func(i int) {
		got[i], errs[i] = svc.Initiate(ctx, buyer, "k1", deposit("100.00"))
	})
	for i := range n {
		if assert.NoError(t, errs[i], "Initiate %d", i) {
			testkit.Check(t, "the payment Initiate returned, against the first's", got[0], got[i])
		}
	}
	all, err := store.PaymentsByBuyer(ctx, "b1", time.Time{})
	require.NoError(t, err)
	assert.Len(t, all, 1, "one payment for the key")

	_, err = svc.Initiate(ctx, buyer, "k1", deposit("100.01"))
	assert.ErrorIs(t, err, payment.ErrIdempotencyMismatch, "the key with another request")
}

func TestARiskFreezeFreezesTheAccountOnPostgreSQL(t *testing.T) {
	freeze := payment.RiskRuleFunc(func(_ context.Context, in payment.RiskInput) (payment.RiskOutcome, []payment.Reason, error) {
		if in.Request.Amount.Minor() > 500_000 {
			return payment.RiskFreeze, []payment.Reason{{Code: "risk.test", Text: "too much"}}, nil
		}
		return payment.RiskAllow, nil, nil
	})
	svc, store, _ := newService(t, payment.Config{Risk: []payment.RiskRule{freeze}})
	p, err := svc.Initiate(ctx, buyer, "k1", deposit("6000.00"))
	require.NoError(t, err)
	assert.Equal(t, payment.StatusSuspended, p.Status)

	a, err := store.Account(ctx, "b1")
	require.NoError(t, err)
	assert.True(t, a.Frozen)
	assert.Equal(t, p.ID, a.FrozenBy)
	assert.Equal(t, int64(1), a.Version, "the account was created by the freeze")

	_, err = svc.Initiate(ctx, buyer, "k2", deposit("10.00"))
	assert.ErrorIs(t, err, payment.ErrAccountFrozen)
	_, err = svc.Initiate(ctx, buyer, "k1", deposit("6000.00"))
	require.NoError(t, err, "a replay of the first request")
	a, err = store.Account(ctx, "b1")
	require.NoError(t, err)
	assert.Equal(t, int64(1), a.Version, "a replay freezes once")
}
