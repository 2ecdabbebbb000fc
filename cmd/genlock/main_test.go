package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestHelp(t *testing.T) {
	var stderr bytes.Buffer
	if code := run([]string{"-h"}, &stderr); code != 0 {
		t.Errorf("genlock -h exited %d; want 0", code)
	}
	for _, want := range []string{
		"usage: genlock -spec <package pattern>.<Interface> [-o DIR] [-stubs]",
		"//go:generate go run github.com/leaderelection/leaderelection/cmd/genlock -spec .Store",
		"get     Get, Read, Load, Fetch, Lookup",
		"//genlock:notfound", "//genlock:conflict", "//genlock:ignore",
		"-o DIR", "-spec pattern.Interface", "-stubs",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("genlock -h does not mention %q:\n%s", want, stderr.String())
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"-spec", ".Store", "extra"}, {"-nosuchflag"}} {
		var stderr bytes.Buffer
		if code := run(args, &stderr); code != 2 {
			t.Errorf("genlock %q exited %d; want 2 (stderr %q)", args, code, stderr.String())
		}
	}
}

// freshModule writes a module example.com/fresh that requires this module
// through a replace directive, as a user's module would, and makes it the
// current directory. Go runs offline on the module cache.
func freshModule(t *testing.T, files map[string]string) string {
	t.Helper()
	root, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	rootDir := strings.TrimSpace(string(root))
	sum, err := os.ReadFile(filepath.Join(rootDir, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files["go.mod"] = "module example.com/fresh\n\ngo 1.26.0\n\nrequire github.com/leaderelection/leaderelection v0.0.0\n\nreplace github.com/leaderelection/leaderelection => " + rootDir + "\n"
	files["go.sum"] = string(sum)
	for name, src := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOWORK", "off")
	t.Chdir(dir)
	return dir
}

// goCmd runs the go command in the current directory and returns its
// combined output.
func goCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command("go", args...).CombinedOutput()
	return string(out), err
}

// freshSpec is a user's spec file. Its go:generate line is spliced in at
// run time, so that `go generate ./...` in this repository does not run it.
var freshSpec = strings.Replace(freshSpecText, "GENERATE", "//go:"+"generate", 1)

const freshSpecText = `package store

import (
	"context"
	"errors"
)

GENERATE go run github.com/leaderelection/leaderelection/cmd/genlock -spec .Store

// Store is a user's store.
type Store interface {
	Get(ctx context.Context, key string) ([]byte, int64, error)
	Create(ctx context.Context, key string, value []byte) (int64, error)
	Update(ctx context.Context, key string, value []byte, old int64) (int64, error)
}

// Errors of the store.
var (
	ErrNotFound = errors.New("store: not found") //genlock:notfound
	ErrConflict = errors.New("store: conflict")  //genlock:conflict
)
`

// TestFreshModule generates an adapter in a module outside this one, and
// runs go vet and the generated conformance test there.
func TestFreshModule(t *testing.T) {
	dir := freshModule(t, map[string]string{"store/store.go": freshSpec})
	var stderr bytes.Buffer
	if code := run([]string{"-spec", "./store.Store"}, &stderr); code != 0 {
		t.Fatalf("genlock exited %d: %s", code, stderr.String())
	}
	for _, name := range []string{"store_lock.go", "store_memory.go", "store_lock_test.go"} {
		if _, err := os.Stat(filepath.Join(dir, "store", name)); err != nil {
			t.Errorf("genlock did not write %s: %v", name, err)
		}
	}
	if out, err := goCmd(t, "vet", "./..."); err != nil {
		t.Fatalf("go vet: %v\n%s", err, out)
	}
	if out, err := goCmd(t, "test", "-count=1", "./..."); err != nil {
		t.Fatalf("go test: %v\n%s", err, out)
	}
	// go generate in the package gives the same files.
	before, _ := os.ReadFile(filepath.Join(dir, "store", "store_lock.go"))
	if out, err := goCmd(t, "generate", "./..."); err != nil {
		t.Fatalf("go generate: %v\n%s", err, out)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "store", "store_lock.go"))
	if diff := cmp.Diff(string(before), string(after)); diff != "" {
		t.Errorf("go generate changed store_lock.go (-genlock +go generate):\n%s", diff)
	}
}

func TestUnfitSpecExit(t *testing.T) {
	freshModule(t, map[string]string{"store.go": `package store

import "context"

type Store interface {
	Get(ctx context.Context, key string) ([]byte, int64, bool, error)



	Swap(string, []byte) error
}
`})
	var stderr bytes.Buffer
	if code := run([]string{"-spec", ".Store"}, &stderr); code != 1 {
		t.Errorf("genlock exited %d; want 1", code)
	}
	want := "store.go:10: method Swap: role update wants (ctx context.Context, key string, value []byte, old V) (V, error); found (string, []byte) error\n"
	if diff := cmp.Diff(want, stderr.String()); diff != "" {
		t.Errorf("stderr mismatch (-want +got):\n%s", diff)
	}
}

func TestOutputDir(t *testing.T) {
	dir := freshModule(t, map[string]string{"store/store.go": freshSpec})
	out := filepath.Join(dir, "elsewhere")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	if code := run([]string{"-spec", "./store.Store", "-o", out}, &stderr); code != 0 {
		t.Fatalf("genlock exited %d: %s", code, stderr.String())
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 3 {
		t.Errorf("-o %s holds %d files; want 3", out, len(entries))
	}
	if _, err := os.Stat(filepath.Join(dir, "store", "store_lock.go")); err == nil {
		t.Errorf("with -o, genlock still wrote into the package directory")
	}
}

// TestStubs scaffolds a lock for a spec that fits no role, checks that
// the scaffold compiles and vets, that its test fails until the store
// constructor is written, and that a second run refuses to overwrite.
func TestStubs(t *testing.T) {
	dir := freshModule(t, map[string]string{"odd/odd.go": `package odd

// Odd is a store genlock cannot map: its operations are not the roles.
type Odd interface {
	Lease(name string, seconds int) (token uint64, err error)
}
`})
	var stderr bytes.Buffer
	if code := run([]string{"-spec", "./odd.Odd", "-stubs"}, &stderr); code != 0 {
		t.Fatalf("genlock -stubs exited %d: %s", code, stderr.String())
	}
	lock, err := os.ReadFile(filepath.Join(dir, "odd", "odd_lock.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"// Scaffolded by genlock -stubs", "var _ core.Lock = (*OddLock)(nil)", "func NewOddLock(s Odd, key string, identity string) *OddLock", "TODO: read the value"} {
		if !strings.Contains(string(lock), want) {
			t.Errorf("odd_lock.go lacks %q", want)
		}
	}
	if strings.Contains(string(lock), "DO NOT EDIT") {
		t.Errorf("odd_lock.go says DO NOT EDIT, but it is the user's to edit")
	}
	if out, err := goCmd(t, "vet", "./odd"); err != nil {
		t.Fatalf("go vet of the scaffold: %v\n%s", err, out)
	}
	out, err := goCmd(t, "test", "-count=1", "./odd")
	if err == nil || !strings.Contains(out, "newOddForTest is not written yet") {
		t.Errorf("go test of the scaffold: err %v; want a failure naming newOddForTest:\n%s", err, out)
	}
	stderr.Reset()
	if code := run([]string{"-spec", "./odd.Odd", "-stubs"}, &stderr); code != 1 || !strings.Contains(stderr.String(), "not overwriting") {
		t.Errorf("second genlock -stubs exited %d with %q; want 1 and a refusal to overwrite", code, stderr.String())
	}
}
