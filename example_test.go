package leaderelection_test

import (
	"fmt"
	"time"

	"github.com/leaderelection/leaderelection"
	"github.com/leaderelection/leaderelection/locks/mem"
)

// A worker competes for one task with the seed's API: it leads, does the
// task, reports success on the task channel, and the lease is released for
// the next task's election.
func Example() {
	store := mem.NewStore()
	task := make(chan bool, 1)
	le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:          store.Lock("worker-1"),
		LeaseDuration: 15 * time.Second,
		RenewDeadline: 10 * time.Second,
		RetryPeriod:   2 * time.Second,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(stop <-chan struct{}) {
				fmt.Println("leading: doing the task")
				task <- true // done
				<-stop
			},
			OnStoppedLeading: func() { fmt.Println("stopped leading") },
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	le.Run(task)
	rec, _, _ := store.Snapshot()
	fmt.Printf("after Run: holder=%q term=%d\n", rec.HolderIdentity, rec.Term)
	// Output:
	// leading: doing the task
	// stopped leading
	// after Run: holder="" term=1
}
