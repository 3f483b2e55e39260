package paymentpg_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/internal/pgtest"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/payment/paymentpg"
	"github.com/tradeassure/tradeassure/payment/paymenttest"
)

var ctx = context.Background()

// migrated returns a pool on a new schema that Migrate has prepared.
func migrated(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool := pgtest.Pool(t)
	require.NoError(t, paymentpg.Migrate(ctx, pool))
	return pool
}

func TestStore(t *testing.T) {
	paymenttest.TestStore(t, func(t *testing.T) payment.Store { return paymentpg.New(migrated(t)) })
}

func TestUnit(t *testing.T) {
	paymenttest.TestUnitOfWork(t, func(t *testing.T) (payment.UnitOfWork, payment.Store) {
		pool := migrated(t)
		return paymentpg.Unit(pool), paymentpg.New(pool)
	})
}

func TestOutbox(t *testing.T) {
	paymenttest.TestOutbox(t, func(t *testing.T) (payment.Outbox, payment.UnitOfWork) {
		pool := migrated(t)
		return paymentpg.Outbox(pool), paymentpg.Unit(pool)
	})
}

func TestMigrateTwiceChangesNothing(t *testing.T) {
	pool := migrated(t)
	s := paymentpg.New(pool)
	_, err := s.CreatePayment(ctx, newPayment("p1", "k1", "b1", testkit.At(0)))
	require.NoError(t, err)

	require.NoError(t, paymentpg.Migrate(ctx, pool), "the second run")
	var applied int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM tradeassure_migrations WHERE component = 'payment'").Scan(&applied))
	files, err := filepath.Glob("migrations/*.sql")
	require.NoError(t, err)
	assert.Equal(t, len(files), applied, "each migration is recorded once")
	_, err = s.Payment(ctx, "p1")
	assert.NoError(t, err, "the payment written before the second run is still there")
}

// newPayment returns a valid payment as the service would create it.
func newPayment(id, key, buyer string, created time.Time) *payment.Payment {
	amount := payment.MustParse("250.00", payment.USD)
	fee := payment.MustParse("7.50", payment.USD)
	return &payment.Payment{
		ID: id, Key: key, Fingerprint: "fp-" + key, OrderID: "o-" + id, Tranche: payment.Full,
		BuyerID: buyer, BuyerCountry: "DE", Instrument: payment.Instrument{Method: payment.Card, Network: payment.Visa},
		Amount: amount, Fee: payment.FeeQuote{Amount: amount, Fee: fee, BuyerFee: fee, SupplierFee: payment.MustParse("0", payment.USD), Band: -1},
		Status:    payment.StatusInitiated,
		Timeline:  []payment.Event{{At: created, Status: payment.StatusInitiated, Actor: payment.Buyer(buyer)}},
		CreatedAt: created, UpdatedAt: created,
	}
}

func TestConstraintsRefuseBrokenRows(t *testing.T) {
	pool := migrated(t)
	_, err := paymentpg.New(pool).CreatePayment(ctx, newPayment("p1", "k1", "b1", testkit.At(0)))
	require.NoError(t, err)
	for _, tc := range []struct {
		name, set string
	}{
		{"a negative amount", "amount = -1"},
		{"a zero amount", "amount = 0"},
		{"a lower-case currency", "currency = 'usd'"},
		{"a currency of two letters", "currency = 'US'"},
		{"an unknown status", "status = 'lost'"},
		{"an unknown tranche", "tranche = 'half'"},
		{"a negative fee", "fee = -0.01"},
		{"a refunded total above the amount", "refunded = 250.01"},
		{"an empty idempotency key", "key = ''"},
		{"a version of zero", "version = 0"},
		{"a document that is not an object", "doc = '[]'"},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			_, err := pool.Exec(ctx, "UPDATE payments SET "+tc.set+" WHERE id = 'p1'")
			var pgErr *pgconn.PgError
			if assert.ErrorAs(t, err, &pgErr) {
				assert.Equal(t, "23514", pgErr.Code, "a CHECK violation: %v", err)
			}
		})
	}
	t.Run("an account with an empty id is refused", func(t *testing.T) {
		_, err := paymentpg.New(pool).UpdateAccount(ctx, "", func(*payment.Account) error { return nil })
		assert.Error(t, err)
		_, err = paymentpg.New(pool).Account(ctx, "")
		assert.ErrorIs(t, err, payment.ErrNotFound, "the refused account was not written")
	})
}

func TestPaymentsByBuyerBreaksTiesByCreationOrder(t *testing.T) {
	s := paymentpg.New(migrated(t))
	at := time.Date(2026, 3, 1, 9, 0, 0, 123_456_789, time.UTC)
	ids := []string{"p9", "p3", "p7", "p1", "p5"} // not in id order
	for _, id := range ids {
		_, err := s.CreatePayment(ctx, newPayment(id, "k-"+id, "b1", at))
		require.NoError(t, err)
	}
	// Earlier and later payments, within the same microsecond.
	_, err := s.CreatePayment(ctx, newPayment("early", "k-early", "b1", at.Add(-time.Nanosecond)))
	require.NoError(t, err)
	_, err = s.CreatePayment(ctx, newPayment("late", "k-late", "b1", at.Add(time.Nanosecond)))
	require.NoError(t, err)

	got, err := s.PaymentsByBuyer(ctx, "b1", at)
	require.NoError(t, err)
	assert.Equal(t, append(ids, "late"), idsOf(got), "since is exact to the nanosecond; equal times keep creation order")

	got, err = s.PaymentsByBuyer(ctx, "b1", time.Time{})
	require.NoError(t, err)
	assert.Equal(t, append(append([]string{"early"}, ids...), "late"), idsOf(got))
}

func idsOf(ps []*payment.Payment) []string {
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	return ids
}

func TestTimesAndMoneyRoundTripExactly(t *testing.T) {
	s := paymentpg.New(migrated(t))
	tokyo := time.FixedZone("JST", 9*3600)
	at := time.Date(1969, 12, 31, 23, 59, 59, 999_999_999, tokyo) // before the epoch, to the nanosecond
	p := newPayment("p1", "k1", "b1", at)
	p.UpdatedAt = at.Add(1_001 * time.Nanosecond)
	p.Amount = payment.MustParse("0.001", payment.KWD) // three decimals
	p.Fee = payment.FeeQuote{Amount: p.Amount, Fee: payment.MustParse("0", payment.KWD)}
	_, err := s.CreatePayment(ctx, p)
	require.NoError(t, err)

	got, err := s.Payment(ctx, "p1")
	require.NoError(t, err)
	assert.True(t, got.CreatedAt.Equal(p.CreatedAt), "CreatedAt %v, want %v", got.CreatedAt, p.CreatedAt)
	assert.True(t, got.UpdatedAt.Equal(p.UpdatedAt), "UpdatedAt %v, want %v", got.UpdatedAt, p.UpdatedAt)
	assert.True(t, got.Amount == p.Amount, "Amount %v, want %v", got.Amount, p.Amount)
	assert.True(t, got.Fee.Fee == p.Fee.Fee, "Fee %v, want %v", got.Fee.Fee, p.Fee.Fee)
	assert.True(t, got.Fee.BuyerFee == payment.Money{}, "an unset fee stays unset: %v", got.Fee.BuyerFee)

	a, err := s.UpdateAccount(ctx, "b1", func(a *payment.Account) error { a.Updated = at; return nil })
	require.NoError(t, err)
	read, err := s.Account(ctx, "b1")
	require.NoError(t, err)
	assert.True(t, read.Updated.Equal(at) && a.Updated.Equal(at), "Updated %v, want %v", read.Updated, at)
}

func TestUpdateRefusesAChangedIdentity(t *testing.T) {
	s := paymentpg.New(migrated(t))
	_, err := s.CreatePayment(ctx, newPayment("p1", "k1", "b1", testkit.At(0)))
	require.NoError(t, err)
	for name, change := range map[string]func(*payment.Payment){
		"id":    func(p *payment.Payment) { p.ID = "p2" },
		"key":   func(p *payment.Payment) { p.Key = "k2" },
		"buyer": func(p *payment.Payment) { p.BuyerID = "b2" },
	} {
		t.Run("a changed "+name+" is refused", func(t *testing.T) {
			_, err := s.UpdatePayment(ctx, "p1", func(p *payment.Payment) error { change(p); return nil })
			assert.ErrorIs(t, err, payment.ErrInvalidRequest)
		})
	}
	_, err = s.UpdateAccount(ctx, "b1", func(a *payment.Account) error { a.ID = "b2"; return nil })
	assert.ErrorIs(t, err, payment.ErrInvalidRequest, "a changed account id")

	got, err := s.Payment(ctx, "p1")
	require.NoError(t, err)
	assert.Equal(t, int64(1), got.Version, "nothing was written")
}

func TestAFeeInAnotherCurrencyIsRefused(t *testing.T) {
	s := paymentpg.New(migrated(t))
	p := newPayment("p1", "k1", "b1", testkit.At(0))
	p.Fee.BuyerFee = payment.MustParse("7.50", payment.EUR)
	_, err := s.CreatePayment(ctx, p)
	assert.ErrorIs(t, err, payment.ErrCurrencyMismatch)
	_, err = s.Payment(ctx, "p1")
	assert.ErrorIs(t, err, payment.ErrNotFound)
}

func TestAnUpdateIsConditionedOnTheVersionItRead(t *testing.T) {
	pool := migrated(t)
	s := paymentpg.New(pool)
	_, err := s.CreatePayment(ctx, newPayment("p1", "k1", "b1", testkit.At(0)))
	require.NoError(t, err)
	_, err = s.UpdatePayment(ctx, "p1", func(p *payment.Payment) error {
		// Another process writes between the read and the write.
		_, err := pool.Exec(ctx, "UPDATE payments SET version = version + 1, processor_ref = 'other' WHERE id = 'p1'")
		require.NoError(t, err)
		p.ProcessorRef = "mine"
		return nil
	})
	require.ErrorIs(t, err, payment.ErrConflict)
	assert.False(t, errors.Is(err, payment.ErrNotFound))
	got, err := s.Payment(ctx, "p1")
	require.NoError(t, err)
	assert.Equal(t, "other", got.ProcessorRef)
	assert.Equal(t, int64(2), got.Version)
}
