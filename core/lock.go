package core

import "context"

// Version identifies one stored state of a lock record: an ETag, a
// revision, a generation number. It is opaque to everything above the Lock
// that produced it; the only operation on it is equality. Every successful
// write produces a version that the lock has never produced before for the
// same record, even when the record written is identical.
type Version string

// Lock stores one Record under compare-and-swap. It is the whole contract
// between the election and a store.
//
// Implementations must be linearizable: every Create and Update either
// happens entirely at one instant between its call and its return, or not
// at all, and no reader ever sees a partial write. They must honour context
// cancellation and deadlines, and map their failures onto ErrNotFound and
// ErrConflict (wrapped with %w is fine); every other error is a transient
// lock error that the election retries. The version is explicit: a Lock
// keeps no hidden state that a call depends on.
//
// The package core/locktest checks all of this; every Lock should run it.
type Lock interface {
	// Get reads the record and its current version. It returns ErrNotFound
	// when no record exists.
	Get(ctx context.Context) (Record, Version, error)

	// Create stores r if no record exists and returns its version. It
	// returns ErrConflict when a record already exists.
	Create(ctx context.Context, r Record) (Version, error)

	// Update replaces the record if it is still at version v, and returns
	// the new version. It returns ErrConflict when the record is at another
	// version or was deleted.
	Update(ctx context.Context, r Record, v Version) (Version, error)

	// Identity is this candidate's identity, unique among the candidates
	// that share the lock.
	Identity() string

	// Describe names the lock for logs and errors, e.g.
	// "file:/run/lock/app.lease" or "http://127.0.0.1:7468/locks/app".
	Describe() string
}

// WatchEvent is what a Watcher reports.
type WatchEvent uint8

const (
	// WatchChanged means the record may no longer be at the watched
	// version: read it again.
	WatchChanged WatchEvent = iota + 1

	// WatchHolderGone means the holder named in the record at the watched
	// version is known to be gone (its process died, as the kernel reports
	// through a dropped flock): the lease may be taken over at once without
	// waiting for it to expire. A Lock must report this only when it is
	// certain; a paused or slow holder is not gone.
	WatchHolderGone
)

// String returns "changed" or "holder-gone".
func (e WatchEvent) String() string {
	switch e {
	case WatchChanged:
		return "changed"
	case WatchHolderGone:
		return "holder-gone"
	}
	return "unknown"
}

// Watcher is implemented by Locks that can tell a waiting candidate early
// that the record changed or that its holder is gone, instead of leaving it
// to find out at its next poll: the file lock through the holder's liveness
// flock, the HTTP lock through a long-poll. The election uses it when the
// Lock has it; polling every RetryPeriod stays the fallback, so a watch
// that never fires costs only speed, never safety.
type Watcher interface {
	// Watch arranges for fn to be called at most once, from any goroutine,
	// when the record is no longer at version v or when the holder of the
	// record at version v is known to be gone. The returned cancel function
	// stops the watch and releases what it holds; fn may still run once if
	// it was already firing. Watch must not block.
	Watch(v Version, fn func(WatchEvent)) (cancel func())
}
