package pg

import (
	"fmt"
	"math/big"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"

	"github.com/tradeassure/tradeassure/payment"
)

// The conversions between the SDK's values and PostgreSQL's columns that
// every store makes the same way.
//
// Money is a NUMERIC column beside a char(3) currency column, never a
// float: Numeric writes the amount exactly, with the currency's decimals,
// and Money reads it back, refusing anything its currency cannot hold, so
// that what is read compares == with what was written. A NUMERIC(22,4)
// column holds every Money: at most 18 digits of minor units, at most 4
// decimals.
//
// Times are timestamptz columns, which keep microseconds: Time is what the
// database keeps of an instant, and a store returns Time of every instant it
// writes, so that what Create or Update returns equals what a later read
// returns.

// Numeric returns m's amount as a NUMERIC with exactly the currency's
// decimals. The zero Money, which has no currency, is an error.
func Numeric(m payment.Money) (pgtype.Numeric, error) {
	if err := m.Currency().Validate(); err != nil {
		return pgtype.Numeric{}, fmt.Errorf("pg: amount %v: %w", m, err)
	}
	return pgtype.Numeric{Int: big.NewInt(m.Minor()), Exp: -int32(m.Currency().MinorUnits()), Valid: true}, nil
}

// Money returns the NUMERIC n as an amount of c. It fails for NULL, NaN
// and infinities, and for an amount c cannot hold exactly (more decimals
// than c has, or out of Money's range): it never rounds.
func Money(n pgtype.Numeric, c payment.Currency) (payment.Money, error) {
	if !n.Valid || n.NaN || n.InfinityModifier != pgtype.Finite || n.Int == nil {
		return payment.Money{}, fmt.Errorf("pg: %+v is not an amount of %s", n, c)
	}
	return payment.FromDecimal(decimal.NewFromBigInt(n.Int, n.Exp), c)
}

// Time returns what a timestamptz column keeps of t: the instant truncated
// to the microsecond, in UTC, without a monotonic clock reading.
func Time(t time.Time) time.Time {
	return t.Truncate(time.Microsecond).UTC()
}
