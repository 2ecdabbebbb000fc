package gen

import (
	"bytes"
	"fmt"
	"go/types"

	"github.com/dave/jennifer/jen"
	"golang.org/x/tools/imports"
)

// Import paths of the packages generated code uses.
const (
	corePath     = "github.com/leaderelection/leaderelection/core"
	locktestPath = "github.com/leaderelection/leaderelection/core/locktest"
)

// File is one generated file: its base name and its content.
type File struct {
	Name string
	Data []byte
}

// emitter turns a model into jennifer code, one fragment per function.
// Types that generated code cannot name become problems at the method
// that uses them.
type emitter struct {
	c  *checker
	m  *model
	tn typeNamer
}

func newEmitter(c *checker) *emitter {
	return &emitter{c: c, m: c.m, tn: typeNamer{pkgPath: c.m.pkg.Path()}}
}

// typ renders t for use in method fn, or records a problem and returns a
// placeholder.
func (e *emitter) typ(t types.Type, fn *types.Func) jen.Code {
	code, err := e.tn.code(t)
	if err != nil {
		e.cannot(fn, err)
		return jen.Id("_")
	}
	return code
}

// zero renders the zero value of t for use in method fn.
func (e *emitter) zero(t types.Type, fn *types.Func) jen.Code {
	code, err := e.tn.zero(t)
	if err != nil {
		e.cannot(fn, err)
		return jen.Id("_")
	}
	return code
}

func (e *emitter) cannot(fn *types.Func, err error) {
	if fn == nil {
		fn = e.m.get.fn
	}
	e.c.addf(fn.Pos(), "method %s: genlock cannot write generated code for it: %v", fn.Name(), err)
}

// isZero renders "x == zero of V" (or != when not).
func (e *emitter) isZero(x jen.Code, not bool) *jen.Statement {
	z := e.zero(e.m.version.typ, e.m.get.fn)
	switch e.m.version.typ.Underlying().(type) {
	case *types.Struct, *types.Array:
		z = jen.Parens(z)
	}
	op := "=="
	if not {
		op = "!="
	}
	return jen.Add(x).Op(op).Add(z)
}

// newFile starts a file of the spec's package with a header. The
// imports it may use are named as their packages are, unless the spec's
// package declares that name itself.
func (e *emitter) newFile(headerLines ...string) *jen.File {
	f := jen.NewFilePathName(e.m.pkg.Path(), e.m.pkg.Name())
	for _, line := range headerLines {
		f.HeaderComment(line)
	}
	taken := map[string]bool{}
	for _, name := range e.m.pkg.Scope().Names() {
		taken[name] = true
	}
	for _, name := range e.m.names.declared() {
		taken[name] = true
	}
	paths := map[string]string{
		"context": "context", "errors": "errors", "fmt": "fmt", "strconv": "strconv",
		"sync": "sync", "sync/atomic": "atomic", "testing": "testing",
		corePath: "core", locktestPath: "locktest",
	}
	for _, p := range e.m.pkg.Imports() {
		paths[p.Path()] = p.Name()
	}
	for path, name := range paths {
		if !taken[name] {
			f.ImportName(path, name)
			continue
		}
		alias := name + "pkg"
		for i := 2; taken[alias]; i++ {
			alias = fmt.Sprintf("%spkg%d", name, i)
		}
		f.ImportAlias(path, alias)
	}
	return f
}

// render writes f as gofmt'ed source.
func render(f *jen.File) ([]byte, error) {
	var buf bytes.Buffer
	if err := f.Render(&buf); err != nil {
		return nil, fmt.Errorf("gen: rendering: %w", err)
	}
	// FormatOnly: gofmt, and imports grouped standard library first,
	// without looking anything up.
	out, err := imports.Process("", buf.Bytes(), &imports.Options{FormatOnly: true, Comments: true, TabIndent: true, TabWidth: 8})
	if err != nil {
		return nil, fmt.Errorf("gen: formatting: %w", err)
	}
	return out, nil
}

// Adapter checks the spec and generates its three files: the core.Lock
// adapter (NAME_lock.go), the in-memory store (NAME_memory.go) and the
// conformance test (NAME_lock_test.go), in that order.
func (t *Target) Adapter() ([]File, error) {
	m, err := t.build()
	if err != nil {
		return nil, err
	}
	c := &checker{t: t, m: m}
	e := newEmitter(c)
	lock := e.lockFile()
	memory := e.memoryFile()
	test := e.testFile()
	if err := c.err(); err != nil {
		return nil, err
	}
	var files []File
	for _, f := range []struct {
		name string
		file *jen.File
	}{{m.names.LockFile, lock}, {m.names.MemoryFile, memory}, {m.names.TestFile, test}} {
		data, err := render(f.file)
		if err != nil {
			return nil, fmt.Errorf("%w (%s)", err, f.name)
		}
		files = append(files, File{Name: f.name, Data: data})
	}
	return files, nil
}
