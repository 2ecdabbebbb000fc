package httplock

import (
	"encoding/hex"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startAt starts a server on a loopback listener without advancing its
// clock.
func startAt(t *testing.T, cfg ServerConfig) (*Server, string) {
	t.Helper()
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(func() {
		ts.Close()
		s.Close()
	})
	return s, ts.URL + "/locks/"
}

// TestRestartWithoutData: a server without DataDir refuses writes with 503
// and Retry-After for MaxLease after it starts, allows reads meanwhile,
// and does so again after a restart.
func TestRestartWithoutData(t *testing.T) {
	c := newClock()
	_, u := startAt(t, ServerConfig{Now: c.Now})
	expect503 := func(u, retry string) {
		t.Helper()
		for m, hdr := range map[string][]string{"PUT": {"If-None-Match", "*"}, "DELETE": {"If-Match", `"e"`}} {
			code, h, body := do(t, m, u+"x", record("a", 1), hdr...)
			if code != 503 || h.Get("Retry-After") != retry {
				t.Errorf("%s right after a start: %d, Retry-After %q, %q; want 503, Retry-After %s", m, code, h.Get("Retry-After"), body, retry)
			}
		}
	}
	expect503(u, "60")
	if code, _, _ := do(t, "GET", u+"x", ""); code != 404 {
		t.Errorf("GET during the refusal: %d; want 404 (reads are allowed)", code)
	}
	for _, c := range []struct {
		body string
		hdr  []string
		want int
	}{
		{record("a", 1), nil, 428},
		{"junk", []string{"If-None-Match", "*"}, 400},
		{`{"leaseDurationMs":60001}`, []string{"If-None-Match", "*"}, 400},
	} {
		if code, _, _ := do(t, "PUT", u+"x", c.body, c.hdr...); code != c.want {
			t.Errorf("invalid PUT %q %v during the refusal: %d; want %d (a bad request is told so first)", c.body, c.hdr, code, c.want)
		}
	}
	c.Advance(59*time.Second + time.Millisecond)
	expect503(u, "1")
	c.Advance(time.Second)
	if code, _, body := do(t, "PUT", u+"x", record("a", 1), "If-None-Match", "*"); code != 201 {
		t.Fatalf("PUT one max-lease after the start: %d %q; want 201", code, body)
	}
	// A restart: a new server on the same clock forgets the record and
	// refuses writes again, so the lease just granted cannot be granted
	// twice.
	_, u2 := startAt(t, ServerConfig{Now: c.Now, MaxLease: 15 * time.Second})
	if code, _, _ := do(t, "GET", u2+"x", ""); code != 404 {
		t.Errorf("GET after a restart without DataDir: %d; want 404", code)
	}
	expect503(u2, "15")
}

// TestRestartWithData: with DataDir, records and their ETags survive a
// restart, writes are allowed at once, and new ETags differ from all
// earlier ones.
func TestRestartWithData(t *testing.T) {
	dir := t.TempDir()
	s1, u := startAt(t, ServerConfig{DataDir: dir})
	if !s1.WritableAt().IsZero() {
		t.Errorf("WritableAt with DataDir = %v; want zero (no refusal)", s1.WritableAt())
	}
	code, h, _ := do(t, "PUT", u+"team/app", record("a", 1), "If-None-Match", "*")
	if code != 201 {
		t.Fatalf("create: %d", code)
	}
	e1 := h.Get("Etag")
	extended := `{"seq":2,"holderIdentity":"b","x-new":[1]}`
	code, h, _ = do(t, "PUT", u+"team/app", extended, "If-Match", e1)
	if code != 200 {
		t.Fatalf("CAS: %d", code)
	}
	e2 := h.Get("Etag")
	if _, err := NewServer(ServerConfig{DataDir: dir}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("a second server on the same DataDir: %v; want an error saying it is in use", err)
	}
	s1.Close()

	_, u2 := startAt(t, ServerConfig{DataDir: dir})
	code, h, body := do(t, "GET", u2+"team/app", "")
	if code != 200 || body != extended || h.Get("Etag") != e2 {
		t.Fatalf("GET after a restart: %d %q ETag %q; want 200 %q ETag %q", code, body, h.Get("Etag"), extended, e2)
	}
	code, h, _ = do(t, "PUT", u2+"team/app", record("b", 3), "If-Match", e2)
	if code != 200 {
		t.Fatalf("CAS right after a restart with DataDir: %d; want 200", code)
	}
	if e3 := h.Get("Etag"); e3 == e1 || e3 == e2 || strings.Split(e3, "-")[0] == strings.Split(e2, "-")[0] {
		t.Errorf("ETag after the restart %s; want a new epoch (earlier %s, %s)", e3, e1, e2)
	}
	if code, h, _ = do(t, "GET", u2+"team/app", ""); code != 200 {
		t.Fatalf("GET before DELETE: %d; want 200", code)
	}
	if code, _, _ = do(t, "DELETE", u2+"team/app", "", "If-Match", h.Get("Etag")); code != 204 {
		t.Fatalf("DELETE: %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, hex.EncodeToString([]byte("team/app"))+".lock")); !os.IsNotExist(err) {
		t.Errorf("the record's file after DELETE: %v; want it gone", err)
	}
}

// TestDataDirFiles checks the file format, the removal of temporary files
// left by a crash, and the refusal of a damaged file.
func TestDataDirFiles(t *testing.T) {
	dir := t.TempDir()
	s, u := startAt(t, ServerConfig{DataDir: dir})
	if code, _, _ := do(t, "PUT", u+"a", record("a", 1), "If-None-Match", "*"); code != 201 {
		t.Fatalf("create: %d", code)
	}
	s.Close()
	file := filepath.Join(dir, hex.EncodeToString([]byte("a"))+".lock")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), diskMagic+"name: a\netag: \"") || !strings.HasSuffix(string(b), "\n\n"+record("a", 1)) {
		t.Errorf("record file:\n%s", b)
	}
	tmp := filepath.Join(dir, ".tmp-123")
	if err := os.WriteFile(tmp, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	s2, err := NewServer(ServerConfig{DataDir: dir})
	if err != nil {
		t.Fatalf("NewServer with a leftover temporary file: %v", err)
	}
	s2.Close()
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("leftover temporary file: %v; want it removed", err)
	}
	for _, c := range []struct{ name, content, want string }{
		{"truncated", diskMagic + "name: a\n", "missing etag line"},
		{"bad magic", "hello\n", "bad first line"},
		{"bad record", diskMagic + "name: a\netag: \"x\"\n\n{", "invalid record"},
		{"weak etag", diskMagic + "name: a\netag: W/\"x\"\n\n{}", "invalid ETag"},
		{"wrong file", diskMagic + "name: b\netag: \"x\"\n\n{}", "belongs in file"},
	} {
		if err := os.WriteFile(file, []byte(c.content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := NewServer(ServerConfig{DataDir: dir})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), file) {
			t.Errorf("%s: NewServer = %v; want an error naming %s and saying %q", c.name, err, file, c.want)
		}
	}
}
