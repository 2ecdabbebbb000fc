package main

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// trackedLock wraps the lock of elect run. It tells elect what the
// election does not expose, and holds back a release while CMD runs:
//
//   - the start of the last successful write of each term that names this
//     candidate: the election's authority runs from it (RenewDeadline
//     after it), and so do the deadlines by which CMD must be stopped;
//   - every record read, for --no-wait;
//   - a release (a write without holder) waits until CMD has exited, so
//     that no other candidate takes the lease while CMD still runs.
type trackedLock struct {
	core.Lock
	id string

	mu       sync.Mutex
	okTerm   int64     // term of the last confirmed write naming us
	okStart  time.Time // when that write started
	unkTerm  int64     // term of the first write naming us whose outcome is unknown
	unkStart time.Time
	busy     chan struct{} // non-nil while CMD runs; closed when it has exited
	writing  int           // writes naming us in flight

	onWrite func(term int64)               // after a confirmed write naming us; may be nil
	onGet   func(r core.Record, err error) // after every read; may be nil
}

// watchingLock is a trackedLock over a lock that can watch, so that the
// election keeps its fast path.
type watchingLock struct {
	*trackedLock
	w core.Watcher
}

// Watch implements core.Watcher.
func (l watchingLock) Watch(v core.Version, fn func(core.WatchEvent)) func() {
	return l.w.Watch(v, fn)
}

// track wraps l; the result implements core.Watcher when l does.
func track(l core.Lock) (*trackedLock, core.Lock) {
	t := &trackedLock{Lock: l, id: l.Identity()}
	if w, ok := l.(core.Watcher); ok {
		return t, watchingLock{t, w}
	}
	return t, t
}

// Get implements core.Lock.
func (l *trackedLock) Get(ctx context.Context) (core.Record, core.Version, error) {
	r, v, err := l.Lock.Get(ctx)
	if l.onGet != nil {
		l.onGet(r, err)
	}
	return r, v, err
}

// Create implements core.Lock.
func (l *trackedLock) Create(ctx context.Context, r core.Record) (core.Version, error) {
	start := l.begin(r)
	v, err := l.Lock.Create(ctx, r)
	l.note(r, start, err)
	return v, err
}

// begin counts a write naming us as in flight, and returns its start.
func (l *trackedLock) begin(r core.Record) time.Time {
	if r.HolderIdentity == l.id {
		l.mu.Lock()
		l.writing++
		l.mu.Unlock()
	}
	return time.Now()
}

// claiming reports whether a write naming us is in flight or has been
// confirmed: this candidate is taking, or has taken, the lease.
func (l *trackedLock) claiming() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.writing > 0 || l.okTerm > 0
}

// Update implements core.Lock. A release waits until CMD has exited, or
// until ctx ends (the release then fails, and the lease runs out).
func (l *trackedLock) Update(ctx context.Context, r core.Record, v core.Version) (core.Version, error) {
	if r.HolderIdentity == "" {
		l.mu.Lock()
		busy := l.busy
		l.mu.Unlock()
		if busy != nil {
			select {
			case <-busy:
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}
	}
	start := l.begin(r)
	nv, err := l.Lock.Update(ctx, r, v)
	l.note(r, start, err)
	return nv, err
}

// note records the outcome of a write that started at start. It mirrors
// the election's own rule: authority runs from the last confirmed write,
// or, when a write whose answer was lost turns out to have been applied,
// from the first such attempt.
func (l *trackedLock) note(r core.Record, start time.Time, err error) {
	if r.HolderIdentity != l.id {
		return
	}
	l.mu.Lock()
	l.writing--
	switch {
	case err == nil:
		if r.Term >= l.okTerm {
			l.okTerm, l.okStart = r.Term, start
		}
	case errors.Is(err, core.ErrConflict) || errors.Is(err, core.ErrNotFound):
	default:
		if l.unkTerm != r.Term {
			l.unkTerm, l.unkStart = r.Term, start
		}
	}
	l.mu.Unlock()
	if err == nil && l.onWrite != nil {
		l.onWrite(r.Term)
	}
}

// base returns the start of the write that term's authority runs from,
// and false when no write of that term is known.
func (l *trackedLock) base(term int64) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch term {
	case 0:
	case l.okTerm:
		return l.okStart, true
	case l.unkTerm:
		return l.unkStart, true
	}
	return time.Time{}, false
}

// setBusy marks CMD as running (a release then waits) and returns the
// function that marks it exited.
func (l *trackedLock) setBusy() (exited func()) {
	ch := make(chan struct{})
	l.mu.Lock()
	l.busy = ch
	l.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			l.busy = nil
			l.mu.Unlock()
			close(ch)
		})
	}
}
