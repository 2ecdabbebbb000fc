package core_test

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// This file holds the world of the scripted scenarios (interaction_test.go):
// a linearizable compare-and-swap store, candidates each driving a Machine
// with its own clock offset, and a discrete-event loop in true time.

// epoch is true time zero of every scenario.
var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// errInjected is the lock error that `fail` injects.
var errInjected = errors.New("injected lock error")

// store is a linearizable CAS store holding one encoded record.
type store struct {
	data    []byte // the encoded record, nil when there is none
	ver     int    // version counter; versions are "v1", "v2", …, never reused
	maxTerm int64
	holders map[int64]string // the holder of each term ever written
}

func (s *store) version() core.Version {
	if s.data == nil {
		return ""
	}
	return core.Version(fmt.Sprint("v", s.ver))
}

// failure is an injected failure of a candidate's next n calls of op.
type failure struct {
	op   core.Op // OpGet, OpCreate or OpUpdate; OpDone means any call
	n    int
	kind string // "error": not applied; "lost": applied, answer lost; "timeout": hangs until the deadline
}

// cand is one candidate: a Machine, its clock offset, its calls.
type cand struct {
	name    string
	m       *core.Machine
	offset  time.Duration // local clock = true time + offset
	latency time.Duration // every call takes this long (true time)

	act   core.Action   // the latest action
	at    time.Duration // true time of the next event
	seq   int           // order among events at the same time
	has   bool          // an event is scheduled
	io    bool          // act is a call in flight, answered at at
	fail  *failure      // the failure the call in flight meets
	watch core.WatchEvent
	wver  core.Version

	paused, crashed, done bool
	fails                 []failure
}

// world is the whole simulation. Everything is deterministic.
type world struct {
	now   time.Duration // true time since epoch
	seq   int
	store store
	cands []*cand
	out   strings.Builder

	// defaults for add
	cfg     core.Config
	latency time.Duration
	watch   bool // deliver watch inputs when the record changes

	quiet      bool
	steps      int
	writes     int
	violations int
	maxLeaders int
}

func newWorld() *world {
	return &world{
		store: store{holders: map[int64]string{}},
		cfg: core.Config{LeaseDuration: 15 * time.Second, RenewDeadline: 10 * time.Second,
			RetryPeriod: 2 * time.Second},
	}
}

func (w *world) printf(format string, args ...any) {
	fmt.Fprintf(&w.out, format, args...)
	w.out.WriteByte('\n')
}

func (w *world) cand(name string) (*cand, error) {
	for _, c := range w.cands {
		if c.name == name {
			return c, nil
		}
	}
	return nil, fmt.Errorf("no candidate %q", name)
}

func (c *cand) local(t time.Duration) time.Time { return epoch.Add(t + c.offset) }

// trueTime converts a local time of c to true time since epoch.
func (c *cand) trueTime(t time.Time) time.Duration { return t.Sub(epoch) - c.offset }

// clock formats a true time as h:mm:ss.mmm.
func clock(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	return fmt.Sprintf("%s%d:%02d:%02d.%03d", sign, d/time.Hour, d%time.Hour/time.Minute,
		d%time.Minute/time.Second, d%time.Second/time.Millisecond)
}

func fmtRec(r core.Record) string {
	h := r.HolderIdentity
	if h == "" {
		h = `""`
	}
	return fmt.Sprintf("{holder=%s lease=%v term=%d trans=%d seq=%d}", h, r.LeaseDuration,
		r.Term, r.LeaderTransitions, r.Seq)
}

func (w *world) fmtAction(c *cand, a core.Action) string {
	switch a.Op {
	case core.OpWait:
		s := "wait until " + clock(c.trueTime(a.Until))
		if a.Version != "" {
			s += " watching " + string(a.Version)
		}
		return s
	case core.OpCreate:
		return "create " + fmtRec(a.Record)
	case core.OpUpdate:
		return "update " + string(a.Version) + " " + fmtRec(a.Record)
	}
	return a.Op.String()
}

func fmtEvent(e core.Event) string {
	switch e.Kind {
	case core.EventNewLeader:
		return "[new-leader " + e.Identity + "]"
	case core.EventStartedLeading:
		return fmt.Sprintf("[started-leading term=%d]", e.Term)
	case core.EventStoppedLeading:
		s := fmt.Sprintf("[stopped-leading term=%d %v", e.Term, e.Reason)
		if e.Err != nil {
			s += fmt.Sprintf(" err=%q", e.Err.Error())
		}
		return s + "]"
	}
	return "[" + e.Kind.String() + "]"
}

// add creates a candidate whose first tick comes at the current time.
func (w *world) add(name string, cfg core.Config, offset, latency time.Duration, seed uint64) error {
	if old, err := w.cand(name); err == nil {
		if !old.crashed {
			return fmt.Errorf("candidate %q is running", name)
		}
		w.cands = removeCand(w.cands, old) // a restart with the same identity
	}
	h := fnv.New64a()
	h.Write([]byte(name))
	cfg.Identity = name
	cfg.Rand = rand.NewPCG(seed, h.Sum64())
	m, err := core.NewMachine(cfg)
	if err != nil {
		return err
	}
	c := &cand{name: name, m: m, offset: offset, latency: latency}
	w.cands = append(w.cands, c)
	w.schedule(c, w.now)
	return nil
}

func removeCand(cs []*cand, c *cand) []*cand {
	out := cs[:0]
	for _, x := range cs {
		if x != c {
			out = append(out, x)
		}
	}
	return out
}

func (w *world) schedule(c *cand, at time.Duration) {
	w.seq++
	c.at, c.seq, c.has = max(at, w.now), w.seq, true
}

// next returns the candidate with the earliest event, or nil.
func (w *world) next() *cand {
	var best *cand
	for _, c := range w.cands {
		if !c.has || c.paused || c.crashed || c.done {
			continue
		}
		if best == nil || c.at < best.at || (c.at == best.at && c.seq < best.seq) {
			best = c
		}
	}
	return best
}

// run processes events up to true time until (inclusive), then sets the
// time to until.
func (w *world) run(until time.Duration) error {
	for n := 0; ; n++ {
		if n > 2_000_000 {
			return fmt.Errorf("livelock at %s: more than 2000000 steps", clock(w.now))
		}
		c := w.next()
		if c == nil || c.at > until {
			break
		}
		w.now = c.at
		c.has = false
		w.fire(c)
	}
	w.now = max(w.now, until)
	return nil
}

// fire delivers c's scheduled event: a watch report, a call's answer, or
// the tick that ends a wait.
func (w *world) fire(c *cand) {
	switch {
	case c.watch != 0:
		ev, ver := c.watch, c.wver
		c.watch = 0
		w.step(c, core.Input{Kind: core.InputWatch, Watch: ev, Version: ver},
			fmt.Sprintf("watch %v %s", ev, ver))
	case c.io:
		in, desc := w.call(c)
		c.io = false
		w.step(c, in, desc)
	default:
		w.step(c, core.Input{Kind: core.InputTick}, "tick")
	}
}

// step feeds in to c's machine at the current time, prints the step, and
// schedules what its action asks for.
func (w *world) step(c *cand, in core.Input, desc string) {
	in.Now = c.local(w.now)
	out := c.m.Step(in)
	w.steps++
	line := fmt.Sprintf("%s %s: %s -> ", clock(w.now), c.name, desc)
	if c.io {
		line += "(call in flight)"
	} else {
		line += w.fmtAction(c, out.Action)
	}
	for _, e := range out.Events {
		line += " " + fmtEvent(e)
	}
	if !w.quiet || len(out.Events) > 0 {
		w.printf("%s", line)
	}
	if !c.io {
		w.follow(c, out.Action)
	}
	w.check()
}

// follow schedules what action a asks of c.
func (w *world) follow(c *cand, a core.Action) {
	c.act = a
	switch a.Op {
	case core.OpDone:
		c.done, c.has = true, false
	case core.OpWait:
		w.schedule(c, c.trueTime(a.Until))
	default:
		c.io = true
		c.fail = nil
		for i := range c.fails {
			f := &c.fails[i]
			if f.n > 0 && (f.op == a.Op || f.op == core.OpDone) {
				f.n--
				c.fail = f
				break
			}
		}
		at := w.now + c.latency
		deadline := c.trueTime(a.Deadline)
		if c.fail != nil && c.fail.kind == "timeout" || !a.Deadline.IsZero() && at >= deadline {
			at = deadline
		}
		w.schedule(c, at)
	}
}

// call executes c's call in flight against the store and returns the input
// that answers it.
func (w *world) call(c *cand) (core.Input, string) {
	a := c.act
	op := a.Op.String()
	if (c.fail != nil && c.fail.kind == "timeout") || (!a.Deadline.IsZero() && w.now >= c.trueTime(a.Deadline)) {
		return w.answer(a, "", context.DeadlineExceeded), op + " timed out at its deadline"
	}
	if c.fail != nil && c.fail.kind == "error" {
		return w.answer(a, "", errInjected), op + " failed: " + errInjected.Error()
	}
	s := &w.store
	switch a.Op {
	case core.OpGet:
		if s.data == nil {
			return core.Input{Kind: core.InputGot, Err: core.ErrNotFound}, "got not-found"
		}
		r, err := core.ParseRecord(s.data)
		if err != nil {
			w.printf("VIOLATION: stored record does not parse: %v", err)
			w.violations++
		}
		v := s.version()
		return core.Input{Kind: core.InputGot, Record: r, Version: v}, fmt.Sprintf("got %s %s", v, fmtRec(r))
	case core.OpCreate:
		if s.data != nil {
			return w.answer(a, "", core.ErrConflict), "create conflict"
		}
	default:
		if s.data == nil || a.Version != s.version() {
			return w.answer(a, "", core.ErrConflict), "update conflict"
		}
	}
	v := w.put(a.Record, c.name)
	if c.fail != nil && c.fail.kind == "lost" {
		return w.answer(a, "", errInjected), fmt.Sprintf("%s applied as %s, answer lost: %v", op, v, errInjected)
	}
	return w.answer(a, v, nil), fmt.Sprintf("%s ok %s", op, v)
}

func (w *world) answer(a core.Action, v core.Version, err error) core.Input {
	if a.Op == core.OpGet {
		return core.Input{Kind: core.InputGot, Err: err}
	}
	return core.Input{Kind: core.InputWritten, Version: v, Err: err}
}

// put stores r as a new version, checks the store's invariants, and
// reports the change to watchers. by names the writer for violations.
func (w *world) put(r core.Record, by string) core.Version {
	s := &w.store
	if r.Term < s.maxTerm {
		w.printf("VIOLATION: %s wrote term %d below the store's %d", by, r.Term, s.maxTerm)
		w.violations++
	}
	if h := r.HolderIdentity; h != "" {
		if prev, ok := s.holders[r.Term]; ok && prev != h {
			w.printf("VIOLATION: term %d held by %s and by %s", r.Term, prev, h)
			w.violations++
		}
		s.holders[r.Term] = h
	}
	s.maxTerm = max(s.maxTerm, r.Term)
	s.data = core.AppendRecord(nil, r)
	s.ver++
	w.writes++
	w.changed(core.WatchChanged, "")
	return s.version()
}

// changed reports a watch event to the candidates that wait watching a
// version other than the current one (WatchChanged), or a version whose
// holder is gone (WatchHolderGone).
func (w *world) changed(ev core.WatchEvent, gone string) {
	if !w.watch {
		return
	}
	cur := w.store.version()
	for _, c := range w.cands {
		if c.crashed || c.done || c.io || c.act.Op != core.OpWait || c.act.Version == "" {
			continue
		}
		if ev == core.WatchChanged && c.act.Version == cur {
			continue
		}
		if ev == core.WatchHolderGone {
			if c.act.Version != cur {
				continue
			}
			if r, err := core.ParseRecord(w.store.data); err != nil || r.HolderIdentity != gone {
				continue
			}
		}
		c.watch, c.wver = ev, c.act.Version
		w.schedule(c, w.now)
	}
}

// check verifies, after every step, that at most one candidate holds
// IsLeader on its own clock at the current true instant. Authority only
// begins at a step and only ends with time, so checking after every step
// checks every instant.
func (w *world) check() {
	var leaders []string
	for _, c := range w.cands {
		if !c.crashed && c.m.IsLeader(c.local(w.now)) {
			leaders = append(leaders, c.name)
		}
	}
	w.maxLeaders = max(w.maxLeaders, len(leaders))
	if len(leaders) > 1 {
		sort.Strings(leaders)
		w.printf("VIOLATION: %d leaders at %s: %s", len(leaders), clock(w.now), strings.Join(leaders, " "))
		w.violations++
	}
}
