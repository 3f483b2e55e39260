package testkit

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/tradeassure/tradeassure/payment"
)

// HostileLimit is the deadline of one hostile call (see Hostile): well
// below go test's timeout (10 minutes by default), so that a hang is
// reported as the call that hung, and far above what any call takes, even
// on a million items under -race on a busy machine.
const HostileLimit = 2 * time.Minute

// MB is the length of the long strings the hostile tests pass: a
// mebibyte.
const MB = 1 << 20

// Hostile runs call, a call of the public API with hostile input, on a
// goroutine of its own with a context that ends after HostileLimit, and
// returns what it returned. A panic stops the test with the panic and its
// stack; a call still running when the context ends (one that ignores it)
// stops the test as a hang, and its goroutine is left behind, which the
// package's goleak check reports too. It never judges how fast a call is:
// only that it finishes.
func Hostile[V any](t testing.TB, call func(ctx context.Context) (V, error)) (V, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), HostileLimit)
	defer cancel()
	type result struct {
		v     V
		err   error
		panic string
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if p := recover(); p != nil {
				r.panic = fmt.Sprintf("%v\n%s", p, debug.Stack())
			}
			done <- r
		}()
		r.v, r.err = call(ctx)
	}()
	select {
	case r := <-done:
		if r.panic != "" {
			t.Fatalf("the call panicked: %s", r.panic)
		}
		return r.v, r.err
	case <-ctx.Done():
		t.Fatalf("the call has not returned after %v: a hang", HostileLimit)
		panic("unreachable")
	}
}

// HostileErr is Hostile for a call that returns only an error.
func HostileErr(t testing.TB, call func(ctx context.Context) error) error {
	t.Helper()
	_, err := Hostile(t, func(ctx context.Context) (struct{}, error) { return struct{}{}, call(ctx) })
	return err
}

// RequireErr stops the test unless errors.Is(err, want) and, when as is
// not nil, errors.As(err, as). It quotes the error cut short: a hostile
// call's error may carry a mebibyte of its input.
func RequireErr(t testing.TB, err, want error, as any) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got error %s, want %v", Short(fmt.Sprint(err)), want)
	}
	if as != nil && !errors.As(err, as) {
		t.Fatalf("error %s is not a %T", Short(err.Error()), as)
	}
}

// Short returns s cut to its first 200 bytes, with the length it had, for
// messages about hostile input.
func Short(s string) string {
	if len(s) <= 200 {
		return s
	}
	return fmt.Sprintf("%s… (%d bytes)", strings.ToValidUTF8(s[:200], ""), len(s))
}

// ID returns an id of exactly payment.MaxIDLen bytes: prefix, then as
// many 'x' as fill it.
func ID(prefix string) string { return fill(prefix, payment.MaxIDLen) }

// Text returns a text of exactly payment.MaxTextLen bytes: prefix, then as
// many 'x' as fill it.
func Text(prefix string) string { return fill(prefix, payment.MaxTextLen) }

func fill(prefix string, n int) string { return prefix + strings.Repeat("x", max(n-len(prefix), 0)) }

// Long returns a string of MB bytes: prefix, then as many 'x' as fill it.
func Long(prefix string) string {
	return prefix + strings.Repeat("x", max(MB-len(prefix), 0))
}

// NotAmounts returns texts that some reader would take for a number but
// that are not plain decimals (digits with at most one decimal point
// between digits, and an optional leading minus): NaN and infinities,
// exponents, hexadecimal, digit grouping, surrounding or leading spaces,
// a bare or a leading point, a plus sign, digits of other scripts, and a
// mebibyte of digits with a space at its end. Each is a fresh slice.
func NotAmounts() []string {
	return []string{
		"NaN", "nan", "Inf", "+Inf", "-Inf", "Infinity", "1e400", "1E2", "0x10", "0b1", "1_000", "1,000.00",
		" 1", "1 ", "\t1", "1\n", "1.", ".5", "-.5", "1.2.3", "+1", "--1", "-", "", "١٢٣", "１２３", "٣.٥", "1\x00",
		strings.Repeat("9", MB-1) + " ",
	}
}

// NotCurrencies returns texts that are not active ISO 4217 currency
// codes, though some look like one: the code for no currency, lower
// case, empty, symbols, spaces, full-width letters, precious metals and
// testing codes, a withdrawn code, codes of other lengths, and a mebibyte
// that starts with USD. Each is a fresh slice.
func NotCurrencies() []string {
	return []string{
		"XXX", "usd", "Usd", "", "US$", "$", "USD ", " USD", "ＵＳＤ", "XAU", "XTS", "HRK", "US", "USDD", "U\x00D",
		Long("USD"),
	}
}
