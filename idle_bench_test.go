package leaderelection

import (
	"context"
	"runtime"
	"runtime/debug"
	"sync"
	"testing"
	"time"

	"github.com/leaderelection/leaderelection/core"
	"github.com/leaderelection/leaderelection/locks/mem"
)

// BenchmarkIdleElectors measures what 1,000 idle electors cost, started
// with Start, as the seed's users ran one elector per task: the heap and
// the goroutines each adds once it has settled. "leader": each holds its
// own lease and renews it; "follower": each lease is held by a foreign
// holder. Callbacks return at once, so goroutines counted are the library's.
func BenchmarkIdleElectors(b *testing.B) {
	for _, role := range []string{"leader", "follower"} {
		b.Run(role, func(b *testing.B) {
			for range b.N {
				heap, gor := measureIdle(b, 1000, role == "leader")
				b.ReportMetric(heap, "heap-B/elector")
				b.ReportMetric(gor, "goroutines/elector")
			}
		})
	}
}

func heapNow() uint64 {
	runtime.GC()
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func measureIdle(b *testing.B, n int, lead bool) (heapPerElector, goroutinesPerElector float64) {
	b.Helper()
	stores := make([]*mem.Store, n)
	locks := make([]core.Lock, n)
	for i := range stores {
		stores[i] = mem.NewStore()
		locks[i] = stores[i].Lock("me")
		if !lead {
			// A foreign holder renews nothing but holds for an hour.
			stores[i].Lock("other").Create(context.Background(), core.Record{
				HolderIdentity: "other", LeaseDuration: time.Hour, Term: 1, Seq: 1})
		}
	}
	var started sync.WaitGroup
	if lead {
		started.Add(n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base := heapNow()
	g0 := runtime.NumGoroutine()
	les := make([]*LeaderElector, n)
	for i := range les {
		le, err := NewLeaderElector(LeaderElectionConfig{
			Lock: locks[i], LeaseDuration: 15 * time.Second, RenewDeadline: 10 * time.Second, RetryPeriod: 2 * time.Second,
			Callbacks: LeaderCallbacks{OnStartedLeading: func(<-chan struct{}) { started.Done() }},
		})
		if err != nil {
			b.Fatal(err)
		}
		les[i] = le
		if err := le.Start(ctx); err != nil {
			b.Fatal(err)
		}
	}
	started.Wait()
	// Let the first round of timers and callbacks finish.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > g0 && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	after := heapNow()
	g1 := runtime.NumGoroutine()
	runtime.KeepAlive(les)
	return float64(int64(after)-int64(base)) / float64(n), float64(g1-g0) / float64(n)
}
