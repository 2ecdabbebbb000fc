package httplock

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// answer is the outcome of a request made in the background.
type answer struct {
	code int
	hdr  http.Header
	body string
	took time.Duration
}

// background sends a request in a goroutine and delivers its answer.
func background(t *testing.T, method, url string, hdr ...string) <-chan answer {
	t.Helper()
	ch := make(chan answer, 1)
	go func() {
		start := time.Now()
		code, h, body := do(t, method, url, "", hdr...)
		ch <- answer{code, h, body, time.Since(start)}
	}()
	return ch
}

// waitFor fails the test unless ch delivers within d.
func waitFor[T any](t *testing.T, ch <-chan T, d time.Duration, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(d):
		t.Fatalf("%s: nothing within %v", what, d)
	}
	var zero T
	return zero
}

// createAt creates lock name on srv and returns its ETag.
func createAt(t *testing.T, srv *refServer, name string) string {
	t.Helper()
	code, h, body := do(t, "PUT", srv.url(name), record("a", 1), "If-None-Match", "*")
	if code != 201 {
		t.Fatalf("create %s: %d %q", name, code, body)
	}
	return h.Get("Etag")
}

// TestLongPollTimeout: a long-poll without a change answers 304 after the
// wait, and says which wait it applied.
func TestLongPollTimeout(t *testing.T) {
	srv := newRefServer(t, ServerConfig{})
	e := createAt(t, srv, "lp")
	a := waitFor(t, background(t, "GET", srv.url("lp"), "If-None-Match", e, "Prefer", "wait=1"), 10*time.Second, "long-poll")
	if a.code != 304 || a.hdr.Get("Etag") != e {
		t.Fatalf("long-poll: %d ETag %q; want 304 with ETag %s", a.code, a.hdr.Get("Etag"), e)
	}
	if got := a.hdr.Get("Preference-Applied"); got != "wait=1" {
		t.Errorf("Preference-Applied %q; want wait=1", got)
	}
	if a.took < 900*time.Millisecond || a.took > 5*time.Second {
		t.Errorf("long-poll with wait=1 took %v; want about 1s", a.took)
	}
}

// TestLongPollCapped: the server caps the wait at MaxWait and says so.
func TestLongPollCapped(t *testing.T) {
	srv := newRefServer(t, ServerConfig{MaxWait: time.Second})
	e := createAt(t, srv, "lp")
	a := waitFor(t, background(t, "GET", srv.url("lp"), "If-None-Match", e, "Prefer", "respond-async, wait=3600"),
		10*time.Second, "long-poll")
	if a.code != 304 || a.hdr.Get("Preference-Applied") != "wait=1" {
		t.Fatalf("long-poll with wait=3600, MaxWait 1s: %d, Preference-Applied %q; want 304, wait=1",
			a.code, a.hdr.Get("Preference-Applied"))
	}
}

// TestLongPollNoWait: without a wait (absent, zero or malformed) a
// matching GET answers 304 at once.
func TestLongPollNoWait(t *testing.T) {
	waited := make(chan string, 10)
	srv := newRefServerHook(t, ServerConfig{}, func(name string, _ *http.Request) { waited <- name })
	e := createAt(t, srv, "lp")
	for _, prefer := range []string{"", "wait=0", "wait=soon", "return=minimal"} {
		a := waitFor(t, background(t, "GET", srv.url("lp"), "If-None-Match", e, "Prefer", prefer), 10*time.Second, prefer)
		if a.code != 304 {
			t.Errorf("Prefer %q: %d; want 304", prefer, a.code)
		}
	}
	if len(waited) != 0 {
		t.Errorf("%d requests waited; want none", len(waited))
	}
}

// TestLongPollChange: a write during the wait answers the long-poll with
// 200, the new record and its ETag, at once.
func TestLongPollChange(t *testing.T) {
	waited := make(chan string, 1)
	srv := newRefServerHook(t, ServerConfig{}, func(name string, _ *http.Request) { waited <- name })
	e := createAt(t, srv, "lp")
	poll := background(t, "GET", srv.url("lp"), "If-None-Match", e, "Prefer", "wait=30")
	waitFor(t, waited, 10*time.Second, "long-poll to wait")
	rec := record("b", 2)
	code, h, _ := do(t, "PUT", srv.url("lp"), rec, "If-Match", e)
	if code != 200 {
		t.Fatalf("CAS: %d", code)
	}
	a := waitFor(t, poll, 10*time.Second, "long-poll after a write")
	if a.code != 200 || a.body != rec || a.hdr.Get("Etag") != h.Get("Etag") {
		t.Errorf("long-poll after a write: %d %q ETag %q; want 200 %q ETag %q", a.code, a.body, a.hdr.Get("Etag"), rec, h.Get("Etag"))
	}
}

// TestLongPollDelete: a delete during the wait answers the long-poll 404.
func TestLongPollDelete(t *testing.T) {
	waited := make(chan string, 1)
	srv := newRefServerHook(t, ServerConfig{}, func(name string, _ *http.Request) { waited <- name })
	e := createAt(t, srv, "lp")
	poll := background(t, "GET", srv.url("lp"), "If-None-Match", e, "Prefer", "wait=30")
	waitFor(t, waited, 10*time.Second, "long-poll to wait")
	if code, _, _ := do(t, "DELETE", srv.url("lp"), "", "If-Match", e); code != 204 {
		t.Fatalf("DELETE: %d", code)
	}
	if a := waitFor(t, poll, 10*time.Second, "long-poll after a delete"); a.code != 404 {
		t.Errorf("long-poll after a delete: %d; want 404", a.code)
	}
}

// TestLongPollStale: a long-poll on a version that is already stale
// answers 200 at once, without waiting.
func TestLongPollStale(t *testing.T) {
	waited := make(chan string, 1)
	srv := newRefServerHook(t, ServerConfig{}, func(name string, _ *http.Request) { waited <- name })
	e := createAt(t, srv, "lp")
	if code, _, _ := do(t, "PUT", srv.url("lp"), record("b", 2), "If-Match", e); code != 200 {
		t.Fatalf("CAS: %d", code)
	}
	a := waitFor(t, background(t, "GET", srv.url("lp"), "If-None-Match", e, "Prefer", "wait=30"), 10*time.Second, "long-poll")
	if a.code != 200 || len(waited) != 0 {
		t.Errorf("long-poll on a stale version: %d after waiting %d times; want 200 at once", a.code, len(waited))
	}
}

// TestLongPollClose: Close answers the long-polls in progress at once.
func TestLongPollClose(t *testing.T) {
	waited := make(chan string, 1)
	srv := newRefServerHook(t, ServerConfig{}, func(name string, _ *http.Request) { waited <- name })
	e := createAt(t, srv, "lp")
	poll := background(t, "GET", srv.url("lp"), "If-None-Match", e, "Prefer", "wait=30")
	waitFor(t, waited, 10*time.Second, "long-poll to wait")
	srv.Close()
	if a := waitFor(t, poll, 10*time.Second, "long-poll after Close"); a.code != 304 {
		t.Errorf("long-poll after Close: %d; want 304", a.code)
	}
}

// TestLongPollClientGone: the handler stops waiting when the client goes
// away.
func TestLongPollClientGone(t *testing.T) {
	waited := make(chan string, 1)
	srv := newRefServerHook(t, ServerConfig{}, func(name string, _ *http.Request) { waited <- name })
	e := createAt(t, srv, "lp")
	returned := make(chan struct{}, 1)
	url := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.ServeHTTP(w, r)
		returned <- struct{}{}
	})) + "/locks/lp"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	req.Header.Set("If-None-Match", e)
	req.Header.Set("Prefer", "wait=30")
	errc := make(chan error, 1)
	go func() {
		_, err := http.DefaultClient.Do(req)
		errc <- err
	}()
	waitFor(t, waited, 10*time.Second, "long-poll to wait")
	cancel()
	if err := waitFor(t, errc, 10*time.Second, "client"); err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Errorf("cancelled long-poll: %v", err)
	}
	waitFor(t, returned, 10*time.Second, "handler to return after the client left")
}
