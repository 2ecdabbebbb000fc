package file

import (
	"errors"
	"sync"
	"syscall"
	"unicode/utf16"
	"unsafe"
)

// notifier reports changes of one file name in one directory through
// ReadDirectoryChangesW, called synchronously in the waiting goroutine;
// close cancels it with CancelIoEx. A close that comes just before the call
// starts does not cancel it: that goroutine then ends at the next change in
// the directory.
type notifier struct {
	h    syscall.Handle
	name string
	buf  [1024]uint32 // DWORD-aligned, as FILE_NOTIFY_INFORMATION needs

	mu      sync.Mutex
	closing bool
	gone    bool
}

var errNotifierClosed = errors.New("notifier closed")

func newNotifier(dir, name string) (*notifier, error) {
	p, err := syscall.UTF16PtrFromString(dir)
	if err != nil {
		return nil, err
	}
	h, err := syscall.CreateFile(p, syscall.FILE_LIST_DIRECTORY,
		syscall.FILE_SHARE_READ|syscall.FILE_SHARE_WRITE|syscall.FILE_SHARE_DELETE,
		nil, syscall.OPEN_EXISTING, syscall.FILE_FLAG_BACKUP_SEMANTICS, 0)
	if err != nil {
		return nil, err
	}
	return &notifier{h: h, name: name}, nil
}

func (n *notifier) wait() error {
	for {
		n.mu.Lock()
		closing := n.closing
		n.mu.Unlock()
		if closing {
			n.release()
			return errNotifierClosed
		}
		var got uint32
		err := syscall.ReadDirectoryChanges(n.h, (*byte)(unsafe.Pointer(&n.buf[0])), uint32(len(n.buf)*4), false,
			syscall.FILE_NOTIFY_CHANGE_FILE_NAME|syscall.FILE_NOTIFY_CHANGE_LAST_WRITE, &got, nil, 0)
		if err != nil {
			n.release()
			return err
		}
		if got == 0 || n.matches(got) { // 0: the buffer overflowed
			return nil
		}
	}
}

// matches reports whether the first got bytes of buf name the entry.
func (n *notifier) matches(got uint32) bool {
	b := unsafe.Slice((*byte)(unsafe.Pointer(&n.buf[0])), got)
	for off := uint32(0); off+12 <= got; {
		next := *(*uint32)(unsafe.Pointer(&b[off]))
		size := *(*uint32)(unsafe.Pointer(&b[off+8]))
		if off+12+size > got {
			return true
		}
		name := unsafe.Slice((*uint16)(unsafe.Pointer(&b[off+12])), size/2)
		if string(utf16.Decode(name)) == n.name {
			return true
		}
		if next == 0 {
			return false
		}
		off += next
	}
	return false
}

func (n *notifier) close() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closing || n.gone {
		return
	}
	n.closing = true
	syscall.CancelIoEx(n.h, nil)
}

func (n *notifier) release() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.gone {
		n.gone = true
		syscall.CloseHandle(n.h)
	}
}
