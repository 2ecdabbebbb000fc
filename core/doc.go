// Package core is the election state machine of leaderelection: it decides
// when a candidate reads the lease record, when it writes it, when it
// leads and when it must stop, and leaves everything else to its caller.
//
// Like etcd's raft, the machine is sans-I/O. It reads no clock, starts no
// goroutine, sleeps nowhere and does no I/O; it does not allocate as it
// runs. The caller (the driver, package leaderelection, or a test) owns the
// clock, the randomness and the store. Every input carries the time the
// caller read; jitter comes from the Rand in the Config. The same inputs
// give the same outputs, always, so scenarios, simulations and fuzzing can
// replay any history exactly.
//
// # The driving loop
//
// A Machine answers each Input with an Output: the next Action (read the
// record, write this record with this precondition, wait until a time, or
// done) and the Events that happened (started leading in a term, stopped
// leading and why, a new leader observed). A driver is a loop that does
// what the Action says and feeds back the result (now() is the caller's
// clock, e.g. time.Now):
//
//	m, err := core.NewMachine(cfg)
//	out := m.Step(core.Input{Kind: core.InputTick, Now: now()})
//	for {
//		deliver(out.Events) // in order, before the next Step
//		ctx, cancel := context.WithDeadline(ctx, out.Action.Deadline)
//		switch a := out.Action; a.Op {
//		case core.OpWait: // sleep until a.Until (and watch a.Version if the Lock is a core.Watcher)
//			sleepUntil(a.Until)
//			out = m.Step(core.Input{Kind: core.InputTick, Now: now()})
//		case core.OpGet:
//			r, v, err := lock.Get(ctx)
//			out = m.Step(core.Input{Kind: core.InputGot, Now: now(), Record: r, Version: v, Err: err})
//		case core.OpCreate, core.OpUpdate: // Create(ctx, a.Record) or Update(ctx, a.Record, a.Version)
//			v, err := write(ctx, a)
//			out = m.Step(core.Input{Kind: core.InputWritten, Now: now(), Version: v, Err: err})
//		case core.OpDone:
//			return
//		}
//		cancel()
//	}
//
// Calls must be abandoned at Action.Deadline (as the call's context
// deadline), their answer being the context's error. InputResign and
// InputStop may be fed at any time; a Watcher's report is fed as
// InputWatch. Meanwhile IsLeader(now) answers whether the candidate leads
// at now, with no input needed: a leader paused past its deadline is no
// longer leader. See ExampleMachine and Example_failover for complete
// loops with explicit times.
//
// # The rules
//
// Expiry is judged on the observer's clock. A candidate takes a lease over
// only once the holder's lease duration (from the record, not its own
// setting) has passed on its own clock since it first saw the record's
// current version. Every write changes the version, so each renewal
// restarts every observer's timer. The record's timestamps are for humans
// and are never trusted: clocks on different hosts may differ by hours.
// A record with no holder (released) is taken at once, as is a record
// whose holder a Watcher reports gone.
//
// A leader's authority is bounded in time: it leads until the start of its
// last successful write plus RenewDeadline (and no longer than TermLimit
// after its term began). The start, not the answer: a write that took long
// to answer must not buy extra time. Config.Validate requires
// LeaseDuration > RenewDeadline > JitterFactor × RetryPeriod > 0, so the
// leader's deadline comes before any follower's expiry, as long as the
// clock rates of the hosts differ by less than LeaseDuration /
// RenewDeadline. That is the assumption under which at most one candidate
// holds IsLeader(now) at any instant.
//
// Terms are fencing tokens. Every acquisition writes a term above every
// term the candidate has seen, also when the same identity takes the lease
// again after a lapse or a release. Terms never decrease in the store, so
// a downstream system that remembers the highest term it has accepted can
// reject a stale leader (one paused past its lease, say) by its term.
// LeaderTransitions counts the changes of holder.
//
// Timing: the leader renews every RetryPeriod, without jitter; a lock
// error is retried after a jitter, never past its authority, and when
// RenewDeadline passes without a successful renewal it steps down. A
// candidate polls after a random duration in
// [RetryPeriod, JitterFactor × RetryPeriod), so that candidates started
// together spread out, and also wakes when the lease it watches expires.
//
// Release and yield: a leader that steps down by its own decision (Resign,
// TermLimit, Stop, a missed RenewDeadline) releases the lease by writing
// the record with no holder, a compare-and-swap on its own version, so the
// next candidate need not wait for the lease to expire. After a Resign or a
// TermLimit it then yields: it does not try to acquire for
// 2 × RetryPeriod, longer than a waiting candidate's longest poll interval,
// so a waiting candidate gets the lease first. TermLimit 0 means no limit.
//
// Conflicts and lost answers: a write that fails with ErrConflict means
// someone else wrote first; the machine reads the record again and decides
// from what it finds (a leader that finds another holder stops leading,
// ReasonLost). A write whose answer was lost (any other error) may have
// been applied; when a later read shows the record as this candidate's own
// in the term it tried to write, the machine adopts it, with its authority
// counted from the first attempt's start.
//
// # The Lock contract
//
// A Lock stores one Record under compare-and-swap on an opaque Version: see
// Lock, Watcher, ErrNotFound and ErrConflict. The package core/locktest is
// the conformance suite every Lock runs.
//
// # The record
//
// The record is one JSON object, a public wire format readable with cat or
// curl, that other languages may read and write:
//
//	field              JSON type              meaning
//	schema             int                    1 (SchemaVersion)
//	holderIdentity     string                 the holder; "" when released
//	leaseDurationMs    int                    the holder's lease, in milliseconds (rounded up)
//	acquireTime        RFC 3339, nanoseconds  when the holder acquired it; for humans
//	renewTime          RFC 3339, nanoseconds  the holder's latest renewal; for humans
//	leaderTransitions  int                    number of holder changes
//	term               int                    increments on every acquisition: the fencing token
//	seq                int                    increments on every write, so no two bodies are equal
//
// For example:
//
//	{"schema":1,"holderIdentity":"node-1","leaseDurationMs":900,
//	 "acquireTime":"2025-01-01T00:00:00.000000000Z","renewTime":"2025-01-01T00:00:02.000000000Z",
//	 "leaderTransitions":3,"term":7,"seq":120}
//
// AppendRecord writes it and ParseRecord reads it, with a small codec of
// this package's own rather than encoding/json (which alone would double a
// minimal WebAssembly binary); the tests fuzz it against encoding/json.
// Unknown fields are ignored, so a newer writer may add some; field names
// match exactly; a missing schema is taken as 1, any other is rejected, as
// are negative values, malformed or truncated JSON and records over
// MaxRecordSize (64 KiB), always with an error wrapping ErrInvalidRecord,
// never a panic.
package core
