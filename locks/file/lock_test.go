package file

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/leaderelection/leaderelection/core"
	"github.com/leaderelection/leaderelection/core/locktest"
)

// newStore gives locktest a fresh record file in a new directory, and an
// opener of candidate handles on it.
func newStore(t *testing.T) func() core.Lock {
	path := filepath.Join(t.TempDir(), "app.lease")
	n := 0
	return func() core.Lock {
		n++
		l, err := New(path, "candidate-"+strconv.Itoa(n))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return l
	}
}

func TestConformance(t *testing.T) {
	locktest.Run(t, newStore)
}

// newLock returns a Lock on path for identity, closed when the test ends.
func newLock(t *testing.T, path, identity string, opts ...Option) *Lock {
	t.Helper()
	l, err := New(path, identity, opts...)
	if err != nil {
		t.Fatalf("New(%q, %q): %v", path, identity, err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// record returns a valid record held by holder in term.
func record(holder string, term, seq int64) core.Record {
	at := time.Date(2025, 6, 1, 12, 0, 0, int(seq), time.UTC)
	return core.Record{
		HolderIdentity: holder, LeaseDuration: 15 * time.Second,
		AcquireTime: at, RenewTime: at, LeaderTransitions: term, Term: term, Seq: seq,
	}
}

func TestNewValidates(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, path, identity string
		opts                 []Option
		reason               string
	}{
		{"empty path", "", "a", nil, "a lock needs a file"},
		{"empty identity", filepath.Join(dir, "x"), "", nil, "the election needs an identity"},
		{"directory path", dir + "/", "a", nil, "a path ending in a separator names no file"},
		{"mode bits", filepath.Join(dir, "x"), "a", []Option{WithMode(os.ModeDir | 0o644)}, "only permission bits"},
		{"mode unreadable", filepath.Join(dir, "x"), "a", []Option{WithMode(0o200)}, "the owner must read the record"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := New(tc.path, tc.identity, tc.opts...)
			if !errors.Is(err, ErrInvalidArgument) {
				t.Errorf("New(%q, %q) = (%v, %v); want ErrInvalidArgument (%s)", tc.path, tc.identity, l, err, tc.reason)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	l := newLock(t, "app.lease", "a")
	want := "file:" + filepath.Join(dir, "app.lease")
	if got := l.Describe(); got != want {
		t.Errorf("Describe() = %q; want %q (the absolute path)", got, want)
	}
	if got := l.Identity(); got != "a" {
		t.Errorf("Identity() = %q; want %q", got, "a")
	}
}

// TestModes checks the permissions of the record and of the sidecar files,
// whatever the umask.
func TestModes(t *testing.T) {
	for _, mode := range []os.FileMode{DefaultMode, 0o600, 0o660} {
		t.Run(mode.String(), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "app.lease")
			var opts []Option
			if mode != DefaultMode {
				opts = append(opts, WithMode(mode))
			}
			l := newLock(t, path, "a", opts...)
			if _, err := l.Create(t.Context(), record("a", 1, 1)); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{path, path + ".lock", path + ".live.a"} {
				fi, err := os.Stat(p)
				if err != nil {
					t.Fatal(err)
				}
				if got := fi.Mode().Perm(); got != mode {
					t.Errorf("%s has mode %v; want %v", p, got, mode)
				}
			}
		})
	}
}

// TestVersionsAcrossDeletion: a record file deleted and created again with
// the same content gets versions the old file never had.
func TestVersionsAcrossDeletion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.lease")
	l := newLock(t, path, "a")
	ctx := t.Context()
	seen := map[core.Version]bool{}
	for round := range 20 {
		v, err := l.Create(ctx, record("b", 1, 1))
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if seen[v] {
				t.Fatalf("round %d write %d: version %q was issued before", round, i, v)
			}
			seen[v] = true
			if v, err = l.Update(ctx, record("b", 1, 1), v); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
	}
}

// TestForeignFile: a valid record written by another program, without our
// version member, can be read and replaced by compare-and-swap, and its
// version follows its content.
func TestForeignFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.lease")
	l := newLock(t, path, "a")
	ctx := t.Context()
	want := record("other", 4, 9)
	if err := os.WriteFile(path, core.AppendRecord(nil, want), 0o644); err != nil {
		t.Fatal(err)
	}
	got, v, err := l.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Get of a foreign record (-want +got):\n%s", diff)
	}
	want.Seq++
	if err := os.WriteFile(path, core.AppendRecord(nil, want), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Update(ctx, record("a", 5, 10), v); !errors.Is(err, core.ErrConflict) {
		t.Fatalf("Update from the version of a foreign file that was rewritten since: %v; want ErrConflict", err)
	}
	_, v, err = l.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	nv, err := l.Update(ctx, record("a", 5, 10), v)
	if err != nil {
		t.Fatalf("Update from the version of a foreign file: %v", err)
	}
	if _, gv, err := l.Get(ctx); err != nil || gv != nv {
		t.Errorf("Get after the update = (%q, %v); want version %q", gv, err, nv)
	}
}

// TestHandEditKeepingVersion: editing the file by hand, leaving the
// fileVersion member as it was, still changes the version, so a candidate
// holding the old version cannot overwrite the edit.
func TestHandEditKeepingVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.lease")
	l := newLock(t, path, "a")
	v, err := l.Create(t.Context(), record("a", 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited := []byte(string(data[:len(data)-1]) + " \n") // same record, one more space
	if err := os.WriteFile(path, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Update(t.Context(), record("a", 1, 2), v); !errors.Is(err, core.ErrConflict) {
		t.Errorf("Update after a hand edit = %v; want ErrConflict", err)
	}
}

// TestDurability: Create and every term change are fsynced; renewals and
// releases (same term) are not.
func TestDurability(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.lease")
	l := newLock(t, path, "a")
	ctx := t.Context()
	steps := []struct {
		name  string
		rec   core.Record
		syncs int64
	}{
		{"renew", record("a", 1, 2), 0},
		{"renew again", record("a", 1, 3), 0},
		{"release", record("", 1, 4), 0},
		{"acquire: term 2", record("a", 2, 5), 1},
		{"renew in term 2", record("a", 2, 6), 0},
		{"takeover: term 3", record("b", 3, 7), 1},
	}
	v, err := l.Create(ctx, record("a", 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	if got := l.syncs.Load(); got != 1 {
		t.Fatalf("Create made %d durable writes; want 1", got)
	}
	for _, s := range steps {
		before := l.syncs.Load()
		if v, err = l.Update(ctx, s.rec, v); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := l.syncs.Load() - before; got != s.syncs {
			t.Errorf("%s: %d durable writes; want %d", s.name, got, s.syncs)
		}
	}
}

// TestLiveLockFollowsHolder: the liveness file of an identity exists and is
// locked exactly while the record names that identity.
func TestLiveLockFollowsHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.lease")
	a := newLock(t, path, "a")
	b := newLock(t, path, "b")
	ctx := t.Context()
	held := func(id string) bool {
		t.Helper()
		f, err := os.Open(path + ".live." + id)
		if errors.Is(err, os.ErrNotExist) {
			return false
		}
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		ok, err := tryLock(f)
		if err != nil {
			t.Fatal(err)
		}
		return !ok
	}
	check := func(step string, wantA, wantB bool) {
		t.Helper()
		if got := held("a"); got != wantA {
			t.Errorf("after %s: liveness lock of a held = %v; want %v", step, got, wantA)
		}
		if got := held("b"); got != wantB {
			t.Errorf("after %s: liveness lock of b held = %v; want %v", step, got, wantB)
		}
	}
	v, err := a.Create(ctx, record("a", 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	check("a created a record naming a", true, false)
	if v, err = a.Update(ctx, record("", 1, 2), v); err != nil {
		t.Fatal(err)
	}
	check("a released", false, false)
	if _, err := os.Stat(path + ".live.a"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after a released, its liveness file is still there (%v)", err)
	}
	if v, err = b.Update(ctx, record("b", 2, 3), v); err != nil {
		t.Fatal(err)
	}
	check("b acquired", false, true)
	if _, err := a.Update(ctx, record("a", 3, 4), v+"x"); !errors.Is(err, core.ErrConflict) {
		t.Fatalf("stale update: %v", err)
	}
	check("a lost a compare-and-swap", false, true)
	if v, err = a.Update(ctx, record("a", 3, 4), v); err != nil {
		t.Fatal(err)
	}
	check("a took over from b", true, true) // b learns only at its next write
	if _, err := b.Update(ctx, record("b", 3, 5), "stale"); !errors.Is(err, core.ErrConflict) {
		t.Fatalf("stale update: %v", err)
	}
	check("b lost a compare-and-swap", true, false)
	_ = v
}

// TestSweepDeadHolder: the liveness file that a holder left when it died is
// deleted by the candidate that takes over.
func TestSweepDeadHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.lease")
	a := newLock(t, path, "a")
	b := newLock(t, path, "b")
	ctx := t.Context()
	v, err := a.Create(ctx, record("a", 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	a.Close() // as if a's process died: the lock goes, the file stays
	if _, err := os.Stat(path + ".live.a"); err != nil {
		t.Fatalf("a's liveness file: %v", err)
	}
	if _, err := b.Update(ctx, record("b", 2, 2), v); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".live.a"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after b took over, a's liveness file is still there (%v)", err)
	}
}

// TestLiveFileDeletedWhileHeld: when someone deletes the holder's liveness
// file, the holder's next write takes a new one, so that watchers can again
// learn of its death.
func TestLiveFileDeletedWhileHeld(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.lease")
	a := newLock(t, path, "a")
	ctx := t.Context()
	v, err := a.Create(ctx, record("a", 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path + ".live.a"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Update(ctx, record("a", 1, 2), v); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path + ".live.a")
	if err != nil {
		t.Fatalf("the renewal did not create the liveness file again: %v", err)
	}
	defer f.Close()
	if ok, _ := tryLock(f); ok {
		t.Error("the new liveness file is not locked by its holder")
	}
}

// TestIdentityInUse: a second Lock with the same identity cannot write a
// record naming it while the first holds the liveness lock.
func TestIdentityInUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.lease")
	a1 := newLock(t, path, "a")
	a2 := newLock(t, path, "a")
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	v, err := a1.Create(ctx, record("a", 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	_, err = a2.Update(ctx, record("a", 1, 2), v)
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, ErrIdentityInUse) {
		t.Errorf("Update by a second Lock with the same identity = %v; want ErrIdentityInUse or the deadline", err)
	}
	_, gv, err := a1.Get(t.Context())
	if err != nil || gv != v {
		t.Errorf("the record moved (%q, %v); want it at %q", gv, err, v)
	}
}

func TestLivePathFor(t *testing.T) {
	tests := []struct{ identity, want, reason string }{
		{"node-1.example_a", "/r/x.live.node-1.example_a", "plain identities are kept"},
		{"Node-1", "/r/x.live.~", "upper case is hashed (case-insensitive file systems)"},
		{"a/b", "/r/x.live.~", "separators are hashed"},
		{string(make([]byte, 65)), "/r/x.live.~", "long identities are hashed"},
	}
	for _, tc := range tests {
		got := livePathFor("/r/x", tc.identity)
		if len(got) < len(tc.want) || got[:len(tc.want)] != tc.want {
			t.Errorf("livePathFor(%q) = %q; want prefix %q: %s", tc.identity, got, tc.want, tc.reason)
		}
	}
	if livePathFor("/r/x", "Node-1") == livePathFor("/r/x", "node-1") {
		t.Error("Node-1 and node-1 share a liveness file")
	}
}

func TestClosed(t *testing.T) {
	l := newLock(t, filepath.Join(t.TempDir(), "app.lease"), "a")
	l.Close()
	if _, _, err := l.Get(t.Context()); !errors.Is(err, ErrClosed) {
		t.Errorf("Get after Close = %v; want ErrClosed", err)
	}
	if _, err := l.Create(t.Context(), record("a", 1, 1)); !errors.Is(err, ErrClosed) {
		t.Errorf("Create after Close = %v; want ErrClosed", err)
	}
}

// TestSweep: what crashes leave (lock files of past versions, old temp
// files) is deleted at the next change of term; lock files of the current
// or later versions stay. A Create deletes every version lock file.
func TestSweep(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.lease")
	l := newLock(t, path, "a")
	ctx := t.Context()
	v, err := l.Create(ctx, record("a", 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	st, err := l.load()
	if err != nil {
		t.Fatal(err)
	}
	inc := st.incarnation
	files := map[string]bool{ // name: deleted by the next change of term
		".lock." + inc + ".0.00000000":   true,
		".lock." + inc + ".999.00000000": false,
		".lock.sha256-0123":              false,
		".lock.0000000000000000.1.0":     false,
		".tmp.deadbeef.1":                true,
		".tmp.cafecafe.1":                false,
	}
	old := time.Now().Add(-2 * staleTemp)
	for name := range files {
		if err := os.WriteFile(path+name, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chtimes(path+".tmp.deadbeef.1", old, old); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Update(ctx, record("a", 2, 2), v); err != nil {
		t.Fatal(err)
	}
	l.sweeping.Wait()
	for name, gone := range files {
		if _, err := os.Stat(path + name); gone != errors.Is(err, os.ErrNotExist) {
			t.Errorf("after a change of term, %s exists = %v; want %v", name, !gone, !gone)
		}
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Create(ctx, record("a", 3, 3)); err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(path + ".lock.*")
	if len(left) > 0 {
		t.Errorf("after a Create, version lock files are left: %v", left)
	}
}
