package paymenttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tradeassure/tradeassure/internal/testkit"
	"github.com/tradeassure/tradeassure/payment"
)

// TestOutbox runs the conformance checks of an outbox (payment.Outbox)
// with the unit of work it joins: messages appended in a unit that commits
// are stored, numbered in the order of their appends, and returned whole
// and in that order by Undelivered until marked delivered; a unit that
// fails stores none of them; a payload that is not JSON and a limit below
// one are ErrInvalidRequest; and a Relay over it delivers every message
// once, in order, and after a failed publish starts again at the failed
// message. newOutbox must return an empty outbox and the unit it joins,
// each time it is called.
func TestOutbox(t *testing.T, newOutbox func(t *testing.T) (payment.Outbox, payment.UnitOfWork)) {
	ctx := context.Background()

	t.Run("messages appended in a unit that commits are stored whole, in order", func(t *testing.T) {
		o, u := newOutbox(t)
		want := []payment.Message{message("o-1", 1), message("o-1", 2), message("o-2", 1)}
		if err := u.Do(ctx, func(ctx context.Context) error { return o.Append(ctx, want[0], want[1]) }); err != nil {
			t.Fatalf("Do: %v", err)
		}
		if err := o.Append(ctx, want[2]); err != nil { // outside a unit
			t.Fatalf("Append: %v", err)
		}
		got := undelivered(t, o, 10)
		if len(got) != len(want) {
			t.Fatalf("Undelivered returned %d messages, want %d: %+v", len(got), len(want), got)
		}
		for i, m := range got {
			if i > 0 && m.Seq <= got[i-1].Seq {
				t.Errorf("message %d has Seq %d after %d", i, m.Seq, got[i-1].Seq)
			}
			w := want[i]
			w.Seq = m.Seq
			testkit.Check(t, fmt.Sprintf("message %d", i), &w, &m)
		}
	})

	t.Run("a unit that fails stores none of its messages", func(t *testing.T) {
		o, u := newOutbox(t)
		boom := errors.New("boom")
		err := u.Do(ctx, func(ctx context.Context) error {
			if err := o.Append(ctx, message("o-1", 1)); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Do: %v, want boom", err)
		}
		if got := undelivered(t, o, 10); len(got) != 0 {
			t.Fatalf("the failed unit left %+v", got)
		}
	})

	t.Run("a message marked delivered is not returned again", func(t *testing.T) {
		o, _ := newOutbox(t)
		for n := 1; n <= 3; n++ {
			if err := o.Append(ctx, message("o-1", n)); err != nil {
				t.Fatalf("Append: %v", err)
			}
		}
		first := undelivered(t, o, 2)
		if len(first) != 2 || first[0].N != 1 || first[1].N != 2 {
			t.Fatalf("Undelivered(2) = %+v, want messages 1 and 2", first)
		}
		for _, seq := range []int64{first[0].Seq, first[0].Seq, 1 << 40} { // twice, and unknown
			if err := o.Delivered(ctx, seq); err != nil {
				t.Fatalf("Delivered(%d): %v", seq, err)
			}
		}
		if got := undelivered(t, o, 10); len(got) != 2 || got[0].N != 2 || got[1].N != 3 {
			t.Fatalf("after the first was delivered: %+v, want messages 2 and 3", got)
		}
	})

	t.Run("bad input is refused and stores nothing", func(t *testing.T) {
		o, _ := newOutbox(t)
		bad := message("o-1", 1)
		bad.Payload = json.RawMessage(`{"not json`)
		if err := o.Append(ctx, bad); !errors.Is(err, payment.ErrInvalidRequest) {
			t.Errorf("Append of a payload that is not JSON: %v, want ErrInvalidRequest", err)
		}
		if _, err := o.Undelivered(ctx, 0); !errors.Is(err, payment.ErrInvalidRequest) {
			t.Errorf("Undelivered(0): %v, want ErrInvalidRequest", err)
		}
		if got := undelivered(t, o, 10); len(got) != 0 {
			t.Fatalf("the refused append left %+v", got)
		}
	})

	t.Run("a relay delivers each message once, in order, and resumes at a failure", func(t *testing.T) {
		o, _ := newOutbox(t)
		for n := 1; n <= 5; n++ {
			if err := o.Append(ctx, message("o-1", n)); err != nil {
				t.Fatalf("Append: %v", err)
			}
		}
		var got []int
		down := errors.New("broker down")
		failAt := 3
		r := &payment.Relay{Outbox: o, Batch: 2, Publisher: payment.PublisherFunc(func(_ context.Context, m payment.Message) error {
			if m.N == failAt {
				return down
			}
			got = append(got, m.N)
			return nil
		})}
		n, err := r.Deliver(ctx)
		if !errors.Is(err, down) || n != 2 {
			t.Fatalf("Deliver with a failing publisher: %d, %v; want 2 and the failure", n, err)
		}
		failAt = 0
		if n, err = r.Deliver(ctx); err != nil || n != 3 {
			t.Fatalf("Deliver again: %d, %v; want 3", n, err)
		}
		if want := []int{1, 2, 3, 4, 5}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("published %v, want %v", got, want)
		}
		if n, err = r.Deliver(ctx); err != nil || n != 0 {
			t.Fatalf("Deliver with nothing left: %d, %v", n, err)
		}
	})
}

// message returns the n-th message of order id.
func message(id string, n int) payment.Message {
	return payment.Message{Aggregate: "order", ID: id, N: n, Type: "order.submit",
		At:      time.Date(2026, 3, 1, 9, 0, n, 123456789, time.UTC),
		Payload: json.RawMessage(fmt.Sprintf(`{"order_id":%q,"seq":%d}`, id, n))}
}

// undelivered returns what o.Undelivered returns, failing t on an error.
func undelivered(t *testing.T, o payment.Outbox, limit int) []payment.Message {
	t.Helper()
	msgs, err := o.Undelivered(context.Background(), limit)
	if err != nil {
		t.Fatalf("Undelivered: %v", err)
	}
	return msgs
}
