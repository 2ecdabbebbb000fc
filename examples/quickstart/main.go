// Command quickstart is the README's quick start: one election for one
// task on a lock file. Run two copies: one leads, the other waits.
package main

import (
	"log"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/leaderelection/leaderelection"
	"github.com/leaderelection/leaderelection/locks/file"
)

func main() {
	host, _ := os.Hostname()
	id := host + ":" + strconv.Itoa(os.Getpid())
	lock, err := file.New(filepath.Join(os.TempDir(), "myjob.lease"), id) // production: /run/lock or /var/lib/APP
	if err != nil {
		log.Fatal(err)
	}
	task := make(chan bool, 1)
	le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:          lock,
		LeaseDuration: 15 * time.Second,
		RenewDeadline: 10 * time.Second,
		RetryPeriod:   2 * time.Second,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(stop <-chan struct{}) {
				log.Print("leading: doing the job")
				select {
				case <-time.After(3 * time.Second): // the job
					task <- true // done; false would mean failed. Either ends the term.
				case <-stop: // leadership lost: stop working at once
				}
			},
			OnStoppedLeading: func() { log.Print("stopped leading") },
			OnNewLeader:      func(leader string) { log.Print("leader: ", leader) },
		},
	})
	if err != nil {
		log.Fatal(err) // names the field and the rule, e.g. RenewDeadline > JitterFactor × RetryPeriod
	}
	le.Run(task) // campaigns, leads, releases the lease when the task ends
}
