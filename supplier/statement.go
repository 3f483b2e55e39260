package supplier

import (
	"context"
	"fmt"
	"time"

	"github.com/tradeassure/tradeassure/payment"
)

// MaxStatementEntries is the most entries one Statement holds: a period
// with more is refused (ErrInvalidRequest); ask for shorter ones.
const MaxStatementEntries = 10_000

// Statement is a supplier's balance in one currency over a period: the
// balance it opened with (at From), every entry of the period in the order
// written, what they add up to, and the balance it closed with (at To).
type Statement struct {
	SupplierID string           `json:"supplier_id"`
	Currency   payment.Currency `json:"currency"`
	From       time.Time        `json:"from"`
	To         time.Time        `json:"to"`
	Opening    Balance          `json:"opening"`
	Entries    []BalanceEntry   `json:"entries"`
	// Released is what the period's releases paid the supplier, Fees the
	// platform's fees they took and Withheld what they withheld for the
	// guarantee (beside what they paid), Offset what repaid its
	// receivables from the balance, Payouts what its payouts took from the
	// balance (whatever became of them), Returned what failed or returned
	// payouts put back: what the period paid out is Payouts − Returned.
	Released payment.Money `json:"released"`
	Fees     payment.Money `json:"fees"`
	Withheld payment.Money `json:"withheld"`
	Offset   payment.Money `json:"offset"`
	Payouts  payment.Money `json:"payouts"`
	Returned payment.Money `json:"returned"`
	Closing  Balance       `json:"closing"`
}

// Statement returns the statement of the supplier's balance in cur from
// from (inclusive) to to (exclusive): what it opened with, each
// movement, and what it carried. The supplier itself or a platform agent
// reads it. Its cost is the period's entries, not the supplier's history.
func (s *Service) Statement(ctx context.Context, by payment.Actor, supplierID string, cur payment.Currency, from, to time.Time) (*Statement, error) {
	if err := s.self(by, supplierID, "read statements"); err != nil {
		return nil, err
	}
	if err := payment.CheckLengths(ErrInvalidRequest, payment.CheckID("the supplier id", supplierID)); err != nil {
		return nil, err
	}
	if err := cur.Validate(); err != nil {
		return nil, err
	}
	if !from.Before(to) {
		return nil, invalidf("a statement's period ends after it starts: %s to %s", from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano))
	}
	if _, err := s.store.Supplier(ctx, supplierID); err != nil {
		return nil, err
	}
	before, entries, err := s.store.BalanceEntries(ctx, supplierID, cur, from, to, MaxStatementEntries+1)
	if err != nil {
		return nil, err
	}
	if len(entries) > MaxStatementEntries {
		return nil, invalidf("supplier %s has more than %d entries in %s from %s to %s: ask for a shorter period", supplierID, MaxStatementEntries, cur,
			from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	zero, _ := payment.FromMinor(0, cur)
	st := &Statement{SupplierID: supplierID, Currency: cur, From: from, To: to, Entries: entries,
		Opening: (&Supplier{}).Balance(cur), Released: zero, Fees: zero, Withheld: zero, Offset: zero, Payouts: zero, Returned: zero}
	if before != nil {
		st.Opening = before.Balance
	}
	st.Closing = st.Opening
	for _, e := range entries {
		st.Closing = e.Balance
		var sum *payment.Money
		switch e.Kind {
		case EntryRelease:
			for _, f := range []struct {
				to *payment.Money
				m  payment.Money
			}{{&st.Fees, e.Fees}, {&st.Withheld, e.Withheld}} {
				if f.m == (payment.Money{}) {
					continue
				}
				if *f.to, err = f.to.Add(f.m); err != nil {
					return nil, fmt.Errorf("supplier %s's statement: entry %d: %w", supplierID, e.Seq, err)
				}
			}
			sum = &st.Released
		case EntryOffset:
			sum = &st.Offset
		case EntryPayout:
			sum = &st.Payouts
		case EntryPayoutFailed, EntryPayoutReturned:
			sum = &st.Returned
		default:
			continue // paid: the payout's amount was counted when it left
		}
		if *sum, err = sum.Add(e.Amount); err != nil {
			return nil, fmt.Errorf("supplier %s's statement: entry %d: %w", supplierID, e.Seq, err) // past Money's range, or in another currency: a store's fault
		}
	}
	return st, nil
}
