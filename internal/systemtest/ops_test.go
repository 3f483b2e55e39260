package systemtest

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/tradeassure/tradeassure/dispute"
	"github.com/tradeassure/tradeassure/order"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// The calls of the public services the sequences make. Each constructor
// returns a call that runs the same request every time, and, for calls
// with an idempotency key, variants that reuse the key for another request.

type orderFunc func(ctx context.Context, by payment.Actor, id, key string) (*order.Order, error)

// orderCall is a call of an order operation that takes an actor, the
// order and a key, and nothing else.
func (m *machine) orderCall(op string, f orderFunc, by payment.Actor, id, key string) *call {
	c := &call{op: op, order: id, desc: fmt.Sprintf("%s %s by %s key %q", op, id, by, key), key: key, mismatch: order.ErrIdempotencyMismatch,
		run: func() (result, error) { o, err := f(m.w.ctx, by, id, key); return result{o: o}, err }}
	// The same key by the order's other party is another request. (The
	// same key for another operation is another key: a caller's key is
	// scoped to the operation.)
	c.variants = append(c.variants, func() *call {
		return m.orderCall(op, f, m.otherParty(id, by), id, key)
	})
	return c
}

// otherParty returns the order's party that by is not (its buyer for
// anyone but the buyer).
func (m *machine) otherParty(id string, by payment.Actor) payment.Actor {
	if o := m.snap.orders[id]; o != nil {
		return otherOf(o.BuyerID, o.SupplierID, by)
	}
	return by
}

// otherOf returns the party of buyerID and supplierID that by is not (the
// buyer for anyone but the buyer).
func otherOf(buyerID, supplierID string, by payment.Actor) payment.Actor {
	if by == payment.Buyer(buyerID) {
		return payment.Supplier(supplierID)
	}
	return payment.Buyer(buyerID)
}

func (m *machine) create(by payment.Actor, req order.CreateRequest) *call {
	c := &call{op: "create", order: req.ID, desc: fmt.Sprintf("create %s by %s for %s: %s", req.ID, by, req.BuyerID, describeTerms(req.Terms)),
		key: req.ID, mismatch: order.ErrIdempotencyMismatch,
		run: func() (result, error) { o, err := m.w.orders.Create(m.w.ctx, by, req); return result{o: o}, err }}
	c.variants = append(c.variants, func() *call {
		other := req
		other.Terms = req.Terms.Clone()
		other.Terms.Route = "another route"
		return m.create(by, other)
	}, func() *call {
		other := req
		for _, b := range m.w.buyers {
			if b.id != req.BuyerID {
				other.BuyerID = b.id
			}
		}
		return m.create(by, other)
	})
	if !m.known(m.orderIDs, req.ID) {
		m.orderIDs = append(m.orderIDs, req.ID)
	}
	return c
}

func describeTerms(t order.Terms) string {
	total, _ := t.Total()
	return fmt.Sprintf("%s %d items, deposit %d%%/%s, ship by %s, deliver by %s, inspection %v, %s",
		total, len(t.Items), t.Schedule.DepositPercent, t.Schedule.DepositAmount, t.ShipBy.Format("2006-01-02"),
		t.DeliverBy.Format("2006-01-02"), t.InspectionRequired, t.Plan)
}

func (m *machine) known(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func (m *machine) submit(by payment.Actor, id, key string) *call {
	return m.orderCall("submit", m.w.orders.Submit, by, id, key)
}

func (m *machine) withdraw(by payment.Actor, id, key string) *call {
	return m.orderCall("withdraw", m.w.orders.Withdraw, by, id, key)
}

func (m *machine) confirm(by payment.Actor, id, key string) *call {
	return m.orderCall("confirm", m.w.orders.Confirm, by, id, key)
}

func (m *machine) startProduction(by payment.Actor, id, key string) *call {
	return m.orderCall("start production", m.w.orders.StartProduction, by, id, key)
}

func (m *machine) finishProduction(by payment.Actor, id, key string) *call {
	return m.orderCall("finish production", m.w.orders.FinishProduction, by, id, key)
}

func (m *machine) acceptInspection(by payment.Actor, id, key string) *call {
	return m.orderCall("accept inspection", m.w.orders.AcceptInspection, by, id, key)
}

func (m *machine) deliver(by payment.Actor, id, key string) *call {
	return m.orderCall("deliver", m.w.orders.Deliver, by, id, key)
}

func (m *machine) extendReceipt(by payment.Actor, id, key string) *call {
	return m.orderCall("extend receipt", m.w.orders.ExtendReceipt, by, id, key)
}

func (m *machine) confirmReceipt(by payment.Actor, id, key string) *call {
	return m.orderCall("confirm receipt", m.w.orders.ConfirmReceipt, by, id, key)
}

func (m *machine) cancel(by payment.Actor, id, key, reason string) *call {
	c := &call{op: "cancel", order: id, desc: fmt.Sprintf("cancel %s by %s key %q (%q)", id, by, key, reason), key: key, mismatch: order.ErrIdempotencyMismatch,
		run: func() (result, error) {
			o, err := m.w.orders.Cancel(m.w.ctx, by, id, key, reason)
			return result{o: o}, err
		}}
	c.variants = append(c.variants, func() *call { return m.cancel(by, id, key, reason+" (again)") })
	return c
}

func (m *machine) recordInspection(by payment.Actor, id, key string, r order.InspectionReport) *call {
	c := &call{op: "record inspection", order: id, desc: fmt.Sprintf("record inspection %s by %s key %q: %s by %s %v", id, by, key, r.Result, r.Agency, r.Defects),
		key: key, mismatch: order.ErrIdempotencyMismatch,
		run: func() (result, error) {
			o, err := m.w.orders.RecordInspection(m.w.ctx, by, id, key, r)
			return result{o: o}, err
		}}
	c.variants = append(c.variants, func() *call {
		other := r
		other.Findings += " (amended)"
		return m.recordInspection(by, id, key, other)
	})
	return c
}

func (m *machine) ship(by payment.Actor, id, key string, e order.TrackingEvent) *call {
	c := &call{op: "ship", order: id, desc: fmt.Sprintf("ship %s by %s key %q (arriving %s)", id, by, key, e.EstimatedArrival.Format("2006-01-02")),
		key: key, mismatch: order.ErrIdempotencyMismatch,
		run: func() (result, error) { o, err := m.w.orders.Ship(m.w.ctx, by, id, key, e); return result{o: o}, err }}
	c.variants = append(c.variants, func() *call {
		other := e
		other.TrackingNumber += "-2"
		return m.ship(by, id, key, other)
	})
	return c
}

func (m *machine) track(by payment.Actor, id, key string, e order.TrackingEvent) *call {
	c := &call{op: "track", order: id, desc: fmt.Sprintf("track %s by %s key %q (arriving %s)", id, by, key, e.EstimatedArrival.Format("2006-01-02")),
		key: key, mismatch: order.ErrIdempotencyMismatch,
		run: func() (result, error) { o, err := m.w.orders.Track(m.w.ctx, by, id, key, e); return result{o: o}, err }}
	c.variants = append(c.variants, func() *call {
		other := e
		other.Location += " (corrected)"
		return m.track(by, id, key, other)
	})
	return c
}

func (m *machine) pay(by payment.Actor, id, key string, req order.PayRequest) *call {
	c := &call{op: "pay", order: id, desc: fmt.Sprintf("pay the %s of %s by %s key %q: %s %s from %s", req.Tranche, id, by, key,
		req.Instrument.Method, req.Instrument.Network, req.BuyerCountry), key: key, mismatch: order.ErrIdempotencyMismatch,
		run: func() (result, error) {
			o, p, err := m.w.orders.Pay(m.w.ctx, by, id, key, req)
			return result{o: o, p: p}, err
		}}
	c.variants = append(c.variants, func() *call {
		other := req
		other.BuyerCountry = "GB"
		if req.BuyerCountry == "GB" {
			other.BuyerCountry = "FR"
		}
		return m.pay(by, id, key, other)
	})
	return c
}

// reportPayment reports a processor's outcome: a webhook, delivered again
// when retried, which must then change nothing if the payment's status is
// the order's record of it already.
func (m *machine) reportPayment(by payment.Actor, id, pid string, out payment.Outcome) *call {
	return &call{op: "report payment", order: id, desc: fmt.Sprintf("report payment %s of %s by %s: %s", pid, id, by, out.Status),
		noop: func(s *snapshot) bool { return m.reported(s, id, pid, out.Status) },
		run: func() (result, error) {
			o, err := m.w.orders.ReportPayment(m.w.ctx, by, id, pid, out)
			return result{o: o}, err
		}}
}

// reported reports whether a report of st on payment pid of order id is
// one the order has had: the payment is at st (or past it, for a report
// of processing), and the order recorded a report of that status.
func (m *machine) reported(s *snapshot, id, pid string, st payment.Status) bool {
	o, p := s.orders[id], s.payments[pid]
	if o == nil || p == nil {
		return false
	}
	if p.Status != st && (st != payment.StatusProcessing || !slices.Contains([]payment.Status{payment.StatusSucceeded,
		payment.StatusFailed, payment.StatusPartiallyRefunded, payment.StatusRefunded}, p.Status)) {
		return false
	}
	ref := "payment/" + pid + "/" + string(p.Status)
	return slices.ContainsFunc(o.History.Actions(), func(a order.Action) bool { return a.Ref == ref })
}

// knowsPayment reports whether order id records payment pid with the
// status the payment has, and that status is st (or st is empty).
func (m *machine) knowsPayment(s *snapshot, id, pid string, st payment.Status) bool {
	o, p := s.orders[id], s.payments[pid]
	if o == nil || p == nil || st != "" && p.Status != st {
		return false
	}
	for _, tp := range o.Payments {
		if tp.PaymentID == pid {
			return tp.Status == p.Status
		}
	}
	return false
}

func (m *machine) syncPayment(by payment.Actor, id, pid string) *call {
	c := &call{op: "sync payment", order: id, desc: fmt.Sprintf("sync payment %s of %s by %s", pid, id, by),
		noop: func(s *snapshot) bool { return m.knowsPayment(s, id, pid, "") },
		run: func() (result, error) {
			o, err := m.w.orders.SyncPayment(m.w.ctx, by, id, pid)
			return result{o: o}, err
		}}
	return c
}

func (m *machine) decidePayment(by payment.Actor, pid string, approve bool) *call {
	return &call{op: "decide payment", payment: pid, desc: fmt.Sprintf("decide payment %s by %s: approve %v", pid, by, approve),
		run: func() (result, error) {
			p, err := m.w.payments.Decide(m.w.ctx, by, pid, approve, "reviewed")
			return result{p: p}, err
		}}
}

func (m *machine) cancelPayment(by payment.Actor, pid string) *call {
	return &call{op: "cancel payment", payment: pid, desc: fmt.Sprintf("cancel payment %s by %s", pid, by),
		noop: func(s *snapshot) bool { p := s.payments[pid]; return p != nil && p.Status == payment.StatusCancelled },
		run: func() (result, error) {
			p, err := m.w.payments.Cancel(m.w.ctx, by, pid, "the buyer changed the card")
			return result{p: p}, err
		}}
}

func (m *machine) freezeBuyer(by payment.Actor, buyer string, frozen bool) *call {
	op := "unfreeze buyer"
	if frozen {
		op = "freeze buyer"
	}
	return &call{op: op, desc: fmt.Sprintf("%s %s by %s", op, buyer, by),
		noop: func(s *snapshot) bool { a := s.risk[buyer]; return a != nil && a.Frozen == frozen },
		run: func() (result, error) {
			var err error
			if frozen {
				_, err = m.w.payments.Freeze(m.w.ctx, by, buyer, "manual review")
			} else {
				_, err = m.w.payments.Unfreeze(m.w.ctx, by, buyer, "cleared")
			}
			return result{}, err
		}}
}

func (m *machine) propose(by payment.Actor, id, modID string, t order.Terms, how string) *call {
	c := &call{op: "propose modification", order: id, desc: fmt.Sprintf("propose modification %s of %s by %s: %s", modID, id, by, how),
		key: "modification/" + modID, mismatch: order.ErrIdempotencyMismatch,
		run: func() (result, error) {
			o, err := m.w.orders.ProposeModification(m.w.ctx, by, id, modID, t)
			return result{o: o}, err
		}}
	c.variants = append(c.variants, func() *call {
		other := t.Clone()
		other.Route += " via Suez"
		return m.propose(by, id, modID, other, how+", another route")
	})
	return c
}

func (m *machine) decideModification(op string, by payment.Actor, id, modID string) *call {
	f := map[string]func(by payment.Actor) (*order.Order, error){
		"approve modification": func(by payment.Actor) (*order.Order, error) {
			return m.w.orders.ApproveModification(m.w.ctx, by, id, modID)
		},
		"reject modification": func(by payment.Actor) (*order.Order, error) {
			return m.w.orders.RejectModification(m.w.ctx, by, id, modID)
		},
		"withdraw modification": func(by payment.Actor) (*order.Order, error) {
			return m.w.orders.WithdrawModification(m.w.ctx, by, id, modID)
		},
	}[op]
	return &call{op: op, order: id, desc: fmt.Sprintf("%s %s of %s by %s", op, modID, id, by),
		key: op + "/" + modID + "/" + by.String(), mismatch: order.ErrIdempotencyMismatch,
		run: func() (result, error) { o, err := f(by); return result{o: o}, err }}
}

// The dispute service's calls.

func (m *machine) openCase(by payment.Actor, req dispute.OpenRequest) *call {
	c := &call{op: "open case", order: req.OrderID, desc: fmt.Sprintf("open case %s on %s by %s: %s for %s with %d items of evidence", req.ID, req.OrderID, by,
		req.Reason, req.Amount, len(req.Evidence)), key: req.ID, mismatch: dispute.ErrIdempotencyMismatch,
		run: func() (result, error) { c, err := m.w.disputes.Open(m.w.ctx, by, req); return result{c: c}, err }}
	c.variants = append(c.variants, func() *call {
		other := req
		other.Description += " (amended)"
		return m.openCase(by, other)
	})
	if !m.known(m.caseIDs, req.ID) {
		m.caseIDs = append(m.caseIDs, req.ID)
	}
	return c
}

type caseFunc func(by payment.Actor, id, key string) (*dispute.Case, error)

// caseCall is a call of a case operation that takes an actor, the case
// and a key.
func (m *machine) caseCall(op string, f caseFunc, by payment.Actor, id, key string) *call {
	c := &call{op: op, cse: id, desc: fmt.Sprintf("%s %s by %s key %q", op, id, by, key), key: key, mismatch: dispute.ErrIdempotencyMismatch,
		run: func() (result, error) { c, err := f(by, id, key); return result{c: c}, err }}
	// The same key by the case's other party is another request. (The
	// same key for another operation is another key.)
	c.variants = append(c.variants, func() *call {
		return m.caseCall(op, f, m.otherCaseParty(id, by), id, key)
	})
	return c
}

// otherCaseParty returns the party of case id that by is not (its buyer
// for anyone but the buyer).
func (m *machine) otherCaseParty(id string, by payment.Actor) payment.Actor {
	if c := m.snap.cases[id]; c != nil {
		return otherOf(c.BuyerID, c.SupplierID, by)
	}
	return by
}

func (m *machine) respond(by payment.Actor, id, key, note string) *call {
	c := m.caseCall("respond", func(by payment.Actor, id, key string) (*dispute.Case, error) {
		return m.w.disputes.Respond(m.w.ctx, by, id, key, note)
	}, by, id, key)
	c.variants = append(c.variants, func() *call { return m.respond(by, id, key, note+" (amended)") })
	return c
}

func (m *machine) escalate(by payment.Actor, id, key string) *call {
	return m.caseCall("escalate", func(by payment.Actor, id, key string) (*dispute.Case, error) {
		return m.w.disputes.Escalate(m.w.ctx, by, id, key)
	}, by, id, key)
}

func (m *machine) withdrawCase(by payment.Actor, id, key string) *call {
	return m.caseCall("withdraw case", func(by payment.Actor, id, key string) (*dispute.Case, error) {
		return m.w.disputes.Withdraw(m.w.ctx, by, id, key)
	}, by, id, key)
}

func (m *machine) decide(by payment.Actor, id, key string) *call {
	return m.caseCall("decide", func(by payment.Actor, id, key string) (*dispute.Case, error) {
		return m.w.disputes.Decide(m.w.ctx, by, id, key)
	}, by, id, key)
}

func (m *machine) appeal(by payment.Actor, id, key, note string) *call {
	c := m.caseCall("appeal", func(by payment.Actor, id, key string) (*dispute.Case, error) {
		return m.w.disputes.Appeal(m.w.ctx, by, id, key, note)
	}, by, id, key)
	c.variants = append(c.variants, func() *call { return m.appeal(by, id, key, note+" (amended)") })
	return c
}

func (m *machine) submitEvidence(by payment.Actor, id string, e dispute.Evidence) *call {
	c := &call{op: "submit evidence", cse: id, desc: fmt.Sprintf("submit evidence %s (%s %s %s) to %s by %s", e.ID, e.Kind, e.Agency, e.Result, id, by),
		key: "evidence/" + e.ID, mismatch: dispute.ErrIdempotencyMismatch,
		run: func() (result, error) {
			c, err := m.w.disputes.SubmitEvidence(m.w.ctx, by, id, e)
			return result{c: c}, err
		}}
	c.variants = append(c.variants, func() *call {
		other := e
		other.URI += "-v2"
		return m.submitEvidence(by, id, other)
	})
	return c
}

func (m *machine) offer(by payment.Actor, id, offerID string, amount payment.Money) *call {
	c := &call{op: "offer", cse: id, desc: fmt.Sprintf("offer %s on %s by %s: %s", offerID, id, by, amount),
		key: "offer/" + offerID, mismatch: dispute.ErrIdempotencyMismatch,
		run: func() (result, error) {
			c, err := m.w.disputes.Offer(m.w.ctx, by, id, offerID, amount)
			return result{c: c}, err
		}}
	c.variants = append(c.variants, func() *call {
		other, err := payment.FromMinor(amount.Minor()+1, amount.Currency())
		if err != nil {
			other = amount
		}
		return m.offer(by, id, offerID, other)
	})
	return c
}

func (m *machine) accept(by payment.Actor, id, offerID string) *call {
	return &call{op: "accept", cse: id, desc: fmt.Sprintf("accept offer %s on %s by %s", offerID, id, by),
		key: "accept/" + offerID, mismatch: dispute.ErrIdempotencyMismatch,
		run: func() (result, error) {
			c, err := m.w.disputes.Accept(m.w.ctx, by, id, offerID)
			return result{c: c}, err
		}}
}

// The sweeps: a failure to move an order or a case is an error of the
// call, which the model expects to succeed.

func (m *machine) sweepOrders() *call {
	return &call{op: "sweep orders", desc: "sweep orders at " + m.w.clock.Now().Format("2006-01-02T15:04:05.999999999"), want: wantOK,
		run: func() (result, error) {
			rep, err := m.w.orders.Sweep(m.w.ctx, m.w.clock.Now())
			if err == nil && len(rep.Failures) > 0 {
				err = fmt.Errorf("the sweep could not move every due order: %w", errors.Join(rep.Failures...))
			}
			if err == nil {
				m.counts[fmt.Sprintf("sweep orders: expired %d, auto-confirmed %d, compensated %d",
					min(len(rep.Expired), 1), min(len(rep.AutoConfirmed), 1), min(len(rep.Compensated), 1))]++
			}
			return result{}, err
		}}
}

func (m *machine) sweepCases() *call {
	return &call{op: "sweep cases", desc: "sweep cases at " + m.w.clock.Now().Format("2006-01-02T15:04:05.999999999"), want: wantOK,
		run: func() (result, error) {
			rep, err := m.w.disputes.Sweep(m.w.ctx, m.w.clock.Now())
			if err == nil && len(rep.Failures) > 0 {
				err = fmt.Errorf("the sweep could not move every due case: %w", errors.Join(rep.Failures...))
			}
			if err == nil {
				m.counts[fmt.Sprintf("sweep cases: escalated %d, expired %d, finalized %d",
					min(len(rep.Escalated), 1), min(len(rep.Expired), 1), min(len(rep.Finalized), 1))]++
			}
			return result{}, err
		}}
}

func (m *machine) runPayouts() *call {
	return &call{op: "run payouts", desc: "run the payouts",
		run: func() (result, error) { _, err := m.w.suppliers.RunPayouts(m.w.ctx, scheduler); return result{}, err }}
}

func (m *machine) requestPayout(id, key string, amount payment.Money) *call {
	c := &call{op: "request payout", desc: fmt.Sprintf("pay supplier %s out %s, key %q", id, amount, key), key: key,
		mismatch: supplier.ErrIdempotencyMismatch,
		run: func() (result, error) {
			p, err := m.w.suppliers.RequestPayout(m.w.ctx, payment.Supplier(id), id, key, supplier.PayoutRequest{Amount: amount})
			return result{po: p}, err
		}}
	c.variants = append(c.variants, func() *call {
		other, _ := payment.FromMinor(amount.Minor()+1, amount.Currency())
		return m.requestPayout(id, key, other)
	})
	return c
}

// reportPayout reports the processor's outcome st of payout pid: a
// webhook, which changes nothing when the payout is at st already, or
// past it for a report of sent.
func (m *machine) reportPayout(id, pid string, st supplier.PayoutStatus) *call {
	return &call{op: "report payout", desc: fmt.Sprintf("report payout %s of supplier %s: %s", pid, id, st),
		noop: func(s *snapshot) bool {
			i := slices.IndexFunc(s.payouts[id], func(p *supplier.Payout) bool { return p.ID == pid })
			return i >= 0 && (s.payouts[id][i].Status == st || st == supplier.PayoutSent && s.payouts[id][i].Status != supplier.PayoutPending)
		},
		run: func() (result, error) {
			p, err := m.w.suppliers.ReportPayout(m.w.ctx, webhooks, id, pid, supplier.PayoutOutcome{Status: st, ProcessorRef: "tr-" + pid})
			return result{po: p}, err
		}}
}
