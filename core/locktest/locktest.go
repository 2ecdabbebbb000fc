package locktest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/leaderelection/leaderelection/core"
)

// Options tunes the suite. The zero value of each field selects its
// default, so Options{} runs the suite as Run does.
type Options struct {
	// Racers is the number of goroutines, each with its own handle, that
	// race in every round of the Create and Update races. Default 8.
	Racers int

	// Rounds is the number of rounds of each race, and of the
	// cancel-in-flight check. Default 50. Slow stores (a real server over
	// HTTP) may use fewer.
	Rounds int

	// Writes is the number of successive writes whose versions must all
	// differ. Default 100.
	Writes int

	// AllowTransient lets a racer get an error that is neither success nor
	// core.ErrConflict (a timeout of a loaded store, a 503) without failing
	// the test; such errors are logged. A round still has at most one
	// winner, and the stored record must be the winner's, or, in a round
	// nobody won, the record before the round or one of the racers'
	// records (a write may have been applied while its answer was lost).
	AllowTransient bool

	// Timeout bounds every operation of the suite and every wait for a
	// watch to fire. Default 10s. A Lock that exceeds it fails the test;
	// the suite never sleeps.
	Timeout time.Duration
}

// withDefaults returns o with zero fields set to their defaults.
func (o Options) withDefaults() Options {
	if o.Racers <= 0 {
		o.Racers = 8
	}
	if o.Rounds <= 0 {
		o.Rounds = 50
	}
	if o.Writes <= 0 {
		o.Writes = 100
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	return o
}

// Run runs the conformance suite against a Lock implementation with the
// default Options.
//
// newStore must return an opener on a fresh, empty store or record that no
// other call of newStore shares; every call of the opener must return a new
// handle on that same record, as another candidate process would open it.
// newStore is called once per subtest, and once per round of the Create
// race. Register cleanups with t.Cleanup on the t passed to newStore.
func Run(t *testing.T, newStore func(t *testing.T) func() core.Lock) {
	t.Helper()
	RunWithOptions(t, newStore, Options{})
}

// RunWithOptions runs the conformance suite against a Lock implementation,
// as Run does, tuned by opts.
func RunWithOptions(t *testing.T, newStore func(t *testing.T) func() core.Lock, opts Options) {
	t.Helper()
	s := &suite{newStore: newStore, opts: opts.withDefaults()}
	t.Run("GetAbsent", s.getAbsent)
	t.Run("Create", s.create)
	t.Run("CreateConflict", s.createConflict)
	t.Run("Update", s.update)
	t.Run("UpdateStale", s.updateStale)
	t.Run("UpdateAbsent", s.updateAbsent)
	t.Run("RoundTrip", s.roundTrip)
	t.Run("VersionChangesOnIdenticalWrite", s.versionIdentical)
	t.Run("VersionsNeverRepeat", s.versionsNeverRepeat)
	t.Run("CancelledContext", s.cancelled)
	t.Run("PastDeadline", s.pastDeadline)
	t.Run("CancelDuringUpdate", s.cancelDuringUpdate)
	t.Run("RaceCreate", s.raceCreate)
	t.Run("RaceUpdate", s.raceUpdate)
	t.Run("Watch", s.watch)
	t.Run("IdentityDescribe", s.identityDescribe)
}

// suite carries the configuration to every check.
type suite struct {
	newStore func(t *testing.T) func() core.Lock
	opts     Options
}

// open returns a new store's opener, failing the test on a nil opener.
func (s *suite) open(t *testing.T) func() core.Lock {
	t.Helper()
	open := s.newStore(t)
	if open == nil {
		t.Fatal("newStore returned a nil opener")
	}
	return open
}

// handle calls open and fails the test on a nil Lock.
func handle(t *testing.T, open func() core.Lock) core.Lock {
	t.Helper()
	l := open()
	if l == nil {
		t.Fatal("the opener returned a nil core.Lock")
	}
	return l
}

// ctx returns a context bounded by the suite's timeout, cancelled when the
// test ends.
func (s *suite) ctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), s.opts.Timeout)
	t.Cleanup(cancel)
	return ctx
}

// mustCreate creates r through l, failing the test on an error.
func (s *suite) mustCreate(t *testing.T, l core.Lock, r core.Record) core.Version {
	t.Helper()
	v, err := l.Create(s.ctx(t), r)
	if err != nil {
		t.Fatalf("%s: Create on an empty store: %v", l.Describe(), err)
	}
	return v
}

// mustUpdate updates through l from v, failing the test on an error.
func (s *suite) mustUpdate(t *testing.T, l core.Lock, r core.Record, v core.Version) core.Version {
	t.Helper()
	nv, err := l.Update(s.ctx(t), r, v)
	if err != nil {
		t.Fatalf("%s: Update from the current version %q: %v", l.Describe(), v, err)
	}
	return nv
}

// expect reads the record through l and checks that it is want at version
// v. what says which step the check follows, for the failure message.
func (s *suite) expect(t *testing.T, l core.Lock, want core.Record, v core.Version, what string) {
	t.Helper()
	got, gv, err := l.Get(s.ctx(t))
	if err != nil {
		t.Fatalf("%s: Get after %s: %v", l.Describe(), what, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s: Get after %s returned another record (-want +got):\n%s", l.Describe(), what, diff)
	}
	if gv != v {
		t.Errorf("%s: Get after %s returned version %q; want %q", l.Describe(), what, gv, v)
	}
}

// expectAbsent checks that Get through l answers core.ErrNotFound.
func (s *suite) expectAbsent(t *testing.T, l core.Lock, what string) {
	t.Helper()
	r, v, err := l.Get(s.ctx(t))
	if !errors.Is(err, core.ErrNotFound) {
		t.Errorf("%s: Get after %s = (%+v, %q, %v); want an error wrapping core.ErrNotFound", l.Describe(), what, r, v, err)
	}
}

// base is the time the suite's records are built around: the last
// nanosecond of a leap day, in UTC.
var base = time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.UTC)

// rec returns a simple, valid record distinct for each n.
func rec(holder string, n int64) core.Record {
	return core.Record{
		HolderIdentity:    holder,
		LeaseDuration:     time.Duration(n%60000+1) * time.Millisecond,
		AcquireTime:       base.Add(time.Duration(n)),
		RenewTime:         base.Add(time.Duration(n) * time.Second),
		LeaderTransitions: n,
		Term:              n,
		Seq:               n,
	}
}
