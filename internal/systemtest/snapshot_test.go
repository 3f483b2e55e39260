package systemtest

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tradeassure/tradeassure/dispute"
	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// snapshot is everything a sequence has stored, read after a step: the
// orders and cases the sequence tried to create (nil when absent), their
// escrow accounts, every payment of its buyers, the buyers' risk accounts
// and the suppliers. The checks after a step read it; the next step
// compares against it to tell what a call changed.
type snapshot struct {
	at       time.Time
	orders   map[string]*order.Order
	accounts map[string]*escrow.Account
	payments map[string]*payment.Payment
	risk     map[string]*payment.Account
	sups     map[string]*supplier.Supplier
	// payouts are each supplier's payouts, oldest first: written only
	// with the supplier, whose version tells when they changed.
	payouts map[string][]*supplier.Payout
	cases   map[string]*dispute.Case
}

// row names a stored aggregate: its kind ("order", "escrow", "payment",
// "risk", "supplier" or "case") and its id.
type row struct{ kind, id string }

// take reads the snapshot of the sequence's world. On a world that can
// list the versions of everything it stores (the PostgreSQL one, where a
// read is a round trip), it reads again only what was written since prev,
// and takes the rest from prev.
func (m *machine) take(prev *snapshot) (*snapshot, error) {
	w := m.w
	s := &snapshot{at: w.clock.Now(),
		orders: map[string]*order.Order{}, accounts: map[string]*escrow.Account{}, payments: map[string]*payment.Payment{},
		risk: map[string]*payment.Account{}, sups: map[string]*supplier.Supplier{}, payouts: map[string][]*supplier.Payout{}, cases: map[string]*dispute.Case{}}
	var versions map[row]int64
	if w.versions != nil && prev != nil {
		var err error
		if versions, err = w.versions(w.ctx); err != nil {
			return nil, fmt.Errorf("read the versions: %w", err)
		}
	}
	// fresh reports whether the aggregate must be read again: it was
	// written since prev (or is new, or gone).
	fresh := func(kind, id string, old int64) bool {
		if versions == nil {
			return true
		}
		v, ok := versions[row{kind, id}]
		return !ok && old >= 0 || ok && v != old
	}
	for _, id := range m.orderIDs {
		s.orders[id], s.accounts[id] = nil, nil // absent until read
		if old := prev.order(id); !fresh("order", id, versionOf(old, func(o *order.Order) int64 { return o.Version })) {
			s.orders[id] = old
		} else if o, err := w.orders.Order(w.ctx, id); err == nil {
			s.orders[id] = o
		} else if !errors.Is(err, order.ErrNotFound) {
			return nil, fmt.Errorf("read order %s: %w", id, err)
		}
		if old := prev.account(id); !fresh("escrow", id, versionOf(old, func(a *escrow.Account) int64 { return a.Version })) {
			s.accounts[id] = old
		} else if a, err := w.escrow.Account(w.ctx, id); err == nil {
			s.accounts[id] = a
		} else if !errors.Is(err, escrow.ErrNotFound) {
			return nil, fmt.Errorf("read escrow account %s: %w", id, err)
		}
	}
	for r, v := range versions { // every payment, when the world lists them
		if r.kind != "payment" {
			continue
		}
		if old := prev.payments[r.id]; old != nil && old.Version == v {
			s.payments[r.id] = old
			continue
		}
		p, err := w.st.payments.Payment(w.ctx, r.id)
		if err != nil {
			return nil, fmt.Errorf("read payment %s: %w", r.id, err)
		}
		s.payments[r.id] = p
	}
	for _, b := range w.buyers {
		if versions == nil {
			ps, err := w.st.payments.PaymentsByBuyer(w.ctx, b.id, time.Time{})
			if err != nil {
				return nil, fmt.Errorf("read payments of %s: %w", b.id, err)
			}
			for _, p := range ps {
				s.payments[p.ID] = p
			}
		}
		// A buyer never frozen has an account of version 0, not stored.
		if old := prev.riskAccount(b.id); old != nil && versions != nil {
			if v, ok := versions[row{"risk", b.id}]; ok && v == old.Version || !ok && old.Version == 0 {
				s.risk[b.id] = old
				continue
			}
		}
		a, err := w.payments.Account(w.ctx, b.id)
		if err != nil {
			return nil, fmt.Errorf("read risk account %s: %w", b.id, err)
		}
		s.risk[b.id] = a
	}
	for _, id := range w.sups {
		if old := prev.supplier(id); old != nil && !fresh("supplier", id, old.Version) {
			s.sups[id], s.payouts[id] = old, prev.payouts[id]
			continue
		}
		sup, err := w.suppliers.Supplier(w.ctx, id)
		if err != nil {
			return nil, fmt.Errorf("read supplier %s: %w", id, err)
		}
		s.sups[id] = sup
		if s.payouts[id], err = w.suppliers.Payouts(w.ctx, id); err != nil {
			return nil, fmt.Errorf("read the payouts of supplier %s: %w", id, err)
		}
	}
	for _, id := range m.caseIDs {
		s.cases[id] = nil
		if old := prev.caseOf(id); !fresh("case", id, versionOf(old, func(c *dispute.Case) int64 { return c.Version })) {
			s.cases[id] = old
		} else if c, err := w.disputes.Case(w.ctx, id); err == nil {
			s.cases[id] = c
		} else if !errors.Is(err, dispute.ErrNotFound) {
			return nil, fmt.Errorf("read case %s: %w", id, err)
		}
	}
	// Whatever else the world lists is something no call of the sequence
	// should have stored.
	for r := range versions {
		known := true
		switch r.kind {
		case "order":
			_, known = s.orders[r.id]
		case "escrow":
			_, known = s.accounts[r.id]
		case "risk":
			_, known = s.risk[r.id]
		case "supplier":
			_, known = s.sups[r.id]
		case "case":
			_, known = s.cases[r.id]
		}
		if !known {
			return nil, fmt.Errorf("the world stores %s %s, which the sequence never asked for", r.kind, r.id)
		}
	}
	return s, nil
}

// The aggregates of a snapshot that may be nil (the first one).

func (s *snapshot) order(id string) *order.Order {
	if s == nil {
		return nil
	}
	return s.orders[id]
}

func (s *snapshot) account(id string) *escrow.Account {
	if s == nil {
		return nil
	}
	return s.accounts[id]
}

func (s *snapshot) riskAccount(id string) *payment.Account {
	if s == nil {
		return nil
	}
	return s.risk[id]
}

func (s *snapshot) supplier(id string) *supplier.Supplier {
	if s == nil {
		return nil
	}
	return s.sups[id]
}

func (s *snapshot) caseOf(id string) *dispute.Case {
	if s == nil {
		return nil
	}
	return s.cases[id]
}

// versioned is what changes compares: an aggregate's version, or -1 when
// it is absent.
func versionOf[T any](v *T, version func(*T) int64) int64 {
	if v == nil {
		return -1
	}
	return version(v)
}

// changes lists what differs between two snapshots: aggregates that
// appeared, disappeared or were written (their version moved), each with
// a diff. An empty list means the step changed nothing that is stored.
func changes(before, after *snapshot) []string {
	var out []string
	opts := []cmp.Option{cmpopts.EquateEmpty(), cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })}
	diff := func(kind, id string, a, b any, va, vb int64) {
		if va == vb {
			return
		}
		out = append(out, fmt.Sprintf("%s %s: version %d -> %d (-before +after):\n%s", kind, id, va, vb, cmp.Diff(a, b, opts...)))
	}
	for _, id := range union(before.orders, after.orders) {
		a, b := before.orders[id], after.orders[id]
		diff("order", id, a, b, versionOf(a, func(o *order.Order) int64 { return o.Version }), versionOf(b, func(o *order.Order) int64 { return o.Version }))
	}
	for _, id := range union(before.accounts, after.accounts) {
		a, b := before.accounts[id], after.accounts[id]
		diff("escrow account", id, a, b, versionOf(a, func(x *escrow.Account) int64 { return x.Version }), versionOf(b, func(x *escrow.Account) int64 { return x.Version }))
	}
	for _, id := range union(before.payments, after.payments) {
		a, b := before.payments[id], after.payments[id]
		diff("payment", id, a, b, versionOf(a, func(x *payment.Payment) int64 { return x.Version }), versionOf(b, func(x *payment.Payment) int64 { return x.Version }))
	}
	for _, id := range union(before.risk, after.risk) {
		a, b := before.risk[id], after.risk[id]
		diff("risk account", id, a, b, versionOf(a, func(x *payment.Account) int64 { return x.Version }), versionOf(b, func(x *payment.Account) int64 { return x.Version }))
	}
	for _, id := range union(before.sups, after.sups) {
		a, b := before.sups[id], after.sups[id]
		diff("supplier", id, a, b, versionOf(a, func(x *supplier.Supplier) int64 { return x.Version }), versionOf(b, func(x *supplier.Supplier) int64 { return x.Version }))
	}
	for _, id := range union(before.cases, after.cases) {
		a, b := before.cases[id], after.cases[id]
		diff("case", id, a, b, versionOf(a, func(x *dispute.Case) int64 { return x.Version }), versionOf(b, func(x *dispute.Case) int64 { return x.Version }))
	}
	return out
}

// union returns the keys of two maps, sorted.
func union[V any](a, b map[string]V) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// summary describes the snapshot in a few lines, for failure messages.
func (s *snapshot) summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "at %s", s.at.Format(time.RFC3339Nano))
	for _, id := range sortedKeys(s.orders) {
		o := s.orders[id]
		if o == nil {
			continue
		}
		fmt.Fprintf(&b, "\n  order %s (%s, buyer %s, supplier %s): %s paid %s", id, o.Terms.Currency, o.BuyerID, o.SupplierID, o.State, o.Paid())
		if a := s.accounts[id]; a != nil {
			if bal, err := a.Balance(); err == nil {
				fmt.Fprintf(&b, "; escrow held %s released %s fees %s refunded %s compensated %s remaining %s frozen %v",
					bal.Held, bal.Released, bal.Fees, bal.Refunded, bal.Compensated, bal.Remaining, a.Frozen)
			}
		}
	}
	for _, id := range sortedKeys(s.cases) {
		if c := s.cases[id]; c != nil {
			fmt.Fprintf(&b, "\n  case %s on %s (%s by %s): %s", id, c.OrderID, c.Reason, c.Claimant, c.State)
		}
	}
	for _, id := range sortedKeys(s.sups) {
		sup := s.sups[id]
		fmt.Fprintf(&b, "\n  supplier %s: %s limit %s reserved %s", id, sup.Status, sup.Limit.Amount, sup.Reserved())
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
