//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package httplock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockDir takes an exclusive flock on dir/.lock, so that two servers never
// share a data directory: each would grant leases the other does not see.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("httplock: data directory: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("httplock: data directory %s is in use by another server", dir)
		}
		return nil, fmt.Errorf("httplock: data directory %s: flock: %w", dir, err)
	}
	return f, nil
}
