package systemtest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"pgregory.net/rapid"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/supplier"
)

// TestTheModelCatchesABrokenWorld runs the state machine on worlds with a
// deliberately broken store and checks that the model finds each fault
// within a few hundred sequences: a test that cannot fail proves nothing.
func TestTheModelCatchesABrokenWorld(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the state machine until it fails, five times")
	}
	for _, f := range []struct{ name, value string }{{"rapid.checks", "500"}, {"rapid.steps", "50"}, {"rapid.nofailfile", "true"},
		{"rapid.shrinktime", "1s"}} {
		testkit.SetFlag(t, f.name, f.value)
	}
	tests := []struct {
		name        string
		breakStores func(*stores)
		want        string // in the failure rapid reports
	}{
		{"an escrow store that loses every freeze", func(st *stores) { st.escrow = unfreezing{st.escrow} },
			"frozen false while order"},
		{"a supplier store that keeps the reservations released", func(st *stores) { st.suppliers = keepingReservations{st.suppliers} },
			"reserves"},
		{"a supplier store that keeps a payout as first written", func(st *stores) { st.suppliers = keepingPayouts{st.suppliers} },
			"payout"}, // "… in flight …; its payouts hold …", or "payout po_… has 1 changes; the publisher received 2 notices"
		{"an order store that forgets the late-shipment decision", func(st *stores) { st.orders = forgettingLateness{st.orders} },
			"compensat"}, // "compensated … times", or "records … of compensation; escrow paid …"
		{"an order store that writes when an update fails", func(st *stores) { st.orders = writingOnFailure{st.orders} },
			"changed the world"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{name: "TestTheModelCatchesABrokenWorld"}
			rapid.Check(rec, func(rt *rapid.T) {
				st := memoryStores()
				tt.breakStores(&st)
				w, err := newWorld(context.Background(), st, 2)
				if err != nil {
					rt.Fatalf("building the world: %v", err)
				}
				m := newMachine(rt, w, maxSteps)
				rt.Repeat(m.actions())
			})
			switch out := rec.output(); {
			case !rec.Failed():
				t.Errorf("the model found nothing wrong in 500 sequences")
			case !strings.Contains(out, tt.want):
				t.Errorf("the model failed, but not with %q:\n%s", tt.want, out)
			}
		})
	}
}

// recorder is a rapid.TB that keeps what rapid reports instead of failing
// the test.
type recorder struct {
	mu     sync.Mutex
	name   string
	log    []string
	failed bool
}

func (r *recorder) Helper()       {}
func (r *recorder) Name() string  { return r.name }
func (r *recorder) Log(a ...any)  { r.Logf("%s", fmt.Sprint(a...)) }
func (r *recorder) Skip(a ...any) { r.Log(a...) }
func (r *recorder) SkipNow()      {}
func (r *recorder) Error(a ...any) {
	r.Log(a...)
	r.Fail()
}
func (r *recorder) Fatal(a ...any) { r.Error(a...) }
func (r *recorder) FailNow()       { r.Fail() }
func (r *recorder) Skipf(format string, a ...any) {
	r.Logf(format, a...)
}
func (r *recorder) Errorf(format string, a ...any) {
	r.Logf(format, a...)
	r.Fail()
}
func (r *recorder) Fatalf(format string, a ...any) { r.Errorf(format, a...) }
func (r *recorder) Logf(format string, a ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, fmt.Sprintf(format, a...))
}
func (r *recorder) Fail() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = true
}
func (r *recorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}
func (r *recorder) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.log, "\n")
}

// unfreezing is an escrow store that writes every account unfrozen.
type unfreezing struct{ escrow.Store }

func (s unfreezing) Update(ctx context.Context, id string, fn func(*escrow.Account) error) (*escrow.Account, error) {
	return s.Store.Update(ctx, id, func(a *escrow.Account) error {
		if err := fn(a); err != nil {
			return err
		}
		a.Frozen = false
		return nil
	})
}

// keepingPayouts is a supplier store that never replaces a payout: the
// processor's reports move the balance, and the payout stays pending.
type keepingPayouts struct{ supplier.Store }

func (s keepingPayouts) PutPayout(ctx context.Context, supplierID string, p *supplier.Payout) error {
	if _, err := s.Store.Payout(ctx, supplierID, p.ID); err == nil {
		return nil
	}
	return s.Store.PutPayout(ctx, supplierID, p)
}

// keepingReservations is a supplier store that never drops a reservation.
type keepingReservations struct{ supplier.Store }

func (s keepingReservations) Update(ctx context.Context, id string, fn func(*supplier.Supplier) error) (*supplier.Supplier, error) {
	return s.Store.Update(ctx, id, func(sup *supplier.Supplier) error {
		kept := slices.Clone(sup.Reservations)
		if err := fn(sup); err != nil {
			return err
		}
		if len(sup.Reservations) < len(kept) {
			sup.Reservations = kept
		}
		return nil
	})
}

// forgettingLateness is an order store that forgets the late-shipment
// decision, so that it is made again.
type forgettingLateness struct{ order.Store }

func (s forgettingLateness) Update(ctx context.Context, id string, fn func(*order.Order) error) (*order.Order, error) {
	return s.Store.Update(ctx, id, func(o *order.Order) error {
		if err := fn(o); err != nil {
			return err
		}
		o.LateShipment = order.LateShipment{}
		return nil
	})
}

// writingOnFailure is an order store that, when an update's function
// fails, writes the order anyway (untouched, but a write), then returns
// the error.
type writingOnFailure struct{ order.Store }

func (s writingOnFailure) Update(ctx context.Context, id string, fn func(*order.Order) error) (*order.Order, error) {
	o, err := s.Store.Update(ctx, id, fn)
	if err != nil {
		_, _ = s.Store.Update(ctx, id, func(*order.Order) error { return nil })
	}
	return o, err
}
