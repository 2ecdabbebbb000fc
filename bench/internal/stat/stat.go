// Package stat holds the statistics and the leadership-interval recorder
// that this project's measurement programs share. They follow the peer
// harness (package cg) exactly: nearest-rank percentiles, an interval from
// OnStartedLeading until the first of stop closing or OnStoppedLeading, and
// overlaps counted between intervals of different identities.
package stat

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Interval is one leadership tenure as the callbacks saw it.
type Interval struct {
	ID         string
	Start, End time.Time
}

// Recorder collects leadership intervals. It is safe for concurrent use.
type Recorder struct {
	mu   sync.Mutex
	open map[string]*Interval
	done []Interval
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder { return &Recorder{open: map[string]*Interval{}} }

// Start opens an interval for id at t.
func (r *Recorder) Start(id string, t time.Time) {
	r.mu.Lock()
	r.open[id] = &Interval{ID: id, Start: t}
	r.mu.Unlock()
}

// End closes id's open interval at t; a second End does nothing.
func (r *Recorder) End(id string, t time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if iv, ok := r.open[id]; ok {
		iv.End = t
		r.done = append(r.done, *iv)
		delete(r.open, id)
	}
}

// Intervals returns the closed intervals plus the open ones closed at at,
// sorted by start.
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

// Overlaps returns the number, total and longest of the pairwise overlaps
// between intervals of different identities. ivs must be sorted by start.
func Overlaps(ivs []Interval) (n int, total, longest time.Duration) {
	for i := range ivs {
		for j := i + 1; j < len(ivs); j++ {
			if ivs[j].Start.After(ivs[i].End) || ivs[i].ID == ivs[j].ID {
				continue
			}
			e := ivs[i].End
			if ivs[j].End.Before(e) {
				e = ivs[j].End
			}
			if d := e.Sub(ivs[j].Start); d > 0 {
				n++
				total += d
				longest = max(longest, d)
			}
		}
	}
	return n, total, longest
}

// Covered returns how long within [from, to] at least one interval was
// open. ivs must be sorted by start.
func Covered(ivs []Interval, from, to time.Time) time.Duration {
	var cov time.Duration
	cur := from
	for _, iv := range ivs {
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

// Stats summarises durations with nearest-rank percentiles.
type Stats struct {
	N                            int
	Min, P50, P90, P95, P99, Max time.Duration
}

// Summarize returns the statistics of ds (zero when ds is empty).
func Summarize(ds []time.Duration) Stats {
	if len(ds) == 0 {
		return Stats{}
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	q := func(p float64) time.Duration {
		k := int(math.Ceil(p*float64(len(s)))) - 1
		return s[max(k, 0)]
	}
	return Stats{N: len(s), Min: s[0], P50: q(0.5), P90: q(0.9), P95: q(0.95), P99: q(0.99), Max: s[len(s)-1]}
}

// Ms formats d in milliseconds with three decimals, without a unit.
func Ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 3, 64) }

// Summary prints one "SUMMARY name=NAME k=v ..." line, the form the report
// reads.
func Summary(name string, kv ...any) {
	var b strings.Builder
	b.WriteString("SUMMARY name=")
	b.WriteString(name)
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(&b, " %v=%v", kv[i], kv[i+1])
	}
	fmt.Println(b.String())
}

// LatencySummary prints the SUMMARY line of a latency figure in
// milliseconds, followed by extra key-value pairs.
func LatencySummary(name string, ds []time.Duration, kv ...any) {
	st := Summarize(ds)
	Summary(name, append([]any{"unit", "ms", "n", st.N, "p50", Ms(st.P50), "p95", Ms(st.P95),
		"p99", Ms(st.P99), "max", Ms(st.Max), "min", Ms(st.Min)}, kv...)...)
}
