package systemtest

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"pgregory.net/rapid"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/dispute"
	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// want is what the model expects of a call.
type want int

const (
	wantAny      want = iota // the invariants decide
	wantOK                   // it must succeed
	wantRefused              // it must fail
	wantActor                // it must fail with a *payment.ActorError
	wantReplay               // a retry of a success: the same result, nothing changed
	wantMismatch             // a key reused for another request: ErrIdempotencyMismatch
	wantNoop                 // it may succeed or fail, but must change nothing
)

func (w want) String() string {
	return [...]string{"any outcome", "success", "a refusal", "an actor error", "a replay", "an idempotency mismatch",
		"a call that must change nothing"}[w]
}

// result is what a call returned.
type result struct {
	o  *order.Order
	c  *dispute.Case
	p  *payment.Payment
	po *supplier.Payout
}

// call is one call of a public service, ready to run (and to run again:
// run captures the request).
type call struct {
	op   string // the operation, for the counts
	desc string // the call, for the log
	// order, cse and payment name what the call is about (one of them).
	order, cse, payment string
	// key is the idempotency key a retry reuses; "" for calls without one.
	// mismatch is the error a key reused for another request gives.
	key      string
	mismatch error
	// noop, when set, says whether the call must change nothing if made
	// now (a webhook delivered again, a freeze of a frozen account).
	noop func(s *snapshot) bool
	run  func() (result, error)
	// variants make the same key carry another request.
	variants []func() *call
	want     want
	// retry is what a retry expects when the call did not succeed: a call
	// by a wrong actor stays refused, with an actor error when the refusal
	// does not depend on the state.
	retry want
	// first is the result of the first success.
	first result
	done  bool
}

// again returns the call made again with the expectation w.
func (c *call) again(w want) *call {
	d := *c
	d.want, d.desc = w, c.desc+" again"
	return &d
}

// errorClass names the kind of an error for the counts.
func errorClass(err error) string {
	var actor *payment.ActorError
	var inel *payment.IneligibleError
	var frozen *payment.FrozenError
	var notCovered *coverage.NotCoveredError
	var otr *order.TransitionError
	var dtr *dispute.TransitionError
	var mod *order.ModificationError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &actor):
		return "actor"
	case errors.Is(err, order.ErrIdempotencyMismatch), errors.Is(err, dispute.ErrIdempotencyMismatch),
		errors.Is(err, payment.ErrIdempotencyMismatch), errors.Is(err, escrow.ErrIdempotencyMismatch), errors.Is(err, supplier.ErrIdempotencyMismatch):
		return "mismatch"
	case errors.As(err, &inel):
		return "ineligible"
	case errors.As(err, &frozen):
		return "account frozen"
	case errors.As(err, &notCovered):
		return "not covered"
	case errors.As(err, &otr), errors.As(err, &dtr), errors.Is(err, payment.ErrInvalidTransition):
		return "transition"
	case errors.As(err, &mod):
		return "modification refused"
	}
	for _, s := range []struct {
		err  error
		name string
	}{
		{order.ErrWindowClosed, "window closed"}, {order.ErrNotPayable, "not payable"}, {order.ErrBalanceDue, "balance due"},
		{order.ErrPaymentProcessing, "payment processing"}, {order.ErrAlreadyExtended, "already extended"},
		{order.ErrModificationClosed, "modification closed"}, {order.ErrNotFound, "not found"}, {order.ErrInvalidTerms, "invalid terms"},
		{dispute.ErrTooEarly, "too early"}, {dispute.ErrWindowClosed, "window closed"}, {dispute.ErrNotFound, "not found"},
		{dispute.ErrDuplicate, "duplicate"}, {payment.ErrInvalidAmount, "invalid amount"},
		{order.ErrInvalidRequest, "invalid request"}, {dispute.ErrInvalidRequest, "invalid request"},
		{payment.ErrInvalidRequest, "invalid request"}, {payment.ErrNotFound, "not found"},
		{escrow.ErrFrozen, "escrow frozen"}, {escrow.ErrInsufficientFunds, "insufficient funds"},
		{supplier.ErrNotEnrolled, "not enrolled"}, {supplier.ErrPayoutHeld, "payout held"},
		{supplier.ErrInsufficientBalance, "insufficient balance"}, {supplier.ErrNotFound, "not found"},
	} {
		if errors.Is(err, s.err) {
			return s.name
		}
	}
	return "other"
}

// exec runs c, takes the snapshot after it and checks it: c's outcome
// against what the model expects, what it changed against what it may
// change, and every invariant of the world.
func (m *machine) exec(rt *rapid.T, c *call) {
	before := m.snap
	want := c.want
	if want == wantAny && c.noop != nil && c.noop(before) {
		want = wantNoop
	}
	t0 := time.Now()
	res, err := c.run()
	t1 := time.Now()
	after, terr := m.take(before)
	m.timeCalls += t1.Sub(t0)
	m.timeChecks += time.Since(t1)
	if terr != nil {
		rt.Fatalf("%s: reading the world after it: %v", c.desc, terr)
	}
	class := errorClass(err)
	m.counts[c.op+": "+class]++
	if err != nil {
		rt.Logf("step %d: %s: %s: %v", m.steps, c.desc, class, err)
	} else {
		rt.Logf("step %d: %s: ok", m.steps, c.desc)
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	var actor *payment.ActorError
	switch want {
	case wantOK:
		if err != nil {
			bad("the model expects this call to succeed; it failed: %v", err)
		}
	case wantRefused:
		if err == nil {
			bad("the model expects this call to be refused; it succeeded")
		}
	case wantActor:
		if !errors.As(err, &actor) {
			bad("a call by an actor who may not make it must be refused with a *payment.ActorError; got %v", err)
		}
	case wantMismatch:
		if !errors.Is(err, c.mismatch) {
			bad("a key reused for another request must be refused with %v; got %v", c.mismatch, err)
		}
	case wantReplay:
		if err != nil {
			bad("a retry of a successful call with the same key and request must be a replay; it failed: %v", err)
		} else {
			problems = append(problems, sameResult(c.first, res, after)...)
		}
	}
	if err != nil || want == wantReplay || want == wantNoop {
		why := "a refused call"
		if err == nil {
			why = want.String()
		}
		for _, ch := range changes(before, after) {
			bad("%s changed the world: %s", why, ch)
		}
	}
	problems = append(problems, m.invariants(before, after)...)
	if len(problems) > 0 {
		rt.Fatalf("step %d, %s (expected %s):\n- %s\nthe world after it: %s", m.steps, c.desc, want, strings.Join(problems, "\n- "), after.summary())
	}
	m.snap = after
	if err == nil && !c.done && c.key != "" {
		c.first, c.done = res, true
		m.done = append(m.done, c)
	}
	if c.want != wantReplay && c.want != wantMismatch && (c.key != "" || c.noop != nil) {
		m.tried = append(m.tried, c)
	}
}

// sameResult compares a replay's result with the first call's: the same
// payment, and the aggregate as it is stored now.
func sameResult(first, got result, s *snapshot) []string {
	var out []string
	if first.p != nil && (got.p == nil || got.p.ID != first.p.ID) {
		out = append(out, fmt.Sprintf("the replay returned payment %v, the first call %s", got.p, first.p.ID))
	}
	if first.po != nil && (got.po == nil || got.po.ID != first.po.ID || got.po.Amount != first.po.Amount) {
		out = append(out, fmt.Sprintf("the replay returned payout %v, the first call %s", got.po, first.po.ID))
	}
	if first.o != nil {
		if got.o == nil {
			out = append(out, "the replay returned no order")
		} else if now := s.orders[got.o.ID]; now == nil || now.Version != got.o.Version || got.o.ID != first.o.ID {
			out = append(out, fmt.Sprintf("the replay returned order %s at version %d, not the stored one", got.o.ID, got.o.Version))
		}
	}
	if first.c != nil {
		if got.c == nil {
			out = append(out, "the replay returned no case")
		} else if now := s.cases[got.c.ID]; now == nil || now.Version != got.c.Version || got.c.ID != first.c.ID {
			out = append(out, fmt.Sprintf("the replay returned case %s at version %d, not the stored one", got.c.ID, got.c.Version))
		}
	}
	return out
}
