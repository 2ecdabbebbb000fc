//go:build unix

package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// On Unix, CMD is started in two steps by two helper processes, both the
// elect binary itself under hidden commands (guard_unix.go):
//
//   - The gate ("elect __exec -- PATH ARGV...") is spawned before the
//     election starts, as the leader of a new process group, with the
//     parent-death signal SIGKILL on Linux. It waits on a pipe; once elect
//     leads, elect writes "go TERM" and the gate execs CMD in place, with
//     ELECT_TERM=TERM. CMD thus keeps the gate's pid, process group and
//     parent-death signal, and starts within a pipe write and an exec of
//     the moment elect leads.
//   - The guard ("elect __guard") runs in a process group of its own, so
//     that a signal to elect's group (SIGSTOP, Ctrl-Z, SIGKILL) does not
//     reach it, and ignores SIGINT, SIGTERM, SIGHUP and SIGQUIT. elect
//     tells it CMD's process group and, after every renewal, the kill
//     deadline; it SIGKILLs the group when the deadline passes, and when
//     elect's pipe closes (elect exited or died) while CMD still runs. So
//     CMD is killed in time even while elect is stopped or hung.
//
// elect writes "go" only after the guard has confirmed the deadline, so
// CMD never runs unguarded.

// guardedChild is the Unix child.
type guardedChild struct {
	cfg childConfig

	guard     *exec.Cmd
	toGuard   *os.File
	gmu       sync.Mutex // serialises writes to the guard
	acks      chan struct{}
	guardLost chan struct{} // closed when the guard's pipe ends before close
	guardDone chan struct{} // closed once the guard has exited and was reaped

	gatePid int
	goW     *os.File // the gate's go pipe; nil once written or closed
	exitc   chan exitInfo

	mu      sync.Mutex
	started bool
	reaped  bool
	closing bool
}

// newChild spawns the guard and the gate.
func newChild(cfg childConfig) (child, error) {
	exe, err := selfExe()
	if err != nil {
		return nil, fmt.Errorf("elect: cannot find its own binary to start helpers: %w", err)
	}
	c := &guardedChild{cfg: cfg, acks: make(chan struct{}, 1), guardLost: make(chan struct{}), guardDone: make(chan struct{}), exitc: make(chan exitInfo, 1)}
	if err := c.startGuard(exe); err != nil {
		return nil, err
	}
	if err := c.startGate(exe); err != nil {
		c.closeGuard()
		return nil, err
	}
	if err := c.tell("pgid " + strconv.Itoa(c.gatePid)); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// startGuard spawns the guard in a process group of its own.
func (c *guardedChild) startGuard(exe string) error {
	inR, inW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("elect: guard pipe: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return fmt.Errorf("elect: guard pipe: %w", err)
	}
	g := exec.Command(exe, guardCommand)
	g.Args[0] = "elect"
	g.Stdin, g.Stdout, g.Stderr = inR, outW, os.Stderr
	g.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = g.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return fmt.Errorf("elect: starting its guard process: %w", err)
	}
	c.guard, c.toGuard = g, inW
	go c.readGuard(outR)
	return nil
}

// readGuard reads the guard's answers: "ok" to a sync, "killed" when it
// killed CMD at the deadline.
func (c *guardedChild) readGuard(r *os.File) {
	defer r.Close()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		switch sc.Text() {
		case "ok":
			select {
			case c.acks <- struct{}{}:
			default:
			}
		case "killed":
			c.cfg.log.Warn("the guard killed CMD: its kill deadline passed while elect did not act (stopped or hung?)")
		}
	}
	c.guard.Wait()
	close(c.guardDone)
	c.mu.Lock()
	closing := c.closing
	c.mu.Unlock()
	if !closing {
		close(c.guardLost)
	}
}

// startGate spawns the gate, from a goroutine locked to its OS thread for
// as long as the gate (then CMD) lives: on Linux the parent-death signal
// fires when the thread that forked the child exits, not the process.
func (c *guardedChild) startGate(exe string) error {
	goR, goW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("elect: gate pipe: %w", err)
	}
	g := exec.Command(exe, append([]string{gateCommand, "--", c.cfg.path}, c.cfg.argv...)...)
	g.Args[0] = "elect"
	g.Stdin, g.Stdout, g.Stderr = os.Stdin, os.Stdout, os.Stderr
	g.Env = c.cfg.env
	g.ExtraFiles = []*os.File{goR} // fd 3
	g.SysProcAttr = gateAttr()
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := g.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		err := g.Wait()
		c.mu.Lock()
		c.reaped = true
		c.mu.Unlock()
		c.exitc <- exitInfoOf(g.ProcessState, err)
	}()
	err = <-started
	goR.Close()
	if err != nil {
		goW.Close()
		return fmt.Errorf("elect: starting CMD's process: %w", err)
	}
	c.gatePid, c.goW = g.Process.Pid, goW
	return nil
}

// tell writes one line to the guard.
func (c *guardedChild) tell(line string) error {
	c.gmu.Lock()
	defer c.gmu.Unlock()
	if c.toGuard == nil {
		return errors.New("elect: guard closed")
	}
	c.toGuard.SetWriteDeadline(time.Now().Add(time.Second))
	if _, err := c.toGuard.WriteString(line + "\n"); err != nil {
		return fmt.Errorf("elect: guard process not answering: %w", err)
	}
	return nil
}

func (c *guardedChild) start(term int64, authEnd, killAt time.Time) error {
	c.mu.Lock()
	c.started = true
	c.mu.Unlock()
	if err := c.tell("until " + strconv.FormatInt(monoAt(killAt), 10) + "\nsync"); err != nil {
		return err
	}
	select {
	case <-c.acks:
	case <-c.guardLost:
		return errors.New("elect: guard process gone")
	case <-time.After(5 * time.Second):
		return errors.New("elect: guard process did not confirm the kill deadline within 5s")
	}
	if !time.Now().Before(authEnd) { // elect was held up: a stale CMD must not start
		return errAuthorityEnded
	}
	_, err := c.goW.WriteString("go " + strconv.FormatInt(term, 10) + "\n")
	c.goW.Close()
	c.goW = nil
	if err != nil {
		return fmt.Errorf("elect: starting CMD: %w", err)
	}
	return nil
}

func (c *guardedChild) extend(killAt time.Time) {
	c.mu.Lock()
	started := c.started
	c.mu.Unlock()
	if started {
		c.tell("until " + strconv.FormatInt(monoAt(killAt), 10)) // a gone guard is reported by lost
	}
}

func (c *guardedChild) signal(sig os.Signal) {
	if s, ok := sig.(syscall.Signal); ok {
		syscall.Kill(-c.gatePid, s)
	}
}

func (c *guardedChild) kill() {
	syscall.Kill(-c.gatePid, syscall.SIGKILL)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.reaped { // CMD may have left its group; its pid is ours until reaped
		syscall.Kill(c.gatePid, syscall.SIGKILL)
	}
}

func (c *guardedChild) exited() <-chan exitInfo { return c.exitc }
func (c *guardedChild) lost() <-chan struct{}   { return c.guardLost }
func (c *guardedChild) pid() int                { return c.gatePid }

func (c *guardedChild) close() {
	if c.goW != nil { // not started: the gate reads EOF and exits
		c.goW.Close()
		c.goW = nil
	}
	c.closeGuard()
}

// wait reaps the guard, so that it does not linger as a zombie under an
// init that does not reap (as in some containers); it exits as soon as it
// reads EOF.
func (c *guardedChild) wait() {
	select {
	case <-c.guardDone:
	case <-time.After(time.Second):
	}
}

// closeGuard tells the guard that CMD is gone and closes its pipe: the
// guard then exits.
func (c *guardedChild) closeGuard() {
	c.mu.Lock()
	c.closing = true
	c.mu.Unlock()
	c.tell("done")
	c.gmu.Lock()
	if c.toGuard != nil {
		c.toGuard.Close()
		c.toGuard = nil
	}
	c.gmu.Unlock()
}

// exitInfoOf describes how a process ended.
func exitInfoOf(ps *os.ProcessState, err error) exitInfo {
	if ps == nil {
		return exitInfo{code: exitFail, what: fmt.Sprintf("lost: %v", err)}
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		sig := ws.Signal()
		return exitInfo{code: 128 + int(sig), what: fmt.Sprintf("killed by signal %d (%v)", int(sig), sig)}
	}
	return exitInfo{code: ps.ExitCode(), what: "exited with code " + strconv.Itoa(ps.ExitCode())}
}

// Signals of elect run: stopSignals make elect stop (forwarded to CMD
// while it runs, else elect exits 128+N); passSignals are only forwarded;
// contSignal tells elect that it was stopped and has resumed.
var (
	stopSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}
	passSignals = []os.Signal{syscall.SIGUSR1, syscall.SIGUSR2}
	contSignal  = []os.Signal{syscall.SIGCONT}
)
