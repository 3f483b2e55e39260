// Package order is the order of tradeassure: the aggregate (terms, state
// machine, modifications, payments, inspection, shipment and tracking) and
// the [Service] that moves money through escrow and the supplier's limit as
// the order moves.
//
// # The service
//
// A marketplace backend calls [Service]: [Service.Create] (the supplier
// drafts), [Service.Submit], [Service.Confirm] (the buyer), [Service.Pay]
// and [Service.ReportPayment] for each tranche (eligibility, fee and risk
// checks by the payment service, then the money held in escrow and, at the
// first payment, the order's coverage reserved on the supplier's Trade
// Assurance limit), [Service.StartProduction], [Service.FinishProduction],
// [Service.RecordInspection] and [Service.AcceptInspection],
// [Service.Ship] (only once fully paid), [Service.Track], [Service.Deliver],
// [Service.ConfirmReceipt] (escrow releases to the supplier net of fees,
// the limit is given back, the order enters the supplier's record) and
// [Service.Cancel] (a refund of what was paid, when it was). Every call
// names its actor and carries an idempotency key scoped to the order and
// the operation (the same string given to another operation is another
// key); the service's own actions (the sweep's, a processor's report, a
// dispute case opened or resolved) are keyed by references of its own,
// which no caller's key can reach. The history of the order
// ([Order].History) records each action with its key or reference; each
// action's [Notice] is appended to the caller's outbox ([Config].Outbox)
// in the action's unit of work, for a [payment.Relay] to deliver.
//
// Every call is one unit of work ([Config].Unit, a [payment.UnitOfWork])
// over every aggregate it touches — the order, its payments, its escrow
// accounts, the supplier's limit —, committed whole or not at all: a
// failure or a crash leaves nothing of the call, and a retry under the same
// key does it, or, when it had committed, replays it. Nothing is paid
// twice and no work is left half done. [Service.Sweep] does what time makes due — expiring orders not
// confirmed ([Rules].ConfirmDays) or not paid ([Rules].PayDays), confirming
// receipt when the receipt window closes ([Rules].ReceiptDays, extended
// once by each party by [Rules].ExtensionDays), and compensating a late
// shipment out of escrow by the coverage rules, once per order — and finds
// the due orders through [Store].Due, an index, never a scan.
//
// # Terms and tranches
//
// An [Order] carries its [Terms]: line items with their product
// specification, the currency, the Incoterms 2020 shipping term, shipping
// cost and destination, the agreed shipment date and production lead time,
// whether an inspection is required, the coverage plan and the payment
// [Schedule]. Totals are computed, never typed in: [Terms.Total] adds the
// items (unit price × quantity, exactly) and shipping, and [Terms.Tranches]
// splits it into a deposit and a balance that add up to it to the cent.
//
// # Modifications
//
// A change of terms is a recorded [Modification]: who proposed it, who
// approved or rejected it, when, and the terms it replaced. A supplier's
// change to its own draft applies at once; any other change applies once
// both parties approve. No change is possible while a payment is
// processing or after shipment; once anything is paid, the total and the
// tranches are frozen; a route change may not raise the shipping cost by
// more than [ModificationRules].MaxShippingIncreasePercent (20% by default)
// nor change the destination country. A refusal is a [*ModificationError]
// with coded reasons.
//
// # The state machine
//
// The order's life is one transition table,
// [Transitions], that says which [Event] moves an order from which [State]
// to which, and which actors' roles may fire it. [Next] runs it through a
// looplab/fsm machine built for the one call (machines are never stored:
// they hold locks and callbacks, and a cancelled context would leave a
// stored one stuck), and translates fsm's errors into a [*TransitionError]
// carrying the state and the event. The table is the documentation; it
// renders as this Mermaid diagram ([Diagram]), and a test keeps the two the
// same:
//
//	stateDiagram-v2
//	  [*] --> draft
//	  awaiting_confirmation --> cancelled: cancel
//	  awaiting_confirmation --> awaiting_payment: confirm
//	  awaiting_confirmation --> expired: expire
//	  awaiting_confirmation --> draft: withdraw
//	  awaiting_inspection --> refunded: abandon
//	  awaiting_inspection --> ready_to_ship: accept_failed_inspection
//	  awaiting_inspection --> awaiting_inspection: fail_inspection
//	  awaiting_inspection --> disputed: open_dispute
//	  awaiting_inspection --> ready_to_ship: pass_inspection
//	  awaiting_payment --> cancelled: cancel
//	  awaiting_payment --> expired: expire
//	  awaiting_payment --> paid: payment_received
//	  completed --> disputed: open_dispute
//	  delivered --> completed: confirm_receipt
//	  delivered --> delivered: extend_receipt
//	  delivered --> disputed: open_dispute
//	  disputed --> refunded: resolve_for_buyer
//	  disputed --> completed: resolve_for_supplier
//	  disputed --> awaiting_inspection: resume_awaiting_inspection
//	  disputed --> completed: resume_completed
//	  disputed --> delivered: resume_delivered
//	  disputed --> in_production: resume_in_production
//	  disputed --> ready_to_ship: resume_ready_to_ship
//	  disputed --> shipped: resume_shipped
//	  draft --> cancelled: cancel
//	  draft --> awaiting_confirmation: submit
//	  in_production --> refunded: abandon
//	  in_production --> ready_to_ship: finish_production
//	  in_production --> disputed: open_dispute
//	  in_production --> awaiting_inspection: require_inspection
//	  paid --> refunded: refund
//	  paid --> in_production: start_production
//	  ready_to_ship --> refunded: abandon
//	  ready_to_ship --> disputed: open_dispute
//	  ready_to_ship --> shipped: ship
//	  shipped --> delivered: deliver
//	  shipped --> disputed: open_dispute
//	  shipped --> shipped: track
//
// Who fires what: the supplier submits, withdraws, starts and finishes
// production (or requires the inspection) and ships; the buyer confirms,
// accepts goods that failed inspection and confirms receipt; the system (the
// caller's payment webhooks and scheduler) reports payments, deliveries,
// expiries and auto-confirmed receipts; a platform agent records inspections
// and deliveries and resolves disputes; buyer, supplier or platform may
// cancel an order before money moved, or call off a paid one before
// production starts (refund); once production has started only the
// supplier or the platform may call it off (abandon), and the buyer's way
// out is a dispute. A dispute ends with the order settled (completed or
// refunded) or resumed where it was (resume_…) by the platform or the
// system. A completed order whose goods were delivered can still be
// disputed until the claim deadline: the money was released, so what the
// buyer is then awarded the programme's guarantee pays, and the supplier
// owes it back from its next releases (Service.ResolveDispute). The
// service adds the
// checks a role cannot express: that the buyer is this order's buyer.
package order
