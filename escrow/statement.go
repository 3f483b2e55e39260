package escrow

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tradeassure/tradeassure/payment"
)

// Statement is an account's ledger as a reader wants it: every entry with
// the escrow balance after it, and the totals.
type Statement struct {
	AccountID  string           `json:"account_id"`
	BuyerID    string           `json:"buyer_id"`
	SupplierID string           `json:"supplier_id"`
	Currency   payment.Currency `json:"currency"`
	Frozen     bool             `json:"frozen"`
	Closed     bool             `json:"closed"`
	Lines      []StatementLine  `json:"lines"`
	Balance    Balance          `json:"balance"`
}

// StatementLine is one entry and the escrow balance right after it.
type StatementLine struct {
	Entry
	InEscrow payment.Money `json:"in_escrow"`
}

// Statement returns the account's statement.
func (a *Account) Statement() (*Statement, error) {
	b, err := a.Balance()
	if err != nil {
		return nil, err
	}
	st := &Statement{
		AccountID: a.ID, BuyerID: a.BuyerID, SupplierID: a.SupplierID, Currency: a.Currency,
		Frozen: a.Frozen, Closed: a.Closed, Balance: b, Lines: make([]StatementLine, len(a.Entries)),
	}
	var in int64 // Balance verified the ledger: every entry is a valid movement
	for i, e := range a.Entries {
		if e.To == Escrow {
			in += e.Amount.Minor()
		} else {
			in -= e.Amount.Minor()
		}
		m, err := payment.FromMinor(in, a.Currency)
		if err != nil {
			return nil, err
		}
		st.Lines[i] = StatementLine{Entry: e, InEscrow: m}
	}
	return st, nil
}

// String renders the statement as a text table.
func (st *Statement) String() string {
	var b strings.Builder
	state := "open"
	switch {
	case st.Closed:
		state = "closed"
	case st.Frozen:
		state = "frozen"
	}
	fmt.Fprintf(&b, "escrow %s (buyer %s, supplier %s, %s), %s\n", st.AccountID, st.BuyerID, st.SupplierID, st.Currency, state)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "#\tdate\tfrom\tto\tamount\tin escrow\t")
	for _, l := range st.Lines {
		to := string(l.To)
		switch l.Ref {
		case SupplierFeesRef:
			to += " (supplier's fees)"
		case ServiceFeeRef:
			to += " (service fee)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t\n", l.Seq, l.At.UTC().Format("2006-01-02"), l.From, to,
			l.Amount.Amount().StringFixed(int32(st.Currency.MinorUnits())),
			l.InEscrow.Amount().StringFixed(int32(st.Currency.MinorUnits())))
	}
	tw.Flush()
	bal := st.Balance
	if bal.Guaranteed.IsPositive() || bal.Recovered.IsPositive() {
		fmt.Fprintf(&b, "held %s + guaranteed %s = released %s + fees %s + refunded %s + compensated %s + recovered %s + remaining %s\n",
			bal.Held, bal.Guaranteed, bal.Released, bal.Fees, bal.Refunded, bal.Compensated, bal.Recovered, bal.Remaining)
		return b.String()
	}
	fmt.Fprintf(&b, "held %s = released %s + fees %s + refunded %s + compensated %s + remaining %s\n",
		bal.Held, bal.Released, bal.Fees, bal.Refunded, bal.Compensated, bal.Remaining)
	return b.String()
}

// Statement returns the statement of account id.
func (s *Service) Statement(ctx context.Context, id string) (*Statement, error) {
	a, err := s.store.Account(ctx, id)
	if err != nil {
		return nil, err
	}
	return a.Statement()
}

// Liability is the escrow liability report: what escrow held for buyers
// across every account at the instant at, per currency, in the order of
// the currency codes (Store.Held): the sum of the accounts' remaining
// balances at that instant. The in-memory store reads every account; the
// PostgreSQL one reads only the entries stamped at or before at.
func (s *Service) Liability(ctx context.Context, at time.Time) ([]payment.Money, error) {
	if at.IsZero() {
		return nil, invalidf("the liability report needs an instant")
	}
	return s.store.Held(ctx, at)
}

// Revenue is the platform's revenue report: its fees booked across every
// account in [from, to), per currency (Store.Revenue), the fees on
// releases apart from those the supplier bore on its payments.
func (s *Service) Revenue(ctx context.Context, from, to time.Time) ([]Revenue, error) {
	if from.IsZero() || to.IsZero() || !from.Before(to) {
		return nil, invalidf("the revenue report needs a period: from %s before to %s", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	return s.store.Revenue(ctx, from, to)
}

// Entries returns the ledger of account id, oldest first.
func (s *Service) Entries(ctx context.Context, id string) ([]Entry, error) {
	a, err := s.store.Account(ctx, id)
	if err != nil {
		return nil, err
	}
	return a.Entries, nil
}
