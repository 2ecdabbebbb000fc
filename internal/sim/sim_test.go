package sim

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// shareElections is the share of `make sim` that `go test` runs.
const shareElections = 100_000

// TestSimulation runs the simulator's share in `go test`: every check
// (a)-(d) over many seeds, with no violation allowed. It also checks that
// the runs covered what they claim to: crashes with a checked failover,
// fault-free runs with TermLimit 0, and every fault kind.
func TestSimulation(t *testing.T) {
	n := shareElections
	if testing.Short() {
		n = shareElections / 10
	}
	sm := RunMany(1, n, 0, Options{})
	for _, r := range sm.Violations {
		t.Errorf("seed %d: %s(replay: go run ./internal/sim/cmd/sim -seed %d -trace)", r.Seed, r.Violation, r.Seed)
	}
	t.Logf("elections=%d seeds=%d-%d events=%d failover-checks=%d max-failover=%.2f steady=%d",
		sm.Elections, sm.First, sm.Last, sm.Events, sm.FailoverChecks, sm.MaxFailover, sm.Steady)
	t.Logf("%s", sm.Counts)
	c := sm.Counts
	for _, cov := range []struct {
		what string
		n    int
	}{
		{"elections", sm.Elections}, {"failover checks (c)", sm.FailoverChecks}, {"steady runs (d, TermLimit 0)", sm.Steady},
		{"crashes", c.Crashes}, {"pauses", c.Pauses}, {"resignations", c.Resigns}, {"stops", c.Stops},
		{"lock errors", c.LockErrors}, {"lost answers", c.LostAnswers}, {"slow operations", c.SlowOps},
		{"deadlines", c.Deadlines}, {"holder-gone watches", c.HolderGone},
		{"term-limit ends", c.StoppedLeading[2]}, {"renew-deadline ends", c.StoppedLeading[3]},
	} {
		if cov.n == 0 {
			t.Errorf("the runs had no %s: the simulation does not cover them", cov.what)
		}
	}
	if sm.Elections < n {
		t.Errorf("elections = %d, want >= %d", sm.Elections, n)
	}
}

// findViolation runs seeds from 1 until one violates check, and fails the
// test when none of limit seeds does.
func findViolation(t *testing.T, opt Options, check string, limit int) *Violation {
	t.Helper()
	s := New()
	other := map[string]int{}
	for seed := uint64(1); seed <= uint64(limit); seed++ {
		r := s.Run(seed, opt)
		if v := r.Violation; v != nil {
			if v.Check == check {
				t.Logf("seed %d: %s", seed, strings.SplitN(v.String(), "\n", 2)[0])
				return v
			}
			other[v.Check]++
		}
	}
	t.Errorf("no violation of check (%s) in %d seeds (other violations: %v): the simulator cannot see it", check, limit, other)
	return nil
}

// TestNegativeControls shows that the simulator fails when the machine or
// its assumption is broken: each control must produce two leaders at once.
func TestNegativeControls(t *testing.T) {
	tests := []struct {
		control Control
		reason  string
	}{
		{ControlTrustTimestamps, "a driver that times leases by the record's timestamps takes over from a live leader when clocks are hours apart"},
		{ControlShortLease, "records whose lease is at most RenewDeadline let a follower's expiry come before the leader's deadline"},
		{ControlFastClocks, "a follower whose clock runs faster than LeaseDuration/RenewDeadline times the leader's sees the lease end while the leader still leads"},
	}
	for _, tt := range tests {
		t.Run(tt.control.String(), func(t *testing.T) {
			t.Logf("want a violation: %s", tt.reason)
			findViolation(t, Options{Control: tt.control}, "a", 300)
		})
	}
}

// TestChecksCanFail shows that checks (c) and (d) are not vacuous: held to
// a stricter bound than the one derived, the same runs violate them.
func TestChecksCanFail(t *testing.T) {
	tests := []struct {
		name   string
		opt    Options
		check  string
		reason string
	}{
		{"failover-bound/4", Options{boundScale: 0.25}, "c",
			"a quarter of the derived bound is shorter than a lease: a failover takes longer"},
		{"term-limit/2", Options{limitScale: 0.5}, "d",
			"leaders keep their authority up to TermLimit, beyond half of it"},
		{"steady-with-resign", Options{steadyFaults: true}, "d",
			"a fault-free run with TermLimit 0 that resigns has more than one term"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Logf("want a violation: %s", tt.reason)
			findViolation(t, tt.opt, tt.check, 400)
		})
	}
}

// TestReplay checks that a seed replays exactly: the same events, the same
// result, and for a violation the same trace.
func TestReplay(t *testing.T) {
	for _, tt := range []struct {
		seed uint64
		opt  Options
	}{
		{7, Options{}},
		{3, Options{Control: ControlShortLease}},
	} {
		var a, b []string
		ra := New().Run(tt.seed, Options{Control: tt.opt.Control, Trace: func(l string) { a = append(a, l) }})
		s := New()
		s.Run(99, Options{}) // a reused Sim must not carry anything over
		rb := s.Run(tt.seed, Options{Control: tt.opt.Control, Trace: func(l string) { b = append(b, l) }})
		if diff := cmp.Diff(a, b); diff != "" {
			t.Errorf("seed %d: traces differ (-first +second):\n%s", tt.seed, diff)
		}
		rc := New().Run(tt.seed, tt.opt) // without printing the trace
		if diff := cmp.Diff(ra, rc); diff != "" {
			t.Errorf("seed %d: results differ with and without -trace (-traced +plain):\n%s", tt.seed, diff)
		}
		if diff := cmp.Diff(ra, rb); diff != "" {
			t.Errorf("seed %d: results differ (-first +second):\n%s", tt.seed, diff)
		}
		if v := rc.Violation; v != nil {
			// The run stops after the step that broke the rule, so the
			// violation's trace ends a few lines before the full one.
			end := len(a)
			for end > 0 && a[end-1] != v.Trace[len(v.Trace)-1] {
				end--
			}
			tail := a[max(end-len(v.Trace), 0):end]
			if diff := cmp.Diff(tail, v.Trace); diff != "" {
				t.Errorf("seed %d: the violation's trace is not the end of the full trace (-full +violation):\n%s", tt.seed, diff)
			}
		}
	}
}

// BenchmarkRun measures the simulator: one iteration is one seed; it
// reports elections and events per second of one core.
func BenchmarkRun(b *testing.B) {
	s := New()
	elections, events := 0, 0
	seed := uint64(1)
	for b.Loop() {
		r := s.Run(seed, Options{})
		elections += r.Elections
		events += r.Events
		seed++
	}
	b.ReportMetric(float64(elections)/b.Elapsed().Seconds(), "elections/s")
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}
