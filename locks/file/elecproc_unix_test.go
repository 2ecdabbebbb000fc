//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package file

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/leaderelection/leaderelection"
	"github.com/leaderelection/leaderelection/core"
)

func init() { helpers["elector"] = elector }

// watchReporter is the file Lock, printing a WATCH line for each Watch the
// elector starts, so that a test knows the candidate is watching.
type watchReporter struct{ *Lock }

func (w watchReporter) Watch(v core.Version, fn func(core.WatchEvent)) func() {
	cancel := w.Lock.Watch(v, fn)
	say("WATCH", string(v), now())
	return cancel
}

// elector is a helper that runs a LeaderElector (RunContext) on the file
// Lock. The timings come from FILE_TEST_TIMINGS, "lease/renew/retry".
// When FILE_TEST_LOG names a file, the leader appends "term pid" lines to
// it every 2 ms, each under an flock of that file and only while IsLeader
// is true.
//
// Lines: LEADING term pid t; WORKING term t (after 3 log lines);
// STOPPED pid t; NEWLEADER id t; WATCH version t; ISLEADER bool t;
// EXITED t. Commands: "isleader", "resign", "exit" (cancel the context:
// step down, release, exit).
func elector() error {
	var d [3]time.Duration
	for i, s := range strings.Split(os.Getenv("FILE_TEST_TIMINGS"), "/") {
		var err error
		if i >= len(d) {
			return fmt.Errorf("FILE_TEST_TIMINGS: want lease/renew/retry")
		}
		if d[i], err = time.ParseDuration(s); err != nil {
			return err
		}
	}
	lock, err := New(os.Getenv("FILE_TEST_PATH"), os.Getenv("FILE_TEST_ID"))
	if err != nil {
		return err
	}
	logPath := os.Getenv("FILE_TEST_LOG")
	var le *leaderelection.LeaderElector
	ready := make(chan struct{})
	le, err = leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:          watchReporter{lock},
		LeaseDuration: d[0], RenewDeadline: d[1], RetryPeriod: d[2],
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(stop <-chan struct{}) {
				<-ready
				term, _ := le.FencingToken()
				say("LEADING", term, os.Getpid(), now())
				if logPath != "" {
					appendLog(le, logPath, term, stop)
				}
				<-stop
			},
			OnStoppedLeading: func() { say("STOPPED", os.Getpid(), now()) },
			OnNewLeader:      func(id string) { say("NEWLEADER", id, now()) },
		},
	})
	if err != nil {
		return err
	}
	close(ready)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- le.RunContext(ctx) }()
	cmds := commands()
	for {
		select {
		case c, ok := <-cmds:
			switch {
			case !ok || c == "exit":
				cmds = nil
				cancel()
			case c == "isleader":
				say("ISLEADER", le.IsLeader(), now())
			case c == "resign":
				le.Resign()
			}
		case <-done:
			say("EXITED", now())
			return nil
		}
	}
}

// appendLog appends "term pid" lines to the shared log until stop closes.
func appendLog(le *leaderelection.LeaderElector, path string, term int64, stop <-chan struct{}) {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	line := []byte(fmt.Sprintf("%d %d\n", term, os.Getpid()))
	for n := 0; ; {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			say("ERROR", err)
			return
		}
		syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if le.IsLeader() {
			f.Write(line)
			n++
		}
		f.Close()
		if n == 3 {
			say("WORKING", term, now())
		}
	}
}

// electors starts n electors on a fresh record and returns the cluster.
type electors struct {
	*cluster
	path, timings, logPath string
	n                      int
}

func newElectors(t testing.TB, timings string, withLog bool) *electors {
	return newElectorsIn(t, t.TempDir(), timings, withLog) // removed after the cluster stops
}

// newElectorsIn is newElectors in dir.
func newElectorsIn(t testing.TB, dir, timings string, withLog bool) *electors {
	e := &electors{cluster: newCluster(t), path: filepath.Join(dir, "app.lease"), timings: timings}
	if withLog {
		e.logPath = filepath.Join(dir, "leaders.log")
	}
	return e
}

func (e *electors) add() *proc {
	e.n++
	id := fmt.Sprintf("e%d", e.n)
	return e.start(id, "elector", "FILE_TEST_PATH="+e.path, "FILE_TEST_ID="+id,
		"FILE_TEST_TIMINGS="+e.timings, "FILE_TEST_LOG="+e.logPath)
}

// watched waits until each of the given followers started a watch after
// the leader's LEADING line, and returns the leader's next lines skipped.
func (e *electors) watched(followers []*proc) {
	e.t.Helper()
	seen := map[*proc]bool{}
	for len(seen) < len(followers) {
		ev := e.next("WATCH lines of the followers")
		if ev.fields[0] == "WATCH" {
			seen[ev.p] = true
		}
		if ev.fields[0] == "LEADING" {
			e.t.Fatalf("%s while waiting for the followers to watch", ev)
		}
	}
}

// others returns the processes in ps but p.
func others(ps []*proc, p *proc) []*proc {
	var out []*proc
	for _, q := range ps {
		if q != p {
			out = append(out, q)
		}
	}
	return out
}

// TestElectionKill: with the timings of production (RetryPeriod 2s,
// LeaseDuration 15s), kill -9 of the leading process gives a new leader
// at once, not after the lease, nor after a RetryPeriod.
func TestElectionKill(t *testing.T) {
	e := newElectors(t, "15s/10s/2s", false)
	ps := []*proc{e.add(), e.add(), e.add()}
	leader := e.await(nil, "LEADING", nil).p
	var lat []time.Duration
	for round := range 4 {
		e.watched(others(ps, leader))
		tKill := time.Now()
		leader.signal(t, syscall.SIGKILL)
		ps = others(ps, leader)
		ev := e.await(nil, "LEADING", nil)
		lat = append(lat, ev.at().Sub(tKill))
		leader = ev.p
		ps = append(ps, e.add())
		t.Logf("round %d: %s leads %v after the kill", round, leader.name, lat[round])
	}
	for _, d := range lat {
		if d >= time.Second {
			t.Errorf("a takeover after kill -9 took %v; want well under the RetryPeriod (2s)", d)
		}
	}
}

// TestElectionStop: SIGSTOP of the leader. Nobody takes over before the
// lease can have run out; somebody does after. Once resumed, the old
// leader knows it no longer leads (IsLeader false) and runs
// OnStoppedLeading.
func TestElectionStop(t *testing.T) {
	const lease, retry = 1500 * time.Millisecond, 200 * time.Millisecond
	e := newElectors(t, "1500ms/1s/200ms", false)
	ps := []*proc{e.add(), e.add(), e.add()}
	leader := e.await(nil, "LEADING", nil).p
	e.watched(others(ps, leader))
	tStop := time.Now()
	leader.signal(t, syscall.SIGSTOP)
	ev := e.await(nil, "LEADING", nil)
	after := ev.at().Sub(tStop)
	t.Logf("%s took over %v after SIGSTOP of %s (lease %v)", ev.p.name, after, leader.name, lease)
	if min := lease - 2*retry; after < min {
		t.Errorf("takeover %v after SIGSTOP; the lease (%v) cannot have run out before %v", after, lease, min)
	}
	leader.signal(t, syscall.SIGCONT)
	leader.send(t, "isleader")
	stopped := false
	is := e.await(leader, "ISLEADER", func(ev event) {
		stopped = stopped || ev.p == leader && ev.fields[0] == "STOPPED"
	})
	if is.fields[1] != "false" {
		t.Errorf("resumed old leader: IsLeader() = %s; want false", is.fields[1])
	}
	if !stopped {
		e.await(leader, "STOPPED", nil)
	}
}

// TestElectionRounds: many leadership changes (kill -9, Resign, exit with
// release, SIGSTOP until another takes over then SIGCONT), while each
// leader appends "term pid" lines to a shared log.
// The log shows that no two processes ever led at once: terms never go
// back and never interleave, and each term has one process.
func TestElectionRounds(t *testing.T) {
	e := newElectors(t, "1s/700ms/100ms", true)
	ps := []*proc{e.add(), e.add(), e.add(), e.add()}
	termPid := map[int64]int64{}
	var next *event // a LEADING line already read
	for round := range 16 {
		ev := next
		if ev == nil {
			l := e.await(nil, "LEADING", nil)
			ev = &l
		}
		next = nil
		termPid[ev.int(1)] = ev.int(2)
		leader := ev.p
		e.await(leader, "WORKING", nil)
		switch round % 4 {
		case 0:
			leader.signal(t, syscall.SIGKILL)
			ps = append(others(ps, leader), e.add())
		case 1:
			leader.send(t, "resign")
		case 2:
			leader.send(t, "exit")
			leader.dead = true
			ps = append(others(ps, leader), e.add())
		case 3: // stopped until another takes over, then resumed
			leader.signal(t, syscall.SIGSTOP)
			l := e.await(nil, "LEADING", nil)
			next = &l
			leader.signal(t, syscall.SIGCONT)
			e.await(leader, "STOPPED", func(ev event) {
				if ev.fields[0] == "LEADING" {
					t.Fatalf("%s before the resumed leader stopped", ev)
				}
			})
		}
	}
	pending := map[*proc]bool{}
	for _, p := range ps {
		if !p.dead {
			p.send(t, "exit")
			pending[p] = true
		}
	}
	for len(pending) > 0 {
		if ev := e.next("EXITED from every elector"); ev.fields[0] == "EXITED" {
			ev.p.dead = true
			delete(pending, ev.p)
		}
	}
	checkLog(t, e.logPath, termPid)
}

// checkLog checks the shared log: terms never decrease, each term is
// written by one process, the one that reported leading in it.
func checkLog(t *testing.T, path string, termPid map[int64]int64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var last int64
	writer := map[int64]int64{}
	lines := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines++
		fs := strings.Fields(sc.Text())
		if len(fs) != 2 {
			t.Fatalf("log line %d: %q", lines, sc.Text())
		}
		term, _ := strconv.ParseInt(fs[0], 10, 64)
		pid, _ := strconv.ParseInt(fs[1], 10, 64)
		if term < last {
			t.Errorf("log line %d: term %d after term %d: a stale leader wrote", lines, term, last)
		}
		last = term
		if w, ok := writer[term]; ok && w != pid {
			t.Errorf("log line %d: term %d written by pids %d and %d", lines, term, w, pid)
		}
		writer[term] = pid
		if p, ok := termPid[term]; ok && p != pid {
			t.Errorf("log line %d: term %d written by pid %d; pid %d reported leading in it", lines, term, pid, p)
		}
	}
	t.Logf("%d log lines, %d terms", lines, len(writer))
	if len(writer) < len(termPid) {
		t.Errorf("the log has %d terms; %d leaders reported leading", len(writer), len(termPid))
	}
}
