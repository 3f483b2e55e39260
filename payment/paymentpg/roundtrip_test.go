package paymentpg_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/internal/pg"
	"github.com/tradeassure/tradeassure/internal/pgtest"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/payment/paymentpg"
)

// counter counts the statements sent (pg.QueryCounter), each one round
// trip, and the statements prepared: one round trip more, the first time
// a connection sees a statement.
type counter struct {
	pg.QueryCounter
	prepares atomic.Int64
}

func (c *counter) TracePrepareStart(ctx context.Context, _ *pgx.Conn, _ pgx.TracePrepareStartData) context.Context {
	c.prepares.Add(1)
	return ctx
}

func (c *counter) TracePrepareEnd(context.Context, *pgx.Conn, pgx.TracePrepareEndData) {}

// TestRoundTrips counts the statements each operation sends, on one
// connection: every statement is one round trip. The first use of a
// statement on a connection also prepares it, one round trip more; the
// log shows those first uses too, and the test checks the warm counts.
func TestRoundTrips(t *testing.T) {
	other := pgtest.Pool(t) // another process, not counted
	cfg := other.Config()   // the same schema, on a pool with the tracer
	tracer := &counter{}
	cfg.ConnConfig.Tracer = tracer
	cfg.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	require.NoError(t, paymentpg.Migrate(ctx, pool))
	store := paymentpg.New(pool)
	// No risk rules, so that b2's many payments stay accepted; Initiate reads
	// the buyer's history all the same.
	svc, err := payment.NewService(payment.Config{Store: store, Unit: paymentpg.Unit(pool), Clock: testkit.NewClock(testkit.At(0)), Risk: []payment.RiskRule{}})
	require.NoError(t, err)

	// initiated returns the id of a new payment of buyer b2's.
	initiated := func(key string) string {
		p, err := svc.Initiate(ctx, payment.Buyer("b2"), key, payment.InitiateRequest{
			OrderID: "o-" + key, Tranche: payment.Full, BuyerID: "b2", BuyerCountry: "AU",
			Instrument: payment.Instrument{Method: payment.Card, Network: payment.Mastercard}, Amount: payment.MustParse("10.00", payment.USD),
		})
		require.NoError(t, err)
		return p.ID
	}
	succeeded := func(key string) string {
		id := initiated(key)
		_, err := svc.Report(ctx, webhooks, id, payment.Outcome{Status: payment.StatusSucceeded})
		require.NoError(t, err)
		return id
	}
	none := func(*payment.Payment) error { return nil }
	for _, tc := range []struct {
		name string
		want int64
		// fails is set when the op's write fails: pgx drops a statement
		// that failed from its cache, so the next use prepares it again.
		fails bool
		setup func(run string) string // what op works on, not counted
		op    func(run, on string) error
	}{
		{name: "CreatePayment", want: 1, op: func(run, _ string) error {
			return ignore(store.CreatePayment(ctx, newPayment("p"+run, "k"+run, "b1", testkit.At(0))))
		}},
		{name: "Payment", want: 1, op: func(string, string) error { return ignore(store.Payment(ctx, "p0")) }},
		{name: "PaymentByKey", want: 1, op: func(string, string) error { return ignore(store.PaymentByKey(ctx, "b1", "k0")) }},
		{name: "PaymentsByBuyer", want: 1, op: func(string, string) error {
			return ignore(store.PaymentsByBuyer(ctx, "b1", time.Time{}))
		}},
		{name: "UpdatePayment", want: 2, op: func(string, string) error { return ignore(store.UpdatePayment(ctx, "p0", none)) }},
		{name: "UpdatePayment, stale: ErrConflict", want: 2, fails: true, op: func(string, string) error {
			_, err := store.UpdatePayment(ctx, "p0", func(*payment.Payment) error {
				_, err := other.Exec(ctx, "UPDATE payments SET version = version + 1 WHERE id = 'p0'")
				return err
			})
			if errors.Is(err, payment.ErrConflict) {
				return nil
			}
			return fmt.Errorf("want ErrConflict, got %v", err)
		}},
		{name: "Account, none yet: ErrNotFound", want: 1, op: func(run, _ string) error {
			if _, err := store.Account(ctx, "a"+run); !errors.Is(err, payment.ErrNotFound) {
				return fmt.Errorf("want ErrNotFound, got %v", err)
			}
			return nil
		}},
		{name: "UpdateAccount, creating it", want: 2, op: func(run, _ string) error {
			return ignore(store.UpdateAccount(ctx, "a"+run, func(*payment.Account) error { return nil }))
		}},
		{name: "UpdateAccount", want: 2, op: func(string, string) error {
			return ignore(store.UpdateAccount(ctx, "a0", func(*payment.Account) error { return nil }))
		}},
		// A unit of work: its BEGIN with the reads, its writes with the
		// COMMIT; a replay's COMMIT ends a transaction that wrote nothing.
		{name: "Service.Initiate", want: 2, op: func(run, _ string) error { initiated("i" + run); return nil }},
		{name: "Service.Initiate, a replay", want: 2, op: func(string, string) error { initiated("i0"); return nil }},
		{name: "Service.Report", want: 2, setup: func(run string) string { return initiated("report" + run) },
			op: func(_, id string) error {
				return ignore(svc.Report(ctx, webhooks, id, payment.Outcome{Status: payment.StatusSucceeded}))
			}},
		{name: "Service.RecordRefund", want: 2, setup: func(run string) string { return succeeded("refund" + run) },
			op: func(_, id string) error {
				return ignore(svc.RecordRefund(ctx, webhooks, id, "r", payment.RefundRequest{Amount: payment.MustParse("1.00", payment.USD)}))
			}},
	} {
		var queries, prepares [2]int64
		for run := range 2 { // cold, then warm
			var on string
			if tc.setup != nil {
				on = tc.setup(fmt.Sprint(run))
			}
			q, p := tracer.Count(), tracer.prepares.Load()
			require.NoError(t, tc.op(fmt.Sprint(run), on), tc.name)
			queries[run], prepares[run] = tracer.Count()-q, tracer.prepares.Load()-p
		}
		t.Logf("%-36s %d round trips (first use: %d statements + %d prepares)", tc.name, queries[1], queries[0], prepares[0])
		assert.Equal(t, tc.want, queries[1], "%s: statements, warm", tc.name)
		if !tc.fails {
			assert.Zero(t, prepares[1], "%s: prepares, warm", tc.name)
		}
	}
}

func ignore(_ any, err error) error { return err }
