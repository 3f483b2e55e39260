package coverage

import (
	"fmt"

	"github.com/tradeassure/tradeassure/payment"
)

// Reason codes. Each names one programme rule; a Coverage, a Quote, a
// Compensation or a *NotCoveredError carries one payment.Reason per rule
// that applies. The codes are stable: callers branch on them and translate
// them, so a code never changes meaning once released.
const (
	// ReasonLimitExceeded: the supplier's available Trade Assurance limit
	// is less than what the plan protects; the rest is uncovered.
	ReasonLimitExceeded = "coverage.limit_exceeded"
	// ReasonBalanceNotProtected: the pre-shipment plan protects the initial
	// payment (the deposit) only; the balance is not protected.
	ReasonBalanceNotProtected = "coverage.balance_not_protected"

	// ReasonChangeOfMind: goods that meet the contract are not returnable
	// through the programme.
	ReasonChangeOfMind = "coverage.change_of_mind"
	// ReasonPlanExcludesEvent: the programme covers the event, but the
	// order's plan does not (the pre-shipment plan covers only late
	// shipment and non-delivery).
	ReasonPlanExcludesEvent = "coverage.plan_excludes_event"
	// ReasonNotDelivered: a claim about the goods was filed before they
	// were delivered.
	ReasonNotDelivered = "coverage.not_delivered"
	// ReasonOutsideWindow: a claim about the goods was filed after the
	// claim window closed (Rules.ClaimWindowDays after delivery).
	ReasonOutsideWindow = "coverage.outside_window"
	// ReasonDeliveryNotDue: a non-delivery claim was filed at or before the
	// delivery deadline.
	ReasonDeliveryNotDue = "coverage.delivery_not_due"
	// ReasonDelivered: a non-delivery claim was filed after the goods were
	// delivered.
	ReasonDelivered = "coverage.delivered"
	// ReasonNotYetLate: the agreed shipment date has not passed (at the
	// date itself the supplier is still on time).
	ReasonNotYetLate = "coverage.not_late"
	// ReasonShippedOnTime: the goods shipped at or before the agreed
	// shipment date.
	ReasonShippedOnTime = "coverage.shipped_on_time"
	// ReasonAlreadyCompensated: late-shipment compensation is paid once per
	// order, and this order's was paid.
	ReasonAlreadyCompensated = "coverage.already_compensated"
	// ReasonAcceptedFailedInspection: the buyer accepted the goods after a
	// failed inspection and the policy (CoverNothing) covers no claim about
	// them.
	ReasonAcceptedFailedInspection = "coverage.accepted_failed_inspection"
	// ReasonDefectNamedInInspection: the buyer accepted the goods after a
	// failed inspection whose report named a defect the claim is about
	// (policy CoverUnnamedDefects).
	ReasonDefectNamedInInspection = "coverage.accepted_known_defect"
	// ReasonDefectsUnspecified: the buyer accepted the goods after a failed
	// inspection whose report named defects, and the claim does not say
	// which defects it is about, so they cannot be told apart (policy
	// CoverUnnamedDefects).
	ReasonDefectsUnspecified = "coverage.defects_unspecified"
	// ReasonAmountAboveCovered: the claim asks for more than the order's
	// covered amount.
	ReasonAmountAboveCovered = "coverage.amount_above_covered"

	// ReasonCompensationCapped: Percent × order value is above the cap, so
	// the cap is paid.
	ReasonCompensationCapped = "coverage.compensation_capped"
	// ReasonCompensationLimitedToPaid: the compensation comes out of escrow,
	// so it is limited to what the buyer paid.
	ReasonCompensationLimitedToPaid = "coverage.compensation_limited_to_paid"
	// ReasonNothingPaid: the buyer has paid nothing into escrow, so there is
	// nothing to compensate from.
	ReasonNothingPaid = "coverage.nothing_paid"
)

// reasons collects reasons in the order they are found.
type reasons []payment.Reason

func (rs *reasons) add(code, format string, args ...any) {
	*rs = append(*rs, payment.Reason{Code: code, Text: fmt.Sprintf(format, args...)})
}
