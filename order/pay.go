package order

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/internal/idem"
	"github.com/tradeassure/tradeassure/payment"
	"github.com/tradeassure/tradeassure/supplier"
)

// PayRequest pays one tranche of the order's schedule.
type PayRequest struct {
	Tranche payment.Tranche `json:"tranche"`
	// Instrument is how the buyer pays. The zero Instrument means the
	// schedule's instrument for the tranche; when the schedule names one,
	// another is an ErrInvalidRequest error.
	Instrument payment.Instrument `json:"instrument"`
	// BuyerCountry is where the buyer pays from: it selects the fee
	// region and the methods allowed.
	BuyerCountry payment.Country `json:"buyer_country"`
	// Credit is the buyer's credit line, for Pay Later.
	Credit *payment.CreditLine `json:"credit,omitempty"`
}

// Pay starts the payment of a tranche by the order's buyer: the payment
// service checks the method's eligibility, quotes the fee and runs the
// risk rules, and records the payment, which the order then records as
// processing (no modification is possible until it settles). The caller
// submits the payment to its processor and reports the outcome with
// ReportPayment; the money reaches escrow then.
//
// The deposit (or the full payment) is payable once the order is
// confirmed, the balance after the deposit and before shipment; a tranche
// that is paid or being paid, or not payable in the order's state, is an
// ErrNotPayable error. The payment service's refusals (*payment.IneligibleError,
// *payment.FrozenError, ...) are returned as they are and record nothing.
// key is the idempotency key of the order's action and, as PaymentKey
// makes it, of the payment.
func (s *Service) Pay(ctx context.Context, by payment.Actor, id, key string, req PayRequest) (*Order, *payment.Payment, error) {
	var p *payment.Payment
	o, err := s.atomic(ctx, func(ctx context.Context) (*Order, error) {
		o, paid, err := s.pay(ctx, by, id, key, req)
		p = paid
		return o, err
	})
	if err != nil {
		return nil, nil, err
	}
	return o, p, nil
}

func (s *Service) pay(ctx context.Context, by payment.Actor, id, key string, req PayRequest) (*Order, *payment.Payment, error) {
	if err := payment.CheckLengths(ErrInvalidRequest, payment.CheckID("the idempotency key", key), payment.CheckID("the order id", id)); err != nil {
		return nil, nil, err
	}
	fp, err := fingerprint("pay", by, req)
	if err != nil {
		return nil, nil, err
	}
	// The order and what the payment service reads of its buyer (the
	// actor, if it may pay), in one round trip where the unit can.
	if payment.ReadsAhead(ctx) {
		payment.Prefetch(ctx, append(s.payments.InitiateReads(by.ID, PaymentKey(id, key)),
			func(ctx context.Context) error { _, err := s.store.Order(ctx, id); return err })...)
	}
	o, err := s.store.Order(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if err := payment.RequireRole(by, "pay an order", payment.RoleBuyer); err != nil {
		return nil, nil, err
	}
	if !o.party(by) {
		return nil, nil, &payment.ActorError{Actor: by, Action: "pay order " + o.ID}
	}
	pkey := PaymentKey(o.ID, key)
	if a, ok := o.action("pay", callerKey(key)); ok {
		// A replay returns the payment the first call made, whatever
		// happened to the order and its terms since.
		if a.Fingerprint != fp {
			return nil, nil, mismatch(o, callerKey(key), a)
		}
		p, err := s.payments.PaymentByKey(ctx, o.BuyerID, pkey)
		if err != nil {
			return nil, nil, err
		}
		return o, p, nil
	}
	if err := s.open(o, latest(s.clock.Now(), o.UpdatedAt)); err != nil {
		return nil, nil, err
	}
	due, err := o.payable(req, false)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.payments.Initiate(ctx, by, pkey, payment.InitiateRequest{
		OrderID: o.ID, Tranche: due.Tranche, BuyerID: o.BuyerID, BuyerCountry: req.BuyerCountry,
		Instrument: due.Instrument, Amount: due.Amount, Credit: req.Credit, Order: o.feeFacts(),
	})
	if err != nil {
		return nil, nil, err
	}
	// In the unit of work with the payment: when another request paid
	// the tranche first, this payment is not recorded either.
	o, err = s.act(ctx, by, id, callerKey(key), "pay", fp, s.clock.Now(), func(c *change) error {
		if _, err := c.o.payable(req, false); err != nil {
			return err
		}
		c.o.Payments = append(c.o.Payments, tranchePayment(p))
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return o, p, nil
}

// PaymentKey returns the idempotency key under which Pay records a
// payment with the payment service, for the order's id and the caller's
// key of the Pay call: "order/" and the hex SHA-256 of the two, each
// prefixed with its length. The payment service's keys are the buyer's
// and the caller's are the order's: no two orders' payments share a key,
// and the key's length does not grow with the id's.
func PaymentKey(orderID, key string) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%d:%s%d:%s", len(orderID), orderID, len(key), key))
	return "order/" + hex.EncodeToString(sum[:])
}

// tranchePayment returns what the order records of a payment.
func tranchePayment(p *payment.Payment) TranchePayment {
	tp := TranchePayment{Tranche: p.Tranche, PaymentID: p.ID, Amount: p.Amount, SupplierFee: p.Fee.SupplierFee, Status: p.Status}
	if l, ok := p.Fee.Line(payment.ServiceFee); ok && l.SupplierFee.IsPositive() {
		tp.ServiceFee = l.SupplierFee
	}
	return tp
}

// knows reports whether the order's record of a payment is up to date
// with p: paid into escrow (and refunded, if at all, by the order's own
// actions), returned as unapplied, or in p's status while it has not
// succeeded.
func (tp TranchePayment) knows(p *payment.Payment) bool {
	if tp.Unapplied.Code != "" {
		return true
	}
	if !tp.PaidAt.IsZero() {
		return p.Status == payment.StatusSucceeded || p.Refunded().IsPositive()
	}
	return tp.Status == p.Status && p.Status != payment.StatusSucceeded
}

// feeFacts are what the payment's fees may depend on about the order:
// placed when the buyer confirmed it, its value, and what it sells and how
// it ships (the supplier's service fee).
func (o *Order) feeFacts() payment.OrderFacts {
	total, _ := o.Total() // valid terms: Validate checked the total fits
	return payment.OrderFacts{PlacedAt: o.ConfirmedAt, Value: total, Goods: o.Terms.Goods, Shipping: o.Terms.Shipping}
}

// payable returns the schedule's line for the tranche req pays, with the
// instrument to use, or an error when it cannot be paid now; anyState
// skips the checks of the order's state and payments (a quote).
func (o *Order) payable(req PayRequest, anyState bool) (Due, error) {
	dues, err := o.Terms.Tranches()
	if err != nil {
		return Due{}, err
	}
	i := slices.IndexFunc(dues, func(d Due) bool { return d.Tranche == req.Tranche })
	if i < 0 {
		return Due{}, invalidf("order %s has no %q tranche", o.ID, string(req.Tranche))
	}
	due := dues[i]
	switch {
	case due.Instrument == (payment.Instrument{}):
		due.Instrument = req.Instrument
	case req.Instrument != (payment.Instrument{}) && req.Instrument != due.Instrument:
		return Due{}, invalidf("order %s's %s is paid by %s, not %s", o.ID, due.Tranche, due.Instrument.Method, req.Instrument.Method)
	}
	if anyState {
		return due, nil
	}
	states := []State{AwaitingPayment}
	if due.Tranche == payment.Balance {
		states = []State{Paid, InProduction, AwaitingInspection, ReadyToShip}
	}
	if !slices.Contains(states, o.State) {
		return Due{}, fmt.Errorf("%w: the %s of order %s is not payable in state %s", ErrNotPayable, due.Tranche, o.ID, o.State)
	}
	for _, p := range o.Payments {
		if p.Tranche == due.Tranche && (p.pending() || !p.PaidAt.IsZero()) {
			return Due{}, fmt.Errorf("%w: the %s of order %s is paid or being paid (payment %s)", ErrNotPayable, due.Tranche, o.ID, p.PaymentID)
		}
	}
	return due, nil
}

// ReportPayment records what the processor said about one of the order's
// payments (payment.Service.Report, by a system or platform actor; a
// payment of another order is an ErrInvalidRequest error and is not
// touched) and
// follows it on the order. When the payment succeeded its money is held
// in escrow; the first payment also moves the order to Paid and reserves
// the order's coverage on the supplier's limit. A failed or cancelled
// payment frees the tranche to be paid again.
//
// Processor webhooks arrive twice and late: ReportPayment is idempotent per
// payment and status, whoever reports. A payment the order did not record
// (Pay crashed after the payment service recorded it) is adopted when it is
// exactly what its tranche is owed, by the order's buyer. Money the
// processor took is never refused: money the order cannot apply (its
// tranche paid already by another payment, the order ended, another
// buyer's payment, another amount or currency) is booked into the order's
// escrow account and returned to the buyer at once (escrow.Service.Return,
// which a freeze does not stop, and a refund on the payment record), with
// its reason in TranchePayment.Unapplied and in the action's note.
func (s *Service) ReportPayment(ctx context.Context, by payment.Actor, id, paymentID string, out payment.Outcome) (*Order, error) {
	return s.atomic(ctx, func(ctx context.Context) (*Order, error) {
		s.prefetch(ctx, id, paymentID)
		if _, err := s.orderPayment(ctx, id, paymentID); err != nil {
			return nil, err
		}
		p, err := s.payments.Report(ctx, by, paymentID, out)
		if err != nil {
			return nil, err
		}
		return s.recordPayment(ctx, by, id, p)
	})
}

// SyncPayment brings the order up to date with one of its payments as the
// payment service has it, after a change that reached the payment without
// a processor report: a held or suspended payment a platform agent approved
// or rejected (payment.Service.Decide), a payment cancelled
// (payment.Service.Cancel). Until then the order counts such a payment as
// processing. A system or platform actor syncs; syncing a payment the order
// already knows as it is changes nothing.
func (s *Service) SyncPayment(ctx context.Context, by payment.Actor, id, paymentID string) (*Order, error) {
	if err := payment.RequireRole(by, "sync an order's payment", payment.RoleSystem, payment.RolePlatform); err != nil {
		return nil, err
	}
	return s.atomic(ctx, func(ctx context.Context) (*Order, error) {
		p, err := s.orderPayment(ctx, id, paymentID)
		if err != nil {
			return nil, err
		}
		return s.recordPayment(ctx, by, id, p)
	})
}

// orderPayment returns payment paymentID, or an ErrInvalidRequest error
// when it is another order's.
func (s *Service) orderPayment(ctx context.Context, id, paymentID string) (*payment.Payment, error) {
	p, err := s.payments.Payment(ctx, paymentID)
	if err != nil {
		return nil, err
	}
	if p.OrderID != id {
		return nil, invalidf("payment %s is for order %s, not %s", p.ID, p.OrderID, id)
	}
	return p, nil
}

// recordPayment records payment p's status on order id, and, when it
// succeeded, holds its money in escrow.
func (s *Service) recordPayment(ctx context.Context, by payment.Actor, id string, p *payment.Payment) (*Order, error) {
	// The reference and fingerprint name the payment and its status, not
	// the reporter: a webhook and an agent reporting the same outcome are
	// one report. The reference is the service's own: no caller's key
	// reaches it.
	ref := "payment/" + p.ID + "/" + string(p.Status)
	fp, err := fingerprint("report_payment", payment.Actor{}, ref)
	if err != nil {
		return nil, err
	}
	return s.act(ctx, by, id, ownKey(ref), "report_payment", fp, s.clock.Now(), func(c *change) error {
		i := slices.IndexFunc(c.o.Payments, func(tp TranchePayment) bool { return tp.PaymentID == p.ID })
		if i >= 0 && c.o.Payments[i].knows(p) {
			return idem.ErrUnchanged
		}
		adopted := i < 0
		// Whether the order can apply the payment is judged on the order
		// as it was before the payment was recorded on it.
		why := c.o.unapplied(p, adopted)
		if adopted {
			// A payment the order did not record (Pay crashed after the
			// payment service recorded it) is followed while it may still
			// succeed only when it is what the order is owed.
			if p.Status != payment.StatusSucceeded && tranchePayment(p).pending() && !c.o.State.Final() && why.Code != "" {
				return invalidf("order %s does not follow payment %s: %s", c.o.ID, p.ID, why.Text)
			}
			c.o.Payments = append(c.o.Payments, tranchePayment(p))
			i = len(c.o.Payments) - 1
		}
		tp := &c.o.Payments[i]
		tp.Status = p.Status
		if p.Status != payment.StatusSucceeded || !tp.PaidAt.IsZero() {
			return nil
		}
		// The processor has the buyer's money: it is booked, applied to
		// the order or returned.
		if why.Code != "" {
			s.returnUnapplied(c, tp, why)
			return nil
		}
		first := !c.o.Paid().IsPositive()
		tp.PaidAt = c.now
		if c.o.State == AwaitingPayment {
			if err := c.fire(PaymentReceived); err != nil {
				return err
			}
		}
		hold := escrow.HoldRequest{Amount: tp.Amount, PaymentID: p.ID, Memo: string(tp.Tranche)}
		c.escrowOp(func(ctx context.Context, key string) (*escrow.Receipt, error) {
			return s.escrow.Hold(ctx, s.actor, c.o.ID, key, hold)
		})
		if first {
			s.reserveCoverage(c)
		}
		return nil
	})
}

// The codes of TranchePayment.Unapplied: why the order could not apply a
// payment's money, which was returned to the buyer.
const (
	ReasonPaymentOrderEnded  = "order.payment.order_ended"  // the order had ended (cancelled, expired, refunded, completed)
	ReasonPaymentNotPayable  = "order.payment.not_payable"  // the tranche was paid or being paid, or is not payable in the order's state
	ReasonPaymentTranchePaid = "order.payment.tranche_paid" // another payment paid the tranche first
	ReasonPaymentAmount      = "order.payment.amount"       // not the amount the tranche is owed
	ReasonPaymentBuyer       = "order.payment.buyer"        // another buyer's payment
	ReasonPaymentCurrency    = "order.payment.currency"     // not in the order's currency
)

// unapplied returns why the order cannot apply payment p's money, or the
// zero Reason when it can. A payment the order initiated (Pay) is applied
// unless the order has ended or another payment paid its tranche first; an
// adopted one only when it is exactly what its tranche is owed now, by the
// order's buyer.
func (o *Order) unapplied(p *payment.Payment, adopted bool) payment.Reason {
	switch {
	case p.Amount.Currency() != o.Terms.Currency:
		return payment.Reason{Code: ReasonPaymentCurrency, Text: fmt.Sprintf("payment %s is in %s, the order in %s", p.ID, p.Amount.Currency(), o.Terms.Currency)}
	case p.BuyerID != o.BuyerID:
		return payment.Reason{Code: ReasonPaymentBuyer, Text: fmt.Sprintf("payment %s is buyer %s's, the order buyer %s's", p.ID, p.BuyerID, o.BuyerID)}
	case o.State.Final():
		return payment.Reason{Code: ReasonPaymentOrderEnded, Text: fmt.Sprintf("payment %s succeeded after the order ended (%s)", p.ID, o.State)}
	}
	if !adopted {
		for _, other := range o.Payments {
			if other.PaymentID != p.ID && other.Tranche == p.Tranche && !other.PaidAt.IsZero() {
				return payment.Reason{Code: ReasonPaymentTranchePaid, Text: fmt.Sprintf("the %s was paid by payment %s first", p.Tranche, other.PaymentID)}
			}
		}
		return payment.Reason{}
	}
	due, err := o.payable(PayRequest{Tranche: p.Tranche, Instrument: p.Instrument}, false)
	switch {
	case err != nil:
		return payment.Reason{Code: ReasonPaymentNotPayable, Text: err.Error()}
	case p.Amount != due.Amount:
		return payment.Reason{Code: ReasonPaymentAmount, Text: fmt.Sprintf("payment %s is %s; the %s is %s", p.ID, p.Amount, due.Tranche, due.Amount)}
	}
	return payment.Reason{}
}

// returnUnapplied records why the order cannot apply payment tp, which
// succeeded, and returns its money to the buyer: booked into an escrow
// account and out again (escrow.Service.Return), opening the account first
// if there is none yet, and refunded on the payment record. The account is
// the order's, or for money in another currency than the order's the
// order's returns account in that currency (ReturnAccount): every amount a
// processor took is in a ledger.
func (s *Service) returnUnapplied(c *change, tp *TranchePayment, why payment.Reason) {
	tp.Unapplied = why
	c.note = why.Code + ": " + why.Text
	acct, amount := c.o.ID, tp.Amount
	if amount.Currency() != c.o.Terms.Currency {
		acct = ReturnAccount(c.o.ID, amount.Currency())
	}
	s.openEscrow(c, acct, amount.Currency())
	paymentID := tp.PaymentID
	c.escrowOp(func(ctx context.Context, key string) (*escrow.Receipt, error) {
		return s.escrow.Return(ctx, s.actor, acct, key, escrow.HoldRequest{Amount: amount, PaymentID: paymentID, Memo: why.Code})
	})
	s.refundRecord(c, paymentID, amount)
}

// ReturnAccountPrefix begins the id of every returns account
// (ReturnAccount); no order's id may begin with it.
const ReturnAccountPrefix = "returns/"

// ReturnAccount returns the id of the escrow account in which the order
// with that id books and returns money paid to it in cur, another currency
// than the order's: ReturnAccountPrefix, the currency code, "/" and the
// hex SHA-256 of the order's id (an order's own account keeps one
// currency, and the id's length does not grow with the order id's).
func ReturnAccount(orderID string, cur payment.Currency) string {
	sum := sha256.Sum256([]byte(orderID))
	return ReturnAccountPrefix + string(cur) + "/" + hex.EncodeToString(sum[:])
}

// Coverage returns how much of what the buyer paid into the order the
// programme covers now, given the part of the supplier's limit reserved
// for the order.
func (s *Service) Coverage(ctx context.Context, id string) (coverage.Coverage, error) {
	o, err := s.store.Order(ctx, id)
	if err != nil {
		return coverage.Coverage{}, err
	}
	limit := o.Coverage.Limit
	if limit == (payment.Money{}) {
		limit, _ = payment.FromMinor(0, o.Terms.Currency)
	}
	return s.coverage.Covered(o.Facts(), limit)
}

// Quote answers, before the buyer pays a tranche, how much of it and of
// the whole order the programme will cover: against the reservation the
// order holds, or, before the first payment, against what the supplier's
// limit has available now. An order above the supplier's limit, or a
// balance the pre-shipment plan does not protect, is never a surprise: the
// quote of the deposit tells the whole order's cover (coverage.Quote.Whole).
func (s *Service) Quote(ctx context.Context, id string, tranche payment.Tranche) (coverage.Quote, error) {
	o, err := s.store.Order(ctx, id)
	if err != nil {
		return coverage.Quote{}, err
	}
	due, err := o.payable(PayRequest{Tranche: tranche}, true)
	if err != nil {
		return coverage.Quote{}, err
	}
	limit := o.Coverage.Limit
	if limit == (payment.Money{}) {
		sup, err := s.suppliers.Supplier(ctx, o.SupplierID)
		if err != nil {
			return coverage.Quote{}, err
		}
		if limit, _, err = s.available(ctx, o, sup, s.clock.Now()); err != nil {
			return coverage.Quote{}, err
		}
	}
	q, err := s.coverage.Quote(o.Facts(), due.Tranche, due.Amount, limit)
	if err == nil && o.Coverage.Uncovered.Code != "" {
		q.Reasons = append(q.Reasons, o.Coverage.Uncovered)
		q.Whole.Reasons = append(q.Whole.Reasons, o.Coverage.Uncovered)
	}
	return q, err
}

// available returns what the supplier's limit has available for the
// order, in the order's currency (rounded down, so never more than the
// limit) and in the limit's. A supplier that is not enrolled has none.
func (s *Service) available(ctx context.Context, o *Order, sup *supplier.Supplier, at time.Time) (inOrder, inLimit payment.Money, err error) {
	inLimit = sup.Available()
	if sup.Status != supplier.StatusEnrolled || inLimit == (payment.Money{}) {
		zero, _ := payment.FromMinor(0, o.Terms.Currency)
		return zero, inLimit, nil
	}
	inOrder, _, err = payment.ConvertAt(ctx, s.rates, inLimit, o.Terms.Currency, at, payment.RoundDown)
	return inOrder, inLimit, err
}
