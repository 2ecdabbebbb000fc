package locktest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// cancelled: every operation given an already-cancelled context returns an
// error wrapping context.Canceled and changes nothing.
func (s *suite) cancelled(t *testing.T) {
	s.doneContext(t, func() context.Context {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		return ctx
	}, context.Canceled)
}

// pastDeadline: every operation given a context whose deadline has passed
// returns an error wrapping context.DeadlineExceeded and changes nothing.
func (s *suite) pastDeadline(t *testing.T) {
	s.doneContext(t, func() context.Context {
		ctx, cancel := context.WithDeadline(t.Context(), time.Unix(0, 0))
		t.Cleanup(cancel)
		return ctx
	}, context.DeadlineExceeded)
}

// doneContext runs every operation with a context from done, on an absent
// and on a present record, and checks that each fails with want and leaves
// the store as it was.
func (s *suite) doneContext(t *testing.T, done func() context.Context, want error) {
	open := s.open(t)
	a, b := handle(t, open), handle(t, open)

	r, v, err := a.Get(done())
	if !errors.Is(err, want) {
		t.Errorf("%s: Get of an absent record with a done context = (%+v, %q, %v); want an error wrapping %v",
			a.Describe(), r, v, err, want)
	}
	v, err = a.Create(done(), rec("a", 1))
	if !errors.Is(err, want) {
		t.Errorf("%s: Create with a done context = (%q, %v); want an error wrapping %v", a.Describe(), v, err, want)
	}
	s.expectAbsent(t, b, "a Create with a done context")

	r1 := rec("a", 2)
	v1 := s.mustCreate(t, a, r1)
	r, v, err = a.Get(done())
	if !errors.Is(err, want) {
		t.Errorf("%s: Get of a present record with a done context = (%+v, %q, %v); want an error wrapping %v",
			a.Describe(), r, v, err, want)
	}
	v, err = a.Update(done(), rec("a", 3), v1)
	if !errors.Is(err, want) {
		t.Errorf("%s: Update from the current version with a done context = (%q, %v); want an error wrapping %v",
			a.Describe(), v, err, want)
	}
	v, err = b.Create(done(), rec("b", 4))
	if !errors.Is(err, want) {
		t.Errorf("%s: Create of a present record with a done context = (%q, %v); want an error wrapping %v",
			b.Describe(), v, err, want)
	}
	s.expect(t, b, r1, v1, "an Update and a Create with a done context")
}

// cancelDuringUpdate: an Update whose context is cancelled while it runs
// either completes, or fails with an error wrapping context.Canceled; in
// both cases another handle then reads either the old record at the old
// version or the new record at a new version, never anything else.
func (s *suite) cancelDuringUpdate(t *testing.T) {
	open := s.open(t)
	a, b := handle(t, open), handle(t, open)
	prev := rec("a", 0)
	v := s.mustCreate(t, a, prev)
	var completed, cancelled, applied int
	for i := 1; i <= s.opts.Rounds; i++ {
		next := rec("a", int64(i))
		ctx, cancel := context.WithCancel(s.ctx(t))
		start := make(chan struct{})
		go func() {
			<-start
			cancel()
		}()
		close(start)
		nv, err := a.Update(ctx, next, v)
		cancel()
		switch {
		case err == nil:
			completed++
			s.expect(t, b, next, nv, "an Update that completed while its context was cancelled")
			prev, v = next, nv
			continue
		case !errors.Is(err, context.Canceled):
			t.Fatalf("%s: Update (round %d) whose context was cancelled = (%q, %v); want success or an error wrapping context.Canceled",
				a.Describe(), i, nv, err)
		}
		cancelled++
		got, gv, err := b.Get(s.ctx(t))
		if err != nil {
			t.Fatalf("%s: Get after a cancelled Update (round %d): %v", b.Describe(), i, err)
		}
		want := prev
		if gv != v {
			applied++ // the write happened although its caller saw the cancellation
			want, prev, v = next, next, gv
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("%s: after a cancelled Update (round %d), Get returned neither the old nor the new record (-want +got):\n%s",
				b.Describe(), i, diff)
		}
	}
	t.Logf("%d Updates completed, %d returned context.Canceled (%d of those were applied)", completed, cancelled, applied)
}
