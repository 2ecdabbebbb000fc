package main

import (
	"syscall"
	"time"
	"unsafe"
)

// On Linux, CMD (led by the gate, see proc_unix.go) runs:
//
//   - as the leader of a process group of its own (Setpgid), so that
//     stopping CMD signals the whole group, CMD's own children included;
//   - with the parent-death signal SIGKILL (Pdeathsig): if elect dies,
//     even by kill -9, the kernel kills CMD at once. The signal is tied to
//     the thread that forked CMD, so that thread stays locked to the
//     goroutine that waits for CMD, for CMD's whole life. CMD's children
//     are killed by the guard, which sees elect's pipe close.
//
// The kill deadline travels to the guard as a CLOCK_MONOTONIC reading, the
// clock of Go's timers, so a deadline read late (the guard was busy or
// stopped) is still the right instant.

// gateAttr returns the process attributes of the gate and so of CMD.
func gateAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// selfExe returns the path to exec elect itself: /proc/self/exe works
// even when the binary was replaced or deleted since elect started.
func selfExe() (string, error) { return "/proc/self/exe", nil }

// monoNow returns CLOCK_MONOTONIC in nanoseconds: the same clock in every
// process of the host.
func monoNow() int64 {
	var ts syscall.Timespec
	const clockMonotonic = 1
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockMonotonic, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}

// monoAt converts t to a monoNow reading.
func monoAt(t time.Time) int64 { return monoNow() + int64(time.Until(t)) }

// setProcName sets the process name shown by ps and pgrep (15 bytes at
// most).
func setProcName(name string) {
	b := append([]byte(name), 0)
	const prSetName = 15
	syscall.RawSyscall(syscall.SYS_PRCTL, prSetName, uintptr(unsafe.Pointer(&b[0])), 0)
}
