// Command demo shows a failover on one host: it starts three real
// candidate processes electing on a lock file in a temporary directory,
// kills the leader with SIGKILL, then asks the next leader to step down
// gracefully, and prints the timeline with the measured latencies. It
// stops by itself and leaves nothing running or on disk.
//
//	go run ./examples/demo
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/leaderelection/leaderelection"
	"github.com/leaderelection/leaderelection/locks/file"
)

// The timings of the file lock's targets: a crash is seen through the
// liveness flock, not by waiting out the 15 s lease.
const (
	leaseDuration = 15 * time.Second
	renewDeadline = 10 * time.Second
	retryPeriod   = 2 * time.Second
)

func main() {
	var err error
	if len(os.Args) == 4 && os.Args[1] == "candidate" {
		err = candidate(os.Args[2], os.Args[3])
	} else {
		err = run()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// candidate runs one elector and reports each event on stdout as
// "UNIXNANO ID EVENT [TERM]". It ends when stdin closes (the demo is over
// or died) or on SIGTERM, releasing the lease if it leads.
func candidate(path, id string) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() { // stdin closes when the parent exits, however it exits
		io.Copy(io.Discard, os.Stdin)
		stop()
	}()
	lock, err := file.New(path, id)
	if err != nil {
		return err
	}
	say := func(event string) { fmt.Printf("%d %s %s\n", time.Now().UnixNano(), id, event) }
	var le *leaderelection.LeaderElector
	le, err = leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock: lock, LeaseDuration: leaseDuration, RenewDeadline: renewDeadline, RetryPeriod: retryPeriod,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(<-chan struct{}) {
				term, _ := le.FencingToken()
				say("leading term=" + strconv.FormatInt(term, 10))
			},
			OnStoppedLeading: func() { say("stopped") },
		},
	})
	if err != nil {
		return err
	}
	say("campaigning pid=" + strconv.Itoa(os.Getpid()))
	err = le.RunContext(ctx)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

type proc struct {
	id  string
	cmd *exec.Cmd
	in  io.WriteCloser
}

type event struct {
	at   time.Time
	id   string
	what string
}

func run() error {
	dir, err := os.MkdirTemp("", "leaderelection-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "demo.lease")
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Printf("lock file %s; lease %v, renew deadline %v, retry %v\n", path, leaseDuration, renewDeadline, retryPeriod)

	events := make(chan event, 64)
	procs := map[string]*proc{}
	defer func() {
		for _, p := range procs {
			p.in.Close()
			p.cmd.Process.Signal(syscall.SIGTERM)
			p.cmd.Wait()
		}
	}()
	for _, id := range []string{"alpha", "bravo", "charlie"} {
		p, err := start(self, path, id, events)
		if err != nil {
			return err
		}
		procs[id] = p
	}
	t0 := time.Now()
	show := func(e event) {
		fmt.Printf("%9.3fms  %-8s %s\n", float64(e.at.Sub(t0).Microseconds())/1000, e.id, e.what)
	}
	await := func(want string, timeout time.Duration) (event, error) {
		deadline := time.After(timeout)
		for {
			select {
			case e := <-events:
				show(e)
				if strings.HasPrefix(e.what, want) {
					return e, nil
				}
			case <-deadline:
				return event{}, fmt.Errorf("no %q within %v", want, timeout)
			}
		}
	}
	first, err := await("leading", 10*time.Second)
	if err != nil {
		return err
	}
	// Let the followers settle into watching the leader.
	settle := time.After(500 * time.Millisecond)
	for done := false; !done; {
		select {
		case e := <-events:
			show(e)
		case <-settle:
			done = true
		}
	}

	victim := procs[first.id]
	killAt := time.Now()
	fmt.Printf("%9.3fms  %-8s SIGKILL (pid %d)\n", float64(killAt.Sub(t0).Microseconds())/1000, first.id, victim.cmd.Process.Pid)
	victim.cmd.Process.Kill()
	victim.cmd.Wait()
	delete(procs, first.id)
	second, err := await("leading", leaseDuration+5*time.Second)
	if err != nil {
		return err
	}
	crash := second.at.Sub(killAt)

	settle = time.After(500 * time.Millisecond)
	for done := false; !done; {
		select {
		case e := <-events:
			show(e)
		case <-settle:
			done = true
		}
	}
	releaseAt := time.Now()
	fmt.Printf("%9.3fms  %-8s SIGTERM: step down and release\n", float64(releaseAt.Sub(t0).Microseconds())/1000, second.id)
	procs[second.id].cmd.Process.Signal(syscall.SIGTERM)
	third, err := await("leading", leaseDuration+5*time.Second)
	if err != nil {
		return err
	}
	graceful := third.at.Sub(releaseAt)

	fmt.Println()
	fmt.Printf("crash failover (kill -9 of the leader to a new leader): %v (lease is %v: the liveness flock told at once)\n", crash.Round(time.Microsecond), leaseDuration)
	fmt.Printf("graceful handover (SIGTERM of the leader to a new leader): %v\n", graceful.Round(time.Microsecond))
	fmt.Println("stopping the candidates; removing", dir)
	return nil
}

func start(self, path, id string, events chan<- event) (*proc, error) {
	cmd := exec.Command(self, "candidate", path, id)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			f := strings.SplitN(sc.Text(), " ", 3)
			if len(f) != 3 {
				continue
			}
			ns, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				continue
			}
			events <- event{at: time.Unix(0, ns), id: f[1], what: f[2]}
		}
	}()
	return &proc{id: id, cmd: cmd, in: in}, nil
}
