package gen

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the generated files of the shapes under internal/shapes")

// specDirective finds the -spec argument of a shape's go:generate line, so
// that this test and go generate agree on what each shape is.
var specDirective = regexp.MustCompile(`(?m)^//go:generate go run github.com/leaderelection/leaderelection/cmd/genlock -spec (\S+)$`)

// TestShapes regenerates every shape under internal/shapes in memory and
// compares the result with the files checked in next to its spec.go. The
// checked-in files are compiled and vetted with the rest of the module,
// and their own test runs core/locktest, so each shape is a golden file, a
// compile check and a conformance run at once. -update rewrites them.
func TestShapes(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("internal", "shapes", "*"))
	if err != nil || len(dirs) < 5 {
		t.Fatalf("want at least five shapes under internal/shapes, found %d (%v)", len(dirs), err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join(dir, "spec.go"))
			if err != nil {
				t.Fatal(err)
			}
			m := specDirective.FindSubmatch(src)
			if m == nil {
				t.Fatalf("%s/spec.go has no go:generate line for genlock", dir)
			}
			target, err := Load(dir, string(m[1]))
			if err != nil {
				t.Fatal(err)
			}
			files, err := target.Adapter()
			if err != nil {
				t.Fatal(err)
			}
			if *update {
				if err := WriteFiles(dir, files, false); err != nil {
					t.Fatal(err)
				}
				return
			}
			for _, f := range files {
				want, err := os.ReadFile(filepath.Join(dir, f.Name))
				if err != nil {
					t.Errorf("%v (run go test ./gen -update)", err)
					continue
				}
				if diff := cmp.Diff(string(want), string(f.Data)); diff != "" {
					t.Errorf("%s/%s differs from what genlock generates now (-checked-in +generated); run go test ./gen -update:\n%s", dir, f.Name, diff)
				}
			}
		})
	}
}

// TestDeterministic generates one shape twice from separate loads and
// wants the same bytes.
func TestDeterministic(t *testing.T) {
	var runs [2][]File
	for i := range runs {
		target, err := Load(filepath.Join("internal", "shapes", "options"), ".Client")
		if err != nil {
			t.Fatal(err)
		}
		if runs[i], err = target.Adapter(); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(runs[0], runs[1]); diff != "" {
		t.Errorf("two runs differ (-first +second):\n%s", diff)
	}
}
