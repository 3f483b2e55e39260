package pg_test

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tradeassure/tradeassure/internal/pg"
	"github.com/tradeassure/tradeassure/internal/pgtest"
	"github.com/tradeassure/tradeassure/payment"
)

func TestMoneyRoundTripsThroughNumericExactly(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.Pool(t)
	_, err := pool.Exec(ctx, "CREATE SCHEMA tradeassure; CREATE TABLE amounts (n int PRIMARY KEY, amount numeric(22,4) NOT NULL, currency char(3) NOT NULL)")
	require.NoError(t, err)
	const maxUnits = 999_999_999_999_999_999
	for i, m := range []payment.Money{
		payment.MustParse("12.30", payment.USD),
		payment.MustParse("-0.01", payment.USD),
		payment.MustParse("7", payment.JPY),
		payment.MustParse("1.005", payment.KWD),
		payment.MustParse("0.0001", payment.Currency("CLF")),
		must(payment.FromMinor(maxUnits, payment.JPY)),
		must(payment.FromMinor(-maxUnits, payment.USD)),
		must(payment.FromMinor(maxUnits, payment.Currency("CLF"))),
	} {
		n, err := pg.Numeric(m)
		require.NoError(t, err)
		_, err = pool.Exec(ctx, "INSERT INTO amounts VALUES ($1, $2, $3)", i, n, m.Currency())
		require.NoError(t, err, "insert %v", m)
		var (
			back pgtype.Numeric
			cur  payment.Currency
		)
		require.NoError(t, pool.QueryRow(ctx, "SELECT amount, currency FROM amounts WHERE n = $1", i).Scan(&back, &cur))
		got, err := pg.Money(back, cur)
		require.NoError(t, err)
		assert.True(t, got == m, "%v read back as %v", m, got)
	}
}

func TestMoneyRefusesWhatItsCurrencyCannotHold(t *testing.T) {
	for _, tc := range []struct {
		name string
		n    pgtype.Numeric
	}{
		{"NULL", pgtype.Numeric{}},
		{"NaN", pgtype.Numeric{NaN: true, Valid: true}},
		{"infinity", pgtype.Numeric{InfinityModifier: pgtype.Infinity, Valid: true}},
		{"a tenth of a cent", pgtype.Numeric{Int: big.NewInt(1), Exp: -3, Valid: true}},
		{"more than 18 digits of cents", pgtype.Numeric{Int: big.NewInt(1), Exp: 18, Valid: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pg.Money(tc.n, payment.USD)
			assert.Error(t, err)
		})
	}
	_, err := pg.Numeric(payment.Money{})
	assert.Error(t, err, "the zero Money has no currency")
}

func TestTimeIsWhatTimestamptzKeeps(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.Pool(t)
	for _, in := range []time.Time{
		time.Date(2026, 3, 1, 9, 0, 0, 123_456_789, time.FixedZone("CET", 3600)),
		time.Date(1969, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 1_999, time.UTC),
		time.Now(),
	} {
		var back time.Time
		require.NoError(t, pool.QueryRow(ctx, "SELECT $1::timestamptz", in).Scan(&back))
		want := pg.Time(in)
		assert.True(t, want.Equal(back), "%v: the database keeps %v, Time says %v", in, back, want)
		assert.Equal(t, time.UTC, want.Location())
		assert.Equal(t, want, pg.Time(want), "Time of Time changes nothing")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
