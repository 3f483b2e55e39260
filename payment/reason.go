package payment

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
