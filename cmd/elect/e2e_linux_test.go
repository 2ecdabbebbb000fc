package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The end-to-end tests of elect run: real `elect run` processes (the
// binary built by electBinary), on a lock file in t.TempDir() and on an
// HTTP lock served by a real `elect serve` on loopback. Each instance runs
// a small shell child that prints "start TERM PID" on its stdout (a pipe
// to the test) and appends "TERM PID" lines to a shared log. The tests
// synchronise on those lines, on elect's log lines and on process exits,
// never on sleeps.

// Timings of the tests: short leases, so that expiry is quick.
var (
	shortLease = []string{"--lease", "1500ms", "--renew", "1s", "--retry", "300ms"}
	// longLease makes a failover that waits for expiry take 5s or more, so
	// that a fast one proves that nothing waited for it.
	longLease = []string{"--lease", "5s", "--renew", "3s", "--retry", "500ms"}
)

// looper is the child of most tests: it appends "TERM PID" to $LOG every
// 10 ms until it is killed; it exits 0 on SIGTERM, saying so. Its start
// line comes once its trap is set and its first log line written.
const looper = `trap 'echo "sigterm $ELECT_TERM $$"; exit 0' TERM
echo "$ELECT_TERM $$" >> "$LOG"
echo "start $ELECT_TERM $$"
while :; do sleep 0.01; echo "$ELECT_TERM $$" >> "$LOG"; done`

// backend is a kind of lock the scenarios run on.
type backend struct {
	name string
	// fastCrash: a killed holder is replaced without waiting for its
	// lease (the file lock's liveness flock).
	fastCrash bool
	// url returns the URL of a fresh lock, and the environment of elect.
	url func(t *testing.T) (string, []string)
}

func backends() []backend {
	return []backend{
		{name: "file", fastCrash: true, url: func(t *testing.T) (string, []string) {
			return "file://" + filepath.Join(t.TempDir(), "e2e.lease"), nil
		}},
		{name: "http", url: func(t *testing.T) (string, []string) {
			dir := t.TempDir()
			tokens := filepath.Join(dir, "tokens")
			if err := os.WriteFile(tokens, []byte("tok-e2e\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			s := startServe(t, "--data", filepath.Join(dir, "data"), "--token-file", tokens)
			t.Cleanup(func() { s.stop(t) })
			return s.base + "/locks/e2e", []string{"ELECT_TOKEN=tok-e2e"}
		}},
	}
}

// cluster is the elect run instances of one test, on one lock.
type cluster struct {
	t      *testing.T
	dir    string
	url    string
	env    []string
	log    string     // the children's shared log
	starts chan event // "start TERM PID" lines of every child
	mu     sync.Mutex
	all    []*instance
}

// event is a line a child printed, when the test read it.
type event struct {
	in         *instance
	term       int64
	pid        int
	at         time.Time
	what, text string
}

// instance is one `elect run` process.
type instance struct {
	c      *cluster
	name   string
	cmd    *exec.Cmd
	out    chan event // the child's other stdout lines
	errs   chan string
	stderr strings.Builder // elect's log, for failure messages
	emu    sync.Mutex
	done   chan struct{}
	code   int
}

func newCluster(t *testing.T, b backend) *cluster {
	url, env := b.url(t)
	dir := t.TempDir()
	c := &cluster{t: t, dir: dir, url: url, env: env, log: filepath.Join(dir, "log"), starts: make(chan event, 64)}
	t.Cleanup(c.killAll)
	return c
}

// start runs `elect run --lock URL flags -- sh -c script` as the leader of
// a process group of its own, so that the test can stop that group.
func (c *cluster) start(name, script string, flags ...string) *instance {
	c.t.Helper()
	args := append([]string{"run", "--lock", c.url}, flags...)
	args = append(args, "--", "sh", "-c", script)
	cmd := exec.Command(electBinary(c.t), args...)
	cmd.Env = append(append(os.Environ(), c.env...), "LOG="+c.log, "DIR="+c.dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		c.t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		c.t.Fatal(err)
	}
	in := &instance{c: c, name: name, cmd: cmd, out: make(chan event, 64), errs: make(chan string, 256), done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.mu.Lock()
	c.all = append(c.all, in)
	c.mu.Unlock()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			in.childLine(sc.Text())
		}
	}()
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			in.emu.Lock()
			in.stderr.WriteString(sc.Text() + "\n")
			in.emu.Unlock()
			select {
			case in.errs <- sc.Text():
			default:
			}
		}
	}()
	go func() {
		wg.Wait()
		cmd.Wait()
		in.code = cmd.ProcessState.ExitCode()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			in.code = 128 + int(ws.Signal())
		}
		close(in.done)
	}()
	return in
}

// childLine dispatches a line of the child's stdout.
func (in *instance) childLine(text string) {
	e := event{in: in, at: time.Now(), text: text}
	f := strings.Fields(text)
	if len(f) == 3 {
		e.what = f[0]
		e.term, _ = strconv.ParseInt(f[1], 10, 64)
		e.pid, _ = strconv.Atoi(f[2])
	}
	if e.what == "start" {
		in.c.starts <- e
		return
	}
	select {
	case in.out <- e:
	default:
	}
}

// logs returns elect's stderr so far.
func (in *instance) logs() string {
	in.emu.Lock()
	defer in.emu.Unlock()
	return in.stderr.String()
}

// killAll SIGKILLs every instance's group and waits for them.
func (c *cluster) killAll() {
	c.mu.Lock()
	all := slices.Clone(c.all)
	c.mu.Unlock()
	for _, in := range all {
		syscall.Kill(-in.cmd.Process.Pid, syscall.SIGCONT)
		syscall.Kill(-in.cmd.Process.Pid, syscall.SIGKILL)
	}
	for _, in := range all {
		select {
		case <-in.done:
		case <-time.After(10 * time.Second):
			c.t.Errorf("%s did not exit after SIGKILL", in.name)
		}
	}
}

// nextStart waits for a child to start.
func (c *cluster) nextStart(within time.Duration) event {
	c.t.Helper()
	select {
	case e := <-c.starts:
		return e
	case <-time.After(within):
		c.t.Fatalf("no child started within %v\n%s", within, c.logs())
	}
	return event{}
}

// noStart checks that no child has started by now.
func (c *cluster) noStart() {
	c.t.Helper()
	select {
	case e := <-c.starts:
		c.t.Fatalf("%s's child started (term %d) when none should have\n%s", e.in.name, e.term, c.logs())
	default:
	}
}

// logs returns every instance's stderr, for failure messages.
func (c *cluster) logs() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	for _, in := range c.all {
		fmt.Fprintf(&b, "--- %s (pid %d):\n%s", in.name, in.cmd.Process.Pid, in.logs())
	}
	return b.String()
}

// wait waits for the instance to exit and returns its exit code.
func (in *instance) wait(within time.Duration) int {
	in.c.t.Helper()
	select {
	case <-in.done:
		return in.code
	case <-time.After(within):
		in.c.t.Fatalf("%s did not exit within %v\n%s", in.name, within, in.c.logs())
	}
	return -1
}

// waitLog waits for a line of elect's log that contains s.
func (in *instance) waitLog(s string, within time.Duration) {
	in.c.t.Helper()
	deadline := time.After(within)
	for {
		select {
		case l := <-in.errs:
			if strings.Contains(l, s) {
				return
			}
		case <-in.done:
			in.c.t.Fatalf("%s exited before logging %q\n%s", in.name, s, in.c.logs())
		case <-deadline:
			in.c.t.Fatalf("%s did not log %q within %v\n%s", in.name, s, within, in.c.logs())
		}
	}
}

// signal sends sig to the instance's elect process alone.
func (in *instance) signal(sig syscall.Signal) {
	if err := syscall.Kill(in.cmd.Process.Pid, sig); err != nil {
		in.c.t.Fatalf("kill %v %s: %v", sig, in.name, err)
	}
}

// checkLog reads the children's log and checks that terms never go back:
// no child wrote with an older term after a newer one had started, and
// each term is one child's. It returns the terms in order.
func (c *cluster) checkLog() []int64 {
	c.t.Helper()
	data, err := os.ReadFile(c.log)
	if err != nil {
		c.t.Fatalf("reading the children's log: %v", err)
	}
	var terms []int64
	owner := map[int64]string{}
	for i, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Fields(l)
		if len(f) != 2 {
			c.t.Fatalf("log line %d: %q: want TERM PID", i+1, l)
		}
		term, _ := strconv.ParseInt(f[0], 10, 64)
		if o, ok := owner[term]; ok && o != f[1] {
			c.t.Errorf("log line %d: term %d written by pid %s and by pid %s", i+1, term, o, f[1])
		}
		owner[term] = f[1]
		if n := len(terms); n > 0 && term < terms[n-1] {
			c.t.Errorf("log line %d: term %d after term %d: a stale child wrote after a newer one started", i+1, term, terms[n-1])
		}
		if n := len(terms); n == 0 || terms[n-1] != term {
			terms = append(terms, term)
		}
	}
	return terms
}

// gone returns a channel that receives the time at which process pid has
// ended (exited or was killed, reaped or not), learnt through a pidfd.
func gone(t *testing.T, pid int) <-chan time.Time {
	ch := make(chan time.Time, 1)
	const sysPidfdOpen = 434
	fd, _, errno := syscall.Syscall(sysPidfdOpen, uintptr(pid), 0, 0)
	if errno == syscall.ESRCH {
		ch <- time.Now()
		return ch
	}
	if errno != 0 {
		t.Fatalf("pidfd_open(%d): %v", pid, errno)
	}
	go func() {
		defer syscall.Close(int(fd))
		for {
			var r syscall.FdSet
			r.Bits[int(fd)/64] |= 1 << (uint(fd) % 64)
			n, err := syscall.Select(int(fd)+1, &r, nil, nil, nil)
			if err == nil && n > 0 {
				ch <- time.Now()
				return
			}
			if err != nil && !errors.Is(err, syscall.EINTR) {
				return
			}
		}
	}()
	return ch
}
