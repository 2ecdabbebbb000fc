package locktest

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// watch runs the checks of core.Watcher when the Lock implements it.
func (s *suite) watch(t *testing.T) {
	l := handle(t, s.open(t))
	if _, ok := l.(core.Watcher); !ok {
		t.Logf("%s: %T does not implement core.Watcher (it is optional): no watch checks", l.Describe(), l)
		return
	}
	t.Run("FiresOnUpdate", s.watchFires)
	t.Run("FiresOnStaleVersion", s.watchStale)
	t.Run("CancelStops", s.watchCancel)
}

// watched is one Watch call under observation.
type watched struct {
	events   chan core.WatchEvent // every call of fn, buffered
	calls    atomic.Int32         // how many times fn ran
	cancel   func()
	late     atomic.Int32 // calls with WatchChanged that began after cancel returned
	canceled atomic.Bool  // cancel has returned
}

// startWatch calls Watch(v) on l and fails the test if Watch does not
// return. fn waits until Watch has returned, so a Watch that calls fn
// itself never returns and fails too: its caller may hold a lock of its
// own that fn takes.
func (s *suite) startWatch(t *testing.T, l core.Lock, v core.Version) *watched {
	t.Helper()
	w := &watched{events: make(chan core.WatchEvent, 16)}
	returned := make(chan struct{})
	fn := func(e core.WatchEvent) {
		<-returned
		if w.canceled.Load() && e == core.WatchChanged {
			w.late.Add(1)
		}
		w.calls.Add(1)
		w.events <- e
	}
	done := make(chan func())
	go func() {
		cancel := l.(core.Watcher).Watch(v, fn)
		close(returned)
		done <- cancel
	}()
	select {
	case w.cancel = <-done:
	case <-time.After(s.opts.Timeout):
		t.Fatalf("%s: Watch(%q) did not return within %v; Watch must not block, nor call fn before it returns",
			l.Describe(), v, s.opts.Timeout)
	}
	if w.cancel == nil {
		t.Fatalf("%s: Watch(%q) returned a nil cancel function", l.Describe(), v)
	}
	t.Cleanup(w.cancel)
	return w
}

// wait waits for w to fire and checks the event.
func (s *suite) wait(t *testing.T, l core.Lock, w *watched, what string) {
	t.Helper()
	select {
	case e := <-w.events:
		if e != core.WatchChanged && e != core.WatchHolderGone {
			t.Errorf("%s: watch fired with %v (%d) %s; want WatchChanged or WatchHolderGone", l.Describe(), e, e, what)
		}
	case <-time.After(s.opts.Timeout):
		t.Fatalf("%s: watch did not fire within %v %s", l.Describe(), s.opts.Timeout, what)
	}
}

// watchFires: a watch on the current version fires after another handle
// updates the record, and fires once.
func (s *suite) watchFires(t *testing.T) {
	open := s.open(t)
	a, b := handle(t, open), handle(t, open)
	v := s.mustCreate(t, a, rec("a", 1))
	w := s.startWatch(t, a, v)
	s.mustUpdate(t, b, rec("b", 2), v)
	s.wait(t, a, w, "after another handle updated the record")
	w.cancel()
	if n := w.calls.Load(); n != 1 {
		t.Errorf("%s: fn ran %d times; Watch calls it at most once", a.Describe(), n)
	}
}

// watchStale: a watch on a version that is already stale fires promptly,
// with no further write.
func (s *suite) watchStale(t *testing.T) {
	open := s.open(t)
	a, b := handle(t, open), handle(t, open)
	v1 := s.mustCreate(t, a, rec("a", 1))
	s.mustUpdate(t, b, rec("b", 2), v1)
	w := s.startWatch(t, a, v1)
	s.wait(t, a, w, "on a version that was already stale")
}

// watchCancel: after cancel returns, a later update does not call fn. A
// second watch on the same version, registered after the cancel, shows
// when the update has been seen. A WatchHolderGone that was already in
// flight is allowed.
func (s *suite) watchCancel(t *testing.T) {
	open := s.open(t)
	a, b := handle(t, open), handle(t, open)
	v := s.mustCreate(t, a, rec("a", 1))
	w := s.startWatch(t, a, v)
	w.cancel()
	w.canceled.Store(true)
	w.cancel() // a second cancel is harmless
	sentinel := s.startWatch(t, a, v)
	s.mustUpdate(t, b, rec("b", 2), v)
	s.wait(t, a, sentinel, "after another handle updated the record")
	if n := w.late.Load(); n > 0 {
		t.Errorf("%s: a cancelled watch was called with WatchChanged %d time(s) for an update made after cancel returned",
			a.Describe(), n)
	}
}
