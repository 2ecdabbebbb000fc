//go:build !wasm

// The defect tests run the suite in subprocesses, which wasm cannot start.

package locktest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/leaderelection/leaderelection/core"
	"github.com/leaderelection/leaderelection/core/locktest"
)

// The suite must be able to fail: TestSuiteCatchesDefects runs it, in a
// subprocess each, against a model Lock with one defect at a time and
// checks that the checks aimed at that defect fail, and that the model
// without a defect passes everything.

// defectEnv names the defect for the subprocess.
const defectEnv = "LOCKTEST_DEFECT"

// defects maps each defect to the subtests that must catch it. Other
// subtests may fail too, as a consequence.
var defects = map[string][]string{
	"none":                   nil,
	"notfound-untyped":       {"GetAbsent"},
	"create-overwrites":      {"CreateConflict", "RaceCreate"},
	"update-ignores-version": {"UpdateStale", "RaceUpdate"},
	"update-absent-creates":  {"UpdateAbsent"},
	"version-from-content":   {"VersionChangesOnIdenticalWrite"},
	"version-wraps":          {"VersionsNeverRepeat"},
	"truncates-lease":        {"RoundTrip"},
	"drops-nanoseconds":      {"RoundTrip"},
	"ignores-context":        {"CancelledContext", "PastDeadline"},
	"watch-never-fires":      {"Watch/FiresOnUpdate", "Watch/FiresOnStaleVersion"},
	"watch-calls-inline":     {"Watch/FiresOnStaleVersion"},
	"watch-ignores-cancel":   {"Watch/CancelStops"},
	"empty-identity":         {"IdentityDescribe"},
}

var failLine = regexp.MustCompile(`(?m)^\s*--- FAIL: TestDefectiveLock/(\S+)`)

func TestSuiteCatchesDefects(t *testing.T) {
	names := make([]string, 0, len(defects))
	for name := range defects {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestDefectiveLock$", "-test.v", "-test.count=1", "-test.timeout=2m")
			cmd.Env = append(os.Environ(), defectEnv+"="+name)
			out, err := cmd.CombinedOutput()
			var failed []string
			for _, m := range failLine.FindAllStringSubmatch(string(out), -1) {
				failed = append(failed, m[1])
			}
			want := defects[name]
			if len(want) == 0 {
				if err != nil || len(failed) > 0 {
					t.Fatalf("the suite failed a correct Lock (%v; failed %v):\n%s", err, failed, out)
				}
				return
			}
			if err == nil {
				t.Fatalf("the suite passed a Lock with defect %q:\n%s", name, out)
			}
			for _, w := range want {
				if !slices.Contains(failed, w) {
					t.Errorf("defect %q: subtest %s did not fail (failed: %v)", name, w, failed)
				}
			}
			if t.Failed() {
				t.Logf("output:\n%s", out)
			}
		})
	}
}

// TestDefectiveLock runs the suite on the model with the defect named in
// the environment. Without it, it does nothing: it is the subprocess of
// TestSuiteCatchesDefects.
func TestDefectiveLock(t *testing.T) {
	defect := os.Getenv(defectEnv)
	if defect == "" {
		return
	}
	if _, ok := defects[defect]; !ok {
		t.Fatalf("unknown defect %q", defect)
	}
	locktest.RunWithOptions(t, func(t *testing.T) func() core.Lock {
		m := &model{}
		n := 0
		return func() core.Lock {
			n++
			return &modelLock{m: m, id: "model-" + strconv.Itoa(n), defect: defect}
		}
	}, locktest.Options{Racers: 4, Rounds: 10, Timeout: time.Second})
}

// model is a simple correct store, with defects that modelLock injects.
type model struct {
	mu      sync.Mutex
	rec     core.Record
	exists  bool
	writes  int
	ver     core.Version
	watches map[int]func(core.WatchEvent)
	nextID  int
}

// modelLock is one handle on a model.
type modelLock struct {
	m      *model
	id     string
	defect string
}

func (l *modelLock) ctxErr(ctx context.Context) error {
	if l.defect == "ignores-context" {
		return nil
	}
	return ctx.Err()
}

func (l *modelLock) Get(ctx context.Context) (core.Record, core.Version, error) {
	if err := l.ctxErr(ctx); err != nil {
		return core.Record{}, "", err
	}
	l.m.mu.Lock()
	defer l.m.mu.Unlock()
	if !l.m.exists {
		if l.defect == "notfound-untyped" {
			return core.Record{}, "", errors.New("no record")
		}
		return core.Record{}, "", core.ErrNotFound
	}
	return l.m.rec, l.m.ver, nil
}

func (l *modelLock) Create(ctx context.Context, r core.Record) (core.Version, error) {
	if err := l.ctxErr(ctx); err != nil {
		return "", err
	}
	l.m.mu.Lock()
	if l.m.exists && l.defect != "create-overwrites" {
		l.m.mu.Unlock()
		return "", core.ErrConflict
	}
	return l.write(r), nil
}

func (l *modelLock) Update(ctx context.Context, r core.Record, v core.Version) (core.Version, error) {
	if err := l.ctxErr(ctx); err != nil {
		return "", err
	}
	l.m.mu.Lock()
	switch {
	case l.defect == "update-ignores-version":
	case !l.m.exists && l.defect == "update-absent-creates":
	case !l.m.exists || l.m.ver != v:
		l.m.mu.Unlock()
		return "", core.ErrConflict
	}
	return l.write(r), nil
}

// write stores r, releases the mutex, which must be held, calls the
// watches and returns the new version.
func (l *modelLock) write(r core.Record) core.Version {
	m := l.m
	switch l.defect {
	case "truncates-lease":
		r.LeaseDuration = r.LeaseDuration.Truncate(time.Second)
	case "drops-nanoseconds":
		r.RenewTime = r.RenewTime.Truncate(time.Microsecond)
	}
	m.writes++
	m.rec, m.exists = r, true
	switch l.defect {
	case "version-from-content":
		m.ver = core.Version(r.HolderIdentity + "/" + strconv.FormatInt(r.Seq, 10))
	case "version-wraps":
		m.ver = core.Version(strconv.Itoa(m.writes % 50))
	default:
		m.ver = core.Version(strconv.Itoa(m.writes))
	}
	v := m.ver
	var fire []func(core.WatchEvent)
	if l.defect != "watch-never-fires" {
		for id, fn := range m.watches {
			delete(m.watches, id)
			fire = append(fire, fn)
		}
	}
	m.mu.Unlock()
	for _, fn := range fire {
		fn(core.WatchChanged)
	}
	return v
}

func (l *modelLock) Watch(v core.Version, fn func(core.WatchEvent)) func() {
	m := l.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if v != m.ver {
		switch l.defect {
		case "watch-never-fires":
		case "watch-calls-inline":
			fn(core.WatchChanged)
		default:
			go fn(core.WatchChanged)
		}
		return func() {}
	}
	if m.watches == nil {
		m.watches = make(map[int]func(core.WatchEvent))
	}
	m.nextID++
	id := m.nextID
	m.watches[id] = fn
	return func() {
		if l.defect == "watch-ignores-cancel" {
			return
		}
		m.mu.Lock()
		delete(m.watches, id)
		m.mu.Unlock()
	}
}

func (l *modelLock) Identity() string {
	if l.defect == "empty-identity" {
		return ""
	}
	return l.id
}

func (l *modelLock) Describe() string { return "model" }
