package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/leaderelection/leaderelection/bench/internal/stat"
	httplock "github.com/leaderelection/leaderelection/locks/http"
)

// child is one candidate process started by handover.
type child struct {
	id       string
	cmd      *exec.Cmd
	in       io.WriteCloser
	leading  chan time.Time
	stopped  chan time.Time
	resigned chan time.Time
	leader   chan string // OnNewLeader identities
	exited   chan error
}

// event times arrive on buffered channels, so a child never blocks on the
// parent.
func spawn(self string, id string, lockArgs []string, timings []string) (*child, error) {
	cmd := exec.Command(self, append(append([]string{"candidate", "-id", id}, lockArgs...), timings...)...)
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
	c := &child{id: id, cmd: cmd, in: in,
		leading: make(chan time.Time, 16), stopped: make(chan time.Time, 16), resigned: make(chan time.Time, 4),
		leader: make(chan string, 64), exited: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) < 3 || f[0] != "EV" {
				continue
			}
			ns, _ := strconv.ParseInt(f[1], 10, 64)
			t := time.Unix(0, ns)
			switch f[2] {
			case "leading":
				c.leading <- t
			case "stopped":
				c.stopped <- t
			case "resign":
				c.resigned <- t
			case "newleader":
				if len(f) > 3 {
					select {
					case c.leader <- f[3]:
					default:
					}
				}
			}
		}
		c.exited <- cmd.Wait()
	}()
	return c, nil
}

func recv[T any](ch <-chan T, what string, d time.Duration) (T, error) {
	select {
	case v := <-ch:
		return v, nil
	case <-time.After(d):
		var zero T
		return zero, fmt.Errorf("timed out after %v waiting for %s", d, what)
	}
}

// sawLeader waits until c reports id as the leader.
func (c *child) sawLeader(id string, d time.Duration) error {
	deadline := time.After(d)
	for {
		select {
		case got := <-c.leader:
			if got == id {
				return nil
			}
		case <-deadline:
			return fmt.Errorf("%s did not observe %s as leader within %v", c.id, id, d)
		}
	}
}

func (c *child) kill() {
	c.in.Close()
	c.cmd.Process.Kill()
}

// handover measures a graceful handover (the leader's context is cancelled
// and it releases the lease) or a crash failover (SIGKILL of the leader
// process) between candidate processes, as the peers' harnesses do:
// once B has observed A as leader, wait a random 300-1300 ms, then act at
// t0 and time B's OnStartedLeading.
func handover(args []string) error {
	fs := flag.NewFlagSet("handover", flag.ContinueOnError)
	kind := fs.String("lock", "file", "file | http (the reference server on loopback, in this process)")
	mode := fs.String("mode", "graceful", "graceful | crash")
	n := fs.Int("n", 30, "trials")
	dir := fs.String("dir", "", "directory for the lock file (default: a new temporary directory)")
	lease := fs.Duration("lease", 15*time.Second, "LeaseDuration")
	renew := fs.Duration("renew", 10*time.Second, "RenewDeadline")
	retry := fs.Duration("retry", 2*time.Second, "RetryPeriod")
	verbose := fs.Bool("v", false, "print every trial")
	trace := fs.Bool("trace", false, "the candidates log every lock call on stderr")
	probe := fs.Bool("probe", true, "HTTP lock: the candidates probe the store before their first write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(*dir, "ours-handover-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var lockArgs []string
	switch *kind {
	case "file":
		lockArgs = []string{"-file", filepath.Join(tmp, "bench.lease")}
	case "http":
		url, stop, err := serveLocks()
		if err != nil {
			return err
		}
		defer stop()
		lockArgs = []string{"-http", url + "/locks/bench"}
	default:
		return fmt.Errorf("bad -lock %q", *kind)
	}
	if *mode != "graceful" && *mode != "crash" {
		return fmt.Errorf("bad -mode %q", *mode)
	}
	timings := []string{"-lease", lease.String(), "-renew", renew.String(), "-retry", retry.String()}
	if *trace {
		timings = append(timings, "-trace")
	}
	if !*probe {
		timings = append(timings, "-probe=false")
	}

	var live []*child
	defer func() {
		for _, c := range live {
			c.kill()
		}
	}()
	start := func(id string) (*child, error) {
		c, err := spawn(self, id, lockArgs, timings)
		if err == nil {
			live = append(live, c)
		}
		return c, err
	}
	leader, err := start("c0")
	if err != nil {
		return err
	}
	if _, err := recv(leader.leading, "the first leader", 30*time.Second); err != nil {
		return err
	}
	var lat, aStop []time.Duration
	overlaps := 0
	for i := 0; i < *n; i++ {
		b, err := start("c" + strconv.Itoa(i+1))
		if err != nil {
			return err
		}
		if err := b.sawLeader(leader.id, 30*time.Second); err != nil {
			return err
		}
		time.Sleep(300*time.Millisecond + rand.N(1000*time.Millisecond))
		var t0 time.Time
		if *mode == "graceful" {
			if _, err := io.WriteString(leader.in, "resign\n"); err != nil {
				return err
			}
			if t0, err = recv(leader.resigned, leader.id+"'s resignation", 10*time.Second); err != nil {
				return err
			}
		} else {
			t0 = time.Now()
			if err := syscall.Kill(leader.cmd.Process.Pid, syscall.SIGKILL); err != nil {
				return err
			}
		}
		tb, err := recv(b.leading, b.id+" leading", 60*time.Second)
		if err != nil {
			return err
		}
		line := fmt.Sprintf("trial %2d: %s leads %s ms after t0", i, b.id, stat.Ms(tb.Sub(t0)))
		if *mode == "graceful" {
			ta, err := recv(leader.stopped, leader.id+" stopped", 10*time.Second)
			if err != nil {
				return err
			}
			aStop = append(aStop, ta.Sub(t0))
			if !ta.Before(tb) {
				overlaps++
			}
			line += fmt.Sprintf("; %s's OnStoppedLeading %s ms after t0", leader.id, stat.Ms(ta.Sub(t0)))
		}
		if _, err := recv(leader.exited, leader.id+" exit", 10*time.Second); err != nil {
			return err
		}
		live = live[1:]
		lat = append(lat, tb.Sub(t0))
		if *verbose {
			fmt.Println(line)
		}
		leader = b
	}
	st := stat.Summarize(aStop)
	stat.LatencySummary(fmt.Sprintf("ours_handover_%s_%s", *mode, *kind), lat,
		"A_stop_p50", stat.Ms(st.P50), "overlaps", overlaps,
		"timings", fmt.Sprintf("%v/%v/%v", *lease, *renew, *retry), "processes", "real")
	return nil
}

// serveLocks starts the reference lock server on a loopback port, in
// memory, and returns its base URL. A server started without a data
// directory refuses writes for MaxLease (the restart rule); its clock is
// moved past that once it is built, as a server running for a minute.
func serveLocks() (string, func(), error) {
	var skew atomic.Int64
	srv, err := httplock.NewServer(httplock.ServerConfig{
		Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) },
	})
	if err != nil {
		return "", nil, err
	}
	skew.Store(int64(httplock.DefaultMaxLease))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln)
	stop := func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := hs.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			fmt.Fprintln(os.Stderr, "server shutdown:", err)
		}
	}
	return "http://" + ln.Addr().String(), stop, nil
}
