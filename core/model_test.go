package core_test

import (
	"fmt"
	"math/rand"
	randv2 "math/rand/v2"
	"reflect"
	"testing"
	"testing/quick"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// A model check in the manner of etcd raft's use of testing/quick: small
// reference models of the rules DESIGN.md states, written as plainly as
// possible, checked against the machine on random histories.
//
// Candidate rules: a candidate may take the lease when there is no record
// (create), when the record has no holder, or when the holder's lease (the
// record's duration, else its own) has passed on its own clock since it
// first saw the record's version. Otherwise it waits until the earlier of
// that expiry and a poll after a jitter in [RetryPeriod, 1.2 × RetryPeriod).
// An acquisition is a term above every term it has seen.
//
// Leader rules: its authority ends at the start of its last successful
// write plus RenewDeadline, or at the term's start plus TermLimit if that
// is earlier; it renews RetryPeriod after the start of each successful
// write, retries a failure after a jitter, never beyond its authority, and
// steps down (renew-deadline first, else term-limit) at the first input at
// or past the end.

const (
	mLease = 15 * time.Second
	mRenew = 10 * time.Second
	mRetry = 2 * time.Second
)

// obs is one answer to a candidate's read.
type obs struct {
	Gap    time.Duration // since the previous answer
	Kind   int           // 0: a record, 1: not found, 2: a lock error
	Holder string
	Lease  time.Duration
	Ver    core.Version
	Term   int64
	Early  bool // tick once before the wait ends
}

type candidateHistory struct {
	Seed uint64
	Obs  []obs
}

// gaps favours the boundaries of a 15s lease.
var gaps = []time.Duration{0, 1, time.Second, mRetry, 5 * time.Second, mLease - 1, mLease, mLease + 1,
	20 * time.Second, 20*time.Second - 1}

func (candidateHistory) Generate(r *rand.Rand, size int) reflect.Value {
	h := candidateHistory{Seed: r.Uint64()}
	leases := []time.Duration{0, 900 * time.Millisecond, mLease, 20 * time.Second}
	holders := []string{"b", "c", "", "a"}
	for range r.Intn(4 * (size + 1)) {
		o := obs{Gap: gaps[r.Intn(len(gaps))], Kind: r.Intn(8), Holder: holders[r.Intn(len(holders))],
			Lease: leases[r.Intn(len(leases))], Ver: core.Version(fmt.Sprint("v", r.Intn(3))),
			Term: int64(r.Intn(5)), Early: r.Intn(3) == 0}
		if r.Intn(3) == 0 {
			o.Gap = time.Duration(r.Int63n(int64(25 * time.Second)))
		}
		if o.Kind > 2 {
			o.Kind = 0
		}
		h.Obs = append(h.Obs, o)
	}
	return reflect.ValueOf(h)
}

// candidateModel is the reference: what a candidate knows.
type candidateModel struct {
	have      bool
	ver       core.Version
	firstSeen time.Time
	rec       core.Record
	maxTerm   int64
}

func (m *candidateModel) observe(now time.Time, o obs) {
	switch o.Kind {
	case 1:
		m.have = false
	case 0:
		if !m.have || o.Ver != m.ver {
			m.firstSeen = now
		}
		m.have, m.ver = true, o.Ver
		m.rec = core.Record{HolderIdentity: o.Holder, LeaseDuration: o.Lease, Term: o.Term, LeaderTransitions: 5}
		m.maxTerm = max(m.maxTerm, o.Term)
	}
}

func (m *candidateModel) expiry() time.Time {
	lease := m.rec.LeaseDuration
	if lease == 0 {
		lease = mLease
	}
	return m.firstSeen.Add(lease)
}

// mayAcquire is the rule under test.
func (m *candidateModel) mayAcquire(now time.Time) bool {
	return !m.have || m.rec.HolderIdentity == "" || !now.Before(m.expiry())
}

func modelConfig(seed uint64) core.Config {
	return core.Config{Identity: "a", LeaseDuration: mLease, RenewDeadline: mRenew, RetryPeriod: mRetry,
		Rand: randv2.NewPCG(seed, 1)}
}

// jittered reports whether d is a poll interval.
func jittered(d time.Duration) bool {
	return d >= mRetry && d < mRetry*12/10
}

func checkCandidate(h candidateHistory) error {
	m, err := core.NewMachine(modelConfig(h.Seed))
	if err != nil {
		return err
	}
	var model candidateModel
	now := t0
	if out := m.Step(core.Input{Kind: core.InputTick, Now: now}); out.Action.Op != core.OpGet {
		return fmt.Errorf("start: %v", out.Action)
	}
	for i, o := range h.Obs {
		now = now.Add(o.Gap)
		in := core.Input{Kind: core.InputGot, Now: now}
		switch o.Kind {
		case 0:
			in.Record = core.Record{HolderIdentity: o.Holder, LeaseDuration: o.Lease, Term: o.Term, LeaderTransitions: 5}
			in.Version = o.Ver
		case 1:
			in.Err = core.ErrNotFound
		case 2:
			in.Err = errInjected
		}
		model.observe(now, o)
		a := m.Step(in).Action
		where := fmt.Sprintf("answer %d (%+v) at +%v", i, o, now.Sub(t0))
		switch {
		case o.Kind == 2:
			if a.Op != core.OpWait || !jittered(a.Until.Sub(now)) {
				return fmt.Errorf("%s: after a lock error %+v, want a jittered wait", where, a)
			}
		case model.mayAcquire(now):
			wantOp, wantVer := core.OpUpdate, model.ver
			if !model.have {
				wantOp, wantVer = core.OpCreate, ""
			}
			if a.Op != wantOp || a.Version != wantVer || a.Record.Term != model.maxTerm+1 || a.Record.HolderIdentity != "a" {
				return fmt.Errorf("%s: may acquire; got %+v, want %v on %q in term %d", where, a, wantOp, wantVer, model.maxTerm+1)
			}
			if a.Op == core.OpUpdate && a.Record.LeaderTransitions != 5+b2i(o.Holder != "a") {
				return fmt.Errorf("%s: transitions %d", where, a.Record.LeaderTransitions)
			}
			// Someone else wins: the candidate reads again.
			if out := m.Step(core.Input{Kind: core.InputWritten, Now: now, Err: core.ErrConflict}); out.Action.Op != core.OpGet {
				return fmt.Errorf("%s: after a conflict %+v, want a read", where, out.Action)
			}
			continue
		default:
			exp := model.expiry()
			if a.Op != core.OpWait || a.Version != model.ver || a.Until.After(exp) ||
				(!a.Until.Equal(exp) && !jittered(a.Until.Sub(now))) {
				return fmt.Errorf("%s: may not acquire before %v; got %+v, want a wait for a poll or the expiry",
					where, exp.Sub(t0), a)
			}
		}
		if o.Early && a.Until.Sub(now) > 1 {
			early := now.Add(a.Until.Sub(now) / 2)
			if b := m.Step(core.Input{Kind: core.InputTick, Now: early}).Action; b != a {
				return fmt.Errorf("%s: an early tick changed the wait %+v into %+v", where, a, b)
			}
		}
		now = a.Until
		if out := m.Step(core.Input{Kind: core.InputTick, Now: now}); out.Action.Op != core.OpGet {
			return fmt.Errorf("%s: the tick that ends the wait gave %+v, want a read", where, out.Action)
		}
	}
	return nil
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// round is one renewal of a leader: the answer comes Delay after the
// write starts (never beyond the call's deadline), and OK or not.
type round struct {
	Delay time.Duration
	OK    bool
	Early bool
	Query time.Duration // IsLeader is asked at now + Query
}

type leaderHistory struct {
	Seed      uint64
	TermLimit time.Duration
	Rounds    []round
}

func (leaderHistory) Generate(r *rand.Rand, size int) reflect.Value {
	h := leaderHistory{Seed: r.Uint64()}
	if r.Intn(2) == 0 {
		h.TermLimit = time.Duration(r.Int63n(int64(40 * time.Second)))
	}
	delays := []time.Duration{0, time.Millisecond, time.Second, 3 * time.Second, 9 * time.Second, time.Hour}
	for range r.Intn(6 * (size + 1)) {
		h.Rounds = append(h.Rounds, round{Delay: delays[r.Intn(len(delays))], OK: r.Intn(3) > 0,
			Early: r.Intn(4) == 0, Query: time.Duration(r.Int63n(int64(12 * time.Second)))})
	}
	return reflect.ValueOf(h)
}

// leaderModel is the reference: when a leader's authority ends.
type leaderModel struct {
	termStart, lastOK time.Time
	termLimit         time.Duration
}

func (l *leaderModel) end() time.Time {
	end := l.lastOK.Add(mRenew)
	if l.termLimit > 0 && l.termStart.Add(l.termLimit).Before(end) {
		end = l.termStart.Add(l.termLimit)
	}
	return end
}

func (l *leaderModel) nextRenew() time.Time {
	t := l.lastOK.Add(mRetry)
	if l.termLimit > 0 && l.termStart.Add(l.termLimit).Before(t) {
		t = l.termStart.Add(l.termLimit)
	}
	return t
}

// reason is why a leader steps down at now, past its end.
func (l *leaderModel) reason(now time.Time) core.StopReason {
	if !now.Before(l.lastOK.Add(mRenew)) {
		return core.ReasonRenewDeadline
	}
	return core.ReasonTermLimit
}

func checkLeader(h leaderHistory) error {
	cfg := modelConfig(h.Seed)
	cfg.TermLimit = h.TermLimit
	m, err := core.NewMachine(cfg)
	if err != nil {
		return err
	}
	now := t0
	m.Step(core.Input{Kind: core.InputTick, Now: now})
	m.Step(core.Input{Kind: core.InputGot, Now: now, Err: core.ErrNotFound})
	out := m.Step(core.Input{Kind: core.InputWritten, Now: now.Add(time.Millisecond), Version: "v1"})
	model := leaderModel{termStart: now, lastOK: now, termLimit: h.TermLimit}
	now = now.Add(time.Millisecond)
	// check compares the machine after a step at now with the model, and
	// reports whether it still leads.
	check := func(where string, out core.Output) (bool, error) {
		end := model.end()
		if !now.Before(end) {
			want := core.Event{Kind: core.EventStoppedLeading, Term: 1, Reason: model.reason(now)}
			if len(out.Events) != 1 || out.Events[0].Kind != want.Kind || out.Events[0].Reason != want.Reason ||
				m.Role() == core.RoleLeader {
				return false, fmt.Errorf("%s at +%v: past the end +%v, want %+v, got %+v (role %v)",
					where, now.Sub(t0), end.Sub(t0), want, out.Events, m.Role())
			}
			return false, nil
		}
		if !m.LeaderUntil().Equal(end) || !m.IsLeader(now) || !m.IsLeader(end.Add(-1)) || m.IsLeader(end) {
			return false, fmt.Errorf("%s at +%v: LeaderUntil +%v, want +%v", where, now.Sub(t0), m.LeaderUntil().Sub(t0), end.Sub(t0))
		}
		return true, nil
	}
	if ok, err := check("acquired", out); !ok || err != nil {
		return err
	}
	for i, r := range h.Rounds {
		where := fmt.Sprintf("round %d (%+v)", i, r)
		a := out.Action
		if a.Op != core.OpWait || a.Until.After(model.end()) {
			return fmt.Errorf("%s: want a wait within the authority, got %+v", where, a)
		}
		if q := now.Add(r.Query); m.IsLeader(q) != q.Before(model.end()) {
			return fmt.Errorf("%s: IsLeader(+%v) = %v, authority ends +%v", where, q.Sub(t0), m.IsLeader(q), model.end().Sub(t0))
		}
		if r.Early && a.Until.After(now) {
			now = now.Add(a.Until.Sub(now) / 2)
			if b := m.Step(core.Input{Kind: core.InputTick, Now: now}); b.Action != a || len(b.Events) > 0 {
				return fmt.Errorf("%s: an early tick changed the wait %+v into %+v", where, a, b)
			}
		}
		now = later(now, a.Until)
		out = m.Step(core.Input{Kind: core.InputTick, Now: now})
		if ok, err := check(where+" tick", out); !ok || err != nil {
			return err
		}
		a = out.Action
		if a.Op != core.OpUpdate || !a.Deadline.Equal(model.end()) || a.Record.HolderIdentity != "a" || a.Record.Term != 1 {
			return fmt.Errorf("%s: want a renewal with the deadline +%v, got %+v", where, model.end().Sub(t0), a)
		}
		start := now
		now = earlier(now.Add(r.Delay), a.Deadline)
		in := core.Input{Kind: core.InputWritten, Now: now, Version: core.Version(fmt.Sprint("v", i+2))}
		if !r.OK {
			in = core.Input{Kind: core.InputWritten, Now: now, Err: errInjected}
		} else {
			model.lastOK = start
		}
		out = m.Step(in)
		if ok, err := check(where+" answer", out); !ok || err != nil {
			return err
		}
		if u := out.Action.Until; r.OK && !u.Equal(model.nextRenew()) {
			return fmt.Errorf("%s: next renewal at +%v, want +%v", where, u.Sub(t0), model.nextRenew().Sub(t0))
		}
		if u := out.Action.Until; !r.OK && !u.Equal(model.end()) && !jittered(u.Sub(now)) {
			return fmt.Errorf("%s: retry at +%v after a failure at +%v", where, u.Sub(t0), now.Sub(t0))
		}
	}
	return nil
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func TestModelCandidate(t *testing.T) {
	var first error
	f := func(h candidateHistory) bool {
		err := checkCandidate(h)
		if err != nil && first == nil {
			first = err
		}
		return err == nil
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 2000, Rand: rand.New(rand.NewSource(1))}); err != nil {
		t.Errorf("%v\nfirst mismatch: %v", err, first)
	}
}

func TestModelLeader(t *testing.T) {
	var first error
	f := func(h leaderHistory) bool {
		err := checkLeader(h)
		if err != nil && first == nil {
			first = err
		}
		return err == nil
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 2000, Rand: rand.New(rand.NewSource(1))}); err != nil {
		t.Errorf("%v\nfirst mismatch: %v", err, first)
	}
}
