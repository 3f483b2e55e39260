package order_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
	supplierpkg "github.com/tradeassure/tradeassure/supplier"
)

// FuzzOrderOperations draws, with rapid, a sequence of up to opsMaxSteps
// calls of the order service on the in-memory world of world_test.go — two
// orders, two enrolled suppliers, two buyers, random actors (the natural one
// for the call, another party, an outsider, an agent, the system, an invalid
// actor), keys from a small pool so that they collide, the clock moved
// forward (also to a deadline exactly), sweeps, and earlier calls retried
// with the same key and request or reused with another request — and checks
// after each call:
//
//   - a refused call, and a retry of a call that succeeded, changed nothing:
//     orders, escrow accounts, suppliers, payments and notices are as before;
//     a retry of a call that succeeded succeeds, and a reuse of its key with
//     another request is refused;
//   - every escrow account verifies and balances: held = released + fees +
//     refunded + compensated + remaining, remaining ≥ 0; it holds exactly
//     what the order was paid and compensated exactly what the order says,
//     is frozen exactly while the order is disputed, and before the order
//     ends has released and refunded nothing and holds the order's
//     Remaining, after it holds nothing;
//   - every order's history is a walk of the transition table from draft
//     that ends in its state, and no step is left pending;
//   - a supplier's reservation for an order is the order's Coverage.Reserved
//     and is gone once the order has ended; sweeps report no failure.
func FuzzOrderOperations(f *testing.F) {
	for _, seed := range orderOpsSeeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rapid.MakeFuzz(newOpsHarness(newOpsWorld(t)).run)(t, data)
	})
}

// opsMaxSteps bounds the calls of one input.
const opsMaxSteps = 48

// The calls FuzzOrderOperations draws; fzStop ends the sequence.
const (
	fzStop = iota
	fzCreate
	fzSubmit
	fzWithdraw
	fzConfirm
	fzPay
	fzReport
	fzSync
	fzStartProduction
	fzFinishProduction
	fzInspect
	fzAcceptInspection
	fzShip
	fzTrack
	fzDeliver
	fzExtendReceipt
	fzConfirmReceipt
	fzCancel
	fzOpenDispute
	fzResolveDispute
	fzPropose
	fzApprove
	fzReject
	fzWithdrawModification
	fzAdvance
	fzSweep
	fzRelay
	fzRetry
	fzReuse
	fzOpCount
)

var fzOpNames = [fzOpCount]string{"stop", "create", "submit", "withdraw", "confirm", "pay", "report payment", "sync payment",
	"start production", "finish production", "record inspection", "accept inspection", "ship", "track", "deliver",
	"extend receipt", "confirm receipt", "cancel", "open dispute", "resolve dispute", "propose modification",
	"approve modification", "reject modification", "withdraw modification", "advance the clock", "sweep", "relay",
	"retry", "reuse"}

// The fields of a step. A step is one draw of rapid.Uint32 whose bits,
// from the lowest, are the fields, each fzFieldBits wide: the operation
// (255 stops, the other values are fzCreate and on, modulo), the actor (0
// the natural one, else opsActors[n-1]), the key (0 a fresh one, else
// opsKeys[n-1]), the payload's variant, the order (opsOrders[n]), a target
// (an earlier call, a payment, a case or a modification) and a number.
// Every value of the bits is a step, and a step takes 16 bytes of input,
// so that mutated inputs make long sequences that rarely stop short.
const (
	fzFieldOp = iota
	fzFieldActor
	fzFieldKey
	fzFieldVariant
	fzFieldOrder
	fzFieldTarget
	fzFieldN
	fzFieldCount
)

// fzFieldBits are the widths of the fields.
var fzFieldBits = [fzFieldCount]int{8, 3, 2, 3, 1, 4, 8}

// The other parties of the fuzz world, beside those of world_test.go.
var (
	opsBuyer2    = payment.Buyer("buyer-us-2")
	opsSupplier2 = payment.Supplier("supplier-cn-2")
)

// opsActors are the actors a step names by its actor field less one; 0 is
// the natural actor of the call.
var opsActors = []payment.Actor{wBuyer, wSupplier, wAgent, wHooks, opsBuyer2, opsSupplier2, payment.Actor{Role: payment.RoleBuyer}}

// opsOrders are the ids of the orders; opsKeys the pool of keys, beside a
// fresh one (key field 0).
var (
	opsOrders = []string{"o1", "o2"}
	opsKeys   = []string{"k1", "k2", "k3"}
)

// newOpsWorld returns the world of world_test.go with a second enrolled
// supplier.
func newOpsWorld(t *testing.T) *world {
	w := newWorld(t)
	w.enrol(t, opsSupplier2.ID)
	return w
}

// fzCall is one call, with every value of its request fixed when it was
// drawn, so that a retry makes exactly the same call.
type fzCall struct {
	op      int
	by      payment.Actor
	id      string
	key     string
	variant int
	terms   order.Terms
	buyer   string
	pay     order.PayRequest
	payment string
	outcome payment.Outcome
	report  order.InspectionReport
	event   order.TrackingEvent
	reason  string
	res     order.Resolution
}

// request is what the call's idempotency covers beside the operation, the
// actor, the order and the key: two calls with the same are the same
// request.
func (c fzCall) request() any {
	switch c.op {
	case fzCreate:
		return []any{c.terms, c.buyer}
	case fzPay:
		return c.pay
	case fzInspect:
		return c.report
	case fzShip, fzTrack:
		return c.event
	case fzCancel:
		return c.reason
	case fzResolveDispute:
		return c.res
	case fzPropose:
		return c.terms
	}
	return nil
}

// opsHarness runs the drawn steps on a world and checks them.
type opsHarness struct {
	t        *rapid.T
	w        *world
	ctx      context.Context
	fresh    int
	done     []fzCall // calls that succeeded, for retries and reuses
	calls    []fzCall // every keyed call, for retries
	log      []string // what each step did, for the seed test
	stopped  bool     // the sequence ended with fzStop
	failures int      // calls that were refused
}

// newOpsHarness returns a harness for the world w.
func newOpsHarness(w *world) *opsHarness {
	return &opsHarness{w: w, ctx: context.Background()}
}

// run draws and runs the steps of one input: until fzStop, opsMaxSteps
// steps or the end of the input (where rapid skips the test, every step
// drawn having been checked).
func (h *opsHarness) run(rt *rapid.T) {
	h.t = rt
	for range opsMaxSteps {
		v := rapid.Uint32().Draw(rt, "step")
		var f [fzFieldCount]int
		for i, bits := range fzFieldBits {
			f[i], v = int(v&(1<<bits-1)), v>>bits
		}
		if f[fzFieldOp] == 255 {
			h.stopped = true
			break
		}
		f[fzFieldOp] = fzCreate + f[fzFieldOp]%(fzOpCount-1)
		h.step(f)
	}
}

// step runs one drawn step and checks the world after it.
func (h *opsHarness) step(f [fzFieldCount]int) {
	switch f[fzFieldOp] {
	case fzAdvance:
		h.advance(f[fzFieldOrder], f[fzFieldN])
	case fzSweep:
		rep, err := h.w.svc.Sweep(h.ctx, h.w.clock.Now())
		if err != nil || len(rep.Failures) > 0 {
			h.t.Fatalf("sweep at %s: %v, failures %v", h.w.clock.Now(), err, rep.Failures)
		}
		h.log = append(h.log, fmt.Sprintf("sweep: %+v", *rep))
	case fzRelay:
		before := h.snapshot()
		_, err := h.w.delivered()
		h.log = append(h.log, fmt.Sprintf("relay: %v", err))
		if err != nil {
			h.t.Fatalf("relay: %v", err)
		}
		h.same(before, "the relay delivering the outbox")
	case fzRetry:
		if len(h.calls) == 0 {
			h.log = append(h.log, "no call to retry")
			return
		}
		h.try(h.calls[f[fzFieldTarget]%len(h.calls)])
	case fzReuse:
		if len(h.done) == 0 {
			h.log = append(h.log, "no call to reuse")
			return
		}
		h.try(h.reuse(h.done[f[fzFieldTarget]%len(h.done)], f))
	default:
		h.try(h.draw(f))
	}
	h.check()
}

// advance moves the clock forward: by n%8 one of a few durations, or, for
// n%8 of 6 and 7, to order o's deadline exactly or a second before it.
func (h *opsHarness) advance(o, n int) {
	steps := []time.Duration{time.Hour, 24 * time.Hour, 3 * 24 * time.Hour, 7 * 24 * time.Hour, 16 * 24 * time.Hour, 31 * 24 * time.Hour}
	d := time.Duration(0)
	if k := n % 8; k < len(steps) {
		d = steps[k]
	} else if ord, err := h.w.svc.Order(h.ctx, opsOrders[o]); err == nil && !ord.Deadline.IsZero() {
		d = ord.Deadline.Sub(h.w.clock.Now())
		if k == 7 {
			d -= time.Second
		}
	}
	if d > 0 {
		h.w.clock.Advance(d)
	}
	h.log = append(h.log, fmt.Sprintf("advance %s to %s", d, h.w.clock.Now().Format(time.RFC3339)))
}

// draw builds the call of a drawn step.
func (h *opsHarness) draw(f [fzFieldCount]int) fzCall {
	c := fzCall{op: f[fzFieldOp], id: opsOrders[f[fzFieldOrder]], variant: f[fzFieldVariant]}
	if k := f[fzFieldKey]; k > 0 {
		c.key = opsKeys[k-1]
	} else {
		h.fresh++
		c.key = fmt.Sprint("key-", h.fresh)
	}
	if c.op == fzCreate {
		c.key = c.id
	}
	o, _ := h.w.svc.Order(h.ctx, c.id)
	c.by = h.natural(c.op, o, c.id)
	if a := f[fzFieldActor]; a > 0 {
		c.by = fzResolver(c.op, opsActors[a-1])
	}
	h.payload(&c, o, f[fzFieldTarget], f[fzFieldN])
	return c
}

// natural returns the actor who makes op on order o (nil when there is
// none yet) in the normal course of things.
func (h *opsHarness) natural(op int, o *order.Order, id string) payment.Actor {
	buyer, supplier := wBuyer, wSupplier
	if o != nil {
		buyer, supplier = payment.Buyer(o.BuyerID), payment.Supplier(o.SupplierID)
	}
	switch op {
	case fzCreate, fzSubmit, fzWithdraw, fzStartProduction, fzFinishProduction, fzShip, fzTrack, fzPropose:
		return supplier
	case fzConfirm, fzPay, fzAcceptInspection, fzExtendReceipt, fzConfirmReceipt, fzCancel, fzOpenDispute:
		return buyer
	case fzReport, fzSync:
		return wHooks
	case fzApprove, fzReject, fzWithdrawModification:
		// The other party approves or rejects the open modification; its
		// requester withdraws it.
		if o != nil {
			for _, m := range slices.Backward(o.Modifications) {
				if m.Status != order.ModificationProposed {
					continue
				}
				other := buyer
				if m.RequestedBy == buyer {
					other = supplier
				}
				if op == fzWithdrawModification {
					return m.RequestedBy
				}
				return other
			}
		}
		return buyer
	}
	return fzResolver(op, wAgent)
}

// payload fixes the request of call c on order o (nil when there is none
// yet) from the step's variant, target and number.
func (h *opsHarness) payload(c *fzCall, o *order.Order, target, n int) {
	now := h.w.clock.Now()
	v := c.variant
	switch c.op {
	case fzCreate:
		c.terms, c.buyer = opsTerms(v), wBuyer.ID
		if target%2 == 1 {
			c.buyer = opsBuyer2.ID
		}
	case fzPay:
		c.pay = order.PayRequest{Tranche: []payment.Tranche{payment.Deposit, payment.Balance, payment.Full}[v%3],
			BuyerCountry: []payment.Country{"DE", "US", "ZZ"}[target%3]}
		switch v / 3 {
		case 1:
			c.pay.Instrument = payment.Instrument{Method: payment.PayPal}
		case 2:
			c.pay.Instrument = payment.Instrument{Method: payment.Card, Network: payment.Mastercard}
		}
	case fzReport, fzSync:
		c.payment = "pay_unknown"
		from := o
		if v == 7 { // a payment of the other order
			other := opsOrders[0]
			if c.id == other {
				other = opsOrders[1]
			}
			from, _ = h.w.svc.Order(h.ctx, other)
		}
		if from != nil && len(from.Payments) > 0 {
			c.payment = from.Payments[target%len(from.Payments)].PaymentID
		}
		c.outcome = payment.Outcome{Status: []payment.Status{payment.StatusSucceeded, payment.StatusSucceeded, payment.StatusFailed,
			payment.StatusProcessing, payment.StatusSucceeded, payment.StatusSucceeded, payment.StatusCancelled, payment.StatusSucceeded}[v],
			ProcessorRef: "psp-" + c.payment}
		if v == 5 {
			c.outcome.ProcessorRef = "psp-other"
		}
	case fzInspect:
		c.report = order.InspectionReport{Agency: "SGS", InspectedAt: now, Result: coverage.InspectionPassed, Document: "https://files.example.com/r.pdf"}
		switch v % 4 {
		case 1:
			c.report.Result, c.report.Defects, c.report.Findings = coverage.InspectionFailed, []string{"scratches"}, "3 of 20 scratched"
		case 2:
			c.report.Agency = ""
		case 3:
			c.report.Result = coverage.InspectionFailed
		}
	case fzShip, fzTrack:
		c.event = order.TrackingEvent{At: now, Location: "Ningbo", Carrier: "COSCO", Mode: order.Sea, TrackingNumber: "COSU1234567",
			EstimatedArrival: now.AddDate(0, 0, n%90)}
		switch v % 4 {
		case 1:
			c.event.At = time.Time{}
		case 2:
			c.event.Mode = "teleport"
		case 3:
			c.event.EstimatedArrival = time.Time{}
		}
	case fzCancel:
		c.reason = []string{"the buyer changed plans", ""}[v%2]
	case fzOpenDispute:
		c.key = fmt.Sprint("case-", target%3)
	case fzResolveDispute:
		c.res = h.resolution(o, v, target, n)
		c.key = c.res.CaseID
	case fzPropose:
		c.key = fmt.Sprint("mod-", target%8)
		c.terms = opsProposal(o, v)
	case fzApprove, fzReject, fzWithdrawModification:
		c.key = fmt.Sprint("mod-", target%8)
		if o != nil {
			for _, m := range slices.Backward(o.Modifications) {
				if m.Status == order.ModificationProposed && target >= 8 {
					c.key = m.ID // the open one, most of the time
					break
				}
			}
		}
	}
}

// opsTerms returns the terms of a new order by variant: wTerms; a full
// payment by an instrument the buyer chooses, EXW with no shipping cost and
// no inspection; a fixed deposit of USD 500.00 and the balance by PayPal;
// or terms that are invalid (no quantity).
func opsTerms(v int) order.Terms {
	t := wTerms()
	switch v % 4 {
	case 1:
		t.Schedule = order.Schedule{}
		t.Incoterm, t.ShippingCost, t.InspectionRequired, t.Plan = order.EXW, usd("0.00"), false, coverage.PreShipment
	case 2:
		t.Schedule = order.Schedule{DepositAmount: usd("500.00"), BalanceInstrument: payment.Instrument{Method: payment.PayPal}}
		t.InspectionRequired = false
	case 3:
		t.Items[0].Quantity = 0
	}
	return t
}

// opsProposal returns new terms for order o by variant: another route, a
// shipping cost 10% or 50% higher, one more item, the dates a week later,
// or another currency.
func opsProposal(o *order.Order, v int) order.Terms {
	t := wTerms()
	if o != nil {
		t = o.Terms
		t.Items = slices.Clone(t.Items)
	}
	switch v % 6 {
	case 0:
		t.Route += " via Suez"
	case 1, 2:
		rate := map[int]string{1: "1.1", 2: "1.5"}[v%6]
		t.ShippingCost, _ = t.ShippingCost.Mul(decimal.RequireFromString(rate), payment.RoundHalfEven)
	case 3:
		t.Items[0].Quantity++
	case 4:
		t.ShipBy, t.DeliverBy = t.ShipBy.AddDate(0, 0, 7), t.DeliverBy.AddDate(0, 0, 7)
	case 5:
		t.Currency = payment.EUR
	}
	return t
}

// resolution returns a resolution of order o's dispute by variant: go on
// with a compensation (a late-shipment one) or without; end with everything
// refunded or released, or split by the bits of n; or parts one unit more
// than escrow holds.
func (h *opsHarness) resolution(o *order.Order, v, target, n int) order.Resolution {
	r := order.Resolution{CaseID: fmt.Sprint("case-", target%3), SupplierAtFault: n%2 == 1}
	if o != nil {
		if d, ok := o.OpenDispute(); ok && target >= 8 {
			r.CaseID = d.CaseID // the open one, most of the time
		}
	}
	left, _ := payment.FromMinor(0, payment.USD)
	if o != nil {
		left = o.Remaining()
	}
	split := func(ratios ...int64) []payment.Money {
		parts, err := left.Allocate(ratios...)
		if err != nil {
			parts = []payment.Money{left, left.Neg(), left} // a nonsense split for nonsense ratios
		}
		return parts
	}
	switch v {
	case 0, 6:
		r.Continue, r.Compensate, r.LateShipment = true, split(int64(n%10+1), 90)[0], v == 6
	case 1:
		r.Continue = true
	case 2:
		r.Refund = left
	case 3:
		r.Release = left
	case 4, 7:
		parts := split(int64(n&3), int64(n>>2&3), int64(n>>4&3)+1)
		r.Refund, r.Compensate, r.Release, r.LateShipment = parts[0], parts[1], parts[2], v == 7
	case 5:
		r.Release, _ = left.Add(payment.MustParse("0.01", payment.USD))
	}
	return r
}

// reuse returns call c again with its key but another request: another
// variant's payload, or another actor when the variant does not change it.
func (h *opsHarness) reuse(c fzCall, f [fzFieldCount]int) fzCall {
	o, _ := h.w.svc.Order(h.ctx, c.id)
	again := c
	again.variant = (c.variant + 1 + f[fzFieldVariant]%7) % 8
	h.payload(&again, o, f[fzFieldTarget], f[fzFieldN])
	again.key, again.res.CaseID = c.key, c.res.CaseID
	if reflect.DeepEqual(again.request(), c.request()) {
		again.by = fzResolver(c.op, opsActors[f[fzFieldActor]%len(opsActors)])
	}
	return again
}

// try makes call c and checks what it changed.
func (h *opsHarness) try(c fzCall) {
	retry := fzReplayable(c.op) && slices.IndexFunc(h.done, func(d fzCall) bool { return fzSameCall(d, c) }) >= 0
	reused := !retry && slices.ContainsFunc(h.done, func(d fzCall) bool {
		return d.id == c.id && d.key == c.key && fzKeyed(d.op) && fzKeyed(c.op) && fzKeyScope(d.op) == fzKeyScope(c.op)
	})
	before := h.snapshot()
	err := h.call(c)
	h.log = append(h.log, fmt.Sprintf("%s %s %s by %s: %v", fzOpNames[c.op], c.id, c.key, c.by, err))
	switch {
	case retry && err != nil:
		h.t.Fatalf("a retry of %s %s with key %q by %s failed: %v", fzOpNames[c.op], c.id, c.key, c.by, err)
	case reused && err == nil:
		h.t.Fatalf("%s %s reused key %q of another request by %s and succeeded", fzOpNames[c.op], c.id, c.key, c.by)
	case err != nil:
		h.failures++
		h.same(before, fmt.Sprintf("the refused %s %s by %s (%v)", fzOpNames[c.op], c.id, c.by, err))
	case retry:
		h.same(before, fmt.Sprintf("the retry of %s %s with key %q", fzOpNames[c.op], c.id, c.key))
	default:
		h.done = append(h.done, c)
	}
	h.calls = append(h.calls, c)
}

// fzSameCall reports whether a and b are the same call: the same operation,
// actor, order, key and request.
func fzSameCall(a, b fzCall) bool {
	return a.op == b.op && a.by == b.by && a.id == b.id && a.key == b.key && reflect.DeepEqual(a.request(), b.request())
}

// fzReplayable reports whether a call of op made again after it succeeded
// must succeed and change nothing. A payment's report or sync is not: made
// again after the payment moved on (refunded), it records the payment's
// new status on the order.
func fzReplayable(op int) bool { return op != fzReport && op != fzSync }

// fzKeyed reports whether op is made under a key the caller chose, so that
// another request under the same key is refused.
func fzKeyed(op int) bool {
	switch op {
	case fzReport, fzSync, fzApprove, fzReject, fzWithdrawModification:
		return false // their keys name the payment's status or the approver
	}
	return true
}

// fzKeyScope names the key space of op: orders, cases (opened and
// resolved apart), modifications, and each operation on an order its own
// (a caller's key is scoped to the order and the operation).
func fzKeyScope(op int) string {
	switch op {
	case fzCreate:
		return "orders"
	case fzOpenDispute:
		return "dispute/open"
	case fzResolveDispute:
		return "dispute/resolve"
	case fzPropose:
		return "modification"
	}
	return "order/" + fzOpNames[op]
}

// call makes call c.
func (h *opsHarness) call(c fzCall) error {
	ctx, svc := h.ctx, h.w.svc
	var err error
	switch c.op {
	case fzCreate:
		_, err = svc.Create(ctx, c.by, order.CreateRequest{ID: c.id, BuyerID: c.buyer, Terms: c.terms})
	case fzSubmit:
		_, err = svc.Submit(ctx, c.by, c.id, c.key)
	case fzWithdraw:
		_, err = svc.Withdraw(ctx, c.by, c.id, c.key)
	case fzConfirm:
		_, err = svc.Confirm(ctx, c.by, c.id, c.key)
	case fzPay:
		_, _, err = svc.Pay(ctx, c.by, c.id, c.key, c.pay)
	case fzReport:
		_, err = svc.ReportPayment(ctx, c.by, c.id, c.payment, c.outcome)
	case fzSync:
		_, err = svc.SyncPayment(ctx, c.by, c.id, c.payment)
	case fzStartProduction:
		_, err = svc.StartProduction(ctx, c.by, c.id, c.key)
	case fzFinishProduction:
		_, err = svc.FinishProduction(ctx, c.by, c.id, c.key)
	case fzInspect:
		_, err = svc.RecordInspection(ctx, c.by, c.id, c.key, c.report)
	case fzAcceptInspection:
		_, err = svc.AcceptInspection(ctx, c.by, c.id, c.key)
	case fzShip:
		_, err = svc.Ship(ctx, c.by, c.id, c.key, c.event)
	case fzTrack:
		_, err = svc.Track(ctx, c.by, c.id, c.key, c.event)
	case fzDeliver:
		_, err = svc.Deliver(ctx, c.by, c.id, c.key)
	case fzExtendReceipt:
		_, err = svc.ExtendReceipt(ctx, c.by, c.id, c.key)
	case fzConfirmReceipt:
		_, err = svc.ConfirmReceipt(ctx, c.by, c.id, c.key)
	case fzCancel:
		_, err = svc.Cancel(ctx, c.by, c.id, c.key, c.reason)
	case fzOpenDispute:
		_, err = svc.OpenDispute(ctx, wDisputes, c.id, order.DisputeRequest{CaseID: c.key, Claimant: c.by})
	case fzResolveDispute:
		_, err = svc.ResolveDispute(ctx, c.by, c.id, c.res)
	case fzPropose:
		_, err = svc.ProposeModification(ctx, c.by, c.id, c.key, c.terms)
	case fzApprove:
		_, err = svc.ApproveModification(ctx, c.by, c.id, c.key)
	case fzReject:
		_, err = svc.RejectModification(ctx, c.by, c.id, c.key)
	case fzWithdrawModification:
		_, err = svc.WithdrawModification(ctx, c.by, c.id, c.key)
	default:
		panic(fmt.Sprintf("no call for op %d", c.op))
	}
	return err
}

// opsSnapshot is everything a call may change.
type opsSnapshot struct {
	Orders    map[string]*order.Order
	Accounts  map[string]*escrow.Account
	Suppliers []*supplierpkg.Supplier
	Payments  []*payment.Payment
	Notices   int
}

// snapshot reads the world.
func (h *opsHarness) snapshot() opsSnapshot {
	s := opsSnapshot{Orders: map[string]*order.Order{}, Accounts: map[string]*escrow.Account{}}
	for _, id := range opsOrders {
		if o, err := h.w.svc.Order(h.ctx, id); err == nil {
			s.Orders[id] = o
		} else if !errors.Is(err, order.ErrNotFound) {
			h.t.Fatalf("order %s: %v", id, err)
		}
		if a, err := h.w.escrow.Account(h.ctx, id); err == nil {
			s.Accounts[id] = a
		} else if !errors.Is(err, escrow.ErrNotFound) {
			h.t.Fatalf("escrow account %s: %v", id, err)
		}
	}
	for _, id := range []string{wSupplier.ID, opsSupplier2.ID} {
		sup, err := h.w.suppliers.Supplier(h.ctx, id)
		if err != nil {
			h.t.Fatalf("supplier %s: %v", id, err)
		}
		s.Suppliers = append(s.Suppliers, sup)
	}
	for _, b := range []string{wBuyer.ID, opsBuyer2.ID} {
		ps, err := h.w.payStore.PaymentsByBuyer(h.ctx, b, time.Time{})
		if err != nil {
			h.t.Fatalf("payments of %s: %v", b, err)
		}
		s.Payments = append(s.Payments, ps...)
	}
	waiting, err := h.w.outbox.Undelivered(h.ctx, 1<<20)
	if err != nil {
		h.t.Fatalf("the outbox: %v", err)
	}
	h.w.published.mu.Lock()
	s.Notices = len(h.w.published.got) + len(waiting)
	h.w.published.mu.Unlock()
	return s
}

// opsCmp compares snapshots: Money with ==, decimals by value, times as
// instants, empty as nil; versions included, since a call that changed
// nothing wrote nothing.
var opsCmp = cmp.Options{
	cmp.Comparer(func(a, b payment.Money) bool { return a == b }),
	cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }),
	cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
	cmpopts.EquateEmpty(),
}

// same fails the test unless the world is as before.
func (h *opsHarness) same(before opsSnapshot, what string) {
	if diff := cmp.Diff(before, h.snapshot(), opsCmp); diff != "" {
		h.t.Fatalf("%s changed the world (-before +after):\n%s", what, diff)
	}
}

// fzFinal reports whether an order in state s has ended.
func fzFinal(s order.State) bool {
	switch s {
	case order.Completed, order.Refunded, order.Cancelled, order.Expired:
		return true
	}
	return false
}

// check checks the invariants of every order, its escrow account and its
// supplier's reservation.
func (h *opsHarness) check() {
	s := h.snapshot()
	for id, o := range s.Orders {
		h.checkHistory(o)
		a := s.Accounts[id]
		if a == nil {
			if o.Paid().IsPositive() {
				h.t.Fatalf("order %s was paid %s and has no escrow account", id, o.Paid())
			}
			continue
		}
		h.checkAccount(o, a)
		for _, sup := range s.Suppliers {
			i := slices.IndexFunc(sup.Reservations, func(r supplierpkg.Reservation) bool { return r.OrderID == id })
			switch {
			case i >= 0 && (sup.ID != o.SupplierID || fzFinal(o.State)):
				h.t.Fatalf("supplier %s still reserves %s for order %s, %s", sup.ID, sup.Reservations[i].Amount, id, o.State)
			case i >= 0 && sup.Reservations[i].Amount != o.Coverage.Reserved:
				h.t.Fatalf("supplier %s reserves %s for order %s, which records %s", sup.ID, sup.Reservations[i].Amount, id, o.Coverage.Reserved)
			}
		}
	}
}

// checkHistory checks that o's history is a walk of the transition table
// from draft that ends in o's state.
func (h *opsHarness) checkHistory(o *order.Order) {
	state := order.Draft
	for i, a := range o.History.All() {
		if a.Seq != i+1 || a.From != state {
			h.t.Fatalf("order %s: action %d (%s, seq %d) starts from %s, not %s", o.ID, i+1, a.Name, a.Seq, a.From, state)
		}
		if a.Event != "" {
			to, err := order.Next(h.ctx, a.From, a.Event, a.By)
			if err != nil || to != a.To {
				h.t.Fatalf("order %s: action %d (%s) went %s -%s-> %s, the table says %s, %v", o.ID, i+1, a.Name, a.From, a.Event, a.To, to, err)
			}
		} else if a.To != a.From {
			h.t.Fatalf("order %s: action %d (%s) changed the state without an event", o.ID, i+1, a.Name)
		}
		state = a.To
	}
	if state != o.State {
		h.t.Fatalf("order %s is %s, its history ends in %s", o.ID, o.State, state)
	}
}

// checkAccount checks order o's escrow account a.
func (h *opsHarness) checkAccount(o *order.Order, a *escrow.Account) {
	if err := a.Verify(); err != nil {
		h.t.Fatalf("escrow account %s: %v", a.ID, err)
	}
	b, err := a.Balance()
	if err != nil {
		h.t.Fatalf("escrow account %s: %v", a.ID, err)
	}
	sum := b.Remaining
	for _, m := range []payment.Money{b.Released, b.Fees, b.Refunded, b.Compensated} {
		if sum, err = sum.Add(m); err != nil {
			h.t.Fatalf("escrow account %s: %v", a.ID, err)
		}
	}
	zero, _ := payment.FromMinor(0, o.Terms.Currency)
	switch {
	case sum != b.Held || b.Remaining.IsNegative():
		h.t.Fatalf("escrow account %s does not balance: %+v", a.ID, b)
	case b.Held != mustSum(o.Paid(), o.Returned()):
		h.t.Fatalf("escrow account %s holds %s in all; order %s was paid %s and returned %s", a.ID, b.Held, o.ID, o.Paid(), o.Returned())
	case b.Compensated != o.Compensated():
		h.t.Fatalf("escrow account %s compensated %s; order %s says %s", a.ID, b.Compensated, o.ID, o.Compensated())
	case a.Frozen != (o.State == order.Disputed):
		h.t.Fatalf("escrow account %s frozen %v while order %s is %s", a.ID, a.Frozen, o.ID, o.State)
	case !fzFinal(o.State) && (b.Released != zero || b.Fees != zero || b.Refunded != o.Returned() || b.Remaining != o.Remaining()):
		h.t.Fatalf("order %s is %s with Remaining %s, its escrow account %+v", o.ID, o.State, o.Remaining(), b)
	case fzFinal(o.State) && b.Remaining != zero:
		h.t.Fatalf("order %s is %s and its escrow account still holds %s", o.ID, o.State, b.Remaining)
	}
}

// fzStep is one step of a seed, by field.
type fzStep [fzFieldCount]int

// fzOp returns the step of op with the natural actor, a fresh key, on
// order o1, and the variant, target and number given (0 when not).
func fzOp(op int, rest ...int) fzStep {
	st := fzStep{fzFieldOp: op}
	for i, f := range []int{fzFieldVariant, fzFieldTarget, fzFieldN}[:len(rest)] {
		st[f] = rest[i]
	}
	return st
}

// on, by and key return st on another order, by opsActors[a-1] (0 the
// natural actor), under opsKeys[k-1] (0 a fresh key).
func (st fzStep) on(o int) fzStep  { st[fzFieldOrder] = o; return st }
func (st fzStep) by(a int) fzStep  { st[fzFieldActor] = a; return st }
func (st fzStep) key(k int) fzStep { st[fzFieldKey] = k; return st }

// fzGeomWord is 0.949 as a 53-bit fraction: the word from which rapid
// v1.3 draws the bit length of a uint32 as 36, so that all 32 bits of the
// next word are drawn.
const fzGeomWord = 949 << 53 / 1000

// opsSeed encodes steps, then fzStop, as the bytes rapid.MakeFuzz draws
// them from: for each step, a 64-bit word that rapid v1.3 reads as the bit
// length of the step's uint32 (fzGeomWord) and a word with the step's
// bits. TestOrderOperationsSeeds checks that every seed runs as written.
func opsSeed(steps ...fzStep) []byte {
	var words []uint64
	draw := func(st fzStep) {
		v, shift := uint64(0), 0
		for i, bits := range fzFieldBits {
			if st[i] < 0 || st[i] >= 1<<bits {
				panic(fmt.Sprintf("field %d of step %v out of range", i, st))
			}
			v |= uint64(st[i]) << shift
			shift += bits
		}
		words = append(words, fzGeomWord, v)
	}
	for _, st := range steps {
		if st[fzFieldOp] < fzCreate || st[fzFieldOp] >= fzOpCount {
			panic(fmt.Sprintf("no operation %d", st[fzFieldOp]))
		}
		st[fzFieldOp] -= fzCreate
		draw(st)
	}
	draw(fzStep{fzFieldOp: 255}) // fzStop
	b := make([]byte, 8*len(words))
	for i, w := range words {
		binary.LittleEndian.PutUint64(b[8*i:], w)
	}
	return b
}

// The actors of seed steps (opsActors[a-1]) and keys (opsKeys[k-1]).
const (
	fzByBuyer = 1 + iota
	fzBySupplier
	fzByAgent
	fzByHooks
	fzByBuyer2
	fzBySupplier2
	fzByNobody
)

// opsSeedCase is a seed and where its orders end.
type opsSeedCase struct {
	name  string
	steps []fzStep
	want  map[string]order.State
}

// orderOpsSeedCases are the seeds of FuzzOrderOperations: the order's whole
// life, its exits (cancel, refund, expiry, abandonment), disputes with each
// kind of resolution, modifications, late shipment, the receipt window,
// failed payments, retries, reused keys, wrong actors, and two orders at
// once.
func orderOpsSeedCases() []opsSeedCase {
	day := fzOp(fzAdvance, 0, 0, 1)
	paid := func(tranche int) []fzStep { // pay a tranche (0 deposit, 1 balance, 2 full) and report it succeeded
		return []fzStep{fzOp(fzPay, tranche), fzOp(fzReport, 0, tranche%2)}
	}
	life := []fzStep{fzOp(fzCreate), fzOp(fzSubmit), day, fzOp(fzConfirm)}
	life = append(life, paid(0)...)
	life = append(life, fzOp(fzStartProduction), day, fzOp(fzFinishProduction), fzOp(fzInspect, 0))
	life = append(life, paid(1)...)
	shipped := append(slices.Clone(life), fzOp(fzShip, 0, 0, 20), day)
	delivered := append(slices.Clone(shipped), fzOp(fzTrack, 0, 0, 15), fzOp(fzDeliver))
	cat := func(parts ...[]fzStep) []fzStep { return slices.Concat(parts...) }
	return []opsSeedCase{
		{"the whole life", cat(delivered, []fzStep{fzOp(fzConfirmReceipt)}), map[string]order.State{"o1": order.Completed}},
		{"cancelled before payment, and expired unconfirmed",
			[]fzStep{fzOp(fzCreate), fzOp(fzSubmit), fzOp(fzCancel), fzOp(fzCreate).on(1), fzOp(fzSubmit).on(1), fzOp(fzAdvance, 0, 0, 6).on(1), fzOp(fzSweep)},
			map[string]order.State{"o1": order.Cancelled, "o2": order.Expired}},
		{"refunded when called off after payment, expired unpaid",
			cat([]fzStep{fzOp(fzCreate), fzOp(fzSubmit), fzOp(fzConfirm)}, paid(0), []fzStep{fzOp(fzCancel),
				fzOp(fzCreate).on(1), fzOp(fzSubmit).on(1), fzOp(fzConfirm).on(1), fzOp(fzAdvance, 0, 0, 6).on(1), fzOp(fzSweep)}),
			map[string]order.State{"o1": order.Refunded, "o2": order.Expired}},
		{"abandoned in production by the supplier, after a refused cancel by the buyer",
			cat([]fzStep{fzOp(fzCreate), fzOp(fzSubmit), fzOp(fzConfirm)}, paid(0), []fzStep{fzOp(fzStartProduction), fzOp(fzCancel), fzOp(fzCancel).by(fzBySupplier)}),
			map[string]order.State{"o1": order.Refunded}},
		{"a dispute in transit settled with a split",
			cat(shipped, []fzStep{fzOp(fzOpenDispute, 0, 8), fzOp(fzAdvance, 0, 0, 2), fzOp(fzResolveDispute, 4, 8, 0x19)}),
			map[string]order.State{"o1": order.Completed}},
		{"a dispute on delivered goods refunded in full, another resumed with compensation",
			cat(delivered, []fzStep{fzOp(fzOpenDispute, 0, 1), fzOp(fzResolveDispute, 2, 9)},
				[]fzStep{fzOp(fzCreate).on(1), fzOp(fzSubmit).on(1), fzOp(fzConfirm).on(1)}, fzOnO2(paid(0)),
				[]fzStep{fzOp(fzStartProduction).on(1), fzOp(fzOpenDispute, 0, 2).on(1), fzOp(fzResolveDispute, 5, 10).on(1),
					fzOp(fzResolveDispute, 6, 10, 3).on(1)}),
			map[string]order.State{"o1": order.Refunded, "o2": order.InProduction}},
		{"modifications: a draft edited, a change approved, one rejected, one withdrawn, one refused once paid",
			cat([]fzStep{fzOp(fzCreate), fzOp(fzPropose, 0, 0), fzOp(fzSubmit), fzOp(fzConfirm), fzOp(fzPropose, 4, 1), fzOp(fzApprove, 0, 9),
				fzOp(fzPropose, 1, 2).by(fzByBuyer), fzOp(fzReject, 0, 10), fzOp(fzPropose, 0, 3), fzOp(fzWithdrawModification, 0, 8)},
				paid(0), []fzStep{fzOp(fzPropose, 3, 4), fzOp(fzPropose, 0, 0)}),
			map[string]order.State{"o1": order.Paid}},
		{"late shipment compensated by the sweep, then the goods ship and complete",
			cat(life[:len(life)-5], []fzStep{fzOp(fzAdvance, 0, 0, 5), fzOp(fzAdvance, 0, 0, 5), fzOp(fzSweep), fzOp(fzSweep), fzOp(fzFinishProduction), fzOp(fzInspect, 0)},
				paid(1), []fzStep{fzOp(fzShip, 0, 0, 10), fzOp(fzDeliver), fzOp(fzConfirmReceipt)}),
			map[string]order.State{"o1": order.Completed}},
		{"the receipt window extended by both parties, then confirmed by the sweep at its deadline",
			cat(delivered, []fzStep{fzOp(fzExtendReceipt), fzOp(fzExtendReceipt).by(fzBySupplier), fzOp(fzExtendReceipt), fzOp(fzAdvance, 0, 0, 6), fzOp(fzSweep),
				fzOp(fzExtendReceipt)}),
			map[string]order.State{"o1": order.Completed}},
		{"a failed payment paid again, a failed inspection accepted, a full payment by PayPal",
			[]fzStep{fzOp(fzCreate), fzOp(fzSubmit), fzOp(fzConfirm), fzOp(fzPay, 0), fzOp(fzReport, 2, 0), fzOp(fzPay, 0), fzOp(fzReport, 0, 1),
				fzOp(fzStartProduction), fzOp(fzFinishProduction), fzOp(fzInspect, 1), fzOp(fzAcceptInspection), fzOp(fzPay, 1), fzOp(fzReport, 0, 2),
				fzOp(fzCreate, 1, 1).on(1), fzOp(fzSubmit).on(1), fzOp(fzConfirm).on(1).by(fzByBuyer2), fzOp(fzPay, 5, 1).on(1),
				fzOp(fzReport, 0, 0).on(1), fzOp(fzStartProduction).on(1), fzOp(fzFinishProduction).on(1)},
			map[string]order.State{"o1": order.ReadyToShip, "o2": order.ReadyToShip}},
		{"retries with the same key and request, reuses with another, wrong actors and a payment of the other order",
			[]fzStep{fzOp(fzCreate), fzOp(fzRetry, 0, 0), fzOp(fzReuse, 1, 0), fzOp(fzSubmit).key(1), fzOp(fzWithdraw).key(1), fzOp(fzRetry, 0, 3),
				fzOp(fzConfirm).by(fzByBuyer2), fzOp(fzConfirm).by(fzByNobody), fzOp(fzConfirm).by(fzBySupplier), fzOp(fzSubmit).key(2), fzOp(fzConfirm).key(3),
				fzOp(fzPay, 0).key(2), fzOp(fzRetry, 0, 11), fzOp(fzReport).by(fzByBuyer), fzOp(fzReport), fzOp(fzRetry, 0, 14),
				fzOp(fzCreate).on(1), fzOp(fzSubmit).on(1), fzOp(fzConfirm).on(1), fzOp(fzReport, 7).on(1), fzOp(fzRelay), fzOp(fzReuse, 3, 6)},
			map[string]order.State{"o1": order.Paid, "o2": order.AwaitingPayment}},
	}
}

// fzOnO2 returns steps on order o2.
func fzOnO2(steps []fzStep) []fzStep {
	out := make([]fzStep, len(steps))
	for i, st := range steps {
		out[i] = st.on(1)
	}
	return out
}

// orderOpsSeeds are the encoded seeds.
func orderOpsSeeds() [][]byte {
	var seeds [][]byte
	for _, c := range orderOpsSeedCases() {
		seeds = append(seeds, opsSeed(c.steps...))
	}
	return seeds
}

// TestOrderOperationsSeeds runs each seed of FuzzOrderOperations and
// checks that it draws the steps it was written with and ends where it
// was written to, so that the seeds test what they say.
func TestOrderOperationsSeeds(t *testing.T) {
	for _, c := range orderOpsSeedCases() {
		t.Run(c.name, func(t *testing.T) {
			w := newOpsWorld(t)
			h := newOpsHarness(w)
			rapid.MakeFuzz(h.run)(t, opsSeed(c.steps...))
			require.True(t, h.stopped, "the seed ends with its stop")
			require.Len(t, h.log, len(c.steps), "a line per step")
			t.Logf("%d steps, %d refused:\n%s", len(h.log), h.failures, strings.Join(h.log, "\n"))
			for id, want := range c.want {
				o, err := w.svc.Order(context.Background(), id)
				require.NoError(t, err)
				require.Equal(t, want, o.State, "order %s after:\n%s", id, fmt.Sprint(h.log))
			}
		})
	}
}

// mustSum returns a + b, which the fuzzer's amounts never take out of
// Money's range.
func mustSum(a, b payment.Money) payment.Money {
	sum, err := a.Add(b)
	if err != nil {
		panic(err)
	}
	return sum
}

// fzResolver returns by, or the dispute service for a platform agent or a
// system actor resolving a dispute: only the dispute service resolves one,
// for a decision an agent or the sweep made.
func fzResolver(op int, by payment.Actor) payment.Actor {
	if op == fzResolveDispute && (by.Role == payment.RolePlatform || by.Role == payment.RoleSystem) {
		return wDisputes
	}
	return by
}
