package escrowpg

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/internal/pg"
	"github.com/tradeassure/tradeassure/payment"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate creates or brings up to date the store's tables in the schema
// "tradeassure" unless an option names another (created if it does not
// exist). It applies each migration once, so it is safe to call at every
// start, from several processes at once.
func Migrate(ctx context.Context, pool *pgxpool.Pool, opts ...Option) error {
	return pg.Migrate(ctx, pool, pg.SchemaOf(opts, storeSchema), "escrow", migrations, "migrations")
}

// Store is the PostgreSQL escrow.Store. It is safe for concurrent use.
type Store struct {
	pool   *pgxpool.Pool
	schema pg.Schema
}

// Option configures a Store, and the Migrate that prepares its tables.
type Option func(*Store)

// Schema puts the store's tables in the schema named instead of
// "tradeassure"; see paymentpg.Schema.
func Schema(name string) Option { return func(s *Store) { s.schema = pg.Schema(name) } }

func storeSchema(s *Store) pg.Schema { return s.schema }

var _ escrow.Store = (*Store)(nil)

// New returns a store over pool, whose tables Migrate has created.
func New(pool *pgxpool.Pool, opts ...Option) *Store {
	return &Store{pool: pool, schema: pg.SchemaOf(opts, storeSchema)}
}

// Create implements escrow.Store: one statement, which inserts the
// account and its entries and records.
func (s *Store) Create(ctx context.Context, a *escrow.Account) (*escrow.Account, error) {
	stored := a.Clone()
	stored.Version = 1
	normalize(stored, 0, 0)
	if err := s.write(ctx, stored, true, 0, 0); err != nil {
		return nil, err
	}
	pg.Remember(ctx, s.pool, s.key(stored.ID), stored.Clone())
	return stored.Clone(), nil
}

// Account implements escrow.Store: one query.
func (s *Store) Account(ctx context.Context, id string) (*escrow.Account, error) {
	return s.read(ctx, id)
}

// Update implements escrow.Store. It reads the account in one query, calls
// fn once on the copy it read, outside any transaction, and writes the
// result in one statement: an UPDATE of the account row on the version
// read, and INSERTs of the entries and records fn appended. A
// serialization failure is retried with the same statement; an account
// written by someone else since the read is escrow.ErrConflict.
//
// fn may change the account's own fields and append entries and records;
// any other change (the id, an entry or a record it was given, one taken
// away) is refused with an error and nothing is written.
func (s *Store) Update(ctx context.Context, id string, fn func(*escrow.Account) error) (*escrow.Account, error) {
	read, err := s.read(ctx, id)
	if err != nil {
		return nil, err
	}
	next := read.Clone()
	if err := fn(next); err != nil {
		return nil, err
	}
	oldEntries, oldOps := len(read.Entries), len(read.Operations)
	switch {
	case next.ID != id:
		return nil, fmt.Errorf("escrowpg: update of account %q changed its id to %q", id, next.ID)
	case len(next.Entries) < oldEntries || !slices.Equal(read.Entries, next.Entries[:oldEntries]):
		return nil, fmt.Errorf("escrowpg: update of account %q changed or removed ledger entries; it may only append", id)
	case len(next.Operations) < oldOps || !slices.Equal(read.Operations, next.Operations[:oldOps]):
		return nil, fmt.Errorf("escrowpg: update of account %q changed or removed operation records; it may only append", id)
	}
	stored := next.Clone()
	stored.Version = read.Version + 1
	normalize(stored, oldEntries, oldOps)
	if err := s.write(ctx, stored, false, oldEntries, oldOps); err != nil {
		return nil, err
	}
	pg.Remember(ctx, s.pool, s.key(id), stored.Clone())
	return stored.Clone(), nil
}

// normalize sets the times of a, and of its entries and records from the
// given ones on, to what the database keeps of them.
func normalize(a *escrow.Account, entries, ops int) {
	a.CreatedAt, a.UpdatedAt = pg.Time(a.CreatedAt), pg.Time(a.UpdatedAt)
	for i := range a.Entries[entries:] {
		e := &a.Entries[entries+i]
		e.At = pg.Time(e.At)
	}
	for i := range a.Operations[ops:] {
		op := &a.Operations[ops+i]
		op.At = pg.Time(op.At)
	}
}

// The statements of the store. A write is one statement: the account's
// row (insertAccount or updateAccount, $1 to $12, $12 the version it
// writes or the version it updates), then appendHistory, which inserts the
// entries ($13 to $23, one array per column) and the records ($24 to $33)
// given, reading the account's id from the row written: when no row was
// written, nothing is. The statement ends with a SELECT from account: its
// count on a create, pg.Schema.Expect on an update.
const (
	insertAccount = `WITH account AS (INSERT INTO tradeassure.escrow_accounts (id, buyer_id, supplier_id, currency, frozen,
		freeze_reason, frozen_by_role, frozen_by_id, closed, created_at, updated_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING RETURNING id),` // on the id, or on (id, currency): both say the id is taken
	updateAccount = `WITH account AS (UPDATE tradeassure.escrow_accounts SET buyer_id = $2, supplier_id = $3, currency = $4,
		frozen = $5, freeze_reason = $6, frozen_by_role = $7, frozen_by_id = $8, closed = $9, created_at = $10,
		updated_at = $11, version = version + 1
		WHERE id = $1 AND version = $12 RETURNING id),`
	appendHistory = `
entries AS (INSERT INTO tradeassure.escrow_entries (account_id, seq, from_ledger, to_ledger, amount, currency,
		key, ref, memo, actor_role, actor_id, at)
	SELECT account.id, e.* FROM account, unnest($13::bigint[], $14::text[], $15::text[], $16::numeric[], $17::text[],
		$18::text[], $19::text[], $20::text[], $21::text[], $22::text[], $23::timestamptz[]) AS e
	ORDER BY 2), -- escrow_entries_follow takes them in order
operations AS (INSERT INTO tradeassure.escrow_operations (account_id, pos, key, op, fingerprint, actor_role, actor_id,
		at, first_seq, last_seq, memo)
	SELECT account.id, o.* FROM account, unnest($24::bigint[], $25::text[], $26::text[], $27::text[], $28::text[],
		$29::text[], $30::timestamptz[], $31::bigint[], $32::bigint[], $33::text[]) AS o)
`
)

// write writes a in one statement: the account row (an INSERT when create
// is set, otherwise an UPDATE on the version before a.Version), and its
// entries and records from the given ones on (see pg.Write: in a unit an
// update is sent with the unit's next statement). A taken id is
// escrow.ErrDuplicate; on an update, a version that moved on, or a unique
// violation among the entries and records (a record's key written twice),
// is escrow.ErrConflict.
func (s *Store) write(ctx context.Context, a *escrow.Account, create bool, entries, ops int) error {
	sql, version := insertAccount, a.Version
	if !create {
		sql, version = updateAccount, a.Version-1
	}
	args := []any{a.ID, a.BuyerID, a.SupplierID, string(a.Currency), a.Frozen, a.FreezeReason,
		string(a.FrozenBy.Role), a.FrozenBy.ID, a.Closed, a.CreatedAt, a.UpdatedAt, version}
	var e entryColumns
	for _, en := range a.Entries[entries:] {
		// The database refuses what the types would: an amount that is no
		// Money is NULL, one in another currency fails the foreign key.
		amount, _ := pg.Numeric(en.Amount)
		e.seq, e.from, e.to, e.amount = append(e.seq, en.Seq), append(e.from, string(en.From)), append(e.to, string(en.To)), append(e.amount, amount)
		e.currency, e.key, e.ref, e.memo = append(e.currency, string(en.Amount.Currency())), append(e.key, en.Key), append(e.ref, en.Ref), append(e.memo, en.Memo)
		e.actorRole, e.actorID, e.at = append(e.actorRole, string(en.Actor.Role)), append(e.actorID, en.Actor.ID), append(e.at, en.At)
	}
	var o operationColumns
	for i, op := range a.Operations[ops:] {
		o.pos, o.key, o.op, o.fingerprint = append(o.pos, int64(ops+i+1)), append(o.key, op.Key), append(o.op, string(op.Op)), append(o.fingerprint, op.Fingerprint)
		o.actorRole, o.actorID, o.at = append(o.actorRole, string(op.Actor.Role)), append(o.actorID, op.Actor.ID), append(o.at, op.At)
		o.first, o.last, o.memo = append(o.first, op.First), append(o.last, op.Last), append(o.memo, op.Memo)
	}
	args = append(args, e.seq, e.from, e.to, e.amount, e.currency, e.key, e.ref, e.memo, e.actorRole, e.actorID, e.at,
		o.pos, o.key, o.op, o.fingerprint, o.actorRole, o.actorID, o.at, o.first, o.last, o.memo)
	if !create {
		return pg.Write(ctx, s.pool, escrow.ErrConflict, func(err error) error {
			if pg.Stale(err) {
				return fmt.Errorf("%w: account %q changed since version %d", escrow.ErrConflict, a.ID, version)
			}
			if pg.UniqueViolation(err) { // a record's key written twice
				return fmt.Errorf("%w: account %q: %w", escrow.ErrConflict, a.ID, err)
			}
			return fmt.Errorf("escrowpg: account %q: %w", a.ID, err)
		}, s.schema.SQL(sql+appendHistory)+s.schema.Expect("account"), args...)
	}
	taken := fmt.Errorf("%w: account %q", escrow.ErrDuplicate, a.ID)
	inserted, err := pg.Insert(ctx, s.pool, s.schema, escrow.ErrConflict, func(err error) error {
		var pgErr *pgconn.PgError
		if pg.Stale(err) || pg.UniqueViolation(err) && errors.As(err, &pgErr) && strings.HasPrefix(pgErr.ConstraintName, "escrow_accounts_") {
			return taken // a taken id writes nothing, leaving a unit's transaction usable
		}
		return fmt.Errorf("escrowpg: account %q: %w", a.ID, err)
	}, s.schema.SQL(sql+appendHistory), "account", args...)
	if err == nil && !inserted {
		return taken
	}
	return err
}

// selectAccount reads an account with its ledger and records in one
// statement, so from one snapshot: the entries' and the records' columns
// come as arrays, in order.
const selectAccount = `SELECT a.buyer_id, a.supplier_id, a.currency, a.frozen, a.freeze_reason, a.frozen_by_role,
	a.frozen_by_id, a.closed, a.created_at, a.updated_at, a.version,
	e.seq, e.from_ledger, e.to_ledger, e.amount, e.key, e.ref, e.memo, e.actor_role, e.actor_id, e.at,
	o.key, o.op, o.fingerprint, o.actor_role, o.actor_id, o.at, o.first_seq, o.last_seq, o.memo
FROM tradeassure.escrow_accounts a
CROSS JOIN LATERAL (
	SELECT array_agg(seq ORDER BY seq) AS seq, array_agg(from_ledger ORDER BY seq) AS from_ledger,
		array_agg(to_ledger ORDER BY seq) AS to_ledger, array_agg(amount ORDER BY seq) AS amount,
		array_agg(key ORDER BY seq) AS key, array_agg(ref ORDER BY seq) AS ref, array_agg(memo ORDER BY seq) AS memo,
		array_agg(actor_role ORDER BY seq) AS actor_role, array_agg(actor_id ORDER BY seq) AS actor_id,
		array_agg(at ORDER BY seq) AS at
	FROM tradeassure.escrow_entries WHERE account_id = a.id) e
CROSS JOIN LATERAL (
	SELECT array_agg(key ORDER BY pos) AS key, array_agg(op ORDER BY pos) AS op,
		array_agg(fingerprint ORDER BY pos) AS fingerprint, array_agg(actor_role ORDER BY pos) AS actor_role,
		array_agg(actor_id ORDER BY pos) AS actor_id, array_agg(at ORDER BY pos) AS at,
		array_agg(first_seq ORDER BY pos) AS first_seq, array_agg(last_seq ORDER BY pos) AS last_seq,
		array_agg(memo ORDER BY pos) AS memo
	FROM tradeassure.escrow_operations WHERE account_id = a.id) o
WHERE a.id = $1`

// columns are the entries' or the records' columns as read, one slice per
// column.
type (
	entryColumns struct {
		seq                                                    []int64
		from, to, currency, key, ref, memo, actorRole, actorID []string
		amount                                                 []pgtype.Numeric
		at                                                     []time.Time
	}
	operationColumns struct {
		key, op, fingerprint, actorRole, actorID, memo []string
		at                                             []time.Time
		pos, first, last                               []int64
	}
)

// read returns the account with that id, or escrow.ErrNotFound.
func (s *Store) read(ctx context.Context, id string) (*escrow.Account, error) {
	if a, ok := pg.Recall(ctx, s.pool, s.key(id)).(*escrow.Account); ok {
		return a.Clone(), nil
	}
	a := &escrow.Account{ID: id}
	var (
		frozenBy string
		e        entryColumns
		o        operationColumns
	)
	err := pg.QueryRow(ctx, s.pool, func(row pgx.Row) error {
		return row.Scan(
			&a.BuyerID, &a.SupplierID, &a.Currency, &a.Frozen, &a.FreezeReason, &frozenBy, &a.FrozenBy.ID, &a.Closed,
			&a.CreatedAt, &a.UpdatedAt, &a.Version,
			&e.seq, &e.from, &e.to, &e.amount, &e.key, &e.ref, &e.memo, &e.actorRole, &e.actorID, &e.at,
			&o.key, &o.op, &o.fingerprint, &o.actorRole, &o.actorID, &o.at, &o.first, &o.last, &o.memo)
	}, s.schema.SQL(selectAccount), id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%w: account %q", escrow.ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("escrowpg: account %q: %w", id, err)
	}
	a.FrozenBy.Role = payment.Role(frozenBy)
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	for i := range e.seq {
		amount, err := pg.Money(e.amount[i], a.Currency) // the foreign key keeps entries in the account's currency
		if err != nil {
			return nil, fmt.Errorf("escrowpg: account %q, entry %d: %w", id, e.seq[i], err)
		}
		a.Entries = append(a.Entries, escrow.Entry{
			Seq: e.seq[i], From: escrow.Ledger(e.from[i]), To: escrow.Ledger(e.to[i]), Amount: amount,
			Key: e.key[i], Ref: e.ref[i], Memo: e.memo[i],
			Actor: payment.Actor{Role: payment.Role(e.actorRole[i]), ID: e.actorID[i]}, At: e.at[i].UTC(),
		})
	}
	for i := range o.key {
		a.Operations = append(a.Operations, escrow.Operation{
			Key: o.key[i], Op: escrow.Op(o.op[i]), Fingerprint: o.fingerprint[i],
			Actor: payment.Actor{Role: payment.Role(o.actorRole[i]), ID: o.actorID[i]}, At: o.at[i].UTC(),
			First: o.first[i], Last: o.last[i], Memo: o.memo[i],
		})
	}
	pg.Remember(ctx, s.pool, s.key(id), a.Clone())
	return a, nil
}

// Held implements escrow.Store: one statement over the entries stamped
// at or before at (index escrow_entries_held_at), grouped by currency.
func (s *Store) Held(ctx context.Context, at time.Time) ([]payment.Money, error) {
	var out []payment.Money
	err := pg.Query(ctx, s.pool, func(rows pgx.Rows) error {
		for rows.Next() {
			var cur payment.Currency
			var sum pgtype.Numeric
			if err := rows.Scan(&cur, &sum); err != nil {
				return err
			}
			m, err := pg.Money(sum, cur)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	}, s.schema.SQL(`SELECT currency, sum(CASE WHEN to_ledger = 'escrow' THEN amount ELSE -amount END) AS held
		FROM tradeassure.escrow_entries WHERE at <= $1
		GROUP BY currency HAVING sum(CASE WHEN to_ledger = 'escrow' THEN amount ELSE -amount END) <> 0
		ORDER BY currency COLLATE "C"`), at)
	if err != nil {
		return nil, fmt.Errorf("escrowpg: held at %s: %w", at.Format(time.RFC3339Nano), err)
	}
	return out, nil
}

// Revenue implements escrow.Store: one statement over the fee entries
// stamped in [from, to) (index escrow_entries_fees_at), grouped by
// currency.
func (s *Store) Revenue(ctx context.Context, from, to time.Time) ([]escrow.Revenue, error) {
	var out []escrow.Revenue
	err := pg.Query(ctx, s.pool, func(rows pgx.Rows) error {
		for rows.Next() {
			var r escrow.Revenue
			var release, supplier, service pgtype.Numeric
			if err := rows.Scan(&r.Currency, &release, &supplier, &service); err != nil {
				return err
			}
			var err error
			if r.ReleaseFees, err = pg.Money(release, r.Currency); err != nil {
				return err
			}
			if r.SupplierFees, err = pg.Money(supplier, r.Currency); err != nil {
				return err
			}
			if r.ServiceFees, err = pg.Money(service, r.Currency); err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	}, s.schema.SQL(`SELECT currency,
			coalesce(sum(amount) FILTER (WHERE ref NOT IN ($3, $4)), 0), coalesce(sum(amount) FILTER (WHERE ref IN ($3, $4)), 0),
			coalesce(sum(amount) FILTER (WHERE ref = $4), 0)
		FROM tradeassure.escrow_entries WHERE to_ledger = 'platform_fee' AND at >= $1 AND at < $2
		GROUP BY currency ORDER BY currency COLLATE "C"`), from, to, escrow.SupplierFeesRef, escrow.ServiceFeeRef)
	if err != nil {
		return nil, fmt.Errorf("escrowpg: revenue from %s to %s: %w", from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano), err)
	}
	return out, nil
}

// key returns the key under which a unit of work remembers account id
// (see pg.Remember).
func (s *Store) key(id string) string { return string(s.schema) + ".escrow_accounts/" + id }
