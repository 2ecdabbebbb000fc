package renew

import (
	"context"
	"testing"
	"time"
	_ "unsafe" // go:linkname

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	coordv1client "k8s.io/client-go/kubernetes/typed/coordination/v1"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"

	h "github.com/leaderelection/leaderelection/bench/internal/cg"
)

// tryAcquireOrRenew is the unexported per-round function of LeaderElector
// (acquire() and renew() call it once per RetryPeriod). Pulled in with
// go:linkname so the real code path -- not a re-implementation -- is timed.
//
//go:linkname tryAcquireOrRenew k8s.io/client-go/tools/leaderelection.(*LeaderElector).tryAcquireOrRenew
func tryAcquireOrRenew(le *leaderelection.LeaderElector, ctx context.Context) bool

type backend struct {
	name   string
	leases func() (coordv1client.LeasesGetter, func())
}

// backends: the fake clientset in its two flavours (+ our CAS reactor), and a
// null in-memory client as a floor. clear() empties the fake's action log,
// which otherwise grows by one deep-copied Action per call forever.
var backends = []backend{
	{"fake-simple", func() (coordv1client.LeasesGetter, func()) {
		s := h.NewStore("simple", false)
		return s.CS.CoordinationV1(), s.CS.ClearActions
	}},
	{"fake-managed", func() (coordv1client.LeasesGetter, func()) {
		s := h.NewStore("managed", false)
		return s.CS.CoordinationV1(), s.CS.ClearActions
	}},
	{"fake-simple-cas", func() (coordv1client.LeasesGetter, func()) {
		s := h.NewStore("simple", true)
		return s.CS.CoordinationV1(), s.CS.ClearActions
	}},
	{"null", func() (coordv1client.LeasesGetter, func()) { return h.NewNull(), func() {} }},
}

func rec(id string) resourcelock.LeaderElectionRecord {
	now := metav1.NewTime(time.Now())
	return resourcelock.LeaderElectionRecord{HolderIdentity: id, LeaseDurationSeconds: 15, AcquireTime: now, RenewTime: now}
}

func newLock(b *testing.B, c coordv1client.LeasesGetter, id string) *resourcelock.LeaseLock {
	l := h.Lock(c, "default", "bench", id)
	ctx := context.Background()
	if _, _, err := l.Get(ctx); err != nil {
		if err := l.Create(ctx, rec(id)); err != nil {
			b.Fatal(err)
		}
	}
	return l
}

const clearEvery = 4096

// Lock-level: what one renewal does on the wire.
//
//	Get       = follower poll (and leader slow path, step 2)
//	Update    = leader fast-path renewal (tryAcquireOrRenew step 1)
//	GetUpdate = acquire / slow-path renewal (step 2 + 4)
func BenchmarkLock(b *testing.B) {
	ctx := context.Background()
	for _, be := range backends {
		b.Run("Get/"+be.name, func(b *testing.B) {
			c, clear := be.leases()
			l := newLock(b, c, "a")
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, _, err := l.Get(ctx); err != nil {
					b.Fatal(err)
				}
				if i%clearEvery == 0 {
					clear()
				}
			}
		})
		b.Run("Update/"+be.name, func(b *testing.B) {
			c, clear := be.leases()
			l := newLock(b, c, "a")
			r := rec("a")
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r.RenewTime = metav1.NewTime(time.Now())
				if err := l.Update(ctx, r); err != nil {
					b.Fatal(err)
				}
				if i%clearEvery == 0 {
					clear()
				}
			}
		})
		b.Run("GetUpdate/"+be.name, func(b *testing.B) {
			c, clear := be.leases()
			l := newLock(b, c, "a")
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				old, _, err := l.Get(ctx)
				if err != nil {
					b.Fatal(err)
				}
				r := rec("a")
				r.AcquireTime = old.AcquireTime
				r.LeaderTransitions = old.LeaderTransitions
				if err := l.Update(ctx, r); err != nil {
					b.Fatal(err)
				}
				if i%clearEvery == 0 {
					clear()
				}
			}
		})
	}
}

func elector(b *testing.B, l resourcelock.Interface) *leaderelection.LeaderElector {
	le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:          l,
		LeaseDuration: 15 * time.Second,
		RenewDeadline: 10 * time.Second,
		RetryPeriod:   2 * time.Second,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(context.Context) {},
			OnStoppedLeading: func() {},
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	return le
}

// Elector-level: one real tryAcquireOrRenew round.
//
//	Leader   = holder renewing (fast path: 1 Update)
//	Follower = non-holder polling a valid foreign lease (1 Get + json.Marshal)
func BenchmarkTryAcquireOrRenew(b *testing.B) {
	ctx := h.QuietCtx(context.Background())
	for _, be := range backends {
		b.Run("Leader/"+be.name, func(b *testing.B) {
			c, clear := be.leases()
			le := elector(b, h.Lock(c, "default", "bench", "a"))
			if !tryAcquireOrRenew(le, ctx) {
				b.Fatal("could not acquire")
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if !tryAcquireOrRenew(le, ctx) {
					b.Fatal("renew failed")
				}
				if i%clearEvery == 0 {
					clear()
				}
			}
		})
		b.Run("Follower/"+be.name, func(b *testing.B) {
			c, clear := be.leases()
			holder := h.Lock(c, "default", "bench", "holder")
			r := rec("holder")
			r.LeaseDurationSeconds = 3600
			if err := holder.Create(ctx, r); err != nil {
				b.Fatal(err)
			}
			le := elector(b, h.Lock(c, "default", "bench", "b"))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if tryAcquireOrRenew(le, ctx) {
					b.Fatal("follower acquired a valid foreign lease")
				}
				if i%clearEvery == 0 {
					clear()
				}
			}
		})
	}
}
