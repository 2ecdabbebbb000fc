package httplock

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/leaderelection/leaderelection/core"
)

// TestNewErrors checks that New names what is wrong with its arguments.
func TestNewErrors(t *testing.T) {
	ok := "http://127.0.0.1:1/locks/a"
	for _, c := range []struct {
		url, id string
		opts    []Option
		want    string
	}{
		{"ftp://h/x", "a", nil, "scheme"},
		{"http:///x", "a", nil, "no host"},
		{"http://h/x#frag", "a", nil, "fragment"},
		{"http://h/", "a", nil, "must name the record"},
		{"http://h", "a", nil, "must name the record"},
		{"http://h/%zz", "a", nil, "invalid URL escape"},
		{ok, "", nil, "identity is empty"},
		{ok, "a", []Option{WithClient(nil)}, "WithClient(nil)"},
		{ok, "a", []Option{WithTimeout(0)}, "WithTimeout"},
		{ok, "a", []Option{WithMaxBody(10)}, "WithMaxBody"},
		{ok, "a", []Option{WithWatchWait(time.Millisecond)}, "WithWatchWait"},
		{ok, "a", []Option{WithToken("a\nb")}, "line break"},
	} {
		_, err := New(c.url, c.id, c.opts...)
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%q, %q) = %v; want ErrInvalidConfig saying %q", c.url, c.id, err, c.want)
		}
	}
	l := newLock(t, "https://user:secret@h/locks/a", "me")
	if d := l.Describe(); strings.Contains(d, "secret") || l.Identity() != "me" {
		t.Errorf("Describe() = %q, Identity() = %q; want the password redacted and identity me", d, l.Identity())
	}
}

// TestUnexpectedAnswer checks that an unexpected answer gives an error
// naming the method, URL, status and the first bytes of the body.
func TestUnexpectedAnswer(t *testing.T) {
	body := "disk full: " + strings.Repeat("x", 500)
	url := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, body, http.StatusInternalServerError)
	})) + "/locks/a"
	l := newLock(t, url, "a", WithoutProbe())
	_, err := l.Create(context.Background(), core.Record{})
	var re *ResponseError
	if !errors.As(err, &re) || !errors.Is(err, ErrUnexpectedResponse) {
		t.Fatalf("Create against a failing store = %v; want a *ResponseError", err)
	}
	msg := err.Error()
	for _, want := range []string{"PUT", url, "500 Internal Server Error", `"disk full: xxx`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not name %q", msg, want)
		}
	}
	if len(re.Body) != bodyPreview {
		t.Errorf("error body preview has %d bytes; want %d", len(re.Body), bodyPreview)
	}
}

// TestBadAnswers checks the errors for unusable answers to a GET.
func TestBadAnswers(t *testing.T) {
	rec := record("a", 1)
	for _, c := range []struct {
		name    string
		etag    string
		body    string
		code    int
		want    error
		saying  string
		options []Option
	}{
		{"weak ETag", `W/"x"`, rec, 200, ErrBadETag, "is weak", nil},
		{"no ETag", "", rec, 200, ErrBadETag, "has no ETag", nil},
		{"unquoted ETag", "x", rec, 200, ErrBadETag, "malformed ETag", nil},
		{"not a record", `"x"`, "<html>", 200, ErrBadRecord, "invalid record", nil},
		{"too large", `"x"`, `{"a":"` + strings.Repeat("x", 2000) + `"}`, 200, ErrBadRecord, "longer than 1024 bytes",
			[]Option{WithMaxBody(1024)}},
		{"redirect", "", "", http.StatusTemporaryRedirect, ErrUnexpectedResponse, "307", nil},
		{"forbidden", "", "AccessDenied", http.StatusForbidden, ErrUnexpectedResponse, "AccessDenied", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			url := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if c.etag != "" {
					w.Header().Set("Etag", c.etag)
				}
				if c.code == http.StatusTemporaryRedirect {
					w.Header().Set("Location", "/elsewhere")
				}
				w.WriteHeader(c.code)
				io.WriteString(w, c.body)
			})) + "/locks/a"
			_, _, err := newLock(t, url, "a", append(c.options, WithoutProbe())...).Get(context.Background())
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.saying) {
				t.Errorf("Get = %v; want %v saying %q", err, c.want, c.saying)
			}
		})
	}
}

// TestTimeout checks that a request to a store that does not answer ends
// after the timeout.
func TestTimeout(t *testing.T) {
	url := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // so that the server notices when the client leaves
		<-r.Context().Done()
	})) + "/locks/a"
	l := newLock(t, url, "a", WithoutProbe(), WithTimeout(50*time.Millisecond))
	start := time.Now()
	_, _, err := l.Get(context.Background())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Get from a silent store = %v; want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Get took %v with a 50ms timeout", d)
	}
	_, err = l.Update(context.Background(), core.Record{}, `"x"`)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Update to a silent store = %v; want context.DeadlineExceeded", err)
	}
}

// TestRequestHeaders checks the headers the Lock sends, the token and the
// request hook, which sees the final request and can read its body.
func TestRequestHeaders(t *testing.T) {
	srv := newRefServer(t, ServerConfig{Tokens: []string{"tok"}})
	var seen []http.Header
	inspect := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Clone())
		srv.ServeHTTP(w, r)
	})
	url := serve(t, inspect) + "/locks/h"
	var bodies []string
	hook := func(r *http.Request) error {
		r.Header.Set("X-Signed", "yes")
		if r.GetBody != nil {
			rc, err := r.GetBody()
			if err != nil {
				return err
			}
			b, _ := io.ReadAll(rc)
			bodies = append(bodies, string(b))
		}
		return nil
	}
	l := newLock(t, url, "a", WithoutProbe(), WithToken("tok"), WithRequestHook(hook))
	want := core.Record{HolderIdentity: "a", Seq: 1}
	if _, err := l.Create(context.Background(), want); err != nil {
		t.Fatalf("Create: %v", err)
	}
	h := seen[0]
	for name, want := range map[string]string{
		"Authorization": "Bearer tok", "Content-Type": "application/json", "If-None-Match": "*",
		"X-Signed": "yes", "Accept-Encoding": "identity",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("header %s = %q; want %q", name, got, want)
		}
	}
	if len(bodies) != 1 {
		t.Fatalf("hook saw %d bodies; want 1", len(bodies))
	}
	got, err := core.ParseRecord([]byte(bodies[0]))
	if err != nil || !strings.Contains(bodies[0], `"writeNonce":"`) {
		t.Fatalf("body %q: %v; want a record with a writeNonce", bodies[0], err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("body seen by the hook (-want +got):\n%s", diff)
	}
	failing := newLock(t, url, "a", WithoutProbe(), WithRequestHook(func(*http.Request) error {
		return errors.New("no credentials")
	}))
	if _, _, err := failing.Get(context.Background()); err == nil || !strings.Contains(err.Error(), "no credentials") {
		t.Errorf("Get with a failing hook = %v; want the hook's error", err)
	}
}

// TestIdenticalWritesDiffer checks that two writes of one record send
// different bodies (the nonce), so content-hash ETags change.
func TestIdenticalWritesDiffer(t *testing.T) {
	r := core.Record{HolderIdentity: "a", Seq: 7}
	a, b := encode(r), encode(r)
	if string(a) == string(b) {
		t.Fatalf("two encodings of one record are identical: %s", a)
	}
	for _, body := range [][]byte{a, b} {
		got, err := core.ParseRecord(body)
		if err != nil || !cmp.Equal(r, got) {
			t.Errorf("ParseRecord(%s) = %+v, %v; want %+v", body, got, err, r)
		}
	}
}

// TestUpdateMissingS3 checks that S3's 404 to If-Match on a missing key is
// a conflict, and that a version that is no ETag is one without a request.
func TestUpdateMissingS3(t *testing.T) {
	f := s3Like()
	l := newLock(t, serve(t, f)+"/bucket/app", "a", WithoutProbe())
	if _, err := l.Update(context.Background(), core.Record{}, `"abc"`); !errors.Is(err, core.ErrConflict) || !strings.Contains(err.Error(), "404") {
		t.Errorf("Update of a missing S3 key = %v; want ErrConflict naming the 404", err)
	}
	n := f.requests.Load()
	if _, err := l.Update(context.Background(), core.Record{}, "not-an-etag"); !errors.Is(err, core.ErrConflict) {
		t.Errorf("Update from a version that is not an ETag = %v; want ErrConflict", err)
	}
	if f.requests.Load() != n {
		t.Errorf("Update from a version that is not an ETag sent a request")
	}
}

// overwriter is a store that answers PUTs without an ETag and lets another
// writer in between a PUT and the next request.
type overwriter struct{ f *fakeStore }

func (o overwriter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o.f.ServeHTTP(w, r)
	if r.Method == http.MethodPut {
		o.f.mu.Lock()
		o.f.objects[r.URL.Path] = record("intruder", 99)
		o.f.mu.Unlock()
	}
}

// TestNoPutETagRace checks that when a store answers a PUT without an ETag
// and another write lands before the read-back, the Lock does not take the
// other write's ETag for its own.
func TestNoPutETagRace(t *testing.T) {
	f := &fakeStore{honourINM: true, honourIfMatch: true, noPutETag: true}
	l := newLock(t, serve(t, overwriter{f})+"/dav/app", "a", WithoutProbe())
	v, err := l.Create(context.Background(), core.Record{HolderIdentity: "a"})
	if !errors.Is(err, core.ErrConflict) || !strings.Contains(err.Error(), "another write came") {
		t.Errorf("Create overtaken before its read-back = %q, %v; want ErrConflict", v, err)
	}
}
