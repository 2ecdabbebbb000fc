//go:build !plan9

package file

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestWriteErrorInjected: a write that fails (here ENOSPC, injected at the
// write of the temp file, so that this runs everywhere; the Linux tests
// also fill a real tmpfs) gives an error naming the file and the reason,
// and leaves the old record and no temp file.
func TestWriteErrorInjected(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.lease")
	l := newLock(t, path, "a")
	ctx := t.Context()
	v, err := l.Create(ctx, record("a", 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	writeFile = func(f *os.File, b []byte) (int, error) {
		return 0, &os.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
	}
	t.Cleanup(func() { writeFile = (*os.File).Write })
	_, err = l.Update(ctx, record("a", 2, 2), v)
	checkWriteError(t, path, err, syscall.ENOSPC, "no space left on device")
	_, gv, err := l.Get(ctx)
	if err != nil || gv != v {
		t.Errorf("after a failed write, Get = (%q, %v); want the old record at %q", gv, err, v)
	}
}
