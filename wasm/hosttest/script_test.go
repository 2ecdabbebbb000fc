package hosttest

import (
	"strconv"
	"testing"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// Scripted scenarios: each input goes to the module and to the native
// core (pair.step fails on any difference), and the module's output is
// checked against the expected summary written here.

// base is the scripts' configuration: lease 2s, renew deadline 1.5s,
// retry 500ms, so jitter lies in [500ms, 600ms).
var base = config{lease: 2 * time.Second, renew: 1500 * time.Millisecond, retry: 500 * time.Millisecond}

type script struct {
	t  *testing.T
	pr *pair
}

func newScript(t *testing.T, c config) *script {
	return &script{t: t, pr: newPair(t, newPlugin(t), c)}
}

// expect steps in and checks the module's output against want.
func (s *script) expect(in input, want string) output {
	s.t.Helper()
	got := s.pr.step(in)
	if got.String() != want {
		s.t.Fatalf("%s:\n got  %s\n want %s", in, got, want)
	}
	return got
}

func ms(n int64) int64 { return t0 + n*int64(time.Millisecond) }

// The inputs; at is in nanoseconds (use ms).
func tick(at int64) input { return input{kind: kindTick, now: at} }

func got(at int64, r core.Record, ver string) input {
	return input{kind: kindGot, now: at, rec: core.AppendRecord(nil, r), ver: []byte(ver)}
}

func written(at int64, ver string) input {
	return input{kind: kindWritten, now: at, ver: []byte(ver)}
}

func result(kind uint32, at int64, code uint32, msg string) input {
	return input{kind: kind, now: at, code: code, rec: []byte(msg)}
}

func other(kind uint32, at int64, code uint32, ver string) input {
	return input{kind: kind, now: at, code: code, ver: []byte(ver)}
}

// jitters returns the first n waits (in ns) a candidate seeded with seed
// draws: RetryPeriod plus SplitMix64 modulo (JitterFactor-1) × RetryPeriod.
func jitters(seed uint64, retry time.Duration, n int) []int64 {
	span := time.Duration(float64(retry)*core.JitterFactor) - retry
	r := splitmix{seed}
	var out []int64
	for range n {
		out = append(out, int64(retry+time.Duration(r.Uint64()%uint64(span))))
	}
	return out
}

func TestScriptAcquireRenewResign(t *testing.T) {
	c := base
	c.id, c.seed = "a", 1
	s := newScript(t, c)
	s.expect(tick(ms(0)), "get deadline=1.500s role=candidate")
	s.expect(result(kindGot, ms(3), codeNotFound, ""),
		"create deadline=1.503s {holder=a lease=2s term=1 trans=0 seq=1} role=candidate")
	// The authority counts from the start of the write (3ms), not its answer.
	s.expect(written(ms(6), "v1"), "wait until=0.503s role=leader [started-leading term=1] [new-leader a]")
	s.expect(tick(ms(503)), "update v1 deadline=1.503s {holder=a lease=2s term=1 trans=0 seq=2} role=leader")
	s.expect(written(ms(506), "v2"), "wait until=1.003s role=leader")
	// Resign: stop leading at once and release, a write with no holder.
	s.expect(other(kindResign, ms(700), 0, ""),
		"update v2 deadline=2.200s {holder= lease=2s term=1 trans=0 seq=3} role=candidate [stopped-leading term=1 reason=resigned]")
	// Then yield 2 × RetryPeriod, watching the released record.
	s.expect(written(ms(703), "v3"), "wait v3 until=1.700s role=candidate")
	s.expect(tick(ms(1700)), "get deadline=3.200s role=candidate")
	s.expect(got(ms(1703), core.Record{LeaseDuration: 2 * time.Second, Term: 1, Seq: 3}, "v3"),
		"update v3 deadline=3.203s {holder=a lease=2s term=2 trans=1 seq=4} role=candidate")
	s.expect(written(ms(1706), "v4"), "wait until=2.203s role=leader [started-leading term=2]")
	s.expect(other(kindStop, ms(1800), 0, ""),
		"update v4 deadline=3.300s {holder= lease=2s term=2 trans=1 seq=5} role=candidate [stopped-leading term=2 reason=shutdown]")
	s.expect(written(ms(1803), "v5"), "done role=done")
	s.expect(tick(ms(5000)), "done role=done")
}

func TestScriptFollowerTakesOverAtExpiry(t *testing.T) {
	c := base
	c.id, c.seed = "b", 7
	s := newScript(t, c)
	j := jitters(7, c.retry, 8)
	held := core.Record{HolderIdentity: "x", LeaseDuration: 1200 * time.Millisecond, Term: 5, LeaderTransitions: 3, Seq: 40}
	s.expect(tick(ms(0)), "get deadline=1.500s role=candidate")
	// The lease is timed on b's clock from when b first saw v9 (100ms),
	// with the record's lease (1.2s), not b's own: it ends at 1.300s.
	now, until := ms(100), ms(100)+j[0]
	s.expect(got(now, held, "v9"), "wait v9 until="+rel(until)+" role=candidate [new-leader x]")
	for i := 1; until < ms(1300); i++ {
		now = until
		s.expect(tick(now), "get deadline="+rel(now+ms(1500)-t0)+" role=candidate")
		now += ms(2) - t0
		until = min(now+j[i], ms(1300))
		s.expect(got(now, held, "v9"), "wait v9 until="+rel(until)+" role=candidate")
	}
	s.expect(tick(ms(1300)), "get deadline=2.800s role=candidate")
	s.expect(got(ms(1302), held, "v9"), "update v9 deadline=2.802s {holder=b lease=2s term=6 trans=4 seq=41} role=candidate")
	s.expect(written(ms(1304), "v10"), "wait until=1.802s role=leader [started-leading term=6] [new-leader b]")
}

func TestScriptWatch(t *testing.T) {
	c := base
	c.id, c.seed = "c", 3
	s := newScript(t, c)
	j := jitters(3, c.retry, 2)
	held := core.Record{HolderIdentity: "x", LeaseDuration: 10 * time.Second, Term: 2, Seq: 9}
	s.expect(tick(ms(0)), "get deadline=1.500s role=candidate")
	s.expect(got(ms(1), held, "v9"), "wait v9 until="+rel(ms(1)+j[0])+" role=candidate [new-leader x]")
	// A watch on another version is stale and changes nothing.
	s.expect(other(kindWatch, ms(50), 1, "v8"), "wait v9 until="+rel(ms(1)+j[0])+" role=candidate")
	// The record may have changed: read it at once.
	s.expect(other(kindWatch, ms(60), 1, "v9"), "get deadline=1.560s role=candidate")
	// Same version: a version a watch fired on is not watched again.
	s.expect(got(ms(62), held, "v9"), "wait until="+rel(ms(62)+j[1])+" role=candidate")
	// The holder of v9 is gone: acquire at once, without waiting out its
	// 10s lease (the compare-and-swap on v9 guards against any change).
	s.expect(other(kindWatch, ms(100), 2, "v9"),
		"update v9 deadline=1.600s {holder=c lease=2s term=3 trans=1 seq=10} role=candidate")
}

func TestScriptRenewFailsUntilDeadline(t *testing.T) {
	c := base
	c.id, c.seed = "d", 4
	s := newScript(t, c)
	j := jitters(4, c.retry, 4)
	s.expect(tick(ms(0)), "get deadline=1.500s role=candidate")
	s.expect(result(kindGot, ms(0), codeNotFound, ""), "create deadline=1.500s {holder=d lease=2s term=1 trans=0 seq=1} role=candidate")
	s.expect(written(ms(0), "v1"), "wait until=0.500s role=leader [started-leading term=1] [new-leader d]")
	now := ms(500)
	for i := 0; ; i++ {
		s.expect(tick(now), "update v1 deadline=1.500s {holder=d lease=2s term=1 trans=0 seq="+itoa(int64(i+2))+"} role=leader")
		now += ms(10) - t0
		next := now + j[i]
		if next >= ms(1500) {
			// The next try would come after the authority ends.
			s.expect(result(kindWritten, now, codeError, "store unreachable"), "wait until=1.500s role=leader")
			break
		}
		s.expect(result(kindWritten, now, codeError, "store unreachable"), "wait until="+rel(next)+" role=leader")
		now = next
	}
	// The authority ends 1.5s after the start of the last successful
	// write; the stop reports the host's message. Then a release is tried.
	s.expect(tick(ms(1500)), "update v1 deadline=3.000s {holder= lease=2s term=1 trans=0 seq=4} role=candidate "+
		"[stopped-leading term=1 reason=renew-deadline store unreachable]")
}

func TestScriptOnceAndLostWrite(t *testing.T) {
	c := base
	c.id, c.seed, c.once = "e", 5, true
	s := newScript(t, c)
	j := jitters(5, c.retry, 1)
	s.expect(tick(ms(0)), "get deadline=1.500s role=candidate")
	s.expect(result(kindGot, ms(2), codeNotFound, ""), "create deadline=1.502s {holder=e lease=2s term=1 trans=0 seq=1} role=candidate")
	// The answer is lost (an error with no message); the write was applied,
	// and the next read shows it: adopted, with the authority of the
	// attempt's start (2ms + 1.5s).
	s.expect(result(kindWritten, ms(9), codeError, ""), "wait until="+rel(ms(9)+j[0])+" role=candidate")
	s.expect(tick(ms(9)+j[0]), "get deadline="+rel(ms(1509)+j[0])+" role=candidate")
	mine := core.Record{HolderIdentity: "e", LeaseDuration: 2 * time.Second, Term: 1, Seq: 1}
	// Its renewal is due already: the wait ends in the past, so the host
	// ticks at once.
	s.expect(got(ms(600), mine, "v1"), "wait until=0.502s role=leader [new-leader e] [started-leading term=1]")
	s.expect(tick(ms(600)), "update v1 deadline=1.502s {holder=e lease=2s term=1 trans=0 seq=2} role=leader")
	s.expect(written(ms(603), "v2"), "wait until=1.100s role=leader")
	// Once: after the release the machine is done.
	s.expect(other(kindResign, ms(700), 0, ""),
		"update v2 deadline=2.200s {holder= lease=2s term=1 trans=0 seq=3} role=candidate [stopped-leading term=1 reason=resigned]")
	s.expect(written(ms(702), "v3"), "done role=done")
}

func TestScriptUnreadableRecord(t *testing.T) {
	c := base
	c.id, c.seed = "f", 6
	s := newScript(t, c)
	j := jitters(6, c.retry, 2)
	s.expect(tick(ms(0)), "get deadline=1.500s role=candidate")
	// An unreadable record is a lock error: retry after a jittered wait.
	s.expect(input{kind: kindGot, now: ms(1), rec: []byte(`{"holderIdentity":`), ver: []byte("v1")},
		"wait until="+rel(ms(1)+j[0])+" role=candidate")
	// So is a record with a schema this core does not know.
	now := ms(1) + j[0]
	s.expect(tick(now), "get deadline="+rel(now+ms(1500)-t0)+" role=candidate")
	s.expect(input{kind: kindGot, now: now, rec: []byte(`{"schema":2}`), ver: []byte("v1")},
		"wait until="+rel(now+j[1])+" role=candidate")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
