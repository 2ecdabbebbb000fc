// safety: run K candidates on one lease for a while under injected store
// latency / faults, restart each candidate's elector whenever it exits (new
// identity per incarnation, like a restarted pod), optionally force churn, and
// count overlapping leadership intervals (OnStartedLeading .. leading-ctx done
// / OnStoppedLeading) between different incarnations.
//
// Latency injection (-inject):
//
//	reactor : fake.PrependReactor(verb,"leases") that time.Sleep()s then lets
//	          the tracker act. Runs under testing.Fake's clientset-wide mutex,
//	          so it serialises ALL requests and ignores contexts.
//	wrap    : LeasesGetter wrapper per candidate; concurrent, optional
//	          -ctxaware (return ctx.Err() at the deadline like an HTTP client),
//	          optional -ghost (an abandoned write still lands when its delay ends),
//	          optional -post (response delay after the store applied the write).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	h "github.com/leaderelection/leaderelection/bench/internal/cg"
)

func main() {
	k := flag.Int("k", 3, "candidates")
	dur := flag.Duration("dur", 20*time.Second, "run length")
	inject := flag.String("inject", "reactor", "reactor|wrap")
	pre := flag.String("dist", "0", "delay distribution before the store acts: 0 | const:D | spike:P:D | uniform:LO:HI")
	post := flag.String("post", "0", "(wrap) response-delay distribution after the store acted")
	verbs := flag.String("verbs", "update", "comma list of verbs to slow: get,update,create")
	cas := flag.Bool("cas", false, "store enforces resourceVersion CAS (409 on stale update), like kube-apiserver")
	ctxAware := flag.Bool("ctxaware", false, "(wrap) delays are cut short by the caller's ctx")
	ghost := flag.Bool("ghost", false, "(wrap,ctxaware) abandoned writes still land later")
	churn := flag.Duration("churn", 0, "if >0, cancel the current leader's Run ctx every churn (it then restarts)")
	release := flag.Bool("release", false, "ReleaseOnCancel")
	restartDelay := flag.Duration("restartdelay", 0, "pause before a candidate whose Run returned starts a new incarnation")
	label := flag.String("label", "", "label for the summary line")
	impl := flag.String("impl", "stock", "stock (client-go)")
	flag.DurationVar(&h.LeaseDuration, "lease", h.LeaseDuration, "LeaseDuration")
	flag.DurationVar(&h.RenewDeadline, "renew", h.RenewDeadline, "RenewDeadline")
	flag.DurationVar(&h.RetryPeriod, "retry", h.RetryPeriod, "RetryPeriod")
	verbose := flag.Bool("v", false, "print intervals")
	flag.Parse()

	preD, err := h.ParseDist(*pre)
	check(err)
	postD, err := h.ParseDist(*post)
	check(err)
	vs := map[string]bool{}
	for _, v := range strings.Split(*verbs, ",") {
		vs[strings.TrimSpace(v)] = true
	}

	st := h.NewStore("simple", *cas)
	var opts *h.SlowOpts
	switch *inject {
	case "reactor":
		if preD != nil {
			for v := range vs {
				st.AddSleepReactor(v, preD)
			}
		}
	case "wrap":
		opts = &h.SlowOpts{Pre: preD, Post: postD, Verbs: vs, CtxAware: *ctxAware, Ghost: *ghost}
	default:
		check(fmt.Errorf("bad -inject"))
	}

	rec := h.NewRecorder()
	root, stop := context.WithCancel(h.QuietCtx(context.Background()))
	var mu sync.Mutex
	cancels := map[string]context.CancelFunc{}
	var wg sync.WaitGroup
	start := time.Now()
	incarnations := 0
	for i := 0; i < *k; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			client := st.Leases(opts)
			for gen := 0; root.Err() == nil; gen++ {
				id := fmt.Sprintf("c%d-g%d", i, gen)
				ctx, cancel := context.WithCancel(root)
				mu.Lock()
				cancels[id] = cancel
				incarnations++
				mu.Unlock()
				le, err := h.NewElector(*impl, h.Config(h.Lock(client, "default", "safety", id), *release, rec.Callbacks(id, nil, nil)))
				check(err)
				le.Run(ctx)
				cancel()
				if *restartDelay > 0 {
					select {
					case <-root.Done():
					case <-time.After(*restartDelay):
					}
				}
				mu.Lock()
				delete(cancels, id)
				mu.Unlock()
			}
		}(i)
	}
	if *churn > 0 {
		go func() {
			t := time.NewTicker(*churn)
			defer t.Stop()
			for {
				select {
				case <-root.Done():
					return
				case <-t.C:
				}
				// cancel every incarnation currently in a leadership interval
				now := time.Now()
				for _, iv := range rec.Intervals(now) {
					if iv.End.Equal(now) {
						mu.Lock()
						if c := cancels[iv.ID]; c != nil {
							c()
						}
						mu.Unlock()
					}
				}
			}
		}()
	}
	time.Sleep(*dur)
	end := time.Now()
	stop()
	wg.Wait()

	ivs := rec.Intervals(end)
	// Clip to [start,end] (teardown closes everything at ~end).
	for i := range ivs {
		if ivs[i].End.After(end) {
			ivs[i].End = end
		}
	}
	n, total, max := h.Overlaps(ivs)
	cov := h.Covered(ivs, start, end)
	// Gap between consecutive leadership starts: next.Start - prev.End (negative = overlap)
	var gaps []time.Duration
	for i := 1; i < len(ivs); i++ {
		gaps = append(gaps, ivs[i].Start.Sub(ivs[i-1].End))
	}
	sort.Slice(gaps, func(i, j int) bool { return gaps[i] < gaps[j] })
	gs := h.Summarize(gaps)
	if *verbose {
		for _, iv := range ivs {
			fmt.Printf("  %-8s %8s .. %8s\n", iv.ID, h.Ms(iv.Start.Sub(start)), h.Ms(iv.End.Sub(start)))
		}
	}
	desc := fmt.Sprintf("impl=%s inject=%s dist=%s post=%s verbs=%s cas=%v ctxaware=%v ghost=%v churn=%s release=%v restartdelay=%s k=%d timings=%s/%s/%s",
		*impl, *inject, *pre, *post, *verbs, *cas, *ctxAware, *ghost, *churn, *release, *restartDelay, *k, h.LeaseDuration, h.RenewDeadline, h.RetryPeriod)
	fmt.Printf("safety %s\n  tenures=%d incarnations=%d violations(overlapping pairs)=%d total_overlap=%s max_overlap=%s leader_availability=%.1f%%\n  handover gap (next start - prev end; <0 = overlap): %s\n",
		desc, len(ivs), incarnations, n, h.Ms(total), h.Ms(max), 100*float64(cov)/float64(end.Sub(start)), gs)
	l := *label
	if l == "" {
		l = "custom"
	}
	h.Summary("safety_"+l, "violations", n, "tenures", len(ivs), "max_overlap", h.Ms(max), "total_overlap", h.Ms(total),
		"avail", fmt.Sprintf("%.1f%%", 100*float64(cov)/float64(end.Sub(start))), "dur", end.Sub(start).Round(time.Second))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
