package sim

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Summary is what a batch of runs found.
type Summary struct {
	First, Last    uint64 // the seeds run, inclusive
	Elections      int
	Events         int
	Steady         int // fault-free runs with TermLimit 0
	FailoverChecks int
	MaxFailover    float64
	Counts         Counts
	Violations     []Result // the runs with a violation, in seed order
}

// RunMany runs seeds first, first+1, … on workers goroutines (0: one per
// CPU) until the runs so far hold at least elections elections. The seeds
// run, and so the summary, depend only on first, elections and opt: seeds
// a worker ran past the last one needed are discarded.
func RunMany(first uint64, elections, workers int, opt Options) Summary {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	elections = max(elections, 1)
	var (
		next    atomic.Uint64
		stop    atomic.Bool
		mu      sync.Mutex
		results = map[uint64]Result{}
		wg      sync.WaitGroup
	)
	next.Store(first)
	// advance extends the contiguous prefix of finished seeds and stops
	// the workers once it holds enough elections; mu is held.
	prefix, sum := first, 0
	advance := func() {
		for sum < elections {
			r, ok := results[prefix]
			if !ok {
				return
			}
			sum += r.Elections
			prefix++
		}
		stop.Store(true)
	}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := New()
			for !stop.Load() {
				seed := next.Add(1) - 1
				r := s.Run(seed, opt)
				mu.Lock()
				results[seed] = r
				advance()
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	sm := Summary{First: first, Last: prefix - 1}
	for seed := first; seed < prefix; seed++ {
		r := results[seed]
		sm.Elections += r.Elections
		sm.Events += r.Events
		sm.FailoverChecks += r.FailoverChecks
		sm.MaxFailover = max(sm.MaxFailover, r.MaxFailover)
		sm.Counts.add(r.Counts)
		if r.Steady {
			sm.Steady++
		}
		if r.Violation != nil {
			sm.Violations = append(sm.Violations, r)
		}
	}
	return sm
}
