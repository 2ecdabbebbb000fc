package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leaderelection/leaderelection"
	"github.com/leaderelection/leaderelection/bench/internal/faultlock"
	"github.com/leaderelection/leaderelection/bench/internal/stat"
	"github.com/leaderelection/leaderelection/core"
	"github.com/leaderelection/leaderelection/locks/mem"
)

// callbacks records id's leadership intervals as the peer harness does:
// from OnStartedLeading until the first of stop closing (seen in the
// callback) or OnStoppedLeading. started and stopped, when set, get the
// times without blocking.
func callbacks(rec *stat.Recorder, id string, started, stopped chan<- time.Time) leaderelection.LeaderCallbacks {
	send := func(ch chan<- time.Time, t time.Time) {
		if ch != nil {
			select {
			case ch <- t:
			default:
			}
		}
	}
	return leaderelection.LeaderCallbacks{
		OnStartedLeading: func(stop <-chan struct{}) {
			now := time.Now()
			rec.Start(id, now)
			send(started, now)
			<-stop
			rec.End(id, time.Now())
		},
		OnStoppedLeading: func() {
			now := time.Now()
			rec.End(id, now)
			send(stopped, now)
		},
	}
}

// ended wraps lock so that id's interval also ends when the election
// issues a release write, which the driver does only after stop has
// closed: the end is then free of the delay before the callback goroutine
// runs.
func ended(rec *stat.Recorder, id string, lock core.Lock) core.Lock {
	return faultlock.Releasing{Lock: lock, OnGiveUp: func() { rec.End(id, time.Now()) }}
}

func config(lock core.Lock, lease, renew, retry time.Duration, cb leaderelection.LeaderCallbacks) leaderelection.LeaderElectionConfig {
	return leaderelection.LeaderElectionConfig{Lock: lock, LeaseDuration: lease, RenewDeadline: renew, RetryPeriod: retry, Callbacks: cb}
}

// partition is the peer's "handover -mode partition": A leads and B
// follows on one store; once B has observed A, wait 300-1300 ms, then every
// call A makes fails from t0 on (the peer's Fail switch on get, update and
// create). It reports B's takeover, A's step-down, and the trials in which
// A's and B's leadership overlapped.
func partition(args []string) error {
	fs := flag.NewFlagSet("partition", flag.ContinueOnError)
	n := fs.Int("n", 30, "trials")
	lease := fs.Duration("lease", time.Second, "LeaseDuration")
	renew := fs.Duration("renew", 800*time.Millisecond, "RenewDeadline")
	retry := fs.Duration("retry", 200*time.Millisecond, "RetryPeriod")
	verbose := fs.Bool("v", false, "print every trial")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var lat, aStop []time.Duration
	overlaps := 0
	for i := 0; i < *n; i++ {
		b, a, ov, err := partitionTrial(*lease, *renew, *retry)
		if err != nil {
			return err
		}
		lat, aStop = append(lat, b), append(aStop, a)
		if ov {
			overlaps++
		}
		if *verbose {
			fmt.Printf("trial %2d: B leads after %s ms, A stopped after %s ms overlap=%v\n", i, stat.Ms(b), stat.Ms(a), ov)
		}
	}
	st := stat.Summarize(aStop)
	stat.LatencySummary("ours_handover_partition", lat, "A_stop_p50", stat.Ms(st.P50), "overlaps", overlaps,
		"trials", *n, "timings", fmt.Sprintf("%v/%v/%v", *lease, *renew, *retry))
	return nil
}

func partitionTrial(lease, renew, retry time.Duration) (bLat, aStop time.Duration, overlap bool, err error) {
	store := mem.NewStore()
	var parted atomic.Bool
	aLock := faultlock.New(store.Lock("A"), &faultlock.Options{
		Verbs: map[string]bool{"get": true, "update": true, "create": true}, Fail: parted.Load})
	rec := stat.NewRecorder()
	aStarted, aStopped, bStarted := make(chan time.Time, 1), make(chan time.Time, 1), make(chan time.Time, 1)
	bSawA := make(chan struct{}, 1)
	bcb := callbacks(rec, "B", bStarted, nil)
	bcb.OnNewLeader = func(id string) {
		if id == "A" {
			select {
			case bSawA <- struct{}{}:
			default:
			}
		}
	}
	aLE, err := leaderelection.NewLeaderElector(config(ended(rec, "A", aLock), lease, renew, retry, callbacks(rec, "A", aStarted, aStopped)))
	if err != nil {
		return 0, 0, false, err
	}
	bLE, err := leaderelection.NewLeaderElector(config(ended(rec, "B", store.Lock("B")), lease, renew, retry, bcb))
	if err != nil {
		return 0, 0, false, err
	}
	actx, acancel := context.WithCancel(context.Background())
	bctx, bcancel := context.WithCancel(context.Background())
	defer func() {
		acancel()
		bcancel()
		<-aLE.Done()
		<-bLE.Done()
	}()
	if err := aLE.Start(actx); err != nil {
		return 0, 0, false, err
	}
	if _, err := recv(aStarted, "A leading", 30*time.Second); err != nil {
		return 0, 0, false, err
	}
	if err := bLE.Start(bctx); err != nil {
		return 0, 0, false, err
	}
	if _, err := recv(bSawA, "B observing A", 30*time.Second); err != nil {
		return 0, 0, false, err
	}
	time.Sleep(300*time.Millisecond + rand.N(1000*time.Millisecond))
	t0 := time.Now()
	parted.Store(true)
	tb, err := recv(bStarted, "B leading", 30*time.Second)
	if err != nil {
		return 0, 0, false, err
	}
	ta, err := recv(aStopped, "A stopped", 30*time.Second)
	if err != nil {
		return 0, 0, false, err
	}
	ov, _, _ := stat.Overlaps(rec.Intervals(time.Now()))
	return tb.Sub(t0), ta.Sub(t0), ov > 0, nil
}

// safety is the peer's safety program: k candidates on one lock for dur;
// when a candidate's Run returns (its term ended), it starts again with a
// new identity, like a restarted pod. Two leadership intervals of
// different identities that overlap count as a violation. The faults are
// the peer's wrap injection (package faultlock); the in-memory lock always
// checks its compare-and-swap precondition, as the peer's -cas store does.
func safety(args []string) error {
	fs := flag.NewFlagSet("safety", flag.ContinueOnError)
	k := fs.Int("k", 3, "candidates")
	dur := fs.Duration("dur", 20*time.Second, "run length")
	pre := fs.String("dist", "0", "delay before the store acts: 0 | const:D | spike:P:D | uniform:LO:HI")
	post := fs.String("post", "0", "response delay after the store acted")
	verbs := fs.String("verbs", "update", "comma list of calls to slow: get,update,create")
	ctxAware := fs.Bool("ctxaware", false, "delays are cut short by the caller's context")
	ghost := fs.Bool("ghost", false, "(ctxaware) abandoned writes still land later")
	lease := fs.Duration("lease", time.Second, "LeaseDuration")
	renew := fs.Duration("renew", 800*time.Millisecond, "RenewDeadline")
	retry := fs.Duration("retry", 200*time.Millisecond, "RetryPeriod")
	label := fs.String("label", "custom", "label for the summary line")
	verbose := fs.Bool("v", false, "print the intervals")
	if err := fs.Parse(args); err != nil {
		return err
	}
	preD, err := faultlock.ParseDist(*pre)
	if err != nil {
		return err
	}
	postD, err := faultlock.ParseDist(*post)
	if err != nil {
		return err
	}
	vs := map[string]bool{}
	for _, v := range strings.Split(*verbs, ",") {
		vs[strings.TrimSpace(v)] = true
	}
	opts := &faultlock.Options{Pre: preD, Post: postD, Verbs: vs, CtxAware: *ctxAware, Ghost: *ghost}
	store := mem.NewStore()
	rec := stat.NewRecorder()
	root, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var incarnations atomic.Int64
	var errs = make(chan error, *k)
	start := time.Now()
	for i := 0; i < *k; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for gen := 0; root.Err() == nil; gen++ {
				id := fmt.Sprintf("c%d-g%d", i, gen)
				incarnations.Add(1)
				lock := ended(rec, id, faultlock.New(store.Lock(id), opts))
				le, err := leaderelection.NewLeaderElector(config(lock, *lease, *renew, *retry, callbacks(rec, id, nil, nil)))
				if err != nil {
					errs <- err
					return
				}
				task := make(chan bool)
				done := make(chan struct{})
				go func() { le.Run(task); close(done) }()
				select {
				case <-done:
				case <-root.Done():
					close(task)
					<-done
				}
			}
		}()
	}
	time.Sleep(*dur)
	end := time.Now()
	stop()
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	ivs := rec.Intervals(end)
	for i := range ivs {
		if ivs[i].End.After(end) {
			ivs[i].End = end
		}
	}
	nov, total, longest := stat.Overlaps(ivs)
	cov := stat.Covered(ivs, start, end)
	var gaps []time.Duration
	for i := 1; i < len(ivs); i++ {
		gaps = append(gaps, ivs[i].Start.Sub(ivs[i-1].End))
	}
	sort.Slice(gaps, func(i, j int) bool { return gaps[i] < gaps[j] })
	if *verbose {
		for _, iv := range ivs {
			fmt.Printf("  %-8s %10s .. %10s ms\n", iv.ID, stat.Ms(iv.Start.Sub(start)), stat.Ms(iv.End.Sub(start)))
		}
	}
	gs := stat.Summarize(gaps)
	fmt.Printf("safety dist=%s post=%s verbs=%s ctxaware=%v ghost=%v k=%d timings=%v/%v/%v: tenures=%d incarnations=%d violations=%d handover gap min=%s p50=%s ms\n",
		*pre, *post, *verbs, *ctxAware, *ghost, *k, *lease, *renew, *retry, len(ivs), incarnations.Load(), nov, stat.Ms(gs.Min), stat.Ms(gs.P50))
	stat.Summary("ours_safety_"+*label, "violations", nov, "tenures", len(ivs), "max_overlap", stat.Ms(longest)+"ms",
		"total_overlap", stat.Ms(total)+"ms", "avail", fmt.Sprintf("%.1f%%", 100*float64(cov)/float64(end.Sub(start))),
		"dur", end.Sub(start).Round(time.Second))
	return nil
}

// errNoDone is returned when an elector does not finish after its context
// ended.
var errNoDone = errors.New("elector did not finish")
