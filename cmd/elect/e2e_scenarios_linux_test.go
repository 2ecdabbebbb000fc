package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRunE2E runs the scenarios of elect run on each kind of lock.
func TestRunE2E(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Run("kill9", func(t *testing.T) { testKill9(t, b) })
			t.Run("sigstop", func(t *testing.T) { testSigstop(t, b, false) })
			t.Run("sigstop-with-cmd", func(t *testing.T) { testSigstop(t, b, true) })
			t.Run("exit7", func(t *testing.T) { testExit7(t, b) })
			t.Run("no-wait", func(t *testing.T) { testNoWait(t, b) })
			t.Run("signals", func(t *testing.T) { testSignals(t, b) })
			t.Run("term-limit", func(t *testing.T) { testTermLimit(t, b) })
		})
	}
}

// e2eRounds is the number of kill -9 rounds: $ELECT_E2E_ROUNDS, or 3.
func e2eRounds() int {
	if n, err := strconv.Atoi(os.Getenv("ELECT_E2E_ROUNDS")); err == nil && n > 0 {
		return n
	}
	return 3
}

// testKill9: three instances; kill -9 of the leading elect kills its child
// at once, and another instance's child starts: within milliseconds on the
// file lock (its liveness flock), after the lease on the HTTP lock. The
// log never goes back a term.
func testKill9(t *testing.T, b backend) {
	c := newCluster(t, b)
	flags := shortLease
	if b.fastCrash {
		flags = longLease // a failover that waited for the lease would take 5s
	}
	c.start("a", looper, flags...)
	leader := c.nextStart(20 * time.Second)
	for _, name := range []string{"b", "c"} {
		c.start(name, looper, flags...).waitLog("new leader", 10*time.Second)
	}
	var failovers, childDeaths []time.Duration
	for round := range e2eRounds() {
		childGone := gone(t, leader.pid)
		killed := time.Now()
		syscall.Kill(leader.in.cmd.Process.Pid, syscall.SIGKILL) // elect alone
		next := c.nextStart(10 * time.Second)
		var died time.Time
		select {
		case died = <-childGone:
		case <-time.After(5 * time.Second):
			t.Fatalf("round %d: the killed elect's child (pid %d) still runs 5s later", round, leader.pid)
		}
		if !died.Before(next.at) {
			t.Errorf("round %d: the old child died %v after the new one started", round, died.Sub(next.at))
		}
		if next.term <= leader.term {
			t.Errorf("round %d: new term %d after term %d", round, next.term, leader.term)
		}
		failovers = append(failovers, next.at.Sub(killed))
		childDeaths = append(childDeaths, died.Sub(killed))
		if code := leader.in.wait(5 * time.Second); code != 128+9 {
			t.Errorf("round %d: killed elect exit %d; want 137", round, code)
		}
		c.start("r"+strconv.Itoa(round), looper, flags...).waitLog("new leader", 10*time.Second)
		leader = next
	}
	terms := c.checkLog()
	if len(terms) != e2eRounds()+1 {
		t.Errorf("log terms %v; want %d terms", terms, e2eRounds()+1)
	}
	limit := 1500*time.Millisecond + 2*time.Second // lease, jitter, slack
	if b.fastCrash {
		limit = time.Second
	}
	for i, d := range failovers {
		if d > limit {
			t.Errorf("round %d: failover took %v; want under %v", i, d, limit)
		}
		if childDeaths[i] > time.Second {
			t.Errorf("round %d: the child died %v after kill -9 of elect; want at once", i, childDeaths[i])
		}
	}
	t.Logf("%s: kill -9 of the leading elect -> next child started: %s (%d rounds); old child dead after %s",
		b.name, summary(failovers), len(failovers), summary(childDeaths))
}

// testSigstop: SIGSTOP of the leading elect's process group (and, with
// withCmd, of CMD's group too), resumed after longer than the lease. The
// guard kills the child before the lease ends, another instance's child
// starts after the lease, the resumed elect exits 4, and the log never
// shows the old term after the new one.
func testSigstop(t *testing.T, b backend, withCmd bool) {
	c := newCluster(t, b)
	a := c.start("a", looper, shortLease...)
	ea := c.nextStart(20 * time.Second)
	other := c.start("b", looper, shortLease...)
	other.waitLog("new leader", 10*time.Second)
	childGone := gone(t, ea.pid)
	stopped := time.Now()
	syscall.Kill(-a.cmd.Process.Pid, syscall.SIGSTOP)
	if withCmd {
		syscall.Kill(-ea.pid, syscall.SIGSTOP)
	}
	eb := c.nextStart(10 * time.Second)
	var died time.Time
	select {
	case died = <-childGone:
	case <-time.After(5 * time.Second):
		t.Fatalf("the stopped elect's child (pid %d) still runs 5s after b's started", ea.pid)
	}
	if !died.Before(eb.at) {
		t.Errorf("a's child died %v after b's child started; want before", died.Sub(eb.at))
	}
	if eb.at.Sub(stopped) < 1200*time.Millisecond {
		t.Errorf("b's child started %v after a was stopped; want after the lease (1.5s after a's last renewal)", eb.at.Sub(stopped))
	}
	resumed := time.Now()
	syscall.Kill(-a.cmd.Process.Pid, syscall.SIGCONT)
	if code := a.wait(5 * time.Second); code != exitLost {
		t.Errorf("resumed elect exit %d; want %d (leadership lost)\n%s", code, exitLost, c.logs())
	}
	exitAfter := time.Since(resumed)
	terms := c.checkLog()
	if !slices.Equal(terms, []int64{ea.term, eb.term}) {
		t.Errorf("log terms %v; want [%d %d]\n%s", terms, ea.term, eb.term, c.logs())
	}
	other.signal(syscall.SIGTERM)
	if code := other.wait(10 * time.Second); code != 0 {
		t.Errorf("b after SIGTERM: exit %d; want 0 (its child's code)", code)
	}
	t.Logf("%s: a stopped at 0; a's child killed at %v; b's child started at %v; resumed a exited %v after SIGCONT",
		b.name, died.Sub(stopped).Round(time.Millisecond), eb.at.Sub(stopped).Round(time.Millisecond), exitAfter.Round(time.Millisecond))
}

// testExit7: CMD exiting with 7 makes elect exit 7 and release the lease:
// the waiting instance's child starts at once, not after the lease.
func testExit7(t *testing.T, b backend) {
	c := newCluster(t, b)
	ctl := filepath.Join(c.dir, "ctl")
	if err := syscall.Mkfifo(ctl, 0o600); err != nil {
		t.Fatal(err)
	}
	script := `echo "start $ELECT_TERM $$"; read code < "$DIR/ctl"; exit $code`
	a := c.start("a", script, longLease...)
	c.nextStart(20 * time.Second)
	other := c.start("b", script, longLease...)
	other.waitLog("new leader", 10*time.Second)
	writeFIFO(t, ctl, "7\n")
	sent := time.Now()
	if code := a.wait(5 * time.Second); code != 7 {
		t.Errorf("elect exit %d when CMD exited 7; want 7", code)
	}
	eb := c.nextStart(5 * time.Second)
	if d := eb.at.Sub(sent); d > time.Second {
		t.Errorf("handover took %v after CMD exited; want at once (the lease is 5s)", d)
	}
	writeFIFO(t, ctl, "0\n")
	if code := other.wait(5 * time.Second); code != 0 {
		t.Errorf("second elect exit %d when CMD exited 0; want 0", code)
	}
	t.Logf("%s: CMD exit 7 -> next child started after %v", b.name, eb.at.Sub(sent).Round(10*time.Microsecond))
}

// writeFIFO writes s to the FIFO at path, once a child opens it.
func writeFIFO(t *testing.T, path, s string) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err == nil {
			_, err = f.WriteString(s)
			f.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no child opened %s within 10s", path)
	}
}

// testNoWait: --no-wait exits 3 at once when another candidate holds the
// lease, runs CMD when the lock is free, and, on the file lock, takes over
// at once from a killed holder.
func testNoWait(t *testing.T, b backend) {
	c := newCluster(t, b)
	a := c.start("a", looper, shortLease...)
	ea := c.nextStart(20 * time.Second)
	started := time.Now()
	n := c.start("n", looper, append([]string{"--no-wait"}, shortLease...)...)
	if code := n.wait(5 * time.Second); code != exitHeld {
		t.Errorf("--no-wait while held: exit %d; want %d\n%s", code, exitHeld, n.logs())
	}
	held := time.Since(started)
	c.noStart()
	if b.fastCrash {
		childGone := gone(t, ea.pid)
		syscall.Kill(a.cmd.Process.Pid, syscall.SIGKILL)
		<-childGone
		a.wait(5 * time.Second)
		n2 := c.start("n2", `echo "start $ELECT_TERM $$"; exit 0`, append([]string{"--no-wait"}, shortLease...)...)
		e := c.nextStart(5 * time.Second)
		if e.in != n2 || e.term <= ea.term {
			t.Errorf("after kill -9 of the holder, %s started term %d; want n2 with a term above %d", e.in.name, e.term, ea.term)
		}
		if code := n2.wait(5 * time.Second); code != 0 {
			t.Errorf("--no-wait after the holder died: exit %d; want 0\n%s", code, n2.logs())
		}
	} else {
		a.signal(syscall.SIGTERM)
		if code := a.wait(5 * time.Second); code != 0 {
			t.Errorf("holder after SIGTERM: exit %d; want 0", code)
		}
	}
	free := c.start("free", `echo "start $ELECT_TERM $$"; exit 0`, append([]string{"--no-wait"}, shortLease...)...)
	if e := c.nextStart(5 * time.Second); e.in != free {
		t.Errorf("%s's child started; want free's", e.in.name)
	}
	if code := free.wait(5 * time.Second); code != 0 {
		t.Errorf("--no-wait on a free lock: exit %d; want 0\n%s", code, free.logs())
	}
	t.Logf("%s: --no-wait while held: exit 3 after %v (process start included)", b.name, held.Round(time.Millisecond))
}

// testSignals: SIGTERM to elect is forwarded to CMD; elect waits for it,
// exits with its code and releases the lease at once. A CMD that ignores
// SIGINT is killed after --grace.
func testSignals(t *testing.T, b backend) {
	c := newCluster(t, b)
	a := c.start("a", looper, longLease...)
	ea := c.nextStart(20 * time.Second)
	other := c.start("b", `trap '' INT; echo "start $ELECT_TERM $$"; while :; do sleep 0.01; done`,
		append([]string{"--grace", "300ms"}, longLease...)...)
	other.waitLog("new leader", 10*time.Second)
	sent := time.Now()
	a.signal(syscall.SIGTERM)
	select {
	case e := <-a.out:
		if e.what != "sigterm" || e.pid != ea.pid {
			t.Errorf("child line %q; want sigterm from pid %d", e.text, ea.pid)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("the child did not get SIGTERM\n%s", c.logs())
	}
	if code := a.wait(5 * time.Second); code != 0 {
		t.Errorf("elect after SIGTERM: exit %d; want 0, CMD's code", code)
	}
	eb := c.nextStart(5 * time.Second)
	if d := eb.at.Sub(sent); d > time.Second {
		t.Errorf("handover after SIGTERM took %v; want at once (the lease is 5s)", d)
	}
	childGone := gone(t, eb.pid)
	sent = time.Now()
	other.signal(syscall.SIGINT)
	other.waitLog("did not exit within --grace", 5*time.Second)
	<-childGone
	if code := other.wait(5 * time.Second); code != 128+9 {
		t.Errorf("elect after SIGINT to a CMD that ignores it: exit %d; want 137 (SIGKILL after --grace)", code)
	}
	if d := time.Since(sent); d < 300*time.Millisecond {
		t.Errorf("CMD killed %v after SIGINT; want after --grace 300ms", d)
	}
	c.checkLog()
}

// testTermLimit: --term-limit ends leadership: CMD gets SIGTERM, elect
// exits 4, and the waiting instance takes over at once.
func testTermLimit(t *testing.T, b backend) {
	c := newCluster(t, b)
	a := c.start("a", looper, append([]string{"--term-limit", "700ms"}, longLease...)...)
	ea := c.nextStart(20 * time.Second)
	other := c.start("b", looper, longLease...)
	other.waitLog("new leader", 10*time.Second)
	select {
	case e := <-a.out:
		if e.what != "sigterm" {
			t.Errorf("child line %q; want sigterm", e.text)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("the child did not get SIGTERM at the term limit\n%s", c.logs())
	}
	limitAt := time.Now()
	if code := a.wait(5 * time.Second); code != exitLost {
		t.Errorf("elect after its term limit: exit %d; want %d", code, exitLost)
	}
	eb := c.nextStart(5 * time.Second)
	if eb.term <= ea.term {
		t.Errorf("term %d after term %d", eb.term, ea.term)
	}
	if d := eb.at.Sub(limitAt); d > time.Second {
		t.Errorf("handover after the term limit took %v; want at once", d)
	}
	other.signal(syscall.SIGTERM)
	other.wait(5 * time.Second)
	c.checkLog()
}

// summary gives the median and the largest of ds.
func summary(ds []time.Duration) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return "none"
	}
	return "median " + s[len(s)/2].Round(10*time.Microsecond).String() + ", max " + s[len(s)-1].Round(10*time.Microsecond).String()
}

// TestRunOutput checks CMD's environment, --json log lines and --quiet.
func TestRunOutput(t *testing.T) {
	dir := t.TempDir()
	url := "file://" + filepath.Join(dir, "out.lease")
	run := func(flags ...string) (stdout, stderr string, code int) {
		t.Helper()
		args := append(append([]string{"run", "--lock", url}, flags...),
			"--", "sh", "-c", `echo "$ELECT_TERM|$ELECT_ID|$ELECT_LOCK|${ELECT_TOKEN-unset}"`)
		cmd := exec.Command(electBinary(t), args...)
		cmd.Env = append(os.Environ(), "ELECT_TOKEN=secret", "ELECT_TERM=99")
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return out.String(), errb.String(), cmd.ProcessState.ExitCode()
	}
	out, errs, code := run("--id", "web-1", "--json")
	if want := "1|web-1|" + url + "|unset\n"; code != 0 || out != want {
		t.Errorf("CMD printed %q (exit %d); want %q\n%s", out, code, want, errs)
	}
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil || m["msg"] == nil || m["level"] == nil {
			t.Errorf("--json log line %q: not a slog JSON line (%v)", l, err)
		}
	}
	if len(lines) < 3 {
		t.Errorf("--json: %d log lines; want the campaign, the start, the exit:\n%s", len(lines), errs)
	}
	out, errs, code = run("--quiet")
	if f := strings.Split(out, "|"); code != 0 || len(f) != 4 || f[0] != "2" || !strings.HasPrefix(f[1], defaultIDPrefix()+":") {
		t.Errorf("--quiet: CMD printed %q, exit %d; want term 2 and the default id HOSTNAME:PID", out, code)
	}
	if errs != "" {
		t.Errorf("--quiet: elect logged %q; want nothing", errs)
	}
	_, errs, _ = run()
	for _, s := range []string{"campaigning lock=" + url, "leading: started CMD term=3", "CMD exited with code 0", "exiting code=0"} {
		if !strings.Contains(errs, s) {
			t.Errorf("text log lacks %q:\n%s", s, errs)
		}
	}
}

// defaultIDPrefix is the HOSTNAME part of the default --id.
func defaultIDPrefix() string {
	h, _ := os.Hostname()
	return h
}
