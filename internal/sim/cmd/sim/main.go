// Command sim runs the deterministic simulation of the election (package
// internal/sim) over many seeds and checks every run: at most one leader at
// any true instant, terms, failover time and TermLimit. Its last line is
//
//	sim: elections=<n> violations=<v> seeds=<first>-<last>
//
// and it exits with status 1 when there are violations. `-seed N -trace`
// replays one seed and prints every event.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/leaderelection/leaderelection/internal/sim"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 1_000_000, "run seeds until this many elections (acquisitions of the lease) were simulated")
	seed := fs.Uint64("seed", 1, "first seed")
	workers := fs.Int("j", 0, "worker goroutines (0: one per CPU)")
	trace := fs.Bool("trace", false, "replay only -seed and print every event")
	control := fs.String("control", "none", "negative control: none, trust-timestamps, short-lease or fast-clocks")
	quiet := fs.Bool("q", false, "print only the summary line")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sim: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	c, ok := sim.ParseControl(*control)
	if !ok {
		fmt.Fprintf(stderr, "sim: unknown -control %q (want none, trust-timestamps, short-lease or fast-clocks)\n", *control)
		return 2
	}
	if *n < 1 {
		fmt.Fprintf(stderr, "sim: -n must be at least 1, got %d\n", *n)
		return 2
	}
	opt := sim.Options{Control: c}
	if *trace {
		opt.Trace = func(l string) { fmt.Fprintln(stdout, l) }
		r := sim.New().Run(*seed, opt)
		v := 0
		if r.Violation != nil {
			v = 1
			fmt.Fprint(stdout, r.Violation.String())
		}
		fmt.Fprintf(stdout, "sim: elections=%d violations=%d seeds=%d-%d\n", r.Elections, v, *seed, *seed)
		return min(v, 1)
	}
	start := time.Now()
	sm := sim.RunMany(*seed, *n, *workers, opt)
	elapsed := time.Since(start)
	for _, r := range sm.Violations {
		if !*quiet {
			fmt.Fprintf(stdout, "seed %d: %s", r.Seed, r.Violation)
			fmt.Fprintf(stdout, "replay: go run ./internal/sim/cmd/sim -control %s -seed %d -trace\n", c, r.Seed)
		}
	}
	if !*quiet {
		fmt.Fprintf(stdout, "stats: runs=%d steady-runs=%d events=%d failover-checks=%d max-failover=%.1f%%-of-bound elapsed=%s elections/s=%.0f\n",
			sm.Last-sm.First+1, sm.Steady, sm.Events, sm.FailoverChecks, 100*sm.MaxFailover,
			elapsed.Round(time.Millisecond), float64(sm.Elections)/elapsed.Seconds())
		fmt.Fprintf(stdout, "stats: %s\n", sm.Counts)
	}
	fmt.Fprintf(stdout, "sim: elections=%d violations=%d seeds=%d-%d\n", sm.Elections, len(sm.Violations), sm.First, sm.Last)
	if len(sm.Violations) > 0 {
		return 1
	}
	return 0
}
