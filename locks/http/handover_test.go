package httplock

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/leaderelection/leaderelection"
	"github.com/leaderelection/leaderelection/core"
)

// Handover timings: RetryPeriod 2s, as in the target, so that
// polling alone would take a second or more; only the long-poll makes a
// handover fast.
const (
	hoLease  = 15 * time.Second
	hoRenew  = 10 * time.Second
	hoRetry  = 2 * time.Second
	hoTrials = 200
)

// handoverRig is a reference server whose long-poll hook reports which
// candidate's long-poll is waiting on which lock.
type handoverRig struct {
	srv     *refServer
	waiting chan string // "lock candidate"
}

func newHandoverRig(t testing.TB) *handoverRig {
	h := &handoverRig{waiting: make(chan string, 64)}
	h.srv = newRefServerHook(t, ServerConfig{}, func(name string, r *http.Request) {
		select {
		case h.waiting <- name + " " + r.Header.Get("X-Candidate"):
		default:
		}
	})
	return h
}

// candidate starts an elector for id on lock name and returns channels for
// its callbacks and a cancel function.
type hoCandidate struct {
	started chan time.Time
	leader  chan string
	done    chan struct{}
	cancel  context.CancelFunc
}

func (h *handoverRig) candidate(t testing.TB, name, id string) *hoCandidate {
	t.Helper()
	l := newLock(t, h.srv.url(name), id, WithoutProbe(), WithRequestHook(func(r *http.Request) error {
		r.Header.Set("X-Candidate", id)
		return nil
	}))
	c := &hoCandidate{started: make(chan time.Time, 1), leader: make(chan string, 16), done: make(chan struct{})}
	le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock: l, LeaseDuration: hoLease, RenewDeadline: hoRenew, RetryPeriod: hoRetry,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(<-chan struct{}) { c.started <- time.Now() },
			OnNewLeader: func(id string) {
				select {
				case c.leader <- id:
				default:
				}
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	go func() {
		le.RunContext(ctx)
		close(c.done)
	}()
	return c
}

// await waits for a value on ch or fails after 10s.
func await[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: nothing within 10s", what)
	}
	var zero T
	return zero
}

// trial runs one graceful handover on a fresh lock and returns the time
// from cancelling the leader's context to the follower's OnStartedLeading.
func (h *handoverRig) trial(t testing.TB, n int) time.Duration {
	name := "handover-" + strconv.Itoa(n)
	a := h.candidate(t, name, "a")
	await(t, a.started, "a to lead")
	b := h.candidate(t, name, "b")
	for id := await(t, b.leader, "b to observe a leader"); id != "a"; id = await(t, b.leader, "b to observe a") {
	}
	for w := await(t, h.waiting, "b's long-poll"); w != name+" b"; w = await(t, h.waiting, "b's long-poll") {
	}
	start := time.Now()
	a.cancel()
	took := await(t, b.started, "b to lead after a released").Sub(start)
	<-a.done
	b.cancel()
	<-b.done
	return took
}

// percentile returns the p-th percentile (nearest rank) of sorted ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	i := int(float64(len(ds))*p+0.5) - 1
	return ds[max(0, min(i, len(ds)-1))]
}

// measureHandover runs n trials and returns the sorted latencies.
func measureHandover(t testing.TB, n int) []time.Duration {
	h := newHandoverRig(t)
	ds := make([]time.Duration, 0, n)
	for i := range n {
		ds = append(ds, h.trial(t, i))
	}
	slices.Sort(ds)
	return ds
}

// TestHandover checks that a graceful handover over the reference server
// on loopback, with RetryPeriod 2s, is seen at once through the long-poll:
// far below one RetryPeriod. The tight target (p50 < 1ms, p99 < 5ms) is
// reported by BenchmarkHandover; this test allows for a loaded machine.
func TestHandover(t *testing.T) {
	ds := measureHandover(t, 50)
	p50, p90 := percentile(ds, 0.5), percentile(ds, 0.9)
	t.Logf("graceful handover, %d trials: p50 %v, p90 %v, max %v", len(ds), p50, p90, ds[len(ds)-1])
	// Without the long-poll a handover takes about one RetryPeriod (2s).
	if p50 > 50*time.Millisecond || p90 > 500*time.Millisecond {
		t.Errorf("handover p50 %v, p90 %v; want far below RetryPeriod %v (p50 < 50ms, p90 < 500ms)", p50, p90, hoRetry)
	}
}

// BenchmarkHandover measures graceful handovers over the reference server
// on loopback with RetryPeriod 2s: the leader's context is cancelled (it
// releases the lease with a conditional PUT), and the follower, parked in
// a long-poll, leads. Reported: p50-ns, p99-ns and max-ns of the time from
// the cancel to the follower's OnStartedLeading, over hoTrials trials per
// benchmark iteration.
func BenchmarkHandover(b *testing.B) {
	var all []time.Duration
	for b.Loop() {
		all = append(all, measureHandover(b, hoTrials)...)
	}
	slices.Sort(all)
	b.ReportMetric(float64(percentile(all, 0.5).Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(percentile(all, 0.99).Nanoseconds()), "p99-ns")
	b.ReportMetric(float64(all[len(all)-1].Nanoseconds()), "max-ns")
	b.ReportMetric(0, "ns/op")
	fmt.Printf("SUMMARY handover_http trials=%d p50=%v p99=%v max=%v retry=%v\n",
		len(all), percentile(all, 0.5), percentile(all, 0.99), all[len(all)-1], hoRetry)
}

// TestLockLevelHandover measures, without the driver, the time from the
// start of a release PUT to the callback of a watch parked on the server.
func TestLockLevelHandover(t *testing.T) {
	h := newHandoverRig(t)
	ctx := context.Background()
	var ds []time.Duration
	for i := range 50 {
		name := "lock-level-" + strconv.Itoa(i)
		leader := newLock(t, h.srv.url(name), "a", WithoutProbe())
		follower := newLock(t, h.srv.url(name), "b", WithoutProbe(), WithRequestHook(func(r *http.Request) error {
			r.Header.Set("X-Candidate", "b")
			return nil
		}))
		v, err := leader.Create(ctx, core.Record{HolderIdentity: "a", LeaseDuration: hoLease})
		if err != nil {
			t.Fatal(err)
		}
		fired := make(chan time.Time, 1)
		cancel := follower.Watch(v, func(core.WatchEvent) { fired <- time.Now() })
		for w := await(t, h.waiting, "the follower's long-poll"); w != name+" b"; w = await(t, h.waiting, "long-poll") {
		}
		start := time.Now()
		if _, err := leader.Update(ctx, core.Record{LeaseDuration: hoLease, Seq: 1}, v); err != nil {
			t.Fatal(err)
		}
		ds = append(ds, await(t, fired, "watch").Sub(start))
		cancel()
	}
	slices.Sort(ds)
	t.Logf("release PUT to watch callback, %d trials: p50 %v, p99 %v", len(ds), percentile(ds, 0.5), percentile(ds, 0.99))
	if p50 := percentile(ds, 0.5); p50 > 50*time.Millisecond {
		t.Errorf("release to watch callback p50 %v; want well below RetryPeriod", p50)
	}
}
