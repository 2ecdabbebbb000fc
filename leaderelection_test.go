package leaderelection

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/leaderelection/leaderelection/core"
	"github.com/leaderelection/leaderelection/locks/mem"
)

const (
	lease = 15 * time.Second
	renew = 10 * time.Second
	retry = 2 * time.Second
)

// journal records callbacks in the order they ran, across candidates.
type journal struct {
	mu      sync.Mutex
	lines   []string
	leading map[string]bool
	stops   map[string]<-chan struct{}
	t       *testing.T
}

func newJournal(t *testing.T) *journal {
	return &journal{t: t, leading: map[string]bool{}, stops: map[string]<-chan struct{}{}}
}

func (j *journal) add(format string, args ...any) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.lines = append(j.lines, fmt.Sprintf(format, args...))
}

func (j *journal) snapshot() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.lines)
}

// callbacks returns callbacks for candidate id that write to the journal
// and check the ordering rules as they run.
func (j *journal) callbacks(id string) LeaderCallbacks {
	var newLeaderBusy sync.Mutex
	return LeaderCallbacks{
		OnStartedLeading: func(stop <-chan struct{}) {
			j.mu.Lock()
			j.leading[id] = true
			j.stops[id] = stop
			j.mu.Unlock()
			j.add("%s started", id)
		},
		OnStoppedLeading: func() {
			j.mu.Lock()
			stop := j.stops[id]
			j.leading[id] = false
			j.mu.Unlock()
			select {
			case <-stop:
			default:
				j.t.Errorf("%s: OnStoppedLeading ran before stop closed", id)
			}
			j.add("%s stopped", id)
		},
		OnNewLeader: func(leader string) {
			if !newLeaderBusy.TryLock() {
				j.t.Errorf("%s: OnNewLeader calls overlap", id)
				return
			}
			defer newLeaderBusy.Unlock()
			j.add("%s sees %s", id, leader)
		},
	}
}

type candidate struct {
	id   string
	lock *mem.Lock
	le   *LeaderElector
}

func newCandidates(t *testing.T, store *mem.Store, j *journal, n int, mod func(*LeaderElectionConfig)) []*candidate {
	t.Helper()
	var cs []*candidate
	for i := range n {
		id := string(rune('a' + i))
		c := &candidate{id: id, lock: store.Lock(id)}
		cfg := LeaderElectionConfig{
			Lock: c.lock, LeaseDuration: lease, RenewDeadline: renew, RetryPeriod: retry,
			Callbacks: j.callbacks(id),
		}
		if mod != nil {
			mod(&cfg)
		}
		le, err := NewLeaderElector(cfg)
		if err != nil {
			t.Fatal(err)
		}
		c.le = le
		cs = append(cs, c)
	}
	return cs
}

func leaders(cs []*candidate) []string {
	var ids []string
	for _, c := range cs {
		if c.le.IsLeader() {
			ids = append(ids, c.id)
		}
	}
	return ids
}

// watchLeaders advances virtual time in steps of step for d, and fails
// the test if two candidates ever lead at once. It returns the leader
// seen at the end.
func watchLeaders(t *testing.T, cs []*candidate, d, step time.Duration) []string {
	t.Helper()
	var ids []string
	for end := time.Now().Add(d); time.Now().Before(end); {
		time.Sleep(step)
		synctest.Wait()
		ids = leaders(cs)
		if len(ids) > 1 {
			t.Fatalf("at %v: %d leaders at once: %v", time.Now(), len(ids), ids)
		}
	}
	return ids
}

func TestExactlyOneLeads(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j := newJournal(t)
		cs := newCandidates(t, mem.NewStore(), j, 3, nil)
		ctx, cancel := context.WithCancel(t.Context())
		for _, c := range cs {
			if err := c.le.Start(ctx); err != nil {
				t.Fatal(err)
			}
		}
		got := watchLeaders(t, cs, 10*time.Minute, 100*time.Millisecond)
		if len(got) != 1 {
			t.Fatalf("leaders after 10m = %v, want exactly one", got)
		}
		for _, c := range cs {
			if l := c.le.GetLeader(); l != got[0] {
				t.Errorf("%s.GetLeader() = %q, want %q", c.id, l, got[0])
			}
		}
		if diff := cmp.Diff([]string{got[0] + " started"}, filter(j.snapshot(), "started", "stopped")); diff != "" {
			t.Errorf("leadership callbacks (-want +got):\n%s", diff)
		}
		cancel()
		for _, c := range cs {
			<-c.le.Done()
		}
	})
}

func filter(lines []string, words ...string) []string {
	var out []string
	for _, l := range lines {
		for _, w := range words {
			if strings.HasSuffix(l, " "+w) {
				out = append(out, l)
			}
		}
	}
	return out
}

// runAll starts Run(task) for each candidate and returns a channel per
// candidate that closes when its Run returns.
func runAll(cs []*candidate, tasks []chan bool) []chan struct{} {
	var done []chan struct{}
	for i, c := range cs {
		ch := make(chan struct{})
		done = append(done, ch)
		go func() {
			defer close(ch)
			c.le.Run(tasks[i])
		}()
	}
	return done
}

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func TestTaskTrueEndsCampaignWithoutLeading(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j := newJournal(t)
		store := mem.NewStore()
		cs := newCandidates(t, store, j, 3, nil)
		tasks := []chan bool{make(chan bool, 1), make(chan bool, 1), make(chan bool, 1)}
		done := runAll(cs, tasks)
		time.Sleep(time.Second)
		synctest.Wait()
		ls := leaders(cs)
		if len(ls) != 1 {
			t.Fatalf("leaders = %v, want one", ls)
		}
		for i, c := range cs {
			if c.id != ls[0] {
				tasks[i] <- true // the task was done elsewhere
			}
		}
		synctest.Wait()
		for i, c := range cs {
			if got, want := closed(done[i]), c.id != ls[0]; got != want {
				t.Errorf("%s: Run returned = %v, want %v", c.id, got, want)
			}
		}
		if diff := cmp.Diff([]string{ls[0] + " started"}, filter(j.snapshot(), "started", "stopped")); diff != "" {
			t.Errorf("callbacks (-want +got):\n%s", diff)
		}
		for i, c := range cs {
			if c.id == ls[0] {
				tasks[i] <- true
				<-done[i]
			}
		}
		if rec, _, _ := store.Snapshot(); rec.HolderIdentity != "" {
			t.Errorf("after the leader's task ended, holder = %q, want released", rec.HolderIdentity)
		}
	})
}

// noWatch hides a lock's Watch method, so the election polls.
type noWatch struct{ core.Lock }

func TestTaskFalseHandsOver(t *testing.T) {
	for _, watch := range []bool{true, false} {
		t.Run(fmt.Sprintf("watch=%v", watch), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				j := newJournal(t)
				store := mem.NewStore()
				cs := newCandidates(t, store, j, 3, func(c *LeaderElectionConfig) {
					if !watch {
						c.Lock = noWatch{c.Lock}
					}
				})
				tasks := []chan bool{make(chan bool, 1), make(chan bool, 1), make(chan bool, 1)}
				done := runAll(cs, tasks)
				time.Sleep(5 * time.Second)
				synctest.Wait()
				first := leaders(cs)
				if len(first) != 1 {
					t.Fatalf("leaders = %v, want one", first)
				}
				var idx int
				for i, c := range cs {
					if c.id == first[0] {
						idx = i
					}
				}
				t0 := time.Now()
				tasks[idx] <- false // the task failed: step down, let another try
				<-done[idx]
				if rec, _, _ := store.Snapshot(); rec.HolderIdentity == first[0] {
					t.Fatalf("holder after step-down = %q, want released or taken over", rec.HolderIdentity)
				}
				var next []string
				for len(next) == 0 {
					time.Sleep(time.Millisecond)
					synctest.Wait()
					next = leaders(cs)
				}
				took := time.Since(t0)
				if limit := time.Duration(float64(retry) * JitterFactor); took > limit {
					t.Errorf("takeover took %v, want at most JitterFactor × RetryPeriod = %v", took, limit)
				}
				if watch && took > time.Millisecond {
					t.Errorf("with a watching lock the takeover took %v, want at once", took)
				}
				if next[0] == first[0] {
					t.Errorf("the leader that stepped down leads again")
				}
				for i := range cs {
					if !closed(done[i]) {
						close(tasks[i])
						<-done[i]
					}
				}
			})
		})
	}
}

func TestTermLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j := newJournal(t)
		store := mem.NewStore()
		cs := newCandidates(t, store, j, 2, func(c *LeaderElectionConfig) { c.TermLimit = time.Minute })
		ctx, cancel := context.WithCancel(t.Context())
		for _, c := range cs {
			c.le.Start(ctx)
		}
		watchLeaders(t, cs, 5*time.Minute+30*time.Second, 50*time.Millisecond)
		cancel()
		for _, c := range cs {
			<-c.le.Done()
		}
		rec, _, _ := store.Snapshot()
		// Terms of one minute each, handing over: about five terms, and the
		// lease passes between the two candidates.
		if rec.Term < 5 || rec.Term > 7 {
			t.Errorf("terms in 5m30s with a 1m limit = %d, want 5 to 7", rec.Term)
		}
		starts := filter(j.snapshot(), "started")
		for i := 1; i < len(starts); i++ {
			if starts[i] == starts[i-1] {
				t.Errorf("term %d went to the same candidate as the one before (%s): the yield failed", i+1, starts[i])
			}
		}
	})
}

func TestTermLimitZeroIsForever(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j := newJournal(t)
		store := mem.NewStore()
		cs := newCandidates(t, store, j, 3, nil) // TermLimit 0
		tasks := []chan bool{make(chan bool), make(chan bool), make(chan bool)}
		done := runAll(cs, tasks)
		time.Sleep(7 * 24 * time.Hour)
		synctest.Wait()
		rec, _, _ := store.Snapshot()
		if rec.Term != 1 || rec.HolderIdentity == "" {
			t.Errorf("after 7 days: holder %q term %d, want the first leader still in term 1", rec.HolderIdentity, rec.Term)
		}
		if ls := leaders(cs); len(ls) != 1 {
			t.Errorf("leaders after 7 days = %v", ls)
		}
		if got := filter(j.snapshot(), "stopped"); len(got) != 0 {
			t.Errorf("terms ended: %v", got)
		}
		for i := range cs {
			close(tasks[i]) // shutdown
			<-done[i]
		}
	})
}

func TestRenewFailureClosesStopFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j := newJournal(t)
		store := mem.NewStore()
		cs := newCandidates(t, store, j, 1, nil)
		c := cs[0]
		done := runAll(cs, []chan bool{make(chan bool)})
		time.Sleep(time.Second)
		synctest.Wait()
		if !c.le.IsLeader() {
			t.Fatal("the only candidate does not lead")
		}
		tok, ok := c.le.FencingToken()
		if !ok || tok != 1 {
			t.Errorf("FencingToken() = %d, %v, want 1, true", tok, ok)
		}
		failAt := time.Now()
		c.lock.SetFault(func(mem.Op) error { return errors.New("injected: store unreachable") })
		<-done[0]
		took := time.Since(failAt)
		if took > renew {
			t.Errorf("stepped down %v after renewals began to fail, want within RenewDeadline %v", took, renew)
		}
		if diff := cmp.Diff([]string{"a sees a", "a started", "a stopped"}, j.snapshot()); diff != "" {
			t.Errorf("callbacks (-want +got):\n%s", diff)
		}
		if _, ok := c.le.FencingToken(); ok {
			t.Error("FencingToken() still ok after stepping down")
		}
	})
}

func TestOnNewLeaderOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j := newJournal(t)
		store := mem.NewStore()
		cs := newCandidates(t, store, j, 3, func(c *LeaderElectionConfig) { c.TermLimit = 30 * time.Second })
		ctx, cancel := context.WithCancel(t.Context())
		for _, c := range cs {
			c.le.Start(ctx)
		}
		watchLeaders(t, cs, 3*time.Minute, 100*time.Millisecond)
		cancel()
		for _, c := range cs {
			<-c.le.Done()
		}
		// Each candidate saw the holders in the order they held the lease:
		// the order of "started" lines.
		var holders []string
		for _, l := range filter(j.snapshot(), "started") {
			holders = append(holders, strings.Fields(l)[0])
		}
		for _, c := range cs {
			var seen []string
			for _, l := range j.snapshot() {
				if f := strings.Fields(l); f[0] == c.id && f[1] == "sees" {
					seen = append(seen, f[2])
				}
			}
			// A candidate may miss a short term it never polled, but never
			// sees holders out of order.
			if !isSubsequence(seen, holders) {
				t.Errorf("%s saw leaders %v, not in the order they led %v", c.id, seen, holders)
			}
			if len(seen) < len(holders)/2 {
				t.Errorf("%s saw only %d of %d leaders", c.id, len(seen), len(holders))
			}
		}
	})
}

func isSubsequence(sub, seq []string) bool {
	i := 0
	for _, s := range seq {
		if i < len(sub) && sub[i] == s {
			i++
		}
	}
	return i == len(sub)
}

func TestSubSecondLeaseNeverTwoLeaders(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j := newJournal(t)
		store := mem.NewStore()
		cs := newCandidates(t, store, j, 3, func(c *LeaderElectionConfig) {
			c.LeaseDuration, c.RenewDeadline, c.RetryPeriod = 900*time.Millisecond, 600*time.Millisecond, 200*time.Millisecond
			c.TermLimit = 5 * time.Second
		})
		ctx, cancel := context.WithCancel(t.Context())
		for _, c := range cs {
			c.le.Start(ctx)
		}
		// Flaky store: every candidate's calls fail for a while in turn.
		for round := range 20 {
			c := cs[round%3]
			c.lock.SetFault(func(mem.Op) error { return errors.New("injected") })
			watchLeaders(t, cs, 2*time.Second, 10*time.Millisecond)
			c.lock.SetFault(nil)
			watchLeaders(t, cs, 2*time.Second, 10*time.Millisecond)
		}
		cancel()
		for _, c := range cs {
			<-c.le.Done()
		}
		rec, _, _ := store.Snapshot()
		if rec.LeaseDuration != 900*time.Millisecond {
			t.Errorf("record's lease = %v, want 900ms kept exactly", rec.LeaseDuration)
		}
		if rec.Term < 10 {
			t.Errorf("only %d terms: the faults did not move the lease", rec.Term)
		}
	})
}

// hangingLock blocks Update until released, ignoring its context, as a
// broken store client might.
type hangingLock struct {
	*mem.Lock
	hang    chan struct{}
	hanging bool
	mu      sync.Mutex
}

func (h *hangingLock) Update(ctx context.Context, r core.Record, v core.Version) (core.Version, error) {
	h.mu.Lock()
	hanging := h.hanging
	h.mu.Unlock()
	if hanging {
		<-h.hang
		return "", errors.New("hung")
	}
	return h.Lock.Update(ctx, r, v)
}

// A lock that ignores its context and hangs must not keep a leader's
// work running past its authority: stop closes and OnStoppedLeading runs
// at the renew deadline while the call is still in flight, and Check
// reports the hung call.
func TestHungLockStepsDownAtDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j := newJournal(t)
		store := mem.NewStore()
		h := &hangingLock{Lock: store.Lock("a"), hang: make(chan struct{})}
		le, err := NewLeaderElector(LeaderElectionConfig{Lock: h, LeaseDuration: lease, RenewDeadline: renew, RetryPeriod: retry,
			Callbacks: j.callbacks("a")})
		if err != nil {
			t.Fatal(err)
		}
		if err := le.Check(); !errors.Is(err, ErrNotRunning) {
			t.Errorf("Check before running = %v, want ErrNotRunning", err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		le.Start(ctx)
		time.Sleep(time.Second)
		synctest.Wait()
		if err := le.Check(); err != nil {
			t.Fatalf("Check while leading = %v, want nil", err)
		}
		h.mu.Lock()
		h.hanging = true
		h.mu.Unlock()
		renewedAt := time.Now().Truncate(retry) // the last renewal began on a RetryPeriod boundary
		time.Sleep(renew)                       // past the deadline, the next renewal hanging
		synctest.Wait()
		if le.IsLeader() {
			t.Error("IsLeader() true past the renew deadline")
		}
		if diff := cmp.Diff([]string{"a sees a", "a started", "a stopped"}, j.snapshot()); diff != "" {
			t.Errorf("callbacks while the call hangs (-want +got):\n%s", diff)
		}
		time.Sleep(renewedAt.Add(2 * renew).Sub(time.Now()))
		synctest.Wait()
		if err := le.Check(); err == nil || !strings.Contains(err.Error(), "has not returned") {
			t.Errorf("Check with a call hung past RenewDeadline = %v, want it reported", err)
		}
		h.mu.Lock()
		h.hanging = false
		h.mu.Unlock()
		close(h.hang)
		cancel()
		<-le.Done()
	})
}

func TestNewLeaderElectorValidates(t *testing.T) {
	store := mem.NewStore()
	ok := LeaderElectionConfig{Lock: store.Lock("a"), LeaseDuration: lease, RenewDeadline: renew, RetryPeriod: retry}
	tests := []struct {
		name   string
		mod    func(*LeaderElectionConfig)
		field  string
		reason string
	}{
		{"nil lock", func(c *LeaderElectionConfig) { c.Lock = nil }, "Lock", "a lock is required"},
		{"empty identity", func(c *LeaderElectionConfig) { c.Lock = store.Lock("") }, "Identity", "the record needs a holder name"},
		{"lease not above renew", func(c *LeaderElectionConfig) { c.LeaseDuration = renew }, "LeaseDuration", "followers would expire the lease while the leader still leads"},
		{"renew not above jittered retry", func(c *LeaderElectionConfig) { c.RenewDeadline = 2400 * time.Millisecond }, "RenewDeadline", "1.2 × 2s = 2.4s leaves no retry before the deadline"},
		{"zero retry", func(c *LeaderElectionConfig) { c.RetryPeriod = 0 }, "RetryPeriod", "the retry interval must be positive"},
		{"negative term limit", func(c *LeaderElectionConfig) { c.TermLimit = -time.Second }, "TermLimit", "0 means no limit; negative means nothing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.mod(&cfg)
			_, err := NewLeaderElector(cfg)
			var ce *core.ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("err = %v, want a *core.ConfigError (%s)", err, tt.reason)
			}
			if ce.Field != tt.field {
				t.Errorf("error names field %q, want %q: %v", ce.Field, tt.field, err)
			}
		})
	}
	sub := ok
	sub.LeaseDuration, sub.RenewDeadline, sub.RetryPeriod = 900*time.Millisecond, 600*time.Millisecond, 200*time.Millisecond
	if _, err := NewLeaderElector(sub); err != nil {
		t.Errorf("900ms/600ms/200ms rejected: %v", err)
	}
}

func TestCheckReportsCorruptRecord(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lock := mem.NewStore().Lock("a")
		corrupt := fmt.Errorf("file: /run/lock/app.lease: %w", &core.RecordError{Offset: 3, Msg: "want a field name"})
		lock.SetFault(func(mem.Op) error { return corrupt })
		le, err := NewLeaderElector(LeaderElectionConfig{Lock: lock, LeaseDuration: lease, RenewDeadline: renew, RetryPeriod: retry})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		le.Start(ctx)
		time.Sleep(time.Second)
		synctest.Wait()
		err = le.Check()
		if !errors.Is(err, core.ErrInvalidRecord) || !strings.Contains(err.Error(), "/run/lock/app.lease") {
			t.Errorf("Check() = %v, want the corrupt record named", err)
		}
		if le.IsLeader() {
			t.Error("leads on a corrupt record")
		}
		lock.SetFault(nil) // the operator deleted the file: the store answers again
		time.Sleep(3 * time.Second)
		synctest.Wait()
		if err := le.Check(); err != nil || !le.IsLeader() {
			t.Errorf("after recovery: Check() = %v, IsLeader() = %v, want nil, true", err, le.IsLeader())
		}
		cancel()
		<-le.Done()
	})
}
