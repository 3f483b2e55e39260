package paymenttest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
)

// TestUnitOfWork runs the conformance checks of a unit of work
// (payment.UnitOfWork) over a store of its kind: a unit's writes to two
// aggregates (a payment and an account) commit together or not at all;
// its reads see its own writes and no other unit sees them before the
// commit; a duplicate inside a unit is ErrDuplicate and leaves the unit
// usable; of two units that change one record from the same version one
// fails with ErrConflict, and units retried on conflict lose no update; a
// nested Do joins its outer unit; a cancelled context commits nothing.
// newUnit must return a unit and an empty store it spans, each time it is
// called.
func TestUnitOfWork(t *testing.T, newUnit func(t *testing.T) (payment.UnitOfWork, payment.Store)) {
	boom := errors.New("boom")

	t.Run("a unit's writes to two aggregates are committed together", func(t *testing.T) {
		u, s := newUnit(t)
		ctx := context.Background()
		err := u.Do(ctx, func(ctx context.Context) error {
			if _, err := s.CreatePayment(ctx, samplePayment("p1", "k1", "b1", testkit.At(0))); err != nil {
				return err
			}
			_, err := s.UpdateAccount(ctx, "b1", func(a *payment.Account) error { accounts.Mutate(a, "t1"); return nil })
			return err
		})
		if err != nil {
			t.Fatalf("Do: %v", err)
		}
		wantPayment(t, ctx, s, "p1", true)
		wantTags(t, ctx, s, "b1", []string{"t1"})
	})

	t.Run("a unit that fails after some writes leaves none of them", func(t *testing.T) {
		u, s := newUnit(t)
		ctx := context.Background()
		if _, err := s.UpdateAccount(ctx, "b1", func(a *payment.Account) error { accounts.Mutate(a, "t0"); return nil }); err != nil {
			t.Fatalf("UpdateAccount: %v", err)
		}
		err := u.Do(ctx, func(ctx context.Context) error {
			if _, err := s.CreatePayment(ctx, samplePayment("p1", "k1", "b1", testkit.At(0))); err != nil {
				return err
			}
			if _, err := s.UpdateAccount(ctx, "b1", func(a *payment.Account) error { accounts.Mutate(a, "t1"); return nil }); err != nil {
				return err
			}
			if _, err := s.UpdateAccount(ctx, "b2", func(a *payment.Account) error { accounts.Mutate(a, "t1"); return nil }); err != nil {
				return err
			}
			return boom
		})
		testkit.WantErr(t, "Do", err, boom)
		wantPayment(t, ctx, s, "p1", false)
		if _, err := s.PaymentByKey(ctx, "b1", "k1"); !errors.Is(err, payment.ErrNotFound) {
			t.Errorf("PaymentByKey after the failed unit: %v, want ErrNotFound", err)
		}
		wantTags(t, ctx, s, "b1", []string{"t0"})
		if _, err := s.Account(ctx, "b2"); !errors.Is(err, payment.ErrNotFound) {
			t.Errorf("Account b2 after the failed unit: %v, want ErrNotFound", err)
		}
	})

	t.Run("a unit reads its own writes, and nobody else reads them before the commit", func(t *testing.T) {
		u, s := newUnit(t)
		ctx := context.Background()
		err := u.Do(ctx, func(ctx context.Context) error {
			if _, err := s.CreatePayment(ctx, samplePayment("p1", "k1", "b1", testkit.At(0))); err != nil {
				return err
			}
			if _, err := s.UpdateAccount(ctx, "b1", func(a *payment.Account) error { accounts.Mutate(a, "t1"); return nil }); err != nil {
				return err
			}
			if _, err := s.UpdatePayment(ctx, "p1", func(p *payment.Payment) error { payments.Mutate(p, "t1"); return nil }); err != nil {
				return err
			}
			p, err := s.Payment(ctx, "p1")
			if err != nil {
				return fmt.Errorf("payment p1 inside the unit: %w", err)
			}
			if got := paymentTags(p); !slices.Equal(got, []string{"t1"}) {
				t.Errorf("Payment inside the unit: tags %q, want [t1]", got)
			}
			if _, err := s.PaymentByKey(ctx, "b1", "k1"); err != nil {
				return fmt.Errorf("payment by key k1 inside the unit: %w", err)
			}
			if got, err := s.PaymentsByBuyer(ctx, "b1", testkit.At(0)); err != nil || len(got) != 1 {
				return fmt.Errorf("payments by buyer b1 inside the unit: %d, %v; want 1", len(got), err)
			}
			wantTags(t, ctx, s, "b1", []string{"t1"})
			// Outside the unit, nothing of it shows yet.
			outside := context.WithoutCancel(context.Background())
			wantPayment(t, outside, s, "p1", false)
			if _, err := s.Account(outside, "b1"); !errors.Is(err, payment.ErrNotFound) {
				t.Errorf("Account outside the unit before its commit: %v, want ErrNotFound", err)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Do: %v", err)
		}
		wantPayment(t, ctx, s, "p1", true)
	})

	t.Run("a duplicate inside a unit is ErrDuplicate and the unit still commits", func(t *testing.T) {
		u, s := newUnit(t)
		ctx := context.Background()
		if _, err := s.CreatePayment(ctx, samplePayment("p1", "k1", "b1", testkit.At(0))); err != nil {
			t.Fatalf("CreatePayment: %v", err)
		}
		// Do may run fn again (see payment.UnitOfWork): what counts is what
		// the run that commits saw.
		var sameID, sameKey, created error
		err := u.Do(ctx, func(ctx context.Context) error {
			_, sameID = s.CreatePayment(ctx, samplePayment("p1", "k2", "b1", testkit.At(1)))
			_, sameKey = s.CreatePayment(ctx, samplePayment("p2", "k1", "b1", testkit.At(1)))
			if _, err := s.CreatePayment(ctx, samplePayment("p3", "k3", "b1", testkit.At(1))); err != nil {
				return err
			}
			_, created = s.CreatePayment(ctx, samplePayment("p3", "k4", "b1", testkit.At(1)))
			return nil
		})
		if err != nil {
			t.Fatalf("Do after the duplicates: %v", err)
		}
		testkit.WantErr(t, "same id inside the unit", sameID, payment.ErrDuplicate)
		testkit.WantErr(t, "same key inside the unit", sameKey, payment.ErrDuplicate)
		testkit.WantErr(t, "an id the unit created", created, payment.ErrDuplicate)
		wantPayment(t, ctx, s, "p3", true)
		wantPayment(t, ctx, s, "p2", false)
	})

	t.Run("of two units changing one record from one version, one fails with ErrConflict", func(t *testing.T) {
		u, s := newUnit(t)
		ctx := context.Background()
		if _, err := s.UpdateAccount(ctx, "b1", func(a *payment.Account) error { accounts.Mutate(a, "t0"); return nil }); err != nil {
			t.Fatalf("UpdateAccount: %v", err)
		}
		var read sync.WaitGroup
		read.Add(2)
		errs := make([]error, 2)
		var done sync.WaitGroup
		for i := range 2 {
			done.Add(1)
			go func() {
				defer done.Done()
				once := sync.OnceFunc(read.Done)
				defer once() // a unit that failed before its read releases the other
				errs[i] = u.Do(ctx, func(ctx context.Context) error {
					if _, err := s.Account(ctx, "b1"); err != nil {
						return err
					}
					once()
					read.Wait() // both units read version 1 before either writes
					_, err := s.UpdateAccount(ctx, "b1", func(a *payment.Account) error { accounts.Mutate(a, fmt.Sprint("u", i)); return nil })
					return err
				})
			}()
		}
		if !testkit.Within(func() { done.Wait() }) {
			t.Fatal("two racing units never both returned: a unit waits on another that waits on it")
		}
		winner := testkit.OneWinner(t, "racing units", errs, payment.ErrConflict)
		if winner >= 0 {
			wantTags(t, ctx, s, "b1", []string{"t0", fmt.Sprint("u", winner)})
		}
	})

	t.Run("units retried on conflict lose no update of either aggregate", func(t *testing.T) {
		u, s := newUnit(t)
		ctx := context.Background()
		if _, err := s.CreatePayment(ctx, samplePayment("p1", "k1", "b1", testkit.At(0))); err != nil {
			t.Fatalf("CreatePayment: %v", err)
		}
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tag := fmt.Sprint("u", i)
				for range testkit.MaxAttempts {
					errs[i] = u.Do(ctx, func(ctx context.Context) error {
						if _, err := s.UpdatePayment(ctx, "p1", func(p *payment.Payment) error { payments.Mutate(p, tag); return nil }); err != nil {
							return err
						}
						_, err := s.UpdateAccount(ctx, "b1", func(a *payment.Account) error { accounts.Mutate(a, tag); return nil })
						return err
					})
					if !errors.Is(errs[i], payment.ErrConflict) {
						break
					}
				}
			}()
		}
		if !testkit.Within(wg.Wait) {
			t.Fatal("racing units never all returned")
		}
		for i, err := range errs {
			if err != nil {
				t.Errorf("unit %d: %v", i, err)
			}
		}
		p, err := s.Payment(ctx, "p1")
		if err != nil {
			t.Fatalf("Payment: %v", err)
		}
		a, err := s.Account(ctx, "b1")
		if err != nil {
			t.Fatalf("Account: %v", err)
		}
		pt, at := paymentTags(p), accounts.Tags(a)
		if len(pt) != n || !slices.Equal(pt, at) {
			t.Errorf("after %d units: the payment's tags %q and the account's %q, want the same %d in the same order", n, pt, at, n)
		}
		if p.Version != int64(1+n) {
			t.Errorf("the payment's version is %d after %d units, want %d", p.Version, n, 1+n)
		}
	})

	t.Run("a nested Do joins its unit, and the outer failure undoes it", func(t *testing.T) {
		u, s := newUnit(t)
		ctx := context.Background()
		err := u.Do(ctx, func(ctx context.Context) error {
			if err := u.Do(ctx, func(ctx context.Context) error {
				_, err := s.CreatePayment(ctx, samplePayment("p1", "k1", "b1", testkit.At(0)))
				return err
			}); err != nil {
				return err
			}
			wantPayment(t, ctx, s, "p1", true)
			wantPayment(t, context.Background(), s, "p1", false)
			return boom
		})
		testkit.WantErr(t, "Do", err, boom)
		wantPayment(t, ctx, s, "p1", false)
	})

	t.Run("a cancelled context commits nothing", func(t *testing.T) {
		u, s := newUnit(t)
		ctx, cancel := context.WithCancel(context.Background())
		err := u.Do(ctx, func(ctx context.Context) error {
			if _, err := s.CreatePayment(ctx, samplePayment("p1", "k1", "b1", testkit.At(0))); err != nil {
				return err
			}
			cancel()
			return nil
		})
		if err == nil {
			t.Error("Do whose context was cancelled before the commit succeeded")
		}
		wantPayment(t, context.Background(), s, "p1", false)
	})
}

// paymentTags returns the tags payments.Mutate left on p, after its
// sample's.
func paymentTags(p *payment.Payment) []string {
	return payments.Tags(p)[len(payments.Tags(samplePayment(p.ID, p.Key, p.BuyerID, p.CreatedAt))):]
}

// wantPayment reports unless payment id exists (or, with exists false,
// does not).
func wantPayment(t *testing.T, ctx context.Context, s payment.Store, id string, exists bool) {
	t.Helper()
	_, err := s.Payment(ctx, id)
	switch {
	case exists && err != nil:
		t.Errorf("Payment %s: %v, want it stored", id, err)
	case !exists && !errors.Is(err, payment.ErrNotFound):
		t.Errorf("Payment %s: %v, want ErrNotFound", id, err)
	}
}

// wantTags reports unless account id holds exactly tags.
func wantTags(t *testing.T, ctx context.Context, s payment.Store, id string, tags []string) {
	t.Helper()
	a, err := s.Account(ctx, id)
	if err != nil {
		t.Errorf("Account %s: %v", id, err)
		return
	}
	if got := accounts.Tags(a); !slices.Equal(got, tags) {
		t.Errorf("Account %s: tags %q, want %q", id, got, tags)
	}
}
