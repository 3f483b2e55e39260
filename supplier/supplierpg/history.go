package supplierpg

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tradeassure/tradeassure/internal/pg"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// history is one table of the suppliers' history (supplier_orders,
// supplier_inquiries): a record as JSONB under its supplier's id and its
// own, written by upsert (the supplier's version orders the writes; see
// supplier.Store).
type history struct {
	store *Store
	table string // unqualified
	id    string // the record's id column
	noun  string
}

// noRecord is what a unit remembers of a record it found missing.
type noRecord struct{}

// get reads record id of supplier supplierID into v: one statement, or
// none when ctx's unit read or wrote it.
func (h history) get(ctx context.Context, supplierID, id string, v any) error {
	key := h.key(supplierID, id)
	missing := fmt.Errorf("%w: %s %q of supplier %q", supplier.ErrNotFound, h.noun, id, supplierID)
	var doc []byte
	switch r := pg.Recall(ctx, h.store.pool, key).(type) {
	case noRecord:
		return missing
	case []byte:
		doc = r
	default:
		err := pg.QueryRow(ctx, h.store.pool, func(row pgx.Row) error { return row.Scan(&doc) },
			h.store.schema.SQL("SELECT doc FROM tradeassure."+h.table+" WHERE supplier_id = $1 AND "+h.id+" = $2"), supplierID, id)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			pg.Remember(ctx, h.store.pool, key, noRecord{}) // until the unit puts one
			return missing
		case err != nil:
			return fmt.Errorf("supplierpg: read %s %q of supplier %q: %w", h.noun, id, supplierID, err)
		}
		pg.Remember(ctx, h.store.pool, key, doc)
	}
	if err := json.Unmarshal(doc, v); err != nil {
		return fmt.Errorf("supplierpg: decode %s %q of supplier %q: %w", h.noun, id, supplierID, err)
	}
	return nil
}

// put writes v as record id of supplier supplierID, replacing the one
// stored unless keep: one statement, which in a unit goes with the unit's
// next one.
func (h history) put(ctx context.Context, supplierID, id string, v any, keep bool) error {
	doc, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("supplierpg: encode %s %q of supplier %q: %w", h.noun, id, supplierID, err)
	}
	onConflict := "DO UPDATE SET doc = EXCLUDED.doc"
	if keep {
		onConflict = "DO NOTHING"
	}
	err = pg.Write(ctx, h.store.pool, supplier.ErrConflict, func(err error) error {
		switch {
		case pg.ForeignKeyViolation(err): // no such supplier
			return fmt.Errorf("%w: supplier %q", supplier.ErrNotFound, supplierID)
		case pg.UniqueViolation(err): // supplier_orders_order: another supplier's order
			return fmt.Errorf("%w: %s %q is another supplier's", supplier.ErrDuplicate, h.noun, id)
		}
		return fmt.Errorf("supplierpg: write %s %q of supplier %q: %w", h.noun, id, supplierID, err)
	}, h.store.schema.SQL("INSERT INTO tradeassure."+h.table+" (supplier_id, "+h.id+", doc) VALUES ($1, $2, $3) "+
		"ON CONFLICT (supplier_id, "+h.id+") "+onConflict), supplierID, id, json.RawMessage(doc))
	if err != nil {
		return err
	}
	if !keep {
		pg.Remember(ctx, h.store.pool, h.key(supplierID, id), doc)
	} else {
		pg.Remember(ctx, h.store.pool, h.key(supplierID, id), nil) // the unit reads what is stored
	}
	return nil
}

// key is what a unit remembers record id of supplier supplierID under:
// the supplier's id length-prefixed, so that no supplier's names
// another's.
func (h history) key(supplierID, id string) string {
	return h.store.schema.SQL("tradeassure."+h.table) + "/" + strconv.Itoa(len(supplierID)) + ":" + supplierID + id
}

func (s *Store) orders() history {
	return history{store: s, table: "supplier_orders", id: "order_id", noun: "order record"}
}

func (s *Store) inquiries() history {
	return history{store: s, table: "supplier_inquiries", id: "inquiry_id", noun: "inquiry"}
}

// OrderRecord implements supplier.Store. It is one statement.
func (s *Store) OrderRecord(ctx context.Context, supplierID, orderID string) (*supplier.OrderRecord, error) {
	var o supplier.OrderRecord
	if err := s.orders().get(ctx, supplierID, orderID, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// PutOrderRecord implements supplier.Store. It is one statement.
func (s *Store) PutOrderRecord(ctx context.Context, supplierID string, o *supplier.OrderRecord) error {
	return s.orders().put(ctx, supplierID, o.OrderID, o, false)
}

// AddOrderRecord implements supplier.Store. It is one statement.
func (s *Store) AddOrderRecord(ctx context.Context, supplierID string, o *supplier.OrderRecord) error {
	return s.orders().put(ctx, supplierID, o.OrderID, o, true)
}

// SupplierOf implements supplier.Store. It is one statement, which reads
// the order's record too: the unit of work ctx carries remembers both.
func (s *Store) SupplierOf(ctx context.Context, orderID string) (*supplier.Supplier, error) {
	var (
		id       string
		version  int64
		doc, rec []byte
	)
	err := pg.QueryRow(ctx, s.pool, func(row pgx.Row) error { return row.Scan(&id, &version, &doc, &rec) },
		s.schema.SQL(`SELECT s.id, s.version, s.doc, o.doc FROM tradeassure.supplier_orders o
			JOIN tradeassure.suppliers s ON s.id = o.supplier_id WHERE o.order_id = $1`), orderID)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, fmt.Errorf("%w: the supplier of order %q", supplier.ErrNotFound, orderID)
	case err != nil:
		return nil, fmt.Errorf("supplierpg: read the supplier of order %q: %w", orderID, err)
	}
	pg.Remember(ctx, s.pool, s.orders().key(id, orderID), rec)
	return s.docs.Keep(ctx, id, version, doc)
}

// Inquiry implements supplier.Store. It is one statement.
func (s *Store) Inquiry(ctx context.Context, supplierID, id string) (*supplier.Inquiry, error) {
	var q supplier.Inquiry
	if err := s.inquiries().get(ctx, supplierID, id, &q); err != nil {
		return nil, err
	}
	return &q, nil
}

// PutInquiry implements supplier.Store. It is one statement.
func (s *Store) PutInquiry(ctx context.Context, supplierID string, q *supplier.Inquiry) error {
	return s.inquiries().put(ctx, supplierID, q.ID, q, false)
}

func (s *Store) payouts() history {
	return history{store: s, table: "supplier_payouts", id: "payout_id", noun: "payout"}
}

// Payout implements supplier.Store. It is one statement.
func (s *Store) Payout(ctx context.Context, supplierID, id string) (*supplier.Payout, error) {
	var p supplier.Payout
	if err := s.payouts().get(ctx, supplierID, id, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// PutPayout implements supplier.Store. It is one statement.
func (s *Store) PutPayout(ctx context.Context, supplierID string, p *supplier.Payout) error {
	return s.payouts().put(ctx, supplierID, p.ID, p, false)
}

// Payouts implements supplier.Store. It is one statement.
func (s *Store) Payouts(ctx context.Context, supplierID string) ([]*supplier.Payout, error) {
	ps := []*supplier.Payout{}
	err := pg.Query(ctx, s.pool, func(rows pgx.Rows) error {
		var doc []byte
		_, err := pgx.ForEachRow(rows, []any{&doc}, func() error {
			var p supplier.Payout
			if err := json.Unmarshal(doc, &p); err != nil {
				return fmt.Errorf("supplierpg: decode a payout of supplier %q: %w", supplierID, err)
			}
			ps = append(ps, &p)
			return nil
		})
		return err
	}, s.schema.SQL("SELECT doc FROM tradeassure.supplier_payouts WHERE supplier_id = $1"), supplierID)
	if err != nil {
		return nil, fmt.Errorf("supplierpg: read the payouts of supplier %q: %w", supplierID, err)
	}
	return ps, nil
}

// AddBalanceEntries implements supplier.Store. It is one statement, which
// in a unit goes with the unit's next one.
func (s *Store) AddBalanceEntries(ctx context.Context, supplierID string, entries []supplier.BalanceEntry) error {
	n := len(entries)
	seqs, currencies, ats, ns, docs := make([]int64, n), make([]string, n), make([]time.Time, n), make([]int16, n), make([]string, n)
	for i, e := range entries {
		doc, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("supplierpg: encode balance entry %d of supplier %q: %w", e.Seq, supplierID, err)
		}
		seqs[i], currencies[i], docs[i] = e.Seq, string(e.Amount.Currency()), string(doc)
		ats[i], ns[i] = pg.SplitTime(e.At)
	}
	return pg.Write(ctx, s.pool, supplier.ErrConflict, func(err error) error {
		switch {
		case pg.ForeignKeyViolation(err):
			return fmt.Errorf("%w: supplier %q", supplier.ErrNotFound, supplierID)
		case pg.UniqueViolation(err):
			return fmt.Errorf("%w: a balance entry of supplier %q", supplier.ErrDuplicate, supplierID)
		}
		return fmt.Errorf("supplierpg: write the balance entries of supplier %q: %w", supplierID, err)
	}, s.schema.SQL(`INSERT INTO tradeassure.supplier_balance_entries (supplier_id, seq, currency, at, at_ns, doc)
		SELECT $1, e.seq, e.currency, e.at, e.at_ns, e.doc::jsonb
		FROM unnest($2::bigint[], $3::text[], $4::timestamptz[], $5::smallint[], $6::text[]) AS e (seq, currency, at, at_ns, doc)`),
		supplierID, seqs, currencies, ats, ns, docs)
}

// BalanceEntries implements supplier.Store. It is one statement, on the
// index supplier_balance_entries_period: the last entry before from and
// the period's.
func (s *Store) BalanceEntries(ctx context.Context, supplierID string, cur payment.Currency, from, to time.Time, limit int) (*supplier.BalanceEntry, []supplier.BalanceEntry, error) {
	fromAt, fromNs := pg.SplitTime(from)
	toAt, toNs := pg.SplitTime(to)
	var before *supplier.BalanceEntry
	in := []supplier.BalanceEntry{}
	err := pg.Query(ctx, s.pool, func(rows pgx.Rows) error {
		var (
			opening bool
			doc     []byte
		)
		_, err := pgx.ForEachRow(rows, []any{&opening, &doc}, func() error {
			var e supplier.BalanceEntry
			if err := json.Unmarshal(doc, &e); err != nil {
				return fmt.Errorf("decode a balance entry: %w", err)
			}
			if opening {
				before = &e
			} else {
				in = append(in, e)
			}
			return nil
		})
		return err
	}, s.schema.SQL(`(SELECT true, doc FROM tradeassure.supplier_balance_entries
			WHERE supplier_id = $1 AND currency = $2 AND (at, at_ns) < ($3, $4)
			ORDER BY at DESC, at_ns DESC, seq DESC LIMIT 1)
		UNION ALL
		(SELECT false, doc FROM tradeassure.supplier_balance_entries
			WHERE supplier_id = $1 AND currency = $2 AND (at, at_ns) >= ($3, $4) AND (at, at_ns) < ($5, $6)
			ORDER BY seq LIMIT $7)`), supplierID, string(cur), fromAt, fromNs, toAt, toNs, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("supplierpg: read the balance entries of supplier %q: %w", supplierID, err)
	}
	slices.SortFunc(in, func(a, b supplier.BalanceEntry) int { return cmp.Compare(a.Seq, b.Seq) })
	return before, in, nil
}
