package healthz

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type checker struct{ err error }

func (c checker) Check() error { return c.err }

func TestHandler(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		code     int
		body     string
		reasoner string
	}{
		{"healthy", nil, http.StatusOK, "ok\n", "a nil Check is healthy"},
		{"past deadline", errors.New("leaderelection: leader is past its renew deadline"), http.StatusServiceUnavailable,
			"leaderelection: leader is past its renew deadline\n", "the error is shown to the operator"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			Handler(checker{tt.err}).ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
			if rec.Code != tt.code || rec.Body.String() != tt.body {
				t.Errorf("got %d %q, want %d %q (%s)", rec.Code, rec.Body.String(), tt.code, tt.body, tt.reasoner)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("Content-Type = %q", ct)
			}
		})
	}
}
