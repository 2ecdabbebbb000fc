package httplock

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// watchOn starts a watch on l at v and returns channels for its event and
// for the end of its goroutine.
func watchOn(t *testing.T, l *Lock, v core.Version) (fired <-chan core.WatchEvent, done <-chan struct{}, cancel func()) {
	t.Helper()
	ev := make(chan core.WatchEvent, 2)
	d := make(chan struct{}, 1)
	l.testHookWatchDone = func() { d <- struct{}{} }
	cancel = l.Watch(v, func(e core.WatchEvent) { ev <- e })
	t.Cleanup(cancel)
	return ev, d, cancel
}

// TestWatchStoreWithoutLongPoll: a store that answers a long-poll at once
// with 304 and no Preference-Applied (S3, MinIO, Apache) ends the watch
// without firing, and later watches send nothing.
func TestWatchStoreWithoutLongPoll(t *testing.T) {
	f := s3Like()
	l := newLock(t, serve(t, f)+"/bucket/app", "a", WithoutProbe())
	v, err := l.Create(context.Background(), core.Record{HolderIdentity: "a"})
	if err != nil {
		t.Fatal(err)
	}
	before := f.requests.Load()
	fired, done, _ := watchOn(t, l, v)
	waitFor(t, done, 10*time.Second, "watch to end")
	if n := f.requests.Load() - before; n != 1 || len(fired) != 0 {
		t.Errorf("watch on a store without long-poll: %d requests, %d events; want 1 request, no event", n, len(fired))
	}
	cancel := l.Watch(v, func(core.WatchEvent) { t.Error("fired") })
	cancel()
	if n := f.requests.Load() - before; n != 1 {
		t.Errorf("a second watch sent %d more requests; want none", n-1)
	}
}

// TestWatchIgnoredIfNoneMatch: a store that answers 200 with the same ETag
// ignores If-None-Match; the watch ends without firing.
func TestWatchIgnoredIfNoneMatch(t *testing.T) {
	var n atomic.Int64
	url := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Etag", `"same"`)
		w.Write([]byte(record("a", 1)))
	})) + "/x"
	l := newLock(t, url, "a", WithoutProbe())
	fired, done, _ := watchOn(t, l, `"same"`)
	waitFor(t, done, 10*time.Second, "watch to end")
	if n.Load() != 1 || len(fired) != 0 || !l.noLongPoll.Load() {
		t.Errorf("%d requests, %d events; want 1 request, no event, and no more watching", n.Load(), len(fired))
	}
}

// TestWatchEarlyAnswer: a 304 that says it waited 30s but comes back at
// once (a server shutting down) ends the watch instead of spinning.
func TestWatchEarlyAnswer(t *testing.T) {
	var n atomic.Int64
	url := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Preference-Applied", "wait=30")
		w.WriteHeader(http.StatusNotModified)
	})) + "/x"
	l := newLock(t, url, "a", WithoutProbe())
	fired, done, _ := watchOn(t, l, `"v"`)
	waitFor(t, done, 10*time.Second, "watch to end")
	if n.Load() != 1 || len(fired) != 0 || l.noLongPoll.Load() {
		t.Errorf("%d requests, %d events, long-poll off %v; want 1 request, no event, long-poll still on",
			n.Load(), len(fired), l.noLongPoll.Load())
	}
}

// TestWatchPollsAgain: after a wait runs out (304), the watch polls again,
// and fires at the next change.
func TestWatchPollsAgain(t *testing.T) {
	waited := make(chan string, 4)
	srv := newRefServerHook(t, ServerConfig{MaxWait: time.Second}, func(name string, _ *http.Request) { waited <- name })
	l := newLock(t, srv.url("again"), "a", WithWatchWait(time.Second))
	v, err := l.Create(context.Background(), core.Record{HolderIdentity: "a"})
	if err != nil {
		t.Fatal(err)
	}
	fired, done, _ := watchOn(t, l, v)
	waitFor(t, waited, 10*time.Second, "first long-poll")
	waitFor(t, waited, 10*time.Second, "second long-poll, after the first ran out")
	if _, err := newLock(t, srv.url("again"), "b").Update(context.Background(), core.Record{HolderIdentity: "b"}, v); err != nil {
		t.Fatal(err)
	}
	if e := waitFor(t, fired, 10*time.Second, "watch to fire"); e != core.WatchChanged {
		t.Errorf("event %v; want WatchChanged", e)
	}
	waitFor(t, done, 10*time.Second, "watch to end")
}

// TestWatchCancel: cancel aborts the long-poll in flight, and fn is not
// called.
func TestWatchCancel(t *testing.T) {
	waited := make(chan string, 1)
	srv := newRefServerHook(t, ServerConfig{}, func(name string, _ *http.Request) { waited <- name })
	left := make(chan struct{}, 1)
	url := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.ServeHTTP(w, r)
		if r.Header.Get("Prefer") != "" {
			left <- struct{}{}
		}
	})) + "/locks/c"
	l := newLock(t, url, "a")
	v, err := l.Create(context.Background(), core.Record{HolderIdentity: "a"})
	if err != nil {
		t.Fatal(err)
	}
	fired, done, cancel := watchOn(t, l, v)
	waitFor(t, waited, 10*time.Second, "long-poll to wait")
	cancel()
	waitFor(t, left, 10*time.Second, "the server to see the long-poll end")
	waitFor(t, done, 10*time.Second, "watch to end")
	if len(fired) != 0 {
		t.Errorf("a cancelled watch fired")
	}
}

// TestWatchOff: Watch sends nothing with WithWatchWait(0), or for a
// version that is no ETag (an absent record's "").
func TestWatchOff(t *testing.T) {
	f := s3Like()
	url := serve(t, f) + "/b/x"
	for _, c := range []struct {
		name string
		l    *Lock
		v    core.Version
	}{
		{"WithWatchWait(0)", newLock(t, url, "a", WithWatchWait(0)), `"v"`},
		{"absent", newLock(t, url, "a"), ""},
		{"nil fn", newLock(t, url, "a"), `"v"`},
	} {
		fn := func(core.WatchEvent) { t.Errorf("%s: fired", c.name) }
		if c.name == "nil fn" {
			fn = nil
		}
		c.l.Watch(c.v, fn)()
	}
	if n := f.requests.Load(); n != 0 {
		t.Errorf("%d requests; want none", n)
	}
}
