package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// traced logs every lock call and watch of a candidate on stderr with the
// wall clock in nanoseconds, for finding where a handover spends its time
// (candidate -trace).
type traced struct {
	core.Lock
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "TRACE %d "+format+"\n", append([]any{time.Now().UnixNano()}, args...)...)
}

func (l traced) Get(ctx context.Context) (core.Record, core.Version, error) {
	logf("%s get start", l.Identity())
	r, v, err := l.Lock.Get(ctx)
	logf("%s get holder=%q v=%s err=%v", l.Identity(), r.HolderIdentity, v, err)
	return r, v, err
}

func (l traced) Create(ctx context.Context, r core.Record) (core.Version, error) {
	logf("%s create start", l.Identity())
	v, err := l.Lock.Create(ctx, r)
	logf("%s create v=%s err=%v", l.Identity(), v, err)
	return v, err
}

func (l traced) Update(ctx context.Context, r core.Record, old core.Version) (core.Version, error) {
	logf("%s update start holder=%q term=%d", l.Identity(), r.HolderIdentity, r.Term)
	v, err := l.Lock.Update(ctx, r, old)
	logf("%s update v=%s err=%v", l.Identity(), v, err)
	return v, err
}

func (l traced) Watch(v core.Version, fn func(core.WatchEvent)) func() {
	w, ok := l.Lock.(core.Watcher)
	if !ok {
		return func() {}
	}
	logf("%s watch %s", l.Identity(), v)
	return w.Watch(v, func(e core.WatchEvent) {
		logf("%s watch fired %v", l.Identity(), e)
		fn(e)
	})
}
