package dispute

import (
	"context"
	"errors"

	"github.com/tradeassure/tradeassure/internal/fsmtable"
	"github.com/tradeassure/tradeassure/payment"
)

// State is where a case is in its life.
type State string

// Case states.
const (
	AwaitingResponse State = "awaiting_response" // opened; the other party has Windows.RespondDays to answer
	Negotiating      State = "negotiating"       // the parties exchange offers
	Escalated        State = "escalated"         // the platform decides
	Decided          State = "decided"           // decided; the appeal window is open
	Appealed         State = "appealed"          // appealed once; the platform decides again
	Final            State = "final"             // the decision stands and has been carried out
	Settled          State = "settled"           // the parties agreed on an offer
	Withdrawn        State = "withdrawn"         // the claimant withdrew
	Expired          State = "expired"           // the claimant let the respondent's offer lapse
)

// States returns every state, in the order of a case's life.
func States() []State {
	return []State{AwaitingResponse, Negotiating, Escalated, Decided, Appealed, Final, Settled, Withdrawn, Expired}
}

// Final reports whether no event leaves s.
func (s State) Final() bool { return machine.Final(s) }

// Event is something that happens to a case.
type Event string

// Case events.
const (
	Open           Event = "open"            // the claimant opens the case (its first entry)
	Respond        Event = "respond"         // the respondent answers
	SubmitEvidence Event = "submit_evidence" // a party (or an agent) adds evidence
	MakeOffer      Event = "offer"           // a party offers an amount to settle
	Accept         Event = "accept"          // a party accepts the other's offer: settled
	Escalate       Event = "escalate"        // a party asks the platform, or the deadline passed
	Decide         Event = "decide"          // the platform decides
	Appeal         Event = "appeal"          // a party appeals the decision, once
	DecideAppeal   Event = "decide_appeal"   // the platform decides the appeal: final
	Finalize       Event = "finalize"        // the appeal window closed: final
	Withdraw       Event = "withdraw"        // the claimant withdraws
	Expire         Event = "expire"          // the claimant let the respondent's offer lapse
)

// Transition is one line of the case's transition table.
type Transition = fsmtable.Line[State, Event]

// Transitions returns the transition table: the one place a case's life is
// defined. The package documentation renders it.
func Transitions() []Transition { return machine.Lines() }

// machine is the transition table, built once; it never changes.
var machine = fsmtable.New(transitions())

func transitions() []Transition {
	buyer, supplier := payment.RoleBuyer, payment.RoleSupplier
	platform, system := payment.RolePlatform, payment.RoleSystem
	parties := []payment.Role{buyer, supplier}
	t := []Transition{
		line(Respond, []State{AwaitingResponse}, Negotiating, parties...),
		line(MakeOffer, []State{Negotiating}, Negotiating, parties...),
		line(Accept, []State{Negotiating}, Settled, parties...),
		line(Escalate, []State{AwaitingResponse, Negotiating}, Escalated, buyer, supplier, system),
		line(Decide, []State{Escalated}, Decided, platform),
		line(Appeal, []State{Decided}, Appealed, parties...),
		line(DecideAppeal, []State{Appealed}, Final, platform),
		line(Finalize, []State{Decided}, Final, system),
		line(Withdraw, []State{AwaitingResponse, Negotiating, Escalated}, Withdrawn, parties...),
		line(Expire, []State{Negotiating}, Expired, system),
	}
	for _, s := range []State{AwaitingResponse, Negotiating, Escalated, Appealed} {
		t = append(t, line(SubmitEvidence, []State{s}, s, buyer, supplier, platform))
	}
	return t
}

func line(ev Event, from []State, to State, by ...payment.Role) Transition {
	return Transition{Event: ev, From: from, To: to, By: by}
}

// Next returns the state a case in state from reaches by ev fired by by,
// a *TransitionError when the table has no such transition, or a
// *payment.ActorError when by's role may not fire it.
func Next(ctx context.Context, from State, ev Event, by payment.Actor) (State, error) {
	to, err := machine.Fire(ctx, from, ev, by, "a dispute")
	if errors.Is(err, fsmtable.ErrNoTransition) {
		return from, &TransitionError{From: from, Event: ev}
	}
	return to, err
}

// Diagram returns the transition table as a Mermaid state diagram.
func Diagram() string { return machine.Diagram(AwaitingResponse) }
