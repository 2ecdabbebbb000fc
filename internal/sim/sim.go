package sim

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// epoch is local time 0 of every simulated clock.
var epoch = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// Errors the simulated store gives.
var (
	errLock = errors.New("sim: injected lock error")
	errLost = errors.New("sim: answer lost after the write was applied")
)

// Options change how a run is checked and reported. The zero value runs the
// shipped machine and keeps the last events for a violation's trace.
type Options struct {
	// Control selects a negative control (a broken variant).
	Control Control

	// Trace, when set, receives every event of the run as a line.
	Trace func(line string)

	// TraceTail is how many of the last events a violation keeps (default 40).
	TraceTail int

	// boundScale scales the failover bound of check (c); tests shrink it to
	// show the check can fail. 0 means 1.
	boundScale float64

	// steadyFaults gives the fault-free runs (TermLimit 0) resignations
	// nonetheless; tests use it to show that check (d) can fail.
	steadyFaults bool

	// limitScale scales the TermLimit that check (d) holds the leader to;
	// tests shrink it to show the check can fail. 0 means 1.
	limitScale float64
}

// Violation is the first broken rule of a run.
type Violation struct {
	Check string        // "a" overlap, "b" terms, "c" failover, "d" term limit, "driver"
	At    time.Duration // true time since the start of the run
	Msg   string
	Trace []string // the last events before it, oldest first
}

// String formats the violation with its trace.
func (v *Violation) String() string {
	var b strings.Builder
	b.WriteString("violation (" + v.Check + ") at " + fmtTrue(int64(v.At)) + ": " + v.Msg + "\n")
	for _, l := range v.Trace {
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}

// Result is what one run (one seed) did.
type Result struct {
	Seed           uint64
	Elections      int // acquisitions: EventStartedLeading reported by a machine
	Events         int // simulation events processed
	SimTime        time.Duration
	Steady         bool    // a fault-free run with TermLimit 0 (one term expected)
	FailoverChecks int     // leader crashes whose failover bound was checked
	MaxFailover    float64 // longest checked failover as a fraction of its bound
	Counts         Counts
	Violation      *Violation
}

// Counts says how often each fault and each notable outcome occurred, to
// show what a batch of runs covered.
type Counts struct {
	Crashes, Pauses, Resigns, Stops, Restarts   int
	LockErrors, LostAnswers, SlowOps, Deadlines int
	Watches, HolderGone                         int
	// Step-downs by reason, indexed by core.StopReason.
	StoppedLeading [6]int
}

// String lists the counts on one line.
func (c Counts) String() string {
	s := fmt.Sprintf("crashes=%d pauses=%d resigns=%d stops=%d restarts=%d lock-errors=%d lost-answers=%d slow-ops=%d deadlines=%d watches=%d holder-gone=%d",
		c.Crashes, c.Pauses, c.Resigns, c.Stops, c.Restarts, c.LockErrors, c.LostAnswers, c.SlowOps, c.Deadlines, c.Watches, c.HolderGone)
	for r := core.ReasonResigned; int(r) < len(c.StoppedLeading); r++ {
		s += " stopped-" + r.String() + "=" + strconv.Itoa(c.StoppedLeading[r])
	}
	return s
}

func (c *Counts) add(o Counts) {
	c.Crashes += o.Crashes
	c.Pauses += o.Pauses
	c.Resigns += o.Resigns
	c.Stops += o.Stops
	c.Restarts += o.Restarts
	c.LockErrors += o.LockErrors
	c.LostAnswers += o.LostAnswers
	c.SlowOps += o.SlowOps
	c.Deadlines += o.Deadlines
	c.Watches += o.Watches
	c.HolderGone += o.HolderGone
	for i, n := range o.StoppedLeading {
		c.StoppedLeading[i] += n
	}
}

// op is one Lock call in flight: issued by a process, applied at the store
// at one instant (unless it failed), answered later.
type op struct {
	rec     core.Record
	resRec  core.Record
	resVer  int64
	resErr  error
	verN    int64 // OpUpdate: the precondition
	issue   int64 // local time of the call, on the issuer's clock
	ident   string
	inc     int32
	callID  uint32
	refs    int8 // events still pointing at it
	fault   uint8
	kind    core.Op
	slot    uint8
	applied bool
}

const (
	opOK uint8 = iota
	opErr
	opLost
	opSlow
	opLate // answered exactly at the deadline, later than latMax
)

// proc is one candidate process in a slot. A crash ends the incarnation; a
// restart starts a new machine in the same slot, with a new incarnation.
type proc struct {
	m        *core.Machine
	pcg      rand.PCG
	clk      clock
	ident    string
	deferred []event // inputs that arrived while paused
	inc      int32
	slot     uint8
	alive    bool // this incarnation exists and has not crashed or stopped
	started  bool // its machine has had its first input
	leading  bool // between EventStartedLeading and EventStoppedLeading
	paused   bool

	// Driver state.
	inFlight   bool
	callOp     core.Op
	callID     uint32
	waitID     uint32
	waiting    bool
	waitUntil  int64 // local
	watchVer   int64
	watchArmed bool

	// Observer state: the open leadership interval, in true time.
	open    bool
	ivStart int64
	ivEnd   int64
	ivTerm  int64
}

// Sim runs simulations. It reuses its memory from run to run; it is not
// safe for concurrent use (run one Sim per goroutine).
type Sim struct {
	pcg   rand.PCG
	rng   *rand.Rand
	p     params
	opt   Options
	now   int64
	q     queue
	procs [maxSlots]proc
	ops   []op
	free  []int32
	st    store
	tr    tracer
	res   Result
	viol  *Violation

	nextInc   int32
	nextIdent int
	lastTerm  int64 // the term of the latest leadership interval opened
	lastInc   int32
	intervals int

	// Failover check (c).
	faultUntil int64 // until when the latest fault can have effects
	foArmed    bool
	foCrash    int64
	foDeadline int64
	foGen      uint32
}

// New returns a Sim.
func New() *Sim {
	s := &Sim{}
	s.rng = rand.New(&s.pcg)
	return s
}

// identities are the names processes get, built once.
var identities = func() []string {
	v := make([]string, 256)
	for i := range v {
		v[i] = "c" + itoa(i)
	}
	return v
}()

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	for ; i > 0; i /= 10 {
		n--
		b[n] = byte('0' + i%10)
	}
	return string(b[n:])
}

func (s *Sim) newIdentity() string {
	i := s.nextIdent
	s.nextIdent++
	if i < len(identities) {
		return identities[i]
	}
	return "c" + itoa(i)
}

// Run simulates the election that seed describes and returns what
// happened, stopping at the first violation.
func (s *Sim) Run(seed uint64, opt Options) Result {
	s.reset(seed, opt)
	for !s.q.empty() && s.viol == nil {
		e := s.q.pop()
		if e.at > s.p.maxTime {
			break
		}
		if e.at < s.now {
			s.violate("driver", "the simulation's time went back")
			break
		}
		s.now = e.at
		s.res.Events++
		s.dispatch(e)
		s.sample()
		if s.res.Elections >= s.p.target {
			break
		}
	}
	if s.viol == nil && s.p.steady {
		s.checkSteady()
	}
	s.res.SimTime = time.Duration(s.now)
	s.res.Violation = s.viol
	return s.res
}

func (s *Sim) reset(seed uint64, opt Options) {
	s.pcg.Seed(seed, 0x9e3779b97f4a7c15)
	s.opt = opt
	if s.opt.TraceTail <= 0 {
		s.opt.TraceTail = 40
	}
	s.p = drawParams(s.rng, opt.Control)
	if opt.steadyFaults && s.p.steady {
		s.p.faultGap = s.p.maxTime / 4
		s.p.weights = [4]uint32{faultResign: 1}
	}
	if opt.boundScale > 0 {
		s.p.bound = int64(float64(s.p.bound) * opt.boundScale)
	}
	s.now = 0
	s.q.reset()
	s.ops, s.free = s.ops[:0], s.free[:0]
	s.st.reset()
	s.tr.n, s.tr.out = 0, opt.Trace
	s.res = Result{Seed: seed, Steady: s.p.steady}
	s.viol = nil
	s.nextInc, s.nextIdent = 0, 0
	s.lastTerm, s.lastInc, s.intervals = 0, -1, 0
	s.faultUntil, s.foArmed, s.foGen = math.MinInt64, false, 0
	s.initStore()
	for i := range s.procs {
		pr := &s.procs[i]
		*pr = proc{slot: uint8(i), deferred: pr.deferred[:0], inc: -1}
		if i < s.p.n {
			pr.clk = s.p.clocks[i]
			pr.ident = s.newIdentity()
			s.start(pr, s.rng.Int64N(int64(s.p.cfgs[i].RetryPeriod)))
		}
	}
	if s.p.faultGap > 0 {
		s.q.push(event{at: s.expGap(), kind: evFault})
	}
	if opt.Trace != nil {
		s.traceParams()
	}
}

// initStore sets the record the run starts with.
func (s *Sim) initStore() {
	if s.p.init == initEmpty {
		return
	}
	t := 1 + s.rng.Int64N(1000)
	s.st.exists = true
	s.st.rec = core.Record{
		LeaseDuration: s.p.lease, Term: t, Seq: 1 + s.rng.Int64N(1e6),
		LeaderTransitions: s.rng.Int64N(1000), AcquireTime: epoch, RenewTime: epoch,
	}
	if s.p.init == initStale {
		s.st.rec.HolderIdentity = "gone"
	}
	s.st.setOwner(t, termOwner{inc: -1})
}

// start gives slot pr a new incarnation with a new machine, starting
// delay from now.
func (s *Sim) start(pr *proc, delay int64) {
	cfg := s.p.cfgs[pr.slot]
	cfg.Identity = pr.ident
	pr.pcg.Seed(s.rng.Uint64(), s.rng.Uint64())
	cfg.Rand = &pr.pcg
	m, err := core.NewMachine(cfg)
	if err != nil {
		s.violate("driver", "the drawn configuration was refused: "+err.Error())
		return
	}
	pr.m = m
	pr.inc = s.nextInc
	s.nextInc++
	pr.alive, pr.started = true, false
	pr.paused = false
	pr.inFlight, pr.waiting, pr.watchArmed, pr.open, pr.leading = false, false, false, false, false
	s.q.push(event{at: s.now + delay, kind: evStart, slot: pr.slot, inc: pr.inc})
}

// expGap returns the time of the next fault: exponentially distributed
// gaps with mean faultGap.
func (s *Sim) expGap() int64 {
	return s.now + 1 + int64(s.rng.ExpFloat64()*float64(s.p.faultGap))
}

// violate records the first violation of the run.
func (s *Sim) violate(check, msg string) {
	if s.viol != nil {
		return
	}
	s.viol = &Violation{Check: check, At: time.Duration(s.now), Msg: msg, Trace: s.tr.tail(s.opt.TraceTail)}
}

// dispatch handles one event.
func (s *Sim) dispatch(e event) {
	switch e.kind {
	case evApply:
		s.apply(e.id)
		s.unref(e.id)
		return
	case evFault:
		s.fault()
		return
	case evFailover:
		if s.foArmed && e.id == s.foGen {
			s.violate("c", "no new leader within the failover bound "+time.Duration(s.p.bound).String()+
				" after the leader crashed at "+fmtTrue(s.foCrash))
		}
		return
	case evRestart:
		s.restart(&s.procs[e.slot])
		return
	}
	p := &s.procs[e.slot]
	if e.inc != p.inc || !p.alive {
		if e.kind == evReply {
			s.unref(e.id)
		}
		return // for an incarnation that is gone
	}
	if e.kind == evResume {
		s.resume(p)
		return
	}
	if p.paused {
		p.deferred = append(p.deferred, e)
		return
	}
	s.deliver(p, e)
}
