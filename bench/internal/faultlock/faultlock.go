// Package faultlock wraps a core.Lock with the fault injection of the peer
// harness's client-go lease wrapper (package cg, SlowOpts): a delay before
// the call reaches the store and after it answered, optionally cut short by
// the caller's context, "ghost" writes that still land after the caller gave
// up, and a partition switch that fails every call at once. The same
// options drive both libraries, so their safety counts compare.
package faultlock

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// ErrPartition is returned by every call while Options.Fail reports true.
var ErrPartition = errors.New("faultlock: injected partition")

// Dist is a latency distribution.
type Dist func() time.Duration

// ParseDist parses "0", "const:300ms", "spike:0.05:1.5s" (delay d with
// probability p, else none) or "uniform:100ms:900ms", as the peer harness
// does. "0", "" and "none" give a nil Dist.
func ParseDist(s string) (Dist, error) {
	if s == "" || s == "0" || s == "none" {
		return nil, nil
	}
	p := strings.Split(s, ":")
	bad := fmt.Errorf("faultlock: bad distribution %q", s)
	switch {
	case p[0] == "const" && len(p) == 2:
		d, err := time.ParseDuration(p[1])
		if err != nil {
			return nil, fmt.Errorf("%w: %v", bad, err)
		}
		return func() time.Duration { return d }, nil
	case p[0] == "spike" && len(p) == 3:
		pr, err := strconv.ParseFloat(p[1], 64)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", bad, err)
		}
		d, err := time.ParseDuration(p[2])
		if err != nil {
			return nil, fmt.Errorf("%w: %v", bad, err)
		}
		return func() time.Duration {
			if rand.Float64() < pr {
				return d
			}
			return 0
		}, nil
	case p[0] == "uniform" && len(p) == 3:
		lo, err := time.ParseDuration(p[1])
		if err != nil {
			return nil, fmt.Errorf("%w: %v", bad, err)
		}
		hi, err := time.ParseDuration(p[2])
		if err != nil || hi < lo {
			return nil, fmt.Errorf("%w: bad upper bound", bad)
		}
		return func() time.Duration { return lo + time.Duration(rand.Int64N(int64(hi-lo)+1)) }, nil
	}
	return nil, bad
}

// Options configures the faults, as the peer's SlowOpts.
type Options struct {
	Pre      Dist            // delay before the call reaches the store
	Post     Dist            // delay after the store answered
	Verbs    map[string]bool // "get", "create", "update": the calls affected
	CtxAware bool            // the caller's context cuts delays short, like an HTTP client's deadline
	// Ghost: with CtxAware, a write abandoned during its Pre delay still
	// reaches the store when the delay ends (the server never saw the
	// cancellation), with its compare-and-swap precondition.
	Ghost bool
	Fail  func() bool // when it reports true, the call fails at once with ErrPartition
}

// Lock is a core.Lock with faults. Watches pass through to the inner
// lock's when it has them.
type Lock struct {
	inner core.Lock
	o     *Options
}

// New wraps inner; a nil o injects nothing.
func New(inner core.Lock, o *Options) *Lock {
	if o == nil {
		o = &Options{}
	}
	return &Lock{inner: inner, o: o}
}

var _ core.Watcher = (*Lock)(nil)

// Identity returns the inner lock's identity.
func (l *Lock) Identity() string { return l.inner.Identity() }

// Describe returns the inner lock's description with a "fault+" prefix.
func (l *Lock) Describe() string { return "fault+" + l.inner.Describe() }

// Watch passes through to the inner lock; without a Watcher inside, the
// returned watch never fires.
func (l *Lock) Watch(v core.Version, fn func(core.WatchEvent)) func() {
	if w, ok := l.inner.(core.Watcher); ok {
		return w.Watch(v, fn)
	}
	return func() {}
}

// Get reads through the faults. The read uses the caller's context.
func (l *Lock) Get(ctx context.Context) (core.Record, core.Version, error) {
	type got struct {
		r core.Record
		v core.Version
	}
	g, err := do(l, ctx, "get", func() (got, error) {
		r, v, err := l.inner.Get(ctx)
		return got{r, v}, err
	})
	return g.r, g.v, err
}

// Create writes through the faults. Like the peer's wrapper, the write
// itself runs without the caller's context: once it reaches the store it
// lands.
func (l *Lock) Create(ctx context.Context, r core.Record) (core.Version, error) {
	return do(l, ctx, "create", func() (core.Version, error) {
		return l.inner.Create(context.Background(), r)
	})
}

// Update writes through the faults, as Create does.
func (l *Lock) Update(ctx context.Context, r core.Record, v core.Version) (core.Version, error) {
	return do(l, ctx, "update", func() (core.Version, error) {
		return l.inner.Update(context.Background(), r, v)
	})
}

func (l *Lock) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		if l.o.CtxAware {
			return ctx.Err()
		}
		return nil
	}
	if !l.o.CtxAware {
		time.Sleep(d)
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func pick(d Dist) time.Duration {
	if d == nil {
		return 0
	}
	return d()
}

// do is the peer wrapper's do, step for step.
func do[T any](l *Lock, ctx context.Context, verb string, f func() (T, error)) (T, error) {
	var zero T
	if !l.o.Verbs[verb] {
		return f()
	}
	if l.o.Fail != nil && l.o.Fail() {
		return zero, ErrPartition
	}
	if l.o.CtxAware {
		if err := ctx.Err(); err != nil {
			return zero, err
		}
	}
	pre := pick(l.o.Pre)
	start := time.Now()
	if err := l.sleep(ctx, pre); err != nil {
		if l.o.Ghost && verb != "get" {
			rest := pre - time.Since(start)
			go func() { time.Sleep(rest); _, _ = f() }()
		}
		return zero, err
	}
	v, err := f()
	if err2 := l.sleep(ctx, pick(l.o.Post)); err2 != nil {
		return zero, err2
	}
	return v, err
}

// Releasing wraps a lock and calls OnGiveUp each time the election writes
// a record that does not name this candidate (a release). The driver
// closes a leader's stop channel before it issues that write, so the call
// is an upper bound of when leadership ended, free of the delay before the
// callback goroutine that waits on stop gets to run.
type Releasing struct {
	core.Lock
	OnGiveUp func()
}

// Update calls OnGiveUp when r does not name this candidate, then updates.
func (l Releasing) Update(ctx context.Context, r core.Record, v core.Version) (core.Version, error) {
	if r.HolderIdentity != l.Identity() {
		l.OnGiveUp()
	}
	return l.Lock.Update(ctx, r, v)
}

// Watch passes through to the inner lock's when it has one.
func (l Releasing) Watch(v core.Version, fn func(core.WatchEvent)) func() {
	if w, ok := l.Lock.(core.Watcher); ok {
		return w.Watch(v, fn)
	}
	return func() {}
}
