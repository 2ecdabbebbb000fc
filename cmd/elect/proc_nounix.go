//go:build !unix

package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"
)

// On systems that are not Unix (Windows, Plan 9, wasm), elect run starts
// CMD directly once it leads, without the gate and guard of the Unix
// version:
//
//   - There are no process groups or POSIX signals: stopping CMD kills
//     CMD's process alone (TerminateProcess on Windows) at once, without
//     a grace period; CMD's own children are not stopped.
//   - If elect dies, CMD keeps running; so it does if elect is suspended
//     past its deadline (no guard). Run CMD under a supervisor that kills
//     the process tree (a Windows job object) and make its writes carry
//     ELECT_TERM, the fencing token, so that the systems it writes to
//     refuse them once a newer term exists.
//   - elect's own kill deadline still applies while elect runs.

// plainChild is CMD started directly.
type plainChild struct {
	cfg   childConfig
	mu    sync.Mutex
	cmd   *exec.Cmd
	exitc chan exitInfo
}

func newChild(cfg childConfig) (child, error) {
	return &plainChild{cfg: cfg, exitc: make(chan exitInfo, 1)}, nil
}

// start runs CMD. When it cannot, it reports CMD as ended at once (as the
// Unix gate does when it is killed), so that the supervisor goes on.
func (c *plainChild) start(term int64, authEnd, _ time.Time) error {
	if !time.Now().Before(authEnd) {
		c.exitc <- exitInfo{code: exitFail, what: "not started"}
		return errAuthorityEnded
	}
	cmd := exec.Command(c.cfg.path, c.cfg.argv[1:]...)
	cmd.Args = c.cfg.argv
	cmd.Env = append(append([]string(nil), c.cfg.env...), termEnv(term))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		c.exitc <- exitInfo{code: exitCannotExec, what: "not started: " + err.Error()}
		return fmt.Errorf("elect: starting CMD: %w", err)
	}
	c.mu.Lock()
	c.cmd = cmd
	c.mu.Unlock()
	go func() {
		err := cmd.Wait()
		c.exitc <- exitInfoOf(cmd.ProcessState, err)
	}()
	return nil
}

func (c *plainChild) extend(time.Time) {}

func (c *plainChild) signal(sig os.Signal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd != nil && c.cmd.Process.Signal(sig) != nil {
		c.cmd.Process.Kill()
	}
}

func (c *plainChild) kill() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd != nil {
		c.cmd.Process.Kill()
	}
}

func (c *plainChild) exited() <-chan exitInfo { return c.exitc }
func (c *plainChild) lost() <-chan struct{}   { return nil }
func (c *plainChild) close()                  {}
func (c *plainChild) wait()                   {}

func (c *plainChild) pid() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd == nil {
		return 0
	}
	return c.cmd.Process.Pid
}

// exitInfoOf describes how a process ended.
func exitInfoOf(ps *os.ProcessState, err error) exitInfo {
	if ps == nil {
		return exitInfo{code: exitFail, what: fmt.Sprintf("lost: %v", err)}
	}
	return exitInfo{code: ps.ExitCode(), what: "exited with code " + strconv.Itoa(ps.ExitCode())}
}

// Signals of elect run (see proc_unix.go): only an interrupt is delivered
// here.
var (
	stopSignals = []os.Signal{os.Interrupt}
	passSignals []os.Signal
	contSignal  []os.Signal
)

// termEnv is the ELECT_TERM entry for term.
func termEnv(term int64) string { return "ELECT_TERM=" + strconv.FormatInt(term, 10) }
