package file

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leaderelection/leaderelection/core"
)

// TestCorruptRecord: a corrupt, truncated, empty or oversized record file
// gives an error from every operation that names the file and the problem,
// wraps core.ErrInvalidRecord, and leaves the file as it was.
func TestCorruptRecord(t *testing.T) {
	valid := encode(nil, record("a", 1, 1), "0123456789abcdef", 1)
	huge := append([]byte(`{"pad":"`), bytes.Repeat([]byte("x"), core.MaxRecordSize)...)
	huge = append(huge, `","schema":1}`...)
	tests := []struct {
		name, content, problem, reason string
	}{
		{"garbage", "not a record\n", "invalid record", "not JSON at all"},
		{"truncated", string(valid[:len(valid)/2]), "invalid record", "a write cut short"},
		{"empty", "", "empty", "a file created but never written"},
		{"oversized", string(huge), "larger than 64 KiB", "over core.MaxRecordSize"},
		{"negative term", `{"schema":1,"term":-1}`, "term", "JSON, but not a record"},
		{"schema 2", `{"schema":2}`, "schema", "a format from the future"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "app.lease")
			if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			l := newLock(t, path, "a")
			ctx := t.Context()
			check := func(op string, err error) {
				t.Helper()
				if !errors.Is(err, core.ErrInvalidRecord) {
					t.Errorf("%s on a %s file = %v; want an error wrapping core.ErrInvalidRecord (%s)", op, tc.name, err, tc.reason)
					return
				}
				if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, tc.problem) {
					t.Errorf("%s on a %s file: %q does not name the file and the problem (%q)", op, tc.name, msg, tc.problem)
				}
			}
			_, _, err := l.Get(ctx)
			check("Get", err)
			_, err = l.Create(ctx, record("a", 1, 1))
			check("Create", err)
			_, err = l.Update(ctx, record("a", 1, 1), foreignVersion([]byte(tc.content)))
			check("Update from the content's hash", err)
			_, err = l.Update(ctx, record("a", 1, 1), "")
			check("Update from an empty version", err)
			got, err := os.ReadFile(path)
			if err != nil || string(got) != tc.content {
				t.Errorf("the %s file was changed (%v); a corrupt record must never be overwritten", tc.name, err)
			}
		})
	}
}

// TestDirectoryAtPath: a directory where the record should be is an error
// that says so, and stays.
func TestDirectoryAtPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.lease")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	l := newLock(t, path, "a")
	ctx := t.Context()
	_, _, gerr := l.Get(ctx)
	_, cerr := l.Create(ctx, record("a", 1, 1))
	_, uerr := l.Update(ctx, record("a", 1, 1), "x")
	for op, err := range map[string]error{"Get": gerr, "Create": cerr, "Update": uerr} {
		if err == nil || !strings.Contains(err.Error(), path+" is a directory") {
			t.Errorf("%s with a directory at the path = %v; want an error saying %s is a directory", op, err, path)
		}
		if errors.Is(err, core.ErrNotFound) || errors.Is(err, core.ErrConflict) {
			t.Errorf("%s with a directory at the path = %v; must be neither not-found nor a conflict", op, err)
		}
	}
	if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
		t.Errorf("the directory at the path is gone (%v)", err)
	}
}

// checkWriteError checks an error of a failed write, and that no temp file
// was left.
func checkWriteError(t *testing.T, path string, err, want error, problem string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("write = %v; want an error wrapping %v", err, want)
	}
	if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, problem) {
		t.Errorf("write error %q does not name the file and the problem (%q)", msg, problem)
	}
	if errors.Is(err, core.ErrConflict) || errors.Is(err, core.ErrNotFound) {
		t.Errorf("write error %v must be neither a conflict nor not-found", err)
	}
	if left, _ := filepath.Glob(path + ".tmp*"); len(left) > 0 {
		t.Errorf("temp files were left behind: %v", left)
	}
}
