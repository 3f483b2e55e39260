package escrow_test

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
)

// hostileLargest is the largest USD amount a Money holds.
var hostileLargest = svcUSD("9999999999999999.99")

// hostileEscrow is a call on account o1 with hostile input.
type hostileEscrow func(ctx context.Context, s *escrow.Service) error

func hostileHold(key string, req escrow.HoldRequest) hostileEscrow {
	return func(ctx context.Context, s *escrow.Service) error {
		_, err := s.Hold(ctx, svcOrders, "o1", key, req)
		return err
	}
}

func hostileRelease(req escrow.ReleaseRequest) hostileEscrow {
	return func(ctx context.Context, s *escrow.Service) error {
		_, err := s.Release(ctx, svcOrders, "o1", "k", req)
		return err
	}
}

func hostileSettle(req escrow.SettleRequest) hostileEscrow {
	return func(ctx context.Context, s *escrow.Service) error {
		_, err := s.Settle(ctx, svcOrders, "o1", "k", req)
		return err
	}
}

func hostileOpen(req escrow.OpenRequest) hostileEscrow {
	return func(ctx context.Context, s *escrow.Service) error {
		_, err := s.Open(ctx, svcOrders, req)
		return err
	}
}

func TestHostileEscrowRequestsAreRefusedAndWriteNothing(t *testing.T) {
	long := testkit.Long("")
	usd := func(s string) payment.Money { return svcUSD(s) }
	yen := payment.MustParse("100", payment.JPY)
	tests := []struct {
		name  string
		fee   escrow.FeeFunc
		call  hostileEscrow
		want  error
		typed any
	}{
		{"a zero open request", nil, hostileOpen(escrow.OpenRequest{}), escrow.ErrInvalidRequest, nil},
		{"an account whose buyer is its supplier", nil, hostileOpen(escrow.OpenRequest{OrderID: "o2", BuyerID: long, SupplierID: long, Currency: payment.USD}),
			escrow.ErrInvalidRequest, nil},
		{"o1 again in yen", nil, hostileOpen(escrow.OpenRequest{OrderID: "o1", BuyerID: "b1", SupplierID: "s1", Currency: payment.JPY}), escrow.ErrDuplicate, nil},
		{"a hold of the largest amount on top of USD 100.00", nil, hostileHold("k", escrow.HoldRequest{Amount: hostileLargest, PaymentID: "p2"}),
			payment.ErrOutOfRange, new(*payment.AmountError)},
		{"a hold of minus the largest amount", nil, hostileHold("k", escrow.HoldRequest{Amount: hostileLargest.Neg(), PaymentID: "p2"}), payment.ErrInvalidAmount, nil},
		{"a hold of zero", nil, hostileHold("k", escrow.HoldRequest{Amount: usd("0"), PaymentID: "p2"}), payment.ErrInvalidAmount, nil},
		{"a hold of no amount", nil, hostileHold("k", escrow.HoldRequest{PaymentID: "p2"}), payment.ErrInvalidAmount, nil},
		{"a hold in yen", nil, hostileHold("k", escrow.HoldRequest{Amount: yen, PaymentID: "p2"}), payment.ErrCurrencyMismatch, new(*payment.CurrencyMismatchError)},
		{"a hold from no payment", nil, hostileHold("k", escrow.HoldRequest{Amount: usd("1.00")}), escrow.ErrInvalidRequest, nil},
		{"a hold with no key", nil, hostileHold("", escrow.HoldRequest{Amount: usd("1.00"), PaymentID: "p2"}), escrow.ErrInvalidRequest, nil},
		{"a hold of the payment held already", nil, hostileHold("k", escrow.HoldRequest{Amount: usd("1.00"), PaymentID: "p-hold-1"}), escrow.ErrDuplicate, nil},
		{"the first hold's key for the largest amount", nil, hostileHold("hold-1", escrow.HoldRequest{Amount: hostileLargest, PaymentID: "p-hold-1"}),
			escrow.ErrIdempotencyMismatch, nil},
		{"a hold on a mebibyte account id", nil, func(ctx context.Context, s *escrow.Service) error {
			_, err := s.Hold(ctx, svcOrders, long, "k", escrow.HoldRequest{Amount: usd("1.00"), PaymentID: "p2"})
			return err
		}, escrow.ErrInvalidRequest, new(*payment.LengthError)},
		{"a release of the largest amount", nil, hostileRelease(escrow.ReleaseRequest{Amount: hostileLargest}),
			escrow.ErrInsufficientFunds, new(*escrow.InsufficientFundsError)},
		{"a release of minus the largest amount", nil, hostileRelease(escrow.ReleaseRequest{Amount: hostileLargest.Neg()}), payment.ErrInvalidAmount, nil},
		{"a release bearing a negative fee", nil, hostileRelease(escrow.ReleaseRequest{Amount: usd("100.00"), Fee: hostileLargest.Neg()}), payment.ErrInvalidAmount, nil},
		{"a release at a platform fee of 10^30", escrow.PercentFee(decimal.New(1, 30), payment.RoundHalfEven),
			hostileRelease(escrow.ReleaseRequest{Amount: usd("100.00")}), payment.ErrOutOfRange, new(*payment.AmountError)},
		{"a release at a platform fee of 200%", escrow.PercentFee(decimal.New(2, 0), payment.RoundHalfEven),
			hostileRelease(escrow.ReleaseRequest{Amount: usd("100.00")}), payment.ErrInvalidAmount, nil},
		{"a release at a negative platform fee", escrow.PercentFee(decimal.New(-2, -2), payment.RoundHalfEven),
			hostileRelease(escrow.ReleaseRequest{Amount: usd("100.00")}), payment.ErrInvalidAmount, nil},
		{"a refund of the largest amount", nil, func(ctx context.Context, s *escrow.Service) error {
			_, err := s.Refund(ctx, svcOrders, "o1", "k", escrow.RefundRequest{Amount: hostileLargest})
			return err
		}, escrow.ErrInsufficientFunds, new(*escrow.InsufficientFundsError)},
		{"a compensation of minus the largest amount", nil, func(ctx context.Context, s *escrow.Service) error {
			_, err := s.Compensate(ctx, svcOrders, "o1", "k", escrow.CompensateRequest{Amount: hostileLargest.Neg()})
			return err
		}, payment.ErrInvalidAmount, nil},
		{"a settlement of three largest amounts", nil, hostileSettle(escrow.SettleRequest{Refund: hostileLargest, Compensate: hostileLargest, Release: hostileLargest}),
			payment.ErrOutOfRange, new(*payment.AmountError)},
		{"a settlement of the largest amount less the largest amount", nil, hostileSettle(escrow.SettleRequest{Refund: hostileLargest, Release: hostileLargest.Neg()}),
			payment.ErrInvalidAmount, nil},
		{"a settlement of nothing", nil, hostileSettle(escrow.SettleRequest{}), payment.ErrInvalidAmount, nil},
		{"a settlement of zeros", nil, hostileSettle(escrow.SettleRequest{Refund: usd("0"), Release: usd("0")}), payment.ErrInvalidAmount, nil},
		{"a settlement partly in yen", nil, hostileSettle(escrow.SettleRequest{Refund: usd("1.00"), Release: yen}),
			payment.ErrCurrencyMismatch, new(*payment.CurrencyMismatchError)},
		{"a settlement of the whole balance and a cent", nil, hostileSettle(escrow.SettleRequest{Refund: usd("50.00"), Release: usd("50.01")}),
			escrow.ErrInsufficientFunds, new(*escrow.InsufficientFundsError)},
		{"a freeze without a reason", nil, func(ctx context.Context, s *escrow.Service) error {
			_, err := s.Freeze(ctx, svcOrders, "o1", "k", "")
			return err
		}, escrow.ErrInvalidRequest, nil},
		{"a close of an account that holds money", nil, func(ctx context.Context, s *escrow.Service) error {
			_, err := s.Close(ctx, svcOrders, "o1", "k")
			return err
		}, escrow.ErrNotEmpty, nil},
		{"a refund by an actor of a mebibyte role", nil, func(ctx context.Context, s *escrow.Service) error {
			_, err := s.Refund(ctx, payment.Actor{Role: payment.Role(long), ID: "x"}, "o1", "k", escrow.RefundRequest{Amount: usd("1.00")})
			return err
		}, payment.ErrInvalidRequest, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := svcFunded(t, escrow.Config{ReleaseFee: tt.fee}, "100.00")
			before := authzAccount(t, f, "o1")
			err := testkit.HostileErr(t, func(ctx context.Context) error { return tt.call(ctx, f.svc) })
			testkit.RequireErr(t, err, tt.want, tt.typed)
			testkit.Check(t, "account o1 after a refused call", before, authzAccount(t, f, "o1"))
			assert.Nil(t, authzAccount(t, f, "o2"), "no account o2")
			f.verify(t, "o1")
		})
	}
}

func TestCodesThatAreNotCurrenciesOpenNoAccount(t *testing.T) {
	for _, code := range testkit.NotCurrencies() {
		t.Run(testkit.Short(code), func(t *testing.T) {
			f := newSvcFixture(t, escrow.Config{})
			_, err := testkit.Hostile(t, func(ctx context.Context) (*escrow.Account, error) {
				return f.svc.Open(ctx, svcOrders, escrow.OpenRequest{OrderID: "o1", BuyerID: "b1", SupplierID: "s1", Currency: payment.Currency(code)})
			})
			var ue *payment.UnknownCurrencyError
			testkit.RequireErr(t, err, payment.ErrUnknownCurrency, &ue)
			assert.True(t, ue.Code == code, "the error names the code")
			assert.Nil(t, authzAccount(t, f, "o1"), "no account")
		})
	}
}

func TestTheLargestAmountMovesThroughEscrowExactly(t *testing.T) {
	f := newSvcFixture(t, escrow.Config{ReleaseFee: escrow.PercentFee(decimal.RequireFromString("0.02"), payment.RoundHalfEven)})
	f.open(t, "o1")
	_, err := testkit.Hostile(t, func(ctx context.Context) (*escrow.Receipt, error) {
		return f.svc.Hold(ctx, svcOrders, "o1", "hold", escrow.HoldRequest{Amount: hostileLargest, PaymentID: "p1"})
	})
	require.NoError(t, err)
	parts, err := hostileLargest.Allocate(1, 1, 1)
	require.NoError(t, err)
	r, err := testkit.Hostile(t, func(ctx context.Context) (*escrow.Receipt, error) {
		return f.svc.Settle(ctx, svcOrders, "o1", "settle", escrow.SettleRequest{Refund: parts[0], Compensate: parts[1], Release: parts[2]})
	})
	require.NoError(t, err)
	assert.True(t, r.Remaining.IsZero(), "nothing left in escrow: %s", r.Remaining)
	b := f.balance(t, "o1")
	assert.Equal(t, hostileLargest, b.Held)
	sum := b.Released
	for _, m := range []payment.Money{b.Fees, b.Refunded, b.Compensated} {
		sum, err = sum.Add(m)
		require.NoError(t, err)
	}
	assert.Equal(t, hostileLargest, sum, "the ledger balances to the cent")
	f.verify(t, "o1")
}

// TestStringsAtTheirLimitsAreKeptWhole: ids and keys of
// payment.MaxIDLen bytes and texts of payment.MaxTextLen are taken and
// stored whole; one byte more is a *payment.LengthError that writes
// nothing.
func TestStringsAtTheirLimitsAreKeptWhole(t *testing.T) {
	f := newSvcFixture(t, escrow.Config{})
	id, key, long := testkit.ID("o-"), testkit.ID("k-"), testkit.Text("")
	_, err := testkit.Hostile(t, func(ctx context.Context) (*escrow.Account, error) {
		return f.svc.Open(ctx, svcOrders, escrow.OpenRequest{OrderID: id, BuyerID: testkit.ID("b-"), SupplierID: testkit.ID("s-"), Currency: payment.USD})
	})
	require.NoError(t, err)
	hold := escrow.HoldRequest{Amount: svcUSD("100.00"), PaymentID: testkit.ID("pay-"), Memo: long}
	_, err = testkit.Hostile(t, func(ctx context.Context) (*escrow.Receipt, error) { return f.svc.Hold(ctx, svcOrders, id, key, hold) })
	require.NoError(t, err)
	_, err = testkit.Hostile(t, func(ctx context.Context) (*escrow.Receipt, error) {
		return f.svc.Freeze(ctx, svcOrders, id, testkit.ID("freeze-"), long)
	})
	require.NoError(t, err)
	a := f.account(t, id)
	assert.True(t, a.ID == id && a.Entries[0].Ref == hold.PaymentID && a.Entries[0].Memo == long && a.Entries[0].Key == key &&
		a.FreezeReason == long, "every long string is stored whole")
	r, err := testkit.Hostile(t, func(ctx context.Context) (*escrow.Receipt, error) { return f.svc.Hold(ctx, svcOrders, id, key, hold) })
	require.NoError(t, err, "a replay under a key at its limit")
	assert.True(t, r.Replayed)
	assert.Equal(t, a.Version, f.account(t, id).Version, "a replay writes nothing")
	f.verify(t, id)
	for what, call := range map[string]func(ctx context.Context) (*escrow.Receipt, error){
		"a key one byte too long": func(ctx context.Context) (*escrow.Receipt, error) {
			return f.svc.Hold(ctx, svcOrders, id, key+"x", escrow.HoldRequest{Amount: svcUSD("1.00"), PaymentID: "pay-2"})
		},
		"a memo one byte too long": func(ctx context.Context) (*escrow.Receipt, error) {
			return f.svc.Hold(ctx, svcOrders, id, "k-2", escrow.HoldRequest{Amount: svcUSD("1.00"), PaymentID: "pay-2", Memo: long + "x"})
		},
		"a payment id one byte too long": func(ctx context.Context) (*escrow.Receipt, error) {
			return f.svc.Hold(ctx, svcOrders, id, "k-3", escrow.HoldRequest{Amount: svcUSD("1.00"), PaymentID: hold.PaymentID + "x"})
		},
	} {
		_, err := call(context.Background())
		var le *payment.LengthError
		require.ErrorAs(t, err, &le, what)
		require.ErrorIs(t, err, escrow.ErrInvalidRequest, what)
	}
	assert.Equal(t, a.Version, f.account(t, id).Version, "the refused calls wrote nothing")
}
