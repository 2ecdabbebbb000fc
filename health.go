package leaderelection

import (
	"errors"
	"fmt"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// Check reports the elector's health: nil while it runs normally. It fails
// when the elector still acts as leader (stop has not closed) although its
// renew deadline has passed (the process was paused, say, and has not run
// its timer yet), when a lock call has not returned for longer than
// RenewDeadline (a lock that ignores its context), when the lock's record is
// corrupt (the error names the problem; see the lock's documentation for
// recovery), and when every lock call has failed for longer than
// LeaseDuration. Package healthz serves it over HTTP.
func (le *LeaderElector) Check() error {
	le.mu.Lock()
	defer le.mu.Unlock()
	if le.m == nil {
		return ErrNotRunning
	}
	now := time.Now()
	if le.d.leading && !le.m.IsLeader(now) {
		return fmt.Errorf("%w (by %v)", ErrPastDeadline, now.Sub(le.m.LeaderUntil()))
	}
	if le.d.busy && now.Sub(le.d.callStart) > le.cfg.RenewDeadline {
		return fmt.Errorf("leaderelection: lock %s: a %s call has not returned for %v (the lock ignores its deadline)",
			le.name, le.d.callOp, now.Sub(le.d.callStart).Round(time.Millisecond))
	}
	err := le.m.LastError()
	if err == nil {
		return nil
	}
	if errors.Is(err, core.ErrInvalidRecord) {
		return fmt.Errorf("leaderelection: lock %s holds a corrupt record: %w", le.name, err)
	}
	if !le.d.errSince.IsZero() && now.Sub(le.d.errSince) > le.cfg.LeaseDuration {
		return fmt.Errorf("leaderelection: lock %s failing for %v: %w", le.name, now.Sub(le.d.errSince).Round(time.Millisecond), err)
	}
	return nil
}
