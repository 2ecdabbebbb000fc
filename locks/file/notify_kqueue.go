//go:build darwin || freebsd

package file

import (
	"errors"
	"os"
	"sync"
	"syscall"
)

// notifier reports changes of a directory through kqueue (EVFILT_VNODE,
// NOTE_WRITE: an entry was added, removed or renamed). close writes to a
// pipe that the kqueue also watches, which wakes a blocked wait.
type notifier struct {
	kq, dir int
	pipe    [2]int

	mu      sync.Mutex
	closing bool // close was called
	gone    bool // the descriptors are closed
}

var errNotifierClosed = errors.New("notifier closed")

func newNotifier(dir, name string) (*notifier, error) {
	n := &notifier{kq: -1, dir: -1, pipe: [2]int{-1, -1}}
	var err error
	if n.dir, err = syscall.Open(dir, syscall.O_RDONLY|syscall.O_CLOEXEC, 0); err != nil {
		return nil, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	if n.kq, err = syscall.Kqueue(); err == nil {
		err = syscall.Pipe(n.pipe[:])
	}
	if err == nil {
		var ev [2]syscall.Kevent_t
		syscall.SetKevent(&ev[0], n.dir, syscall.EVFILT_VNODE, syscall.EV_ADD|syscall.EV_CLEAR)
		ev[0].Fflags = syscall.NOTE_WRITE | syscall.NOTE_DELETE | syscall.NOTE_RENAME
		syscall.SetKevent(&ev[1], n.pipe[0], syscall.EVFILT_READ, syscall.EV_ADD)
		_, err = syscall.Kevent(n.kq, ev[:], nil, nil)
	}
	if err != nil {
		n.release()
		return nil, os.NewSyscallError("kqueue", err)
	}
	return n, nil
}

// wait returns nil when the directory changed, and an error once the
// notifier is closed or broken; then its descriptors are closed.
func (n *notifier) wait() error {
	var ev [4]syscall.Kevent_t
	for {
		k, err := syscall.Kevent(n.kq, nil, ev[:], nil)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			n.release()
			return os.NewSyscallError("kevent", err)
		}
		for _, e := range ev[:k] {
			if int(e.Ident) == n.pipe[0] {
				n.release()
				return errNotifierClosed
			}
		}
		if k > 0 {
			return nil
		}
	}
}

// close wakes a wait in progress, which then returns an error.
func (n *notifier) close() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closing || n.gone {
		return
	}
	n.closing = true
	syscall.Write(n.pipe[1], []byte{0})
}

// release closes the descriptors, once.
func (n *notifier) release() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.gone {
		return
	}
	n.gone = true
	for _, fd := range []int{n.kq, n.dir, n.pipe[0], n.pipe[1]} {
		if fd >= 0 {
			syscall.Close(fd)
		}
	}
}
