// handover: leadership transfer latency between two candidates on one lease.
//
//	-mode graceful : A has ReleaseOnCancel=true; cancel A's ctx; time until B's OnStartedLeading.
//	-mode crash    : A has ReleaseOnCancel=false; cancel A's ctx (stops renewing abruptly, lease
//	                 left held); time until B's OnStartedLeading.
//	-mode partition: A keeps running but every API call it makes fails from t0 on; A steps down
//	                 by itself after RenewDeadline; reports both A's step-down and B's takeover.
//
// Timings: LeaseDuration=1s RenewDeadline=800ms RetryPeriod=200ms (flags).
// Before each event B must have observed A as leader (OnNewLeader), then we
// wait a uniformly random 300-1300ms so the event lands at a random phase of
// A's renew cycle and B's poll cycle.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	h "github.com/leaderelection/leaderelection/bench/internal/cg"
)

func main() {
	mode := flag.String("mode", "graceful", "graceful|crash|partition")
	trials := flag.Int("n", 30, "trials")
	cas := flag.Bool("cas", false, "store enforces resourceVersion CAS (like kube-apiserver)")
	flag.DurationVar(&h.LeaseDuration, "lease", h.LeaseDuration, "LeaseDuration")
	flag.DurationVar(&h.RenewDeadline, "renew", h.RenewDeadline, "RenewDeadline")
	flag.DurationVar(&h.RetryPeriod, "retry", h.RetryPeriod, "RetryPeriod")
	verbose := flag.Bool("v", false, "print every trial")
	flag.StringVar(&impl, "impl", "stock", "stock (client-go)")
	flag.Parse()

	var lat, aStop []time.Duration
	overlaps := 0
	for i := 0; i < *trials; i++ {
		l, s, ov := trial(*mode, *cas)
		lat = append(lat, l)
		aStop = append(aStop, s)
		if ov {
			overlaps++
		}
		if *verbose {
			fmt.Printf("trial %2d: B leads after %s, A stopped after %s overlap=%v\n", i, h.Ms(l), h.Ms(s), ov)
		}
	}
	st := h.Summarize(lat)
	var fromRenew, fromSeen []time.Duration
	for _, d := range diag {
		fromRenew = append(fromRenew, d[0])
		fromSeen = append(fromSeen, d[1])
	}
	if *verbose {
		for i, d := range diag {
			fmt.Printf("diag %2d: B start - A last renew = %s; B start - B last saw record change = %s; event - A last renew = %s\n", i, h.Ms(d[0]), h.Ms(d[1]), h.Ms(d[2]))
		}
	}
	fmt.Printf("%s: A's last successful renew -> B OnStartedLeading: %s\n", *mode, h.Summarize(fromRenew))
	fmt.Printf("%s: B's last observed record change -> B OnStartedLeading: %s\n", *mode, h.Summarize(fromSeen))
	ss := h.Summarize(aStop)
	fmt.Printf("%s: event->B OnStartedLeading: %s\n", *mode, st)
	fmt.Printf("%s: event->A OnStoppedLeading: %s\n", *mode, ss)
	fmt.Printf("%s: trials where A's and B's leadership overlapped: %d/%d\n", *mode, overlaps, *trials)
	name := "handover_" + *mode
	if impl != "stock" {
		name += "_" + impl
	}
	h.Summary(name, "n", st.N, "p50", h.Ms(st.P50), "p95", h.Ms(st.P95), "max", h.Ms(st.Max),
		"A_stop_p50", h.Ms(ss.P50), "overlaps", overlaps,
		"timings", fmt.Sprintf("%s/%s/%s", h.LeaseDuration, h.RenewDeadline, h.RetryPeriod))
}

// per trial: B start - A's last successful renew before t0; B start - last time
// B's Get saw the raw record change; t0 - A's last renew.
var diag [][3]time.Duration

var impl string

func trial(mode string, cas bool) (bLat, aStop time.Duration, overlap bool) {
	st := h.NewStore("simple", cas)
	var partitioned atomic.Bool
	aClient := st.Leases(&h.SlowOpts{
		Verbs: map[string]bool{"get": true, "update": true, "create": true},
		Fail:  func() bool { return partitioned.Load() },
	})
	bClient := st.Leases(nil)

	rec := h.NewRecorder()
	aStarted := make(chan time.Time, 1)
	aStopped := make(chan time.Time, 1)
	bStarted := make(chan time.Time, 1)
	bSawA := make(chan struct{}, 1)

	root := h.QuietCtx(context.Background())
	actx, acancel := context.WithCancel(root)
	bctx, bcancel := context.WithCancel(root)
	defer acancel()

	aLock := &h.TracingLock{Interface: h.Lock(aClient, "default", "ho", "A")}
	bLock := &h.TracingLock{Interface: h.Lock(bClient, "default", "ho", "B")}
	aCfg := h.Config(aLock, mode == "graceful",
		rec.Callbacks("A", func(t time.Time) { aStarted <- t }, func(t time.Time) { aStopped <- t }))
	bCB := rec.Callbacks("B", func(t time.Time) { bStarted <- t }, nil)
	bCB.OnNewLeader = func(id string) {
		if id == "A" {
			select {
			case bSawA <- struct{}{}:
			default:
			}
		}
	}
	bCfg := h.Config(bLock, false, bCB)

	aLE, err := h.NewElector(impl, aCfg)
	must(err)
	bLE, err := h.NewElector(impl, bCfg)
	must(err)
	aDone, bDone := make(chan struct{}), make(chan struct{})
	go func() { aLE.Run(actx); close(aDone) }()
	<-aStarted
	go func() { bLE.Run(bctx); close(bDone) }()
	<-bSawA
	time.Sleep(300*time.Millisecond + rand.N(1000*time.Millisecond))

	t0 := time.Now()
	switch mode {
	case "graceful", "crash":
		acancel()
	case "partition":
		partitioned.Store(true)
	default:
		panic("bad mode")
	}
	var tb, ta time.Time
	select {
	case tb = <-bStarted:
	case <-time.After(30 * time.Second):
		panic("B never took over")
	}
	select {
	case ta = <-aStopped:
	case <-time.After(30 * time.Second):
		panic("A never stopped")
	}
	bcancel()
	acancel()
	<-aDone
	<-bDone
	n, _, _ := h.Overlaps(rec.Intervals(time.Now()))
	_, _, aUpd := aLock.Snapshot()
	bChg, _, _ := bLock.Snapshot()
	lastRenew := h.LastBefore(aUpd, t0)
	lastSeen := h.LastBefore(bChg, tb)
	diag = append(diag, [3]time.Duration{tb.Sub(lastRenew), tb.Sub(lastSeen), t0.Sub(lastRenew)})
	return tb.Sub(t0), ta.Sub(t0), n > 0
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
