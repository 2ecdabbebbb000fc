package gen

import (
	"cmp"
	"fmt"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
)

// checker builds the model of a Target and collects every problem it
// finds on the way, so that one run reports them all.
type checker struct {
	t        *Target
	marks    markers
	problems []Problem
	m        *model
}

func (c *checker) addf(pos token.Pos, format string, args ...any) {
	c.problems = append(c.problems, Problem{Pos: c.t.fset.Position(pos), Msg: fmt.Sprintf(format, args...)})
}

// err returns the problems found so far as a *SpecError, or nil.
func (c *checker) err() error {
	if len(c.problems) == 0 {
		return nil
	}
	slices.SortStableFunc(c.problems, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Pos.Filename, b.Pos.Filename), cmp.Compare(a.Pos.Offset, b.Pos.Offset))
	})
	return &SpecError{Problems: c.problems}
}

// build checks the spec against the roles and returns its model.
func (t *Target) build() (*model, error) {
	c := &checker{t: t, marks: collectMarkers(t.files)}
	c.m = &model{pkg: t.pkg, spec: t.iface.Name(), names: newNames(t.iface.Name())}
	iface := t.iface.Type().Underlying().(*types.Interface)
	byRole := c.assignRoles(iface)
	if err := c.err(); err != nil {
		return nil, err
	}
	for _, r := range []role{roleGet, roleUpdate} {
		if byRole[r] == nil {
			c.addf(t.iface.Pos(), "interface %s: no method has role %s; name it %s, or mark it %s%s",
				t.iface.Name(), r, namesList(roleMethodNames[r]), markerPrefix, r)
		}
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	c.m.get = c.checkGet(byRole[roleGet])
	if fn := byRole[roleCreate]; fn != nil {
		c.m.create = c.checkWrite(roleCreate, fn)
	}
	c.m.update = c.checkWrite(roleUpdate, byRole[roleUpdate])
	c.sentinels()
	c.signals()
	c.collisions()
	if err := c.err(); err != nil {
		return nil, err
	}
	return c.m, nil
}

// assignRoles gives each role its method: the one marked //genlock:ROLE,
// else the one named for the role. Methods without a role go to
// c.m.others.
func (c *checker) assignRoles(iface *types.Interface) [numRoles]*types.Func {
	var byRole [numRoles]*types.Func
	var marked [numRoles]bool
	var unmarked []*types.Func
	for i := range iface.NumMethods() {
		fn := iface.Method(i)
		r, mark, ok := c.methodMarker(fn)
		switch {
		case !ok:
			continue
		case mark == "":
			unmarked = append(unmarked, fn)
		case mark == "ignore":
		case byRole[r] != nil:
			c.addf(fn.Pos(), "method %s: role %s is also marked on method %s (%s)", fn.Name(), r, byRole[r].Name(), c.shortPos(byRole[r].Pos()))
		default:
			byRole[r], marked[r] = fn, true
		}
	}
	for _, fn := range unmarked {
		r, ok := roleByMethodName(fn.Name())
		switch {
		case !ok || marked[r]:
		case byRole[r] != nil:
			c.addf(fn.Pos(), "method %s: role %s is also claimed by the name of method %s (%s); mark the one to use %s%s and the other %signore",
				fn.Name(), r, byRole[r].Name(), c.shortPos(byRole[r].Pos()), markerPrefix, r, markerPrefix)
		default:
			byRole[r] = fn
		}
	}
	for i := range iface.NumMethods() {
		fn := iface.Method(i)
		if !slices.Contains(byRole[:], fn) {
			c.m.others = append(c.m.others, fn)
		}
	}
	return byRole
}

// methodMarker reads the //genlock: comment on a method: its role, or
// mark "" when there is none, or mark "ignore". ok is false after a
// problem.
func (c *checker) methodMarker(fn *types.Func) (r role, mark string, ok bool) {
	ms := c.marks[fn.Pos()]
	if len(ms) == 0 {
		return 0, "", true
	}
	if len(ms) > 1 {
		c.addf(ms[1].pos, "method %s: more than one %s comment", fn.Name(), markerPrefix)
		return 0, "", false
	}
	mark = ms[0].role
	if mark == "ignore" {
		return 0, mark, true
	}
	for r, name := range roleNames {
		if mark == name {
			return role(r), mark, true
		}
	}
	c.addf(ms[0].pos, "method %s: unknown role %q in %s%s; want get, create, update or ignore", fn.Name(), mark, markerPrefix, mark)
	return 0, "", false
}

// shortPos writes "file.go:12".
func (c *checker) shortPos(pos token.Pos) string {
	return shortPosition(c.t.fset.Position(pos))
}

func shortPosition(p token.Position) string {
	return fmt.Sprintf("%s:%d", filepath.Base(p.Filename), p.Line)
}

// sentinels finds the package-level error variables marked
// //genlock:notfound and //genlock:conflict.
func (c *checker) sentinels() {
	scope := c.t.pkg.Scope()
	errType := types.Universe.Lookup("error").Type().Underlying().(*types.Interface)
	for _, name := range scope.Names() {
		v, ok := scope.Lookup(name).(*types.Var)
		if !ok {
			continue
		}
		for _, mk := range c.marks[v.Pos()] {
			switch mk.role {
			case "notfound", "conflict":
			default:
				c.addf(mk.pos, "var %s: unknown role %q in %s%s; want notfound or conflict", name, mk.role, markerPrefix, mk.role)
				continue
			}
			if !types.Implements(v.Type(), errType) {
				c.addf(v.Pos(), "var %s: marked %s%s but has type %s, not an error", name, markerPrefix, mk.role, typeString(v.Type(), c.t.pkg))
				continue
			}
			if mk.role == "notfound" {
				c.m.notFound = append(c.m.notFound, name)
			} else {
				c.m.conflict = append(c.m.conflict, name)
			}
		}
	}
}

// signals checks that every role can tell its failure apart: get needs
// not-found, create and update need conflict.
func (c *checker) signals() {
	m := c.m
	if m.get != nil && m.get.flag < 0 && len(m.notFound) == 0 {
		c.addf(m.get.fn.Pos(), "method %s: role get needs a not-found signal: a bool result (found) or an error variable marked %snotfound; found neither",
			m.get.fn.Name(), markerPrefix)
	}
	for _, w := range []*method{m.create, m.update} {
		if w != nil && w.flag < 0 && len(m.conflict) == 0 {
			c.addf(w.fn.Pos(), "method %s: role %s needs a conflict signal: a bool result (ok) or an error variable marked %sconflict; found neither",
				w.fn.Name(), w.role, markerPrefix)
		}
	}
}

// collisions checks that the package does not already declare a name the
// generated files declare (outside those files).
func (c *checker) collisions() {
	ours := fileNames(c.m.spec)
	for _, name := range c.m.names.declared() {
		obj := c.t.pkg.Scope().Lookup(name)
		if obj == nil {
			continue
		}
		pos := c.t.fset.Position(obj.Pos())
		if ours[filepath.Base(pos.Filename)] {
			continue
		}
		c.addf(c.t.iface.Pos(), "interface %s: genlock declares %s, but the package already declares it at %s", c.m.spec, name, shortPosition(pos))
	}
}
