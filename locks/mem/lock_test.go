package mem_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/leaderelection/leaderelection/core"
	"github.com/leaderelection/leaderelection/locks/mem"
)

var errCut = errors.New("test: cut off")

func TestSetFault(t *testing.T) {
	ctx := t.Context()
	store := mem.NewStore()
	a, b := store.Lock("a"), store.Lock("b")
	var ops []mem.Op
	a.SetFault(func(op mem.Op) error {
		ops = append(ops, op)
		return errCut
	})
	if _, err := a.Create(ctx, benchRecord); !errors.Is(err, errCut) {
		t.Fatalf("Create with a fault = %v; want the fault's error", err)
	}
	if _, _, ok := store.Snapshot(); ok {
		t.Fatal("a Create that failed by a fault stored a record")
	}
	v, err := b.Create(ctx, benchRecord)
	if err != nil {
		t.Fatalf("Create through a handle without a fault: %v", err)
	}
	if _, _, err := a.Get(ctx); !errors.Is(err, errCut) {
		t.Fatalf("Get with a fault = %v; want the fault's error", err)
	}
	r2 := benchRecord
	r2.Seq++
	if _, err := a.Update(ctx, r2, v); !errors.Is(err, errCut) {
		t.Fatalf("Update with a fault = %v; want the fault's error", err)
	}
	got, gv, ok := store.Snapshot()
	if !ok || gv != v || !cmp.Equal(got, benchRecord) {
		t.Fatalf("after a faulted Update, Snapshot = (%+v, %q, %v); want the record unchanged at %q", got, gv, ok, v)
	}
	if diff := cmp.Diff([]mem.Op{mem.OpCreate, mem.OpGet, mem.OpUpdate}, ops); diff != "" {
		t.Errorf("operations seen by the fault (-want +got):\n%s", diff)
	}
	a.SetFault(nil)
	if _, err := a.Update(ctx, r2, v); err != nil {
		t.Fatalf("Update after the fault was removed: %v", err)
	}
}

func TestFaultPassThrough(t *testing.T) {
	l := mem.NewStore().Lock("a")
	l.SetFault(func(mem.Op) error { return nil })
	if _, err := l.Create(t.Context(), benchRecord); err != nil {
		t.Fatalf("Create with a fault that returns nil: %v", err)
	}
}

func TestOpString(t *testing.T) {
	for op, want := range map[mem.Op]string{mem.OpGet: "get", mem.OpCreate: "create", mem.OpUpdate: "update", 0: "op(0)"} {
		if got := op.String(); got != want {
			t.Errorf("Op(%d).String() = %q; want %q", op, got, want)
		}
	}
}

func TestContextError(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, err := mem.NewStore().Lock("a").Get(ctx)
	if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "mem: get: ") {
		t.Errorf("Get with a cancelled context = %v; want \"mem: get: \" wrapping context.Canceled", err)
	}
}

// TestVersions: versions are the write counter, across the batches in
// which they are formatted, and a Delete does not reset it.
func TestVersions(t *testing.T) {
	ctx := t.Context()
	store := mem.NewStore()
	l := store.Lock("a")
	v, err := l.Create(ctx, benchRecord)
	if err != nil {
		t.Fatal(err)
	}
	for i := 2; i <= 300; i++ {
		if v, err = l.Update(ctx, benchRecord, v); err != nil {
			t.Fatal(err)
		}
		if want := core.Version(strconv.Itoa(i)); v != want {
			t.Fatalf("write %d returned version %q; want %q", i, v, want)
		}
	}
	store.Delete()
	if v, err = l.Create(ctx, benchRecord); err != nil || v != "301" {
		t.Fatalf("Create after Delete = (%q, %v); want version \"301\"", v, err)
	}
}

func TestDelete(t *testing.T) {
	ctx := t.Context()
	store := mem.NewStore()
	l := store.Lock("a")
	store.Delete() // absent: nothing happens
	v, err := l.Create(ctx, benchRecord)
	if err != nil {
		t.Fatal(err)
	}
	fired := make(chan core.WatchEvent, 1)
	l.Watch(v, func(e core.WatchEvent) { fired <- e })
	store.Delete()
	select {
	case e := <-fired:
		if e != core.WatchChanged {
			t.Errorf("watch fired with %v on Delete; want %v", e, core.WatchChanged)
		}
	default:
		t.Error("Delete returned before calling the watch")
	}
	if _, _, err := l.Get(ctx); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("Get after Delete = %v; want core.ErrNotFound", err)
	}
	if _, err := l.Update(ctx, benchRecord, v); !errors.Is(err, core.ErrConflict) {
		t.Errorf("Update after Delete = %v; want core.ErrConflict", err)
	}
	if r, v, ok := store.Snapshot(); ok || v != "" || r != (core.Record{}) {
		t.Errorf("Snapshot after Delete = (%+v, %q, %v); want the zero record, no version, false", r, v, ok)
	}
}

func TestDescribe(t *testing.T) {
	a, b := mem.NewStore().Lock("x"), mem.NewStore().Lock("x")
	if !strings.HasPrefix(a.Describe(), "mem:") || a.Describe() == b.Describe() {
		t.Errorf("Describe() of two stores = %q, %q; want distinct names starting with \"mem:\"", a.Describe(), b.Describe())
	}
	if a.Identity() != "x" {
		t.Errorf("Identity() = %q; want \"x\"", a.Identity())
	}
}

// TestWatchByWriter: the writer calls the watches before its write
// returns, and a cancelled watch is not called.
func TestWatchByWriter(t *testing.T) {
	ctx := t.Context()
	store := mem.NewStore()
	a, b := store.Lock("a"), store.Lock("b")
	fired := make(chan string, 4)
	a.Watch("", func(core.WatchEvent) { fired <- "absent" })
	v, err := b.Create(ctx, benchRecord)
	if err != nil {
		t.Fatal(err)
	}
	if got := drain(fired); got != "absent" {
		t.Fatalf("after Create, watches called: %q; want the watch on the absent record", got)
	}
	cancel := a.Watch(v, func(core.WatchEvent) { fired <- "cancelled" })
	a.Watch(v, func(core.WatchEvent) { fired <- "kept" })
	cancel()
	v2, err := b.Update(ctx, benchRecord, v)
	if err != nil {
		t.Fatal(err)
	}
	if got := drain(fired); got != "kept" {
		t.Fatalf("after Update, watches called: %q; want only the one not cancelled", got)
	}
	if _, err := b.Update(ctx, benchRecord, v2); err != nil {
		t.Fatal(err)
	}
	if got := drain(fired); got != "" {
		t.Fatalf("after a second Update, watches called: %q; want none (a watch fires once)", got)
	}
}

// drain returns what is in ch now, joined by commas.
func drain(ch chan string) string {
	var got []string
	for {
		select {
		case s := <-ch:
			got = append(got, s)
		default:
			return strings.Join(got, ",")
		}
	}
}

// TestWatchReentrant: fn may use the lock, since the writer calls it
// outside the store's mutex.
func TestWatchReentrant(t *testing.T) {
	ctx := t.Context()
	store := mem.NewStore()
	l := store.Lock("a")
	v, err := l.Create(ctx, benchRecord)
	if err != nil {
		t.Fatal(err)
	}
	var seen core.Version
	l.Watch(v, func(core.WatchEvent) {
		_, seen, _ = l.Get(ctx)
		l.Watch(seen, func(core.WatchEvent) {})
	})
	v2, err := l.Update(ctx, benchRecord, v)
	if err != nil {
		t.Fatal(err)
	}
	if seen != v2 {
		t.Errorf("fn read version %q; want %q", seen, v2)
	}
}

// TestWatchStale: a watch on a stale version runs fn in another
// goroutine, not inside Watch: fn waits until Watch has returned, which it
// could not do if Watch called it.
func TestWatchStale(t *testing.T) {
	ctx := t.Context()
	l := mem.NewStore().Lock("a")
	if _, err := l.Create(ctx, benchRecord); err != nil {
		t.Fatal(err)
	}
	returned := make(chan struct{})
	fired := make(chan struct{})
	go func() {
		l.Watch("", func(core.WatchEvent) {
			<-returned
			close(fired)
		})
		close(returned)
	}()
	select {
	case <-fired:
	case <-time.After(10 * time.Second):
		t.Fatal("a watch on a stale version did not fire within 10s (or Watch called fn itself and never returned)")
	}
}
