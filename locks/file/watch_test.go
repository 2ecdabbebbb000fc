package file

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// events records the calls of a watch's fn.
type events chan core.WatchEvent

func (e events) fn(ev core.WatchEvent) { e <- ev }

// next waits for the next event, failing the test after a generous bound
// (a watch that fires is prompt; the bound only stops a hung test).
func (e events) next(t *testing.T, what string) core.WatchEvent {
	t.Helper()
	select {
	case ev := <-e:
		return ev
	case <-time.After(10 * time.Second):
		t.Fatalf("no watch event %s", what)
		return 0
	}
}

// empty fails the test if fn was called.
func (e events) empty(t *testing.T, what string) {
	t.Helper()
	select {
	case ev := <-e:
		t.Errorf("watch fired %v %s; want no call", ev, what)
	default:
	}
}

// twoCandidates returns a holding a fresh record (term 1) and b.
func twoCandidates(t *testing.T) (a, b *Lock, v core.Version) {
	path := filepath.Join(t.TempDir(), "app.lease")
	a, b = newLock(t, path, "a"), newLock(t, path, "b")
	v, err := a.Create(t.Context(), record("a", 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	return a, b, v
}

// TestWatchHolderGone: the holder's Lock closes (as its process would end)
// without writing: a watcher learns at once that the holder is gone.
func TestWatchHolderGone(t *testing.T) {
	a, b, v := twoCandidates(t)
	ev := make(events, 2)
	b.Watch(v, ev.fn)
	a.Close()
	if got := ev.next(t, "after the holder closed"); got != core.WatchHolderGone {
		t.Errorf("watch fired %v; want %v", got, core.WatchHolderGone)
	}
}

// TestWatchRelease: a graceful release wakes the watcher with
// WatchChanged, never WatchHolderGone.
func TestWatchRelease(t *testing.T) {
	a, b, v := twoCandidates(t)
	ev := make(events, 2)
	b.Watch(v, ev.fn)
	if _, err := a.Update(t.Context(), record("", 1, 2), v); err != nil {
		t.Fatal(err)
	}
	if got := ev.next(t, "after the release"); got != core.WatchChanged {
		t.Errorf("watch fired %v; want %v", got, core.WatchChanged)
	}
}

// TestWatchOwnRecord: a watch on a record this candidate holds waits for a
// change only.
func TestWatchOwnRecord(t *testing.T) {
	a, b, v := twoCandidates(t)
	ev := make(events, 2)
	a.Watch(v, ev.fn)
	if _, err := b.Update(t.Context(), record("b", 2, 2), v); err != nil {
		t.Fatal(err)
	}
	if got := ev.next(t, "after b took over"); got != core.WatchChanged {
		t.Errorf("watch fired %v; want %v", got, core.WatchChanged)
	}
}

// TestWatchSharedProber: watches on the same holder share one prober, and
// one that was cancelled is not called when the holder goes.
func TestWatchSharedProber(t *testing.T) {
	a, b, v := twoCandidates(t)
	probing := make(chan bool, 3)
	b.mu.Lock()
	b.testProbing = probing
	b.mu.Unlock()
	cancelled, ev1, ev2 := make(events, 2), make(events, 2), make(events, 2)
	cancel := b.Watch(v, cancelled.fn)
	if joined := <-probing; joined {
		t.Fatal("the first watch joined a prober; none was running")
	}
	cancel()
	b.Watch(v, ev1.fn)
	b.Watch(v, ev2.fn)
	for range 2 {
		if joined := <-probing; !joined {
			t.Error("a watch on the same holder started a second prober")
		}
	}
	a.Close()
	for i, ev := range []events{ev1, ev2} {
		if got := ev.next(t, "after the holder closed"); got != core.WatchHolderGone {
			t.Errorf("watch %d fired %v; want %v", i+1, got, core.WatchHolderGone)
		}
	}
	cancelled.empty(t, "after cancel")
	if n := b.probes.Load(); n != 1 {
		t.Errorf("%d probers started for one holder; want 1", n)
	}
	b.mu.Lock()
	left := len(b.watches.probers)
	b.mu.Unlock()
	if left != 0 {
		t.Errorf("%d probers still registered after every watch fired", left)
	}
}

// TestWatchNeverFalselyGone: while the holder lives, and renews, releases
// and acquires again (its liveness file deleted and created anew each
// time), a watcher never hears WatchHolderGone; once it closes, it does.
func TestWatchNeverFalselyGone(t *testing.T) {
	a, b, v := twoCandidates(t)
	ctx := t.Context()
	term, seq := int64(1), int64(1)
	for i := range 90 { // ends with an acquire: 89 % 3 == 2
		ev := make(events, 2)
		b.Watch(v, ev.fn)
		seq++
		var r core.Record
		switch i % 3 {
		case 0: // renew
			r = record("a", term, seq)
		case 1: // release
			r = record("", term, seq)
		case 2: // acquire again
			term++
			r = record("a", term, seq)
		}
		var err error
		if v, err = a.Update(ctx, r, v); err != nil {
			t.Fatal(err)
		}
		if got := ev.next(t, "after a write"); got != core.WatchChanged {
			t.Fatalf("step %d: watch fired %v while the holder lives; want %v", i, got, core.WatchChanged)
		}
	}
	ev := make(events, 2)
	b.Watch(v, ev.fn)
	a.Close()
	if got := ev.next(t, "after the holder closed"); got != core.WatchHolderGone {
		t.Errorf("watch fired %v; want %v", got, core.WatchHolderGone)
	}
}

// TestWatchStopsOnClose: Close ends the watches of the Lock without
// calling them.
func TestWatchStopsOnClose(t *testing.T) {
	a, b, v := twoCandidates(t)
	ev := make(events, 2)
	a.Watch(v, ev.fn) // a's own record: waits for a change
	a.Close()
	if _, err := b.Update(t.Context(), record("b", 2, 2), v); err != nil {
		t.Fatal(err)
	}
	// The update is seen by a watch of b that starts after it: by then,
	// a's notifier, had it survived Close, would have fired too.
	ev2 := make(events, 2)
	b.Watch(v, ev2.fn)
	ev2.next(t, "on a stale version")
	ev.empty(t, "after Close")
}
