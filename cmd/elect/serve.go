package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	httplock "github.com/leaderelection/leaderelection/locks/http"
)

// serveFlags are the flags of elect serve.
type serveFlags struct {
	addr      string
	data      string
	tokenFile string
	maxLease  time.Duration
	maxWait   time.Duration
	maxLocks  int
	tlsCert   string
	tlsKey    string
	quiet     bool
	json      bool
	debug     bool
}

func init() {
	register(&command{
		name:    "serve",
		summary: "serve the HTTP lock protocol (the reference lock server)",
		usage: `Usage: elect serve [--addr HOST:PORT] [--data DIR] [--token-file FILE] [--max-lease 1m]
                   [--tls-cert FILE --tls-key FILE]

Serves lock records at /locks/NAME under HTTP conditional requests (GET;
PUT with If-None-Match: * or If-Match; long-poll with If-None-Match and
Prefer: wait=N) and GET /healthz. Lock URLs for 'elect run --lock' and the
Go client are http(s)://HOST:PORT/locks/NAME.

Without --data, records live in memory only, and every write is refused
(503, Retry-After) for one --max-lease after the start, so that a lease
granted before a restart is never granted twice. With --data, records and
their ETags are written to DIR (fsynced) and survive restarts.

With --token-file, every request to /locks/ must carry
"Authorization: Bearer TOKEN" with a token of the file (one per line; blank
lines and # comments ignored): 401 without one, 403 with a wrong one.

SIGINT or SIGTERM stops the server gracefully.
`,
		examples: `  elect serve
  elect serve --addr 0.0.0.0:7468 --data /var/lib/elect --token-file /etc/elect/tokens
  elect serve --tls-cert /etc/elect/cert.pem --tls-key /etc/elect/key.pem --max-lease 30s
  curl -s http://127.0.0.1:7468/locks/app          # read a lock: record + ETag
`,
		setup: func(fs *flag.FlagSet) runFunc {
			o := &serveFlags{}
			fs.StringVar(&o.addr, "addr", "127.0.0.1:7468", "`HOST:PORT` to listen on (port 0 picks a free one)")
			fs.StringVar(&o.data, "data", "", "`DIR` to keep records in across restarts (default: memory only)")
			fs.StringVar(&o.tokenFile, "token-file", "", "`FILE` of bearer tokens, one per line (default: no auth)")
			fs.DurationVar(&o.maxLease, "max-lease", httplock.DefaultMaxLease,
				"longest lease a record may hold, e.g. 30s, 2m; also how long writes\nare refused after a start without --data")
			fs.DurationVar(&o.maxWait, "max-wait", httplock.DefaultMaxWait, "longest wait of a long-poll (Prefer: wait=N)")
			fs.IntVar(&o.maxLocks, "max-locks", httplock.DefaultMaxLocks, "most lock records kept; creates beyond get 507")
			fs.StringVar(&o.tlsCert, "tls-cert", "", "PEM certificate `FILE` for HTTPS (with --tls-key)")
			fs.StringVar(&o.tlsKey, "tls-key", "", "PEM private key `FILE` for HTTPS (with --tls-cert)")
			fs.BoolVar(&o.quiet, "quiet", false, "log errors only")
			fs.BoolVar(&o.debug, "debug", false, "log every write")
			fs.BoolVar(&o.json, "json", false, "log JSON lines instead of text")
			return func(ctx context.Context, e *env, args []string) int { return o.run(ctx, e, args) }
		},
	})
}

// run is elect serve.
func (o *serveFlags) run(ctx context.Context, e *env, args []string) int {
	if code, ok := o.check(e, args); !ok {
		return code
	}
	log := o.logger(e.stderr)
	cfg := httplock.ServerConfig{
		DataDir: o.data, MaxLease: o.maxLease, MaxWait: o.maxWait, MaxLocks: o.maxLocks, Logger: log,
	}
	if o.tokenFile != "" {
		tokens, err := httplock.ReadTokenFile(o.tokenFile)
		if err != nil {
			fmt.Fprintf(e.stderr, "elect serve: %v\n", err)
			return exitFail
		}
		cfg.Tokens = tokens
	}
	srv, err := httplock.NewServer(cfg)
	if err != nil {
		fmt.Fprintf(e.stderr, "elect serve: %v\n", err)
		return exitFail
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		fmt.Fprintf(e.stderr, "elect serve: %v\n", err)
		return exitFail
	}
	hs := newHTTPServer(srv, o.maxWait, log)
	scheme := "http"
	if o.tlsCert != "" {
		scheme = "https"
	}
	fmt.Fprintf(e.stderr, "elect serve: listening on %s://%s\n", scheme, ln.Addr())
	if at := srv.WritableAt(); !at.IsZero() {
		fmt.Fprintf(e.stderr, "elect serve: no --data: writes are refused until %s (one --max-lease), "+
			"so that no lease granted before a restart is granted twice\n", at.Format(time.RFC3339))
	}
	return serveUntilSignal(ctx, e, hs, srv, ln, *o)
}

// check validates the flags and arguments.
func (o serveFlags) check(e *env, args []string) (int, bool) {
	usage := func(format string, a ...any) (int, bool) {
		fmt.Fprintf(e.stderr, "elect serve: "+format+"\nRun 'elect serve --help' for its flags.\n", a...)
		return exitUsage, false
	}
	switch {
	case len(args) > 0:
		return usage("unexpected argument %q", args[0])
	case o.maxLease <= 0:
		return usage("--max-lease %v must be positive", o.maxLease)
	case o.maxWait <= 0:
		return usage("--max-wait %v must be positive", o.maxWait)
	case o.maxLocks <= 0:
		return usage("--max-locks %d must be positive", o.maxLocks)
	case (o.tlsCert == "") != (o.tlsKey == ""):
		return usage("--tls-cert and --tls-key go together")
	case o.quiet && o.debug:
		return usage("--quiet and --debug exclude each other")
	}
	return exitOK, true
}

// logger returns the server's logger on w.
func (o serveFlags) logger(w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	switch {
	case o.quiet:
		level = slog.LevelError
	case o.debug:
		level = slog.LevelDebug
	}
	opts := &slog.HandlerOptions{Level: level}
	if o.json {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// newHTTPServer wraps the handler in an http.Server with timeouts: headers
// must arrive within 5s, a whole request within 15s (a record is at most
// 64 KiB), and the answer may take the longest long-poll plus 15s.
func newHTTPServer(h http.Handler, maxWait time.Duration, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      maxWait + 15*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// serveUntilSignal serves on ln until SIGINT or SIGTERM, then shuts down:
// long-polls answer at once, requests in progress get 10s to finish.
func serveUntilSignal(ctx context.Context, e *env, hs *http.Server, srv *httplock.Server, ln net.Listener, o serveFlags) int {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() {
		if o.tlsCert != "" {
			errc <- hs.ServeTLS(ln, o.tlsCert, o.tlsKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		fmt.Fprintf(e.stderr, "elect serve: %v\n", err)
		return exitFail
	case <-ctx.Done():
	}
	fmt.Fprintln(e.stderr, "elect serve: shutting down")
	srv.Close() // wake the long-polls so Shutdown need not wait for them
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		fmt.Fprintf(e.stderr, "elect serve: shutdown: %v\n", err)
		return exitFail
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(e.stderr, "elect serve: %v\n", err)
		return exitFail
	}
	return exitOK
}
