// Package coverage holds the rules of the programme's protection: which
// plan protects which money against which events, how much of an order is
// covered given the supplier's Trade Assurance limit, which claims are
// admissible and until when, and the compensation owed for a late shipment.
//
// # No store: pure rules over facts
//
// The package keeps nothing. [Rules] is configuration ([DefaultRules] gives
// the programme's figures, [Rules.Validate] checks a changed copy) and its
// methods are functions of explicit facts: an [Order] that the order
// package records (plan, value, net payments, agreed dates, shipment,
// delivery, inspection, whether late compensation was paid), the supplier's
// available limit, a [Claim], and the time "now", which the caller passes:
// the package never reads the clock. The same facts always give the same
// answer, and every answer carries [payment.Reason]s with stable codes
// (the Reason… constants) beside English text.
//
// # Plans and events
//
// [PreShipment] protects the initial payment only (the deposit, or the
// full payment of an order paid at once), never the balance;
// [PostDelivery] protects everything the buyer paid. Each covers these
// events:
//
//	event                            pre_shipment  post_delivery  claimable
//	late_shipment                    yes           yes            after the agreed shipment date, unless shipped by it
//	non_delivery                     yes           yes            after the delivery deadline, while not delivered
//	not_as_described_quality         no            yes            from delivery until the claim window closes
//	not_as_described_quantity        no            yes            from delivery until the claim window closes
//	not_as_described_specification   no            yes            from delivery until the claim window closes
//	not_as_described_packaging       no            yes            from delivery until the claim window closes
//	damaged_on_arrival               no            yes            from delivery until the claim window closes
//	change_of_mind                   no            no             never: goods that meet the contract are not returnable
//
// # The covered amount
//
// [Rules.Covered] returns a [Coverage]: what the buyer paid (Paid), what
// the plan protects of it (Protected), the part the supplier's available
// limit covers (Covered = min(Protected, limit)) and the rest (Uncovered),
// with Covered + Uncovered = Paid exactly. Before a payment, [Rules.Quote]
// says how much of it will be covered, what the order's coverage becomes,
// and what the whole order's will be once every tranche is paid, so a
// buyer paying above the supplier's limit, or a balance the plan does not
// protect, is told before the deposit. [Order.Protects] is what the plan
// protects of the whole order: the caller reserves that (or what the limit
// has left, when less) on the supplier's revolving limit at the first
// payment and gives it back when the order completes or is refunded.
//
// # Claims, windows and inspections
//
// [Rules.Check] decides whether a [Claim] is covered: nil, or a
// [*NotCoveredError] listing every reason that applies. Deadlines are
// instants and are inclusive: at the agreed shipment date the supplier is
// still on time and the instant after it is late; likewise for the
// delivery deadline. A claim about the goods is accepted up to and
// including [Rules.ClaimDeadline], Rules.ClaimWindowDays calendar days
// (30 by default) after the delivery instant, and refused a nanosecond
// later.
//
// A buyer may accept goods that failed the pre-shipment inspection.
// Rules.AfterFailedInspection then decides the claims about the goods:
// [CoverUnnamedDefects] (the default) refuses claims about the defects the
// report named and covers the others, [CoverNothing] covers none, and
// [CoverEverything] covers them as if the inspection had passed.
//
// # Late shipment
//
// When the agreed shipment date passes without shipment, compensation is
// owed without the buyer applying: Rules.LateShipment.Percent of the order
// value (2% by default), rounded, capped (USD 100.00 by default; a cap in
// another currency is converted with the caller's [payment.Rates], never
// guessed), and never more than the buyer paid, since it comes out of
// escrow. [Rules.LateCompensation] computes it at a given instant; the
// caller's scheduler pays it through escrow under
// [LateCompensationKey], so it is paid once per order even when
// the scheduler runs twice or crashes midway, and then records it on the
// order. [Schedule] turns the contract's lead times into the agreed
// shipment date and the delivery deadline.
package coverage
