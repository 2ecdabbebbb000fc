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
	"sync/atomic"
	"syscall"
	"time"

	"github.com/leaderelection/leaderelection"
	"github.com/leaderelection/leaderelection/bench/internal/stat"
	"github.com/leaderelection/leaderelection/core"
	"github.com/leaderelection/leaderelection/locks/mem"
)

type snap struct {
	heapAlloc, heapInuse, stackInuse uint64
	rss                              uint64
	goroutines                       int
}

// take is the peer's: three GCs, memory returned to the system, then the
// readings.
func take() snap {
	for range 3 {
		runtime.GC()
	}
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return snap{m.HeapAlloc, m.HeapInuse, m.StackInuse, rss(), runtime.NumGoroutine()}
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

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func per(a, b uint64, n int) string {
	return fmt.Sprintf("%.0fB", (float64(a)-float64(b))/float64(n))
}

// memory is the peer's memory program for this project: n idle electors,
// one in-memory lock each, started with Start (no goroutine of the
// caller's). Per elector = (running) - (the same stores, electors stopped
// and dropped), so the stores' records are not counted.
func memory(args []string) error {
	fs := flag.NewFlagSet("memory", flag.ContinueOnError)
	n := fs.Int("n", 1000, "electors (one lock each)")
	role := fs.String("role", "leader", "leader: each holds its own lease | follower: each lease is held by a foreign holder for an hour")
	window := fs.Duration("cpuwindow", 10*time.Second, "CPU measurement window")
	lease := fs.Duration("lease", 15*time.Second, "LeaseDuration")
	renew := fs.Duration("renew", 10*time.Second, "RenewDeadline")
	retry := fs.Duration("retry", 2*time.Second, "RetryPeriod")
	heapProfile := fs.String("heapprofile", "", "write a heap profile of the running electors to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *heapProfile != "" {
		runtime.MemProfileRate = 1
	}
	s0 := take()
	stores := make([]*mem.Store, *n)
	for i := range stores {
		stores[i] = mem.NewStore()
		if *role == "follower" {
			now := time.Now()
			r := core.Record{HolderIdentity: "foreign", LeaseDuration: time.Hour, AcquireTime: now, RenewTime: now, Term: 1, Seq: 1}
			if _, err := stores[i].Lock("foreign").Create(context.Background(), r); err != nil {
				return err
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ready atomic.Int64
	les := make([]*leaderelection.LeaderElector, *n)
	for i := range les {
		cb := leaderelection.LeaderCallbacks{}
		if *role == "follower" {
			cb.OnNewLeader = func(string) { ready.Add(1) }
		} else {
			cb.OnStartedLeading = func(<-chan struct{}) { ready.Add(1) }
		}
		le, err := leaderelection.NewLeaderElector(config(stores[i].Lock(fmt.Sprintf("e%d", i)), *lease, *renew, *retry, cb))
		if err != nil {
			return err
		}
		if err := le.Start(ctx); err != nil {
			return err
		}
		les[i] = le
	}
	deadline := time.Now().Add(60 * time.Second)
	for ready.Load() < int64(*n) {
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d/%d ready", ready.Load(), *n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Every elector goes through at least one full renew or poll cycle.
	time.Sleep(2**retry + 500*time.Millisecond)
	c0, w0 := cpuTime(), time.Now()
	time.Sleep(*window)
	cpuUsed, wall := cpuTime()-c0, time.Since(w0)
	s1 := take()
	if *heapProfile != "" {
		f, err := os.Create(*heapProfile)
		if err != nil {
			return err
		}
		err = pprof.Lookup("heap").WriteTo(f, 0)
		f.Close()
		if err != nil {
			return err
		}
	}

	cancel()
	for _, le := range les {
		select {
		case <-le.Done():
		case <-time.After(30 * time.Second):
			return errNoDone
		}
	}
	les = nil
	s2 := take()
	runtime.KeepAlive(stores)

	fmt.Printf("memory: %d electors role=%s timings=%v/%v/%v\n", *n, *role, *lease, *renew, *retry)
	fmt.Printf("  running: heapAlloc=%d heapInuse=%d stackInuse=%d RSS=%d goroutines=%d\n", s1.heapAlloc, s1.heapInuse, s1.stackInuse, s1.rss, s1.goroutines)
	fmt.Printf("  stopped (stores kept): heapAlloc=%d heapInuse=%d stackInuse=%d RSS=%d goroutines=%d\n", s2.heapAlloc, s2.heapInuse, s2.stackInuse, s2.rss, s2.goroutines)
	fmt.Printf("  baseline (empty): heapAlloc=%d goroutines=%d\n", s0.heapAlloc, s0.goroutines)
	stat.Summary(fmt.Sprintf("ours_memory_%s", *role), "n", *n,
		"heap_per_elector", per(s1.heapInuse+s1.stackInuse, s2.heapInuse+s2.stackInuse, *n),
		"heapAlloc_per_elector", per(s1.heapAlloc, s2.heapAlloc, *n),
		"rss_per_elector", per(s1.rss, s2.rss, *n),
		"goroutines_per_elector", fmt.Sprintf("%.2f", float64(s1.goroutines-s2.goroutines)/float64(*n)),
		"cpu_us_per_elector_s", fmt.Sprintf("%.1f", float64(cpuUsed)/1e3/float64(*n)/wall.Seconds()),
		"timings", fmt.Sprintf("%v/%v/%v", *lease, *renew, *retry))
	return nil
}
