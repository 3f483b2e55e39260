package dispute_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/dispute"
	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// The crash test of the dispute's multi-step operations: every call a
// dispute operation makes to the five stores of a market (cases, orders,
// escrow, payments, suppliers), counted across them, fails in turn, in
// each way a store can fail, and so does the commit of the operation's
// unit of work; the failed operation must leave nothing (or, when only
// its answer was lost, everything), the caller's retry with the same key
// must get over it, and the market must end exactly as after a run
// without failure.

// errInjected is what a store call the injector fails returns: the store
// did not answer.
var errInjected = errors.New("injected store failure")

// injectedPanic is what the injector panics with, naming the call, so that
// the driver tells it from a real panic.
type injectedPanic string

// fault is how an injected failure happens.
type fault int

const (
	// errorBefore: the call fails without reaching the store.
	errorBefore fault = iota
	// lostAfter: a write reaches the store, then its answer is lost; a
	// read fails as with errorBefore.
	lostAfter
	// panicAfter: as lostAfter, but the caller panics, as a process dying
	// mid-call would.
	panicAfter
)

// faults are the ways a store call fails, named.
var faults = []struct {
	name string
	f    fault
}{
	{"an error before the call", errorBefore},
	{"a lost response after a write", lostAfter},
	{"a panic after a write", panicAfter},
}

// storeCall is one call to a store: "cases.Update", and whether it writes.
type storeCall struct {
	name  string
	write bool
}

// injector counts the calls of a market's five stores while armed, and
// fails the one at index at, once.
type injector struct {
	mu    sync.Mutex
	on    bool
	calls []storeCall
	at    int
	how   fault
	fired string // the call failed, "" until then
}

// arm starts counting from zero, failing call at (none when negative) as
// how says.
func (in *injector) arm(at int, how fault) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.on, in.calls, in.at, in.how, in.fired = true, nil, at, how, ""
}

// disarm stops counting and returns the calls counted and the one failed.
func (in *injector) disarm() ([]storeCall, string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.on = false
	return slices.Clone(in.calls), in.fired
}

// pass runs call, the store method name, through the injector.
func pass[T any](in *injector, name string, write bool, call func() (T, error)) (T, error) {
	in.mu.Lock()
	fail := in.on && len(in.calls) == in.at
	if in.on {
		in.calls = append(in.calls, storeCall{name, write})
	}
	if fail {
		in.fired = name
	}
	how := in.how
	in.mu.Unlock()
	var zero T
	switch {
	case !fail:
		return call()
	case write && how != errorBefore:
		_, _ = call() // it lands; the answer is lost
	}
	if how == panicAfter {
		panic(injectedPanic(name))
	}
	return zero, fmt.Errorf("%s: %w", name, errInjected)
}

// wired is a store with the injector in front of it.
type wired[S any] struct {
	in *injector
	s  S
}

// wire puts in in front of s.
func wire[S any](in *injector, s S) wired[S] { return wired[S]{in, s} }

// The five stores of a market behind an injector; the services that take
// them check that they are stores.
type (
	viaCases     struct{ wired[dispute.Store] }
	viaOrders    struct{ wired[order.Store] }
	viaEscrow    struct{ wired[escrow.Store] }
	viaPayments  struct{ wired[payment.Store] }
	viaSuppliers struct{ wired[supplier.Store] }
)

// at0, at1 and at2 run a store method that takes ctx and no, one or two
// more arguments through the injector, as call name.
func at0[R any](in *injector, name string, write bool, f func(context.Context) (R, error), ctx context.Context) (R, error) {
	return pass(in, name, write, func() (R, error) { return f(ctx) })
}

func at1[A, R any](in *injector, name string, write bool, f func(context.Context, A) (R, error), ctx context.Context, a A) (R, error) {
	return pass(in, name, write, func() (R, error) { return f(ctx, a) })
}

func at2[A, B, R any](in *injector, name string, write bool, f func(context.Context, A, B) (R, error), ctx context.Context, a A, b B) (R, error) {
	return pass(in, name, write, func() (R, error) { return f(ctx, a, b) })
}

// Whether a store call writes.
const reads, writes = false, true

func (v viaCases) Create(ctx context.Context, c *dispute.Case) (*dispute.Case, error) {
	return at1(v.in, "cases.Create", writes, v.s.Create, ctx, c)
}
func (v viaCases) Case(ctx context.Context, id string) (*dispute.Case, error) {
	return at1(v.in, "cases.Case", reads, v.s.Case, ctx, id)
}
func (v viaCases) Update(ctx context.Context, id string, fn func(*dispute.Case) error) (*dispute.Case, error) {
	return at2(v.in, "cases.Update", writes, v.s.Update, ctx, id, fn)
}
func (v viaCases) Due(ctx context.Context, before time.Time, limit int) ([]*dispute.Case, error) {
	return at2(v.in, "cases.Due", reads, v.s.Due, ctx, before, limit)
}

func (v viaOrders) Create(ctx context.Context, o *order.Order) (*order.Order, error) {
	return at1(v.in, "orders.Create", writes, v.s.Create, ctx, o)
}
func (v viaOrders) Order(ctx context.Context, id string) (*order.Order, error) {
	return at1(v.in, "orders.Order", reads, v.s.Order, ctx, id)
}
func (v viaOrders) Update(ctx context.Context, id string, fn func(*order.Order) error) (*order.Order, error) {
	return at2(v.in, "orders.Update", writes, v.s.Update, ctx, id, fn)
}
func (v viaOrders) Due(ctx context.Context, before time.Time, limit int) ([]*order.Order, error) {
	return at2(v.in, "orders.Due", reads, v.s.Due, ctx, before, limit)
}

func (v viaEscrow) Create(ctx context.Context, a *escrow.Account) (*escrow.Account, error) {
	return at1(v.in, "escrow.Create", writes, v.s.Create, ctx, a)
}
func (v viaEscrow) Account(ctx context.Context, id string) (*escrow.Account, error) {
	return at1(v.in, "escrow.Account", reads, v.s.Account, ctx, id)
}
func (v viaEscrow) Update(ctx context.Context, id string, fn func(*escrow.Account) error) (*escrow.Account, error) {
	return at2(v.in, "escrow.Update", writes, v.s.Update, ctx, id, fn)
}

// Held and Revenue are reports no operation reads: they pass through.
func (v viaEscrow) Held(ctx context.Context, at time.Time) ([]payment.Money, error) {
	return v.s.Held(ctx, at)
}

func (v viaEscrow) Revenue(ctx context.Context, from, to time.Time) ([]escrow.Revenue, error) {
	return v.s.Revenue(ctx, from, to)
}

func (v viaPayments) CreatePayment(ctx context.Context, p *payment.Payment) (*payment.Payment, error) {
	return at1(v.in, "payments.CreatePayment", writes, v.s.CreatePayment, ctx, p)
}
func (v viaPayments) Payment(ctx context.Context, id string) (*payment.Payment, error) {
	return at1(v.in, "payments.Payment", reads, v.s.Payment, ctx, id)
}
func (v viaPayments) PaymentByKey(ctx context.Context, buyerID, key string) (*payment.Payment, error) {
	return at2(v.in, "payments.PaymentByKey", reads, v.s.PaymentByKey, ctx, buyerID, key)
}
func (v viaPayments) UpdatePayment(ctx context.Context, id string, fn func(*payment.Payment) error) (*payment.Payment, error) {
	return at2(v.in, "payments.UpdatePayment", writes, v.s.UpdatePayment, ctx, id, fn)
}
func (v viaPayments) PaymentsByBuyer(ctx context.Context, buyerID string, since time.Time) ([]*payment.Payment, error) {
	return at2(v.in, "payments.PaymentsByBuyer", reads, v.s.PaymentsByBuyer, ctx, buyerID, since)
}
func (v viaPayments) Account(ctx context.Context, id string) (*payment.Account, error) {
	return at1(v.in, "payments.Account", reads, v.s.Account, ctx, id)
}
func (v viaPayments) UpdateAccount(ctx context.Context, id string, fn func(*payment.Account) error) (*payment.Account, error) {
	return at2(v.in, "payments.UpdateAccount", writes, v.s.UpdateAccount, ctx, id, fn)
}

func (v viaSuppliers) Create(ctx context.Context, s *supplier.Supplier) (*supplier.Supplier, error) {
	return at1(v.in, "suppliers.Create", writes, v.s.Create, ctx, s)
}
func (v viaSuppliers) Supplier(ctx context.Context, id string) (*supplier.Supplier, error) {
	return at1(v.in, "suppliers.Supplier", reads, v.s.Supplier, ctx, id)
}
func (v viaSuppliers) Update(ctx context.Context, id string, fn func(*supplier.Supplier) error) (*supplier.Supplier, error) {
	return at2(v.in, "suppliers.Update", writes, v.s.Update, ctx, id, fn)
}
func (v viaSuppliers) List(ctx context.Context) ([]*supplier.Supplier, error) {
	return at0(v.in, "suppliers.List", reads, v.s.List, ctx)
}

func (v viaSuppliers) OrderRecord(ctx context.Context, supplierID, orderID string) (*supplier.OrderRecord, error) {
	return at2(v.in, "suppliers.OrderRecord", reads, v.s.OrderRecord, ctx, supplierID, orderID)
}
func (v viaSuppliers) PutOrderRecord(ctx context.Context, supplierID string, o *supplier.OrderRecord) error {
	_, err := at2(v.in, "suppliers.PutOrderRecord", writes, func(ctx context.Context, id string, o *supplier.OrderRecord) (struct{}, error) {
		return struct{}{}, v.s.PutOrderRecord(ctx, id, o)
	}, ctx, supplierID, o)
	return err
}
func (v viaSuppliers) AddOrderRecord(ctx context.Context, supplierID string, o *supplier.OrderRecord) error {
	_, err := at2(v.in, "suppliers.AddOrderRecord", writes, func(ctx context.Context, id string, o *supplier.OrderRecord) (struct{}, error) {
		return struct{}{}, v.s.AddOrderRecord(ctx, id, o)
	}, ctx, supplierID, o)
	return err
}
func (v viaSuppliers) SupplierOf(ctx context.Context, orderID string) (*supplier.Supplier, error) {
	return at1(v.in, "suppliers.SupplierOf", reads, v.s.SupplierOf, ctx, orderID)
}
func (v viaSuppliers) Inquiry(ctx context.Context, supplierID, id string) (*supplier.Inquiry, error) {
	return at2(v.in, "suppliers.Inquiry", reads, v.s.Inquiry, ctx, supplierID, id)
}
func (v viaSuppliers) PutInquiry(ctx context.Context, supplierID string, q *supplier.Inquiry) error {
	_, err := at2(v.in, "suppliers.PutInquiry", writes, func(ctx context.Context, id string, q *supplier.Inquiry) (struct{}, error) {
		return struct{}{}, v.s.PutInquiry(ctx, id, q)
	}, ctx, supplierID, q)
	return err
}

// crashMarket is a market on the in-memory stores, each behind one
// injector, with its supplier service.
type crashMarket struct {
	*market
	suppliers *supplier.Service
	in        *injector
}

// newCrashMarket returns a crash market with the supplier enrolled; the
// injector counts nothing until armed.
func newCrashMarket(t testing.TB) *crashMarket {
	t.Helper()
	in := &injector{at: -1}
	clock := testkit.NewClock(dStart)
	m := &crashMarket{market: &market{clock: clock, store: viaCases{wire[dispute.Store](in, dispute.NewMemoryStore())}}, in: in}
	var err error
	// The outcomes of two runs are compared whole: their payments' ids are
	// made from their keys, not drawn at random.
	m.payments, err = payment.NewService(payment.Config{Store: viaPayments{wire[payment.Store](in, payment.NewMemoryStore())}, Clock: clock, Risk: []payment.RiskRule{},
		PaymentID: func(_, key string) string { return "pay-" + key }})
	require.NoError(t, err)
	m.escrow, err = escrow.NewService(escrow.Config{Store: viaEscrow{wire[escrow.Store](in, escrow.NewMemoryStore())}, Clock: clock,
		ReleaseFee: escrow.PercentFee(decimal.RequireFromString("0.02"), payment.RoundHalfEven)})
	require.NoError(t, err)
	m.suppliers, err = supplier.NewService(supplier.Config{Store: viaSuppliers{wire[supplier.Store](in, supplier.NewMemoryStore())}, Clock: clock})
	require.NoError(t, err)
	unit := crashUnit{in, payment.MemoryUnit()}
	m.orders, err = order.NewService(order.Config{Store: viaOrders{wire[order.Store](in, order.NewMemoryStore())}, Unit: unit, Clock: clock,
		Payments: m.payments, Escrow: m.escrow, Suppliers: m.suppliers})
	require.NoError(t, err)
	m.disputes, err = dispute.NewService(dispute.Config{Store: m.store, Unit: unit, Clock: clock, Orders: m.orders})
	require.NoError(t, err)
	enrolSupplier(t, m.suppliers)
	return m
}

// enrolSupplier registers dSupplier and has its four required documents
// approved.
func enrolSupplier(t testing.TB, s *supplier.Service) {
	t.Helper()
	ctx := context.Background()
	must := func(_ *supplier.Supplier, err error) { t.Helper(); require.NoError(t, err) }
	must(s.Register(ctx, dSupplier, supplier.RegisterRequest{ID: dSupplier.ID, Company: "Shenzhen Bright Electronics Co.",
		Country: "CN", EstablishedOn: time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC)}))
	kinds := []supplier.DocumentKind{supplier.BusinessLicence, supplier.ProductionQualification, supplier.ISO9001, supplier.OnSiteCheck}
	for i, kind := range kinds {
		d := supplier.Document{ID: fmt.Sprint("doc-", i), Kind: kind, Issuer: "SGS", Number: fmt.Sprint("SGS-", i),
			ValidFrom: dStart.AddDate(-1, 0, 0), ValidUntil: dStart.AddDate(3, 0, 0)}
		must(s.SubmitDocument(ctx, dSupplier, dSupplier.ID, d))
		must(s.ReviewDocument(ctx, dAgent, dSupplier.ID, d.ID, true, "checked"))
	}
}

// errorOf returns the error of a call.
func errorOf[T any](_ T, err error) error { return err }

// crashOp is a multi-step dispute operation on case-1 of order o-1: setup
// brings a market to it, uncounted; call runs it, and is what a retry runs
// again, with the same key, at the same instant.
type crashOp struct {
	name  string
	setup func(t testing.TB, m *crashMarket)
	call  func(ctx context.Context, m *crashMarket) error
	// The case's and the order's states after the operation.
	caseState  dispute.State
	orderState order.State
}

// crashOps are the dispute's multi-step operations.
func crashOps() []crashOp {
	claim := func(t testing.TB, m *crashMarket) { m.deliveredClaim(t, "case-1", "o-1", "1200.00", failedSGS()) }
	accept := func(ctx context.Context, m *crashMarket) error {
		return errorOf(m.disputes.Accept(ctx, dBuyer, "case-1", "offer-1"))
	}
	return []crashOp{
		{name: "Open: the case stored, then the order disputed and its escrow frozen",
			setup: func(t testing.TB, m *crashMarket) { m.orderAt(t, "o-1", terms(), delivered) },
			call: func(ctx context.Context, m *crashMarket) error {
				return errorOf(m.disputes.Open(ctx, dBuyer, openReq("case-1", "o-1", dispute.QualityNotAsAgreed, "1200.00", failedSGS())))
			}, caseState: dispute.AwaitingResponse, orderState: order.Disputed},
		{name: "Accept: settled, then resolved on the order (unfreeze, settle, refunds, limit, record)",
			setup: func(t testing.TB, m *crashMarket) {
				claim(t, m)
				m.responded(t, "case-1")
				m.offered(t, dSupplier, "case-1", "offer-1", "800.00")
			}, call: accept, caseState: dispute.Settled, orderState: order.Completed},
		{name: "Accept of a late-shipment offer: settled, then compensated and the order goes on",
			setup: func(t testing.TB, m *crashMarket) {
				m.lateClaim(t, "case-1", "o-1", inProduction, "960.00")
				m.responded(t, "case-1")
				m.offered(t, dSupplier, "case-1", "offer-1", "64.00")
			}, call: accept, caseState: dispute.Settled, orderState: order.InProduction},
		{name: "Decide of an appealed case: final, then executed",
			setup: func(t testing.TB, m *crashMarket) {
				claim(t, m)
				m.decided(t, "case-1")
				m.clock.Advance(nDays(2))
				_, err := m.disputes.Appeal(context.Background(), dSupplier, "case-1", "appeal", "look again")
				require.NoError(t, err)
			},
			call: func(ctx context.Context, m *crashMarket) error {
				return errorOf(m.disputes.Decide(ctx, dAgent, "case-1", "decide-appeal"))
			}, caseState: dispute.Final, orderState: order.Completed},
		{name: "the sweep: a decision past its appeal window finalized, then executed",
			setup: func(t testing.TB, m *crashMarket) {
				claim(t, m)
				c := m.decided(t, "case-1")
				m.moveTo(t, c.StateSince.AddDate(0, 0, 7))
			},
			call: func(ctx context.Context, m *crashMarket) error {
				rep, err := m.disputes.Sweep(ctx, m.clock.Now())
				if err != nil {
					return err
				}
				return errors.Join(rep.Failures...)
			}, caseState: dispute.Final, orderState: order.Completed},
		{name: "Withdraw: withdrawn, then the order resumed where it was",
			setup: func(t testing.TB, m *crashMarket) {
				claim(t, m)
				m.clock.Advance(nDays(2))
			},
			call: func(ctx context.Context, m *crashMarket) error {
				return errorOf(m.disputes.Withdraw(ctx, dBuyer, "case-1", "withdraw"))
			}, caseState: dispute.Withdrawn, orderState: order.Delivered},
	}
}

// crashUnit puts the injector in front of a unit of work: a lost response
// of Do is a unit that committed and whose caller never heard.
type crashUnit struct {
	in *injector
	u  payment.UnitOfWork
}

func (c crashUnit) Do(ctx context.Context, fn func(ctx context.Context) error) error {
	_, err := pass(c.in, "unit.Do", true, func() (struct{}, error) { return struct{}{}, c.u.Do(ctx, fn) })
	return err
}

// safely runs call, turning an injected panic into errInjected; any other
// panic is an error that is not.
func safely(call func() error) (err error) {
	defer func() {
		switch p := recover().(type) {
		case nil:
		case injectedPanic:
			err = fmt.Errorf("%s panicked: %w", string(p), errInjected)
		default:
			err = fmt.Errorf("unexpected panic: %v", p)
		}
	}()
	return call()
}

// pendingWork reports whether case-1 exists with work on its order still
// to do: the order to dispute, or the case's end to carry out.
func (m *crashMarket) pendingWork(t testing.TB) bool {
	t.Helper()
	c, err := m.store.Case(context.Background(), "case-1")
	if errors.Is(err, dispute.ErrNotFound) {
		return false
	}
	require.NoError(t, err)
	return !m.opened(t, c) || c.State.Final() && !m.carriedOut(t, c)
}

// runCrashing runs op once, checks that a failure left no work half done
// (a case open on an order not disputed, a case ended and not carried
// out), retries it, and requires a retry afterwards to be a replay. It
// reports whether the failure surfaced from the call.
func runCrashing(t *testing.T, m *crashMarket, op crashOp) bool {
	t.Helper()
	ctx := context.Background()
	err := safely(func() error { return op.call(ctx, m) })
	if err != nil {
		require.ErrorIs(t, err, errInjected, "the operation fails only by the injected failure")
		require.False(t, m.pendingWork(t), "the failure %v left work half done", err)
		require.NoError(t, safely(func() error { return op.call(ctx, m) }), "the retry after %v", err)
	}
	require.NoError(t, safely(func() error { return op.call(ctx, m) }), "a retry once done is a replay")
	return err != nil
}

// crashOutcome is what a dispute operation leaves in the five stores.
type crashOutcome struct {
	Case     *dispute.Case
	Order    *order.Order
	Account  *escrow.Account // with its ledger and operation records
	Balance  escrow.Balance
	Payments []*payment.Payment // with their refunds
	Supplier *supplier.Supplier // with its reservations and record
}

// outcome reads what case-1 and order o-1 left.
func (m *crashMarket) outcome(t testing.TB) crashOutcome {
	t.Helper()
	out := crashOutcome{Case: m.caseOf(t, "case-1"), Order: m.orderOf(t, "o-1"), Account: m.accountOf(t, "o-1"), Balance: m.balanceOf(t, "o-1"),
		Supplier: get(t, m.suppliers.Supplier, dSupplier.ID)}
	for _, tp := range out.Order.Payments {
		out.Payments = append(out.Payments, get(t, m.payments.Payment, tp.PaymentID))
	}
	return out
}

// crashOutcomeOpts compare outcomes: the versions (every field named
// Version) count writes, which a failure and its recovery legitimately
// add; all else, times included, must be identical.
var crashOutcomeOpts = cmp.Options{
	cmpopts.EquateEmpty(),
	cmp.FilterPath(func(p cmp.Path) bool {
		f, ok := p.Last().(cmp.StructField)
		return ok && f.Name() == "Version"
	}, cmp.Ignore()),
}

// requireDone checks that an outcome has no work left anywhere and an
// escrow account that adds up.
func requireDone(t testing.TB, out crashOutcome) {
	t.Helper()
	d, opened := caseRecord(out.Order, out.Case.ID)
	require.True(t, opened, "the case opened on its order")
	require.True(t, !out.Case.State.Final() || !d.ClosedAt.IsZero(), "a case that ended is carried out")
	b := out.Balance
	require.Equal(t, b.Held, sum(t, b.Released, b.Fees, b.Refunded, b.Compensated, b.Remaining), "the escrow account adds up: %+v", b)
}

// TestCrashInADisputeOperationEndsAsWithoutCrash fails each store and
// unit-of-work call of each multi-step dispute operation in turn, in each
// way a store fails, checks that the failure left no work half done, gets
// over it by a retry, and checks that the case, the order, escrow, the
// payments and the supplier end exactly as in a run without failure.
func TestCrashInADisputeOperationEndsAsWithoutCrash(t *testing.T) {
	for _, op := range crashOps() {
		t.Run(op.name, func(t *testing.T) {
			t.Parallel()
			clean := newCrashMarket(t)
			op.setup(t, clean)
			clean.in.arm(-1, errorBefore)
			require.NoError(t, op.call(context.Background(), clean), "the operation without failure")
			calls, _ := clean.in.disarm()
			require.NoError(t, op.call(context.Background(), clean), "a retry once done is a replay")
			want := clean.outcome(t)
			requireDone(t, want)
			require.Equal(t, op.caseState, want.Case.State)
			require.Equal(t, op.orderState, want.Order.State)
			perStore := map[string]int{}
			for _, c := range calls {
				perStore[c.name]++
			}
			t.Logf("%d store calls: %v", len(calls), perStore)

			for _, fl := range faults {
				t.Run(fl.name, func(t *testing.T) {
					crashAtEveryCall(t, op, calls, fl.f, want)
				})
			}
		})
	}
}

// crashAtEveryCall runs op once per call of calls, failing that call as
// how says, retries it, and compares the outcome with want. It shows the
// difference of the first call that ends otherwise, and names the others.
func crashAtEveryCall(t *testing.T, op crashOp, calls []storeCall, how fault, want crashOutcome) {
	var tried, surfaced int
	var differ []string
	for k, call := range calls {
		if how == lostAfter && !call.write {
			continue // a read fails as with an error before the call
		}
		tried++
		m := newCrashMarket(t)
		op.setup(t, m)
		m.in.arm(k, how)
		failed := runCrashing(t, m, op)
		_, fired := m.in.disarm()
		require.Equal(t, call.name, fired, "call %d is the same call as in the run without failure", k)
		if failed {
			surfaced++
		}
		got := m.outcome(t)
		if diff := cmp.Diff(want, got, crashOutcomeOpts); diff != "" {
			if differ = append(differ, fmt.Sprintf("%d (%s)", k, fired)); len(differ) == 1 {
				t.Errorf("after a failure at call %d (%s): the outcome differs (-without failure +with):\n%s", k, fired, diff)
			}
			continue
		}
		requireDone(t, got)
	}
	t.Logf("%d of %d failures surfaced from the call", surfaced, tried)
	assert.Positive(t, surfaced, "some injected failures surface as failed calls")
	assert.Empty(t, differ, "the failures after which the outcome differs from the run without failure")
}

func (v viaSuppliers) Payout(ctx context.Context, supplierID, id string) (*supplier.Payout, error) {
	return at2(v.in, "suppliers.Payout", reads, v.s.Payout, ctx, supplierID, id)
}
func (v viaSuppliers) PutPayout(ctx context.Context, supplierID string, p *supplier.Payout) error {
	_, err := at2(v.in, "suppliers.PutPayout", writes, func(ctx context.Context, id string, p *supplier.Payout) (struct{}, error) {
		return struct{}{}, v.s.PutPayout(ctx, id, p)
	}, ctx, supplierID, p)
	return err
}
func (v viaSuppliers) Payouts(ctx context.Context, supplierID string) ([]*supplier.Payout, error) {
	return at1(v.in, "suppliers.Payouts", reads, v.s.Payouts, ctx, supplierID)
}
func (v viaSuppliers) AddBalanceEntries(ctx context.Context, supplierID string, entries []supplier.BalanceEntry) error {
	_, err := at2(v.in, "suppliers.AddBalanceEntries", writes, func(ctx context.Context, id string, entries []supplier.BalanceEntry) (struct{}, error) {
		return struct{}{}, v.s.AddBalanceEntries(ctx, id, entries)
	}, ctx, supplierID, entries)
	return err
}
func (v viaSuppliers) BalanceEntries(ctx context.Context, supplierID string, cur payment.Currency, from, to time.Time, limit int) (*supplier.BalanceEntry, []supplier.BalanceEntry, error) {
	type read struct {
		before  *supplier.BalanceEntry
		entries []supplier.BalanceEntry
	}
	r, err := pass(v.in, "suppliers.BalanceEntries", reads, func() (read, error) {
		before, entries, err := v.s.BalanceEntries(ctx, supplierID, cur, from, to, limit)
		return read{before, entries}, err
	})
	return r.before, r.entries, err
}
