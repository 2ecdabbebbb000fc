package httplock

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// Watch long-polls the record until it is no longer at version v, then
// calls fn(core.WatchChanged) once. One goroutine sends
// "GET If-None-Match: v" with "Prefer: wait=N" (RFC 7240, N from
// WithWatchWait) again and again: the reference server holds each request
// until the record changes (200, or 404 when it was deleted: fn runs) or N
// seconds pass (304: poll again). cancel aborts the request in flight.
//
// Watch never fires, and stops at once, when:
//   - the store does not long-poll: it answers 304 at once without
//     "Preference-Applied: wait=N" (Apache, MinIO, S3 answer so), or 200
//     with the same ETag (a store that ignores If-None-Match). The Lock
//     then remembers that the store cannot long-poll and later Watch calls
//     send nothing;
//   - a 304 comes back in less than half the wait the server said it
//     applied (a server shutting down answers its long-polls at once);
//   - a request fails or the answer is unexpected;
//   - v is not a strong ETag (the version of an absent record is "");
//   - the Lock was made WithWatchWait(0).
//
// A watch that never fires costs only speed: the election still polls
// every RetryPeriod.
func (l *Lock) Watch(v core.Version, fn func(core.WatchEvent)) (cancel func()) {
	if l.watchWait <= 0 || l.noLongPoll.Load() || !validStrongETag(string(v)) || fn == nil {
		return func() {}
	}
	ctx, stop := context.WithCancel(context.Background())
	go l.watch(ctx, string(v), fn)
	return stop
}

// watch is the goroutine of one Watch.
func (l *Lock) watch(ctx context.Context, v string, fn func(core.WatchEvent)) {
	if l.testHookWatchDone != nil {
		defer l.testHookWatchDone()
	}
	wait := strconv.FormatInt(int64((l.watchWait+time.Second-1)/time.Second), 10)
	for {
		start := time.Now()
		resp, err := l.send(ctx, http.MethodGet, l.url, nil, l.watchWait,
			"If-None-Match", v, "Prefer", "wait="+wait)
		if err != nil {
			return
		}
		switch resp.code {
		case http.StatusNotModified:
			applied, ok := waitApplied(resp.header)
			if !ok || applied <= 0 {
				l.noLongPoll.Store(true)
				return
			}
			if time.Since(start) < applied/2 {
				return // answered early (a server shutting down): do not spin
			}
			continue // the wait ran out without a change: poll again
		case http.StatusOK:
			if strings.TrimSpace(resp.etag()) == v {
				l.noLongPoll.Store(true) // If-None-Match was ignored
				return
			}
		case http.StatusNotFound:
			// The record is gone, so it is no longer at v.
		default:
			return
		}
		if ctx.Err() == nil {
			fn(core.WatchChanged)
		}
		return
	}
}

// waitApplied returns the wait the server says it honoured
// ("Preference-Applied: wait=N"), and whether it said so.
func waitApplied(h http.Header) (time.Duration, bool) {
	for _, line := range h.Values("Preference-Applied") {
		for pref := range strings.SplitSeq(line, ",") {
			name, value, _ := strings.Cut(strings.TrimSpace(pref), "=")
			if !strings.EqualFold(strings.TrimSpace(name), "wait") {
				continue
			}
			n, err := strconv.ParseUint(strings.Trim(strings.TrimSpace(value), `"`), 10, 32)
			if err != nil {
				return 0, false
			}
			return time.Duration(n) * time.Second, true
		}
	}
	return 0, false
}
