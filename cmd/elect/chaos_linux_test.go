package main

import (
	"math/rand/v2"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// chaosDuration is how long TestRunChaos runs on each lock:
// $ELECT_CHAOS_DURATION (a Go duration), or 5s.
func chaosDuration(t *testing.T) time.Duration {
	if s := os.Getenv("ELECT_CHAOS_DURATION"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("ELECT_CHAOS_DURATION=%q: %v", s, err)
		}
		return d
	}
	return 5 * time.Second
}

// TestRunChaos keeps three `elect run` instances on one lock and, at
// random moments, kills one with SIGKILL or stops its process group
// (sometimes CMD's group too) with SIGSTOP for up to twice the lease, then
// resumes it; instances that exit are replaced. At the end the children's
// log must never show an older term after a newer one, and each term must
// be one child's.
func TestRunChaos(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) { runChaos(t, b, chaosDuration(t)) })
	}
}

func runChaos(t *testing.T, b backend, d time.Duration) {
	c := newCluster(t, b)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	t.Logf("seed time %v", time.Now().UnixNano())
	n := 0
	spawn := func() *instance {
		n++
		return c.start("i"+strconv.Itoa(n), looper, shortLease...)
	}
	live := []*instance{spawn(), spawn(), spawn()}
	child := map[*instance]int{} // the instance's current child
	end := time.After(d)
	next := time.NewTimer(0)
	defer next.Stop()
	var kills, stops, starts int
	var leader *instance // the instance whose child started last
	resumec := make(chan *instance, 64)
	resume := func(in *instance) {
		syscall.Kill(-in.cmd.Process.Pid, syscall.SIGCONT)
		if pid := child[in]; pid != 0 {
			syscall.Kill(-pid, syscall.SIGCONT)
		}
	}
	for {
		select {
		case <-end:
			c.killAll()
			terms := c.checkLog()
			t.Logf("%s: %v of chaos: %d kill -9, %d SIGSTOP/SIGCONT, %d children started, %d terms in the log",
				b.name, d, kills, stops, starts, len(terms))
			if starts < 2 {
				t.Errorf("only %d children started: the chaos did not exercise failover", starts)
			}
			return
		case e := <-c.starts:
			child[e.in], leader = e.pid, e.in
			starts++
		case in := <-resumec:
			resume(in)
		case <-next.C:
			next.Reset(time.Duration(200+rng.IntN(800)) * time.Millisecond)
			for i, in := range live { // replace the instances that exited
				select {
				case <-in.done:
					live[i] = spawn()
				default:
				}
			}
			in := live[rng.IntN(len(live))]
			if leader != nil && rng.IntN(3) > 0 {
				in = leader // the leader's fate matters most
			}
			if rng.IntN(3) == 0 {
				kills++
				syscall.Kill(in.cmd.Process.Pid, syscall.SIGKILL)
				continue
			}
			// Stop for up to twice the lease (1.5s), then resume.
			stops++
			syscall.Kill(-in.cmd.Process.Pid, syscall.SIGSTOP)
			if pid := child[in]; pid != 0 && rng.IntN(2) == 0 {
				syscall.Kill(-pid, syscall.SIGSTOP)
			}
			time.AfterFunc(time.Duration(rng.IntN(3000))*time.Millisecond, func() { resumec <- in })
		}
	}
}
