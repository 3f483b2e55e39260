package supplier_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// payoutFixture enrols s1 with a payout destination and credits its
// balance with the releases of orders of the amounts given.
func payoutFixture(t *testing.T, rules *supplier.Rules, released ...string) *svcFixture {
	t.Helper()
	f := newSvcFixture(t, rules)
	f.enroll(t, "s1")
	_, err := f.svc.SetPayoutDestination(t.Context(), svcSelf, "s1", "acct_s1")
	require.NoError(t, err)
	for i, amount := range released {
		o := svcOrder("released-"+string(rune('a'+i)), "b1", amount, f.clock.Now())
		o.Release.Paid = svcUSD(amount)
		f.record(t, "s1", o)
	}
	return f
}

// balance is a USD balance of the amounts given.
func balance(credited, offset, inFlight, paidOut string) supplier.Balance {
	return supplier.Balance{Currency: payment.USD, Credited: svcUSD(credited), Offset: svcUSD(offset), InFlight: svcUSD(inFlight), PaidOut: svcUSD(paidOut)}
}

func TestAReleaseCreditsTheSuppliersBalanceOnce(t *testing.T) {
	f := payoutFixture(t, nil, "980.00")
	o := svcOrder("released-a", "b1", "980.00", svcStart)
	o.Release.Paid = svcUSD("980.00")
	again := f.record(t, "s1", o)
	testkit.Check(t, "the balance after the record again", balance("980.00", "0", "0", "0"), again.Balance(payment.USD))
	assert.Equal(t, payment.MustParse("0", payment.EUR), again.Balance(payment.EUR).Available(), "no balance in a currency never released")

	o.Release.Paid = svcUSD("980.01")
	_, err := f.svc.RecordOrder(t.Context(), svcOrders, "s1", o)
	assert.ErrorIs(t, err, supplier.ErrIdempotencyMismatch, "another release of the same order")
	o.OrderID, o.Release.Paid = "o-negative", svcUSD("-1.00")
	_, err = f.svc.RecordOrder(t.Context(), svcOrders, "s1", o)
	assert.ErrorIs(t, err, payment.ErrInvalidAmount)
}

func TestAPayoutGoesFromPendingToPaidAndIsReturnedVisibly(t *testing.T) {
	f := payoutFixture(t, nil, "980.00")
	ctx := t.Context()
	p, err := f.svc.RequestPayout(ctx, svcSelf, "s1", "weekly-1", supplier.PayoutRequest{Amount: svcUSD("900.00")})
	require.NoError(t, err)
	assert.Equal(t, supplier.PayoutPending, p.Status)
	assert.Equal(t, "acct_s1", p.Destination)
	assert.Equal(t, "weekly-1", p.Key)
	testkit.Check(t, "the balance with the payout in flight", balance("980.00", "0", "900.00", "0"), f.get(t, "s1").Balance(payment.USD))

	again, err := f.svc.RequestPayout(ctx, svcSelf, "s1", "weekly-1", supplier.PayoutRequest{Amount: svcUSD("900.00")})
	require.NoError(t, err)
	testkit.Check(t, "the same request again", p, again)

	report := func(o supplier.PayoutOutcome) *supplier.Payout {
		t.Helper()
		f.clock.Advance(time.Hour)
		p, err := f.svc.ReportPayout(ctx, svcHooks, "s1", p.ID, o)
		require.NoError(t, err)
		return p
	}
	report(supplier.PayoutOutcome{Status: supplier.PayoutSent, ProcessorRef: "po_123"})
	paid := report(supplier.PayoutOutcome{Status: supplier.PayoutPaid})
	assert.Equal(t, "po_123", paid.ProcessorRef, "the processor's reference is kept")
	testkit.Check(t, "the balance once paid", balance("980.00", "0", "0", "900.00"), f.get(t, "s1").Balance(payment.USD))

	// Webhooks arrive twice and out of order: neither changes anything.
	assert.Len(t, report(supplier.PayoutOutcome{Status: supplier.PayoutPaid}).Timeline, 3)
	assert.Len(t, report(supplier.PayoutOutcome{Status: supplier.PayoutSent}).Timeline, 3)
	_, err = f.svc.ReportPayout(ctx, svcHooks, "s1", p.ID, supplier.PayoutOutcome{Status: supplier.PayoutFailed})
	assert.ErrorIs(t, err, payment.ErrInvalidTransition, "a paid payout is returned, not failed")

	returned := report(supplier.PayoutOutcome{Status: supplier.PayoutReturned, Reason: payment.Reason{Code: "account_closed", Text: "the beneficiary's account is closed"}})
	assert.Equal(t, []supplier.PayoutStatus{supplier.PayoutPending, supplier.PayoutSent, supplier.PayoutPaid, supplier.PayoutReturned}, statuses(returned))
	assert.Equal(t, "account_closed", returned.Timeline[3].Reason.Code, "the return says why")
	testkit.Check(t, "the balance once returned: the money is back", balance("980.00", "0", "0", "0"), f.get(t, "s1").Balance(payment.USD))

	list, err := f.svc.Payouts(ctx, "s1")
	require.NoError(t, err)
	testkit.Check(t, "the supplier's payouts", []*supplier.Payout{returned}, list)
}

func TestAFailedPayoutPutsItsAmountBackAndRepaysWhatIsOwedFirst(t *testing.T) {
	f := payoutFixture(t, nil, "500.00")
	ctx := t.Context()
	p, err := f.svc.RequestPayout(ctx, svcSelf, "s1", "all", supplier.PayoutRequest{Amount: svcUSD("500.00")})
	require.NoError(t, err)
	// A claim after release charges the supplier 120.00 while the money is
	// in flight: nothing is available to repay it.
	sup, err := f.svc.ChargeReceivable(ctx, svcOrders, "s1", supplier.ReceivableRequest{OrderID: "o-claimed", Amount: svcUSD("120.00")})
	require.NoError(t, err)
	assert.Equal(t, svcUSD("120.00"), sup.Owed(payment.USD))
	_, err = f.svc.ReportPayout(ctx, svcHooks, "s1", p.ID, supplier.PayoutOutcome{Status: supplier.PayoutFailed, Reason: payment.Reason{Code: "invalid_account"}})
	require.NoError(t, err)
	sup = f.get(t, "s1")
	assert.True(t, sup.Owed(payment.USD).IsZero(), "the failed payout's money repaid the receivable")
	testkit.Check(t, "the balance", balance("500.00", "120.00", "0", "0"), sup.Balance(payment.USD))
	assert.Equal(t, svcUSD("380.00"), sup.Balance(payment.USD).Available())
}

func TestPayoutsAreHeldForEveryReason(t *testing.T) {
	ctx := t.Context()
	t.Run("a supplier with no destination", func(t *testing.T) {
		f := newSvcFixture(t, nil)
		f.enroll(t, "s1")
		o := svcOrder("o1", "b1", "100.00", svcStart)
		o.Release.Paid = svcUSD("100.00")
		f.record(t, "s1", o)
		_, err := f.svc.RequestPayout(ctx, svcSelf, "s1", "k", supplier.PayoutRequest{Amount: svcUSD("100.00")})
		requireHeld(t, err, supplier.HoldNoDestination)
	})
	t.Run("a removed supplier", func(t *testing.T) {
		f := payoutFixture(t, nil, "100.00")
		_, err := f.svc.Remove(ctx, svcAgent, "s1", "forged licence")
		require.NoError(t, err)
		_, err = f.svc.RequestPayout(ctx, svcAgent, "s1", "k", supplier.PayoutRequest{Amount: svcUSD("100.00")})
		requireHeld(t, err, supplier.HoldRemoved)
		run, err := f.svc.RunPayouts(ctx, svcScheduler)
		require.NoError(t, err)
		assert.Empty(t, run.Payouts)
		require.Len(t, run.Held, 1)
		assert.Equal(t, svcUSD("100.00"), run.Held[0].Available)
		assert.Equal(t, supplier.HoldRemoved, run.Held[0].Reasons[0].Code)
	})
	t.Run("a supplier suspended since its last change", func(t *testing.T) {
		f := newSvcFixture(t, nil)
		f.register(t, "s1")
		f.approved(t, "s1", svcDoc("licence", supplier.BusinessLicence, time.Time{}))
		f.approved(t, "s1", svcDoc("production", supplier.ProductionQualification, time.Time{}))
		f.approved(t, "s1", svcDoc("on-site", supplier.OnSiteCheck, svcStart.Add(48*time.Hour)))
		_, err := f.svc.SetPayoutDestination(ctx, svcSelf, "s1", "acct_s1")
		require.NoError(t, err)
		o := svcOrder("o1", "b1", "100.00", svcStart)
		o.Release.Paid = svcUSD("100.00")
		f.record(t, "s1", o)
		f.clock.Advance(72 * time.Hour) // the on-site check lapses; nothing has evaluated s1 since
		_, err = f.svc.RequestPayout(ctx, svcSelf, "s1", "k", supplier.PayoutRequest{Amount: svcUSD("100.00")})
		requireHeld(t, err, supplier.HoldSuspended)
	})
	t.Run("a supplier who owes more than it holds", func(t *testing.T) {
		f := payoutFixture(t, nil, "100.00")
		_, err := f.svc.ChargeReceivable(ctx, svcOrders, "s1", supplier.ReceivableRequest{OrderID: "o-claimed", Amount: svcUSD("150.00")})
		require.NoError(t, err)
		_, err = f.svc.RequestPayout(ctx, svcSelf, "s1", "k", supplier.PayoutRequest{Amount: svcUSD("0.01")})
		requireHeld(t, err, supplier.HoldReceivable)
		testkit.Check(t, "the balance repaid what it could", balance("100.00", "100.00", "0", "0"), f.get(t, "s1").Balance(payment.USD))
	})
}

// requireHeld requires err to be a *supplier.PayoutHeldError naming code.
func requireHeld(t *testing.T, err error, code string) {
	t.Helper()
	var held *supplier.PayoutHeldError
	require.ErrorAs(t, err, &held)
	require.ErrorIs(t, err, supplier.ErrPayoutHeld)
	var codes []string
	for _, r := range held.Reasons {
		codes = append(codes, r.Code)
	}
	assert.Contains(t, codes, code)
}

func TestScheduledPayoutsRunOncePerPeriodAboveTheMinimum(t *testing.T) {
	ctx := t.Context()
	t.Run("daily", func(t *testing.T) {
		f := payoutFixture(t, nil, "700.00")
		run, err := f.svc.RunPayouts(ctx, svcScheduler)
		require.NoError(t, err)
		assert.Equal(t, "2026-03-02", run.Period)
		require.Len(t, run.Payouts, 1)
		first := run.Payouts[0]
		assert.Equal(t, svcUSD("700.00"), first.Amount, "the whole available balance")
		assert.Equal(t, "2026-03-02", first.Run)
		assert.Empty(t, first.Key, "a run's payout is under no caller's key")

		// More is released the same day: the day's run was made.
		o := svcOrder("later", "b1", "50.00", svcStart)
		o.Release.Paid = svcUSD("50.00")
		f.record(t, "s1", o)
		again, err := f.svc.RunPayouts(ctx, svcScheduler)
		require.NoError(t, err)
		testkit.Check(t, "the day's run again", []*supplier.Payout{first}, again.Payouts)

		f.clock.Advance(24 * time.Hour)
		next, err := f.svc.RunPayouts(ctx, svcScheduler)
		require.NoError(t, err)
		require.Len(t, next.Payouts, 1)
		assert.Equal(t, svcUSD("50.00"), next.Payouts[0].Amount, "the next day pays what came since")
		assert.NotEqual(t, first.ID, next.Payouts[0].ID)
	})
	t.Run("weekly, with a minimum", func(t *testing.T) {
		rules := supplier.DefaultRules()
		rules.Payouts = supplier.PayoutRule{Schedule: supplier.Weekly, Weekday: time.Tuesday, Minimum: []payment.Money{svcUSD("100.00")}}
		f := payoutFixture(t, &rules, "99.99")
		run, err := f.svc.RunPayouts(ctx, svcScheduler) // a Monday
		require.NoError(t, err)
		assert.Equal(t, &supplier.PayoutRun{Payouts: []*supplier.Payout{}}, run, "no run on a Monday")
		f.clock.Advance(24 * time.Hour)
		run, err = f.svc.RunPayouts(ctx, svcScheduler)
		require.NoError(t, err)
		assert.Equal(t, "2026-W10", run.Period)
		assert.Empty(t, run.Payouts)
		require.Len(t, run.Held, 1)
		assert.Equal(t, supplier.HoldBelowMinimum, run.Held[0].Reasons[0].Code)
		_, err = f.svc.RequestPayout(ctx, svcSelf, "s1", "k", supplier.PayoutRequest{Amount: svcUSD("99.99")})
		assert.ErrorIs(t, err, payment.ErrInvalidAmount, "an on-demand payout below the minimum")
	})
	t.Run("on demand", func(t *testing.T) {
		rules := supplier.DefaultRules()
		rules.Payouts.Schedule = supplier.OnDemand
		f := payoutFixture(t, &rules, "10.00")
		run, err := f.svc.RunPayouts(ctx, svcScheduler)
		require.NoError(t, err)
		assert.Empty(t, run.Payouts)
		assert.Empty(t, run.Period)
	})
	t.Run("bad rules", func(t *testing.T) {
		for _, r := range []supplier.PayoutRule{
			{Schedule: "hourly"},
			{Schedule: supplier.Weekly, Weekday: 7},
			{Schedule: supplier.Daily, Minimum: []payment.Money{svcUSD("-1.00")}},
			{Schedule: supplier.Daily, Minimum: []payment.Money{svcUSD("1.00"), svcUSD("2.00")}},
			{Schedule: supplier.Daily, Minimum: []payment.Money{{}}},
		} {
			rules := supplier.DefaultRules()
			rules.Payouts = r
			_, err := supplier.NewService(supplier.Config{Store: supplier.NewMemoryStore(), Clock: testkit.NewClock(svcStart), Rules: &rules})
			assert.Error(t, err, "%+v", r)
		}
	})
}

// statuses returns the statuses of p's timeline.
func statuses(p *supplier.Payout) []supplier.PayoutStatus {
	var s []supplier.PayoutStatus
	for _, e := range p.Timeline {
		s = append(s, e.Status)
	}
	return s
}

// Every step of a payout is a message in the outbox, in the unit of work
// that made it: "payout.pending" is what the caller's sender waits for; a
// replayed report adds none.
func TestEveryStepOfAPayoutIsInTheOutbox(t *testing.T) {
	outbox := payment.MemoryOutbox()
	store, clock := supplier.NewMemoryStore(), testkit.NewClock(svcStart)
	s, err := supplier.NewService(supplier.Config{Store: store, Clock: clock, Unit: payment.MemoryUnit(), Outbox: outbox})
	require.NoError(t, err)
	f := &svcFixture{svc: s, store: store, clock: clock}
	f.enroll(t, "s1")
	_, err = s.SetPayoutDestination(t.Context(), svcSelf, "s1", "acct_s1")
	require.NoError(t, err)
	o := svcOrder("o1", "b1", "100.00", svcStart)
	o.Release.Paid = svcUSD("98.00")
	f.record(t, "s1", o)
	p, err := s.RequestPayout(t.Context(), svcSelf, "s1", "k", supplier.PayoutRequest{Amount: svcUSD("98.00")})
	require.NoError(t, err)
	for range 2 {
		_, err = s.ReportPayout(t.Context(), svcHooks, "s1", p.ID, supplier.PayoutOutcome{Status: supplier.PayoutPaid})
		require.NoError(t, err)
	}
	msgs, err := outbox.Undelivered(t.Context(), 100)
	require.NoError(t, err)
	var steps []string
	for _, m := range msgs {
		if m.Aggregate != supplier.PayoutAggregate {
			continue
		}
		got, err := supplier.PayoutOf(m)
		require.NoError(t, err)
		assert.Equal(t, p.ID, m.ID)
		assert.Equal(t, len(got.Timeline), m.N)
		steps = append(steps, m.Type)
	}
	assert.Equal(t, []string{"payout.pending", "payout.paid"}, steps)
	_, err = supplier.PayoutOf(msgs[0])
	assert.ErrorIs(t, err, payment.ErrInvalidRequest, "a supplier's notice is no payout")
}

// A supplier's statement of a period: the balance it opened with, each
// movement in the order written, what they add up to, and the balance it
// carried.
func TestAStatementTellsAPeriodOfTheBalance(t *testing.T) {
	f := payoutFixture(t, nil, "980.00") // day 0: a release
	ctx := t.Context()
	day := func(n int) time.Time { return svcStart.AddDate(0, 0, n) }
	f.advanceTo(t, day(1))
	p, err := f.svc.RequestPayout(ctx, svcSelf, "s1", "p1", supplier.PayoutRequest{Amount: svcUSD("900.00")})
	require.NoError(t, err)
	_, err = f.svc.ReportPayout(ctx, svcHooks, "s1", p.ID, supplier.PayoutOutcome{Status: supplier.PayoutPaid})
	require.NoError(t, err)
	f.advanceTo(t, day(2))
	_, err = f.svc.ReportPayout(ctx, svcHooks, "s1", p.ID, supplier.PayoutOutcome{Status: supplier.PayoutReturned})
	require.NoError(t, err)
	_, err = f.svc.ChargeReceivable(ctx, svcOrders, "s1", supplier.ReceivableRequest{OrderID: "o-claimed", Amount: svcUSD("120.00")})
	require.NoError(t, err)
	f.advanceTo(t, day(5))
	o := svcOrder("later", "b1", "300.00", day(5))
	o.Release.Paid = svcUSD("294.00")
	f.record(t, "s1", o)

	st, err := f.svc.Statement(ctx, svcSelf, "s1", payment.USD, day(1), day(3))
	require.NoError(t, err)
	testkit.Check(t, "the opening: the first release", balance("980.00", "0", "0", "0"), st.Opening)
	var kinds []supplier.EntryKind
	for _, e := range st.Entries {
		kinds = append(kinds, e.Kind)
	}
	assert.Equal(t, []supplier.EntryKind{supplier.EntryPayout, supplier.EntryPayoutPaid, supplier.EntryPayoutReturned, supplier.EntryOffset}, kinds)
	assert.Equal(t, "o-claimed", st.Entries[3].Ref, "the offset names the receivable's order")
	testkit.Check(t, "the totals", []payment.Money{svcUSD("0.00"), svcUSD("120.00"), svcUSD("900.00"), svcUSD("900.00")},
		[]payment.Money{st.Released, st.Offset, st.Payouts, st.Returned})
	testkit.Check(t, "the closing", balance("980.00", "120.00", "0", "0"), st.Closing)

	quiet, err := f.svc.Statement(ctx, svcAgent, "s1", payment.USD, day(3), day(4))
	require.NoError(t, err)
	assert.Empty(t, quiet.Entries)
	testkit.Check(t, "a period with no movement carries what it opened with", st.Closing, quiet.Opening)
	testkit.Check(t, "and closes with it", st.Closing, quiet.Closing)
	none, err := f.svc.Statement(ctx, svcAgent, "s1", payment.EUR, day(0), day(9))
	require.NoError(t, err)
	testkit.Check(t, "a currency never released", balance0(payment.EUR), none.Closing)

	t.Run("refused", func(t *testing.T) {
		for _, c := range []struct {
			name     string
			by       payment.Actor
			supplier string
			cur      payment.Currency
			from, to time.Time
			want     error
		}{
			{"another supplier", svcOther, "s1", payment.USD, day(0), day(1), payment.ErrForbidden},
			{"a buyer", svcBuyer, "s1", payment.USD, day(0), day(1), payment.ErrForbidden},
			{"a period that ends where it starts", svcSelf, "s1", payment.USD, day(1), day(1), supplier.ErrInvalidRequest},
			{"a period that ends before it starts", svcSelf, "s1", payment.USD, day(2), day(1), supplier.ErrInvalidRequest},
			{"no currency", svcSelf, "s1", "", day(0), day(1), payment.ErrUnknownCurrency},
			{"a supplier that does not exist", svcAgent, "s9", payment.USD, day(0), day(1), supplier.ErrNotFound},
			{"a mebibyte supplier id", svcAgent, testkit.Long(""), payment.USD, day(0), day(1), supplier.ErrInvalidRequest},
		} {
			_, err := f.svc.Statement(ctx, c.by, c.supplier, c.cur, c.from, c.to)
			assert.ErrorIs(t, err, c.want, c.name)
		}
	})
}

// balance0 is the zero balance in cur.
func balance0(cur payment.Currency) supplier.Balance {
	zero, _ := payment.FromMinor(0, cur)
	return supplier.Balance{Currency: cur, Credited: zero, Offset: zero, InFlight: zero, PaidOut: zero}
}

// A caller's key is its own: the supplier and a platform agent that use
// the same key make two payouts, and neither learns of the other's.
func TestAPayoutKeyIsTheCallersOwn(t *testing.T) {
	f := payoutFixture(t, nil, "500.00")
	ctx := t.Context()
	mine, err := f.svc.RequestPayout(ctx, svcSelf, "s1", "weekly", supplier.PayoutRequest{Amount: svcUSD("100.00")})
	require.NoError(t, err)
	theirs, err := f.svc.RequestPayout(ctx, svcAgent, "s1", "weekly", supplier.PayoutRequest{Amount: svcUSD("200.00")})
	require.NoError(t, err)
	assert.NotEqual(t, mine.ID, theirs.ID)
	testkit.Check(t, "the balance", balance("500.00", "0", "300.00", "0"), f.get(t, "s1").Balance(payment.USD))
}

// A weekly run is due from its weekday to the end of the ISO week: a
// scheduler that missed the day pays the week's payouts the next day it
// runs, once.
func TestAWeeklyRunMissedOnItsDayRunsTheNextDay(t *testing.T) {
	rules := supplier.DefaultRules()
	rules.Payouts = supplier.PayoutRule{Schedule: supplier.Weekly, Weekday: time.Tuesday}
	f := payoutFixture(t, &rules, "10.00") // Monday 2026-03-02
	ctx := t.Context()
	f.advanceTo(t, svcStart.AddDate(0, 0, 3)) // Thursday: Tuesday's run was missed
	run, err := f.svc.RunPayouts(ctx, svcScheduler)
	require.NoError(t, err)
	assert.Equal(t, "2026-W10", run.Period)
	require.Len(t, run.Payouts, 1)
	f.advanceTo(t, svcStart.AddDate(0, 0, 6)) // Sunday, the same week
	again, err := f.svc.RunPayouts(ctx, svcScheduler)
	require.NoError(t, err)
	assert.Equal(t, run.Payouts[0].ID, again.Payouts[0].ID, "once a week")
	f.advanceTo(t, svcStart.AddDate(0, 0, 7)) // the next Monday: not due yet
	next, err := f.svc.RunPayouts(ctx, svcScheduler)
	require.NoError(t, err)
	assert.Empty(t, next.Period)
}

// A release's fees and what it withheld for the guarantee are on its
// entry, beside what it paid, and the statement adds them up; a release
// that withheld all it would have paid is an entry of nothing paid.
func TestAStatementShowsWhatEachReleaseTookAndWithheld(t *testing.T) {
	f := payoutFixture(t, nil)
	ctx := t.Context()
	o := svcOrder("o-1", "b1", "300.00", svcStart)
	o.Release = supplier.Release{Paid: svcUSD("244.00"), Fees: svcUSD("6.00"), Withheld: svcUSD("50.00")}
	f.record(t, "s1", o)
	o = svcOrder("o-2", "b1", "100.00", svcStart)
	o.Release = supplier.Release{Fees: svcUSD("2.00"), Withheld: svcUSD("98.00")}
	sup := f.record(t, "s1", o)
	testkit.Check(t, "the balance", balance("244.00", "0", "0", "0"), sup.Balance(payment.USD))
	st, err := f.svc.Statement(ctx, svcSelf, "s1", payment.USD, svcStart, svcStart.Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, st.Entries, 2)
	assert.Equal(t, svcUSD("0.00"), st.Entries[1].Amount, "a release that paid nothing")
	testkit.Check(t, "released, fees, withheld", []payment.Money{svcUSD("244.00"), svcUSD("8.00"), svcUSD("148.00")},
		[]payment.Money{st.Released, st.Fees, st.Withheld})

	o = svcOrder("o-3", "b1", "100.00", svcStart)
	o.Release = supplier.Release{Paid: svcUSD("90.00"), Fees: payment.MustParse("10.00", payment.EUR)}
	_, err = f.svc.RecordOrder(ctx, svcOrders, "s1", o)
	assert.ErrorIs(t, err, payment.ErrInvalidAmount, "a release in two currencies")
	o.Release = supplier.Release{Paid: svcUSD("90.00"), Withheld: svcUSD("-1.00")}
	_, err = f.svc.RecordOrder(ctx, svcOrders, "s1", o)
	assert.ErrorIs(t, err, payment.ErrInvalidAmount, "a negative withholding")
}
