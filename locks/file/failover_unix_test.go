//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package file

import (
	"syscall"
	"testing"
	"time"
)

// BenchmarkFailover measures, with real processes (three electors on one
// record, LeaseDuration 15s, RenewDeadline 10s, RetryPeriod 2s), the time
// from the end of the leader to the next leader's OnStartedLeading:
//
//   - kill: from just before kill -9 of the leader;
//   - release: from the leader's OnStoppedLeading, just before it writes
//     the released record (its context was cancelled).
//
// Each iteration is one failover; run it with -benchtime=30x. It reports
// p50, p99 (nearest rank) and max in milliseconds; ns/op includes starting
// the replacement process and is not the figure.
func BenchmarkFailover(b *testing.B) {
	for name, parent := range benchDirs(b) {
		for _, mode := range []string{"kill", "release"} {
			b.Run(mode+"/"+name, func(b *testing.B) { benchFailover(b, dir(b, parent), mode) })
		}
	}
}

func benchFailover(b *testing.B, dir, mode string) {
	e := newElectorsIn(b, dir, "15s/10s/2s", false)
	ps := []*proc{e.add(), e.add(), e.add()}
	leader := e.await(nil, "LEADING", nil).p
	var lat []time.Duration
	for range b.N {
		e.watched(others(ps, leader))
		var t0 time.Time
		var next *event
		switch mode {
		case "kill":
			t0 = time.Now()
			leader.signal(b, syscall.SIGKILL)
		case "release":
			leader.send(b, "exit")
			leader.dead = true
			t0 = e.await(leader, "STOPPED", func(ev event) {
				if ev.fields[0] == "LEADING" {
					next = &ev // the lines of two processes may cross
				}
			}).at()
		}
		ps = others(ps, leader)
		if next == nil {
			ev := e.await(nil, "LEADING", nil)
			next = &ev
		}
		lat = append(lat, next.at().Sub(t0))
		leader = next.p
		ps = append(ps, e.add())
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(percentile(lat, 50)), "p50-ms")
	b.ReportMetric(ms(percentile(lat, 99)), "p99-ms")
	b.ReportMetric(ms(percentile(lat, 100)), "max-ms")
}
