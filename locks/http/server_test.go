package httplock

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// step is one request of a protocol script and what it must answer.
type step struct {
	name   string
	method string
	path   string // under the server's URL
	body   string
	hdr    []string // name, value pairs; "$e1" etc. are replaced by saved ETags
	want   int
	save   string // save the answer's ETag under this name
	check  func(t *testing.T, h http.Header, body string)
	reason string
}

// runScript runs steps in order against srv.
func runScript(t *testing.T, srv *refServer, steps []step) {
	t.Helper()
	saved := map[string]string{}
	for i, s := range steps {
		hdr := make([]string, len(s.hdr))
		for j, v := range s.hdr {
			for k, e := range saved {
				v = strings.ReplaceAll(v, "$"+k, e)
			}
			hdr[j] = v
		}
		code, h, body := do(t, s.method, srv.ts.URL+s.path, s.body, hdr...)
		if code != s.want {
			t.Fatalf("step %d %q: %s %s %v = %d %q; want %d (%s)", i, s.name, s.method, s.path, hdr, code, body, s.want, s.reason)
		}
		if s.save != "" {
			e := h.Get("Etag")
			if !validStrongETag(e) {
				t.Fatalf("step %d %q: ETag %q is not a strong ETag", i, s.name, e)
			}
			saved[s.save] = e
		}
		if s.check != nil {
			s.check(t, h, body)
		}
	}
}

// TestProtocolTable walks every row of the protocol table, and the rules
// around it, in one script.
func TestProtocolTable(t *testing.T) {
	srv := newRefServer(t, ServerConfig{})
	rec1, rec2 := record("a", 1), record("b", 2)
	// Unknown fields and white space survive byte for byte.
	extended := " {\"seq\": 3, \"holderIdentity\": \"c\", \"futureField\": {\"x\": [1, 2]}}\n"
	const p = "/locks/app"
	json := []string{"Content-Type", "application/json"}
	hdrs := func(h ...string) []string { return append(append([]string{}, json...), h...) }
	bodyIs := func(want string) func(*testing.T, http.Header, string) {
		return func(t *testing.T, h http.Header, body string) {
			if body != want {
				t.Errorf("body %q; want %q", body, want)
			}
		}
	}
	runScript(t, srv, []step{
		{name: "read absent", method: "GET", path: p, want: 404, reason: "GET: 404 none"},
		{name: "PUT without precondition", method: "PUT", path: p, body: rec1, hdr: json, want: 428, reason: "refused"},
		{name: "create", method: "PUT", path: p, body: rec1, hdr: hdrs("If-None-Match", "*"), want: 201, save: "e1",
			reason: "create: 201 + ETag"},
		{name: "create again", method: "PUT", path: p, body: rec2, hdr: hdrs("If-None-Match", "*"), want: 412,
			reason: "create: 412 exists"},
		{name: "read", method: "GET", path: p, want: 200, save: "r1", check: func(t *testing.T, h http.Header, body string) {
			bodyIs(rec1)(t, h, body)
			if ct := h.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		}, reason: "GET: 200 + ETag + record"},
		{name: "read at e1", method: "GET", path: p, hdr: []string{"If-None-Match", "$e1"}, want: 304,
			check: func(t *testing.T, h http.Header, _ string) {
				if h.Get("Etag") == "" {
					t.Error("304 without ETag")
				}
			}, reason: "If-None-Match matching: 304"},
		{name: "read at weak e1", method: "GET", path: p, hdr: []string{"If-None-Match", "W/$e1"}, want: 304,
			reason: "If-None-Match compares weakly"},
		{name: "read at other", method: "GET", path: p, hdr: []string{"If-None-Match", `"other"`}, want: 200},
		{name: "HEAD", method: "HEAD", path: p, want: 200, check: bodyIs("")},
		{name: "CAS stale", method: "PUT", path: p, body: rec2, hdr: hdrs("If-Match", `"stale"`), want: 412,
			reason: "CAS: 412 moved"},
		{name: "CAS unquoted", method: "PUT", path: p, body: rec2, hdr: hdrs("If-Match", "garbage"), want: 412,
			reason: "a malformed tag matches nothing"},
		{name: "CAS weak", method: "PUT", path: p, body: rec2, hdr: hdrs("If-Match", "W/$e1"), want: 412,
			reason: "If-Match compares strongly"},
		{name: "CAS", method: "PUT", path: p, body: rec2, hdr: hdrs("If-Match", "$e1"), want: 200, save: "e2",
			reason: "CAS: 200 + ETag"},
		{name: "CAS from old", method: "PUT", path: p, body: rec1, hdr: hdrs("If-Match", "$e1"), want: 412},
		{name: "CAS list", method: "PUT", path: p, body: extended, hdr: hdrs("If-Match", `"x", $e2`), want: 200, save: "e3",
			reason: "If-Match takes a list"},
		{name: "read extended", method: "GET", path: p, want: 200, check: bodyIs(extended), reason: "stored byte for byte"},
		{name: "If-Match *", method: "PUT", path: p, body: rec1, hdr: hdrs("If-Match", "*"), want: 428,
			reason: "If-Match: * is no compare-and-swap"},
		{name: "If-None-Match tag", method: "PUT", path: p, body: rec1, hdr: hdrs("If-None-Match", "$e3"), want: 428},
		{name: "both", method: "PUT", path: p, body: rec1, hdr: hdrs("If-None-Match", "*", "If-Match", "$e3"), want: 400},
		{name: "CAS on missing", method: "PUT", path: "/locks/missing", body: rec1, hdr: hdrs("If-Match", "$e3"), want: 412,
			reason: "If-Match on a missing lock: 412"},
		{name: "missing stays missing", method: "GET", path: "/locks/missing", want: 404},
		{name: "POST", method: "POST", path: p, body: rec1, want: 405, check: func(t *testing.T, h http.Header, _ string) {
			if h.Get("Allow") == "" {
				t.Error("405 without Allow")
			}
		}},
		{name: "DELETE without If-Match", method: "DELETE", path: p, want: 428},
		{name: "DELETE stale", method: "DELETE", path: p, hdr: []string{"If-Match", "$e1"}, want: 412},
		{name: "DELETE", method: "DELETE", path: p, hdr: []string{"If-Match", "$e3"}, want: 204},
		{name: "gone", method: "GET", path: p, want: 404},
		{name: "create again", method: "PUT", path: p, body: rec1, hdr: hdrs("If-None-Match", "*"), want: 201, save: "e4"},
		{name: "healthz", method: "GET", path: "/healthz", want: 200, check: bodyIs("ok\n")},
		{name: "other path", method: "GET", path: "/nothing", want: 404},
		{name: "locks root", method: "GET", path: "/locks/", want: 400},
	})
}

// TestETagsNeverRepeat checks that ETags are strong, distinct for every
// write, and distinct across two starts of the server.
func TestETagsNeverRepeat(t *testing.T) {
	seen := map[string]bool{}
	for start := range 2 {
		srv := newRefServer(t, ServerConfig{})
		e := ""
		for i := range 20 {
			hdr := []string{"If-None-Match", "*"}
			if e != "" {
				hdr = []string{"If-Match", e}
			}
			code, h, body := do(t, "PUT", srv.url("x"), record("a", 1), hdr...)
			if code != 201 && code != 200 {
				t.Fatalf("start %d write %d: %d %s", start, i, code, body)
			}
			e = h.Get("Etag")
			if !validStrongETag(e) || seen[e] {
				t.Fatalf("start %d write %d: ETag %q is weak or was issued before", start, i, e)
			}
			seen[e] = true
		}
	}
}

// TestLimits checks the size limit, the content type, the record check
// and the lease limit.
func TestLimits(t *testing.T) {
	srv := newRefServer(t, ServerConfig{MaxLease: 10 * time.Second})
	big := `{"seq":1,"pad":"` + strings.Repeat("x", 64<<10) + `"}`
	create := func(ct string) []string {
		h := []string{"If-None-Match", "*"}
		if ct != "" {
			h = append(h, "Content-Type", ct)
		}
		return h
	}
	next := names("limit-")
	for _, c := range []struct {
		name, body, ct string
		want           int
		reason         string
	}{
		{"too large", big, "application/json", 413, "64 KiB limit"},
		{"exactly 64 KiB", `{"seq":1,"pad":"` + strings.Repeat("x", 64<<10-18) + `"}`, "application/json", 201, "the limit is inclusive"},
		{"text/plain", record("a", 1), "text/plain", 415, "only JSON"},
		{"octet-stream", record("a", 1), "application/octet-stream", 415, "only JSON"},
		{"bad content type", record("a", 1), "application/", 415, "unparsable type"},
		{"json with charset", record("a", 1), "application/json; charset=utf-8", 201, "parameters are fine"},
		{"+json", record("a", 1), "application/vnd.lease+json", 201, "a +json type is JSON"},
		{"no content type", record("a", 1), "", 201, "the body is checked anyway"},
		{"curl default", record("a", 1), "application/x-www-form-urlencoded", 201, "curl --data sends this"},
		{"not JSON", "hello", "application/json", 400, "must decode as a record"},
		{"truncated", record("a", 1)[:20], "application/json", 400, "must decode as a record"},
		{"empty", "", "application/json", 400, "must decode as a record"},
		{"schema 2", `{"schema":2}`, "application/json", 400, "unknown schema"},
		{"lease at max", `{"leaseDurationMs":10000}`, "application/json", 201, "max-lease is inclusive"},
		{"lease over max", `{"leaseDurationMs":10001}`, "application/json", 400, "lease > max-lease"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, body := do(t, "PUT", srv.url(next()), c.body, create(c.ct)...)
			if code != c.want {
				t.Errorf("PUT %s: %d %q; want %d (%s)", c.name, code, body, c.want, c.reason)
			}
		})
	}
}

// TestChunkedTooLarge checks the size limit on a body without a
// Content-Length.
func TestChunkedTooLarge(t *testing.T) {
	srv := newRefServer(t, ServerConfig{})
	req, err := http.NewRequest("PUT", srv.url("chunked"), strings.NewReader(strings.Repeat(" ", 70<<10)+"{}"))
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = -1 // chunked
	req.Header.Set("If-None-Match", "*")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Errorf("chunked 70 KiB PUT: %d; want 413", resp.StatusCode)
	}
}

// TestNames checks the lock names the server accepts and the ones it
// refuses, path traversal included.
func TestNames(t *testing.T) {
	srv := newRefServer(t, ServerConfig{})
	for _, c := range []struct {
		path   string
		want   int
		reason string
	}{
		{"a", 201, "one letter"},
		{"A-b_c.d9", 201, "every allowed character"},
		{"team/app/leader", 201, "segments"},
		{".hidden", 201, "a segment may start with a dot"},
		{strings.Repeat("n", MaxNameLength), 201, "the longest name"},
		{strings.Repeat("n", MaxNameLength+1), 400, "too long"},
		{"../etc/passwd", 400, "traversal"},
		{"a/../../b", 400, "traversal"},
		{"a/./b", 400, "dot segment"},
		{".", 400, "dot segment"},
		{"..", 400, "traversal"},
		{"a//b", 400, "empty segment"},
		{"a/", 400, "empty segment"},
		{"%2e%2e/x", 400, "escaped traversal"},
		{"a%2Fb", 400, "escaped slash"},
		{"a%20b", 400, "space"},
		{"a~b", 400, "tilde"},
		{"a:b", 400, "colon"},
		{"é", 400, "non-ASCII"},
	} {
		code, _, body := do(t, "PUT", srv.url(c.path), record("a", 1), "If-None-Match", "*")
		if code != c.want {
			t.Errorf("PUT /locks/%s: %d %q; want %d (%s)", c.path, code, body, c.want, c.reason)
		}
		if code, _, _ := do(t, "GET", srv.url(c.path), ""); c.want == 400 && code != 400 {
			t.Errorf("GET /locks/%s: %d; want 400 (%s)", c.path, code, c.reason)
		}
	}
}

// TestAuth checks bearer tokens: 401 without one, 403 with a wrong one,
// and /healthz open.
func TestAuth(t *testing.T) {
	srv := newRefServer(t, ServerConfig{Tokens: []string{"alpha", "beta-2"}})
	u := srv.url("auth")
	for _, c := range []struct {
		name   string
		hdr    []string
		want   int
		reason string
	}{
		{"no token", nil, 401, "401 without a token"},
		{"basic", []string{"Authorization", "Basic YTpi"}, 401, "only bearer tokens"},
		{"empty bearer", []string{"Authorization", "Bearer "}, 401, "no token"},
		{"wrong", []string{"Authorization", "Bearer alphx"}, 403, "403 with a wrong token"},
		{"prefix", []string{"Authorization", "Bearer alph"}, 403, "a prefix is wrong"},
		{"first", []string{"Authorization", "Bearer alpha"}, 404, "a valid token reaches the lock"},
		{"second", []string{"Authorization", "bearer beta-2"}, 404, "the scheme is case-insensitive"},
	} {
		code, h, body := do(t, "GET", u, "", c.hdr...)
		if code != c.want {
			t.Errorf("%s: %d %q; want %d (%s)", c.name, code, body, c.want, c.reason)
		}
		if code == 401 && !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: 401 with WWW-Authenticate %q; want a Bearer challenge", c.name, h.Get("WWW-Authenticate"))
		}
	}
	if code, _, _ := do(t, "GET", srv.ts.URL+"/healthz", ""); code != 200 {
		t.Errorf("/healthz without a token: %d; want 200", code)
	}
	if code, _, _ := do(t, "PUT", u, record("a", 1), "If-None-Match", "*"); code != 401 {
		t.Errorf("PUT without a token: %d; want 401", code)
	}
}

// TestMaxLocks checks that creates beyond MaxLocks get 507, and that a
// delete makes room.
func TestMaxLocks(t *testing.T) {
	srv := newRefServer(t, ServerConfig{MaxLocks: 2})
	var etag string
	for i, want := range []int{201, 201, 507} {
		code, h, body := do(t, "PUT", srv.url("m"+string(rune('a'+i))), record("a", 1), "If-None-Match", "*")
		if code != want {
			t.Fatalf("create %d: %d %q; want %d", i, code, body, want)
		}
		if i == 0 {
			etag = h.Get("Etag")
		}
	}
	if code, _, _ := do(t, "DELETE", srv.url("ma"), "", "If-Match", etag); code != 204 {
		t.Fatalf("DELETE: %d", code)
	}
	if code, _, _ := do(t, "PUT", srv.url("mc"), record("a", 1), "If-None-Match", "*"); code != 201 {
		t.Fatalf("create after a delete: %d; want 201", code)
	}
}

// TestServerConfigErrors checks that NewServer names the bad field.
func TestServerConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg  ServerConfig
		want string
	}{
		{ServerConfig{MaxLease: -1}, "MaxLease"},
		{ServerConfig{MaxWait: -1}, "MaxWait"},
		{ServerConfig{MaxLocks: -1}, "MaxLocks"},
		{ServerConfig{Tokens: []string{"ok", "has space"}}, "Tokens[1]"},
		{ServerConfig{Tokens: []string{""}}, "Tokens[0]"},
	} {
		_, err := NewServer(c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewServer(%+v) = %v; want an error naming %s", c.cfg, err, c.want)
		}
	}
}
