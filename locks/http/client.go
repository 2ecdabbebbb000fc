package httplock

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// Defaults of the client's options.
const (
	// DefaultTimeout bounds every request but the long-poll (see
	// WithTimeout).
	DefaultTimeout = 5 * time.Second

	// DefaultWatchWait is how long one long-poll asks the server to wait
	// for a change (see WithWatchWait).
	DefaultWatchWait = 25 * time.Second
)

// Lock is one candidate's handle on a lock record stored at one URL. It
// implements core.Lock and core.Watcher and is safe for concurrent use.
type Lock struct {
	url      string // the lock's URL, as given
	describe string // the URL with any password redacted
	identity string

	client    *http.Client
	hook      func(*http.Request) error
	token     string
	timeout   time.Duration
	maxBody   int
	watchWait time.Duration
	probe     bool

	gate       probeGate   // runs the probe once before the first write
	early      atomic.Bool // the probe was started ahead of the first write
	noLongPoll atomic.Bool // the store answered a long-poll at once: do not watch

	testHookWatchDone func() // called when a watch goroutine ends
}

var (
	_ core.Lock    = (*Lock)(nil)
	_ core.Watcher = (*Lock)(nil)
)

// Option configures a Lock made by New.
type Option func(*Lock)

// WithClient makes the Lock send its requests through c, for custom
// transports, proxies, TLS settings or client certificates. The default is
// a client of the package's own that keeps connections alive and never
// follows redirects (a redirect is reported as an unexpected answer).
// Timeouts come from WithTimeout, not from c.Timeout; leave c.Timeout zero,
// or above the watch wait plus the timeout, else every long-poll fails and
// Watch stops.
func WithClient(c *http.Client) Option { return func(l *Lock) { l.client = c } }

// WithRequestHook makes the Lock call hook on every request just before it
// is sent, after all of the Lock's own headers are set: to sign it (AWS
// SigV4, see examples/s3), or to add credentials. The request's body can be
// read again through req.GetBody. An error from hook fails the operation.
func WithRequestHook(hook func(*http.Request) error) Option {
	return func(l *Lock) { l.hook = hook }
}

// WithToken makes the Lock send "Authorization: Bearer token" on every
// request, as the reference server's --token-file expects.
func WithToken(token string) Option { return func(l *Lock) { l.token = token } }

// WithTimeout bounds each request (connect, send, and read of the whole
// answer); the default is DefaultTimeout (5s). A long-poll gets the watch
// wait on top. The caller's context bounds the operation as well.
func WithTimeout(d time.Duration) Option { return func(l *Lock) { l.timeout = d } }

// WithMaxBody bounds how many bytes of a response body the Lock reads; a
// longer record is an error. The default is core.MaxRecordSize (64 KiB).
func WithMaxBody(n int) Option { return func(l *Lock) { l.maxBody = n } }

// WithWatchWait sets how long one long-poll of Watch asks the server to
// wait for a change (Prefer: wait=N, in whole seconds, at least 1); the
// default is DefaultWatchWait (25s). Zero turns Watch off: it then never
// fires, and the election falls back to polling.
func WithWatchWait(d time.Duration) Option { return func(l *Lock) { l.watchWait = d } }

// WithoutProbe skips the probe that a Lock otherwise runs once before its
// first write (see Probe). Use it only for a store you have probed
// already, for instance with many Locks on one store (probe one of them
// with Probe, open the others WithoutProbe).
func WithoutProbe() Option { return func(l *Lock) { l.probe = false } }

// defaultClient is shared by every Lock made without WithClient, so that
// they share connections.
var defaultClient = &http.Client{
	Transport: defaultTransport(),
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

// defaultTransport is net/http's default transport with more idle
// connections per host: an election keeps a handful of requests in flight
// against one store.
func defaultTransport() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return t
}

// New returns a Lock on the record stored at rawURL (http or https), for
// the candidate identity. rawURL is used as given: for the reference
// server it is http://HOST:PORT/locks/NAME; for S3 or MinIO the object's
// URL (path style or virtual-host style); for WebDAV the file's URL, in a
// collection that exists.
//
// Unless WithoutProbe is given, the first write (Create or Update) of the
// Lock probes the store (see Probe) and fails while the probe cannot
// complete (the store is unreachable, or refuses writes for a while after a
// restart); a store that fails the probe is refused for good. Get and Watch
// need no probe: reading trusts nothing.
func New(rawURL, identity string, opts ...Option) (*Lock, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: lock URL %q: %v", ErrInvalidConfig, rawURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%w: lock URL %q: scheme must be http or https", ErrInvalidConfig, rawURL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%w: lock URL %q: no host", ErrInvalidConfig, rawURL)
	}
	if u.Fragment != "" || strings.Contains(rawURL, "#") {
		return nil, fmt.Errorf("%w: lock URL %q: a fragment (#...) is not sent to the server", ErrInvalidConfig, rawURL)
	}
	if p := u.EscapedPath(); p == "" || strings.HasSuffix(p, "/") {
		return nil, fmt.Errorf("%w: lock URL %q: the path must name the record, not a directory", ErrInvalidConfig, rawURL)
	}
	if identity == "" {
		return nil, fmt.Errorf("%w: identity is empty", ErrInvalidConfig)
	}
	l := &Lock{
		url: rawURL, describe: u.Redacted(), identity: identity,
		client: defaultClient, timeout: DefaultTimeout, maxBody: core.MaxRecordSize,
		watchWait: DefaultWatchWait, probe: true,
	}
	for _, o := range opts {
		if o != nil {
			o(l)
		}
	}
	if err := l.validate(); err != nil {
		return nil, err
	}
	l.gate.init()
	return l, nil
}

// validate checks the options.
func (l *Lock) validate() error {
	switch {
	case l.client == nil:
		return fmt.Errorf("%w: WithClient(nil)", ErrInvalidConfig)
	case l.timeout <= 0:
		return fmt.Errorf("%w: WithTimeout(%v): must be positive", ErrInvalidConfig, l.timeout)
	case l.maxBody < 1024:
		return fmt.Errorf("%w: WithMaxBody(%d): must be at least 1024 bytes", ErrInvalidConfig, l.maxBody)
	case l.watchWait < 0 || (l.watchWait > 0 && l.watchWait < time.Second):
		return fmt.Errorf("%w: WithWatchWait(%v): must be 0 (off) or at least 1s", ErrInvalidConfig, l.watchWait)
	case strings.ContainsAny(l.token, "\r\n"):
		return fmt.Errorf("%w: WithToken: the token contains a line break", ErrInvalidConfig)
	}
	return nil
}

// Identity returns the candidate's identity given to New.
func (l *Lock) Identity() string { return l.identity }

// Describe returns the lock's URL, with any password redacted.
func (l *Lock) Describe() string { return l.describe }

// response is an answer, its body read up to the Lock's limit.
type response struct {
	code     int
	status   string
	header   http.Header
	body     []byte
	tooLarge bool // the body was longer than the limit (body holds the start)
}

// etag returns the answer's ETag header, "" when there is none.
func (r *response) etag() string { return r.header.Get("Etag") }

// send makes one request to target and reads the answer. extra is added
// to the request's timeout (for a long-poll). Errors of the transport name
// the method and URL and wrap ctx's error when ctx ended.
//
// A write (PUT, DELETE) that was sent is not aborted when ctx is cancelled:
// send waits for its answer (up to the timeout, and ctx's deadline), since
// an aborted request may still be applied by the server after the caller
// was told it failed, and a Lock's writes must take effect before they
// return or never. A deadline does abort it; the caller must then treat the
// outcome as unknown, as for any transient error.
func (l *Lock) send(ctx context.Context, method, target string, body []byte, extra time.Duration, hdr ...string) (*response, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("httplock: %s %s: %w", method, redact(target), err)
	}
	base := ctx
	if method == http.MethodPut || method == http.MethodDelete {
		var cancel context.CancelFunc
		base, cancel = detach(ctx)
		defer cancel()
	}
	rctx, cancel := context.WithTimeout(base, l.timeout+extra)
	defer cancel()
	req, err := l.newRequest(rctx, method, target, body, hdr)
	if err != nil {
		return nil, err
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return nil, withContext(ctx, fmt.Errorf("httplock: %w", err))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, int64(l.maxBody)+1))
	if err != nil {
		return nil, withContext(ctx, fmt.Errorf("httplock: %s %s: reading the answer (%s): %w", method, redact(target), resp.Status, err))
	}
	r := &response{code: resp.StatusCode, status: resp.Status, header: resp.Header, body: b}
	if len(b) > l.maxBody {
		r.body, r.tooLarge = b[:l.maxBody], true
	}
	return r, nil
}

// detach returns a context that keeps ctx's deadline and values but not
// its cancellation, for work that must finish once started.
func detach(ctx context.Context) (context.Context, context.CancelFunc) {
	d := context.WithoutCancel(ctx)
	if dl, ok := ctx.Deadline(); ok {
		return context.WithDeadline(d, dl)
	}
	return d, func() {}
}

// newRequest builds a request with the Lock's headers, then calls the hook.
// hdr holds name, value pairs.
func (l *Lock) newRequest(ctx context.Context, method, target string, body []byte, hdr []string) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body) // sets ContentLength and GetBody
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return nil, fmt.Errorf("httplock: %s %s: %w", method, redact(target), err)
	}
	h := req.Header
	h.Set("User-Agent", "leaderelection-httplock/1")
	h.Set("Accept", "application/json")
	// An explicit Accept-Encoding keeps the transport from asking for gzip:
	// a compressed representation may carry another ETag.
	h.Set("Accept-Encoding", "identity")
	if body != nil {
		h.Set("Content-Type", "application/json")
	}
	if l.token != "" {
		h.Set("Authorization", "Bearer "+l.token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		h.Set(hdr[i], hdr[i+1])
	}
	if l.hook != nil {
		if err := l.hook(req); err != nil {
			return nil, fmt.Errorf("httplock: %s %s: request hook: %w", method, redact(target), err)
		}
	}
	return req, nil
}

// redact returns target with any password hidden, for errors.
func redact(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return target
	}
	return u.Redacted()
}
