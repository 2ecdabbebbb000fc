//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd || windows)

package file

import (
	"errors"
	"fmt"
	"os"
	"runtime"
)

// errNoFlock is returned on systems without flock or LockFileEx.
var errNoFlock = fmt.Errorf("file locks on %s: %w", runtime.GOOS, errors.ErrUnsupported)

func tryLock(f *os.File) (bool, error) { return false, errNoFlock }

func lockWait(f *os.File) error { return errNoFlock }

func unlockClose(f *os.File) { f.Close() }

func openRead(path string) (*os.File, error) { return os.Open(path) }

func syncDir(dir string) error { return nil }
