package payment

import "strings"

// Reason explains a refusal, an eligibility result or a risk decision: a
// stable machine code to branch on and translate, and English text for logs
// and support staff. Codes are dotted lower-case words ("western_union.country")
// and never change meaning once released.
type Reason struct {
	Code string `json:"code"`
	Text string `json:"text"`
}

// String returns "code: text".
func (r Reason) String() string { return r.Code + ": " + r.Text }

// WithReasons returns msg followed by the reasons, as every refusal of the
// SDK prints them: "msg: code: text; code: text" (msg alone when there are
// none).
func WithReasons(msg string, reasons []Reason) string {
	var b strings.Builder
	b.WriteString(msg)
	for i, r := range reasons {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(r.String())
	}
	return b.String()
}
