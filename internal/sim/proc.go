package sim

import (
	"context"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// deliver hands an event to its live, running process.
func (s *Sim) deliver(p *proc, e event) {
	switch e.kind {
	case evStart:
		p.started = true
		s.step(p, core.Input{Kind: core.InputTick})
	case evTick:
		if p.waiting && e.id == p.waitID {
			p.waiting = false
			s.step(p, core.Input{Kind: core.InputTick})
		}
	case evReply:
		o := &s.ops[e.id]
		if p.inFlight && o.callID == p.callID {
			in := s.answer(o)
			s.unref(e.id)
			p.inFlight = false
			s.step(p, in)
			return
		}
		s.unref(e.id)
	case evDeadline:
		if p.inFlight && e.id == p.callID {
			p.inFlight = false
			s.res.Counts.Deadlines++
			s.markFault(s.now)
			s.step(p, core.Input{Kind: inputFor(p.callOp), Err: context.DeadlineExceeded})
		}
	case evWatch:
		if p.waiting && e.id == p.waitID {
			s.res.Counts.Watches++
			if core.WatchEvent(e.arg) == core.WatchHolderGone {
				s.res.Counts.HolderGone++
			}
			s.step(p, core.Input{Kind: core.InputWatch, Watch: core.WatchEvent(e.arg), Version: verName(e.ver)})
		}
	case evResign:
		s.step(p, core.Input{Kind: core.InputResign})
	case evStop:
		s.step(p, core.Input{Kind: core.InputStop})
	}
}

func inputFor(o core.Op) core.InputKind {
	if o == core.OpGet {
		return core.InputGot
	}
	return core.InputWritten
}

// answer is the input that reports op o's outcome to its process.
func (s *Sim) answer(o *op) core.Input {
	in := core.Input{Kind: inputFor(o.kind)}
	switch o.fault {
	case opErr:
		in.Err = errLock
	case opLost:
		in.Err = errLost
	default:
		in.Err = o.resErr
		if in.Err == nil {
			in.Version = verName(o.resVer)
			in.Record = o.resRec
		}
	}
	return in
}

// step feeds in to p's machine at p's local time now, then checks what
// the machine reports and does what it asks.
func (s *Sim) step(p *proc, in core.Input) {
	local := p.clk.local(s.now)
	in.Now = epoch.Add(time.Duration(local))
	out := p.m.Step(in)
	s.traceInput(p, local, in)
	for _, ev := range out.Events {
		s.onEvent(p, local, ev)
	}
	s.observe(p)
	s.act(p, local, out.Action)
	if s.opt.Control == ControlTrustTimestamps && in.Kind == core.InputGot && in.Err == nil {
		s.trustTimestamps(p, local, in)
	}
}

// trustTimestamps is the broken driver of ControlTrustTimestamps: it judges
// the lease by the record's timestamps on its own clock, and tells the
// machine the holder is gone when they say the lease ran out.
func (s *Sim) trustTimestamps(p *proc, local int64, in core.Input) {
	r := in.Record
	if r.HolderIdentity == "" || r.HolderIdentity == p.ident || !p.alive || p.inFlight {
		return
	}
	if local >= int64(r.RenewTime.Sub(epoch)+r.LeaseDuration) {
		s.step(p, core.Input{Kind: core.InputWatch, Watch: core.WatchHolderGone, Version: in.Version})
	}
}

// act does what the machine asked for.
func (s *Sim) act(p *proc, local int64, a core.Action) {
	switch a.Op {
	case core.OpWait:
		until := int64(a.Until.Sub(epoch))
		if p.waiting && until == p.waitUntil {
			return // the same wait goes on
		}
		if p.inFlight {
			s.violate("driver", "the machine asked to wait while its call is in flight")
			return
		}
		p.waitID++
		p.waiting, p.waitUntil = true, until
		s.trace(tentry{kind: tAction, a: uint8(a.Op), b: until, ver: max(parseVer(a.Version), 0)}, p, local)
		s.q.push(event{at: max(s.now, p.clk.toTrue(until)), kind: evTick, slot: p.slot, inc: p.inc, id: p.waitID})
		p.watchArmed = false
		if s.p.watch && a.Version != "" {
			s.watch(p, parseVer(a.Version))
		}
	case core.OpGet, core.OpCreate, core.OpUpdate:
		if !p.inFlight {
			s.trace(tentry{kind: tAction, a: uint8(a.Op), b: int64(a.Deadline.Sub(epoch)),
				ver: max(parseVer(a.Version), 0), s: a.Record.HolderIdentity, term: a.Record.Term}, p, local)
			s.issue(p, a)
		}
	case core.OpDone:
		s.trace(tentry{kind: tFault, a: fcDone}, p, local)
		s.markFault(s.now)
		s.exit(p)
	}
}

// issue makes the call a asks for: it picks the latency and the faults,
// and schedules the instant the store applies it and the answer.
func (s *Sim) issue(p *proc, a core.Action) {
	p.callID++
	p.inFlight, p.callOp = true, a.Op
	p.waitID++
	p.waiting, p.watchArmed = false, false
	idx := s.allocOp()
	o := &s.ops[idx]
	*o = op{kind: a.Op, slot: p.slot, inc: p.inc, ident: p.ident, callID: p.callID,
		rec: a.Record, issue: p.clk.local(s.now), refs: 1, verN: -1}
	if a.Op == core.OpUpdate {
		o.verN = parseVer(a.Version)
	}
	lat := s.p.latMax
	if lat > 0 {
		lat = s.rng.Int64N(lat + 1)
	}
	switch r := s.rng.Uint32(); {
	case r < s.p.pErr:
		o.fault = opErr
		s.res.Counts.LockErrors++
	case r-s.p.pErr < s.p.pLost:
		o.fault = opLost
		s.res.Counts.LostAnswers++
	case r-s.p.pErr-s.p.pLost < s.p.pSlow:
		o.fault = opSlow
		s.res.Counts.SlowOps++
		lat += s.rng.Int64N(s.p.slowMax + 1)
	}
	dl := max(p.clk.toTrue(int64(a.Deadline.Sub(epoch))), s.now)
	if o.fault == opOK && dl-s.now > lat && s.rng.Uint32() < s.p.pEdge {
		lat = dl - s.now // the answer and the deadline at the same instant
		if lat > s.p.latMax {
			o.fault = opLate // longer than a normal latency
		}
	}
	reply := s.now + lat
	if o.fault != opErr {
		o.refs++
		s.q.push(event{at: s.now + s.rng.Int64N(lat+1), kind: evApply, id: uint32(idx)})
	}
	// When the answer and the deadline come at once, either may win, as
	// in a select: the order of the two pushes decides.
	deadline := event{at: dl, kind: evDeadline, slot: p.slot, inc: p.inc, id: p.callID}
	first := dl <= reply && s.rng.IntN(2) == 0
	if first {
		s.q.push(deadline)
	}
	s.q.push(event{at: reply, kind: evReply, slot: p.slot, inc: p.inc, id: uint32(idx)})
	if dl <= reply && !first {
		s.q.push(deadline)
	}
	if o.fault != opOK {
		s.markFault(reply)
		if o.fault == opSlow {
			s.trace(tentry{kind: tFault, a: fcSlow, b: reply}, p, p.clk.local(s.now))
		}
	}
}

func (s *Sim) allocOp() int32 {
	if n := len(s.free); n > 0 {
		i := s.free[n-1]
		s.free = s.free[:n-1]
		return i
	}
	s.ops = append(s.ops, op{})
	return int32(len(s.ops) - 1)
}

func (s *Sim) unref(i uint32) {
	o := &s.ops[i]
	o.refs--
	if o.refs == 0 {
		*o = op{}
		s.free = append(s.free, int32(i))
	}
}

// apply linearizes op i at the store, now.
func (s *Sim) apply(i uint32) {
	o := &s.ops[i]
	st := &s.st
	o.applied = true
	switch {
	case o.kind == core.OpGet:
		if st.exists {
			o.resRec, o.resVer = st.rec, st.ver
		} else {
			o.resErr = core.ErrNotFound
		}
	case o.kind == core.OpCreate && st.exists,
		o.kind == core.OpUpdate && (!st.exists || o.verN != st.ver):
		o.resErr = core.ErrConflict
	default:
		s.write(o)
	}
	s.trace(tentry{kind: tApply, a: uint8(o.kind), c: errCode(o.resErr), ver: o.resVer,
		s: o.resRec.HolderIdentity, term: o.resRec.Term, b: int64(o.resRec.LeaseDuration),
		slot: o.slot, inc: o.inc}, nil, 0)
}

// write stores o's record as a new version, checking rule (b) first.
func (s *Sim) write(o *op) {
	st := &s.st
	r := o.rec
	if s.opt.Control == ControlShortLease {
		rd := s.p.cfgs[o.slot].RenewDeadline
		r.LeaseDuration = min(roundMs(float64(rd)*s.p.shortLease), rd)
	}
	r.LeaseDuration = roundLease(r.LeaseDuration)
	if msg := st.checkWrite(r, o.inc, o.slot, o.ident, o.issue); msg != "" {
		s.violate("b", msg)
	}
	st.exists, st.rec = true, r
	st.ver++
	st.writer, st.wslot = o.inc, o.slot
	o.resRec, o.resVer = r, st.ver
	for i := range s.p.n {
		if q := &s.procs[i]; q.alive && q.watchArmed && q.watchVer != st.ver {
			s.fireWatch(q, core.WatchChanged)
		}
	}
}

// watch arms p's watch on version v, as a core.Watcher would: it fires at
// once when the record already moved, or when its holder is already gone.
func (s *Sim) watch(p *proc, v int64) {
	p.watchVer, p.watchArmed = v, true
	switch {
	case v != s.st.ver:
		s.fireWatch(p, core.WatchChanged)
	case s.holderGone():
		s.fireWatch(p, core.WatchHolderGone)
	}
}

// holderGone reports whether the current record has a holder whose process
// has exited, as the file lock learns from the holder's dropped flock.
func (s *Sim) holderGone() bool {
	if s.st.rec.HolderIdentity == "" {
		return false
	}
	if s.st.writer < 0 {
		return true // written before the run by a process that is gone
	}
	w := &s.procs[s.st.wslot]
	return w.inc != s.st.writer || !w.alive
}

// fireWatch schedules p's watch notification after a latency.
func (s *Sim) fireWatch(p *proc, ev core.WatchEvent) {
	p.watchArmed = false
	at := s.now + s.rng.Int64N(s.p.latMax+1)
	s.q.push(event{at: at, kind: evWatch, slot: p.slot, inc: p.inc, id: p.waitID, ver: p.watchVer, arg: uint8(ev)})
}
