// Command fees prints the programme's fee table: what a payment of one
// amount costs with every payment method, for a buyer in every region,
// under payment.DefaultSchedule(), and which of those payments
// payment.DefaultEligibilityRules() refuse; and the supplier's service
// fee on top of it when the order's goods are given.
//
//	go run ./examples/fees                           # USD 2000.00, as a text table
//	go run ./examples/fees -amount 400.00 -explain   # and why each cell says what it says
//	go run ./examples/fees -currency EUR -json       # the same table as JSON
//	go run ./examples/fees -placed 2018-06-03        # an order placed before cards went from 2.4% to 2.95%
//	go run ./examples/fees -goods custom -shipping platform_logistics -order 4000.00
//	                                                 # a deposit of a custom order: the supplier's 1% on top
//
// The order facts are optional: -placed is the day the order was placed
// (the card fee is chosen by it; without it the quote date stands in),
// -goods (wholesale or custom) and -shipping (platform_logistics or
// other_logistics) choose the supplier's service fee, and -order is the
// whole order's value, which chooses its band (the payment amount when
// not given). The cells show the method fee; the service fee, the same
// whatever the method, is a line under the table.
//
// Rows are the methods of payment.Methods(). A method paid with a card
// network gets one row per network the schedule prices on its own (today
// Mastercard, for its Asia-Pacific cap) and one row for every other network;
// a method whose networks the schedule does not tell apart (Apple Pay,
// Google Pay) gets one row. Columns are payment.Regions(), each with one
// buyer: AU, US, BR, DE and AE. That buyer holds an unused Pay Later line
// of the largest size the programme accepts, so that "n/a" comes from a
// method's own rules (Western Union and e-Checking for US buyers only, the
// card limit, Western Union's limit, the largest line) and not from a
// missing credit line.
//
// A cell reads:
//
//	59.80     the fee, in the payment's currency, as FeeSchedule.Quote gives it
//	40.00*    the fee, lowered to the rule's cap
//	15.00+    the fee, raised to the rule's minimum
//	59.80?    the fee; whether the buyer may use the method is not known,
//	          as a limit is in another currency and the program has no rates
//	n/a       the eligibility rules refuse the method to the region's buyer
//	          at this amount (the fee is not shown, whether or not there is one)
//	—         no fee rule prices the payment (with the default rules never
//	          seen: Western Union above its last band is refused first)
//	no rate   the fee rule has an amount in another currency (a cap, a fixed
//	          fee, a band) and the program has no exchange rates
//
// The text output explains the marks it uses under the table; the JSON
// output carries the same cells, each with its text, the full quote and the
// eligibility reasons. With -explain, every cell also gets its reason: the
// schedule's Explain line for a fee, the eligibility reasons for "n/a", the
// SDK's error otherwise.
//
// The program has no exchange rates and guesses none: in another currency
// than USD it prints every fee it can price (percentages) and marks the
// others "no rate". Fees are quoted as of a fixed date, quotedAt, never the
// wall clock, so two runs print the same bytes.
//
// The exit status is 2 for a bad command line (an unknown flag or argument,
// an unknown currency, an amount that is not a positive amount of the
// currency), with the usage line on stderr, and 1 when the SDK fails
// unexpectedly or the output cannot be written.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tradeassure/tradeassure/payment"
)

func main() {
	err := run(context.Background(), os.Stdout, os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "fees:", err)
	}
	os.Exit(exitCode(err))
}

// exitCode is the process status for what run returned: 0 for nil, 2 for a
// bad command line, 1 for any other failure.
func exitCode(err error) int {
	var u *usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &u):
		return 2
	}
	return 1
}

// usage is the command line, printed after every usage error and by -h.
const usage = "usage: fees [-amount 2000.00] [-currency USD] [-placed 2026-02-20] [-goods wholesale|custom] " +
	"[-shipping platform_logistics|other_logistics] [-order 5000.00] [-json] [-explain]"

// usageError is a bad command line. Its text ends with the usage line.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() + "\n" + usage }

// Unwrap returns the problem, so that callers can match the SDK's errors.
func (e *usageError) Unwrap() error { return e.err }

// badUsage returns a usageError saying what is wrong.
func badUsage(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// quotedAt is when the fees are quoted: the schedule's rules in force at
// this instant apply. It is a constant so that the output never depends on
// the day the program runs.
var quotedAt = time.Date(2026, time.March, 2, 0, 0, 0, 0, time.UTC)

// options is the parsed command line.
type options struct {
	amount  payment.Money
	order   payment.OrderFacts
	json    bool
	explain bool
}

// run parses args, builds the table and writes it to w: text by default,
// JSON with -json. A bad command line is a *usageError and writes
// nothing; -h writes the usage and the flags and succeeds.
func run(ctx context.Context, w io.Writer, args []string) error {
	opts, help, err := parseArgs(args)
	if err != nil {
		return err
	}
	if help != "" {
		_, err := io.WriteString(w, help)
		return err
	}
	t, err := build(ctx, opts)
	if err != nil {
		return err
	}
	if opts.json {
		return writeJSON(w, t)
	}
	return writeText(w, t, opts.explain)
}

// parseArgs reads the command line. With -h it returns the help text.
func parseArgs(args []string) (opts options, help string, err error) {
	fs := flag.NewFlagSet("fees", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	amount := fs.String("amount", "2000.00", "the payment `amount`, a plain decimal with at most the currency's decimals")
	currency := fs.String("currency", "USD", "the payment's ISO 4217 `code`")
	placed := fs.String("placed", "", "the `day` the order was placed, YYYY-MM-DD (UTC); none by default")
	goods := fs.String("goods", "", "the order's goods, `wholesale or custom`, for the supplier's service fee")
	shipping := fs.String("shipping", "", "how the order ships, `platform_logistics or other_logistics`")
	orderValue := fs.String("order", "", "the whole order's `value` in the currency, at least the amount; the amount by default")
	fs.BoolVar(&opts.json, "json", false, "print the table as one JSON document")
	fs.BoolVar(&opts.explain, "explain", false, "say why each cell says what it says: the schedule's Explain line, the eligibility reasons or the error")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			var b strings.Builder
			b.WriteString(usage + "\n")
			fs.SetOutput(&b)
			fs.PrintDefaults()
			return opts, b.String(), nil
		}
		return opts, "", &usageError{err: err}
	}
	if fs.NArg() > 0 {
		return opts, "", badUsage("unexpected argument %q", fs.Arg(0))
	}

	cur, err := payment.ParseCurrency(*currency)
	switch {
	case err != nil && *currency != strings.ToUpper(*currency):
		return opts, "", badUsage("-currency %q: %w (ISO 4217 codes are upper case: %s)", *currency, err, strings.ToUpper(*currency))
	case err != nil:
		return opts, "", badUsage("-currency %q: %w", *currency, err)
	}
	opts.amount, err = payment.Parse(*amount, cur)
	switch {
	case errors.Is(err, payment.ErrTooPrecise):
		return opts, "", badUsage("-amount %q: %w; %s has %d decimals", *amount, err, cur, cur.MinorUnits())
	case err != nil:
		return opts, "", badUsage("-amount %q: %w", *amount, err)
	case !opts.amount.IsPositive():
		return opts, "", badUsage("-amount %q: %w: a payment must be above zero", *amount, payment.ErrInvalidAmount)
	}
	return opts, "", parseOrder(&opts, *placed, *goods, *shipping, *orderValue)
}

// parseOrder reads the order facts of the command line into opts.order.
func parseOrder(opts *options, placed, goods, shipping, value string) error {
	o := &opts.order
	if placed != "" {
		t, err := time.Parse(time.DateOnly, placed)
		switch {
		case err != nil:
			return badUsage("-placed %q: not a day YYYY-MM-DD", placed)
		case t.After(quotedAt):
			return badUsage("-placed %q: after the day the fees are quoted, %s", placed, quotedAt.Format(time.DateOnly))
		}
		o.PlacedAt = t
	}
	if o.Goods = payment.Goods(goods); goods != "" && !o.Goods.Valid() {
		return badUsage("-goods %q: not wholesale or custom", goods)
	}
	if o.Shipping = payment.Shipping(shipping); shipping != "" && !o.Shipping.Valid() {
		return badUsage("-shipping %q: not platform_logistics or other_logistics", shipping)
	}
	switch {
	case value != "":
		v, err := payment.Parse(value, opts.amount.Currency())
		if err != nil {
			return badUsage("-order %q: %w", value, err)
		}
		if c, err := v.Cmp(opts.amount); err != nil || c < 0 {
			return badUsage("-order %q: %w: the order's value is below the payment amount %s", value, payment.ErrInvalidAmount, opts.amount)
		}
		o.Value = v
	case goods != "":
		o.Value = opts.amount
	}
	return nil
}

// table is what the program prints. The text and the JSON are both written
// from it, so they never disagree.
type table struct {
	At     time.Time          `json:"at"`     // the rules in force at this time apply
	Amount payment.Money      `json:"amount"` // the payment quoted
	Order  payment.OrderFacts `json:"order,omitzero"`
	// Service is the supplier's service fee, the same line in every quoted
	// cell; nil when no service fee rule applies.
	Service *payment.FeeLine `json:"service_fee,omitempty"`
	// ServiceExplain says how the service fee was reached.
	ServiceExplain string              `json:"service_fee_explain,omitempty"`
	Credit         *payment.CreditLine `json:"buyer_credit_line,omitempty"`
	Cols           []column            `json:"columns"`
	Rows           []row               `json:"rows"`
	Legend         []legendLine        `json:"legend"` // the marks the cells use
}

// column is a region and the buyer whose eligibility its cells show.
type column struct {
	Region payment.Region  `json:"region"`
	Buyer  payment.Country `json:"buyer_country"`
}

// row is one way of paying, quoted in every region.
type row struct {
	Label   string              `json:"label"`
	Method  payment.Method      `json:"method"`
	Network payment.CardNetwork `json:"network,omitempty"` // the network quoted, for methods that have one
	// OtherNetworks says that the row stands for every network the schedule
	// does not price on its own; Network is one of them.
	OtherNetworks bool   `json:"other_networks,omitempty"`
	Cells         []cell `json:"cells"`
}

// cell is one method in one region.
type cell struct {
	Region payment.Region `json:"region"`
	Text   string         `json:"text"` // as the text table shows it: "40.00*", "n/a", …
	// Eligible is whether the region's buyer may pay this way; null when
	// it cannot be decided without an exchange rate.
	Eligible         *bool            `json:"eligible"`
	Reasons          []payment.Reason `json:"reasons,omitempty"`           // why not, when not eligible
	EligibilityError string           `json:"eligibility_error,omitempty"` // why it is not decided
	// Quote is the schedule's quote, also for a method the buyer may not
	// use; nil when there is none, and QuoteError says why.
	Quote      *payment.FeeQuote `json:"quote,omitempty"`
	QuoteError string            `json:"quote_error,omitempty"`
	Explain    string            `json:"explain,omitempty"` // with -explain: why the cell says Text
}

// The marks a cell may carry, with their meaning as the legend prints it.
const (
	markCapped     = "*"
	markMin        = "+"
	markUndecided  = "?"
	markIneligible = "n/a"
	markNoRule     = "—"
	markNoRate     = "no rate"
)

// legendLine is one mark and what it means.
type legendLine struct {
	Mark    string `json:"mark"`
	Meaning string `json:"meaning"`
}

// legend is every mark in the order the text prints them.
var legend = []legendLine{
	{markCapped, "capped: the fee is lowered to the rule's cap"},
	{markMin, "the fee is raised to the rule's minimum"},
	{markUndecided, "the fee, but whether the buyer may pay this way is not decided: a limit is in another currency and the program has no exchange rates"},
	{markIneligible, "not eligible: the eligibility rules refuse the method to the region's buyer at this amount (-explain says why)"},
	{markNoRule, "not priced: no fee rule applies to this payment"},
	{markNoRate, "not priced: the fee rule has an amount in another currency and the program has no exchange rates"},
}

// buyers is the buyer of each region: the country whose eligibility the
// region's column shows.
var buyers = map[payment.Region]payment.Country{
	payment.AsiaPacific:      "AU",
	payment.NorthAmerica:     "US",
	payment.LatinAmerica:     "BR",
	payment.Europe:           "DE",
	payment.MiddleEastAfrica: "AE",
}

// methodNames are the methods as people call them.
var methodNames = map[payment.Method]string{
	payment.Card: "Card", payment.WireTransfer: "T/T", payment.OnlineBankTransfer: "Online bank transfer",
	payment.PayLater: "Pay Later", payment.WesternUnion: "Western Union", payment.ECheck: "e-Checking",
	payment.PayPal: "PayPal", payment.Alipay: "Alipay", payment.ApplePay: "Apple Pay", payment.GooglePay: "Google Pay",
}

// network is a card network and its name.
type network struct {
	id   payment.CardNetwork
	name string
}

// networks are the card networks, in the order the program picks the one
// that stands for "other networks", with their names.
var networks = []network{
	{payment.Visa, "Visa"}, {payment.Mastercard, "Mastercard"}, {payment.Amex, "Amex"},
	{payment.Discover, "Discover"}, {payment.JCB, "JCB"}, {payment.UnionPay, "UnionPay"},
	{payment.OtherNetwork, "other"},
}

// nameOf returns the name of a method or a network, or its code when the
// program does not know it.
func nameOf[K ~string](names map[K]string, k K) string {
	if n, ok := names[k]; ok {
		return n
	}
	return string(k)
}

// rowsOf returns the table's rows, without cells: one per method, and for
// a method with card networks one per network that a rule of s in force at
// t names, then one for all the others.
func rowsOf(s *payment.FeeSchedule, t time.Time) []row {
	named := map[payment.Method][]payment.CardNetwork{}
	for _, r := range s.Rules() {
		inForce := !t.Before(r.From) && (r.Until.IsZero() || t.Before(r.Until))
		if inForce && r.Network != "" && !slices.Contains(named[r.Method], r.Network) {
			named[r.Method] = append(named[r.Method], r.Network)
		}
	}
	netNames := map[payment.CardNetwork]string{}
	for _, n := range networks {
		netNames[n.id] = n.name
	}
	var rows []row
	for _, m := range payment.Methods() {
		name := nameOf(methodNames, m)
		if !m.HasNetwork() {
			rows = append(rows, row{Label: name, Method: m})
			continue
		}
		for _, n := range named[m] {
			rows = append(rows, row{Label: name + " (" + nameOf(netNames, n) + ")", Method: m, Network: n})
		}
		i := slices.IndexFunc(networks, func(n network) bool { return !slices.Contains(named[m], n.id) })
		if i < 0 {
			continue // every network has its own row
		}
		other := row{Label: name, Method: m, Network: networks[i].id, OtherNetworks: true}
		if len(named[m]) > 0 {
			other.Label += " (other networks)"
		}
		rows = append(rows, other)
	}
	return rows
}

// build quotes every cell of the table.
func build(ctx context.Context, opts options) (*table, error) {
	fees, rules := payment.DefaultSchedule(), payment.DefaultEligibilityRules()
	t := &table{At: quotedAt, Amount: opts.amount, Order: opts.order}
	if rules.PayLaterMaxLine != (payment.Money{}) && len(rules.PayLaterTermsDays) > 0 {
		unused, err := payment.FromMinor(0, rules.PayLaterMaxLine.Currency())
		if err != nil {
			return nil, err
		}
		t.Credit = &payment.CreditLine{Limit: rules.PayLaterMaxLine, Used: unused, TermDays: rules.PayLaterTermsDays[0]}
	}
	for _, region := range payment.Regions() {
		country := buyers[region]
		if r, ok := country.Region(); !ok || r != region {
			return nil, fmt.Errorf("no buyer country for region %s", region)
		}
		t.Cols = append(t.Cols, column{Region: region, Buyer: country})
	}
	used := map[string]bool{}
	for _, r := range rowsOf(fees, t.At) {
		for _, col := range t.Cols {
			c, marks, err := quoteCell(ctx, fees, rules, t, r, col)
			if err != nil {
				return nil, fmt.Errorf("%s in %s: %w", r.Label, col.Region, err)
			}
			if !opts.explain {
				c.Explain = ""
			}
			for _, m := range marks {
				used[m] = true
			}
			if t.Service == nil && c.Quote != nil {
				if l, ok := c.Quote.Line(payment.ServiceFee); ok {
					t.Service, t.ServiceExplain = &l, serviceExplain(fees.Explain(*c.Quote))
				}
			}
			r.Cells = append(r.Cells, c)
		}
		t.Rows = append(t.Rows, r)
	}
	for _, l := range legend {
		if used[l.Mark] {
			t.Legend = append(t.Legend, l)
		}
	}
	return t, nil
}

// quoteCell quotes the fee of row r for the buyer of col and checks that
// the buyer may pay that way. It returns the cell and the marks its text
// uses. What the SDK refuses as expected (no fee rule, no exchange rate, a
// method the buyer may not use) is the cell's content; any other error is
// returned.
func quoteCell(ctx context.Context, fees *payment.FeeSchedule, rules payment.EligibilityRules, t *table, r row, col column) (cell, []string, error) {
	c := cell{Region: col.Region}
	q, qerr := fees.Quote(ctx, payment.FeeRequest{
		Amount: t.Amount, Method: r.Method, Network: r.Network, Region: col.Region, At: t.At, Order: t.Order,
	}, nil)
	switch {
	case qerr == nil:
		c.Quote = &q
	case errors.Is(qerr, payment.ErrNoFeeRule), errors.Is(qerr, payment.ErrNoRate):
		c.QuoteError = qerr.Error()
	default:
		return c, nil, qerr
	}

	var refused *payment.IneligibleError
	eerr := rules.Check(ctx, payment.EligibilityRequest{
		Instrument:   payment.Instrument{Method: r.Method, Network: r.Network},
		BuyerCountry: col.Buyer, Amount: t.Amount, At: t.At, Credit: t.Credit,
	}, nil)
	switch {
	case eerr == nil:
		c.Eligible = ptr(true)
	case errors.As(eerr, &refused):
		c.Eligible, c.Reasons = ptr(false), refused.Reasons
	case errors.Is(eerr, payment.ErrNoRate):
		c.EligibilityError = eerr.Error()
	default:
		return c, nil, eerr
	}

	var marks []string
	switch {
	case c.Eligible != nil && !*c.Eligible:
		marks = append(marks, markIneligible)
		c.Text, c.Explain = markIneligible, payment.WithReasons("not eligible", c.Reasons)
	case errors.Is(qerr, payment.ErrNoFeeRule):
		marks = append(marks, markNoRule)
		c.Text, c.Explain = markNoRule, c.QuoteError
	case qerr != nil:
		marks = append(marks, markNoRate)
		c.Text, c.Explain = markNoRate, c.QuoteError
	default:
		method, _ := q.Line(payment.MethodFee)
		c.Text, c.Explain = method.Fee.Amount().StringFixed(int32(method.Fee.Currency().MinorUnits())), fees.Explain(q)
		switch {
		case q.Capped:
			marks = append(marks, markCapped)
		case q.RaisedToMin:
			marks = append(marks, markMin)
		}
		if c.Eligible == nil {
			marks = append(marks, markUndecided)
			c.Explain += "; eligibility not decided: " + c.EligibilityError
		}
		c.Text += strings.Join(marks, "")
	}
	return c, marks, nil
}

// serviceExplain returns the service fee's part of a quote's Explain
// line: from "service fee" to the total.
func serviceExplain(line string) string {
	_, after, ok := strings.Cut(line, "; service fee")
	if !ok {
		return ""
	}
	before, _, _ := strings.Cut(after, "; total ")
	return "service fee" + before
}

// ptr returns a pointer to a new copy of v.
func ptr[T any](v T) *T { return &v }

// writeText writes the table for people, then the legend of the marks it
// uses and, with explain, one line per cell saying why.
func writeText(w io.Writer, t *table, explain bool) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Fee on a %s payment, by method and buyer region\n", t.Amount)
	who := make([]string, len(t.Cols))
	for i, col := range t.Cols {
		who[i] = fmt.Sprintf("%s (%s)", col.Buyer, col.Region)
	}
	fmt.Fprintf(&b, "payment.DefaultSchedule() in force on %s; payment.DefaultEligibilityRules() for a buyer in %s",
		t.At.Format(time.DateOnly), strings.Join(who, ", "))
	if t.Credit != nil {
		fmt.Fprintf(&b, "\nwith an unused Pay Later line of %s, %d days", t.Credit.Limit, t.Credit.TermDays)
	}
	if o := t.Order; o != (payment.OrderFacts{}) {
		var facts []string
		if !o.PlacedAt.IsZero() {
			facts = append(facts, "placed "+o.PlacedAt.Format(time.DateOnly))
		}
		if o.Value != (payment.Money{}) {
			facts = append(facts, "worth "+o.Value.String())
		}
		if o.Goods != "" {
			facts = append(facts, string(o.Goods)+" goods")
		}
		if o.Shipping != "" {
			facts = append(facts, "shipped by "+string(o.Shipping))
		}
		fmt.Fprintf(&b, "\nfor an order %s", strings.Join(facts, ", "))
	}
	b.WriteString("\n\n")

	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "method")
	for _, col := range t.Cols {
		fmt.Fprintf(tw, "\t%s", col.Region)
	}
	fmt.Fprintln(tw)
	for _, r := range t.Rows {
		fmt.Fprint(tw, r.Label)
		for _, c := range r.Cells {
			fmt.Fprintf(tw, "\t%s", c.Text)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()

	if t.Service != nil {
		fmt.Fprintf(&b, "\nOn top of every method fee, the supplier's service fee: %s, deducted from its release.\n  %s\n",
			t.Service.Fee, t.ServiceExplain)
	}
	fmt.Fprintf(&b, "\nFees in %s, %s.\n", t.Amount.Currency(), bearers(t))
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, l := range t.Legend {
		fmt.Fprintf(tw, "  %s\t%s\n", l.Mark, l.Meaning)
	}
	tw.Flush()

	if explain {
		b.WriteString("\nWhy:\n")
		tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, r := range t.Rows {
			for _, c := range r.Cells {
				fmt.Fprintf(tw, "  %s\t%s\t%s\n", r.Label, c.Region, c.Explain)
			}
		}
		tw.Flush()
	}

	_, err := io.WriteString(w, b.String())
	return err
}

// bearers says who pays the fees the table shows.
func bearers(t *table) string {
	for _, r := range t.Rows {
		for _, c := range r.Cells {
			if c.Quote == nil {
				continue
			}
			if m, ok := c.Quote.Line(payment.MethodFee); ok && m.BuyerFee != m.Fee {
				return "some paid by the supplier in part or whole (-explain says which)"
			}
		}
	}
	return "paid by the buyer on top of the amount"
}

// writeJSON writes the table as one indented JSON document.
func writeJSON(w io.Writer, t *table) error {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(t); err != nil {
		return err
	}
	_, err := io.WriteString(w, b.String())
	return err
}
