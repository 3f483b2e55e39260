// Package payment is the foundation of tradeassure: money, payment methods
// and their fees and limits, and the record of every payment a buyer makes
// into escrow, from initiation to settlement.
//
// # Money
//
// [Money] is an exact amount in one ISO 4217 [Currency], held as an integer
// count of the currency's minor unit (JPY has none, USD two, KWD three; the
// table is ISO's own, not CLDR's). It is built from a decimal string with
// [Parse] or from minor units with [FromMinor], never from a float; any
// rounding is explicit, with a [RoundingMode] (half-even by default).
// Arithmetic across currencies is an error. [Money.Allocate] and
// [Money.Split] divide an amount into parts that always sum to it exactly.
// Money compares with == and Equal, encodes to JSON as
// {"amount":"12.30","currency":"USD"}, and goes into a NUMERIC column with
// its currency in another.
//
// # Methods, fees and eligibility
//
// A payment is made with an [Instrument]: a [Method] (card, T/T wire, online
// bank transfer, Pay Later, Western Union, e-Checking, PayPal, Alipay, Apple
// Pay, Google Pay) and, for cards, a [CardNetwork]. Buyers' countries map to
// payment [Region]s.
//
// A [FeeSchedule] is data: [FeeRule]s keyed by method, network, region,
// currency, the order's [Goods] and [Shipping], and effective dates read
// from the payment's date or the order's placement ([FeeDating]), each a
// percentage, a fixed fee or amount bands (of the payment, or of the whole
// order's value: [BandBasis]), with a minimum, a cap and who bears the fee.
// [FeeSchedule.Quote] returns a [FeeQuote] with one [FeeLine] per rule
// applied (the method fee, then the supplier's service fee on top, see
// [FeeKind]) that cites each rule, the date that chose it and the
// rounding; the request's [OrderFacts] say what the order is.
// [DefaultSchedule] carries the programme's published figures, such as the
// USD 40 cap on Mastercard payments in Asia-Pacific, and says which
// figures are the SDK's own. Caps and fees stated in another
// currency than the payment's are converted with the caller's [Rates]; with
// no rate the quote fails rather than guesses.
//
// [EligibilityRules] decide, before a payment exists, whether a method may be
// used: Western Union only for US buyers under USD 2,500, e-Checking only for
// US buyers in USD, cards up to a per-transaction limit, T/T in many
// currencies, Pay Later within the buyer's credit line. A refusal is an
// [*IneligibleError] listing every [Reason], each with a stable code.
//
// # Payments
//
// [Service] records payments. [Service.Initiate] checks eligibility, quotes
// the fee, runs the [RiskRule]s and stores a [Payment]; the caller then
// submits it to its processor and reports what the processor says with
// [Service.Report]. The SDK never talks to banks and never holds card or
// bank details, only the processor's reference. Every change appends to the
// payment's timeline, so its progress can be read at any time with
// [Service.Payment].
//
// A payment's status moves only along these transitions; any other is a
// [*TransitionError]:
//
//	initiated          → processing, succeeded, failed, cancelled
//	processing         → succeeded, failed, cancelled
//	suspended          → initiated (approved), cancelled (rejected)
//	succeeded          → partially_refunded, refunded
//	partially_refunded → partially_refunded, refunded
//	failed, cancelled, refunded: final
//
// Risk rules run before a payment is accepted. Their outcome, the most
// severe one that fired, decides the payment's first status: allow
// (initiated), review (processing and held until a platform agent decides),
// suspend (suspended), or freeze (suspended, and the buyer's [Account] is
// frozen: it accepts no payment until a platform agent unfreezes it). Every
// decision keeps its reasons.
//
// # Idempotency, actors and time
//
// Operations that create or move money take an idempotency key: repeating a
// request with its key returns the first result and finishes any step a
// crash interrupted; reusing a key for another request is
// [ErrIdempotencyMismatch]. Processor reports need no key: a duplicate or a
// late webhook is recognised and changes nothing. Every operation names its
// [Actor] and refuses the wrong one with an [*ActorError]. Time comes from an
// injected [Clock].
//
// # Storage
//
// The [Store] interface is small and versioned: updates go through a
// closure, and a stale write fails with [ErrConflict], which the service
// retries. [NewMemoryStore] is the embedded default; package paymenttest
// checks any implementation against the contract.
package payment
