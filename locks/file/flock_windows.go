package file

import (
	"errors"
	"os"
	"syscall"
	"unsafe"
)

// LockFileEx and UnlockFileEx are not in package syscall; they are loaded
// from kernel32.dll so that the module needs no golang.org/x/sys.
var (
	kernel32         = syscall.NewLazyDLL("kernel32.dll")
	procLockFileEx   = kernel32.NewProc("LockFileEx")
	procUnlockFileEx = kernel32.NewProc("UnlockFileEx")
)

const (
	lockfileFailImmediately = 0x1
	lockfileExclusiveLock   = 0x2
	errorLockViolation      = syscall.Errno(33)
)

// lockFileEx locks the first byte of h; every lock of the package locks
// that same byte, so the locks exclude each other as flock does.
func lockFileEx(h syscall.Handle, flags uint32) error {
	var ol syscall.Overlapped
	r, _, err := procLockFileEx.Call(uintptr(h), uintptr(flags), 0, 1, 0, uintptr(unsafe.Pointer(&ol)))
	if r == 0 {
		return err
	}
	return nil
}

func tryLock(f *os.File) (bool, error) {
	err := lockFileEx(syscall.Handle(f.Fd()), lockfileExclusiveLock|lockfileFailImmediately)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, errorLockViolation):
		return false, nil
	}
	return false, &os.PathError{Op: "LockFileEx", Path: f.Name(), Err: err}
}

func lockWait(f *os.File) error {
	if err := lockFileEx(syscall.Handle(f.Fd()), lockfileExclusiveLock); err != nil {
		return &os.PathError{Op: "LockFileEx", Path: f.Name(), Err: err}
	}
	return nil
}

// unlockClose unlocks f before closing it: Windows releases the locks of a
// closed handle only at some later time.
func unlockClose(f *os.File) {
	var ol syscall.Overlapped
	procUnlockFileEx.Call(f.Fd(), 0, 1, 0, uintptr(unsafe.Pointer(&ol)))
	f.Close()
}

// openRead opens the record file for reading with FILE_SHARE_DELETE, so
// that a writer can rename a new record over it while it is being read.
func openRead(path string) (*os.File, error) {
	p, err := syscall.UTF16PtrFromString(path)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	h, err := syscall.CreateFile(p, syscall.GENERIC_READ,
		syscall.FILE_SHARE_READ|syscall.FILE_SHARE_WRITE|syscall.FILE_SHARE_DELETE,
		nil, syscall.OPEN_EXISTING, syscall.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(h), path), nil
}

// syncDir does nothing: Windows has no directory fsync; NTFS journals the
// rename itself.
func syncDir(dir string) error { return nil }
