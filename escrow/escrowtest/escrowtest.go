// Package escrowtest checks an implementation of escrow.Store against the
// contract written on the interface, in the manner of testing/fstest:
//
//	func TestMyStore(t *testing.T) {
//		escrowtest.TestStore(t, func(t *testing.T) (escrow.Store, payment.UnitOfWork) {
//			return newEmptyStore(t), itsUnit // payment.MemoryUnit() for escrow.NewMemoryStore()
//		})
//	}
//
// Every check reports with t.Errorf and a go-cmp diff, so one run shows every
// failure. Run it with -race: several checks race goroutines on one account.
//
// The first checks are those every versioned store of the SDK must pass
// (read back, copies, duplicates, conflicts, lost updates, cancelled
// contexts: see internal/testkit.RunStoreChecks), on accounts whose ledger
// must stay consistent through every update.
//
// The last checks drive an escrow.Service over the store, since a store's
// job is to make the Service correct: a repeated request is answered from
// its record, racing withdrawals never overspend, and after a random
// concurrent workload every ledger balances and matches what succeeded.
//
// The checks assume what the in-memory store does and the contract implies:
// Update runs fn without holding a lock that another Update of the same
// account waits on. Where a store that does hold one would hang, the kit
// gives up after a time limit and reports it instead.
package escrowtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
)

// TestStore runs the conformance checks. newStore must return a new, empty
// store each time it is called, with the unit of work of its kind
// (payment.MemoryUnit() for the in-memory store), which the checks that
// drive an escrow.Service give it.
func TestStore(t *testing.T, newStore func(t *testing.T) (escrow.Store, payment.UnitOfWork)) {
	store, newService := testkit.ServiceKit(newStore, service)
	testkit.RunStoreChecks(t, aggregate, func(t *testing.T) testkit.StoreHooks[escrow.Account] {
		s := store(t)
		return testkit.StoreHooks[escrow.Account]{Create: s.Create, Get: s.Account, Update: s.Update}
	})

	t.Run("Held adds up every account at an instant, per currency", func(t *testing.T) {
		s := store(t)
		ctx := context.Background()
		t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
		eur, yen := func(v string) payment.Money { return payment.MustParse(v, payment.EUR) }, func(v string) payment.Money { return payment.MustParse(v, payment.JPY) }
		for _, a := range []*escrow.Account{
			// USD 100.00 held at t0, 30.00 released at t2 (fee included)
			ledgerOf("h-usd-1", usd("0"), []escrow.Entry{
				{From: escrow.BuyerFunding, To: escrow.Escrow, Amount: usd("100.00"), At: at(0)},
				{From: escrow.Escrow, To: escrow.SupplierPayable, Amount: usd("29.40"), At: at(2)},
				{From: escrow.Escrow, To: escrow.PlatformFee, Amount: usd("0.60"), At: at(2)},
			}),
			ledgerOf("h-usd-2", usd("0"), []escrow.Entry{{From: escrow.BuyerFunding, To: escrow.Escrow, Amount: usd("50.00"), At: at(1)}}),
			// JPY 1,000 held at t1, refunded at t3; a guarantee paid in and out at t4
			ledgerOf("h-jpy", yen("0"), []escrow.Entry{
				{From: escrow.BuyerFunding, To: escrow.Escrow, Amount: yen("1000"), At: at(1)},
				{From: escrow.Escrow, To: escrow.BuyerRefund, Amount: yen("1000"), At: at(3)},
				{From: escrow.Guarantee, To: escrow.Escrow, Amount: yen("500"), At: at(4)},
				{From: escrow.Escrow, To: escrow.BuyerRefund, Amount: yen("500"), At: at(4)},
			}),
			ledgerOf("h-eur", eur("0"), []escrow.Entry{{From: escrow.BuyerFunding, To: escrow.Escrow, Amount: eur("10.00"), At: at(5)}}),
			ledgerOf("h-empty", usd("0"), nil),
		} {
			if _, err := s.Create(ctx, a); err != nil {
				t.Fatalf("Create %s: %v", a.ID, err)
			}
		}
		for _, tt := range []struct {
			at   time.Time
			want []payment.Money
		}{
			{at(-1), nil},
			{at(0), []payment.Money{usd("100.00")}},
			{at(1).Add(-time.Nanosecond), []payment.Money{usd("100.00")}},
			{at(1), []payment.Money{yen("1000"), usd("150.00")}},
			{at(2), []payment.Money{yen("1000"), usd("120.00")}},
			{at(3), []payment.Money{usd("120.00")}},
			{at(4), []payment.Money{usd("120.00")}},
			{at(5), []payment.Money{eur("10.00"), usd("120.00")}},
		} {
			got, err := s.Held(ctx, tt.at)
			if err != nil {
				t.Fatalf("Held at %s: %v", tt.at, err)
			}
			testkit.Check(t, fmt.Sprintf("Held at %s", tt.at.Format(time.RFC3339Nano)), tt.want, got)
		}
	})

	t.Run("Held and Revenue refuse a total beyond Money's range", func(t *testing.T) {
		s := store(t)
		ctx := context.Background()
		t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		// Nineteen of the largest Money wrap an int64 back into Money's range:
		// a sum must fail, never wrap.
		largest, err := payment.FromMinor(999_999_999_999_999_999, payment.USD)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 19 {
			held := []escrow.Entry{{From: escrow.BuyerFunding, To: escrow.Escrow, Amount: largest, At: t0}}
			paid := append(slices.Clone(held), escrow.Entry{From: escrow.Escrow, To: escrow.PlatformFee, Amount: largest, At: t0})
			for _, a := range []*escrow.Account{ledgerOf(fmt.Sprintf("held-%d", i), usd("0"), held), ledgerOf(fmt.Sprintf("paid-%d", i), usd("0"), paid)} {
				if _, err := s.Create(ctx, a); err != nil {
					t.Fatalf("Create %s: %v", a.ID, err)
				}
			}
		}
		if got, err := s.Held(ctx, t0); !errors.Is(err, payment.ErrOutOfRange) {
			t.Errorf("Held of nineteen accounts of %s: %v, %v; want payment.ErrOutOfRange", largest, got, err)
		}
		if got, err := s.Revenue(ctx, t0, t0.Add(time.Hour)); !errors.Is(err, payment.ErrOutOfRange) {
			t.Errorf("Revenue of nineteen fees of %s: %v, %v; want payment.ErrOutOfRange", largest, got, err)
		}
	})

	t.Run("Revenue adds up the fees of a period, per currency, the supplier's apart and of them the service fees", func(t *testing.T) {
		s := store(t)
		ctx := context.Background()
		t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
		eur := func(v string) payment.Money { return payment.MustParse(v, payment.EUR) }
		fee := func(m payment.Money, ref string, h int) escrow.Entry {
			return escrow.Entry{From: escrow.Escrow, To: escrow.PlatformFee, Amount: m, Ref: ref, At: at(h)}
		}
		for _, a := range []*escrow.Account{
			ledgerOf("r-usd-1", usd("0"), []escrow.Entry{
				{From: escrow.BuyerFunding, To: escrow.Escrow, Amount: usd("1000.00"), At: at(0)},
				{From: escrow.Escrow, To: escrow.SupplierPayable, Amount: usd("870.00"), At: at(1)},
				fee(usd("20.00"), "", 1), fee(usd("30.00"), escrow.ServiceFeeRef, 1), fee(usd("50.00"), escrow.SupplierFeesRef, 1),
				fee(usd("10.00"), "", 3),
			}),
			ledgerOf("r-usd-2", usd("0"), []escrow.Entry{
				{From: escrow.BuyerFunding, To: escrow.Escrow, Amount: usd("100.00"), At: at(0)},
				fee(usd("2.00"), "", 2),
				{From: escrow.Escrow, To: escrow.BuyerRefund, Amount: usd("98.00"), At: at(2)},
			}),
			ledgerOf("r-eur", eur("0"), []escrow.Entry{
				{From: escrow.BuyerFunding, To: escrow.Escrow, Amount: eur("100.00"), At: at(0)},
				fee(eur("4.00"), escrow.SupplierFeesRef, 2),
			}),
		} {
			if _, err := s.Create(ctx, a); err != nil {
				t.Fatalf("Create %s: %v", a.ID, err)
			}
		}
		rev := func(cur payment.Currency, release, supplier, service string) escrow.Revenue {
			return escrow.Revenue{Currency: cur, ReleaseFees: payment.MustParse(release, cur), SupplierFees: payment.MustParse(supplier, cur),
				ServiceFees: payment.MustParse(service, cur)}
		}
		for _, tt := range []struct {
			from, to time.Time
			want     []escrow.Revenue
		}{
			{at(0), at(1), nil}, // the period ends before the fees, at their instant
			{at(1), at(2), []escrow.Revenue{rev(payment.USD, "20.00", "80.00", "30.00")}},
			{at(1), at(3), []escrow.Revenue{rev(payment.EUR, "0.00", "4.00", "0.00"), rev(payment.USD, "22.00", "80.00", "30.00")}},
			{at(2), at(4), []escrow.Revenue{rev(payment.EUR, "0.00", "4.00", "0.00"), rev(payment.USD, "12.00", "0.00", "0.00")}},
			{at(4), at(9), nil},
		} {
			got, err := s.Revenue(ctx, tt.from, tt.to)
			if err != nil {
				t.Fatalf("Revenue: %v", err)
			}
			testkit.Check(t, fmt.Sprintf("Revenue from %s to %s", tt.from.Format(time.RFC3339), tt.to.Format(time.RFC3339)), tt.want, got)
		}
	})

	t.Run("through the Service a repeated request returns its first receipt and a reused key is refused", func(t *testing.T) {
		s, svc := newService(t)
		ctx := context.Background()
		open(t, svc, "o1", usd("100.00"))
		req := escrow.ReleaseRequest{Amount: usd("30.00"), Memo: "first tranche"}
		release := func(key string, req escrow.ReleaseRequest) (*escrow.Receipt, error) {
			return untilWritten(nil, func() (*escrow.Receipt, error) { return svc.Release(ctx, system, "o1", key, req) })
		}
		first, err := release("r1", req)
		first = testkit.MustGet(t, first, err)
		a, err := s.Account(ctx, "o1")
		a = testkit.MustGet(t, a, err)
		if len(a.Entries) != 3 || first.Replayed || first.Remaining != usd("70.00") {
			t.Errorf("first release: %d entries in the account, Replayed %v, Remaining %s; want 3, false, USD 70.00",
				len(a.Entries), first.Replayed, first.Remaining)
		} else {
			testkit.Check(t, "the first receipt's entries", a.Entries[1:], first.Entries)
		}
		// Money arrives in between: the replay still describes the release.
		if _, err := untilWritten(nil, func() (*escrow.Receipt, error) {
			return svc.Hold(ctx, system, "o1", "h2", escrow.HoldRequest{Amount: usd("5.00"), PaymentID: "pay-2"})
		}); err != nil {
			t.Fatalf("Hold: %v", err)
		}
		before, err := s.Account(ctx, "o1")
		before = testkit.MustGet(t, before, err)

		again, err := release("r1", req)
		want := *first
		want.Replayed = true
		testkit.Check(t, "the replayed receipt", &want, testkit.MustGet(t, again, err))
		after, err := s.Account(ctx, "o1")
		testkit.Check(t, "the account after a replay", before, testkit.MustGet(t, after, err))

		_, err = release("r1", escrow.ReleaseRequest{Amount: usd("31.00"), Memo: "first tranche"})
		testkit.WantErr(t, "the same key with another amount", err, escrow.ErrIdempotencyMismatch)
		_, err = untilWritten(nil, func() (*escrow.Receipt, error) {
			return svc.Refund(ctx, system, "o1", "r1", escrow.RefundRequest{Amount: usd("30.00"), Memo: "first tranche"})
		})
		testkit.WantErr(t, "the same key for another operation", err, escrow.ErrIdempotencyMismatch)
		after, err = s.Account(ctx, "o1")
		testkit.Check(t, "the account after a reused key", before, testkit.MustGet(t, after, err))
	})

	t.Run("through the Service racing withdrawals never overspend", func(t *testing.T) {
		for _, tc := range []struct {
			op     escrow.Op
			what   string
			n      int
			amount string
		}{
			{escrow.OpRelease, "releases", 20, "7.00"},
			{escrow.OpRefund, "refunds", 20, "7.00"},
			{escrow.OpCompensate, "compensations", 12, "9.00"},
			{escrow.OpRelease, "releases", 10, "10.00"},
		} {
			balance, amount := usd("100.00"), usd(tc.amount)
			wantWins := min(tc.n, int(balance.Minor()/amount.Minor()))
			name := fmt.Sprintf("%d %s of %s from %s: exactly %d succeed", tc.n, tc.what, amount, balance, wantWins)
			t.Run(name, func(t *testing.T) {
				s, svc := newService(t)
				ctx := context.Background()
				open(t, svc, "o1", balance)
				var wins, refused, conflicts atomic.Int64
				testkit.Together(tc.n, func(i int) {
					st := step{key: fmt.Sprintf("w%d", i), id: "o1", op: tc.op, amount: amount}
					_, err := untilWritten(&conflicts, func() (*escrow.Receipt, error) { return st.run(ctx, svc) })
					switch {
					case err == nil:
						wins.Add(1)
					case errors.Is(err, escrow.ErrInsufficientFunds):
						refused.Add(1)
					default:
						t.Errorf("%s: got %v, want nil or ErrInsufficientFunds", st, err)
					}
				})
				if conflicts.Load() > 0 {
					t.Logf("the Service gave up with ErrConflict %d times; retried with the same key", conflicts.Load())
				}
				if wins.Load() != int64(wantWins) || refused.Load() != int64(tc.n-wantWins) {
					t.Errorf("%d succeeded and %d were refused, want %d and %d", wins.Load(), refused.Load(), wantWins, tc.n-wantWins)
				}
				a, err := s.Account(ctx, "o1")
				a = testkit.MustGet(t, a, err)
				if err := a.Verify(); err != nil {
					t.Errorf("the stored ledger is inconsistent: %v", err)
				}
				b, err := a.Balance()
				if err != nil {
					t.Errorf("Balance: %v", err)
					return
				}
				w := wins.Load()
				if want, _ := payment.FromMinor(balance.Minor()-w*amount.Minor(), payment.USD); b.Remaining != want || b.Remaining.IsNegative() {
					t.Errorf("after %d withdrawals of %s from %s: %s remains, want %s", w, amount, balance, b.Remaining, want)
				}
				if a.Version != 2+w || int64(len(a.Operations)) != 1+w {
					t.Errorf("after a hold and %d withdrawals: version %d, %d operations; want %d and %d", w, a.Version, len(a.Operations), 2+w, 1+w)
				}
			})
		}
	})

	t.Run("through the Service a random concurrent workload leaves every ledger balanced", func(t *testing.T) {
		s, svc := newService(t)
		ctx := context.Background()
		accounts := []struct {
			id  string
			cur payment.Currency
		}{{"o-usd", payment.USD}, {"o-eur", payment.EUR}, {"o-jpy", payment.JPY}}
		for _, a := range accounts {
			if _, err := testkit.Safely(func() (*escrow.Account, error) {
				return svc.Open(ctx, system, escrow.OpenRequest{OrderID: a.id, BuyerID: "buyer-1", SupplierID: "supplier-1", Currency: a.cur})
			}); err != nil {
				t.Fatalf("Open %s: %v", a.id, err)
			}
		}

		// The plan is fixed by the seed; only the interleaving varies. A
		// worker sometimes repeats one of its earlier steps, key and all.
		const seed1, seed2, workers, steps = 20260301, 7, 4, 400
		rng := rand.New(rand.NewPCG(seed1, seed2))
		plan := make([][]step, workers)
		for i := range steps {
			w := rng.IntN(workers)
			if len(plan[w]) > 0 && rng.IntN(10) == 0 {
				plan[w] = append(plan[w], plan[w][rng.IntN(len(plan[w]))])
				continue
			}
			a := accounts[rng.IntN(len(accounts))]
			plan[w] = append(plan[w], randomStep(rng, fmt.Sprintf("k%d", i), a.id, a.cur))
		}

		type sums struct{ held, guaranteed, gross, fees, recovered, refunded, compensated, ops int64 }
		var mu sync.Mutex
		moved := map[string]*sums{}
		for _, a := range accounts {
			moved[a.id] = &sums{}
		}
		var succeeded, refused, replayed, conflicts atomic.Int64
		testkit.Together(workers, func(w int) {
			receipts := map[string]*escrow.Receipt{} // this worker's successes by key
			shortfalls := map[string]step{}          // the guarantee steps as first worked out, by key
			for _, st := range plan[w] {
				if st.shortfall {
					if first, ok := shortfalls[st.key]; ok {
						st = first // a repeat sends the request the first one sent
					} else {
						st = st.withShortfall(ctx, t, svc)
						shortfalls[st.key] = st
					}
				}
				r, err := untilWritten(&conflicts, func() (*escrow.Receipt, error) { return st.run(ctx, svc) })
				switch {
				case errors.Is(err, escrow.ErrInsufficientFunds), errors.Is(err, escrow.ErrFrozen),
					st.guarantee.IsPositive() && errors.Is(err, payment.ErrInvalidAmount): // escrow gained since the step looked
					refused.Add(1)
					continue
				case err != nil:
					t.Errorf("%s: %v", st, err)
					return // one report per worker is enough
				}
				first, done := receipts[st.key]
				switch {
				case done && !r.Replayed:
					t.Errorf("%s: ran a second time, want a replay of the first receipt", st)
				case done:
					want := *first
					want.Replayed = true
					testkit.Check(t, fmt.Sprintf("%s: the replayed receipt", st), &want, r)
				case r.Replayed:
					t.Errorf("%s: replayed a request that never succeeded", st)
				}
				if r.Replayed {
					replayed.Add(1)
					continue
				}
				receipts[st.key] = r
				succeeded.Add(1)
				mu.Lock()
				m := moved[st.id]
				m.ops++
				for _, e := range r.Entries {
					if e.To == escrow.Recovery {
						m.recovered += e.Amount.Minor()
					}
				}
				switch st.op {
				case escrow.OpHold:
					m.held += st.amount.Minor()
				case escrow.OpRelease:
					m.gross += st.amount.Minor()
					m.fees += fee(t, st.amount)
				case escrow.OpRefund:
					m.refunded += st.amount.Minor()
				case escrow.OpCompensate:
					m.compensated += st.amount.Minor()
				case escrow.OpSettle:
					m.refunded += st.refund.Minor()
					m.compensated += st.compensate.Minor()
					m.guaranteed += st.guarantee.Minor()
					m.gross += st.release.Minor()
					m.fees += fee(t, st.release)
				}
				mu.Unlock()
			}
		})
		t.Logf("seed %d,%d: %d operations succeeded, %d refused, %d replayed; the Service gave up with ErrConflict %d times",
			seed1, seed2, succeeded.Load(), refused.Load(), replayed.Load(), conflicts.Load())
		if succeeded.Load() == 0 || refused.Load() == 0 {
			t.Errorf("escrowtest: the workload should both succeed and be refused; %d succeeded, %d refused", succeeded.Load(), refused.Load())
		}
		var guaranteed, recovered int64
		for _, m := range moved {
			guaranteed, recovered = guaranteed+m.guaranteed, recovered+m.recovered
		}
		if guaranteed == 0 || recovered == 0 {
			t.Errorf("escrowtest: the workload should pay from the guarantee and recover for it; %d and %d minor units", guaranteed, recovered)
		}

		for _, acc := range accounts {
			a, err := s.Account(ctx, acc.id)
			a = testkit.MustGet(t, a, err)
			if err := a.Verify(); err != nil {
				t.Errorf("%s: the stored ledger is inconsistent: %v", acc.id, err)
			}
			b, err := a.Balance()
			if err != nil {
				t.Errorf("%s: Balance: %v", acc.id, err)
				continue
			}
			total := b.Remaining
			for _, m := range []payment.Money{b.Released, b.Fees, b.Refunded, b.Compensated, b.Recovered} {
				if total, err = total.Add(m); err != nil {
					t.Errorf("%s: adding up the balance: %v", acc.id, err)
				}
			}
			if in, _ := b.Held.Add(b.Guaranteed); total != in || b.Remaining.IsNegative() {
				t.Errorf("%s: held %s and guaranteed %s, but released + fees + refunded + compensated + recovered + remaining = %s, remaining %s",
					acc.id, b.Held, b.Guaranteed, total, b.Remaining)
			}
			m := moved[acc.id]
			units := func(n int64) payment.Money {
				money, err := payment.FromMinor(n, acc.cur)
				if err != nil {
					t.Errorf("%s: %v", acc.id, err)
				}
				return money
			}
			type totals struct{ Held, Guaranteed, Released, Fees, Recovered, Refunded, Compensated, Remaining payment.Money }
			want := totals{
				units(m.held), units(m.guaranteed), units(m.gross - m.fees - m.recovered), units(m.fees), units(m.recovered),
				units(m.refunded), units(m.compensated), units(m.held + m.guaranteed - m.gross - m.refunded - m.compensated),
			}
			got := totals{b.Held, b.Guaranteed, b.Released, b.Fees, b.Recovered, b.Refunded, b.Compensated, b.Remaining}
			testkit.Check(t, fmt.Sprintf("%s: the balance against the successful operations", acc.id), want, got)
			if a.Version != 1+m.ops || int64(len(a.Operations)) != m.ops {
				t.Errorf("%s: after %d successful operations: version %d, %d operation records; want %d and %d",
					acc.id, m.ops, a.Version, len(a.Operations), 1+m.ops, m.ops)
			}
			sb, err := svc.Balance(ctx, acc.id)
			if err != nil {
				t.Errorf("%s: Service.Balance: %v", acc.id, err)
			}
			testkit.Check(t, fmt.Sprintf("%s: Service.Balance", acc.id), b, sb)
		}
	})
}

// aggregate describes escrow accounts to testkit.RunStoreChecks: their
// changes are holds, each an entry and its operation record, tagged by its
// key, and their ledger must Verify.
var aggregate = testkit.Aggregate[escrow.Account]{
	Noun:    "account",
	Sample:  sampleAccount,
	Clone:   (*escrow.Account).Clone,
	Version: func(a *escrow.Account) *int64 { return &a.Version },
	Mutate: func(a *escrow.Account, tag string) {
		a.Frozen, a.FreezeReason, a.FrozenBy, a.Closed = !a.Frozen, "reason "+tag, payment.System(tag), !a.Closed
		appendHold(a, tag, 100+int64(len(a.Entries)), a.UpdatedAt.Add(time.Hour))
	},
	Tags: func(a *escrow.Account) []string {
		return testkit.TagsOf(a.Operations, func(op escrow.Operation) string { return op.Key })
	},
	Scribble:     scribble,
	Verify:       (*escrow.Account).Verify,
	ErrNotFound:  escrow.ErrNotFound,
	ErrDuplicate: escrow.ErrDuplicate,
	ErrConflict:  escrow.ErrConflict,
}

// sampleAccount returns an account with every field set: a ledger of four
// entries and four operation records that Verify accepts (the records in an
// order their keys do not sort in), and a Version the store must replace
// with 1.
func sampleAccount(id string, created time.Time) *escrow.Account {
	orders, support := payment.System("orders"), payment.Platform("agent-7")
	h := func(n int) time.Time { return created.Add(time.Duration(n) * time.Hour) }
	return &escrow.Account{
		ID: id, BuyerID: "buyer-1", SupplierID: "supplier-1", Currency: payment.USD,
		Frozen: true, FreezeReason: "dispute opened", FrozenBy: payment.System("disputes"), Closed: true,
		Entries: []escrow.Entry{
			{Seq: 1, From: escrow.BuyerFunding, To: escrow.Escrow, Amount: usd("100.00"), Key: "k4", Ref: "pay-1", Memo: "deposit", Actor: orders, At: h(1)},
			{Seq: 2, From: escrow.Escrow, To: escrow.SupplierPayable, Amount: usd("58.50"), Key: "k3", Ref: "payout-1", Memo: "first tranche", Actor: orders, At: h(2)},
			{Seq: 3, From: escrow.Escrow, To: escrow.PlatformFee, Amount: usd("1.50"), Key: "k3", Ref: "fee-1", Memo: "first tranche", Actor: orders, At: h(2)},
			{Seq: 4, From: escrow.Escrow, To: escrow.BuyerRefund, Amount: usd("10.00"), Key: "k2", Ref: "refund-1", Memo: "short shipment", Actor: support, At: h(3)},
		},
		Operations: []escrow.Operation{
			{Key: "k4", Op: escrow.OpHold, Fingerprint: "fp-k4", Actor: orders, At: h(1), First: 1, Last: 1, Memo: "deposit"},
			{Key: "k3", Op: escrow.OpRelease, Fingerprint: "fp-k3", Actor: orders, At: h(2), First: 2, Last: 3, Memo: "first tranche"},
			{Key: "k2", Op: escrow.OpRefund, Fingerprint: "fp-k2", Actor: support, At: h(3), First: 4, Last: 4, Memo: "short shipment"},
			{Key: "k1", Op: escrow.OpFreeze, Fingerprint: "fp-k1", Actor: support, At: h(3), First: 5, Last: 4, Memo: "dispute opened"},
		},
		CreatedAt: created, UpdatedAt: h(3),
		Version: 7,
	}
}

// ledgerOf returns a new open account id in zero's currency with entries,
// numbered, each in an operation of its own.
func ledgerOf(id string, zero payment.Money, entries []escrow.Entry) *escrow.Account {
	a := &escrow.Account{ID: id, BuyerID: "buyer-1", SupplierID: "supplier-1", Currency: zero.Currency(), CreatedAt: time.Unix(0, 0).UTC()}
	for i, e := range entries {
		e.Seq, e.Key, e.Actor = int64(i+1), fmt.Sprintf("k%d", i+1), system
		a.Entries = append(a.Entries, e)
		a.Operations = append(a.Operations, escrow.Operation{Key: e.Key, Op: escrow.OpHold, Fingerprint: "fp", Actor: system, At: e.At, First: e.Seq, Last: e.Seq})
		a.UpdatedAt = e.At
	}
	return a
}

// appendHold appends to a what a hold of minor units writes: one entry and
// its operation record, keeping the ledger consistent.
func appendHold(a *escrow.Account, key string, minor int64, at time.Time) {
	amount, _ := payment.FromMinor(minor, a.Currency)
	seq := int64(len(a.Entries)) + 1
	by := payment.System("escrowtest")
	a.Entries = append(a.Entries, escrow.Entry{
		Seq: seq, From: escrow.BuyerFunding, To: escrow.Escrow, Amount: amount, Key: key, Ref: "pay-" + key, Actor: by, At: at,
	})
	a.Operations = append(a.Operations, escrow.Operation{
		Key: key, Op: escrow.OpHold, Fingerprint: "fp-" + key, Actor: by, At: at, First: seq, Last: seq,
	})
	a.UpdatedAt = at
}

// scribble changes every part of a but its id that a store might share
// with its caller, the elements of Entries and Operations included.
func scribble(a *escrow.Account) {
	one, _ := payment.FromMinor(1, payment.EUR)
	later := func(t time.Time) time.Time { return t.Add(time.Hour) }
	by := payment.System("scribbled")
	a.BuyerID, a.SupplierID, a.Currency = "scribbled", "scribbled", payment.EUR
	a.Frozen, a.FreezeReason, a.FrozenBy, a.Closed = !a.Frozen, "scribbled", payment.System("scribbled"), !a.Closed
	a.CreatedAt, a.UpdatedAt, a.Version = later(a.CreatedAt), later(a.UpdatedAt), 99
	for i := range a.Entries {
		e := &a.Entries[i]
		e.Seq, e.From, e.To, e.Amount = e.Seq+100, escrow.Escrow, escrow.Compensation, one
		e.Key, e.Ref, e.Memo, e.Actor, e.At = "scribbled", "scribbled", "scribbled", by, later(e.At)
	}
	for i := range a.Operations {
		op := &a.Operations[i]
		op.Key, op.Op, op.Fingerprint, op.Actor, op.At = "scribbled", escrow.OpClose, "scribbled", by, later(op.At)
		op.First, op.Last, op.Memo = op.First+100, 0, "scribbled"
	}
	a.Entries = append(a.Entries, escrow.Entry{Memo: "scribbled"})
	a.Operations = append(a.Operations, escrow.Operation{Key: "scribbled"})
}

// untilWritten calls a Service operation until it returns something other
// than ErrConflict, with the same idempotency key each time, as a caller
// may; it counts the conflicts in conflicts, if not nil.
func untilWritten(conflicts *atomic.Int64, op func() (*escrow.Receipt, error)) (*escrow.Receipt, error) {
	return testkit.UntilWritten(escrow.ErrConflict, conflicts, op)
}

// step is one operation of the random workload.
type step struct {
	key, id string
	op      escrow.Op
	amount  payment.Money // hold, release, refund, compensate
	// settle; a zero Money part is not paid
	refund, compensate, release payment.Money
	guarantee, recover          payment.Money // settle; release and settle
	shortfall                   bool          // settle: the guarantee pays what escrow lacks, worked out when it runs
	reason                      string        // freeze, unfreeze
}

func (st step) String() string { return fmt.Sprintf("%s %s on %s", st.op, st.key, st.id) }

// randomStep returns an operation on account id drawn from rng. Holds and
// withdrawals are sized so that some withdrawals are refused.
func randomStep(rng *rand.Rand, key, id string, cur payment.Currency) step {
	units := func(lo, hi int64) payment.Money {
		m, _ := payment.FromMinor(lo+rng.Int64N(hi-lo), cur)
		return m
	}
	st := step{key: key, id: id}
	switch p := rng.IntN(100); {
	case p < 30:
		st.op, st.amount = escrow.OpHold, units(5_000, 50_000)
	case p < 50:
		st.op, st.amount = escrow.OpRelease, units(100, 30_000)
		if rng.IntN(3) == 0 {
			st.recover = units(1, 40_000) // at times above what the release leaves the supplier
		}
	case p < 62:
		st.op, st.amount = escrow.OpRefund, units(100, 30_000)
	case p < 72:
		st.op, st.amount = escrow.OpCompensate, units(100, 20_000)
	case p < 84:
		st.op = escrow.OpSettle
		for st.refund == (payment.Money{}) && st.compensate == (payment.Money{}) && st.release == (payment.Money{}) {
			for _, part := range []*payment.Money{&st.refund, &st.compensate, &st.release} {
				if rng.IntN(3) > 0 {
					*part = units(1, 10_000)
				}
			}
		}
		// Now and then a claim after release: the guarantee pays what
		// escrow lacks for the buyer's refund, worked out when it runs.
		st.shortfall = st.refund != (payment.Money{}) && rng.IntN(3) == 0
		if st.release != (payment.Money{}) && rng.IntN(3) == 0 {
			st.recover = units(1, 10_000)
		}
	case p < 90:
		st.op, st.reason = escrow.OpFreeze, "risk review "+key
	default:
		st.op, st.reason = escrow.OpUnfreeze, "cleared "+key
	}
	return st
}

// withShortfall returns st as a claim after release: everything escrow
// holds now, and st's refund on top paid by the guarantee, refunded to the
// buyer. (Escrow may change before it runs: the step is then refused.)
func (st step) withShortfall(ctx context.Context, t *testing.T, svc *escrow.Service) step {
	b, err := svc.Balance(ctx, st.id)
	if err != nil {
		t.Errorf("%s: Balance: %v", st, err)
		return st
	}
	st.guarantee = st.refund
	st.refund, _ = payment.FromMinor(b.Remaining.Minor()+st.guarantee.Minor(), st.guarantee.Currency())
	st.compensate, st.release = payment.Money{}, payment.Money{}
	return st
}

func (st step) run(ctx context.Context, svc *escrow.Service) (*escrow.Receipt, error) {
	switch st.op {
	case escrow.OpHold:
		return svc.Hold(ctx, system, st.id, st.key, escrow.HoldRequest{Amount: st.amount, PaymentID: "pay-" + st.key})
	case escrow.OpRelease:
		return svc.Release(ctx, system, st.id, st.key, escrow.ReleaseRequest{Amount: st.amount, Recover: st.recover})
	case escrow.OpRefund:
		return svc.Refund(ctx, system, st.id, st.key, escrow.RefundRequest{Amount: st.amount})
	case escrow.OpCompensate:
		return svc.Compensate(ctx, system, st.id, st.key, escrow.CompensateRequest{Amount: st.amount})
	case escrow.OpSettle:
		return svc.Settle(ctx, system, st.id, st.key, escrow.SettleRequest{Refund: st.refund, Compensate: st.compensate, Release: st.release,
			Guarantee: st.guarantee, Recover: st.recover})
	case escrow.OpFreeze:
		return svc.Freeze(ctx, system, st.id, st.key, st.reason)
	case escrow.OpUnfreeze:
		return svc.Unfreeze(ctx, agent, st.id, st.key, st.reason)
	}
	return nil, fmt.Errorf("escrowtest: no step %q", st.op)
}

// The actors of the Service checks, and its fee: 2.5% of every release,
// rounded half up.
var (
	system, agent = payment.System("escrowtest"), payment.Platform("agent-1")
	feeRate       = decimal.New(25, -3)
	feeRounding   = payment.RoundHalfUp
)

// fee returns the fee, in minor units, the Service books on a release of
// gross; the zero Money (a settlement part not paid) has none.
func fee(t *testing.T, gross payment.Money) int64 {
	t.Helper()
	if gross == (payment.Money{}) {
		return 0
	}
	f, err := gross.Mul(feeRate, feeRounding)
	if err != nil {
		t.Errorf("fee on %s: %v", gross, err)
	}
	return f.Minor()
}

func service(t *testing.T, s escrow.Store, u payment.UnitOfWork) *escrow.Service {
	t.Helper()
	svc, err := escrow.NewService(escrow.Config{Store: s, Unit: u, Clock: &testkit.Ticking{}, ReleaseFee: escrow.PercentFee(feeRate, feeRounding)})
	if err != nil {
		t.Fatalf("NewService: %v", err)
	}
	return svc
}

// open opens account id in USD and holds amount in it.
func open(t *testing.T, svc *escrow.Service, id string, amount payment.Money) {
	t.Helper()
	ctx := context.Background()
	if _, err := testkit.Safely(func() (*escrow.Account, error) {
		return svc.Open(ctx, system, escrow.OpenRequest{OrderID: id, BuyerID: "buyer-1", SupplierID: "supplier-1", Currency: payment.USD})
	}); err != nil {
		t.Fatalf("Open: %v", err)
	}
	if _, err := untilWritten(nil, func() (*escrow.Receipt, error) {
		return svc.Hold(ctx, system, id, "h1", escrow.HoldRequest{Amount: amount, PaymentID: "pay-1"})
	}); err != nil {
		t.Fatalf("Hold: %v", err)
	}
}

func usd(s string) payment.Money { return payment.MustParse(s, payment.USD) }
