package paymentpg

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tradeassure/tradeassure/internal/pg"
	"github.com/tradeassure/tradeassure/payment"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate creates or upgrades the store's tables (payments,
// payment_accounts and the outbox) in the pool's database, in the schema
// "tradeassure" unless an option names another (created if it does not
// exist). It is idempotent, and safe to call from several processes at
// once.
func Migrate(ctx context.Context, pool *pgxpool.Pool, opts ...Option) error {
	return pg.Migrate(ctx, pool, pg.SchemaOf(opts, storeSchema), "payment", migrations, "migrations")
}

// Store is the PostgreSQL payment.Store. It is safe for concurrent use; its
// zero value is not usable: call New.
type Store struct {
	pool   *pgxpool.Pool
	schema pg.Schema
}

var _ payment.Store = (*Store)(nil)

// Option configures a Store, the Outbox, and the Migrate that prepares
// their tables.
type Option func(*Store)

// Schema puts the store's tables in the schema named instead of
// "tradeassure" (pg's default), for a database that holds several
// marketplaces', or keeps its schemas by its own names. Give the same
// Schema to Migrate, New and Outbox, and to every other tradeassure store
// on the database. The name is an identifier, used as it is (quoted).
func Schema(name string) Option { return func(s *Store) { s.schema = pg.Schema(name) } }

func storeSchema(s *Store) pg.Schema { return s.schema }

// New returns a Store over pool, whose database Migrate has prepared.
func New(pool *pgxpool.Pool, opts ...Option) *Store {
	return &Store{pool: pool, schema: pg.SchemaOf(opts, storeSchema)}
}

// table names a table and the columns the store writes, in the order of the
// values it writes them with: INSERT and UPDATE are built from the list, so
// the two cannot disagree.
type table struct {
	name    string
	columns []string
}

// insert returns the INSERT of one row, whose values are $1, $2, …, as
// the WITH query written: a taken id or key writes nothing.
func (t table) insert() string {
	return fmt.Sprintf("WITH written AS (INSERT INTO %s (%s) VALUES (%s) ON CONFLICT DO NOTHING RETURNING 1) ",
		t.name, strings.Join(t.columns, ", "), t.params())
}

// update returns the UPDATE that writes every column of row $1 (the id,
// first) from $1, $2, … if the row's version is still the last parameter,
// as the WITH query written.
func (t table) update() string {
	return fmt.Sprintf("WITH written AS (UPDATE %s SET (%s) = (%s) WHERE id = $1 AND version = $%d RETURNING 1) ",
		t.name, strings.Join(t.columns, ", "), t.params(), len(t.columns)+1)
}

func (t table) params() string {
	ps := make([]string, len(t.columns))
	for i := range ps {
		ps[i] = fmt.Sprintf("$%d", i+1)
	}
	return strings.Join(ps, ", ")
}

// payments is the payments table as the store writes it: the id first and
// the version last, as paymentValues gives them.
var payments = table{name: "tradeassure.payments", columns: []string{
	"id", "key", "fingerprint", "order_id", "tranche", "buyer_id", "buyer_country", "status", "held", "processor_ref",
	"currency", "amount", "fee", "buyer_fee", "supplier_fee", "refunded", "doc",
	"created_at", "created_at_ns", "updated_at", "updated_at_ns", "version",
}}

// paymentSelect reads the columns scanPayment scans.
const paymentSelect = `SELECT id, coalesce(key, ''), fingerprint, order_id, tranche, buyer_id, buyer_country, status, held, processor_ref,
	currency, amount, fee, buyer_fee, supplier_fee, doc,
	created_at, created_at_ns, updated_at, updated_at_ns, version
	FROM tradeassure.payments `

// accounts is the payment_accounts table as the store writes it.
var accounts = table{name: "tradeassure.payment_accounts", columns: []string{
	"id", "frozen", "frozen_by", "doc", "updated_at", "updated_at_ns", "version",
}}

// accountSelect reads the columns scanAccount scans.
const accountSelect = `SELECT id, frozen, frozen_by, doc, updated_at, updated_at_ns, version FROM tradeassure.payment_accounts `

// paymentDoc is the part of a payment kept as JSONB. The fee's three
// amounts are columns; their fields here are the zero Money (null).
type paymentDoc struct {
	Instrument payment.Instrument   `json:"instrument"`
	Fee        payment.FeeQuote     `json:"fee"`
	Risk       payment.RiskDecision `json:"risk"`
	Refunds    []payment.Refund     `json:"refunds"`
	Timeline   []payment.Event      `json:"timeline"`
}

// accountDoc is the part of an account kept as JSONB.
type accountDoc struct {
	Reasons []payment.Reason       `json:"reasons"`
	History []payment.AccountEvent `json:"history"`
}

// CreatePayment implements payment.PaymentStore. A fee amount in another
// currency than the payment's is refused with a
// *payment.CurrencyMismatchError: the fee columns hold the payment
// currency's amounts.
func (s *Store) CreatePayment(ctx context.Context, p *payment.Payment) (*payment.Payment, error) {
	stored := p.Clone()
	stored.Version = 1
	values, err := paymentValues(stored)
	if err != nil {
		return nil, err
	}
	taken := fmt.Errorf("%w: payment %q (buyer %q, key %q)", payment.ErrDuplicate, p.ID, p.BuyerID, p.Key)
	inserted, err := pg.Insert(ctx, s.pool, s.schema, payment.ErrConflict, func(err error) error {
		if pg.Stale(err) || pg.UniqueViolation(err) { // a taken id or key writes nothing
			return taken
		}
		return fmt.Errorf("paymentpg: create payment %q: %w", p.ID, err)
	}, s.schema.SQL(payments.insert()), "written", values...)
	switch {
	case err != nil:
		return nil, err
	case !inserted:
		return nil, taken
	}
	s.remember(ctx, stored, true)
	return stored.Clone(), nil
}

// Payment implements payment.PaymentStore.
func (s *Store) Payment(ctx context.Context, id string) (*payment.Payment, error) {
	if p, ok := pg.Recall(ctx, s.pool, s.key("payments", id)).(*payment.Payment); ok {
		return p.Clone(), nil
	}
	var p *payment.Payment
	err := pg.QueryRow(ctx, s.pool, func(row pgx.Row) (err error) { p, err = scanPayment(row); return err }, s.schema.SQL(paymentSelect)+"WHERE id = $1", id)
	if err == nil {
		s.remember(ctx, p, false)
	}
	return p, found(err, "payment", id)
}

// PaymentByKey implements payment.PaymentStore.
func (s *Store) PaymentByKey(ctx context.Context, buyerID, key string) (*payment.Payment, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if key == "" { // payments without a key are not indexed by it
		return nil, fmt.Errorf("%w: payment with key %q", payment.ErrNotFound, key)
	}
	byKey := s.keyOf(buyerID, key)
	switch id := pg.Recall(ctx, s.pool, byKey).(type) {
	case noPayment:
		return nil, fmt.Errorf("%w: payment with key %q", payment.ErrNotFound, key)
	case string:
		return s.Payment(ctx, id)
	}
	var p *payment.Payment
	err := pg.QueryRow(ctx, s.pool, func(row pgx.Row) (err error) { p, err = scanPayment(row); return err },
		s.schema.SQL(paymentSelect)+"WHERE buyer_id = $1 AND key = $2", buyerID, key)
	switch {
	case err == nil:
		s.remember(ctx, p, false)
	case errors.Is(err, pgx.ErrNoRows):
		pg.Remember(ctx, s.pool, byKey, noPayment{})
	}
	return p, found(err, "payment with key", key)
}

// UpdatePayment implements payment.PaymentStore: it reads the payment, calls
// fn once on a copy with no transaction open, and writes the result in one
// statement if the stored version is still the one it read.
// An fn that changes the payment's ID, Key or BuyerID is refused with an
// error satisfying errors.Is(err, payment.ErrInvalidRequest).
func (s *Store) UpdatePayment(ctx context.Context, id string, fn func(*payment.Payment) error) (*payment.Payment, error) {
	read, err := s.Payment(ctx, id)
	if err != nil {
		return nil, err
	}
	p := read.Clone()
	if err := fn(p); err != nil {
		return nil, err
	}
	if p.ID != read.ID || p.Key != read.Key || p.BuyerID != read.BuyerID {
		return nil, fmt.Errorf("%w: an update of payment %q changed its id, key or buyer", payment.ErrInvalidRequest, id)
	}
	p.Version = read.Version + 1
	values, err := paymentValues(p)
	if err != nil {
		return nil, err
	}
	if err := s.write(ctx, payments.update(), append(values, read.Version), "payment", id, read.Version); err != nil {
		return nil, err
	}
	s.remember(ctx, p, true)
	return p.Clone(), nil
}

// noPayment is what a unit of work remembers of a key no payment has, and
// noAccount of a buyer with no account yet.
type (
	noPayment struct{}
	noAccount struct{}
)

// history is what a unit of work remembers of a buyer's payments: those
// created since then, in order.
type history struct {
	since    time.Time
	payments []*payment.Payment
}

// remember remembers p in ctx's unit of work, by id and by key (see
// pg.Remember); written, p changes its buyer's payments, which the unit
// then reads again.
func (s *Store) remember(ctx context.Context, p *payment.Payment, written bool) {
	pg.Remember(ctx, s.pool, s.key("payments", p.ID), p.Clone())
	if p.Key != "" {
		pg.Remember(ctx, s.pool, s.keyOf(p.BuyerID, p.Key), p.ID)
	}
	if written {
		pg.Remember(ctx, s.pool, s.key("payments_of", p.BuyerID), nil)
	}
}

// PaymentsByBuyer implements payment.PaymentStore. It reads the index on
// (buyer_id, created_at, created_at_ns, seq).
func (s *Store) PaymentsByBuyer(ctx context.Context, buyerID string, since time.Time) ([]*payment.Payment, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if buyerID == "" { // payments without a buyer are listed under none
		return nil, nil
	}
	of := s.key("payments_of", buyerID)
	if h, ok := pg.Recall(ctx, s.pool, of).(history); ok && !since.Before(h.since) {
		// Read in this unit since an earlier instant, and not written
		// since: what was created since then, in order.
		var out []*payment.Payment
		for _, p := range h.payments {
			if !p.CreatedAt.Before(since) {
				out = append(out, p.Clone())
			}
		}
		return out, nil
	}
	at, ns := pg.SplitTime(since)
	var out []*payment.Payment
	err := pg.Query(ctx, s.pool, func(rows pgx.Rows) error {
		for rows.Next() {
			p, err := scanPayment(rows)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return rows.Err()
	}, s.schema.SQL(paymentSelect)+`WHERE buyer_id = $1 AND (created_at, created_at_ns) >= ($2, $3)
		ORDER BY created_at, created_at_ns, seq`, buyerID, at, ns)
	if err != nil {
		return nil, fmt.Errorf("paymentpg: payments of buyer %q: %w", buyerID, err)
	}
	kept := make([]*payment.Payment, len(out))
	for i, p := range out {
		kept[i] = p.Clone()
	}
	pg.Remember(ctx, s.pool, of, history{since: since, payments: kept})
	return out, nil
}

// Account implements payment.AccountStore.
func (s *Store) Account(ctx context.Context, id string) (*payment.Account, error) {
	switch a := pg.Recall(ctx, s.pool, s.key("payment_accounts", id)).(type) {
	case *payment.Account:
		return a.Clone(), nil
	case noAccount:
		return nil, fmt.Errorf("%w: account %q", payment.ErrNotFound, id)
	}
	var a *payment.Account
	err := pg.QueryRow(ctx, s.pool, func(row pgx.Row) (err error) { a, err = scanAccount(row); return err }, s.schema.SQL(accountSelect)+"WHERE id = $1", id)
	switch {
	case err == nil:
		pg.Remember(ctx, s.pool, s.key("payment_accounts", id), a.Clone())
	case errors.Is(err, pgx.ErrNoRows):
		pg.Remember(ctx, s.pool, s.key("payment_accounts", id), noAccount{})
	}
	return a, found(err, "account", id)
}

// UpdateAccount implements payment.AccountStore as UpdatePayment does. For
// an account not written yet, fn receives &payment.Account{ID: id} and the
// result is inserted; if another update inserted it first, the error
// satisfies errors.Is(err, payment.ErrConflict). An fn that changes the ID
// is refused with an error satisfying errors.Is(err,
// payment.ErrInvalidRequest).
func (s *Store) UpdateAccount(ctx context.Context, id string, fn func(*payment.Account) error) (*payment.Account, error) {
	read, err := s.Account(ctx, id)
	if errors.Is(err, payment.ErrNotFound) {
		read, err = &payment.Account{ID: id}, nil
	}
	if err != nil {
		return nil, err
	}
	a := read.Clone()
	if err := fn(a); err != nil {
		return nil, err
	}
	if a.ID != id {
		return nil, fmt.Errorf("%w: an update of account %q changed its id", payment.ErrInvalidRequest, id)
	}
	a.Version = read.Version + 1
	values := accountValues(a)
	if read.Version == 0 {
		err = s.write(ctx, accounts.insert(), values, "account", id, 0)
	} else {
		err = s.write(ctx, accounts.update(), append(values, read.Version), "account", id, read.Version)
	}
	if err != nil {
		return nil, err
	}
	pg.Remember(ctx, s.pool, s.key("payment_accounts", id), a.Clone())
	return a.Clone(), nil
}

// write sends a writing statement that must write one row (see pg.Write):
// a stale version, or a unique violation of the insert that creates a
// record, is ErrConflict.
func (s *Store) write(ctx context.Context, sql string, args []any, noun, id string, version int64) error {
	return pg.Write(ctx, s.pool, payment.ErrConflict, func(err error) error {
		if pg.Stale(err) || pg.UniqueViolation(err) {
			return fmt.Errorf("%w: %s %q changed since version %d", payment.ErrConflict, noun, id, version)
		}
		return fmt.Errorf("paymentpg: write %s %q: %w", noun, id, err)
	}, s.schema.SQL(sql)+s.schema.Expect("written"), args...)
}

// found translates the error of a read by id or key.
func found(err error, noun, id string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("%w: %s %q", payment.ErrNotFound, noun, id)
	}
	return fmt.Errorf("paymentpg: read %s %q: %w", noun, id, err)
}

// paymentValues returns p's values in the order of payments.columns.
func paymentValues(p *payment.Payment) ([]any, error) {
	c := p.Amount.Currency()
	amount, err := numeric(p.Amount, c)
	if err != nil {
		return nil, err
	}
	var fees [3]any
	for i, m := range []payment.Money{p.Fee.Fee, p.Fee.BuyerFee, p.Fee.SupplierFee} {
		if fees[i], err = numeric(m, c); err != nil {
			return nil, fmt.Errorf("paymentpg: fee of payment %q: %w", p.ID, err)
		}
	}
	refunded, err := numeric(p.Refunded(), c)
	if err != nil {
		return nil, err
	}
	doc := paymentDoc{Instrument: p.Instrument, Fee: p.Fee, Risk: p.Risk, Refunds: p.Refunds, Timeline: p.Timeline}
	doc.Fee.Fee, doc.Fee.BuyerFee, doc.Fee.SupplierFee = payment.Money{}, payment.Money{}, payment.Money{}
	var key any // NULL for no key
	if p.Key != "" {
		key = p.Key
	}
	created, createdNs := pg.SplitTime(p.CreatedAt)
	updated, updatedNs := pg.SplitTime(p.UpdatedAt)
	return []any{
		p.ID, key, p.Fingerprint, p.OrderID, string(p.Tranche), p.BuyerID, string(p.BuyerCountry), string(p.Status), p.Held, p.ProcessorRef,
		string(c), amount, fees[0], fees[1], fees[2], refunded, doc,
		created, createdNs, updated, updatedNs, p.Version,
	}, nil
}

// scanPayment reads a row of paymentSelect.
func scanPayment(row pgx.Row) (*payment.Payment, error) {
	var (
		p                      payment.Payment
		tranche, country       string
		status, currency       string
		amount                 pgtype.Numeric
		fee, buyerFee, suppFee pgtype.Numeric
		doc                    paymentDoc
		created, updated       instant
	)
	if err := row.Scan(&p.ID, &p.Key, &p.Fingerprint, &p.OrderID, &tranche, &p.BuyerID, &country, &status, &p.Held, &p.ProcessorRef,
		&currency, &amount, &fee, &buyerFee, &suppFee, &doc,
		&created.at, &created.ns, &updated.at, &updated.ns, &p.Version); err != nil {
		return nil, err
	}
	p.Tranche, p.BuyerCountry, p.Status = payment.Tranche(tranche), payment.Country(country), payment.Status(status)
	p.Instrument, p.Fee, p.Risk, p.Refunds, p.Timeline = doc.Instrument, doc.Fee, doc.Risk, doc.Refunds, doc.Timeline
	c := payment.Currency(currency)
	var err error
	if p.Amount, err = money(amount, c); err != nil {
		return nil, fmt.Errorf("paymentpg: amount of payment %q: %w", p.ID, err)
	}
	for _, f := range []struct {
		to *payment.Money
		n  pgtype.Numeric
	}{{&p.Fee.Fee, fee}, {&p.Fee.BuyerFee, buyerFee}, {&p.Fee.SupplierFee, suppFee}} {
		if *f.to, err = money(f.n, c); err != nil {
			return nil, fmt.Errorf("paymentpg: fee of payment %q: %w", p.ID, err)
		}
	}
	p.CreatedAt, p.UpdatedAt = created.time(), updated.time()
	return &p, nil
}

// accountValues returns a's values in the order of accounts.columns.
func accountValues(a *payment.Account) []any {
	updated, updatedNs := pg.SplitTime(a.Updated)
	return []any{a.ID, a.Frozen, a.FrozenBy, accountDoc{Reasons: a.Reasons, History: a.History}, updated, updatedNs, a.Version}
}

// scanAccount reads a row of accountSelect.
func scanAccount(row pgx.Row) (*payment.Account, error) {
	var (
		a       payment.Account
		doc     accountDoc
		updated instant
	)
	if err := row.Scan(&a.ID, &a.Frozen, &a.FrozenBy, &doc, &updated.at, &updated.ns, &a.Version); err != nil {
		return nil, err
	}
	a.Reasons, a.History, a.Updated = doc.Reasons, doc.History, updated.time()
	return &a, nil
}

// numeric returns m for a NUMERIC column of an amount in currency c (see
// pg.Numeric), or nil (NULL) for the zero Money. An amount in another
// currency is a *payment.CurrencyMismatchError.
func numeric(m payment.Money, c payment.Currency) (any, error) {
	switch m.Currency() {
	case "":
		return nil, nil
	case c:
		return pg.Numeric(m)
	}
	return nil, &payment.CurrencyMismatchError{Want: c, Got: m.Currency()}
}

// money reads a NUMERIC column in currency c (see pg.Money); NULL is the
// zero Money.
func money(n pgtype.Numeric, c payment.Currency) (payment.Money, error) {
	if !n.Valid {
		return payment.Money{}, nil
	}
	return pg.Money(n, c)
}

// instant is a time as the tables hold it (see pg.SplitTime): a
// timestamptz, which keeps microseconds, and the nanoseconds below the
// microsecond.
type instant struct {
	at time.Time
	ns int16
}

// time returns the instant, in UTC.
func (i instant) time() time.Time {
	return i.at.UTC().Add(time.Duration(i.ns))
}

// keyOf returns the key under which a unit of work remembers which
// payment buyerID's key names: the buyer's id is length-prefixed, so no
// pair of a buyer and a key reads as another pair.
func (s *Store) keyOf(buyerID, key string) string {
	return s.key("payments_by_key", strconv.Itoa(len(buyerID))+":"+buyerID+key)
}

// key returns the key under which a unit of work remembers the record id
// of table (see pg.Remember).
func (s *Store) key(table, id string) string { return string(s.schema) + "." + table + "/" + id }
