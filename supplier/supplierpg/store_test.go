package supplierpg_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/internal/pg"
	"github.com/tradeassure/tradeassure/internal/pgtest"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/payment/paymentpg"
	"github.com/tradeassure/tradeassure/supplier"
	"github.com/tradeassure/tradeassure/supplier/supplierpg"
	"github.com/tradeassure/tradeassure/supplier/suppliertest"
)

// newPool returns a pool on a fresh schema, migrated.
func newPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool := pgtest.Pool(t)
	require.NoError(t, supplierpg.Migrate(context.Background(), pool))
	return pool
}

func TestStore(t *testing.T) {
	suppliertest.TestStore(t, func(t *testing.T) (supplier.Store, payment.UnitOfWork) {
		pool := newPool(t)
		return supplierpg.New(pool), paymentpg.Unit(pool)
	})
}

func TestMigrateTwiceChangesNothing(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	_, err := supplierpg.New(pool).Create(ctx, enrolledSupplier("s1", "1000.00"))
	require.NoError(t, err)
	require.NoError(t, supplierpg.Migrate(ctx, pool), "a second Migrate")
	var applied, rows int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM tradeassure_migrations WHERE component = 'supplier'").Scan(&applied))
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM suppliers").Scan(&rows))
	assert.Equal(t, 5, applied, "migrations recorded")
	assert.Equal(t, 1, rows, "suppliers kept")
}

// TestMigrateMovesTheHistoryOutOfTheSuppliers: a database migrated before
// the history had tables of its own keeps each supplier's orders,
// inquiries and reviews in its document; the migration moves them to the
// tables and counts them, so the supplier rates as it did.
func TestMigrateMovesTheHistoryOutOfTheSuppliers(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	// The database as 0001 left it, with a supplier of the time.
	_, err := pool.Exec(ctx, `DROP TABLE supplier_orders, supplier_inquiries;
		DELETE FROM tradeassure_migrations WHERE component = 'supplier' AND name = '0002_history.sql'`)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO suppliers (id, version, status, country, limit_amount, limit_currency, reserved, created_at, updated_at, doc)
		VALUES ('s1', 3, 'enrolled', 'CN', 1000, 'USD', 0, now(), now(), $1)`, `{"id": "s1", "company": "Old Co", "country": "CN", "status": "enrolled",
		"orders": [
			{"order_id": "o1", "buyer_id": "b1", "value": {"amount": "100.00", "currency": "USD"}, "completed_at": "2026-03-01T10:00:00Z", "on_time": true, "disputed": false, "dispute_lost": false},
			{"order_id": "o2", "buyer_id": "b2", "value": {"amount": "250.50", "currency": "USD"}, "completed_at": "2026-03-01T23:59:59.5Z", "on_time": false, "disputed": true, "dispute_lost": true},
			{"order_id": "o3", "buyer_id": "b1", "value": {"amount": "1.00", "currency": "USD"}, "completed_at": "2026-02-27T00:00:00Z", "on_time": true, "disputed": true, "dispute_lost": false}],
		"inquiries": [
			{"id": "q1", "received_at": "2026-03-01T08:00:00Z", "responded_at": "2026-03-01T09:30:00.000001Z"},
			{"id": "q2", "received_at": "2026-03-01T08:00:00Z", "responded_at": "0001-01-01T00:00:00Z"}],
		"reviews": [{"order_id": "o2", "buyer_id": "b2", "rating": 2, "text": "late", "at": "2026-03-02T00:00:00Z"}],
		"limit": {"amount": {"amount": "1000.00", "currency": "USD"}}, "version": 3}`)
	require.NoError(t, err)

	require.NoError(t, supplierpg.Migrate(ctx, pool))
	store := supplierpg.New(pool)
	sup, err := store.Supplier(ctx, "s1")
	require.NoError(t, err)
	testkit.Check(t, "the record", supplier.Record{Completed: 3, OnTime: 2, Disputed: 2, DisputesLost: 1, Inquiries: 2, Responded: 1,
		ResponseTime: 90*time.Minute + time.Microsecond, Reviews: 1, Stars: 1}, sup.Record)
	testkit.Check(t, "the volume by day", []supplier.Volume{{Day: 20511, Minor: 100}, {Day: 20513, Minor: 35050}}, sup.Volume.Days())
	assert.Equal(t, time.Date(2026, 2, 27, 0, 0, 0, 0, time.UTC), sup.Volume.At(0).Start())
	o2, err := store.OrderRecord(ctx, "s1", "o2")
	require.NoError(t, err)
	testkit.Check(t, "order o2 with its review", &supplier.OrderRecord{OrderID: "o2", BuyerID: "b2", Value: usd("250.50"),
		CompletedAt: time.Date(2026, 3, 1, 23, 59, 59, 5e8, time.UTC), Disputed: true, DisputeLost: true,
		Review: supplier.Review{OrderID: "o2", BuyerID: "b2", Rating: 2, Text: "late", At: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)}}, o2)
	q2, err := store.Inquiry(ctx, "s1", "q2")
	require.NoError(t, err)
	testkit.Check(t, "inquiry q2, unanswered", &supplier.Inquiry{ID: "q2", ReceivedAt: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}, q2)
	var left bool
	require.NoError(t, pool.QueryRow(ctx, "SELECT doc ?| ARRAY['orders', 'inquiries', 'reviews'] FROM suppliers WHERE id = 's1'").Scan(&left))
	assert.False(t, left, "the document keeps no history")
}

// TestStoredDerivationsAreIgnored: a supplier written when the rating and
// the limit carried their derivation (now Service.Explain's, on demand)
// reads as it was without it, and its next write drops it.
func TestStoredDerivationsAreIgnored(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	_, err := pool.Exec(ctx, `INSERT INTO suppliers (id, version, status, country, limit_amount, limit_currency, reserved, created_at, updated_at, doc)
		VALUES ('s1', 3, 'enrolled', 'CN', 1000, 'USD', 0, now(), now(), $1)`, `{"id": "s1", "company": "Old Co", "country": "CN", "status": "enrolled",
		"rating": {"score": "61.3", "grade": "C", "computed_at": "2026-03-02T08:00:00Z",
			"derivation": [{"name": "on_time", "input": "1 of 2 on time", "amount": "10"}]},
		"limit": {"amount": {"amount": "1000.00", "currency": "USD"}, "computed_at": "2026-03-02T08:00:00Z",
			"derivation": [{"name": "base", "input": "enrolled", "amount": "1000.00"}]},
		"version": 3}`)
	require.NoError(t, err)
	store := supplierpg.New(pool)
	sup, err := store.Supplier(ctx, "s1")
	require.NoError(t, err)
	computed := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	testkit.Check(t, "the rating", supplier.Rating{Score: decimal.RequireFromString("61.3"), Grade: "C", ComputedAt: computed}, sup.Rating)
	testkit.Check(t, "the limit", supplier.Limit{Amount: usd("1000.00"), ComputedAt: computed}, sup.Limit)

	_, err = store.Update(ctx, "s1", func(s *supplier.Supplier) error { s.Company = "New Co"; return nil })
	require.NoError(t, err)
	var left bool
	require.NoError(t, pool.QueryRow(ctx, "SELECT doc->'rating' ? 'derivation' OR doc->'limit' ? 'derivation' FROM suppliers WHERE id = 's1'").Scan(&left))
	assert.False(t, left, "the write drops the derivations")
}

func TestTheDatabaseNeverOverReserves(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	store := supplierpg.New(pool)
	sup := enrolledSupplier("s1", "1000.00")
	sup.Reservations = []supplier.Reservation{{OrderID: "o1", Amount: usd("600.00"), At: testkit.At(0)}}
	_, err := store.Create(ctx, sup)
	require.NoError(t, err)

	for _, tc := range []struct {
		name, sql string
		refused   bool
	}{
		{"raising what is reserved above the limit is refused", "UPDATE suppliers SET reserved = 1000.01", true},
		{"reserving exactly the limit is allowed", "UPDATE suppliers SET reserved = 1000.00", false},
		{"a negative reservation total is refused", "UPDATE suppliers SET reserved = -1", true},
		{"lowering the limit below what is reserved is allowed: the reservations stand", "UPDATE suppliers SET limit_amount = 0", false},
		{"then raising what is reserved at all is refused", "UPDATE suppliers SET reserved = reserved + 0.01", true},
		{"and lowering it is allowed", "UPDATE suppliers SET reserved = 400.00", false},
		{"a negative limit is refused", "UPDATE suppliers SET limit_amount = -1", true},
		{"a currency that is not three capital letters is refused", "UPDATE suppliers SET limit_currency = 'usd'", true},
		{"an unknown status is refused", "UPDATE suppliers SET status = 'pending'", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pool.Exec(ctx, tc.sql)
			if !tc.refused {
				assert.NoError(t, err)
				return
			}
			var pgErr *pgconn.PgError
			if assert.ErrorAs(t, err, &pgErr) {
				assert.Equal(t, "23514", pgErr.Code, "a check violation: %v", err)
			}
		})
	}

	t.Run("a supplier is created as given, over-reserved if suspended so, and reserves no more", func(t *testing.T) {
		over := enrolledSupplier("s2", "0.00")
		over.Status = supplier.StatusSuspended
		over.Reservations = []supplier.Reservation{{OrderID: "o1", Amount: usd("100.00"), At: testkit.At(0)}}
		_, err := store.Create(ctx, over)
		require.NoError(t, err)
		_, err = store.Update(ctx, "s2", func(s *supplier.Supplier) error {
			s.Reservations = append(s.Reservations, supplier.Reservation{OrderID: "o2", Amount: usd("0.01"), At: testkit.At(1)})
			return nil
		})
		require.Error(t, err)
		_, err = store.Update(ctx, "s2", func(s *supplier.Supplier) error {
			s.Reservations = nil
			return nil
		})
		require.NoError(t, err, "releasing")
	})
	t.Run("an update that over-reserves writes nothing", func(t *testing.T) {
		_, err := store.Create(ctx, enrolledSupplier("s3", "100.00"))
		require.NoError(t, err)
		_, err = store.Update(ctx, "s3", func(s *supplier.Supplier) error {
			s.Reservations = append(s.Reservations, supplier.Reservation{OrderID: "o1", Amount: usd("100.01"), At: testkit.At(1)})
			return nil
		})
		var pgErr *pgconn.PgError
		if assert.ErrorAs(t, err, &pgErr) {
			assert.Equal(t, "suppliers_reserved_within_limit", pgErr.ConstraintName, "%v", err)
		}
		got, err := store.Supplier(ctx, "s3")
		require.NoError(t, err)
		assert.Empty(t, got.Reservations)
		assert.Equal(t, int64(1), got.Version)
	})
	t.Run("a reservation in another currency than the limit's is refused", func(t *testing.T) {
		_, err := store.Update(ctx, "s3", func(s *supplier.Supplier) error {
			s.Reservations = append(s.Reservations, supplier.Reservation{OrderID: "o1", Amount: payment.MustParse("1.00", payment.EUR)})
			return nil
		})
		assert.ErrorIs(t, err, supplier.ErrInvalidRequest)
	})
}

func TestColumnsFollowTheSupplier(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	store := supplierpg.New(pool)
	sup := enrolledSupplier("s1", "12300.00")
	sup.CreatedAt = time.Date(2026, 3, 1, 9, 0, 0, 123456789, time.FixedZone("CST", 8*3600))
	sup.UpdatedAt = sup.CreatedAt.Add(time.Nanosecond)
	sup.Reservations = []supplier.Reservation{
		{OrderID: "o1", Amount: usd("2500.00"), At: sup.CreatedAt},
		{OrderID: "o2", Amount: usd("0.01"), At: sup.UpdatedAt},
	}
	_, err := store.Create(ctx, sup)
	require.NoError(t, err)
	got, err := store.Supplier(ctx, "s1")
	require.NoError(t, err)
	want := sup.Clone()
	want.Version = 1
	testkit.Check(t, "the supplier read back, to the nanosecond", want, got)

	type columns struct{ status, country, limit, currency, reserved, created string }
	read := func() columns {
		var c columns
		require.NoError(t, pool.QueryRow(ctx, `SELECT status, country, limit_amount::text, limit_currency, reserved::text,
			to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM suppliers WHERE id = 's1'`).
			Scan(&c.status, &c.country, &c.limit, &c.currency, &c.reserved, &c.created))
		return c
	}
	assert.Equal(t, columns{"enrolled", "CN", "12300.00", "USD", "2500.01", "2026-03-01 01:00:00.123456"}, read())

	_, err = store.Update(ctx, "s1", func(s *supplier.Supplier) error {
		s.Status, s.Limit.Amount = supplier.StatusSuspended, payment.MustParse("0", payment.USD)
		return nil
	})
	require.NoError(t, err, "a limit below what is reserved is stored: the reservations stand")
	assert.Equal(t, columns{"suspended", "CN", "0.00", "USD", "2500.01", "2026-03-01 01:00:00.123456"}, read())

	_, err = store.Create(ctx, &supplier.Supplier{ID: "s2", Status: supplier.StatusApplied, Country: "DE"})
	require.NoError(t, err, "a supplier whose limit was never computed")
	var currency *string
	require.NoError(t, pool.QueryRow(ctx, "SELECT limit_currency FROM suppliers WHERE id = 's2'").Scan(&currency))
	assert.Nil(t, currency)
}

func TestRacingReservationsNeverExceedTheLimit(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	store := supplierpg.New(pool)
	svc := newService(t, store, paymentpg.Unit(pool))
	enroll(t, svc, "s1")

	const n = 32
	amount := usd("45.00") // 22 of 32 fit in 1000.00
	var won, refused, conflicts atomic.Int64
	testkit.Together(n, func(i int) {
		_, err := testkit.UntilWritten(supplier.ErrConflict, &conflicts, func() (*supplier.Reservation, error) {
			return svc.Reserve(ctx, system, "s1", fmt.Sprintf("o%d", i), amount)
		})
		switch {
		case err == nil:
			won.Add(1)
		case errors.Is(err, supplier.ErrLimitExceeded):
			refused.Add(1)
		default:
			t.Errorf("reservation o%d: %v", i, err)
		}
	})
	t.Logf("%d won, %d refused, %d conflicts retried", won.Load(), refused.Load(), conflicts.Load())
	assert.Equal(t, int64(22), won.Load(), "exactly the reservations that fit")
	got, err := store.Supplier(ctx, "s1")
	require.NoError(t, err)
	assert.Len(t, got.Reservations, int(won.Load()))
	assert.Equal(t, usd("990.00"), got.Reserved())
	var reserved, limit string
	require.NoError(t, pool.QueryRow(ctx, "SELECT reserved::text, limit_amount::text FROM suppliers WHERE id = 's1'").Scan(&reserved, &limit))
	assert.Equal(t, []string{"990.00", "1000.00"}, []string{reserved, limit}, "the database's reserved and limit")

	// Removed, the supplier's limit falls to zero; its reservations stand.
	removed, err := svc.Remove(ctx, agent, "s1", "fraud")
	require.NoError(t, err)
	assert.True(t, removed.Limit.Amount.IsZero())
	assert.Equal(t, usd("990.00"), removed.Reserved())
}

// TestRoundTrips counts the statements of each operation once pgx has
// prepared them on the connection: each is one round trip.
func TestRoundTrips(t *testing.T) {
	ctx := context.Background()
	var counter pg.QueryCounter
	pool, err := counter.Pool(ctx, newPool(t))
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	store := supplierpg.New(pool)
	for pass, id := range []string{"warm-up", "s1"} {
		got := map[string]int64{}
		for _, op := range []struct {
			name string
			call func() error
		}{
			{"Create", func() error { _, err := store.Create(ctx, enrolledSupplier(id, "1000.00")); return err }},
			{"Supplier", func() error { _, err := store.Supplier(ctx, id); return err }},
			{"Update", func() error {
				_, err := store.Update(ctx, id, func(s *supplier.Supplier) error { s.Company += "!"; return nil })
				return err
			}},
			{"List", func() error { _, err := store.List(ctx); return err }},
			{"PutOrderRecord", func() error {
				return store.PutOrderRecord(ctx, id, &supplier.OrderRecord{OrderID: "o-" + id, BuyerID: "b1", Value: usd("1.00"), CompletedAt: testkit.At(1)})
			}},
			{"OrderRecord", func() error { _, err := store.OrderRecord(ctx, id, "o-"+id); return err }},
			{"AddOrderRecord", func() error {
				return store.AddOrderRecord(ctx, id, &supplier.OrderRecord{OrderID: "open-" + id, BuyerID: "b1"})
			}},
			{"SupplierOf", func() error { _, err := store.SupplierOf(ctx, "o-"+id); return err }},
			{"PutInquiry", func() error { return store.PutInquiry(ctx, id, &supplier.Inquiry{ID: "q1", ReceivedAt: testkit.At(1)}) }},
			{"Inquiry", func() error { _, err := store.Inquiry(ctx, id, "q1"); return err }},
		} {
			n, err := counter.Of(op.call)
			require.NoError(t, err, op.name)
			got[op.name] = n
		}
		if pass == 1 {
			assert.Equal(t, map[string]int64{"Create": 1, "Supplier": 1, "Update": 2, "List": 1,
				"PutOrderRecord": 1, "OrderRecord": 1, "AddOrderRecord": 1, "SupplierOf": 1, "PutInquiry": 1, "Inquiry": 1}, got)
		}
	}
}

var (
	system, agent = payment.System("supplierpg"), payment.Platform("agent-1")
)

func usd(s string) payment.Money { return payment.MustParse(s, payment.USD) }

// enrolledSupplier returns an enrolled supplier with that limit.
func enrolledSupplier(id, limit string) *supplier.Supplier {
	return &supplier.Supplier{
		ID: id, Company: "Company " + id, Country: "CN", Status: supplier.StatusEnrolled,
		Limit:     supplier.Limit{Amount: usd(limit), ComputedAt: testkit.At(0)},
		CreatedAt: testkit.At(0), UpdatedAt: testkit.At(0),
	}
}

// newService returns a Service whose enrolled suppliers have a flat limit
// of USD 1000.00 once their business licence is approved.
func newService(t *testing.T, store supplier.Store, unit payment.UnitOfWork) *supplier.Service {
	t.Helper()
	rules := supplier.DefaultRules()
	zero := usd("0.00")
	rules.Required = []supplier.DocumentKind{supplier.BusinessLicence}
	rules.Limit = supplier.LimitRule{Currency: payment.USD, Base: usd("1000.00"), PerYear: zero, Max: usd("1000.00"), Step: usd("0.01")}
	svc, err := supplier.NewService(supplier.Config{Store: store, Unit: unit, Clock: &testkit.Ticking{}, Rules: &rules})
	require.NoError(t, err)
	return svc
}

// enroll registers supplier id and approves its business licence.
func enroll(t *testing.T, svc *supplier.Service, id string) {
	t.Helper()
	ctx := context.Background()
	_, err := svc.Register(ctx, agent, supplier.RegisterRequest{
		ID: id, Company: "Company " + id, Country: "CN", EstablishedOn: time.Date(2015, 6, 1, 0, 0, 0, 0, time.UTC),
	})
	require.NoError(t, err)
	_, err = svc.SubmitDocument(ctx, agent, id, supplier.Document{
		ID: "licence", Kind: supplier.BusinessLicence, Issuer: "AMR", Number: "L-1", ValidFrom: testkit.At(-24 * 365),
	})
	require.NoError(t, err)
	sup, err := svc.ReviewDocument(ctx, agent, id, "licence", true, "")
	require.NoError(t, err)
	require.True(t, sup.Enrolled())
	require.Equal(t, usd("1000.00"), sup.Limit.Amount)
}
