//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package file

import (
	"errors"
	"os"
	"syscall"
)

// tryLock takes the exclusive flock on f if it is free, without waiting.
func tryLock(f *os.File) (bool, error) {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EWOULDBLOCK):
			return false, nil
		}
		return false, &os.PathError{Op: "flock", Path: f.Name(), Err: err}
	}
}

// lockWait takes the exclusive flock on f, blocking until it is free. The
// kernel wakes it; nothing polls.
func lockWait(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EINTR) { // Go's preemption signals interrupt it
			return &os.PathError{Op: "flock", Path: f.Name(), Err: err}
		}
	}
}

// unlockClose lets go of the flock on f by closing it: the lock belongs to
// the open file description, which has no other descriptor.
func unlockClose(f *os.File) { f.Close() }

// openRead opens the record file for reading.
func openRead(path string) (*os.File, error) { return os.Open(path) }

// syncDir makes the directory entries of dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		return nil // the file system syncs no directories (e.g. some FUSE)
	}
	return err
}
