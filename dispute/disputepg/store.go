package disputepg

import (
	"context"
	"embed"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tradeassure/tradeassure/dispute"
	"github.com/tradeassure/tradeassure/internal/pg"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate creates or upgrades the store's tables (cases and case_evidence)
// in the pool's database, in the schema "tradeassure" unless an option
// names another (created if it does not exist). It is idempotent, and safe
// to call from several processes at once.
func Migrate(ctx context.Context, pool *pgxpool.Pool, opts ...Option) error {
	return pg.Migrate(ctx, pool, pg.SchemaOf(opts, storeSchema), "dispute", migrations, "migrations")
}

// Store is the PostgreSQL dispute.Store. It is safe for concurrent use; its
// zero value is not usable: call New.
type Store struct {
	docs   *pg.DocStore[dispute.Case]
	schema pg.Schema
}

// Option configures a Store, and the Migrate that prepares its tables.
type Option func(*Store)

// Schema puts the store's tables in the schema named instead of
// "tradeassure"; see paymentpg.Schema.
func Schema(name string) Option { return func(s *Store) { s.schema = pg.Schema(name) } }

func storeSchema(s *Store) pg.Schema { return s.schema }

var _ dispute.Store = (*Store)(nil)

// New returns a Store over pool, whose database Migrate has prepared.
func New(pool *pgxpool.Pool, opts ...Option) *Store {
	return &Store{docs: &pg.DocStore[dispute.Case]{
		Pool:     pool,
		Schema:   pg.SchemaOf(opts, storeSchema),
		Table:    "cases",
		Columns:  []string{"order_id", "state", "amount", "currency", "deadline", "deadline_ns"},
		ID:       func(c *dispute.Case) string { return c.ID },
		Version:  func(c *dispute.Case) *int64 { return &c.Version },
		Project:  project,
		Also:     appendEvidence,
		Clone:    (*dispute.Case).Clone,
		NotFound: dispute.ErrNotFound, Duplicate: dispute.ErrDuplicate, Conflict: dispute.ErrConflict,
	}}
}

// Create implements dispute.Store. It is one statement, which inserts the
// case and its evidence.
func (s *Store) Create(ctx context.Context, c *dispute.Case) (*dispute.Case, error) {
	return s.docs.Insert(ctx, c)
}

// Case implements dispute.Store. It is one statement.
func (s *Store) Case(ctx context.Context, id string) (*dispute.Case, error) {
	return s.docs.Get(ctx, id)
}

// Update implements dispute.Store: it reads the case, calls fn once on the
// copy it read with no transaction open, then writes it, with the evidence
// fn added, if its version is still the one read, else returns
// dispute.ErrConflict. Evidence is append-only: an fn that changes or
// removes an item is refused with dispute.ErrInvalidRequest. It is two
// statements: the read and the write.
func (s *Store) Update(ctx context.Context, id string, fn func(*dispute.Case) error) (*dispute.Case, error) {
	return s.docs.Update(ctx, id, fn)
}

// Due implements dispute.Store. It is one statement, which reads the index
// cases_due from its start to before.
func (s *Store) Due(ctx context.Context, before time.Time, limit int) ([]*dispute.Case, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("%w: Due: limit %d; it must be positive", dispute.ErrInvalidRequest, limit)
	}
	at, ns := pg.SplitTime(before)
	return s.docs.Select(ctx, `WHERE deadline IS NOT NULL AND (deadline, deadline_ns) <= ($1, $2)
		ORDER BY deadline, deadline_ns, id LIMIT $3`, at, ns, limit)
}

// project returns the values of the typed columns for c, in the order of
// New's Columns.
func project(c *dispute.Case) ([]any, error) {
	var deadline, ns any // NULL for no deadline
	if !c.Deadline.IsZero() {
		deadline, ns = pg.SplitTime(c.Deadline)
	}
	amount, err := pg.Numeric(c.Amount)
	if err != nil {
		return nil, fmt.Errorf("%w: case %s: %w", dispute.ErrInvalidRequest, c.ID, err)
	}
	return []any{c.OrderID, string(c.State), amount, string(c.Amount.Currency()), deadline, ns}, nil
}

// appendEvidence returns the insert of the evidence c has beyond what
// before had (all of it on create, when before is nil), after checking
// that the items before had are still there, unchanged. The table's
// primary key refuses an id that appears twice.
func appendEvidence(before, c *dispute.Case) (pg.With, error) {
	var old []dispute.Evidence
	if before != nil {
		old = before.Evidence
	}
	if len(c.Evidence) < len(old) {
		return pg.With{}, fmt.Errorf("%w: case %s: evidence is append-only: %d items were removed", dispute.ErrInvalidRequest, c.ID, len(old)-len(c.Evidence))
	}
	for i, e := range old {
		if !sameEvidence(e, c.Evidence[i]) {
			return pg.With{}, fmt.Errorf("%w: case %s: evidence is append-only: item %s was changed", dispute.ErrInvalidRequest, c.ID, e.ID)
		}
	}
	added := c.Evidence[len(old):]
	if len(added) == 0 {
		return pg.With{}, nil
	}
	var ids, kinds, uris, digests, by []string
	var at []time.Time
	for _, e := range added {
		ids, kinds, uris, digests = append(ids, e.ID), append(kinds, string(e.Kind)), append(uris, e.URI), append(digests, e.SHA256)
		by, at = append(by, e.SubmittedBy.String()), append(at, e.At)
	}
	return pg.With{
		Queries: []string{`evidence AS (
			INSERT INTO tradeassure.case_evidence (case_id, evidence_id, kind, uri, sha256, submitted_by, at)
			SELECT doc.id, e.evidence_id, e.kind, e.uri, e.sha256, e.submitted_by, e.at
			FROM doc, unnest(@ev_ids::text[], @ev_kinds::text[], @ev_uris::text[], @ev_sha256::text[], @ev_by::text[],
				@ev_at::timestamptz[]) AS e (evidence_id, kind, uri, sha256, submitted_by, at))`},
		Args: pgx.NamedArgs{"ev_ids": ids, "ev_kinds": kinds, "ev_uris": uris, "ev_sha256": digests, "ev_by": by, "ev_at": at},
	}, nil
}

// sameEvidence reports whether a and b are the same item (times as
// instants).
func sameEvidence(a, b dispute.Evidence) bool {
	return a.ID == b.ID && a.Kind == b.Kind && a.SubmittedBy == b.SubmittedBy && a.At.Equal(b.At) && a.URI == b.URI &&
		a.SHA256 == b.SHA256 && a.Description == b.Description && a.Agency == b.Agency && a.Result == b.Result &&
		slices.Equal(a.Defects, b.Defects)
}
