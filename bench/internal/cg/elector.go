package cg

import (
	"context"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	coordv1client "k8s.io/client-go/kubernetes/typed/coordination/v1"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"
)

// Timings used by the handover / failover / safety experiments (per brief).
var (
	LeaseDuration = 1 * time.Second
	RenewDeadline = 800 * time.Millisecond
	RetryPeriod   = 200 * time.Millisecond
)

// QuietCtx returns a context whose contextual logger discards everything, so
// that client-go's klog Info lines ("attempting to acquire leader lease ...")
// do not add stderr I/O to the measurements. Set LE_LOG=1 to keep klog.
func QuietCtx(ctx context.Context) context.Context {
	if os.Getenv("LE_LOG") == "1" {
		return ctx
	}
	return klog.NewContext(ctx, logr.Discard())
}

func init() {
	if os.Getenv("LE_LOG") != "1" {
		// release() builds its own context from the logger captured in renew(),
		// which comes from ctx, so QuietCtx covers it; this covers the rest.
		klog.SetLogger(logr.Discard())
	}
}

// Lock builds a resourcelock.LeaseLock.
func Lock(client coordv1client.LeasesGetter, ns, name, id string) *resourcelock.LeaseLock {
	return &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: ns, Name: name},
		Client:     client,
		LockConfig: resourcelock.ResourceLockConfig{Identity: id},
	}
}

// Config returns a LeaderElectionConfig with the experiment timings.
func Config(lock resourcelock.Interface, release bool, cb leaderelection.LeaderCallbacks) leaderelection.LeaderElectionConfig {
	return leaderelection.LeaderElectionConfig{
		Lock:            lock,
		LeaseDuration:   LeaseDuration,
		RenewDeadline:   RenewDeadline,
		RetryPeriod:     RetryPeriod,
		ReleaseOnCancel: release,
		Callbacks:       cb,
		Name:            lock.Describe(),
	}
}

// Interval is one leadership tenure as seen by the application callbacks.
type Interval struct {
	ID         string
	Start, End time.Time
}

// Recorder collects leadership intervals.
type Recorder struct {
	mu   sync.Mutex
	open map[string]*Interval
	done []Interval
}

func NewRecorder() *Recorder { return &Recorder{open: map[string]*Interval{}} }

// Callbacks returns callbacks for identity id. started (optional) is called
// with the start time. The interval ends at the first of: leading ctx done
// (observed in the callback goroutine) or OnStoppedLeading.
func (r *Recorder) Callbacks(id string, started func(time.Time), stopped func(time.Time)) leaderelection.LeaderCallbacks {
	return leaderelection.LeaderCallbacks{
		OnStartedLeading: func(ctx context.Context) {
			now := time.Now()
			r.mu.Lock()
			r.open[id] = &Interval{ID: id, Start: now}
			r.mu.Unlock()
			if started != nil {
				started(now)
			}
			<-ctx.Done()
			r.close(id, time.Now())
		},
		OnStoppedLeading: func() {
			now := time.Now()
			r.close(id, now)
			if stopped != nil {
				stopped(now)
			}
		},
	}
}

func (r *Recorder) close(id string, t time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if iv, ok := r.open[id]; ok {
		iv.End = t
		r.done = append(r.done, *iv)
		delete(r.open, id)
	}
}

// Intervals returns closed intervals plus open ones closed at 'at'.
func (r *Recorder) Intervals(at time.Time) []Interval {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := append([]Interval(nil), r.done...)
	for _, iv := range r.open {
		c := *iv
		c.End = at
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}

// Overlaps returns the pairwise overlaps between intervals of different IDs.
func Overlaps(ivs []Interval) (n int, total, max time.Duration) {
	for i := range ivs {
		for j := i + 1; j < len(ivs); j++ {
			if ivs[j].Start.After(ivs[i].End) {
				continue
			}
			if ivs[i].ID == ivs[j].ID {
				continue
			}
			s := ivs[j].Start
			e := ivs[i].End
			if ivs[j].End.Before(e) {
				e = ivs[j].End
			}
			if d := e.Sub(s); d > 0 {
				n++
				total += d
				if d > max {
					max = d
				}
			}
		}
	}
	return
}

// Covered returns the time within [from,to] during which at least one
// interval is open (leader availability).
func Covered(ivs []Interval, from, to time.Time) time.Duration {
	var cov time.Duration
	cur := from
	for _, iv := range ivs { // sorted by start
		s, e := iv.Start, iv.End
		if e.After(to) {
			e = to
		}
		if s.Before(cur) {
			s = cur
		}
		if e.After(s) {
			cov += e.Sub(s)
			cur = e
		}
	}
	return cov
}

// Stats over durations.
type Stats struct {
	N                            int
	Min, P50, P90, P95, P99, Max time.Duration
	Mean                         time.Duration
}

func Summarize(ds []time.Duration) Stats {
	if len(ds) == 0 {
		return Stats{}
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	q := func(p float64) time.Duration {
		// nearest-rank
		k := int(math.Ceil(p*float64(len(s)))) - 1
		if k < 0 {
			k = 0
		}
		return s[k]
	}
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return Stats{N: len(s), Min: s[0], P50: q(0.5), P90: q(0.9), P95: q(0.95), P99: q(0.99), Max: s[len(s)-1], Mean: sum / time.Duration(len(s))}
}

func (s Stats) String() string {
	return fmt.Sprintf("n=%d min=%s p50=%s p90=%s p95=%s p99=%s max=%s mean=%s",
		s.N, R(s.Min), R(s.P50), R(s.P90), R(s.P95), R(s.P99), R(s.Max), R(s.Mean))
}

// R rounds a duration for display.
func R(d time.Duration) string {
	switch {
	case d >= 10*time.Millisecond:
		return d.Round(time.Millisecond / 10).String()
	case d >= 10*time.Microsecond:
		return d.Round(100 * time.Nanosecond).String()
	default:
		return d.String()
	}
}

// Ms formats a duration as milliseconds with 1 decimal.
func Ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) + "ms" }

// Summary prints the one-line machine-greppable summary used by run.sh.
func Summary(name string, kv ...any) {
	var b strings.Builder
	b.WriteString("SUMMARY ")
	b.WriteString(name)
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(&b, " %v=%v", kv[i], kv[i+1])
	}
	fmt.Println(b.String())
}
