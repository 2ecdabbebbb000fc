package sim

import (
	"fmt"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// onEvent checks an event a machine reported.
func (s *Sim) onEvent(p *proc, local int64, ev core.Event) {
	s.trace(tentry{kind: tEvent, a: uint8(ev.Kind), term: ev.Term, b: int64(ev.Reason), s: ev.Identity}, p, local)
	switch ev.Kind {
	case core.EventStartedLeading:
		s.res.Elections++
		if p.leading {
			s.violate("events", fmt.Sprintf("%s: started-leading term %d while leading", p.ident, ev.Term))
		}
		p.leading = true
		o, ok := s.st.owner(ev.Term)
		if !ok || o.inc != p.inc {
			s.violate("b", fmt.Sprintf("%s started leading term %d, which it did not acquire in the store", p.ident, ev.Term))
		}
	case core.EventStoppedLeading:
		if !p.leading {
			s.violate("events", fmt.Sprintf("%s: stopped-leading term %d without started-leading", p.ident, ev.Term))
		}
		p.leading = false
		if int(ev.Reason) < len(s.res.Counts.StoppedLeading) {
			s.res.Counts.StoppedLeading[ev.Reason]++
		}
		if ev.Reason == core.ReasonResigned || ev.Reason == core.ReasonTermLimit || ev.Reason == core.ReasonShutdown {
			s.markFault(s.now) // a leadership change of its own: not a failover
		}
	}
}

// observe updates p's leadership interval after p's machine took an input
// at the current true time. An interval is [start, end) in true time: it
// opens when IsLeader(local now) turns true, and ends at the true instant
// its LeaderUntil() is reached on p's clock, or earlier when the machine
// gives up or the process dies. Between inputs the machine cannot change,
// so the interval is exact, not sampled: it also covers a paused leader.
func (s *Sim) observe(p *proc) {
	local := p.clk.local(s.now)
	lead := p.m.IsLeader(epoch.Add(time.Duration(local)))
	if p.open {
		switch {
		case s.now >= p.ivEnd:
			s.closeIv(p, p.ivEnd)
		case !lead || p.m.Term() != p.ivTerm:
			s.closeIv(p, s.now)
		default:
			p.ivEnd = p.clk.toTrue(int64(p.m.LeaderUntil().Sub(epoch)))
			s.checkTermLimit(p, local)
			return
		}
	}
	if lead {
		s.openIv(p, local)
	}
	if p.open && !p.leading {
		s.violate("events", fmt.Sprintf("%s: IsLeader true without started-leading", p.ident))
	}
}

// sample checks (a) once more at this event boundary, directly: it asks
// every live machine IsLeader(its local now) and counts the leaders. It
// also cross-checks the intervals that observe keeps.
func (s *Sim) sample() {
	leaders := 0
	for i := range s.p.n {
		q := &s.procs[i]
		if !q.alive || !q.started {
			continue
		}
		lead := q.m.IsLeader(epoch.Add(time.Duration(q.clk.local(s.now))))
		if lead != (q.open && s.now < q.ivEnd) {
			s.violate("observer", fmt.Sprintf("%s: IsLeader=%v but the observer's interval says %v", q.ident, lead, !lead))
		}
		if lead {
			leaders++
		}
	}
	if leaders > 1 {
		s.violate("a", fmt.Sprintf("%d candidates answer IsLeader(now)=true at %s", leaders, fmtTrue(s.now)))
	}
}

// openIv opens p's leadership interval now and checks (a), (b), (c).
func (s *Sim) openIv(p *proc, local int64) {
	p.open, p.ivStart, p.ivTerm = true, s.now, p.m.Term()
	p.ivEnd = p.clk.toTrue(int64(p.m.LeaderUntil().Sub(epoch)))
	s.intervals++
	s.trace(tentry{kind: tLead, a: 1, term: p.ivTerm, b: p.ivEnd}, p, local)
	for i := range s.p.n {
		q := &s.procs[i]
		if q != p && q.open && q.ivEnd > s.now {
			s.violate("a", fmt.Sprintf("two leaders: %s (p%d#%d, term %d) leads from %s, while %s (p%d#%d, term %d) leads %s to %s",
				p.ident, p.slot, p.inc, p.ivTerm, fmtTrue(s.now), q.ident, q.slot, q.inc, q.ivTerm,
				fmtTrue(q.ivStart), fmtTrue(q.ivEnd)))
		}
	}
	if p.ivTerm < s.lastTerm || p.ivTerm == s.lastTerm && p.inc != s.lastInc {
		s.violate("b", fmt.Sprintf("%s leads term %d after term %d led: the fencing token went back",
			p.ident, p.ivTerm, s.lastTerm))
	}
	s.lastTerm, s.lastInc = p.ivTerm, p.inc
	if s.foArmed && s.now > s.foCrash {
		s.foArmed = false
		s.res.FailoverChecks++
		s.res.MaxFailover = max(s.res.MaxFailover, float64(s.now-s.foCrash)/float64(s.p.bound))
	}
	s.checkTermLimit(p, local)
}

func (s *Sim) closeIv(p *proc, at int64) {
	p.open = false
	s.trace(tentry{kind: tLead, a: 0, term: p.ivTerm, b: at}, p, p.clk.local(s.now))
}

// checkTermLimit checks (d): the leader's authority never reaches past
// TermLimit after it issued the write that acquired its term, on its clock.
func (s *Sim) checkTermLimit(p *proc, local int64) {
	tl := s.p.cfgs[p.slot].TermLimit
	if tl <= 0 {
		return
	}
	if s.opt.limitScale > 0 {
		tl = time.Duration(float64(tl) * s.opt.limitScale)
	}
	o, ok := s.st.owner(p.ivTerm)
	if !ok || o.inc != p.inc {
		return // reported by (b)
	}
	until := int64(p.m.LeaderUntil().Sub(epoch))
	if until-o.issue > int64(tl) {
		s.violate("d", fmt.Sprintf("%s leads term %d until %s on its clock, %s after acquiring it: TermLimit is %s",
			p.ident, p.ivTerm, time.Duration(until), time.Duration(until-o.issue), tl))
	}
}

// checkSteady checks (d) for TermLimit 0: a fault-free run has one term,
// one leadership interval, and it is still going at the end.
func (s *Sim) checkSteady() {
	var leader *proc
	for i := range s.p.n {
		if q := &s.procs[i]; q.open && q.ivEnd > s.now {
			leader = q
		}
	}
	if s.res.Elections != 1 || s.intervals != 1 || leader == nil {
		s.violate("d", fmt.Sprintf("fault-free run with TermLimit 0: %d elections, %d leadership intervals, leader at the end: %v; want 1, 1, true",
			s.res.Elections, s.intervals, leader != nil))
	}
}

// markFault notes that a fault has effects until the true time until; a
// failover check (c) whose window it touches is dropped.
func (s *Sim) markFault(until int64) {
	s.faultUntil = max(s.faultUntil, until)
	s.foArmed = false
}

// armFailover starts check (c) for a crash of the leader now, when
// another process runs. The caller checked that no other fault has effects
// within one bound before the crash.
func (s *Sim) armFailover(crashed *proc) {
	other := false
	for i := range s.p.n {
		if q := &s.procs[i]; q != crashed && q.alive {
			other = true
		}
	}
	if !other {
		return
	}
	s.foArmed, s.foCrash, s.foDeadline = true, s.now, s.now+s.p.bound
	s.foGen++
	s.q.push(event{at: s.foDeadline + 1, kind: evFailover, id: s.foGen})
}
