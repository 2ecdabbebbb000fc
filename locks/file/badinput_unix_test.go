//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package file

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// TestReadOnlyDirChmod: a directory without write permission. Root ignores
// permissions, so as root the check runs in a child process as user nobody.
func TestReadOnlyDirChmod(t *testing.T) {
	if os.Getenv(childEnv) == "" && os.Geteuid() == 0 {
		// Everything nobody needs must be reachable by nobody: the test
		// binary (go test builds it in a private directory) and the
		// directory, both under a fresh 0755 directory.
		top, err := os.MkdirTemp("", "file-readonly-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(filepath.Join(top, "dir"), 0o755); os.RemoveAll(top) })
		bin, dir := filepath.Join(top, "file.test"), filepath.Join(top, "dir")
		exe, err := os.ReadFile(os.Args[0])
		if err == nil {
			err = os.WriteFile(bin, exe, 0o755)
		}
		if err == nil {
			err = os.Mkdir(dir, 0o555)
		}
		if err == nil {
			err = os.Chmod(top, 0o755)
		}
		if err == nil {
			err = os.Chmod(dir, 0o555)
		}
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "-test.run=^TestReadOnlyDirChmod$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), childEnv+"=readonly", "FILE_TEST_DIR="+dir)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestReadOnlyDirChmod") {
			t.Fatalf("the check as user nobody failed (%v):\n%s", err, out)
		}
		return
	}
	dir := os.Getenv("FILE_TEST_DIR")
	if dir == "" {
		dir = t.TempDir()
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "app.lease")
	l := newLock(t, path, "a")
	_, err := l.Create(t.Context(), record("a", 1, 1))
	if !errors.Is(err, os.ErrPermission) {
		t.Fatalf("Create in a directory without write permission = %v; want a permission error", err)
	}
	if msg := err.Error(); !contains(msg, path) || !contains(msg, "permission denied") {
		t.Errorf("Create error %q does not name the file and the problem", msg)
	}
}
