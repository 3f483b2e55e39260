package escrowpg_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/escrow/escrowpg"
	"github.com/tradeassure/tradeassure/payment"
)

// roundTrips counts what a pool sends the server: a statement, a batch (one
// pipeline, one round trip once its statements are prepared), and a
// statement prepared on its own, which each connection does once per
// statement.
type roundTrips struct {
	queries, batches, prepares atomic.Int64
}

func (r *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	r.queries.Add(1)
	return ctx
}
func (r *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (r *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	r.batches.Add(1)
	return ctx
}
func (r *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (r *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}
func (r *roundTrips) TracePrepareStart(ctx context.Context, _ *pgx.Conn, _ pgx.TracePrepareStartData) context.Context {
	r.prepares.Add(1)
	return ctx
}
func (r *roundTrips) TracePrepareEnd(context.Context, *pgx.Conn, pgx.TracePrepareEndData) {}

func (r *roundTrips) reset() { r.queries.Store(0); r.batches.Store(0); r.prepares.Store(0) }

// report reports the round trips of the last reset per call of ops calls.
func (r *roundTrips) report(b *testing.B, ops int) {
	b.Helper()
	n := float64(b.N * ops)
	b.ReportMetric(float64(r.queries.Load()+r.batches.Load())/n, "roundtrips/call")
	b.ReportMetric(float64(r.prepares.Load())/n, "prepares/call")
}

// tracedPool returns a pool of up to conns connections on a migrated
// schema of its own, which count their round trips in r.
func tracedPool(t testing.TB, r *roundTrips, conns int32) *pgxpool.Pool {
	t.Helper()
	cfg := newPool(t).Config()
	cfg.ConnConfig.Tracer = r
	cfg.MaxConns = conns
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// total returns the round trips since the last reset, and resets.
func (r *roundTrips) total() int64 {
	n := r.queries.Load() + r.batches.Load() + r.prepares.Load()
	r.reset()
	return n
}

// TestRoundTrips checks the round trips the package documentation states,
// once every statement is prepared: Account one, Create one, Update two,
// and an Update whose fn fails one.
func TestRoundTrips(t *testing.T) {
	ctx := context.Background()
	var rt roundTrips
	pool := tracedPool(t, &rt, 1) // one connection, so the first round prepares every statement on it
	s := escrowpg.New(pool)
	hold := func(a *escrow.Account) error {
		seq := int64(len(a.Entries)) + 1
		a.Entries = append(a.Entries, escrow.Entry{Seq: seq, From: escrow.BuyerFunding, To: escrow.Escrow, Amount: usd("1.00"), Key: a.UpdatedAt.String(), Actor: system})
		a.Operations = append(a.Operations, escrow.Operation{Key: a.UpdatedAt.String(), Op: escrow.OpHold, Actor: system, First: seq, Last: seq})
		a.UpdatedAt = a.UpdatedAt.Add(1)
		return nil
	}
	for i := range 2 { // the first round prepares the statements
		id := fmt.Sprintf("o%d", i)
		rt.reset()
		_, err := s.Create(ctx, &escrow.Account{ID: id, BuyerID: "b", SupplierID: "s", Currency: payment.USD})
		require.NoError(t, err)
		create := rt.total()
		_, err = s.Account(ctx, id)
		require.NoError(t, err)
		account := rt.total()
		_, err = s.Update(ctx, id, hold)
		require.NoError(t, err)
		update := rt.total()
		_, err = s.Update(ctx, id, func(*escrow.Account) error { return errors.New("refused") })
		require.Error(t, err)
		refused := rt.total()
		if i == 0 {
			continue
		}
		assert.Equal(t, []int64{1, 1, 2, 1}, []int64{create, account, update, refused}, "round trips of Create, Account, Update, a refused Update")
	}
}

// BenchmarkStoreHoldRelease measures a Hold and a Release of part of it,
// through a Service, on an account of its own per iteration (opened before
// the clock starts), so the ledger is as long as an order's. It reports the
// SQL round trips per Service call, once every connection has prepared its
// statements: each call is one unit of work (paymentpg.Unit), its BEGIN
// with the read and its write with the COMMIT, two. workers=8 runs 8
// goroutines, each on its own accounts, so the round trips above 2 are
// units run again after a serialization failure.
func BenchmarkStoreHoldRelease(b *testing.B) {
	for _, workers := range []int{1, 8} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			ctx := context.Background()
			var rt roundTrips
			pool := tracedPool(b, &rt, 16)
			svc := newService(b, escrowpg.New(pool), pool)
			ids := make([]string, b.N+workers) // one per iteration, and one each to warm up
			for i := range ids {
				ids[i] = fmt.Sprintf("o%d", i)
				_, err := svc.Open(ctx, system, escrow.OpenRequest{OrderID: ids[i], BuyerID: "buyer-1", SupplierID: "supplier-1", Currency: payment.USD})
				require.NoError(b, err)
			}
			holdRelease := func(id string) error {
				if _, err := svc.Hold(ctx, system, id, "h1", escrow.HoldRequest{Amount: usd("100.00"), PaymentID: "pay-1"}); err != nil {
					return err
				}
				_, err := svc.Release(ctx, system, id, "r1", escrow.ReleaseRequest{Amount: usd("60.00")})
				return err
			}
			var next atomic.Int64
			run := func() error {
				for {
					i := next.Add(1) - 1
					if i >= int64(len(ids)) {
						return nil
					}
					if err := holdRelease(ids[i]); err != nil {
						return err
					}
				}
			}
			// Warm up: every connection the workers use prepares its statements.
			errs := make(chan error, workers)
			for range workers {
				go func() { errs <- holdRelease(ids[next.Add(1)-1]) }()
			}
			for range workers {
				require.NoError(b, <-errs)
			}
			rt.reset()
			b.ResetTimer()
			for range workers {
				go func() { errs <- run() }()
			}
			for range workers {
				if err := <-errs; err != nil {
					b.Error(err)
				}
			}
			b.StopTimer()
			rt.report(b, 2)
		})
	}
}
