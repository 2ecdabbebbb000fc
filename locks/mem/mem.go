// Package mem is an in-memory core.Lock: one record in one process, shared
// by any number of candidate handles. Tests, demos, the simulator and the
// WebAssembly host use it.
//
//	store := mem.NewStore()
//	a := store.Lock("candidate-a") // each handle is one candidate
//	b := store.Lock("candidate-b")
//
// Every operation is a linearizable compare-and-swap under the store's
// mutex. Versions are the decimal strings of a per-store write counter, so
// they never repeat. Records are stored by value. Handles implement
// core.Watcher without any goroutine of their own, and SetFault injects
// failures for tests.
package mem

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/leaderelection/leaderelection/core"
)

// Op names an operation of a Lock, for fault injection.
type Op uint8

// The operations of a Lock that SetFault can fail.
const (
	OpGet    Op = iota + 1 // Lock.Get
	OpCreate               // Lock.Create
	OpUpdate               // Lock.Update
)

// String returns "get", "create" or "update".
func (o Op) String() string {
	switch o {
	case OpGet:
		return "get"
	case OpCreate:
		return "create"
	case OpUpdate:
		return "update"
	}
	return "op(" + strconv.Itoa(int(o)) + ")"
}

// Errors returned on conflicts and on a missing record. They wrap the core
// sentinels, so check them with errors.Is(err, core.ErrConflict) and
// errors.Is(err, core.ErrNotFound). They are built once, so a conflict
// costs no allocation.
var (
	errNotFound       = fmt.Errorf("mem: get: %w", core.ErrNotFound)
	errCreateConflict = fmt.Errorf("mem: create: %w", core.ErrConflict)
	errUpdateConflict = fmt.Errorf("mem: update: %w", core.ErrConflict)
)

// storeCount numbers stores for Describe.
var storeCount atomic.Uint64

// Store holds one lock record. Create it with NewStore, which names it for
// Describe. It is safe for concurrent use.
type Store struct {
	name string // "mem:N", for Describe

	mu      sync.Mutex
	rec     core.Record
	ver     core.Version // "" while no record exists
	exists  bool
	writes  uint64  // versions issued so far
	verBuf  string  // pre-formatted upcoming versions, back to back
	verEnds []int32 // verEnds[i] is the end offset in verBuf of version i
	watches map[uint64]watch
	nextID  uint64
}

// watch is one registered Watch call.
type watch struct {
	fn func(core.WatchEvent)
}

// NewStore returns an empty store: Get answers core.ErrNotFound until a
// handle creates the record.
func NewStore() *Store {
	return &Store{name: "mem:" + strconv.FormatUint(storeCount.Add(1), 10)}
}

// Lock returns a new handle on the store for the candidate named identity.
// Each handle is one candidate; make as many as there are candidates. The
// identity is not checked here: the election rejects an empty one.
func (s *Store) Lock(identity string) *Lock {
	return &Lock{store: s, identity: identity}
}

// Snapshot returns the stored record, its version and whether a record
// exists, without going through any handle's faults. It is for tests.
func (s *Store) Snapshot() (core.Record, core.Version, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rec, s.ver, s.exists
}

// Delete removes the record, as an operator wiping the store would: Get
// answers core.ErrNotFound afterwards and an Update from any earlier
// version conflicts. Watches on the old version fire. Deleting an absent
// record does nothing.
func (s *Store) Delete() {
	s.mu.Lock()
	if !s.exists {
		s.mu.Unlock()
		return
	}
	s.rec, s.ver, s.exists = core.Record{}, "", false
	fire := s.takeWatches()
	s.mu.Unlock()
	callAll(fire)
}

// versionBatch is how many versions are formatted at once, so that a write
// costs no allocation in the common case: the versions are substrings of
// one string.
const versionBatch = 16

// nextVersion issues a version never issued before. s.mu must be held.
func (s *Store) nextVersion() core.Version {
	i := int(s.writes % versionBatch)
	if i == 0 {
		s.refillVersions()
	}
	s.writes++
	start := int32(0)
	if i > 0 {
		start = s.verEnds[i-1]
	}
	return core.Version(s.verBuf[start:s.verEnds[i]])
}

// refillVersions formats the next versionBatch versions, from s.writes+1.
func (s *Store) refillVersions() {
	if s.verEnds == nil {
		s.verEnds = make([]int32, versionBatch)
	}
	buf := make([]byte, 0, versionBatch*8)
	for i := range versionBatch {
		buf = strconv.AppendUint(buf, s.writes+1+uint64(i), 10)
		s.verEnds[i] = int32(len(buf))
	}
	s.verBuf = string(buf)
}

// write stores r under a new version and returns it along with the watches
// to fire. s.mu must be held.
func (s *Store) write(r core.Record) (core.Version, []watch) {
	s.rec, s.exists = r, true
	s.ver = s.nextVersion()
	return s.ver, s.takeWatches()
}

// takeWatches removes and returns every registered watch: after a write no
// watched version is current any more. s.mu must be held.
func (s *Store) takeWatches() []watch {
	if len(s.watches) == 0 {
		return nil
	}
	fire := make([]watch, 0, len(s.watches))
	for id, w := range s.watches {
		fire = append(fire, w)
		delete(s.watches, id)
	}
	return fire
}

// callAll calls the watches' functions, in the writer's goroutine and
// outside the store's mutex.
func callAll(fire []watch) {
	for _, w := range fire {
		w.fn(core.WatchChanged)
	}
}
