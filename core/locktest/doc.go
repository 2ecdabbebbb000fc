// Package locktest is the conformance suite for core.Lock implementations.
// Every Lock runs it from its tests:
//
//	func TestConformance(t *testing.T) {
//		locktest.Run(t, func(t *testing.T) func() core.Lock {
//			dir := t.TempDir() // a fresh, empty store for this check
//			n := 0
//			return func() core.Lock { // a new candidate's handle on it
//				n++
//				return mylock.Open(filepath.Join(dir, "app.lease"), "candidate-"+strconv.Itoa(n))
//			}
//		})
//	}
//
// The function given to Run is called once per check (and once per round
// of the Create race) and must return an opener on a fresh, empty record;
// each call of the opener returns a new handle on that record, as another
// candidate process would open it. Stores that are slow (a real server over
// HTTP) tune the number of racers and rounds with RunWithOptions.
//
// The suite checks, each as a subtest:
//
//   - Get of an absent record answers core.ErrNotFound; Create of an absent
//     record succeeds; Create of a present record answers core.ErrConflict,
//     from any handle, and changes nothing.
//   - Update from the current version succeeds and returns a new version;
//     from a stale version it answers core.ErrConflict and changes nothing.
//     Update of a record that never existed may answer core.ErrConflict or
//     core.ErrNotFound (a store may not tell "moved" from "missing"); it
//     must not create the record.
//   - Records round-trip exactly through every handle: all fields, with
//     sub-second leases, nanosecond times, and identities that need JSON
//     escaping. Leases are whole milliseconds and times are in UTC, since
//     the wire format (core.AppendRecord) stores them so.
//   - Every write gives a version never issued before, even a write of an
//     identical record, and the old version is then stale.
//   - A context that is cancelled, or whose deadline has passed, makes Get,
//     Create and Update fail with an error wrapping context.Canceled or
//     context.DeadlineExceeded and change nothing. An Update whose context
//     is cancelled while it runs either completes, or fails wrapping
//     context.Canceled; either way another handle then reads the old record
//     at the old version or the new one at a new version, nothing else.
//   - Racers, each with its own handle, Create on an empty store and Update
//     from the same version at once: every round has exactly one winner,
//     every loser gets core.ErrConflict, and Get returns the winner's record.
//   - When the Lock implements core.Watcher: a watch fires (WatchChanged or
//     WatchHolderGone) after another handle updates the record, fires
//     promptly when its version is already stale, does not fire after
//     cancel returned for a later update, never blocks in Watch and never
//     calls fn before Watch returns.
//   - Identity and Describe are not empty.
//
// The suite never sleeps. Every operation and every wait for a watch is
// bounded by Options.Timeout, whose expiry fails the test.
package locktest
