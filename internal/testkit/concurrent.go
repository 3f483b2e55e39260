package testkit

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// WaitLimit bounds how long a check waits for calls it expects to overlap,
// so that a store that serialises them (one that holds a lock while fn
// runs) costs that long once, or fails, instead of hanging.
const WaitLimit = 10 * time.Second

// MaxAttempts bounds every retry on a conflict, so that a store that
// conflicts forever fails instead of hanging.
const MaxAttempts = 1000

// Together runs fn(0), …, fn(n-1) on n goroutines released at the same
// moment, and returns when every one has returned.
func Together(n int, fn func(i int)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			fn(i)
		}()
	}
	close(start)
	wg.Wait()
}

// Retry calls op until it returns an error other than one satisfying
// errors.Is(err, conflict), at most MaxAttempts times, and returns the last
// error.
func Retry(conflict error, op func() error) error {
	var err error
	for range MaxAttempts {
		if err = op(); !errors.Is(err, conflict) {
			return err
		}
	}
	return err
}

// UntilWritten calls op, a call that may fail with conflict, until it
// returns something else, with the same arguments (the same idempotency
// key) each time as a caller may, at most MaxAttempts times; it turns a
// panic into an error (see Safely) and counts the conflicts in conflicts,
// if not nil.
func UntilWritten[V any](conflict error, conflicts *atomic.Int64, op func() (V, error)) (V, error) {
	var v V
	err := Retry(conflict, func() error {
		var err error
		v, err = Safely(op)
		if errors.Is(err, conflict) && conflicts != nil {
			conflicts.Add(1)
		}
		return err
	})
	return v, err
}

// Safely runs call and turns a panic into an error: a store, or a service
// over a broken store, may panic, and a kit reports it and goes on instead
// of ending the whole test binary.
func Safely[V any](call func() (V, error)) (v V, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return call()
}

// beside runs an update called from inside another update's fn on a
// goroutine of its own, and gives up on it after WaitLimit: a store that
// holds a lock on the record while fn runs would otherwise hang the kit.
func beside[T any](noun string, update func() (*T, error)) (*T, error) {
	type result struct {
		v   *T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := update()
		done <- result{v, err}
	}()
	timer := time.NewTimer(WaitLimit)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.v, r.err
	case <-timer.C:
		return nil, fmt.Errorf("no answer after %v; does the store hold a lock on the %s while fn runs?", WaitLimit, noun)
	}
}

// rendezvous lets n goroutines wait until all of them have arrived, or
// until WaitLimit has passed once, for a store that never lets them meet.
type rendezvous struct {
	arrived sync.WaitGroup
	all     chan struct{}
	expired <-chan struct{}
	late    atomic.Bool // someone stopped waiting before all had arrived
	stop    context.CancelFunc
}

func newRendezvous(ctx context.Context, n int) *rendezvous {
	ctx, stop := context.WithTimeout(ctx, WaitLimit)
	r := &rendezvous{all: make(chan struct{}), expired: ctx.Done(), stop: stop}
	r.arrived.Add(n)
	go func() {
		r.arrived.Wait()
		close(r.all)
	}()
	return r
}

func (r *rendezvous) arrive() { r.arrived.Done() }

func (r *rendezvous) wait() {
	select {
	case <-r.all:
	case <-r.expired:
		select {
		case <-r.all:
		default:
			r.late.Store(true)
		}
	}
}

// met reports whether nobody went on before all had arrived.
func (r *rendezvous) met() bool { return !r.late.Load() }

// Ticking is a clock, safe for concurrent use, each of whose readings is
// one second after the last, from At(0).
type Ticking struct{ ticks atomic.Int64 }

// Now returns the next reading.
func (c *Ticking) Now() time.Time {
	return At(0).Add(time.Duration(c.ticks.Add(1)) * time.Second)
}

// Within runs fn on a goroutine of its own and reports whether it returned
// within WaitLimit, so that a check of calls that could wait on each other
// fails instead of hanging.
func Within(fn func()) bool {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	timer := time.NewTimer(WaitLimit)
	defer timer.Stop()
	select {
	case <-done:
		return true
	case <-timer.C:
		return false
	}
}
