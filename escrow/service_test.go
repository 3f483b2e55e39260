package escrow_test

// The helpers of this file are prefixed with svc so that they cannot collide
// with those of the package's other test files.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/escrow/escrowpg"
	"github.com/tradeassure/tradeassure/internal/pgtest"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/payment/paymentpg"
)

// svcStart is when every test's clock starts.
var svcStart = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// The actors of the tests.
var (
	svcOrders   = payment.System("orders")
	svcAgent    = payment.Platform("agent-7")
	svcBuyer    = payment.Buyer("b1")
	svcSupplier = payment.Supplier("s1")
)

type svcFixture struct {
	svc   *escrow.Service
	clock *testkit.Clock
}

// newSvcFixture returns a Service on cfg, with a fresh in-memory store
// unless cfg names one, and a manual clock.
func newSvcFixture(t testing.TB, cfg escrow.Config) *svcFixture {
	t.Helper()
	c := testkit.NewClock(svcStart)
	if cfg.Store == nil {
		cfg.Store = escrow.NewMemoryStore()
	}
	cfg.Clock = c
	s, err := escrow.NewService(cfg)
	require.NoError(t, err)
	return &svcFixture{svc: s, clock: c}
}

// svcFunded returns a fixture whose account o1 holds amount (none for "").
func svcFunded(t testing.TB, cfg escrow.Config, amount string) *svcFixture {
	t.Helper()
	f := newSvcFixture(t, cfg)
	f.open(t, "o1")
	if amount != "" {
		f.hold(t, "o1", "hold-1", amount)
	}
	return f
}

// open opens account id for buyer b1 and supplier s1 in USD.
func (f *svcFixture) open(t testing.TB, id string) *escrow.Account {
	t.Helper()
	a, err := f.svc.Open(t.Context(), svcOrders, escrow.OpenRequest{OrderID: id, BuyerID: "b1", SupplierID: "s1", Currency: payment.USD})
	require.NoError(t, err)
	return a
}

// hold holds a USD amount on account id under key, from payment "p-"+key.
func (f *svcFixture) hold(t testing.TB, id, key, amount string) *escrow.Receipt {
	t.Helper()
	r, err := f.svc.Hold(t.Context(), svcOrders, id, key, escrow.HoldRequest{Amount: svcUSD(amount), PaymentID: "p-" + key})
	require.NoError(t, err)
	return r
}

func (f *svcFixture) account(t testing.TB, id string) *escrow.Account {
	t.Helper()
	a, err := f.svc.Account(t.Context(), id)
	require.NoError(t, err)
	return a
}

func (f *svcFixture) balance(t testing.TB, id string) escrow.Balance {
	t.Helper()
	b, err := f.svc.Balance(t.Context(), id)
	require.NoError(t, err)
	return b
}

// verify checks that account id's ledger is consistent.
func (f *svcFixture) verify(t testing.TB, id string) {
	t.Helper()
	if err := f.account(t, id).Verify(); err != nil {
		t.Errorf("Verify: %v", err)
	}
}

func svcUSD(s string) payment.Money { return payment.MustParse(s, payment.USD) }

// svcBalance returns a USD Balance from its amounts in order: held,
// released, fees, refunded, compensated, remaining, frozen, available,
// guaranteed, recovered (those left out are zero).
func svcBalance(amounts ...string) escrow.Balance {
	m := make([]payment.Money, 10)
	for i := range m {
		m[i] = svcUSD("0")
	}
	for i, s := range amounts {
		m[i] = svcUSD(s)
	}
	return escrow.Balance{Held: m[0], Released: m[1], Fees: m[2], Refunded: m[3], Compensated: m[4], Remaining: m[5], Frozen: m[6], Available: m[7],
		Guaranteed: m[8], Recovered: m[9]}
}

// svcOpts compares the package's structures: decimals by value, nil and
// empty slices alike, operation fingerprints ignored (they are opaque).
func svcOpts() cmp.Options {
	return cmp.Options{
		cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }),
		cmpopts.EquateEmpty(),
		cmpopts.IgnoreFields(escrow.Operation{}, "Fingerprint"),
	}
}

// svcWatch snapshots account id and returns a check that asserts it is
// exactly as it was: same Version, Entries, Operations and state.
func svcWatch(t *testing.T, f *svcFixture, id string) (unchanged func()) {
	t.Helper()
	before := f.account(t, id)
	return func() {
		t.Helper()
		after := f.account(t, id)
		if diff := cmp.Diff(before, after, cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })); diff != "" {
			t.Errorf("account %s changed (-before +after):\n%s", id, diff)
		}
	}
}

// svcRefusal is one refused request: setup brings a fixture to a state, op
// is refused with want, and the account is left exactly as it was.
type svcRefusal struct {
	name  string
	cfg   escrow.Config
	setup func(t *testing.T, f *svcFixture) // default: o1 holds USD 100.00
	op    func(ctx context.Context, s *escrow.Service) (*escrow.Receipt, error)
	want  error
}

func runSvcRefusals(t *testing.T, tests []svcRefusal) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := svcFunded(t, tt.cfg, "")
			if tt.setup != nil {
				tt.setup(t, f)
			} else {
				f.hold(t, "o1", "hold-1", "100.00")
			}
			unchanged := svcWatch(t, f, "o1")
			r, err := tt.op(t.Context(), f.svc)
			require.ErrorIs(t, err, tt.want)
			assert.Nil(t, r, "a refused operation has no receipt")
			unchanged()
			f.verify(t, "o1")
		})
	}
}

// svcOp is one kind of keyed operation with a valid request, for the tests
// that run every operation the same way. variant 1 is another request of
// the same kind (another amount, another reason).
type svcOp struct {
	name      string
	op        escrow.Op
	by        payment.Actor
	frozenOut bool
	// setup brings account id, open and empty, to a state where the
	// request succeeds.
	setup func(t *testing.T, f *svcFixture, id string)
	run   func(ctx context.Context, s *escrow.Service, by payment.Actor, id, key string, variant int) (*escrow.Receipt, error)
}

func svcOps() []svcOp {
	funded := func(t *testing.T, f *svcFixture, id string) { f.hold(t, id, "setup-hold", "100.00") }
	pick := func(variant int, a, b string) string {
		if variant == 0 {
			return a
		}
		return b
	}
	return []svcOp{
		{name: "a hold", op: escrow.OpHold, by: svcOrders,
			setup: func(*testing.T, *svcFixture, string) {},
			run: func(ctx context.Context, s *escrow.Service, by payment.Actor, id, key string, v int) (*escrow.Receipt, error) {
				return s.Hold(ctx, by, id, key, escrow.HoldRequest{Amount: svcUSD(pick(v, "10.00", "10.01")), PaymentID: "p-9"})
			}},
		{name: "a release", op: escrow.OpRelease, by: svcOrders, frozenOut: true, setup: funded,
			run: func(ctx context.Context, s *escrow.Service, by payment.Actor, id, key string, v int) (*escrow.Receipt, error) {
				return s.Release(ctx, by, id, key, escrow.ReleaseRequest{Amount: svcUSD(pick(v, "40.00", "40.01"))})
			}},
		{name: "a refund", op: escrow.OpRefund, by: svcOrders, frozenOut: true, setup: funded,
			run: func(ctx context.Context, s *escrow.Service, by payment.Actor, id, key string, v int) (*escrow.Receipt, error) {
				return s.Refund(ctx, by, id, key, escrow.RefundRequest{Amount: svcUSD(pick(v, "40.00", "40.01"))})
			}},
		{name: "a compensation", op: escrow.OpCompensate, by: svcOrders, frozenOut: true, setup: funded,
			run: func(ctx context.Context, s *escrow.Service, by payment.Actor, id, key string, v int) (*escrow.Receipt, error) {
				return s.Compensate(ctx, by, id, key, escrow.CompensateRequest{Amount: svcUSD(pick(v, "40.00", "40.01")), Memo: "late shipment"})
			}},
		{name: "a settlement", op: escrow.OpSettle, by: svcOrders, frozenOut: true, setup: funded,
			run: func(ctx context.Context, s *escrow.Service, by payment.Actor, id, key string, v int) (*escrow.Receipt, error) {
				return s.Settle(ctx, by, id, key, escrow.SettleRequest{Refund: svcUSD(pick(v, "70.00", "60.00")), Release: svcUSD(pick(v, "30.00", "40.00"))})
			}},
		{name: "a freeze", op: escrow.OpFreeze, by: svcOrders, setup: funded,
			run: func(ctx context.Context, s *escrow.Service, by payment.Actor, id, key string, v int) (*escrow.Receipt, error) {
				return s.Freeze(ctx, by, id, key, pick(v, "dispute d-1 opened", "dispute d-2 opened"))
			}},
		{name: "an unfreeze", op: escrow.OpUnfreeze, by: svcAgent,
			setup: func(t *testing.T, f *svcFixture, id string) {
				funded(t, f, id)
				_, err := f.svc.Freeze(t.Context(), svcOrders, id, "setup-freeze", "risk review")
				require.NoError(t, err)
			},
			run: func(ctx context.Context, s *escrow.Service, by payment.Actor, id, key string, v int) (*escrow.Receipt, error) {
				return s.Unfreeze(ctx, by, id, key, pick(v, "cleared by phone", "cleared by email"))
			}},
		{name: "a close", op: escrow.OpClose, by: svcOrders, frozenOut: true,
			setup: func(*testing.T, *svcFixture, string) {},
			run: func(ctx context.Context, s *escrow.Service, by payment.Actor, id, key string, _ int) (*escrow.Receipt, error) {
				return s.Close(ctx, by, id, key)
			}},
	}
}

func TestNewServiceNeedsAStoreAndAClock(t *testing.T) {
	clock := testkit.NewClock(svcStart)
	tests := []struct {
		name string
		cfg  escrow.Config
	}{
		{"a config without a store is refused", escrow.Config{Clock: clock}},
		{"a config without a clock is refused", escrow.Config{Store: escrow.NewMemoryStore()}},
		{"an empty config is refused", escrow.Config{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := escrow.NewService(tt.cfg)
			require.ErrorIs(t, err, escrow.ErrInvalidRequest)
			assert.Nil(t, s)
		})
	}
}

func TestOpen(t *testing.T) {
	req := escrow.OpenRequest{OrderID: "o1", BuyerID: "b1", SupplierID: "s1", Currency: payment.USD}

	t.Run("a system actor opens an empty account for the order", func(t *testing.T) {
		f := newSvcFixture(t, escrow.Config{})
		a, err := f.svc.Open(t.Context(), svcOrders, req)
		require.NoError(t, err)
		want := &escrow.Account{
			ID: "o1", BuyerID: "b1", SupplierID: "s1", Currency: payment.USD,
			CreatedAt: svcStart, UpdatedAt: svcStart, Version: 1,
		}
		if diff := cmp.Diff(want, a, svcOpts()); diff != "" {
			t.Errorf("Open (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(svcBalance("0", "0", "0", "0", "0", "0", "0", "0"), f.balance(t, "o1")); diff != "" {
			t.Errorf("Balance (-want +got):\n%s", diff)
		}
	})

	t.Run("a platform agent may open an account too", func(t *testing.T) {
		f := newSvcFixture(t, escrow.Config{})
		_, err := f.svc.Open(t.Context(), svcAgent, req)
		require.NoError(t, err)
	})

	t.Run("opening again with the same parties returns the account as it is", func(t *testing.T) {
		f := svcFunded(t, escrow.Config{}, "100.00")
		first := f.account(t, "o1")
		f.clock.Advance(time.Hour)
		again, err := f.svc.Open(t.Context(), svcOrders, req)
		require.NoError(t, err)
		if diff := cmp.Diff(first, again, svcOpts()); diff != "" {
			t.Errorf("re-open (-first +again):\n%s", diff)
		}
	})

	for _, tt := range []struct {
		name   string
		change func(r *escrow.OpenRequest)
	}{
		{"opening again for another buyer is a duplicate", func(r *escrow.OpenRequest) { r.BuyerID = "b2" }},
		{"opening again for another supplier is a duplicate", func(r *escrow.OpenRequest) { r.SupplierID = "s2" }},
		{"opening again in another currency is a duplicate", func(r *escrow.OpenRequest) { r.Currency = payment.EUR }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := svcFunded(t, escrow.Config{}, "100.00")
			unchanged := svcWatch(t, f, "o1")
			other := req
			tt.change(&other)
			a, err := f.svc.Open(t.Context(), svcOrders, other)
			require.ErrorIs(t, err, escrow.ErrDuplicate)
			assert.Nil(t, a)
			unchanged()
		})
	}

	for _, tt := range []struct {
		name   string
		by     payment.Actor
		change func(r *escrow.OpenRequest)
		want   error
	}{
		{"an account needs an order id", svcOrders, func(r *escrow.OpenRequest) { r.OrderID = "" }, escrow.ErrInvalidRequest},
		{"an account needs a buyer", svcOrders, func(r *escrow.OpenRequest) { r.BuyerID = "" }, escrow.ErrInvalidRequest},
		{"an account needs a supplier", svcOrders, func(r *escrow.OpenRequest) { r.SupplierID = "" }, escrow.ErrInvalidRequest},
		{"the buyer cannot be the supplier", svcOrders, func(r *escrow.OpenRequest) { r.SupplierID = "b1" }, escrow.ErrInvalidRequest},
		{"an account needs a currency", svcOrders, func(r *escrow.OpenRequest) { r.Currency = "" }, payment.ErrUnknownCurrency},
		{"a currency is an ISO 4217 code", svcOrders, func(r *escrow.OpenRequest) { r.Currency = "ZZZ" }, payment.ErrUnknownCurrency},
		{"a currency code is upper case", svcOrders, func(r *escrow.OpenRequest) { r.Currency = "usd" }, payment.ErrUnknownCurrency},
		{"a buyer may not open an account", svcBuyer, nil, payment.ErrForbidden},
		{"a supplier may not open an account", svcSupplier, nil, payment.ErrForbidden},
		{"an actor needs an id", payment.Actor{Role: payment.RoleSystem}, nil, payment.ErrInvalidRequest},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newSvcFixture(t, escrow.Config{})
			r := req
			if tt.change != nil {
				tt.change(&r)
			}
			a, err := f.svc.Open(t.Context(), tt.by, r)
			require.ErrorIs(t, err, tt.want)
			assert.Nil(t, a)
			_, err = f.svc.Account(t.Context(), r.OrderID)
			require.ErrorIs(t, err, escrow.ErrNotFound, "nothing was created")
		})
	}

	t.Run("a wrong actor is an ActorError naming the actor", func(t *testing.T) {
		f := newSvcFixture(t, escrow.Config{})
		_, err := f.svc.Open(t.Context(), svcBuyer, req)
		var ae *payment.ActorError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, svcBuyer, ae.Actor)
	})
}

func TestHold(t *testing.T) {
	t.Run("a payment is held once, whatever the key", func(t *testing.T) {
		f := svcFunded(t, escrow.Config{}, "100.00") // payment p-hold-1
		unchanged := svcWatch(t, f, "o1")
		_, err := f.svc.Hold(t.Context(), svcOrders, "o1", "another-key", escrow.HoldRequest{Amount: svcUSD("100.00"), PaymentID: "p-hold-1"})
		require.ErrorIs(t, err, escrow.ErrDuplicate)
		unchanged()
	})

	t.Run("a deposit and then the balance add up in escrow", func(t *testing.T) {
		f := svcFunded(t, escrow.Config{}, "")
		deposit, err := f.svc.Hold(t.Context(), svcOrders, "o1", "o1/deposit", escrow.HoldRequest{
			Amount: svcUSD("3000.00"), PaymentID: "pay-1", Memo: "30% deposit"})
		require.NoError(t, err)
		f.clock.Advance(24 * time.Hour)
		rest, err := f.svc.Hold(t.Context(), svcOrders, "o1", "o1/balance", escrow.HoldRequest{
			Amount: svcUSD("7000.01"), PaymentID: "pay-2"})
		require.NoError(t, err)

		wantDeposit := &escrow.Receipt{AccountID: "o1", Key: "o1/deposit", Op: escrow.OpHold, Remaining: svcUSD("3000.00"),
			Entries: []escrow.Entry{{Seq: 1, From: escrow.BuyerFunding, To: escrow.Escrow, Amount: svcUSD("3000.00"),
				Key: "o1/deposit", Ref: "pay-1", Memo: "30% deposit", Actor: svcOrders, At: svcStart}}}
		if diff := cmp.Diff(wantDeposit, deposit, svcOpts()); diff != "" {
			t.Errorf("deposit receipt (-want +got):\n%s", diff)
		}
		wantRest := &escrow.Receipt{AccountID: "o1", Key: "o1/balance", Op: escrow.OpHold, Remaining: svcUSD("10000.01"),
			Entries: []escrow.Entry{{Seq: 2, From: escrow.BuyerFunding, To: escrow.Escrow, Amount: svcUSD("7000.01"),
				Key: "o1/balance", Ref: "pay-2", Actor: svcOrders, At: svcStart.Add(24 * time.Hour)}}}
		if diff := cmp.Diff(wantRest, rest, svcOpts()); diff != "" {
			t.Errorf("balance receipt (-want +got):\n%s", diff)
		}
		want := svcBalance("10000.01", "0", "0", "0", "0", "10000.01", "0", "10000.01")
		if diff := cmp.Diff(want, f.balance(t, "o1")); diff != "" {
			t.Errorf("Balance (-want +got):\n%s", diff)
		}

		a := f.account(t, "o1")
		wantOps := []escrow.Operation{
			{Key: "o1/deposit", Op: escrow.OpHold, Actor: svcOrders, At: svcStart, First: 1, Last: 1, Memo: "30% deposit"},
			{Key: "o1/balance", Op: escrow.OpHold, Actor: svcOrders, At: svcStart.Add(24 * time.Hour), First: 2, Last: 2},
		}
		if diff := cmp.Diff(wantOps, a.Operations, svcOpts()); diff != "" {
			t.Errorf("Operations (-want +got):\n%s", diff)
		}
		assert.Equal(t, int64(3), a.Version, "open and two holds")
		assert.Equal(t, svcStart.Add(24*time.Hour), a.UpdatedAt)
		entries, err := f.svc.Entries(t.Context(), "o1")
		require.NoError(t, err)
		if diff := cmp.Diff(append(deposit.Entries, rest.Entries...), entries, svcOpts()); diff != "" {
			t.Errorf("Entries are the receipts' entries (-want +got):\n%s", diff)
		}
		f.verify(t, "o1")
	})

	t.Run("an account holds up to the largest Money", func(t *testing.T) {
		f := svcFunded(t, escrow.Config{}, "9999999999999999.98")
		f.hold(t, "o1", "hold-2", "0.01")
		assert.Equal(t, svcUSD("9999999999999999.99"), f.balance(t, "o1").Held)
	})

	hold := func(amount payment.Money, paymentID string) func(context.Context, *escrow.Service) (*escrow.Receipt, error) {
		return func(ctx context.Context, s *escrow.Service) (*escrow.Receipt, error) {
			return s.Hold(ctx, svcOrders, "o1", "hold-x", escrow.HoldRequest{Amount: amount, PaymentID: paymentID})
		}
	}
	runSvcRefusals(t, []svcRefusal{
		{name: "a hold names its payment", op: hold(svcUSD("10.00"), ""), want: escrow.ErrInvalidRequest},
		{name: "a zero hold is refused", op: hold(svcUSD("0.00"), "p"), want: payment.ErrInvalidAmount},
		{name: "a negative hold is refused", op: hold(svcUSD("-10.00"), "p"), want: payment.ErrInvalidAmount},
		{name: "a hold in another currency is refused", op: hold(payment.MustParse("10.00", payment.EUR), "p"), want: payment.ErrCurrencyMismatch},
		{name: "a hold taking the total held out of range is refused",
			setup: func(t *testing.T, f *svcFixture) { f.hold(t, "o1", "hold-1", "9999999999999999.99") },
			op:    hold(svcUSD("0.01"), "p"), want: payment.ErrOutOfRange},
		{name: "a buyer may not hold", op: func(ctx context.Context, s *escrow.Service) (*escrow.Receipt, error) {
			return s.Hold(ctx, svcBuyer, "o1", "hold-x", escrow.HoldRequest{Amount: svcUSD("10.00"), PaymentID: "p"})
		}, want: payment.ErrForbidden},
		{name: "a supplier may not hold", op: func(ctx context.Context, s *escrow.Service) (*escrow.Receipt, error) {
			return s.Hold(ctx, svcSupplier, "o1", "hold-x", escrow.HoldRequest{Amount: svcUSD("10.00"), PaymentID: "p"})
		}, want: payment.ErrForbidden},
	})

	t.Run("a hold in another currency says which currencies", func(t *testing.T) {
		f := svcFunded(t, escrow.Config{}, "")
		_, err := f.svc.Hold(t.Context(), svcOrders, "o1", "k", escrow.HoldRequest{Amount: payment.MustParse("10", payment.JPY), PaymentID: "p"})
		var cm *payment.CurrencyMismatchError
		require.ErrorAs(t, err, &cm)
		assert.Equal(t, payment.CurrencyMismatchError{Want: payment.USD, Got: payment.JPY}, *cm)
	})

	t.Run("a hold without an amount is refused and writes nothing", func(t *testing.T) {
		// Which error is not pinned: an unset Money has no currency, so today
		// it is a *payment.CurrencyMismatchError ("want USD, got "), where
		// payment.Service calls a missing amount ErrInvalidAmount.
		f := svcFunded(t, escrow.Config{}, "")
		unchanged := svcWatch(t, f, "o1")
		_, err := f.svc.Hold(t.Context(), svcOrders, "o1", "k", escrow.HoldRequest{PaymentID: "p"})
		require.Error(t, err)
		unchanged()
	})
}

func TestRelease(t *testing.T) {
	twoPercent := escrow.Config{ReleaseFee: escrow.PercentFee(decimal.RequireFromString("0.02"), payment.RoundHalfEven)}

	t.Run("a partial and then a full release without a fee", func(t *testing.T) {
		f := svcFunded(t, escrow.Config{}, "1000.00")
		f.clock.Advance(time.Hour)
		part, err := f.svc.Release(t.Context(), svcOrders, "o1", "r1", escrow.ReleaseRequest{Amount: svcUSD("400.00"), Memo: "delivered"})
		require.NoError(t, err)
		want := &escrow.Receipt{AccountID: "o1", Key: "r1", Op: escrow.OpRelease, Remaining: svcUSD("600.00"),
			Entries: []escrow.Entry{{Seq: 2, From: escrow.Escrow, To: escrow.SupplierPayable, Amount: svcUSD("400.00"),
				Key: "r1", Memo: "delivered", Actor: svcOrders, At: svcStart.Add(time.Hour)}}}
		if diff := cmp.Diff(want, part, svcOpts()); diff != "" {
			t.Errorf("partial release (-want +got):\n%s", diff)
		}

		full, err := f.svc.Release(t.Context(), svcAgent, "o1", "r2", escrow.ReleaseRequest{Amount: svcUSD("600.00")})
		require.NoError(t, err)
		assert.Equal(t, svcUSD("0.00"), full.Remaining)
		want2 := []escrow.Entry{{Seq: 3, From: escrow.Escrow, To: escrow.SupplierPayable, Amount: svcUSD("600.00"),
			Key: "r2", Actor: svcAgent, At: svcStart.Add(time.Hour)}}
		if diff := cmp.Diff(want2, full.Entries, svcOpts()); diff != "" {
			t.Errorf("full release (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(svcBalance("1000.00", "1000.00", "0", "0", "0", "0", "0", "0"), f.balance(t, "o1")); diff != "" {
			t.Errorf("Balance (-want +got):\n%s", diff)
		}
		f.verify(t, "o1")
	})

	for _, tt := range []struct {
		name            string
		cfg             escrow.Config
		gross, net, fee string // "" for no entry
	}{
		{"a 2% fee is booked beside the supplier's net", twoPercent, "500.00", "490.00", "10.00"},
		{"a 2% fee on a tie rounds half-even down (2.005 to 2.00)", twoPercent, "100.25", "98.25", "2.00"},
		{"a 2% fee on a tie rounds half-even up (2.015 to 2.02)", twoPercent, "100.75", "98.73", "2.02"},
		{"a fee rounding to zero on a tiny release writes one entry", twoPercent, "0.01", "0.01", ""},
		{"a zero fee writes one entry", escrow.Config{ReleaseFee: escrow.PercentFee(decimal.Zero, payment.RoundHalfEven)}, "500.00", "500.00", ""},
		{"a fee of the whole release pays the supplier nothing", escrow.Config{ReleaseFee: escrow.PercentFee(decimal.NewFromInt(1), payment.RoundHalfEven)}, "500.00", "", "500.00"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := svcFunded(t, tt.cfg, "1000.00")
			r, err := f.svc.Release(t.Context(), svcOrders, "o1", "r1", escrow.ReleaseRequest{Amount: svcUSD(tt.gross)})
			require.NoError(t, err)
			var want []escrow.Entry
			if tt.net != "" {
				want = append(want, escrow.Entry{From: escrow.Escrow, To: escrow.SupplierPayable, Amount: svcUSD(tt.net)})
			}
			if tt.fee != "" {
				want = append(want, escrow.Entry{From: escrow.Escrow, To: escrow.PlatformFee, Amount: svcUSD(tt.fee)})
			}
			for i := range want {
				want[i].Seq, want[i].Key, want[i].Actor, want[i].At = int64(i)+2, "r1", svcOrders, svcStart
			}
			if diff := cmp.Diff(want, r.Entries, svcOpts()); diff != "" {
				t.Errorf("release entries (-want +got):\n%s", diff)
			}
			remaining, err := svcUSD("1000.00").Sub(svcUSD(tt.gross))
			require.NoError(t, err)
			assert.Equal(t, remaining, r.Remaining, "the whole gross leaves escrow")
			b := f.balance(t, "o1")
			if tt.net == "" {
				tt.net = "0"
			}
			if tt.fee == "" {
				tt.fee = "0"
			}
			assert.Equal(t, svcUSD(tt.net), b.Released)
			assert.Equal(t, svcUSD(tt.fee), b.Fees)
			f.verify(t, "o1")
		})
	}

	t.Run("a release above the available balance says what was asked and what there is", func(t *testing.T) {
		f := svcFunded(t, twoPercent, "1000.00")
		f.hold(t, "o1", "hold-2", "0.50")
		unchanged := svcWatch(t, f, "o1")
		_, err := f.svc.Release(t.Context(), svcOrders, "o1", "r1", escrow.ReleaseRequest{Amount: svcUSD("1000.51")})
		require.ErrorIs(t, err, escrow.ErrInsufficientFunds)
		var ie *escrow.InsufficientFundsError
		require.ErrorAs(t, err, &ie)
		want := escrow.InsufficientFundsError{AccountID: "o1", Requested: svcUSD("1000.51"), Available: svcUSD("1000.50")}
		if diff := cmp.Diff(want, *ie); diff != "" {
			t.Errorf("InsufficientFundsError (-want +got):\n%s", diff)
		}
		unchanged()
	})

	fee := func(fn func(gross payment.Money) (payment.Money, error)) escrow.Config {
		return escrow.Config{ReleaseFee: func(_ context.Context, _ *escrow.Account, gross payment.Money) (payment.Money, error) {
			return fn(gross)
		}}
	}
	errSchedule := errors.New("fee schedule unavailable")
	releaseWith := func(amount, extra payment.Money) func(context.Context, *escrow.Service) (*escrow.Receipt, error) {
		return func(ctx context.Context, s *escrow.Service) (*escrow.Receipt, error) {
			return s.Release(ctx, svcOrders, "o1", "r-x", escrow.ReleaseRequest{Amount: amount, Fee: extra})
		}
	}
	release := func(amount payment.Money) func(context.Context, *escrow.Service) (*escrow.Receipt, error) {
		return releaseWith(amount, payment.Money{})
	}
	runSvcRefusals(t, []svcRefusal{
		{name: "a release above the balance is refused", op: release(svcUSD("100.01")), want: escrow.ErrInsufficientFunds},
		{name: "a zero release is refused", op: release(svcUSD("0.00")), want: payment.ErrInvalidAmount},
		{name: "a negative release is refused", op: release(svcUSD("-1.00")), want: payment.ErrInvalidAmount},
		{name: "a release in another currency is refused", op: release(payment.MustParse("10.00", payment.EUR)), want: payment.ErrCurrencyMismatch},
		{name: "a fee function that fails refuses the release",
			cfg: fee(func(payment.Money) (payment.Money, error) { return payment.Money{}, errSchedule }),
			op:  release(svcUSD("50.00")), want: errSchedule},
		{name: "a negative fee refuses the release",
			cfg: fee(func(payment.Money) (payment.Money, error) { return svcUSD("-0.01"), nil }),
			op:  release(svcUSD("50.00")), want: payment.ErrInvalidAmount},
		{name: "a fee above the release refuses it",
			cfg: fee(func(g payment.Money) (payment.Money, error) { return g.Add(svcUSD("0.01")) }),
			op:  release(svcUSD("50.00")), want: payment.ErrInvalidAmount},
		{name: "a fee in another currency refuses the release",
			cfg: fee(func(payment.Money) (payment.Money, error) { return payment.MustParse("1.00", payment.EUR), nil }),
			op:  release(svcUSD("50.00")), want: payment.ErrCurrencyMismatch},
		{name: "a negative further fee refuses the release", op: releaseWith(svcUSD("50.00"), svcUSD("-0.01")), want: payment.ErrInvalidAmount},
		{name: "a further fee in another currency refuses the release",
			op: releaseWith(svcUSD("50.00"), payment.MustParse("1.00", payment.EUR)), want: payment.ErrCurrencyMismatch},
		{name: "a buyer may not release", op: func(ctx context.Context, s *escrow.Service) (*escrow.Receipt, error) {
			return s.Release(ctx, svcBuyer, "o1", "r-x", escrow.ReleaseRequest{Amount: svcUSD("1.00")})
		}, want: payment.ErrForbidden},
		{name: "a supplier may not release to itself", op: func(ctx context.Context, s *escrow.Service) (*escrow.Receipt, error) {
			return s.Release(ctx, svcSupplier, "o1", "r-x", escrow.ReleaseRequest{Amount: svcUSD("1.00")})
		}, want: payment.ErrForbidden},
	})

	t.Run("a further fee the supplier bears is booked to the platform fee in an entry of its own", func(t *testing.T) {
		f := svcFunded(t, twoPercent, "1000.00")
		r, err := f.svc.Release(t.Context(), svcOrders, "o1", "r1", escrow.ReleaseRequest{Amount: svcUSD("500.00"), Fee: svcUSD("12.50")})
		require.NoError(t, err)
		want := []escrow.Entry{
			{Seq: 2, From: escrow.Escrow, To: escrow.SupplierPayable, Amount: svcUSD("477.50"), Key: "r1", Actor: svcOrders, At: svcStart},
			{Seq: 3, From: escrow.Escrow, To: escrow.PlatformFee, Amount: svcUSD("10.00"), Key: "r1", Actor: svcOrders, At: svcStart},
			{Seq: 4, From: escrow.Escrow, To: escrow.PlatformFee, Amount: svcUSD("12.50"), Key: "r1", Ref: escrow.SupplierFeesRef, Actor: svcOrders, At: svcStart},
		}
		if diff := cmp.Diff(want, r.Entries, svcOpts()); diff != "" {
			t.Errorf("release entries: 2%% of 500.00 and 12.50 (-want +got):\n%s", diff)
		}
		f.verify(t, "o1")
	})

	t.Run("a further fee is charged no more than the platform fee leaves of the release", func(t *testing.T) {
		f := svcFunded(t, twoPercent, "1000.00")
		r, err := f.svc.Release(t.Context(), svcOrders, "o1", "r1", escrow.ReleaseRequest{Amount: svcUSD("50.00"), Fee: svcUSD("49.01")})
		require.NoError(t, err)
		want := []escrow.Entry{
			{Seq: 2, From: escrow.Escrow, To: escrow.PlatformFee, Amount: svcUSD("1.00"), Key: "r1", Actor: svcOrders, At: svcStart},
			{Seq: 3, From: escrow.Escrow, To: escrow.PlatformFee, Amount: svcUSD("49.00"), Key: "r1", Ref: escrow.SupplierFeesRef, Actor: svcOrders, At: svcStart},
		}
		if diff := cmp.Diff(want, r.Entries, svcOpts()); diff != "" {
			t.Errorf("release entries: 1.00 of platform fee and 49.00 of the 49.01 asked (-want +got):\n%s", diff)
		}
		f.verify(t, "o1")
	})

	t.Run("the service fee is booked apart from the supplier's other fees, and charged first", func(t *testing.T) {
		f := svcFunded(t, twoPercent, "1000.00")
		r, err := f.svc.Release(t.Context(), svcOrders, "o1", "r1", escrow.ReleaseRequest{Amount: svcUSD("500.00"), Fee: svcUSD("37.50"), ServiceFee: svcUSD("25.00")})
		require.NoError(t, err)
		want := []escrow.Entry{
			{Seq: 2, From: escrow.Escrow, To: escrow.SupplierPayable, Amount: svcUSD("452.50"), Key: "r1", Actor: svcOrders, At: svcStart},
			{Seq: 3, From: escrow.Escrow, To: escrow.PlatformFee, Amount: svcUSD("10.00"), Key: "r1", Actor: svcOrders, At: svcStart},
			{Seq: 4, From: escrow.Escrow, To: escrow.PlatformFee, Amount: svcUSD("25.00"), Key: "r1", Ref: escrow.ServiceFeeRef, Actor: svcOrders, At: svcStart},
			{Seq: 5, From: escrow.Escrow, To: escrow.PlatformFee, Amount: svcUSD("12.50"), Key: "r1", Ref: escrow.SupplierFeesRef, Actor: svcOrders, At: svcStart},
		}
		if diff := cmp.Diff(want, r.Entries, svcOpts()); diff != "" {
			t.Errorf("release entries: 2%% of 500.00, the 25.00 service fee and 12.50 of other fees (-want +got):\n%s", diff)
		}
		f.verify(t, "o1")

		g := svcFunded(t, twoPercent, "1000.00")
		r, err = g.svc.Release(t.Context(), svcOrders, "o1", "r1", escrow.ReleaseRequest{Amount: svcUSD("30.00"), Fee: svcUSD("40.00"), ServiceFee: svcUSD("20.00")})
		require.NoError(t, err)
		want = []escrow.Entry{
			{Seq: 2, From: escrow.Escrow, To: escrow.PlatformFee, Amount: svcUSD("0.60"), Key: "r1", Actor: svcOrders, At: svcStart},
			{Seq: 3, From: escrow.Escrow, To: escrow.PlatformFee, Amount: svcUSD("20.00"), Key: "r1", Ref: escrow.ServiceFeeRef, Actor: svcOrders, At: svcStart},
			{Seq: 4, From: escrow.Escrow, To: escrow.PlatformFee, Amount: svcUSD("9.40"), Key: "r1", Ref: escrow.SupplierFeesRef, Actor: svcOrders, At: svcStart},
		}
		if diff := cmp.Diff(want, r.Entries, svcOpts()); diff != "" {
			t.Errorf("a release that leaves 29.40 of 40.00 in fees: the service fee first (-want +got):\n%s", diff)
		}
		g.verify(t, "o1")

		for _, bad := range []escrow.ReleaseRequest{
			{Amount: svcUSD("10.00"), Fee: svcUSD("1.00"), ServiceFee: svcUSD("1.01")},
			{Amount: svcUSD("10.00"), ServiceFee: svcUSD("1.00")},
			{Amount: svcUSD("10.00"), Fee: svcUSD("1.00"), ServiceFee: svcUSD("-0.01")},
		} {
			_, err := f.svc.Release(t.Context(), svcOrders, "o1", "r-bad", bad)
			assert.ErrorIs(t, err, payment.ErrInvalidAmount, "%+v", bad)
		}
		_, err = f.svc.Release(t.Context(), svcOrders, "o1", "r-bad", escrow.ReleaseRequest{Amount: svcUSD("10.00"), Fee: svcUSD("1.00"), ServiceFee: payment.MustParse("1.00", payment.EUR)})
		assert.ErrorIs(t, err, payment.ErrCurrencyMismatch)
		f.verify(t, "o1")
	})

	t.Run("the fee function sees the account and the gross", func(t *testing.T) {
		var gotID string
		var gotGross payment.Money
		f := svcFunded(t, escrow.Config{ReleaseFee: func(_ context.Context, a *escrow.Account, gross payment.Money) (payment.Money, error) {
			gotID, gotGross = a.ID, gross
			return payment.FromMinor(0, a.Currency)
		}}, "100.00")
		_, err := f.svc.Release(t.Context(), svcOrders, "o1", "r1", escrow.ReleaseRequest{Amount: svcUSD("12.34")})
		require.NoError(t, err)
		assert.Equal(t, "o1", gotID)
		assert.Equal(t, svcUSD("12.34"), gotGross)
	})
}

func TestRefundAndCompensate(t *testing.T) {
	type drawFunc func(ctx context.Context, s *escrow.Service, key string, amount payment.Money) (*escrow.Receipt, error)
	refund := func(ctx context.Context, s *escrow.Service, key string, amount payment.Money) (*escrow.Receipt, error) {
		return s.Refund(ctx, svcOrders, "o1", key, escrow.RefundRequest{Amount: amount, Memo: "short shipment"})
	}
	compensate := func(ctx context.Context, s *escrow.Service, key string, amount payment.Money) (*escrow.Receipt, error) {
		return s.Compensate(ctx, svcOrders, "o1", key, escrow.CompensateRequest{Amount: amount, Memo: "short shipment"})
	}
	for _, kind := range []struct {
		name string
		to   escrow.Ledger
		draw drawFunc
		// total picks the Balance field the kind adds to.
		total func(b escrow.Balance) payment.Money
	}{
		{"a refund", escrow.BuyerRefund, refund, func(b escrow.Balance) payment.Money { return b.Refunded }},
		{"a compensation", escrow.Compensation, compensate, func(b escrow.Balance) payment.Money { return b.Compensated }},
	} {
		for _, tt := range []struct {
			name, amount, remaining string
		}{
			{"within the balance leaves the rest in escrow", "40.00", "60.00"},
			{"of exactly the balance empties escrow", "100.00", "0.00"},
		} {
			t.Run(kind.name+" "+tt.name, func(t *testing.T) {
				f := svcFunded(t, escrow.Config{}, "100.00")
				r, err := kind.draw(t.Context(), f.svc, "k1", svcUSD(tt.amount))
				require.NoError(t, err)
				want := &escrow.Receipt{AccountID: "o1", Key: "k1", Op: r.Op, Remaining: svcUSD(tt.remaining),
					Entries: []escrow.Entry{{Seq: 2, From: escrow.Escrow, To: kind.to, Amount: svcUSD(tt.amount),
						Key: "k1", Memo: "short shipment", Actor: svcOrders, At: svcStart}}}
				if diff := cmp.Diff(want, r, svcOpts()); diff != "" {
					t.Errorf("receipt (-want +got):\n%s", diff)
				}
				b := f.balance(t, "o1")
				assert.Equal(t, svcUSD(tt.amount), kind.total(b))
				assert.Equal(t, svcUSD(tt.remaining), b.Available)
				f.verify(t, "o1")
			})
		}
		runSvcRefusals(t, []svcRefusal{
			{name: kind.name + " above the balance is refused", want: escrow.ErrInsufficientFunds,
				op: func(ctx context.Context, s *escrow.Service) (*escrow.Receipt, error) {
					return kind.draw(ctx, s, "k-x", svcUSD("100.01"))
				}},
			{name: kind.name + " of zero is refused", want: payment.ErrInvalidAmount,
				op: func(ctx context.Context, s *escrow.Service) (*escrow.Receipt, error) {
					return kind.draw(ctx, s, "k-x", svcUSD("0"))
				}},
			{name: kind.name + " of a negative amount is refused", want: payment.ErrInvalidAmount,
				op: func(ctx context.Context, s *escrow.Service) (*escrow.Receipt, error) {
					return kind.draw(ctx, s, "k-x", svcUSD("-5.00"))
				}},
			{name: kind.name + " in another currency is refused", want: payment.ErrCurrencyMismatch,
				op: func(ctx context.Context, s *escrow.Service) (*escrow.Receipt, error) {
					return kind.draw(ctx, s, "k-x", payment.MustParse("5.00", payment.GBP))
				}},
		})
	}

	t.Run("a buyer may not refund itself", func(t *testing.T) {
		f := svcFunded(t, escrow.Config{}, "100.00")
		unchanged := svcWatch(t, f, "o1")
		_, err := f.svc.Refund(t.Context(), svcBuyer, "o1", "k", escrow.RefundRequest{Amount: svcUSD("1.00")})
		require.ErrorIs(t, err, payment.ErrForbidden)
		_, err = f.svc.Compensate(t.Context(), svcBuyer, "o1", "k", escrow.CompensateRequest{Amount: svcUSD("1.00")})
		require.ErrorIs(t, err, payment.ErrForbidden)
		unchanged()
	})

	t.Run("refunds never exceed what the buyer paid in net of earlier refunds", func(t *testing.T) {
		f := svcFunded(t, escrow.Config{}, "100.00")
		steps := []struct {
			amount    string
			available string // "" when the refund goes through
		}{
			{"40.00", ""},
			{"60.01", "60.00"},
			{"60.00", ""},
			{"0.01", "0.00"},
		}
		for i, s := range steps {
			_, err := refund(t.Context(), f.svc, fmt.Sprint("refund-", i), svcUSD(s.amount))
			if s.available == "" {
				require.NoError(t, err, "refund %d of %s", i, s.amount)
				continue
			}
			var ie *escrow.InsufficientFundsError
			require.ErrorAs(t, err, &ie, "refund %d of %s", i, s.amount)
			assert.Equal(t, svcUSD(s.amount), ie.Requested)
			assert.Equal(t, svcUSD(s.available), ie.Available)
		}
		b := f.balance(t, "o1")
		assert.Equal(t, b.Held, b.Refunded, "the buyer got back exactly what it paid")
		f.verify(t, "o1")
	})

	t.Run("money released to the supplier cannot be refunded", func(t *testing.T) {
		f := svcFunded(t, escrow.Config{}, "100.00")
		_, err := f.svc.Release(t.Context(), svcOrders, "o1", "r1", escrow.ReleaseRequest{Amount: svcUSD("50.00")})
		require.NoError(t, err)
		_, err = compensate(t.Context(), f.svc, "c1", svcUSD("20.00"))
		require.NoError(t, err)
		_, err = refund(t.Context(), f.svc, "k1", svcUSD("30.01"))
		var ie *escrow.InsufficientFundsError
		require.ErrorAs(t, err, &ie)
		assert.Equal(t, svcUSD("30.00"), ie.Available)
	})
}

func TestSettle(t *testing.T) {
	twoPercent := escrow.Config{ReleaseFee: escrow.PercentFee(decimal.RequireFromString("0.02"), payment.RoundHalfEven)}

	t.Run("a 70/30 split of the available balance is applied in one receipt", func(t *testing.T) {
		f := svcFunded(t, twoPercent, "300.00")
		f.hold(t, "o1", "hold-2", "700.01")
		avail := f.balance(t, "o1").Available
		parts, err := avail.Allocate(70, 30)
		require.NoError(t, err)
		require.Equal(t, []payment.Money{svcUSD("700.01"), svcUSD("300.00")}, parts)

		f.clock.Advance(time.Hour)
		r, err := f.svc.Settle(t.Context(), svcAgent, "o1", "decision-1", escrow.SettleRequest{
			Refund: parts[0], Release: parts[1], Memo: "dispute d-1: 70% refund"})
		require.NoError(t, err)
		at := svcStart.Add(time.Hour)
		entry := func(seq int64, to escrow.Ledger, amount string) escrow.Entry {
			return escrow.Entry{Seq: seq, From: escrow.Escrow, To: to, Amount: svcUSD(amount), Key: "decision-1",
				Memo: "dispute d-1: 70% refund", Actor: svcAgent, At: at}
		}
		want := &escrow.Receipt{AccountID: "o1", Key: "decision-1", Op: escrow.OpSettle, Remaining: svcUSD("0.00"),
			Entries: []escrow.Entry{
				entry(3, escrow.BuyerRefund, "700.01"),
				entry(4, escrow.SupplierPayable, "294.00"),
				entry(5, escrow.PlatformFee, "6.00"),
			}}
		if diff := cmp.Diff(want, r, svcOpts()); diff != "" {
			t.Errorf("settlement (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(svcBalance("1000.01", "294.00", "6.00", "700.01", "0", "0", "0", "0"), f.balance(t, "o1")); diff != "" {
			t.Errorf("Balance (-want +got):\n%s", diff)
		}
		f.verify(t, "o1")
	})

	t.Run("a settlement may pay a compensation and leave the rest in escrow", func(t *testing.T) {
		f := svcFunded(t, escrow.Config{}, "100.00")
		r, err := f.svc.Settle(t.Context(), svcOrders, "o1", "s1", escrow.SettleRequest{
			Refund: svcUSD("10.00"), Compensate: svcUSD("5.00"), Release: svcUSD("0.00")})
		require.NoError(t, err)
		var got []escrow.Ledger
		for _, e := range r.Entries {
			got = append(got, e.To)
		}
		assert.Equal(t, []escrow.Ledger{escrow.BuyerRefund, escrow.Compensation}, got, "a zero part writes no entry")
		assert.Equal(t, svcUSD("85.00"), r.Remaining)
	})

	t.Run("parts above the balance say what the settlement asked for", func(t *testing.T) {
		f := svcFunded(t, escrow.Config{}, "100.00")
		_, err := f.svc.Settle(t.Context(), svcOrders, "o1", "s1", escrow.SettleRequest{
			Refund: svcUSD("70.00"), Compensate: svcUSD("0.01"), Release: svcUSD("30.00")})
		var ie *escrow.InsufficientFundsError
		require.ErrorAs(t, err, &ie)
		assert.Equal(t, svcUSD("100.01"), ie.Requested)
		assert.Equal(t, svcUSD("100.00"), ie.Available)
	})

	settle := func(req escrow.SettleRequest) func(context.Context, *escrow.Service) (*escrow.Receipt, error) {
		return func(ctx context.Context, s *escrow.Service) (*escrow.Receipt, error) {
			return s.Settle(ctx, svcOrders, "o1", "s-x", req)
		}
	}
	errSchedule := errors.New("fee schedule unavailable")
	failingFee := escrow.Config{ReleaseFee: func(context.Context, *escrow.Account, payment.Money) (payment.Money, error) {
		return payment.Money{}, errSchedule
	}}
	runSvcRefusals(t, []svcRefusal{
		{name: "parts summing above the balance apply no part",
			op: settle(escrow.SettleRequest{Refund: svcUSD("70.00"), Release: svcUSD("30.01")}), want: escrow.ErrInsufficientFunds},
		{name: "a failing fee on the release part applies no refund either", cfg: failingFee,
			op: settle(escrow.SettleRequest{Refund: svcUSD("70.00"), Release: svcUSD("30.00")}), want: errSchedule},
		{name: "all-zero parts move nothing and are refused",
			op: settle(escrow.SettleRequest{Refund: svcUSD("0"), Compensate: svcUSD("0"), Release: svcUSD("0")}), want: payment.ErrInvalidAmount},
		{name: "all-unset parts move nothing and are refused",
			op: settle(escrow.SettleRequest{Memo: "nothing"}), want: payment.ErrInvalidAmount},
		{name: "a negative part is refused",
			op: settle(escrow.SettleRequest{Refund: svcUSD("-10.00"), Release: svcUSD("20.00")}), want: payment.ErrInvalidAmount},
		{name: "a part in another currency is refused",
			op: settle(escrow.SettleRequest{Refund: svcUSD("10.00"), Compensate: payment.MustParse("1.00", payment.EUR)}), want: payment.ErrCurrencyMismatch},
		{name: "a buyer may not settle", want: payment.ErrForbidden,
			op: func(ctx context.Context, s *escrow.Service) (*escrow.Receipt, error) {
				return s.Settle(ctx, svcBuyer, "o1", "s-x", escrow.SettleRequest{Refund: svcUSD("100.00")})
			}},
	})
}

func TestFreeze(t *testing.T) {
	frozen := func(t *testing.T) *svcFixture {
		t.Helper()
		f := svcFunded(t, escrow.Config{}, "100.00")
		_, err := f.svc.Freeze(t.Context(), svcOrders, "o1", "freeze-1", "dispute d-1 opened")
		require.NoError(t, err)
		return f
	}

	t.Run("a frozen account shows its balance as frozen, none available", func(t *testing.T) {
		f := frozen(t)
		if diff := cmp.Diff(svcBalance("100.00", "0", "0", "0", "0", "100.00", "100.00", "0"), f.balance(t, "o1")); diff != "" {
			t.Errorf("Balance (-want +got):\n%s", diff)
		}
		a := f.account(t, "o1")
		assert.True(t, a.Frozen)
		assert.Equal(t, "dispute d-1 opened", a.FreezeReason)
	})

	for _, op := range svcOps() {
		if !op.frozenOut {
			continue
		}
		t.Run(op.name+" is refused while the account is frozen and writes nothing", func(t *testing.T) {
			f := frozen(t)
			unchanged := svcWatch(t, f, "o1")
			r, err := op.run(t.Context(), f.svc, op.by, "o1", "while-frozen", 0)
			require.ErrorIs(t, err, escrow.ErrFrozen)
			assert.Nil(t, r)
			unchanged()
		})
	}

	for _, tt := range []struct {
		name string
		by   payment.Actor
	}{
		{"another system actor than the one that froze it may not unfreeze", payment.System("risk")},
		{"the buyer may not unfreeze", svcBuyer},
		{"the supplier may not unfreeze", svcSupplier},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := frozen(t)
			unchanged := svcWatch(t, f, "o1")
			_, err := f.svc.Unfreeze(t.Context(), tt.by, "o1", "unfreeze-1", "please")
			require.ErrorIs(t, err, payment.ErrForbidden)
			unchanged()
		})
	}

	t.Run("the system actor that froze the account unfreezes it", func(t *testing.T) {
		f := frozen(t)
		_, err := f.svc.Unfreeze(t.Context(), svcOrders, "o1", "unfreeze-1", "dispute d-1 withdrawn")
		require.NoError(t, err)
		a, err := f.svc.Account(t.Context(), "o1")
		require.NoError(t, err)
		assert.False(t, a.Frozen)
		assert.Equal(t, payment.Actor{}, a.FrozenBy)
	})

	t.Run("a platform agent unfreezes the account and money moves again", func(t *testing.T) {
		f := frozen(t)
		r, err := f.svc.Unfreeze(t.Context(), svcAgent, "o1", "unfreeze-1", "claim withdrawn")
		require.NoError(t, err)
		want := &escrow.Receipt{AccountID: "o1", Key: "unfreeze-1", Op: escrow.OpUnfreeze, Remaining: svcUSD("100.00")}
		if diff := cmp.Diff(want, r, svcOpts()); diff != "" {
			t.Errorf("unfreeze receipt (-want +got):\n%s", diff)
		}
		a := f.account(t, "o1")
		assert.False(t, a.Frozen)
		assert.Empty(t, a.FreezeReason)
		_, err = f.svc.Release(t.Context(), svcOrders, "o1", "r1", escrow.ReleaseRequest{Amount: svcUSD("100.00")})
		require.NoError(t, err)
		f.verify(t, "o1")
	})

	t.Run("a frozen account takes a hold and keeps it frozen with the rest", func(t *testing.T) {
		f := frozen(t)
		_, err := f.svc.Hold(t.Context(), svcOrders, "o1", "balance", escrow.HoldRequest{Amount: svcUSD("40.00"), PaymentID: "p-2"})
		require.NoError(t, err)
		if diff := cmp.Diff(svcBalance("140.00", "0", "0", "0", "0", "140.00", "140.00", "0"), f.balance(t, "o1")); diff != "" {
			t.Errorf("Balance (-want +got):\n%s", diff)
		}
		_, err = f.svc.Release(t.Context(), svcOrders, "o1", "r1", escrow.ReleaseRequest{Amount: svcUSD("140.00")})
		require.ErrorIs(t, err, escrow.ErrFrozen)
		f.verify(t, "o1")
	})

	t.Run("freezing a frozen account keeps it frozen and adds a record", func(t *testing.T) {
		f := frozen(t)
		r, err := f.svc.Freeze(t.Context(), svcAgent, "o1", "freeze-2", "risk: chargeback")
		require.NoError(t, err)
		assert.Empty(t, r.Entries)
		a := f.account(t, "o1")
		assert.True(t, a.Frozen)
		assert.Len(t, a.Operations, 3, "hold, freeze, freeze")
	})

	// Unfreeze clears Account.FreezeReason: the operation records keep why
	// the account was frozen and why it was unfrozen, for an audit.
	t.Run("the reasons for a freeze and its unfreeze stay on the record", func(t *testing.T) {
		f := frozen(t)
		_, err := f.svc.Unfreeze(t.Context(), svcAgent, "o1", "unfreeze-1", "claim withdrawn")
		require.NoError(t, err)
		var got []string
		for _, op := range f.account(t, "o1").Operations {
			got = append(got, string(op.Op)+": "+op.Memo)
		}
		want := []string{"hold: ", "freeze: dispute d-1 opened", "unfreeze: claim withdrawn"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("operation memos (-want +got):\n%s", diff)
		}
	})

	freeze := func(by payment.Actor, reason string) func(context.Context, *escrow.Service) (*escrow.Receipt, error) {
		return func(ctx context.Context, s *escrow.Service) (*escrow.Receipt, error) {
			return s.Freeze(ctx, by, "o1", "freeze-x", reason)
		}
	}
	runSvcRefusals(t, []svcRefusal{
		{name: "a freeze needs a reason", op: freeze(svcOrders, ""), want: escrow.ErrInvalidRequest},
		{name: "a buyer may not freeze", op: freeze(svcBuyer, "I changed my mind"), want: payment.ErrForbidden},
		{name: "a supplier may not freeze", op: freeze(svcSupplier, "no reason"), want: payment.ErrForbidden},
	})
}

func TestClose(t *testing.T) {
	t.Run("an account with money left is not closed", func(t *testing.T) {
		f := svcFunded(t, escrow.Config{}, "0.01")
		unchanged := svcWatch(t, f, "o1")
		_, err := f.svc.Close(t.Context(), svcOrders, "o1", "close-1")
		require.ErrorIs(t, err, escrow.ErrNotEmpty)
		unchanged()
	})

	closed := func(t *testing.T) (*svcFixture, *escrow.Receipt) {
		t.Helper()
		f := svcFunded(t, escrow.Config{}, "100.00")
		_, err := f.svc.Release(t.Context(), svcOrders, "o1", "r1", escrow.ReleaseRequest{Amount: svcUSD("100.00")})
		require.NoError(t, err)
		f.clock.Advance(time.Hour)
		r, err := f.svc.Close(t.Context(), svcOrders, "o1", "close-1")
		require.NoError(t, err)
		return f, r
	}

	t.Run("an account at zero is closed", func(t *testing.T) {
		f, r := closed(t)
		want := &escrow.Receipt{AccountID: "o1", Key: "close-1", Op: escrow.OpClose, Remaining: svcUSD("0.00")}
		if diff := cmp.Diff(want, r, svcOpts()); diff != "" {
			t.Errorf("close receipt (-want +got):\n%s", diff)
		}
		a := f.account(t, "o1")
		assert.True(t, a.Closed)
		assert.Equal(t, svcStart.Add(time.Hour), a.UpdatedAt)
		if diff := cmp.Diff(svcBalance("100.00", "100.00", "0", "0", "0", "0", "0", "0"), f.balance(t, "o1")); diff != "" {
			t.Errorf("Balance (-want +got):\n%s", diff)
		}
	})

	t.Run("a fresh account that never held money can be closed", func(t *testing.T) {
		f := svcFunded(t, escrow.Config{}, "")
		_, err := f.svc.Close(t.Context(), svcOrders, "o1", "close-1")
		require.NoError(t, err)
	})

	for _, op := range svcOps() {
		t.Run(op.name+" on a closed account is refused and writes nothing", func(t *testing.T) {
			f, _ := closed(t)
			unchanged := svcWatch(t, f, "o1")
			r, err := op.run(t.Context(), f.svc, op.by, "o1", "after-close", 0)
			require.ErrorIs(t, err, escrow.ErrClosed)
			assert.Nil(t, r)
			unchanged()
		})
	}

	t.Run("replaying the close key still returns its receipt", func(t *testing.T) {
		f, first := closed(t)
		unchanged := svcWatch(t, f, "o1")
		again, err := f.svc.Close(t.Context(), svcOrders, "o1", "close-1")
		require.NoError(t, err)
		assert.True(t, again.Replayed)
		if diff := cmp.Diff(first, again, svcOpts(), cmpopts.IgnoreFields(escrow.Receipt{}, "Replayed")); diff != "" {
			t.Errorf("replayed close (-first +again):\n%s", diff)
		}
		unchanged()
	})

	t.Run("a buyer may not close", func(t *testing.T) {
		f := svcFunded(t, escrow.Config{}, "")
		unchanged := svcWatch(t, f, "o1")
		_, err := f.svc.Close(t.Context(), svcBuyer, "o1", "close-1")
		require.ErrorIs(t, err, payment.ErrForbidden)
		unchanged()
	})
}

func TestIdempotency(t *testing.T) {
	// otherActor is an actor of the same role as by, so that only the
	// actor differs.
	otherActor := func(by payment.Actor) payment.Actor {
		if by.Role == payment.RolePlatform {
			return payment.Platform("agent-8")
		}
		return payment.System("disputes")
	}
	// otherOp runs an operation of another kind than op under key, by the
	// same actor.
	otherOp := func(ctx context.Context, s *escrow.Service, op escrow.Op, by payment.Actor, key string) (*escrow.Receipt, error) {
		if op == escrow.OpHold {
			return s.Refund(ctx, by, "o1", key, escrow.RefundRequest{Amount: svcUSD("10.00")})
		}
		return s.Hold(ctx, by, "o1", key, escrow.HoldRequest{Amount: svcUSD("10.00"), PaymentID: "p-9"})
	}
	// first sets o1 up for op and runs it once under key "k".
	first := func(t *testing.T, op svcOp) (*svcFixture, *escrow.Receipt) {
		t.Helper()
		f := svcFunded(t, escrow.Config{}, "")
		op.setup(t, f, "o1")
		r, err := op.run(t.Context(), f.svc, op.by, "o1", "k", 0)
		require.NoError(t, err)
		require.False(t, r.Replayed)
		f.clock.Advance(time.Hour)
		return f, r
	}
	// replay runs op again under "k" and checks it returns the first
	// receipt and writes nothing.
	replay := func(t *testing.T, f *svcFixture, op svcOp, want *escrow.Receipt) {
		t.Helper()
		unchanged := svcWatch(t, f, "o1")
		again, err := op.run(t.Context(), f.svc, op.by, "o1", "k", 0)
		require.NoError(t, err)
		assert.True(t, again.Replayed, "Replayed")
		if diff := cmp.Diff(want, again, svcOpts(), cmpopts.IgnoreFields(escrow.Receipt{}, "Replayed")); diff != "" {
			t.Errorf("replay (-first +replay):\n%s", diff)
		}
		unchanged()
	}

	for _, op := range svcOps() {
		t.Run(op.name+" replayed with the same key and request returns the same receipt", func(t *testing.T) {
			f, r := first(t, op)
			replay(t, f, op, r)
		})

		if op.op != escrow.OpClose { // a close has no request to vary
			t.Run(op.name+" under the same key with another request is a mismatch", func(t *testing.T) {
				f, _ := first(t, op)
				unchanged := svcWatch(t, f, "o1")
				_, err := op.run(t.Context(), f.svc, op.by, "o1", "k", 1)
				require.ErrorIs(t, err, escrow.ErrIdempotencyMismatch)
				unchanged()
			})
		}

		t.Run(op.name+"'s key reused for another operation is a mismatch", func(t *testing.T) {
			f, _ := first(t, op)
			unchanged := svcWatch(t, f, "o1")
			_, err := otherOp(t.Context(), f.svc, op.op, op.by, "k")
			require.ErrorIs(t, err, escrow.ErrIdempotencyMismatch)
			unchanged()
		})

		t.Run(op.name+"'s key from another actor is that actor's own key", func(t *testing.T) {
			f, _ := first(t, op)
			ops := len(f.account(t, "o1").Operations)
			r, err := op.run(t.Context(), f.svc, otherActor(op.by), "o1", "k", 0)
			switch {
			case err == nil:
				assert.False(t, r.Replayed, "another actor's call under the key is no replay of the first")
				assert.Len(t, f.account(t, "o1").Operations, ops+1, "another operation is recorded")
			default: // the account's state refuses a second such operation, whoever asks
				assert.True(t, errors.Is(err, escrow.ErrDuplicate) || errors.Is(err, escrow.ErrClosed) || errors.Is(err, escrow.ErrInsufficientFunds) ||
					errors.Is(err, payment.ErrForbidden),
					"not a mismatch, a refusal on the account's state: %v", err)
			}
		})

		t.Run(op.name+"'s key on another account is independent", func(t *testing.T) {
			f, _ := first(t, op)
			f.open(t, "o2")
			op.setup(t, f, "o2")
			r, err := op.run(t.Context(), f.svc, op.by, "o2", "k", 0)
			require.NoError(t, err)
			assert.False(t, r.Replayed)
			assert.Equal(t, "o2", r.AccountID)
		})

		if op.op != escrow.OpClose { // a closed account cannot be frozen
			t.Run(op.name+" replayed after the account was frozen still answers", func(t *testing.T) {
				f, r := first(t, op)
				if !f.account(t, "o1").Frozen {
					_, err := f.svc.Freeze(t.Context(), svcAgent, "o1", "later-freeze", "risk review")
					require.NoError(t, err)
				}
				replay(t, f, op, r)
			})
		}

		t.Run(op.name+" replayed after the account was closed still answers", func(t *testing.T) {
			f, r := first(t, op)
			a := f.account(t, "o1")
			if a.Frozen {
				_, err := f.svc.Unfreeze(t.Context(), svcAgent, "o1", "later-unfreeze", "cleared")
				require.NoError(t, err)
			}
			if rest := f.balance(t, "o1").Remaining; rest.IsPositive() {
				_, err := f.svc.Refund(t.Context(), svcOrders, "o1", "later-refund", escrow.RefundRequest{Amount: rest})
				require.NoError(t, err)
			}
			if !a.Closed {
				_, err := f.svc.Close(t.Context(), svcOrders, "o1", "later-close")
				require.NoError(t, err)
			}
			require.True(t, f.account(t, "o1").Closed)
			replay(t, f, op, r)
		})
	}

	// encoding/json writes every invalid UTF-8 byte as U+FFFD, so requests
	// differing only there would share a fingerprint and the second would be
	// answered as a replay of the first. Such requests are refused instead.
	for _, tt := range []struct {
		name string
		by   payment.Actor
		memo string
	}{
		{"a memo that is not valid UTF-8 is refused", svcOrders, "ref \xff"},
		{"an actor id that is not valid UTF-8 is refused", payment.System("orders\xff"), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := svcFunded(t, escrow.Config{}, "100.00")
			unchanged := svcWatch(t, f, "o1")
			_, err := f.svc.Release(t.Context(), tt.by, "o1", "k", escrow.ReleaseRequest{Amount: svcUSD("10.00"), Memo: tt.memo})
			require.ErrorIs(t, err, escrow.ErrInvalidRequest)
			unchanged()
		})
	}

	t.Run("a refused request does not take its key", func(t *testing.T) {
		f := svcFunded(t, escrow.Config{}, "100.00")
		_, err := f.svc.Release(t.Context(), svcOrders, "o1", "k", escrow.ReleaseRequest{Amount: svcUSD("100.01")})
		require.ErrorIs(t, err, escrow.ErrInsufficientFunds)
		r, err := f.svc.Release(t.Context(), svcOrders, "o1", "k", escrow.ReleaseRequest{Amount: svcUSD("100.00")})
		require.NoError(t, err)
		assert.False(t, r.Replayed)
	})
}

func TestEveryOperationChecksItsAccountKeyAndActor(t *testing.T) {
	for _, op := range svcOps() {
		t.Run(op.name+" on an unknown account is ErrNotFound", func(t *testing.T) {
			f := newSvcFixture(t, escrow.Config{})
			_, err := op.run(t.Context(), f.svc, op.by, "nope", "k", 0)
			require.ErrorIs(t, err, escrow.ErrNotFound)
		})
		t.Run(op.name+" without a key is refused and writes nothing", func(t *testing.T) {
			f := svcFunded(t, escrow.Config{}, "")
			op.setup(t, f, "o1")
			unchanged := svcWatch(t, f, "o1")
			_, err := op.run(t.Context(), f.svc, op.by, "o1", "", 0)
			require.ErrorIs(t, err, escrow.ErrInvalidRequest)
			unchanged()
		})
		for _, by := range []payment.Actor{svcBuyer, svcSupplier} {
			t.Run(op.name+" by the "+string(by.Role)+" is forbidden and writes nothing", func(t *testing.T) {
				f := svcFunded(t, escrow.Config{}, "")
				op.setup(t, f, "o1")
				unchanged := svcWatch(t, f, "o1")
				_, err := op.run(t.Context(), f.svc, by, "o1", "k", 0)
				var ae *payment.ActorError
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, by, ae.Actor)
				unchanged()
			})
		}
	}

	t.Run("reading an unknown account is ErrNotFound", func(t *testing.T) {
		f := newSvcFixture(t, escrow.Config{})
		_, err := f.svc.Account(t.Context(), "nope")
		require.ErrorIs(t, err, escrow.ErrNotFound)
		_, err = f.svc.Balance(t.Context(), "nope")
		require.ErrorIs(t, err, escrow.ErrNotFound)
		_, err = f.svc.Statement(t.Context(), "nope")
		require.ErrorIs(t, err, escrow.ErrNotFound)
		_, err = f.svc.Entries(t.Context(), "nope")
		require.ErrorIs(t, err, escrow.ErrNotFound)
	})
}

func TestConcurrency(t *testing.T) {
	t.Run("64 concurrent releases from an account that affords 10 pay exactly 10", func(t *testing.T) {
		f := svcFunded(t, escrow.Config{}, "100.00")
		const n = 64
		errs := make([]error, n)
		testkit.Together(n, func(i int) {
			_, errs[i] = f.svc.Release(t.Context(), svcOrders, "o1", fmt.Sprint("release-", i),
				escrow.ReleaseRequest{Amount: svcUSD("10.00")})
		})

		var paid, refused int
		for i, err := range errs {
			switch {
			case err == nil:
				paid++
			case errors.Is(err, escrow.ErrInsufficientFunds):
				refused++
			default:
				t.Errorf("release %d: unexpected error %v", i, err)
			}
		}
		assert.Equal(t, 10, paid, "releases paid")
		assert.Equal(t, n-10, refused, "releases refused for insufficient funds")
		b := f.balance(t, "o1")
		assert.Equal(t, svcUSD("100.00"), b.Released)
		assert.Equal(t, svcUSD("0.00"), b.Remaining)
		a := f.account(t, "o1")
		assert.Len(t, a.Operations, 1+paid, "the hold and one record per paid release")
		f.verify(t, "o1")
	})

	t.Run("16 concurrent requests under one key record one operation", func(t *testing.T) {
		f := svcFunded(t, escrow.Config{}, "100.00")
		const n = 16
		receipts := make([]*escrow.Receipt, n)
		errs := make([]error, n)
		testkit.Together(n, func(i int) {
			receipts[i], errs[i] = f.svc.Release(t.Context(), svcOrders, "o1", "release-1",
				escrow.ReleaseRequest{Amount: svcUSD("10.00")})
		})

		fresh := 0
		for i := range n {
			if !assert.NoError(t, errs[i], "request %d", i) {
				continue
			}
			if !receipts[i].Replayed {
				fresh++
			}
			if diff := cmp.Diff(receipts[0], receipts[i], svcOpts(), cmpopts.IgnoreFields(escrow.Receipt{}, "Replayed")); diff != "" {
				t.Errorf("request %d got another receipt (-0 +%d):\n%s", i, i, diff)
			}
		}
		assert.Equal(t, 1, fresh, "exactly one request was not a replay")
		a := f.account(t, "o1")
		assert.Len(t, a.Operations, 2, "the hold and one release")
		assert.Len(t, a.Entries, 2)
		assert.Equal(t, int64(3), a.Version, "open, hold, release")
		f.verify(t, "o1")
	})
}

func TestStatement(t *testing.T) {
	f := svcFunded(t, escrow.Config{ReleaseFee: escrow.PercentFee(decimal.RequireFromString("0.02"), payment.RoundHalfEven)}, "300.00")
	day := 24 * time.Hour
	f.clock.Advance(day)
	f.hold(t, "o1", "hold-2", "700.00")
	f.clock.Advance(day)
	_, err := f.svc.Release(t.Context(), svcOrders, "o1", "release-1", escrow.ReleaseRequest{Amount: svcUSD("500.00")})
	require.NoError(t, err)
	f.clock.Advance(day)
	_, err = f.svc.Refund(t.Context(), svcOrders, "o1", "refund-1", escrow.RefundRequest{Amount: svcUSD("125.50")})
	require.NoError(t, err)

	st, err := f.svc.Statement(t.Context(), "o1")
	require.NoError(t, err)

	type line struct {
		Seq      int64
		To       escrow.Ledger
		Amount   payment.Money
		InEscrow payment.Money
		At       time.Time
	}
	var got []line
	for _, l := range st.Lines {
		got = append(got, line{l.Seq, l.To, l.Amount, l.InEscrow, l.At})
	}
	want := []line{
		{1, escrow.Escrow, svcUSD("300.00"), svcUSD("300.00"), svcStart},
		{2, escrow.Escrow, svcUSD("700.00"), svcUSD("1000.00"), svcStart.Add(day)},
		{3, escrow.SupplierPayable, svcUSD("490.00"), svcUSD("510.00"), svcStart.Add(2 * day)},
		{4, escrow.PlatformFee, svcUSD("10.00"), svcUSD("500.00"), svcStart.Add(2 * day)},
		{5, escrow.BuyerRefund, svcUSD("125.50"), svcUSD("374.50"), svcStart.Add(3 * day)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statement lines (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(svcBalance("1000.00", "490.00", "10.00", "125.50", "0", "374.50", "0", "374.50"), st.Balance); diff != "" {
		t.Errorf("statement totals (-want +got):\n%s", diff)
	}
	assert.Equal(t, "o1", st.AccountID)
	assert.Equal(t, "b1", st.BuyerID)
	assert.Equal(t, "s1", st.SupplierID)
	assert.Equal(t, payment.USD, st.Currency)

	wantText := `escrow o1 (buyer b1, supplier s1, USD), open
  #        date           from                to  amount  in escrow
  1  2026-03-02  buyer_funding            escrow  300.00     300.00
  2  2026-03-03  buyer_funding            escrow  700.00    1000.00
  3  2026-03-04         escrow  supplier_payable  490.00     510.00
  4  2026-03-04         escrow      platform_fee   10.00     500.00
  5  2026-03-05         escrow      buyer_refund  125.50     374.50
held USD 1000.00 = released USD 490.00 + fees USD 10.00 + refunded USD 125.50 + compensated USD 0.00 + remaining USD 374.50
`
	if diff := cmp.Diff(wantText, st.String()); diff != "" {
		t.Errorf("String (-want +got):\n%s", diff)
	}

	t.Run("the statement of a frozen account says so", func(t *testing.T) {
		_, err := f.svc.Freeze(t.Context(), svcAgent, "o1", "freeze-1", "risk review")
		require.NoError(t, err)
		st, err := f.svc.Statement(t.Context(), "o1")
		require.NoError(t, err)
		assert.True(t, st.Frozen)
		assert.Contains(t, st.String(), "USD), frozen\n")
		assert.Equal(t, svcUSD("374.50"), st.Balance.Frozen)
	})
}

// svcCrashingStore commits through the inner store and then fails, as a
// process that dies after its transaction committed and before it replied;
// with before set, it fails without writing, as one that died before.
type svcCrashingStore struct {
	escrow.Store
	mu      sync.Mutex
	crashes int // how many of the next updates fail
	before  bool
}

var errSvcCrash = errors.New("connection lost")

// arm makes the next update fail.
func (s *svcCrashingStore) arm() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.crashes = 1
}

func (s *svcCrashingStore) crash() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.crashes == 0 {
		return false
	}
	s.crashes--
	return true
}

func (s *svcCrashingStore) Update(ctx context.Context, id string, fn func(*escrow.Account) error) (*escrow.Account, error) {
	crash := s.crash()
	if crash && s.before {
		return nil, errSvcCrash
	}
	a, err := s.Store.Update(ctx, id, fn)
	if crash && err == nil {
		return nil, errSvcCrash
	}
	return a, err
}

// svcLosingUnit is a unit of work whose armed Do commits and then loses
// its answer: the caller sees errSvcCrash for a unit that committed.
type svcLosingUnit struct {
	payment.UnitOfWork
	lose bool
}

func (u *svcLosingUnit) Do(ctx context.Context, fn func(context.Context) error) error {
	err := u.UnitOfWork.Do(ctx, fn)
	if u.lose && err == nil {
		u.lose = false
		return errSvcCrash
	}
	return err
}

func TestACrashIsFinishedByTheRetry(t *testing.T) {
	twoPercent := escrow.Config{ReleaseFee: escrow.PercentFee(decimal.RequireFromString("0.02"), payment.RoundHalfEven)}
	ops := []struct {
		name string
		run  func(ctx context.Context, s *escrow.Service) (*escrow.Receipt, error)
	}{
		{"a hold", func(ctx context.Context, s *escrow.Service) (*escrow.Receipt, error) {
			return s.Hold(ctx, svcOrders, "o1", "k", escrow.HoldRequest{Amount: svcUSD("50.00"), PaymentID: "p-2"})
		}},
		{"a release", func(ctx context.Context, s *escrow.Service) (*escrow.Receipt, error) {
			return s.Release(ctx, svcOrders, "o1", "k", escrow.ReleaseRequest{Amount: svcUSD("50.00")})
		}},
		{"a settlement", func(ctx context.Context, s *escrow.Service) (*escrow.Receipt, error) {
			return s.Settle(ctx, svcOrders, "o1", "k", escrow.SettleRequest{Refund: svcUSD("70.00"), Release: svcUSD("30.00")})
		}},
	}
	for _, op := range ops {
		for _, before := range []bool{false, true} {
			// A store call that fails, before or after its write, fails
			// its unit of work, which leaves nothing; a unit whose answer
			// is lost after its commit is replayed.
			when := "after its commit"
			if before {
				when = "at a store call"
			}
			t.Run(op.name+" that crashed "+when+" is done once by the retry", func(t *testing.T) {
				store := &svcCrashingStore{Store: escrow.NewMemoryStore()}
				unit := &svcLosingUnit{UnitOfWork: payment.MemoryUnit()}
				cfg := twoPercent
				cfg.Store, cfg.Unit = store, unit
				f := svcFunded(t, cfg, "100.00")
				startEntries := len(f.account(t, "o1").Entries)

				if before {
					store.arm()
				} else {
					unit.lose = true
				}
				_, err := op.run(t.Context(), f.svc)
				require.ErrorIs(t, err, errSvcCrash)
				committed := f.account(t, "o1")

				r, err := op.run(t.Context(), f.svc)
				require.NoError(t, err)
				assert.Equal(t, !before, r.Replayed, "the retry replays what was committed")
				a := f.account(t, "o1")
				if !before {
					if diff := cmp.Diff(committed, a, svcOpts()); diff != "" {
						t.Errorf("the retry wrote again (-committed +after):\n%s", diff)
					}
				}
				if diff := cmp.Diff(a.Entries[startEntries:], r.Entries, svcOpts()); diff != "" {
					t.Errorf("the receipt is not the ledger's one copy (-ledger +receipt):\n%s", diff)
				}
				n := 0
				for _, o := range a.Operations {
					if o.Key == "k" {
						n++
					}
				}
				assert.Equal(t, 1, n, "one record of the operation")
				f.verify(t, "o1")
			})
		}
	}
}

func TestAnotherSystemActorMayNotTakeOverAFreeze(t *testing.T) {
	f := svcFunded(t, escrow.Config{}, "100.00")
	_, err := f.svc.Freeze(t.Context(), svcOrders, "o1", "freeze-1", "dispute d-1 opened")
	require.NoError(t, err)
	unchanged := svcWatch(t, f, "o1")
	risk := payment.System("risk")
	_, err = f.svc.Freeze(t.Context(), risk, "o1", "freeze-2", "risk review")
	require.ErrorIs(t, err, payment.ErrForbidden, "else it could then unfreeze what it did not freeze")
	unchanged()
	_, err = f.svc.Freeze(t.Context(), svcAgent, "o1", "freeze-3", "fraud team")
	require.NoError(t, err, "a platform agent may")
	a, err := f.svc.Account(t.Context(), "o1")
	require.NoError(t, err)
	assert.Equal(t, svcAgent, a.FrozenBy)
}

// TestAReturnBooksMoneyInAndOutAtOnce: Return books a payment the order
// cannot apply into escrow and back to the buyer in one operation, leaves
// what escrow holds for the order as it was, is taken on a frozen account,
// replays under its key and receives each payment once.
func TestAReturnBooksMoneyInAndOutAtOnce(t *testing.T) {
	ctx := context.Background()
	f := newSvcFixture(t, escrow.Config{})
	f.open(t, "o1")
	f.hold(t, "o1", "k1", "100.00")
	_, err := f.svc.Freeze(ctx, svcOrders, "o1", "freeze", "a dispute")
	require.NoError(t, err)

	req := escrow.HoldRequest{Amount: svcUSD("40.00"), PaymentID: "p-late", Memo: "order.payment.tranche_paid"}
	r, err := f.svc.Return(ctx, svcOrders, "o1", "return-1", req)
	require.NoError(t, err, "a return on a frozen account")
	require.Len(t, r.Entries, 2)
	assert.Equal(t, []escrow.Ledger{escrow.BuyerFunding, escrow.Escrow}, []escrow.Ledger{r.Entries[0].From, r.Entries[0].To})
	assert.Equal(t, []escrow.Ledger{escrow.Escrow, escrow.BuyerRefund}, []escrow.Ledger{r.Entries[1].From, r.Entries[1].To})
	assert.Equal(t, svcUSD("100.00"), r.Remaining, "what escrow holds for the order is unchanged")
	b := f.balance(t, "o1")
	assert.Equal(t, svcUSD("140.00"), b.Held)
	assert.Equal(t, svcUSD("40.00"), b.Refunded)
	assert.Equal(t, svcUSD("100.00"), b.Frozen, "the freeze keeps what it secured")

	again, err := f.svc.Return(ctx, svcOrders, "o1", "return-1", req)
	require.NoError(t, err)
	assert.True(t, again.Replayed)
	_, err = f.svc.Return(ctx, svcOrders, "o1", "return-2", req)
	require.ErrorIs(t, err, escrow.ErrDuplicate, "a payment is received once")
	_, err = f.svc.Hold(ctx, svcOrders, "o1", "hold-late", req)
	require.ErrorIs(t, err, escrow.ErrDuplicate, "by a hold or a return")
	_, err = f.svc.Return(ctx, payment.Buyer("b1"), "o1", "return-3", escrow.HoldRequest{Amount: svcUSD("1.00"), PaymentID: "p-3"})
	require.ErrorIs(t, err, payment.ErrForbidden, "a buyer books nothing")
	f.verify(t, "o1")
}

// TestAnAgentCannotTakeTheOrderServicesKey: the order service's keys on an
// order's account are public (order/<kind>/<n>). A platform agent that
// calls an operation under such a key first, directly, takes nothing from
// the order service: a key is its caller's, and the order's release under
// it is released, on both stores.
func TestAnAgentCannotTakeTheOrderServicesKey(t *testing.T) {
	configs := map[string]func(t *testing.T) escrow.Config{
		"memory": func(*testing.T) escrow.Config { return escrow.Config{Store: escrow.NewMemoryStore()} },
		"postgresql": func(t *testing.T) escrow.Config {
			pool := pgtest.Pool(t)
			require.NoError(t, escrowpg.Migrate(t.Context(), pool))
			return escrow.Config{Store: escrowpg.New(pool), Unit: paymentpg.Unit(pool)}
		},
	}
	for _, name := range []string{"memory", "postgresql"} {
		t.Run(name, func(t *testing.T) {
			f := svcFunded(t, configs[name](t), "100.00")
			key := "order/release/1"
			_, err := f.svc.Refund(t.Context(), svcAgent, "o1", key, escrow.RefundRequest{Amount: svcUSD("10.00")})
			require.NoError(t, err, "the agent's refund under the order service's key")

			r, err := f.svc.Release(t.Context(), svcOrders, "o1", key, escrow.ReleaseRequest{Amount: svcUSD("90.00")})
			require.NoError(t, err, "the order service's release under its key")
			assert.False(t, r.Replayed)
			assert.Equal(t, escrow.OpRelease, r.Op)
			again, err := f.svc.Release(t.Context(), svcOrders, "o1", key, escrow.ReleaseRequest{Amount: svcUSD("90.00")})
			require.NoError(t, err)
			assert.True(t, again.Replayed, "the order service's retry replays its own release")
			b := f.balance(t, "o1")
			assert.Equal(t, svcUSD("10.00"), b.Refunded)
			assert.True(t, b.Remaining.IsZero(), "remaining %s", b.Remaining)
		})
	}
}

func TestEveryOperationIsInTheOutboxOnceAndARefusedOrReplayedOneAddsNone(t *testing.T) {
	_, err := escrow.NewService(escrow.Config{Store: escrow.NewMemoryStore(), Clock: testkit.NewClock(svcStart), Outbox: payment.MemoryOutbox()})
	require.NoError(t, err, "an outbox without a unit: the unit is the in-memory stores'")

	outbox := payment.MemoryOutbox()
	f := svcFunded(t, escrow.Config{Unit: payment.MemoryUnit(), Outbox: outbox}, "100.00")
	ctx := t.Context()
	f.hold(t, "o1", "hold-1", "100.00") // a replay
	_, err = f.svc.Freeze(ctx, svcOrders, "o1", "freeze", "dispute")
	require.NoError(t, err)
	_, err = f.svc.Release(ctx, svcOrders, "o1", "release", escrow.ReleaseRequest{Amount: svcUSD("40.00")})
	require.ErrorIs(t, err, escrow.ErrFrozen)
	_, err = f.svc.Unfreeze(ctx, svcAgent, "o1", "unfreeze", "decided")
	require.NoError(t, err)
	_, err = f.svc.Release(ctx, svcOrders, "o1", "release", escrow.ReleaseRequest{Amount: svcUSD("40.00")})
	require.NoError(t, err)

	a, err := f.svc.Account(ctx, "o1")
	require.NoError(t, err)
	msgs, err := outbox.Undelivered(ctx, 100)
	require.NoError(t, err)
	require.Len(t, msgs, len(a.Operations), "one message per operation: hold, freeze, unfreeze, release")
	for i, m := range msgs {
		n, err := escrow.NoticeOf(m)
		require.NoError(t, err)
		op := a.Operations[i]
		assert.Equal(t, i+1, m.N)
		assert.Equal(t, "escrow."+string(op.Op), m.Type)
		assert.Equal(t, op.Key, n.Operation.Key)
		assert.Empty(t, n.Operation.Fingerprint, "no bookkeeping in the notice")
		testkit.Check(t, fmt.Sprintf("the entries of operation %d", i+1), a.Entries[op.First-1:op.Last], n.Entries)
	}
	last, err := escrow.NoticeOf(msgs[len(msgs)-1])
	require.NoError(t, err)
	assert.Equal(t, svcUSD("60.00"), last.Remaining, "what escrow holds after the release")
}

// A claim decided for the buyer after release: the guarantee pays the
// refund into the account, and the supplier's next release repays it.
func TestTheGuaranteePaysAfterReleaseAndReleasesRecoverIt(t *testing.T) {
	twoPercent := escrow.Config{ReleaseFee: escrow.PercentFee(decimal.RequireFromString("0.02"), payment.RoundHalfEven)}
	ledgers := func(r *escrow.Receipt) []string {
		var out []string
		for _, e := range r.Entries {
			out = append(out, fmt.Sprintf("%s→%s %s", e.From, e.To, e.Amount))
		}
		return out
	}

	t.Run("the guarantee pays the buyer's parts into the account first", func(t *testing.T) {
		f := svcFunded(t, twoPercent, "100.00")
		_, err := f.svc.Release(t.Context(), svcOrders, "o1", "release", escrow.ReleaseRequest{Amount: svcUSD("100.00")})
		require.NoError(t, err)
		r, err := f.svc.Settle(t.Context(), svcOrders, "o1", "claim", escrow.SettleRequest{
			Refund: svcUSD("50.00"), Compensate: svcUSD("10.00"), Guarantee: svcUSD("60.00"), Memo: "dispute d-1 after release"})
		require.NoError(t, err)
		assert.Equal(t, []string{"guarantee→escrow USD 60.00", "escrow→buyer_refund USD 50.00", "escrow→compensation USD 10.00"}, ledgers(r))
		assert.Equal(t, svcUSD("0.00"), r.Remaining)
		want := svcBalance("100.00", "98.00", "2.00", "50.00", "10.00", "0", "0", "0", "60.00", "0")
		if diff := cmp.Diff(want, f.balance(t, "o1")); diff != "" {
			t.Errorf("Balance (-want +got):\n%s", diff)
		}
		f.verify(t, "o1")
		st, err := f.svc.Statement(t.Context(), "o1")
		require.NoError(t, err)
		assert.Contains(t, st.String(), "held USD 100.00 + guaranteed USD 60.00 = released USD 98.00 + fees USD 2.00 + refunded USD 50.00 + compensated USD 10.00 + recovered USD 0.00 + remaining USD 0.00")
	})

	t.Run("the guarantee pays the buyer's parts and nothing else", func(t *testing.T) {
		f := svcFunded(t, escrow.Config{}, "100.00")
		_, err := f.svc.Release(t.Context(), svcOrders, "o1", "release", escrow.ReleaseRequest{Amount: svcUSD("90.00")})
		require.NoError(t, err)
		before := f.account(t, "o1")
		for name, req := range map[string]escrow.SettleRequest{
			"a guarantee above the buyer's parts": {Refund: svcUSD("10.00"), Guarantee: svcUSD("10.01")},
			"a guarantee for a release":           {Release: svcUSD("10.00"), Guarantee: svcUSD("10.00")},
			"a negative guarantee":                {Refund: svcUSD("10.00"), Guarantee: svcUSD("-1.00")},
			"a guarantee of what escrow holds":    {Refund: svcUSD("10.00"), Guarantee: svcUSD("0.01")},
			"a guarantee beside a release":        {Refund: svcUSD("10.00"), Release: svcUSD("10.00"), Guarantee: svcUSD("10.01")},
		} {
			_, err := f.svc.Settle(t.Context(), svcOrders, "o1", "bad "+name, req)
			assert.ErrorIs(t, err, payment.ErrInvalidAmount, name)
		}
		_, err = f.svc.Settle(t.Context(), svcOrders, "o1", "yen", escrow.SettleRequest{Refund: svcUSD("10.00"), Guarantee: payment.MustParse("10", payment.JPY)})
		assert.ErrorIs(t, err, payment.ErrCurrencyMismatch)
		// What the guarantee brings in and what escrow still holds pay
		// the parts, and no more.
		_, err = f.svc.Settle(t.Context(), svcOrders, "o1", "over", escrow.SettleRequest{Refund: svcUSD("30.00"), Release: svcUSD("0.01"), Guarantee: svcUSD("20.00")})
		var ie *escrow.InsufficientFundsError
		require.ErrorAs(t, err, &ie)
		assert.Equal(t, svcUSD("30.00"), ie.Available, "the 10.00 left and the 20.00 the guarantee brings")
		testkit.Check(t, "the account after the refusals", before, f.account(t, "o1"))

		r, err := f.svc.Settle(t.Context(), svcOrders, "o1", "claim", escrow.SettleRequest{Refund: svcUSD("30.00"), Guarantee: svcUSD("20.00")})
		require.NoError(t, err)
		assert.Equal(t, []string{"guarantee→escrow USD 20.00", "escrow→buyer_refund USD 30.00"}, ledgers(r))
		f.verify(t, "o1")
	})

	t.Run("what the guarantee paid in counts toward the most an account takes in", func(t *testing.T) {
		f := newSvcFixture(t, escrow.Config{})
		f.open(t, "o1")
		_, err := f.svc.Settle(t.Context(), svcOrders, "o1", "claim", escrow.SettleRequest{Compensate: svcUSD("0.01"), Guarantee: svcUSD("0.01")})
		require.NoError(t, err)
		largest, err := payment.FromMinor(999_999_999_999_999_999, payment.USD)
		require.NoError(t, err)
		_, err = f.svc.Hold(t.Context(), svcOrders, "o1", "huge", escrow.HoldRequest{Amount: largest, PaymentID: "p-huge"})
		assert.ErrorIs(t, err, payment.ErrOutOfRange, "else what it pays out could leave Money's range")
		f.verify(t, "o1")
	})

	t.Run("a release withholds what is owed, never more than the supplier's net", func(t *testing.T) {
		f := svcFunded(t, twoPercent, "100.00")
		r, err := f.svc.Release(t.Context(), svcOrders, "o1", "r1", escrow.ReleaseRequest{Amount: svcUSD("50.00"), Recover: svcUSD("10.00")})
		require.NoError(t, err)
		assert.Equal(t, []string{"escrow→recovery USD 10.00", "escrow→supplier_payable USD 39.00", "escrow→platform_fee USD 1.00"}, ledgers(r))
		r, err = f.svc.Release(t.Context(), svcOrders, "o1", "r2", escrow.ReleaseRequest{Amount: svcUSD("50.00"), Fee: svcUSD("5.00"), Recover: svcUSD("500.00")})
		require.NoError(t, err)
		assert.Equal(t, []string{"escrow→recovery USD 44.00", "escrow→platform_fee USD 1.00", "escrow→platform_fee USD 5.00"}, ledgers(r),
			"the recovery takes what the fees leave the supplier, and nothing is paid to it")
		want := svcBalance("100.00", "39.00", "7.00", "0", "0", "0", "0", "0", "0", "54.00")
		if diff := cmp.Diff(want, f.balance(t, "o1")); diff != "" {
			t.Errorf("Balance (-want +got):\n%s", diff)
		}
		f.verify(t, "o1")

		g := svcFunded(t, escrow.Config{}, "100.00")
		_, err = g.svc.Release(t.Context(), svcOrders, "o1", "neg", escrow.ReleaseRequest{Amount: svcUSD("50.00"), Recover: svcUSD("-0.01")})
		assert.ErrorIs(t, err, payment.ErrInvalidAmount)
		r, err = g.svc.Settle(t.Context(), svcOrders, "o1", "split", escrow.SettleRequest{Refund: svcUSD("40.00"), Release: svcUSD("60.00"), Recover: svcUSD("25.00")})
		require.NoError(t, err)
		assert.Equal(t, []string{"escrow→buyer_refund USD 40.00", "escrow→recovery USD 25.00", "escrow→supplier_payable USD 35.00"}, ledgers(r))
	})
}
