package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
)

// timeLayout is how the report prints the run's start.
const timeLayout = "2006-01-02 15:04 MST"

// indent is the width of the text report's date column.
const indent = "              "

// writeText writes the report for people: each section under its title,
// each event after its date (printed when the date changes), its details
// indented below it, and the checks at the end. It builds the whole text
// first and writes it at once, so a failing writer leaves no half report
// behind an error.
func writeText(w io.Writer, rep *report) error {
	var b bytes.Buffer
	fmt.Fprintln(&b, "tradeassure: a trade-assurance marketplace on the SDK's in-memory stores")
	fmt.Fprintf(&b, "Simulated clock from %s, seed %d; default rules; the platform keeps %s%% of every release.\n",
		rep.Start.Format(timeLayout), rep.Seed, platformFee.Shift(2))
	last := ""
	for _, e := range rep.Events {
		if e.Event == "begin" {
			fmt.Fprintf(&b, "\n%s\n", e.Text)
			last = ""
			continue
		}
		date := indent
		if d := "  " + day(e.At) + "  "; d != last {
			date, last = d, d
		}
		fmt.Fprintln(&b, date+e.Text)
		for _, l := range e.Lines {
			fmt.Fprintln(&b, indent+"  "+l)
		}
	}

	passed := 0
	for _, v := range rep.Checks {
		if v.OK {
			passed++
		}
	}
	fmt.Fprintf(&b, "\nCHECKS   %d of %d passed (the program exits 1 when one fails)\n", passed, len(rep.Checks))
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, v := range rep.Checks {
		mark := "ok"
		if !v.OK {
			mark = "FAILED"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", mark, v.Name, v.Detail)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// writeJSON writes the report as JSON lines, one object per line: the run,
// then every event with its "section", "event", "at", "text", the text
// report's detail "lines" and the "data" the SDK returned, then every check
// and their summary.
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
	emit(event{Section: "run", Event: "start", At: rep.Start, Text: "a trade-assurance marketplace on the SDK's in-memory stores",
		Data: struct {
			Seed        uint64 `json:"seed"`
			Store       string `json:"store"`
			Clock       string `json:"clock"`
			PlatformFee string `json:"platform_fee"`
		}{rep.Seed, "memory", "simulated", platformFee.String()}})
	end := rep.Start
	for _, e := range rep.Events {
		emit(e)
		end = e.At
	}
	passed := 0
	for _, v := range rep.Checks {
		emit(event{Section: "checks", Event: "check", At: end, Text: v.Detail, Data: v})
		if v.OK {
			passed++
		}
	}
	emit(event{Section: "checks", Event: "summary", At: end, Text: fmt.Sprintf("%d of %d checks passed", passed, len(rep.Checks)),
		Data: struct {
			Passed int `json:"passed"`
			Failed int `json:"failed"`
		}{passed, len(rep.Checks) - passed}})
	if err != nil {
		return err
	}
	_, err = w.Write(b.Bytes())
	return err
}
