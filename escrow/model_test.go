package escrow_test

// A reference model of escrow accounts, shared by the rapid state-machine
// test (property_test.go) and the fuzz target (fuzz_test.go).
//
// The model keeps every account as plain int64 minor units and predicts, for
// each call, either the exact receipt the Service must return or the error it
// must fail with. A harness applies the call to a real Service on a store
// (the memory store, or PostgreSQL: see modelStore), compares the outcome
// with the prediction, and after every step compares every stored account
// with the model and checks the ledger's invariants. Every package-level
// name here starts with "model" so that it cannot collide with the helpers
// of the other test files of the package.

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/payment"
)

// modelMaxUnits is the largest amount a Money holds, in minor units.
const modelMaxUnits int64 = 999_999_999_999_999_999

// modelCurrencies are the account currencies: 2, 0 and 3 decimals.
var modelCurrencies = []payment.Currency{payment.USD, payment.JPY, payment.KWD}

// modelOtherCurrency returns a currency other than c.
func modelOtherCurrency(c payment.Currency) payment.Currency {
	if c == payment.EUR {
		return payment.GBP
	}
	return payment.EUR
}

// The actors of the model.
var (
	modelSystem   = payment.System("orders")
	modelPlatform = payment.Platform("agent-7")
	modelBuyer    = payment.Buyer("buyer-1")
	modelSupplier = payment.Supplier("supplier-1")
	modelNobody   = payment.Actor{Role: payment.RoleSystem} // no id: not a valid actor
)

// modelValidStrings and modelInvalidStrings are the memos, payment
// references, reasons and notes requests carry. The Service refuses a
// request holding a string that is not valid UTF-8 (its fingerprint could
// not tell it from another; see
// TestKeyReusedWithAnotherInvalidUTF8StringIsAMismatch).
var (
	modelValidStrings = []string{
		"", "deposit 30%", "balance 70%", "late shipment: 5 days", "dispute D-17: 70/30",
		"ünïcödé ✓ <&>", "\ufffd", "tab\tand\nnewline",
	}
	modelInvalidStrings = []string{"\xff", "\xfe", "bad \xc3\x28 byte"}
	modelStrings        = append(slices.Clone(modelValidStrings), modelInvalidStrings...)
)

// modelUnknownAccount is an account id that is never opened.
const modelUnknownAccount = "order-404"

// modelMoney returns units minor units of c, which must be in range.
func modelMoney(units int64, c payment.Currency) payment.Money {
	m, err := payment.FromMinor(units, c)
	if err != nil {
		panic(err)
	}
	return m
}

// modelClock is a fake clock the tests move by hand.
type modelClock struct{ now time.Time }

// Now implements payment.Clock.
func (c *modelClock) Now() time.Time { return c.now }

// modelFee is a release fee the Service is configured with, and the model's
// own computation of it: num/den of the gross, rounded half-even, in exact
// integer arithmetic. den == 0 means no fee: no fee function at all or, with
// unset, one that returns the zero Money.
type modelFee struct {
	name     string
	num, den int64
	rate     string
	unset    bool
}

// modelFees are the fee configurations: none, the usual 2.5%, a fee that
// takes the whole release (the supplier's net is zero), and a fee function
// that says "no fee" with the zero Money.
var modelFees = []modelFee{
	{name: "no fee"},
	{name: "2.5% half-even", num: 25, den: 1000, rate: "0.025"},
	{name: "100% half-even", num: 1, den: 1, rate: "1"},
	{name: "the zero Money", unset: true},
}

// fn returns the Service's FeeFunc for f.
func (f modelFee) fn() escrow.FeeFunc {
	switch {
	case f.unset:
		return func(context.Context, *escrow.Account, payment.Money) (payment.Money, error) {
			return payment.Money{}, nil
		}
	case f.den == 0:
		return nil
	}
	return escrow.PercentFee(decimal.RequireFromString(f.rate), payment.RoundHalfEven)
}

// of returns the fee on a release of gross minor units.
func (f modelFee) of(gross int64) int64 {
	if f.den == 0 {
		return 0
	}
	n := new(big.Int).Mul(big.NewInt(gross), big.NewInt(f.num))
	d := big.NewInt(f.den)
	q, r := new(big.Int).QuoRem(n, d, new(big.Int))
	switch c := new(big.Int).Lsh(r, 1).Cmp(d); {
	case c > 0, c == 0 && q.Bit(0) == 1:
		q.Add(q, big.NewInt(1))
	}
	return q.Int64()
}

// modelCall is one call of a Service operation. Only the fields of its Op
// are set; request() says which ones make up the request.
type modelCall struct {
	Op        escrow.Op
	By        payment.Actor
	Account   string
	Key       string
	Amount    payment.Money // hold, release, refund, compensate
	PaymentID string        // hold
	Memo      string        // hold, release, refund, compensate, settle
	Refund    payment.Money // settle
	Comp      payment.Money // settle
	Release   payment.Money // settle
	Guarantee payment.Money // settle
	Recover   payment.Money // release, settle
	Text      string        // freeze reason, unfreeze note
}

// request returns the request the call sends, as the Service sees it.
func (c modelCall) request() any {
	switch c.Op {
	case escrow.OpHold:
		return escrow.HoldRequest{Amount: c.Amount, PaymentID: c.PaymentID, Memo: c.Memo}
	case escrow.OpRelease:
		return escrow.ReleaseRequest{Amount: c.Amount, Recover: c.Recover, Memo: c.Memo}
	case escrow.OpRefund:
		return escrow.RefundRequest{Amount: c.Amount, Memo: c.Memo}
	case escrow.OpCompensate:
		return escrow.CompensateRequest{Amount: c.Amount, Memo: c.Memo}
	case escrow.OpSettle:
		return escrow.SettleRequest{Refund: c.Refund, Compensate: c.Comp, Release: c.Release, Guarantee: c.Guarantee, Recover: c.Recover, Memo: c.Memo}
	case escrow.OpFreeze, escrow.OpUnfreeze:
		return c.Text
	}
	return nil
}

// strings returns the strings of c's request.
func (c modelCall) strings() []string {
	switch c.Op {
	case escrow.OpHold:
		return []string{c.PaymentID, c.Memo}
	case escrow.OpRelease, escrow.OpRefund, escrow.OpCompensate, escrow.OpSettle:
		return []string{c.Memo}
	case escrow.OpFreeze, escrow.OpUnfreeze:
		return []string{c.Text}
	}
	return nil
}

// memo returns what the operation record keeps of c: the memo, the reason
// or the note.
func (c modelCall) memo() string {
	switch c.Op {
	case escrow.OpFreeze, escrow.OpUnfreeze:
		return c.Text
	case escrow.OpClose:
		return ""
	}
	return c.Memo
}

// sameRequest reports whether c repeats p: the same operation by the same
// actor with an equal request. That is the model's meaning of "the same
// request", independent of how the Service fingerprints requests.
// modelKey is an idempotency key in its caller's namespace.
type modelKey struct {
	by  payment.Actor
	key string
}

func (c modelCall) sameRequest(p modelCall) bool {
	return c.Op == p.Op && c.By == p.By && c.request() == p.request()
}

func (c modelCall) String() string {
	return fmt.Sprintf("%s by %s on %s key %q %#v", c.Op, c.By, c.Account, c.Key, c.request())
}

// modelAccount is the model of one account.
type modelAccount struct {
	id, buyer, supplier string
	cur                 payment.Currency

	held, guaranteed, released, fees, refunded, compensated, recovered int64

	frozen, closed bool
	reason         string
	frozenBy       payment.Actor

	createdAt, updatedAt time.Time
	version              int64
	entries              []escrow.Entry
	ops                  []escrow.Operation     // Fingerprint left empty: it is the Service's business
	done                 map[modelKey]modelDone // by the caller and its key: a key is its caller's
}

// modelDone is an operation that succeeded: the call and its receipt.
type modelDone struct {
	call    modelCall
	receipt escrow.Receipt
}

// holds reports whether the payment ref is held in m already.
func (m *modelAccount) holds(ref string) bool {
	for _, e := range m.entries {
		if e.To == escrow.Escrow && e.Ref == ref {
			return true
		}
	}
	return false
}

func (m *modelAccount) remaining() int64 {
	return m.held + m.guaranteed - m.released - m.fees - m.refunded - m.compensated - m.recovered
}

func (m *modelAccount) available() int64 {
	if m.frozen || m.closed {
		return 0
	}
	return m.remaining()
}

func (m *modelAccount) money(units int64) payment.Money {
	mo, err := payment.FromMinor(units, m.cur)
	if err != nil {
		panic(fmt.Sprintf("model: %d minor units of %s: %v", units, m.cur, err))
	}
	return mo
}

// modelOutcome is what the model predicts for a call.
type modelOutcome struct {
	err          error                          // nil: success or replay
	insufficient *escrow.InsufficientFundsError // set with ErrInsufficientFunds
	mismatch     *payment.CurrencyMismatchError // set with ErrCurrencyMismatch
	forbidden    *payment.ActorError            // set with ErrForbidden
	receipt      *escrow.Receipt                // success or replay
	replay       bool
	commit       func() // applies a success to the model
}

func modelRefused(err error) modelOutcome { return modelOutcome{err: err} }

// modelT is what the harness needs of *testing.T and *rapid.T.
type modelT interface {
	Helper()
	Fatalf(format string, args ...any)
}

// modelHarness drives a Service on a store and the model side by side.
type modelHarness struct {
	ctx      context.Context
	svc      *escrow.Service
	clock    *modelClock
	fee      modelFee
	accounts []*modelAccount
	byID     map[string]*modelAccount

	history []modelCall // every call made, refused or not
	done    []modelCall // every call that succeeded the first time
	keys    int         // fresh keys handed out
	counts  map[string]int
}

// modelStart is where every harness's clock starts.
var modelStart = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// modelStore is the store a harness runs its Service on, and the prefix of
// the ids of the accounts it opens there, so that many harnesses can share
// one store (a database) without meeting.
type modelStore struct {
	store  escrow.Store
	unit   payment.UnitOfWork // nil: the in-memory stores'
	prefix string
}

// modelMemory returns a new, empty memory store.
func modelMemory() modelStore { return modelStore{store: escrow.NewMemoryStore()} }

// newModelHarness opens one account per currency given, under a Service on
// a new memory store configured with fee.
func newModelHarness(t modelT, fee modelFee, currencies []payment.Currency) *modelHarness {
	t.Helper()
	return newModelHarnessOn(t, modelMemory(), fee, currencies)
}

// newModelHarnessOn is newModelHarness on the store s.
func newModelHarnessOn(t modelT, s modelStore, fee modelFee, currencies []payment.Currency) *modelHarness {
	t.Helper()
	clock := &modelClock{now: modelStart}
	svc, err := escrow.NewService(escrow.Config{Store: s.store, Unit: s.unit, Clock: clock, ReleaseFee: fee.fn()})
	if err != nil {
		t.Fatalf("NewService: %v", err)
	}
	h := &modelHarness{
		ctx: context.Background(), svc: svc, clock: clock, fee: fee,
		byID: map[string]*modelAccount{}, counts: map[string]int{},
	}
	for i, cur := range currencies {
		m := &modelAccount{
			id: fmt.Sprintf("%sorder-%d", s.prefix, i+1), buyer: fmt.Sprintf("buyer-%d", i+1), supplier: fmt.Sprintf("supplier-%d", i+1),
			cur: cur, createdAt: clock.now, updatedAt: clock.now, version: 1, done: map[modelKey]modelDone{},
		}
		a, err := svc.Open(h.ctx, modelSystem, escrow.OpenRequest{OrderID: m.id, BuyerID: m.buyer, SupplierID: m.supplier, Currency: cur})
		if err != nil {
			t.Fatalf("Open %s: %v", m.id, err)
		}
		if w := m.want(); !modelSameAccount(w, a, false) {
			t.Fatalf("Open %s returned an account unlike the model's (-want +got):\n%s", m.id, cmp.Diff(w, a, modelCmpOpts...))
		}
		h.accounts = append(h.accounts, m)
		h.byID[m.id] = m
	}
	return h
}

// modelCmpOpts compare accounts and receipts: Money and time.Time by their
// Equal methods, nil and empty slices alike, fingerprints not at all.
var modelCmpOpts = []cmp.Option{
	cmpopts.EquateEmpty(),
	cmpopts.IgnoreFields(escrow.Operation{}, "Fingerprint"),
}

// modelSameAccount reports whether two accounts are equal, comparing
// fingerprints only when fingerprints is set. It is the fast path of the
// checks, which run after every step; a difference is then shown with
// cmp.Diff.
func modelSameAccount(w, g *escrow.Account, fingerprints bool) bool {
	if w == nil || g == nil {
		return w == g
	}
	if w.ID != g.ID || w.BuyerID != g.BuyerID || w.SupplierID != g.SupplierID || w.Currency != g.Currency ||
		w.Frozen != g.Frozen || w.FreezeReason != g.FreezeReason || w.FrozenBy != g.FrozenBy || w.Closed != g.Closed ||
		!w.CreatedAt.Equal(g.CreatedAt) || !w.UpdatedAt.Equal(g.UpdatedAt) || w.Version != g.Version ||
		!modelSameEntries(w.Entries, g.Entries) || len(w.Operations) != len(g.Operations) {
		return false
	}
	for i, wo := range w.Operations {
		gop := g.Operations[i]
		if wo.Key != gop.Key || wo.Op != gop.Op || wo.Actor != gop.Actor || !wo.At.Equal(gop.At) ||
			wo.First != gop.First || wo.Last != gop.Last || wo.Memo != gop.Memo ||
			(fingerprints && wo.Fingerprint != gop.Fingerprint) {
			return false
		}
	}
	return true
}

func modelSameEntries(w, g []escrow.Entry) bool {
	if len(w) != len(g) {
		return false
	}
	for i, we := range w {
		ge := g[i]
		if we.Seq != ge.Seq || we.From != ge.From || we.To != ge.To || we.Amount != ge.Amount || we.Key != ge.Key ||
			we.Ref != ge.Ref || we.Memo != ge.Memo || we.Actor != ge.Actor || !we.At.Equal(ge.At) {
			return false
		}
	}
	return true
}

func modelSameReceipt(w, g *escrow.Receipt) bool {
	if w == nil || g == nil {
		return w == g
	}
	return w.AccountID == g.AccountID && w.Key == g.Key && w.Op == g.Op && w.Remaining == g.Remaining &&
		w.Replayed == g.Replayed && modelSameEntries(w.Entries, g.Entries)
}

func modelSameStatement(w, g *escrow.Statement) bool {
	if w.AccountID != g.AccountID || w.BuyerID != g.BuyerID || w.SupplierID != g.SupplierID || w.Currency != g.Currency ||
		w.Frozen != g.Frozen || w.Closed != g.Closed || w.Balance != g.Balance || len(w.Lines) != len(g.Lines) {
		return false
	}
	for i, wl := range w.Lines {
		gl := g.Lines[i]
		if wl.InEscrow != gl.InEscrow || !modelSameEntries([]escrow.Entry{wl.Entry}, []escrow.Entry{gl.Entry}) {
			return false
		}
	}
	return true
}

// want returns the account the model says the store holds.
func (m *modelAccount) want() *escrow.Account {
	return &escrow.Account{
		ID: m.id, BuyerID: m.buyer, SupplierID: m.supplier, Currency: m.cur,
		Frozen: m.frozen, FreezeReason: m.reason, FrozenBy: m.frozenBy, Closed: m.closed,
		Entries: m.entries, Operations: m.ops,
		CreatedAt: m.createdAt, UpdatedAt: m.updatedAt, Version: m.version,
	}
}

// freshKey returns a key no call has used yet.
func (h *modelHarness) freshKey() string {
	h.keys++
	return fmt.Sprintf("key-%d", h.keys)
}

// predict says what the Service must do with c, in the order the Service
// makes its checks: the actor, the key, the request's strings, the account,
// a replay or a reused key, a closed or frozen account, then the request
// itself.
func (h *modelHarness) predict(c modelCall) modelOutcome {
	allowed := c.By.Role == payment.RoleSystem || c.By.Role == payment.RolePlatform
	switch {
	case c.By.ID == "":
		return modelRefused(payment.ErrInvalidRequest)
	case !allowed:
		return modelOutcome{err: payment.ErrForbidden, forbidden: &payment.ActorError{Actor: c.By}}
	case c.Key == "":
		return modelRefused(escrow.ErrInvalidRequest)
	case slices.ContainsFunc(c.strings(), func(s string) bool { return !utf8.ValidString(s) }):
		return modelRefused(escrow.ErrInvalidRequest)
	}
	m, ok := h.byID[c.Account]
	if !ok {
		return modelRefused(escrow.ErrNotFound)
	}
	if prev, ok := m.done[modelKey{c.By, c.Key}]; ok {
		if !c.sameRequest(prev.call) {
			return modelRefused(escrow.ErrIdempotencyMismatch)
		}
		r := prev.receipt
		r.Replayed = true
		return modelOutcome{receipt: &r, replay: true}
	}
	switch {
	case m.closed:
		return modelRefused(escrow.ErrClosed)
	case m.frozen && c.Op != escrow.OpFreeze && c.Op != escrow.OpUnfreeze && c.Op != escrow.OpHold:
		return modelRefused(escrow.ErrFrozen)
	}

	now := h.clock.now
	var entries []escrow.Entry
	move := func(from, to escrow.Ledger, units int64, ref string) {
		entries = append(entries, escrow.Entry{
			Seq: int64(len(m.entries) + len(entries) + 1), From: from, To: to, Amount: m.money(units),
			Key: c.Key, Ref: ref, Memo: c.Memo, Actor: c.By, At: now,
		})
	}
	// positive checks an amount the way every movement does: currency, sign,
	// not zero.
	positive := func(a payment.Money) *modelOutcome {
		switch {
		case a == (payment.Money{}):
			return &modelOutcome{err: payment.ErrInvalidAmount}
		case a.Currency() != m.cur:
			return &modelOutcome{err: payment.ErrCurrencyMismatch, mismatch: &payment.CurrencyMismatchError{Want: m.cur, Got: a.Currency()}}
		case a.Minor() <= 0:
			return &modelOutcome{err: payment.ErrInvalidAmount}
		}
		return nil
	}
	insufficient := func(units, brought int64) *modelOutcome {
		if units <= m.remaining()+brought {
			return nil
		}
		return &modelOutcome{err: escrow.ErrInsufficientFunds, insufficient: &escrow.InsufficientFundsError{
			AccountID: m.id, Requested: m.money(units), Available: m.money(m.remaining() + brought),
		}}
	}
	// release books a release of gross, with at most recover of the
	// supplier's net withheld for the guarantee.
	release := func(gross int64, recover payment.Money) *modelOutcome {
		fee := h.fee.of(gross)
		net := gross - fee
		if recover != (payment.Money{}) {
			switch {
			case recover.Currency() != m.cur:
				return &modelOutcome{err: payment.ErrCurrencyMismatch, mismatch: &payment.CurrencyMismatchError{Want: m.cur, Got: recover.Currency()}}
			case recover.Minor() < 0:
				return &modelOutcome{err: payment.ErrInvalidAmount}
			}
			if r := min(recover.Minor(), net); r > 0 {
				move(escrow.Escrow, escrow.Recovery, r, "")
				net -= r
			}
		}
		if net > 0 {
			move(escrow.Escrow, escrow.SupplierPayable, net, "")
		}
		if fee > 0 {
			move(escrow.Escrow, escrow.PlatformFee, fee, "")
		}
		return nil
	}

	frozen, reason, frozenBy, closed := m.frozen, m.reason, m.frozenBy, m.closed
	switch c.Op {
	case escrow.OpHold:
		if c.PaymentID == "" {
			return modelRefused(escrow.ErrInvalidRequest)
		}
		if m.holds(c.PaymentID) {
			return modelRefused(escrow.ErrDuplicate)
		}
		if o := positive(c.Amount); o != nil {
			return *o
		}
		if m.held+m.guaranteed+c.Amount.Minor() > modelMaxUnits {
			return modelRefused(payment.ErrOutOfRange)
		}
		move(escrow.BuyerFunding, escrow.Escrow, c.Amount.Minor(), c.PaymentID)
	case escrow.OpRelease, escrow.OpRefund, escrow.OpCompensate:
		if o := positive(c.Amount); o != nil {
			return *o
		}
		if o := insufficient(c.Amount.Minor(), 0); o != nil {
			return *o
		}
		switch c.Op {
		case escrow.OpRelease:
			if o := release(c.Amount.Minor(), c.Recover); o != nil {
				return *o
			}
		case escrow.OpRefund:
			move(escrow.Escrow, escrow.BuyerRefund, c.Amount.Minor(), "")
		default:
			move(escrow.Escrow, escrow.Compensation, c.Amount.Minor(), "")
		}
	case escrow.OpSettle:
		var sum, buyer int64
		for i, p := range []payment.Money{c.Refund, c.Comp, c.Release, c.Guarantee} {
			if p == (payment.Money{}) {
				continue // an unset part
			}
			switch {
			case p.Currency() != m.cur:
				return modelOutcome{err: payment.ErrCurrencyMismatch, mismatch: &payment.CurrencyMismatchError{Want: m.cur, Got: p.Currency()}}
			case p.Minor() < 0:
				return modelRefused(payment.ErrInvalidAmount)
			}
			if i < 2 {
				buyer += p.Minor()
			}
			if i < 3 {
				sum += p.Minor()
			}
		}
		g := c.Guarantee.Minor()
		switch {
		case sum == 0, g > buyer, g > 0 && g > sum-m.remaining():
			return modelRefused(payment.ErrInvalidAmount)
		case g > 0 && m.held+m.guaranteed+g > modelMaxUnits, sum > modelMaxUnits:
			return modelRefused(payment.ErrOutOfRange)
		}
		if o := insufficient(sum, g); o != nil {
			return *o
		}
		if g > 0 {
			move(escrow.Guarantee, escrow.Escrow, g, "")
		}
		if c.Refund.Minor() > 0 {
			move(escrow.Escrow, escrow.BuyerRefund, c.Refund.Minor(), "")
		}
		if c.Comp.Minor() > 0 {
			move(escrow.Escrow, escrow.Compensation, c.Comp.Minor(), "")
		}
		if c.Release.Minor() > 0 {
			if o := release(c.Release.Minor(), c.Recover); o != nil {
				return *o
			}
		}
	case escrow.OpFreeze:
		if c.Text == "" {
			return modelRefused(escrow.ErrInvalidRequest)
		}
		if m.frozen && c.By.Role != payment.RolePlatform && c.By != m.frozenBy {
			return modelOutcome{err: payment.ErrForbidden, forbidden: &payment.ActorError{Actor: c.By}}
		}
		frozen, reason, frozenBy = true, c.Text, c.By
	case escrow.OpUnfreeze:
		if c.By.Role != payment.RolePlatform && c.By != m.frozenBy {
			return modelOutcome{err: payment.ErrForbidden, forbidden: &payment.ActorError{Actor: c.By}}
		}
		frozen, reason, frozenBy = false, "", payment.Actor{}
	case escrow.OpClose:
		if m.remaining() != 0 {
			return modelRefused(escrow.ErrNotEmpty)
		}
		closed = true
	default:
		panic("model: unknown operation " + string(c.Op))
	}

	// Success: the receipt, and what the account becomes.
	after := m.remaining()
	for _, e := range entries {
		switch e.To {
		case escrow.Escrow:
			after += e.Amount.Minor()
		default:
			after -= e.Amount.Minor()
		}
	}
	first := int64(len(m.entries)) + 1
	rec := escrow.Operation{Key: c.Key, Op: c.Op, Actor: c.By, At: now, First: first, Last: first + int64(len(entries)) - 1, Memo: c.memo()}
	receipt := escrow.Receipt{AccountID: m.id, Key: c.Key, Op: c.Op, Entries: entries, Remaining: m.money(after)}
	return modelOutcome{receipt: &receipt, commit: func() {
		for _, e := range entries {
			u := e.Amount.Minor()
			switch {
			case e.From == escrow.Guarantee:
				m.guaranteed += u
			case e.To == escrow.Escrow:
				m.held += u
			case e.To == escrow.SupplierPayable:
				m.released += u
			case e.To == escrow.PlatformFee:
				m.fees += u
			case e.To == escrow.BuyerRefund:
				m.refunded += u
			case e.To == escrow.Compensation:
				m.compensated += u
			case e.To == escrow.Recovery:
				m.recovered += u
			}
		}
		m.entries = append(m.entries, entries...)
		m.ops = append(m.ops, rec)
		m.frozen, m.reason, m.frozenBy, m.closed = frozen, reason, frozenBy, closed
		m.updatedAt = now
		m.version++
		m.done[modelKey{c.By, c.Key}] = modelDone{call: c, receipt: receipt}
	}}
}

// call makes c on the Service.
func (h *modelHarness) call(c modelCall) (*escrow.Receipt, error) {
	ctx, s := h.ctx, h.svc
	switch c.Op {
	case escrow.OpHold:
		return s.Hold(ctx, c.By, c.Account, c.Key, c.request().(escrow.HoldRequest))
	case escrow.OpRelease:
		return s.Release(ctx, c.By, c.Account, c.Key, c.request().(escrow.ReleaseRequest))
	case escrow.OpRefund:
		return s.Refund(ctx, c.By, c.Account, c.Key, c.request().(escrow.RefundRequest))
	case escrow.OpCompensate:
		return s.Compensate(ctx, c.By, c.Account, c.Key, c.request().(escrow.CompensateRequest))
	case escrow.OpSettle:
		return s.Settle(ctx, c.By, c.Account, c.Key, c.request().(escrow.SettleRequest))
	case escrow.OpFreeze:
		return s.Freeze(ctx, c.By, c.Account, c.Key, c.Text)
	case escrow.OpUnfreeze:
		return s.Unfreeze(ctx, c.By, c.Account, c.Key, c.Text)
	case escrow.OpClose:
		return s.Close(ctx, c.By, c.Account, c.Key)
	}
	panic("model: unknown operation " + string(c.Op))
}

// step makes c on the Service, checks the outcome against the model's
// prediction, and advances the model. It returns the prediction.
func (h *modelHarness) step(t modelT, c modelCall) modelOutcome {
	t.Helper()
	want := h.predict(c)
	before, beforeErr := h.svc.Account(h.ctx, c.Account)
	got, err := h.call(c)
	after, afterErr := h.svc.Account(h.ctx, c.Account)
	h.history = append(h.history, c)
	switch {
	case want.err != nil:
		h.counts["refused: "+modelErrName(want.err)]++
	case want.replay:
		h.counts["replayed "+string(c.Op)]++
	default:
		h.counts[string(c.Op)]++
	}

	if (beforeErr == nil) != (afterErr == nil) {
		t.Fatalf("%v: the account went from %v to %v", c, beforeErr, afterErr)
	}
	unchanged := func(what string) {
		t.Helper()
		if beforeErr != nil {
			return
		}
		if !modelSameAccount(before, after, true) {
			t.Fatalf("%v %s, but changed the account (-before +after):\n%s", c, what, cmp.Diff(before, after))
		}
	}

	if want.err != nil {
		if err == nil {
			t.Fatalf("%v: got receipt %+v, want an error matching %v", c, got, want.err)
		}
		if !errors.Is(err, want.err) {
			t.Fatalf("%v: got error %v, want one matching %v", c, err, want.err)
		}
		if got != nil {
			t.Fatalf("%v: got error %v and a receipt %+v", c, err, got)
		}
		if want.insufficient != nil {
			var e *escrow.InsufficientFundsError
			if !errors.As(err, &e) {
				t.Fatalf("%v: error %v is not an *escrow.InsufficientFundsError", c, err)
			}
			if diff := cmp.Diff(want.insufficient, e); diff != "" {
				t.Fatalf("%v: InsufficientFundsError (-want +got):\n%s", c, diff)
			}
		}
		if want.mismatch != nil {
			var e *payment.CurrencyMismatchError
			if !errors.As(err, &e) {
				t.Fatalf("%v: error %v is not a *payment.CurrencyMismatchError", c, err)
			}
			if diff := cmp.Diff(want.mismatch, e); diff != "" {
				t.Fatalf("%v: CurrencyMismatchError (-want +got):\n%s", c, diff)
			}
		}
		if want.forbidden != nil {
			var e *payment.ActorError
			if !errors.As(err, &e) || e.Actor != want.forbidden.Actor {
				t.Fatalf("%v: error %v is not a *payment.ActorError for %v", c, err, want.forbidden.Actor)
			}
		}
		unchanged("was refused with " + err.Error())
		return want
	}

	if err != nil {
		t.Fatalf("%v: unexpected error %v; want receipt %+v", c, err, want.receipt)
	}
	if !modelSameReceipt(want.receipt, got) {
		t.Fatalf("%v: receipt (-want +got):\n%s", c, cmp.Diff(want.receipt, got, modelCmpOpts...))
	}
	if want.replay {
		unchanged("was replayed")
		return want
	}
	if after.Version != before.Version+1 {
		t.Fatalf("%v: version went from %d to %d, want one step", c, before.Version, after.Version)
	}
	want.commit()
	h.done = append(h.done, c)
	return want
}

// modelErrName names the sentinel an outcome expects, for the counts.
func modelErrName(err error) string {
	s := err.Error()
	if i := strings.Index(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}

// check compares every stored account with the model and checks the
// invariants of its ledger: Verify passes; the balance is the model's;
// held = released + fees + refunded + compensated + remaining with nothing
// negative, after every entry; nothing is available while frozen or closed;
// and the ledgers of the account sum to zero.
func (h *modelHarness) check(t modelT) {
	t.Helper()
	for _, m := range h.accounts {
		a, err := h.svc.Account(h.ctx, m.id)
		if err != nil {
			t.Fatalf("account %s: %v", m.id, err)
		}
		if w := m.want(); !modelSameAccount(w, a, false) {
			t.Fatalf("account %s differs from the model (-model +stored):\n%s", m.id, cmp.Diff(w, a, modelCmpOpts...))
		}
		if err := a.Verify(); err != nil {
			t.Fatalf("account %s: Verify: %v", m.id, err)
		}
		b, err := a.Balance()
		if err != nil {
			t.Fatalf("account %s: Balance: %v", m.id, err)
		}
		wantB := escrow.Balance{
			Held: m.money(m.held), Released: m.money(m.released), Fees: m.money(m.fees),
			Refunded: m.money(m.refunded), Compensated: m.money(m.compensated),
			Guaranteed: m.money(m.guaranteed), Recovered: m.money(m.recovered),
			Remaining: m.money(m.remaining()), Frozen: m.money(0), Available: m.money(m.available()),
		}
		if m.frozen {
			wantB.Frozen = m.money(m.remaining())
		}
		if wantB != b {
			t.Fatalf("account %s: balance (-model +stored):\n%s", m.id, cmp.Diff(wantB, b))
		}

		// The identity, on the stored balance itself.
		out := b.Released.Minor() + b.Fees.Minor() + b.Refunded.Minor() + b.Compensated.Minor() + b.Recovered.Minor()
		switch {
		case b.Held.Minor()+b.Guaranteed.Minor() != out+b.Remaining.Minor():
			t.Fatalf("account %s: held %v + guaranteed %v != released %v + fees %v + refunded %v + compensated %v + recovered %v + remaining %v",
				m.id, b.Held, b.Guaranteed, b.Released, b.Fees, b.Refunded, b.Compensated, b.Recovered, b.Remaining)
		case b.Remaining.IsNegative():
			t.Fatalf("account %s: remaining %v is negative", m.id, b.Remaining)
		case (a.Frozen || a.Closed) && !b.Available.IsZero():
			t.Fatalf("account %s (frozen %v, closed %v): %v available", m.id, a.Frozen, a.Closed, b.Available)
		case !a.Frozen && !a.Closed && b.Available != b.Remaining:
			t.Fatalf("account %s: available %v, remaining %v", m.id, b.Available, b.Remaining)
		}
		for _, f := range []payment.Money{b.Held, b.Guaranteed, b.Released, b.Fees, b.Refunded, b.Compensated, b.Recovered, b.Frozen, b.Available} {
			if f.IsNegative() || f.Currency() != m.cur {
				t.Fatalf("account %s: balance %+v has a negative or foreign figure %v", m.id, b, f)
			}
		}

		// Double entry, walked independently of Verify: every ledger's
		// running sum, escrow never below zero, everything summing to zero.
		var sums modelLedgerSums
		for i, e := range a.Entries {
			sums.add(e.To, e.Amount.Minor())
			sums.add(e.From, -e.Amount.Minor())
			if sums.escrow < 0 {
				t.Fatalf("account %s: escrow is %d minor units after entry %d", m.id, sums.escrow, i+1)
			}
		}
		if total := sums.total(); total != 0 {
			t.Fatalf("account %s: ledgers sum to %d minor units, not zero: %+v", m.id, total, sums)
		}
		wantSums := modelLedgerSums{
			buyerFunding: -m.held, guarantee: -m.guaranteed, escrow: m.remaining(), supplierPayable: m.released,
			platformFee: m.fees, buyerRefund: m.refunded, compensation: m.compensated, recovery: m.recovered,
		}
		if sums != wantSums {
			t.Fatalf("account %s: ledger sums (-model +stored):\n%s", m.id, cmp.Diff(wantSums, sums, cmp.AllowUnexported(modelLedgerSums{})))
		}
	}
	if _, err := h.svc.Account(h.ctx, modelUnknownAccount); !errors.Is(err, escrow.ErrNotFound) {
		t.Fatalf("account %s was never opened, but Account returns %v", modelUnknownAccount, err)
	}
}

// modelLedgerSums are the sums of an account's ledgers: each entry adds its
// amount to the ledger it moves to and takes it from the one it moves from.
type modelLedgerSums struct {
	buyerFunding, guarantee, escrow, supplierPayable, platformFee, buyerRefund, compensation, recovery, unknown int64
}

func (s *modelLedgerSums) add(l escrow.Ledger, units int64) {
	switch l {
	case escrow.BuyerFunding:
		s.buyerFunding += units
	case escrow.Escrow:
		s.escrow += units
	case escrow.SupplierPayable:
		s.supplierPayable += units
	case escrow.PlatformFee:
		s.platformFee += units
	case escrow.BuyerRefund:
		s.buyerRefund += units
	case escrow.Compensation:
		s.compensation += units
	case escrow.Guarantee:
		s.guarantee += units
	case escrow.Recovery:
		s.recovery += units
	default:
		s.unknown += units
	}
}

func (s modelLedgerSums) total() int64 {
	return s.buyerFunding + s.guarantee + s.escrow + s.supplierPayable + s.platformFee + s.buyerRefund + s.compensation + s.recovery + s.unknown
}

// checkStatements checks every account's statement and Service.Balance:
// the statement's lines are the ledger with the running escrow balance, and
// both balances are the account's.
func (h *modelHarness) checkStatements(t modelT) {
	t.Helper()
	for _, m := range h.accounts {
		st, err := h.svc.Statement(h.ctx, m.id)
		if err != nil {
			t.Fatalf("statement of %s: %v", m.id, err)
		}
		var running int64
		var lines []escrow.StatementLine
		for _, e := range m.entries {
			if e.To == escrow.Escrow {
				running += e.Amount.Minor()
			} else {
				running -= e.Amount.Minor()
			}
			lines = append(lines, escrow.StatementLine{Entry: e, InEscrow: m.money(running)})
		}
		a, err := h.svc.Account(h.ctx, m.id)
		if err != nil {
			t.Fatalf("account %s: %v", m.id, err)
		}
		b, err := a.Balance()
		if err != nil {
			t.Fatalf("account %s: Balance: %v", m.id, err)
		}
		if svcB, err := h.svc.Balance(h.ctx, m.id); err != nil || svcB != b {
			t.Fatalf("account %s: Service.Balance = %+v, %v; Account.Balance = %+v", m.id, svcB, err, b)
		}
		want := &escrow.Statement{
			AccountID: m.id, BuyerID: m.buyer, SupplierID: m.supplier, Currency: m.cur,
			Frozen: m.frozen, Closed: m.closed, Lines: lines, Balance: b,
		}
		if !modelSameStatement(want, st) {
			t.Fatalf("statement of %s (-model +got):\n%s", m.id, cmp.Diff(want, st, modelCmpOpts...))
		}
	}
}

// mutate returns c with its request changed in one way, chosen by how: an
// amount one minor unit away, another memo (alt, or c's memo edited when alt
// is c's memo) or payment or text, the other allowed actor, or the key used
// for another operation. The result is never the same request as c.
func (h *modelHarness) mutate(c modelCall, how int, alt string) modelCall {
	m := h.byID[c.Account]
	bump := func(a payment.Money) payment.Money {
		if a == (payment.Money{}) {
			return m.money(1)
		}
		units := a.Minor() + 1
		if units > modelMaxUnits {
			units = a.Minor() - 1
		}
		b, err := payment.FromMinor(units, a.Currency())
		if err != nil {
			panic(err)
		}
		return b
	}
	switch how % 3 { // by the same actor: another actor's key is another key
	case 0: // another amount, or another text for the operations without one
		switch c.Op {
		case escrow.OpHold, escrow.OpRelease, escrow.OpRefund, escrow.OpCompensate:
			c.Amount = bump(c.Amount)
		case escrow.OpSettle:
			c.Refund = bump(c.Refund)
		case escrow.OpFreeze, escrow.OpUnfreeze:
			c.Text += " (again)"
		case escrow.OpClose:
			c.Op = escrow.OpFreeze
			c.Text = "closing"
		}
	case 1: // another memo, payment or text
		switch c.Op {
		case escrow.OpHold:
			c.PaymentID += "-2"
		case escrow.OpFreeze, escrow.OpUnfreeze:
			c.Text = "other " + c.Text
		case escrow.OpClose:
			c.Op, c.Text = escrow.OpFreeze, "closing, again"
		default:
			if alt == c.Memo {
				alt += " (edited)"
			}
			c.Memo = alt
		}
	default: // the key reused for another operation with the same amount
		switch c.Op {
		case escrow.OpHold:
			c.Op, c.PaymentID = escrow.OpRefund, ""
		case escrow.OpRelease:
			c.Op = escrow.OpRefund
		case escrow.OpRefund:
			c.Op = escrow.OpCompensate
		case escrow.OpCompensate:
			c.Op = escrow.OpRelease
		case escrow.OpSettle:
			c.Op, c.Amount, c.Refund, c.Comp, c.Release, c.Guarantee, c.Recover = escrow.OpRefund, m.money(1), payment.Money{}, payment.Money{}, payment.Money{}, payment.Money{}, payment.Money{}
		case escrow.OpFreeze:
			c.Op, c.Text = escrow.OpUnfreeze, ""
		case escrow.OpUnfreeze:
			c.Op, c.Text = escrow.OpClose, ""
		case escrow.OpClose:
			c.Op, c.Amount, c.PaymentID = escrow.OpHold, m.money(1), "pay-reused-key"
		}
	}
	return c
}
