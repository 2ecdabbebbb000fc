package file

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"
)

// A gate bounds the blocking lock calls that callers leave behind.
//
// A blocking flock cannot be interrupted, so when a caller's context ends
// first, the call goes on in its goroutine until the lock is granted, then
// lets it go at once and closes the file. While such a call is
// outstanding, later callers of the same gate wait for it to finish, with
// their contexts, before they start a blocking call of their own. Each
// caller that gives up adds at most one goroutine, and only while the lock
// stays held by another process (one that is stopped, for instance).
type gate struct {
	mu   sync.Mutex
	left int           // abandoned blocking calls still running
	idle chan struct{} // closed when left drops to 0; nil while left == 0
}

// wait waits until no abandoned call of g is running, or ctx ends.
func (g *gate) wait(ctx context.Context) error {
	g.mu.Lock()
	ch := g.idle
	g.mu.Unlock()
	if ch == nil {
		return nil
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *gate) add() {
	g.mu.Lock()
	if g.left == 0 {
		g.idle = make(chan struct{})
	}
	g.left++
	g.mu.Unlock()
}

func (g *gate) done() {
	g.mu.Lock()
	g.left--
	if g.left == 0 {
		close(g.idle)
		g.idle = nil
	}
	g.mu.Unlock()
}

// Outcomes of a blocking lock call run in its own goroutine.
const (
	callWaiting   = iota // the caller still waits for the result
	callAbandoned        // the caller gave up: the goroutine cleans up
	callDelivered        // the goroutine handed the result to the caller
)

// lock takes the exclusive lock on f, waiting no longer than ctx allows.
// On error f has been closed, or handed to a goroutine that closes it.
func (g *gate) lock(ctx context.Context, f *os.File) error {
	ok, err := tryLock(f)
	if ok || err != nil || ctx.Done() == nil {
		if err == nil && !ok {
			err = lockWait(f) // a context that never ends: block here
		}
		if err != nil {
			f.Close()
		}
		return err
	}
	if err := g.wait(ctx); err != nil {
		f.Close()
		return err
	}
	var st atomic.Int32
	res := make(chan error, 1)
	go func() {
		err := lockWait(f)
		if st.CompareAndSwap(callWaiting, callDelivered) {
			res <- err
			return
		}
		if err == nil {
			unlockClose(f)
		} else {
			f.Close()
		}
		g.done()
	}()
	select {
	case err := <-res:
		if err != nil {
			f.Close()
		}
		return err
	case <-ctx.Done():
	}
	g.add()
	if st.CompareAndSwap(callWaiting, callAbandoned) {
		return ctx.Err()
	}
	g.done() // the lock came at the same time: take it
	if err := <-res; err != nil {
		f.Close()
		return err
	}
	return nil
}

// maxReopen bounds how often openLocked reopens a lock file that was
// replaced while it waited: each replacement needs another writer's whole
// critical section, so hitting the bound means something else deletes the
// files in a loop.
const maxReopen = 100

// openLocked opens the lock file at path, creating it with mode if it does
// not exist, and returns it locked exclusively. With verify, it checks,
// once the lock is granted, that the file it locked is still the one at
// path: a holder deletes its liveness file while it still holds the lock,
// and a waiter that locked a deleted file would exclude nobody.
func (g *gate) openLocked(ctx context.Context, path string, mode fs.FileMode, verify bool) (*os.File, error) {
	for range maxReopen {
		f, err := openLockFile(path, mode, !verify)
		if err != nil {
			return nil, err
		}
		if err := g.lock(ctx, f); err != nil {
			if errors.Is(err, ctx.Err()) {
				return nil, fmt.Errorf("waiting for the lock on %s: %w", path, err)
			}
			return nil, err
		}
		if !verify {
			return f, nil
		}
		same, err := sameFile(f, path)
		if same {
			return f, nil
		}
		unlockClose(f)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("lock file %s was replaced %d times while waiting for it", path, maxReopen)
}

// openLockFile opens the lock file at path for locking, creating it with
// exactly mode when it does not exist. createFirst tries to create it
// before trying to open it, for files that usually do not exist yet.
func openLockFile(path string, mode fs.FileMode, createFirst bool) (*os.File, error) {
	for {
		if !createFirst {
			f, err := os.OpenFile(path, os.O_RDONLY, 0)
			if !errors.Is(err, fs.ErrNotExist) {
				return f, err
			}
		}
		createFirst = false
		f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, mode)
		if errors.Is(err, fs.ErrExist) {
			continue // another process created it first
		}
		if err != nil {
			return nil, err
		}
		if err := f.Chmod(mode); err != nil {
			f.Close()
			return nil, err
		}
		return f, nil
	}
}

// sameFile reports whether f is the file at path now.
func sameFile(f *os.File, path string) (bool, error) {
	fi, err := f.Stat()
	if err != nil {
		return false, err
	}
	pi, err := os.Stat(path)
	if err != nil {
		return false, err
	}
	return os.SameFile(fi, pi), nil
}
