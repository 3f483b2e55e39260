// Package dispute is how a trade-assurance order that went wrong is put
// right: a buyer's claim (or a supplier's case against the buyer), the
// evidence of both parties, the deadlines that move the case, the rules that
// decide it, and the decision carried out on the order's escrow exactly
// once.
//
// # Claims and cases
//
// [Service.Open] opens a [Case] on an order. A buyer's claim names a
// [Reason] (late shipment, non-delivery, quality, quantity, specification,
// packaging, damage on arrival), the amount asked and evidence; the coverage
// rules decide whether it is admissible (claim window, plan, covered event,
// an amount not above what was paid and covered), and an inadmissible claim
// is a *coverage.NotCoveredError with coded reasons, recording nothing. A
// supplier opens a case when the buyer walked away after production or
// refuses the balance. Opening disputes the order: it stops its windows and
// freezes its escrow account, so nothing leaves escrow while the case is
// open.
//
// [Evidence] is append-only and typed (photos, videos, inspection reports
// from SGS, Intertek, TÜV or BV, invoices, bills of lading, packing lists,
// container-loading videos, chat records, contract clauses, proof of
// delivery); each item names who submitted it and when, and refers to its
// content by URI and SHA-256 digest: the SDK stores no files.
//
// # The case's life
//
// One transition table, [Transitions], run through looplab/fsm, drawn here
// by [Diagram] (a test keeps the two the same):
//
//	stateDiagram-v2
//	  [*] --> awaiting_response
//	  appealed --> final: decide_appeal
//	  appealed --> appealed: submit_evidence
//	  awaiting_response --> escalated: escalate
//	  awaiting_response --> negotiating: respond
//	  awaiting_response --> awaiting_response: submit_evidence
//	  awaiting_response --> withdrawn: withdraw
//	  decided --> appealed: appeal
//	  decided --> final: finalize
//	  escalated --> decided: decide
//	  escalated --> escalated: submit_evidence
//	  escalated --> withdrawn: withdraw
//	  negotiating --> settled: accept
//	  negotiating --> escalated: escalate
//	  negotiating --> expired: expire
//	  negotiating --> negotiating: offer
//	  negotiating --> negotiating: submit_evidence
//	  negotiating --> withdrawn: withdraw
//
// The respondent has [Windows].RespondDays (3) to answer; the parties then
// exchange offers, and accepting the other's latest offer settles the case.
// Either party may ask the platform to decide from day 4
// ([Windows].EscalateAfterDays); [Service.Sweep] escalates a silent
// respondent's case and a negotiation still open after
// [Windows].AutoEscalateDays (7) — or lets it expire when the claimant left
// the respondent's last offer unanswered. A decision may be appealed once,
// within [Windows].AppealDays (7); then the sweep makes it final.
//
// # Decisions
//
// An [Adjudicator] turns a case (the claim, the order's facts, the evidence
// of both sides, what escrow holds) into a [Decision]: a full or partial
// refund, a compensation, a rejection, or a supplier's case won, with the
// rules that fired and coded reasons. [DefaultRules] is the programme's rule
// set, documented rule by rule; callers supply their own through
// [Config].Adjudicator ([AdjudicatorFunc]). The service checks every
// decision's invariants: its parts add up to what escrow holds (or only
// compensate, when the order goes on), and a refund never exceeds what was
// paid and covered.
//
// A settled or final case is carried out on the order by
// order.Service.ResolveDispute, keyed by the case: escrow is unfrozen and
// settled in one operation (refund, compensation, release), or the order
// goes on where it was; withdrawn and expired cases let it go on. The
// action that ends the case does this in its own unit of work, as the
// opening disputes the order and freezes its escrow in its: no case is
// open on an order it did not dispute, and none ends without its order,
// whatever crashes. [Service.Export] gives a case as one JSON document for
// legal proceedings.
package dispute
