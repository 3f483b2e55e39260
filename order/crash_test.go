package order_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
	supplierpkg "github.com/tradeassure/tradeassure/supplier"
)

// errCrash is the failure the injector makes a store call return: the
// store did not answer.
var errCrash = errors.New("injected crash")

// crashPanic is what the injector panics with in the panic mode, so that
// the driver tells an injected panic from a real one.
type crashPanic struct{ call string }

// crashMode is how an injected failure happens.
type crashMode int

const (
	// failBefore: the call returns errCrash without reaching the store.
	failBefore crashMode = iota
	// loseResponse: a write reaches the store and succeeds, then the call
	// returns errCrash; a read fails as with failBefore.
	loseResponse
	// panicAfter: as loseResponse, but the call panics instead of returning,
	// as a process dying mid-call would.
	panicAfter
)

// storeCall is one call to a store.
type storeCall struct {
	name  string // store.Method
	write bool
}

// injector counts the store calls of all four stores of a world, across
// the stores, and fails the one at index at, once.
type injector struct {
	mu       sync.Mutex
	counting bool
	calls    []storeCall // every call counted, by index
	at       int         // the index of the call to fail; -1 for none
	mode     crashMode
	fired    string // the name of the call failed, "" until then
}

func newInjector() *injector { return &injector{at: -1} }

// arm starts counting from zero and fails call at in mode m.
func (in *injector) arm(at int, m crashMode) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.counting, in.calls, in.at, in.mode, in.fired = true, nil, at, m, ""
}

// next counts a call and tells whether it must fail, and how. It fails at
// most one call per arming.
func (in *injector) next(c storeCall) (bool, crashMode) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if !in.counting {
		return false, 0
	}
	in.calls = append(in.calls, c)
	if len(in.calls)-1 != in.at {
		return false, 0
	}
	in.at, in.fired = -1, c.name
	return true, in.mode
}

// quiet runs fn with the injector counting nothing: the test's own reads.
func (in *injector) quiet(fn func()) {
	in.mu.Lock()
	was := in.counting
	in.counting = false
	in.mu.Unlock()
	defer func() {
		in.mu.Lock()
		in.counting = was
		in.mu.Unlock()
	}()
	fn()
}

// stats returns the calls counted and the name of the call that failed.
func (in *injector) stats() ([]storeCall, string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return slices.Clone(in.calls), in.fired
}

// around runs one store call through the injector: real is the call,
// write whether it writes.
func around[T any](in *injector, name string, write bool, real func() (T, error)) (T, error) {
	fail, mode := in.next(storeCall{name, write})
	if !fail {
		return real()
	}
	var zero T
	if write && mode != failBefore {
		_, _ = real() // whatever the store answered is lost
	}
	if mode == panicAfter {
		panic(crashPanic{name})
	}
	return zero, fmt.Errorf("%s: %w", name, errCrash)
}

// crashOrders, crashPayments, crashEscrow and crashSuppliers put an
// injector in front of a store.
type (
	crashOrders struct {
		in *injector
		s  order.Store
	}
	crashPayments struct {
		in *injector
		s  payment.Store
	}
	crashEscrow struct {
		in *injector
		s  escrow.Store
	}
	crashSuppliers struct {
		in *injector
		s  supplierpkg.Store
	}
)

var (
	_ order.Store       = crashOrders{}
	_ payment.Store     = crashPayments{}
	_ escrow.Store      = crashEscrow{}
	_ supplierpkg.Store = crashSuppliers{}
)

func (c crashOrders) Create(ctx context.Context, o *order.Order) (*order.Order, error) {
	return around(c.in, "orders.Create", true, func() (*order.Order, error) { return c.s.Create(ctx, o) })
}

func (c crashOrders) Order(ctx context.Context, id string) (*order.Order, error) {
	return around(c.in, "orders.Order", false, func() (*order.Order, error) { return c.s.Order(ctx, id) })
}

func (c crashOrders) Update(ctx context.Context, id string, fn func(*order.Order) error) (*order.Order, error) {
	return around(c.in, "orders.Update", true, func() (*order.Order, error) { return c.s.Update(ctx, id, fn) })
}

func (c crashOrders) Due(ctx context.Context, before time.Time, limit int) ([]*order.Order, error) {
	return around(c.in, "orders.Due", false, func() ([]*order.Order, error) { return c.s.Due(ctx, before, limit) })
}

func (c crashPayments) CreatePayment(ctx context.Context, p *payment.Payment) (*payment.Payment, error) {
	return around(c.in, "payments.CreatePayment", true, func() (*payment.Payment, error) { return c.s.CreatePayment(ctx, p) })
}

func (c crashPayments) Payment(ctx context.Context, id string) (*payment.Payment, error) {
	return around(c.in, "payments.Payment", false, func() (*payment.Payment, error) { return c.s.Payment(ctx, id) })
}

func (c crashPayments) PaymentByKey(ctx context.Context, buyerID, key string) (*payment.Payment, error) {
	return around(c.in, "payments.PaymentByKey", false, func() (*payment.Payment, error) { return c.s.PaymentByKey(ctx, buyerID, key) })
}

func (c crashPayments) UpdatePayment(ctx context.Context, id string, fn func(*payment.Payment) error) (*payment.Payment, error) {
	return around(c.in, "payments.UpdatePayment", true, func() (*payment.Payment, error) { return c.s.UpdatePayment(ctx, id, fn) })
}

func (c crashPayments) PaymentsByBuyer(ctx context.Context, buyerID string, since time.Time) ([]*payment.Payment, error) {
	return around(c.in, "payments.PaymentsByBuyer", false, func() ([]*payment.Payment, error) { return c.s.PaymentsByBuyer(ctx, buyerID, since) })
}

func (c crashPayments) Account(ctx context.Context, id string) (*payment.Account, error) {
	return around(c.in, "payments.Account", false, func() (*payment.Account, error) { return c.s.Account(ctx, id) })
}

func (c crashPayments) UpdateAccount(ctx context.Context, id string, fn func(*payment.Account) error) (*payment.Account, error) {
	return around(c.in, "payments.UpdateAccount", true, func() (*payment.Account, error) { return c.s.UpdateAccount(ctx, id, fn) })
}

func (c crashEscrow) Create(ctx context.Context, a *escrow.Account) (*escrow.Account, error) {
	return around(c.in, "escrow.Create", true, func() (*escrow.Account, error) { return c.s.Create(ctx, a) })
}

func (c crashEscrow) Account(ctx context.Context, id string) (*escrow.Account, error) {
	return around(c.in, "escrow.Account", false, func() (*escrow.Account, error) { return c.s.Account(ctx, id) })
}

func (c crashEscrow) Update(ctx context.Context, id string, fn func(*escrow.Account) error) (*escrow.Account, error) {
	return around(c.in, "escrow.Update", true, func() (*escrow.Account, error) { return c.s.Update(ctx, id, fn) })
}

// Held and Revenue are reports no operation reads: they pass through.
func (c crashEscrow) Held(ctx context.Context, at time.Time) ([]payment.Money, error) {
	return c.s.Held(ctx, at)
}

func (c crashEscrow) Revenue(ctx context.Context, from, to time.Time) ([]escrow.Revenue, error) {
	return c.s.Revenue(ctx, from, to)
}

func (c crashSuppliers) Create(ctx context.Context, s *supplierpkg.Supplier) (*supplierpkg.Supplier, error) {
	return around(c.in, "suppliers.Create", true, func() (*supplierpkg.Supplier, error) { return c.s.Create(ctx, s) })
}

func (c crashSuppliers) Supplier(ctx context.Context, id string) (*supplierpkg.Supplier, error) {
	return around(c.in, "suppliers.Supplier", false, func() (*supplierpkg.Supplier, error) { return c.s.Supplier(ctx, id) })
}

func (c crashSuppliers) Update(ctx context.Context, id string, fn func(*supplierpkg.Supplier) error) (*supplierpkg.Supplier, error) {
	return around(c.in, "suppliers.Update", true, func() (*supplierpkg.Supplier, error) { return c.s.Update(ctx, id, fn) })
}

func (c crashSuppliers) List(ctx context.Context) ([]*supplierpkg.Supplier, error) {
	return around(c.in, "suppliers.List", false, func() ([]*supplierpkg.Supplier, error) { return c.s.List(ctx) })
}

func (c crashSuppliers) OrderRecord(ctx context.Context, supplierID, orderID string) (*supplierpkg.OrderRecord, error) {
	return around(c.in, "suppliers.OrderRecord", false, func() (*supplierpkg.OrderRecord, error) { return c.s.OrderRecord(ctx, supplierID, orderID) })
}

func (c crashSuppliers) PutOrderRecord(ctx context.Context, supplierID string, o *supplierpkg.OrderRecord) error {
	_, err := around(c.in, "suppliers.PutOrderRecord", true, func() (struct{}, error) { return struct{}{}, c.s.PutOrderRecord(ctx, supplierID, o) })
	return err
}

func (c crashSuppliers) AddOrderRecord(ctx context.Context, supplierID string, o *supplierpkg.OrderRecord) error {
	_, err := around(c.in, "suppliers.AddOrderRecord", true, func() (struct{}, error) { return struct{}{}, c.s.AddOrderRecord(ctx, supplierID, o) })
	return err
}

func (c crashSuppliers) SupplierOf(ctx context.Context, orderID string) (*supplierpkg.Supplier, error) {
	return around(c.in, "suppliers.SupplierOf", false, func() (*supplierpkg.Supplier, error) { return c.s.SupplierOf(ctx, orderID) })
}

func (c crashSuppliers) Inquiry(ctx context.Context, supplierID, id string) (*supplierpkg.Inquiry, error) {
	return around(c.in, "suppliers.Inquiry", false, func() (*supplierpkg.Inquiry, error) { return c.s.Inquiry(ctx, supplierID, id) })
}

func (c crashSuppliers) PutInquiry(ctx context.Context, supplierID string, q *supplierpkg.Inquiry) error {
	_, err := around(c.in, "suppliers.PutInquiry", true, func() (struct{}, error) { return struct{}{}, c.s.PutInquiry(ctx, supplierID, q) })
	return err
}

// crashOutbox puts an injector in front of an outbox's Append (the
// relay's reads and marks are not the operations').
type crashOutbox struct {
	in *injector
	payment.Outbox
}

func (c crashOutbox) Append(ctx context.Context, msgs ...payment.Message) error {
	_, err := around(c.in, "outbox.Append", true, func() (struct{}, error) { return struct{}{}, c.Outbox.Append(ctx, msgs...) })
	return err
}

// crashUnit puts an injector in front of a unit of work: a lost response
// of Do is a unit that committed and whose caller never heard.
type crashUnit struct {
	in *injector
	u  payment.UnitOfWork
}

func (c crashUnit) Do(ctx context.Context, fn func(ctx context.Context) error) error {
	_, err := around(c.in, "unit.Do", true, func() (struct{}, error) { return struct{}{}, c.u.Do(ctx, fn) })
	return err
}

// newCrashWorld returns a world on the in-memory stores whose four stores,
// unit of work and outbox go through one injector, which counts nothing until
// armed (the world's setup is not counted).
func newCrashWorld(t testing.TB) (*world, *injector) {
	return crashWorldOn(t, stores{
		orders: order.NewMemoryStore(), payments: payment.NewMemoryStore(),
		escrow: escrow.NewMemoryStore(), supplier: supplierpkg.NewMemoryStore(), unit: payment.MemoryUnit(),
		outbox: payment.MemoryOutbox(),
	})
}

// crashWorldOn returns a world on st whose four stores, unit and outbox
// go through one injector.
func crashWorldOn(t testing.TB, st stores) (*world, *injector) {
	in := newInjector()
	w := newWorldWith(t, stores{
		orders:   crashOrders{in, st.orders},
		payments: crashPayments{in, st.payments},
		escrow:   crashEscrow{in, st.escrow},
		supplier: crashSuppliers{in, st.supplier},
		unit:     crashUnit{in, st.unit},
		outbox:   crashOutbox{in, st.outbox},
	}, nil)
	return w, in
}

// crashRun is what a lifecycle with one injected failure went through.
type crashRun struct {
	failed string // the step whose call failed, "" when none did
	// replayed tells whether the failed call had done everything (its
	// response was lost), so that its retry was a replay; otherwise it
	// had done nothing.
	replayed bool
}

// callSafely calls a step, turning an injected panic into errCrash; any
// other panic is an error that is not errCrash.
func callSafely(ctx context.Context, w *world, id string, st step) (o *order.Order, err error) {
	defer func() {
		switch r := recover().(type) {
		case nil:
		case crashPanic:
			o, err = nil, fmt.Errorf("%s panicked: %w", r.call, errCrash)
		default:
			o, err = nil, fmt.Errorf("%s: unexpected panic: %v", st.name, r)
		}
	}()
	return st.call(ctx, w, id)
}

// runCrashing runs the happy path on order id, advancing the clock a day
// before each step (not before a retry, which happens at the same
// instant), and retries the one call the injector fails. It returns what the order's aggregates were after each step; with
// clean, those of the run without failure, it checks that the failed call
// left everything as before it or as after it in the run without failure:
// nothing of an operation, or all of it.
func runCrashing(t *testing.T, w *world, in *injector, id string, clean []outcome) (crashRun, []outcome) {
	t.Helper()
	ctx := context.Background()
	var run crashRun
	var snaps []outcome
	snapshot := func() (out outcome) {
		in.quiet(func() { out = snapshotOf(t, w, id) })
		return out
	}
	before := snapshot()
	for i, st := range crashSteps() {
		w.clock.Advance(24 * time.Hour)
		_, err := callSafely(ctx, w, id, st)
		if err != nil {
			require.ErrorIs(t, err, errCrash, "%s fails only by the injected crash", st.name)
			require.Empty(t, run.failed, "a second failure, in %s", st.name)
			run.failed = st.name
			left := snapshot()
			if clean != nil {
				nothing := cmp.Diff(before, left, snapOpts)
				everything := cmp.Diff(clean[i], left, snapOpts)
				if nothing != "" && everything != "" {
					t.Errorf("the failure in %s left part of it (-before +after):\n%s\n(-after the call without failure +after):\n%s", st.name, nothing, everything)
				}
				run.replayed = nothing != ""
			}
			_, err = callSafely(ctx, w, id, st)
			require.NoError(t, err, "the retry of %s", st.name)
		}
		before = snapshot()
		snaps = append(snaps, before)
	}
	return run, snaps
}

// crashSteps are the calls the crash tests fail one store call of at a
// time: the whole lifecycle, then a claim after release, decided for the
// buyer in part: the guarantee pays, the supplier owes it.
func crashSteps() []step {
	steps := append(happyPath(), payingOut()...)
	return append(steps, disputeOpened(wBuyer, caseOne), disputeResolved(func(o *order.Order) order.Resolution {
		return order.Resolution{CaseID: caseOne, Refund: usd("320.00"), Release: usd("2880.00"), SupplierAtFault: true}
	}), step{"the run's payout fails", func(ctx context.Context, w *world, id string) (*order.Order, error) {
		ps, err := w.suppliers.Payouts(ctx, wSupplier.ID)
		if err != nil || len(ps) != 2 {
			return nil, fmt.Errorf("the supplier's payouts: %d, %w", len(ps), err)
		}
		if _, err := w.suppliers.ReportPayout(ctx, wHooks, wSupplier.ID, ps[1].ID, supplierpkg.PayoutOutcome{Status: supplierpkg.PayoutFailed}); err != nil {
			return nil, err
		}
		return w.svc.Order(ctx, id)
	}})
}

// payingOut are the steps that pay the supplier 3,000.00 of the 3,136.00
// the release paid it, on demand, reported paid by the processor, and
// the rest by the day's run: the claim after release finds nothing
// available, and the run's payout failing then repays what it can of it.
func payingOut() []step {
	then := func(ctx context.Context, w *world, id string, err error) (*order.Order, error) {
		if err != nil {
			return nil, err
		}
		return w.svc.Order(ctx, id)
	}
	return []step{
		{"set the payout destination", func(ctx context.Context, w *world, id string) (*order.Order, error) {
			_, err := w.suppliers.SetPayoutDestination(ctx, wSupplier, wSupplier.ID, "acct_crash")
			return then(ctx, w, id, err)
		}},
		{"pay the supplier out", func(ctx context.Context, w *world, id string) (*order.Order, error) {
			_, err := w.suppliers.RequestPayout(ctx, wSupplier, wSupplier.ID, "payout/"+id, supplierpkg.PayoutRequest{Amount: usd("3000.00")})
			return then(ctx, w, id, err)
		}},
		{"report the payout paid", func(ctx context.Context, w *world, id string) (*order.Order, error) {
			ps, err := w.suppliers.Payouts(ctx, wSupplier.ID)
			if err != nil || len(ps) != 1 {
				return nil, fmt.Errorf("the supplier's payouts: %d, %w", len(ps), err)
			}
			_, err = w.suppliers.ReportPayout(ctx, wHooks, wSupplier.ID, ps[0].ID, supplierpkg.PayoutOutcome{Status: supplierpkg.PayoutPaid, ProcessorRef: "tr_1"})
			return then(ctx, w, id, err)
		}},
		{"run the day's payouts", func(ctx context.Context, w *world, id string) (*order.Order, error) {
			run, err := w.suppliers.RunPayouts(ctx, payment.System("scheduler"))
			if err == nil && len(run.Payouts) != 1 {
				err = fmt.Errorf("the run made %d payouts", len(run.Payouts))
			}
			return then(ctx, w, id, err)
		}},
	}
}

// snapshotOf is outcomeOf for an order at any stage: what does not exist
// yet (the order, its account, its payments) is nil.
func snapshotOf(t *testing.T, w *world, id string) outcome {
	t.Helper()
	ctx := context.Background()
	var out outcome
	var err error
	if out.Order, err = w.svc.Order(ctx, id); errors.Is(err, order.ErrNotFound) {
		return out
	}
	require.NoError(t, err)
	if out.Escrow, err = w.escrow.Account(ctx, id); err == nil {
		out.Balance, err = w.escrow.Balance(ctx, id)
		require.NoError(t, err)
	} else {
		require.ErrorIs(t, err, escrow.ErrNotFound)
	}
	out.Supplier, err = w.suppliers.Supplier(ctx, wSupplier.ID)
	require.NoError(t, err)
	out.Payouts, err = w.suppliers.Payouts(ctx, wSupplier.ID)
	require.NoError(t, err)
	if out.Record, err = w.suppliers.OrderRecord(ctx, wSupplier.ID, id); err != nil {
		require.ErrorIs(t, err, supplierpkg.ErrNotFound)
	}
	for _, tp := range out.Order.Payments {
		p, err := w.payStore.Payment(ctx, tp.PaymentID)
		require.NoError(t, err)
		out.Payments = append(out.Payments, p)
	}
	return out
}

// snapOpts compare the snapshots before and after a call: as outcomeOpts,
// and the deadline is left out.
var snapOpts = cmp.Options{outcomeOpts, cmpopts.IgnoreFields(order.Order{}, "Deadline")}

// outcome is what a lifecycle leaves in the four stores for one order.
type outcome struct {
	Order    *order.Order
	Balance  escrow.Balance
	Escrow   *escrow.Account
	Supplier *supplierpkg.Supplier
	Record   *supplierpkg.OrderRecord // the supplier's record of the order, once completed
	Payouts  []*supplierpkg.Payout
	Payments []*payment.Payment
}

// outcomeOf reads what order id left behind.
func outcomeOf(t *testing.T, w *world, id string) outcome {
	t.Helper()
	out := snapshotOf(t, w, id)
	require.NotNil(t, out.Order)
	require.NotNil(t, out.Escrow)
	return out
}

// outcomeOpts compare outcomes: the versions count writes, which a crash
// and its recovery legitimately add; everything else must be identical,
// times included, since a retry happens at the instant of the call.
var outcomeOpts = cmp.Options{
	cmpopts.EquateEmpty(),
	cmpopts.IgnoreFields(order.Order{}, "Version"),
	cmpopts.IgnoreFields(escrow.Account{}, "Version"),
	cmpopts.IgnoreFields(supplierpkg.Supplier{}, "Version"),
	cmpopts.IgnoreFields(payment.Payment{}, "Version"),
}

// checkNotices delivers the world's outbox and checks that the notices
// of o are its actions, each once, in the order of its history: the
// outbox holds the message of an action if and only if it committed.
func checkNotices(t *testing.T, w *world, o *order.Order) {
	t.Helper()
	all, err := w.delivered()
	require.NoError(t, err)
	var got []order.Action
	for _, n := range all {
		if n.OrderID == o.ID {
			require.Equal(t, order.Notice{OrderID: o.ID, BuyerID: o.BuyerID, SupplierID: o.SupplierID, Action: n.Action}, n)
			got = append(got, n.Action)
		}
	}
	if diff := cmp.Diff(o.History.Actions(), got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("the notices of order %s are not its history, each once (-history +notices):\n%s", o.ID, diff)
	}
}

// TestCrashAtEveryStoreCallEndsAsWithoutCrash fails each store call of the
// full lifecycle and a claim after release (crashSteps) in turn (every call of the four stores and of the unit of
// work, counted across them), checks that the failed operation left
// nothing or everything, retries it, resumes the order, and checks that
// money, states and records end exactly as in a run without failure.
func TestCrashAtEveryStoreCallEndsAsWithoutCrash(t *testing.T) {
	crashAtEveryStoreCall(t, newCrashWorld, allCrashModes())
}

// namedCrashMode is a failure mode of the crash test and its name.
type namedCrashMode struct {
	name string
	mode crashMode
}

// allCrashModes returns every failure mode.
func allCrashModes() []namedCrashMode {
	return []namedCrashMode{
		{"an error before the call", failBefore},
		{"a lost response after a write", loseResponse},
		{"a panic after a write", panicAfter},
	}
}

// crashAtEveryStoreCall runs the lifecycle once without failure on a world
// from newWorld, then once per store call and mode with that call failing,
// and checks that each failure left nothing or everything of its
// operation and that each run ends as the run without failure.
func crashAtEveryStoreCall(t *testing.T, newWorld func(testing.TB) (*world, *injector), modes []namedCrashMode) {
	const id = "o-crash"
	clean, in := newWorld(t)
	in.arm(-1, failBefore)
	run, snaps := runCrashing(t, clean, in, id, nil)
	require.Equal(t, crashRun{}, run)
	calls, _ := in.stats()
	n := len(calls)
	want := outcomeOf(t, clean, id)
	require.Equal(t, order.Completed, want.Order.State)
	require.Len(t, want.Payments, 2)
	for i, tranche := range []payment.Tranche{payment.Deposit, payment.Balance} {
		require.Equal(t, tranche, want.Payments[i].Tranche)
		require.Equal(t, []payment.Status{payment.StatusSucceeded, payment.StatusPartiallyRefunded}[i], want.Payments[i].Status,
			"the claim after release is refunded on the latest payment")
	}
	require.True(t, want.Balance.Remaining.IsZero(), "escrow is empty at the end")
	require.True(t, want.Balance.Released.IsPositive(), "the supplier is paid")
	require.Empty(t, want.Supplier.Reservations, "the reservation is given back")
	require.NotNil(t, want.Record, "the order is in the supplier's record")
	require.Equal(t, 1, want.Supplier.Record.Completed, "and counted once")
	require.Equal(t, usd("320.00"), want.Balance.Guaranteed, "the guarantee paid the claim after release")
	require.Equal(t, usd("184.00"), want.Supplier.Owed(payment.USD), "which the supplier owes, less the 136.00 its balance repaid")
	zero := usd("0.00")
	require.Equal(t, supplierpkg.Balance{Currency: payment.USD, Credited: usd("3136.00"), Offset: usd("136.00"), InFlight: zero, PaidOut: usd("3000.00")},
		want.Supplier.Balance(payment.USD))
	require.Len(t, want.Payouts, 2)
	require.Equal(t, supplierpkg.PayoutPaid, want.Payouts[0].Status)
	require.Equal(t, supplierpkg.PayoutFailed, want.Payouts[1].Status)
	require.Equal(t, usd("136.00"), want.Payouts[1].Amount, "the run paid what was left")
	checkNotices(t, clean, want.Order)
	require.Greater(t, n, 50, "the lifecycle makes many store calls")
	perCall := map[string]int{}
	for _, c := range calls {
		perCall[c.name]++
	}
	t.Logf("the lifecycle makes %d store calls: %v", n, perCall)

	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			var tried, visible, replayed int
			for k, call := range calls {
				if mode.mode == loseResponse && !call.write {
					continue // a read fails as in the first mode
				}
				tried++
				// Each failure in a subtest of its own, so that what its
				// world holds (a database pool) is released before the next.
				t.Run(fmt.Sprintf("call %d", k), func(t *testing.T) {
					w, in := newWorld(t)
					in.arm(k, mode.mode)
					run, _ := runCrashing(t, w, in, id, snaps)
					_, fired := in.stats()
					require.Equal(t, call.name, fired, "call %d is the same call as in the run without failure", k)
					got := outcomeOf(t, w, id)
					if diff := cmp.Diff(want, got, outcomeOpts); diff != "" {
						t.Errorf("after a failure at call %d (%s, in %q): the outcome differs (-clean +crashed):\n%s", k, fired, run.failed, diff)
					}
					checkNotices(t, w, got.Order)
					if run.failed != "" {
						visible++
					}
					if run.replayed {
						replayed++
					}
				})
			}
			t.Logf("%d of %d failures surfaced from a call; after %d the operation had happened whole", visible, tried, replayed)
			assert.Positive(t, visible, "some injected failures surface as failed calls")
			if mode.mode != failBefore {
				assert.Positive(t, replayed, "some failures come after the commit: the retry is a replay")
			}
		})
	}
}

// lostReplyEscrowStore writes every update and then, while failing, loses
// the reply: the caller sees an error for a write that happened.
type lostReplyEscrowStore struct {
	*escrow.MemoryStore
	failing atomic.Bool
}

func (s *lostReplyEscrowStore) Update(ctx context.Context, id string, fn func(*escrow.Account) error) (*escrow.Account, error) {
	a, err := s.MemoryStore.Update(ctx, id, fn)
	if err == nil && s.failing.Load() {
		return nil, errEscrowDown
	}
	return a, err
}

// TestAnOperationRetriedUnderAnotherServiceActorHappensOnce: escrow keys
// are their caller's, so work the order service did under one
// Config.Actor and retried after a restart under another would be another
// escrow operation (a second release, or a release refused for want of
// funds), were any of it left to finish. A release whose reply was lost
// leaves nothing of the confirmation, and the retry under the new actor
// releases once.
func TestAnOperationRetriedUnderAnotherServiceActorHappensOnce(t *testing.T) {
	ctx := context.Background()
	st := stores{orders: order.NewMemoryStore(), payments: payment.NewMemoryStore(), supplier: supplierpkg.NewMemoryStore()}
	lossy := &lostReplyEscrowStore{MemoryStore: escrow.NewMemoryStore()}
	st.escrow = lossy
	before := newWorldWith(t, st, nil)
	before.run(t, "o-1", happyThrough("deliver"))
	lossy.failing.Store(true)
	_, err := before.svc.ConfirmReceipt(ctx, wBuyer, "o-1", "receipt")
	require.ErrorIs(t, err, errEscrowDown, "the release's reply was lost")
	lossy.failing.Store(false)
	require.True(t, balanceOf(t, before, "o-1").Released.IsZero(), "nothing of the confirmation was written")
	require.Equal(t, order.Delivered, stored(t, before, "o-1").State)

	after := newWorldWith(t, st, func(c *order.Config) { c.Actor = payment.System("tradeassure/order-v2") })
	o, err := after.svc.ConfirmReceipt(ctx, wBuyer, "o-1", "receipt")
	require.NoError(t, err)
	assert.Equal(t, order.Completed, o.State)
	b := balanceOf(t, after, "o-1")
	assert.True(t, b.Released.IsPositive(), "released")
	assert.True(t, b.Remaining.IsZero(), "escrow keeps %s", b.Remaining)
	requireAddsUp(t, after, "o-1")
	again, err := after.svc.ConfirmReceipt(ctx, wBuyer, "o-1", "receipt")
	require.NoError(t, err)
	assert.Equal(t, o.Version, again.Version, "the second retry is a replay")
	assert.Equal(t, b, balanceOf(t, after, "o-1"), "released once")
}

func (c crashSuppliers) Payout(ctx context.Context, supplierID, id string) (*supplierpkg.Payout, error) {
	return around(c.in, "suppliers.Payout", false, func() (*supplierpkg.Payout, error) { return c.s.Payout(ctx, supplierID, id) })
}

func (c crashSuppliers) PutPayout(ctx context.Context, supplierID string, p *supplierpkg.Payout) error {
	_, err := around(c.in, "suppliers.PutPayout", true, func() (struct{}, error) { return struct{}{}, c.s.PutPayout(ctx, supplierID, p) })
	return err
}

func (c crashSuppliers) Payouts(ctx context.Context, supplierID string) ([]*supplierpkg.Payout, error) {
	return around(c.in, "suppliers.Payouts", false, func() ([]*supplierpkg.Payout, error) { return c.s.Payouts(ctx, supplierID) })
}

func (c crashSuppliers) AddBalanceEntries(ctx context.Context, supplierID string, entries []supplierpkg.BalanceEntry) error {
	_, err := around(c.in, "suppliers.AddBalanceEntries", true, func() (struct{}, error) { return struct{}{}, c.s.AddBalanceEntries(ctx, supplierID, entries) })
	return err
}

func (c crashSuppliers) BalanceEntries(ctx context.Context, supplierID string, cur payment.Currency, from, to time.Time, limit int) (*supplierpkg.BalanceEntry, []supplierpkg.BalanceEntry, error) {
	type read struct {
		before  *supplierpkg.BalanceEntry
		entries []supplierpkg.BalanceEntry
	}
	r, err := around(c.in, "suppliers.BalanceEntries", false, func() (read, error) {
		before, entries, err := c.s.BalanceEntries(ctx, supplierID, cur, from, to, limit)
		return read{before, entries}, err
	})
	return r.before, r.entries, err
}
