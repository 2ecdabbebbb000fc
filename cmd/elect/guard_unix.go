//go:build unix

package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The hidden helper commands of elect run (see proc_unix.go). They are not
// listed in elect help: users never run them.
const (
	guardCommand = "__guard"
	gateCommand  = "__exec"
)

func init() {
	register(&command{
		name: guardCommand, summary: "(internal) kill CMD's process group at its deadline",
		usage: "Usage: elect " + guardCommand + "\n\nInternal to elect run: reads its orders on stdin.\n",
		setup: noFlags(func(_ context.Context, e *env, _ []string) int { return runGuard(os.Stdin, os.Stdout) }),
	})
	register(&command{
		name: gateCommand, summary: "(internal) exec CMD once elect leads",
		usage: "Usage: elect " + gateCommand + " -- PATH ARGV...\n\nInternal to elect run: waits for \"go TERM\" on fd 3, then execs PATH.\n",
		setup: noFlags(func(_ context.Context, e *env, args []string) int { return runGate(e, args) }),
	})
}

// guard is the state of the guard process.
type guard struct {
	out      *os.File
	mu       sync.Mutex
	pgid     int   // CMD's process group; 0 when there is none to guard
	deadline int64 // monoNow() value at which to kill; 0: none yet
	killed   bool
	timer    *time.Timer
}

// runGuard is the guard: it reads lines from in until EOF,
//
//	pgid P     the process group to guard (CMD's, led by the gate)
//	until N    kill the group when monoNow() reaches N; a deadline only
//	           ever moves later
//	sync       answer "ok" once the lines before are in force
//	done       CMD has exited: nothing to guard any more
//
// and kills the group at the deadline (answering "killed"), or at EOF when
// the group is still guarded: elect exited or died without saying done.
func runGuard(in, out *os.File) int {
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGPIPE, syscall.SIGTSTP)
	setProcName("elect-guard")
	g := &guard{out: out}
	// Resumed after a stop, check the deadline at once rather than when
	// the runtime's timer gets to it.
	cont := make(chan os.Signal, 1)
	signal.Notify(cont, syscall.SIGCONT)
	go func() {
		for range cont {
			g.mu.Lock()
			if g.deadline > 0 && monoNow() >= g.deadline {
				g.expire()
			}
			g.mu.Unlock()
		}
	}()
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		verb, arg, _ := strings.Cut(sc.Text(), " ")
		n, _ := strconv.ParseInt(arg, 10, 64)
		g.mu.Lock()
		switch verb {
		case "pgid":
			g.pgid = int(n)
		case "until":
			if n > g.deadline {
				g.deadline = n
				g.arm()
				if monoNow() >= n {
					g.expire() // at once, before a later "sync" is answered
				}
			}
		case "sync":
			g.out.WriteString("ok\n")
		case "done":
			g.pgid = 0
			if g.timer != nil {
				g.timer.Stop()
			}
		}
		g.mu.Unlock()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.pgid > 0 && !g.killed {
		g.killGroup()
	}
	return exitOK
}

// arm sets the timer for the deadline. g.mu is held.
func (g *guard) arm() {
	d := time.Duration(g.deadline - monoNow())
	if g.timer == nil {
		g.timer = time.AfterFunc(d, g.fire)
		return
	}
	g.timer.Reset(d)
}

// fire kills the group when the deadline has passed.
func (g *guard) fire() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if monoNow() < g.deadline {
		g.arm() // moved meanwhile
		return
	}
	g.expire()
}

// expire kills the group, once, when there is one. g.mu is held.
func (g *guard) expire() {
	if g.pgid == 0 || g.killed {
		return
	}
	g.killGroup()
	g.out.WriteString("killed\n")
}

// killGroup SIGKILLs the guarded group. g.mu is held.
func (g *guard) killGroup() {
	g.killed = true
	syscall.Kill(-g.pgid, syscall.SIGKILL)
}

// runGate is the gate: it waits for "go TERM" on fd 3, then execs args[0]
// with argv args[1:] and ELECT_TERM=TERM added to its environment. EOF on
// fd 3 means elect will not lead (or is gone): it exits 0 without running
// anything. A failed exec exits 126, as a shell does.
func runGate(e *env, args []string) int {
	if len(args) < 2 {
		fmt.Fprintln(e.stderr, "elect "+gateCommand+": want PATH ARGV...")
		return exitUsage
	}
	setProcName("elect-gate")
	f := os.NewFile(3, "go")
	line, err := bufio.NewReader(f).ReadString('\n')
	f.Close()
	verb, term, _ := strings.Cut(strings.TrimSpace(line), " ")
	if err != nil || verb != "go" {
		return exitOK
	}
	env := append(os.Environ(), "ELECT_TERM="+term)
	err = syscall.Exec(args[0], args[1:], env)
	fmt.Fprintf(e.stderr, "elect: %s: %v\n", args[1], err)
	return 126
}
