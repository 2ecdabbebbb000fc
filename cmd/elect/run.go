package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/leaderelection/leaderelection"
)

// Exit codes of elect run, besides CMD's own (see runUsage).
const (
	exitHeld       = 3   // --no-wait: another candidate holds the lease
	exitLost       = 4   // leadership ended before CMD exited
	exitCannotExec = 126 // CMD exists but cannot be run
	exitNotFound   = 127 // CMD not found
)

// noWaitProbe bounds how long --no-wait gives a lock that can tell a dead
// holder at once (the file lock) to do so, before it exits 3. Once the
// holder is found gone, elect waits for the outcome of its own write.
const noWaitProbe = 100 * time.Millisecond

// runFlags are the flags of elect run.
type runFlags struct {
	lock, id, tokenFile string
	lease, renew, retry time.Duration
	termLimit, grace    time.Duration
	noWait              bool
	logFlags
}

const runUsage = `Usage: elect run --lock URL [--id ID] [--lease 15s] [--renew 10s] [--retry 2s]
                 [--term-limit 0] [--grace 10s] [--no-wait] [--quiet] [--json]
                 [--token-file FILE] -- CMD [ARGS...]

Runs CMD while this process leads the election on the lock at URL. It
waits until it holds the lease (with --no-wait it exits 3 at once when
the record names another holder, as flock -n does; on a file lock whose
holder's process is gone it takes the lease instead), starts CMD, and
renews the lease while CMD runs. When CMD exits, elect releases the lease,
so that the next candidate takes over at once, and exits with CMD's code.
Durations are written 300ms, 15s, 2m, 1h30m.

Lock URLs:
  file:///PATH          a lock file on this host, e.g. file:///run/lock/app.lease;
                        a crashed holder is replaced within milliseconds
  http(s)://HOST/PATH   an HTTP lock: elect serve (http://HOST:7468/locks/NAME),
                        S3, MinIO or WebDAV; a bearer token comes from
                        --token-file or $ELECT_TOKEN

CMD's environment gets ELECT_TERM, the fencing token (it grows with every
new leader: pass it along with CMD's writes so that the systems written to
can refuse a stale leader's), ELECT_ID (--id) and ELECT_LOCK (URL);
ELECT_TOKEN is removed. CMD runs in a process group of its own (it should
not read the terminal); signals go to that group.

When leadership ends (the lease was lost, could not be renewed within
--renew, or --term-limit passed), CMD gets SIGTERM, then SIGKILL after
--grace, and in any case before another candidate can take the lease:
by --renew + (--lease - --renew)/2 after the last renewal. A guard process
enforces that deadline even while elect is stopped (SIGSTOP) or hung, and
kills CMD if elect dies (on Linux the kernel kills CMD at once). Only the
fencing token holds when every process is frozen at once: see the README.
SIGINT, SIGTERM, SIGHUP and SIGQUIT are forwarded to CMD, and elect waits
for CMD to exit (SIGKILL after --grace), releases the lease and exits;
SIGUSR1 and SIGUSR2 are forwarded too.

Exit codes:
  CMD's code  CMD exited by itself or after a forwarded signal
              (128+N if a signal N killed it); the lease was released
  1           elect failed (the lock cannot be used, a helper died, ...)
  2           usage error
  3           --no-wait: another candidate holds the lease
  4           leadership ended before CMD exited (lost, not renewed in
              time, or --term-limit): CMD was stopped
  126, 127    CMD cannot be run, or was not found
  128+N       signal N stopped elect before CMD started
`

const runExamples = `  elect run --lock file:///run/lock/report.lease -- /usr/local/bin/report
  elect run --lock file:///run/lock/app.lease --no-wait -- ./cron-job.sh   # exit 3 if held
  ELECT_TOKEN=s3cret elect run --lock http://10.0.0.5:7468/locks/app -- app --serve
  elect run --lock file:///tmp/x.lease -- sh -c 'echo "term $ELECT_TERM"; sleep 60'
`

func init() {
	register(&command{
		name:     "run",
		summary:  "run a command while this process leads",
		usage:    runUsage,
		examples: runExamples,
		setup: func(fs *flag.FlagSet) runFunc {
			o := &runFlags{}
			fs.StringVar(&o.lock, "lock", "", "lock `URL`: file:///PATH or http(s)://HOST/PATH (required)")
			fs.StringVar(&o.id, "id", "", "this candidate's `ID` in the lock record (default HOSTNAME:PID)")
			fs.DurationVar(&o.lease, "lease", 15*time.Second, "lease `duration`: how long the others wait after the last renewal")
			fs.DurationVar(&o.renew, "renew", 10*time.Second, "renew deadline: leadership ends when no renewal succeeds\nfor this `duration`; shorter than --lease")
			fs.DurationVar(&o.retry, "retry", 2*time.Second, "retry period: renew every `duration`, poll every 1 to 1.2 times it")
			fs.DurationVar(&o.termLimit, "term-limit", 0, "give up leadership after leading this `duration` (0: no limit)")
			fs.DurationVar(&o.grace, "grace", 10*time.Second, "`duration` between SIGTERM and SIGKILL when CMD must stop")
			fs.BoolVar(&o.noWait, "no-wait", false, "exit 3 at once when another candidate holds the lease")
			fs.StringVar(&o.tokenFile, "token-file", "", "`FILE` holding the bearer token of an http(s) lock\n(default $ELECT_TOKEN)")
			fs.BoolVar(&o.quiet, "quiet", false, "log errors only")
			fs.BoolVar(&o.json, "json", false, "log JSON lines (log/slog) instead of text")
			return func(ctx context.Context, e *env, args []string) int { return o.run(ctx, e, args) }
		},
	})
}

// run is elect run.
func (o *runFlags) run(ctx context.Context, e *env, args []string) int {
	usage := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "elect run: "+format+"\nRun 'elect run --help' for its flags.\n", a...)
		return exitUsage
	}
	if err := o.check(args); err != nil {
		return usage("%v", err)
	}
	id := o.id
	if id == "" {
		id = defaultID()
	}
	path, code, err := lookCmd(args[0])
	if err != nil {
		fmt.Fprintf(e.stderr, "elect run: %v\n", err)
		return code
	}
	ol, err := openLock(lockSpec{url: o.lock, tokenFile: o.tokenFile, getenv: e.getenv}, id, false)
	if errors.Is(err, errLockURL) {
		return usage("%v", err)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "elect run: %v\n", err)
		return exitFail
	}
	if ol.closer != nil {
		defer ol.closer.Close()
	}
	log := newLogger(e.stderr, o.logFlags, os.Getpid())
	cfg := childConfig{path: path, argv: args, env: cmdEnv(os.Environ(), id, ol.shown), log: log}
	s, err := newSupervisor(o, log, ol, cfg)
	if err != nil {
		fmt.Fprintf(e.stderr, "elect run: %v\n", err)
		return exitUsage
	}
	return s.run(ctx)
}

// check validates the flags and that there is a CMD.
func (o *runFlags) check(args []string) error {
	switch {
	case o.lock == "":
		return errors.New("--lock URL is required")
	case len(args) == 0:
		return errors.New("no CMD: elect run --lock URL [flags] -- CMD [ARGS...]")
	case o.lease <= 0:
		return fmt.Errorf("--lease %v must be positive", o.lease)
	case o.renew <= 0:
		return fmt.Errorf("--renew %v must be positive", o.renew)
	case o.retry <= 0:
		return fmt.Errorf("--retry %v must be positive", o.retry)
	case o.renew >= o.lease:
		return fmt.Errorf("--renew %v must be shorter than --lease %v", o.renew, o.lease)
	case time.Duration(float64(o.retry)*leaderelection.JitterFactor) >= o.renew:
		return fmt.Errorf("--retry %v times %v must be shorter than --renew %v", o.retry, leaderelection.JitterFactor, o.renew)
	case o.termLimit < 0:
		return fmt.Errorf("--term-limit %v must not be negative", o.termLimit)
	case o.grace < 0:
		return fmt.Errorf("--grace %v must not be negative", o.grace)
	}
	return nil
}

// defaultID is HOSTNAME:PID.
func defaultID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return host + ":" + strconv.Itoa(os.Getpid())
}

// lookCmd finds CMD on $PATH, and returns the exit code of a shell for a
// command that is missing (127) or cannot be run (126).
func lookCmd(name string) (string, int, error) {
	path, err := exec.LookPath(name)
	if err == nil {
		return path, exitOK, nil
	}
	switch {
	case errors.Is(err, exec.ErrNotFound), errors.Is(err, fs.ErrNotExist):
		return "", exitNotFound, fmt.Errorf("%s: command not found", name)
	case errors.Is(err, exec.ErrDot):
		return "", exitNotFound, fmt.Errorf("%s: found in the current directory through $PATH; write ./%s", name, name)
	}
	return "", exitCannotExec, fmt.Errorf("%s: cannot run: %v", name, err)
}
