package gen

import (
	"fmt"
	"go/types"
	"strings"
)

// wants writes the canonical signature of a role, with the key type when
// it is known (else K) and the version type as V, as in
// "(ctx context.Context, key string, value []byte, old V) (V, error)".
func (c *checker) wants(r role, key string) string {
	switch r {
	case roleGet:
		return fmt.Sprintf("(ctx context.Context, key %s) ([]byte, V, error)", key)
	case roleCreate:
		return fmt.Sprintf("(ctx context.Context, key %s, value []byte) (V, error)", key)
	}
	return fmt.Sprintf("(ctx context.Context, key %s, value []byte, old V) (V, error)", key)
}

// mismatch reports that fn does not have the shape of role r.
func (c *checker) mismatch(r role, fn *types.Func) {
	sig := fn.Type().(*types.Signature)
	key := "K"
	if c.m.key != nil {
		key = typeString(c.m.key, c.t.pkg)
	} else if i := firstParam(sig); i < sig.Params().Len() && isKeyType(sig.Params().At(i).Type()) {
		key = typeString(sig.Params().At(i).Type(), c.t.pkg)
	}
	c.addf(fn.Pos(), "method %s: role %s wants %s; found %s", fn.Name(), r, c.wants(r, key), sigString(sig, c.t.pkg))
}

// firstParam returns the index of the first parameter after an optional
// leading context.Context.
func firstParam(sig *types.Signature) int {
	if sig.Params().Len() > 0 && isContext(sig.Params().At(0).Type()) {
		return 1
	}
	return 0
}

func isKeyType(t types.Type) bool   { return isString(t) || isBytes(t) }
func isValueType(t types.Type) bool { return isString(t) || isBytes(t) }

// keyParam finds the key: the first parameter after the context. It must
// be a string or []byte kind, and the same type in every role.
func (c *checker) keyParam(m *method) bool {
	m.ctx = firstParam(m.sig) == 1
	m.key = firstParam(m.sig)
	if m.key >= m.sig.Params().Len() {
		return false
	}
	t := m.sig.Params().At(m.key).Type()
	if c.m.key != nil {
		return types.Identical(t, c.m.key)
	}
	return isKeyType(t)
}

// checkGet matches the get role: (ctx, key, options…) returning a value,
// a version and optionally a found bool, in any order, then an error.
func (c *checker) checkGet(fn *types.Func) *method {
	m := &method{role: roleGet, fn: fn, sig: fn.Type().(*types.Signature), old: -1, flag: -1}
	res := m.sig.Results()
	n := res.Len()
	if !c.keyParam(m) || n < 3 || n > 4 || !isError(res.At(n-1).Type()) {
		c.mismatch(roleGet, fn)
		return nil
	}
	m.err = n - 1
	var rest []int
	for i := range n - 1 {
		if m.flag < 0 && isBool(res.At(i).Type()) {
			m.flag = i
		} else {
			rest = append(rest, i)
		}
	}
	if len(rest) != 2 {
		c.mismatch(roleGet, fn)
		return nil
	}
	// The value is the one []byte result; else the first string one.
	a, b := rest[0], rest[1]
	ta, tb := res.At(a).Type(), res.At(b).Type()
	switch {
	case isBytes(ta) && !isBytes(tb), !isBytes(tb) && isString(ta):
		m.value, m.version = a, b
	case isValueType(tb):
		m.value, m.version = b, a
	default:
		c.mismatch(roleGet, fn)
		return nil
	}
	m.valueType = res.At(m.value).Type()
	c.m.key = m.sig.Params().At(m.key).Type()
	v, problem := classifyVersion(res.At(m.version).Type(), c.t.pkg)
	if problem != "" {
		c.addf(fn.Pos(), "method %s: %s", fn.Name(), problem)
		return nil
	}
	c.m.version = v
	return m
}

// checkWrite matches the create role, (ctx, key, value, options…), and
// the update role, (ctx, key, value, old, options…) or (ctx, key, old,
// value, options…), both returning the new version and optionally an ok
// bool, in either order, then an error.
func (c *checker) checkWrite(r role, fn *types.Func) *method {
	m := &method{role: r, fn: fn, sig: fn.Type().(*types.Signature), old: -1, flag: -1}
	params, res := m.sig.Params(), m.sig.Results()
	n := res.Len()
	if !c.keyParam(m) || n < 2 || n > 3 || !isError(res.At(n-1).Type()) {
		c.mismatch(r, fn)
		return nil
	}
	m.err = n - 1
	m.version = 0
	if n == 3 {
		switch {
		case isBool(res.At(0).Type()):
			m.flag, m.version = 0, 1
		case isBool(res.At(1).Type()):
			m.flag = 1
		default:
			c.mismatch(r, fn)
			return nil
		}
	}
	next := m.key + 1
	switch {
	case r == roleCreate && next < params.Len() && isValueType(params.At(next).Type()):
		m.value = next
	case r == roleUpdate && next+1 < params.Len():
		if !c.valueAndOld(m, fn, next) {
			return nil
		}
	default:
		c.mismatch(r, fn)
		return nil
	}
	m.valueType = params.At(m.value).Type()
	if v := res.At(m.version).Type(); c.m.version.typ != nil && !types.Identical(v, c.m.version.typ) {
		c.versionDiffers(fn, v)
		return nil
	}
	return m
}

// valueAndOld finds the value and the expected version among parameters
// i and i+1: value first, else old first.
func (c *checker) valueAndOld(m *method, fn *types.Func, i int) bool {
	params := m.sig.Params()
	x, y := params.At(i).Type(), params.At(i+1).Type()
	v := c.m.version.typ
	switch {
	case v == nil:
		// The version type is unknown (get did not fit): check the shape.
		if !isValueType(x) {
			c.mismatch(m.role, fn)
			return false
		}
		m.value, m.old = i, i+1
	case isValueType(x) && types.Identical(y, v):
		m.value, m.old = i, i+1
	case types.Identical(x, v) && isValueType(y):
		m.old, m.value = i, i+1
	case isValueType(x) && types.Comparable(y):
		c.versionDiffers(fn, y)
		return false
	default:
		c.mismatch(m.role, fn)
		return false
	}
	return true
}

func (c *checker) versionDiffers(fn *types.Func, found types.Type) {
	c.addf(fn.Pos(), "method %s: version type %s differs from %s, the version type of method %s",
		fn.Name(), typeString(found, c.t.pkg), typeString(c.m.version.typ, c.t.pkg), c.m.get.fn.Name())
}

// classifyVersion decides how the version type v maps to core.Version, or
// says why it cannot be a version.
func classifyVersion(v types.Type, pkg *types.Package) (version, string) {
	name := typeString(v, pkg)
	if !types.Comparable(v) {
		return version{}, fmt.Sprintf("version type %s is not comparable", name)
	}
	switch u := v.Underlying().(type) {
	case *types.Basic:
		switch u.Kind() {
		case types.Int, types.Int32, types.Int64:
			return version{typ: v, kind: versionSigned, bits: intBits(u)}, ""
		case types.Uint, types.Uint32, types.Uint64, types.Uintptr:
			return version{typ: v, kind: versionUnsigned, bits: intBits(u)}, ""
		case types.String:
			return version{typ: v, kind: versionString}, ""
		case types.Float32, types.Float64:
			return version{typ: v, kind: versionTable, leaf: v}, ""
		case types.Int8, types.Int16, types.Uint8, types.Uint16:
			return version{}, fmt.Sprintf("version type %s is too narrow: versions must not repeat, and %d bits run out", name, intBits(u))
		case types.Bool:
			return version{}, fmt.Sprintf("version type %s has only two values; a version must change on every write", name)
		}
	case *types.Struct, *types.Array:
		path, leaf := countField(v, pkg, 0)
		if leaf == nil {
			return version{}, fmt.Sprintf("version type %s has no integer, float or string field genlock can count in to make new versions for MemoryStore", name)
		}
		return version{typ: v, kind: versionTable, path: path, leaf: leaf}, ""
	}
	return version{}, fmt.Sprintf("version type %s is not supported; use an integer, a string, or a struct or array of them", name)
}

func intBits(b *types.Basic) int {
	switch b.Kind() {
	case types.Int8, types.Uint8:
		return 8
	case types.Int16, types.Uint16:
		return 16
	case types.Int32, types.Uint32:
		return 32
	case types.Int64, types.Uint64, types.Uintptr:
		return 64
	}
	return 0
}

// countField finds, depth first, a field or element of the struct or
// array type t that MemoryStore can set from its counter: an integer of
// 32 bits or more, a float or a string, reachable from the spec's package.
// It returns the selector path ("A", "B", "[0]") and the field's type.
func countField(t types.Type, pkg *types.Package, depth int) ([]string, types.Type) {
	if depth > 4 {
		return nil, nil
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		ok := u.Info()&(types.IsFloat|types.IsString) != 0 ||
			u.Info()&types.IsInteger != 0 && intBits(u) != 8 && intBits(u) != 16
		if ok && nameable(t, pkg) {
			return []string{}, t
		}
	case *types.Array:
		if u.Len() > 0 {
			if path, leaf := countField(u.Elem(), pkg, depth+1); leaf != nil {
				return append([]string{"[0]"}, path...), leaf
			}
		}
	case *types.Struct:
		for i := range u.NumFields() {
			f := u.Field(i)
			if !f.Exported() && f.Pkg() != pkg {
				continue
			}
			if path, leaf := countField(f.Type(), pkg, depth+1); leaf != nil {
				return append([]string{f.Name()}, path...), leaf
			}
		}
	}
	return nil, nil
}

// nameable reports whether generated code in pkg can write t.
func nameable(t types.Type, pkg *types.Package) bool {
	_, err := typeNamer{pkgPath: pkg.Path()}.code(t)
	return err == nil
}

// selector writes a countField path as Go: ".A.B[0]".
func selector(path []string) string {
	var b strings.Builder
	for _, p := range path {
		if !strings.HasPrefix(p, "[") {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}
