package cg

import (
	"bytes"
	"context"
	"sync"
	"time"

	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// TracingLock wraps a resourcelock.Interface and records when Gets returned a
// raw record different from the previous one (this is exactly the comparison
// LeaderElector uses to refresh its local observedTime) and when Updates
// succeeded.
type TracingLock struct {
	resourcelock.Interface
	mu      sync.Mutex
	last    []byte
	Changes []time.Time // Get returned a raw record != previous raw record
	Gets    []time.Time
	Updates []time.Time // successful Update calls
	LastRaw []byte
}

func (t *TracingLock) Get(ctx context.Context) (*resourcelock.LeaderElectionRecord, []byte, error) {
	r, raw, err := t.Interface.Get(ctx)
	now := time.Now()
	if err == nil {
		t.mu.Lock()
		t.Gets = append(t.Gets, now)
		if !bytes.Equal(raw, t.last) {
			t.Changes = append(t.Changes, now)
			t.last = raw
		}
		t.LastRaw = raw
		t.mu.Unlock()
	}
	return r, raw, err
}

func (t *TracingLock) Update(ctx context.Context, ler resourcelock.LeaderElectionRecord) error {
	err := t.Interface.Update(ctx, ler)
	if err == nil {
		t.mu.Lock()
		t.Updates = append(t.Updates, time.Now())
		t.mu.Unlock()
	}
	return err
}

// LastBefore returns the last time in ts that is <= at (zero if none).
func LastBefore(ts []time.Time, at time.Time) time.Time {
	var out time.Time
	for _, x := range ts {
		if !x.After(at) {
			out = x
		}
	}
	return out
}

// Snapshot returns copies of the recorded series.
func (t *TracingLock) Snapshot() (changes, gets, updates []time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]time.Time(nil), t.Changes...), append([]time.Time(nil), t.Gets...), append([]time.Time(nil), t.Updates...)
}
