package httplock

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/leaderelection/leaderelection/core"
)

// Sentinel errors of the package. Check them with errors.Is; the errors
// returned wrap them with the details (method, URL, status, what was
// wrong). Conflicts and missing records wrap core.ErrConflict and
// core.ErrNotFound instead.
var (
	// ErrInvalidConfig is wrapped by every error of New, NewServer and
	// ReadTokenFile about their arguments.
	ErrInvalidConfig = errors.New("httplock: invalid configuration")

	// ErrUnexpectedResponse is wrapped by *ResponseError: the store
	// answered with a status the protocol does not allow at that point.
	ErrUnexpectedResponse = errors.New("httplock: unexpected response")

	// ErrBadETag means the store answered a read or a write without a
	// usable strong ETag: none, a weak one (W/"..."), or a malformed one.
	// A weak ETag never satisfies If-Match, so a lock cannot work on it.
	ErrBadETag = errors.New("httplock: no usable strong ETag")

	// ErrBadRecord means the store returned a body that is not a record.
	ErrBadRecord = errors.New("httplock: stored body is not a lock record")

	// ErrUntrustedStore is returned by Probe, and by every write of a Lock
	// that probes, when the store does not honour conditional
	// requests: it accepted a write it had to refuse, or gave weak or
	// unchanging ETags. Such a store would let two candidates lead at once,
	// so the Lock refuses it for good.
	ErrUntrustedStore = errors.New("httplock: store does not honour conditional requests")
)

// bodyPreview is how many bytes of an unexpected answer's body an error
// shows.
const bodyPreview = 200

// ResponseError describes an answer the protocol does not allow: its
// method, URL, status and the first bytes of its body. It wraps
// ErrUnexpectedResponse.
type ResponseError struct {
	Method     string // the request's method, e.g. "PUT"
	URL        string // the request's URL, with any password redacted
	StatusCode int    // e.g. 500
	Status     string // e.g. "500 Internal Server Error"
	Body       []byte // the first bytes of the body (at most 200)
	Context    string // what the client expected, or ""
}

// Error reports the method, URL, status, context and body preview, e.g.
// `httplock: PUT http://h/locks/a: 500 Internal Server Error: "disk full"`.
func (e *ResponseError) Error() string {
	var b strings.Builder
	b.WriteString("httplock: ")
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.URL)
	b.WriteString(": ")
	status := e.Status
	if status == "" {
		status = strconv.Itoa(e.StatusCode)
	}
	b.WriteString(status)
	if e.Context != "" {
		b.WriteString(" (")
		b.WriteString(e.Context)
		b.WriteByte(')')
	}
	if len(e.Body) > 0 {
		b.WriteString(": ")
		b.WriteString(strconv.Quote(string(e.Body)))
	}
	return b.String()
}

// Unwrap returns ErrUnexpectedResponse.
func (e *ResponseError) Unwrap() error { return ErrUnexpectedResponse }

// unexpected builds the error for an answer the protocol does not allow.
func unexpected(method, url string, resp *response, context string) error {
	body := resp.body
	if len(body) > bodyPreview {
		body = body[:bodyPreview]
	}
	status := resp.status
	if status == "" {
		status = strconv.Itoa(resp.code) + " " + http.StatusText(resp.code)
	}
	return &ResponseError{
		Method: method, URL: url, StatusCode: resp.code, Status: status,
		Body: append([]byte(nil), body...), Context: context,
	}
}

// conflict builds the error for a refused precondition.
func conflict(method, url string, code int, why string) error {
	return fmt.Errorf("httplock: %s %s: %d: %s: %w", method, url, code, why, core.ErrConflict)
}

// withContext makes sure that an error caused by the end of ctx wraps
// ctx's error (context.Canceled or context.DeadlineExceeded), whatever the
// transport made of it, so that callers can check it with errors.Is.
func withContext(ctx context.Context, err error) error {
	cerr := ctx.Err()
	if cerr == nil || errors.Is(err, cerr) {
		return err
	}
	return fmt.Errorf("%w (%w)", err, cerr)
}
