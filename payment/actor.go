package payment

import "fmt"

// Role is the capacity in which an actor acts.
type Role string

// Roles.
const (
	RoleBuyer    Role = "buyer"
	RoleSupplier Role = "supplier"
	RolePlatform Role = "platform" // a platform agent: risk, support, adjudication
	RoleSystem   Role = "system"   // the caller's scheduler or processor webhooks
)

// Actor names who performs an operation. Every operation that changes state
// takes one and refuses, with an *ActorError, actors that may not perform it.
type Actor struct {
	Role Role   `json:"role"`
	ID   string `json:"id"`
}

// Buyer returns the actor for buyer id.
func Buyer(id string) Actor { return Actor{Role: RoleBuyer, ID: id} }

// Supplier returns the actor for supplier id.
func Supplier(id string) Actor { return Actor{Role: RoleSupplier, ID: id} }

// Platform returns the actor for platform agent id.
func Platform(id string) Actor { return Actor{Role: RolePlatform, ID: id} }

// System returns the actor for an automated component (a scheduler, a
// webhook handler) named id.
func System(id string) Actor { return Actor{Role: RoleSystem, ID: id} }

// Validate checks that the role is known and the id is neither empty nor
// longer than MaxIDLen (a *LengthError).
func (a Actor) Validate() error {
	switch a.Role {
	case RoleBuyer, RoleSupplier, RolePlatform, RoleSystem:
	default:
		return invalidf("unknown actor role %q", string(a.Role))
	}
	if a.ID == "" {
		return invalidf("actor %s has no id", a.Role)
	}
	if len(a.ID) > MaxIDLen { // the field's name is built for the error only
		return CheckID("the id of actor "+string(a.Role), a.ID)
	}
	return nil
}

// String returns "role:id".
func (a Actor) String() string { return string(a.Role) + ":" + a.ID }

// ActorError reports an actor that may not perform an action.
type ActorError struct {
	Actor  Actor
	Action string
}

func (e *ActorError) Error() string {
	return fmt.Sprintf("payment: %s may not %s", e.Actor, e.Action)
}

// Unwrap returns ErrForbidden.
func (e *ActorError) Unwrap() error { return ErrForbidden }

// RequireRole returns nil when by is a valid actor with one of the roles,
// and otherwise an error: the validation error, or an *ActorError saying
// that by may not perform action.
func RequireRole(by Actor, action string, roles ...Role) error {
	if err := by.Validate(); err != nil {
		return err
	}
	for _, r := range roles {
		if by.Role == r {
			return nil
		}
	}
	return &ActorError{Actor: by, Action: action}
}
