package dispute_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/tradeassure/tradeassure/coverage"
	"github.com/tradeassure/tradeassure/dispute"
	"github.com/tradeassure/tradeassure/payment"
)

// The helpers of this file are prefixed adj so that they cannot clash with
// those of the package's other tests.

var (
	adjBuyer    = payment.Buyer("b-1")
	adjSupplier = payment.Supplier("s-1")
	adjAgent    = payment.Platform("agent-1")
)

// adjDay returns 09:00 UTC on the n-th day after 2 March 2026.
func adjDay(n int) time.Time {
	return time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC).AddDate(0, 0, n)
}

// adjUSD parses a USD amount; "" is the zero Money.
func adjUSD(s string) payment.Money {
	if s == "" {
		return payment.Money{}
	}
	return payment.MustParse(s, payment.USD)
}

// adjOrder returns the facts of a USD 1,000.00 order paid in full on day 0,
// to ship by day 20 and be delivered by day 40; change lets a test set
// shipment, delivery and the rest.
func adjOrder(change ...func(*coverage.Order)) coverage.Order {
	o := coverage.Order{
		ID: "ord-1", Plan: coverage.PostDelivery, Value: adjUSD("1000.00"),
		Payments: []coverage.Payment{{Tranche: payment.Full, Amount: adjUSD("1000.00"), PaidAt: adjDay(0)}},
		ShipBy:   adjDay(20), DeliverBy: adjDay(40),
	}
	for _, c := range change {
		c(&o)
	}
	return o
}

// adjShipped sets the shipment day.
func adjShipped(day int) func(*coverage.Order) {
	return func(o *coverage.Order) { o.ShippedAt = adjDay(day) }
}

// adjDelivered sets the delivery day.
func adjDelivered(day int) func(*coverage.Order) {
	return func(o *coverage.Order) { o.DeliveredAt = adjDay(day) }
}

// adjEvidence returns an item of evidence of kind submitted by by on day.
func adjEvidence(by payment.Actor, kind dispute.EvidenceKind, day int) dispute.Evidence {
	n := strconv.Itoa(day)
	return dispute.Evidence{
		ID: string(kind) + "-" + by.ID + "-" + n, Kind: kind, SubmittedBy: by, At: adjDay(day),
		URI: "https://files.example.com/" + by.ID + "/" + n, SHA256: strings.Repeat("ab", 32),
	}
}

// adjReport returns an inspection report by agency with result res,
// submitted by by on day.
func adjReport(by payment.Actor, agency string, res coverage.InspectionResult, day int) dispute.Evidence {
	e := adjEvidence(by, dispute.InspectionReport, day)
	e.ID, e.Agency, e.Result = agency+"-"+e.ID, agency, res
	if res == coverage.InspectionFailed {
		e.Defects = []string{"scratched_screen"}
	}
	return e
}

// adjCase returns a case for reason asking for amount (USD), with
// USD 1,000.00 covered for a buyer's claim, and the evidence.
func adjCase(reason dispute.Reason, amount string, evidence ...dispute.Evidence) *dispute.Case {
	c := &dispute.Case{
		ID: "case-1", OrderID: "ord-1", BuyerID: adjBuyer.ID, SupplierID: adjSupplier.ID,
		Claimant: adjBuyer, Reason: reason, Amount: adjUSD(amount), Covered: adjUSD("1000.00"),
		Evidence: evidence, OpenedAt: adjDay(1),
	}
	if reason.Claimant() == payment.RoleSupplier {
		c.Claimant, c.Covered = adjSupplier, payment.Money{}
	}
	return c
}

// adjInput returns the input of a decision on day now with USD 1,000.00
// held.
func adjInput(c *dispute.Case, o coverage.Order, now int) dispute.Input {
	return dispute.Input{Case: c, Order: o, Held: adjUSD("1000.00"), Now: adjDay(now)}
}

// adjVerdict is what the tests compare of a decision: everything but the
// reasons' text.
type adjVerdict struct {
	Outcome                     dispute.Outcome
	Refund, Compensate, Release payment.Money
	Continue, SupplierAtFault   bool
	InspectionFee               payment.Money
	Rules, Codes                []string
}

// adjWant is a test's expected verdict, amounts as USD strings ("" for
// none: the zero Money for the inspection fee, USD 0.00 for the others).
type adjWant struct {
	outcome                          dispute.Outcome
	refund, compensate, release, fee string
	cont, atFault                    bool
	rules, codes                     []string
}

func (w adjWant) verdict() adjVerdict {
	zero := func(s string) payment.Money {
		if s == "" {
			s = "0"
		}
		return adjUSD(s)
	}
	return adjVerdict{
		Outcome: w.outcome, Refund: zero(w.refund), Compensate: zero(w.compensate), Release: zero(w.release),
		Continue: w.cont, SupplierAtFault: w.atFault, InspectionFee: adjUSD(w.fee), Rules: w.rules, Codes: w.codes,
	}
}

func adjVerdictOf(d dispute.Decision) adjVerdict {
	v := adjVerdict{
		Outcome: d.Outcome, Refund: d.Refund, Compensate: d.Compensate, Release: d.Release,
		Continue: d.Continue, SupplierAtFault: d.SupplierAtFault, InspectionFee: d.InspectionFee, Rules: d.Rules,
	}
	for _, r := range d.Reasons {
		v.Codes = append(v.Codes, r.Code)
	}
	return v
}

// adjOpts compares Money with Equal and empty slices as nil.
var adjOpts = cmp.Options{
	cmp.Comparer(func(a, b payment.Money) bool { return a.Equal(b) }),
	cmpopts.EquateEmpty(),
}

// TestRulesDecide checks every default rule, the side that wins and the
// side that loses, on a USD 1,000.00 order paid in full on day 0, to ship
// by day 20 and be delivered by day 40, with USD 1,000.00 in escrow.
func TestRulesDecide(t *testing.T) {
	sgsFailed := adjReport(adjBuyer, "SGS", coverage.InspectionFailed, 50)
	delivered := []func(*coverage.Order){adjShipped(10), adjDelivered(35)}
	goods := func(reason dispute.Reason, amount string, ev ...dispute.Evidence) dispute.Input {
		return adjInput(adjCase(reason, amount, ev...), adjOrder(delivered...), 52)
	}
	for _, tc := range []struct {
		name  string
		rules func(*dispute.Rules)
		in    dispute.Input
		want  adjWant
	}{
		// late_shipment
		{
			name: "a late clothing order that has not shipped is compensated and goes on",
			in:   adjInput(adjCase(dispute.LateShipment, "20.00"), adjOrder(), 25),
			want: adjWant{outcome: dispute.Compensation, compensate: "20.00", cont: true, atFault: true,
				rules: []string{dispute.RuleLateShipment}, codes: []string{dispute.ReasonShippedLate}},
		},
		{
			name: "goods that shipped late and arrived are compensated and the rest is released",
			in:   adjInput(adjCase(dispute.LateShipment, "20.00"), adjOrder(adjShipped(25), adjDelivered(45)), 50),
			want: adjWant{outcome: dispute.Compensation, compensate: "20.00", release: "980.00", atFault: true,
				rules: []string{dispute.RuleLateShipment}, codes: []string{dispute.ReasonShippedLate}},
		},
		{
			name: "goods that shipped late but are still travelling are compensated and the order goes on",
			in:   adjInput(adjCase(dispute.LateShipment, "20.00"), adjOrder(adjShipped(21)), 22),
			want: adjWant{outcome: dispute.Compensation, compensate: "20.00", cont: true, atFault: true,
				rules: []string{dispute.RuleLateShipment}, codes: []string{dispute.ReasonShippedLate}},
		},
		{
			name: "late compensation above the covered amount is capped to it",
			in: func() dispute.Input {
				c := adjCase(dispute.LateShipment, "600.00")
				c.Covered = adjUSD("500.00")
				return adjInput(c, adjOrder(), 25)
			}(),
			want: adjWant{outcome: dispute.Compensation, compensate: "500.00", cont: true, atFault: true,
				rules: []string{dispute.RuleLateShipment, dispute.RuleAmountCap}, codes: []string{dispute.ReasonShippedLate, dispute.ReasonAmountCapped}},
		},
		{
			name: "goods that shipped on the agreed date lose the claim and the order goes on",
			in:   adjInput(adjCase(dispute.LateShipment, "20.00"), adjOrder(adjShipped(20)), 25),
			want: adjWant{outcome: dispute.Rejection, cont: true,
				rules: []string{dispute.RuleLateShipment}, codes: []string{dispute.ReasonShippedOnTime}},
		},
		{
			name: "goods that shipped on time and arrived lose the claim and everything is released",
			in:   adjInput(adjCase(dispute.LateShipment, "20.00"), adjOrder(adjShipped(15), adjDelivered(30)), 31),
			want: adjWant{outcome: dispute.Rejection, release: "1000.00",
				rules: []string{dispute.RuleLateShipment}, codes: []string{dispute.ReasonShippedOnTime}},
		},
		{
			name: "a claim at the agreed shipment date itself is not late",
			in:   adjInput(adjCase(dispute.LateShipment, "20.00"), adjOrder(), 20),
			want: adjWant{outcome: dispute.Rejection, cont: true,
				rules: []string{dispute.RuleLateShipment}, codes: []string{dispute.ReasonNotYetLate}},
		},
		{
			name: "an order whose late compensation was paid is not compensated twice",
			in: adjInput(adjCase(dispute.LateShipment, "20.00"),
				adjOrder(func(o *coverage.Order) { o.LateCompensationPaid = true }), 25),
			want: adjWant{outcome: dispute.Rejection, cont: true,
				rules: []string{dispute.RuleLateShipment}, codes: []string{dispute.ReasonAlreadyCompensated}},
		},

		// non_delivery
		{
			name: "goods never delivered without a proof of delivery are refunded in full",
			in:   adjInput(adjCase(dispute.NonDelivery, "1000.00"), adjOrder(adjShipped(10)), 45),
			want: adjWant{outcome: dispute.FullRefund, refund: "1000.00", atFault: true,
				rules: []string{dispute.RuleNonDelivery}, codes: []string{dispute.ReasonNotDelivered}},
		},
		{
			name: "a non-delivery claim for part of escrow refunds that part and releases the rest",
			in:   adjInput(adjCase(dispute.NonDelivery, "400.00"), adjOrder(adjShipped(10)), 45),
			want: adjWant{outcome: dispute.PartialRefund, refund: "400.00", release: "600.00", atFault: true,
				rules: []string{dispute.RuleNonDelivery}, codes: []string{dispute.ReasonNotDelivered}},
		},
		{
			name: "the buyer's own proof of delivery does not count for the supplier",
			in: adjInput(adjCase(dispute.NonDelivery, "1000.00", adjEvidence(adjBuyer, dispute.ProofOfDelivery, 44)),
				adjOrder(adjShipped(10)), 45),
			want: adjWant{outcome: dispute.FullRefund, refund: "1000.00", atFault: true,
				rules: []string{dispute.RuleNonDelivery}, codes: []string{dispute.ReasonNotDelivered}},
		},
		{
			name: "a bill of lading without a recorded delivery does not prove delivery",
			in: adjInput(adjCase(dispute.NonDelivery, "1000.00", adjEvidence(adjSupplier, dispute.BillOfLading, 44)),
				adjOrder(adjShipped(10)), 45),
			want: adjWant{outcome: dispute.FullRefund, refund: "1000.00", atFault: true,
				rules: []string{dispute.RuleNonDelivery}, codes: []string{dispute.ReasonNotDelivered}},
		},
		{
			name: "the supplier's proof of delivery loses the buyer the claim and releases everything",
			in: adjInput(adjCase(dispute.NonDelivery, "1000.00", adjEvidence(adjSupplier, dispute.ProofOfDelivery, 44)),
				adjOrder(adjShipped(10)), 45),
			want: adjWant{outcome: dispute.Rejection, release: "1000.00",
				rules: []string{dispute.RuleNonDelivery}, codes: []string{dispute.ReasonDeliveryProven}},
		},
		{
			name: "the supplier's bill of lading for goods recorded as delivered loses the buyer the claim",
			in: adjInput(adjCase(dispute.NonDelivery, "1000.00", adjEvidence(adjSupplier, dispute.BillOfLading, 44)),
				adjOrder(adjShipped(10), adjDelivered(43)), 45),
			want: adjWant{outcome: dispute.Rejection, release: "1000.00",
				rules: []string{dispute.RuleNonDelivery}, codes: []string{dispute.ReasonDeliveryProven}},
		},

		// missing_evidence
		{
			name: "a buyer claiming poor quality without evidence loses",
			in:   goods(dispute.QualityNotAsAgreed, "300.00"),
			want: adjWant{outcome: dispute.Rejection, release: "1000.00",
				rules: []string{dispute.RuleMissingEvidence}, codes: []string{dispute.ReasonMissingEvidence, dispute.ReasonDiscountAfterShipment}},
		},
		{
			name: "a buyer's invoice, packing list and chat record are no evidence of a defect",
			in: goods(dispute.QuantityShort, "300.00", adjEvidence(adjBuyer, dispute.Invoice, 50),
				adjEvidence(adjBuyer, dispute.PackingList, 50), adjEvidence(adjBuyer, dispute.ChatRecord, 50)),
			want: adjWant{outcome: dispute.Rejection, release: "1000.00",
				rules: []string{dispute.RuleMissingEvidence}, codes: []string{dispute.ReasonMissingEvidence, dispute.ReasonDiscountAfterShipment}},
		},
		{
			name: "a third-party report the buyer submitted in which the goods passed is no evidence of a defect",
			in:   goods(dispute.QualityNotAsAgreed, "300.00", adjReport(adjBuyer, "SGS", coverage.InspectionPassed, 50)),
			want: adjWant{outcome: dispute.Rejection, release: "1000.00",
				rules: []string{dispute.RuleMissingEvidence}, codes: []string{dispute.ReasonMissingEvidence, dispute.ReasonDiscountAfterShipment}},
		},
		{
			name: "photos a platform agent submitted in its own name do not count for the buyer",
			in:   goods(dispute.DamagedOnArrival, "300.00", adjEvidence(adjAgent, dispute.Photo, 50)),
			want: adjWant{outcome: dispute.Rejection, release: "1000.00",
				rules: []string{dispute.RuleMissingEvidence}, codes: []string{dispute.ReasonMissingEvidence, dispute.ReasonDiscountAfterShipment}},
		},

		// failed_inspection
		{
			name: "a buyer of electronics with a failed SGS inspection report is refunded",
			in:   goods(dispute.QualityNotAsAgreed, "1000.00", adjEvidence(adjBuyer, dispute.Photo, 49), sgsFailed),
			want: adjWant{outcome: dispute.FullRefund, refund: "1000.00", atFault: true,
				rules: []string{dispute.RuleFailedInspection}, codes: []string{dispute.ReasonFailedInspection}},
		},
		{
			name: "a failed report refunds the amount asked and releases the rest",
			in:   goods(dispute.WrongSpecification, "300.00", sgsFailed),
			want: adjWant{outcome: dispute.PartialRefund, refund: "300.00", release: "700.00", atFault: true,
				rules: []string{dispute.RuleFailedInspection}, codes: []string{dispute.ReasonFailedInspection}},
		},
		{
			name: "a failed report refunds no more than the covered amount",
			in: func() dispute.Input {
				in := goods(dispute.QualityNotAsAgreed, "900.00", sgsFailed)
				in.Case.Covered = adjUSD("600.00")
				return in
			}(),
			want: adjWant{outcome: dispute.PartialRefund, refund: "600.00", release: "400.00", atFault: true,
				rules: []string{dispute.RuleFailedInspection, dispute.RuleAmountCap},
				codes: []string{dispute.ReasonFailedInspection, dispute.ReasonAmountCapped}},
		},
		{
			name:  "the buyer's inspection fee is reimbursed out of the supplier's share",
			rules: func(r *dispute.Rules) { r.InspectionFee = adjUSD("50.00") },
			in:    goods(dispute.QualityNotAsAgreed, "300.00", sgsFailed),
			want: adjWant{outcome: dispute.PartialRefund, refund: "350.00", release: "650.00", fee: "50.00", atFault: true,
				rules: []string{dispute.RuleFailedInspection, dispute.RuleInspectionFee},
				codes: []string{dispute.ReasonFailedInspection, dispute.ReasonInspectionFeeReimbursed}},
		},
		{
			name:  "the inspection fee reimbursed is no more than the supplier's share",
			rules: func(r *dispute.Rules) { r.InspectionFee = adjUSD("50.00") },
			in:    goods(dispute.QualityNotAsAgreed, "980.00", sgsFailed),
			want: adjWant{outcome: dispute.FullRefund, refund: "1000.00", fee: "20.00", atFault: true,
				rules: []string{dispute.RuleFailedInspection, dispute.RuleInspectionFee},
				codes: []string{dispute.ReasonFailedInspection, dispute.ReasonInspectionFeeReimbursed}},
		},
		{
			name:  "no inspection fee is reimbursed when nothing is left for the supplier",
			rules: func(r *dispute.Rules) { r.InspectionFee = adjUSD("50.00") },
			in:    goods(dispute.QualityNotAsAgreed, "1000.00", sgsFailed),
			want: adjWant{outcome: dispute.FullRefund, refund: "1000.00", atFault: true,
				rules: []string{dispute.RuleFailedInspection}, codes: []string{dispute.ReasonFailedInspection}},
		},
		{
			name:  "no inspection fee is reimbursed to a buyer who lost",
			rules: func(r *dispute.Rules) { r.InspectionFee = adjUSD("50.00") },
			in: goods(dispute.QualityNotAsAgreed, "300.00", sgsFailed,
				adjReport(adjSupplier, "Intertek", coverage.InspectionPassed, 51)),
			want: adjWant{outcome: dispute.Rejection, release: "1000.00",
				rules: []string{dispute.RuleSupplierRebuttal}, codes: []string{dispute.ReasonPassedInspection, dispute.ReasonInspectionOutweighed}},
		},
		{
			name: "a supplier's passed report later than the buyer's failed one outweighs it",
			in: goods(dispute.QualityNotAsAgreed, "300.00", adjEvidence(adjBuyer, dispute.Photo, 49), sgsFailed,
				adjReport(adjSupplier, "BV", coverage.InspectionPassed, 51)),
			want: adjWant{outcome: dispute.Rejection, release: "1000.00",
				rules: []string{dispute.RuleSupplierRebuttal}, codes: []string{dispute.ReasonPassedInspection, dispute.ReasonInspectionOutweighed}},
		},
		{
			name: "a buyer's failed report later than the supplier's passed one stands",
			in:   goods(dispute.QualityNotAsAgreed, "300.00", adjReport(adjSupplier, "BV", coverage.InspectionPassed, 49), sgsFailed),
			want: adjWant{outcome: dispute.PartialRefund, refund: "300.00", release: "700.00", atFault: true,
				rules: []string{dispute.RuleFailedInspection}, codes: []string{dispute.ReasonFailedInspection}},
		},
		{
			name: "a buyer's failed report at the same instant as the supplier's passed one stands",
			in:   goods(dispute.QualityNotAsAgreed, "300.00", adjReport(adjSupplier, "TÜV", coverage.InspectionPassed, 50), sgsFailed),
			want: adjWant{outcome: dispute.PartialRefund, refund: "300.00", release: "700.00", atFault: true,
				rules: []string{dispute.RuleFailedInspection}, codes: []string{dispute.ReasonFailedInspection}},
		},
		{
			name: "a supplier's passed report by an unrecognised agency does not outweigh a failed SGS report",
			in:   goods(dispute.QualityNotAsAgreed, "300.00", sgsFailed, adjReport(adjSupplier, "Acme Inspections", coverage.InspectionPassed, 51)),
			want: adjWant{outcome: dispute.PartialRefund, refund: "300.00", release: "700.00", atFault: true,
				rules: []string{dispute.RuleFailedInspection}, codes: []string{dispute.ReasonFailedInspection}},
		},
		{
			name: "the supplier's loading video and proof of delivery do not outweigh an independent failed report",
			in: goods(dispute.DamagedOnArrival, "300.00", sgsFailed, adjEvidence(adjSupplier, dispute.LoadingVideo, 51),
				adjEvidence(adjSupplier, dispute.ProofOfDelivery, 51)),
			want: adjWant{outcome: dispute.PartialRefund, refund: "300.00", release: "700.00", atFault: true,
				rules: []string{dispute.RuleFailedInspection}, codes: []string{dispute.ReasonFailedInspection}},
		},

		// supplier_rebuttal
		{
			name: "photos are defeated by the supplier's passed third-party report",
			in: goods(dispute.QualityNotAsAgreed, "300.00", adjEvidence(adjBuyer, dispute.Photo, 50),
				adjReport(adjSupplier, "SGS", coverage.InspectionPassed, 8)),
			want: adjWant{outcome: dispute.Rejection, release: "1000.00",
				rules: []string{dispute.RuleSupplierRebuttal}, codes: []string{dispute.ReasonPassedInspection}},
		},
		{
			name: "a video is defeated by the supplier's loading video",
			in: goods(dispute.DamagedOnArrival, "300.00", adjEvidence(adjBuyer, dispute.Video, 50),
				adjEvidence(adjSupplier, dispute.LoadingVideo, 51)),
			want: adjWant{outcome: dispute.Rejection, release: "1000.00",
				rules: []string{dispute.RuleSupplierRebuttal}, codes: []string{dispute.ReasonLoadingVideo}},
		},
		{
			name: "photos are defeated by the supplier's signed delivery note",
			in: goods(dispute.Packaging, "300.00", adjEvidence(adjBuyer, dispute.Photo, 50),
				adjEvidence(adjSupplier, dispute.ProofOfDelivery, 51)),
			want: adjWant{outcome: dispute.Rejection, release: "1000.00",
				rules: []string{dispute.RuleSupplierRebuttal}, codes: []string{dispute.ReasonDeliveryNote}},
		},
		{
			name: "every defeating item of the supplier's is a reason",
			in: goods(dispute.QuantityShort, "300.00", adjEvidence(adjBuyer, dispute.Photo, 50),
				adjEvidence(adjSupplier, dispute.ProofOfDelivery, 51), adjEvidence(adjSupplier, dispute.LoadingVideo, 51),
				adjReport(adjSupplier, "Intertek", coverage.InspectionPassed, 9)),
			want: adjWant{outcome: dispute.Rejection, release: "1000.00", rules: []string{dispute.RuleSupplierRebuttal},
				codes: []string{dispute.ReasonPassedInspection, dispute.ReasonLoadingVideo, dispute.ReasonDeliveryNote}},
		},

		// photo_evidence
		{
			name: "photos the supplier does not rebut refund half the amount",
			in:   goods(dispute.QualityNotAsAgreed, "1000.00", adjEvidence(adjBuyer, dispute.Photo, 50)),
			want: adjWant{outcome: dispute.PartialRefund, refund: "500.00", release: "500.00", atFault: true,
				rules: []string{dispute.RulePhotoEvidence}, codes: []string{dispute.ReasonPhotoEvidence}},
		},
		{
			name: "a failed report by an unrecognised agency counts as the buyer's own evidence",
			in:   goods(dispute.WrongSpecification, "400.00", adjReport(adjBuyer, "Acme Inspections", coverage.InspectionFailed, 50)),
			want: adjWant{outcome: dispute.PartialRefund, refund: "200.00", release: "800.00", atFault: true,
				rules: []string{dispute.RulePhotoEvidence}, codes: []string{dispute.ReasonPhotoEvidence}},
		},
		{
			name: "supplier evidence that defeats nothing leaves the photos standing",
			in: goods(dispute.DamagedOnArrival, "400.00", adjEvidence(adjBuyer, dispute.Photo, 50),
				adjEvidence(adjSupplier, dispute.ChatRecord, 51), adjReport(adjSupplier, "SGS", coverage.InspectionFailed, 8)),
			want: adjWant{outcome: dispute.PartialRefund, refund: "200.00", release: "800.00", atFault: true,
				rules: []string{dispute.RulePhotoEvidence}, codes: []string{dispute.ReasonPhotoEvidence}},
		},
		{
			name:  "a custom PhotoOnlyPercent of 30 is honoured",
			rules: func(r *dispute.Rules) { r.PhotoOnlyPercent = 30 },
			in:    goods(dispute.QualityNotAsAgreed, "1000.00", adjEvidence(adjBuyer, dispute.Photo, 50)),
			want: adjWant{outcome: dispute.PartialRefund, refund: "300.00", release: "700.00", atFault: true,
				rules: []string{dispute.RulePhotoEvidence}, codes: []string{dispute.ReasonPhotoEvidence}},
		},
		{
			name:  "a PhotoOnlyPercent of 100 refunds everything",
			rules: func(r *dispute.Rules) { r.PhotoOnlyPercent = 100 },
			in:    goods(dispute.QualityNotAsAgreed, "1000.00", adjEvidence(adjBuyer, dispute.Photo, 50)),
			want: adjWant{outcome: dispute.FullRefund, refund: "1000.00", atFault: true,
				rules: []string{dispute.RulePhotoEvidence}, codes: []string{dispute.ReasonPhotoEvidence}},
		},
		{
			name: "half of an odd cent is rounded half-even down to the even cent",
			in:   goods(dispute.QualityNotAsAgreed, "0.05", adjEvidence(adjBuyer, dispute.Photo, 50)),
			want: adjWant{outcome: dispute.PartialRefund, refund: "0.02", release: "999.98", atFault: true,
				rules: []string{dispute.RulePhotoEvidence}, codes: []string{dispute.ReasonPhotoEvidence}},
		},
		{
			name: "half of an odd cent is rounded half-even up to the even cent",
			in:   goods(dispute.QualityNotAsAgreed, "0.07", adjEvidence(adjBuyer, dispute.Photo, 50)),
			want: adjWant{outcome: dispute.PartialRefund, refund: "0.04", release: "999.96", atFault: true,
				rules: []string{dispute.RulePhotoEvidence}, codes: []string{dispute.ReasonPhotoEvidence}},
		},
		{
			name: "the photo percentage is of the capped amount",
			in: func() dispute.Input {
				in := goods(dispute.QualityNotAsAgreed, "1000.00", adjEvidence(adjBuyer, dispute.Photo, 50))
				in.Held = adjUSD("600.00")
				return in
			}(),
			want: adjWant{outcome: dispute.PartialRefund, refund: "300.00", release: "300.00", atFault: true,
				rules: []string{dispute.RulePhotoEvidence, dispute.RuleAmountCap}, codes: []string{dispute.ReasonPhotoEvidence, dispute.ReasonAmountCapped}},
		},

		// cancelled_after_production and balance_refused
		{
			name: "a supplier whose buyer cancelled after production, shown by a chat record, is paid and the rest refunded",
			in: adjInput(adjCase(dispute.CancelledAfterProduction, "300.00", adjEvidence(adjSupplier, dispute.ChatRecord, 5)),
				adjOrder(), 6),
			want: adjWant{outcome: dispute.ForSupplier, refund: "700.00", release: "300.00",
				rules: []string{dispute.RuleCancelledAfterProduction}, codes: []string{dispute.ReasonProductionStarted}},
		},
		{
			name: "a supplier refused the balance, shown by a contract clause, is paid",
			in: adjInput(adjCase(dispute.BalanceRefused, "1000.00", adjEvidence(adjSupplier, dispute.ContractClause, 5)),
				adjOrder(adjShipped(10)), 12),
			want: adjWant{outcome: dispute.ForSupplier, release: "1000.00",
				rules: []string{dispute.RuleBalanceRefused}, codes: []string{dispute.ReasonProductionStarted}},
		},
		{
			name: "a supplier is paid no more than escrow holds",
			in: adjInput(adjCase(dispute.BalanceRefused, "1500.00", adjEvidence(adjSupplier, dispute.ContractClause, 5)),
				adjOrder(func(o *coverage.Order) { o.Value = adjUSD("2500.00") }), 12),
			want: adjWant{outcome: dispute.ForSupplier, release: "1000.00",
				rules: []string{dispute.RuleBalanceRefused, dispute.RuleAmountCap}, codes: []string{dispute.ReasonProductionStarted, dispute.ReasonAmountCapped}},
		},
		{
			name: "a supplier's case without a chat record or contract clause is rejected and the order goes on",
			in: adjInput(adjCase(dispute.CancelledAfterProduction, "300.00", adjEvidence(adjSupplier, dispute.Photo, 5),
				adjEvidence(adjBuyer, dispute.ChatRecord, 5)), adjOrder(), 6),
			want: adjWant{outcome: dispute.Rejection, cont: true,
				rules: []string{dispute.RuleCancelledAfterProduction}, codes: []string{dispute.ReasonSupplierMissingEvidence}},
		},
		{
			name: "a supplier's case on an order the buyer never paid is rejected: production had not started",
			in: func() dispute.Input {
				in := adjInput(adjCase(dispute.BalanceRefused, "300.00", adjEvidence(adjSupplier, dispute.ContractClause, 5)),
					adjOrder(func(o *coverage.Order) { o.Payments = nil }), 6)
				in.Held = adjUSD("0.00")
				return in
			}(),
			want: adjWant{outcome: dispute.Rejection, cont: true,
				rules: []string{dispute.RuleBalanceRefused}, codes: []string{dispute.ReasonProductionNotStarted}},
		},
		{
			name: "a supplier's case with neither payment nor evidence gives both reasons",
			in: func() dispute.Input {
				in := adjInput(adjCase(dispute.CancelledAfterProduction, "300.00"),
					adjOrder(func(o *coverage.Order) { o.Payments = nil }), 6)
				in.Held = adjUSD("0.00")
				return in
			}(),
			want: adjWant{outcome: dispute.Rejection, cont: true, rules: []string{dispute.RuleCancelledAfterProduction},
				codes: []string{dispute.ReasonProductionNotStarted, dispute.ReasonSupplierMissingEvidence}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rules := dispute.DefaultRules()
			if tc.rules != nil {
				tc.rules(&rules)
			}
			before := tc.in.Case.Clone()
			d, err := rules.Decide(context.Background(), tc.in)
			require.NoError(t, err)
			if diff := cmp.Diff(tc.want.verdict(), adjVerdictOf(d), adjOpts); diff != "" {
				t.Errorf("decision mismatch (-want +got):\n%s", diff)
			}
			for _, r := range d.Reasons {
				if r.Text == "" {
					t.Errorf("reason %s has no text", r.Code)
				}
			}
			if d.By != (payment.Actor{}) || !d.At.IsZero() {
				t.Errorf("the rules set By %v and At %v; the service sets them", d.By, d.At)
			}
			if diff := cmp.Diff(before, tc.in.Case, adjOpts); diff != "" {
				t.Errorf("Decide changed the case (-before +after):\n%s", diff)
			}
		})
	}
}

// TestEveryClaimAboutTheGoodsNeedsEvidence checks that each reason about
// the goods is rejected without the buyer's evidence and partly refunded
// with a photo.
func TestEveryClaimAboutTheGoodsNeedsEvidence(t *testing.T) {
	o := adjOrder(adjShipped(10), adjDelivered(35))
	for _, reason := range dispute.Reasons() {
		if !reason.AboutTheGoods() {
			continue
		}
		t.Run("a "+string(reason)+" claim without evidence is rejected", func(t *testing.T) {
			d, err := dispute.DefaultRules().Decide(context.Background(), adjInput(adjCase(reason, "100.00"), o, 40))
			require.NoError(t, err)
			require.Equal(t, dispute.Rejection, d.Outcome)
			require.Equal(t, []string{dispute.RuleMissingEvidence}, d.Rules)
		})
		t.Run("a "+string(reason)+" claim with a photo is partly refunded", func(t *testing.T) {
			in := adjInput(adjCase(reason, "100.00", adjEvidence(adjBuyer, dispute.Photo, 36)), o, 40)
			d, err := dispute.DefaultRules().Decide(context.Background(), in)
			require.NoError(t, err)
			require.Equal(t, dispute.PartialRefund, d.Outcome)
			require.Equal(t, adjUSD("50.00"), d.Refund)
		})
	}
}

// TestRulesValidate checks the figures Validate accepts and refuses.
func TestRulesValidate(t *testing.T) {
	t.Run("the default rules are valid", func(t *testing.T) {
		require.NoError(t, dispute.DefaultRules().Validate())
	})
	t.Run("an inspection fee and any percentage from 1 to 100 are valid", func(t *testing.T) {
		for _, p := range []int{1, 30, 100} {
			r := dispute.DefaultRules()
			r.PhotoOnlyPercent, r.InspectionFee = p, adjUSD("150.00")
			require.NoError(t, r.Validate(), "percent %d", p)
		}
	})
	for _, tc := range []struct {
		name   string
		change func(*dispute.Rules)
		says   []string
	}{
		{"a percentage above 100 is invalid", func(r *dispute.Rules) { r.PhotoOnlyPercent = 101 }, []string{"PhotoOnlyPercent is 101"}},
		{"a percentage of zero is invalid", func(r *dispute.Rules) { r.PhotoOnlyPercent = 0 }, []string{"PhotoOnlyPercent is 0"}},
		{"the zero Rules are invalid", func(r *dispute.Rules) { *r = dispute.Rules{} }, []string{"PhotoOnlyPercent is 0"}},
		{"a negative inspection fee is invalid", func(r *dispute.Rules) { r.InspectionFee = adjUSD("-1.00") }, []string{"InspectionFee USD -1.00 is negative"}},
		{"every problem is reported at once", func(r *dispute.Rules) { r.PhotoOnlyPercent, r.InspectionFee = -5, adjUSD("-1.00") },
			[]string{"PhotoOnlyPercent is -5", "InspectionFee USD -1.00 is negative"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := dispute.DefaultRules()
			tc.change(&r)
			err := r.Validate()
			require.ErrorIs(t, err, dispute.ErrInvalidRules)
			for _, s := range tc.says {
				require.ErrorContains(t, err, s)
			}
			in := adjInput(adjCase(dispute.QualityNotAsAgreed, "100.00"), adjOrder(adjShipped(10), adjDelivered(35)), 40)
			_, err = r.Decide(context.Background(), in)
			require.ErrorIs(t, err, dispute.ErrInvalidRules, "Decide with invalid rules")
		})
	}
}

// TestRulesDecideRefusesBadInput checks that Decide decides nothing on
// input it cannot trust.
func TestRulesDecideRefusesBadInput(t *testing.T) {
	good := func() dispute.Input {
		return adjInput(adjCase(dispute.QualityNotAsAgreed, "100.00", adjEvidence(adjBuyer, dispute.Photo, 36)),
			adjOrder(adjShipped(10), adjDelivered(35)), 40)
	}
	eur := payment.MustParse("100.00", payment.EUR)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name   string
		ctx    context.Context
		rules  func(*dispute.Rules)
		change func(*dispute.Input)
		is     []error
		as     bool // a *payment.CurrencyMismatchError
	}{
		{name: "a done context is its error", ctx: cancelled, is: []error{context.Canceled}},
		{name: "an input without a case is invalid", change: func(in *dispute.Input) { in.Case = nil }, is: []error{dispute.ErrInvalidRequest}},
		{name: "an unknown reason is invalid", change: func(in *dispute.Input) { in.Case.Reason = "second_thoughts" }, is: []error{dispute.ErrInvalidRequest}},
		{name: "a change of mind, which is never a case, is invalid", change: func(in *dispute.Input) { in.Case.Reason = dispute.ChangeOfMind }, is: []error{dispute.ErrInvalidRequest}},
		{name: "a claim the supplier opened for the buyer is invalid", change: func(in *dispute.Input) { in.Case.Claimant = adjSupplier }, is: []error{dispute.ErrInvalidRequest}},
		{name: "a supplier's case the buyer opened is invalid", change: func(in *dispute.Input) {
			in.Case.Reason, in.Case.Covered = dispute.BalanceRefused, payment.Money{}
		}, is: []error{dispute.ErrInvalidRequest}},
		{name: "a decision without the time is invalid", change: func(in *dispute.Input) { in.Now = time.Time{} }, is: []error{dispute.ErrInvalidRequest}},
		{name: "order facts that fail validation are invalid", change: func(in *dispute.Input) { in.Order.ID = "" },
			is: []error{dispute.ErrInvalidRequest, coverage.ErrInvalidFacts}},
		{name: "a late-shipment claim on an order without a shipment date is invalid", change: func(in *dispute.Input) {
			in.Case.Reason, in.Order.ShipBy, in.Order.DeliverBy = dispute.LateShipment, time.Time{}, time.Time{}
		}, is: []error{dispute.ErrInvalidRequest}},
		{name: "a negative escrow balance is invalid", change: func(in *dispute.Input) { in.Held = adjUSD("-0.01") },
			is: []error{dispute.ErrInvalidRequest, payment.ErrInvalidAmount}},
		{name: "an amount asked of zero is invalid", change: func(in *dispute.Input) { in.Case.Amount = adjUSD("0") },
			is: []error{dispute.ErrInvalidRequest, payment.ErrInvalidAmount}},
		{name: "a negative covered amount is invalid", change: func(in *dispute.Input) { in.Case.Covered = adjUSD("-1") },
			is: []error{dispute.ErrInvalidRequest, payment.ErrInvalidAmount}},
		{name: "an escrow balance in another currency than the order's is a mismatch", change: func(in *dispute.Input) { in.Held = eur }, as: true},
		{name: "an unset escrow balance is a mismatch", change: func(in *dispute.Input) { in.Held = payment.Money{} }, as: true},
		{name: "an amount asked in another currency is a mismatch", change: func(in *dispute.Input) { in.Case.Amount = eur }, as: true},
		{name: "a buyer's claim without its covered amount is a mismatch", change: func(in *dispute.Input) { in.Case.Covered = payment.Money{} }, as: true},
		{name: "an inspection fee in another currency, when reimbursed, is a mismatch",
			rules: func(r *dispute.Rules) { r.InspectionFee = eur },
			change: func(in *dispute.Input) {
				in.Case.Evidence = append(in.Case.Evidence, adjReport(adjBuyer, "SGS", coverage.InspectionFailed, 37))
			}, as: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := tc.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			rules := dispute.DefaultRules()
			if tc.rules != nil {
				tc.rules(&rules)
			}
			in := good()
			if tc.change != nil {
				tc.change(&in)
			}
			d, err := rules.Decide(ctx, in)
			require.Error(t, err)
			require.Equal(t, dispute.Decision{}.Outcome, d.Outcome, "a decision came with the error")
			for _, target := range tc.is {
				require.ErrorIs(t, err, target)
			}
			if tc.as {
				var mismatch *payment.CurrencyMismatchError
				require.ErrorAs(t, err, &mismatch)
			}
		})
	}
	t.Run("an inspection fee in another currency is harmless when not reimbursed", func(t *testing.T) {
		rules := dispute.DefaultRules()
		rules.InspectionFee = eur
		_, err := rules.Decide(context.Background(), good())
		require.NoError(t, err)
	})
}

// adjAtLeastChecks makes rapid run at least n checks in the test, unless the
// command line or the environment set -rapid.checks.
func adjAtLeastChecks(t *testing.T, n int) {
	f := flag.Lookup("rapid.checks")
	if f == nil {
		t.Fatal("rapid registers no -rapid.checks flag")
	}
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "rapid.checks" })
	if _, env := os.LookupEnv("RAPID_CHECKS"); set || env {
		return
	}
	old := f.Value.String()
	if cur, err := strconv.Atoi(old); err == nil && cur >= n {
		return
	}
	require.NoError(t, flag.Set("rapid.checks", strconv.Itoa(n)))
	t.Cleanup(func() { _ = flag.Set("rapid.checks", old) })
}

// TestDecisionInvariants checks, over 2,000 random cases, orders, escrow
// balances and rules, that every decision of the default rules keeps the
// invariants of a Decision: amounts in the escrow's currency and never
// negative; the parts add up to what escrow holds when the order ends, and
// only a compensation within it is paid when it goes on; a buyer is never
// paid more than the least of what was asked, covered and held (the
// reimbursed inspection fee apart); a supplier never more than escrow holds
// nor more than asked. It also checks that the same input gives the same
// decision, that the input's case is left alone and that every decision
// names its rules and coded reasons.
func TestDecisionInvariants(t *testing.T) {
	adjAtLeastChecks(t, 2000)
	known := []string{dispute.RuleLateShipment, dispute.RuleNonDelivery, dispute.RuleMissingEvidence, dispute.RuleFailedInspection,
		dispute.RuleSupplierRebuttal, dispute.RulePhotoEvidence, dispute.RuleCancelledAfterProduction, dispute.RuleBalanceRefused,
		dispute.RuleAmountCap, dispute.RuleInspectionFee}
	agencies := append(dispute.Agencies(), "Acme Inspections")
	rapid.Check(t, func(rt *rapid.T) {
		cur := rapid.SampledFrom([]payment.Currency{payment.USD, payment.JPY, payment.KWD}).Draw(rt, "currency")
		minor := func(units int64) payment.Money {
			m, err := payment.FromMinor(units, cur)
			if err != nil {
				rt.Fatalf("FromMinor(%d): %v", units, err)
			}
			return m
		}
		days := func(label string, lo, hi int) time.Time { return adjDay(rapid.IntRange(lo, hi).Draw(rt, label)) }

		value := rapid.Int64Range(1, 1_000_000_000).Draw(rt, "value")
		paid := rapid.Int64Range(0, value).Draw(rt, "paid")
		o := coverage.Order{ID: "ord-r", Plan: rapid.SampledFrom([]coverage.Plan{coverage.PreShipment, coverage.PostDelivery}).Draw(rt, "plan"),
			Value: minor(value), LateCompensationPaid: rapid.Bool().Draw(rt, "compensated")}
		if paid > 0 {
			deposit := rapid.Int64Range(0, paid).Draw(rt, "deposit")
			o.Payments = []coverage.Payment{{Tranche: payment.Deposit, Amount: minor(deposit), PaidAt: adjDay(0)},
				{Tranche: payment.Balance, Amount: minor(paid - deposit), PaidAt: days("balance paid", 0, 30)}}
		}
		o.ShipBy = days("ship by", 1, 40)
		o.DeliverBy = o.ShipBy.AddDate(0, 0, rapid.IntRange(0, 30).Draw(rt, "shipping days"))
		if rapid.Bool().Draw(rt, "shipped") {
			o.ShippedAt = days("shipped at", 1, 70)
			if rapid.Bool().Draw(rt, "delivered") {
				o.DeliveredAt = o.ShippedAt.AddDate(0, 0, rapid.IntRange(0, 30).Draw(rt, "transit days"))
			}
		}
		held := rapid.Int64Range(0, paid).Draw(rt, "held")

		reason := rapid.SampledFrom(slices.DeleteFunc(dispute.Reasons(), func(r dispute.Reason) bool { return r == dispute.ChangeOfMind })).Draw(rt, "reason")
		c := adjCase(reason, "1", nil...)
		c.Amount = minor(rapid.Int64Range(1, 2*value).Draw(rt, "asked"))
		if reason.Claimant() == payment.RoleBuyer {
			c.Covered = minor(rapid.Int64Range(0, value).Draw(rt, "covered"))
		}
		n := rapid.IntRange(0, 6).Draw(rt, "evidence")
		for i := range n {
			by := rapid.SampledFrom([]payment.Actor{adjBuyer, adjSupplier, adjAgent}).Draw(rt, "by")
			kind := rapid.SampledFrom(dispute.EvidenceKinds()).Draw(rt, "kind")
			day := rapid.IntRange(0, 120).Draw(rt, "submitted")
			e := adjEvidence(by, kind, day)
			if kind == dispute.InspectionReport {
				e = adjReport(by, rapid.SampledFrom(agencies).Draw(rt, "agency"),
					rapid.SampledFrom([]coverage.InspectionResult{coverage.InspectionPassed, coverage.InspectionFailed}).Draw(rt, "result"), day)
			}
			e.ID += "-" + strconv.Itoa(i)
			c.Evidence = append(c.Evidence, e)
		}
		rules := dispute.DefaultRules()
		rules.PhotoOnlyPercent = rapid.IntRange(1, 100).Draw(rt, "photo percent")
		if rapid.Bool().Draw(rt, "fee") {
			rules.InspectionFee = minor(rapid.Int64Range(0, value).Draw(rt, "inspection fee"))
		}
		in := dispute.Input{Case: c, Order: o, Held: minor(held), Now: days("now", 0, 150)}
		before := c.Clone()

		d, err := rules.Decide(context.Background(), in)
		if err != nil {
			rt.Fatalf("Decide: %v", err)
		}
		again, err := rules.Decide(context.Background(), dispute.Input{Case: before.Clone(), Order: o, Held: in.Held, Now: in.Now})
		if err != nil {
			rt.Fatalf("Decide again: %v", err)
		}
		if diff := cmp.Diff(d, again, adjOpts); diff != "" {
			rt.Fatalf("the same input gave another decision (-first +second):\n%s", diff)
		}
		if diff := cmp.Diff(before, c, adjOpts); diff != "" {
			rt.Fatalf("Decide changed the case (-before +after):\n%s", diff)
		}

		for name, m := range map[string]payment.Money{"Refund": d.Refund, "Compensate": d.Compensate, "Release": d.Release} {
			if m.Currency() != cur || m.IsNegative() {
				rt.Fatalf("%s is %s: want a non-negative amount in %s", name, m, cur)
			}
		}
		refund, compensate, release, fee := d.Refund.Minor(), d.Compensate.Minor(), d.Release.Minor(), int64(0)
		if d.InspectionFee != (payment.Money{}) {
			if d.InspectionFee.Currency() != cur || !d.InspectionFee.IsPositive() {
				rt.Fatalf("InspectionFee is %s: want the zero Money or a positive amount in %s", d.InspectionFee, cur)
			}
			fee = d.InspectionFee.Minor()
		}
		if d.Continue {
			if refund != 0 || release != 0 || compensate > held {
				rt.Fatalf("%v goes on but pays more than a compensation within the USD %d held", d, held)
			}
		} else if refund+compensate+release != held {
			rt.Fatalf("%v ends the order but its parts do not add up to the %d minor units held", d, held)
		}
		if reason.Claimant() == payment.RoleBuyer {
			limit := min(c.Amount.Minor(), c.Covered.Minor(), held)
			if refund+compensate-fee > limit {
				rt.Fatalf("%v pays the buyer more than the cap of %d minor units", d, limit)
			}
			if fee > refund || fee > 0 && (!d.SupplierAtFault || d.Continue) {
				rt.Fatalf("%v reimburses an inspection fee of %d it should not", d, fee)
			}
			if d.Outcome == dispute.ForSupplier {
				rt.Fatalf("%v: a buyer's claim decided for the supplier", d)
			}
			if d.Outcome == dispute.Rejection && (refund != 0 || compensate != 0 || d.SupplierAtFault) {
				rt.Fatalf("%v: a rejected claim pays the buyer", d)
			}
			if d.Outcome == dispute.FullRefund && release != 0 {
				rt.Fatalf("%v: a full refund releases something", d)
			}
		} else {
			if release > held || release > c.Amount.Minor() || compensate != 0 || d.SupplierAtFault || fee != 0 {
				rt.Fatalf("%v: a supplier's case pays more than asked or held, or compensates", d)
			}
			if d.Outcome != dispute.ForSupplier && d.Outcome != dispute.Rejection {
				rt.Fatalf("%v: a supplier's case ends in %s", d, d.Outcome)
			}
		}

		if len(d.Rules) == 0 || len(d.Reasons) < len(d.Rules) {
			rt.Fatalf("%v names %d rules and %d reasons", d, len(d.Rules), len(d.Reasons))
		}
		for _, id := range d.Rules {
			if !slices.Contains(known, id) {
				rt.Fatalf("%v names unknown rule %q", d, id)
			}
		}
		for _, r := range d.Reasons {
			if !strings.HasPrefix(r.Code, "dispute.rule.") || r.Text == "" {
				rt.Fatalf("%v gives reason %q", d, r)
			}
		}
		if d.By != (payment.Actor{}) || !d.At.IsZero() {
			rt.Fatalf("%v sets By or At", d)
		}
	})
}

// ExampleAdjudicatorFunc shows an Adjudicator of the caller's own: claims
// of up to USD 50.00 are refunded without looking at the evidence, as a
// goodwill policy; the rest go to the default rules.
func ExampleAdjudicatorFunc() {
	rules := dispute.DefaultRules()
	goodwill := payment.MustParse("50.00", payment.USD)
	var adj dispute.Adjudicator = dispute.AdjudicatorFunc(func(ctx context.Context, in dispute.Input) (dispute.Decision, error) {
		if in.Case.Reason.Claimant() != payment.RoleBuyer {
			return rules.Decide(ctx, in)
		}
		if c, err := in.Case.Amount.Cmp(goodwill); err != nil || c > 0 {
			return rules.Decide(ctx, in)
		}
		release, err := in.Held.Sub(in.Case.Amount)
		if err != nil || release.IsNegative() {
			return rules.Decide(ctx, in)
		}
		zero, err := payment.FromMinor(0, in.Held.Currency())
		if err != nil {
			return dispute.Decision{}, err
		}
		return dispute.Decision{
			Outcome: dispute.PartialRefund, Refund: in.Case.Amount, Compensate: zero, Release: release,
			Rules:   []string{"goodwill"},
			Reasons: []payment.Reason{{Code: "example.goodwill", Text: "small claims are refunded as a goodwill gesture"}},
		}, nil
	})

	order := coverage.Order{
		ID: "ord-7", Plan: coverage.PostDelivery, Value: payment.MustParse("800.00", payment.USD),
		Payments: []coverage.Payment{{Tranche: payment.Full, Amount: payment.MustParse("800.00", payment.USD), PaidAt: adjDay(0)}},
		ShipBy:   adjDay(15), DeliverBy: adjDay(30), ShippedAt: adjDay(14), DeliveredAt: adjDay(28),
	}
	claim := func(amount string) *dispute.Case {
		return &dispute.Case{
			ID: "case-7", OrderID: order.ID, BuyerID: "b-7", SupplierID: "s-7", Claimant: payment.Buyer("b-7"),
			Reason: dispute.QualityNotAsAgreed, Amount: payment.MustParse(amount, payment.USD), Covered: order.Value,
		}
	}
	for _, amount := range []string{"40.00", "400.00"} {
		d, err := adj.Decide(context.Background(), dispute.Input{Case: claim(amount), Order: order, Held: order.Value, Now: adjDay(31)})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(d)
	}
	// Output:
	// partial_refund: refund USD 40.00, compensate USD 0.00, release USD 760.00 ([goodwill])
	// rejection: refund USD 0.00, compensate USD 0.00, release USD 800.00 ([missing_evidence])
}

// ExampleRules_Decide decides the claim of a buyer of electronics whose
// failed SGS inspection report shows the defect; the buyer's inspection fee
// is reimbursed out of the supplier's share.
func ExampleRules_Decide() {
	usd := func(s string) payment.Money { return payment.MustParse(s, payment.USD) }
	rules := dispute.DefaultRules()
	rules.InspectionFee = usd("120.00")

	order := coverage.Order{
		ID: "ord-42", Plan: coverage.PostDelivery, Value: usd("5000.00"),
		Payments: []coverage.Payment{{Tranche: payment.Full, Amount: usd("5000.00"), PaidAt: adjDay(0)}},
		ShipBy:   adjDay(30), DeliverBy: adjDay(60), ShippedAt: adjDay(29), DeliveredAt: adjDay(55),
	}
	report := dispute.Evidence{
		ID: "ev-1", Kind: dispute.InspectionReport, SubmittedBy: payment.Buyer("b-42"), At: adjDay(57),
		URI: "https://files.example.com/sgs/ev-1.pdf", SHA256: strings.Repeat("0f", 32),
		Agency: "SGS", Result: coverage.InspectionFailed, Defects: []string{"dead_pixels"},
	}
	c := &dispute.Case{
		ID: "case-42", OrderID: order.ID, BuyerID: "b-42", SupplierID: "s-42", Claimant: payment.Buyer("b-42"),
		Reason: dispute.QualityNotAsAgreed, Amount: usd("2000.00"), Covered: usd("5000.00"),
		Evidence: []dispute.Evidence{report},
	}
	d, err := rules.Decide(context.Background(), dispute.Input{Case: c, Order: order, Held: usd("5000.00"), Now: adjDay(60)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d)
	fmt.Println("supplier at fault:", d.SupplierAtFault, "- inspection fee:", d.InspectionFee)
	for _, r := range d.Reasons {
		fmt.Println(r.Code)
	}
	// Output:
	// partial_refund: refund USD 2120.00, compensate USD 0.00, release USD 2880.00 ([failed_inspection inspection_fee])
	// supplier at fault: true - inspection fee: USD 120.00
	// dispute.rule.failed_inspection
	// dispute.rule.inspection_fee_reimbursed
}
