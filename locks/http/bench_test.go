package httplock

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// BenchmarkRenew measures one renewal (Update) through the client against
// the reference server on loopback, from parallel goroutines, each on its
// own lease.
func BenchmarkRenew(b *testing.B) {
	srv := newRefServer(b, ServerConfig{})
	var n atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		id := "bench-" + strconv.FormatInt(n.Add(1), 10)
		l := newLock(b, srv.url(id), id, WithoutProbe(), WithWatchWait(0))
		rec := core.Record{HolderIdentity: id, LeaseDuration: 10 * time.Second, Term: 1}
		v, err := l.Create(context.Background(), rec)
		if err != nil {
			b.Fatal(err)
		}
		for pb.Next() {
			rec.Seq++
			if v, err = l.Update(context.Background(), rec, v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkGet measures one read through the client against the reference
// server on loopback.
func BenchmarkGet(b *testing.B) {
	srv := newRefServer(b, ServerConfig{})
	l := newLock(b, srv.url("get"), "a", WithoutProbe())
	if _, err := l.Create(context.Background(), core.Record{HolderIdentity: "a"}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := l.Get(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
