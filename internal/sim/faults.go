package sim

import (
	"fmt"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// fault injects the next process fault and schedules the one after.
func (s *Sim) fault() {
	s.q.push(event{at: s.expGap(), kind: evFault})
	var total uint32
	for _, w := range s.p.weights {
		total += w
	}
	if total == 0 {
		return
	}
	pick := uint32(s.rng.IntN(int(total)))
	kind := 0
	for ; pick >= s.p.weights[kind]; kind++ {
		pick -= s.p.weights[kind]
	}
	p := s.target()
	if p == nil {
		return
	}
	switch kind {
	case faultCrash:
		s.crash(p)
	case faultPause:
		s.pause(p)
	case faultResign:
		s.res.Counts.Resigns++
		s.trace(tentry{kind: tFault, a: fcResign}, p, p.clk.local(s.now))
		s.q.push(event{at: s.now, kind: evResign, slot: p.slot, inc: p.inc})
	case faultStop:
		s.res.Counts.Stops++
		s.trace(tentry{kind: tFault, a: fcStop}, p, p.clk.local(s.now))
		s.q.push(event{at: s.now, kind: evStop, slot: p.slot, inc: p.inc})
	}
}

// target picks the process a fault hits: mostly the leader, when there is
// one, else any live process.
func (s *Sim) target() *proc {
	if s.rng.IntN(10) < 7 {
		for i := range s.p.n {
			if q := &s.procs[i]; q.alive && q.started && q.m.Role() == core.RoleLeader {
				return q
			}
		}
	}
	var live [maxSlots]*proc
	n := 0
	for i := range s.p.n {
		if q := &s.procs[i]; q.alive && q.started {
			live[n] = q
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return live[s.rng.IntN(n)]
}

// crash kills p's process: no more inputs, its authority ends now. An
// operation it had in flight may still apply. It restarts later.
func (s *Sim) crash(p *proc) {
	s.res.Counts.Crashes++
	s.trace(tentry{kind: tFault, a: fcCrash}, p, p.clk.local(s.now))
	leading := p.open && p.ivEnd > s.now
	if p.open {
		s.closeIv(p, min(s.now, p.ivEnd))
	}
	s.exit(p)
	clean := s.faultUntil < s.now-s.p.bound
	s.markFault(s.now) // drops a check another crash started
	if leading && clean {
		s.armFailover(p)
	}
	for i := range s.p.n {
		if q := &s.procs[i]; q.alive && q.watchArmed && q.watchVer == s.st.ver && s.holderGone() {
			s.fireWatch(q, core.WatchHolderGone)
		}
	}
}

// exit ends p's incarnation (a crash, or its machine stopped) and
// schedules a restart.
func (s *Sim) exit(p *proc) {
	p.alive, p.paused, p.open = false, false, false
	for _, e := range p.deferred {
		e.at = s.now
		s.q.push(e) // stale now; pushed back so that their ops are released
	}
	p.deferred = p.deferred[:0]
	s.q.push(event{at: s.now + s.rng.Int64N(s.p.restartMax+1), kind: evRestart, slot: p.slot})
}

// restart starts a new process in p's slot, with the same identity or,
// as a new host would be, a new one.
func (s *Sim) restart(p *proc) {
	if p.alive {
		return
	}
	if s.rng.Uint32() < s.p.pNewIdent {
		p.ident = s.newIdentity()
	}
	s.res.Counts.Restarts++
	s.start(p, 0)
	s.trace(tentry{kind: tFault, a: fcRestart, s: p.ident}, p, p.clk.local(s.now))
}

// pause stops p's process for longer than the lease, on every clock: no
// input reaches it until it resumes. Its clock runs on, and so does the
// authority it had; an operation it had in flight may apply.
func (s *Sim) pause(p *proc) {
	if p.paused {
		return
	}
	ld := float64(s.p.lease) / s.p.rmin
	d := int64(ld * (1 + 2*s.rng.Float64()))
	if s.rng.IntN(3) == 0 {
		d = s.rng.Int64N(int64(ld)) // a shorter one
	}
	p.paused = true
	s.res.Counts.Pauses++
	s.markFault(s.now + d)
	s.trace(tentry{kind: tFault, a: fcPause, b: s.now + d}, p, p.clk.local(s.now))
	s.q.push(event{at: s.now + d, kind: evResume, slot: p.slot, inc: p.inc})
}

// resume delivers what arrived during the pause, in random order: a woken
// process finds its timer, its answer and its deadline all ready at once.
func (s *Sim) resume(p *proc) {
	p.paused = false
	s.markFault(s.now)
	s.trace(tentry{kind: tFault, a: fcResume}, p, p.clk.local(s.now))
	d := p.deferred
	for i := len(d) - 1; i > 0; i-- {
		j := s.rng.IntN(i + 1)
		d[i], d[j] = d[j], d[i]
	}
	for _, e := range d {
		e.at = s.now
		s.q.push(e)
	}
	p.deferred = d[:0]
}

// trace records an entry for process p (nil: the store) at local time.
func (s *Sim) trace(e tentry, p *proc, local int64) {
	e.at = s.now
	if p != nil {
		e.slot, e.inc, e.local = p.slot, p.inc, local
	}
	s.tr.add(e)
}

func (s *Sim) traceInput(p *proc, local int64, in core.Input) {
	e := tentry{kind: tInput, a: uint8(in.Kind), c: errCode(in.Err), ver: max(parseVer(in.Version), 0)}
	switch in.Kind {
	case core.InputGot:
		e.s, e.term = in.Record.HolderIdentity, in.Record.Term
	case core.InputWatch:
		e.b = int64(in.Watch)
	}
	s.trace(e, p, local)
}

// traceParams prints the run's parameters at the start of a trace.
func (s *Sim) traceParams() {
	p := &s.p
	s.opt.Trace(fmt.Sprintf("seed %d control=%s n=%d watch=%v steady=%v edge=%v mixed=%v init=%d",
		s.res.Seed, s.opt.Control, p.n, p.watch, p.steady, p.edge, p.mixed, p.init))
	s.opt.Trace(fmt.Sprintf("  latency<=%s errors=%.3f lost=%.3f slow=%.4f faultGap=%s weights(crash,pause,resign,stop)=%v failoverBound=%s",
		time.Duration(p.latMax), float64(p.pErr)/(1<<32), float64(p.pLost)/(1<<32), float64(p.pSlow)/(1<<32),
		time.Duration(p.faultGap), p.weights, time.Duration(p.bound)))
	for i := range p.n {
		k, c := p.clocks[i], p.cfgs[i]
		s.opt.Trace(fmt.Sprintf("  p%d clock offset=%s rate=%.6f lease=%s renew=%s retry=%s termLimit=%s once=%v",
			i, time.Duration(k.off), k.rate(), c.LeaseDuration, c.RenewDeadline, c.RetryPeriod, c.TermLimit, c.Once))
	}
}
