package core

import "time"

// Op is what the machine asks its driver to do next.
type Op uint8

const (
	// OpWait: do nothing until Action.Until, then Step an InputTick. If
	// Action.Version is set and the Lock is a Watcher, watch that version
	// meanwhile and Step an InputWatch when the watch fires.
	OpWait Op = iota
	// OpGet: call Lock.Get, then Step an InputGot with its results.
	OpGet
	// OpCreate: call Lock.Create(Action.Record), then Step an InputWritten.
	OpCreate
	// OpUpdate: call Lock.Update(Action.Record, Action.Version), then Step
	// an InputWritten.
	OpUpdate
	// OpDone: the machine has stopped (Config.Once, or InputStop); it takes
	// no more input.
	OpDone
)

var opNames = [...]string{"wait", "get", "create", "update", "done"}

// String returns the op's lower-case name.
func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return "op?"
}

// Action is the next thing the driver must do. Fields not named for the
// Op are zero.
type Action struct {
	Op Op

	// Record is the record to write, for OpCreate and OpUpdate.
	Record Record

	// Version is the precondition for OpUpdate, and for OpWait the version
	// to watch (empty when there is nothing worth watching).
	Version Version

	// Until is when an OpWait ends: the driver Steps an InputTick then.
	Until time.Time

	// Deadline is when the driver must abandon an OpGet, OpCreate or
	// OpUpdate (as the call's context deadline) and Step its result with
	// the context's error. For the leader it is the end of its authority,
	// so a hung call can never keep it leading.
	Deadline time.Time
}

// EventKind says what happened.
type EventKind uint8

const (
	// EventStartedLeading: this candidate leads, in Event.Term.
	EventStartedLeading EventKind = iota + 1
	// EventStoppedLeading: this candidate stopped leading Event.Term, for
	// Event.Reason. It always follows an EventStartedLeading, once.
	EventStoppedLeading
	// EventNewLeader: a holder other than the last reported one was
	// observed, Event.Identity (possibly this candidate).
	EventNewLeader
)

var eventNames = [...]string{"", "started-leading", "stopped-leading", "new-leader"}

// String returns the event kind's name.
func (k EventKind) String() string {
	if int(k) < len(eventNames) && k != 0 {
		return eventNames[k]
	}
	return "event?"
}

// StopReason says why leadership ended.
type StopReason uint8

const (
	// ReasonResigned: the driver asked the leader to step down
	// (InputResign): the task was done, or the caller gave up the lease.
	ReasonResigned StopReason = iota + 1
	// ReasonTermLimit: Config.TermLimit passed.
	ReasonTermLimit
	// ReasonRenewDeadline: no renewal succeeded within RenewDeadline.
	ReasonRenewDeadline
	// ReasonLost: the record changed under the leader: someone else wrote.
	ReasonLost
	// ReasonShutdown: the driver stopped the machine (InputStop).
	ReasonShutdown
)

var reasonNames = [...]string{"", "resigned", "term-limit", "renew-deadline", "lost", "shutdown"}

// String returns the reason's name.
func (r StopReason) String() string {
	if int(r) < len(reasonNames) && r != 0 {
		return reasonNames[r]
	}
	return "reason?"
}

// Event is something that happened during one Step.
type Event struct {
	Kind     EventKind
	Reason   StopReason // EventStoppedLeading
	Term     int64      // EventStartedLeading, EventStoppedLeading
	Identity string     // EventNewLeader
	Err      error      // EventStoppedLeading for ReasonRenewDeadline: the last lock error
}

// InputKind says what an Input reports.
type InputKind uint8

const (
	// InputTick: time passed; the wait of an OpWait ended, or the driver
	// starts the machine. The first input of a machine is a tick.
	InputTick InputKind = iota + 1
	// InputGot: the result of OpGet in Record, Version and Err.
	InputGot
	// InputWritten: the result of OpCreate or OpUpdate in Version and Err.
	InputWritten
	// InputWatch: a Watcher reported Watch for Version.
	InputWatch
	// InputResign: give up leadership now and release the lease. In Once
	// mode the machine then stops, also when it was not leading (the task
	// was done elsewhere); otherwise it yields and campaigns again.
	InputResign
	// InputStop: stop the machine, releasing the lease if it leads.
	InputStop
)

// Input is one input to Step. Now is required on every input: the time the
// driver read from its clock (with Go's monotonic reading) when the input
// happened. A Now earlier than an earlier input's is taken as the earlier
// one: the machine's time never goes back.
type Input struct {
	Kind    InputKind
	Now     time.Time
	Record  Record     // InputGot
	Version Version    // InputGot, InputWritten, InputWatch
	Err     error      // InputGot, InputWritten
	Watch   WatchEvent // InputWatch
}

// Output is the result of one Step: the next action, and the events that
// happened in order. Events aliases the machine's memory and is valid until
// the next Step.
type Output struct {
	Action Action
	Events []Event
}

// Role is where a machine stands.
type Role uint8

const (
	// RoleCandidate: campaigning or following another holder.
	RoleCandidate Role = iota
	// RoleLeader: holds the lease (check IsLeader for authority now).
	RoleLeader
	// RoleDone: stopped.
	RoleDone
)

var roleNames = [...]string{"candidate", "leader", "done"}

// String returns the role's name.
func (r Role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return "role?"
}

// pending names the call the driver is making on the machine's behalf.
type pending uint8

const (
	pendNone pending = iota
	pendGet
	pendCreate  // acquire by creating the record
	pendAcquire // acquire by updating a free record
	pendRenew
	pendRelease
)

// Machine is one candidate's election state machine. It reads no clock,
// starts no goroutine and does no I/O: the driver feeds it inputs with the
// time, does what its Action says, and feeds back the result. It is not
// safe for concurrent use.
type Machine struct {
	cfg  Config
	span time.Duration // jitter span: (JitterFactor-1) × RetryPeriod
	now  time.Time
	role Role

	// The latest observation of the store.
	obs      Record
	obsVer   Version
	obsAt    time.Time // when this version was first seen, on our clock
	haveObs  bool      // a record was read (false: none, or not read yet)
	gone     bool      // a Watcher reported the holder of obsVer gone
	fired    Version   // the last version a Watcher reported on: never watched again
	reported string    // the last holder reported in EventNewLeader

	// Leadership.
	term      int64
	termStart time.Time
	base      time.Time // start of the last successful write while leading
	ownVer    Version   // version of our last confirmed write
	seq       int64     // the highest seq seen or written
	maxTerm   int64     // the highest term seen or written

	// A write of ours whose outcome is unknown (a lock error, not a
	// conflict): it may have been applied.
	unconf      bool
	unconfStart time.Time
	unconfTerm  int64

	yieldUntil time.Time // no acquisition before this
	waitUntil  time.Time // end of the current OpWait
	stopAfter  bool      // stop once the current call has returned
	resignReq  bool      // resign once the current call has returned
	// releaseWanted: leadership ended by our own decision; write a
	// released record once no call is pending.
	releaseWanted bool
	lastErr       error

	pend      pending
	pendStart time.Time // the record and version of the call are in action

	action Action
	events [4]Event
	nev    int
}

// NewMachine returns a machine for cfg, or the error that names the rule
// cfg breaks. Start it with an InputTick.
func NewMachine(cfg Config) (*Machine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return newMachine(cfg), nil
}

func newMachine(cfg Config) *Machine {
	return &Machine{cfg: cfg, span: jittered(cfg.RetryPeriod) - cfg.RetryPeriod}
}

// Step feeds one input to the machine and returns what to do next and
// what happened. It never blocks, and does not allocate.
func (m *Machine) Step(in Input) Output {
	m.nev = 0
	if in.Now.After(m.now) || m.now.IsZero() {
		m.now = in.Now
	}
	if m.role != RoleDone {
		switch in.Kind {
		case InputTick:
			m.tick()
		case InputGot:
			if m.pend == pendGet {
				m.pend = pendNone
				m.got(in.Record, in.Version, in.Err)
			}
		case InputWritten:
			if m.pend >= pendCreate {
				p := m.pend
				m.pend = pendNone
				m.written(p, in.Version, in.Err)
			}
		case InputWatch:
			m.watched(in.Watch, in.Version)
		case InputResign:
			m.resignReq = true
		case InputStop:
			m.stopAfter = true
		}
		if m.pend == pendNone {
			m.settle()
		}
	}
	if m.role == RoleDone {
		m.action = Action{Op: OpDone}
	}
	return Output{Action: m.action, Events: m.events[:m.nev]}
}

// settle runs after every input once no call is pending: it applies what
// was deferred while a call was in flight (a release, a resignation, a
// stop) and the leader's deadlines.
func (m *Machine) settle() {
	if m.role == RoleLeader && !m.checkAuthority() {
		return // stepped down; the release is under way
	}
	if m.releaseWanted && m.role == RoleCandidate {
		m.release()
		return
	}
	if !m.resignReq && !m.stopAfter {
		return
	}
	reason := ReasonResigned
	if m.stopAfter {
		reason = ReasonShutdown
	}
	m.resignReq = false
	switch {
	case m.role == RoleLeader:
		m.stepDown(reason)
	case m.stopAfter || m.cfg.Once:
		m.role = RoleDone
	}
}

// emit records an event of this step.
func (m *Machine) emit(e Event) {
	if m.nev < len(m.events) {
		m.events[m.nev] = e
		m.nev++
	}
}

// jitter returns a random duration in [RetryPeriod, JitterFactor × RetryPeriod).
func (m *Machine) jitter() time.Duration {
	d := m.cfg.RetryPeriod
	if m.span > 0 {
		d += time.Duration(m.cfg.Rand.Uint64() % uint64(m.span))
	}
	return d
}

// call asks the driver for a Get, Create or Update.
func (m *Machine) call(p pending, rec Record, ver Version, deadline time.Time) {
	m.pend = p
	m.pendStart = m.now
	op := OpGet
	switch p {
	case pendCreate:
		op = OpCreate
	case pendAcquire, pendRenew, pendRelease:
		op = OpUpdate
	}
	if op == OpGet || op == OpCreate {
		ver = ""
	}
	if op == OpGet {
		rec = Record{}
	}
	m.action = Action{Op: op, Record: rec, Version: ver, Deadline: deadline}
}

// wait asks the driver to wait until t, watching the observed version
// when there is a holder worth watching.
func (m *Machine) wait(t time.Time) {
	m.waitUntil = t
	var watch Version
	if m.role != RoleLeader && m.haveObs && m.obsVer != m.fired {
		watch = m.obsVer
	}
	m.action = Action{Op: OpWait, Until: t, Version: watch}
}

// tick handles the passing of time.
func (m *Machine) tick() {
	if m.pend != pendNone {
		if m.role == RoleLeader {
			m.checkAuthority() // a hung call never extends authority
		}
		return
	}
	if m.now.Before(m.waitUntil) {
		return // early: keep waiting
	}
	if m.role == RoleLeader {
		m.leaderTick()
		return
	}
	m.read()
}

// read asks the driver to read the record.
func (m *Machine) read() {
	m.call(pendGet, Record{}, "", m.now.Add(m.cfg.RenewDeadline))
}

// IsLeader reports whether this candidate leads at now: it holds the
// lease and now is before the start of its last successful renewal plus
// RenewDeadline (and before the end of its TermLimit). It needs no input to
// turn false: a leader paused past its deadline is no longer leader.
func (m *Machine) IsLeader(now time.Time) bool {
	return m.role == RoleLeader && now.Before(m.authorityEnd())
}

// LeaderUntil returns when this candidate's authority ends if it does not
// renew, or the zero time when it does not lead.
func (m *Machine) LeaderUntil() time.Time {
	if m.role != RoleLeader {
		return time.Time{}
	}
	return m.authorityEnd()
}

// Term returns the term this candidate leads, its fencing token, or 0
// when it does not lead.
func (m *Machine) Term() int64 {
	if m.role != RoleLeader {
		return 0
	}
	return m.term
}

// Leader returns the holder of the latest observed record, or "" when the
// lease is released or no record was read.
func (m *Machine) Leader() string {
	if !m.haveObs {
		return ""
	}
	return m.obs.HolderIdentity
}

// Role returns where the machine stands.
func (m *Machine) Role() Role { return m.role }

// Observed returns the latest record read or written, its version, and
// whether there is one.
func (m *Machine) Observed() (Record, Version, bool) {
	return m.obs, m.obsVer, m.haveObs
}

// LastError returns the latest lock error, or nil after a success.
func (m *Machine) LastError() error { return m.lastErr }

// Config returns the machine's configuration.
func (m *Machine) Config() Config { return m.cfg }
