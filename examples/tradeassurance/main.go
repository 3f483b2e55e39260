// Command tradeassurance is the first program to run: it shows what the
// tradeassure SDK does today, on the in-memory store and a simulated clock,
// as a report a person can read.
//
//	go run ./examples/tradeassurance         # the text report
//	go run ./examples/tradeassurance -json   # the same run as JSON lines
//
// The report has four parts: the default fee schedule as a table (method
// by region, with the USD 40 cap on Mastercard in Asia-Pacific), which
// methods a few buyers may use and why not, and payments going through
// payment.Service: a capped deposit settled by processor webhooks, a
// duplicate webhook that changes nothing, a Western Union payment refused
// with its reasons, and a card payment held for a risk review until a
// platform agent approves it; and escrow.Service holding the paid order,
// releasing it net of a platform fee, freezing a disputed order and
// settling it 70/30, with every ledger shown balanced.
//
// The program checks what it shows as it goes (the cap applies, a refused
// payment leaves no record, a duplicate webhook leaves the version alone,
// …) and exits with status 1, saying why on stderr, when a check fails.
// It never reads the wall clock: every date comes from a simulated clock,
// so two runs print the same bytes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/payment"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "tradeassurance:", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// errUsage marks a bad command line.
var errUsage = errors.New("usage: tradeassurance [-json]")

// run runs the whole example and writes its report to w: text by default,
// JSON lines with -json. It returns an error when the command line is bad,
// when the SDK fails unexpectedly, or when one of the program's checks
// fails (the report is written first, so the failure can be read in it).
func run(ctx context.Context, w io.Writer, args []string) error {
	fs := flag.NewFlagSet("tradeassurance", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, "print the run as JSON lines, one event per line, instead of the text report")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			_, err := fmt.Fprintf(w, "%s\n  -json\t%s\n", errUsage, fs.Lookup("json").Usage)
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}

	rep, err := buildReport(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		err = writeJSON(w, rep)
	} else {
		err = writeText(w, rep)
	}
	if err != nil {
		return err
	}
	return rep.failures()
}

// start is when the story begins. Every date of the run is derived from it.
var start = time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)

// simClock is the program's clock: it only moves when the program advances
// it, so the run is the same every time. payment.Service asks it for the
// time; nothing in the program reads the wall clock.
type simClock struct{ now time.Time }

// Now implements payment.Clock.
func (c *simClock) Now() time.Time { return c.now }

// advance moves the clock forward by d.
func (c *simClock) advance(d time.Duration) { c.now = c.now.Add(d) }

// advanceTo moves the clock forward to t; it never goes back.
func (c *simClock) advanceTo(t time.Time) {
	if t.After(c.now) {
		c.now = t
	}
}

// fixedRates is a small exchange-rate table standing in for the caller's
// rate service: rates[from][to] is how many units of to one from buys. It
// has the same rate at every time; a missing pair is payment.ErrNoRate, as
// the payment.Rates contract asks.
type fixedRates map[payment.Currency]map[payment.Currency]decimal.Decimal

// Rate implements payment.Rates.
func (r fixedRates) Rate(_ context.Context, from, to payment.Currency, _ time.Time) (decimal.Decimal, error) {
	if rate, ok := r[from][to]; ok {
		return rate, nil
	}
	return decimal.Decimal{}, fmt.Errorf("%w: the example's table has no %s→%s rate", payment.ErrNoRate, from, to)
}

// rates is the example's table: one euro buys 1.08 US dollars.
var rates = fixedRates{
	payment.EUR: {payment.USD: decimal.RequireFromString("1.08")},
}

// instruments are the ways of paying the report shows, in its order: every
// method, cards on three networks and the card wallets on one each.
var instruments = []payment.Instrument{
	{Method: payment.Card, Network: payment.Visa},
	{Method: payment.Card, Network: payment.Mastercard},
	{Method: payment.Card, Network: payment.Amex},
	{Method: payment.WireTransfer},
	{Method: payment.OnlineBankTransfer},
	{Method: payment.PayLater},
	{Method: payment.WesternUnion},
	{Method: payment.ECheck},
	{Method: payment.PayPal},
	{Method: payment.Alipay},
	{Method: payment.ApplePay, Network: payment.Visa},
	{Method: payment.GooglePay, Network: payment.Mastercard},
}

// label names an instrument for people: "Card (Mastercard)", "T/T".
func label(in payment.Instrument) string {
	var name string
	switch in.Method {
	case payment.Card:
		name = "Card"
	case payment.WireTransfer:
		name = "T/T"
	case payment.OnlineBankTransfer:
		name = "Online bank transfer"
	case payment.PayLater:
		name = "Pay Later"
	case payment.WesternUnion:
		name = "Western Union"
	case payment.ECheck:
		name = "e-Checking"
	case payment.PayPal:
		name = "PayPal"
	case payment.Alipay:
		name = "Alipay"
	case payment.ApplePay:
		name = "Apple Pay"
	case payment.GooglePay:
		name = "Google Pay"
	default:
		name = string(in.Method)
	}
	switch in.Network {
	case "":
		return name
	case payment.Visa:
		return name + " (Visa)"
	case payment.Mastercard:
		return name + " (Mastercard)"
	case payment.Amex:
		return name + " (Amex)"
	}
	return name + " (" + string(in.Network) + ")"
}

// code names an instrument as the API does: "card/mastercard", "tt".
func code(in payment.Instrument) string {
	if in.Network == "" {
		return string(in.Method)
	}
	return string(in.Method) + "/" + string(in.Network)
}

// report is everything the run found, in the order it is printed. Both
// writers render the same report, so the text and the JSON never disagree.
type report struct {
	At          time.Time
	Fees        feeTable            // fee of one amount, by instrument and region
	FeesAmounts feeTable            // banded, fixed and capped fees at several amounts
	Explain     []feeCell           // cells whose Explain line is printed under the tables
	Buyers      []buyer             // the eligibility screens
	Notes       []string            // footnote texts of the eligibility table, numbered from 1
	Checks      []oneCheck          // EligibilityRules.Check, one method at a time
	Story       []step              // payments going through payment.Service
	Paid        []*payment.Payment  // the payments that succeeded, for escrow
	EscrowSteps []escrowStep        // money going through escrow.Service
	Ledgers     []*escrow.Statement // every escrow account's statement at the end
	Programme   []textStep          // a supplier's enrollment, limit and coverage
	Verified    []verdict           // what the program checked
}

// failures returns an error naming every check that failed, or nil.
func (r *report) failures() error {
	var errs []error
	for _, v := range r.Verified {
		if !v.OK {
			errs = append(errs, fmt.Errorf("check failed: %s: %s", v.Name, v.Detail))
		}
	}
	return errors.Join(errs...)
}

// verify records a check of the run.
func (r *report) verify(name string, ok bool, detail string, args ...any) {
	r.Verified = append(r.Verified, verdict{Name: name, OK: ok, Detail: fmt.Sprintf(detail, args...)})
}

// verdict is one check the program made.
type verdict struct {
	Name   string // stable, snake_case
	OK     bool
	Detail string // what was expected, in English
}

// buildReport runs the three parts of the story.
func buildReport(ctx context.Context) (*report, error) {
	rep := &report{At: start}
	if err := feesPart(ctx, rep); err != nil {
		return nil, fmt.Errorf("fees: %w", err)
	}
	if err := eligibilityPart(ctx, rep); err != nil {
		return nil, fmt.Errorf("eligibility: %w", err)
	}
	if err := paymentsPart(ctx, rep); err != nil {
		return nil, fmt.Errorf("payments: %w", err)
	}
	if err := escrowPart(ctx, rep); err != nil {
		return nil, fmt.Errorf("escrow: %w", err)
	}
	if err := programmePart(ctx, rep); err != nil {
		return nil, fmt.Errorf("supplier and coverage: %w", err)
	}
	return rep, nil
}

// feeTable is a grid of fee quotes: one row per instrument (and region, in
// the table by amount), one cell per column.
type feeTable struct {
	Name    string // "by_region" or "by_amount"
	Title   string
	Columns []string
	Rows    []feeRow
}

// feeRow is one row of a feeTable.
type feeRow struct {
	Label string
	Cells []feeCell
}

// feeCell is one quote: the request, and the quote or why there is none.
type feeCell struct {
	Request payment.FeeRequest
	Quote   payment.FeeQuote
	Err     error
	Explain string // the schedule's Explain line for the quote
}

// quote fills a cell from the schedule. An error of the schedule is kept in
// the cell: the table shows it.
func quote(ctx context.Context, s *payment.FeeSchedule, req payment.FeeRequest) feeCell {
	q, err := s.Quote(ctx, req, nil)
	c := feeCell{Request: req, Quote: q, Err: err}
	if err == nil {
		c.Explain = s.Explain(q)
	}
	return c
}

// feesPart quotes the default schedule: a USD 2,000.00 payment with every
// instrument in every region, then the banded and fixed fees (and the
// capped one) at three amounts, one of them above the last Western Union
// band.
func feesPart(ctx context.Context, rep *report) error {
	s := payment.DefaultSchedule()
	amount := payment.MustParse("2000.00", payment.USD)

	rep.Fees = feeTable{Name: "by_region", Title: fmt.Sprintf("Fee on a %s payment, by method and buyer region", amount)}
	rep.Fees.Columns = append(rep.Fees.Columns, "method")
	for _, region := range payment.Regions() {
		rep.Fees.Columns = append(rep.Fees.Columns, string(region))
	}
	var apac, other []feeCell // the Mastercard row, split by the cap's region
	for _, in := range instruments {
		row := feeRow{Label: label(in)}
		for _, region := range payment.Regions() {
			c := quote(ctx, s, payment.FeeRequest{Amount: amount, Method: in.Method, Network: in.Network, Region: region, At: rep.At})
			row.Cells = append(row.Cells, c)
			if in.Method == payment.Card && in.Network == payment.Mastercard {
				if region == payment.AsiaPacific {
					apac = append(apac, c)
				} else {
					other = append(other, c)
				}
			}
		}
		rep.Fees.Rows = append(rep.Fees.Rows, row)
	}

	capped, uncapped := payment.MustParse("40.00", payment.USD), payment.MustParse("59.80", payment.USD)
	ok := len(apac) == 1 && apac[0].Err == nil && apac[0].Quote.Fee == capped && apac[0].Quote.Capped
	rep.verify("apac_mastercard_capped", ok, "the Mastercard fee on %s in APAC is %s, capped", amount, capped)
	ok = len(other) == len(payment.Regions())-1
	for _, c := range other {
		ok = ok && c.Err == nil && c.Quote.Fee == uncapped && !c.Quote.Capped
	}
	rep.verify("mastercard_elsewhere_uncapped", ok, "the Mastercard fee on %s outside APAC is %s, not capped", amount, uncapped)
	if len(apac) == 1 && len(other) > 0 {
		rep.Explain = []feeCell{apac[0], other[0]}
	}

	amounts := []payment.Money{
		payment.MustParse("400.00", payment.USD),
		amount,
		payment.MustParse("3000.00", payment.USD),
	}
	rep.FeesAmounts = feeTable{
		Name:    "by_amount",
		Title:   "Banded, fixed and capped fees at three amounts",
		Columns: []string{"method", "region"},
	}
	for _, a := range amounts {
		rep.FeesAmounts.Columns = append(rep.FeesAmounts.Columns, a.String())
	}
	for _, r := range []struct {
		in     payment.Instrument
		region payment.Region
	}{
		{payment.Instrument{Method: payment.WesternUnion}, payment.NorthAmerica},
		{payment.Instrument{Method: payment.ECheck}, payment.NorthAmerica},
		{payment.Instrument{Method: payment.Card, Network: payment.Mastercard}, payment.AsiaPacific},
	} {
		row := feeRow{Label: label(r.in) + "\t" + string(r.region)}
		for _, a := range amounts {
			row.Cells = append(row.Cells, quote(ctx, s, payment.FeeRequest{Amount: a, Method: r.in.Method, Network: r.in.Network, Region: r.region, At: rep.At}))
		}
		rep.FeesAmounts.Rows = append(rep.FeesAmounts.Rows, row)
	}
	wu := rep.FeesAmounts.Rows[0].Cells[2]
	rep.verify("western_union_no_band_above_limit", errors.Is(wu.Err, payment.ErrNoFeeRule),
		"Western Union has no fee above its last band (%s is payment.ErrNoFeeRule)", wu.Request.Amount)
	return nil
}

// buyer is one eligibility screen: a buyer, a payment, and the decision
// for every instrument.
type buyer struct {
	Name    string // "A", "B", …: the column of the table
	Desc    string
	Request payment.EligibilityRequest
	Results []payment.MethodEligibility
	Notes   [][]int // per result, the footnotes of its reasons
}

// oneCheck is one call of EligibilityRules.Check.
type oneCheck struct {
	Buyer   string
	Request payment.EligibilityRequest
	Err     *payment.IneligibleError // nil: eligible
}

// eligibilityPart runs the default eligibility rules for a few buyers, with
// Evaluate for the whole screen and Check one method at a time.
func eligibilityPart(ctx context.Context, rep *report) error {
	rules := payment.DefaultEligibilityRules()
	usd := func(s string) payment.Money { return payment.MustParse(s, payment.USD) }
	line := &payment.CreditLine{Limit: usd("50000.00"), Used: usd("12000.00"), TermDays: 60}
	req := func(country payment.Country, amount payment.Money, credit *payment.CreditLine) payment.EligibilityRequest {
		return payment.EligibilityRequest{BuyerCountry: country, Amount: amount, At: rep.At, Credit: credit}
	}
	rep.Buyers = []buyer{
		{Name: "A", Desc: "buyer in the US, no credit line", Request: req("US", usd("1800.00"), nil)},
		{Name: "B", Desc: "buyer in the US, no credit line", Request: req("US", usd("3000.00"), nil)},
		{Name: "C", Desc: "buyer in Germany, paying in euros (1 EUR = 1.08 USD), no credit line",
			Request: req("DE", payment.MustParse("2400.00", payment.EUR), nil)},
		{Name: "D", Desc: fmt.Sprintf("buyer in the US, Pay Later line %s (%s used, %d-day term)", line.Limit, line.Used, line.TermDays),
			Request: req("US", usd("8000.00"), line)},
		{Name: "E", Desc: "buyer in the US, no credit line", Request: req("US", usd("8000.00"), nil)},
	}

	notes := map[payment.Reason]int{} // looked up only, never ranged over
	agree := true
	for i := range rep.Buyers {
		b := &rep.Buyers[i]
		res, err := rules.Evaluate(ctx, b.Request, rates, instruments...)
		if err != nil {
			return fmt.Errorf("buyer %s: %w", b.Name, err)
		}
		b.Results = res
		b.Notes = make([][]int, len(res))
		for j, m := range res {
			for _, r := range m.Reasons {
				n, ok := notes[r]
				if !ok {
					rep.Notes = append(rep.Notes, r.Code+"\t"+r.Text)
					n = len(rep.Notes)
					notes[r] = n
				}
				b.Notes[j] = append(b.Notes[j], n)
			}
			// Check must say the same thing about the same instrument.
			one := b.Request
			one.Instrument = m.Instrument
			err := rules.Check(ctx, one, rates)
			var ie *payment.IneligibleError
			switch {
			case err == nil:
				agree = agree && m.Eligible
			case errors.As(err, &ie):
				agree = agree && !m.Eligible && sameReasons(ie.Reasons, m.Reasons)
			default:
				return fmt.Errorf("buyer %s, %s: %w", b.Name, code(m.Instrument), err)
			}
		}
	}
	rep.verify("check_agrees_with_evaluate", agree,
		"Check and Evaluate give the same decision and reasons for all %d instruments of %d buyers", len(instruments), len(rep.Buyers))

	d := rep.Buyers[3]
	for _, amount := range []payment.Money{usd("8000.00"), usd("40000.00")} {
		r := d.Request
		r.Instrument = payment.Instrument{Method: payment.PayLater}
		r.Amount = amount
		c := oneCheck{Buyer: d.Name, Request: r}
		if err := rules.Check(ctx, r, rates); err != nil && !errors.As(err, &c.Err) {
			return err
		}
		rep.Checks = append(rep.Checks, c)
	}
	ok := rep.Checks[0].Err == nil && rep.Checks[1].Err != nil &&
		hasReason(rep.Checks[1].Err.Reasons, payment.ReasonPayLaterInsufficientCredit)
	rep.verify("pay_later_within_line", ok, "Pay Later takes %s on buyer D's line and refuses %s for insufficient credit",
		rep.Checks[0].Request.Amount, rep.Checks[1].Request.Amount)
	return nil
}

// sameReasons reports whether a and b list the same reasons in the same
// order.
func sameReasons(a, b []payment.Reason) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// hasReason reports whether rs has a reason with the code.
func hasReason(rs []payment.Reason, code string) bool {
	for _, r := range rs {
		if r.Code == code {
			return true
		}
	}
	return false
}

// step is one thing that happened to a payment, as the report shows it.
type step struct {
	Name     string           // stable, snake_case: "initiate", "report", …
	Text     string           // what happened, in one English line
	Payment  *payment.Payment // the payment after the step, when there is one
	Explain  string           // the fee's Explain line, for a new payment
	Reasons  []payment.Reason // why it was refused or held
	Error    string           // the error the SDK returned, when that is the point of the step
	Timeline bool             // print the payment's timeline after the step
	Break    bool             // start a new paragraph in the text report
}

// paymentsPart drives payments through payment.Service on the in-memory
// store: an order's deposit and balance, a duplicate webhook, a refused
// Western Union payment and a risk review.
func paymentsPart(ctx context.Context, rep *report) error {
	clock := &simClock{now: rep.At}
	store := payment.NewMemoryStore()
	svc, err := payment.NewService(payment.Config{Store: store, Clock: clock, Rates: rates})
	if err != nil {
		return err
	}
	add := func(s step) { rep.Story = append(rep.Story, s) }
	webhook := payment.System("psp-webhook")
	agent := payment.Platform("agent-7")

	// The order: USD 10,000.00, paid 30% now and 70% before shipment.
	const orderID, buyerID = "ord-1001", "buyer-au-17"
	total := payment.MustParse("10000.00", payment.USD)
	parts, err := total.Allocate(30, 70)
	if err != nil {
		return err
	}
	add(step{Name: "order", Text: fmt.Sprintf("Order %s: %s from %s, a buyer in Australia; deposit 30%% %s, balance 70%% %s",
		orderID, total, buyerID, parts[0], parts[1])})

	// The deposit, by a Mastercard issued in Australia: the APAC cap applies.
	depositKey := orderID + "/deposit/1"
	depositReq := payment.InitiateRequest{
		OrderID: orderID, Tranche: payment.Deposit, BuyerID: buyerID, BuyerCountry: "AU",
		Instrument: payment.Instrument{Method: payment.Card, Network: payment.Mastercard, IssuerCountry: "AU"},
		Amount:     parts[0],
	}
	dep, err := svc.Initiate(ctx, payment.Buyer(buyerID), depositKey, depositReq)
	if err != nil {
		return err
	}
	add(step{Name: "initiate", Payment: dep, Explain: svc.Fees().Explain(dep.Fee), Text: fmt.Sprintf(
		"Deposit %s by %s: %s, fee %s, buyer charged %s", dep.ID, label(dep.Instrument), dep.Status, dep.Fee.Fee, dep.Charge())})
	rep.verify("deposit_fee_capped", dep.Fee.Capped && dep.Fee.Fee == payment.MustParse("40.00", payment.USD),
		"the deposit's fee (Mastercard, APAC, %s) is capped at USD 40.00", dep.Amount)

	clock.advance(2 * time.Minute)
	dep, err = svc.Report(ctx, webhook, dep.ID, payment.Outcome{Status: payment.StatusProcessing, ProcessorRef: "psp_ch_5521"})
	if err != nil {
		return err
	}
	clock.advance(3 * time.Minute)
	dep, err = svc.Report(ctx, webhook, dep.ID, payment.Outcome{Status: payment.StatusSucceeded, ProcessorRef: "psp_ch_5521", Note: "captured"})
	if err != nil {
		return err
	}
	add(step{Name: "settled", Payment: dep, Timeline: true, Text: fmt.Sprintf(
		"The processor reports processing, then succeeded; payment.Service.Payment(%q) reads back:", dep.ID)})
	rep.verify("deposit_succeeded", dep.Status == payment.StatusSucceeded, "the deposit ends succeeded")

	// The processor sends the last webhook again, then a stale one.
	clock.advance(time.Minute)
	before := dep
	for _, st := range []payment.Status{payment.StatusSucceeded, payment.StatusProcessing} {
		again, err := svc.Report(ctx, webhook, dep.ID, payment.Outcome{Status: st, ProcessorRef: "psp_ch_5521"})
		if err != nil {
			return err
		}
		stored, err := svc.Payment(ctx, dep.ID)
		if err != nil {
			return err
		}
		same := again.Version == before.Version && stored.Version == before.Version && len(stored.Timeline) == len(before.Timeline)
		name, what := "duplicate_webhook", "A duplicate"
		if st == payment.StatusProcessing {
			name, what = "late_webhook", "A late"
		}
		add(step{Name: name, Payment: stored, Text: fmt.Sprintf(
			"%s %q webhook changes nothing: still %s, version %d, %d timeline events", what, st, stored.Status, stored.Version, len(stored.Timeline))})
		rep.verify(name+"_unchanged", same, "%s %q webhook leaves version %d and %d timeline events", strings.ToLower(what), st, before.Version, len(before.Timeline))
	}

	// The buyer's app retries the deposit request: same key, same payment.
	retried, err := svc.Initiate(ctx, payment.Buyer(buyerID), depositKey, depositReq)
	if err != nil {
		return err
	}
	add(step{Name: "retry_initiate", Payment: retried, Text: fmt.Sprintf(
		"Initiate again with key %q returns %s as it is: %s, version %d", depositKey, retried.ID, retried.Status, retried.Version)})
	rep.verify("initiate_idempotent", retried.ID == dep.ID && retried.Version == dep.Version,
		"a retried Initiate returns the first payment unchanged")

	// A buyer in Brazil tries Western Union: refused, and nothing is stored.
	clock.advance(time.Hour)
	const wuKey, wuBuyer = "ord-2002/full/1", "buyer-br-3"
	_, err = svc.Initiate(ctx, payment.Buyer(wuBuyer), wuKey, payment.InitiateRequest{
		OrderID: "ord-2002", Tranche: payment.Full, BuyerID: wuBuyer, BuyerCountry: "BR",
		Instrument: payment.Instrument{Method: payment.WesternUnion},
		Amount:     payment.MustParse("1200.00", payment.USD),
	})
	var ie *payment.IneligibleError
	if !errors.As(err, &ie) {
		return fmt.Errorf("western union from BR: want an *IneligibleError, got %v", err)
	}
	_, lookup := svc.PaymentByKey(ctx, wuKey)
	history, err := store.PaymentsByBuyer(ctx, wuBuyer, time.Time{})
	if err != nil {
		return err
	}
	recorded := !errors.Is(lookup, payment.ErrNotFound) || len(history) > 0
	outcome := "refused, nothing recorded"
	if recorded {
		outcome = "refused, yet a payment was recorded"
	}
	add(step{Name: "refused", Break: true, Reasons: ie.Reasons, Error: ie.Error(), Text: fmt.Sprintf(
		"Order ord-2002: %s, a buyer in Brazil, pays USD 1200.00 by Western Union: %s", wuBuyer, outcome)})
	rep.verify("western_union_refused", hasReason(ie.Reasons, payment.ReasonWesternUnionCountry),
		"Western Union from a buyer in BR is refused with %s", payment.ReasonWesternUnionCountry)
	rep.verify("refused_not_recorded", !recorded, "the store holds no payment under key %q nor for buyer %s", wuKey, wuBuyer)

	// Eighteen days later the balance, by a Visa card issued in Singapore:
	// the issuer's country is not the buyer's, so risk holds it for review.
	clock.advanceTo(start.AddDate(0, 0, 18))
	bal, err := svc.Initiate(ctx, payment.Buyer(buyerID), orderID+"/balance/1", payment.InitiateRequest{
		OrderID: orderID, Tranche: payment.Balance, BuyerID: buyerID, BuyerCountry: "AU",
		Instrument: payment.Instrument{Method: payment.Card, Network: payment.Visa, IssuerCountry: "SG"},
		Amount:     parts[1],
	})
	if err != nil {
		return err
	}
	add(step{Name: "initiate", Break: true, Payment: bal, Explain: svc.Fees().Explain(bal.Fee), Reasons: bal.Risk.Reasons, Text: fmt.Sprintf(
		"Balance %s by %s issued in SG: %s and held (risk: %s), fee %s", bal.ID, label(bal.Instrument), bal.Status, bal.Risk.Outcome, bal.Fee.Fee)})
	rep.verify("balance_held", bal.Held && bal.Status == payment.StatusProcessing && bal.Risk.Outcome == payment.RiskReview &&
		hasReason(bal.Risk.Reasons, payment.ReasonCountryMismatch), "a card issued in SG for a buyer in AU is held for review")

	// The processor must not be asked yet; a report now is refused.
	clock.advance(10 * time.Minute)
	_, early := svc.Report(ctx, webhook, bal.ID, payment.Outcome{Status: payment.StatusSucceeded, ProcessorRef: "psp_ch_6610"})
	if early == nil {
		early = errors.New("no error")
	}
	add(step{Name: "report_while_held", Error: early.Error(), Text: "A processor report while the review holds it is refused"})
	rep.verify("held_refuses_report", errors.Is(early, payment.ErrInvalidTransition),
		"reporting success on a held payment is payment.ErrInvalidTransition")

	clock.advance(50 * time.Minute)
	bal, err = svc.Decide(ctx, agent, bal.ID, true, "buyer confirmed the Singapore card by phone")
	if err != nil {
		return err
	}
	add(step{Name: "decide", Payment: bal, Text: fmt.Sprintf("Platform agent %s approves the review: %s, held %t, so it may go to the processor", agent.ID, bal.Status, bal.Held)})

	clock.advance(4 * time.Minute)
	bal, err = svc.Report(ctx, webhook, bal.ID, payment.Outcome{Status: payment.StatusSucceeded, ProcessorRef: "psp_ch_6610", Note: "captured"})
	if err != nil {
		return err
	}
	add(step{Name: "settled", Payment: bal, Timeline: true, Text: fmt.Sprintf(
		"Submitted after approval, the processor reports succeeded; %s reads back:", bal.ID)})
	rep.verify("balance_succeeded", !bal.Held && bal.Status == payment.StatusSucceeded, "the approved balance ends succeeded")

	paid, err := dep.Amount.Add(bal.Amount)
	if err != nil {
		return err
	}
	rep.verify("order_paid_in_full", paid == total, "deposit and balance add up to the order total %s", total)
	rep.Paid = []*payment.Payment{dep, bal}
	return nil
}
