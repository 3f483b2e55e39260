package order

import (
	"context"
	"errors"
	"fmt"

	"github.com/tradeassure/tradeassure/internal/fsmtable"
	"github.com/tradeassure/tradeassure/payment"
)

// State is where an order is in its life.
type State string

// Order states.
const (
	Draft                State = "draft"                 // the supplier is drafting the order
	AwaitingConfirmation State = "awaiting_confirmation" // sent to the buyer; changes need both sides
	AwaitingPayment      State = "awaiting_payment"      // confirmed; the deposit or full payment is due
	Paid                 State = "paid"                  // the deposit (or full payment) is in escrow; production may start
	InProduction         State = "in_production"         // being made
	AwaitingInspection   State = "awaiting_inspection"   // made; the required inspection has not passed
	ReadyToShip          State = "ready_to_ship"         // made and, where required, inspected
	Shipped              State = "shipped"               // on its way
	Delivered            State = "delivered"             // arrived; the receipt window is open
	Completed            State = "completed"             // receipt confirmed; escrow released
	Disputed             State = "disputed"              // a claim is open; escrow frozen
	Refunded             State = "refunded"              // called off after payment; the buyer's money went back
	Cancelled            State = "cancelled"             // called off before any money moved
	Expired              State = "expired"               // not confirmed or not paid in time
)

// States returns every state, in the order of an order's life.
func States() []State {
	return []State{Draft, AwaitingConfirmation, AwaitingPayment, Paid, InProduction, AwaitingInspection, ReadyToShip,
		Shipped, Delivered, Completed, Disputed, Refunded, Cancelled, Expired}
}

// Final reports whether s ends the order: completed, refunded, cancelled
// or expired, its money settled. No event moves an order on from a final
// state but a claim about the goods of a completed order, until the claim
// deadline (OpenDispute), which the dispute's end settles again.
func (s State) Final() bool { return s == Completed || s == Refunded || s == Cancelled || s == Expired }

// Event is something that happens to an order.
type Event string

// Order events.
const (
	Submit                 Event = "submit"                   // the supplier sends the draft to the buyer
	Withdraw               Event = "withdraw"                 // the supplier takes a sent draft back to change it
	Confirm                Event = "confirm"                  // the buyer confirms the order
	PaymentReceived        Event = "payment_received"         // the deposit or the full payment is in escrow
	StartProduction        Event = "start_production"         // the supplier starts making the goods
	RequireInspection      Event = "require_inspection"       // production is done; the goods await inspection
	FinishProduction       Event = "finish_production"        // production is done; no inspection is required
	PassInspection         Event = "pass_inspection"          // an inspection report passed
	FailInspection         Event = "fail_inspection"          // an inspection report failed: the goods wait for another
	AcceptFailedInspection Event = "accept_failed_inspection" // the buyer accepts goods that failed inspection
	Ship                   Event = "ship"                     // the supplier ships
	Track                  Event = "track"                    // a tracking event about the shipment
	Deliver                Event = "deliver"                  // the goods arrive
	ExtendReceipt          Event = "extend_receipt"           // a party extends the receipt window (once each)
	ConfirmReceipt         Event = "confirm_receipt"          // the buyer (or the receipt window) confirms
	OpenDispute            Event = "open_dispute"             // a claim is opened
	ResolveForSupplier     Event = "resolve_for_supplier"     // the dispute ends with a release
	ResolveForBuyer        Event = "resolve_for_buyer"        // the dispute ends with a refund
	Refund                 Event = "refund"                   // called off after payment, before production: the money goes back
	Abandon                Event = "abandon"                  // called off during production by the supplier or the platform: the money goes back
	Cancel                 Event = "cancel"                   // called off before anything was paid
	Expire                 Event = "expire"                   // a confirmation or payment window closed
)

// Transition is one line of the order's transition table: Event moves an
// order from any of From to To, and may be fired by the roles in By. An
// event whose To is its one From records something without changing the
// state (a tracking event, a failed inspection).
type Transition = fsmtable.Line[State, Event]

// Transitions returns the transition table: the one place the order's
// life is defined. The package documentation renders it.
func Transitions() []Transition { return machine.Lines() }

// machine is the transition table, built once; it never changes.
var machine = fsmtable.New(transitions())

func transitions() []Transition {
	buyer, supplier := payment.RoleBuyer, payment.RoleSupplier
	platform, system := payment.RolePlatform, payment.RoleSystem
	t := []Transition{
		line(Submit, []State{Draft}, AwaitingConfirmation, roles(supplier)),
		line(Withdraw, []State{AwaitingConfirmation}, Draft, roles(supplier)),
		line(Confirm, []State{AwaitingConfirmation}, AwaitingPayment, roles(buyer)),
		line(PaymentReceived, []State{AwaitingPayment}, Paid, roles(system, platform)),
		line(StartProduction, []State{Paid}, InProduction, roles(supplier)),
		line(RequireInspection, []State{InProduction}, AwaitingInspection, roles(supplier)),
		line(FinishProduction, []State{InProduction}, ReadyToShip, roles(supplier)),
		line(PassInspection, []State{AwaitingInspection}, ReadyToShip, roles(system, platform)),
		line(FailInspection, []State{AwaitingInspection}, AwaitingInspection, roles(system, platform)),
		line(AcceptFailedInspection, []State{AwaitingInspection}, ReadyToShip, roles(buyer)),
		line(Ship, []State{ReadyToShip}, Shipped, roles(supplier)),
		line(Track, []State{Shipped}, Shipped, roles(supplier, platform, system)),
		line(Deliver, []State{Shipped}, Delivered, roles(system, platform)),
		line(ExtendReceipt, []State{Delivered}, Delivered, roles(buyer, supplier)),
		line(ConfirmReceipt, []State{Delivered}, Completed, roles(buyer, system)),
		line(OpenDispute, disputable(), Disputed, roles(buyer, supplier, platform)),
		line(ResolveForSupplier, []State{Disputed}, Completed, roles(platform, system)),
		line(ResolveForBuyer, []State{Disputed}, Refunded, roles(platform, system)),
		line(Refund, []State{Paid}, Refunded, roles(buyer, supplier, platform)),
		line(Abandon, []State{InProduction, AwaitingInspection, ReadyToShip}, Refunded, roles(supplier, platform)),
		line(Cancel, []State{Draft, AwaitingConfirmation, AwaitingPayment}, Cancelled, roles(buyer, supplier, platform)),
		line(Expire, []State{AwaitingConfirmation, AwaitingPayment}, Expired, roles(system)),
	}
	for _, s := range disputable() {
		t = append(t, line(ResumeEvent(s), []State{Disputed}, s, roles(platform, system)))
	}
	return t
}

// disputable returns the states from which a dispute may be opened: from
// production to delivery, and on a completed order whose goods were
// delivered, until the claim deadline (protection after release).
func disputable() []State {
	return []State{InProduction, AwaitingInspection, ReadyToShip, Shipped, Delivered, Completed}
}

// ResumeEvent returns the event that ends a dispute on an order disputed in
// state s and lets the order go on from s: "resume_" and the state.
func ResumeEvent(s State) Event { return Event("resume_" + string(s)) }

func roles(r ...payment.Role) []payment.Role { return r }

func line(ev Event, from []State, to State, by []payment.Role) Transition {
	return Transition{Event: ev, From: from, To: to, By: by}
}

// ErrInvalidTransition is the error of an event that cannot happen in the
// order's state; see TransitionError.
var ErrInvalidTransition = errors.New("order: invalid transition")

// TransitionError reports an event that cannot happen in a state.
type TransitionError struct {
	From  State
	Event Event
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("order: %s cannot happen to an order in state %s", e.Event, e.From)
}

// Unwrap returns ErrInvalidTransition.
func (e *TransitionError) Unwrap() error { return ErrInvalidTransition }

// Next returns the state an order in state from reaches by ev fired by
// actor by, or a *TransitionError when the table has no such transition, or
// a *payment.ActorError when by's role may not fire ev. A cancelled ctx is
// an error and changes nothing.
// Next is a lookup in the table, built once (see internal/fsmtable): safe
// from any goroutine, and a cancelled ctx leaves nothing stuck.
func Next(ctx context.Context, from State, ev Event, by payment.Actor) (State, error) {
	to, err := machine.Fire(ctx, from, ev, by, "an order")
	if errors.Is(err, fsmtable.ErrNoTransition) {
		return from, &TransitionError{From: from, Event: ev}
	}
	return to, err
}

// Diagram returns the transition table as a Mermaid state diagram, as the
// package documentation shows it.
func Diagram() string { return machine.Diagram(Draft) }
