package httplock

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of ServerConfig.
const (
	// DefaultMaxLease is the longest lease a record may carry (ServerConfig.MaxLease).
	DefaultMaxLease = time.Minute

	// DefaultMaxWait is the longest a long-poll waits (ServerConfig.MaxWait).
	DefaultMaxWait = 30 * time.Second

	// DefaultMaxLocks is the most lock records a server keeps (ServerConfig.MaxLocks).
	DefaultMaxLocks = 100_000
)

// ServerConfig configures the reference server. The zero value is valid: an
// in-memory server without auth and with the defaults below.
type ServerConfig struct {
	// DataDir, when set, makes the server keep every record in a file of
	// this directory (created if needed, mode 0700), written atomically
	// (temporary file, fsync, rename, fsync of the directory) before a
	// write is answered, and loaded at start. Without it, records live in
	// memory only, and the server refuses writes for MaxLease after it
	// starts (see NewServer). Only one server may use a directory: on Linux and the BSDs
	// it holds an flock on DataDir/.lock.
	DataDir string

	// Tokens are the bearer tokens that grant access to /locks/; nil or
	// empty means no auth is asked. See ReadTokenFile.
	Tokens []string

	// MaxLease is the longest lease a record may carry
	// ("leaseDurationMs"); a longer one gets 400. It is also how long
	// writes are refused after a start without DataDir. Default
	// DefaultMaxLease (1m).
	MaxLease time.Duration

	// MaxWait caps the wait a long-poll asks for (Prefer: wait=N). Default
	// DefaultMaxWait (30s). An http.Server in front of the handler needs a
	// WriteTimeout above it.
	MaxWait time.Duration

	// MaxLocks caps the number of lock records; a create beyond it gets
	// 507. Default DefaultMaxLocks (100,000).
	MaxLocks int

	// Logger receives a line per write at Debug level, and errors. Default:
	// no logging.
	Logger *slog.Logger

	// Now is the clock of the write refusal after a start without DataDir.
	// Default time.Now. Tests set it to skip the wait.
	Now func() time.Time
}

// Server is the reference lock server: an http.Handler that stores lock
// records at /locks/NAME under RFC 9110 conditional requests, and answers
// GET /healthz. See the package documentation for the protocol.
type Server struct {
	cfg    ServerConfig
	log    *slog.Logger
	tokens [][sha256.Size]byte // digests of the tokens, compared in constant time
	epoch  string              // random per start: ETags never repeat across restarts
	seq    atomic.Uint64       // ETag counter within this start

	writableAt time.Time // writes are refused before this time (zero: never)
	disk       *disk     // nil without DataDir

	mu    sync.Mutex
	locks map[string]*entry

	closed    chan struct{} // closed by Close: long-polls answer at once
	closeOnce sync.Once

	testHookWaiting func(name string, r *http.Request) // called when a long-poll starts to wait
}

// NewServer validates cfg and returns a Server. With DataDir, it loads the
// records stored there and refuses to start on a file it cannot read.
//
// Without DataDir, the server answers every valid write (PUT, DELETE) with 503
// and Retry-After until MaxLease has passed since NewServer: a restarted
// server has forgotten its records, and a candidate must not be granted a
// lease that a holder from before the restart may still be using (every
// lease is at most MaxLease long). With DataDir that wait is not needed:
// records and their ETags survive the restart, so candidates see the same
// version as before and wait out its lease from when they first observed
// it, as they always do; and ETags of new writes carry a new random epoch,
// so no version is ever issued twice.
func NewServer(cfg ServerConfig) (*Server, error) {
	if err := cfg.withDefaults(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg: cfg, log: cfg.Logger, locks: make(map[string]*entry),
		closed: make(chan struct{}),
	}
	for i, t := range cfg.Tokens {
		if err := checkToken(t); err != nil {
			return nil, fmt.Errorf("%w: ServerConfig.Tokens[%d]: %v", ErrInvalidConfig, i, err)
		}
		s.tokens = append(s.tokens, sha256.Sum256([]byte(t)))
	}
	var e [8]byte
	if _, err := rand.Read(e[:]); err != nil {
		return nil, fmt.Errorf("httplock: server: random ETag epoch: %w", err)
	}
	s.epoch = hex.EncodeToString(e[:])
	if cfg.DataDir == "" {
		s.writableAt = cfg.Now().Add(cfg.MaxLease)
		return s, nil
	}
	d, records, err := openDisk(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	s.disk = d
	for _, r := range records {
		en := &entry{}
		en.st.Store(&state{exists: true, etag: r.etag, body: r.body, changed: make(chan struct{})})
		s.locks[r.name] = en
	}
	return s, nil
}

// withDefaults fills in defaults and checks the fields.
func (c *ServerConfig) withDefaults() error {
	switch {
	case c.MaxLease < 0:
		return fmt.Errorf("%w: ServerConfig.MaxLease %v is negative", ErrInvalidConfig, c.MaxLease)
	case c.MaxWait < 0:
		return fmt.Errorf("%w: ServerConfig.MaxWait %v is negative", ErrInvalidConfig, c.MaxWait)
	case c.MaxLocks < 0:
		return fmt.Errorf("%w: ServerConfig.MaxLocks %d is negative", ErrInvalidConfig, c.MaxLocks)
	}
	if c.MaxLease == 0 {
		c.MaxLease = DefaultMaxLease
	}
	if c.MaxWait == 0 {
		c.MaxWait = DefaultMaxWait
	}
	if c.MaxLocks == 0 {
		c.MaxLocks = DefaultMaxLocks
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// WritableAt returns the time from which the server accepts writes: the
// zero time with DataDir, else the start plus MaxLease.
func (s *Server) WritableAt() time.Time { return s.writableAt }

// Close makes every long-poll in progress, and every later one, answer at
// once (304), so that an http.Server's Shutdown need not wait for them, and
// releases the data directory. The handler keeps answering other requests;
// call Close when the http.Server stops.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.closed)
		if s.disk != nil {
			err = s.disk.close()
		}
	})
	return err
}

// ServeHTTP answers /healthz and /locks/NAME; other paths get 404.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	path := r.URL.EscapedPath()
	switch {
	case path == "/healthz":
		s.healthz(w, r)
	case strings.HasPrefix(path, "/locks/"):
		s.lock(w, r, strings.TrimPrefix(path, "/locks/"))
	default:
		fail(w, http.StatusNotFound, "no such path %q; locks are at /locks/NAME", path)
	}
}

// healthz answers GET /healthz with 200 "ok", without auth.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		fail(w, http.StatusMethodNotAllowed, "method %s not allowed on /healthz", r.Method)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "ok\n") //nolint:errcheck // the client went away
}

// lock checks auth and the name, then dispatches on the method.
func (s *Server) lock(w http.ResponseWriter, r *http.Request, name string) {
	if !s.authorized(w, r) {
		return
	}
	if err := checkName(name); err != nil {
		fail(w, http.StatusBadRequest, "lock name %q: %v", name, err)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		s.get(w, r, name)
	case http.MethodPut:
		s.put(w, r, name)
	case http.MethodDelete:
		s.delete(w, r, name)
	default:
		w.Header().Set("Allow", "GET, HEAD, PUT, DELETE")
		fail(w, http.StatusMethodNotAllowed, "method %s not allowed on a lock", r.Method)
	}
}

// authorized checks the bearer token when tokens are configured: 401 with
// WWW-Authenticate without one, 403 with a wrong one. Every configured
// token is compared, in constant time, against the digest of the one given.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	if len(s.tokens) == 0 {
		return true
	}
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="leaderelection"`)
		fail(w, http.StatusUnauthorized, "a bearer token is required (Authorization: Bearer TOKEN)")
		return false
	}
	given := sha256.Sum256([]byte(token))
	match := 0
	for i := range s.tokens {
		match |= subtle.ConstantTimeCompare(given[:], s.tokens[i][:])
	}
	if match != 1 {
		fail(w, http.StatusForbidden, "the bearer token is not valid")
		return false
	}
	return true
}

// refuseWrite answers 503 with Retry-After while writes are refused after a
// start without DataDir, and reports whether it did.
func (s *Server) refuseWrite(w http.ResponseWriter) bool {
	if s.writableAt.IsZero() {
		return false
	}
	left := s.writableAt.Sub(s.cfg.Now())
	if left <= 0 {
		return false
	}
	secs := int64((left + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	fail(w, http.StatusServiceUnavailable,
		"the server started without --data less than --max-lease (%v) ago; writes resume in %ds, "+
			"so that a lease granted before a restart cannot be granted twice", s.cfg.MaxLease, secs)
	return true
}

// nextETag returns a strong ETag never issued before: the start's random
// epoch and a counter.
func (s *Server) nextETag() string {
	return `"` + s.epoch + "-" + strconv.FormatUint(s.seq.Add(1), 10) + `"`
}

// fail answers code with a one-line plain-text message.
func fail(w http.ResponseWriter, code int, format string, args ...any) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	fmt.Fprintf(w, "httplock: "+format+"\n", args...)
}
