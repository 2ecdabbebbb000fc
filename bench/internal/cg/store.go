// Package cg is the client-go measurement plumbing of the peer harness
// (/work/shared/peers/clientgo/internal/h), copied unchanged so that
// client-go is driven exactly as there: a fake-clientset "API server"
// (optionally enforcing resourceVersion compare-and-swap like a real
// apiserver), latency injection (reactor-based and ctx-aware
// wrapper-based), elector construction, leadership-interval recording and
// small statistics helpers.
package cg

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	coordv1client "k8s.io/client-go/kubernetes/typed/coordination/v1"
	k8stesting "k8s.io/client-go/testing"
)

var leasesGVR = coordinationv1.SchemeGroupVersion.WithResource("leases")
var leasesGR = schema.GroupResource{Group: "coordination.k8s.io", Resource: "leases"}

// Store is a fake-clientset backed lease store.
type Store struct {
	CS  *fake.Clientset
	CAS bool

	mu sync.Mutex // serialises the CAS read-compare-write
	rv int64
}

// NewStore builds a fake clientset. kind is "simple" (fake.NewSimpleClientset,
// plain object tracker) or "managed" (fake.NewClientset, field-managed tracker).
// cas=true installs a reactor that gives leases real resourceVersions and
// rejects stale updates with 409 Conflict, as kube-apiserver does; the stock
// fake tracker does NOT do this (last writer wins).
func NewStore(kind string, cas bool) *Store {
	var cs *fake.Clientset
	switch kind {
	case "simple", "":
		cs = fake.NewSimpleClientset() //nolint:staticcheck // deliberately the lightest fake
	case "managed":
		cs = fake.NewClientset()
	default:
		panic("unknown store kind " + kind)
	}
	s := &Store{CS: cs, CAS: cas}
	if cas {
		cs.PrependReactor("create", "leases", s.casCreate)
		cs.PrependReactor("update", "leases", s.casUpdate)
	}
	return s
}

func (s *Store) casCreate(a k8stesting.Action) (bool, runtime.Object, error) {
	ca := a.(k8stesting.CreateAction)
	obj := ca.GetObject().(*coordinationv1.Lease).DeepCopy()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rv++
	obj.ResourceVersion = strconv.FormatInt(s.rv, 10)
	if err := s.CS.Tracker().Create(leasesGVR, obj, ca.GetNamespace()); err != nil {
		return true, nil, err
	}
	return true, obj.DeepCopy(), nil
}

func (s *Store) casUpdate(a k8stesting.Action) (bool, runtime.Object, error) {
	ua := a.(k8stesting.UpdateAction)
	obj := ua.GetObject().(*coordinationv1.Lease).DeepCopy()
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := s.CS.Tracker().Get(leasesGVR, ua.GetNamespace(), obj.Name)
	if err != nil {
		return true, nil, err
	}
	if obj.ResourceVersion != "" && obj.ResourceVersion != cur.(*coordinationv1.Lease).ResourceVersion {
		return true, nil, apierrors.NewConflict(leasesGR, obj.Name,
			fmt.Errorf("the object has been modified; please apply your changes to the latest version and try again"))
	}
	s.rv++
	obj.ResourceVersion = strconv.FormatInt(s.rv, 10)
	if err := s.CS.Tracker().Update(leasesGVR, obj, ua.GetNamespace()); err != nil {
		return true, nil, err
	}
	return true, obj.DeepCopy(), nil
}

// Dist is a latency distribution.
type Dist func() time.Duration

// ParseDist parses "0", "const:300ms", "spike:0.05:1.5s" (probability p of
// delay d, else 0) or "uniform:100ms:900ms".
func ParseDist(s string) (Dist, error) {
	if s == "" || s == "0" || s == "none" {
		return nil, nil
	}
	p := strings.Split(s, ":")
	switch p[0] {
	case "const":
		d, err := time.ParseDuration(p[1])
		if err != nil {
			return nil, err
		}
		return func() time.Duration { return d }, nil
	case "spike":
		pr, err := strconv.ParseFloat(p[1], 64)
		if err != nil {
			return nil, err
		}
		d, err := time.ParseDuration(p[2])
		if err != nil {
			return nil, err
		}
		return func() time.Duration {
			if rand.Float64() < pr {
				return d
			}
			return 0
		}, nil
	case "uniform":
		lo, err := time.ParseDuration(p[1])
		if err != nil {
			return nil, err
		}
		hi, err := time.ParseDuration(p[2])
		if err != nil {
			return nil, err
		}
		return func() time.Duration { return lo + time.Duration(rand.Int64N(int64(hi-lo)+1)) }, nil
	}
	return nil, fmt.Errorf("bad dist %q", s)
}

// AddSleepReactor prepends a reactor that sleeps d() and then lets the chain
// continue (the write happens after the sleep). NOTE: testing.Fake.Invokes
// holds the clientset-wide mutex while reactors run, so this sleep serialises
// every request on that clientset, and it ignores the caller's context.
func (s *Store) AddSleepReactor(verb string, d Dist) {
	s.CS.PrependReactor(verb, "leases", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if x := d(); x > 0 {
			time.Sleep(x)
		}
		return false, nil, nil
	})
}

// SlowOpts configures the wrapper-based latency injection.
type SlowOpts struct {
	Pre      Dist // delay before the write/read reaches the store
	Post     Dist // delay after the store answered (response latency)
	Verbs    map[string]bool
	CtxAware bool // honour ctx like an HTTP client with a deadline would
	// Ghost: with CtxAware, a request abandoned by the client during its Pre
	// delay still lands at the store when the delay ends (the server did not
	// see the cancellation) -- like a request already in flight to etcd.
	Ghost bool
	Fail  func() bool // if non-nil and returns true, the call fails (partition)
}

// Leases returns a LeasesGetter that injects latency/faults around the
// store's typed lease client. It does not hold any shared lock while
// sleeping, so concurrent candidates are not serialised.
func (s *Store) Leases(o *SlowOpts) coordv1client.LeasesGetter {
	if o == nil {
		return s.CS.CoordinationV1()
	}
	return &slowGetter{inner: s.CS.CoordinationV1(), o: o}
}

type slowGetter struct {
	inner coordv1client.LeasesGetter
	o     *SlowOpts
}

func (g *slowGetter) Leases(ns string) coordv1client.LeaseInterface {
	return &slowLeases{LeaseInterface: g.inner.Leases(ns), o: g.o}
}

type slowLeases struct {
	coordv1client.LeaseInterface
	o *SlowOpts
}

func (l *slowLeases) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		if l.o.CtxAware {
			return ctx.Err()
		}
		return nil
	}
	if !l.o.CtxAware {
		time.Sleep(d)
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func pick(d Dist) time.Duration {
	if d == nil {
		return 0
	}
	return d()
}

func do[T any](l *slowLeases, ctx context.Context, verb string, f func() (T, error)) (T, error) {
	var zero T
	if !l.o.Verbs[verb] {
		return f()
	}
	if l.o.Fail != nil && l.o.Fail() {
		return zero, apierrors.NewServiceUnavailable("injected partition")
	}
	if l.o.CtxAware {
		if err := ctx.Err(); err != nil {
			return zero, err
		}
	}
	pre := pick(l.o.Pre)
	start := time.Now()
	if err := l.sleep(ctx, pre); err != nil {
		if l.o.Ghost && verb != "get" {
			rest := pre - time.Since(start)
			go func() { time.Sleep(rest); _, _ = f() }()
		}
		return zero, err
	}
	v, err := f()
	if err2 := l.sleep(ctx, pick(l.o.Post)); err2 != nil {
		return zero, err2
	}
	return v, err
}

func (l *slowLeases) Get(ctx context.Context, name string, opts metav1.GetOptions) (*coordinationv1.Lease, error) {
	return do(l, ctx, "get", func() (*coordinationv1.Lease, error) { return l.LeaseInterface.Get(ctx, name, opts) })
}

func (l *slowLeases) Update(ctx context.Context, lease *coordinationv1.Lease, opts metav1.UpdateOptions) (*coordinationv1.Lease, error) {
	lease = lease.DeepCopy()
	return do(l, ctx, "update", func() (*coordinationv1.Lease, error) {
		return l.LeaseInterface.Update(context.Background(), lease, opts)
	})
}

func (l *slowLeases) Create(ctx context.Context, lease *coordinationv1.Lease, opts metav1.CreateOptions) (*coordinationv1.Lease, error) {
	lease = lease.DeepCopy()
	return do(l, ctx, "create", func() (*coordinationv1.Lease, error) {
		return l.LeaseInterface.Create(context.Background(), lease, opts)
	})
}
