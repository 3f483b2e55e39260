package escrowpg_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/escrow/escrowpg"
	"github.com/tradeassure/tradeassure/escrow/escrowtest"
	"github.com/tradeassure/tradeassure/internal/pgtest"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/payment/paymentpg"
)

// newPool returns a pool on a schema of its own, migrated.
func newPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool := pgtest.Pool(t)
	require.NoError(t, escrowpg.Migrate(context.Background(), pool))
	return pool
}

func TestStore(t *testing.T) {
	escrowtest.TestStore(t, func(t *testing.T) (escrow.Store, payment.UnitOfWork) {
		pool := newPool(t)
		return escrowpg.New(pool), paymentpg.Unit(pool)
	})
}

func TestMigrateTwiceIsANoOp(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	store := escrowpg.New(pool)
	_, err := store.Create(ctx, &escrow.Account{ID: "o1", BuyerID: "b", SupplierID: "s", Currency: payment.USD})
	require.NoError(t, err)

	require.NoError(t, escrowpg.Migrate(ctx, pool), "a second Migrate")
	var applied int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM tradeassure_migrations WHERE component = 'escrow'").Scan(&applied))
	files, err := fs.Glob(escrowpg.Migrations(), "migrations/*.sql")
	require.NoError(t, err)
	assert.Equal(t, len(files), applied, "each migration recorded once")
	a, err := store.Account(ctx, "o1")
	require.NoError(t, err, "the account survives")
	assert.Equal(t, int64(1), a.Version)
}

// funded opens account id on s through a Service and holds 100.00 in it,
// then releases 30.00 with a fee, so that it has entries and records of
// every kind of movement the checks below touch.
func funded(t *testing.T, s escrow.Store, pool *pgxpool.Pool, id string) *escrow.Account {
	t.Helper()
	ctx := context.Background()
	svc := newService(t, s, pool)
	_, err := svc.Open(ctx, system, escrow.OpenRequest{OrderID: id, BuyerID: "buyer-1", SupplierID: "supplier-1", Currency: payment.USD})
	require.NoError(t, err)
	_, err = svc.Hold(ctx, system, id, "h1", escrow.HoldRequest{Amount: usd("100.00"), PaymentID: "pay-1"})
	require.NoError(t, err)
	_, err = svc.Release(ctx, system, id, "r1", escrow.ReleaseRequest{Amount: usd("30.00")})
	require.NoError(t, err)
	a, err := s.Account(ctx, id)
	require.NoError(t, err)
	require.Len(t, a.Entries, 3)
	return a
}

// refused runs sql in a transaction that it rolls back, and checks that
// the database refuses it with SQLSTATE code, naming constraint when set.
func refused(t *testing.T, pool *pgxpool.Pool, code, constraint, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, sql, args...)
		if err == nil {
			return errors.New("accepted")
		}
		return err
	})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		t.Errorf("%s: got %v, want SQLSTATE %s", sql, err, code)
		return
	}
	assert.Equal(t, code, pgErr.Code, "%s: %v", sql, pgErr)
	if constraint != "" {
		assert.Equal(t, constraint, pgErr.ConstraintName, "%s: %v", sql, pgErr)
	}
}

func TestLedgerAndRecordsAreInsertOnly(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	s := escrowpg.New(pool)
	before := funded(t, s, pool, "o1")
	const restrict = "23001" // restrict_violation, raised by escrow_insert_only
	for _, sql := range []string{
		"UPDATE escrow_entries SET amount = amount * 2",
		"UPDATE escrow_entries SET memo = 'edited' WHERE seq = 2",
		"DELETE FROM escrow_entries WHERE seq = 3",
		"TRUNCATE escrow_entries",
		"UPDATE escrow_operations SET fingerprint = 'forged'",
		"DELETE FROM escrow_operations",
		"TRUNCATE escrow_operations",
	} {
		t.Run(sql, func(t *testing.T) { refused(t, pool, restrict, "", sql) })
	}
	after, err := s.Account(ctx, "o1")
	require.NoError(t, err)
	testkit.Check(t, "the account after the refused statements", before, after)
}

func TestDatabaseRefusesWhatNoLedgerAllows(t *testing.T) {
	pool := newPool(t)
	s := escrowpg.New(pool)
	funded(t, s, pool, "o1") // 70.00 left in escrow, entries 1 to 3
	const insert = `INSERT INTO escrow_entries (account_id, seq, from_ledger, to_ledger, amount, currency, key, ref, memo,
		actor_role, actor_id, at) VALUES ($1, $2, $3, $4, $5, $6, 'k', '', '', 'system', 'sql', now())`
	const checkViolation, foreignKey, unique = "23514", "23503", "23505"
	for _, tc := range []struct {
		name, code, constraint string
		args                   []any
	}{
		{"a refund of more than escrow holds", checkViolation, "escrow_never_negative",
			[]any{"o1", 4, "escrow", "buyer_refund", "70.01", "USD"}},
		{"an entry that skips a sequence number", checkViolation, "",
			[]any{"o1", 5, "buyer_funding", "escrow", "1.00", "USD"}},
		{"an entry that repeats a sequence number", checkViolation, "",
			[]any{"o1", 3, "buyer_funding", "escrow", "1.00", "USD"}},
		{"an entry in another currency than its account's", foreignKey, "escrow_entries_account_id_currency_fkey",
			[]any{"o1", 4, "buyer_funding", "escrow", "1.00", "EUR"}},
		{"money moved from a refund back into escrow", checkViolation, "escrow_entries_movement",
			[]any{"o1", 4, "buyer_refund", "escrow", "1.00", "USD"}},
		{"money recovered for the guarantee put back into escrow", checkViolation, "escrow_entries_movement",
			[]any{"o1", 4, "recovery", "escrow", "1.00", "USD"}},
		{"the guarantee paying the supplier directly", checkViolation, "escrow_entries_movement",
			[]any{"o1", 4, "guarantee", "supplier_payable", "1.00", "USD"}},
		{"escrow paid back to the guarantee", checkViolation, "escrow_entries_movement",
			[]any{"o1", 4, "escrow", "guarantee", "1.00", "USD"}},
		{"an unknown ledger", checkViolation, "escrow_entries_movement",
			[]any{"o1", 4, "escrow", "elsewhere", "1.00", "USD"}},
		{"a zero amount", checkViolation, "escrow_entries_amount_positive",
			[]any{"o1", 4, "buyer_funding", "escrow", "0", "USD"}},
		{"a negative amount", checkViolation, "escrow_entries_amount_positive",
			[]any{"o1", 4, "escrow", "buyer_refund", "-1.00", "USD"}},
		{"an entry of an account that does not exist", checkViolation, "",
			[]any{"o2", 1, "buyer_funding", "escrow", "1.00", "USD"}},
	} {
		t.Run(tc.name, func(t *testing.T) { refused(t, pool, tc.code, tc.constraint, insert, tc.args...) })
	}
	t.Run("a refund of all that escrow holds is accepted", func(t *testing.T) {
		ctx := context.Background()
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		defer tx.Rollback(ctx) //nolint:errcheck // the check leaves nothing behind
		_, err = tx.Exec(ctx, insert, "o1", 4, "escrow", "buyer_refund", "70.00", "USD")
		require.NoError(t, err)
		var after, inEscrow decimal.Decimal
		var entries int64
		require.NoError(t, tx.QueryRow(ctx, `SELECT e.escrow_after, a.in_escrow, a.entries FROM escrow_entries e
			JOIN escrow_accounts a ON a.id = e.account_id WHERE e.account_id = 'o1' AND e.seq = 4`).Scan(&after, &inEscrow, &entries))
		assert.True(t, after.IsZero() && inEscrow.IsZero(), "escrow after the refund: %v, in the account %v", after, inEscrow)
		assert.Equal(t, int64(4), entries)
	})
	const restrict = "23001" // restrict_violation, raised by escrow_accounts_totals
	for _, sql := range []string{
		"UPDATE escrow_accounts SET in_escrow = in_escrow + 1000",
		"UPDATE escrow_accounts SET entries = 0",
		`INSERT INTO escrow_accounts VALUES ('o3', 'b', 's', 'USD', false, '', '', '', false, now(), now(), 1, 0, 1000)`,
	} {
		t.Run("the running totals moved by hand: "+sql, func(t *testing.T) { refused(t, pool, restrict, "", sql) })
	}
	for _, tc := range []struct{ name, constraint, sql string }{
		{"a currency code in lower case", "escrow_accounts_currency_code",
			`INSERT INTO escrow_accounts VALUES ('o3', 'b', 's', 'usd', false, '', '', '', false, now(), now(), 1)`},
		{"a version below 1", "escrow_accounts_version_positive",
			`INSERT INTO escrow_accounts VALUES ('o3', 'b', 's', 'USD', false, '', '', '', false, now(), now(), 0)`},
		{"an unknown operation", "escrow_operations_op",
			`INSERT INTO escrow_operations VALUES ('o1', 3, 'k9', 'steal', '', 'system', 'sql', now(), 4, 3, '')`},
	} {
		t.Run(tc.name, func(t *testing.T) { refused(t, pool, checkViolation, tc.constraint, tc.sql) })
	}
	t.Run("a second record with a caller's key", func(t *testing.T) {
		refused(t, pool, unique, "escrow_operations_actor_key",
			`INSERT INTO escrow_operations VALUES ('o1', 3, 'h1', 'hold', '', 'system', 'escrowpg-test', now(), 4, 3, '')`)
	})
}

func TestUpdateRefusesAnythingButAppends(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	s := escrowpg.New(pool)
	before := funded(t, s, pool, "o1")
	for _, tc := range []struct {
		name   string
		change func(a *escrow.Account)
	}{
		{"an entry's memo edited", func(a *escrow.Account) { a.Entries[1].Memo = "edited" }},
		{"an entry's amount changed", func(a *escrow.Account) { a.Entries[0].Amount = usd("1000.00") }},
		{"the last entry removed", func(a *escrow.Account) { a.Entries = a.Entries[:2] }},
		{"the ledger replaced", func(a *escrow.Account) { a.Entries = nil }},
		{"a record's fingerprint changed", func(a *escrow.Account) { a.Operations[0].Fingerprint = "forged" }},
		{"a record removed", func(a *escrow.Account) { a.Operations = a.Operations[1:] }},
		{"the id changed", func(a *escrow.Account) { a.ID = "o2" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Update(ctx, "o1", func(a *escrow.Account) error {
				tc.change(a)
				a.UpdatedAt = a.UpdatedAt.Add(time.Hour)
				return nil
			})
			require.Error(t, err)
			assert.False(t, errors.Is(err, escrow.ErrConflict), "not a conflict, which a caller would retry: %v", err)
			after, err := s.Account(ctx, "o1")
			require.NoError(t, err)
			testkit.Check(t, "the account after the refused update", before, after)
		})
	}
}

func TestTimesAreKeptToTheMicrosecond(t *testing.T) {
	ctx := context.Background()
	s := escrowpg.New(newPool(t))
	at := time.Date(2026, 3, 1, 9, 0, 0, 123_456_789, time.FixedZone("CST", 8*3600))
	micro := time.Date(2026, 3, 1, 1, 0, 0, 123_456_000, time.UTC)
	created, err := s.Create(ctx, &escrow.Account{
		ID: "o1", BuyerID: "b", SupplierID: "s", Currency: payment.USD, CreatedAt: at, UpdatedAt: at,
	})
	require.NoError(t, err)
	assert.Equal(t, micro, created.CreatedAt, "Create returns what the database keeps")
	updated, err := s.Update(ctx, "o1", func(a *escrow.Account) error {
		seq := int64(len(a.Entries)) + 1
		a.Entries = append(a.Entries, escrow.Entry{Seq: seq, From: escrow.BuyerFunding, To: escrow.Escrow,
			Amount: usd("1.00"), Key: "h1", Actor: system, At: at.Add(time.Nanosecond)})
		a.Operations = append(a.Operations, escrow.Operation{Key: "h1", Op: escrow.OpHold, Actor: system,
			At: at.Add(100 * time.Nanosecond), First: seq, Last: seq})
		a.UpdatedAt = at.Add(time.Second)
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, micro, updated.Entries[0].At)
	assert.Equal(t, micro, updated.Operations[0].At)
	assert.Equal(t, micro.Add(time.Second), updated.UpdatedAt)
	read, err := s.Account(ctx, "o1")
	require.NoError(t, err)
	assert.Equal(t, updated, read, "Update returns what a read returns, to the location")
}

// counting is an escrow.Store that counts the Updates of the store under
// it and the conflicts among them.
type counting struct {
	escrow.Store
	updates, conflicts atomic.Int64
}

func (c *counting) Update(ctx context.Context, id string, fn func(*escrow.Account) error) (*escrow.Account, error) {
	c.updates.Add(1)
	a, err := c.Store.Update(ctx, id, fn)
	if errors.Is(err, escrow.ErrConflict) {
		c.conflicts.Add(1)
	}
	return a, err
}

// TestContention races 64 goroutines, each making 4 withdrawals of 1.00 in
// turn, releases and refunds, through one Service on one account holding
// 100.00. Each withdrawal is retried with its key while the Service gives
// up with ErrConflict, until it succeeds or is refused: exactly 100
// succeed, the other 156 are refused for insufficient funds, and the
// ledger adds up.
func TestContention(t *testing.T) {
	const goroutines, each = 64, 4
	ctx := context.Background()
	pool := newPool(t)
	s := &counting{Store: escrowpg.New(pool)}
	svc := newService(t, s, pool)
	_, err := svc.Open(ctx, system, escrow.OpenRequest{OrderID: "o1", BuyerID: "buyer-1", SupplierID: "supplier-1", Currency: payment.USD})
	require.NoError(t, err)
	_, err = svc.Hold(ctx, system, "o1", "h1", escrow.HoldRequest{Amount: usd("100.00"), PaymentID: "pay-1"})
	require.NoError(t, err)
	s.updates.Store(0)

	var releases, refunds, insufficient, gaveUp atomic.Int64
	succeeded := make([][]string, goroutines) // keys, by goroutine
	start := time.Now()
	testkit.Together(goroutines, func(g int) {
		for i := range each {
			key := fmt.Sprintf("w%d-%d", g, i)
			release := (g+i)%2 == 0
			_, err := testkit.UntilWritten(escrow.ErrConflict, &gaveUp, func() (*escrow.Receipt, error) {
				if release {
					return svc.Release(ctx, system, "o1", key, escrow.ReleaseRequest{Amount: usd("1.00")})
				}
				return svc.Refund(ctx, system, "o1", key, escrow.RefundRequest{Amount: usd("1.00")})
			})
			switch {
			case err == nil && release:
				releases.Add(1)
			case err == nil:
				refunds.Add(1)
			case errors.Is(err, escrow.ErrInsufficientFunds):
				insufficient.Add(1)
				continue
			default:
				t.Errorf("%s: %v", key, err)
				continue
			}
			succeeded[g] = append(succeeded[g], key)
		}
	})
	elapsed := time.Since(start)
	wins := releases.Load() + refunds.Load()
	t.Logf("%d×%d withdrawals of USD 1.00 from USD 100.00 in %v: %d succeeded (%d releases, %d refunds), %d refused for insufficient funds; "+
		"the Service gave up with ErrConflict %d times (retried with the same key); the store ran %d Updates, %d of them ErrConflict",
		goroutines, each, elapsed.Round(time.Millisecond), wins, releases.Load(), refunds.Load(), insufficient.Load(),
		gaveUp.Load(), s.updates.Load(), s.conflicts.Load())
	assert.Equal(t, int64(100), wins, "exactly the affordable withdrawals succeed")
	assert.Equal(t, int64(goroutines*each-100), insufficient.Load(), "every other one is refused for insufficient funds")

	a, err := s.Account(ctx, "o1")
	require.NoError(t, err)
	require.NoError(t, a.Verify())
	b, err := a.Balance()
	require.NoError(t, err)
	total := b.Remaining
	for _, m := range []payment.Money{b.Released, b.Fees, b.Refunded, b.Compensated} {
		total, err = total.Add(m)
		require.NoError(t, err)
	}
	assert.Equal(t, usd("100.00"), b.Held)
	assert.Equal(t, b.Held, total, "held = released + fees + refunded + compensated + remaining")
	assert.Equal(t, usd("0.00"), b.Remaining)
	gross, err := b.Released.Add(b.Fees)
	require.NoError(t, err)
	assert.Equal(t, releases.Load(), gross.Minor()/100, "released gross, in dollars")
	assert.Equal(t, refunds.Load(), b.Refunded.Minor()/100, "refunded, in dollars")
	assert.Equal(t, 2+wins, a.Version, "one version per write")
	var keys []string
	for _, op := range a.Operations[1:] {
		keys = append(keys, op.Key)
	}
	var want []string
	for _, k := range succeeded {
		want = append(want, k...)
	}
	assert.ElementsMatch(t, want, keys, "one record per successful withdrawal")
	assert.Len(t, a.Entries, 1+2*int(releases.Load())+int(refunds.Load()), "a release writes its net and its fee")
}

// The Service of the tests: 2.5% fee on releases, rounded half up, so a
// release of 1.00 writes 0.97 and 0.03.
var (
	system = payment.System("escrowpg-test")
	usd    = func(s string) payment.Money { return payment.MustParse(s, payment.USD) }
)

// newService returns a Service on s, whose units of work are pool's.
func newService(t testing.TB, s escrow.Store, pool *pgxpool.Pool) *escrow.Service {
	t.Helper()
	svc, err := escrow.NewService(escrow.Config{Store: s, Unit: paymentpg.Unit(pool), Clock: &testkit.Ticking{},
		ReleaseFee: escrow.PercentFee(decimal.New(25, -3), payment.RoundHalfUp)})
	require.NoError(t, err)
	return svc
}
