package systemtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"pgregory.net/rapid"

	"github.com/tradeassure/tradeassure/dispute/disputepg"
	"github.com/tradeassure/tradeassure/escrow/escrowpg"
	"github.com/tradeassure/tradeassure/internal/pgtest"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/order/orderpg"
	"github.com/tradeassure/tradeassure/payment/paymentpg"
	"github.com/tradeassure/tradeassure/supplier/supplierpg"
)

// How many random sequences TestSystemAgainstModel runs, and how long they
// are, unless -rapid.checks / -rapid.steps (or RAPID_CHECKS / RAPID_STEPS)
// say otherwise. Under -short the test keeps rapid's default of 100 checks,
// of which rapid runs a fifth, at half the length.
const (
	checksMemory = 10_000
	checksRace   = 1_000 // under -race
	avgSteps     = 50    // rapid's Repeat draws a geometric length with this mean...
	maxSteps     = 100   // ...which the test cuts at this many steps
)

// How many sequences TestSystemAgainstModelOnPostgreSQL runs, each on a
// schema of its own: the full count without -race (CI's full-size step),
// a few under -race, where the in-memory test covers the interleavings.
const (
	checksPostgres     = 300
	checksPostgresRace = 30
)

// TestSystemAgainstModel drives the public services on the in-memory
// stores, wired on one manual clock with two or three suppliers (two
// enrolled, with limits of some USD 16,000 and 5,000, one verified only)
// and three buyers (US, DE, SG), with random sequences of up to 100 calls
// by random actors (machine_test.go, actions_test.go): drafting orders in
// USD, EUR and JPY, submitting, confirming, paying tranches by random
// methods from random countries (some not eligible), the processor's
// outcomes, risk decisions and syncs, modifications proposed and decided,
// production, inspections, shipment, tracking, delivery, receipt confirmed
// and extended, cancellations, claims and supplier cases with and without
// evidence, responses, offers, acceptances, escalations, decisions,
// appeals, withdrawals, buyers' accounts frozen and unfrozen, the clock
// moved by minutes to weeks and onto deadlines, both sweeps; retries of
// earlier calls (a success must replay: the same result, nothing changed),
// keys reused for other requests (ErrIdempotencyMismatch, nothing
// changed), and calls by actors who may not make them (*payment.ActorError,
// nothing changed).
//
// After every call it reads the world and checks it against the reference
// model (call_test.go, invariants_test.go): the call's outcome against
// what the model expects; a refused call changed nothing stored; every
// escrow ledger balances entry by entry and holds what the order's
// payments paid, what the order says it holds while it is open and nothing
// once it has ended, frozen exactly while the order is disputed, with the
// payments' refunds equal to escrow's; every order's state is where its
// history leads through the transition table, and every case's likewise;
// every action was published once, in order; no work is left pending; a
// supplier's reservations are those of its open covered orders and grow
// only within its limit; each order is compensated for a late shipment at
// most once and each case's decision carried out at most once.
//
// The SDK bugs it found are kept as regression tests (regression_test.go).
func TestSystemAgainstModel(t *testing.T) {
	run(t, checksMemory, checksRace, func(rt *rapid.T, _ int) *world {
		w, err := newWorld(context.Background(), memoryStores(), rapid.IntRange(2, 3).Draw(rt, "suppliers"))
		if err != nil {
			rt.Fatalf("building the world: %v", err)
		}
		return w
	})
}

// TestSystemAgainstModelOnPostgreSQL is TestSystemAgainstModel on the five
// PostgreSQL reference stores, every sequence on a schema of its own
// (named with each store's Schema option, on connections whose
// search_path does not name it, so that a statement that forgot its schema
// fails), dropped when it ends. It needs TRADEASSURE_TEST_DSN: without it, it fails
// when CI is set and skips otherwise.
func TestSystemAgainstModelOnPostgreSQL(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to %s: %v", pgtest.EnvDSN, err)
	}
	t.Cleanup(func() { _ = admin.Close(ctx) })
	run(t, checksPostgres, checksPostgresRace, func(rt *rapid.T, seq int) *world {
		st, versions, err := pgStores(ctx, rt, admin, dsn, seq)
		if err != nil {
			rt.Fatalf("PostgreSQL stores: %v", err)
		}
		w, err := newWorld(ctx, st, rapid.IntRange(2, 3).Draw(rt, "suppliers"))
		if err != nil {
			rt.Fatalf("building the world: %v", err)
		}
		w.versions = versions
		return w
	})
}

// pgStores returns the five PostgreSQL stores on a new schema, which the
// sequence's cleanup drops, on a pool whose search_path is the server's,
// and the versions function of a world on them.
func pgStores(ctx context.Context, rt *rapid.T, admin *pgx.Conn, dsn string, seq int) (stores, func(context.Context) (map[row]int64, error), error) {
	schema := fmt.Sprintf("systemtest_%08x_%d", rand.Uint32(), seq) // Migrate creates it
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return stores{}, nil, err
	}
	cfg.MaxConns = 2 // the sequence makes one call at a time
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return stores{}, nil, err
	}
	rt.Cleanup(func() {
		pool.Close()
		if _, err := admin.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil {
			rt.Errorf("drop schema %s: %v", schema, err)
		}
	})
	for _, migrate := range []func(context.Context, *pgxpool.Pool) error{
		func(ctx context.Context, pool *pgxpool.Pool) error {
			return orderpg.Migrate(ctx, pool, orderpg.Schema(schema))
		},
		func(ctx context.Context, pool *pgxpool.Pool) error {
			return paymentpg.Migrate(ctx, pool, paymentpg.Schema(schema))
		},
		func(ctx context.Context, pool *pgxpool.Pool) error {
			return escrowpg.Migrate(ctx, pool, escrowpg.Schema(schema))
		},
		func(ctx context.Context, pool *pgxpool.Pool) error {
			return supplierpg.Migrate(ctx, pool, supplierpg.Schema(schema))
		},
		func(ctx context.Context, pool *pgxpool.Pool) error {
			return disputepg.Migrate(ctx, pool, disputepg.Schema(schema))
		},
	} {
		if err := migrate(ctx, pool); err != nil {
			return stores{}, nil, err
		}
	}
	return stores{orders: orderpg.New(pool, orderpg.Schema(schema)), payments: paymentpg.New(pool, paymentpg.Schema(schema)),
		escrow: escrowpg.New(pool, escrowpg.Schema(schema)), suppliers: supplierpg.New(pool, supplierpg.Schema(schema)),
		cases: disputepg.New(pool, disputepg.Schema(schema)), unit: paymentpg.Unit(pool),
		outbox: paymentpg.Outbox(pool, paymentpg.Schema(schema))}, pgVersions(pool, schema), nil
}

// versionsSQL lists the id and version of every aggregate the five
// stores keep in the schema %[1]s, from their tables (see each store's
// migrations), in one round trip: a snapshot then reads again only what
// was written.
const versionsSQL = `SELECT 'order', id, version FROM %[1]s.orders
	UNION ALL SELECT 'escrow', id, version FROM %[1]s.escrow_accounts
	UNION ALL SELECT 'payment', id, version FROM %[1]s.payments
	UNION ALL SELECT 'risk', id, version FROM %[1]s.payment_accounts
	UNION ALL SELECT 'supplier', id, version FROM %[1]s.suppliers
	UNION ALL SELECT 'case', id, version FROM %[1]s.cases`

// pgVersions returns the versions function of a world on pool, its
// stores in schema.
func pgVersions(pool *pgxpool.Pool, schema string) func(context.Context) (map[row]int64, error) {
	sql := fmt.Sprintf(versionsSQL, schema)
	return func(ctx context.Context) (map[row]int64, error) {
		rows, err := pool.Query(ctx, sql)
		if err != nil {
			return nil, err
		}
		out := map[row]int64{}
		var (
			r row
			v int64
		)
		_, err = pgx.ForEachRow(rows, []any{&r.kind, &r.id, &v}, func() error {
			out[r] = v
			return nil
		})
		return out, err
	}
}

// run runs rapid with the state machine, checks sequences (or raceChecks
// under -race), each on the world newWorld returns, and logs what the
// sequences did.
func run(t *testing.T, checks, raceChecks int, newWorld func(rt *rapid.T, seq int) *world) {
	limit := testkit.SizeRapid(t, testkit.RapidSize{Checks: checks, RaceChecks: raceChecks, AvgSteps: avgSteps, MaxSteps: maxSteps}, raceEnabled)
	var (
		sequences, steps, atCap, longest int
		counts                           = map[string]int{}
		began                            = time.Now()
		inCalls, inChecks                time.Duration
	)
	rapid.Check(t, func(rt *rapid.T) {
		sequences++
		m := newMachine(rt, newWorld(rt, sequences), limit)
		rt.Repeat(m.actions())
		steps += m.steps
		inCalls, inChecks = inCalls+m.timeCalls, inChecks+m.timeChecks
		longest = max(longest, m.steps)
		if m.steps == limit {
			atCap++
		}
		for k, v := range m.counts {
			counts[k] += v
		}
		m.reached(counts)
	})
	if sequences == 0 {
		return
	}
	t.Logf("%d sequences in %s, %.1f steps on average, longest %d, %d cut at %d steps; %s in the calls, %s reading the world after them",
		sequences, time.Since(began).Round(time.Millisecond), float64(steps)/float64(sequences), longest, atCap, limit,
		inCalls.Round(time.Millisecond), inChecks.Round(time.Millisecond))
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "\n  %-100s %8d", k, counts[k])
	}
	t.Logf("what the sequences did:%s", b.String())
}

// reached counts, once per order and per case, the states the sequence's
// orders and cases went through, and the decisions made.
func (m *machine) reached(counts map[string]int) {
	for _, o := range m.snap.orders {
		if o == nil {
			continue
		}
		seen := map[string]bool{}
		for _, a := range o.History.All() {
			seen[string(a.To)] = true
		}
		for s := range seen {
			counts["order reached "+s]++
		}
		if len(o.Disputes) > 0 {
			counts["order disputed, ending "+string(o.State)]++
		}
		if !o.LateShipment.DecidedAt.IsZero() {
			counts[fmt.Sprintf("order's late shipment decided (compensated %v)", o.LateShipment.Amount.IsPositive())]++
		}
		if o.Coverage.Reserved.IsPositive() {
			if total, err := o.Total(); err == nil && o.Coverage.Limit.Minor() < total.Minor() {
				counts["order covered in part"]++
			}
		}
	}
	for _, c := range m.snap.cases {
		if c == nil {
			continue
		}
		seen := map[string]bool{}
		for _, e := range c.Timeline {
			seen[string(e.To)] = true
		}
		for s := range seen {
			counts["case reached "+s]++
		}
		if c.Decision != nil {
			counts["case decided: "+string(c.Decision.Outcome)]++
		}
		if ended(c.State) {
			counts["case carried out: "+string(c.State)]++
		}
	}
}
