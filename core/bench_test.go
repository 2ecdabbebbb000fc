package core_test

import (
	"testing"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// The machine's decisions must not allocate: a process may run thousands
// of electors, and the leader renews forever. Each loop below is one round
// of the driver's conversation with the machine; TestStepAllocs asserts 0
// allocations for each, and the benchmarks measure them.

// benchMachine returns a machine with the defaults of validConfig.
func benchMachine(tb testing.TB) *core.Machine {
	tb.Helper()
	cfg := validConfig()
	m, err := core.NewMachine(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

func mustOp(tb testing.TB, out core.Output, op core.Op) core.Output {
	if out.Action.Op != op {
		tb.Fatalf("action %v, want %v", out.Action, op)
	}
	return out
}

// renewRound is the leader's round: the tick at the due time, the
// renewal, its success, the wait for the next one.
type renewRound struct {
	tb  testing.TB
	m   *core.Machine
	now time.Time
	n   int
}

func newRenewRound(tb testing.TB) *renewRound {
	m := benchMachine(tb)
	m.Step(core.Input{Kind: core.InputTick, Now: t0})
	m.Step(core.Input{Kind: core.InputGot, Now: t0, Err: core.ErrNotFound})
	mustOp(tb, m.Step(core.Input{Kind: core.InputWritten, Now: t0, Version: "v0"}), core.OpWait)
	return &renewRound{tb: tb, m: m, now: t0}
}

var versions = [...]core.Version{"v1", "v2", "v3", "v4"}

func (r *renewRound) run() {
	r.now = r.now.Add(2 * time.Second)
	out := r.m.Step(core.Input{Kind: core.InputTick, Now: r.now})
	if out.Action.Op != core.OpUpdate {
		r.tb.Fatalf("renew: %v", out.Action)
	}
	r.n++
	out = r.m.Step(core.Input{Kind: core.InputWritten, Now: r.now, Version: versions[r.n%len(versions)]})
	if out.Action.Op != core.OpWait || len(out.Events) != 0 {
		r.tb.Fatalf("renewed: %+v", out)
	}
}

// pollRound is a follower's round: the tick at the end of its wait, the
// read, the answer with a valid foreign lease (renewed: a new version each
// time), the wait.
type pollRound struct {
	tb   testing.TB
	m    *core.Machine
	rec  core.Record
	n    int
	wait time.Time
}

func newPollRound(tb testing.TB) *pollRound {
	m := benchMachine(tb)
	p := &pollRound{tb: tb, m: m, rec: foreign, wait: t0}
	mustOp(tb, m.Step(core.Input{Kind: core.InputTick, Now: t0}), core.OpGet)
	p.wait = mustOp(tb, m.Step(core.Input{Kind: core.InputGot, Now: t0, Record: foreign, Version: "v0"}), core.OpWait).Action.Until
	return p
}

func (p *pollRound) run() {
	now := p.wait
	out := p.m.Step(core.Input{Kind: core.InputTick, Now: now})
	if out.Action.Op != core.OpGet {
		p.tb.Fatalf("poll: %v", out.Action)
	}
	p.n++
	p.rec.Seq++
	out = p.m.Step(core.Input{Kind: core.InputGot, Now: now, Record: p.rec, Version: versions[p.n%len(versions)]})
	if out.Action.Op != core.OpWait {
		p.tb.Fatalf("polled: %v", out.Action)
	}
	p.wait = out.Action.Until
}

// acquireRound acquires a released lease: the read answered with a
// released record, the acquiring update, its success. To stand again
// before a released record, the round then resigns (a release and its
// success), waits out its yield and reads again: 6 steps in all.
type acquireRound struct {
	tb  testing.TB
	m   *core.Machine
	now time.Time
	n   int
}

func newAcquireRound(tb testing.TB) *acquireRound {
	m := benchMachine(tb)
	mustOp(tb, m.Step(core.Input{Kind: core.InputTick, Now: t0}), core.OpGet)
	return &acquireRound{tb: tb, m: m, now: t0}
}

func (a *acquireRound) run() {
	m := a.m
	a.n++
	rec := released
	rec.Seq = int64(a.n) * 4
	out := m.Step(core.Input{Kind: core.InputGot, Now: a.now, Record: rec, Version: versions[a.n%len(versions)]})
	if out.Action.Op != core.OpUpdate {
		a.tb.Fatalf("acquire: %v", out.Action)
	}
	out = m.Step(core.Input{Kind: core.InputWritten, Now: a.now, Version: "acq"})
	if len(out.Events) == 0 || out.Events[0].Kind != core.EventStartedLeading {
		a.tb.Fatalf("acquired: %+v", out)
	}
	a.now = a.now.Add(time.Second)
	out = m.Step(core.Input{Kind: core.InputResign, Now: a.now})
	if out.Action.Op != core.OpUpdate {
		a.tb.Fatalf("resign: %v", out.Action)
	}
	out = m.Step(core.Input{Kind: core.InputWritten, Now: a.now, Version: "rel"})
	a.now = out.Action.Until
	if out.Action.Op != core.OpWait || m.Step(core.Input{Kind: core.InputTick, Now: a.now}).Action.Op != core.OpGet {
		a.tb.Fatalf("yield: %v", out.Action)
	}
}

func BenchmarkLeaderRenewRound(b *testing.B) {
	r := newRenewRound(b)
	b.ReportAllocs()
	for b.Loop() {
		r.run()
	}
}

func BenchmarkFollowerPoll(b *testing.B) {
	p := newPollRound(b)
	b.ReportAllocs()
	for b.Loop() {
		p.run()
	}
}

func BenchmarkAcquire(b *testing.B) {
	a := newAcquireRound(b)
	b.ReportAllocs()
	for b.Loop() {
		a.run()
	}
	b.ReportMetric(6, "steps/op")
}

// BenchmarkIsLeader measures the query a fenced operation asks before
// acting.
func BenchmarkIsLeader(b *testing.B) {
	r := newRenewRound(b)
	now := t0.Add(time.Second)
	b.ReportAllocs()
	for b.Loop() {
		if !r.m.IsLeader(now) {
			b.Fatal("not leader")
		}
	}
}

// TestStepAllocs asserts that none of the rounds allocates.
func TestStepAllocs(t *testing.T) {
	r, p, a := newRenewRound(t), newPollRound(t), newAcquireRound(t)
	now := t0.Add(time.Second)
	for _, tt := range []struct {
		name string
		f    func()
	}{
		{"leader-renew-round", r.run},
		{"follower-poll", p.run},
		{"acquire", a.run},
		{"queries", func() {
			_ = r.m.IsLeader(now) && r.m.LeaderUntil().After(now) && r.m.Term() > 0 && r.m.Leader() != "" &&
				r.m.Role() == core.RoleLeader && r.m.LastError() == nil
		}},
	} {
		if n := testing.AllocsPerRun(200, tt.f); n != 0 {
			t.Errorf("%s: %v allocations per round, want 0", tt.name, n)
		}
	}
}
