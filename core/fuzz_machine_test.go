package core_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// FuzzMachine feeds arbitrary sequences of inputs to three machines: any
// kind at any time (going backwards too), answers that were or were not
// asked for, any record, version and error. The machine must never panic,
// and its own invariants must hold after every step (see checker.step).

// bytesIn reads fuzz bytes; it returns zeros once they run out.
type bytesIn struct {
	b []byte
	n int
}

func (r *bytesIn) byte() byte {
	if r.n >= len(r.b) {
		return 0
	}
	r.n++
	return r.b[r.n-1]
}

func (r *bytesIn) int16() int { return int(int16(uint16(r.byte())<<8 | uint16(r.byte()))) }

func (r *bytesIn) done() bool { return r.n >= len(r.b) }

var fuzzConfigs = []core.Config{
	{LeaseDuration: 15 * time.Second, RenewDeadline: 10 * time.Second, RetryPeriod: 2 * time.Second},
	{LeaseDuration: 900 * time.Millisecond, RenewDeadline: 600 * time.Millisecond, RetryPeriod: 250 * time.Millisecond},
	{LeaseDuration: 3 * time.Second, RenewDeadline: 2500 * time.Millisecond, RetryPeriod: 2 * time.Second},
	{LeaseDuration: 14, RenewDeadline: 13, RetryPeriod: 10}, // nanoseconds
}

var fuzzErrors = []error{nil, core.ErrNotFound, core.ErrConflict, errInjected, context.DeadlineExceeded,
	fmt.Errorf("adapter: %w", core.ErrConflict), fmt.Errorf("adapter: %w", core.ErrNotFound), context.Canceled}

// traced is one step, kept for the failure report.
type traced struct {
	in     core.Input
	act    core.Action
	events []core.Event
}

// checker drives one machine and checks its invariants.
type checker struct {
	t    *testing.T
	name string
	cfg  core.Config
	m    *core.Machine

	dnow  time.Time // the driver's clock (may go backwards)
	mnow  time.Time // the machine's clock: the latest input time
	act   core.Action
	steps int
	trace [30]traced // the last steps, a ring indexed by steps

	stored    core.Record  // the last record this machine's writes stored
	storedVer core.Version // and its version
	writes    int

	leading      bool
	term         int64     // the term led, while leading
	lastTerm     int64     // the last term started
	startedAt    time.Time // mnow of the step that started the term
	lastIssue    time.Time // mnow when an acquire or renewal was last issued
	lastSeq      int64     // seq of the machine's latest write
	lastNewLead  string
	done         bool
	sawStarted   bool
	lastStopTerm int64
}

func (c *checker) fail(format string, args ...any) {
	c.t.Helper()
	var tr []string
	for i := max(0, c.steps-len(c.trace)); i < c.steps; i++ {
		s := c.trace[i%len(c.trace)]
		tr = append(tr, fmt.Sprintf("  in %+v\n  -> %+v %+v", s.in, s.act, s.events))
	}
	c.t.Fatalf("%s, step %d: %s\nconfig: %+v\nlast steps:\n%s", c.name, c.steps, fmt.Sprintf(format, args...),
		c.cfg, strings.Join(tr, "\n"))
}

// step feeds in and checks the machine's invariants.
func (c *checker) step(in core.Input) {
	c.t.Helper()
	if c.mnow.IsZero() || in.Now.After(c.mnow) {
		c.mnow = in.Now
	}
	out := c.m.Step(in)
	c.record(in, out)
	if c.done {
		if out.Action.Op != core.OpDone || len(out.Events) > 0 || c.m.Role() != core.RoleDone {
			c.fail("a done machine answered %+v", out)
		}
		return
	}
	c.events(out.Events)
	c.action(out.Action)
	c.act = out.Action
	c.queries()
	if out.Action.Op == core.OpWait && !out.Action.Until.After(c.mnow) {
		// A wait that has already ended: the tick that follows must move on.
		tick := core.Input{Kind: core.InputTick, Now: c.mnow}
		again := c.m.Step(tick)
		c.record(tick, again)
		if again.Action.Op == core.OpWait && !again.Action.Until.After(c.mnow) {
			c.fail("livelock: a tick at %v after a wait until %v asks again to wait until %v",
				c.mnow, out.Action.Until, again.Action.Until)
		}
		c.events(again.Events)
		c.action(again.Action)
		c.act = again.Action
		c.queries()
	}
}

func (c *checker) record(in core.Input, out core.Output) {
	tr := &c.trace[c.steps%len(c.trace)]
	tr.in, tr.act, tr.events = in, out.Action, append(tr.events[:0], out.Events...)
	c.steps++
}

func (c *checker) events(evs []core.Event) {
	c.t.Helper()
	started := 0
	for _, e := range evs {
		switch e.Kind {
		case core.EventStartedLeading:
			started++
			if c.leading || started > 1 {
				c.fail("StartedLeading while leading (or twice in one step): %+v", evs)
			}
			if e.Term <= c.lastTerm || e.Term < 1 {
				c.fail("StartedLeading term %d after term %d: terms must increase", e.Term, c.lastTerm)
			}
			c.leading, c.term, c.lastTerm, c.startedAt, c.sawStarted = true, e.Term, e.Term, c.mnow, true
		case core.EventStoppedLeading:
			if !c.leading || e.Term != c.term {
				c.fail("StoppedLeading %+v without a matching StartedLeading (leading=%v term %d)", e, c.leading, c.term)
			}
			if e.Reason < core.ReasonResigned || e.Reason > core.ReasonShutdown {
				c.fail("StoppedLeading with reason %v", e.Reason)
			}
			if e.Err != nil && e.Reason != core.ReasonRenewDeadline {
				c.fail("StoppedLeading %v carries an error", e.Reason)
			}
			c.leading, c.lastStopTerm = false, e.Term
		case core.EventNewLeader:
			if e.Identity == "" || e.Identity == c.lastNewLead {
				c.fail("NewLeader %q repeats or is empty (last %q)", e.Identity, c.lastNewLead)
			}
			c.lastNewLead = e.Identity
		default:
			c.fail("unknown event %+v", e)
		}
	}
}

func (c *checker) action(a core.Action) {
	c.t.Helper()
	self := c.cfg.Identity
	switch a.Op {
	case core.OpDone:
		if c.leading {
			c.fail("OpDone while leading")
		}
		c.done = true
	case core.OpWait:
		if a.Until.IsZero() || a.Record != (core.Record{}) || !a.Deadline.IsZero() {
			c.fail("malformed wait %+v", a)
		}
		if c.leading && a.Version != "" {
			c.fail("a leader watches %q", a.Version)
		}
	case core.OpGet:
		if a.Record != (core.Record{}) || a.Version != "" || a.Deadline.IsZero() {
			c.fail("malformed get %+v", a)
		}
	case core.OpCreate, core.OpUpdate:
		if a == c.act {
			break // the same call, still in flight
		}
		r := a.Record
		if a.Deadline.IsZero() || (a.Op == core.OpCreate && (a.Version != "" || r.HolderIdentity != self)) {
			c.fail("malformed %v %+v", a.Op, a)
		}
		if r.HolderIdentity != self && r.HolderIdentity != "" {
			c.fail("writes a record held by %q", r.HolderIdentity)
		}
		if r.Seq <= c.lastSeq {
			c.fail("write seq %d after %d: seq must increase on every write", r.Seq, c.lastSeq)
		}
		c.lastSeq = r.Seq
		if r.HolderIdentity == self {
			if r.Term < 1 || r.LeaseDuration != c.cfg.LeaseDuration || r.RenewTime.IsZero() {
				c.fail("bad record to write %+v", r)
			}
			if c.leading && r.Term != c.term {
				c.fail("leader of term %d renews term %d", c.term, r.Term)
			}
			if !c.leading && r.Term <= c.lastTerm {
				c.fail("acquires term %d, not above its last term %d", r.Term, c.lastTerm)
			}
			c.lastIssue = c.mnow
		}
		if c.leading && a.Deadline.After(c.m.LeaderUntil()) {
			c.fail("a leader's call deadline %v outlasts its authority %v", a.Deadline, c.m.LeaderUntil())
		}
	default:
		c.fail("unknown op %v", a.Op)
	}
}

func (c *checker) queries() {
	c.t.Helper()
	m := c.m
	role, until := m.Role(), m.LeaderUntil()
	if (role == core.RoleLeader) != c.leading {
		c.fail("Role %v but the events say leading=%v", role, c.leading)
	}
	if !c.leading {
		if !until.IsZero() || m.Term() != 0 || m.IsLeader(c.mnow) || m.IsLeader(c.dnow) {
			c.fail("not leading, yet LeaderUntil=%v Term=%d IsLeader=%v", until, m.Term(), m.IsLeader(c.mnow))
		}
		return
	}
	if m.Term() != c.term {
		c.fail("Term() = %d, want %d", m.Term(), c.term)
	}
	if until.After(c.lastIssue.Add(c.cfg.RenewDeadline)) {
		c.fail("LeaderUntil %v is after the last write's start %v + RenewDeadline", until, c.lastIssue)
	}
	if c.cfg.TermLimit > 0 && until.After(c.startedAt.Add(c.cfg.TermLimit)) {
		c.fail("LeaderUntil %v is after the term's start %v + TermLimit", until, c.startedAt)
	}
	if c.act.Op == core.OpWait && !m.IsLeader(c.mnow) {
		c.fail("a leader waits at %v past its authority %v instead of stepping down", c.mnow, until)
	}
	if m.IsLeader(until) || m.IsLeader(until.Add(time.Hour)) || !m.IsLeader(until.Add(-1)) {
		c.fail("IsLeader is not true exactly before LeaderUntil %v", until)
	}
}

// when picks the time of the next input.
func (c *checker) when(r *bytesIn) time.Time {
	switch b := r.byte(); b % 8 {
	case 0:
		return c.dnow
	case 1:
		if !c.act.Until.IsZero() {
			return c.act.Until
		}
	case 2:
		if u := c.m.LeaderUntil(); !u.IsZero() {
			return u
		}
	case 3:
		if u := c.m.LeaderUntil(); !u.IsZero() {
			return u.Add(-1)
		}
	case 4:
		if !c.act.Deadline.IsZero() {
			return c.act.Deadline
		}
	case 5:
		return c.dnow.Add(time.Duration(r.int16()) * time.Hour)
	case 6:
		return c.dnow.Add(time.Duration(r.int16()))
	}
	return c.dnow.Add(time.Duration(r.int16()) * time.Millisecond)
}

// input decodes one input for c: mostly a plausible answer to what the
// machine asked for, sometimes anything at all.
func (c *checker) input(r *bytesIn, names []string) core.Input {
	if mode := r.byte(); mode < 192 {
		return c.answer(r, names)
	}
	now := c.when(r)
	c.dnow = now
	in := core.Input{Now: now, Kind: core.InputKind(r.byte()%6 + 1)}
	switch in.Kind {
	case core.InputGot:
		in.Err = fuzzErrors[int(r.byte())%len(fuzzErrors)]
		if in.Err == nil || r.byte()&1 == 0 { // a record, sometimes beside an error
			in.Record = c.newRecord(r, names)
			in.Version = c.version(r)
		}
	case core.InputWritten:
		in.Err = fuzzErrors[int(r.byte())%len(fuzzErrors)]
		if in.Err == nil || r.byte()&1 == 0 {
			in.Version = c.version(r)
		}
	case core.InputWatch:
		in.Watch = core.WatchEvent(r.byte() % 4)
		in.Version = c.version(r)
	}
	return in
}

// answer is what a store would answer to the machine's action, up to
// 255ms later, or the tick that ends its wait.
func (c *checker) answer(r *bytesIn, names []string) core.Input {
	b := r.byte()
	now := c.dnow.Add(time.Duration(r.byte()) * time.Millisecond)
	switch a := c.act; a.Op {
	case core.OpGet:
		in := core.Input{Kind: core.InputGot, Now: now}
		switch b % 8 {
		case 0:
			in.Err = core.ErrNotFound
		case 1:
			in.Err = errInjected
		case 2:
			in.Err = context.DeadlineExceeded
		case 3, 4:
			in.Record, in.Version = c.stored, c.storedVer // what it wrote last
		case 5:
			in.Record, in.Version = c.stored, c.storedVer
			in.Record.HolderIdentity = "" // released meanwhile
			in.Version += "r"
		default:
			in.Record, in.Version = c.newRecord(r, names), c.version(r)
		}
		c.dnow = now
		return in
	case core.OpCreate, core.OpUpdate:
		in := core.Input{Kind: core.InputWritten, Now: now}
		switch b % 8 {
		case 0:
			in.Err = core.ErrConflict
		case 1:
			in.Err = errInjected
		case 2:
			in.Err = context.DeadlineExceeded
			now = a.Deadline
		default:
			c.writes++
			in.Version = core.Version(fmt.Sprint("w", c.writes))
			c.stored, c.storedVer = a.Record, in.Version
		}
		if b%16 == 1 { // applied, but the answer was lost
			c.writes++
			c.stored, c.storedVer = a.Record, core.Version(fmt.Sprint("w", c.writes))
		}
		in.Now, c.dnow = now, now
		return in
	case core.OpWait:
		if b%4 != 0 {
			now = a.Until
		}
	}
	c.dnow = now
	return core.Input{Kind: core.InputTick, Now: now}
}

func (c *checker) version(r *bytesIn) core.Version {
	switch b := r.byte(); b % 4 {
	case 0:
		return c.act.Version
	case 1:
		return ""
	default:
		return core.Version(fmt.Sprint("v", b%8))
	}
}

func (c *checker) newRecord(r *bytesIn, names []string) core.Record {
	b := r.byte()
	if b%8 == 0 && (c.act.Op == core.OpCreate || c.act.Op == core.OpUpdate) {
		return c.act.Record // the record just written
	}
	holders := append([]string{""}, names...)
	leases := []time.Duration{0, 900 * time.Millisecond, 15 * time.Second, time.Hour, 1, 1<<63 - 1}
	return core.Record{
		HolderIdentity:    holders[int(b>>3)%len(holders)],
		LeaseDuration:     leases[int(r.byte())%len(leases)],
		AcquireTime:       c.dnow.Add(time.Duration(r.int16()) * time.Minute),
		RenewTime:         c.dnow.Add(time.Duration(r.int16()) * time.Minute),
		LeaderTransitions: int64(r.byte()),
		Term:              int64(r.byte() % 16),
		Seq:               int64(r.int16() & 0x7fff),
	}
}

func FuzzMachine(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x00\x00\x00\x00\x01\x00\x00\x02\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("\x11\x05\x01\x07\x00\x00\x00\x00\x01\x01\x00\x80\x03\x00\x00\x02\x00\x00\x00\x00\x00\x00\x01\x00"))
	f.Add([]byte("\x23\x40\x02\x00\x03\x00\x00\x00\x00\x01\x01\x00\x81\x02\x00\x05\x00\x00\x02\x02\x00\x00\x00\x84\x01"))
	f.Add([]byte("\x32\x11\x00\x00\x00\x00\x01\x01\x00\x00\x00\x01\x01\x00\x00\x00\x00\x01\x02\x82\x02\x01\x00\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) { checkMachines(t, "", data) })
}

// checkMachines is one run of FuzzMachine; label prefixes failures.
func checkMachines(t *testing.T, label string, data []byte) {
	{
		r := &bytesIn{b: data}
		names := []string{"a", "b", "c"}
		base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		var cs []*checker
		for i, name := range names {
			cfg := fuzzConfigs[int(r.byte())%len(fuzzConfigs)]
			cfg.Identity = name
			cfg.Rand = rand.NewPCG(uint64(i), uint64(r.byte()))
			switch b := r.byte(); b % 4 {
			case 1:
				cfg.TermLimit = cfg.RetryPeriod * 3
			case 2:
				cfg.TermLimit = 1
			}
			cfg.Once = r.byte()%4 == 0
			m, err := core.NewMachine(cfg)
			if err != nil {
				t.Fatalf("config %+v: %v", cfg, err)
			}
			c := &checker{t: t, name: label + name, cfg: cfg, m: m, dnow: base}
			cs = append(cs, c)
			c.step(core.Input{Kind: core.InputTick, Now: base})
		}
		for steps := 0; !r.done() && steps < 2000; steps++ {
			c := cs[int(r.byte())%len(cs)]
			c.step(c.input(r, names))
		}
		for _, c := range cs {
			if c.sawStarted && c.leading && c.m.Role() != core.RoleLeader {
				t.Fatalf("%s: leading but role %v", c.name, c.m.Role())
			}
		}
	}
}

// TestFuzzMachineRandom runs FuzzMachine's checks on pseudo-random inputs,
// so that plain `go test` explores well beyond the seed corpus.
func TestFuzzMachineRandom(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 100
	}
	src := rand.New(rand.NewPCG(7, 7))
	for i := range n {
		data := make([]byte, 200+src.IntN(2000))
		for j := range data {
			data[j] = byte(src.Uint32())
		}
		checkMachines(t, fmt.Sprintf("random input %d: ", i), data)
	}
}
