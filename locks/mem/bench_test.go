package mem_test

import (
	"context"
	"testing"
	"time"

	"github.com/leaderelection/leaderelection/core"
	"github.com/leaderelection/leaderelection/locks/mem"
)

// benchRecord is a leader's record, as a renewal writes it.
var benchRecord = core.Record{
	HolderIdentity: "candidate-a", LeaseDuration: 15 * time.Second,
	AcquireTime: time.Unix(1700000000, 0).UTC(), RenewTime: time.Unix(1700000010, 0).UTC(),
	LeaderTransitions: 1, Term: 1, Seq: 1,
}

func BenchmarkGet(b *testing.B) {
	l := mem.NewStore().Lock("candidate-a")
	ctx := context.Background()
	if _, err := l.Create(ctx, benchRecord); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := l.Get(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdate is a leader renewing: an Update from the version the
// previous Update returned.
func BenchmarkUpdate(b *testing.B) {
	l := mem.NewStore().Lock("candidate-a")
	ctx := context.Background()
	v, err := l.Create(ctx, benchRecord)
	if err != nil {
		b.Fatal(err)
	}
	r := benchRecord
	b.ReportAllocs()
	for b.Loop() {
		r.Seq++
		if v, err = l.Update(ctx, r, v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdateConflict is a follower losing a race: an Update from a
// stale version.
func BenchmarkUpdateConflict(b *testing.B) {
	l := mem.NewStore().Lock("candidate-a")
	ctx := context.Background()
	if _, err := l.Create(ctx, benchRecord); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Update(ctx, benchRecord, "stale"); err == nil {
			b.Fatal("Update from a stale version succeeded")
		}
	}
}
