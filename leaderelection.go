package leaderelection

import (
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// JitterFactor scales RetryPeriod into the range a candidate waits between
// attempts: a random duration in [RetryPeriod, JitterFactor × RetryPeriod).
const JitterFactor = core.JitterFactor

// Lock is the store of the lease: see core.Lock for the contract, and the
// packages under locks/ for implementations.
type Lock = core.Lock

// ErrInvalidConfig is wrapped by every error NewLeaderElector returns for
// a configuration that breaks a rule.
var ErrInvalidConfig = core.ErrInvalidConfig

// LeaderCallbacks are called as leadership changes. They run on goroutines
// of the elector's own, never on the caller's, and in order: OnNewLeader
// calls never overlap or reorder, and every OnStartedLeading is followed by
// exactly one OnStoppedLeading, which runs after stop has closed and
// OnStartedLeading has returned. Any of them may be nil.
type LeaderCallbacks struct {
	// OnStartedLeading is called, on a goroutine of its own, when this
	// candidate starts leading. stop closes when leadership ends; the
	// work that needs leadership must stop then, and OnStartedLeading
	// should return: OnStoppedLeading, and the return of Run, wait for it.
	OnStartedLeading func(stop <-chan struct{})

	// OnStoppedLeading is called once leadership has ended, after stop has
	// closed.
	OnStoppedLeading func()

	// OnNewLeader is called when a holder other than the last one reported
	// is observed, this candidate included.
	OnNewLeader func(identity string)
}

// LeaderElectionConfig configures a LeaderElector. The timing rule is
// LeaseDuration > RenewDeadline > JitterFactor × RetryPeriod > 0.
type LeaderElectionConfig struct {
	// Lock stores the lease; its Identity is this candidate's. Required.
	Lock Lock

	// LeaseDuration is how long the other candidates wait, on their own
	// clocks, after last seeing the lease renewed before they take it
	// over. Sub-second values are kept exactly. Required; 15s is typical.
	LeaseDuration time.Duration

	// RenewDeadline bounds the leader's authority: it leads until the
	// start of its last successful renewal plus RenewDeadline, and steps
	// down when it cannot renew within that time. Required; 10s is typical.
	RenewDeadline time.Duration

	// RetryPeriod is the leader's renewal interval and the base of a
	// candidate's jittered retry interval. Required; 2s is typical.
	RetryPeriod time.Duration

	// TermLimit, when positive, ends a term after that long: the leader
	// releases the lease and stays out of the contest for longer than
	// JitterFactor × RetryPeriod so another candidate can take it. Zero
	// (the default) means no limit.
	TermLimit time.Duration

	// Callbacks are called as leadership changes.
	Callbacks LeaderCallbacks

	// Name names this election in logs and metrics. Default: the lock's
	// Describe().
	Name string

	// Logger receives structured logs of leadership changes and lock
	// errors. Nil (the default) logs nothing.
	Logger *slog.Logger

	// Metrics receives leader status, transitions, and renewal latency and
	// errors. Nil (the default) records nothing. See package metrics for
	// an expvar implementation.
	Metrics Metrics

	// Rand provides the jitter. Nil (the default) uses a randomly seeded
	// source of the elector's own.
	Rand core.Rand
}

// LeaderElector campaigns for one lease and runs the callbacks as
// leadership changes. Create it with NewLeaderElector; run it once with
// Run, RunContext or Start. Its methods are safe for concurrent use.
type LeaderElector struct {
	cfg     LeaderElectionConfig
	id      string       // the lock's identity
	rand    core.Rand    // jitter
	watcher core.Watcher // the lock's, or nil
	name    string

	mu      sync.Mutex
	started bool
	m       *core.Machine
	d       driverState

	cb callbackQueue
}

// NewLeaderElector validates lec and returns an elector for it. The error
// names the field and the rule it broke.
func NewLeaderElector(lec LeaderElectionConfig) (*LeaderElector, error) {
	if lec.Lock == nil {
		return nil, &core.ConfigError{Field: "Lock", Rule: "a non-nil Lock"}
	}
	r := lec.Rand
	if r == nil {
		r = rand.NewPCG(rand.Uint64(), rand.Uint64())
	}
	mcfg := core.Config{
		Identity:      lec.Lock.Identity(),
		LeaseDuration: lec.LeaseDuration,
		RenewDeadline: lec.RenewDeadline,
		RetryPeriod:   lec.RetryPeriod,
		TermLimit:     lec.TermLimit,
		Rand:          r,
	}
	if err := mcfg.Validate(); err != nil {
		return nil, err
	}
	le := &LeaderElector{cfg: lec, id: mcfg.Identity, rand: r, name: lec.Name}
	if le.name == "" {
		le.name = lec.Lock.Describe()
	}
	le.watcher, _ = lec.Lock.(core.Watcher)
	le.cb.le = le
	return le, nil
}

// IsLeader reports whether this candidate leads now: it holds the lease
// and its last successful renewal started less than RenewDeadline ago. It
// turns false on time alone, even when the process was paused and nothing
// else ran.
func (le *LeaderElector) IsLeader() bool {
	le.mu.Lock()
	defer le.mu.Unlock()
	return le.m != nil && le.m.IsLeader(time.Now())
}

// GetLeader returns the identity of the holder last observed, or "" when
// the lease is released or was not read yet.
func (le *LeaderElector) GetLeader() string {
	le.mu.Lock()
	defer le.mu.Unlock()
	if le.m == nil {
		return ""
	}
	return le.m.Leader()
}

// FencingToken returns the term this candidate leads and true, or 0 and
// false when it does not lead now. The term increments on every
// acquisition and never decreases in the store: hand it to downstream
// systems with every write, and have them reject a token lower than the
// highest they saw, so that a leader that was paused past its lease cannot
// do harm.
func (le *LeaderElector) FencingToken() (int64, bool) {
	le.mu.Lock()
	defer le.mu.Unlock()
	if le.m == nil || !le.m.IsLeader(time.Now()) {
		return 0, false
	}
	return le.m.Term(), true
}

// Identity returns this candidate's identity, the lock's.
func (le *LeaderElector) Identity() string { return le.id }

// ErrNotRunning is returned by Check before the elector runs.
var ErrNotRunning = errors.New("leaderelection: elector is not running")

// ErrPastDeadline is wrapped by Check's error when the elector still acts
// as leader although its renew deadline has passed.
var ErrPastDeadline = errors.New("leaderelection: leader is past its renew deadline")
