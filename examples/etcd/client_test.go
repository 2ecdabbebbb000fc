package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// answering serves one fixed answer to every request.
func answering(t *testing.T, status int, body string) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return &Client{Endpoint: srv.URL, HTTP: srv.Client()}
}

// TestClientAnswers checks how the client reads the gateway's answers,
// with the shapes etcd 3.4 gives (int64 as strings, "succeeded" omitted
// when false) and the failures it must name.
func TestClientAnswers(t *testing.T) {
	ctx := context.Background()
	t.Run("range finds a key", func(t *testing.T) {
		c := answering(t, 200, `{"header":{"revision":"9"},"kvs":[{"key":"aw==","create_revision":"3","mod_revision":"7","version":"2","value":"dg=="}],"count":"1"}`)
		v, rev, found, err := c.Range(ctx, "k")
		if err != nil || !found || rev != 7 || string(v) != "v" {
			t.Errorf("Range = %q, %d, %v, %v; want \"v\", 7, true, nil", v, rev, found, err)
		}
	})
	t.Run("range of a missing key", func(t *testing.T) {
		c := answering(t, 200, `{"header":{"revision":"9"}}`)
		_, _, found, err := c.Range(ctx, "k")
		if err != nil || found {
			t.Errorf("Range = found %v, %v; want false, nil", found, err)
		}
	})
	t.Run("txn that failed its compare", func(t *testing.T) {
		c := answering(t, 200, `{"header":{"revision":"9"}}`)
		_, ok, err := c.PutIfModRevision(ctx, "k", []byte("v"), 3)
		if err != nil || ok {
			t.Errorf("PutIfModRevision = ok %v, %v; want false, nil", ok, err)
		}
	})
	t.Run("txn that succeeded", func(t *testing.T) {
		c := answering(t, 200, `{"header":{"revision":10},"succeeded":true}`)
		rev, ok, err := c.PutIfAbsent(ctx, "k", []byte("v"))
		if err != nil || !ok || rev != 10 {
			t.Errorf("PutIfAbsent = %d, %v, %v; want 10, true, nil", rev, ok, err)
		}
	})
	for _, tt := range []struct {
		name, body, want string
		status           int
	}{
		{"an error status", `{"error":"etcdserver: request timed out","code":14}`, "503 Service Unavailable", 503},
		{"malformed JSON", `{"header":`, "unexpected end of JSON input", 200},
		{"a bad revision", `{"header":{"revision":"x"},"succeeded":true}`, `revision "x"`, 200},
		{"success without a revision", `{"succeeded":true}`, "a successful transaction without a revision", 200},
		{"an oversized answer", `"` + strings.Repeat("a", maxResponse+1) + `"`, "answer larger than 1048576 bytes", 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := answering(t, tt.status, tt.body)
			_, _, err := c.PutIfAbsent(ctx, "k", []byte("v"))
			if !errors.Is(err, ErrEtcd) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), c.Endpoint) {
				t.Errorf("PutIfAbsent error = %v; want ErrEtcd naming %s and %q", err, c.Endpoint, tt.want)
			}
		})
	}
	t.Run("a write with an ended context is not sent", func(t *testing.T) {
		sent := false
		srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { sent = true }))
		t.Cleanup(srv.Close)
		c := &Client{Endpoint: srv.URL}
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, _, err := c.PutIfModRevision(ctx, "k", nil, 1); !errors.Is(err, context.Canceled) || sent {
			t.Errorf("PutIfModRevision = %v, sent %v; want context.Canceled, not sent", err, sent)
		}
	})
}
