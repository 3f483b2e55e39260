package supplierpg

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tradeassure/tradeassure/internal/pg"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate creates or upgrades the store's table (suppliers) in the pool's
// database, in the schema "tradeassure" unless an option names another
// (created if it does not exist). It is idempotent, and safe to call from
// several processes at once.
func Migrate(ctx context.Context, pool *pgxpool.Pool, opts ...Option) error {
	return pg.Migrate(ctx, pool, pg.SchemaOf(opts, storeSchema), "supplier", migrations, "migrations")
}

// Store is the PostgreSQL supplier.Store. It is safe for concurrent use;
// its zero value is not usable: call New.
type Store struct {
	docs   *pg.DocStore[supplier.Supplier]
	pool   *pgxpool.Pool
	schema pg.Schema
}

// Option configures a Store, and the Migrate that prepares its tables.
type Option func(*Store)

// Schema puts the store's tables in the schema named instead of
// "tradeassure"; see paymentpg.Schema.
func Schema(name string) Option { return func(s *Store) { s.schema = pg.Schema(name) } }

func storeSchema(s *Store) pg.Schema { return s.schema }

var _ supplier.Store = (*Store)(nil)

// New returns a Store over pool, whose database Migrate has prepared.
func New(pool *pgxpool.Pool, opts ...Option) *Store {
	schema := pg.SchemaOf(opts, storeSchema)
	return &Store{pool: pool, schema: schema, docs: &pg.DocStore[supplier.Supplier]{
		Pool:     pool,
		Schema:   schema,
		Table:    "suppliers",
		Columns:  []string{"status", "country", "limit_amount", "limit_currency", "reserved", "created_at", "updated_at"},
		ID:       func(s *supplier.Supplier) string { return s.ID },
		Version:  func(s *supplier.Supplier) *int64 { return &s.Version },
		Project:  project,
		Clone:    (*supplier.Supplier).Clone,
		NotFound: supplier.ErrNotFound, Duplicate: supplier.ErrDuplicate, Conflict: supplier.ErrConflict,
	}}
}

// Create implements supplier.Store. It is one statement.
func (s *Store) Create(ctx context.Context, sup *supplier.Supplier) (*supplier.Supplier, error) {
	return s.docs.Insert(ctx, sup)
}

// Supplier implements supplier.Store. It is one statement.
func (s *Store) Supplier(ctx context.Context, id string) (*supplier.Supplier, error) {
	return s.docs.Get(ctx, id)
}

// Update implements supplier.Store: it reads the supplier, calls fn once
// on the copy it read with no transaction open, then writes it if its
// version is still the one read, else returns supplier.ErrConflict. It is
// two statements: the read and the UPDATE.
func (s *Store) Update(ctx context.Context, id string, fn func(*supplier.Supplier) error) (*supplier.Supplier, error) {
	return s.docs.Update(ctx, id, fn)
}

// List implements supplier.Store. It is one statement.
func (s *Store) List(ctx context.Context) ([]*supplier.Supplier, error) {
	return s.docs.Select(ctx, "")
}

// project returns the values of the typed columns for sup, in the order
// of New's Columns.
func project(sup *supplier.Supplier) ([]any, error) {
	reserved, err := reservedOf(sup)
	if err != nil {
		return nil, err
	}
	limit := sup.Limit.Amount
	var currency any // NULL for the zero Money: no limit computed yet
	var limitAmount, reservedAmount any = "0", "0"
	if limit.Currency() != "" {
		currency = string(limit.Currency())
		if limitAmount, err = pg.Numeric(limit); err != nil {
			return nil, fmt.Errorf("%w: supplier %s: %w", supplier.ErrInvalidRequest, sup.ID, err)
		}
	}
	if reserved.Currency() != "" {
		if reservedAmount, err = pg.Numeric(reserved); err != nil {
			return nil, err
		}
	}
	return []any{string(sup.Status), string(sup.Country), limitAmount, currency, reservedAmount, sup.CreatedAt, sup.UpdatedAt}, nil
}

// reservedOf returns the sum of sup's reservations, which must be in the
// limit's currency (supplier.Service makes them so) unless they are zero:
// reserved and the limit are compared in the database.
func reservedOf(sup *supplier.Supplier) (payment.Money, error) {
	var sum payment.Money
	for _, r := range sup.Reservations {
		if r.Amount.IsZero() {
			continue
		}
		var err error
		if sum.Currency() == "" {
			sum, err = payment.FromMinor(0, sup.Limit.Amount.Currency())
		}
		if err == nil {
			sum, err = sum.Add(r.Amount)
		}
		if err != nil {
			return payment.Money{}, fmt.Errorf("%w: supplier %s: reservation of order %s: %w", supplier.ErrInvalidRequest, sup.ID, r.OrderID, err)
		}
	}
	return sum, nil
}
