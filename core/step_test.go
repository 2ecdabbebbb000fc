package core_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/leaderelection/leaderelection/core"
)

// t0 is the time of the first input in the table tests.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// at returns t0 + d.
func at(d time.Duration) time.Time { return t0.Add(d) }

func tick(d time.Duration) core.Input { return core.Input{Kind: core.InputTick, Now: at(d)} }

func got(d time.Duration, r core.Record, v core.Version) core.Input {
	return core.Input{Kind: core.InputGot, Now: at(d), Record: r, Version: v}
}

func gotErr(d time.Duration, err error) core.Input {
	return core.Input{Kind: core.InputGot, Now: at(d), Err: err}
}

func written(d time.Duration, v core.Version) core.Input {
	return core.Input{Kind: core.InputWritten, Now: at(d), Version: v}
}

func writeErr(d time.Duration, err error) core.Input {
	return core.Input{Kind: core.InputWritten, Now: at(d), Err: err}
}

func watch(d time.Duration, ev core.WatchEvent, v core.Version) core.Input {
	return core.Input{Kind: core.InputWatch, Now: at(d), Watch: ev, Version: v}
}

func input(k core.InputKind, d time.Duration) core.Input { return core.Input{Kind: k, Now: at(d)} }

// foreign is a record held by b, with a 20s lease (not a's 15s).
var foreign = core.Record{HolderIdentity: "b", LeaseDuration: 20 * time.Second,
	AcquireTime: at(-time.Hour), RenewTime: at(-time.Hour), LeaderTransitions: 2, Term: 3, Seq: 7}

// released is foreign after b released it.
var released = func() core.Record { r := foreign; r.HolderIdentity = ""; return r }()

// own is the record a writes when it creates the lease at time d.
func own(d time.Duration, seq int64) core.Record {
	return core.Record{HolderIdentity: "a", LeaseDuration: 15 * time.Second, AcquireTime: at(d),
		RenewTime: at(d), Term: 1, Seq: seq}
}

func cat(seqs ...[]core.Input) []core.Input {
	var out []core.Input
	for _, s := range seqs {
		out = append(out, s...)
	}
	return out
}

// Histories that bring a (lease 15s, RenewDeadline 10s, RetryPeriod 2s,
// jitter 0) to a known state.
var (
	// a leads term 1 from a create started at 0; its record is v1.
	leading = []core.Input{tick(0), gotErr(0, core.ErrNotFound), written(0, "v1")}
	// a follows b, whose record v7 it first saw at 0.
	following = []core.Input{tick(0), got(0, foreign, "v7")}
	// a's renewal at 2s failed with a lock error.
	renewFailed = cat(leading, []core.Input{tick(2 * time.Second), writeErr(2100*time.Millisecond, errLock)})
)

var errLock = context.DeadlineExceeded

// stepTest is one case of TestStep: after the inputs before, the input in
// gives want.
type stepTest struct {
	name   string
	reason string
	cfg    func(*core.Config)
	before []core.Input
	in     core.Input
	want   core.Output
}

var stepTests = []stepTest{{
	name:   "start",
	reason: "the first tick reads the record, abandoned after RenewDeadline",
	in:     tick(0),
	want:   core.Output{Action: core.Action{Op: core.OpGet, Deadline: at(10 * time.Second)}},
}, {
	name:   "create",
	reason: "no record: create one in term 1, seq 1, with this candidate's lease",
	before: []core.Input{tick(0)},
	in:     gotErr(100*time.Millisecond, core.ErrNotFound),
	want: core.Output{Action: core.Action{Op: core.OpCreate, Record: own(100*time.Millisecond, 1),
		Deadline: at(10100 * time.Millisecond)}},
}, {
	name:   "created",
	reason: "the create succeeded: lead term 1; renew RetryPeriod after the START of the write",
	before: []core.Input{tick(0), gotErr(100*time.Millisecond, core.ErrNotFound)},
	in:     written(900*time.Millisecond, "v1"),
	want: core.Output{Action: core.Action{Op: core.OpWait, Until: at(2100 * time.Millisecond)},
		Events: []core.Event{{Kind: core.EventStartedLeading, Term: 1}, {Kind: core.EventNewLeader, Identity: "a"}}},
}, {
	name:   "early-tick",
	reason: "a tick before the wait ends changes nothing",
	before: leading,
	in:     tick(time.Second),
	want:   core.Output{Action: core.Action{Op: core.OpWait, Until: at(2 * time.Second)}},
}, {
	name:   "renew",
	reason: "the renewal is a CAS on the leader's version; seq and renewTime move, term does not; its deadline is the end of authority",
	before: leading,
	in:     tick(2 * time.Second),
	want: core.Output{Action: core.Action{Op: core.OpUpdate, Version: "v1",
		Record:   func() core.Record { r := own(0, 2); r.RenewTime = at(2 * time.Second); return r }(),
		Deadline: at(10 * time.Second)}},
}, {
	name:   "renewed",
	reason: "the next renewal is due RetryPeriod after the start of this one",
	before: cat(leading, []core.Input{tick(2 * time.Second)}),
	in:     written(2500*time.Millisecond, "v2"),
	want:   core.Output{Action: core.Action{Op: core.OpWait, Until: at(4 * time.Second)}},
}, {
	name:   "renew-error",
	reason: "a lock error: retry after RetryPeriod (jitter 0 here)",
	before: cat(leading, []core.Input{tick(2 * time.Second)}),
	in:     writeErr(2100*time.Millisecond, errLock),
	want:   core.Output{Action: core.Action{Op: core.OpWait, Until: at(4100 * time.Millisecond)}},
}, {
	name:   "renew-deadline",
	reason: "RenewDeadline after the start of the last successful write (0): step down with the last error, release",
	before: renewFailed,
	in:     tick(10 * time.Second),
	want: core.Output{
		Action: core.Action{Op: core.OpUpdate, Version: "v1",
			Record: func() core.Record {
				r := own(0, 3)
				r.HolderIdentity, r.RenewTime = "", at(10*time.Second)
				return r
			}(),
			Deadline: at(20 * time.Second)},
		Events: []core.Event{{Kind: core.EventStoppedLeading, Term: 1, Reason: core.ReasonRenewDeadline, Err: errLock}}},
}, {
	name:   "renew-conflict",
	reason: "someone else wrote: read the record before deciding, within the authority",
	before: cat(leading, []core.Input{tick(2 * time.Second)}),
	in:     writeErr(2100*time.Millisecond, core.ErrConflict),
	want:   core.Output{Action: core.Action{Op: core.OpGet, Deadline: at(10 * time.Second)}},
}, {
	name:   "lost",
	reason: "the record is another holder's: stop leading (lost), no release, follow it",
	before: cat(leading, []core.Input{tick(2 * time.Second), writeErr(2100*time.Millisecond, core.ErrConflict)}),
	in:     got(2200*time.Millisecond, foreign, "v9"),
	want: core.Output{Action: core.Action{Op: core.OpWait, Until: at(4200 * time.Millisecond), Version: "v9"},
		Events: []core.Event{{Kind: core.EventStoppedLeading, Term: 1, Reason: core.ReasonLost},
			{Kind: core.EventNewLeader, Identity: "b"}}},
}, {
	name:   "follow",
	reason: "a held lease: report the leader, poll after RetryPeriod, watch its version",
	before: []core.Input{tick(0)},
	in:     got(0, foreign, "v7"),
	want: core.Output{Action: core.Action{Op: core.OpWait, Until: at(2 * time.Second), Version: "v7"},
		Events: []core.Event{{Kind: core.EventNewLeader, Identity: "b"}}},
}, {
	name:   "record-lease",
	reason: "expiry uses the record's 20s lease, not a's own 15s: at 19s the wait stops at 20s",
	before: cat(following, []core.Input{tick(19 * time.Second)}),
	in:     got(19*time.Second, foreign, "v7"),
	want:   core.Output{Action: core.Action{Op: core.OpWait, Until: at(20 * time.Second), Version: "v7"}},
}, {
	name:   "expired",
	reason: "20s after a first saw v7, on its own clock: take over in term 4, one more transition",
	before: cat(following, []core.Input{tick(20 * time.Second)}),
	in:     got(20*time.Second, foreign, "v7"),
	want: core.Output{Action: core.Action{Op: core.OpUpdate, Version: "v7",
		Record: core.Record{HolderIdentity: "a", LeaseDuration: 15 * time.Second, AcquireTime: at(20 * time.Second),
			RenewTime: at(20 * time.Second), LeaderTransitions: 3, Term: 4, Seq: 8},
		Deadline: at(30 * time.Second)}},
}, {
	name:   "new-version",
	reason: "a new version restarts the lease from when it is first seen: no takeover at 20s",
	before: cat(following, []core.Input{tick(2 * time.Second), got(2*time.Second, foreign, "v8"), tick(20 * time.Second)}),
	in:     got(20*time.Second, foreign, "v8"),
	want:   core.Output{Action: core.Action{Op: core.OpWait, Until: at(22 * time.Second), Version: "v8"}},
}, {
	name:   "released",
	reason: "a released record is taken at once",
	before: []core.Input{tick(0)},
	in:     got(0, released, "v8"),
	want: core.Output{Action: core.Action{Op: core.OpUpdate, Version: "v8",
		Record: core.Record{HolderIdentity: "a", LeaseDuration: 15 * time.Second, AcquireTime: t0,
			RenewTime: t0, LeaderTransitions: 3, Term: 4, Seq: 8},
		Deadline: at(10 * time.Second)}},
}, {
	name:   "holder-gone",
	reason: "a Watcher says the holder died: take over at once, by CAS on the watched version",
	before: following,
	in:     watch(time.Second, core.WatchHolderGone, "v7"),
	want: core.Output{Action: core.Action{Op: core.OpUpdate, Version: "v7",
		Record: core.Record{HolderIdentity: "a", LeaseDuration: 15 * time.Second, AcquireTime: at(time.Second),
			RenewTime: at(time.Second), LeaderTransitions: 3, Term: 4, Seq: 8},
		Deadline: at(11 * time.Second)}},
}, {
	name:   "changed",
	reason: "a Watcher says the record changed: read it now",
	before: following,
	in:     watch(time.Second, core.WatchChanged, "v7"),
	want:   core.Output{Action: core.Action{Op: core.OpGet, Deadline: at(11 * time.Second)}},
}, {
	name:   "stale-watch",
	reason: "a report about a version no longer watched is ignored",
	before: following,
	in:     watch(time.Second, core.WatchHolderGone, "v6"),
	want:   core.Output{Action: core.Action{Op: core.OpWait, Until: at(2 * time.Second), Version: "v7"}},
}, {
	name:   "resign",
	reason: "resign: stop leading, release by CAS on the own version",
	before: leading,
	in:     input(core.InputResign, time.Second),
	want: core.Output{
		Action: core.Action{Op: core.OpUpdate, Version: "v1",
			Record: func() core.Record {
				r := own(0, 2)
				r.HolderIdentity, r.RenewTime = "", at(time.Second)
				return r
			}(),
			Deadline: at(11 * time.Second)},
		Events: []core.Event{{Kind: core.EventStoppedLeading, Term: 1, Reason: core.ReasonResigned}}},
}, {
	name:   "yield",
	reason: "after a resignation, stay out for 2 × RetryPeriod from the step-down (1s + 4s)",
	before: cat(leading, []core.Input{input(core.InputResign, time.Second)}),
	in:     written(1100*time.Millisecond, "v2"),
	want:   core.Output{Action: core.Action{Op: core.OpWait, Until: at(5 * time.Second), Version: "v2"}},
}, {
	name:   "stop",
	reason: "stop: release, then done",
	before: cat(leading, []core.Input{input(core.InputStop, time.Second)}),
	in:     written(1100*time.Millisecond, "v2"),
	want:   core.Output{Action: core.Action{Op: core.OpDone}},
}, {
	name:   "once-resign-candidate",
	reason: "Once: a resignation while campaigning (the task was done elsewhere) stops the machine",
	cfg:    func(c *core.Config) { c.Once = true },
	before: following,
	in:     input(core.InputResign, time.Second),
	want:   core.Output{Action: core.Action{Op: core.OpDone}},
}, {
	name:   "term-limit",
	reason: "TermLimit 3s: the term ends at 3s whatever the renewals; release",
	cfg:    func(c *core.Config) { c.TermLimit = 3 * time.Second },
	before: cat(leading, []core.Input{tick(2 * time.Second), written(2*time.Second, "v2")}),
	in:     tick(3 * time.Second),
	want: core.Output{
		Action: core.Action{Op: core.OpUpdate, Version: "v2",
			Record: func() core.Record {
				r := own(0, 3)
				r.HolderIdentity, r.RenewTime = "", at(3*time.Second)
				return r
			}(),
			Deadline: at(13 * time.Second)},
		Events: []core.Event{{Kind: core.EventStoppedLeading, Term: 1, Reason: core.ReasonTermLimit}}},
}, {
	name:   "time-backwards",
	reason: "an input dated an hour earlier is taken as the latest time seen: nothing happens",
	before: leading,
	in:     tick(-time.Hour),
	want:   core.Output{Action: core.Action{Op: core.OpWait, Until: at(2 * time.Second)}},
}, {
	name:   "lost-create-adopted",
	reason: "the create's answer was lost but it was applied: adopt it, term 1, authority from its start",
	before: []core.Input{tick(0), gotErr(0, core.ErrNotFound), writeErr(100*time.Millisecond, errLock),
		tick(2100 * time.Millisecond)},
	in: got(2200*time.Millisecond, own(0, 1), "v1"),
	want: core.Output{Action: core.Action{Op: core.OpWait, Until: at(2 * time.Second)},
		Events: []core.Event{{Kind: core.EventNewLeader, Identity: "a"}, {Kind: core.EventStartedLeading, Term: 1}}},
}}

func TestStep(t *testing.T) {
	for _, tt := range stepTests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			m, err := core.NewMachine(cfg)
			if err != nil {
				t.Fatal(err)
			}
			for _, in := range tt.before {
				m.Step(in)
			}
			got := m.Step(tt.in)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty(), cmpopts.EquateErrors()); diff != "" {
				t.Errorf("Step(%+v) mismatch (-want +got):\n%s\nreason: %s", tt.in, diff, tt.reason)
			}
		})
	}
}

// TestQueries checks IsLeader, LeaderUntil, Term, Leader and Role through
// a term: authority ends at the start of the last successful write plus
// RenewDeadline, with no input needed.
func TestQueries(t *testing.T) {
	m, _ := core.NewMachine(validConfig())
	type q struct {
		IsLeader    bool
		LeaderUntil time.Time
		Term        int64
		Leader      string
		Role        core.Role
	}
	query := func(now time.Duration) q {
		return q{m.IsLeader(at(now)), m.LeaderUntil(), m.Term(), m.Leader(), m.Role()}
	}
	steps := []struct {
		reason string
		in     []core.Input
		now    time.Duration
		want   q
	}{
		{"before any input", nil, 0, q{Role: core.RoleCandidate}},
		{"following b", following, time.Second, q{Leader: "b", Role: core.RoleCandidate}},
		{"leading after the takeover at 20s", []core.Input{tick(20 * time.Second), got(20*time.Second, foreign, "v7"), written(21*time.Second, "v8")},
			21 * time.Second, q{true, at(30 * time.Second), 4, "a", core.RoleLeader}},
		{"still leader just before 30s", nil, 30*time.Second - 1, q{true, at(30 * time.Second), 4, "a", core.RoleLeader}},
		{"no longer leader at 30s, without any input", nil, 30 * time.Second, q{false, at(30 * time.Second), 4, "a", core.RoleLeader}},
		{"renewal at 22s (answered at 25s) moves authority to 32s", []core.Input{tick(22 * time.Second), written(25*time.Second, "v9")},
			31 * time.Second, q{true, at(32 * time.Second), 4, "a", core.RoleLeader}},
		{"resigned", []core.Input{input(core.InputResign, 26*time.Second)}, 26 * time.Second, q{Leader: "a", Role: core.RoleCandidate}},
		{"released", []core.Input{written(26*time.Second, "v10")}, 26 * time.Second, q{Role: core.RoleCandidate}},
		{"stopped", []core.Input{input(core.InputStop, 27*time.Second)}, 27 * time.Second, q{Role: core.RoleDone}},
	}
	for _, s := range steps {
		for _, in := range s.in {
			m.Step(in)
		}
		if diff := cmp.Diff(s.want, query(s.now)); diff != "" {
			t.Errorf("%s: mismatch (-want +got):\n%s", s.reason, diff)
		}
	}
	if m.Step(tick(time.Hour)).Action.Op != core.OpDone {
		t.Error("a stopped machine must answer OpDone")
	}
}
