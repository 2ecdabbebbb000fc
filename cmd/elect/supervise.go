package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/leaderelection/leaderelection"
	"github.com/leaderelection/leaderelection/core"
)

// leadReq is one term, handed from OnStartedLeading to the supervisor.
// OnStartedLeading returns when done closes: once CMD has exited, or at
// once when CMD is not started.
type leadReq struct {
	stop <-chan struct{}
	done chan struct{}
}

// supervisor runs elect run: one election (leaderelection's Run, the
// seed's one-task model) and CMD as its task. Its loop owns all the state
// below; the election's goroutines reach it through channels.
type supervisor struct {
	o     *runFlags
	log   *slog.Logger
	ol    *openedLock
	lock  *trackedLock
	cfg   childConfig
	ch    child
	le    *leaderelection.LeaderElector
	task  chan bool
	tasks bool // task not closed yet

	leadc   chan leadReq
	writec  chan struct{}   // a write of ours was confirmed (coalesced)
	readc   chan readResult // --no-wait: reads before leading
	runDone chan struct{}

	lead     *leadReq // the current term, or nil
	term     int64
	authEnd  time.Time // end of authority, from the last confirmed write
	killAt   time.Time // CMD is killed by then: before the lease can pass on
	started  bool      // CMD was started
	running  bool      // CMD was started and has not exited
	ended    bool      // leadership ended while CMD ran, or before it started
	stopping bool      // CMD was asked to stop (leadership ended or a signal)
	quitting bool      // elect winds down: start no CMD
	code     int       // the exit code, once decided; -1 before
	done     func()    // lets a release through once CMD has exited

	authT, killT, graceT, probeT timer
}

// readResult is a read of the lock, for --no-wait.
type readResult struct {
	holder string
	err    error
}

// newSupervisor wires the election to the supervisor: the lock wrapped by
// track, and the callbacks.
func newSupervisor(o *runFlags, log *slog.Logger, ol *openedLock, cfg childConfig) (*supervisor, error) {
	s := &supervisor{
		o: o, log: log, ol: ol, cfg: cfg, code: -1,
		task: make(chan bool, 1), tasks: true,
		leadc: make(chan leadReq), writec: make(chan struct{}, 1),
		readc: make(chan readResult, 16), runDone: make(chan struct{}),
	}
	var lock core.Lock
	s.lock, lock = track(ol.lock)
	s.lock.onWrite = s.onWrite
	if o.noWait {
		s.lock.onGet = func(r core.Record, err error) {
			if errors.Is(err, core.ErrNotFound) {
				err = nil
			}
			select {
			case s.readc <- readResult{r.HolderIdentity, err}:
			default:
			}
		}
	}
	var err error
	s.le, err = leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock: lock, LeaseDuration: o.lease, RenewDeadline: o.renew, RetryPeriod: o.retry,
		TermLimit: o.termLimit, Logger: log,
		Callbacks: leaderelection.LeaderCallbacks{OnStartedLeading: s.onStartedLeading},
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// onStartedLeading hands the term to the loop and waits until the loop is
// done with it.
func (s *supervisor) onStartedLeading(stop <-chan struct{}) {
	r := leadReq{stop: stop, done: make(chan struct{})}
	s.leadc <- r
	<-r.done
}

// onWrite runs on the election's goroutine after every confirmed write
// that names this candidate: it moves the guard's deadline at once, and
// tells the loop.
func (s *supervisor) onWrite(term int64) {
	if base, ok := s.lock.base(term); ok && s.ch != nil {
		s.ch.extend(s.killDeadline(base))
	}
	select {
	case s.writec <- struct{}{}:
	default:
	}
}

// killDeadline is when CMD must be dead at the latest, for a term whose
// last confirmed write started at base: halfway between the end of
// authority (base + RenewDeadline) and the earliest time another candidate
// can take the lease (base + LeaseDuration, on its clock).
func (s *supervisor) killDeadline(base time.Time) time.Time {
	return base.Add(s.o.renew + (s.o.lease-s.o.renew)/2)
}

// run prepares CMD, runs the election and the loop, and returns the exit
// code.
func (s *supervisor) run(ctx context.Context) int {
	ch, err := newChild(s.cfg)
	if err != nil {
		s.log.Error(err.Error())
		return exitFail
	}
	s.ch = ch
	defer func() {
		ch.close()
		ch.wait()
	}()
	sigc := make(chan os.Signal, 8)
	signal.Notify(sigc, slices.Concat(stopSignals, passSignals, contSignal)...)
	defer signal.Stop(sigc)
	s.log.Info("campaigning", "lock", s.ol.shown, "id", s.lock.id, "cmd", s.cfg.argv[0])
	go func() {
		s.le.Run(s.task)
		close(s.runDone)
	}()
	s.loop(ctx, sigc)
	if s.code < 0 {
		s.code = exitLost // leadership ended before CMD could start
	}
	s.log.Info("exiting", "code", s.code)
	return s.code
}

// loop handles events until the election has ended.
func (s *supervisor) loop(ctx context.Context, sigc chan os.Signal) {
	exitc, lostc, ctxDone := s.ch.exited(), s.ch.lost(), ctx.Done()
	for {
		var stopc <-chan struct{}
		if s.lead != nil && !s.ended {
			stopc = s.lead.stop
		}
		select {
		case <-s.runDone:
			return
		case r := <-s.leadc:
			s.onLead(r)
		case <-stopc:
			s.endLeadership("leadership ended")
		case <-s.writec:
			s.refresh()
		case <-s.authT.c:
			s.authT.clear()
			s.enforce()
		case <-s.killT.c:
			s.killT.clear()
			s.enforce()
		case <-s.graceT.c:
			s.graceT.clear()
			if s.running {
				s.log.Warn("CMD did not exit within --grace: sending SIGKILL", "grace", s.o.grace)
				s.ch.kill()
			}
		case ex := <-exitc:
			exitc = nil
			s.onExit(ex)
		case <-lostc:
			lostc = nil
			s.fail("elect's guard process died: stopping")
		case r := <-s.readc:
			s.onRead(r)
		case <-s.probeT.c:
			s.probeT.clear()
			switch {
			case s.started || s.lead != nil:
			case s.lock.claiming(): // the holder was found gone: wait for the outcome
				s.probeT.set(time.Now().Add(noWaitProbe))
			default:
				s.giveUpHeld()
			}
		case sig := <-sigc:
			s.onSignal(sig)
		case <-ctxDone:
			ctxDone = nil
			s.onSignal(syscall.SIGTERM)
		}
	}
}

// onLead starts CMD for a new term, unless elect is quitting or the
// authority is already gone.
func (s *supervisor) onLead(r leadReq) {
	s.lead = &r
	term, leading := s.le.FencingToken()
	base, known := s.lock.base(term)
	switch {
	case s.quitting:
		close(r.done)
		return
	case !leading || !time.Now().Before(base.Add(s.o.renew)):
		s.ended = true
		s.log.Warn("authority ended before CMD could start", "term", term)
		close(r.done)
		return
	case !known:
		close(r.done)
		s.fail("no confirmed write of the term: not starting CMD")
		return
	}
	s.term = term
	s.authEnd, s.killAt = base.Add(s.o.renew), s.killDeadline(base)
	s.done = s.lock.setBusy()
	s.started, s.running = true, true
	if err := s.ch.start(term, s.authEnd, s.killAt); err != nil {
		if errors.Is(err, errAuthorityEnded) {
			s.ended = true
			s.log.Warn(err.Error(), "term", term)
		} else {
			s.fail(err.Error())
		}
		s.ch.kill() // the gate; onExit follows
		return
	}
	s.authT.set(s.authEnd)
	s.killT.set(s.killAt)
	s.log.Info("leading: started CMD", "term", term, "pid", s.ch.pid())
}

// refresh moves the deadlines after a renewal.
func (s *supervisor) refresh() {
	if !s.running || s.ended {
		return
	}
	base, ok := s.lock.base(s.term)
	if !ok {
		return
	}
	if end := base.Add(s.o.renew); end.After(s.authEnd) {
		s.authEnd, s.killAt = end, s.killDeadline(base)
		s.authT.set(s.authEnd)
		s.killT.set(s.killAt)
	}
}

// enforce applies the deadlines now: after the kill deadline CMD is
// killed, after the end of authority it is stopped. It runs on the
// timers, and when elect resumes after a stop (SIGCONT), before the
// election's own timer fires.
func (s *supervisor) enforce() {
	if !s.running {
		return
	}
	now := time.Now()
	if !now.Before(s.killAt) {
		s.log.Warn("kill deadline passed: sending SIGKILL", "term", s.term, "late", now.Sub(s.killAt))
		s.ch.kill()
		s.ended = true
		return
	}
	if !now.Before(s.authEnd) {
		s.endLeadership("authority deadline passed")
		return
	}
	s.authT.set(s.authEnd)
	s.killT.set(s.killAt)
}

// endLeadership stops CMD, if it runs, because leadership ended.
func (s *supervisor) endLeadership(why string) {
	if s.ended {
		return
	}
	s.ended = true
	if !s.running {
		return
	}
	s.log.Warn(why+": stopping CMD with SIGTERM", "term", s.term, "grace", s.o.grace)
	s.stopCmd(syscall.SIGTERM)
}

// stopCmd sends sig to CMD and starts the grace period, once.
func (s *supervisor) stopCmd(sig os.Signal) {
	s.ch.signal(sig)
	if !s.stopping {
		s.stopping = true
		s.graceT.set(time.Now().Add(s.o.grace))
	}
}

// onExit handles the end of CMD (or of the gate before CMD started).
func (s *supervisor) onExit(ex exitInfo) {
	if !s.started {
		s.fail("CMD's process ended before elect led: " + ex.what)
		return
	}
	s.running = false
	s.authT.clear()
	s.killT.clear()
	s.graceT.clear()
	if !time.Now().Before(s.authEnd) {
		s.ended = true // authority passed before elect saw it
	}
	switch {
	case s.code >= 0: // a failure decided it
	case s.ended:
		s.code = exitLost
	default:
		s.code = ex.code
	}
	s.log.Info("CMD "+ex.what, "term", s.term)
	s.done()
	s.ch.close()
	if !s.ended {
		s.task <- ex.code == 0 // the election resigns and releases the lease
	}
	s.closeTask()
	close(s.lead.done)
}

// onRead handles a read of the lock before leading, for --no-wait.
func (s *supervisor) onRead(r readResult) {
	if s.started || s.quitting || s.lead != nil {
		return
	}
	switch {
	case r.err != nil:
		s.log.Error("--no-wait: cannot read the lock", "error", r.err)
		s.code = exitFail
		s.quit()
	case r.holder == "":
	case s.ol.provesDeath:
		// The file lock learns at once whether the holder's process is
		// gone; give it a moment to say so.
		if !s.probeT.armed() {
			s.probeT.set(time.Now().Add(noWaitProbe))
		}
	default:
		s.giveUpHeld()
	}
}

// giveUpHeld ends a --no-wait run: another candidate holds the lease.
func (s *supervisor) giveUpHeld() {
	s.log.Info("--no-wait: the lease is held by another candidate", "holder", s.le.GetLeader())
	s.code = exitHeld
	s.quit()
}

// onSignal forwards a signal to CMD, or ends the wait for leadership.
func (s *supervisor) onSignal(sig os.Signal) {
	switch {
	case slices.Contains(contSignal, sig):
		s.enforce()
	case slices.Contains(passSignals, sig):
		if s.running {
			s.ch.signal(sig)
		}
	case s.running:
		s.log.Info("forwarding signal to CMD", "signal", sig.String())
		s.quitting = true
		s.stopCmd(sig)
	case !s.quitting:
		s.log.Info("stopped by signal before CMD started", "signal", sig.String())
		if s.code < 0 {
			s.code = 128 + signalNumber(sig)
		}
		s.quit()
	}
}

// fail ends the run with exit code 1, stopping CMD if it runs.
func (s *supervisor) fail(msg string) {
	s.log.Error(msg)
	s.code = exitFail
	if s.running {
		s.stopCmd(syscall.SIGTERM)
	}
	s.quit()
}

// quit stops campaigning: the election ends once CMD, if it runs, has
// exited.
func (s *supervisor) quit() {
	s.quitting = true
	if !s.running {
		s.closeTask()
	}
}

// closeTask shuts the election down: it releases the lease if it holds it.
func (s *supervisor) closeTask() {
	if s.tasks {
		s.tasks = false
		close(s.task)
	}
}

// signalNumber returns a signal's number, or 15 (SIGTERM) when it has
// none.
func signalNumber(sig os.Signal) int {
	if n, ok := sig.(syscall.Signal); ok {
		return int(n)
	}
	return 15
}

// timer is a time.Timer whose channel is nil while it is not armed, for
// use in a select.
type timer struct {
	t *time.Timer
	c <-chan time.Time
}

// set arms the timer for at, replacing any earlier setting.
func (t *timer) set(at time.Time) {
	t.clear()
	t.t = time.NewTimer(time.Until(at))
	t.c = t.t.C
}

// clear disarms the timer.
func (t *timer) clear() {
	if t.t != nil {
		t.t.Stop()
	}
	t.t, t.c = nil, nil
}

func (t *timer) armed() bool { return t.c != nil }
