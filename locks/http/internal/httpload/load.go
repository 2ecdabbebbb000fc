package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leaderelection/leaderelection/core"
	httplock "github.com/leaderelection/leaderelection/locks/http"
)

// result is what one measurement found.
type result struct {
	leases    int
	window    time.Duration
	lat       []time.Duration // sorted renew latencies within the window
	expected  int             // renewals due within the window
	errs      map[string]int
	serverCPU float64 // cores used by the server over the window
	clientCPU float64 // cores used by this generator over the window
	serverRSS int64   // bytes, at the end
	serverHWM int64   // peak resident bytes
	late      int     // renewals that started more than 5ms after they were due
}

// lease is one lease under load.
type lease struct {
	lock *httplock.Lock
	v    core.Version
	rec  core.Record
	lat  []time.Duration
	errs map[string]int
	busy atomic.Bool // a renewal is in flight
}

// measure starts a server, creates n leases, renews each once a second for
// warm-up plus the window, and returns the figures of the window.
func measure(ctx context.Context, o options, n int) (*result, error) {
	srv, err := startServer(o, n)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	client := &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: o.conns, MaxConnsPerHost: o.conns, IdleConnTimeout: time.Minute},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	if err := srv.waitWritable(ctx, client); err != nil {
		return nil, err
	}
	p, err := httplock.New(srv.base+"/locks/load/probe", "probe", httplock.WithClient(client))
	if err != nil {
		return nil, err
	}
	if err := p.Probe(ctx); err != nil {
		return nil, err
	}
	leases, err := createLeases(ctx, o, srv.base, client, n)
	if err != nil {
		return nil, err
	}
	start := time.Now().Add(200 * time.Millisecond)
	from, to := start.Add(o.warmup), start.Add(o.warmup+o.measure)
	beforec := make(chan [2]float64, 1)
	time.AfterFunc(time.Until(from), func() { beforec <- cpuPair(srv.cmd.Process.Pid) })
	late, skipped := renewAll(ctx, leases, o.conns, start, from, to)
	after, before := cpuPair(srv.cmd.Process.Pid), <-beforec
	r := &result{leases: n, window: o.measure, expected: n * int(o.measure/time.Second), errs: map[string]int{}, late: late}
	if skipped > 0 {
		r.errs["skipped"] = skipped
	}
	for _, l := range leases {
		r.lat = append(r.lat, l.lat...)
		for k, v := range l.errs {
			r.errs[k] += v
		}
	}
	slices.Sort(r.lat)
	secs := o.measure.Seconds()
	r.serverCPU, r.clientCPU = (after[0]-before[0])/secs, (after[1]-before[1])/secs
	r.serverRSS, r.serverHWM = memory(srv.cmd.Process.Pid)
	return r, nil
}

// createLeases creates n leases, 32 at a time.
func createLeases(ctx context.Context, o options, base string, client *http.Client, n int) ([]*lease, error) {
	leases := make([]*lease, n)
	errc := make(chan error, 32)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := range leases {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			id := "holder-" + strconv.Itoa(i)
			l, err := httplock.New(base+"/locks/load/l"+strconv.Itoa(i), id,
				httplock.WithClient(client), httplock.WithoutProbe(), httplock.WithWatchWait(0))
			if err != nil {
				errc <- err
				return
			}
			rec := core.Record{HolderIdentity: id, LeaseDuration: o.maxLease, Term: 1, Seq: 1, AcquireTime: time.Now()}
			rec.RenewTime = rec.AcquireTime
			v, err := l.Create(ctx, rec)
			if err != nil {
				select {
				case errc <- fmt.Errorf("creating lease %d: %w", i, err):
				default:
				}
				return
			}
			leases[i] = &lease{lock: l, v: v, rec: rec, errs: map[string]int{}}
		})
	}
	wg.Wait()
	select {
	case err := <-errc:
		return nil, err
	default:
	}
	return leases, nil
}

// job is one renewal due at a time.
type job struct {
	l   *lease
	due time.Time
}

// renewAll renews every lease once a second, lease i at offset i/n of the
// second, from start until to, with the given number of workers; it
// records the renewals due within [from, to). A dispatcher hands each
// renewal to a worker when it is due, so the generator keeps few
// goroutines whatever the lease count. It returns how many renewals began
// more than 5ms late (the generator itself starved of CPU), and how many
// were skipped because the lease's previous renewal was still running.
func renewAll(ctx context.Context, leases []*lease, workers int, start, from, to time.Time) (late, skipped int) {
	jobs := make(chan job, len(leases))
	var lateStarts atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				if time.Since(j.due) > 5*time.Millisecond && !j.due.Before(from) {
					lateStarts.Add(1)
				}
				j.l.renew(ctx, j.due, from)
				j.l.busy.Store(false)
			}
		})
	}
	n, skipped := len(leases), 0
	for round := 0; ; round++ {
		base := start.Add(time.Duration(round) * time.Second)
		if !base.Before(to) {
			break
		}
		for i, l := range leases {
			due := base.Add(time.Duration(i) * time.Second / time.Duration(n))
			if d := time.Until(due); d > time.Millisecond {
				time.Sleep(d) // pace the dispatch: a load generator, not a test
			}
			if !l.busy.CompareAndSwap(false, true) {
				if !due.Before(from) {
					skipped++ // still renewing from a second ago
				}
				continue
			}
			jobs <- job{l, due}
		}
	}
	close(jobs)
	wg.Wait()
	return int(lateStarts.Load()), skipped
}

// renew renews the lease once, recording the latency of the call when it
// was due at or after from.
func (l *lease) renew(ctx context.Context, due, from time.Time) {
	l.rec.Seq++
	l.rec.RenewTime = due
	begin := time.Now()
	v, err := l.lock.Update(ctx, l.rec, l.v)
	took := time.Since(begin)
	if !due.Before(from) {
		if err != nil {
			l.errs[errKind(err)]++
		} else {
			l.lat = append(l.lat, took)
		}
	}
	if err == nil {
		l.v = v
		return
	}
	if _, v, gerr := l.lock.Get(ctx); gerr == nil {
		l.v = v // learn the version again after an error
	}
}

// errKind names an error for the report.
func errKind(err error) string {
	switch {
	case errors.Is(err, core.ErrConflict):
		return "conflict"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, httplock.ErrUnexpectedResponse):
		return "status"
	}
	return "other"
}

// cpuPair returns the CPU seconds used so far by process pid and by this
// process, from /proc (0 where /proc is missing).
func cpuPair(pid int) [2]float64 {
	return [2]float64{cpuSeconds(strconv.Itoa(pid)), cpuSeconds("self")}
}

// cpuSeconds reads utime + stime of /proc/PID/stat, in seconds (clock
// ticks of 1/100 s, the value on every Linux platform Go supports).
func cpuSeconds(pid string) float64 {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses and may hold
	// spaces: state is field 3, utime 14, stime 15.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (u + st) / 100
}

// memory returns VmRSS and VmHWM of process pid in bytes, from /proc.
func memory(pid int) (rss, hwm int64) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		name, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch name {
		case "VmRSS":
			rss = kb << 10
		case "VmHWM":
			hwm = kb << 10
		}
	}
	return rss, hwm
}

// pct returns the p-th percentile (nearest rank) of the sorted latencies.
func (r *result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(float64(len(r.lat))*p+0.5) - 1
	return r.lat[max(0, min(i, len(r.lat)-1))]
}

// failures returns the number of failed renewals.
func (r *result) failures() int {
	n := 0
	for _, v := range r.errs {
		n += v
	}
	return n
}

// meets reports whether p99 is under target with no error and every due
// renewal made.
func (r *result) meets(target time.Duration) bool {
	return r.failures() == 0 && r.pct(0.99) < target && len(r.lat) >= r.expected*99/100
}

// print writes the figures as one SUMMARY line and a readable line.
func (r *result) print(w io.Writer, o options) {
	errs := make([]string, 0, len(r.errs))
	for k, v := range r.errs {
		errs = append(errs, k+"="+strconv.Itoa(v))
	}
	slices.Sort(errs)
	fmt.Fprintf(w, "SUMMARY http_load leases=%d renews=%d expected=%d rate=%.0f/s p50=%v p99=%v max=%v errors=%d%s "+
		"server_cpu=%.2f client_cpu=%.2f server_rss=%.1fMB server_peak_rss=%.1fMB late_starts=%d meets_p99<%v=%v\n",
		r.leases, len(r.lat), r.expected, float64(len(r.lat))/r.window.Seconds(),
		r.pct(0.5).Round(time.Microsecond), r.pct(0.99).Round(time.Microsecond), r.pct(1).Round(time.Microsecond),
		r.failures(), strings.Join(append([]string{""}, errs...), " "),
		r.serverCPU, r.clientCPU, float64(r.serverRSS)/(1<<20), float64(r.serverHWM)/(1<<20), r.late, o.target, r.meets(o.target))
}
