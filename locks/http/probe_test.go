package httplock

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/leaderelection/leaderelection/core"
)

// TestProbeRefuses checks that the probe refuses stores that do not honour
// conditional requests, with an error naming the store and what failed.
func TestProbeRefuses(t *testing.T) {
	for _, c := range []struct {
		name  string
		store *fakeStore
		want  string
	}{
		{"ignores every precondition (nginx dav, x/net/webdav, s3rver)", &fakeStore{}, "ignores If-None-Match"},
		{"ignores If-Match", &fakeStore{honourINM: true}, "ignores If-Match (a PUT with the stale If-Match"},
		{"ignores If-Match on a missing key", &fakeStore{honourINM: true, honourIfMatch: true, missingWrite: true},
			"ignores If-Match on a missing record"},
		{"weak ETags (Apache without FileETag Digest)", &fakeStore{honourINM: true, honourIfMatch: true, weak: true},
			"is weak"},
		{"unchanging ETags", &fakeStore{honourINM: true, honourIfMatch: true, missing404: true, samePutETag: true},
			"kept ETag"},
	} {
		t.Run(c.name, func(t *testing.T) {
			base := serve(t, c.store)
			url := base + "/bucket/app"
			l := newLock(t, url, "a")
			err := l.Probe(context.Background())
			if !errors.Is(err, ErrUntrustedStore) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), url) {
				t.Fatalf("Probe = %v; want an error wrapping ErrUntrustedStore naming %s and saying %q", err, url, c.want)
			}
			if n := c.store.paths()["/bucket/app"]; n != 0 {
				t.Errorf("the probe touched the lock's own record %d times; want never", n)
			}
			// The first write probes and refuses the store, for good.
			ctx := context.Background()
			for range 2 {
				if _, err := l.Create(ctx, core.Record{HolderIdentity: "a"}); !errors.Is(err, ErrUntrustedStore) {
					t.Errorf("Create on a refused store = %v; want ErrUntrustedStore", err)
				}
			}
			if _, err := l.Update(ctx, core.Record{HolderIdentity: "a"}, `"v"`); !errors.Is(err, ErrUntrustedStore) {
				t.Errorf("Update on a refused store = %v; want ErrUntrustedStore", err)
			}
			if _, _, err := l.Get(ctx); !errors.Is(err, core.ErrNotFound) {
				t.Errorf("Get on a refused store = %v; want ErrNotFound (reads need no trust)", err)
			}
			if n := c.store.puts("/bucket/app"); n != 0 {
				t.Errorf("the lock's record was written %d times on a refused store; want never", n)
			}
		})
	}
}

// TestProbeAccepts checks that the reference server and S3-like stores
// pass, that the probe cleans up, and that the lock's own record is never
// touched.
func TestProbeAccepts(t *testing.T) {
	t.Run("s3-like", func(t *testing.T) {
		f := s3Like()
		l := newLock(t, serve(t, f)+"/bucket/app", "a")
		if err := l.Probe(context.Background()); err != nil {
			t.Fatalf("Probe: %v", err)
		}
		f.mu.Lock()
		left := len(f.objects)
		f.mu.Unlock()
		if left != 0 || f.paths()["/bucket/app"] != 0 {
			t.Errorf("after the probe: %d objects left, lock touched %d times; want 0, 0", left, f.paths()["/bucket/app"])
		}
	})
	t.Run("apache-like", func(t *testing.T) {
		f := &fakeStore{honourINM: true, honourIfMatch: true, noPutETag: true}
		if err := newLock(t, serve(t, f)+"/dav/app", "a").Probe(context.Background()); err != nil {
			t.Fatalf("Probe: %v", err)
		}
	})
	t.Run("reference", func(t *testing.T) {
		srv := newRefServer(t, ServerConfig{Tokens: []string{"t"}})
		l := newLock(t, srv.url("team/app"), "a", WithToken("t"))
		if err := l.Probe(context.Background()); err != nil {
			t.Fatalf("Probe: %v", err)
		}
		srv.mu.Lock()
		left := len(srv.locks)
		srv.mu.Unlock()
		if left != 0 {
			t.Errorf("after the probe the server holds %d locks; want 0 (the probe deletes its records)", left)
		}
	})
}

// countingHandler counts requests and can fail them.
type countingHandler struct {
	h    http.Handler
	n    atomic.Int64
	fail atomic.Bool // answer 503
}

func (c *countingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.n.Add(1)
	if c.fail.Load() {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	c.h.ServeHTTP(w, r)
}

// TestProbeOnce checks that a Lock probes before its first write only,
// not before reads, retries a probe that failed for a transient reason, and
// skips it with WithoutProbe.
func TestProbeOnce(t *testing.T) {
	srv := newRefServer(t, ServerConfig{})
	h := &countingHandler{h: srv}
	base := serve(t, h) + "/locks/"
	ctx := context.Background()
	rec := core.Record{HolderIdentity: "a"}

	l := newLock(t, base+"once", "a")
	if _, _, err := l.Get(ctx); !errors.Is(err, core.ErrNotFound) || h.n.Load() != 1 {
		t.Errorf("first Get = %v with %d requests; want ErrNotFound with 1 request (no probe)", err, h.n.Load())
	}
	h.fail.Store(true)
	if _, err := l.Create(ctx, rec); err == nil || errors.Is(err, ErrUntrustedStore) || !strings.Contains(err.Error(), "503") {
		t.Fatalf("Create while the store answers 503 = %v; want a transient error naming the status", err)
	}
	h.fail.Store(false)
	h.n.Store(0)
	v, err := l.Create(ctx, rec)
	if err != nil {
		t.Fatalf("Create after the store recovered: %v", err)
	}
	if n := h.n.Load(); n < 5 {
		t.Errorf("first Create made %d requests; want the probe's and the Create's", n)
	}
	h.n.Store(0)
	if _, err := l.Update(ctx, rec, v); err != nil || h.n.Load() != 1 {
		t.Errorf("Update = %v with %d requests; want success with 1 request", err, h.n.Load())
	}
	h.n.Store(0)
	l2 := newLock(t, base+"twice", "b", WithoutProbe())
	if _, err := l2.Create(ctx, rec); err != nil || h.n.Load() != 1 {
		t.Errorf("Create WithoutProbe = %v with %d requests; want success with 1 request", err, h.n.Load())
	}
}

// TestProbeCancelled checks that a probe honours its context.
func TestProbeCancelled(t *testing.T) {
	srv := newRefServer(t, ServerConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	l := newLock(t, srv.url("c"), "a")
	if err := l.Probe(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Probe with a cancelled context = %v; want context.Canceled", err)
	}
	if _, err := l.Create(ctx, core.Record{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Create with a cancelled context = %v; want context.Canceled", err)
	}
}
