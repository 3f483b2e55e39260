package payment

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"
)

// BenchmarkFeeQuote measures a quote on the default schedule beside the same
// formula written directly with shopspring/decimal, so that the overhead of
// rule selection, validation and the quote record can be read off one run.
func BenchmarkFeeQuote(b *testing.B) {
	ctx := context.Background()
	s := DefaultSchedule()
	b.Run("schedule/card-apac-mastercard", func(b *testing.B) {
		var sink FeeQuote
		req := FeeRequest{Amount: MustParse("2000.00", USD), Method: Card, Network: Mastercard, Region: AsiaPacific, At: feeAt()}
		b.ReportAllocs()
		for b.Loop() {
			q, err := s.Quote(ctx, req, nil)
			if err != nil || !q.Capped {
				b.Fatal(err)
			}
			sink = q
		}
		_ = sink
	})
	b.Run("schedule/western-union-band", func(b *testing.B) {
		var sink FeeQuote
		req := FeeRequest{Amount: MustParse("750.00", USD), Method: WesternUnion, Region: NorthAmerica, At: feeAt()}
		b.ReportAllocs()
		for b.Loop() {
			q, err := s.Quote(ctx, req, nil)
			if err != nil || q.Band != 4 { // 500.01–750.00
				b.Fatalf("band %d, error %v", q.Band, err)
			}
			sink = q
		}
		_ = sink
	})
	b.Run("schedule/card-apac-mastercard-eur", func(b *testing.B) {
		// The USD cap converted to a EUR payment: the decimal path.
		var sink FeeQuote
		rates := newFakeRates(map[string]string{"USD>EUR": "0.9"})
		req := FeeRequest{Amount: MustParse("2000.00", EUR), Method: Card, Network: Mastercard, Region: AsiaPacific, At: feeAt()}
		b.ReportAllocs()
		for b.Loop() {
			q, err := s.Quote(ctx, req, rates)
			if err != nil || !q.Capped {
				b.Fatal(err)
			}
			sink = q
		}
		_ = sink
	})
	b.Run("bare-shopspring", func(b *testing.B) {
		var sink decimal.Decimal
		amount := decimal.RequireFromString("2000.00")
		rate := decimal.RequireFromString("0.0295")
		fixed := decimal.RequireFromString("0.00")
		limit := decimal.RequireFromString("40.00")
		b.ReportAllocs()
		for b.Loop() {
			fee := amount.Mul(rate).Add(fixed)
			if fee.Cmp(limit) > 0 {
				fee = limit
			}
			sink = fee.RoundBank(2)
		}
		if !sink.Equal(limit) {
			b.Fatalf("fee %s, want %s", sink, limit)
		}
	})
}

// BenchmarkMoney measures the Money operations a quote and a payment use.
func BenchmarkMoney(b *testing.B) {
	a, o := MustParse("12345.67", USD), MustParse("890.12", USD)
	rate := decimal.RequireFromString("0.0299")
	b.Run("Parse", func(b *testing.B) {
		var sink Money
		b.ReportAllocs()
		for b.Loop() {
			m, err := Parse("12345.67", USD)
			if err != nil {
				b.Fatal(err)
			}
			sink = m
		}
		_ = sink
	})
	b.Run("Add", func(b *testing.B) {
		var sink Money
		b.ReportAllocs()
		for b.Loop() {
			m, err := a.Add(o)
			if err != nil {
				b.Fatal(err)
			}
			sink = m
		}
		_ = sink
	})
	b.Run("Mul", func(b *testing.B) {
		var sink Money
		b.ReportAllocs()
		for b.Loop() {
			m, err := a.Mul(rate, RoundHalfEven)
			if err != nil {
				b.Fatal(err)
			}
			sink = m
		}
		_ = sink
	})
	b.Run("Allocate", func(b *testing.B) {
		var sink []Money
		b.ReportAllocs()
		for b.Loop() {
			parts, err := a.Allocate(70, 30)
			if err != nil {
				b.Fatal(err)
			}
			sink = parts
		}
		_ = sink
	})
	b.Run("String", func(b *testing.B) {
		var sink string
		b.ReportAllocs()
		for b.Loop() {
			sink = a.String()
		}
		_ = sink
	})
	b.Run("MarshalJSON", func(b *testing.B) {
		var sink []byte
		b.ReportAllocs()
		for b.Loop() {
			data, err := a.MarshalJSON()
			if err != nil {
				b.Fatal(err)
			}
			sink = data
		}
		_ = sink
	})
}
