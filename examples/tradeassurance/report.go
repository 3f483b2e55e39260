package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tradeassure/tradeassure/escrow"
	"github.com/tradeassure/tradeassure/payment"
)

// timeLayout is how the report prints times.
const timeLayout = "2006-01-02 15:04 MST"

// writeText writes the report for people. It builds the whole text first
// and writes it at once, so a failing writer leaves no half report behind
// an error.
func writeText(w io.Writer, rep *report) error {
	var b bytes.Buffer
	fmt.Fprintln(&b, "tradeassure: what the SDK does today (packages payment, escrow, supplier and coverage)")
	fmt.Fprintf(&b, "A simulated run from %s on the in-memory store: no network, no wall clock.\n", rep.At.Format(timeLayout))

	fmt.Fprintln(&b)
	fmt.Fprintln(&b, "1. FEES   payment.DefaultSchedule().Quote, buyer pays; * capped, — no fee rule (see the note)")
	fmt.Fprintln(&b)
	var notes []string
	textFeeTable(&b, rep.Fees, &notes)
	fmt.Fprintln(&b, "  A fee is not a permission: Western Union and e-Checking take US buyers only (see 2).")
	for _, c := range rep.Explain {
		fmt.Fprintf(&b, "  %-5s %s\n", string(c.Request.Region)+":", c.Explain)
	}
	fmt.Fprintln(&b)
	textFeeTable(&b, rep.FeesAmounts, &notes)
	for i, n := range notes {
		fmt.Fprintf(&b, "  (%d) %s\n", i+1, n)
	}

	fmt.Fprintln(&b)
	fmt.Fprintln(&b, "2. ELIGIBILITY   payment.DefaultEligibilityRules(): Evaluate for every method, then Check for one")
	fmt.Fprintln(&b)
	tw := newTable(&b)
	for _, by := range rep.Buyers {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", by.Name, by.Request.Amount, by.Desc)
	}
	tw.Flush()
	fmt.Fprintln(&b)
	tw = newTable(&b)
	fmt.Fprint(tw, "  method")
	for _, by := range rep.Buyers {
		fmt.Fprintf(tw, "\t%s", by.Name)
	}
	fmt.Fprintln(tw)
	for i, in := range instruments {
		fmt.Fprintf(tw, "  %s", label(in))
		for _, by := range rep.Buyers {
			if by.Results[i].Eligible {
				fmt.Fprint(tw, "\tyes")
				continue
			}
			ns := make([]string, len(by.Notes[i]))
			for j, n := range by.Notes[i] {
				ns[j] = strconv.Itoa(n)
			}
			fmt.Fprintf(tw, "\tno (%s)", strings.Join(ns, ","))
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	tw = newTable(&b)
	for i, n := range rep.Notes {
		fmt.Fprintf(tw, "  (%d)\t%s\n", i+1, n)
	}
	tw.Flush()
	fmt.Fprintln(&b)
	for _, c := range rep.Checks {
		fmt.Fprintf(&b, "  Check(%s) for buyer %s, %s: ", code(c.Request.Instrument), c.Buyer, c.Request.Amount)
		if c.Err == nil {
			fmt.Fprintln(&b, "eligible")
			continue
		}
		fmt.Fprintln(&b, "refused")
		tw := newTable(&b)
		for _, r := range c.Err.Reasons {
			fmt.Fprintf(tw, "    %s\t%s\n", r.Code, r.Text)
		}
		tw.Flush()
	}

	fmt.Fprintln(&b)
	fmt.Fprintln(&b, "3. PAYMENTS   payment.Service on payment.NewMemoryStore(), simulated clock")
	fmt.Fprintln(&b)
	for _, s := range rep.Story {
		if s.Break {
			fmt.Fprintln(&b)
		}
		fmt.Fprintln(&b, s.Text)
		if s.Explain != "" {
			fmt.Fprintln(&b, "  fee:", s.Explain)
		}
		tw := newTable(&b)
		for _, r := range s.Reasons {
			fmt.Fprintf(tw, "  %s\t%s\n", r.Code, r.Text)
		}
		if len(s.Reasons) == 0 && s.Error != "" {
			fmt.Fprintf(tw, "  error:\t%s\n", s.Error)
		}
		if s.Timeline && s.Payment != nil {
			for _, e := range s.Payment.Timeline {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", e.At.Format(timeLayout), e.Status, e.Actor, eventNote(e))
			}
		}
		tw.Flush()
	}

	fmt.Fprintln(&b)
	fmt.Fprintln(&b, "4. ESCROW   escrow.Service on escrow.NewMemoryStore(): one account per order, a ledger that balances")
	fmt.Fprintln(&b)
	for _, s := range rep.EscrowSteps {
		fmt.Fprintln(&b, s.Text)
		if s.Error != "" {
			fmt.Fprintln(&b, "  error:", s.Error)
		}
	}
	for _, st := range rep.Ledgers {
		fmt.Fprintln(&b)
		for _, l := range strings.Split(strings.TrimRight(st.String(), "\n"), "\n") {
			fmt.Fprintln(&b, " ", l)
		}
	}

	fmt.Fprintln(&b)
	fmt.Fprintln(&b, "5. SUPPLIER AND COVERAGE   supplier.Service and coverage.Rules")
	for _, st := range rep.Programme {
		fmt.Fprintln(&b)
		fmt.Fprintln(&b, st.Text)
		for _, l := range st.Lines {
			fmt.Fprintln(&b, "  "+l)
		}
	}

	fmt.Fprintln(&b)
	failed := 0
	for _, v := range rep.Verified {
		if !v.OK {
			failed++
		}
	}
	fmt.Fprintf(&b, "6. CHECKS   %d of %d passed (the program exits 1 when one fails)\n", len(rep.Verified)-failed, len(rep.Verified))
	fmt.Fprintln(&b)
	tw = newTable(&b)
	for _, v := range rep.Verified {
		mark := "ok"
		if !v.OK {
			mark = "FAILED"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", mark, v.Name, v.Detail)
	}
	tw.Flush()

	// An empty last column leaves the padding of the one before it.
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n"))
	return err
}

// newTable returns a tabwriter for an aligned block of the text report.
func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
}

// textFeeTable writes a fee table, adding the errors it shows to notes.
func textFeeTable(w io.Writer, t feeTable, notes *[]string) {
	fmt.Fprintf(w, "  %s\n", t.Title)
	tw := newTable(w)
	fmt.Fprintf(tw, "  %s\n", strings.Join(t.Columns, "\t"))
	for _, row := range t.Rows {
		fmt.Fprintf(tw, "  %s", row.Label)
		for _, c := range row.Cells {
			switch {
			case c.Err != nil:
				*notes = append(*notes, c.Err.Error())
				fmt.Fprintf(tw, "\t— (%d)", len(*notes))
			case c.Quote.Capped:
				fmt.Fprintf(tw, "\t%s*", c.Quote.Fee)
			default:
				fmt.Fprintf(tw, "\t%s", c.Quote.Fee)
			}
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}

// eventNote is a timeline event's note with its reason codes.
func eventNote(e payment.Event) string {
	note := e.Note
	for _, r := range e.Reasons {
		note += " [" + r.Code + "]"
	}
	return note
}

// writeJSON writes the report as JSON lines: one object per event, each
// with a "section" naming the part of the run it belongs to.
func writeJSON(w io.Writer, rep *report) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	var err error
	emit := func(v any) {
		if err == nil {
			err = enc.Encode(v)
		}
	}

	emit(jsonRun{Section: "run", At: rep.At, Store: "memory", Clock: "simulated"})
	for _, t := range []feeTable{rep.Fees, rep.FeesAmounts} {
		for _, row := range t.Rows {
			for _, c := range row.Cells {
				emit(newJSONFee(t.Name, c))
			}
		}
	}
	for _, by := range rep.Buyers {
		for _, m := range by.Results {
			emit(jsonEligibility{
				Section: "eligibility", Buyer: by.Name, Description: by.Desc,
				Country: by.Request.BuyerCountry, Amount: by.Request.Amount, Credit: by.Request.Credit,
				Instrument: m.Instrument, Eligible: m.Eligible, Reasons: m.Reasons, Conversions: m.Conversions,
			})
		}
	}
	for _, c := range rep.Checks {
		j := jsonEligibility{
			Section: "eligibility_check", Buyer: c.Buyer,
			Country: c.Request.BuyerCountry, Amount: c.Request.Amount, Credit: c.Request.Credit,
			Instrument: c.Request.Instrument, Eligible: c.Err == nil,
		}
		if c.Err != nil {
			j.Reasons, j.Conversions = c.Err.Reasons, c.Err.Conversions
		}
		emit(j)
	}
	for _, s := range rep.Story {
		j := jsonStep{Section: "payments", Step: s.Name, Text: s.Text, Explain: s.Explain, Reasons: s.Reasons, Error: s.Error}
		if p := s.Payment; p != nil {
			j.PaymentID, j.OrderID, j.Tranche, j.Status, j.Held, j.Version = p.ID, p.OrderID, p.Tranche, p.Status, p.Held, p.Version
			j.Amount, j.Fee, j.Capped = optMoney(p.Amount), optMoney(p.Fee.Fee), p.Fee.Capped
		}
		emit(j)
		if s.Timeline && s.Payment != nil {
			for _, e := range s.Payment.Timeline {
				emit(jsonEvent{Section: "timeline", PaymentID: s.Payment.ID, At: e.At, Status: e.Status,
					Actor: e.Actor.String(), Note: e.Note, Reasons: e.Reasons})
			}
		}
	}
	for _, s := range rep.EscrowSteps {
		emit(jsonEscrow{Section: "escrow", Step: s.Name, Text: s.Text, Receipt: s.Receipt, Error: s.Error})
	}
	for _, st := range rep.Ledgers {
		emit(jsonLedger{Section: "ledger", Statement: st})
	}
	for _, st := range rep.Programme {
		emit(jsonProgramme{Section: "programme", Step: st.Name, Text: st.Text, Lines: st.Lines})
	}
	for _, v := range rep.Verified {
		emit(jsonCheck{Section: "check", Name: v.Name, OK: v.OK, Detail: v.Detail})
	}
	if err != nil {
		return err
	}
	_, err = w.Write(b.Bytes())
	return err
}

// optMoney returns m, or nil for the zero Money, so that JSON leaves it out.
func optMoney(m payment.Money) *payment.Money {
	if m == (payment.Money{}) {
		return nil
	}
	return &m
}

// jsonRun opens the JSON output.
type jsonRun struct {
	Section string    `json:"section"`
	At      time.Time `json:"at"`
	Store   string    `json:"store"`
	Clock   string    `json:"clock"`
}

// jsonFee is one fee quote, or why there is none.
type jsonFee struct {
	Section  string              `json:"section"`
	Table    string              `json:"table"`
	Method   payment.Method      `json:"method"`
	Network  payment.CardNetwork `json:"network,omitempty"`
	Region   payment.Region      `json:"region"`
	Amount   payment.Money       `json:"amount"`
	Fee      *payment.Money      `json:"fee,omitempty"`
	Rule     string              `json:"rule,omitempty"`
	Band     *int                `json:"band,omitempty"` // 1-based, for banded rules
	Capped   bool                `json:"capped,omitempty"`
	Rounding string              `json:"rounding,omitempty"`
	Explain  string              `json:"explain,omitempty"`
	Error    string              `json:"error,omitempty"`
}

func newJSONFee(table string, c feeCell) jsonFee {
	j := jsonFee{
		Section: "fees", Table: table, Method: c.Request.Method, Network: c.Request.Network,
		Region: c.Request.Region, Amount: c.Request.Amount,
	}
	if c.Err != nil {
		j.Error = c.Err.Error()
		return j
	}
	q := c.Quote
	j.Fee, j.Rule, j.Capped, j.Rounding, j.Explain = optMoney(q.Fee), q.RuleID, q.Capped, q.Rounding.String(), c.Explain
	if q.Band >= 0 {
		band := q.Band + 1
		j.Band = &band
	}
	return j
}

// jsonEligibility is one eligibility decision.
type jsonEligibility struct {
	Section     string               `json:"section"`
	Buyer       string               `json:"buyer"`
	Description string               `json:"description,omitempty"`
	Country     payment.Country      `json:"country"`
	Amount      payment.Money        `json:"amount"`
	Credit      *payment.CreditLine  `json:"credit,omitempty"`
	Instrument  payment.Instrument   `json:"instrument"`
	Eligible    bool                 `json:"eligible"`
	Reasons     []payment.Reason     `json:"reasons,omitempty"`
	Conversions []payment.Conversion `json:"conversions,omitempty"`
}

// jsonStep is one step of the payments story.
type jsonStep struct {
	Section   string           `json:"section"`
	Step      string           `json:"step"`
	Text      string           `json:"text"`
	PaymentID string           `json:"payment_id,omitempty"`
	OrderID   string           `json:"order_id,omitempty"`
	Tranche   payment.Tranche  `json:"tranche,omitempty"`
	Status    payment.Status   `json:"status,omitempty"`
	Held      bool             `json:"held,omitempty"`
	Version   int64            `json:"version,omitempty"`
	Amount    *payment.Money   `json:"amount,omitempty"`
	Fee       *payment.Money   `json:"fee,omitempty"`
	Capped    bool             `json:"capped,omitempty"`
	Explain   string           `json:"explain,omitempty"`
	Reasons   []payment.Reason `json:"reasons,omitempty"`
	Error     string           `json:"error,omitempty"`
}

// jsonEvent is one line of a payment's timeline.
type jsonEvent struct {
	Section   string           `json:"section"`
	PaymentID string           `json:"payment_id"`
	At        time.Time        `json:"at"`
	Status    payment.Status   `json:"status"`
	Actor     string           `json:"actor"`
	Note      string           `json:"note,omitempty"`
	Reasons   []payment.Reason `json:"reasons,omitempty"`
}

// jsonCheck is one check the program made.
type jsonCheck struct {
	Section string `json:"section"`
	Name    string `json:"name"`
	OK      bool   `json:"ok"`
	Detail  string `json:"detail"`
}

type jsonEscrow struct {
	Section string          `json:"section"`
	Step    string          `json:"step"`
	Text    string          `json:"text"`
	Receipt *escrow.Receipt `json:"receipt,omitempty"`
	Error   string          `json:"error,omitempty"`
}

type jsonLedger struct {
	Section   string            `json:"section"`
	Statement *escrow.Statement `json:"statement"`
}

type jsonProgramme struct {
	Section string   `json:"section"`
	Step    string   `json:"step"`
	Text    string   `json:"text"`
	Lines   []string `json:"lines,omitempty"`
}
