//go:build unix && !linux

package main

import (
	"os"
	"syscall"
	"time"
)

// On Unix systems other than Linux (macOS, the BSDs), CMD (led by the
// gate, see proc_unix.go) runs as the leader of a process group of its
// own, as on Linux, but there is no parent-death signal. If elect dies,
// even by kill -9, the guard sees elect's pipe close and SIGKILLs CMD's
// process group: within milliseconds rather than at once. If the guard is
// killed at the same time (kill -9 of both processes), CMD keeps running:
// its writes should carry ELECT_TERM, the fencing token, so that the
// systems it writes to refuse them once a newer term exists.
//
// The kill deadline travels to the guard as wall-clock time: a step of the
// system clock shifts the guard's deadline by as much.

// gateAttr returns the process attributes of the gate and so of CMD.
func gateAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// selfExe returns the path of elect's own binary.
func selfExe() (string, error) { return os.Executable() }

// monoNow returns the wall clock in nanoseconds: the clock shared by every
// process of the host that the standard library offers here.
func monoNow() int64 { return time.Now().UnixNano() }

// monoAt converts t to a monoNow reading.
func monoAt(t time.Time) int64 { return monoNow() + int64(time.Until(t)) }

// setProcName does nothing: there is no portable way to rename a process.
func setProcName(string) {}
