package disputepg_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/dispute"
	"github.com/tradeassure/tradeassure/dispute/disputepg"
	"github.com/tradeassure/tradeassure/dispute/disputetest"
	"github.com/tradeassure/tradeassure/internal/pg"
	"github.com/tradeassure/tradeassure/internal/pgtest"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
)

// newPool returns a pool on a fresh schema, migrated.
func newPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool := pgtest.Pool(t)
	require.NoError(t, disputepg.Migrate(context.Background(), pool))
	return pool
}

func TestStore(t *testing.T) {
	disputetest.TestStore(t, func(t *testing.T) dispute.Store { return disputepg.New(newPool(t)) })
}

func TestMigrateTwiceChangesNothing(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	_, err := disputepg.New(pool).Create(ctx, newCase("c1", testkit.At(1), photo("e1", 'a')))
	require.NoError(t, err)
	require.NoError(t, disputepg.Migrate(ctx, pool), "a second Migrate")
	var applied, cases, evidence int
	require.NoError(t, pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM tradeassure_migrations WHERE component = 'dispute'),
		(SELECT count(*) FROM cases), (SELECT count(*) FROM case_evidence)`).Scan(&applied, &cases, &evidence))
	assert.Equal(t, []int{1, 1, 1}, []int{applied, cases, evidence}, "migrations recorded, cases and evidence kept")
}

func TestEvidenceIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	store := disputepg.New(pool)
	_, err := store.Create(ctx, newCase("c1", testkit.At(1), photo("e1", 'a'), photo("e2", 'b')))
	require.NoError(t, err)

	t.Run("the database refuses to change or remove an item", func(t *testing.T) {
		for _, sql := range []string{
			"UPDATE case_evidence SET uri = 'https://files.example.com/other.jpg' WHERE evidence_id = 'e1'",
			"UPDATE case_evidence SET sha256 = repeat('f', 64)",
			"DELETE FROM case_evidence WHERE evidence_id = 'e2'",
			"TRUNCATE case_evidence",
		} {
			_, err := pool.Exec(ctx, sql)
			wantCode(t, sql, err, "23000")
		}
		assert.Equal(t, []string{"e1:" + digest('a'), "e2:" + digest('b')}, evidenceRows(t, pool, "c1"))
	})
	t.Run("the store refuses an update that changes or removes an item", func(t *testing.T) {
		for what, fn := range map[string]func(*dispute.Case){
			"changed": func(c *dispute.Case) { c.Evidence[0].Description = "edited" },
			"removed": func(c *dispute.Case) { c.Evidence = c.Evidence[1:] },
			"replaced": func(c *dispute.Case) {
				c.Evidence = []dispute.Evidence{c.Evidence[0], photo("e3", 'c')}
			},
		} {
			_, err := store.Update(ctx, "c1", func(c *dispute.Case) error { fn(c); return nil })
			assert.ErrorIs(t, err, dispute.ErrInvalidRequest, what)
		}
		got, err := store.Case(ctx, "c1")
		require.NoError(t, err)
		assert.Equal(t, int64(1), got.Version)
	})
	t.Run("an update that adds items inserts their rows with the case", func(t *testing.T) {
		_, err := store.Update(ctx, "c1", func(c *dispute.Case) error {
			c.Evidence = append(c.Evidence, photo("e3", 'c'), photo("e4", 'D'))
			return nil
		})
		require.NoError(t, err)
		assert.Equal(t, []string{"e1:" + digest('a'), "e2:" + digest('b'), "e3:" + digest('c'), "e4:" + digest('D')}, evidenceRows(t, pool, "c1"))
	})
	t.Run("an item whose id is taken is refused with the case", func(t *testing.T) {
		_, err := store.Update(ctx, "c1", func(c *dispute.Case) error {
			c.Evidence = append(c.Evidence, photo("e1", 'e'))
			return nil
		})
		wantCode(t, "a second e1", err, "23505")
		got, err := store.Case(ctx, "c1")
		require.NoError(t, err)
		assert.Len(t, got.Evidence, 4)
	})
}

func TestABadDigestIsRefused(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	store := disputepg.New(pool)
	for _, sha := range []string{"", "scribbled", digest('a')[1:], digest('g'), digest('a') + "0"} {
		t.Run(fmt.Sprintf("%q", sha), func(t *testing.T) {
			id := "c-" + sha
			bad := photo("e1", 'a')
			bad.SHA256 = sha
			_, err := store.Create(ctx, newCase(id, testkit.At(1), bad))
			wantCode(t, "Create", err, "23514")
			_, err = store.Case(ctx, id)
			assert.ErrorIs(t, err, dispute.ErrNotFound, "the case was not stored without its evidence")

			_, err = store.Create(ctx, newCase(id, testkit.At(1)))
			require.NoError(t, err)
			_, err = store.Update(ctx, id, func(c *dispute.Case) error {
				c.Evidence = append(c.Evidence, bad)
				return nil
			})
			wantCode(t, "Update", err, "23514")
		})
	}
}

func TestColumnsFollowTheCase(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	store := disputepg.New(pool)
	for _, state := range dispute.States() {
		c := newCase("c-"+string(state), time.Time{})
		c.State = state
		_, err := store.Create(ctx, c)
		assert.NoError(t, err, "a case in state %s", state)
	}
	for what, c := range map[string]*dispute.Case{
		"an unknown state":  {ID: "x1", OrderID: "o", State: "lost", Amount: usd("1.00")},
		"a zero amount":     {ID: "x2", OrderID: "o", State: dispute.Negotiating, Amount: usd("0.00")},
		"a negative amount": {ID: "x3", OrderID: "o", State: dispute.Negotiating, Amount: usd("-1.00")},
	} {
		_, err := store.Create(ctx, c)
		wantCode(t, what, err, "23514")
	}
	_, err := store.Create(ctx, &dispute.Case{ID: "x4", OrderID: "o", State: dispute.Negotiating})
	assert.ErrorIs(t, err, dispute.ErrInvalidRequest, "an amount without a currency")

	deadline := time.Date(2026, 3, 1, 9, 0, 0, 123456789, time.FixedZone("CST", 8*3600))
	c := newCase("c1", deadline)
	c.Amount = payment.MustParse("1234.567", payment.KWD)
	_, err = store.Create(ctx, c)
	require.NoError(t, err)
	var state, amount, currency, at string
	var ns int16
	require.NoError(t, pool.QueryRow(ctx, `SELECT state, amount::text, currency,
		to_char(deadline AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), deadline_ns FROM cases WHERE id = 'c1'`).
		Scan(&state, &amount, &currency, &at, &ns))
	assert.Equal(t, []any{"negotiating", "1234.567", "KWD", "2026-03-01 01:00:00.123456", int16(789)}, []any{state, amount, currency, at, ns})
	got, err := store.Case(ctx, "c1")
	require.NoError(t, err)
	want := c.Clone()
	want.Version = 1
	testkit.Check(t, "the case read back, to the nanosecond", want, got)
}

func TestDueToTheNanosecond(t *testing.T) {
	ctx := context.Background()
	store := disputepg.New(newPool(t))
	at := testkit.At(1).Add(123456789 * time.Nanosecond)
	for id, deadline := range map[string]time.Time{"c-1ns-before": at.Add(-time.Nanosecond), "c-at": at, "c-1ns-after": at.Add(time.Nanosecond)} {
		_, err := store.Create(ctx, newCase(id, deadline))
		require.NoError(t, err)
	}
	for _, tc := range []struct {
		before time.Time
		want   []string
	}{
		{at.Add(-2 * time.Nanosecond), nil},
		{at.Add(-time.Nanosecond), []string{"c-1ns-before"}},
		{at, []string{"c-1ns-before", "c-at"}},
		{at.Add(time.Nanosecond), []string{"c-1ns-before", "c-at", "c-1ns-after"}},
		{at.Add(time.Microsecond), []string{"c-1ns-before", "c-at", "c-1ns-after"}},
	} {
		due, err := store.Due(ctx, tc.before, 10)
		require.NoError(t, err)
		var got []string
		for _, c := range due {
			got = append(got, c.ID)
		}
		assert.Equal(t, tc.want, got, "Due(%s)", tc.before.Format(time.RFC3339Nano))
	}
}

// TestDueReadsTheIndex plans Due, the statement the store sends, over many
// cases of which few are due: it reads the index cases_due, only as far as
// the due cases go, and needs no sort.
func TestDueReadsTheIndex(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	const due, later, none = 20, 5000, 5000
	_, err := pool.Exec(ctx, `INSERT INTO cases (id, version, order_id, state, amount, currency, deadline, deadline_ns, doc)
		SELECT 'c' || i, 1, 'o', 'negotiating', 1, 'USD',
			CASE WHEN i <= $1::int + $2::int THEN $4::timestamptz + i * interval '1 minute' END,
			CASE WHEN i <= $1::int + $2::int THEN 0 END, '{}'
		FROM generate_series(1, $1::int + $2::int + $3::int) AS i`, due, later, none, testkit.At(0))
	require.NoError(t, err)
	_, err = pool.Exec(ctx, "ANALYZE cases")
	require.NoError(t, err)

	var sql sqlTracer
	cfg := pool.Config()
	cfg.ConnConfig.Tracer = &sql
	traced, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(traced.Close)
	got, err := disputepg.New(traced).Due(ctx, testkit.At(0).Add(due*time.Minute), 100)
	require.NoError(t, err)
	require.Len(t, got, due)

	var plan []struct{ Plan node }
	require.NoError(t, pool.QueryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+sql.sql, sql.args...).Scan(&plan))
	require.Len(t, plan, 1)
	var scans []node
	var walk func(n node)
	walk = func(n node) {
		assert.NotEqual(t, "Sort", n.NodeType, "Due sorts")
		assert.NotEqual(t, "Seq Scan", n.NodeType, "Due reads the whole table")
		if n.IndexName != "" {
			scans = append(scans, n)
		}
		for _, p := range n.Plans {
			walk(p)
		}
	}
	walk(plan[0].Plan)
	if assert.Len(t, scans, 1, "index scans") {
		assert.Equal(t, "cases_due", scans[0].IndexName)
		assert.Equal(t, float64(due), scans[0].ActualRows, "rows read from the index: only the due ones")
	}
	if t.Failed() {
		out, _ := json.MarshalIndent(plan, "", "  ")
		t.Logf("%s\n%s", sql.sql, out)
	}
}

// node is a node of a JSON query plan.
type node struct {
	NodeType   string  `json:"Node Type"`
	IndexName  string  `json:"Index Name"`
	ActualRows float64 `json:"Actual Rows"`
	Plans      []node  `json:"Plans"`
}

// sqlTracer keeps the last statement sent and its arguments.
type sqlTracer struct {
	sql  string
	args []any
}

func (s *sqlTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	s.sql, s.args = data.SQL, data.Args
	return ctx
}

func (s *sqlTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TestRoundTrips counts the statements of each operation once pgx has
// prepared them on the connection: each is one round trip.
func TestRoundTrips(t *testing.T) {
	ctx := context.Background()
	var counter pg.QueryCounter
	pool, err := counter.Pool(ctx, newPool(t))
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	store := disputepg.New(pool)
	want := map[string]int64{"Create": 1, "Case": 1, "Update": 2, "Update adding evidence": 2, "Due": 1}
	for _, id := range []string{"warm-up", "c1"} {
		ops := map[string]func() error{
			"Create": func() error { _, err := store.Create(ctx, newCase(id, testkit.At(1), photo("e1", 'a'))); return err },
			"Case":   func() error { _, err := store.Case(ctx, id); return err },
			"Update": func() error {
				_, err := store.Update(ctx, id, func(c *dispute.Case) error { c.Description += "!"; return nil })
				return err
			},
			"Update adding evidence": func() error {
				_, err := store.Update(ctx, id, func(c *dispute.Case) error {
					c.Evidence = append(c.Evidence, photo("e2", 'b'))
					return nil
				})
				return err
			},
			"Due": func() error { _, err := store.Due(ctx, testkit.At(2), 10); return err },
		}
		for _, name := range []string{"Create", "Case", "Update", "Update adding evidence", "Due"} {
			n, err := counter.Of(ops[name])
			require.NoError(t, err, name)
			if id != "warm-up" {
				assert.Equal(t, want[name], n, "statements of %s", name)
			}
		}
	}
}

// newCase returns a case in negotiation with the evidence and deadline
// (none when zero).
func newCase(id string, deadline time.Time, evidence ...dispute.Evidence) *dispute.Case {
	return &dispute.Case{
		ID: id, OrderID: "o-" + id, BuyerID: "b1", SupplierID: "s1", Claimant: payment.Buyer("b1"),
		Reason: dispute.QualityNotAsAgreed, Amount: usd("250.00"), Covered: usd("400.00"), State: dispute.Negotiating,
		Evidence: evidence, OpenedAt: testkit.At(0), StateSince: testkit.At(0), UpdatedAt: testkit.At(0), Deadline: deadline,
	}
}

func photo(id string, d byte) dispute.Evidence {
	return dispute.Evidence{ID: id, Kind: dispute.Photo, SubmittedBy: payment.Buyer("b1"), At: testkit.At(0),
		URI: "https://files.example.com/" + id + ".jpg", SHA256: digest(d)}
}

func digest(d byte) string { return strings.Repeat(string(d), 64) }

func usd(s string) payment.Money { return payment.MustParse(s, payment.USD) }

// evidenceRows returns the case's evidence rows as "id:sha256", by id.
func evidenceRows(t *testing.T, pool *pgxpool.Pool, caseID string) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), "SELECT evidence_id || ':' || sha256 FROM case_evidence WHERE case_id = $1 ORDER BY evidence_id", caseID)
	require.NoError(t, err)
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return got
}

// wantCode reports unless err is a PostgreSQL error with that SQLSTATE.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	var pgErr *pgconn.PgError
	if assert.ErrorAs(t, err, &pgErr, what) {
		assert.Equal(t, code, pgErr.Code, "%s: %v", what, err)
	}
}
