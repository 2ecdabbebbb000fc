package hosttest

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// TestDifferential runs three candidates, each a native machine and a
// module machine fed the same inputs, over a compare-and-swap store with
// random latencies, lost and failed calls, calls past their deadline,
// paused, crashed and restarted candidates, resignations, writes by an
// outsider, garbage records, watches and stray inputs. After every step
// the two must agree on the output and on every query (pair.step).
func TestDifferential(t *testing.T) {
	const steps = 10000
	for _, seed := range []uint64{1, 2, 3} {
		t.Run("seed="+strconv.FormatUint(seed, 10), func(t *testing.T) {
			w := newWorld(t, seed)
			w.run(steps)
			w.checkCoverage()
		})
	}
}

// The candidates' configurations: different timings, one with a term
// limit, sharing one store.
var diffConfigs = []config{
	{id: "a", lease: 2 * time.Second, renew: 1500 * time.Millisecond, retry: 500 * time.Millisecond},
	{id: "b", lease: 3 * time.Second, renew: 2 * time.Second, retry: 400 * time.Millisecond, termLimit: 5 * time.Second},
	{id: "c", lease: time.Second, renew: 800 * time.Millisecond, retry: 200 * time.Millisecond},
}

type cand struct {
	pr     *pair
	gen    int    // bumped on a crash or restart: older scheduled inputs are dropped
	token  int    // bumped on every action: older ticks are stale
	busy   bool   // a store call is in flight
	call   output // the call in flight
	paused bool
	held   []held // inputs that arrived while paused
}

// held is an input that waits for its paused process to resume.
type held struct {
	in     input
	answer bool // the answer to the call in flight
}

type item struct {
	at  int64
	seq int
	fn  func()
}

// store is one record under compare-and-swap, with versions v1, v2, …
type store struct {
	rec     []byte
	exists  bool
	n       int
	watches []watch
}

type watch struct {
	c   *cand
	gen int
	ver string
}

type world struct {
	t       *testing.T
	rng     *rand.Rand
	p       *plugin
	now     int64
	seq     int
	queue   []item
	st      store
	cands   []*cand
	steps   int
	seeds   uint64
	ops     map[uint8]int // outputs seen, by op
	reasons map[uint8]int // stopped-leading events seen, by reason
	started int
}

func newWorld(t *testing.T, seed uint64) *world {
	w := &world{t: t, rng: rand.New(rand.NewPCG(seed, 99)), p: newPlugin(t), now: t0,
		ops: map[uint8]int{}, reasons: map[uint8]int{}, seeds: seed * 1000}
	for i, c := range diffConfigs {
		cd := &cand{}
		w.cands = append(w.cands, cd)
		w.start(cd, c, t0+int64(i)*int64(time.Millisecond))
	}
	w.at(t0+w.dur(0, 2*time.Second), w.chaos)
	return w
}

func (w *world) dur(lo, hi time.Duration) int64 { return int64(lo) + w.rng.Int64N(int64(hi-lo)+1) }

func (w *world) chance(p float64) bool { return w.rng.Float64() < p }

func (w *world) at(t int64, fn func()) {
	it := item{at: max(t, w.now), seq: w.seq, fn: fn}
	w.seq++
	i, _ := slices.BinarySearchFunc(w.queue, it, func(a, b item) int {
		if a.at != b.at {
			return int(min(max(a.at-b.at, -1), 1))
		}
		return a.seq - b.seq
	})
	w.queue = slices.Insert(w.queue, i, it)
}

// start gives cd a fresh pair (a new process) that begins with a tick at t.
func (w *world) start(cd *cand, c config, t int64) {
	if cd.pr != nil {
		if err := w.p.close(cd.pr.h); err != nil {
			w.t.Fatalf("le_close: %v", err)
		}
	}
	w.seeds++
	c.seed = w.seeds
	c.once = w.chance(0.2)
	cd.pr = newPair(w.t, w.p, c)
	cd.gen++
	cd.busy, cd.paused, cd.held = false, false, nil
	gen := cd.gen
	w.at(t, func() { w.deliver(cd, gen, input{kind: kindTick}) })
}

func (w *world) run(steps int) {
	for w.steps < steps && len(w.queue) > 0 {
		it := w.queue[0]
		w.queue = w.queue[1:]
		w.now = it.at
		it.fn()
	}
	if w.steps < steps {
		w.t.Fatalf("the world ran out of events after %d steps", w.steps)
	}
}

// deliver feeds in (stamped now) to cd, unless cd crashed since (gen) or
// is paused (then it waits for the resume). An answer ends the call in
// flight when the machine gets it, not when it arrives.
func (w *world) deliver(cd *cand, gen int, in input) { w.deliverAs(cd, gen, in, false) }

func (w *world) deliverAs(cd *cand, gen int, in input, answer bool) {
	if gen != cd.gen {
		return
	}
	if cd.paused {
		cd.held = append(cd.held, held{in, answer})
		return
	}
	if answer {
		cd.busy = false
	}
	in.now = w.now
	if w.chance(0.02) {
		in.now -= w.dur(0, 50*time.Millisecond) // a clock read a little earlier: the machine's time never goes back
	}
	w.steps++
	out := cd.pr.step(in)
	w.ops[out.Op]++
	for _, e := range out.Events {
		switch e.Kind {
		case uint8(core.EventStartedLeading):
			w.started++
		case uint8(core.EventStoppedLeading):
			w.reasons[e.Reason]++
		}
	}
	if cd.busy {
		// The call in flight stands, and the output repeats it (README:
		// "must not be started twice"); its answer comes later.
		if out.Op != cd.call.Op || out.Version != cd.call.Version || out.Record != cd.call.Record || out.Deadline != cd.call.Deadline {
			w.t.Fatalf("%s: %s while a %s is in flight: the output is %s, not the call in flight",
				cd.pr.cfg.id, in, name(opNames, cd.call.Op), out)
		}
		return
	}
	w.perform(cd, out)
}

// perform does what out asks of cd.
func (w *world) perform(cd *cand, out output) {
	cd.token++
	token, gen := cd.token, cd.gen
	switch core.Op(out.Op) {
	case core.OpWait:
		at := out.Until
		if w.chance(0.05) && at > w.now {
			at = w.now + w.rng.Int64N(at-w.now) // an early tick: the machine keeps waiting
		}
		w.at(at, func() {
			if cd.token == token {
				w.deliver(cd, gen, input{kind: kindTick})
			}
		})
		if out.Version != "" && w.chance(0.7) {
			w.st.watches = append(w.st.watches, watch{cd, gen, out.Version})
			w.fireWatches()
		}
	case core.OpDone:
		// A finished process; another starts in its place a little later.
		c := cd.pr.cfg
		w.at(w.now+w.dur(0, 3*time.Second), func() {
			if cd.gen == gen {
				w.start(cd, c, w.now)
			}
		})
	default:
		cd.busy, cd.call = true, out
		w.call(cd, gen, out)
	}
}

// call makes a store call whose answer arrives after a random latency,
// or the deadline's error at the deadline; the write may still land
// (a ghost write). Some calls fail, some lose their answer.
func (w *world) call(cd *cand, gen int, out output) {
	var lat int64
	switch r := w.rng.Float64(); {
	case r < 0.75:
		lat = w.dur(0, 20*time.Millisecond)
	case r < 0.93:
		lat = w.dur(20*time.Millisecond, 500*time.Millisecond)
	default:
		lat = w.dur(500*time.Millisecond, 3*time.Second)
	}
	answer := func(in input) {
		w.deliverAs(cd, gen, in, true)
	}
	kind := uint32(kindWritten)
	if core.Op(out.Op) == core.OpGet {
		kind = kindGot
	}
	if w.now+lat > out.Deadline {
		w.at(out.Deadline, func() { answer(result(kind, 0, codeError, "context deadline exceeded")) })
		if kind == kindWritten && w.chance(0.5) {
			w.at(w.now+lat, func() { w.apply(out) })
		}
		return
	}
	w.at(w.now+lat, func() {
		switch r := w.rng.Float64(); {
		case r < 0.04:
			answer(result(kind, 0, codeError, "")) // failed, default message
		case r < 0.08:
			w.apply(out)
			answer(result(kind, 0, codeError, "connection reset")) // applied, answer lost
		default:
			answer(w.apply(out))
		}
	})
}

// apply runs the call on the store and returns its answer.
func (w *world) apply(out output) input {
	st := &w.st
	switch core.Op(out.Op) {
	case core.OpGet:
		if !st.exists {
			return input{kind: kindGot, code: codeNotFound}
		}
		return input{kind: kindGot, rec: st.rec, ver: []byte(st.version())}
	case core.OpCreate:
		if st.exists {
			return input{kind: kindWritten, code: codeConflict}
		}
	default:
		if !st.exists || out.Version != st.version() {
			return input{kind: kindWritten, code: codeConflict}
		}
	}
	w.write([]byte(out.Record))
	return input{kind: kindWritten, ver: []byte(st.version())}
}

func (s *store) version() string { return "v" + strconv.Itoa(s.n) }

func (w *world) write(rec []byte) {
	w.st.rec, w.st.exists = rec, rec != nil
	w.st.n++
	w.fireWatches()
}

// fireWatches reports every watched version the store has moved from.
func (w *world) fireWatches() {
	keep := w.st.watches[:0]
	for _, wt := range w.st.watches {
		if wt.ver == w.st.version() {
			keep = append(keep, wt)
			continue
		}
		w.at(w.now+w.dur(0, 3*time.Millisecond), func() {
			w.deliver(wt.c, wt.gen, input{kind: kindWatch, code: uint32(core.WatchChanged), ver: []byte(wt.ver)})
		})
	}
	w.st.watches = keep
}

// chaos does one random disturbance, then schedules the next.
func (w *world) chaos() {
	cd := w.cands[w.rng.IntN(len(w.cands))]
	gen := cd.gen
	switch r := w.rng.Float64(); {
	case r < 0.25:
		w.deliver(cd, gen, input{kind: kindResign})
	case r < 0.32:
		w.deliver(cd, gen, input{kind: kindStop})
	case r < 0.47:
		if !cd.paused { // a paused process: its inputs wait until it resumes
			cd.paused = true
			w.at(w.now+w.dur(100*time.Millisecond, 5*time.Second), func() { w.resume(cd, gen) })
		}
	case r < 0.55:
		w.crash(cd)
	case r < 0.65:
		if w.st.exists { // the same record again: only the version moves
			w.write(w.st.rec)
		}
	case r < 0.73:
		r, _ := core.ParseRecord(w.st.rec)
		w.write(core.AppendRecord(nil, core.Record{HolderIdentity: "x", LeaseDuration: 700 * time.Millisecond,
			Term: r.Term + 1, LeaderTransitions: r.LeaderTransitions + 1, Seq: r.Seq + 1}))
	case r < 0.77:
		w.write([]byte(`{"holderIdentity":"a","term":`))
	case r < 0.80:
		w.write(nil) // deleted
	case r < 0.90:
		// A stray watch report, for the current version or an old one.
		v := w.st.version()
		if w.chance(0.5) {
			v = "v" + strconv.Itoa(w.rng.IntN(w.st.n+1))
		}
		w.deliver(cd, gen, input{kind: kindWatch, code: uint32(1 + w.rng.IntN(2)), ver: []byte(v)})
	default:
		w.deliver(cd, gen, input{kind: kindTick}) // a stray tick
	}
	w.at(w.now+w.dur(0, 4*time.Second), w.chaos)
}

func (w *world) resume(cd *cand, gen int) {
	if cd.gen != gen {
		return
	}
	cd.paused = false
	hs := cd.held
	cd.held = nil
	for _, h := range hs {
		w.deliverAs(cd, gen, h.in, h.answer)
	}
}

// crash ends cd's process: nothing more reaches it, and a watch on a
// version it holds reports the holder gone (as a dropped flock would). A
// new process with the same identity starts a little later.
func (w *world) crash(cd *cand) {
	id := cd.pr.cfg.id
	cd.gen++
	if r, err := core.ParseRecord(w.st.rec); err == nil && w.st.exists && r.HolderIdentity == id {
		v := w.st.version()
		keep := w.st.watches[:0]
		for _, wt := range w.st.watches {
			if wt.ver != v {
				keep = append(keep, wt)
				continue
			}
			w.at(w.now+w.dur(0, 3*time.Millisecond), func() {
				w.deliver(wt.c, wt.gen, input{kind: kindWatch, code: uint32(core.WatchHolderGone), ver: []byte(v)})
			})
		}
		w.st.watches = keep
	}
	c, gen := cd.pr.cfg, cd.gen
	w.at(w.now+w.dur(0, 4*time.Second), func() {
		if cd.gen == gen {
			w.start(cd, c, w.now)
		}
	})
}

// checkCoverage fails when the run did not reach the paths it exists
// for: every op and every reason to stop leading.
func (w *world) checkCoverage() {
	w.t.Logf("%d steps, %s of virtual time: ops %v, started-leading %d, stopped-leading by reason %v",
		w.steps, time.Duration(w.now-t0).Round(time.Second), w.ops, w.started, w.reasons)
	for op := range uint8(5) {
		if w.ops[op] == 0 {
			w.t.Errorf("no output with op %s", name(opNames, op))
		}
	}
	for reason := range uint8(5) {
		if w.reasons[reason+1] == 0 {
			w.t.Errorf("no stopped-leading for reason %s", name(reasonNames, reason+1))
		}
	}
}
