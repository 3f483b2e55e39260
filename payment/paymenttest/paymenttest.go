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
//
// The checks of payments and of accounts run under the subtests "payments"
// and "accounts". Each starts with the checks every versioned store of the
// SDK must pass (read back, copies, conflicts, lost updates, cancelled
// contexts: see internal/testkit.RunStoreChecks); an account, which the
// store creates on its first update, passes them with concurrent first
// updates in place of concurrent creates. The checks particular to payments
// follow: the idempotency key index, payments by buyer, and the new account
// a first update works on.
//
// The checks assume what the in-memory store does and the contract implies:
// an update runs fn without holding a lock that another update of the same
// record waits on. Where a store that does hold one would hang, the kit
// gives up after a time limit and reports it instead.
package paymenttest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
)

// TestStore runs the conformance checks. newStore must return a new, empty
// store each time it is called.
func TestStore(t *testing.T, newStore func(t *testing.T) payment.Store) {
	t.Run("payments", func(t *testing.T) {
		testkit.RunStoreChecks(t, payments, func(t *testing.T) testkit.StoreHooks[payment.Payment] {
			return paymentHooks(newStore(t))
		})
		testPayments(t, newStore)
	})
	t.Run("accounts", func(t *testing.T) {
		testkit.RunStoreChecks(t, accounts, func(t *testing.T) testkit.StoreHooks[payment.Account] {
			s := newStore(t)
			return testkit.StoreHooks[payment.Account]{Get: s.Account, Update: s.UpdateAccount}
		})
		testAccounts(t, newStore)
	})
}

// testPayments runs the checks of the key index and of PaymentsByBuyer.
func testPayments(t *testing.T, newStore func(t *testing.T) payment.Store) {
	t.Run("an unknown key is ErrNotFound", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		if _, err := s.CreatePayment(ctx, samplePayment("p1", "k1", "b1", testkit.At(0))); err != nil {
			t.Fatalf("CreatePayment: %v", err)
		}
		_, err := s.PaymentByKey(ctx, "b1", "nope")
		testkit.WantErr(t, "PaymentByKey", err, payment.ErrNotFound)
	})

	t.Run("a second payment with the same id or key is ErrDuplicate and leaves neither behind", func(t *testing.T) {
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
		_, err = s.PaymentByKey(ctx, "b1", "k2")
		testkit.WantErr(t, "the refused key", err, payment.ErrNotFound)
		want := first.Clone()
		want.Version = 1
		got, err := s.Payment(ctx, "p1")
		testkit.Check(t, "the first payment", want, testkit.MustGet(t, got, err))
		got, err = s.PaymentByKey(ctx, "b1", "k1")
		testkit.Check(t, "the first payment by its key", want, testkit.MustGet(t, got, err))
		listed, err := s.PaymentsByBuyer(ctx, "b1", testkit.At(0))
		testkit.Check(t, "the buyer's payments", []*payment.Payment{want}, listed)
		if err != nil {
			t.Errorf("PaymentsByBuyer: %v", err)
		}
	})

	t.Run("a key is its buyer's: two buyers' payments may share one", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		first := samplePayment("p1", "k1", "b1", testkit.At(0))
		second := samplePayment("p2", "k1", "b2", testkit.At(1))
		for _, p := range []*payment.Payment{first, second} {
			if _, err := s.CreatePayment(ctx, p); err != nil {
				t.Fatalf("CreatePayment %s: %v", p.ID, err)
			}
		}
		for _, p := range []*payment.Payment{first, second} {
			want := p.Clone()
			want.Version = 1
			got, err := s.PaymentByKey(ctx, p.BuyerID, "k1")
			testkit.Check(t, "buyer "+p.BuyerID+"'s payment under the key", want, testkit.MustGet(t, got, err))
		}
		_, err := s.PaymentByKey(ctx, "b3", "k1")
		testkit.WantErr(t, "a third buyer's key", err, payment.ErrNotFound)
	})

	t.Run("of concurrent creates with one key exactly one wins", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		const n = 16
		errs := make([]error, n)
		testkit.Together(n, func(i int) {
			_, errs[i] = testkit.Safely(func() (*payment.Payment, error) {
				return s.CreatePayment(ctx, samplePayment(fmt.Sprintf("p%d", i), "k", "b1", testkit.At(0)))
			})
		})
		winner := testkit.OneWinner(t, "CreatePayment", errs, payment.ErrDuplicate)
		for i, err := range errs {
			if _, lookup := s.Payment(ctx, fmt.Sprintf("p%d", i)); err != nil && !errors.Is(lookup, payment.ErrNotFound) {
				t.Errorf("the refused payment p%d: got %v, want ErrNotFound", i, lookup)
			}
		}
		if winner >= 0 {
			want := samplePayment(fmt.Sprintf("p%d", winner), "k", "b1", testkit.At(0))
			want.Version = 1
			got, err := s.PaymentByKey(ctx, "b1", "k")
			testkit.Check(t, "the payment under the key, the winner's", want, testkit.MustGet(t, got, err))
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
}

// testAccounts runs the check particular to accounts.
func testAccounts(t *testing.T, newStore func(t *testing.T) payment.Store) {
	t.Run("an account's first update is given a new account with only its id", func(t *testing.T) {
		s, ctx := newStore(t), context.Background()
		calls := 0
		created, err := s.UpdateAccount(ctx, "b1", func(a *payment.Account) error {
			calls++
			testkit.Check(t, "the account fn was given", &payment.Account{ID: "b1"}, a)
			a.Frozen, a.Reasons = true, []payment.Reason{{Code: "risk.test", Text: "test"}}
			return nil
		})
		created = testkit.MustGet(t, created, err)
		if calls != 1 {
			t.Errorf("UpdateAccount called fn %d times, want once", calls)
		}
		want := &payment.Account{ID: "b1", Frozen: true, Reasons: []payment.Reason{{Code: "risk.test", Text: "test"}}, Version: 1}
		testkit.Check(t, "UpdateAccount result", want, created)
		got, err := s.Account(ctx, "b1")
		testkit.Check(t, "Account", want, testkit.MustGet(t, got, err))
	})
}

// payments is the payment aggregate, for testkit.RunStoreChecks.
var payments = testkit.Aggregate[payment.Payment]{
	Noun: "payment",
	Sample: func(id string, created time.Time) *payment.Payment {
		return samplePayment(id, "k-"+id, "b1", created)
	},
	Clone:   (*payment.Payment).Clone,
	Version: func(p *payment.Payment) *int64 { return &p.Version },
	Mutate: func(p *payment.Payment, tag string) {
		at := p.UpdatedAt.Add(time.Hour)
		p.Held, p.ProcessorRef, p.UpdatedAt = !p.Held, "ref-"+tag, at
		p.Timeline = append(p.Timeline, payment.Event{At: at, Status: p.Status, Actor: payment.System("paymenttest"), Note: tag})
	},
	Tags: func(p *payment.Payment) []string {
		return testkit.TagsOf(p.Timeline, func(e payment.Event) string { return e.Note })
	},
	Scribble:     scribblePayment,
	ErrNotFound:  payment.ErrNotFound,
	ErrDuplicate: payment.ErrDuplicate,
	ErrConflict:  payment.ErrConflict,
}

// paymentHooks are the payment operations of s, with its reads by key and
// by buyer as lookups.
func paymentHooks(s payment.Store) testkit.StoreHooks[payment.Payment] {
	return testkit.StoreHooks[payment.Payment]{
		Create: s.CreatePayment,
		Get:    s.Payment,
		Update: s.UpdatePayment,
		Lookups: []testkit.Lookup[payment.Payment]{
			{Name: "PaymentByKey", Read: func(ctx context.Context, p *payment.Payment) ([]*payment.Payment, error) {
				found, err := s.PaymentByKey(ctx, p.BuyerID, p.Key)
				if err != nil {
					return nil, err
				}
				return []*payment.Payment{found}, nil
			}},
			{Name: "PaymentsByBuyer", Read: func(ctx context.Context, p *payment.Payment) ([]*payment.Payment, error) {
				return s.PaymentsByBuyer(ctx, p.BuyerID, p.CreatedAt)
			}},
		},
	}
}

// accounts is the risk account aggregate, created by its first update.
var accounts = testkit.Aggregate[payment.Account]{
	Noun:            "account",
	CreatedByUpdate: true,
	Sample:          sampleAccount,
	Clone:           (*payment.Account).Clone,
	Version:         func(a *payment.Account) *int64 { return &a.Version },
	Mutate: func(a *payment.Account, tag string) {
		at := a.Updated.Add(time.Hour)
		a.Frozen, a.FrozenBy, a.Updated = !a.Frozen, "p-"+tag, at
		a.Reasons = []payment.Reason{{Code: "kit." + tag, Text: tag}}
		a.History = append(a.History, payment.AccountEvent{At: at, Frozen: a.Frozen, Actor: payment.System("paymenttest"), Note: tag})
	},
	Tags: func(a *payment.Account) []string {
		return testkit.TagsOf(a.History, func(e payment.AccountEvent) string { return e.Note })
	},
	Scribble:    scribbleAccount,
	ErrNotFound: payment.ErrNotFound,
	ErrConflict: payment.ErrConflict,
}

// samplePayment returns a payment with every field set, so that a store
// that drops one fails the round trip, and a Version the store must
// replace with 1.
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
			RuleID: "card-mastercard-apac", Band: -1, Unrounded: decimal.RequireFromString("40.004"),
			Rounding: payment.RoundHalfUp, RaisedToMin: true, Capped: true,
			Conversions: []payment.Conversion{{From: payment.USD, To: payment.USD, Rate: decimal.NewFromInt(1), At: created}},
		},
		Status: payment.StatusProcessing, Held: true,
		Risk:         payment.RiskDecision{Outcome: payment.RiskReview, Reasons: []payment.Reason{{Code: "risk.x", Text: "x"}}},
		ProcessorRef: "",
		Refunds:      []payment.Refund{{Key: "r0", Amount: payment.MustParse("0.01", payment.USD), ProcessorRef: "re-0", At: created}},
		Timeline:     []payment.Event{{At: created, Status: payment.StatusProcessing, Actor: payment.Buyer(buyer), Note: "created", Reasons: []payment.Reason{{Code: "risk.x", Text: "x"}}}},
		CreatedAt:    created, UpdatedAt: created,
		Version: 7,
	}
}

// sampleAccount returns a risk account with every field set, frozen and
// unfrozen once before, and a Version the store must replace with 1.
func sampleAccount(id string, created time.Time) *payment.Account {
	risk, agent := payment.System("risk"), payment.Platform("agent-7")
	reasons := func() []payment.Reason { return []payment.Reason{{Code: "risk.velocity", Text: "too many payments"}} }
	return &payment.Account{
		ID: id, Frozen: true, Reasons: reasons(), FrozenBy: "p-9",
		History: []payment.AccountEvent{
			{At: created, Frozen: true, Actor: risk, Cause: "p-3", Note: "frozen by p-3", Reasons: reasons()},
			{At: created.Add(time.Hour), Actor: agent, Note: "cleared"},
			{At: created.Add(2 * time.Hour), Frozen: true, Actor: risk, Cause: "p-9", Note: "frozen by p-9", Reasons: reasons()},
		},
		Updated: created.Add(2 * time.Hour),
		Version: 7,
	}
}

// scribblePayment changes every part of p but its id that a store might
// share with its caller, the elements of every slice included.
func scribblePayment(p *payment.Payment) {
	one := payment.MustParse("0.01", payment.EUR)
	later := func(t time.Time) time.Time { return t.Add(time.Hour) }
	p.Key, p.Fingerprint, p.OrderID, p.Tranche = p.Key+"-scribbled", "scribbled", "scribbled", payment.Balance
	p.BuyerID, p.BuyerCountry = "scribbled", "NZ"
	p.Instrument = payment.Instrument{Method: payment.Card, Network: payment.Visa, IssuerCountry: "NZ"}
	p.Amount = one
	f := &p.Fee
	f.Amount, f.Fee, f.BuyerFee, f.SupplierFee = one, one, one, one
	f.RuleID, f.Band, f.Unrounded, f.Rounding = "scribbled", 7, decimal.NewFromInt(-1), payment.RoundDown
	f.RaisedToMin, f.Capped = !f.RaisedToMin, !f.Capped
	for i := range f.Conversions {
		c := &f.Conversions[i]
		c.From, c.To, c.Rate, c.At = payment.EUR, payment.JPY, decimal.NewFromInt(-1), later(c.At)
	}
	f.Conversions = append(f.Conversions, payment.Conversion{From: payment.EUR})
	p.Status, p.Held, p.ProcessorRef = payment.StatusFailed, !p.Held, "scribbled"
	p.Risk.Outcome = payment.RiskFreeze
	for i := range p.Risk.Reasons {
		p.Risk.Reasons[i] = payment.Reason{Code: "scribbled", Text: "scribbled"}
	}
	p.Risk.Reasons = append(p.Risk.Reasons, payment.Reason{Code: "scribbled"})
	for i := range p.Refunds {
		r := &p.Refunds[i]
		r.Key, r.Amount, r.ProcessorRef, r.At = "scribbled", one, "scribbled", later(r.At)
	}
	p.Refunds = append(p.Refunds, payment.Refund{Key: "scribbled"})
	for i := range p.Timeline {
		e := &p.Timeline[i]
		e.At, e.Status, e.Actor, e.Note = later(e.At), payment.StatusFailed, payment.System("scribbled"), "scribbled"
		for j := range e.Reasons {
			e.Reasons[j] = payment.Reason{Code: "scribbled", Text: "scribbled"}
		}
		e.Reasons = append(e.Reasons, payment.Reason{Code: "scribbled"})
	}
	p.Timeline = append(p.Timeline, payment.Event{Note: "scribbled"})
	p.CreatedAt, p.UpdatedAt, p.Version = later(p.CreatedAt), later(p.UpdatedAt), 99
}

// scribbleAccount changes every part of a but its id that a store might
// share with its caller, the elements of every slice included.
func scribbleAccount(a *payment.Account) {
	a.Frozen, a.FrozenBy, a.Updated, a.Version = !a.Frozen, "scribbled", a.Updated.Add(time.Hour), 99
	for i := range a.Reasons {
		a.Reasons[i] = payment.Reason{Code: "scribbled", Text: "scribbled"}
	}
	a.Reasons = append(a.Reasons, payment.Reason{Code: "scribbled"})
	for i := range a.History {
		e := &a.History[i]
		e.At, e.Frozen, e.Actor, e.Cause, e.Note = e.At.Add(time.Hour), !e.Frozen, payment.System("scribbled"), "scribbled", "scribbled"
		for j := range e.Reasons {
			e.Reasons[j] = payment.Reason{Code: "scribbled", Text: "scribbled"}
		}
		e.Reasons = append(e.Reasons, payment.Reason{Code: "scribbled"})
	}
	a.History = append(a.History, payment.AccountEvent{Note: "scribbled"})
}
