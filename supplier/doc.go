// Package supplier keeps what the programme knows about a supplier: who may
// sell under it, how much of their orders it covers, and how well they have
// done.
//
// # Enrollment
//
// A supplier registers (status applied) and submits verification
// [Document]s: business licence, production qualification, quality
// certifications such as ISO 9001 and ISO 14001, social-responsibility and
// IP certificates, an on-site check report with factory photos. A platform
// agent reviews each. A supplier whose business licence is approved is
// verified; one whose [Rules].Required documents are all approved and in
// force is enrolled; an enrolled supplier whose required document lapses is
// suspended at the next evaluation, and enrolled again once a renewal is
// approved. The supplier's StatusReasons say, with stable codes, what is
// missing. Only a platform agent removes a supplier, for good.
//
// # The Trade Assurance limit
//
// An enrolled supplier's [Limit] is computed by the documented [LimitRule]
// from years in business, approved documents, the trailing transaction
// volume and the credit rating's grade, with a cap and a step. The limit
// is revolving: [Service.Reserve] holds part of it for an order's coverage
// (idempotent per order, never beyond what is available, under any
// concurrency) and [Service.Release] gives it back when the order completes
// or is refunded. [Service.Coverable] answers before payment how much of an
// order the limit can cover.
//
// # What the supplier owes the guarantee
//
// When a claim is decided for the buyer after an order's money was
// released, the programme's guarantee pays the buyer and the supplier owes
// it that amount: a [Receivable] ([Service.ChargeReceivable], once per
// order). The order service withholds what is owed from the supplier's
// next releases in the same currency and records each recovery
// ([Service.RecoverReceivables]: oldest first, never more than is owed,
// once per releasing order); [Supplier.Owed] says what is outstanding.
// What the supplier's payable balance holds in the currency repays it
// first (below).
//
// # Balances and payouts
//
// What the release of an order paid the supplier, net of the platform's
// fees and of what it withheld for the guarantee ([OrderRecord].Release:
// what it paid, the fees it took, what it withheld), is credited to its
// [Balance] in the order's currency by [Service.RecordOrder], in the
// release's unit of work, once per order. A balance is counters on the supplier: Credited = Available
// + InFlight + PaidOut + Offset. A [Payout] pays the supplier through the
// caller's processor: [Service.RunPayouts] once per period of the
// programme's schedule ([PayoutRule]: daily, weekly, or on demand only,
// with a minimum per currency), or [Service.RequestPayout] on demand
// under the caller's idempotency key; it is created pending, its amount in
// flight, never above what is available, for the processor to send (the
// outbox message "payout.pending"); [Service.ReportPayout] records the
// processor's reports (sent, paid, failed, returned), idempotent and in
// any order. A failed or returned payout puts its amount back in the
// balance, where it repays what the supplier owes first (Offset). Payouts
// of a suspended or removed supplier, or of one with no destination
// ([Service.SetPayoutDestination]), are held: a [*PayoutHeldError] names
// every reason.
//
// Every movement of a balance is a [BalanceEntry] of the supplier's
// ledger, written in the unit of work of the movement, with the balance
// after it; [Service.Statement] reads a period of it (what the balance
// opened with, each entry, what it carried), from an index, whatever the
// length of the supplier's history; a release's entry says the fees it
// took and what it withheld beside what it paid.
//
// # The credit rating
//
// A [Rating] is a score out of 100 and a grade, from weighted factors:
// qualifications, completed orders, on-time shipment, disputes and disputes
// lost, response rate and speed, and buyers' reviews (one per completed
// order, 1 to 5 stars). Weights, targets and grades are configuration
// ([RatingRule]).
//
// The rating counts the supplier's whole history and the limit the volume
// of its window, from the supplier's [Record] (counters) and [Volumes] (a
// [Volume] per day of the window, kept by day, UTC: an order counts until
// the window has passed the whole of the day it completed; read-only, so
// that the copies of a supplier share them), so that re-evaluating a
// supplier with 10,000 past orders costs about what one with 10 does. The records counted — each [OrderRecord] with its buyer's
// [Review], each [Inquiry] — are kept beside the supplier, in the store's
// history, and read only by the operation about them
// ([Service.OrderRecord], [Service.Inquiry]). An order's record is there
// from the order's creation ([Service.OpenOrder], which the order service
// calls), counted once [Service.RecordOrder] completes it; an order is one
// supplier's, and [Service.SupplierOf] finds it from the order's id.
//
// Every change to a supplier's documents or record re-evaluates its status,
// rating and limit in the same store update; [Service.Evaluate] does only
// that, for documents that lapse with time. [Rank] orders suppliers for a
// buyer's search: enrolled first, then by rating.
//
// # Explanations
//
// A supplier stores its rating and limit, not how they were reached:
// [Service.Explain] (or [Rules.Explain], on a supplier at hand) recomputes,
// on demand, the [Explanation] — each rating factor's input and points,
// each term of the limit — from the supplier's record as stored, at the
// instant the rating and the limit were computed, so that the terms
// reproduce the stored figures. A write re-evaluates the supplier without
// building its explanation, which few ever read, and exactly, in integer
// arithmetic that allocates nothing: the rating's factors as fractions,
// the score rounded half up to 0.1 once, the limit in minor units.
//
// # Storage
//
// [Store] keeps one aggregate per supplier with closure updates and
// versions, as every store of the SDK does, and its history beside it;
// every change is one unit of work over both ([Config].Unit).
// [NewMemoryStore] is the embedded default and package suppliertest
// checks any implementation.
package supplier
