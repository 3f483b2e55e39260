package supplier

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/tradeassure/tradeassure/internal/idem"
	"github.com/tradeassure/tradeassure/payment"
)

// Receivable is what the supplier owes the programme's guarantee for one
// of its orders: what the guarantee paid the buyer when a claim was
// decided for the buyer after the order's money had been released to the
// supplier. It is recovered from the supplier's next releases in its
// currency (Service.RecoverReceivables), oldest first, until nothing is
// outstanding; a settled receivable stays on the supplier, as its
// history and the proof that it is not charged twice.
type Receivable struct {
	OrderID    string        `json:"order_id"`
	CaseID     string        `json:"case_id,omitempty"` // the dispute case that decided it
	Amount     payment.Money `json:"amount"`            // in the order's currency
	Recovered  payment.Money `json:"recovered"`         // of Amount, so far
	At         time.Time     `json:"at"`
	Recoveries []Recovery    `json:"recoveries,omitempty"`
}

// Recovery is one repayment of part of a Receivable: what the release of
// order OrderID withheld from the supplier for it, or, with no OrderID,
// what was taken from the supplier's payable balance (Balance.Offset).
type Recovery struct {
	OrderID string        `json:"order_id,omitempty"`
	Amount  payment.Money `json:"amount"`
	At      time.Time     `json:"at"`
}

// Outstanding returns what is left to recover of r.
func (r Receivable) Outstanding() payment.Money {
	m, _ := r.Amount.Sub(r.Recovered) // one currency, and Recovered ≤ Amount: RecoverReceivables checks
	return m
}

// Owed returns what the supplier owes the guarantee in cur: the
// outstanding receivables in that currency (zero when there are none).
func (s *Supplier) Owed(cur payment.Currency) payment.Money {
	var units int64
	for _, r := range s.Receivables {
		if r.Amount.Currency() == cur {
			units += r.Outstanding().Minor()
		}
	}
	m, _ := payment.FromMinor(units, cur) // each receivable is a Money of cur; their sum is checked when charged
	return m
}

// ReceivableRequest charges the supplier what the guarantee paid a buyer
// on order OrderID after its money was released.
type ReceivableRequest struct {
	OrderID string        `json:"order_id"`
	CaseID  string        `json:"case_id,omitempty"`
	Amount  payment.Money `json:"amount"`
}

// ChargeReceivable records that the supplier owes the guarantee
// req.Amount for order req.OrderID (the order service does, when it pays
// a claim decided after release; a platform agent may). What the supplier
// has available in the currency repays it at once (Balance.Offset); the
// rest is recovered from its next releases. It is idempotent
// per order: the same request again changes nothing, another for the same
// order is ErrIdempotencyMismatch. A suspended or removed supplier is
// charged like any other.
func (s *Service) ChargeReceivable(ctx context.Context, by payment.Actor, supplierID string, req ReceivableRequest) (*Supplier, error) {
	if err := payment.RequireRole(by, "charge receivables", payment.RoleSystem, payment.RolePlatform); err != nil {
		return nil, err
	}
	if req.OrderID == "" {
		return nil, invalidf("a receivable names its order")
	}
	if err := payment.CheckLengths(ErrInvalidRequest, payment.CheckID("the supplier id", supplierID), payment.CheckID("the order id", req.OrderID),
		payment.CheckID("the case id", req.CaseID)); err != nil {
		return nil, err
	}
	if err := req.Amount.Currency().Validate(); err != nil {
		return nil, err
	}
	if !req.Amount.IsPositive() {
		return nil, fmt.Errorf("%w: a receivable of %s", payment.ErrInvalidAmount, req.Amount)
	}
	nothing := func(context.Context) error { return nil }
	return s.history(ctx, "charge_receivable", supplierID, nothing, func(sup *Supplier, j *journal, now time.Time) error {
		if i := slices.IndexFunc(sup.Receivables, func(r Receivable) bool { return r.OrderID == req.OrderID }); i >= 0 {
			if r := sup.Receivables[i]; r.Amount != req.Amount || r.CaseID != req.CaseID {
				return fmt.Errorf("%w: order %s owes %s already (case %s)", ErrIdempotencyMismatch, req.OrderID, r.Amount, r.CaseID)
			}
			return idem.ErrUnchanged
		}
		if _, err := sup.Owed(req.Amount.Currency()).Add(req.Amount); err != nil {
			return err // what the supplier owes would leave Money's range
		}
		zero, _ := payment.FromMinor(0, req.Amount.Currency())
		sup.Receivables = append(sup.Receivables, Receivable{OrderID: req.OrderID, CaseID: req.CaseID, Amount: req.Amount, Recovered: zero, At: now})
		sup.offset(j, req.Amount.Currency(), now)
		return nil
	}, nothing)
}

// RecoverReceivables records that the release of order orderID withheld
// amount from the supplier for the guarantee (the Recovery entry of the
// release, escrow.ReleaseRequest.Recover): it repays the outstanding
// receivables in amount's currency, oldest first. It is never more than
// the supplier owes in that currency (ErrInvalidAmount otherwise). It is
// idempotent per releasing order: recording the same order's recovery
// again changes nothing; another amount for it is ErrIdempotencyMismatch.
func (s *Service) RecoverReceivables(ctx context.Context, by payment.Actor, supplierID, orderID string, amount payment.Money) (*Supplier, error) {
	if err := payment.RequireRole(by, "recover receivables", payment.RoleSystem, payment.RolePlatform); err != nil {
		return nil, err
	}
	if orderID == "" {
		return nil, invalidf("a recovery names the order whose release withheld it")
	}
	if err := payment.CheckLengths(ErrInvalidRequest, payment.CheckID("the supplier id", supplierID), payment.CheckID("the order id", orderID)); err != nil {
		return nil, err
	}
	if err := amount.Currency().Validate(); err != nil {
		return nil, err
	}
	if !amount.IsPositive() {
		return nil, fmt.Errorf("%w: a recovery of %s", payment.ErrInvalidAmount, amount)
	}
	cur := amount.Currency()
	return s.reserve(ctx, "recover_receivables", supplierID, func(sup *Supplier, now time.Time) error {
		var before int64
		for _, r := range sup.Receivables {
			for _, rc := range r.Recoveries {
				if rc.OrderID == orderID {
					before += rc.Amount.Minor()
				}
			}
		}
		switch {
		case before == amount.Minor():
			return idem.ErrUnchanged
		case before != 0:
			return fmt.Errorf("%w: the release of order %s recovered %d minor units already", ErrIdempotencyMismatch, orderID, before)
		}
		if owed := sup.Owed(cur); amount.Minor() > owed.Minor() {
			return fmt.Errorf("%w: a recovery of %s is above the %s the supplier owes", payment.ErrInvalidAmount, amount, owed)
		}
		sup.repay(amount, orderID, now)
		return nil
	})
}
