package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/leaderelection/leaderelection/core"
	"github.com/leaderelection/leaderelection/locks/mem"
)

// TestRunUsage checks elect run's refusals of bad input, before anything
// runs: each names what was wrong, with the exit code of its kind.
func TestRunUsage(t *testing.T) {
	dir := t.TempDir()
	lock := "file://" + filepath.Join(dir, "x.lease")
	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stderr string
		reason string
	}{
		{"no lock", []string{"run", "--", "true"}, 2, "--lock URL is required", "the lock is required"},
		{"no cmd", []string{"run", "--lock", lock}, 2, "no CMD", "there is nothing to run"},
		{"renew not below lease", []string{"run", "--lock", lock, "--lease", "10s", "--renew", "10s", "--", "true"}, 2,
			"--renew 10s must be shorter than --lease 10s", "a leader must step down before the others take over"},
		{"retry too long", []string{"run", "--lock", lock, "--retry", "9s", "--", "true"}, 2,
			"--retry 9s times 1.2 must be shorter than --renew 10s", "the jittered retry must fit in the renew deadline"},
		{"zero lease", []string{"run", "--lock", lock, "--lease", "0s", "--", "true"}, 2, "--lease 0s must be positive", ""},
		{"negative grace", []string{"run", "--lock", lock, "--grace", "-1s", "--", "true"}, 2, "--grace -1s must not be negative", ""},
		{"negative term limit", []string{"run", "--lock", lock, "--term-limit", "-1s", "--", "true"}, 2, "--term-limit -1s must not be negative", ""},
		{"bad duration", []string{"run", "--lock", lock, "--lease", "soon", "--", "true"}, 2, "-lease", "flag parsing names the flag"},
		{"no scheme", []string{"run", "--lock", "/tmp/x.lease", "--", "true"}, 2, "has no scheme", "a path is not a URL"},
		{"bad scheme", []string{"run", "--lock", "ftp://h/x", "--", "true"}, 2, `scheme "ftp"`, ""},
		{"relative file", []string{"run", "--lock", "file:x.lease", "--", "true"}, 2, "file:///PATH", ""},
		{"file host", []string{"run", "--lock", "file://otherhost/x.lease", "--", "true"}, 2, `the host "otherhost" must be empty`, ""},
		{"file dir", []string{"run", "--lock", "file://" + dir + "/", "--", "true"}, 2, "names a directory", ""},
		{"token for file", []string{"run", "--lock", lock, "--token-file", "t", "--", "true"}, 2, "--token-file applies to http(s) locks", ""},
		{"http dir", []string{"run", "--lock", "http://127.0.0.1:1/locks/", "--", "true"}, 2, "the path must name the record", ""},
		{"missing dir", []string{"run", "--lock", "file://" + dir + "/nope/x.lease", "--", "true"}, 1,
			"directory " + dir + "/nope does not exist", "a runtime failure, not a usage error"},
		{"missing token file", []string{"run", "--lock", "http://127.0.0.1:1/locks/x", "--token-file", dir + "/none", "--", "true"}, 1,
			"--token-file", ""},
		{"cmd not found", []string{"run", "--lock", lock, "--", "no-such-command-xyz"}, 127, "no-such-command-xyz: command not found",
			"as a shell says"},
		{"cmd not executable", []string{"run", "--lock", lock, "--", dir}, 126, "cannot run", "as a shell says"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := call(c.args...)
			if code != c.code || !strings.Contains(errs, c.stderr) {
				t.Errorf("elect %q: exit %d, stderr %q; want exit %d with %q (%s)", c.args, code, errs, c.code, c.stderr, c.reason)
			}
			if out != "" {
				t.Errorf("stdout %q; want nothing", out)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("refused runs left files in the lock directory: %v", entries)
	}
}

// TestRunHelp checks that elect run --help shows every flag of the issue,
// with units and defaults, the exit codes and examples.
func TestRunHelp(t *testing.T) {
	code, out, _ := call("run", "--help")
	if code != 0 {
		t.Fatalf("elect run --help: exit %d", code)
	}
	for _, s := range []string{
		"--lock URL", "--id ID", "(default HOSTNAME:PID)",
		"--lease duration", "(default 15s)", "--renew duration", "(default 10s)",
		"--retry duration", "(default 2s)", "--term-limit duration", "0: no limit",
		"--grace duration", "--no-wait", "--quiet", "--json", "--token-file FILE", "$ELECT_TOKEN",
		"ELECT_TERM", "ELECT_ID", "ELECT_LOCK", "Exit codes:", "3           --no-wait", "4           leadership ended",
		"Examples:", "elect run --lock file:///run/lock/",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("elect run --help lacks %q:\n%s", s, out)
		}
	}
	code, out, _ = call("status", "--help")
	for _, s := range []string{"--lock URL", "--json", "--observe", "Exit codes: 0 a holder leads", "Examples:"} {
		if code != 0 || !strings.Contains(out, s) {
			t.Errorf("elect status --help (exit %d) lacks %q:\n%s", code, s, out)
		}
	}
}

// TestCmdEnv checks CMD's environment: ELECT_ID and ELECT_LOCK set once,
// inherited ELECT_* values and the token dropped.
func TestCmdEnv(t *testing.T) {
	got := cmdEnv([]string{"PATH=/bin", "ELECT_TERM=9", "ELECT_ID=old", "ELECT_TOKEN=secret", "ELECT_LOCKX=keep", "HOME=/h"}, "me", "file:///x")
	want := []string{"PATH=/bin", "ELECT_LOCKX=keep", "HOME=/h", "ELECT_ID=me", "ELECT_LOCK=file:///x"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cmdEnv mismatch (-want +got):\n%s", diff)
	}
}

// TestTrackedLock checks what the wrapper tells elect: the start of the
// last confirmed write of a term, the first write of unknown outcome, and
// that a release waits for CMD.
func TestTrackedLock(t *testing.T) {
	ctx := context.Background()
	store := mem.NewStore()
	raw := store.Lock("me")
	tl, wrapped := track(raw)
	if _, ok := wrapped.(core.Watcher); !ok {
		t.Fatal("the wrapper of a Watcher does not watch")
	}
	var wrote []int64
	tl.onWrite = func(term int64) { wrote = append(wrote, term) }

	before := time.Now()
	v, err := wrapped.Create(ctx, core.Record{HolderIdentity: "me", Term: 1, LeaseDuration: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	b1, ok := tl.base(1)
	if !ok || b1.Before(before) || b1.After(time.Now()) {
		t.Errorf("base(1) = %v, %v; want the start of the Create", b1, ok)
	}
	if _, ok := tl.base(2); ok {
		t.Error("base(2) known before any write of term 2")
	}

	// A renewal whose outcome is unknown does not move the base.
	raw.SetFault(func(mem.Op) error { return errors.New("timeout") })
	if _, err := wrapped.Update(ctx, core.Record{HolderIdentity: "me", Term: 1}, v); err == nil {
		t.Fatal("faulty Update succeeded")
	}
	if b, _ := tl.base(1); !b.Equal(b1) {
		t.Errorf("base(1) moved to %v after a failed renewal; want %v", b, b1)
	}
	// An acquisition of unknown outcome gives the base of its term.
	if _, err := wrapped.Update(ctx, core.Record{HolderIdentity: "me", Term: 2}, v); err == nil {
		t.Fatal("faulty Update succeeded")
	}
	if _, ok := tl.base(2); !ok {
		t.Error("base(2) unknown after a write of term 2 whose outcome is unknown")
	}
	raw.SetFault(nil)

	// A confirmed renewal moves it.
	v, err = wrapped.Update(ctx, core.Record{HolderIdentity: "me", Term: 1}, v)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := tl.base(1); !b.After(b1) {
		t.Errorf("base(1) = %v after a renewal; want after %v", b, b1)
	}
	if diff := cmp.Diff([]int64{1, 1}, wrote); diff != "" {
		t.Errorf("onWrite calls (-want +got):\n%s", diff)
	}

	// A release waits while CMD runs, fails with the context, and goes
	// through once CMD has exited.
	exited := tl.setBusy()
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := wrapped.Update(short, core.Record{Term: 1}, v); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("release while CMD runs: %v; want it held back until the context ends", err)
	}
	if r, _, _ := raw.Get(ctx); r.HolderIdentity != "me" {
		t.Errorf("holder %q after a held-back release; want me", r.HolderIdentity)
	}
	released := make(chan error, 1)
	go func() {
		_, err := wrapped.Update(ctx, core.Record{Term: 1}, v)
		released <- err
	}()
	exited()
	if err := <-released; err != nil {
		t.Errorf("release after CMD exited: %v", err)
	}
	if r, _, _ := raw.Get(ctx); r.HolderIdentity != "" {
		t.Errorf("holder %q after the release; want none", r.HolderIdentity)
	}
}
