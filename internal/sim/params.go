package sim

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// Control selects a deliberately broken variant, a negative control that the
// simulator must catch. ControlNone is the machine as shipped.
type Control uint8

const (
	// ControlNone runs the core machine as it is, within the documented
	// assumption.
	ControlNone Control = iota

	// ControlTrustTimestamps wraps every candidate in a driver that trusts
	// the record's timestamps: after each successful read it computes the
	// lease's expiry as record.RenewTime + record.LeaseDuration on its own
	// clock and, when that has passed, tells the machine that the holder is
	// gone (InputWatch with WatchHolderGone), so the machine takes over at
	// once. Clocks that are hours apart make two leaders.
	ControlTrustTimestamps

	// ControlShortLease rewrites the lease duration of every record written
	// to a value in [RenewDeadline/2, RenewDeadline]. It models candidates
	// configured with LeaseDuration <= RenewDeadline, a configuration that
	// core.Config.Validate rejects: a candidate's LeaseDuration is used only
	// to fill the record's leaseDurationMs (followers time a lease by the
	// record's value, and every record here has one), so the records are
	// exactly those such a configuration would write.
	ControlShortLease

	// ControlFastClocks gives the candidates clock rates whose ratio
	// max/min is 1.3 to 2 times LeaseDuration / RenewDeadline: beyond the
	// skew the configuration tolerates.
	ControlFastClocks
)

var controlNames = [...]string{"none", "trust-timestamps", "short-lease", "fast-clocks"}

// String returns the control's name as the -control flag spells it.
func (c Control) String() string {
	if int(c) < len(controlNames) {
		return controlNames[c]
	}
	return "control?"
}

// ParseControl returns the control named s (see Control.String).
func ParseControl(s string) (Control, bool) {
	for i, n := range controlNames {
		if n == s {
			return Control(i), true
		}
	}
	return 0, false
}

const (
	maxSlots = 5 // candidates per run: 3 to 5
	hour     = int64(time.Hour)
)

// initKind is the store's state when a run starts.
type initKind uint8

const (
	initEmpty    initKind = iota // no record
	initStale                    // a record held by a process that is gone
	initReleased                 // a released record
)

// params is everything a run draws from its seed before it starts.
type params struct {
	n      int
	cfgs   [maxSlots]core.Config // per slot; Identity and Rand are set per process
	mixed  bool                  // the slots have different timings
	rho    float64               // min over slots of LeaseDuration/RenewDeadline
	lease  time.Duration         // the longest LeaseDuration
	clocks [maxSlots]clock
	rmin   float64 // the slowest clock rate
	rmax   float64 // the fastest clock rate

	steady bool // fault-free, TermLimit 0: one term for the whole run
	edge   bool // clock rates at rho^0.999 apart, tiny latencies
	watch  bool // the store notifies waiting candidates (a core.Watcher)
	init   initKind

	latMax  int64  // largest normal latency, true ns
	slowMax int64  // largest extra latency of a slow (faulty) operation
	pErr    uint32 // per operation, out of 2^32: a lock error, not applied
	pLost   uint32 // applied, but the answer is lost (an error)
	pSlow   uint32 // latency up to slowMax more
	pEdge   uint32 // the answer comes exactly at the call's deadline

	faultGap   int64     // mean true time between process faults; 0: none
	weights    [4]uint32 // crash, pause, resign, stop
	restartMax int64
	pNewIdent  uint32
	shortLease float64 // ControlShortLease: the lease written, as a fraction of RenewDeadline

	target  int   // elections after which a run ends
	maxTime int64 // true time after which a run ends
	bound   int64 // failover bound (check c), true ns
}

const (
	faultCrash = iota
	faultPause
	faultResign
	faultStop
)

// prob returns p as a threshold out of 2^32.
func prob(p float64) uint32 { return uint32(p * (1 << 32)) }

// uniform returns a float in [lo, hi).
func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// logUniform returns a float in [lo, hi) whose logarithm is uniform.
func logUniform(r *rand.Rand, lo, hi float64) float64 {
	return math.Exp(uniform(r, math.Log(lo), math.Log(hi)))
}

func roundMs(d float64) time.Duration {
	return time.Duration(math.Ceil(d/1e6)) * time.Millisecond
}

// drawTimings picks RetryPeriod, RenewDeadline and LeaseDuration that pass
// core.Config.Validate, with RetryPeriod in [lo, hi): mostly whole
// milliseconds, in a quarter of the runs any number of nanoseconds.
func drawTimings(r *rand.Rand, cfg *core.Config, lo, hi float64) {
	round := roundMs
	if r.IntN(4) == 0 {
		// Any nanosecond count: the record rounds the lease up to a
		// millisecond, which followers then wait out.
		round = func(d float64) time.Duration { return time.Duration(math.Ceil(d)) }
	}
	rp := round(logUniform(r, lo, hi))
	rd := round(float64(rp) * (core.JitterFactor + uniform(r, 0.02, 1.5)))
	ratio := uniform(r, 1.05, 3)
	if r.IntN(5) == 0 {
		ratio = uniform(r, 1.002, 1.05) // barely above RenewDeadline
	}
	ld := round(float64(rd) * ratio)
	for time.Duration(float64(rp)*core.JitterFactor) >= rd {
		rd++
	}
	if ld <= rd {
		ld = rd + 1
	}
	cfg.RetryPeriod, cfg.RenewDeadline, cfg.LeaseDuration = rp, rd, ld
}

// drawConfigs gives every slot its configuration: the same for all, or,
// in a quarter of the runs, timings of its own around a common base, as in
// a rolling change of configuration (followers time a lease by the
// holder's leaseDurationMs, not their own).
func drawConfigs(r *rand.Rand, p *params) {
	var base core.Config
	drawTimings(r, &base, 2e6, 2e9)
	p.mixed = r.IntN(4) == 0
	p.rho, p.lease = math.Inf(1), 0
	for i := range p.n {
		c := base
		if p.mixed {
			rp := float64(base.RetryPeriod)
			drawTimings(r, &c, rp/2, rp*2)
		}
		p.cfgs[i] = c
		p.rho = min(p.rho, float64(c.LeaseDuration)/float64(c.RenewDeadline))
		p.lease = max(p.lease, c.LeaseDuration)
	}
}

// drawClocks gives every slot an offset of up to three hours either way and
// a rate. Within the assumption the rates lie in [rho^-h, rho^h] with
// h = 0.49 (so max/min <= rho^0.98); half the runs put one clock at each
// end. Edge runs use h = 0.4995. ControlFastClocks stretches the range to
// rho × [1.3, 2].
func drawClocks(r *rand.Rand, p *params, c Control) {
	span := 0.98 * math.Log(p.rho) // log(max/min)
	switch {
	case c == ControlFastClocks:
		span = math.Log(p.rho * uniform(r, 1.3, 2))
	case p.edge:
		span = 0.999 * math.Log(p.rho)
	}
	extremes := c == ControlFastClocks || p.edge || r.IntN(2) == 0
	p.rmin, p.rmax = math.Inf(1), 0
	for i := range p.n {
		u := uniform(r, -span/2, span/2)
		if extremes && i < 2 {
			u = span / 2
			if i == 1 {
				u = -span / 2
			}
		}
		off := r.Int64N(6*hour) - 3*hour
		p.clocks[i] = newClock(off, math.Exp(u))
		p.rmin = min(p.rmin, p.clocks[i].rate())
		p.rmax = max(p.rmax, p.clocks[i].rate())
	}
}

// drawLatency picks the largest normal latency: small enough, with the
// fastest clock, for a renewal to come back well within RenewDeadline -
// RetryPeriod, except in a fifth of the runs, where renewals sometimes
// miss their deadline (and one run in ten, where calls take up to 1.5
// RetryPeriods).
func drawLatency(r *rand.Rand, p *params) {
	rp, slack := math.Inf(1), math.Inf(1)
	for i := range p.n {
		c := p.cfgs[i]
		rp = min(rp, float64(c.RetryPeriod))
		slack = min(slack, float64(c.RenewDeadline-c.RetryPeriod))
	}
	hi := 0.3
	if !p.steady && r.IntN(10) == 0 {
		hi = 1.5
	}
	p.latMax = int64(rp * logUniform(r, 0.001, hi))
	if cap := int64(slack / (4 * p.rmax)); p.latMax > cap && (p.steady || r.IntN(5) != 0) {
		p.latMax = cap
	}
	if p.edge {
		p.latMax = int64(logUniform(r, 1e3, 1e5))
	}
	p.latMax = max(p.latMax, 1000)
}

// drawParams draws a run's parameters from r.
func drawParams(r *rand.Rand, c Control) params {
	var p params
	p.n = 3 + r.IntN(3)
	drawConfigs(r, &p)
	p.steady = c == ControlNone && r.IntN(16) == 0
	p.edge = c == ControlNone && !p.steady && r.IntN(8) == 0
	drawClocks(r, &p, c)
	drawLatency(r, &p)
	p.watch = r.IntN(2) == 0
	p.init = initKind(r.IntN(3))
	p.restartMax = 2 * int64(p.lease)
	p.pNewIdent = prob(0.5)
	p.shortLease = uniform(r, 0.5, 1)
	p.bound = failoverBound(&p)
	if p.steady {
		p.target = 1 << 30
		p.maxTime = 300 * int64(p.lease)
		return p
	}
	drawFaults(r, &p)
	if c == ControlTrustTimestamps || c == ControlShortLease || c == ControlFastClocks {
		p.weights[faultPause] += 10 // a paused leader keeps its authority: the overlap shows
	}
	p.target = 100
	p.maxTime = 2000 * int64(p.lease)
	return p
}

// drawFaults picks which faults a run has and how often.
func drawFaults(r *rand.Rand, p *params) {
	some := func(hi float64) uint32 {
		if r.IntN(5) < 2 {
			return 0
		}
		return prob(uniform(r, 0, hi))
	}
	p.pErr = some(0.05)
	p.pLost = some(0.05)
	p.pSlow = some(0.01)
	p.pEdge = some(0.02)
	p.slowMax = 3 * int64(p.lease)
	p.faultGap = int64(float64(p.lease) * uniform(r, 1, 20))
	for i := range p.weights {
		if r.IntN(4) != 0 {
			p.weights[i] = 1 + uint32(r.IntN(10))
		}
	}
	limit := r.IntN(5) < 3
	tl := uniform(r, 1.5, 30)
	once := r.IntN(7) == 0
	for i := range p.n {
		if limit {
			p.cfgs[i].TermLimit = time.Duration(float64(p.cfgs[i].RetryPeriod) * tl)
		}
		p.cfgs[i].Once = once
	}
}

// failoverBound is the longest true time from a leader's crash to the next
// leader when nothing else goes wrong (check c); see doc.go for the
// derivation: (leaseDurationMs + JitterFactor × RetryPeriod) / rmin + 7 × latMax,
// with the longest lease and retry period of any slot.
func failoverBound(p *params) int64 {
	var lease, jitter time.Duration
	for i := range p.n {
		c := p.cfgs[i]
		lease = max(lease, roundLease(c.LeaseDuration))
		jitter = max(jitter, time.Duration(float64(c.RetryPeriod)*core.JitterFactor))
	}
	return int64(math.Ceil(float64(lease+jitter)/p.rmin)) + 7*p.latMax + 16
}
