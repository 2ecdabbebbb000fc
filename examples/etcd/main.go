// Command etcd runs one candidate of a leader election whose lease lives in
// etcd, through KVLock: an adapter that genlock generated from the KV spec
// (spec.go), over a small client of etcd's v3 JSON gateway (client.go).
//
// Start etcd (scripts/etcd.sh start), then run two or three candidates in
// separate terminals and stop the leader with Ctrl-C:
//
//	go run ./examples/etcd -endpoint http://127.0.0.1:12379 -id a
//	go run ./examples/etcd -endpoint http://127.0.0.1:12379 -id b
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"time"

	"github.com/leaderelection/leaderelection"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "etcd example:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	host, _ := os.Hostname()
	fs := flag.NewFlagSet("etcd", flag.ContinueOnError)
	endpoint := fs.String("endpoint", envOr("LE_ETCD_URL", "http://127.0.0.1:2379"), "etcd's client URL (default $LE_ETCD_URL)")
	key := fs.String("key", "leaderelection/example", "the etcd key that holds the lease")
	id := fs.String("id", host+"-"+strconv.Itoa(os.Getpid()), "this candidate's identity")
	lease := fs.Duration("lease", 15*time.Second, "lease duration")
	renew := fs.Duration("renew", 10*time.Second, "renew deadline")
	retry := fs.Duration("retry", 2*time.Second, "retry period")
	if err := fs.Parse(args); err != nil {
		return err
	}
	client := &Client{Endpoint: *endpoint, HTTP: &http.Client{Timeout: *renew / 2}}
	le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:          NewKVLock(client, *key, *id),
		LeaseDuration: *lease,
		RenewDeadline: *renew,
		RetryPeriod:   *retry,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(stop <-chan struct{}) {
				fmt.Fprintf(out, "%s: leading\n", *id)
				<-stop
			},
			OnStoppedLeading: func() { fmt.Fprintf(out, "%s: stopped leading\n", *id) },
			OnNewLeader:      func(leader string) { fmt.Fprintf(out, "%s: the leader is %s\n", *id, leader) },
		},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: campaigning for %s on %s\n", *id, *key, *endpoint)
	return le.RunContext(ctx)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
