package file

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/leaderelection/leaderelection/core"
)

// Sentinel errors of the package, checkable with errors.Is. Corrupt record
// files give errors that wrap core.ErrInvalidRecord; a missing record,
// core.ErrNotFound; a lost compare-and-swap, core.ErrConflict.
var (
	// ErrInvalidArgument is wrapped by the errors of New.
	ErrInvalidArgument = errors.New("file: invalid argument")

	// ErrIdentityInUse is returned by a write that names this Lock's
	// identity as the holder when another open file description keeps the
	// liveness lock of that identity: another process or Lock runs with the
	// same identity, which the election forbids.
	ErrIdentityInUse = errors.New("file: identity in use by another lock")

	// ErrClosed is returned by every operation after Close.
	ErrClosed = errors.New("file: lock closed")
)

// DefaultMode is the permission of the files the Lock creates, unless
// WithMode sets another.
const DefaultMode fs.FileMode = 0o644

// Option configures New.
type Option func(*options)

type options struct {
	mode fs.FileMode
}

// WithMode sets the permission bits of the record file and of the sidecar
// files the Lock creates (default 0644). The record file gets exactly these
// bits on every write, whatever the umask; the mode must give its owner
// read and write access. Every candidate needs read access to all the files
// and write access to the directory.
func WithMode(mode fs.FileMode) Option {
	return func(o *options) { o.mode = mode }
}

// Lock is a core.Lock and a core.Watcher on one record file, for the
// candidates of one host. See the package documentation for the files it
// uses and its guarantees. A Lock is safe for concurrent use.
type Lock struct {
	path     string // absolute path of the record file
	identity string
	describe string
	dir      string // directory of path
	base     string // file name of path
	lockPath string // PATH.lock, guards Create; PATH.lock.V guards writes from V
	tmpBase  string // prefix of this Lock's temp files: PATH.tmp.RANDOM.
	livePath string // this identity's liveness lock file
	mode     fs.FileMode

	sidecar gate          // bounds abandoned waits on the lock files
	liveG   gate          // bounds abandoned waits on livePath
	writing chan struct{} // one write of this Lock at a time

	mu       sync.Mutex
	live     *os.File // held liveness lock, nil when not held
	liveInfo fs.FileInfo
	closed   bool
	watches  watchState

	tmpSeq   atomic.Uint64  // numbers this Lock's temp files
	sweeping sync.WaitGroup // sweeps running in the background
	syncs    atomic.Int64   // term-change writes made durable (for tests)
	probes   atomic.Int64   // prober goroutines started (for tests)

	// testProbing, when set by a test, receives for each watch that waits
	// on a liveness lock whether it joined a running prober.
	testProbing chan bool
}

var (
	_ core.Lock    = (*Lock)(nil)
	_ core.Watcher = (*Lock)(nil)
)

// New returns a Lock on the record file at path for the candidate named
// identity. It only checks its arguments: files are created on the first
// write, and problems with them are reported by the operations. The
// directory must exist.
func New(path, identity string, opts ...Option) (*Lock, error) {
	o := options{mode: DefaultMode}
	for _, opt := range opts {
		opt(&o)
	}
	switch {
	case path == "":
		return nil, fmt.Errorf("%w: empty path", ErrInvalidArgument)
	case identity == "":
		return nil, fmt.Errorf("%w: empty identity", ErrInvalidArgument)
	case o.mode&^fs.ModePerm != 0:
		return nil, fmt.Errorf("%w: mode %v has bits other than permissions", ErrInvalidArgument, o.mode)
	case o.mode&0o600 != 0o600:
		return nil, fmt.Errorf("%w: mode %#o must give the owner read and write access", ErrInvalidArgument, o.mode)
	case os.IsPathSeparator(path[len(path)-1]):
		return nil, fmt.Errorf("%w: path %q ends with a separator: it names no file", ErrInvalidArgument, path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("%w: path %q: %v", ErrInvalidArgument, path, err)
	}
	dir, base := filepath.Split(abs)
	if base == "" || base == "." || base == ".." {
		return nil, fmt.Errorf("%w: path %q does not name a file", ErrInvalidArgument, path)
	}
	return &Lock{
		path:     abs,
		identity: identity,
		describe: "file:" + abs,
		dir:      filepath.Clean(dir),
		base:     base,
		lockPath: abs + ".lock",
		tmpBase:  abs + ".tmp." + newIncarnation()[:8] + ".",
		livePath: livePathFor(abs, identity),
		mode:     o.mode,
		writing:  make(chan struct{}, 1),
	}, nil
}

// Identity returns the identity given to New.
func (l *Lock) Identity() string { return l.identity }

// Describe returns "file:" followed by the absolute path of the record.
func (l *Lock) Describe() string { return l.describe }

// Path returns the absolute path of the record file.
func (l *Lock) Path() string { return l.path }

// Get reads the record and its version. It takes no lock: a write replaces
// the file atomically, so Get sees either the old or the new record. A
// missing file gives an error wrapping core.ErrNotFound, a corrupt one an
// error wrapping core.ErrInvalidRecord.
func (l *Lock) Get(ctx context.Context) (core.Record, core.Version, error) {
	if err := l.check(ctx, "get"); err != nil {
		return core.Record{}, "", err
	}
	st, err := l.load()
	if err != nil {
		return core.Record{}, "", err
	}
	return st.rec, st.version, nil
}

// Create writes r if no record file exists, and returns its version. It
// returns an error wrapping core.ErrConflict when a valid record exists, and
// an error wrapping core.ErrInvalidRecord, without writing, when the file
// exists but is corrupt. The new record is made durable (file and
// directory fsynced) before Create returns.
func (l *Lock) Create(ctx context.Context, r core.Record) (core.Version, error) {
	if err := l.check(ctx, "create"); err != nil {
		return "", err
	}
	if st, err := l.load(); err == nil {
		if st.rec.HolderIdentity != l.identity {
			l.loseLive(ctx)
		}
		return "", fmt.Errorf("file: create %s: a record exists: %w", l.path, core.ErrConflict)
	} else if !errors.Is(err, core.ErrNotFound) {
		return "", err
	}
	w, err := l.prepare(r, newIncarnation(), 1, true)
	if err != nil {
		return "", err
	}
	return l.commit(ctx, &w, "")
}

// Update replaces the record if it is still at version v, and returns the
// new version. It returns an error wrapping core.ErrConflict when the record
// moved or was deleted, and an error wrapping core.ErrInvalidRecord, without
// writing, when the file is corrupt. A write that changes the term is made
// durable before Update returns; a renewal (same term) is not fsynced.
func (l *Lock) Update(ctx context.Context, r core.Record, v core.Version) (core.Version, error) {
	if err := l.check(ctx, "update"); err != nil {
		return "", err
	}
	st, err := l.load()
	switch {
	case errors.Is(err, core.ErrNotFound):
		l.loseLive(ctx)
		return "", fmt.Errorf("file: update %s: the record was deleted: %w", l.path, core.ErrConflict)
	case err != nil:
		return "", err
	case st.version != v:
		// Versions never repeat: once the record left v it never comes
		// back, so a read without the lock is enough to refuse.
		if st.rec.HolderIdentity != l.identity {
			l.loseLive(ctx)
		}
		return "", fmt.Errorf("file: update %s: at version %s, not %s: %w", l.path, st.version, v, core.ErrConflict)
	}
	inc, n := st.incarnation, st.counter+1
	if inc == "" { // written by another program: start a new incarnation
		inc, n = newIncarnation(), 1
	}
	w, err := l.prepare(r, inc, n, r.Term != st.rec.Term)
	if err != nil {
		return "", err
	}
	nv, err := l.commit(ctx, &w, v)
	if prev := st.rec.HolderIdentity; err == nil && prev != "" && prev != l.identity && prev != r.HolderIdentity {
		sweepLive(livePathFor(l.path, prev))
	}
	return nv, err
}

// check returns an error when the Lock is closed or ctx is done.
func (l *Lock) check(ctx context.Context, op string) error {
	l.mu.Lock()
	closed := l.closed
	l.mu.Unlock()
	if closed {
		return fmt.Errorf("file: %s %s: %w", op, l.path, ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("file: %s %s: %w", op, l.path, err)
	}
	return nil
}

// lockFor takes the exclusive lock that guards writes from version v:
// PATH.lock.V, or PATH.lock for a Create (v is ""). It returns the function
// that lets it go.
func (l *Lock) lockFor(ctx context.Context, v core.Version) (func(), error) {
	path, verify := l.lockPath, true
	if v != "" {
		// Only a past version's lock file is ever deleted, and whoever locks
		// one finds the record moved: no need to check it is still there.
		path, verify = l.lockPath+"."+string(v), false
	}
	f, err := l.sidecar.openLocked(ctx, path, l.mode, verify)
	if err != nil {
		if _, serr := os.Stat(l.dir); errors.Is(serr, fs.ErrNotExist) {
			return nil, fmt.Errorf("file: %s: the directory %s does not exist: %w", l.path, l.dir, serr)
		}
		return nil, describe("file: "+l.path+": taking the lock file", err)
	}
	return func() { unlockClose(f) }, nil
}

// startWrite waits, with ctx, until no other write of this Lock runs: a
// Lock's writes, and its decisions about its liveness lock, happen one at
// a time.
func (l *Lock) startWrite(ctx context.Context, op string) error {
	select {
	case l.writing <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("file: %s %s: %w", op, l.path, ctx.Err())
	}
}

// endWrite ends what startWrite began.
func (l *Lock) endWrite() { <-l.writing }

// Close lets go of the liveness lock, as the end of the process would, and
// stops the watches. Call it only once this candidate no longer campaigns:
// if the record still names it, the other candidates learn that its holder
// is gone and take over at once. Operations after Close return ErrClosed.
// A watch goroutine blocked on another holder's liveness lock cannot be
// interrupted; it exits when that lock is let go.
func (l *Lock) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	f := l.live
	l.live, l.liveInfo = nil, nil
	fired := l.watches.stopAll()
	l.mu.Unlock()
	for _, w := range fired {
		w.state.Store(watchDone)
	}
	if f != nil {
		unlockClose(f)
	}
	return nil
}
