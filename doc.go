// Package leaderelection elects one leader among candidates that share a
// lease in a store: a file on one host (locks/file), any HTTP store that
// does compare-and-swap with conditional requests (locks/http), memory
// (locks/mem), or a store of your own through a generated adapter
// (cmd/genlock). Its API is the original Kubernetes leaderelection
// package's, without the API server:
//
//	le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
//		Lock:          lock, // e.g. file.New("/run/lock/app.lease", hostname)
//		LeaseDuration: 15 * time.Second,
//		RenewDeadline: 10 * time.Second,
//		RetryPeriod:   2 * time.Second,
//		Callbacks: leaderelection.LeaderCallbacks{
//			OnStartedLeading: func(stop <-chan struct{}) { work(stop) },
//			OnStoppedLeading: func() { log.Print("no longer leading") },
//			OnNewLeader:      func(id string) { log.Print("leader: ", id) },
//		},
//	})
//	le.Run(task) // one election for one task; or le.RunContext(ctx) for HA
//
// Every decision is made by the pure state machine in package core; this
// package only moves values between the clock, the lock and the machine.
//
// # Guarantees
//
// A leader's authority ends at the start of its last successful renewal
// plus RenewDeadline; IsLeader turns false then on time alone. A follower
// takes the lease over only when the holder's LeaseDuration has passed on
// its own clock since it first saw the current record version; record
// timestamps are never trusted. With LeaseDuration > RenewDeadline, two
// candidates never lead at once while their clocks' rates differ by less
// than LeaseDuration / RenewDeadline. Each acquisition increments a term,
// the fencing token (FencingToken), which never decreases in the store.
//
// # Goroutines
//
// An elector has no goroutine of its own while it waits: a timer (and the
// lock's watch, if it has one) brings the next input, and whichever
// goroutine brings it drives the machine until it waits again. Callbacks run
// in order on a goroutine that exists only while callbacks are due;
// OnStartedLeading runs on a goroutine of its own for as long as it leads.
package leaderelection
