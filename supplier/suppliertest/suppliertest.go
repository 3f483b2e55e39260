// Package suppliertest checks an implementation of supplier.Store against
// the contract written on the interface, in the manner of testing/fstest:
//
//	func TestMyStore(t *testing.T) {
//		suppliertest.TestStore(t, func(t *testing.T) (supplier.Store, payment.UnitOfWork) {
//			return newEmptyStore(t), itsUnit // payment.MemoryUnit() for supplier.NewMemoryStore()
//		})
//	}
//
// Every check reports with t.Errorf and a go-cmp diff, so one run shows every
// failure. Run it with -race: several checks race goroutines on one
// supplier.
//
// The first checks are those every versioned store of the SDK must pass
// (read back, copies, duplicates, conflicts, lost updates, cancelled
// contexts: see internal/testkit.RunStoreChecks), with List among the reads
// that must copy and honour their context; then List itself.
//
// The last checks drive a supplier.Service over the store, since a store's
// job is to make the Service correct: racing reservations never take more
// than the supplier's Trade Assurance limit, and what is stored is exactly
// what succeeded.
//
// The checks assume what the in-memory store does and the contract implies:
// Update runs fn without holding a lock that another Update of the same
// supplier waits on. Where a store that does hold one would hang, the kit
// gives up after a time limit and reports it instead.
package suppliertest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// TestStore runs the conformance checks. newStore must return a new, empty
// store each time it is called, with the unit of work of its kind
// (payment.MemoryUnit() for the in-memory store), which the checks that
// drive a supplier.Service give it.
func TestStore(t *testing.T, newStore func(t *testing.T) (supplier.Store, payment.UnitOfWork)) {
	store, newService := testkit.ServiceKit(newStore, service)
	testkit.RunStoreChecks(t, aggregate, func(t *testing.T) testkit.StoreHooks[supplier.Supplier] {
		s := store(t)
		return testkit.StoreHooks[supplier.Supplier]{
			Create: s.Create, Get: s.Supplier, Update: s.Update,
			Lookups: []testkit.Lookup[supplier.Supplier]{{Name: "List", Read: func(ctx context.Context, _ *supplier.Supplier) ([]*supplier.Supplier, error) {
				return s.List(ctx)
			}}},
		}
	})

	t.Run("List returns every supplier as stored", func(t *testing.T) {
		s, ctx := store(t), context.Background()
		empty, err := s.List(ctx)
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		if len(empty) != 0 {
			t.Errorf("an empty store lists %d suppliers", len(empty))
		}
		var want []*supplier.Supplier
		for i, id := range []string{"s3", "s1", "s2"} {
			sup := sampleSupplier(id, testkit.At(i))
			sup.Company = "company " + id
			if _, err := s.Create(ctx, sup); err != nil {
				t.Fatalf("Create %s: %v", id, err)
			}
			w := sup.Clone()
			w.Version = 1
			want = append(want, w)
		}
		updated, err := s.Update(ctx, "s2", func(sup *supplier.Supplier) error {
			reserve(sup, "o-listed", 100, testkit.At(5))
			return nil
		})
		updated = testkit.MustGet(t, updated, err)
		want[2] = updated
		byID := func(a, b *supplier.Supplier) int { return cmp.Compare(a.ID, b.ID) }
		slices.SortFunc(want, byID)
		got, err := s.List(ctx)
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		slices.SortFunc(got, byID)
		testkit.Check(t, "List, sorted by id", want, got)
	})

	t.Run("the history reads back what was put, each supplier's its own", func(t *testing.T) {
		s, ctx := store(t), context.Background()
		// Ids whose concatenations meet: no supplier's record may read
		// as another's.
		for i, id := range []string{"a", "ab"} {
			if _, err := s.Create(ctx, sampleSupplier(id, testkit.At(i))); err != nil {
				t.Fatalf("Create %s: %v", id, err)
			}
		}
		first := &supplier.OrderRecord{OrderID: "bc", BuyerID: "b1", Value: usd("120.00"), CompletedAt: testkit.At(3), OnTime: true}
		other := &supplier.OrderRecord{OrderID: "c", BuyerID: "b2", Value: usd("0.01"), CompletedAt: testkit.At(4), Disputed: true, DisputeLost: true}
		for _, put := range []struct {
			supplier string
			o        *supplier.OrderRecord
		}{{"a", first}, {"ab", other}} {
			if err := s.PutOrderRecord(ctx, put.supplier, put.o); err != nil {
				t.Fatalf("PutOrderRecord %s of %s: %v", put.o.OrderID, put.supplier, err)
			}
		}
		if _, err := s.OrderRecord(ctx, "a", "c"); !errors.Is(err, supplier.ErrNotFound) {
			t.Errorf("order c of supplier a (supplier ab has one): got %v, want ErrNotFound", err)
		}
		got, err := s.OrderRecord(ctx, "a", "bc")
		testkit.Check(t, "order bc of supplier a", first, testkit.MustGet(t, got, err))
		got, err = s.OrderRecord(ctx, "ab", "c")
		testkit.Check(t, "order c of supplier ab", other, testkit.MustGet(t, got, err))

		reviewed := *first
		reviewed.Review = supplier.Review{OrderID: "bc", BuyerID: "b1", Rating: 4, Text: "as agreed", At: testkit.At(5)}
		if err := s.PutOrderRecord(ctx, "a", &reviewed); err != nil {
			t.Fatalf("PutOrderRecord, reviewed: %v", err)
		}
		got, err = s.OrderRecord(ctx, "a", "bc")
		testkit.Check(t, "order bc of supplier a, replaced with its review", &reviewed, testkit.MustGet(t, got, err))

		q := &supplier.Inquiry{ID: "bc", ReceivedAt: testkit.At(6)}
		if err := s.PutInquiry(ctx, "a", q); err != nil {
			t.Fatalf("PutInquiry: %v", err)
		}
		answered := &supplier.Inquiry{ID: "bc", ReceivedAt: testkit.At(6), RespondedAt: testkit.At(7)}
		if err := s.PutInquiry(ctx, "a", answered); err != nil {
			t.Fatalf("PutInquiry, answered: %v", err)
		}
		gotQ, err := s.Inquiry(ctx, "a", "bc")
		testkit.Check(t, "inquiry bc of supplier a, answered", answered, testkit.MustGet(t, gotQ, err))
		if _, err := s.Inquiry(ctx, "ab", "c"); !errors.Is(err, supplier.ErrNotFound) {
			t.Errorf("an inquiry never put: got %v, want ErrNotFound", err)
		}

		if err := s.PutOrderRecord(ctx, "nope", &supplier.OrderRecord{OrderID: "o-nope", BuyerID: "b1"}); !errors.Is(err, supplier.ErrNotFound) {
			t.Errorf("PutOrderRecord of a supplier the store does not have: got %v, want ErrNotFound", err)
		}
		if err := s.PutInquiry(ctx, "nope", q); !errors.Is(err, supplier.ErrNotFound) {
			t.Errorf("PutInquiry of a supplier the store does not have: got %v, want ErrNotFound", err)
		}
		done, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := s.OrderRecord(done, "a", "bc"); !errors.Is(err, context.Canceled) {
			t.Errorf("OrderRecord with a cancelled context: got %v, want context.Canceled", err)
		}
		if err := s.PutInquiry(done, "a", answered); !errors.Is(err, context.Canceled) {
			t.Errorf("PutInquiry with a cancelled context: got %v, want context.Canceled", err)
		}
	})

	t.Run("payouts read back as put, each supplier's its own, as copies", func(t *testing.T) {
		s, ctx := store(t), context.Background()
		for i, id := range []string{"a", "ab"} {
			if _, err := s.Create(ctx, sampleSupplier(id, testkit.At(i))); err != nil {
				t.Fatalf("Create %s: %v", id, err)
			}
		}
		if ps, err := s.Payouts(ctx, "a"); err != nil || len(ps) != 0 {
			t.Errorf("Payouts of a supplier with none: %d, %v; want none", len(ps), err)
		}
		first := samplePayout("a", "bc", testkit.At(3))
		other := samplePayout("ab", "c", testkit.At(4))
		for _, p := range []*supplier.Payout{first, other} {
			if err := s.PutPayout(ctx, p.SupplierID, p.Clone()); err != nil {
				t.Fatalf("PutPayout %s of %s: %v", p.ID, p.SupplierID, err)
			}
		}
		if _, err := s.Payout(ctx, "a", "c"); !errors.Is(err, supplier.ErrNotFound) {
			t.Errorf("payout c of supplier a (supplier ab has one): got %v, want ErrNotFound", err)
		}
		got, err := s.Payout(ctx, "a", "bc")
		got = testkit.MustGet(t, got, err)
		testkit.Check(t, "payout bc of supplier a", first, got)
		got.Timeline[0].Status, got.Amount = "scribbled", usd("1.00")
		got.Timeline = append(got.Timeline, supplier.PayoutEvent{Status: "scribbled"})
		again, err := s.Payout(ctx, "a", "bc")
		testkit.Check(t, "payout bc of supplier a, after its reader changed its copy", first, testkit.MustGet(t, again, err))

		paid := first.Clone()
		paid.Status = supplier.PayoutPaid
		paid.Timeline = append(paid.Timeline, supplier.PayoutEvent{Status: supplier.PayoutPaid, At: testkit.At(5), By: system, ProcessorRef: "tr_1"})
		if err := s.PutPayout(ctx, "a", paid); err != nil {
			t.Fatalf("PutPayout, paid: %v", err)
		}
		second := samplePayout("a", "bd", testkit.At(6))
		if err := s.PutPayout(ctx, "a", second); err != nil {
			t.Fatalf("PutPayout bd: %v", err)
		}
		list, err := s.Payouts(ctx, "a")
		if err != nil {
			t.Fatalf("Payouts: %v", err)
		}
		slices.SortFunc(list, func(a, b *supplier.Payout) int { return cmp.Compare(a.ID, b.ID) })
		testkit.Check(t, "the payouts of supplier a, sorted by id", []*supplier.Payout{paid, second}, list)
		if err := s.PutPayout(ctx, "nope", samplePayout("nope", "x", testkit.At(7))); !errors.Is(err, supplier.ErrNotFound) {
			t.Errorf("PutPayout of a supplier the store does not have: got %v, want ErrNotFound", err)
		}
		done, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := s.Payouts(done, "a"); !errors.Is(err, context.Canceled) {
			t.Errorf("Payouts with a cancelled context: got %v, want context.Canceled", err)
		}
	})

	t.Run("balance entries read back by supplier, currency and period, to the nanosecond", func(t *testing.T) {
		s, ctx := store(t), context.Background()
		for i, id := range []string{"a", "ab"} {
			if _, err := s.Create(ctx, sampleSupplier(id, testkit.At(i))); err != nil {
				t.Fatalf("Create %s: %v", id, err)
			}
		}
		jpy := func(s string) payment.Money { return payment.MustParse(s, payment.JPY) }
		entry := func(seq int64, kind supplier.EntryKind, m payment.Money, at time.Time) supplier.BalanceEntry {
			zero, _ := payment.FromMinor(0, m.Currency())
			return supplier.BalanceEntry{Seq: seq, Kind: kind, Ref: fmt.Sprintf("ref-%d", seq), Amount: m, At: at,
				Balance: supplier.Balance{Currency: m.Currency(), Credited: m, Offset: zero, InFlight: zero, PaidOut: zero}}
		}
		from, to := testkit.At(10), testkit.At(20)
		a := []supplier.BalanceEntry{
			entry(1, supplier.EntryRelease, usd("100.00"), testkit.At(1)),
			entry(2, supplier.EntryRelease, jpy("500"), testkit.At(9)),
			entry(3, supplier.EntryPayout, usd("40.00"), from.Add(-time.Nanosecond)), // the opening
			entry(4, supplier.EntryPayoutPaid, usd("40.00"), from),                   // the first of the period
			entry(5, supplier.EntryRelease, usd("7.00"), testkit.At(15)),
			entry(6, supplier.EntryOffset, usd("1.00"), to.Add(-time.Nanosecond)), // the last of the period
			entry(7, supplier.EntryRelease, usd("9.00"), to),                      // after it
		}
		if err := s.AddBalanceEntries(ctx, "a", a[:3]); err != nil {
			t.Fatalf("AddBalanceEntries: %v", err)
		}
		if err := s.AddBalanceEntries(ctx, "a", a[3:]); err != nil {
			t.Fatalf("AddBalanceEntries: %v", err)
		}
		if err := s.AddBalanceEntries(ctx, "ab", []supplier.BalanceEntry{entry(1, supplier.EntryRelease, usd("5.00"), testkit.At(12))}); err != nil {
			t.Fatalf("AddBalanceEntries of ab: %v", err)
		}
		before, got, err := s.BalanceEntries(ctx, "a", payment.USD, from, to, 100)
		if err != nil {
			t.Fatalf("BalanceEntries: %v", err)
		}
		testkit.Check(t, "the entry before the period", &a[2], before)
		testkit.Check(t, "the period's entries, from inclusive, to exclusive", a[3:6], got)
		_, got, err = s.BalanceEntries(ctx, "a", payment.USD, from, to, 2)
		if err != nil {
			t.Fatalf("BalanceEntries, limited: %v", err)
		}
		testkit.Check(t, "the period's first two entries", a[3:5], got)
		before, got, err = s.BalanceEntries(ctx, "a", payment.JPY, from, to, 100)
		if err != nil || len(got) != 0 {
			t.Errorf("the yen entries of the period: %v, %v; want none", got, err)
		}
		testkit.Check(t, "the yen entry before the period", &a[1], before)
		before, got, err = s.BalanceEntries(ctx, "ab", payment.USD, testkit.At(0), testkit.At(100), 100)
		if err != nil || before != nil || len(got) != 1 || got[0].Amount != usd("5.00") {
			t.Errorf("supplier ab's entries: %v, %v, %v; want its one", before, got, err)
		}
		if err := s.AddBalanceEntries(ctx, "a", []supplier.BalanceEntry{entry(4, supplier.EntryRelease, usd("1.00"), testkit.At(30))}); !errors.Is(err, supplier.ErrDuplicate) {
			t.Errorf("an entry under a seq taken: got %v, want ErrDuplicate", err)
		}
		if err := s.AddBalanceEntries(ctx, "nope", a[:1]); !errors.Is(err, supplier.ErrNotFound) {
			t.Errorf("an entry of a supplier the store does not have: got %v, want ErrNotFound", err)
		}
		_, got, _ = s.BalanceEntries(ctx, "a", payment.USD, from, to, 100)
		if len(got) != 3 {
			t.Errorf("after the refused writes the period has %d entries, want 3", len(got))
		}
	})

	t.Run("through the Service every movement of a balance is an entry, and the entries add up to it", func(t *testing.T) {
		_, svc := newService(t)
		ctx := context.Background()
		credited(t, svc, "s1", "500.00")
		const n = 4
		testkit.Together(n, func(i int) {
			p, err := untilWritten(nil, func() (*supplier.Payout, error) {
				return svc.RequestPayout(ctx, agent, "s1", fmt.Sprintf("payout-%d", i), supplier.PayoutRequest{Amount: usd("100.00")})
			})
			if err == nil && i%2 == 0 {
				_, err = untilWritten(nil, func() (*supplier.Payout, error) {
					return svc.ReportPayout(ctx, system, "s1", p.ID, supplier.PayoutOutcome{Status: supplier.PayoutFailed})
				})
			}
			if err != nil {
				t.Errorf("payout %d: %v", i, err)
			}
		})
		if _, err := untilWritten(nil, func() (*supplier.Supplier, error) {
			return svc.ChargeReceivable(ctx, system, "s1", supplier.ReceivableRequest{OrderID: "claimed", Amount: usd("250.00")})
		}); err != nil {
			t.Fatalf("ChargeReceivable: %v", err)
		}
		sup, err := svc.Supplier(ctx, "s1")
		if err != nil {
			t.Fatalf("Supplier: %v", err)
		}
		st, err := svc.Statement(ctx, agent, "s1", payment.USD, testkit.At(-1000), testkit.At(1000))
		if err != nil {
			t.Fatalf("Statement: %v", err)
		}
		// 1 release, 4 payouts, 2 failures, and the offset: 500 - 400 +
		// 200 = 300 available repays 250 of what is owed.
		if int64(len(st.Entries)) != sup.Entries || len(st.Entries) != 8 {
			t.Errorf("the statement has %d entries, the supplier counts %d; want 8", len(st.Entries), sup.Entries)
		}
		for i, e := range st.Entries {
			if e.Seq != int64(i+1) {
				t.Errorf("entry %d has seq %d", i, e.Seq)
			}
		}
		zero := usd("0.00")
		testkit.Check(t, "the statement's closing balance", sup.Balance(payment.USD), st.Closing)
		testkit.Check(t, "the statement's totals", []payment.Money{usd("500.00"), usd("250.00"), usd("400.00"), usd("200.00")},
			[]payment.Money{st.Released, st.Offset, st.Payouts, st.Returned})
		testkit.Check(t, "the balance", supplier.Balance{Currency: payment.USD, Credited: usd("500.00"), Offset: usd("250.00"), InFlight: usd("200.00"), PaidOut: zero},
			sup.Balance(payment.USD))
	})

	t.Run("through the Service racing payout runs pay each balance once", func(t *testing.T) {
		s, svc := newService(t)
		ctx := context.Background()
		credited(t, svc, "s1", "500.00")
		const n = 6
		runs := make([]*supplier.PayoutRun, n)
		errs := make([]error, n)
		testkit.Together(n, func(i int) {
			runs[i], errs[i] = untilWritten(nil, func() (*supplier.PayoutRun, error) { return svc.RunPayouts(ctx, system) })
		})
		for i, err := range errs {
			if err != nil {
				t.Fatalf("run %d: %v", i, err)
			}
			if len(runs[i].Payouts) != 1 || runs[i].Payouts[0].ID != runs[0].Payouts[0].ID || runs[i].Payouts[0].Amount != usd("500.00") {
				t.Errorf("run %d paid %v; want the one payout of USD 500.00 every run finds", i, runs[i].Payouts)
			}
		}
		ps, err := s.Payouts(ctx, "s1")
		if err != nil || len(ps) != 1 {
			t.Fatalf("the supplier has %d payouts (%v); want one", len(ps), err)
		}
		got, err := s.Supplier(ctx, "s1")
		got = testkit.MustGet(t, got, err)
		zero := usd("0.00")
		testkit.Check(t, "the balance after the runs", supplier.Balance{Currency: payment.USD, Credited: usd("500.00"), Offset: zero, InFlight: usd("500.00"), PaidOut: zero}, got.Balance(payment.USD))
	})

	t.Run("through the Service racing payouts never pay more than is available, and each report moves its amount once", func(t *testing.T) {
		s, svc := newService(t)
		ctx := context.Background()
		credited(t, svc, "s1", "500.00")
		const n = 8
		made := make([]*supplier.Payout, n)
		errs := make([]error, n)
		testkit.Together(n, func(i int) {
			made[i], errs[i] = untilWritten(nil, func() (*supplier.Payout, error) {
				return svc.RequestPayout(ctx, agent, "s1", fmt.Sprintf("payout-%d", i), supplier.PayoutRequest{Amount: usd("150.00")})
			})
		})
		var ok []*supplier.Payout
		for i, err := range errs {
			switch {
			case err == nil:
				ok = append(ok, made[i])
			case !errors.Is(err, supplier.ErrInsufficientBalance):
				t.Errorf("payout %d: %v, want success or ErrInsufficientBalance", i, err)
			}
		}
		if len(ok) != 3 {
			t.Fatalf("%d payouts of 150.00 from 500.00 succeeded, want 3", len(ok))
		}
		// Every payout is reported paid four times at once, as webhooks
		// retried may be.
		reports := make([]error, 4*len(ok))
		testkit.Together(len(reports), func(i int) {
			_, reports[i] = untilWritten(nil, func() (*supplier.Payout, error) {
				return svc.ReportPayout(ctx, system, "s1", ok[i%len(ok)].ID, supplier.PayoutOutcome{Status: supplier.PayoutPaid, ProcessorRef: "tr"})
			})
		})
		for i, err := range reports {
			if err != nil {
				t.Errorf("report %d: %v", i, err)
			}
		}
		got, err := s.Supplier(ctx, "s1")
		got = testkit.MustGet(t, got, err)
		zero := usd("0.00")
		testkit.Check(t, "the balance after the payouts were paid", supplier.Balance{Currency: payment.USD, Credited: usd("500.00"), Offset: zero, InFlight: zero, PaidOut: usd("450.00")}, got.Balance(payment.USD))
		ps, err := s.Payouts(ctx, "s1")
		if err != nil || len(ps) != 3 {
			t.Fatalf("the supplier has %d payouts (%v); want 3", len(ps), err)
		}
		for _, p := range ps {
			if p.Status != supplier.PayoutPaid || len(p.Timeline) != 2 {
				t.Errorf("payout %s is %s with %d steps; want paid, after pending", p.ID, p.Status, len(p.Timeline))
			}
		}
	})

	t.Run("an order is one supplier's, and finds it", func(t *testing.T) {
		s, ctx := store(t), context.Background()
		for i, id := range []string{"s1", "s2"} {
			if _, err := s.Create(ctx, sampleSupplier(id, testkit.At(i))); err != nil {
				t.Fatalf("Create %s: %v", id, err)
			}
		}
		open := &supplier.OrderRecord{OrderID: "o1", BuyerID: "b1"}
		if err := s.AddOrderRecord(ctx, "s1", open); err != nil {
			t.Fatalf("AddOrderRecord: %v", err)
		}
		got, err := s.SupplierOf(ctx, "o1")
		if got = testkit.MustGet(t, got, err); got.ID != "s1" || got.Version != 1 {
			t.Errorf("SupplierOf(o1) = %s at version %d, want s1 at 1", got.ID, got.Version)
		}
		if _, err := s.SupplierOf(ctx, "o2"); !errors.Is(err, supplier.ErrNotFound) {
			t.Errorf("SupplierOf an order no supplier has: got %v, want ErrNotFound", err)
		}
		for _, write := range []struct {
			name string
			call func() error
		}{
			{"AddOrderRecord", func() error { return s.AddOrderRecord(ctx, "s2", open) }},
			{"PutOrderRecord", func() error { return s.PutOrderRecord(ctx, "s2", open) }},
		} {
			if err := write.call(); !errors.Is(err, supplier.ErrDuplicate) {
				t.Errorf("%s of supplier s1's order for s2: got %v, want ErrDuplicate", write.name, err)
			}
		}
		if _, err := s.OrderRecord(ctx, "s2", "o1"); !errors.Is(err, supplier.ErrNotFound) {
			t.Errorf("s2's record of s1's order: got %v, want ErrNotFound", err)
		}
		done := &supplier.OrderRecord{OrderID: "o1", BuyerID: "b1", Value: usd("10.00"), CompletedAt: testkit.At(3)}
		if err := s.PutOrderRecord(ctx, "s1", done); err != nil {
			t.Fatalf("PutOrderRecord: %v", err)
		}
		if err := s.AddOrderRecord(ctx, "s1", open); err != nil {
			t.Fatalf("AddOrderRecord of a record s1 has: %v", err)
		}
		rec, err := s.OrderRecord(ctx, "s1", "o1")
		testkit.Check(t, "the record after adding the open one again: kept as it was", done, testkit.MustGet(t, rec, err))
		if err := s.AddOrderRecord(ctx, "nope", &supplier.OrderRecord{OrderID: "o3", BuyerID: "b1"}); !errors.Is(err, supplier.ErrNotFound) {
			t.Errorf("AddOrderRecord of a supplier the store does not have: got %v, want ErrNotFound", err)
		}
	})

	t.Run("through the Service the record counts each order, inquiry and review once", func(t *testing.T) {
		s, svc := newService(t)
		ctx := context.Background()
		enroll(t, svc, "s1")
		at := testkit.At(1)
		orders := []supplier.OrderRecord{
			{OrderID: "o1", BuyerID: "b1", Value: usd("100.00"), CompletedAt: at, OnTime: true},
			{OrderID: "o2", BuyerID: "b2", Value: usd("250.00"), CompletedAt: at, Disputed: true},
		}
		const n = 8
		errs := make([]error, n)
		testkit.Together(n, func(i int) { // racing records of one order
			_, errs[i] = untilWritten(nil, func() (*supplier.Supplier, error) { return svc.RecordOrder(ctx, system, "s1", orders[0]) })
		})
		for i, err := range errs {
			if err != nil {
				t.Errorf("record %d of order o1: %v", i, err)
			}
		}
		if _, err := svc.RecordOrder(ctx, system, "s1", orders[1]); err != nil {
			t.Fatalf("RecordOrder o2: %v", err)
		}
		for _, q := range []supplier.Inquiry{{ID: "q1", ReceivedAt: at}, {ID: "q2", ReceivedAt: at}, {ID: "q1", ReceivedAt: at, RespondedAt: at.Add(2 * time.Hour)}} {
			if _, err := svc.RecordInquiry(ctx, system, "s1", q); err != nil {
				t.Fatalf("RecordInquiry %+v: %v", q, err)
			}
		}
		review := supplier.ReviewRequest{OrderID: "o1", Rating: 5, Text: "as agreed"}
		for range 2 {
			if _, err := svc.AddReview(ctx, payment.Buyer("b1"), "s1", review); err != nil {
				t.Fatalf("AddReview: %v", err)
			}
		}
		got, err := s.Supplier(ctx, "s1")
		got = testkit.MustGet(t, got, err)
		testkit.Check(t, "the record", supplier.Record{Completed: 2, OnTime: 1, Disputed: 1, Inquiries: 2, Responded: 1,
			ResponseTime: 2 * time.Hour, Reviews: 1, Stars: 4}, got.Record)
		o1, err := s.OrderRecord(ctx, "s1", "o1")
		o1 = testkit.MustGet(t, o1, err)
		if o1.Review.Rating != 5 || o1.Review.BuyerID != "b1" || o1.Review.Text != "as agreed" {
			t.Errorf("order o1's review is %+v; want b1's five stars", o1.Review)
		}
		q1, err := s.Inquiry(ctx, "s1", "q1")
		if q1 = testkit.MustGet(t, q1, err); !q1.RespondedAt.Equal(at.Add(2 * time.Hour)) {
			t.Errorf("inquiry q1 answered at %s, want %s", q1.RespondedAt, at.Add(2*time.Hour))
		}
	})

	t.Run("through the Service racing reservations never exceed the limit", func(t *testing.T) {
		for _, tc := range []struct {
			n      int
			amount string
		}{
			{32, "70.00"},  // 14 fit
			{20, "50.00"},  // exactly 20 fit
			{12, "999.99"}, // one fits
		} {
			limit, amount := usd(kitLimit), usd(tc.amount)
			wantWins := min(tc.n, int(limit.Minor()/amount.Minor()))
			name := fmt.Sprintf("%d reservations of %s from a limit of %s: exactly %d succeed", tc.n, amount, limit, wantWins)
			t.Run(name, func(t *testing.T) {
				s, svc := newService(t)
				ctx := context.Background()
				enroll(t, svc, "s1")
				var conflicts atomic.Int64
				type result struct {
					r   *supplier.Reservation
					err error
				}
				results := make([]result, tc.n)
				testkit.Together(tc.n, func(i int) {
					r, err := untilWritten(&conflicts, func() (*supplier.Reservation, error) {
						return svc.Reserve(ctx, system, "s1", fmt.Sprintf("o%d", i), amount)
					})
					results[i] = result{r, err}
				})
				if conflicts.Load() > 0 {
					t.Logf("the Service gave up with ErrConflict %d times; retried with the same order", conflicts.Load())
				}
				var won []supplier.Reservation
				for i, res := range results {
					var le *supplier.LimitError
					switch {
					case res.err == nil:
						won = append(won, *res.r)
					case errors.As(res.err, &le):
						if !errors.Is(res.err, supplier.ErrLimitExceeded) || le.Requested != amount || le.Available.Minor() >= amount.Minor() {
							t.Errorf("reservation o%d: %v; want a LimitError for %s with less than that available", i, res.err, amount)
						}
					default:
						t.Errorf("reservation o%d: got %v, want nil or a LimitError", i, res.err)
					}
				}
				if len(won) != wantWins {
					t.Errorf("%d reservations succeeded, want %d", len(won), wantWins)
				}
				got, err := s.Supplier(ctx, "s1")
				got = testkit.MustGet(t, got, err)
				byOrder := func(a, b supplier.Reservation) int { return cmp.Compare(a.OrderID, b.OrderID) }
				slices.SortFunc(won, byOrder)
				stored := slices.SortedFunc(slices.Values(got.Reservations), byOrder)
				testkit.Check(t, "the stored reservations against the successful ones", won, stored)
				reserved, err := payment.FromMinor(int64(len(won))*amount.Minor(), payment.USD)
				if err != nil {
					t.Fatalf("FromMinor: %v", err)
				}
				left, _ := limit.Sub(reserved)
				if got.Reserved() != reserved || got.Available() != left || got.Limit.Amount != limit {
					t.Errorf("after %d reservations of %s: limit %s, reserved %s, available %s; want %s, %s and %s",
						len(won), amount, got.Limit.Amount, got.Reserved(), got.Available(), limit, reserved, left)
				}
			})
		}
	})

	t.Run("through the Service racing recoveries repay each receivable once and never more than is owed", func(t *testing.T) {
		s, svc := newService(t)
		ctx := context.Background()
		enroll(t, svc, "s1")
		for i, amount := range []string{"100.00", "50.00"} {
			req := supplier.ReceivableRequest{OrderID: fmt.Sprintf("claimed-%d", i), CaseID: fmt.Sprintf("case-%d", i), Amount: usd(amount)}
			if _, err := untilWritten(nil, func() (*supplier.Supplier, error) { return svc.ChargeReceivable(ctx, system, "s1", req) }); err != nil {
				t.Fatalf("ChargeReceivable %s: %v", req.OrderID, err)
			}
			again, err := untilWritten(nil, func() (*supplier.Supplier, error) { return svc.ChargeReceivable(ctx, system, "s1", req) })
			if err != nil || again.Owed(payment.USD) != usd([]string{"100.00", "150.00"}[i]) {
				t.Fatalf("ChargeReceivable %s again: %v, owed %v", req.OrderID, err, again)
			}
		}
		// Eight releases of 30.00 race for 150.00 owed: five repay it, the
		// others are refused, and none takes a cent twice.
		const n = 8
		errs := make([]error, n)
		testkit.Together(n, func(i int) {
			_, errs[i] = untilWritten(nil, func() (*supplier.Supplier, error) {
				return svc.RecoverReceivables(ctx, system, "s1", fmt.Sprintf("release-%d", i), usd("30.00"))
			})
		})
		var took int
		for i, err := range errs {
			switch {
			case err == nil:
				took++
			case !errors.Is(err, payment.ErrInvalidAmount):
				t.Errorf("recovery %d: %v, want success or ErrInvalidAmount", i, err)
			}
		}
		got, err := s.Supplier(ctx, "s1")
		got = testkit.MustGet(t, got, err)
		if took != 5 || !got.Owed(payment.USD).IsZero() {
			t.Errorf("%d recoveries of 30.00 succeeded, %s still owed; want 5 and nothing", took, got.Owed(payment.USD))
		}
		var recovered int64
		for _, r := range got.Receivables {
			if r.Recovered != r.Amount {
				t.Errorf("receivable of %s: %s recovered, want all of it", r.OrderID, r.Recovered)
			}
			for _, rc := range r.Recoveries {
				recovered += rc.Amount.Minor()
			}
		}
		if recovered != 15_000 {
			t.Errorf("the recoveries add up to %d minor units, want 15000", recovered)
		}
	})

	t.Run("through the Service racing reservations of one order reserve it once", func(t *testing.T) {
		s, svc := newService(t)
		ctx := context.Background()
		before := enroll(t, svc, "s1")
		const n = 16
		results := make([]*supplier.Reservation, n)
		errs := make([]error, n)
		testkit.Together(n, func(i int) {
			results[i], errs[i] = untilWritten(nil, func() (*supplier.Reservation, error) {
				return svc.Reserve(ctx, system, "s1", "o1", usd("400.00"))
			})
		})
		for i := range n {
			if errs[i] != nil {
				t.Errorf("reservation %d: %v", i, errs[i])
				continue
			}
			if results[0] != nil {
				testkit.Check(t, fmt.Sprintf("reservation %d against the first", i), results[0], results[i])
			}
		}
		got, err := s.Supplier(ctx, "s1")
		got = testkit.MustGet(t, got, err)
		if len(got.Reservations) != 1 || got.Version != before.Version+1 || got.Reserved() != usd("400.00") {
			t.Errorf("after %d reservations of one order: %d reservations, version %d, reserved %s; want 1, %d and USD 400.00",
				n, len(got.Reservations), got.Version, got.Reserved(), before.Version+1)
		}
	})
}

// aggregate describes suppliers to testkit.RunStoreChecks: their changes
// add a reservation, tagged by its order id, and touch the status, the
// files of a document, the record, the volume and both figures.
var aggregate = testkit.Aggregate[supplier.Supplier]{
	Noun:    "supplier",
	Sample:  sampleSupplier,
	Clone:   (*supplier.Supplier).Clone,
	Version: func(sup *supplier.Supplier) *int64 { return &sup.Version },
	Mutate:  change,
	Tags: func(sup *supplier.Supplier) []string {
		return testkit.TagsOf(sup.Reservations, func(r supplier.Reservation) string { return r.OrderID })
	},
	Scribble:     scribble,
	ErrNotFound:  supplier.ErrNotFound,
	ErrDuplicate: supplier.ErrDuplicate,
	ErrConflict:  supplier.ErrConflict,
}

// change is the aggregate's Mutate: it adds a reservation of nothing
// (what is reserved does not move, so the limit's check in a store that
// makes one never refuses it) for the order tag and changes the status,
// the reasons, the first document, the record, the volume and both
// figures, each as a function of how many reservations sup had.
func change(sup *supplier.Supplier, tag string) {
	n := int64(len(sup.Reservations))
	sup.Status = []supplier.Status{supplier.StatusEnrolled, supplier.StatusSuspended}[n%2]
	sup.StatusReasons = append(sup.StatusReasons, payment.Reason{Code: "kit.change", Text: "change " + tag})
	if len(sup.Documents) > 0 {
		sup.Documents[0].Files = append(sup.Documents[0].Files, "s3://kit/"+tag+".pdf")
		sup.Documents[0].ReviewNote = "note " + tag
	}
	sup.Rating.Score = decimal.New(n*10+5, -1)
	sup.Limit.Amount = usd(fmt.Sprintf("%d.00", 1000*n))
	sup.Record.Completed++
	sup.Record.ResponseTime += time.Duration(n) * time.Minute
	reserve(sup, tag, 0, sup.UpdatedAt.Add(time.Hour))
}

// sampleSupplier returns a supplier with every field set, the files of
// documents included, and a Version the store must
// replace with 1. The record need not be one the Service would write: the
// store keeps what it is given.
func sampleSupplier(id string, created time.Time) *supplier.Supplier {
	agent := payment.Platform("agent-7")
	h := func(n int) time.Time { return created.Add(time.Duration(n) * time.Hour) }
	dec := decimal.RequireFromString
	return &supplier.Supplier{
		ID: id, Company: "Ningbo Precision Castings Co., Ltd.", Country: "CN",
		EstablishedOn: time.Date(2012, 5, 17, 0, 0, 0, 0, time.UTC),
		MainProducts:  []string{"valve bodies", "pump housings"},
		Status:        supplier.StatusSuspended,
		StatusReasons: []payment.Reason{
			{Code: supplier.ReasonExpiredDocument, Text: "on_site_check: the approved document is not in force"},
			{Code: supplier.ReasonPendingDocument, Text: "production_qualification: awaiting review"},
		},
		Documents: []supplier.Document{
			{ID: "doc-1", Kind: supplier.BusinessLicence, Issuer: "Ningbo AMR", Number: "91330200MA2H", ValidFrom: h(-9000), ValidUntil: h(9000),
				Files: []string{"s3://docs/licence-p1.pdf", "s3://docs/licence-p2.pdf"}, Outcome: supplier.ReviewApproved,
				ReviewedBy: agent, ReviewedAt: h(1), ReviewNote: "checked with the registry"},
			{ID: "doc-2", Kind: supplier.OnSiteCheck, Issuer: "SGS", Number: "SGS-2025-0117", ValidFrom: h(-9000), ValidUntil: h(-1),
				Files: []string{"s3://docs/audit.pdf", "s3://docs/floor.jpg", "s3://docs/line.jpg"}, Outcome: supplier.ReviewApproved,
				ReviewedBy: agent, ReviewedAt: h(-8000)},
			{ID: "doc-3", Kind: supplier.ProductionQualification, Issuer: "Zhejiang MIIT", Number: "ZJ-PQ-77",
				ValidFrom: h(-10), Files: []string{"s3://docs/pq.pdf"}, Outcome: supplier.ReviewPending},
		},
		Record: supplier.Record{Completed: 2, OnTime: 1, Disputed: 1, DisputesLost: 1, Inquiries: 2, Responded: 1,
			ResponseTime: 3*time.Hour + 1, Reviews: 1, Stars: 3},
		Volume: supplier.NewVolumes(supplier.Volume{Day: 20423, Minor: 1200000}, supplier.Volume{Day: 20462, Minor: 340050}),
		Reservations: []supplier.Reservation{
			{OrderID: "o-3", Amount: usd("2500.00"), At: h(-2)},
			{OrderID: "o-4", Amount: usd("0.01"), At: h(-1)},
		},
		Receivables: []supplier.Receivable{
			{OrderID: "o-1", CaseID: "case-1", Amount: usd("120.00"), Recovered: usd("45.50"), At: h(-5),
				Recoveries: []supplier.Recovery{{OrderID: "o-2", Amount: usd("45.50"), At: h(-3)}}},
			{OrderID: "o-0", Amount: payment.MustParse("9000", payment.JPY), Recovered: payment.MustParse("0", payment.JPY), At: h(-4)},
		},
		Balances: []supplier.Balance{
			{Currency: payment.USD, Credited: usd("9000.00"), Offset: usd("45.50"), InFlight: usd("1200.00"), PaidOut: usd("5000.00")},
			{Currency: payment.JPY, Credited: payment.MustParse("30000", payment.JPY), Offset: payment.MustParse("0", payment.JPY),
				InFlight: payment.MustParse("0", payment.JPY), PaidOut: payment.MustParse("30000", payment.JPY)},
		},
		PayoutDestination: "acct_1NingboPrecision",
		Rating:            supplier.Rating{Score: dec("61.3"), Grade: "C", ComputedAt: h(2)},
		Limit:             supplier.Limit{Amount: usd("12300.00"), ComputedAt: h(2)},
		CreatedAt:         created, UpdatedAt: h(2),
		Version: 7,
	}
}

// samplePayout returns a pending payout id of supplier supplierID.
func samplePayout(supplierID, id string, at time.Time) *supplier.Payout {
	return &supplier.Payout{ID: id, SupplierID: supplierID, Amount: usd("1234.56"), Destination: "acct_" + supplierID,
		Status: supplier.PayoutPending, Key: "key-" + id, Fingerprint: "fp", CreatedAt: at, UpdatedAt: at,
		Timeline: []supplier.PayoutEvent{{Status: supplier.PayoutPending, At: at, By: agent}}}
}

// credited enrols supplier id with a payout destination and amount
// credited to its balance by the release of an order recorded.
func credited(t *testing.T, svc *supplier.Service, id, amount string) {
	t.Helper()
	ctx := context.Background()
	enroll(t, svc, id)
	if _, err := untilWritten(nil, func() (*supplier.Supplier, error) {
		return svc.SetPayoutDestination(ctx, agent, id, "acct_"+id)
	}); err != nil {
		t.Fatalf("SetPayoutDestination: %v", err)
	}
	sup, err := untilWritten(nil, func() (*supplier.Supplier, error) {
		return svc.RecordOrder(ctx, system, id, supplier.OrderRecord{OrderID: "released-" + id, BuyerID: "b1", Value: usd(amount),
			CompletedAt: testkit.At(1), Release: supplier.Release{Paid: usd(amount)}})
	})
	if err != nil {
		t.Fatalf("RecordOrder: %v", err)
	}
	if got := sup.Balance(payment.USD).Available(); got != usd(amount) {
		t.Fatalf("suppliertest: after recording an order that released %s, supplier %s has %s available", amount, id, got)
	}
}

// reserve appends to sup a reservation of minor units for order id.
func reserve(sup *supplier.Supplier, id string, minor int64, at time.Time) {
	amount, _ := payment.FromMinor(minor, payment.USD)
	sup.Reservations = append(sup.Reservations, supplier.Reservation{OrderID: id, Amount: amount, At: at})
	sup.UpdatedAt = at
}

// scribble changes every part of sup but its id that a store might share
// with its caller: the elements of every slice and the files of every
// document included.
func scribble(sup *supplier.Supplier) {
	one, by := usd("0.01"), payment.Platform("scribbled")
	later := func(t time.Time) time.Time { return t.Add(time.Hour) }
	sup.Company, sup.Country, sup.EstablishedOn = "scribbled", "ZZ", later(sup.EstablishedOn)
	sup.Status, sup.CreatedAt, sup.UpdatedAt, sup.Version = supplier.StatusRemoved, later(sup.CreatedAt), later(sup.UpdatedAt), 99
	for i := range sup.MainProducts {
		sup.MainProducts[i] = "scribbled"
	}
	for i := range sup.StatusReasons {
		sup.StatusReasons[i] = payment.Reason{Code: "scribbled", Text: "scribbled"}
	}
	for i := range sup.Documents {
		d := &sup.Documents[i]
		d.Kind, d.Issuer, d.Number, d.ValidFrom, d.ValidUntil = supplier.OnSiteCheck, "scribbled", "scribbled", later(d.ValidFrom), later(d.ValidUntil)
		d.Outcome, d.ReviewedBy, d.ReviewedAt, d.ReviewNote = supplier.ReviewRejected, by, later(d.ReviewedAt), "scribbled"
		for j := range d.Files {
			d.Files[j] = "scribbled"
		}
		d.Files = append(d.Files, "scribbled")
	}
	sup.Record = supplier.Record{Completed: -1, OnTime: -1, Disputed: -1, DisputesLost: -1, Inquiries: -1, Responded: -1, ResponseTime: -1, Reviews: -1, Stars: -1}
	days := sup.Volume.Days() // read-only: a store can share it, never change it
	for i := range days {
		days[i].Day, days[i].Minor = days[i].Day+1, -1
	}
	for i := range sup.Reservations {
		r := &sup.Reservations[i]
		r.OrderID, r.Amount, r.At = "scribbled", one, later(r.At)
	}
	for i := range sup.Receivables {
		r := &sup.Receivables[i]
		r.OrderID, r.CaseID, r.Amount, r.Recovered, r.At = "scribbled", "scribbled", one, one, later(r.At)
		for j := range r.Recoveries {
			r.Recoveries[j] = supplier.Recovery{OrderID: "scribbled", Amount: one}
		}
		r.Recoveries = append(r.Recoveries, supplier.Recovery{OrderID: "scribbled"})
	}
	sup.Receivables = append(sup.Receivables, supplier.Receivable{OrderID: "scribbled"})
	for i := range sup.Balances {
		b := &sup.Balances[i]
		b.Currency, b.Credited, b.Offset, b.InFlight, b.PaidOut = "XXX", one, one, one, one
	}
	sup.Balances = append(sup.Balances, supplier.Balance{Currency: "XXX"})
	sup.PayoutDestination = "scribbled"
	sup.Rating.Score, sup.Rating.Grade, sup.Rating.ComputedAt = decimal.NewFromInt(-1), "Z", later(sup.Rating.ComputedAt)
	sup.Limit.Amount, sup.Limit.ComputedAt = one, later(sup.Limit.ComputedAt)
	sup.MainProducts = append(sup.MainProducts, "scribbled")
	sup.StatusReasons = append(sup.StatusReasons, payment.Reason{Code: "scribbled"})
	sup.Documents = append(sup.Documents, supplier.Document{ID: "scribbled"})
	sup.Volume = supplier.NewVolumes(append(days, supplier.Volume{Minor: 1})...)
	sup.Reservations = append(sup.Reservations, supplier.Reservation{OrderID: "scribbled"})
}

// untilWritten calls a Service operation until it returns something other
// than ErrConflict, with the same order each time, as a caller may; it
// counts the conflicts in conflicts, if not nil.
func untilWritten[T any](conflicts *atomic.Int64, op func() (*T, error)) (*T, error) {
	return testkit.UntilWritten(supplier.ErrConflict, conflicts, op)
}

var (
	system, agent = payment.System("suppliertest"), payment.Platform("agent-1")
)

// kitLimit is every enrolled supplier's limit under kitRules.
const kitLimit = "1000.00"

// kitRules are the default rules with a flat limit: enrollment needs a
// business licence, and an enrolled supplier's limit is kitLimit whatever
// its record, so that the checks know it in advance.
func kitRules() *supplier.Rules {
	r := supplier.DefaultRules()
	zero := usd("0.00")
	r.Required = []supplier.DocumentKind{supplier.BusinessLicence}
	r.Limit = supplier.LimitRule{
		Currency: payment.USD,
		Base:     usd(kitLimit), PerYear: zero, Max: usd(kitLimit), Step: usd("0.01"),
	}
	return &r
}

func service(t *testing.T, s supplier.Store, u payment.UnitOfWork) *supplier.Service {
	t.Helper()
	svc, err := supplier.NewService(supplier.Config{Store: s, Unit: u, Clock: &testkit.Ticking{}, Rules: kitRules()})
	if err != nil {
		t.Fatalf("NewService: %v", err)
	}
	return svc
}

// enroll registers supplier id and enrolls it with an approved business
// licence, and checks that its limit is kitLimit.
func enroll(t *testing.T, svc *supplier.Service, id string) *supplier.Supplier {
	t.Helper()
	ctx := context.Background()
	if _, err := testkit.Safely(func() (*supplier.Supplier, error) {
		return svc.Register(ctx, agent, supplier.RegisterRequest{
			ID: id, Company: "Company " + id, Country: "CN", EstablishedOn: time.Date(2015, 6, 1, 0, 0, 0, 0, time.UTC),
		})
	}); err != nil {
		t.Fatalf("Register: %v", err)
	}
	if _, err := untilWritten(nil, func() (*supplier.Supplier, error) {
		return svc.SubmitDocument(ctx, agent, id, supplier.Document{
			ID: "licence", Kind: supplier.BusinessLicence, Issuer: "AMR", Number: "L-1", ValidFrom: testkit.At(-24 * 365),
		})
	}); err != nil {
		t.Fatalf("SubmitDocument: %v", err)
	}
	sup, err := untilWritten(nil, func() (*supplier.Supplier, error) {
		return svc.ReviewDocument(ctx, agent, id, "licence", true, "")
	})
	if err != nil {
		t.Fatalf("ReviewDocument: %v", err)
	}
	if !sup.Enrolled() || sup.Limit.Amount != usd(kitLimit) || !sup.Reserved().IsZero() {
		t.Fatalf("suppliertest: after approving its licence, supplier %s is %s with limit %s and %s reserved; want enrolled, USD %s and none",
			id, sup.Status, sup.Limit.Amount, sup.Reserved(), kitLimit)
	}
	return sup
}

func usd(s string) payment.Money { return payment.MustParse(s, payment.USD) }
