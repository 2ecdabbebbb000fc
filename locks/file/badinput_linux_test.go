package file

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// mount mounts a file system for a test, and skips the test when this
// process may not mount (not root). TestWriteErrorInjected and
// TestReadOnlyDirChmod cover the same paths without mounting.
func mount(t *testing.T, source, fstype string, flags uintptr, data string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount(source, dir, fstype, flags, data); err != nil {
		t.Skipf("cannot mount %s here (%v); the injected-error test covers this path", fstype, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// TestFullDisk fills a real 64 KiB tmpfs: the next write fails with ENOSPC,
// names the file, and leaves the old record.
func TestFullDisk(t *testing.T) {
	dir := mount(t, "tmpfs", "tmpfs", 0, "size=64k,mode=0755")
	path := filepath.Join(dir, "app.lease")
	l := newLock(t, path, "a")
	ctx := t.Context()
	v, err := l.Create(ctx, record("a", 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	fill, err := os.Create(filepath.Join(dir, "fill"))
	if err != nil {
		t.Fatal(err)
	}
	block := make([]byte, 4096)
	for {
		if _, err := fill.Write(block); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	fill.Close()
	_, err = l.Update(ctx, record("a", 2, 2), v)
	checkWriteError(t, path, err, syscall.ENOSPC, "no space left on device")
	if _, gv, err := l.Get(ctx); err != nil || gv != v {
		t.Errorf("after ENOSPC, Get = (%q, %v); want the old record at %q", gv, err, v)
	}
	os.Remove(filepath.Join(dir, "fill"))
	if _, err := l.Update(ctx, record("a", 2, 2), v); err != nil {
		t.Errorf("Update once space is back: %v", err)
	}
}

// TestReadOnlyDir mounts the test directory read-only (which stops root
// too): Create names the file it could not make and the reason; with a
// record already there, Get works and Update fails the same way.
func TestReadOnlyDir(t *testing.T) {
	dir := mount(t, "tmpfs", "tmpfs", 0, "size=1m,mode=0755")
	path := filepath.Join(dir, "app.lease")
	l := newLock(t, path, "a")
	ctx := t.Context()
	v, err := l.Create(ctx, record("a", 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("", dir, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Fatalf("remount read-only: %v", err)
	}
	if _, gv, err := l.Get(ctx); err != nil || gv != v {
		t.Errorf("Get in a read-only directory = (%q, %v); want the record at %q", gv, err, v)
	}
	_, err = l.Update(ctx, record("a", 1, 2), v)
	checkWriteError(t, path, err, syscall.EROFS, "read-only file system")

	other := filepath.Join(dir, "new.lease")
	lo := newLock(t, other, "a")
	_, err = lo.Create(ctx, record("a", 1, 1))
	if !errors.Is(err, syscall.EROFS) {
		t.Fatalf("Create in a read-only directory = %v; want EROFS", err)
	}
	if msg := err.Error(); !contains(msg, other) || !contains(msg, "read-only file system") {
		t.Errorf("Create error %q does not name the file and the problem", msg)
	}
}
