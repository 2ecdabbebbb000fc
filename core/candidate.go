package core

import (
	"errors"
	"time"
)

// got handles the result of an OpGet.
func (m *Machine) got(rec Record, ver Version, err error) {
	switch {
	case err == nil:
		m.lastErr = nil
		if m.role == RoleLeader {
			m.leaderGot(rec, ver)
			return
		}
		m.observe(rec, ver)
		m.decide()
	case errors.Is(err, ErrNotFound):
		m.lastErr = nil
		if m.role == RoleLeader {
			// Our record vanished: someone deleted it. There is nothing
			// of ours left to release.
			m.stepDown(ReasonLost)
			if m.role == RoleDone {
				return
			}
		}
		m.haveObs, m.obsVer, m.gone = false, "", false
		m.decide()
	default:
		m.lastErr = err
		t := m.now.Add(m.jitter())
		if m.role == RoleLeader {
			t = earlier(t, m.authorityEnd())
		}
		m.wait(t)
	}
}

// observe takes in a record read from the store. The lease of a version
// is timed from when this candidate first saw it, on its own clock.
func (m *Machine) observe(rec Record, ver Version) {
	if !m.haveObs || ver != m.obsVer {
		m.obsAt = m.now
		m.gone = false
	}
	m.obs, m.obsVer, m.haveObs = rec, ver, true
	m.seq = max(m.seq, rec.Seq)
	m.maxTerm = max(m.maxTerm, rec.Term)
	if h := rec.HolderIdentity; h != "" && h != m.reported {
		m.reported = h
		m.emit(Event{Kind: EventNewLeader, Identity: h})
	}
}

// decide is a candidate's choice after a fresh look at the store (or a
// watch's word that the holder is gone): acquire, or wait for the lease to
// end or the next poll, whichever comes first.
func (m *Machine) decide() {
	if !m.haveObs {
		if m.now.Before(m.yieldUntil) {
			m.wait(m.yieldUntil)
			return
		}
		m.acquire(pendCreate, Record{}, "")
		return
	}
	obs := m.obs
	self := m.cfg.Identity
	if m.unconf {
		if obs.HolderIdentity == self && obs.Term == m.unconfTerm {
			// A write of ours whose answer was lost was applied. It
			// started no earlier than the first such attempt.
			m.unconf = false
			m.ownVer = m.obsVer
			if m.now.Before(m.unconfStart.Add(m.cfg.RenewDeadline)) {
				m.becomeLeader(m.unconfStart)
				return
			}
		}
		m.unconf = false
	}
	free := obs.HolderIdentity == "" || m.gone ||
		(obs.HolderIdentity == self && m.obsVer == m.ownVer) ||
		!m.now.Before(m.expiry())
	if !free {
		m.wait(earlier(m.now.Add(m.jitter()), m.expiry()))
		return
	}
	if m.now.Before(m.yieldUntil) {
		m.wait(m.yieldUntil)
		return
	}
	m.acquire(pendAcquire, obs, m.obsVer)
}

// expiry is when the observed lease ends on this candidate's clock: the
// holder's lease duration, as the record states it, after the version was
// first seen. A record without a lease duration gets this candidate's own.
func (m *Machine) expiry() time.Time {
	lease := m.obs.LeaseDuration
	if lease <= 0 {
		lease = m.cfg.LeaseDuration
	}
	return m.obsAt.Add(lease)
}

// acquire writes a record that makes this candidate the holder in a new
// term: by Create when there is no record, else by Update of prev at ver.
func (m *Machine) acquire(p pending, prev Record, ver Version) {
	rec := Record{
		HolderIdentity:    m.cfg.Identity,
		LeaseDuration:     m.cfg.LeaseDuration,
		AcquireTime:       m.now,
		RenewTime:         m.now,
		LeaderTransitions: prev.LeaderTransitions,
		Term:              max(prev.Term, m.maxTerm) + 1,
		Seq:               m.nextSeq(),
	}
	if p == pendAcquire && prev.HolderIdentity != m.cfg.Identity {
		rec.LeaderTransitions++
	}
	m.call(p, rec, ver, m.now.Add(m.cfg.RenewDeadline))
}

func (m *Machine) nextSeq() int64 {
	m.seq++
	return m.seq
}

// written handles the result of an OpCreate or OpUpdate.
func (m *Machine) written(p pending, ver Version, err error) {
	switch {
	case err == nil:
		m.lastErr = nil
		m.unconf = false
		m.obs, m.obsVer, m.obsAt, m.haveObs, m.gone = m.action.Record, ver, m.now, true, false
		m.ownVer = ver
		m.maxTerm = max(m.maxTerm, m.action.Record.Term)
		switch p {
		case pendCreate, pendAcquire:
			if m.now.Before(m.pendStart.Add(m.cfg.RenewDeadline)) {
				m.becomeLeader(m.pendStart)
			} else {
				m.decide() // too late to lead on it: the record is ours, take it again
			}
		case pendRenew:
			if m.role == RoleLeader {
				m.base = m.pendStart
				m.leaderWait()
			} else if !m.releaseWanted {
				m.decide()
			}
		case pendRelease:
			m.afterRelease()
		}
	case errors.Is(err, ErrConflict):
		if p == pendRelease {
			m.afterRelease()
			return
		}
		m.releaseWanted = false // the record moved: nothing of ours to release
		if m.role == RoleLeader {
			m.call(pendGet, Record{}, "", m.authorityEnd())
			return
		}
		m.read()
	default:
		m.lastErr = err
		switch p {
		case pendCreate, pendAcquire:
			if !m.unconf {
				m.unconf, m.unconfStart, m.unconfTerm = true, m.pendStart, m.action.Record.Term
			}
			m.wait(m.now.Add(m.jitter()))
		case pendRenew:
			if m.role == RoleLeader {
				m.wait(earlier(m.now.Add(m.jitter()), m.authorityEnd()))
			} else if !m.releaseWanted {
				m.wait(m.now.Add(m.jitter()))
			}
		case pendRelease:
			m.afterRelease()
		}
	}
}

// afterRelease follows a release attempt, whatever its outcome.
func (m *Machine) afterRelease() {
	if m.cfg.Once || m.stopAfter {
		m.role = RoleDone
		return
	}
	m.wait(later(m.now.Add(m.jitter()), m.yieldUntil))
}

// watched handles a Watcher's report about version ver.
func (m *Machine) watched(ev WatchEvent, ver Version) {
	if m.role != RoleCandidate || !m.haveObs || ver != m.obsVer {
		return // stale, or nothing a candidate waits for
	}
	// A Watcher reports once per watch: never ask to watch this version
	// again, or a holder known gone would be reported over and over.
	m.fired = ver
	if ev == WatchHolderGone {
		m.gone = true
	}
	if m.pend != pendNone || m.now.Before(m.yieldUntil) {
		if m.action.Op == OpWait {
			m.action.Version = "" // told already: stop watching it
		}
		return
	}
	if ev == WatchHolderGone {
		m.decide() // the compare-and-swap on ver guards against any change since
		return
	}
	m.read()
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
