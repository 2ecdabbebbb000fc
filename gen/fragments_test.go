package gen

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/dave/jennifer/jen"
	"github.com/google/go-cmp/cmp"
)

// shapeEmitter loads a shape and returns an emitter on its model.
func shapeEmitter(t *testing.T, shape, spec string) *emitter {
	t.Helper()
	target, err := Load(filepath.Join("internal", "shapes", shape), spec)
	if err != nil {
		t.Fatal(err)
	}
	m, err := target.build()
	if err != nil {
		t.Fatal(err)
	}
	return newEmitter(&checker{t: target, m: m})
}

// source renders a fragment as gofmt'ed Go in the emitter's package,
// without the package clause and imports.
func source(t *testing.T, e *emitter, code jen.Code) string {
	t.Helper()
	f := jen.NewFilePathName(e.m.pkg.Path(), e.m.pkg.Name())
	f.Add(code)
	out, err := render(f)
	if err != nil {
		t.Fatal(err)
	}
	// Drop the package clause and the import declaration, if any.
	s := string(out)
	_, s, _ = strings.Cut(s, "\n\n")
	if strings.HasPrefix(s, "import (") {
		_, s, _ = strings.Cut(s, "\n)\n")
	} else if strings.HasPrefix(s, "import ") {
		_, s, _ = strings.Cut(s, "\n")
	}
	return strings.TrimSpace(s)
}

func TestFragments(t *testing.T) {
	emitters := map[string]*emitter{}
	shape := func(name, spec string) *emitter {
		if emitters[name] == nil {
			emitters[name] = shapeEmitter(t, name, spec)
		}
		return emitters[name]
	}
	for _, tt := range fragmentTests {
		t.Run(tt.name, func(t *testing.T) {
			e := shape(tt.shape, tt.spec)
			got := source(t, e, tt.fragment(e))
			if diff := cmp.Diff(strings.TrimSpace(tt.want), got); diff != "" {
				t.Errorf("fragment mismatch (-want +got), %s:\n%s", tt.reason, diff)
			}
			if err := e.c.err(); err != nil {
				t.Errorf("problems: %v", err)
			}
		})
	}
}

type fragmentTest struct {
	name        string
	shape, spec string
	fragment    func(e *emitter) jen.Code
	want        string
	reason      string
}
