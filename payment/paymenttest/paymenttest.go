// Package paymenttest checks an implementation of payment.Store against the
// contract written on the interface, in the manner of testing/fstest:
//
//	func TestMyStore(t *testing.T) {
//		paymenttest.TestStore(t, func(t *testing.T) payment.Store {
//			return newEmptyStore(t)
//		})
//	}
//
// Every check reports with t.Errorf and a go-cmp diff, so one run shows every
// failure. Run it with -race: several checks race goroutines on one record.
package paymenttest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
)

// TestStore runs the conformance checks. newStore must return a new, empty
// store each time it is called.
func TestStore(t *testing.T, newStore func(t *testing.T) payment.Store) {
	t.Run("a created payment reads back as written, with version 1", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		p := samplePayment("p1", "k1", "b1", testkit.At(0))
		created, err := s.CreatePayment(ctx, p)
		if err != nil {
			t.Fatalf("CreatePayment: %v", err)
		}
		want := p.Clone()
		want.Version = 1
		testkit.Check(t, "CreatePayment result", want, created)
		got, err := s.Payment(ctx, "p1")
		testkit.Check(t, "Payment", want, testkit.MustGet(t, got, err))
		got, err = s.PaymentByKey(ctx, "k1")
		testkit.Check(t, "PaymentByKey", want, testkit.MustGet(t, got, err))
	})

	t.Run("values are copied in and out", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		p := samplePayment("p1", "k1", "b1", testkit.At(0))
		if _, err := s.CreatePayment(ctx, p); err != nil {
			t.Fatalf("CreatePayment: %v", err)
		}
		want := p.Clone()
		want.Version = 1
		p.Status, p.Timeline[0].Note, p.Risk.Reasons[0].Code = payment.StatusFailed, "changed", "changed"
		got, err := s.Payment(ctx, "p1")
		got = testkit.MustGet(t, got, err)
		testkit.Check(t, "after changing the created value", want, got)
		got.Timeline[0].Note, got.Refunds = "changed", append(got.Refunds, payment.Refund{Key: "x"})
		got, err = s.Payment(ctx, "p1")
		testkit.Check(t, "after changing a read value", want, testkit.MustGet(t, got, err))
		updated, err := s.UpdatePayment(ctx, "p1", func(p *payment.Payment) error { return nil })
		updated = testkit.MustGet(t, updated, err)
		updated.Timeline[0].Note = "changed"
		got, err = s.Payment(ctx, "p1")
		got = testkit.MustGet(t, got, err)
		if got.Timeline[0].Note == "changed" {
			t.Errorf("changing the value UpdatePayment returned changed the store")
		}
	})

	t.Run("unknown ids and keys are ErrNotFound", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		_, err := s.Payment(ctx, "nope")
		testkit.WantErr(t, "Payment", err, payment.ErrNotFound)
		_, err = s.PaymentByKey(ctx, "nope")
		testkit.WantErr(t, "PaymentByKey", err, payment.ErrNotFound)
		_, err = s.UpdatePayment(ctx, "nope", func(*payment.Payment) error {
			t.Errorf("UpdatePayment called fn for a missing payment")
			return nil
		})
		testkit.WantErr(t, "UpdatePayment", err, payment.ErrNotFound)
		_, err = s.Account(ctx, "nope")
		testkit.WantErr(t, "Account", err, payment.ErrNotFound)
	})

	t.Run("a second payment with the same id or key is ErrDuplicate and changes nothing", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		first := samplePayment("p1", "k1", "b1", testkit.At(0))
		if _, err := s.CreatePayment(ctx, first); err != nil {
			t.Fatalf("CreatePayment: %v", err)
		}
		_, err := s.CreatePayment(ctx, samplePayment("p1", "k2", "b1", testkit.At(1)))
		testkit.WantErr(t, "same id", err, payment.ErrDuplicate)
		_, err = s.CreatePayment(ctx, samplePayment("p2", "k1", "b1", testkit.At(1)))
		testkit.WantErr(t, "same key", err, payment.ErrDuplicate)
		_, err = s.Payment(ctx, "p2")
		testkit.WantErr(t, "the refused payment", err, payment.ErrNotFound)
		_, err = s.PaymentByKey(ctx, "k2")
		testkit.WantErr(t, "the refused key", err, payment.ErrNotFound)
		want := first.Clone()
		want.Version = 1
		got, err := s.Payment(ctx, "p1")
		testkit.Check(t, "the first payment", want, testkit.MustGet(t, got, err))
	})

	t.Run("of concurrent creates with one key exactly one wins", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		const n = 16
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = s.CreatePayment(ctx, samplePayment(fmt.Sprintf("p%d", i), "k", "b1", testkit.At(0)))
			}()
		}
		wg.Wait()
		wins := 0
		for i, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, payment.ErrDuplicate):
				t.Errorf("create %d: got %v, want nil or ErrDuplicate", i, err)
			}
		}
		if wins != 1 {
			t.Errorf("%d creates succeeded, want exactly 1", wins)
		}
	})

	t.Run("an update stores the change and advances the version", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		if _, err := s.CreatePayment(ctx, samplePayment("p1", "k1", "b1", testkit.At(0))); err != nil {
			t.Fatalf("CreatePayment: %v", err)
		}
		for v := int64(2); v <= 3; v++ {
			updated, err := s.UpdatePayment(ctx, "p1", func(p *payment.Payment) error {
				p.ProcessorRef = fmt.Sprintf("ref-%d", v)
				return nil
			})
			updated = testkit.MustGet(t, updated, err)
			got, err := s.Payment(ctx, "p1")
			got = testkit.MustGet(t, got, err)
			testkit.Check(t, "stored vs returned", updated, got)
			if got.Version != v || got.ProcessorRef != fmt.Sprintf("ref-%d", v) {
				t.Errorf("after update %d: version %d, ref %q", v-1, got.Version, got.ProcessorRef)
			}
		}
	})

	t.Run("an update whose function fails writes nothing and returns that error", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		if _, err := s.CreatePayment(ctx, samplePayment("p1", "k1", "b1", testkit.At(0))); err != nil {
			t.Fatalf("CreatePayment: %v", err)
		}
		before, err := s.Payment(ctx, "p1")
		before = testkit.MustGet(t, before, err)
		boom := errors.New("boom")
		_, err = s.UpdatePayment(ctx, "p1", func(p *payment.Payment) error {
			p.Status = payment.StatusFailed
			return fmt.Errorf("wrapped: %w", boom)
		})
		testkit.WantErr(t, "UpdatePayment", err, boom)
		after, err := s.Payment(ctx, "p1")
		testkit.Check(t, "after a failed update", before, testkit.MustGet(t, after, err))
	})

	t.Run("a write over a newer version is ErrConflict and the newer one stays", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		if _, err := s.CreatePayment(ctx, samplePayment("p1", "k1", "b1", testkit.At(0))); err != nil {
			t.Fatalf("CreatePayment: %v", err)
		}
		_, err := s.UpdatePayment(ctx, "p1", func(outer *payment.Payment) error {
			// Someone else writes while this update is between read and write.
			if _, err := s.UpdatePayment(ctx, "p1", func(inner *payment.Payment) error {
				inner.ProcessorRef = "inner"
				return nil
			}); err != nil {
				t.Errorf("inner UpdatePayment: %v", err)
			}
			outer.ProcessorRef = "outer"
			return nil
		})
		testkit.WantErr(t, "the stale update", err, payment.ErrConflict)
		got, err := s.Payment(ctx, "p1")
		got = testkit.MustGet(t, got, err)
		if got.ProcessorRef != "inner" || got.Version != 2 {
			t.Errorf("after the conflict: ref %q version %d, want \"inner\" 2", got.ProcessorRef, got.Version)
		}
	})

	t.Run("concurrent updates retried on conflict lose nothing", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		if _, err := s.CreatePayment(ctx, samplePayment("p1", "k1", "b1", testkit.At(0))); err != nil {
			t.Fatalf("CreatePayment: %v", err)
		}
		const workers, each = 8, 10
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					for {
						_, err := s.UpdatePayment(ctx, "p1", func(p *payment.Payment) error {
							p.Timeline = append(p.Timeline, payment.Event{At: testkit.At(1), Status: p.Status, Note: fmt.Sprintf("%d/%d", w, i)})
							return nil
						})
						if err == nil {
							break
						}
						if !errors.Is(err, payment.ErrConflict) {
							t.Errorf("UpdatePayment: %v", err)
							return
						}
					}
				}
			}()
		}
		wg.Wait()
		got, err := s.Payment(ctx, "p1")
		got = testkit.MustGet(t, got, err)
		if len(got.Timeline) != 1+workers*each || got.Version != 1+workers*each {
			t.Errorf("after %d updates: %d timeline events, version %d; want %d and %d",
				workers*each, len(got.Timeline), got.Version, 1+workers*each, 1+workers*each)
		}
	})

	t.Run("payments by buyer are filtered by buyer and time, oldest first", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		for _, p := range []*payment.Payment{
			samplePayment("p3", "k3", "b1", testkit.At(3)),
			samplePayment("p1", "k1", "b1", testkit.At(1)),
			samplePayment("p2", "k2", "b2", testkit.At(2)),
			samplePayment("p0", "k0", "b1", testkit.At(0)),
			samplePayment("p4", "k4", "b1", testkit.At(3)),
		} {
			if _, err := s.CreatePayment(ctx, p); err != nil {
				t.Fatalf("CreatePayment: %v", err)
			}
		}
		got, err := s.PaymentsByBuyer(ctx, "b1", testkit.At(1))
		if err != nil {
			t.Fatalf("PaymentsByBuyer: %v", err)
		}
		var ids []string
		for _, p := range got {
			ids = append(ids, p.ID)
		}
		if diff := cmp.Diff([]string{"p1", "p3", "p4"}, ids); diff != "" {
			t.Errorf("PaymentsByBuyer(b1, t1) ids (-want +got):\n%s", diff)
		}
		none, err := s.PaymentsByBuyer(ctx, "nobody", testkit.At(0))
		if err != nil || len(none) != 0 {
			t.Errorf("PaymentsByBuyer(nobody) = %v, %v; want nothing", none, err)
		}
	})

	t.Run("an account is created by its first update and versioned after", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		created, err := s.UpdateAccount(ctx, "b1", func(a *payment.Account) error {
			if a.ID != "b1" || a.Frozen || a.Version != 0 {
				t.Errorf("a new account's function got %+v, want a fresh account b1", a)
			}
			a.Frozen, a.Reasons = true, []payment.Reason{{Code: "risk.test", Text: "test"}}
			return nil
		})
		created = testkit.MustGet(t, created, err)
		got, err := s.Account(ctx, "b1")
		got = testkit.MustGet(t, got, err)
		testkit.Check(t, "Account", created, got)
		if got.Version != 1 || !got.Frozen {
			t.Errorf("new account: version %d frozen %v, want 1 true", got.Version, got.Frozen)
		}
		boom := errors.New("boom")
		_, err = s.UpdateAccount(ctx, "b2", func(*payment.Account) error { return boom })
		testkit.WantErr(t, "a failed first update", err, boom)
		_, err = s.Account(ctx, "b2")
		testkit.WantErr(t, "the account a failed update would have created", err, payment.ErrNotFound)
		_, err = s.UpdateAccount(ctx, "b1", func(outer *payment.Account) error {
			if _, err := s.UpdateAccount(ctx, "b1", func(inner *payment.Account) error {
				inner.Frozen = false
				return nil
			}); err != nil {
				t.Errorf("inner UpdateAccount: %v", err)
			}
			return nil
		})
		testkit.WantErr(t, "a stale account update", err, payment.ErrConflict)
		got, err = s.Account(ctx, "b1")
		got = testkit.MustGet(t, got, err)
		if got.Frozen || got.Version != 2 {
			t.Errorf("after the conflict: frozen %v version %d, want false 2", got.Frozen, got.Version)
		}
	})

	t.Run("of concurrent first updates of an account exactly one creates it", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		const n = 16
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = s.UpdateAccount(ctx, "b1", func(a *payment.Account) error {
					a.History = append(a.History, payment.AccountEvent{Note: fmt.Sprint(i)})
					return nil
				})
			}()
		}
		wg.Wait()
		ok := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, payment.ErrConflict):
				t.Errorf("update %d: %v, want nil or ErrConflict", i, err)
			}
		}
		got, err := s.Account(ctx, "b1")
		got = testkit.MustGet(t, got, err)
		if int64(ok) != got.Version || len(got.History) != ok {
			t.Errorf("%d updates succeeded but the account has version %d and %d events", ok, got.Version, len(got.History))
		}
	})

	t.Run("a cancelled context fails and writes nothing", func(t *testing.T) {
		s := newStore(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := s.CreatePayment(ctx, samplePayment("p1", "k1", "b1", testkit.At(0))); err == nil {
			t.Errorf("CreatePayment with a cancelled context succeeded")
		}
		if _, err := s.UpdateAccount(ctx, "b1", func(*payment.Account) error { return nil }); err == nil {
			t.Errorf("UpdateAccount with a cancelled context succeeded")
		}
		if _, err := s.Payment(context.Background(), "p1"); !errors.Is(err, payment.ErrNotFound) {
			t.Errorf("a payment created with a cancelled context exists: %v", err)
		}
	})
}

// samplePayment returns a payment with every field set, so that a store
// that drops one fails the round trip.
func samplePayment(id, key, buyer string, created time.Time) *payment.Payment {
	amount := payment.MustParse("3000.00", payment.USD)
	fee := payment.MustParse("40.00", payment.USD)
	return &payment.Payment{
		ID: id, Key: key, Fingerprint: "fp-" + key, OrderID: "o-" + id, Tranche: payment.Deposit,
		BuyerID: buyer, BuyerCountry: "AU",
		Instrument: payment.Instrument{Method: payment.Card, Network: payment.Mastercard, IssuerCountry: "AU"},
		Amount:     amount,
		Fee: payment.FeeQuote{
			Amount: amount, Fee: fee, BuyerFee: fee, SupplierFee: payment.MustParse("0", payment.USD),
			RuleID: "card-mastercard-apac", Band: -1, Capped: true,
			Conversions: []payment.Conversion{{From: payment.USD, To: payment.USD, At: created}},
		},
		Status: payment.StatusProcessing, Held: true,
		Risk:         payment.RiskDecision{Outcome: payment.RiskReview, Reasons: []payment.Reason{{Code: "risk.x", Text: "x"}}},
		ProcessorRef: "", Refunded: payment.MustParse("0", payment.USD),
		Refunds:   []payment.Refund{{Key: "r0", Amount: payment.MustParse("0.01", payment.USD), At: created}},
		Timeline:  []payment.Event{{At: created, Status: payment.StatusProcessing, Actor: payment.Buyer(buyer), Note: "created", Reasons: []payment.Reason{{Code: "risk.x", Text: "x"}}}},
		CreatedAt: created, UpdatedAt: created,
	}
}
