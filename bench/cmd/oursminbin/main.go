// Command oursminbin is the smallest program that runs one election of
// this project on a lock file and exits once it leads: the counterpart of
// the peers' minimal programs for the binary-size and linked-module
// figures.
package main

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/leaderelection/leaderelection"
	"github.com/leaderelection/leaderelection/locks/file"
)

func main() {
	dir, err := os.MkdirTemp("", "minbin-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	lock, err := file.New(filepath.Join(dir, "min.lease"), "me")
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock: lock, LeaseDuration: 15 * time.Second, RenewDeadline: 10 * time.Second, RetryPeriod: 2 * time.Second,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(<-chan struct{}) { println("leading"); cancel() },
		},
	})
	if err != nil {
		panic(err)
	}
	le.RunContext(ctx)
}
