// Command harness measures etcd's client/v3/concurrency leader election
// (Session, NewElection, Campaign, Resign, Observe, Leader) against a running
// etcd server. Every mode prints raw samples plus one or more
//
//	SUMMARY name=<figure> key=value ...
//
// lines. See README.md and run.sh.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
)

var (
	endpoint = flag.String("endpoint", "127.0.0.1:12379", "etcd client endpoint")
	ttl      = flag.Int("ttl", 1, "requested Session TTL in seconds (server may raise it)")
	trials   = flag.Int("n", 50, "trials (handover/crash) or candidates (idle) or leases (keepalive)")
	warmup   = flag.Int("warmup", 3, "untimed warm-up trials (handover)")
	variant  = flag.String("variant", "resign", "handover: resign | close")
	prefix   = flag.String("prefix", "", "election prefix (default: unique per run)")
	tag      = flag.String("tag", "", "suffix for SUMMARY names (e.g. _tuned)")
	dur      = flag.Duration("dur", 6*time.Second, "keepalive: measurement window")
	settle   = flag.Duration("settle", 300*time.Millisecond, "handover: wait after B's key exists before A resigns (>=200ms = steady state: etcd syncs new watchers every 100ms)")
	jitter   = flag.Duration("settle-jitter", 0, "handover: add uniform random [0,jitter) to -settle")
	name     = flag.String("name", "", "handover: SUMMARY name (default handover_<variant>)")
)

func main() {
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: harness [flags] ttlprobe|handover|crash|crashchild|idle|keepalive|phantom|expiry|benchsum|metrics")
		os.Exit(2)
	}
	if *prefix == "" {
		*prefix = fmt.Sprintf("/peer-etcd/%s-%d", flag.Arg(0), time.Now().UnixNano())
	}
	var err error
	switch flag.Arg(0) {
	case "ttlprobe":
		err = ttlProbe()
	case "handover":
		err = handover()
	case "crash":
		err = crash()
	case "crashchild":
		err = crashChild()
	case "idle":
		err = idle()
	case "keepalive":
		err = keepalive()
	case "phantom":
		err = phantom()
	case "expiry":
		err = expiry()
	default:
		if f, ok := extraModes[flag.Arg(0)]; ok {
			err = f()
		} else {
			err = fmt.Errorf("unknown mode %q", flag.Arg(0))
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ERROR:", err)
		os.Exit(1)
	}
}

var extraModes = map[string]func() error{}

func newClient() (*clientv3.Client, error) {
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   []string{*endpoint},
		DialTimeout: 5 * time.Second,
	})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := cli.Get(ctx, "/peer-etcd/ping"); err != nil { // force the connection up
		cli.Close()
		return nil, err
	}
	return cli, nil
}

// ---------- statistics ----------

// pct returns the nearest-rank percentile of sorted xs.
func pct(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	r := int(p/100*float64(len(sorted))+0.999999) - 1
	if r < 0 {
		r = 0
	}
	if r >= len(sorted) {
		r = len(sorted) - 1
	}
	return sorted[r]
}

func summary(name string, xs []float64, extra string) {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	min, max := 0.0, 0.0
	if len(s) > 0 {
		min, max = s[0], s[len(s)-1]
	}
	fmt.Printf("SUMMARY name=%s%s unit=ms n=%d p50=%.3f p95=%.3f max=%.3f min=%.3f%s\n",
		name, *tag, len(s), pct(s, 50), pct(s, 95), max, min, extra)
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

func grantedTTL(cli *clientv3.Client, id clientv3.LeaseID) int64 {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	r, err := cli.TimeToLive(ctx, id)
	if err != nil {
		return -1
	}
	return r.GrantedTTL
}

func waitKey(cli *clientv3.Client, key string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		r, err := cli.Get(ctx, key, clientv3.WithCountOnly())
		cancel()
		if err == nil && r.Count > 0 {
			return nil
		}
		time.Sleep(2 * time.Millisecond)
	}
	return fmt.Errorf("key %s did not appear within %v", key, timeout)
}

// ---------- ttlprobe: what TTL does the server actually grant? ----------

func ttlProbe() error {
	cli, err := newClient()
	if err != nil {
		return err
	}
	defer cli.Close()
	ctx := context.Background()
	out := []string{}
	minGranted := int64(-1)
	for _, req := range []int64{1, 2, 3, 5} {
		g, err := cli.Grant(ctx, req)
		if err != nil {
			return err
		}
		gt := grantedTTL(cli, g.ID)
		fmt.Printf("ttlprobe requested=%d grant_resp_ttl=%d timetolive_granted=%d\n", req, g.TTL, gt)
		out = append(out, fmt.Sprintf("req%d=%d", req, g.TTL))
		if req == 1 {
			minGranted = g.TTL
		}
		cli.Revoke(ctx, g.ID)
	}
	// and through the Session API (TTL<=0 means default 60 s)
	s, err := concurrency.NewSession(cli, concurrency.WithTTL(1))
	if err != nil {
		return err
	}
	sgt := grantedTTL(cli, s.Lease())
	s.Close()
	s0, err := concurrency.NewSession(cli, concurrency.WithTTL(0))
	if err != nil {
		return err
	}
	s0gt := grantedTTL(cli, s0.Lease())
	s0.Close()
	fmt.Printf("SUMMARY name=effective_min_ttl%s unit=s requested=1 granted=%d session_ttl1_granted=%d session_ttl0_granted=%d %s\n",
		*tag, minGranted, sgt, s0gt, strings.Join(out, " "))
	return nil
}

// ---------- 1 + 6: graceful handover and fencing ----------

func handover() error {
	cliA, err := newClient()
	if err != nil {
		return err
	}
	defer cliA.Close()
	cliB, err := newClient()
	if err != nil {
		return err
	}
	defer cliB.Close()
	cliO, err := newClient()
	if err != nil {
		return err
	}
	defer cliO.Close()
	ctx := context.Background()
	pfx := *prefix

	// Observer on its own client: records when each leader key is first seen.
	sO, err := concurrency.NewSession(cliO, concurrency.WithTTL(*ttl))
	if err != nil {
		return err
	}
	defer sO.Close()
	eO := concurrency.NewElection(sO, pfx)
	octx, ocancel := context.WithCancel(ctx)
	defer ocancel()
	var omu sync.Mutex
	seen := map[string]time.Time{}
	seenRev := map[string]int64{}
	obs := eO.Observe(octx)
	go func() {
		for r := range obs {
			t := time.Now()
			k := string(r.Kvs[0].Key)
			omu.Lock()
			if _, ok := seen[k]; !ok {
				seen[k] = t
				seenRev[k] = r.Kvs[0].CreateRevision
			}
			omu.Unlock()
		}
	}()

	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	var handoverMs, resignCallMs, observeMs []float64
	var leaderRevs []int64 // in leadership order
	fenceRejected, fenceOK, leaderMatch, obsRevMatch := 0, 0, 0, 0
	var effTTL int64 = -1
	for i := -*warmup; i < *trials; i++ {
		sA, err := concurrency.NewSession(cliA, concurrency.WithTTL(*ttl))
		if err != nil {
			return err
		}
		sB, err := concurrency.NewSession(cliB, concurrency.WithTTL(*ttl))
		if err != nil {
			return err
		}
		if effTTL < 0 {
			effTTL = grantedTTL(cliA, sA.Lease())
		}
		eA := concurrency.NewElection(sA, pfx)
		eB := concurrency.NewElection(sB, pfx)
		cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
		defer ccancel() // few trials; also cancelled at the end of each iteration
		if err := eA.Campaign(cctx, "A"); err != nil {
			return fmt.Errorf("A campaign: %w", err)
		}
		aKey, aRev := eA.Key(), eA.Rev()

		bDone := make(chan time.Time, 1)
		var bErr error
		go func() {
			bErr = eB.Campaign(cctx, "B")
			bDone <- time.Now()
		}()
		bKey := fmt.Sprintf("%s/%x", pfx, sB.Lease())
		if err := waitKey(cliA, bKey, 5*time.Second); err != nil {
			ccancel()
			return err
		}
		wait := *settle
		if *jitter > 0 {
			wait += time.Duration(rng.Int63n(int64(*jitter)))
		}
		time.Sleep(wait) // let B's waitDeletes watch get established (synced)

		t0 := time.Now()
		switch *variant {
		case "resign":
			err = eA.Resign(ctx)
		case "close":
			err = sA.Close()
		default:
			err = fmt.Errorf("unknown variant %q", *variant)
		}
		t1 := time.Now()
		if err != nil {
			ccancel()
			return fmt.Errorf("A %s: %w", *variant, err)
		}
		var tB time.Time
		select {
		case tB = <-bDone:
		case <-time.After(10 * time.Second):
			ccancel()
			return errors.New("B did not become leader within 10s")
		}
		if bErr != nil {
			ccancel()
			return fmt.Errorf("B campaign: %w", bErr)
		}
		bRev := eB.Rev()
		if eB.Key() != bKey {
			return fmt.Errorf("B key mismatch %q vs %q", eB.Key(), bKey)
		}
		// observer latency
		var tO time.Time
		var oRev int64
		for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); {
			omu.Lock()
			tO, oRev = seen[bKey], seenRev[bKey]
			omu.Unlock()
			if !tO.IsZero() {
				break
			}
			time.Sleep(time.Millisecond)
		}

		// fencing: A's stale (key,rev) guarded txn must fail, B's must succeed
		fk := pfx + "-fenced-resource"
		ra, err := cliA.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision(aKey), "=", aRev)).
			Then(clientv3.OpPut(fk, "A")).Commit()
		if err != nil {
			return err
		}
		rb, err := cliB.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision(bKey), "=", bRev)).
			Then(clientv3.OpPut(fk, "B")).Commit()
		if err != nil {
			return err
		}
		lr, err := eO.Leader(ctx)
		if err != nil {
			return err
		}

		if i >= 0 {
			h, rc, ob := ms(tB.Sub(t0)), ms(t1.Sub(t0)), -1.0
			if !tO.IsZero() {
				ob = ms(tO.Sub(t0))
				observeMs = append(observeMs, ob)
			}
			handoverMs = append(handoverMs, h)
			resignCallMs = append(resignCallMs, rc)
			leaderRevs = append(leaderRevs, aRev, bRev)
			if !ra.Succeeded {
				fenceRejected++
			}
			if rb.Succeeded {
				fenceOK++
			}
			if string(lr.Kvs[0].Key) == bKey && lr.Kvs[0].CreateRevision == bRev {
				leaderMatch++
			}
			if oRev == bRev {
				obsRevMatch++
			}
			fmt.Printf("sample mode=handover variant=%s i=%d settle_ms=%.1f handover_ms=%.3f %s_call_ms=%.3f observe_ms=%.3f a_rev=%d b_rev=%d b_hdr_rev=%d a_key=%s b_key=%s stale_fenced_txn_succeeded=%v\n",
				*variant, i, ms(wait), h, *variant, rc, ob, aRev, bRev, eB.Header().Revision, aKey, bKey, ra.Succeeded)
		}
		eB.Resign(ctx)
		sB.Close()
		if *variant == "resign" {
			sA.Close()
		}
		ccancel()
	}
	viol := 0
	for j := 1; j < len(leaderRevs); j++ {
		if leaderRevs[j] <= leaderRevs[j-1] {
			viol++
		}
	}
	nm := *name
	if nm == "" {
		nm = "handover_" + *variant
	}
	summary(nm, handoverMs, fmt.Sprintf(" requested_ttl=%d effective_ttl=%d settle_ms=%d settle_jitter_ms=%d", *ttl, effTTL, settle.Milliseconds(), jitter.Milliseconds()))
	summary(nm+"_call", resignCallMs, "")
	summary(nm+"_observe", observeMs, "")
	fmt.Printf("SUMMARY name=fencing_%s%s leaders=%d rev_strictly_increasing=%v violations=%d first_rev=%d last_rev=%d stale_leader_guarded_txn_rejected=%d/%d new_leader_guarded_txn_ok=%d/%d leader_get_matches_rev=%d/%d observe_rev_matches=%d/%d\n",
		strings.TrimPrefix(nm, "handover_"), *tag, len(leaderRevs), viol == 0, viol, leaderRevs[0], leaderRevs[len(leaderRevs)-1],
		fenceRejected, len(handoverMs), fenceOK, len(handoverMs), leaderMatch, len(handoverMs), obsRevMatch, len(handoverMs))
	return nil
}

// ---------- 2: crash failover ----------

func crashChild() error {
	cli, err := newClient()
	if err != nil {
		return err
	}
	s, err := concurrency.NewSession(cli, concurrency.WithTTL(*ttl))
	if err != nil {
		return err
	}
	e := concurrency.NewElection(s, *prefix)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.Campaign(ctx, fmt.Sprintf("pid-%d", os.Getpid())); err != nil {
		return err
	}
	// A second listener on the session's lease: the client lessor fans the
	// same keepalive responses out to every KeepAlive channel of a lease, so
	// this reports when the Session's renewals are acknowledged.
	ka, err := cli.KeepAlive(context.Background(), s.Lease())
	if err != nil {
		return err
	}
	fmt.Printf("LEADER key=%s rev=%d lease=%d\n", e.Key(), e.Rev(), int64(s.Lease()))
	for range ka {
		fmt.Printf("ACK %d\n", time.Now().UnixNano())
	}
	select {} // hold leadership until SIGKILLed
}

func crash() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cliB, err := newClient()
	if err != nil {
		return err
	}
	defer cliB.Close()
	ctx := context.Background()
	pfx := *prefix
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	var failMs, sinceAckMs, lateMs []float64
	var leaderRevs []int64
	var effTTL int64 = -1
	for i := 0; i < *trials; i++ {
		// De-correlate the child's keepalive ticker from etcd's 500ms lessor
		// ticker (otherwise the loop phase-locks: each trial starts right after
		// B won at a lessor tick, biasing the expiry lateness).
		time.Sleep(time.Duration(rng.Int63n(int64(500 * time.Millisecond))))
		cmd := exec.Command(exe, "-endpoint", *endpoint, "-ttl", strconv.Itoa(*ttl), "-prefix", pfx, "crashchild")
		cmd.Stderr = os.Stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return err
		}
		if err := cmd.Start(); err != nil {
			return err
		}
		lineC := make(chan string, 1)
		var lastAck atomic.Int64 // unix nanos of the child's latest keepalive ack
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				t := sc.Text()
				if strings.HasPrefix(t, "LEADER ") {
					lineC <- t
				} else if strings.HasPrefix(t, "ACK ") {
					if v, err := strconv.ParseInt(t[4:], 10, 64); err == nil {
						lastAck.Store(v)
					}
				}
			}
		}()
		var line string
		select {
		case line = <-lineC:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			cmd.Wait()
			return errors.New("child did not become leader")
		}
		var aKey string
		var aRev, aLease int64
		fmt.Sscanf(line, "LEADER key=%s rev=%d lease=%d", &aKey, &aRev, &aLease)
		if effTTL < 0 {
			effTTL = grantedTTL(cliB, clientv3.LeaseID(aLease))
		}

		sB, err := concurrency.NewSession(cliB, concurrency.WithTTL(*ttl))
		if err != nil {
			return err
		}
		eB := concurrency.NewElection(sB, pfx)
		cctx, ccancel := context.WithTimeout(ctx, time.Duration(3**ttl+30)*time.Second)
		defer ccancel() // few trials; also cancelled at the end of each iteration
		bDone := make(chan time.Time, 1)
		var bErr error
		go func() {
			bErr = eB.Campaign(cctx, "B")
			bDone <- time.Now()
		}()
		bKey := fmt.Sprintf("%s/%x", pfx, sB.Lease())
		if err := waitKey(cliB, bKey, 5*time.Second); err != nil {
			return err
		}
		// Kill at a uniformly random phase of A's renewal cycle: after the
		// first renewal ack we observe, wait U(0, effective TTL); any renewal
		// interval < TTL is thus covered.
		tw := time.Now()
		for lastAck.Load() == 0 && time.Since(tw) < time.Duration(*ttl+3)*time.Second {
			time.Sleep(5 * time.Millisecond)
		}
		span := int64(time.Second)
		if effTTL > 0 {
			span = effTTL * int64(time.Second)
		}
		jitter := time.Duration(rng.Int63n(span))
		time.Sleep(jitter)
		select {
		case <-bDone:
			return fmt.Errorf("B became leader before the kill (A's lease lost early?) err=%v", bErr)
		default:
		}
		pid := cmd.Process.Pid
		t0 := time.Now()
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			return err
		}
		var tB time.Time
		select {
		case tB = <-bDone:
		case <-cctx.Done():
			return errors.New("B never became leader")
		}
		cmd.Wait()
		if bErr != nil {
			return fmt.Errorf("B campaign: %w", bErr)
		}
		f := ms(tB.Sub(t0))
		failMs = append(failMs, f)
		leaderRevs = append(leaderRevs, aRev, eB.Rev())
		sinceAck := -1.0
		if la := lastAck.Load(); la > 0 {
			sinceAck = ms(t0.Sub(time.Unix(0, la)))
			sinceAckMs = append(sinceAckMs, sinceAck)
			// failover = (TTL - since_last_renewal) + server expiry lateness + notify
			lateMs = append(lateMs, f-(float64(effTTL)*1000-sinceAck))
		}
		fmt.Printf("sample mode=crash ttl=%d i=%d failover_ms=%.3f kill_after_last_ack_ms=%.1f expiry_lateness_ms=%.1f child_pid=%d a_rev=%d b_rev=%d kill_wait_after_first_ack_ms=%d\n",
			*ttl, i, f, sinceAck, f-(float64(effTTL)*1000-sinceAck), pid, aRev, eB.Rev(), jitter.Milliseconds())
		eB.Resign(ctx)
		sB.Close()
		ccancel()
	}
	viol := 0
	for j := 1; j < len(leaderRevs); j++ {
		if leaderRevs[j] <= leaderRevs[j-1] {
			viol++
		}
	}
	summary(fmt.Sprintf("crash_failover_ttl%d", effTTL), failMs,
		fmt.Sprintf(" requested_ttl=%d effective_ttl=%d rev_strictly_increasing=%v", *ttl, effTTL, viol == 0))
	summary(fmt.Sprintf("crash_failover_ttl%d_kill_after_last_renewal", effTTL), sinceAckMs, "")
	summary(fmt.Sprintf("crash_failover_ttl%d_expiry_lateness", effTTL), lateMs, " note=failover-(TTL-kill_after_last_renewal)")
	return nil
}

// ---------- 4: memory / goroutines per idle session and candidate ----------

type snap struct {
	heap, stack, sys uint64
	g                int
}

func take() snap {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return snap{heap: m.HeapAlloc, stack: m.StackInuse, sys: m.Sys, g: runtime.NumGoroutine()}
}

func per(a, b uint64, n int) float64 { return (float64(b) - float64(a)) / float64(n) }

func idle() error {
	n := *trials
	cli, err := newClient()
	if err != nil {
		return err
	}
	defer cli.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.Sleep(500 * time.Millisecond)
	s0 := take()

	sess := make([]*concurrency.Session, n)
	for i := range sess {
		if sess[i], err = concurrency.NewSession(cli, concurrency.WithTTL(*ttl)); err != nil {
			return err
		}
	}
	time.Sleep(1500 * time.Millisecond) // keepalives running
	s1 := take()

	pfx := *prefix
	var leaders atomic.Int32
	var wg sync.WaitGroup
	for i := range sess {
		e := concurrency.NewElection(sess[i], pfx)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := e.Campaign(ctx, "c"); err == nil {
				leaders.Add(1)
				<-ctx.Done() // leader just holds
			}
		}()
	}
	// all n keys present
	for deadline := time.Now().Add(30 * time.Second); ; {
		r, err := cli.Get(ctx, pfx+"/", clientv3.WithPrefix(), clientv3.WithCountOnly())
		if err == nil && r.Count == int64(n) && leaders.Load() == 1 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("candidates not settled: leaders=%d", leaders.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond) // watches established
	s2 := take()

	fmt.Printf("idle raw n=%d base{heap=%d stack=%d sys=%d g=%d} sessions{heap=%d stack=%d sys=%d g=%d} candidates{heap=%d stack=%d sys=%d g=%d} leaders=%d\n",
		n, s0.heap, s0.stack, s0.sys, s0.g, s1.heap, s1.stack, s1.sys, s1.g, s2.heap, s2.stack, s2.sys, s2.g, leaders.Load())
	fmt.Printf("SUMMARY name=idle_per_session%s n=%d heap_bytes=%.0f stack_bytes=%.0f goroutines=%.2f\n",
		*tag, n, per(s0.heap, s1.heap, n), per(s0.stack, s1.stack, n), float64(s1.g-s0.g)/float64(n))
	fmt.Printf("SUMMARY name=idle_per_candidate%s n=%d heap_bytes=%.0f stack_bytes=%.0f goroutines=%.2f note=session+blocked_Campaign_incl_callers_goroutine\n",
		*tag, n, per(s0.heap, s2.heap, n), per(s0.stack, s2.stack, n), float64(s2.g-s0.g)/float64(n))
	fmt.Printf("SUMMARY name=idle_campaign_over_session%s n=%d heap_bytes=%.0f stack_bytes=%.0f goroutines=%.2f\n",
		*tag, n, per(s1.heap, s2.heap, n), per(s1.stack, s2.stack, n), float64(s2.g-s1.g)/float64(n))
	fmt.Printf("SUMMARY name=idle_total_%d%s heap_bytes=%d stack_bytes=%d sys_bytes=%d goroutines=%d base_heap_bytes=%d base_goroutines=%d\n",
		n, *tag, s2.heap, s2.stack, s2.sys, s2.g, s0.heap, s0.g)
	cancel()
	wg.Wait()
	for _, s := range sess {
		s.Close()
	}
	return nil
}

// ---------- 3b: steady-state client-side cost of lease keepalives ----------

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func window(d time.Duration) (cpu time.Duration, mallocs, bytes uint64) {
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	c0 := cpuTime()
	time.Sleep(d)
	c1 := cpuTime()
	runtime.ReadMemStats(&m1)
	return c1 - c0, m1.Mallocs - m0.Mallocs, m1.TotalAlloc - m0.TotalAlloc
}

func keepalive() error {
	n := *trials
	cli, err := newClient()
	if err != nil {
		return err
	}
	defer cli.Close()
	time.Sleep(500 * time.Millisecond)
	bCPU, bMal, bBytes := window(*dur) // idle client baseline

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var count atomic.Int64
	ids := make([]clientv3.LeaseID, n)
	for i := 0; i < n; i++ {
		g, err := cli.Grant(ctx, int64(*ttl))
		if err != nil {
			return err
		}
		ids[i] = g.ID
		ch, err := cli.KeepAlive(ctx, g.ID) // exactly what concurrency.NewSession does
		if err != nil {
			return err
		}
		go func() {
			for range ch {
				count.Add(1)
			}
		}()
	}
	eff := grantedTTL(cli, ids[0])
	time.Sleep(1500 * time.Millisecond)
	c0 := count.Load()
	cpu, mal, byt := window(*dur)
	k := count.Load() - c0
	if k == 0 {
		return errors.New("no keepalives observed")
	}
	perCPU := (float64(cpu) - float64(bCPU)) / float64(k)
	perMal := (float64(mal) - float64(bMal)) / float64(k)
	perB := (float64(byt) - float64(bBytes)) / float64(k)
	rate := float64(k) / dur.Seconds() / float64(n)
	fmt.Printf("keepalive raw leases=%d window=%v keepalives=%d cpu=%v mallocs=%d bytes=%d | idle_baseline cpu=%v mallocs=%d bytes=%d\n",
		n, *dur, k, cpu, mal, byt, bCPU, bMal, bBytes)
	fmt.Printf("SUMMARY name=keepalive_steady_client_cost%s leases=%d requested_ttl=%d effective_ttl=%d keepalives=%d per_lease_interval_ms=%.0f cpu_ns_per_keepalive=%.0f allocs_per_keepalive=%.1f bytes_per_keepalive=%.0f\n",
		*tag, n, *ttl, eff, k, 1000/rate, perCPU, perMal, perB)
	cancel()
	for _, id := range ids {
		cli.Revoke(context.Background(), id)
	}
	return nil
}

// ---------- surprise check: waiting candidate whose own lease expired ----------
// B campaigns behind A, then B's keepalive stops (Orphan: models a stalled or
// partitioned B). B's key expires with its lease. When A resigns, does B's
// Campaign still return nil ("you are leader") although B holds no key?
func phantom() error {
	cliA, err := newClient()
	if err != nil {
		return err
	}
	defer cliA.Close()
	cliB, err := newClient()
	if err != nil {
		return err
	}
	defer cliB.Close()
	ctx := context.Background()
	pfx := *prefix
	sA, err := concurrency.NewSession(cliA, concurrency.WithTTL(*ttl))
	if err != nil {
		return err
	}
	defer sA.Close()
	sB, err := concurrency.NewSession(cliB, concurrency.WithTTL(*ttl))
	if err != nil {
		return err
	}
	eA := concurrency.NewElection(sA, pfx)
	eB := concurrency.NewElection(sB, pfx)
	if err := eA.Campaign(ctx, "A"); err != nil {
		return err
	}
	bDone := make(chan error, 1)
	cctx, ccancel := context.WithTimeout(ctx, 30*time.Second)
	defer ccancel()
	go func() { bDone <- eB.Campaign(cctx, "B") }()
	bKey := fmt.Sprintf("%s/%x", pfx, sB.Lease())
	if err := waitKey(cliA, bKey, 5*time.Second); err != nil {
		return err
	}
	t0 := time.Now()
	sB.Orphan() // stop B's keepalives; lease left to expire
	var gone time.Duration
	for {
		r, err := cliA.Get(ctx, bKey, clientv3.WithCountOnly())
		if err != nil {
			return err
		}
		if r.Count == 0 {
			gone = time.Since(t0)
			break
		}
		if time.Since(t0) > time.Duration(*ttl+10)*time.Second {
			return errors.New("B key never expired")
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case err := <-bDone:
		fmt.Printf("phantom: B's Campaign returned %v as soon as its own key expired (before A resigned)\n", err)
		fmt.Printf("SUMMARY name=phantom_leader%s campaign_returned_before_A_resigned=true err=%q\n", *tag, fmt.Sprint(err))
		return nil
	case <-time.After(500 * time.Millisecond):
	}
	if err := eA.Resign(ctx); err != nil {
		return err
	}
	var berr error
	select {
	case berr = <-bDone:
	case <-time.After(5 * time.Second):
		fmt.Printf("SUMMARY name=phantom_leader%s campaign_returned=false note=still_blocked_5s_after_A_resigned\n", *tag)
		return nil
	}
	r, err := cliA.Get(ctx, bKey, clientv3.WithCountOnly())
	if err != nil {
		return err
	}
	ld, lerr := eA.Leader(ctx)
	leader := "none"
	if lerr == nil {
		leader = string(ld.Kvs[0].Key)
	}
	fenced, err := cliB.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision(eB.Key()), "=", eB.Rev())).
		Then(clientv3.OpPut(pfx+"-fenced-resource", "B")).Commit()
	if err != nil {
		return err
	}
	fmt.Printf("phantom: B key expired %.0fms after Orphan; after A resigned B.Campaign returned err=%v; B.Key()=%q B.Rev()=%d; B key exists=%v; Leader()=%s; B guarded txn succeeded=%v\n",
		ms(gone), berr, eB.Key(), eB.Rev(), r.Count > 0, leader, fenced.Succeeded)
	fmt.Printf("SUMMARY name=phantom_leader%s campaign_returned_nil=%v b_key_exists=%v leader_get=%s b_guarded_txn_ok=%v b_key_expired_after_ms=%.0f\n",
		*tag, berr == nil, r.Count > 0, leader, fenced.Succeeded, ms(gone))
	return nil
}

// ---------- diagnostic: server-side lease expiry lateness ----------
// Keep a lease alive (client.KeepAlive, as Session does), stop renewing at a
// random moment, and time the DELETE of a key attached to it:
//
//	lateness = t_delete - (t_last_keepalive_ack + TTL)
//
// and the renewal interval actually used by the client.
func expiry() error {
	cli, err := newClient()
	if err != nil {
		return err
	}
	defer cli.Close()
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	var late, gap, sinceAck []float64
	var effTTL int64
	for i := 0; i < *trials; i++ {
		ctx := context.Background()
		g, err := cli.Grant(ctx, int64(*ttl))
		if err != nil {
			return err
		}
		effTTL = g.TTL
		key := fmt.Sprintf("%s/%d", *prefix, i)
		pr, err := cli.Put(ctx, key, "x", clientv3.WithLease(g.ID))
		if err != nil {
			return err
		}
		wctx, wcancel := context.WithCancel(ctx)
		wch := cli.Watch(wctx, key, clientv3.WithRev(pr.Header.Revision+1))
		delC := make(chan time.Time, 1)
		go func() {
			for wr := range wch {
				for _, ev := range wr.Events {
					if ev.Type == clientv3.EventTypeDelete {
						delC <- time.Now()
						return
					}
				}
			}
		}()
		kctx, kcancel := context.WithCancel(ctx)
		ka, err := cli.KeepAlive(kctx, g.ID)
		if err != nil {
			kcancel()
			wcancel()
			return err
		}
		var mu sync.Mutex
		var acks []time.Time
		go func() {
			for range ka {
				mu.Lock()
				acks = append(acks, time.Now())
				mu.Unlock()
			}
		}()
		time.Sleep(600*time.Millisecond + time.Duration(rng.Int63n(g.TTL*int64(time.Second))))
		tStop := time.Now()
		kcancel()
		time.Sleep(50 * time.Millisecond)
		mu.Lock()
		last := acks[len(acks)-1]
		for j := 1; j < len(acks); j++ {
			gap = append(gap, ms(acks[j].Sub(acks[j-1])))
		}
		mu.Unlock()
		var tDel time.Time
		select {
		case tDel = <-delC:
		case <-time.After(time.Duration(g.TTL+5) * time.Second):
			wcancel()
			return errors.New("key never deleted")
		}
		wcancel()
		l := ms(tDel.Sub(last.Add(time.Duration(g.TTL) * time.Second)))
		late = append(late, l)
		sinceAck = append(sinceAck, ms(tStop.Sub(last)))
		fmt.Printf("sample mode=expiry ttl=%d i=%d stop_after_last_ack_ms=%.1f delete_after_stop_ms=%.1f lateness_ms=%.1f acks=%d\n",
			g.TTL, i, ms(tStop.Sub(last)), ms(tDel.Sub(tStop)), l, len(acks))
	}
	summary(fmt.Sprintf("lease_expiry_lateness_ttl%d", effTTL), late, " note=t_delete-(t_last_ack+TTL)")
	summary(fmt.Sprintf("keepalive_interval_ttl%d", effTTL), gap, "")
	return nil
}
