package orderpg_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/internal/pgtest"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/order/orderpg"
	"github.com/tradeassure/tradeassure/order/ordertest"
	"github.com/tradeassure/tradeassure/payment"
)

// TestStore runs the conformance kit with claiming off: the kit reads Due
// again and again in one test and expects the same orders each time, which
// is the order.Store contract; claiming is the store's addition, checked by
// TestDueClaims.
func TestStore(t *testing.T) {
	ordertest.TestStore(t, func(t *testing.T) order.Store {
		s, _ := newStore(t, orderpg.WithLease(0))
		return s
	})
}

func TestMigrateTwiceChangesNothing(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.Pool(t)
	require.NoError(t, orderpg.Migrate(ctx, pool))
	s := orderpg.New(pool)
	want := create(t, s, "o-1", testkit.At(1))
	require.NoError(t, orderpg.Migrate(ctx, pool), "the second run")

	var applied int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM tradeassure_migrations WHERE component = 'order'").Scan(&applied))
	files, err := filepath.Glob("migrations/*.sql")
	require.NoError(t, err)
	assert.Equal(t, len(files), applied, "each migration recorded once")
	got, err := s.Order(ctx, "o-1")
	require.NoError(t, err)
	testkit.Check(t, "the order stored before the second run", want, got)
}

// TestConstraints writes around the store, straight to the tables: the
// database refuses what would break an invariant.
func TestConstraints(t *testing.T) {
	ctx := context.Background()
	s, pool := newStore(t)
	create(t, s, "o-1", testkit.At(1))

	t.Run("every state of the machine is allowed", func(t *testing.T) {
		for _, st := range order.States() {
			_, err := pool.Exec(ctx, `UPDATE orders SET state = $1, doc = jsonb_set(doc, '{state}', to_jsonb($1::text)) WHERE id = 'o-1'`, string(st))
			assert.NoError(t, err, st)
		}
	})
	for _, c := range []struct {
		what, sql, code string
	}{
		{"paid above the total is refused", `UPDATE orders SET paid = total + 0.01 WHERE id = 'o-1'`, "23514"},
		{"a negative paid is refused", `UPDATE orders SET paid = -1 WHERE id = 'o-1'`, "23514"},
		{"a total of zero is refused", `UPDATE orders SET total = 0, paid = 0 WHERE id = 'o-1'`, "23514"},
		{"a state outside the machine is refused", `UPDATE orders SET state = 'lost', doc = jsonb_set(doc, '{state}', '"lost"') WHERE id = 'o-1'`, "23514"},
		{"a currency that is no ISO code is refused", `UPDATE orders SET currency = 'usd', doc = jsonb_set(doc, '{terms,currency}', '"usd"') WHERE id = 'o-1'`, "23514"},
		{"a state out of step with the document is refused", `UPDATE orders SET state = 'completed' WHERE id = 'o-1'`, "23514"},
		{"a version out of step with the document is refused", `UPDATE orders SET version = version + 1 WHERE id = 'o-1'`, "23514"},
		{"nanoseconds of a deadline beyond 999 are refused", `UPDATE orders SET deadline_ns = 1000 WHERE id = 'o-1'`, "23514"},
		{"an action cannot be changed", `UPDATE order_actions SET note = 'rewritten' WHERE order_id = 'o-1'`, "23000"},
		{"an action cannot be deleted", `DELETE FROM order_actions WHERE order_id = 'o-1'`, "23000"},
		{"the actions cannot be truncated", `TRUNCATE order_actions`, "23000"},
		{"a key cannot be used twice on one order", `INSERT INTO order_actions
			SELECT order_id, seq + 1, key, name, event, actor_role, actor_id, at, from_state, to_state, fingerprint, note
			FROM order_actions WHERE order_id = 'o-1'`, "23505"},
		{"an action needs its order", `INSERT INTO order_actions
			SELECT 'nope', seq, key, name, event, actor_role, actor_id, at, from_state, to_state, fingerprint, note
			FROM order_actions WHERE order_id = 'o-1'`, "23503"},
	} {
		t.Run(c.what, func(t *testing.T) {
			_, err := pool.Exec(ctx, c.sql)
			var pgErr *pgconn.PgError
			if assert.ErrorAs(t, err, &pgErr) {
				assert.Equal(t, c.code, pgErr.Code, pgErr.Message)
			}
		})
	}
	var actions int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM order_actions WHERE order_id = 'o-1'").Scan(&actions))
	assert.Equal(t, 1, actions, "the create action, once and unchanged")
}

// TestTimesRoundTripAsInstants writes times with nanoseconds in a zone
// other than UTC: they read back as the same instants, the typed deadline
// columns agree with the document, and Due cuts off and orders to the
// nanosecond.
func TestTimesRoundTripAsInstants(t *testing.T) {
	ctx := context.Background()
	s, pool := newStore(t, orderpg.WithLease(0))
	shanghai := time.FixedZone("CST", 8*3600)
	base := testkit.At(10).In(shanghai)

	o := sample("o-ns", base.Add(-time.Hour))
	o.Deadline = base.Add(1500 * time.Nanosecond) // 1µs and 500ns after base
	o.UpdatedAt = base.Add(7)
	created, err := s.Create(ctx, o)
	require.NoError(t, err)
	want := o.Clone()
	want.Version = 1
	testkit.Check(t, "Create's result", want, created)
	got, err := s.Order(ctx, "o-ns")
	require.NoError(t, err)
	testkit.Check(t, "Order", want, got)
	columnsAgree(t, pool, "o-ns")

	create(t, s, "o-early", base.Add(-time.Hour)) // deadline base+1µs exactly: sorts before o-ns
	_, err = s.Update(ctx, "o-early", func(o *order.Order) error {
		o.Deadline = base.Add(time.Microsecond)
		return nil
	})
	require.NoError(t, err)
	columnsAgree(t, pool, "o-early")
	for _, c := range []struct {
		before time.Time
		want   []string
	}{
		{base.Add(time.Microsecond - 1), nil},
		{base.Add(time.Microsecond), []string{"o-early"}},
		{base.Add(1499 * time.Nanosecond), []string{"o-early"}},
		{base.Add(1500 * time.Nanosecond), []string{"o-early", "o-ns"}},
	} {
		due, err := s.Due(ctx, c.before, 10)
		require.NoError(t, err)
		testkit.Check(t, fmt.Sprintf("Due(base+%v)", c.before.Sub(base)), c.want, ids(due))
	}
}

// TestHistoryIsAppendOnly: the actions an update appends are inserted
// beside the order; an update that rewrites the history, or reuses a key,
// writes nothing.
// appendAction appends a to o's history, as the service does (a History
// never changes: it is replaced).
func appendAction(o *order.Order, a order.Action) {
	o.History = order.NewHistory(append(o.History.Actions(), a)...)
}

func TestHistoryIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	s, pool := newStore(t)
	before := create(t, s, "o-1", testkit.At(1))
	next := func(o *order.Order, key string) order.Action {
		return order.Action{Seq: o.History.Len() + 1, Name: "track", By: payment.Supplier(o.SupplierID), At: o.UpdatedAt,
			From: o.State, To: o.State, Key: key, Fingerprint: "fp-" + key}
	}
	for _, c := range []struct {
		what string
		fn   func(o *order.Order)
		want error
	}{
		{"rewriting an action", func(o *order.Order) {
			actions := o.History.Actions()
			actions[0].Note = "rewritten"
			o.History = order.NewHistory(actions...)
		}, order.ErrInvalidRequest},
		{"dropping an action", func(o *order.Order) { o.History = order.History{} }, order.ErrInvalidRequest},
		{"reusing a key on an action of the same name", func(o *order.Order) {
			a := next(o, o.History.At(0).Key)
			a.Name = o.History.At(0).Name
			appendAction(o, a)
		}, order.ErrIdempotencyMismatch},
		{"an action with a key and a reference", func(o *order.Order) {
			a := next(o, "track-0")
			a.Ref = "sweep/expire"
			appendAction(o, a)
		}, order.ErrInvalidRequest},
		{"an action with neither", func(o *order.Order) { appendAction(o, next(o, "")) }, order.ErrInvalidRequest},
		{"changing the id", func(o *order.Order) { o.ID = "o-2" }, order.ErrInvalidRequest},
	} {
		_, err := s.Update(ctx, "o-1", func(o *order.Order) error {
			c.fn(o)
			return nil
		})
		testkit.WantErr(t, c.what, err, c.want)
	}
	got, err := s.Order(ctx, "o-1")
	require.NoError(t, err)
	testkit.Check(t, "the order after the refused updates", before, got)

	updated, err := s.Update(ctx, "o-1", func(o *order.Order) error {
		appendAction(o, next(o, "track-1"))
		appendAction(o, next(o, "track-2"))
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, 3, updated.History.Len())
	rows, err := pool.Query(ctx, "SELECT key FROM order_actions WHERE order_id = 'o-1' ORDER BY seq")
	require.NoError(t, err)
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	assert.Equal(t, []string{"o-1", "track-1", "track-2"}, keys)

	dup := sample("o-dup", testkit.At(1))
	reused := next(dup, dup.History.At(0).Key)
	reused.Name = dup.History.At(0).Name
	appendAction(dup, reused)
	_, err = s.Create(ctx, dup)
	testkit.WantErr(t, "Create with a history that uses a key twice", err, order.ErrIdempotencyMismatch)
	_, err = s.Order(ctx, "o-dup")
	testkit.WantErr(t, "the refused order", err, order.ErrNotFound)
}

// TestDueUsesTheIndex checks the plans of Due's statements, with and
// without claiming, on a table of 10,000 orders that are not due and 1,000
// that are: asked for fewer than are due, Due walks the index in its order
// and stops at the limit; asked for all of them, it reads the due part of
// the index and sorts it. It never scans the table.
func TestDueUsesTheIndex(t *testing.T) {
	ctx := context.Background()
	var last lastQuery
	pool := tracedPool(t, &last)
	now := testkit.At(0)
	create(t, orderpg.New(pool), "template", now.Add(-100*time.Hour)) // no deadline
	// Copies of the template, with ids and deadlines of their own in the
	// column and the document alike.
	insert := func(prefix string, n int, offset string) {
		t.Helper()
		_, err := pool.Exec(ctx, `INSERT INTO orders (id, buyer_id, supplier_id, state, currency, total, paid, deadline, deadline_ns, version, created_at, updated_at, doc)
			SELECT x.id, buyer_id, supplier_id, state, currency, total, paid, x.deadline, 0, version, created_at, updated_at,
				doc || jsonb_build_object('id', x.id, 'deadline', x.deadline)
			FROM orders, LATERAL (SELECT $1 || lpad(i::text, 6, '0') AS id, $3::timestamptz + (1 + i % 5000) * $4::interval AS deadline
				FROM generate_series(1, $2) AS i) AS x
			WHERE orders.id = 'template'`, prefix, n, now, offset)
		require.NoError(t, err)
	}
	insert("later-", 10_000, "1 minute")
	insert("due-", 1_000, "-1 second")
	_, err := pool.Exec(ctx, "ANALYZE orders")
	require.NoError(t, err)

	for _, c := range []struct {
		what  string
		lease time.Duration
		limit int
		scan  string
	}{
		{"100 without claiming", 0, 100, "Index Scan using orders_due on orders"},
		{"100 with claiming", time.Minute, 100, "Index Scan using orders_due on orders"},
		{"all without claiming", 0, 2_000, "Bitmap Index Scan on orders_due"},
		{"all with claiming", time.Minute, 2_000, "Bitmap Index Scan on orders_due"},
	} {
		t.Run(c.what, func(t *testing.T) {
			due, err := orderpg.New(pool, orderpg.WithLease(c.lease)).Due(ctx, now, c.limit)
			require.NoError(t, err)
			assert.Len(t, due, min(c.limit, 1_000))
			assert.True(t, slices.IsSortedFunc(due, func(a, b *order.Order) int { return a.Deadline.Compare(b.Deadline) }), "earliest first")
			q := last.Load()
			if c.lease > 0 {
				_, err := pool.Exec(ctx, "UPDATE orders SET claimed_until = NULL WHERE claimed_until IS NOT NULL") // for the next case
				require.NoError(t, err)
			}
			rows, err := pool.Query(ctx, "EXPLAIN "+q.SQL, q.Args...)
			require.NoError(t, err)
			lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
			require.NoError(t, err)
			plan := strings.Join(lines, "\n")
			assert.Contains(t, plan, c.scan, "Due reads the index")
			assert.NotContains(t, plan, "Seq Scan", "Due scans no table")
			if c.limit < 1_000 {
				assert.NotContains(t, plan, "Sort", "the index gives the order")
			}
			t.Logf("the plan of Due for %s:\n%s", c.what, plan)
		})
	}
}

// TestDueClaims checks claiming: what Due returns to one worker, it
// returns to no other until the lease runs out or the order is written.
func TestDueClaims(t *testing.T) {
	ctx := context.Background()
	now := testkit.At(0)

	t.Run("concurrent Due calls never return the same order", func(t *testing.T) {
		s, _ := newStore(t)
		const due, workers, batch = 200, 8, 7
		for i := range due {
			createDue(t, s, fmt.Sprintf("due-%03d", i), now.Add(-time.Duration(1+i%13)*time.Minute))
		}
		createDue(t, s, "later", now.Add(time.Minute))
		var mu sync.Mutex
		seen := map[string]int{}
		var calls atomic.Int64
		testkit.Together(workers, func(int) {
			for {
				got, err := s.Due(ctx, now, batch)
				calls.Add(1)
				if err != nil || len(got) == 0 {
					assert.NoError(t, err)
					return
				}
				mu.Lock()
				for _, o := range got {
					seen[o.ID]++
				}
				mu.Unlock()
			}
		})
		assert.Len(t, seen, due, "every due order, and only those")
		for id, n := range seen {
			if n != 1 || !strings.HasPrefix(id, "due-") {
				t.Errorf("order %s returned %d times", id, n)
			}
		}
		t.Logf("%d workers took %d orders in %d calls", workers, due, calls.Load())

		// Two calls at once, each asking for more than there is.
		s2, _ := newStore(t)
		for i := range 50 {
			createDue(t, s2, fmt.Sprintf("o-%02d", i), now.Add(-time.Minute))
		}
		var a, b []*order.Order
		testkit.Together(2, func(i int) {
			got, err := s2.Due(ctx, now, 100)
			assert.NoError(t, err)
			if i == 0 {
				a = got
			} else {
				b = got
			}
		})
		both := append(ids(a), ids(b)...)
		slices.Sort(both)
		assert.Len(t, slices.Compact(both), 50, "the two calls share no order and miss none")
		assert.Len(t, both, 50)
	})

	t.Run("an order whose lease ran out comes back", func(t *testing.T) {
		const lease = 200 * time.Millisecond
		s, _ := newStore(t, orderpg.WithLease(lease))
		createDue(t, s, "o-1", now.Add(-time.Minute))
		first, err := s.Due(ctx, now, 10)
		require.NoError(t, err)
		assert.Equal(t, []string{"o-1"}, ids(first))
		again, err := s.Due(ctx, now, 10)
		require.NoError(t, err)
		assert.Empty(t, again, "claimed while the lease runs")
		time.Sleep(lease + 50*time.Millisecond)
		after, err := s.Due(ctx, now, 10)
		require.NoError(t, err)
		assert.Equal(t, []string{"o-1"}, ids(after), "the worker that claimed it never wrote it")
	})

	t.Run("a write of the order clears its claim", func(t *testing.T) {
		s, _ := newStore(t)
		createDue(t, s, "o-1", now.Add(-time.Minute))
		claimed, err := s.Due(ctx, now, 10)
		require.NoError(t, err)
		require.Len(t, claimed, 1)
		_, err = s.Update(ctx, "o-1", func(o *order.Order) error {
			o.UpdatedAt = o.UpdatedAt.Add(time.Second) // still due
			return nil
		})
		require.NoError(t, err)
		again, err := s.Due(ctx, now, 10)
		require.NoError(t, err)
		assert.Equal(t, []string{"o-1"}, ids(again))
	})

	t.Run("a claim between an update's read and its write is no conflict", func(t *testing.T) {
		s, _ := newStore(t)
		createDue(t, s, "o-1", now.Add(-time.Minute))
		updated, err := s.Update(ctx, "o-1", func(o *order.Order) error {
			claimed, err := s.Due(ctx, now, 10)
			if err == nil && len(claimed) != 1 {
				err = errors.New("Due claimed nothing")
			}
			o.Deadline = time.Time{}
			return err
		})
		require.NoError(t, err)
		assert.Equal(t, int64(2), updated.Version, "a claim does not advance the version")
	})
}

// newStore returns a store on a schema of its own, migrated.
func newStore(t testing.TB, opts ...orderpg.Option) (*orderpg.Store, *pgxpool.Pool) {
	t.Helper()
	pool := pgtest.Pool(t)
	require.NoError(t, orderpg.Migrate(context.Background(), pool))
	return orderpg.New(pool, opts...), pool
}

// lastQuery is a pgx tracer that keeps the last statement a pool sent.
type lastQuery struct {
	atomic.Pointer[pgx.TraceQueryStartData]
}

func (l *lastQuery) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	l.Store(&d)
	return ctx
}

func (*lastQuery) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// tracedPool returns a pool on a schema of its own, migrated, whose
// statements tracer sees.
func tracedPool(t testing.TB, tracer pgx.QueryTracer) *pgxpool.Pool {
	t.Helper()
	cfg := pgtest.Pool(t).Config()
	cfg.ConnConfig.Tracer = tracer
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close) // before pgtest drops the schema
	require.NoError(t, orderpg.Migrate(context.Background(), pool))
	return pool
}

// sample returns a valid order in state AwaitingPayment, created at
// created, with its create action in the history and no deadline.
func sample(id string, created time.Time) *order.Order {
	o, err := order.NewDraft(id, payment.Supplier("s-1"), "b-1", order.Terms{
		Items:    []order.LineItem{{SKU: "CHAIR-01", Description: "Oak chair", Quantity: 2, Unit: "pieces", UnitPrice: payment.MustParse("150.00", payment.USD)}},
		Currency: payment.USD, Incoterm: order.CIF, ShippingCost: payment.MustParse("100.00", payment.USD), Destination: "DE",
		ShipBy: created.AddDate(0, 0, 30), DeliverBy: created.AddDate(0, 0, 60), ProductionDays: 20,
		Plan: coverage.PostDelivery, Schedule: order.Schedule{DepositPercent: 30},
	}, created)
	if err != nil {
		panic(err)
	}
	o.State = order.AwaitingPayment
	o.History = order.NewHistory(order.Action{Seq: 1, Name: "create", By: payment.Supplier("s-1"), At: created, From: order.Draft, To: order.Draft, Key: id, Fingerprint: "fp"})
	o.Payments = []order.TranchePayment{{Tranche: payment.Deposit, PaymentID: "pay-" + id, Amount: payment.MustParse("120.00", payment.USD),
		Status: payment.StatusSucceeded, PaidAt: created.Add(time.Hour)}}
	return o
}

// create stores sample(id, created) and returns it as stored.
func create(t testing.TB, s *orderpg.Store, id string, created time.Time) *order.Order {
	t.Helper()
	o, err := s.Create(context.Background(), sample(id, created))
	require.NoError(t, err)
	return o
}

// createDue stores an order due at deadline.
func createDue(t testing.TB, s *orderpg.Store, id string, deadline time.Time) {
	t.Helper()
	o := sample(id, deadline.Add(-time.Hour))
	o.Deadline = deadline
	_, err := s.Create(context.Background(), o)
	require.NoError(t, err)
}

// columnsAgree checks that the typed columns of order id say what its
// document does.
func columnsAgree(t *testing.T, pool *pgxpool.Pool, id string) {
	t.Helper()
	ctx := context.Background()
	var (
		deadline         *time.Time
		ns               int16
		total, paid      decimal.Decimal
		created, updated time.Time
		currency, amount string
	)
	require.NoError(t, pool.QueryRow(ctx, `SELECT deadline, deadline_ns, total::text, paid::text, currency, created_at, updated_at,
			jsonb_typeof(doc->'payments'->0->'amount'->'amount')
		FROM orders WHERE id = $1`, id).Scan(&deadline, &ns, &total, &paid, &currency, &created, &updated, &amount))
	o, err := orderpg.New(pool).Order(ctx, id)
	require.NoError(t, err)
	if assert.NotNil(t, deadline, "%s: the deadline column", id) {
		assert.True(t, deadline.Add(time.Duration(ns)).Equal(o.Deadline), "%s: the columns say %v and %dns, the document %v", id, *deadline, ns, o.Deadline)
	}
	orderTotal, err := o.Total()
	require.NoError(t, err)
	assert.True(t, total.Equal(orderTotal.Amount()), "%s: total %v, the document's %v", id, total, orderTotal)
	assert.True(t, paid.Equal(o.Paid().Amount()), "%s: paid %v, the document's %v", id, paid, o.Paid())
	assert.Equal(t, string(o.Terms.Currency), currency)
	assert.True(t, created.Equal(o.CreatedAt.Truncate(time.Microsecond)), "%s: created_at", id)
	assert.True(t, updated.Equal(o.UpdatedAt.Truncate(time.Microsecond)), "%s: updated_at", id)
	assert.Equal(t, "string", amount, "%s: money is an exact string in the document, never a JSON number", id)
}

func ids(list []*order.Order) []string {
	var out []string
	for _, o := range list {
		out = append(out, o.ID)
	}
	return out
}
