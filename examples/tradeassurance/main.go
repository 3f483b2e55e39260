// Command tradeassurance is the first program to run: it plays a whole
// trade-assurance marketplace on the SDK's in-memory stores and a simulated
// clock, and prints what happened as a report a person can read.
//
//	go run ./examples/tradeassurance           # the text report
//	go run ./examples/tradeassurance -json     # the same run as JSON lines
//	go run ./examples/tradeassurance -seed 7   # another run, as consistent
//
// The program wires the public services as a marketplace backend does —
// payment.Service, escrow.Service (with a 2% platform fee on releases),
// supplier.Service, order.Service and dispute.Service, all with their
// default rules — and drives them through these stories, in order:
//
//  1. a supplier enrols: its documents are reviewed, and it gets a Trade
//     Assurance limit, shown with its derivation (supplier.Service.Explain);
//  2. a buyer in Singapore orders, sees order.Service.Quote's coverage
//     before paying, pays a 30% deposit by Mastercard (the fee capped at
//     USD 40, shown against the uncapped percentage) and the balance by
//     T/T;
//  3. the goods are made, pass an SGS inspection, ship with tracking (the
//     estimated arrival revised on the way) and arrive; the buyer confirms
//     receipt and escrow releases the money to the supplier net of fees;
//  4. a late shipment compensated by order.Service.Sweep without the buyer
//     applying, once however often the sweep runs; a quality dispute won
//     with an SGS report (opened, answered, escalated, decided, final after
//     the appeal window, carried out once); a claim without evidence
//     rejected; a Western Union payment refused for a buyer outside the US,
//     recording nothing; an order above the supplier's remaining limit,
//     covered only in part; a buyer's account frozen by the risk rules,
//     refusing a payment until a platform agent unfreezes it;
//  5. the supplier paid out: the day's scheduled run pays its balance
//     (supplier.Service.RunPayouts), once however often it runs; the
//     payout fails (the bank account is closed), which puts the money back
//     in the balance, visibly; the next day's run pays it to the new
//     destination;
//  6. protection after release: a buyer who confirmed receipt finds faulty
//     goods and claims within the claim deadline, once what the release
//     paid the supplier was paid out; the decision is paid by
//     the programme's guarantee, and the supplier's next release repays
//     it; a pre-shipment order whose Quote says, before the deposit, that
//     the balance is not protected;
//  7. every escrow ledger of the run, each with held + guaranteed =
//     released + fees + refunded + compensated + recovered + remaining.
//
// -seed N (default 1) seeds the run's choices: the buyers, the quantities
// ordered, the defects found, the delays in transit. The same seed prints
// the same bytes; another seed tells the same stories with other figures.
//
// The program checks what it shows as it goes (every ledger balances, the
// fee cap applied, the late compensation was paid once, the dispute's
// decision was carried out once, the refused payment recorded nothing, …)
// and lists the checks at the end. It exits with status 1, saying why on
// stderr, when a check fails, and with status 2 on a bad command line. It
// never reads the wall clock: every instant comes from the simulated clock.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
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
var errUsage = errors.New("usage: tradeassurance [-json] [-seed N]")

// run plays the marketplace and writes its report to w: text by default,
// JSON lines with -json. It returns an error when the command line is bad,
// when the SDK fails unexpectedly, or when one of the program's checks
// fails (the report is written first, so the failure can be read in it).
func run(ctx context.Context, w io.Writer, args []string) error {
	fs := flag.NewFlagSet("tradeassurance", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, "print the run as JSON lines, one event per line, instead of the text report")
	seed := fs.Uint64("seed", 1, "seed of the run's choices (buyers, quantities, defects, delays); the same seed prints the same bytes")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(w, errUsage)
			fs.SetOutput(w)
			fs.PrintDefaults()
			return nil
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}

	rep, err := play(ctx, *seed)
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

// start is when the run begins. Every instant of the run comes from it.
var start = time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)

// simClock is the run's clock: it moves only when the program moves it,
// so the run is the same every time. Every service asks it for the time;
// nothing in the program reads the wall clock.
type simClock struct{ now time.Time }

// Now implements payment.Clock.
func (c *simClock) Now() time.Time { return c.now }

// advance moves the clock forward by d.
func (c *simClock) advance(d time.Duration) { c.now = c.now.Add(d) }

// days moves the clock forward by n calendar days.
func (c *simClock) days(n int) { c.now = c.now.AddDate(0, 0, n) }

// report is everything the run found, in the order it happened. Both
// writers render the same events, so the text and the JSON never disagree.
type report struct {
	Seed    uint64
	Start   time.Time
	Events  []event
	Checks  []verdict
	section string // the section events are added to
}

// event is one thing that happened, in one section of the report.
type event struct {
	Section string    `json:"section"`
	Event   string    `json:"event"`
	At      time.Time `json:"at"`
	Text    string    `json:"text"`
	// Lines are the details the text report prints under Text; Data is
	// what the SDK returned, for machines.
	Lines []string `json:"lines,omitempty"`
	Data  any      `json:"data,omitempty"`
}

// verdict is one check the program made.
type verdict struct {
	Name   string `json:"name"` // stable, snake_case
	OK     bool   `json:"ok"`
	Detail string `json:"detail"` // what was expected, in English
}

// begin starts a section: the events added next belong to it.
func (r *report) begin(at time.Time, section, title string) {
	r.section = section
	r.Events = append(r.Events, event{Section: section, Event: "begin", At: at, Text: title})
}

// add records an event of the current section.
func (r *report) add(at time.Time, name, text string, data any, lines ...string) {
	r.Events = append(r.Events, event{Section: r.section, Event: name, At: at, Text: text, Lines: lines, Data: data})
}

// verify records a check of the run.
func (r *report) verify(name string, ok bool, detail string, args ...any) {
	r.Checks = append(r.Checks, verdict{Name: name, OK: ok, Detail: fmt.Sprintf(detail, args...)})
}

// failures returns an error naming every check that failed, or nil.
func (r *report) failures() error {
	var errs []error
	for _, v := range r.Checks {
		if !v.OK {
			errs = append(errs, fmt.Errorf("check failed: %s: %s", v.Name, v.Detail))
		}
	}
	return errors.Join(errs...)
}
