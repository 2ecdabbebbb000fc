package httplock

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// clock is a settable clock for ServerConfig.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// refServer is a reference server on a loopback httptest server.
type refServer struct {
	*Server
	ts    *httptest.Server
	clock *clock
}

// newRefServer starts a reference server with cfg. Without DataDir, its
// clock is advanced past the start-up write refusal, so writes work at
// once; tests of the refusal use NewServer themselves.
func newRefServer(t testing.TB, cfg ServerConfig) *refServer {
	t.Helper()
	return newRefServerHook(t, cfg, nil)
}

// newRefServerHook is newRefServer with a hook called when a long-poll
// starts to wait.
func newRefServerHook(t testing.TB, cfg ServerConfig, waiting func(name string, r *http.Request)) *refServer {
	t.Helper()
	c := newClock()
	if cfg.Now == nil {
		cfg.Now = c.Now
	}
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	s.testHookWaiting = waiting
	c.Advance(s.cfg.MaxLease)
	ts := httptest.NewServer(s)
	t.Cleanup(func() {
		s.Close()
		ts.Close()
	})
	return &refServer{Server: s, ts: ts, clock: c}
}

// url returns the URL of lock name.
func (r *refServer) url(name string) string { return r.ts.URL + "/locks/" + name }

// newLock returns a Lock on url, failing the test on an error.
func newLock(t testing.TB, url, id string, opts ...Option) *Lock {
	t.Helper()
	l, err := New(url, id, opts...)
	if err != nil {
		t.Fatalf("New(%q): %v", url, err)
	}
	return l
}

// do sends one request and returns the status, headers and body.
func do(t testing.TB, method, url, body string, hdr ...string) (int, http.Header, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, url, err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// record returns the JSON of a simple valid record.
func record(holder string, seq int64) string {
	return string(core.AppendRecord(nil, core.Record{
		HolderIdentity: holder, LeaseDuration: 10 * time.Second, Term: 1, Seq: seq,
		RenewTime: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	}))
}

// fakeStore is a third-party store that behaves as the knobs say, on a
// real loopback server: a model of nginx's dav module (all knobs off), of
// MinIO and S3 (content-hash ETags, 404 on If-Match of a missing key, no
// long-poll), of Apache (no ETag in PUT answers), or of a misconfigured
// Apache (weak ETags).
type fakeStore struct {
	honourINM     bool // refuse If-None-Match: * on an existing key with 412
	honourIfMatch bool // refuse a mismatching If-Match with 412
	missing404    bool // answer 404 (S3) rather than 412 to If-Match on a missing key
	weak          bool // give weak ETags
	noPutETag     bool // answer PUTs without an ETag
	samePutETag   bool // give every object the same ETag (broken)
	missingWrite  bool // apply a PUT with If-Match to a missing key (broken)

	mu       sync.Mutex
	objects  map[string]string
	requests atomic.Int64
	log      []string // "METHOD path", in order
}

// s3Like returns a fakeStore that honours preconditions as S3 does.
func s3Like() *fakeStore {
	return &fakeStore{honourINM: true, honourIfMatch: true, missing404: true}
}

func (f *fakeStore) etag(body string) string {
	if f.samePutETag {
		return `"constant"`
	}
	sum := sha256.Sum256([]byte(body))
	e := `"` + hex.EncodeToString(sum[:8]) + `"`
	if f.weak {
		return "W/" + e
	}
	return e
}

func (f *fakeStore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.objects == nil {
		f.objects = map[string]string{}
	}
	f.log = append(f.log, r.Method+" "+r.URL.Path)
	body, exists := f.objects[r.URL.Path]
	switch r.Method {
	case http.MethodGet:
		if !exists {
			http.Error(w, "NoSuchKey", http.StatusNotFound)
			return
		}
		w.Header().Set("Etag", f.etag(body))
		if inm := r.Header.Get("If-None-Match"); inm != "" && inm == f.etag(body) {
			w.WriteHeader(http.StatusNotModified) // no long-poll
			return
		}
		io.WriteString(w, body)
	case http.MethodPut:
		f.put(w, r, body, exists)
	case http.MethodDelete:
		delete(f.objects, r.URL.Path)
		w.WriteHeader(http.StatusNoContent)
	}
}

func (f *fakeStore) put(w http.ResponseWriter, r *http.Request, cur string, exists bool) {
	if f.honourINM && r.Header.Get("If-None-Match") == "*" && exists {
		http.Error(w, "PreconditionFailed", http.StatusPreconditionFailed)
		return
	}
	if im := r.Header.Get("If-Match"); im != "" && f.honourIfMatch {
		switch {
		case !exists && f.missingWrite:
		case !exists && f.missing404:
			http.Error(w, "NoSuchKey", http.StatusNotFound)
			return
		case !exists || im != f.etag(cur):
			http.Error(w, "PreconditionFailed", http.StatusPreconditionFailed)
			return
		}
	}
	b, _ := io.ReadAll(r.Body)
	f.objects[r.URL.Path] = string(b)
	if !f.noPutETag {
		w.Header().Set("Etag", f.etag(string(b)))
	}
	if exists {
		w.WriteHeader(http.StatusNoContent)
	} else {
		w.WriteHeader(http.StatusCreated)
	}
}

// paths returns the distinct paths the store was asked about.
func (f *fakeStore) paths() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := map[string]int{}
	for _, l := range f.log {
		_, p, _ := strings.Cut(l, " ")
		m[p]++
	}
	return m
}

// puts returns how many PUTs the store got for path.
func (f *fakeStore) puts(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, l := range f.log {
		if l == "PUT "+path {
			n++
		}
	}
	return n
}

// serve starts f on a loopback server and returns its URL.
func serve(t testing.TB, h http.Handler) string {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}

// names returns a function giving distinct lock names with prefix.
func names(prefix string) func() string {
	var n atomic.Int64
	return func() string { return prefix + strconv.FormatInt(n.Add(1), 10) }
}
