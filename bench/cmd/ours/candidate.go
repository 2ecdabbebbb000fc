package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/leaderelection/leaderelection"
	"github.com/leaderelection/leaderelection/bench/internal/faultlock"
	"github.com/leaderelection/leaderelection/core"
	"github.com/leaderelection/leaderelection/locks/file"
	httplock "github.com/leaderelection/leaderelection/locks/http"
)

// candidate runs one elector with RunContext and reports its events on
// stdout as "EV UNIXNANO KIND [ARG]": ready, leading TERM, stopped (the
// first of stop closing and OnStoppedLeading),
// newleader ID, resign (just before the context is cancelled), exit. A
// "resign" line on stdin, or the end of stdin, cancels the context: the
// elector releases the lease gracefully and the process exits.
func candidate(args []string) error {
	fs := flag.NewFlagSet("candidate", flag.ContinueOnError)
	path := fs.String("file", "", "lock file path")
	url := fs.String("http", "", "lock URL on the reference server")
	id := fs.String("id", "", "identity")
	lease := fs.Duration("lease", 15*time.Second, "LeaseDuration")
	renew := fs.Duration("renew", 10*time.Second, "RenewDeadline")
	retry := fs.Duration("retry", 2*time.Second, "RetryPeriod")
	trace := fs.Bool("trace", false, "log every lock call and watch on stderr")
	probe := fs.Bool("probe", true, "HTTP lock: probe the store before the first write (the default); false: httplock.WithoutProbe")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var lock core.Lock
	var err error
	switch {
	case *path != "":
		lock, err = file.New(*path, *id)
	case *url != "":
		var opts []httplock.Option
		if !*probe {
			opts = append(opts, httplock.WithoutProbe())
		}
		lock, err = httplock.New(*url, *id, opts...)
	default:
		err = errors.New("-file or -http is required")
	}
	if err != nil {
		return err
	}
	if *trace {
		lock = traced{lock}
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	say := func(kind, arg string) {
		now := time.Now().UnixNano()
		mu.Lock()
		fmt.Fprintf(out, "EV %d %s %s\n", now, kind, arg)
		out.Flush()
		mu.Unlock()
	}
	// stopped reports the end of leadership once, at the first of stop
	// closing and OnStoppedLeading, as the peer harness's recorder does, or
	// of the release write (issued only after stop closed).
	var stopOnce sync.Once
	stopped := func() { stopOnce.Do(func() { say("stopped", "") }) }
	lock = faultlock.Releasing{Lock: lock, OnGiveUp: stopped}
	var le *leaderelection.LeaderElector
	le, err = leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock: lock, LeaseDuration: *lease, RenewDeadline: *renew, RetryPeriod: *retry,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(stop <-chan struct{}) {
				term, _ := le.FencingToken()
				say("leading", fmt.Sprint(term))
				<-stop
				stopped()
			},
			OnStoppedLeading: stopped,
			OnNewLeader:      func(id string) { say("newleader", id) },
		},
	})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			if sc.Text() == "resign" {
				break
			}
		}
		say("resign", "")
		cancel()
	}()
	say("ready", "")
	err = le.RunContext(ctx)
	say("exit", "")
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
