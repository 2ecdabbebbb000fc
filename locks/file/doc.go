// Package file is a core.Lock on a file, for the candidates of one host:
// two or three copies of a daemon under systemd or cron, of which exactly
// one should be active.
//
//	lock, err := file.New("/run/lock/myapp.lease", hostname+"-"+strconv.Itoa(os.Getpid()))
//	if err != nil { ... }
//	le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{Lock: lock, ...})
//
// # Files
//
// For a record at PATH the Lock uses, in the same directory:
//
//	PATH             the record: one JSON object (core.AppendRecord) plus a
//	                 "fileVersion" member, readable with cat
//	PATH.lock.V      empty; guards the writes from version V of the record,
//	                 deleted once the record has moved past V
//	PATH.lock        empty; guards Create
//	PATH.tmp.R.N     a next record, written then renamed over PATH
//	PATH.live.ID     empty; the liveness lock of the holder named ID (an
//	                 identity that is not short lowercase [a-z0-9._-] is
//	                 hashed: PATH.live.~HASH)
//
// All are created with mode 0644 unless WithMode says otherwise. Every
// candidate needs read access to the files and write access to the
// directory. Do not delete PATH.lock or the file of the current version
// while candidates run: two of them could then each hold "the" lock. The
// other files come and go by themselves; after a crash, a few may stay
// until the next change of term cleans them up.
//
// # Compare-and-swap
//
// Create and Update write the new record to a temp file of their own in the
// same directory (fsynced when the term changes). Then they take an
// exclusive flock (LockFileEx on Windows) on the lock file of the version
// they write from, PATH.lock.V (PATH.lock for a Create), read PATH, check
// that it is still at V, and rename the temp file over PATH. A reader
// (Get) takes no lock and sees the old record or the new one, never a part
// of either. Each operation opens its own descriptor, because a flock
// belongs to an open file description: goroutines and Locks of one process
// exclude each other as processes do. Waiting for a flock honours the
// context (see "Blocked waits" below).
//
// Writers from the same version exclude each other; a writer from another
// version finds, under its lock, that the record is not at its version and
// gives up. Why a lock file per version: a candidate stopped (SIGSTOP)
// while it holds a lock stalls everyone who needs that lock. Stopped right
// after its rename (the likeliest moment: the rename wakes the watchers,
// which preempt it), it holds only the lock of a version that is already
// past, which nobody needs again. Only a candidate stopped between its
// check and its rename, a window of microseconds, stalls the writers from
// that version until it resumes or dies, as a compare-and-swap must.
//
// A write that changes the term, and every Create, fsyncs the temp file
// before the rename and the directory after it, before it returns: the
// fencing token never goes back after a power loss. A renewal (same term)
// does not fsync; after a power loss the file holds a recent renewal or,
// on file systems that order data before the rename (ext4's default), the
// last durable one.
//
// # Versions
//
// The version of a record written by this package is
// "INCARNATION.COUNTER.CRC": INCARNATION is 64 random bits chosen when the
// file is created and carried by every update, COUNTER counts the writes
// since then, and CRC is the CRC-32 of the whole file. Both INCARNATION and
// COUNTER are stored in the file (the "fileVersion" member, which readers
// of the wire format ignore). So every write gets a new version, also a
// write of an identical record, and a file deleted and created again starts
// a new incarnation: its versions repeat none of the old ones (but with
// probability 2^-64). The CRC makes a hand edit that keeps the member
// change the version too. A file written by another program, without the
// member, has the version "sha256-" and a hash of its content; the next
// update starts an incarnation.
//
// # Crash detection
//
// While a candidate holds the lease, its Lock holds the flock on its
// liveness file PATH.live.ID: it takes it before it writes a record that
// names it (under the version's lock), and lets it go only after it wrote
// one that does not (a release, or a lost compare-and-swap), deleting the
// file first. The kernel lets go of a flock when its process ends, however
// it ends. Watch, given the version v of a record that names another holder
// H, blocks in the kernel on H's liveness lock (one goroutine, blocked in
// flock: nothing spins or polls). When the lock is granted, it checks that
// the file it locked is still the one at H's liveness path, and reads the
// record while still holding the lock; if the record is still at v, it
// reports core.WatchHolderGone, and otherwise core.WatchChanged.
//
// Why this is safe: while H's process lives and a record naming H is
// current, H holds its liveness lock, so no watcher can get it. A watcher
// that holds it (on the file now at H's path) knows that no record naming H
// can be written until it lets go, since H must take that lock first; so a
// record still at v means H's process is gone. HolderGone is reported only
// for the exact version v, and the election then replaces the record by a
// compare-and-swap on v, so a record that moved meanwhile is never
// overwritten. A holder that is stopped (SIGSTOP), hung or slow keeps its
// flock, so no HolderGone is reported for it: the lease runs out as usual,
// on the other candidates' clocks. A graceful release writes a record
// without holder, then lets go of the liveness lock: waiters wake at once
// and see the record moved (WatchChanged).
//
// Watch also reports other changes of the record (WatchChanged) through the
// system's notification of changes in the directory: inotify on Linux,
// kqueue on macOS and FreeBSD, ReadDirectoryChangesW on Windows. On other
// systems only the holder's death is reported, and the election's polling
// sees the rest.
//
// # Blocked waits
//
// A blocking flock cannot be interrupted. An operation whose context ends
// while it waits for a lock file returns the context's error; its wait goes
// on in a goroutine that lets go of the lock as soon as it gets it. While
// such a wait is outstanding, the Lock's later operations wait for it (with
// their contexts) instead of starting another, so a Lock leaves at most one
// such goroutine per caller that gave up, and only while another process
// keeps that lock (it is stopped in the middle of a write). The writes of
// one Lock happen one at a time.
//
// A watch waits on a holder's liveness lock in one goroutine per Lock and
// liveness file, shared by all the watches on that holder; a cancelled
// watch leaves that goroutine blocked until the holder lets go of the lock
// (it releases, ends, or is killed), then it returns. Each blocked
// goroutine occupies an operating system thread.
//
// # Bad files
//
// A record file that is corrupt, truncated, empty or larger than
// core.MaxRecordSize makes Get, Create and Update return an error that
// names the file and the problem and wraps core.ErrInvalidRecord. Such a
// file is never overwritten: the election reports the error (through its
// health check and log) and waits. To recover, look at the file (it may
// show what wrote it), then delete it; the next candidate creates a fresh
// record. The term then starts again at 1: if downstream systems keep the
// term as a fencing token, write instead a valid record whose "term" is
// above the last one they saw. Do not delete a healthy record while
// candidates run: the term would start again, and a candidate that was
// renewing it may believe, until its next renewal fails, that it still
// leads. A directory at PATH, a directory that cannot
// be written, a full disk and every other failure give an error that names
// the file and the system's reason.
//
// # Portability
//
// The package builds everywhere. It locks with flock(2) on Linux, macOS and
// the BSDs, and with LockFileEx on Windows (loaded from kernel32.dll: no
// golang.org/x/sys). Windows cannot delete an open file, so its liveness
// files stay; that is harmless. Elsewhere every operation that writes
// returns an error wrapping errors.ErrUnsupported.
package file
