// memory: N idle electors on N different leases in one process.
// Reports heap / stack / RSS / goroutines per elector, measured as
// (running electors) - (same store contents, electors stopped), so the fake
// store's own objects are excluded; also reports the store-inclusive delta
// from an empty process and the CPU used per elector while idle.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"

	h "github.com/leaderelection/leaderelection/bench/internal/cg"
)

type snap struct {
	heapAlloc, heapInuse, stackInuse, sys uint64
	rss                                   uint64
	goroutines                            int
}

func take() snap {
	for i := 0; i < 3; i++ {
		runtime.GC()
	}
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return snap{m.HeapAlloc, m.HeapInuse, m.StackInuse, m.Sys, rss(), runtime.NumGoroutine()}
}

func rss() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "VmRSS:") {
			v, _ := strconv.ParseUint(strings.Fields(sc.Text())[1], 10, 64)
			return v * 1024
		}
	}
	return 0
}

func cpu() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func per(a, b uint64, n int) string {
	return fmt.Sprintf("%.0fB", (float64(a)-float64(b))/float64(n))
}

func main() {
	n := flag.Int("n", 1000, "electors (one lease each)")
	role := flag.String("role", "leader", "leader: each elector holds its lease | follower: each lease is held by a foreign holder (LeaseDurationSeconds=3600)")
	cb := flag.String("cb", "block", "block: OnStartedLeading blocks on ctx.Done (typical) | return: returns immediately")
	timings := flag.String("timings", "default", "default (15s/10s/2s, client-go core defaults) | fast (1s/800ms/200ms)")
	cpuprof := flag.String("cpuprofile", "", "write a CPU profile of the idle window")
	window := flag.Duration("cpuwindow", 10*time.Second, "CPU measurement window")
	flag.Parse()

	if *timings == "default" {
		h.LeaseDuration, h.RenewDeadline, h.RetryPeriod = 15*time.Second, 10*time.Second, 2*time.Second
	}

	s0 := take()
	st := h.NewStore("simple", false)
	ctx0 := h.QuietCtx(context.Background())
	if *role == "follower" {
		now := metav1.NewTime(time.Now())
		for i := 0; i < *n; i++ {
			l := h.Lock(st.CS.CoordinationV1(), "default", fmt.Sprintf("lease-%d", i), "foreign")
			if err := l.Create(ctx0, resourcelock.LeaderElectionRecord{HolderIdentity: "foreign", LeaseDurationSeconds: 3600, AcquireTime: now, RenewTime: now}); err != nil {
				panic(err)
			}
		}
	}

	ctx, cancel := context.WithCancel(ctx0)
	var ready atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < *n; i++ {
		id := fmt.Sprintf("e%d", i)
		callbacks := leaderelection.LeaderCallbacks{
			OnStartedLeading: func(c context.Context) {
				ready.Add(1)
				if *cb == "block" {
					<-c.Done()
				}
			},
			OnStoppedLeading: func() {},
		}
		if *role == "follower" {
			callbacks.OnNewLeader = func(string) { ready.Add(1) }
		}
		le, err := leaderelection.NewLeaderElector(h.Config(h.Lock(st.CS.CoordinationV1(), "default", fmt.Sprintf("lease-%d", i), id), false, callbacks))
		if err != nil {
			panic(err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); le.Run(ctx) }()
	}
	deadline := time.Now().Add(60 * time.Second)
	for ready.Load() < int64(*n) {
		if time.Now().After(deadline) {
			panic(fmt.Sprintf("only %d/%d ready", ready.Load(), *n))
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Let every elector go through at least one full renew/poll cycle.
	time.Sleep(2*h.RetryPeriod + 500*time.Millisecond)
	st.CS.ClearActions()
	if *cpuprof != "" {
		f, err := os.Create(*cpuprof)
		if err != nil {
			panic(err)
		}
		_ = pprof.StartCPUProfile(f)
		defer f.Close()
	}
	c0, w0 := cpu(), time.Now()
	time.Sleep(*window)
	if *cpuprof != "" {
		pprof.StopCPUProfile()
	}
	cpuUsed, wall := cpu()-c0, time.Since(w0)
	acts := len(st.CS.Actions())
	st.CS.ClearActions() // the fake records every call forever; not elector memory
	s1 := take()

	cancel()
	wg.Wait()
	time.Sleep(100 * time.Millisecond) // callback goroutines observe ctx.Done
	st.CS.ClearActions()
	s2 := take()
	runtime.KeepAlive(st)

	fmt.Printf("memory: %d electors role=%s cb=%s timings=%s/%s/%s\n", *n, *role, *cb, h.LeaseDuration, h.RenewDeadline, h.RetryPeriod)
	fmt.Printf("  running: heapAlloc=%.1fMiB heapInuse=%.1fMiB stackInuse=%.1fMiB RSS=%.1fMiB goroutines=%d\n",
		mib(s1.heapAlloc), mib(s1.heapInuse), mib(s1.stackInuse), mib(s1.rss), s1.goroutines)
	fmt.Printf("  stopped (store kept): heapAlloc=%.1fMiB heapInuse=%.1fMiB stackInuse=%.1fMiB RSS=%.1fMiB goroutines=%d\n",
		mib(s2.heapAlloc), mib(s2.heapInuse), mib(s2.stackInuse), mib(s2.rss), s2.goroutines)
	fmt.Printf("  baseline (empty):     heapAlloc=%.1fMiB RSS=%.1fMiB goroutines=%d\n", mib(s0.heapAlloc), mib(s0.rss), s0.goroutines)
	fmt.Printf("  per elector (running - stopped): heapAlloc=%s heapInuse=%s stack=%s heap+stack=%s RSS=%s goroutines=%.2f\n",
		per(s1.heapAlloc, s2.heapAlloc, *n), per(s1.heapInuse, s2.heapInuse, *n), per(s1.stackInuse, s2.stackInuse, *n),
		per(s1.heapInuse+s1.stackInuse, s2.heapInuse+s2.stackInuse, *n), per(s1.rss, s2.rss, *n),
		float64(s1.goroutines-s2.goroutines)/float64(*n))
	fmt.Printf("  per elector incl. its lease in the fake store (running - empty): heapAlloc=%s RSS=%s\n",
		per(s1.heapAlloc, s0.heapAlloc, *n), per(s1.rss, s0.rss, *n))
	fmt.Printf("  idle CPU: %.2f%% of one core for %d electors (%.1fµs CPU per elector per second); %d store calls in the %s window\n",
		100*float64(cpuUsed)/float64(wall), *n, float64(cpuUsed)/1e3/float64(*n)/wall.Seconds(), acts, h.R(wall))
	h.Summary(fmt.Sprintf("memory_%s_%s", *role, *cb), "n", *n,
		"heap_per_elector", per(s1.heapInuse+s1.stackInuse, s2.heapInuse+s2.stackInuse, *n),
		"heapAlloc_per_elector", per(s1.heapAlloc, s2.heapAlloc, *n),
		"rss_per_elector", per(s1.rss, s2.rss, *n),
		"goroutines_per_elector", fmt.Sprintf("%.2f", float64(s1.goroutines-s2.goroutines)/float64(*n)),
		"cpu_us_per_elector_s", fmt.Sprintf("%.1f", float64(cpuUsed)/1e3/float64(*n)/wall.Seconds()),
		"timings", fmt.Sprintf("%s/%s/%s", h.LeaseDuration, h.RenewDeadline, h.RetryPeriod))
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
