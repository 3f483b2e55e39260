package orderpg

import (
	"cmp"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tradeassure/tradeassure/internal/pg"
	"github.com/tradeassure/tradeassure/order"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate creates or upgrades the store's tables (orders and
// order_actions) in the pool's database, in the schema "tradeassure"
// unless an option names another (created if it does not exist). It is
// idempotent, and safe to call from several processes at once.
func Migrate(ctx context.Context, pool *pgxpool.Pool, opts ...Option) error {
	return pg.Migrate(ctx, pool, pg.SchemaOf(opts, storeSchema), "order", migrations, "migrations")
}

// DefaultLease is how long Due hands an order to the worker that asked for
// it, unless WithLease says otherwise.
const DefaultLease = 30 * time.Second

// Store is the PostgreSQL order.Store. It is safe for concurrent use by
// any number of goroutines and processes sharing the database; its zero
// value is not usable: call New.
type Store struct {
	docs   *pg.DocStore[order.Order]
	lease  time.Duration
	schema pg.Schema
}

var _ order.Store = (*Store)(nil)

// Option configures a Store, and the Migrate that prepares its tables.
type Option func(*Store)

// Schema puts the store's tables in the schema named instead of
// "tradeassure"; see paymentpg.Schema.
func Schema(name string) Option { return func(s *Store) { s.schema = pg.Schema(name) } }

func storeSchema(s *Store) pg.Schema { return s.schema }

// WithLease sets how long an order that Due returned stays claimed by the
// worker it was returned to (see the package documentation), to the
// microsecond. A lease that is not positive turns claiming off: Due then
// only reads, and returns the same orders to every caller, which is all
// the order.Store contract asks.
func WithLease(d time.Duration) Option {
	return func(s *Store) {
		s.lease = 0
		if d > 0 {
			s.lease = max(d.Truncate(time.Microsecond), time.Microsecond)
		}
	}
}

// New returns a Store over pool, whose database Migrate has prepared. Due
// claims what it returns for DefaultLease unless an option says otherwise.
func New(pool *pgxpool.Pool, opts ...Option) *Store {
	s := &Store{lease: DefaultLease, docs: &pg.DocStore[order.Order]{
		Pool:  pool,
		Table: "orders",
		Columns: []string{"buyer_id", "supplier_id", "state", "currency", "total", "paid", "deadline", "deadline_ns",
			"claimed_until", "created_at", "updated_at"},
		ID:       func(o *order.Order) string { return o.ID },
		Version:  func(o *order.Order) *int64 { return &o.Version },
		Project:  project,
		Also:     appendActions,
		Clone:    (*order.Order).Clone,
		NotFound: order.ErrNotFound, Duplicate: order.ErrDuplicate, Conflict: order.ErrConflict,
	}}
	for _, o := range opts {
		o(s)
	}
	s.docs.Schema = s.schema.OrDefault()
	return s
}

// Create implements order.Store. It is one statement, which inserts the
// order and its history. Besides the contract's errors, it refuses with an
// error wrapping order.ErrInvalidRequest an order whose terms give no total
// (order.NewDraft never makes one), and with one wrapping
// order.ErrIdempotencyMismatch a history that uses a key twice.
func (s *Store) Create(ctx context.Context, o *order.Order) (*order.Order, error) {
	created, err := s.docs.Insert(ctx, o)
	if errors.Is(err, order.ErrInvalidRequest) {
		if _, taken := s.docs.Get(ctx, o.ID); taken == nil { // the contract's error first
			return nil, fmt.Errorf("%w: id %q", order.ErrDuplicate, o.ID)
		}
	}
	return created, actionError(o.ID, err)
}

// Order implements order.Store. It is one statement.
func (s *Store) Order(ctx context.Context, id string) (*order.Order, error) {
	return s.docs.Get(ctx, id)
}

// Update implements order.Store: it reads the order, calls fn once on the
// copy it read with no transaction open, then writes it, with the actions
// fn appended to its history, if its version is still the one read, else
// returns order.ErrConflict. The history is append-only: an fn that
// changes or removes an action is refused with order.ErrInvalidRequest, and
// one that appends an action under a key the order used before with
// order.ErrIdempotencyMismatch. The write clears a claim Due made. It is
// two statements: the read and the write.
func (s *Store) Update(ctx context.Context, id string, fn func(*order.Order) error) (*order.Order, error) {
	updated, err := s.docs.Update(ctx, id, func(o *order.Order) error {
		if err := fn(o); err != nil {
			return err
		}
		if o.ID != id {
			return fmt.Errorf("%w: an update of order %s changed its id to %q", order.ErrInvalidRequest, id, o.ID)
		}
		return nil
	})
	return updated, actionError(id, err)
}

// The conditions of Due: orders whose deadline is set and not after the
// cut-off, given as $1 (to the microsecond, rounded down) and $2 (the
// nanoseconds below), earliest first, ties by id, at most $3. claimSQL
// claims them for $4 microseconds.
const (
	dueWhere = `WHERE deadline IS NOT NULL AND (deadline, deadline_ns) <= ($1, $2)`
	dueOrder = `ORDER BY deadline, deadline_ns, id LIMIT $3`
	claimSQL = `UPDATE tradeassure.orders SET claimed_until = now() + $4 * interval '1 microsecond'
	WHERE id = ANY (ARRAY(
		SELECT id FROM tradeassure.orders ` + dueWhere + ` AND (claimed_until IS NULL OR claimed_until < now())
		` + dueOrder + `
		FOR UPDATE SKIP LOCKED))
	RETURNING version, doc`
)

// Due implements order.Store. It is one statement, which reads the index
// orders_due from its start to before. With a lease (the default), the
// statement also claims the orders it returns for the lease, and passes
// over those another worker's lease still claims: see the package
// documentation.
func (s *Store) Due(ctx context.Context, before time.Time, limit int) ([]*order.Order, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("%w: Due: limit %d; it must be positive", order.ErrInvalidRequest, limit)
	}
	at, ns := pg.SplitTime(before)
	if s.lease <= 0 {
		return s.docs.Select(ctx, dueWhere+" "+dueOrder, at, ns, limit)
	}
	var due []*order.Order
	err := pg.Query(ctx, s.docs.Pool, func(rows pgx.Rows) (err error) {
		due, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*order.Order, error) {
			var o order.Order
			var doc []byte
			if err := row.Scan(&o.Version, &doc); err != nil {
				return nil, err
			}
			version := o.Version
			if err := json.Unmarshal(doc, &o); err != nil {
				return nil, fmt.Errorf("orderpg: decode order: %w", err)
			}
			o.Version = version
			return &o, nil
		})
		return err
	}, s.docs.Schema.SQL(claimSQL), at, ns, limit, s.lease.Microseconds())
	if err != nil {
		return nil, err
	}
	slices.SortFunc(due, func(a, b *order.Order) int { // UPDATE … RETURNING keeps no order
		return cmp.Or(a.Deadline.Compare(b.Deadline), cmp.Compare(a.ID, b.ID))
	})
	return due, nil
}

// project returns the values of the typed columns of o, in the order of
// New's Columns: claimed_until is NULL, since every write clears a claim.
func project(o *order.Order) ([]any, error) {
	total, err := o.Total()
	if err != nil {
		return nil, fmt.Errorf("%w: order %s has no total: %w", order.ErrInvalidRequest, o.ID, err)
	}
	totalAmount, err := pg.Numeric(total)
	if err != nil {
		return nil, fmt.Errorf("%w: order %s: total: %w", order.ErrInvalidRequest, o.ID, err)
	}
	paid, err := pg.Numeric(o.Paid())
	if err != nil {
		return nil, fmt.Errorf("%w: order %s: paid: %w", order.ErrInvalidRequest, o.ID, err)
	}
	var deadline, ns any // NULL for no deadline
	if !o.Deadline.IsZero() {
		deadline, ns = pg.SplitTime(o.Deadline)
	}
	return []any{o.BuyerID, o.SupplierID, string(o.State), string(o.Terms.Currency), totalAmount, paid, deadline, ns,
		nil, o.CreatedAt, o.UpdatedAt}, nil
}

// appendActions returns the insert of the actions o has beyond those
// before had (all of them on create, when before is nil), after checking
// that the actions before had are still there, unchanged. The table's
// unique constraints refuse a key or a sequence number used twice.
func appendActions(before, o *order.Order) (pg.With, error) {
	var old order.History
	if before != nil {
		old = before.History
	}
	if !o.History.Extends(old) {
		return pg.With{}, fmt.Errorf("%w: an update of order %s changed its history; it may only append to it", order.ErrInvalidRequest, o.ID)
	}
	added, err := json.Marshal(append([]order.Action{}, o.History.Since(old.Len())...)) // [], not null, for none
	if err != nil {
		return pg.With{}, fmt.Errorf("orderpg: encode the actions of order %s: %w", o.ID, err)
	}
	return pg.With{
		Queries: []string{`actions AS (INSERT INTO tradeassure.order_actions
			(order_id, seq, key, ref, name, event, actor_role, actor_id, at, from_state, to_state, fingerprint, note)
		SELECT doc.id, a.seq, coalesce(a.key, ''), coalesce(a.ref, ''), a.name, coalesce(a.event, ''), a."by"->>'role', a."by"->>'id',
			a.at, a."from", a."to", a.fingerprint, coalesce(a.note, '')
		FROM doc, jsonb_to_recordset(@actions::jsonb) AS a(seq integer, key text, ref text, name text, event text, "by" jsonb,
			at timestamptz, "from" text, "to" text, fingerprint text, note text))`},
		Args: pgx.NamedArgs{"actions": string(added)},
	}, nil
}

// actionError translates a violation of order_actions' constraints in
// err, the error of a write of order id: a key or a sequence number its
// history uses twice, an action with two keys or none.
func actionError(id string, err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	switch pgErr.ConstraintName {
	case "order_actions_one_key":
		return fmt.Errorf("%w: order %s: an action has both a caller's key and a reference of the service's own, or neither", order.ErrInvalidRequest, id)
	case "order_actions_key":
		return fmt.Errorf("%w: order %s: an action reuses the key of an earlier one of its name (%s)", order.ErrIdempotencyMismatch, id, pgErr.Detail)
	case "order_actions_pkey":
		return fmt.Errorf("%w: order %s: two actions share a sequence number (%s)", order.ErrInvalidRequest, id, pgErr.Detail)
	}
	return err
}
