package payment_test

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/tradeassure/tradeassure/payment"
)

// Amounts are read from decimal strings in a currency, never from floats;
// each currency has its own minor unit.
func ExampleParse() {
	for _, in := range []struct {
		amount string
		cur    payment.Currency
	}{
		{"1250.5", payment.USD},
		{"1250", payment.JPY},
		{"1.25", payment.KWD},
		{"12.345", payment.USD},
		{"1e3", payment.USD},
	} {
		m, err := payment.Parse(in.amount, in.cur)
		switch {
		case errors.Is(err, payment.ErrTooPrecise):
			fmt.Printf("%s %s: too precise, round it explicitly\n", in.amount, in.cur)
		case err != nil:
			fmt.Println(err)
		default:
			fmt.Printf("%s (%d minor units)\n", m, m.Minor())
		}
	}
	// Output:
	// USD 1250.50 (125050 minor units)
	// JPY 1250 (1250 minor units)
	// KWD 1.250 (1250 minor units)
	// 12.345 USD: too precise, round it explicitly
	// payment: malformed amount: "1e3" in USD
}

// A deposit and balance split of an order total: the parts always add up
// to the total, to the last cent.
func ExampleMoney_Allocate() {
	total := payment.MustParse("10000.01", payment.USD)
	parts, err := total.Allocate(30, 70)
	if err != nil {
		fmt.Println(err)
		return
	}
	sum, _ := parts[0].Add(parts[1])
	fmt.Println("deposit:", parts[0])
	fmt.Println("balance:", parts[1])
	fmt.Println("sum:    ", sum)
	// Output:
	// deposit: USD 3000.00
	// balance: USD 7000.01
	// sum:     USD 10000.01
}

// Multiplying by a rate needs a rounding rule: half-even unless you say
// otherwise.
func ExampleMoney_Mul() {
	amount := payment.MustParse("0.50", payment.USD)
	rate := decimal.RequireFromString("0.25") // 0.125 exactly: a tie
	even, _ := amount.Mul(rate, payment.RoundHalfEven)
	up, _ := amount.Mul(rate, payment.RoundHalfUp)
	fmt.Println(even, up)
	// Output: USD 0.12 USD 0.13
}

// Money never mixes currencies silently.
func ExampleMoney_Add() {
	_, err := payment.MustParse("10.00", payment.USD).Add(payment.MustParse("10.00", payment.EUR))
	var mismatch *payment.CurrencyMismatchError
	fmt.Println(errors.As(err, &mismatch), err)
	// Output: true payment: currency mismatch: want USD, got EUR
}

// On the wire the amount is a string with exactly the currency's decimals.
func ExampleMoney_MarshalJSON() {
	b, _ := json.Marshal(payment.MustParse("12.3", payment.USD))
	fmt.Println(string(b))
	var m payment.Money
	err := json.Unmarshal([]byte(`{"amount":"5","currency":"KWD"}`), &m)
	fmt.Println(m, err)
	// Output:
	// {"amount":"12.30","currency":"USD"}
	// KWD 5.000 <nil>
}
