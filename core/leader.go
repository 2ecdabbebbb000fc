package core

import "time"

// yieldFactor × RetryPeriod is how long a candidate that gave up the lease
// stays out of the contest: longer than JitterFactor × RetryPeriod, the
// longest a waiting candidate goes between polls, so that a waiting
// candidate gets the lease first when there is one.
const yieldFactor = 2

// becomeLeader starts a term on the record just written (or adopted),
// whose write started at start.
func (m *Machine) becomeLeader(start time.Time) {
	m.role = RoleLeader
	m.term = m.obs.Term
	m.termStart, m.base = start, start
	m.yieldUntil = time.Time{}
	m.emit(Event{Kind: EventStartedLeading, Term: m.term})
	if self := m.cfg.Identity; m.reported != self {
		m.reported = self
		m.emit(Event{Kind: EventNewLeader, Identity: self})
	}
	m.leaderWait()
}

// authorityEnd is when this leader's authority ends unless it renews: the
// start of its last successful write plus RenewDeadline, or the end of its
// TermLimit if that comes first.
func (m *Machine) authorityEnd() time.Time {
	end := m.base.Add(m.cfg.RenewDeadline)
	if m.cfg.TermLimit > 0 {
		end = earlier(end, m.termStart.Add(m.cfg.TermLimit))
	}
	return end
}

// checkAuthority steps down when the leader's renew deadline or term
// limit has passed, and reports whether it still leads.
func (m *Machine) checkAuthority() bool {
	if !m.now.Before(m.base.Add(m.cfg.RenewDeadline)) {
		m.stepDown(ReasonRenewDeadline)
		return false
	}
	if m.cfg.TermLimit > 0 && !m.now.Before(m.termStart.Add(m.cfg.TermLimit)) {
		m.stepDown(ReasonTermLimit)
		return false
	}
	return true
}

// leaderTick renews when a renewal is due.
func (m *Machine) leaderTick() {
	if !m.checkAuthority() {
		return
	}
	if m.now.Before(m.base.Add(m.cfg.RetryPeriod)) {
		m.leaderWait()
		return
	}
	rec := m.obs
	rec.LeaseDuration = m.cfg.LeaseDuration
	rec.RenewTime = m.now
	rec.Seq = m.nextSeq()
	m.call(pendRenew, rec, m.obsVer, m.authorityEnd())
}

// leaderWait waits for the next renewal, or the end of the term.
func (m *Machine) leaderWait() {
	t := m.base.Add(m.cfg.RetryPeriod)
	if m.cfg.TermLimit > 0 {
		t = earlier(t, m.termStart.Add(m.cfg.TermLimit))
	}
	m.wait(t)
}

// leaderGot handles a read the leader made after a conflict on renewal.
func (m *Machine) leaderGot(rec Record, ver Version) {
	if rec.HolderIdentity == m.cfg.Identity && rec.Term == m.term {
		// The record moved to a write of ours whose answer was lost. Take
		// its version, keep the authority of the last confirmed write, and
		// renew at once.
		m.observe(rec, ver)
		m.ownVer = ver
		m.waitUntil = time.Time{}
		m.leaderTick()
		return
	}
	m.stepDown(ReasonLost)
	if m.role == RoleDone {
		return
	}
	m.observe(rec, ver)
	m.decide()
}

// stepDown ends leadership for reason. Unless the lease was lost to
// another writer, the leader then releases it (once no call is pending),
// so that the next candidate need not wait for it to expire.
func (m *Machine) stepDown(reason StopReason) {
	ev := Event{Kind: EventStoppedLeading, Term: m.term, Reason: reason}
	if reason == ReasonRenewDeadline {
		ev.Err = m.lastErr
	}
	m.emit(ev)
	m.role = RoleCandidate
	m.term = 0
	if reason == ReasonLost {
		m.releaseWanted = false
		if m.cfg.Once {
			m.role = RoleDone
		}
		return
	}
	if (reason == ReasonResigned || reason == ReasonTermLimit) && !m.cfg.Once {
		m.yieldUntil = m.now.Add(yieldFactor * m.cfg.RetryPeriod)
	}
	m.releaseWanted = true
	if m.pend == pendNone {
		m.release()
	}
}

// release writes a record without a holder over our own version.
func (m *Machine) release() {
	m.releaseWanted = false
	if !m.haveObs || m.obsVer != m.ownVer || m.obs.HolderIdentity != m.cfg.Identity {
		m.afterRelease() // nothing of ours is current
		return
	}
	rec := m.obs
	rec.HolderIdentity = ""
	rec.RenewTime = m.now
	rec.Seq = m.nextSeq()
	m.call(pendRelease, rec, m.ownVer, m.now.Add(m.cfg.RenewDeadline))
}
