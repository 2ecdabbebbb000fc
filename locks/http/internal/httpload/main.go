// Command httpload measures the reference lock server under load: it starts
// `elect serve` (the binary given with -elect) on loopback, creates N
// leases, renews each once a second with a conditional PUT through
// locks/http, and reports the renew latency (p50, p99, max), the errors,
// and the server's CPU and memory, read from /proc.
//
//	go build -o /tmp/elect ./cmd/elect
//	go run ./locks/http/internal/httpload -elect /tmp/elect -leases 10000
//	go run ./locks/http/internal/httpload -elect /tmp/elect -find   # largest N with p99 < 10ms
//
// The generator runs on the same machine and shares its cores with the
// server, so the figures include the cost of the clients. scripts/http-load.sh
// (make bench-http) runs both modes.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"time"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "httpload:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	elect    string
	leases   int
	measure  time.Duration
	warmup   time.Duration
	conns    int
	target   time.Duration
	find     bool
	maxLease time.Duration
	profile  string
	gogc     int
	data     string
}

func run(ctx context.Context, args []string, out io.Writer) error {
	var o options
	fs := flag.NewFlagSet("httpload", flag.ContinueOnError)
	fs.StringVar(&o.elect, "elect", "", "path of the elect binary to run as the server (required)")
	fs.IntVar(&o.leases, "leases", 10000, "number of leases, each renewed once a second")
	fs.DurationVar(&o.measure, "measure", 20*time.Second, "measured time, after the warm-up")
	fs.DurationVar(&o.warmup, "warmup", 3*time.Second, "time renewing before measuring")
	fs.IntVar(&o.conns, "conns", 256, "most HTTP connections to the server")
	fs.DurationVar(&o.target, "target", 10*time.Millisecond, "p99 renew latency target (for -find)")
	fs.BoolVar(&o.find, "find", false, "step the lease count up until the p99 target or zero errors fail; report the largest that met both")
	fs.DurationVar(&o.maxLease, "max-lease", 3*time.Second, "the server's --max-lease, and the leases' duration; the server refuses writes that long after it starts")
	fs.StringVar(&o.profile, "cpuprofile", "", "write the generator's CPU profile to `FILE`")
	fs.StringVar(&o.data, "data", "", "run the server with --data in a new directory under `DIR` (every write fsynced)")
	fs.IntVar(&o.gogc, "gogc", 400, "GOGC of the generator (not of the server): thousands of leases in one process\nare an artifact of the benchmark, and its garbage collection should not weigh on the server")
	if err := fs.Parse(args); err != nil {
		return err
	}
	debug.SetGCPercent(o.gogc)
	if o.profile != "" {
		f, err := os.Create(o.profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if o.elect == "" {
		return errors.New("-elect is required: go build -o /tmp/elect ./cmd/elect")
	}
	if !o.find {
		r, err := measure(ctx, o, o.leases)
		if err != nil {
			return err
		}
		r.print(out, o)
		return nil
	}
	return find(ctx, o, out)
}

// find steps the lease count up from -leases and reports the largest count
// that met the target with zero errors.
func find(ctx context.Context, o options, out io.Writer) error {
	best := 0
	step := o.leases
	for n := o.leases; n <= 200_000; n += step {
		r, err := measure(ctx, o, n)
		if err != nil {
			return err
		}
		r.print(out, o)
		if !r.meets(o.target) {
			break
		}
		best = n
	}
	if best == 0 {
		fmt.Fprintf(out, "SUMMARY http_load_capacity max_leases=none target_p99=%v (even %d leases missed it)\n", o.target, o.leases)
		return nil
	}
	// One finer step between the last count that met the target and the
	// first that did not.
	if mid := best + step/2; step >= 2 {
		r, err := measure(ctx, o, mid)
		if err != nil {
			return err
		}
		r.print(out, o)
		if r.meets(o.target) {
			best = mid
		}
	}
	fmt.Fprintf(out, "SUMMARY http_load_capacity max_leases=%d target_p99=%v errors=0\n", best, o.target)
	return nil
}

// server is a running `elect serve`.
type server struct {
	cmd  *exec.Cmd
	base string
	dir  string // the data directory, or ""
}

// startServer runs `elect serve` on a free loopback port and waits for its
// "listening on" line.
func startServer(o options, leases int) (*server, error) {
	var dir string
	args := []string{"serve", "--addr", "127.0.0.1:0", "--quiet",
		"--max-lease", o.maxLease.String(), "--max-locks", fmt.Sprint(leases + 1000)}
	if o.data != "" {
		var err error
		if dir, err = os.MkdirTemp(o.data, "httpload-"); err != nil {
			return nil, err
		}
		args = append(args, "--data", dir)
	}
	cmd := exec.Command(o.elect, args...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(pipe)
	for sc.Scan() {
		if _, addr, ok := strings.Cut(sc.Text(), "listening on "); ok {
			go io.Copy(io.Discard, pipe) //nolint:errcheck // keep the pipe drained
			return &server{cmd: cmd, base: addr, dir: dir}, nil
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	if dir != "" {
		os.RemoveAll(dir)
	}
	return nil, errors.New("elect serve exited before listening")
}

// stop ends the server.
func (s *server) stop() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
}

// waitWritable waits out the server's refusal of writes after its start,
// as its Retry-After says.
func (s *server) waitWritable(ctx context.Context, c *http.Client) error {
	for range 600 {
		req, _ := http.NewRequestWithContext(ctx, "PUT", s.base+"/locks/load-ready", strings.NewReader(`{"seq":1}`))
		req.Header.Set("If-None-Match", "*")
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			return nil
		}
		time.Sleep(100 * time.Millisecond) // a load generator polling a real server, not a test
	}
	return errors.New("the server kept refusing writes")
}
