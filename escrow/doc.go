// Package escrow holds a buyer's money between payment and release: one
// account per order, in the order's currency, with a ledger that always
// balances.
//
// # The ledger
//
// Every movement is an immutable [Entry] that moves a positive amount from
// one named [Ledger] to another. Money enters [Escrow] from [BuyerFunding]
// (the buyer's payments) or from [Guarantee] (the programme's guarantee,
// paying a buyer whose claim was decided after the money was released),
// and leaves escrow for [SupplierPayable], [PlatformFee], [BuyerRefund],
// [Compensation] or [Recovery] (what a release withholds from the
// supplier to repay the guarantee); no other movement exists. Balances
// are never stored: [Account.Balance] adds up the entries, so for every
// account at every moment
//
//	Held + Guaranteed = Released + Fees + Refunded + Compensated + Recovered + Remaining, Remaining ≥ 0
//
// and [Account.Verify] checks a ledger entry by entry. [Account.Statement]
// shows it with running balances.
//
// # Operations
//
// [Service] applies the operations, each named by an actor and an
// idempotency key:
//
//   - Hold: money received from a payment (deposit, balance, full) enters
//     escrow; an account takes any number of holds.
//   - Return: money a payment brought that the order cannot apply (its
//     tranche paid already, the order ended, not what the order is owed)
//     enters escrow and goes back to the buyer in the same operation, so
//     that every amount a processor captured is in the ledger and the
//     order's balance does not change; a freeze does not stop it. Each
//     payment is received once, by a hold or a return.
//   - Release: some or all of the available balance goes to the supplier;
//     the platform fee, computed by the caller's [FeeFunc], is booked as its
//     own entry, so the supplier's net payout and the platform's revenue are
//     both visible; the fees the supplier bears on its payments are booked
//     in entries of their own too, the programme's service fee apart from
//     the rest ([ServiceFeeRef], [SupplierFeesRef]).
//   - Refund and Compensate: money goes back to the buyer, as a refund or as
//     compensation (late shipment, a dispute decision), out of what the
//     supplier would have been paid.
//   - Settle: a split decided elsewhere (70% refund, 30% release) in one
//     atomic step: every part or none. On an order whose money was
//     released already, the guarantee pays the buyer's parts in first
//     (SettleRequest.Guarantee, never more than those parts).
//   - A release (or a settlement's) may withhold at most a given amount
//     of what it leaves the supplier, for the Recovery ledger: the
//     caller's record of what the supplier owes the guarantee (package
//     supplier's receivables) says how much; the receipt says what was
//     withheld, never more than the supplier's net.
//   - Freeze and Unfreeze: a frozen account lets no money out (it still
//     takes holds and returns) until a platform agent, or the system actor that froze
//     it, unfreezes it.
//   - Close: an account at zero is closed; nothing moves after that.
//
// No operation can draw more than is available: an
// [*InsufficientFundsError] says what was asked and what there was. A
// refused operation (bad input, wrong actor, frozen, closed, insufficient
// funds, wrong currency) writes nothing.
//
// # Reports
//
// [Service.Liability] is the escrow liability report: what escrow held
// for buyers across every account at an instant, per currency, which is
// the sum of the accounts' remaining balances at that instant
// ([Store.Held]). [Service.Revenue] is the platform's revenue over a
// period, per currency: its fees on releases, and apart from them the fees
// the supplier bore on its payments, of which the programme's service
// fees ([Store.Revenue]).
//
// # Idempotency and crashes
//
// Keys are scoped to the account and to the caller (the actor): the same
// key from another actor is another operation, so no agent can take or
// block a key the order service will use. The record of each operation is kept
// on the account with the entries it wrote, in the same store update. So a
// request repeated with its key, after a timeout or a crash at any point,
// returns the first [Receipt] (with Replayed set) and writes nothing; a key
// reused for another request is [ErrIdempotencyMismatch].
//
// # Storage
//
// [Store] is small and versioned, with closure updates that fail with
// [ErrConflict] on a stale write; the service retries a bounded number of
// times, with backoff, before returning it. [NewMemoryStore] is
// the embedded default; package escrowtest checks any implementation.
package escrow
