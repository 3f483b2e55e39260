package payment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tradeassure/tradeassure/internal/memstore"
)

// Message is one change of one aggregate (an order's action, say), written
// to the Outbox by the unit of work that made the change: it exists if and
// only if the change committed.
type Message struct {
	// Seq is the outbox's number of the message, set when it is stored:
	// increasing in the order the outbox delivers.
	Seq int64 `json:"seq"`
	// Aggregate is the kind of aggregate changed ("order"), ID its id, and
	// N the number of the change on it, from 1 (an order's Action.Seq).
	Aggregate string `json:"aggregate"`
	ID        string `json:"id"`
	N         int    `json:"n"`
	// Type names the change, prefixed by the aggregate ("order.confirm").
	Type string    `json:"type"`
	At   time.Time `json:"at"`
	// Payload is the change as JSON, in the type the aggregate's package
	// documents (order.Notice).
	Payload json.RawMessage `json:"payload,omitempty"`
}

// Emit appends to o, in the unit of work ctx carries, the message of
// change n of the aggregate of that kind and id, named aggregate + "." +
// name, at at, with v as its JSON payload. A nil o emits nothing: a
// service without an outbox.
func Emit(ctx context.Context, o Outbox, aggregate, id string, n int, name string, at time.Time, v any) error {
	if o == nil {
		return nil
	}
	payload, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("payment: the payload of %s %s's change %d: %w", aggregate, id, n, err)
	}
	m := Message{Aggregate: aggregate, ID: id, N: n, Type: aggregate + "." + name, At: at, Payload: payload}
	if mem, ok := o.(*memoryOutbox); ok {
		return mem.log.Append(ctx, m) // the payload is valid JSON and no one else's: kept as it is
	}
	return o.Append(ctx, m)
}

// Payload returns m's payload as a T: an ErrInvalidRequest error when m is
// not about an aggregate of that kind or its payload is not T's JSON. Each
// service's NoticeOf is Payload of its Notice.
func Payload[T any](m Message, aggregate string) (T, error) {
	var v T
	if m.Aggregate != aggregate {
		return v, fmt.Errorf("%w: message %d is about a %q, not a %q", ErrInvalidRequest, m.Seq, m.Aggregate, aggregate)
	}
	if err := json.Unmarshal(m.Payload, &v); err != nil {
		return v, fmt.Errorf("%w: message %d: %v", ErrInvalidRequest, m.Seq, err)
	}
	return v, nil
}

// Outbox keeps the messages of the changes the services made, in the unit
// of work of each change, until a Relay delivered them. Append inside a
// unit is part of it: the messages are stored if the unit commits, and
// not otherwise. An implementation ships with each kind of store:
// MemoryOutbox, and the PostgreSQL one (paymentpg.Outbox), whose table a
// caller can also read from their own database. The conformance kit in
// paymenttest (TestOutbox) checks an implementation.
//
// Messages of one aggregate are appended in the order of its changes (the
// unit of work serializes them), and Undelivered returns them in that
// order.
type Outbox interface {
	// Append stores the messages, setting their Seq.
	Append(ctx context.Context, msgs ...Message) error
	// Undelivered returns up to limit messages not yet marked delivered,
	// lowest Seq first.
	Undelivered(ctx context.Context, limit int) ([]Message, error)
	// Delivered marks the message numbered seq delivered; a message marked
	// before, or unknown, is no error.
	Delivered(ctx context.Context, seq int64) error
}

// Publisher receives the messages a Relay delivers: to notify users, feed
// a broker, keep an audit log. An error leaves the message undelivered, to
// be delivered again.
type Publisher interface {
	Publish(ctx context.Context, m Message) error
}

// PublisherFunc is a function that is a Publisher.
type PublisherFunc func(ctx context.Context, m Message) error

// Publish calls f.
func (f PublisherFunc) Publish(ctx context.Context, m Message) error { return f(ctx, m) }

// Relay delivers an Outbox's messages to a Publisher, at least once, in
// the outbox's order: a message is marked delivered after Publish returned
// nil, so a crash in between publishes it again. Run one relay per outbox
// at a time (on a schedule, or after each operation): two at once would
// publish some messages twice.
type Relay struct {
	Outbox    Outbox
	Publisher Publisher
	// Batch is how many messages one read of the outbox returns. Default:
	// 100.
	Batch int
}

// Deliver publishes every undelivered message, lowest Seq first, and
// returns how many it delivered. It stops at the first failure, which it
// returns: what is left, and the failed message first, waits for the next
// call, so that no message of an aggregate is published before an earlier
// one.
func (r *Relay) Deliver(ctx context.Context) (int, error) {
	if r.Outbox == nil || r.Publisher == nil {
		return 0, errors.New("payment: a Relay needs an Outbox and a Publisher")
	}
	batch := r.Batch
	if batch <= 0 {
		batch = 100
	}
	n := 0
	for {
		msgs, err := r.Outbox.Undelivered(ctx, batch)
		if err != nil {
			return n, err
		}
		for _, m := range msgs {
			if err := r.Publisher.Publish(ctx, m); err != nil {
				return n, fmt.Errorf("payment: publish message %d (%s %s): %w", m.Seq, m.Type, m.ID, err)
			}
			if err := r.Outbox.Delivered(ctx, m.Seq); err != nil {
				return n, err
			}
			n++
		}
		if len(msgs) < batch {
			return n, nil
		}
	}
}

// MemoryOutbox returns an in-memory Outbox that joins MemoryUnit's units
// of work. It numbers a unit's messages when the unit commits, so its
// order is the order of the commits, and forgets a message once it is
// delivered.
func MemoryOutbox() Outbox {
	return &memoryOutbox{log: &memstore.Log[Message]{Seq: func(m *Message, seq int64) { m.Seq = seq }}}
}

type memoryOutbox struct{ log *memstore.Log[Message] }

func (o *memoryOutbox) Append(ctx context.Context, msgs ...Message) error {
	stored := make([]Message, len(msgs))
	for i, m := range msgs {
		if !json.Valid(m.Payload) {
			return fmt.Errorf("%w: the payload of message %s %s %d is not JSON", ErrInvalidRequest, m.Aggregate, m.ID, m.N)
		}
		m.Payload = append(json.RawMessage(nil), m.Payload...)
		stored[i] = m
	}
	return o.log.Append(ctx, stored...)
}

func (o *memoryOutbox) Undelivered(ctx context.Context, limit int) ([]Message, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("%w: a limit of %d messages", ErrInvalidRequest, limit)
	}
	msgs, err := o.log.First(ctx, limit)
	for i := range msgs {
		msgs[i].Payload = append(json.RawMessage(nil), msgs[i].Payload...)
	}
	return msgs, err
}

func (o *memoryOutbox) Delivered(ctx context.Context, seq int64) error { return o.log.Remove(ctx, seq) }
