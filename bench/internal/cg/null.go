package cg

import (
	"context"
	"strconv"
	"sync"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	coordv1client "k8s.io/client-go/kubernetes/typed/coordination/v1"
)

// NullLeases is a minimal in-memory lease "server" (map + mutex + deep copy +
// resourceVersion CAS). It isolates the cost of resourcelock.LeaseLock and
// LeaderElector from the heavy generic machinery of the fake clientset
// (action recording, reactor chain, object tracker). Only Get/Create/Update
// are implemented; anything else panics via the nil embedded interface.
type NullLeases struct {
	coordv1client.LeaseInterface
	mu sync.Mutex
	m  map[string]*coordinationv1.Lease
	rv int64
}

var nullGR = schema.GroupResource{Group: "coordination.k8s.io", Resource: "leases"}

func NewNull() *NullLeases { return &NullLeases{m: map[string]*coordinationv1.Lease{}} }

func (n *NullLeases) Leases(string) coordv1client.LeaseInterface { return n }

func (n *NullLeases) Get(_ context.Context, name string, _ metav1.GetOptions) (*coordinationv1.Lease, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	l, ok := n.m[name]
	if !ok {
		return nil, apierrors.NewNotFound(nullGR, name)
	}
	return l.DeepCopy(), nil
}

func (n *NullLeases) Create(_ context.Context, l *coordinationv1.Lease, _ metav1.CreateOptions) (*coordinationv1.Lease, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.m[l.Name]; ok {
		return nil, apierrors.NewAlreadyExists(nullGR, l.Name)
	}
	c := l.DeepCopy()
	n.rv++
	c.ResourceVersion = strconv.FormatInt(n.rv, 10)
	n.m[l.Name] = c
	return c.DeepCopy(), nil
}

func (n *NullLeases) Update(_ context.Context, l *coordinationv1.Lease, _ metav1.UpdateOptions) (*coordinationv1.Lease, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	cur, ok := n.m[l.Name]
	if !ok {
		return nil, apierrors.NewNotFound(nullGR, l.Name)
	}
	if l.ResourceVersion != "" && l.ResourceVersion != cur.ResourceVersion {
		return nil, apierrors.NewConflict(nullGR, l.Name, nil)
	}
	c := l.DeepCopy()
	n.rv++
	c.ResourceVersion = strconv.FormatInt(n.rv, 10)
	n.m[l.Name] = c
	return c.DeepCopy(), nil
}
