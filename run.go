package leaderelection

import (
	"context"

	"github.com/leaderelection/leaderelection/core"
)

// Run runs one election for one task, the seed's model: several workers
// compete for one job, and the leader does it.
//
// Run campaigns until this candidate leads, or until true arrives on task
// (the job was done elsewhere: Run returns without leading; false, a
// failure elsewhere, keeps it campaigning). Once leading, it calls
// OnStartedLeading, and leadership ends when a value arrives on task (true:
// the task succeeded, false: it failed), when TermLimit has passed, or when
// the lease cannot be renewed within RenewDeadline. Then stop closes,
// OnStoppedLeading runs, the lease is released so that another candidate
// can take the task at once, and Run returns. A closed task is a shutdown.
// A nil task never ends: the candidate leads until it cannot renew or its
// TermLimit passes.
//
// An elector runs once; Run on an elector that already ran returns at once.
func (le *LeaderElector) Run(task <-chan bool) {
	if le.start(context.Background(), true) != nil {
		return
	}
	done := le.d.finished
	for task != nil {
		select {
		case v, ok := <-task:
			switch {
			case !ok:
				le.deliver(core.Input{Kind: core.InputStop})
				task = nil
			case v || le.leadingNow():
				le.deliver(core.Input{Kind: core.InputResign})
				task = nil
			}
		case <-done:
			task = nil
		}
	}
	<-le.d.finished
}

// leadingNow reports whether the elector is in a term (whatever its
// authority this instant).
func (le *LeaderElector) leadingNow() bool {
	le.mu.Lock()
	defer le.mu.Unlock()
	return le.d.leading
}

// RunContext campaigns for the lease until ctx ends, for long-running
// high-availability services: after losing leadership it campaigns again.
// When ctx ends, a leader steps down (stop closes, OnStoppedLeading runs)
// and releases the lease, and RunContext returns ctx's error once the last
// callback has run.
func (le *LeaderElector) RunContext(ctx context.Context) error {
	if err := le.Start(ctx); err != nil {
		return err
	}
	<-le.d.finished
	return context.Cause(ctx)
}

// Start is RunContext without the waiting: it starts campaigning and
// returns at once. While it waits, the elector holds no goroutine at all,
// only a timer (and a watch when its lock has one), so a process can run
// thousands of them. Done reports the end.
func (le *LeaderElector) Start(ctx context.Context) error {
	if err := le.start(ctx, false); err != nil {
		return err
	}
	context.AfterFunc(ctx, func() { le.deliver(core.Input{Kind: core.InputStop}) })
	return nil
}

// Resign gives up leadership now, if this candidate leads: stop closes,
// OnStoppedLeading runs and the lease is released. A RunContext or Start
// election then stays out of the contest for a while (longer than
// JitterFactor × RetryPeriod) so that another candidate gets the lease,
// and campaigns again; a Run election returns.
func (le *LeaderElector) Resign() {
	le.deliver(core.Input{Kind: core.InputResign})
}

// Done returns a channel that closes when the election has ended and its
// last callback has run. It is nil before the elector starts.
func (le *LeaderElector) Done() <-chan struct{} {
	le.mu.Lock()
	defer le.mu.Unlock()
	return le.d.finished
}
