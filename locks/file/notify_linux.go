package file

import (
	"encoding/binary"
	"os"
	"syscall"
)

// notifier reports changes of one file name in one directory, through
// inotify. Its descriptor is non-blocking, so a read parks the goroutine in
// the runtime's poller and close wakes it.
type notifier struct {
	f    *os.File
	name string
	buf  [4096]byte
}

const inotifyMask = syscall.IN_CREATE | syscall.IN_DELETE | syscall.IN_MOVED_TO | syscall.IN_MOVED_FROM |
	syscall.IN_CLOSE_WRITE | syscall.IN_DELETE_SELF | syscall.IN_MOVE_SELF | syscall.IN_ONLYDIR

// newNotifier starts watching the entry name of directory dir.
func newNotifier(dir, name string) (*notifier, error) {
	fd, err := syscall.InotifyInit1(syscall.IN_NONBLOCK | syscall.IN_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("inotify_init1", err)
	}
	if _, err := syscall.InotifyAddWatch(fd, dir, inotifyMask); err != nil {
		syscall.Close(fd)
		return nil, &os.PathError{Op: "inotify_add_watch", Path: dir, Err: err}
	}
	return &notifier{f: os.NewFile(uintptr(fd), "inotify:"+dir), name: name}, nil
}

// wait returns nil when the entry may have changed, and an error once the
// notifier is closed or broken.
func (n *notifier) wait() error {
	for {
		k, err := n.f.Read(n.buf[:])
		if err != nil {
			return err
		}
		for b := n.buf[:k]; len(b) >= syscall.SizeofInotifyEvent; {
			mask := binary.NativeEndian.Uint32(b[4:])
			size := int(binary.NativeEndian.Uint32(b[12:]))
			end := syscall.SizeofInotifyEvent + size
			if end > len(b) {
				return nil // cannot happen; re-read the record to be safe
			}
			name := b[syscall.SizeofInotifyEvent:end]
			for len(name) > 0 && name[len(name)-1] == 0 {
				name = name[:len(name)-1]
			}
			if mask&(syscall.IN_Q_OVERFLOW|syscall.IN_IGNORED|syscall.IN_DELETE_SELF|syscall.IN_MOVE_SELF) != 0 ||
				string(name) == n.name {
				return nil
			}
			b = b[end:]
		}
	}
}

// close stops the notifier; a wait in progress returns an error.
func (n *notifier) close() { n.f.Close() }
