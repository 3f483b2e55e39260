package payment

import (
	"time"

	"github.com/shopspring/decimal"
)

// Bearer says who pays a fee.
type Bearer string

// Fee bearers.
const (
	BuyerBears    Bearer = "buyer"    // added to what the buyer pays
	SupplierBears Bearer = "supplier" // deducted from the supplier's payout
	SplitBears    Bearer = "split"    // shared; see FeeRule.BuyerSharePercent
)

// FeeBand is one amount band of a banded fee: payments up to and including
// UpTo pay Percent of the amount plus Fixed. The last band of a rule may
// leave UpTo unset (the zero Money, not USD 0.00) for "no upper bound".
type FeeBand struct {
	UpTo    Money           `json:"up_to"`
	Percent decimal.Decimal `json:"percent"` // a fraction: 0.0299 is 2.99%
	Fixed   Money           `json:"fixed"`
}

// FeeRule is one line of a fee schedule. It applies to payments by Method
// (and Network, Region, Currency when they are set; empty means any) made
// in [From, Until); a zero Until means open-ended. When several rules apply,
// the most specific wins (Network, then Region, then Currency); two rules
// with the same Method, Network, Region and Currency whose periods overlap
// make the schedule invalid.
//
// The fee is Percent × amount + Fixed, or the same from the band the amount
// falls in when Bands is set; then raised to Min and lowered to Cap when they
// are set (Cap wins should a converted Min exceed it); then rounded once, to
// the payment currency's minor unit, with Rounding. Fixed, Min, Cap and band bounds may be in another currency than
// the payment: they are converted with the Rates at the payment time.
type FeeRule struct {
	ID       string      `json:"id"` // stable, unique in the schedule: quotes cite it
	Method   Method      `json:"method"`
	Network  CardNetwork `json:"network,omitempty"`
	Region   Region      `json:"region,omitempty"`
	Currency Currency    `json:"currency,omitempty"`
	From     time.Time   `json:"from"`
	Until    time.Time   `json:"until,omitempty"`

	Percent decimal.Decimal `json:"percent"`
	Fixed   Money           `json:"fixed"`
	Bands   []FeeBand       `json:"bands,omitempty"`
	Min     Money           `json:"min"`
	Cap     Money           `json:"cap"`

	Rounding          RoundingMode `json:"rounding"`
	Bearer            Bearer       `json:"bearer"`
	BuyerSharePercent int64        `json:"buyer_share_percent,omitempty"` // 0..100, for SplitBears
	Note              string       `json:"note,omitempty"`                // why the rule is what it is
}

// FeeRequest is what a fee is quoted for.
type FeeRequest struct {
	Amount  Money       `json:"amount"`            // the payment amount, positive
	Method  Method      `json:"method"`            // how it is paid
	Network CardNetwork `json:"network,omitempty"` // the card network, for cards and card wallets
	Region  Region      `json:"region,omitempty"`  // the buyer's payment region
	At      time.Time   `json:"at"`                // when the payment is (or was) made: selects the rules in force
}

// FeeQuote is a fee and how it was reached, so that it can be explained and
// audited.
type FeeQuote struct {
	Amount      Money           `json:"amount"`       // the payment amount quoted for
	Fee         Money           `json:"fee"`          // the fee, in the payment currency, rounded
	BuyerFee    Money           `json:"buyer_fee"`    // the buyer's part of Fee
	SupplierFee Money           `json:"supplier_fee"` // the supplier's part of Fee
	RuleID      string          `json:"rule_id"`      // the rule that applied
	Band        int             `json:"band"`         // index of the band used, or -1
	Unrounded   decimal.Decimal `json:"unrounded"`    // the fee before rounding, after Min and Cap, in major units (41.25 for USD)
	Rounding    RoundingMode    `json:"rounding"`     // how Unrounded became Fee
	RaisedToMin bool            `json:"raised_to_min,omitempty"`
	Capped      bool            `json:"capped,omitempty"`
	// Conversions lists the exchange rates used, if any.
	Conversions []Conversion `json:"conversions,omitempty"`
}
