// Package suppliertest checks an implementation of supplier.Store against
// the contract written on the interface, in the manner of testing/fstest:
//
//	func TestMyStore(t *testing.T) {
//		suppliertest.TestStore(t, func(t *testing.T) supplier.Store {
//			return newEmptyStore(t)
//		})
//	}
//
// Every check reports with t.Errorf and a go-cmp diff, so one run shows every
// failure. Run it with -race: several checks race goroutines on one
// supplier.
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
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"

	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// waitLimit bounds how long a check waits for calls it expects to overlap,
// so that a store that serialises them costs that long once, or fails,
// instead of hanging.
const waitLimit = 10 * time.Second

// maxAttempts bounds every retry on ErrConflict, so that a store that
// conflicts forever fails instead of hanging.
const maxAttempts = 1000

// TestStore runs the conformance checks. newStore must return a new, empty
// store each time it is called.
func TestStore(t *testing.T, newStore func(t *testing.T) supplier.Store) {
	t.Run("a created supplier reads back as written, with version 1", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		sup := sampleSupplier("s1", testkit.At(0))
		created, err := s.Create(ctx, sup)
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		want := sup.Clone()
		want.Version = 1
		testkit.Check(t, "Create result", want, created)
		got, err := s.Supplier(ctx, "s1")
		testkit.Check(t, "Supplier", want, testkit.MustGet(t, got, err))
	})

	t.Run("values are copied in and out, the files of documents too", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		sup := sampleSupplier("s1", testkit.At(0))
		created, err := s.Create(ctx, sup)
		created = testkit.MustGet(t, created, err)
		want := sup.Clone()
		want.Version = 1
		scribble(sup)
		scribble(created)
		got, err := s.Supplier(ctx, "s1")
		got = testkit.MustGet(t, got, err)
		testkit.Check(t, "after changing the created value and the one Create returned", want, got)
		scribble(got)
		got, err = s.Supplier(ctx, "s1")
		testkit.Check(t, "after changing a read value", want, testkit.MustGet(t, got, err))
		var seen *supplier.Supplier
		updated, err := s.Update(ctx, "s1", func(sup *supplier.Supplier) error {
			seen = sup
			return nil
		})
		updated = testkit.MustGet(t, updated, err)
		want.Version = 2
		scribble(updated)
		scribble(seen)
		got, err = s.Supplier(ctx, "s1")
		testkit.Check(t, "after changing the value Update returned and the one fn was given", want, testkit.MustGet(t, got, err))
		listed, err := s.List(ctx)
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		for _, l := range listed {
			scribble(l)
		}
		got, err = s.Supplier(ctx, "s1")
		testkit.Check(t, "after changing the values List returned", want, testkit.MustGet(t, got, err))
	})

	t.Run("an unknown id is ErrNotFound and Update never calls fn", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		if _, err := s.Create(ctx, sampleSupplier("s1", testkit.At(0))); err != nil {
			t.Fatalf("Create: %v", err)
		}
		_, err := s.Supplier(ctx, "nope")
		testkit.WantErr(t, "Supplier", err, supplier.ErrNotFound)
		_, err = s.Update(ctx, "nope", func(sup *supplier.Supplier) error {
			t.Errorf("Update called fn for a missing supplier")
			appendOrder(sup, "o-nope", 100, testkit.At(1))
			return nil
		})
		testkit.WantErr(t, "Update", err, supplier.ErrNotFound)
		_, err = s.Supplier(ctx, "nope")
		testkit.WantErr(t, "Supplier after Update", err, supplier.ErrNotFound)
	})

	t.Run("a second supplier with the same id is ErrDuplicate and changes nothing", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		first := sampleSupplier("s1", testkit.At(0))
		if _, err := s.Create(ctx, first); err != nil {
			t.Fatalf("Create: %v", err)
		}
		second := sampleSupplier("s1", testkit.At(1))
		second.Company, second.Status, second.Documents, second.Reservations = "Another Co.", supplier.StatusApplied, nil, nil
		_, err := s.Create(ctx, second)
		testkit.WantErr(t, "same id", err, supplier.ErrDuplicate)
		want := first.Clone()
		want.Version = 1
		got, err := s.Supplier(ctx, "s1")
		testkit.Check(t, "the first supplier", want, testkit.MustGet(t, got, err))
	})

	t.Run("of concurrent creates of one id exactly one wins", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		const n = 16
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sup := sampleSupplier("s1", testkit.At(0))
				sup.Company = fmt.Sprintf("company-%d", i)
				<-start
				_, errs[i] = s.Create(ctx, sup)
			}()
		}
		close(start)
		wg.Wait()
		wins, winner := 0, -1
		for i, err := range errs {
			switch {
			case err == nil:
				wins, winner = wins+1, i
			case !errors.Is(err, supplier.ErrDuplicate):
				t.Errorf("create %d: got %v, want nil or ErrDuplicate", i, err)
			}
		}
		if wins != 1 {
			t.Errorf("%d creates succeeded, want exactly 1", wins)
		}
		got, err := s.Supplier(ctx, "s1")
		got = testkit.MustGet(t, got, err)
		if want := fmt.Sprintf("company-%d", winner); got.Company != want || got.Version != 1 {
			t.Errorf("the stored supplier has company %q version %d, want the last winner's %q and 1", got.Company, got.Version, want)
		}
	})

	t.Run("an update stores the change and advances the version by one", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		if _, err := s.Create(ctx, sampleSupplier("s1", testkit.At(0))); err != nil {
			t.Fatalf("Create: %v", err)
		}
		change := func(sup *supplier.Supplier, v int64) {
			sup.Status = []supplier.Status{supplier.StatusEnrolled, supplier.StatusSuspended}[v%2]
			sup.StatusReasons = append(sup.StatusReasons, payment.Reason{Code: "kit.change", Text: fmt.Sprintf("change %d", v)})
			sup.Documents[0].Files = append(sup.Documents[0].Files, fmt.Sprintf("s3://kit/%d.pdf", v))
			sup.Documents[0].ReviewNote = fmt.Sprintf("note %d", v)
			appendOrder(sup, fmt.Sprintf("o%d-a", v), 100*v, testkit.At(int(v)))
			appendOrder(sup, fmt.Sprintf("o%d-b", v), 100*v+1, testkit.At(int(v)))
			sup.Rating.Score = decimal.New(v*10+5, -1)
			sup.Limit.Amount = usd(fmt.Sprintf("%d.00", 1000*v))
			sup.UpdatedAt = testkit.At(int(v))
		}
		for v := int64(2); v <= 4; v++ {
			before, err := s.Supplier(ctx, "s1")
			before = testkit.MustGet(t, before, err)
			updated, err := s.Update(ctx, "s1", func(sup *supplier.Supplier) error {
				testkit.Check(t, fmt.Sprintf("update %d: the supplier fn was given", v-1), before, sup)
				change(sup, v)
				return nil
			})
			updated = testkit.MustGet(t, updated, err)
			want := before.Clone()
			change(want, v)
			want.Version = v
			testkit.Check(t, fmt.Sprintf("update %d: Update result", v-1), want, updated)
			got, err := s.Supplier(ctx, "s1")
			testkit.Check(t, fmt.Sprintf("update %d: Supplier", v-1), want, testkit.MustGet(t, got, err))
		}
	})

	t.Run("an update whose fn fails writes nothing and returns fn's error", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		if _, err := s.Create(ctx, sampleSupplier("s1", testkit.At(0))); err != nil {
			t.Fatalf("Create: %v", err)
		}
		before, err := s.Supplier(ctx, "s1")
		before = testkit.MustGet(t, before, err)
		boom := errors.New("boom")
		_, err = s.Update(ctx, "s1", func(sup *supplier.Supplier) error {
			sup.Status, sup.StatusReasons = supplier.StatusRemoved, nil
			sup.Documents[0].Files[0] = "s3://failed"
			appendOrder(sup, "o-failed", 500, testkit.At(1))
			sup.Reservations = nil
			return fmt.Errorf("wrapped: %w", boom)
		})
		testkit.WantErr(t, "Update", err, boom)
		after, err := s.Supplier(ctx, "s1")
		testkit.Check(t, "after a failed update", before, testkit.MustGet(t, after, err))
	})

	t.Run("a write over a newer version is ErrConflict and the newer one stays", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		if _, err := s.Create(ctx, sampleSupplier("s1", testkit.At(0))); err != nil {
			t.Fatalf("Create: %v", err)
		}
		var inner *supplier.Supplier
		calls := 0
		_, err := s.Update(ctx, "s1", func(outer *supplier.Supplier) error {
			if calls++; calls > 1 {
				return nil // a store that retries fn itself: reported below
			}
			// Someone else writes while this update is between read and write.
			var err error
			inner, err = beside(func() (*supplier.Supplier, error) {
				return s.Update(ctx, "s1", func(sup *supplier.Supplier) error {
					appendOrder(sup, "o-inner", 100, testkit.At(1))
					return nil
				})
			})
			if err != nil {
				t.Errorf("inner Update: %v", err)
			}
			appendOrder(outer, "o-outer", 200, testkit.At(1))
			return nil
		})
		if calls != 1 {
			t.Errorf("Update called fn %d times, want once", calls)
		}
		testkit.WantErr(t, "the stale update", err, supplier.ErrConflict)
		got, err := s.Supplier(ctx, "s1")
		got = testkit.MustGet(t, got, err)
		if inner != nil {
			testkit.Check(t, "after the conflict, the inner update's supplier", inner, got)
		}
		last := ""
		if n := len(got.Orders); n > 0 {
			last = got.Orders[n-1].OrderID
		}
		if last != "o-inner" || got.Version != 2 {
			t.Errorf("after the conflict: last order %q version %d, want \"o-inner\" 2", last, got.Version)
		}
	})

	t.Run("concurrent updates retried on conflict lose nothing", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		base := sampleSupplier("s1", testkit.At(0))
		if _, err := s.Create(ctx, base); err != nil {
			t.Fatalf("Create: %v", err)
		}
		const workers, each = 8, 10
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					id := fmt.Sprintf("o%d/%d", w, i)
					if err := retry(func() error {
						_, err := s.Update(ctx, "s1", func(sup *supplier.Supplier) error {
							appendOrder(sup, id, int64(100+i), testkit.At(1))
							return nil
						})
						return err
					}); err != nil {
						t.Errorf("Update %s: %v", id, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		got, err := s.Supplier(ctx, "s1")
		got = testkit.MustGet(t, got, err)
		const n = workers * each
		if len(got.Orders) != len(base.Orders)+n || got.Version != 1+n {
			t.Errorf("after %d updates: %d orders, version %d; want %d and %d", n, len(got.Orders), got.Version, len(base.Orders)+n, 1+n)
		}
		var ids []string
		for _, o := range got.Orders[min(len(base.Orders), len(got.Orders)):] {
			ids = append(ids, o.OrderID)
		}
		var want []string
		for w := range workers {
			for i := range each {
				want = append(want, fmt.Sprintf("o%d/%d", w, i))
			}
		}
		if diff := gocmp.Diff(want, ids, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
			t.Errorf("orders written (-want +got):\n%s", diff)
		}
	})

	t.Run("of concurrent updates from one version exactly one wins per version", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		base := sampleSupplier("s1", testkit.At(0))
		if _, err := s.Create(ctx, base); err != nil {
			t.Fatalf("Create: %v", err)
		}
		const n = 16
		meet := newRendezvous(ctx, n)
		defer meet.stop()
		errs := make([]error, n)
		versions := make([]int64, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var once sync.Once
				defer once.Do(meet.arrive) // if fn was never called
				sup, err := s.Update(ctx, "s1", func(sup *supplier.Supplier) error {
					// Every update reads before any writes.
					once.Do(meet.arrive)
					meet.wait()
					appendOrder(sup, fmt.Sprintf("o%d", i), int64(100+i), testkit.At(1))
					return nil
				})
				errs[i] = err
				if err == nil {
					versions[i] = sup.Version
				}
			}()
		}
		wg.Wait()
		wins := map[int64]int{}
		for i, err := range errs {
			switch {
			case err == nil:
				wins[versions[i]]++
			case !errors.Is(err, supplier.ErrConflict):
				t.Errorf("update %d: got %v, want nil or ErrConflict", i, err)
			}
		}
		ok := 0
		for v, k := range wins {
			ok += k
			if k != 1 {
				t.Errorf("%d updates returned version %d, want at most 1", k, v)
			}
		}
		got, err := s.Supplier(ctx, "s1")
		got = testkit.MustGet(t, got, err)
		if ok < 1 || got.Version != int64(1+ok) || len(got.Orders) != len(base.Orders)+ok {
			t.Errorf("%d of %d updates succeeded but the supplier has version %d and %d orders; want %d and %d",
				ok, n, got.Version, len(got.Orders), 1+ok, len(base.Orders)+ok)
		}
	})

	t.Run("a cancelled context fails and writes nothing", func(t *testing.T) {
		s := newStore(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := s.Create(ctx, sampleSupplier("s1", testkit.At(0))); err == nil {
			t.Errorf("Create with a cancelled context succeeded")
		}
		if _, err := s.Supplier(context.Background(), "s1"); !errors.Is(err, supplier.ErrNotFound) {
			t.Errorf("a supplier created with a cancelled context exists: %v", err)
		}
		created, err := s.Create(context.Background(), sampleSupplier("s2", testkit.At(0)))
		created = testkit.MustGet(t, created, err)
		if _, err := s.Supplier(ctx, "s2"); err == nil {
			t.Errorf("Supplier with a cancelled context succeeded")
		}
		if _, err := s.Update(ctx, "s2", func(sup *supplier.Supplier) error {
			sup.Status = supplier.StatusRemoved
			appendOrder(sup, "o-cancelled", 100, testkit.At(1))
			return nil
		}); err == nil {
			t.Errorf("Update with a cancelled context succeeded")
		}
		if _, err := s.List(ctx); err == nil {
			t.Errorf("List with a cancelled context succeeded")
		}
		got, err := s.Supplier(context.Background(), "s2")
		testkit.Check(t, "after an update with a cancelled context", created, testkit.MustGet(t, got, err))
	})

	t.Run("List returns every supplier as stored", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
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
			appendOrder(sup, "o-listed", 100, testkit.At(5))
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
				s, ctx := newStore(t), context.Background()
				svc := newService(t, s)
				enroll(t, svc, "s1")
				var conflicts atomic.Int64
				type result struct {
					r   *supplier.Reservation
					err error
				}
				results := make([]result, tc.n)
				start := make(chan struct{})
				var wg sync.WaitGroup
				for i := range tc.n {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						r, err := untilWritten(&conflicts, func() (*supplier.Reservation, error) {
							return svc.Reserve(ctx, system, "s1", fmt.Sprintf("o%d", i), amount)
						})
						results[i] = result{r, err}
					}()
				}
				close(start)
				wg.Wait()
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

	t.Run("through the Service racing reservations of one order reserve it once", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		svc := newService(t, s)
		before := enroll(t, svc, "s1")
		const n = 16
		results := make([]*supplier.Reservation, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				results[i], errs[i] = untilWritten(nil, func() (*supplier.Reservation, error) {
					return svc.Reserve(ctx, system, "s1", "o1", usd("400.00"))
				})
			}()
		}
		close(start)
		wg.Wait()
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

// sampleSupplier returns a supplier with every field set, the files of
// documents and both derivations included, and a Version the store must
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
		Orders: []supplier.OrderRecord{
			{OrderID: "o-1", BuyerID: "b1", Value: usd("12000.00"), CompletedAt: h(-500), OnTime: true},
			{OrderID: "o-2", BuyerID: "b2", Value: usd("3400.50"), CompletedAt: h(-200), Disputed: true, DisputeLost: true},
		},
		Inquiries: []supplier.Inquiry{
			{ID: "q-1", ReceivedAt: h(-50), RespondedAt: h(-47)},
			{ID: "q-2", ReceivedAt: h(-5)},
		},
		Reviews: []supplier.Review{
			{OrderID: "o-1", BuyerID: "b1", Rating: 4, Text: "good castings, slow paperwork", At: h(-400)},
		},
		Reservations: []supplier.Reservation{
			{OrderID: "o-3", Amount: usd("2500.00"), At: h(-2)},
			{OrderID: "o-4", Amount: usd("0.01"), At: h(-1)},
		},
		Rating: supplier.Rating{
			Score: dec("61.3"), Grade: "C", ComputedAt: h(2),
			Derivation: []supplier.Term{
				{Name: supplier.FactorOnTime, Input: "1 of 2 on time", Amount: dec("10.0")},
				{Name: supplier.FactorReviews, Input: "1 reviews", Amount: dec("11.3")},
			},
		},
		Limit: supplier.Limit{
			Amount: usd("12300.00"), ComputedAt: h(2),
			Derivation: []supplier.Term{
				{Name: "base", Input: "enrolled", Amount: dec("5000")},
				{Name: "grade", Input: "grade C × 1", Amount: dec("12345.67")},
			},
		},
		CreatedAt: created, UpdatedAt: h(2),
		Version: 7,
	}
}

// appendOrder appends an order record of minor units to sup.
func appendOrder(sup *supplier.Supplier, id string, minor int64, at time.Time) {
	value, _ := payment.FromMinor(minor, payment.USD)
	sup.Orders = append(sup.Orders, supplier.OrderRecord{OrderID: id, BuyerID: "b-" + id, Value: value, CompletedAt: at, OnTime: true})
	sup.UpdatedAt = at
}

// scribble changes every part of sup that a store might share with its
// caller: the elements of every slice, the files of every document and the
// terms of both derivations included.
func scribble(sup *supplier.Supplier) {
	one := usd("0.01")
	sup.Company, sup.Status, sup.UpdatedAt, sup.Version = "scribbled", supplier.StatusRemoved, sup.UpdatedAt.Add(time.Hour), 99
	for i := range sup.MainProducts {
		sup.MainProducts[i] = "scribbled"
	}
	for i := range sup.StatusReasons {
		sup.StatusReasons[i].Code = "scribbled"
	}
	for i := range sup.Documents {
		d := &sup.Documents[i]
		d.Outcome, d.ReviewNote = supplier.ReviewRejected, "scribbled"
		for j := range d.Files {
			d.Files[j] = "scribbled"
		}
		d.Files = append(d.Files, "scribbled")
	}
	for i := range sup.Orders {
		sup.Orders[i].Value, sup.Orders[i].OnTime = one, !sup.Orders[i].OnTime
	}
	for i := range sup.Inquiries {
		sup.Inquiries[i].RespondedAt = time.Time{}
	}
	for i := range sup.Reviews {
		sup.Reviews[i].Rating, sup.Reviews[i].Text = 1, "scribbled"
	}
	for i := range sup.Reservations {
		sup.Reservations[i].Amount = one
	}
	for i := range sup.Rating.Derivation {
		sup.Rating.Derivation[i].Input, sup.Rating.Derivation[i].Amount = "scribbled", decimal.NewFromInt(-1)
	}
	for i := range sup.Limit.Derivation {
		sup.Limit.Derivation[i].Input, sup.Limit.Derivation[i].Amount = "scribbled", decimal.NewFromInt(-1)
	}
	sup.Rating.Score, sup.Limit.Amount = decimal.NewFromInt(-1), one
	sup.MainProducts = append(sup.MainProducts, "scribbled")
	sup.StatusReasons = append(sup.StatusReasons, payment.Reason{Code: "scribbled"})
	sup.Documents = append(sup.Documents, supplier.Document{ID: "scribbled"})
	sup.Orders = append(sup.Orders, supplier.OrderRecord{OrderID: "scribbled"})
	sup.Inquiries = append(sup.Inquiries, supplier.Inquiry{ID: "scribbled"})
	sup.Reviews = append(sup.Reviews, supplier.Review{OrderID: "scribbled"})
	sup.Reservations = append(sup.Reservations, supplier.Reservation{OrderID: "scribbled"})
	sup.Rating.Derivation = append(sup.Rating.Derivation, supplier.Term{Name: "scribbled"})
	sup.Limit.Derivation = append(sup.Limit.Derivation, supplier.Term{Name: "scribbled"})
}

// rendezvous lets n goroutines wait until all of them have arrived, or
// until waitLimit has passed once, for a store that never lets them meet.
type rendezvous struct {
	arrived sync.WaitGroup
	all     chan struct{}
	expired <-chan struct{}
	stop    context.CancelFunc
}

func newRendezvous(ctx context.Context, n int) *rendezvous {
	ctx, stop := context.WithTimeout(ctx, waitLimit)
	r := &rendezvous{all: make(chan struct{}), expired: ctx.Done(), stop: stop}
	r.arrived.Add(n)
	go func() {
		r.arrived.Wait()
		close(r.all)
	}()
	return r
}

func (r *rendezvous) arrive() { r.arrived.Done() }

func (r *rendezvous) wait() {
	select {
	case <-r.all:
	case <-r.expired:
	}
}

// beside runs an Update called from inside another Update's fn on a
// goroutine of its own, and gives up on it after waitLimit: a store that
// holds a lock on the supplier while fn runs would otherwise hang the kit.
func beside(update func() (*supplier.Supplier, error)) (*supplier.Supplier, error) {
	type result struct {
		s   *supplier.Supplier
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := update()
		done <- result{s, err}
	}()
	timer := time.NewTimer(waitLimit)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.s, r.err
	case <-timer.C:
		return nil, fmt.Errorf("suppliertest: no answer after %v; does the store hold a lock on the supplier while fn runs?", waitLimit)
	}
}

// retry calls op until it returns something other than ErrConflict.
func retry(op func() error) error {
	var err error
	for range maxAttempts {
		if err = op(); !errors.Is(err, supplier.ErrConflict) {
			return err
		}
	}
	return err
}

// untilWritten calls a Service operation until it returns something other
// than ErrConflict, with the same order each time, as a caller may; it
// counts the conflicts in conflicts, if not nil.
func untilWritten[T any](conflicts *atomic.Int64, op func() (*T, error)) (*T, error) {
	var v *T
	err := retry(func() error {
		var err error
		v, err = safely(op)
		if errors.Is(err, supplier.ErrConflict) && conflicts != nil {
			conflicts.Add(1)
		}
		return err
	})
	return v, err
}

// safely runs a Service call and turns a panic into an error: a Service
// over a broken store may panic, and the kit reports it and goes on.
func safely[T any](call func() (T, error)) (v T, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("suppliertest: the Service panicked: %v", p)
		}
	}()
	return call()
}

// The actors of the Service checks.
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

// clock is a fake payment.Clock: each reading is one second after the last,
// from testkit.At(0).
type clock struct{ ticks atomic.Int64 }

func (c *clock) Now() time.Time {
	return testkit.At(0).Add(time.Duration(c.ticks.Add(1)) * time.Second)
}

func newService(t *testing.T, s supplier.Store) *supplier.Service {
	t.Helper()
	svc, err := supplier.NewService(supplier.Config{Store: s, Clock: &clock{}, Rules: kitRules()})
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
	if _, err := safely(func() (*supplier.Supplier, error) {
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
