package gen

import (
	"errors"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"regexp"
	"strings"

	"golang.org/x/tools/go/packages"
)

// ErrSpec is wrapped by every error about a spec that does not fit, and by
// errors about the -spec argument itself.
var ErrSpec = errors.New("gen: unfit spec")

// ErrLoad is wrapped by errors from loading the spec's package.
var ErrLoad = errors.New("gen: cannot load package")

// loadMode is the smallest mode that works: names for the package clause
// and import path, types to check the spec, syntax for the //genlock:
// comments and positions. The type of each declaration is found through
// its position, so no TypesInfo is needed.
const loadMode = packages.NeedName | packages.NeedTypes | packages.NeedSyntax

// Target is a loaded spec: an interface type in a type-checked package.
type Target struct {
	fset  *token.FileSet
	pkg   *types.Package
	files []*ast.File
	iface *types.TypeName
	dir   string
}

// Problem is one reason a spec does not fit, at a position in the user's
// source.
type Problem struct {
	Pos token.Position
	Msg string
}

// String writes "file.go:12: msg", with the base name of the file: errors
// are read in the package's own directory, where go:generate runs.
func (p Problem) String() string {
	if !p.Pos.IsValid() {
		return p.Msg
	}
	return fmt.Sprintf("%s:%d: %s", filepath.Base(p.Pos.Filename), p.Pos.Line, p.Msg)
}

// SpecError lists the reasons a spec does not fit, sorted by position. Its
// message is one "file.go:line: problem" per line; it wraps ErrSpec.
type SpecError struct {
	Problems []Problem
}

// Error writes the problems, one per line.
func (e *SpecError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns ErrSpec.
func (e *SpecError) Unwrap() error { return ErrSpec }

// ParseSpec splits a -spec argument "pattern.Interface" at its last dot.
// An empty pattern (".Store") means the package in the current directory.
func ParseSpec(spec string) (pattern, name string, err error) {
	i := strings.LastIndexByte(spec, '.')
	if i < 0 || !token.IsIdentifier(spec[i+1:]) {
		return "", "", fmt.Errorf("%w: -spec %q: want <package pattern>.<Interface>, e.g. .Store or ./store.Store", ErrSpec, spec)
	}
	pattern, name = spec[:i], spec[i+1:]
	if pattern == "" {
		pattern = "."
	}
	return pattern, name, nil
}

// Load loads the package named by spec ("pattern.Interface"), resolving a
// relative pattern against dir (the current directory when dir is ""), and
// finds the interface. It fails on any error in the package, except errors
// inside the files genlock itself generated for this interface (they are
// about to be replaced, and a stale adapter must not block its own
// regeneration).
func Load(dir, spec string) (*Target, error) {
	pattern, name, err := ParseSpec(spec)
	if err != nil {
		return nil, err
	}
	cfg := &packages.Config{Mode: loadMode, Dir: dir}
	pkgs, err := packages.Load(cfg, pattern)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %w", ErrLoad, pattern, err)
	}
	if len(pkgs) != 1 {
		return nil, fmt.Errorf("%w %s: the pattern matches %d packages; name exactly one", ErrLoad, pattern, len(pkgs))
	}
	pkg := pkgs[0]
	if err := packageErrors(pkg, name); err != nil {
		return nil, err
	}
	if pkg.Types == nil || len(pkg.Syntax) == 0 {
		return nil, fmt.Errorf("%w %s: no Go files", ErrLoad, pattern)
	}
	t := &Target{fset: pkg.Fset, pkg: pkg.Types, files: pkg.Syntax}
	t.dir = filepath.Dir(pkg.Fset.Position(pkg.Syntax[0].Package).Filename)
	obj, ok := pkg.Types.Scope().Lookup(name).(*types.TypeName)
	if !ok {
		return nil, fmt.Errorf("%w: package %s declares no type %s", ErrSpec, pkg.PkgPath, name)
	}
	t.iface = obj
	if _, ok := obj.Type().Underlying().(*types.Interface); !ok {
		return nil, t.problem(obj.Pos(), fmt.Sprintf("type %s is %s, not an interface", name, typeString(obj.Type().Underlying(), t.pkg)))
	}
	if n, ok := obj.Type().(*types.Named); ok && n.TypeParams().Len() > 0 {
		return nil, t.problem(obj.Pos(), fmt.Sprintf("interface %s has type parameters; genlock needs a plain interface", name))
	}
	return t, nil
}

// Dir returns the directory of the spec's package, where the generated
// files go by default.
func (t *Target) Dir() string { return t.dir }

func (t *Target) problem(pos token.Pos, msg string) error {
	return &SpecError{Problems: []Problem{{Pos: t.fset.Position(pos), Msg: msg}}}
}

// errorPosFile matches the file part of a packages.Error position,
// "file.go:12:5" or "file.go:12".
var errorPosFile = regexp.MustCompile(`^(.*?):\d+(:\d+)?$`)

// packageErrors returns the package's errors as one error, leaving out
// those that regenerating the adapter for spec fixes: errors inside the
// generated files (those with genlock's header), and "undefined: X" for
// the names they declare (when they were deleted). Both type errors and
// compiler output from go list are filtered so.
func packageErrors(pkg *packages.Package, spec string) error {
	ours := fileNames(spec)
	generated := map[string]bool{}
	for _, name := range newNames(spec).declared() {
		generated["undefined: "+name] = true
	}
	for _, f := range pkg.Syntax {
		name := pkg.Fset.Position(f.Package).Filename
		if ours[filepath.Base(name)] && isGenerated(f) {
			generated[filepath.Base(name)] = true
		}
	}
	var msgs []string
	for _, e := range pkg.Errors {
		if inGenerated(e, generated) {
			continue
		}
		msgs = append(msgs, e.Error())
	}
	if len(msgs) == 0 {
		return nil
	}
	return fmt.Errorf("%w %s:\n%s", ErrLoad, pkg.PkgPath, strings.Join(msgs, "\n"))
}

// inGenerated reports whether e is only about files in generated, or
// only about undefined names in generated.
func inGenerated(e packages.Error, generated map[string]bool) bool {
	if generated[e.Msg] {
		return true
	}
	if m := errorPosFile.FindStringSubmatch(e.Pos); m != nil {
		return generated[filepath.Base(m[1])]
	}
	found := false
	for _, line := range strings.Split(e.Msg, "\n") {
		if line == "" || strings.HasPrefix(line, "# ") {
			continue
		}
		m := errorLineFile.FindStringSubmatch(line)
		if m == nil || !generated[filepath.Base(m[1])] && !generated[line[len(m[0]):]] {
			return false
		}
		found = true
	}
	return found
}

// errorLineFile matches the file of a compiler error line,
// "./store_lock.go:5:16: undefined: x".
var errorLineFile = regexp.MustCompile(`^(\S+?):\d+(:\d+)?: `)

// isGenerated reports whether f starts with genlock's header.
func isGenerated(f *ast.File) bool {
	for _, g := range f.Comments {
		if g.Pos() > f.Package {
			break
		}
		for _, c := range g.List {
			if c.Text == "// "+header {
				return true
			}
		}
	}
	return false
}
