package supplier

import "math/bits"

// u128 is an unsigned 128-bit integer, hi×2⁶⁴ + lo: what the evaluation of
// a supplier computes in (evaluator), so that its exact fractions need no
// math/big, and no allocation, while their numbers fit. Every operation
// that could overflow reports it.
type u128 struct{ hi, lo uint64 }

// mul64 returns a × b, which always fits.
func mul64(a, b uint64) u128 {
	hi, lo := bits.Mul64(a, b)
	return u128{hi, lo}
}

// add returns x + y, and false when the sum does not fit.
func (x u128) add(y u128) (u128, bool) {
	lo, carry := bits.Add64(x.lo, y.lo, 0)
	hi, carry := bits.Add64(x.hi, y.hi, carry)
	return u128{hi, lo}, carry == 0
}

// mul returns x × y, and false when the product does not fit.
func (x u128) mul(y uint64) (u128, bool) {
	hi, lo := bits.Mul64(x.lo, y)
	over, mid := bits.Mul64(x.hi, y)
	hi, carry := bits.Add64(hi, mid, 0)
	return u128{hi, lo}, over == 0 && carry == 0
}

// divmod returns x / d and x mod d, for d > 0.
func (x u128) divmod(d uint64) (u128, uint64) {
	q := u128{hi: x.hi / d}
	var r uint64
	q.lo, r = bits.Div64(x.hi%d, x.lo, d)
	return q, r
}

// cmp returns -1, 0 or +1 as x is less than, equal to or greater than y.
func (x u128) cmp(y u128) int {
	switch {
	case x.hi < y.hi || x.hi == y.hi && x.lo < y.lo:
		return -1
	case x == y:
		return 0
	}
	return 1
}

// int64 returns x, and false when it does not fit an int64.
func (x u128) int64() (int64, bool) {
	return int64(x.lo), x.hi == 0 && x.lo <= 1<<63-1
}

// gcd returns the greatest common divisor of a and b (binary GCD: shifts
// and subtractions, no division); gcd(0, b) is b.
func gcd(a, b uint64) uint64 {
	if a == 0 {
		return b
	}
	if b == 0 {
		return a
	}
	shift := bits.TrailingZeros64(a | b)
	a >>= bits.TrailingZeros64(a)
	for b != 0 {
		b >>= bits.TrailingZeros64(b)
		if a > b {
			a, b = b, a
		}
		b -= a
	}
	return a << shift
}
