package escrow

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/tradeassure/tradeassure/payment"
)

// Store keeps escrow accounts, each with its ledger and its idempotency
// records, so that a movement, its entries and its record are written in
// one atomic step. Callers implement it over their own database or use
// NewMemoryStore; package escrowtest checks an implementation against this
// contract.
//
// Every method honours ctx and copies values in and out. The store sets
// Version to 1 on create and advances it by one on every update.
type Store interface {
	// Create stores a new account and returns it as stored. It returns an
	// error satisfying errors.Is(err, ErrDuplicate) when an account with
	// that ID exists; exactly one of several concurrent creates succeeds.
	Create(ctx context.Context, a *Account) (*Account, error)

	// Account returns the account with that id, or an error satisfying
	// errors.Is(err, ErrNotFound).
	Account(ctx context.Context, id string) (*Account, error)

	// Update reads the account, applies fn to it and writes the result with
	// its version advanced, returning it as stored. If fn returns an error,
	// nothing is written and the error returned satisfies errors.Is for
	// fn's error. It returns an error satisfying errors.Is(err, ErrNotFound)
	// when there is no such account, and errors.Is(err, ErrConflict) when the
	// account was written by someone else between the read and the write.
	//
	// Update calls fn exactly once, on a copy, and holds no lock while fn
	// runs that would block another Update of the same account: the check is
	// optimistic, on the version, at write time.
	//
	// fn only ever appends to Entries and Operations and never changes ID:
	// a store may write the new entries and records as inserts.
	Update(ctx context.Context, id string, fn func(*Account) error) (*Account, error)

	// Held returns what escrow held across every account at the instant
	// at: the entries stamped at or before it added up, money into escrow
	// less money out, one Money per currency in which anything was held,
	// in the order of the currency codes (nil when nothing was). A total
	// that leaves Money's range is payment.ErrOutOfRange.
	Held(ctx context.Context, at time.Time) ([]payment.Money, error)

	// Revenue returns the platform's fees booked across every account in
	// the half-open interval [from, to): the entries to PlatformFee stamped
	// in it, added up per currency, the fees the supplier bore on its
	// payments (Ref SupplierFeesRef and ServiceFeeRef) apart from the
	// platform's release fees, and of them the service fees (Ref
	// ServiceFeeRef),
	// one Revenue per currency with any fee, in the order of the currency
	// codes (nil when there is none).
	Revenue(ctx context.Context, from, to time.Time) ([]Revenue, error)
}

// Revenue is what the platform earned in one currency over a period (the
// revenue report, Service.Revenue): its fees on releases, and the fees the
// supplier bore on its payments (their processing and the programme's
// service fees), which releases deducted.
type Revenue struct {
	Currency     payment.Currency `json:"currency"`
	ReleaseFees  payment.Money    `json:"release_fees"`
	SupplierFees payment.Money    `json:"supplier_fees"`
	// ServiceFees is the part of SupplierFees that is the programme's
	// service fee.
	ServiceFees payment.Money `json:"service_fees"`
}

// revenue adds up the fee entries of accounts stamped in [from, to), as
// Store.Revenue does: a store that holds its accounts in memory answers
// with it.
func revenue(accounts []*Account, from, to time.Time) ([]Revenue, error) {
	type sums struct{ release, supplier, service int64 }
	by := map[payment.Currency]*sums{}
	for _, a := range accounts {
		var release, supplier, service int64 // within the account's Money range: what it took in bounds what it paid out
		for _, e := range a.Entries {
			switch {
			case e.To != PlatformFee || e.At.Before(from) || !e.At.Before(to):
			case e.Ref == ServiceFeeRef:
				service += e.Amount.Minor()
				supplier += e.Amount.Minor()
			case e.Ref == SupplierFeesRef:
				supplier += e.Amount.Minor()
			default:
				release += e.Amount.Minor()
			}
		}
		if release == 0 && supplier == 0 {
			continue
		}
		s := by[a.Currency]
		if s == nil {
			s = &sums{}
			by[a.Currency] = s
		}
		var err error
		if s.release, err = addWithin(s.release, release, a.Currency); err != nil {
			return nil, err
		}
		if s.supplier, err = addWithin(s.supplier, supplier, a.Currency); err != nil {
			return nil, err
		}
		if s.service, err = addWithin(s.service, service, a.Currency); err != nil {
			return nil, err
		}
	}
	var out []Revenue
	for _, c := range slices.Sorted(maps.Keys(by)) {
		r := Revenue{Currency: c}
		var err error
		if r.ReleaseFees, err = payment.FromMinor(by[c].release, c); err != nil {
			return nil, err
		}
		if r.SupplierFees, err = payment.FromMinor(by[c].supplier, c); err != nil {
			return nil, err
		}
		if r.ServiceFees, err = payment.FromMinor(by[c].service, c); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// held adds up, per currency, the entries of accounts stamped at or
// before at, as Store.Held does: a store that holds its accounts in
// memory answers with it.
func held(accounts []*Account, at time.Time) ([]payment.Money, error) {
	sums := map[payment.Currency]int64{}
	for _, a := range accounts {
		var in int64 // within the account's Money range, after every entry
		for _, e := range a.Entries {
			switch {
			case e.At.After(at):
			case e.To == Escrow:
				in += e.Amount.Minor()
			default:
				in -= e.Amount.Minor()
			}
		}
		var err error
		if sums[a.Currency], err = addWithin(sums[a.Currency], in, a.Currency); err != nil {
			return nil, err
		}
	}
	return heldMoney(sums)
}

// addWithin returns sum + n, two amounts of Money in minor units of cur,
// or payment.ErrOutOfRange when the total leaves Money's range (checked at
// each addition, so that no int64 overflows).
func addWithin(sum, n int64, cur payment.Currency) (int64, error) {
	if _, err := payment.FromMinor(sum+n, cur); err != nil {
		return 0, err
	}
	return sum + n, nil
}

// heldMoney returns the non-zero sums, in minor units, as Money in the
// order of the currency codes.
func heldMoney(sums map[payment.Currency]int64) ([]payment.Money, error) {
	var out []payment.Money
	for _, c := range slices.Sorted(maps.Keys(sums)) {
		if sums[c] == 0 {
			continue
		}
		m, err := payment.FromMinor(sums[c], c)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}
