package leaderelection

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// driverState is what the driver keeps between inputs. It has no
// goroutine of its own: whichever goroutine brings an input (a timer, a
// watch, the caller of Run) drives the machine until it asks to wait. An
// input that arrives while that goroutine is in a lock call is stepped at
// once by the goroutine that brings it: the machine keeps the call in
// flight as its action, and may end leadership meanwhile, so that a call
// that hangs past the leader's deadline (a lock that ignores its context)
// cannot keep stop open. An idle elector is a timer, and a watch when its
// lock has one.
type driverState struct {
	ctx       context.Context // for lock calls: the run's values, never its cancellation
	busy      bool            // some goroutine is driving: it is in a lock call
	now       time.Time       // the time of the latest input stepped
	callOp    core.Op         // the call in flight while busy
	callStart time.Time       // and when it started
	timer     *time.Timer
	watchVer  core.Version
	watchStop func()
	stop      chan struct{} // closes when the current term ends
	leading   bool
	errSince  time.Time     // first lock error of the current streak
	finished  chan struct{} // closed once the machine is done and the last callback has run
}

// machineConfig is the core configuration of this elector.
func (le *LeaderElector) machineConfig() core.Config {
	return core.Config{
		Identity:      le.id,
		LeaseDuration: le.cfg.LeaseDuration,
		RenewDeadline: le.cfg.RenewDeadline,
		RetryPeriod:   le.cfg.RetryPeriod,
		TermLimit:     le.cfg.TermLimit,
		Rand:          le.rand,
	}
}

// start creates the machine and drives its first step. once selects the
// seed's one-term model.
func (le *LeaderElector) start(ctx context.Context, once bool) error {
	le.mu.Lock()
	if le.started {
		le.mu.Unlock()
		return errors.New("leaderelection: elector already ran; create a new one")
	}
	le.started = true
	cfg := le.machineConfig()
	cfg.Once = once
	m, err := core.NewMachine(cfg)
	if err != nil {
		le.mu.Unlock()
		return err
	}
	le.m = m
	le.d.ctx = context.WithoutCancel(ctx)
	le.d.finished = make(chan struct{})
	le.d.timer = time.AfterFunc(0, le.onTimer) // the first step runs on the timer's goroutine
	le.mu.Unlock()
	return nil
}

func (le *LeaderElector) onTimer() { le.deliver(core.Input{Kind: core.InputTick}) }

// deliver hands one input to the machine. When no goroutine is driving
// it, this one drives; when one is in a lock call, the input is stepped
// here and now, and the driving goroutine carries on with its call, which
// stays the machine's action until its result comes.
func (le *LeaderElector) deliver(in core.Input) {
	le.mu.Lock()
	if le.m == nil || le.m.Role() == core.RoleDone {
		le.mu.Unlock()
		return
	}
	if le.d.busy {
		le.step(in)
		le.mu.Unlock()
		return
	}
	le.d.busy = true
	le.drive(in) // returns with le.mu unlocked
}

// step feeds one input to the machine, with the time it happened (read
// now unless the input carries it), and handles its events. le.mu must be
// held.
func (le *LeaderElector) step(in core.Input) core.Output {
	if in.Now.IsZero() {
		in.Now = time.Now()
	}
	if in.Kind == core.InputWatch && in.Version == le.d.watchVer {
		le.clearWatch() // a watch fires once
	}
	out := le.m.Step(in)
	le.handleEvents(out.Events)
	le.d.now = in.Now
	return out
}

// drive steps the machine and does what it asks until it asks to wait or
// stops. It is called with le.mu held and returns with it released; the
// lock is not held during lock calls.
func (le *LeaderElector) drive(in core.Input) {
	for {
		out := le.step(in)
		a := out.Action
		switch a.Op {
		case core.OpWait:
			le.arm(a, le.d.now)
			le.d.busy = false
			le.mu.Unlock()
			return
		case core.OpDone:
			le.finish()
			le.mu.Unlock()
			return
		}
		if until := le.m.LeaderUntil(); !until.IsZero() {
			// Tick when the leader's authority ends, even if the call
			// has not returned by then.
			le.d.timer.Reset(until.Sub(le.d.now))
		}
		le.d.callOp, le.d.callStart = a.Op, le.d.now // the machine times the call from this instant too
		le.mu.Unlock()
		in = le.call(a)
		le.mu.Lock()
	}
}

// arm sets the timer for an OpWait and keeps a watch on the version it
// names.
func (le *LeaderElector) arm(a core.Action, now time.Time) {
	le.d.timer.Reset(a.Until.Sub(now))
	if a.Version == le.d.watchVer {
		return
	}
	le.clearWatch()
	if a.Version == "" || le.watcher == nil {
		return
	}
	v := a.Version
	le.d.watchVer = v
	le.d.watchStop = le.watcher.Watch(v, func(ev core.WatchEvent) {
		le.deliver(core.Input{Kind: core.InputWatch, Watch: ev, Version: v})
	})
}

func (le *LeaderElector) clearWatch() {
	if le.d.watchStop != nil {
		le.d.watchStop()
	}
	le.d.watchVer, le.d.watchStop = "", nil
}

// call makes the lock call an action asks for, bounded by its deadline,
// and returns the result as the machine's next input.
func (le *LeaderElector) call(a core.Action) core.Input {
	ctx, cancel := context.WithDeadline(le.d.ctx, a.Deadline)
	defer cancel()
	lock := le.cfg.Lock
	start := le.d.callStart // read under le.mu before the call; only this goroutine writes it while busy
	var in core.Input
	switch a.Op {
	case core.OpGet:
		rec, ver, err := lock.Get(ctx)
		in = core.Input{Kind: core.InputGot, Record: rec, Version: ver, Err: err}
	case core.OpCreate:
		ver, err := lock.Create(ctx, a.Record)
		in = core.Input{Kind: core.InputWritten, Version: ver, Err: err}
	case core.OpUpdate:
		ver, err := lock.Update(ctx, a.Record, a.Version)
		in = core.Input{Kind: core.InputWritten, Version: ver, Err: err}
	}
	in.Now = time.Now() // the one clock read of the result
	err := in.Err
	if err != nil && (errors.Is(err, core.ErrNotFound) || errors.Is(err, core.ErrConflict)) {
		err = nil // an answer, not a failure
	}
	if a.Op != core.OpGet && a.Record.HolderIdentity == le.id && le.cfg.Metrics != nil {
		le.cfg.Metrics.ObserveRenew(le.name, in.Now.Sub(start), in.Err)
	}
	if err != nil && le.cfg.Logger != nil {
		le.cfg.Logger.Warn("lock call failed", "election", le.name, "op", a.Op.String(), "error", err)
	}
	le.mu.Lock()
	if err == nil {
		le.d.errSince = time.Time{}
	} else if le.d.errSince.IsZero() {
		le.d.errSince = start
	}
	le.mu.Unlock()
	return in
}

// handleEvents turns the machine's events into callbacks, logs and
// metrics, in order.
func (le *LeaderElector) handleEvents(evs []core.Event) {
	for _, e := range evs {
		switch e.Kind {
		case core.EventStartedLeading:
			le.d.leading = true
			le.d.stop = make(chan struct{})
			le.cb.push(callback{kind: cbStarted, stop: le.d.stop})
			le.logInfo("started leading", slog.Int64("term", e.Term))
			if le.cfg.Metrics != nil {
				le.cfg.Metrics.SetLeading(le.name, true)
			}
		case core.EventStoppedLeading:
			le.d.leading = false
			close(le.d.stop)
			le.cb.push(callback{kind: cbStopped})
			attrs := []any{slog.Int64("term", e.Term), slog.String("reason", e.Reason.String())}
			if e.Err != nil {
				attrs = append(attrs, slog.Any("error", e.Err))
			}
			le.logInfo("stopped leading", attrs...)
			if le.cfg.Metrics != nil {
				le.cfg.Metrics.SetLeading(le.name, false)
			}
		case core.EventNewLeader:
			le.cb.push(callback{kind: cbNewLeader, identity: e.Identity})
			le.logInfo("new leader", slog.String("leader", e.Identity))
			if le.cfg.Metrics != nil {
				le.cfg.Metrics.Transition(le.name, e.Identity)
			}
		}
	}
}

func (le *LeaderElector) logInfo(msg string, attrs ...any) {
	if le.cfg.Logger != nil {
		le.cfg.Logger.Info(msg, append([]any{slog.String("election", le.name), slog.String("identity", le.id)}, attrs...)...)
	}
}

// finish releases what the run holds once the machine is done.
func (le *LeaderElector) finish() {
	le.d.timer.Stop()
	le.clearWatch()
	le.d.busy = false
	le.cb.push(callback{kind: cbFinished})
}
