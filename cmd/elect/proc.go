package main

import (
	"errors"
	"log/slog"
	"os"
	"strings"
	"time"
)

// errAuthorityEnded is returned by child.start when the term's authority
// ended before CMD could start.
var errAuthorityEnded = errors.New("elect: authority ended before CMD could start")

// childConfig is what elect run knows of CMD before it leads.
type childConfig struct {
	path string   // CMD resolved on $PATH
	argv []string // CMD and its arguments, as given
	env  []string // the environment of CMD, but ELECT_TERM
	log  *slog.Logger
}

// exitInfo is how CMD ended.
type exitInfo struct {
	code int    // its exit code, or 128+N after death by signal N
	what string // for humans: "exited with code 7", "killed by signal 9 (killed)"
}

// child is CMD under the control of elect run. newChild prepares it
// before the election starts, so that starting it once this candidate
// leads costs as little as possible; its methods are safe for concurrent
// use, except start, which is called once.
type child interface {
	// start runs CMD with ELECT_TERM=term, if the authority of the term
	// has not ended (at authEnd) by the time CMD would run. Before CMD
	// runs, the kill deadline is armed: CMD is killed at killAt unless
	// extend moves it, even if elect is stopped or hung (where the
	// platform allows; see run_linux.go and run_other.go).
	start(term int64, authEnd, killAt time.Time) error
	// extend moves the kill deadline later, after a renewal.
	extend(killAt time.Time)
	// signal sends sig to CMD (to its process group where there is one).
	signal(sig os.Signal)
	// kill kills CMD and its process group at once.
	kill()
	// exited delivers how CMD (or, before start, the prepared process)
	// ended, once.
	exited() <-chan exitInfo
	// lost is closed when the guard of the kill deadline is gone while
	// elect still needs it; nil where there is no guard.
	lost() <-chan struct{}
	// close ends the preparation (CMD never started) or lets go of the
	// guard (CMD has exited). It is idempotent and does not block.
	close()
	// wait waits, for a second at most, for the helper processes to exit
	// after close, so that none is left for init to reap.
	wait()
	// pid returns CMD's process id once started.
	pid() int
}

// cmdEnv returns env for CMD: without ELECT_TOKEN (the lock's secret is
// elect's, not CMD's) and with ELECT_ID and ELECT_LOCK set; ELECT_TERM is
// added when CMD starts. Inherited ELECT_* values of those names are
// dropped, so that a nested elect does not pass on its parent's.
func cmdEnv(env []string, id, lock string) []string {
	out := make([]string, 0, len(env)+2)
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "ELECT_TERM", "ELECT_ID", "ELECT_LOCK", tokenEnv:
			continue
		}
		out = append(out, kv)
	}
	return append(out, "ELECT_ID="+id, "ELECT_LOCK="+lock)
}
