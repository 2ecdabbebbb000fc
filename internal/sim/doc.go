// Package sim is a deterministic simulator of the election: it drives
// several core.Machine candidates against a linearizable compare-and-swap
// store in simulated true time, injects faults, and checks in true time that
// the machine keeps its promises. Everything a run does comes from one seed,
// so a failing run replays exactly:
//
//	go run ./internal/sim/cmd/sim -seed N -trace
//
// # The world
//
// A run has 3 to 5 candidate processes and one store. Time is true time in
// nanoseconds; a discrete-event loop takes events from a queue ordered by
// true time. Each process has its own clock: local(t) = off + r·t, with an
// offset off of up to three hours either way and a rate r (see "The
// assumption"). Every input the machine gets carries the process's local
// time; a wait until local time u ends at the first true instant at which
// the clock reads u.
//
// Each Lock call has a random latency (true time). The store applies a
// write at one random instant between the call and its answer, and a read
// returns the state at one random instant in between: the store is
// linearizable by construction. Calls are abandoned at the machine's
// Action.Deadline (the machine gets context.DeadlineExceeded) while the
// store may still apply them later.
//
// Faults, all drawn from the seed, with rates that differ from run to run:
// lock errors (the call is not applied, the machine gets an error);
// answers lost after the write was applied (an error although it applied);
// slow calls (latency up to 3 × LeaseDuration: they outlive the deadline
// and may apply after it); crashes (the process stops at once; a call it
// had in flight may still apply; it restarts later with the same identity
// or a new one, as a new Machine); pauses longer than the lease on every
// clock (no input reaches the process, its clock and its authority run on,
// its call in flight may apply; on resume everything that arrived is
// delivered in random order, as a woken select would); resignations
// (InputResign); graceful stops (InputStop); TermLimit (in three runs out
// of five); Config.Once (one run in seven). Half the runs have a store
// that notifies waiting candidates (a core.Watcher): WatchChanged when the
// record moves, WatchHolderGone when the process that wrote the current
// record has exited (as the file lock learns from a dropped flock). Runs
// start with no record, a released one, or one held by a process that is
// gone. In a quarter of the runs every process has timings of its own, as
// during a rolling change of configuration; rho below is then the smallest
// LeaseDuration/RenewDeadline among them, and the failover bound takes the
// longest lease and retry period.
//
// # The assumption
//
// The configuration tolerates clock rates that differ by less than
// rho = LeaseDuration / RenewDeadline: for every two processes,
// r_i / r_j < rho. The store is linearizable, and identities are unique
// among live processes. Runs draw rates with max/min <= rho^0.98 (a margin
// of 2% of the logarithm); one run in eight puts two clocks at exactly
// rho^0.999 apart, with latencies of at most 100 µs, to test the bound at
// its edge.
//
// Why it suffices: a leader L whose last successful write W was issued at
// true time s leads until its local clock has advanced RenewDeadline past
// it: true time s + RenewDeadline/r_L. A follower F can take over only
// with a compare-and-swap on the version V it timed. If V is current at
// that instant, every later write of L failed, so W (or an earlier write)
// is L's last, and V was applied no earlier than s. F first saw V at a true
// time o >= s, and treats the lease as ended when its clock has advanced
// the record's leaseDurationMs (>= LeaseDuration) past that: at
// o + LeaseDuration/r_F or later; it leads only once its write is answered,
// later still. So the two intervals are disjoint when
// RenewDeadline/r_L <= LeaseDuration/r_F, that is r_F/r_L <= rho. A write
// whose answer was lost and that the machine adopts later counts from the
// start of its first attempt, which is earlier still.
//
// # The checks
//
// An observer in true time checks:
//
//   - (a) At no true instant do two processes answer IsLeader(local now)
//     == true. Each leader's authority is an interval [start, end) in true
//     time: it opens when IsLeader turns true after an input, and ends at
//     the true instant its clock reaches LeaderUntil(), or when the machine
//     gives up, or when the process crashes. A machine changes only on
//     input, so the interval is exact and also covers a paused leader, whose
//     authority runs out by its clock with no input. When an interval opens,
//     no interval of another process may still be open. In addition, after
//     every event each live machine is asked IsLeader(local now) directly;
//     more than one true is a violation, and an answer that disagrees with
//     the intervals is one too ("observer").
//   - (b) Terms: every write that starts a new term has a holder and a
//     term greater than every term before it; the term in the store never
//     decreases; a write in an existing term comes only from the process
//     that acquired it; seq increases on every write; leaderTransitions
//     grows by one exactly when the holder changes. A machine reports
//     EventStartedLeading only for a term it acquired in the store, and the
//     terms of successive leadership intervals increase (the fencing
//     token never goes back). Started/stopped events pair up ("events").
//   - (c) Failover: when the leader crashes, a new leader leads within
//     B = (leaseDurationMs + JitterFactor × RetryPeriod) / r_min + 7 × L_max,
//     where r_min is the slowest clock rate and L_max the largest normal
//     latency, provided no other fault has effects within B before or after
//     the crash and another process is alive. The bound: the crashed
//     leader's call in flight applies within L_max; a follower's next read
//     that sees the final version is answered within 3 × L_max +
//     J/r_min (it finishes its current call, waits at most J =
//     JitterFactor × RetryPeriod between polls, reads); it treats the lease
//     as ended leaseDurationMs/r_min later; its wait ends at that moment, it
//     reads and writes (2 × L_max), and a rival that won the race is
//     answered at most L_max after that write linearized.
//   - (d) TermLimit: a leader's authority never reaches past TermLimit
//     after it issued the write that acquired its term, on its own clock.
//     With TermLimit 0, one run in sixteen is fault-free and long (300
//     leases): it must have exactly one election and one uninterrupted
//     leadership interval, still going at the end.
//
// A run stops at its first violation, and reports the check, a message and
// the last events before it.
//
// # Elections
//
// An election is one acquisition of the lease: one EventStartedLeading
// reported by a machine. A run (one seed) ends after 100 elections, or
// after 2,000 leases of simulated time, or at its first violation; the
// fault-free runs last 300 leases and hold one election. RunMany runs seeds
// in order until the runs hold the number of elections asked for.
//
// # Negative controls
//
// Control selects broken variants that the simulator must catch (and the
// tests check it does): a driver that trusts the record's timestamps, a
// lease written no longer than RenewDeadline (a configuration that
// Validate refuses), and clock rates beyond rho.
package sim
