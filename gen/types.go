package gen

import (
	"fmt"
	"go/types"
	"strings"

	"github.com/dave/jennifer/jen"
)

// typeNamer renders go/types types as jennifer code for a file of the
// package at path pkgPath. Types of that package render unqualified;
// others through jen.Qual, which adds the import.
type typeNamer struct {
	pkgPath string
}

// code renders t, or fails when the generated file could not name it: an
// unexported type of another package, a type parameter.
func (n typeNamer) code(t types.Type) (jen.Code, error) {
	switch t := t.(type) {
	case *types.Basic:
		if t.Kind() == types.UnsafePointer {
			return jen.Qual("unsafe", "Pointer"), nil
		}
		return jen.Id(t.Name()), nil
	case *types.Alias:
		obj := t.Obj()
		if obj.Pkg() == nil {
			return jen.Id(obj.Name()), nil // any
		}
		if t.TypeArgs().Len() > 0 || (!obj.Exported() && obj.Pkg().Path() != n.pkgPath) {
			return n.code(types.Unalias(t))
		}
		return jen.Qual(obj.Pkg().Path(), obj.Name()), nil
	case *types.Named:
		return n.named(t)
	case *types.Pointer:
		elem, err := n.code(t.Elem())
		return jen.Op("*").Add(elem), err
	case *types.Slice:
		elem, err := n.code(t.Elem())
		return jen.Index().Add(elem), err
	case *types.Array:
		elem, err := n.code(t.Elem())
		return jen.Index(jen.Lit(int(t.Len()))).Add(elem), err
	case *types.Map:
		key, err := n.code(t.Key())
		if err != nil {
			return nil, err
		}
		elem, err := n.code(t.Elem())
		return jen.Map(key).Add(elem), err
	case *types.Chan:
		elem, err := n.code(t.Elem())
		switch t.Dir() {
		case types.SendOnly:
			return jen.Chan().Op("<-").Add(elem), err
		case types.RecvOnly:
			return jen.Op("<-").Chan().Add(elem), err
		}
		return jen.Chan().Add(elem), err
	case *types.Signature:
		params, results, err := n.signature(t)
		return jen.Func().Params(params...).Params(results...), err
	case *types.Struct:
		return n.structType(t)
	case *types.Interface:
		return n.interfaceType(t)
	}
	return nil, fmt.Errorf("type %s cannot be named in generated code", t)
}

func (n typeNamer) named(t *types.Named) (jen.Code, error) {
	obj := t.Obj()
	if obj.Pkg() == nil {
		return jen.Id(obj.Name()), nil // error, comparable
	}
	if !obj.Exported() && obj.Pkg().Path() != n.pkgPath {
		return nil, fmt.Errorf("type %s is not exported by package %s", obj.Name(), obj.Pkg().Path())
	}
	if obj.Parent() != obj.Pkg().Scope() {
		return nil, fmt.Errorf("type %s is declared inside a function", obj.Name())
	}
	s := jen.Qual(obj.Pkg().Path(), obj.Name())
	if args := t.TypeArgs(); args.Len() > 0 {
		var codes []jen.Code
		for i := range args.Len() {
			c, err := n.code(args.At(i))
			if err != nil {
				return nil, err
			}
			codes = append(codes, c)
		}
		s = s.Types(codes...)
	}
	return s, nil
}

// signature renders the parameter and result lists of sig, unnamed.
func (n typeNamer) signature(sig *types.Signature) (params, results []jen.Code, err error) {
	for i := range sig.Params().Len() {
		c, err := n.param(sig, i)
		if err != nil {
			return nil, nil, err
		}
		params = append(params, c)
	}
	for i := range sig.Results().Len() {
		c, err := n.code(sig.Results().At(i).Type())
		if err != nil {
			return nil, nil, err
		}
		results = append(results, c)
	}
	return params, results, nil
}

// param renders the type of parameter i of sig, with "..." when it is the
// variadic one.
func (n typeNamer) param(sig *types.Signature, i int) (*jen.Statement, error) {
	t := sig.Params().At(i).Type()
	if sig.Variadic() && i == sig.Params().Len()-1 {
		elem, err := n.code(t.(*types.Slice).Elem())
		return jen.Op("...").Add(elem), err
	}
	c, err := n.code(t)
	return jen.Add(c), err
}

func (n typeNamer) structType(t *types.Struct) (jen.Code, error) {
	var fields []jen.Code
	for i := range t.NumFields() {
		f := t.Field(i)
		ft, err := n.code(f.Type())
		if err != nil {
			return nil, err
		}
		var field *jen.Statement
		if f.Embedded() {
			field = jen.Add(ft)
		} else {
			field = jen.Id(f.Name()).Add(ft)
		}
		if tag := t.Tag(i); tag != "" {
			field = field.Lit(tag)
		}
		fields = append(fields, field)
	}
	return jen.Struct(fields...), nil
}

func (n typeNamer) interfaceType(t *types.Interface) (jen.Code, error) {
	var elems []jen.Code
	for i := range t.NumEmbeddeds() {
		c, err := n.code(t.EmbeddedType(i))
		if err != nil {
			return nil, err
		}
		elems = append(elems, c)
	}
	for i := range t.NumExplicitMethods() {
		m := t.ExplicitMethod(i)
		params, results, err := n.signature(m.Type().(*types.Signature))
		if err != nil {
			return nil, err
		}
		elems = append(elems, jen.Id(m.Name()).Params(params...).Params(results...))
	}
	if len(elems) == 0 {
		return jen.Interface(), nil
	}
	return jen.Interface(elems...), nil
}

// zero renders the zero value of t as an expression usable as an
// argument and in a return statement. (Composite literals need
// parentheses as operands of ==.)
func (n typeNamer) zero(t types.Type) (jen.Code, error) {
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsBoolean != 0:
			return jen.False(), nil
		case u.Info()&types.IsString != 0:
			return jen.Lit(""), nil
		case u.Info()&types.IsNumeric != 0:
			return jen.Lit(0), nil
		}
		return jen.Nil(), nil // unsafe.Pointer
	case *types.Struct, *types.Array:
		c, err := n.code(t)
		if err != nil {
			return nil, err
		}
		return jen.Add(c).Values(), nil
	case *types.Interface:
		if _, isParam := t.(*types.TypeParam); isParam {
			break
		}
		return jen.Nil(), nil
	case *types.Pointer, *types.Slice, *types.Map, *types.Chan, *types.Signature:
		return jen.Nil(), nil
	}
	return nil, fmt.Errorf("type %s has no zero value genlock can write", t)
}

// typeString writes t as it reads in the spec's own package: the spec
// package's names bare, others qualified by package name.
func typeString(t types.Type, pkg *types.Package) string {
	return types.TypeString(t, func(p *types.Package) string {
		if p == pkg {
			return ""
		}
		return p.Name()
	})
}

// sigString writes a signature without parameter names, as in
// "(string, []byte) error" or "(context.Context, string) ([]byte, int64, error)".
func sigString(sig *types.Signature, pkg *types.Package) string {
	var b strings.Builder
	b.WriteByte('(')
	for i := range sig.Params().Len() {
		if i > 0 {
			b.WriteString(", ")
		}
		t := sig.Params().At(i).Type()
		if sig.Variadic() && i == sig.Params().Len()-1 {
			b.WriteString("...")
			t = t.(*types.Slice).Elem()
		}
		b.WriteString(typeString(t, pkg))
	}
	b.WriteByte(')')
	switch res := sig.Results(); res.Len() {
	case 0:
	case 1:
		b.WriteByte(' ')
		b.WriteString(typeString(res.At(0).Type(), pkg))
	default:
		b.WriteString(" (")
		for i := range res.Len() {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(typeString(res.At(i).Type(), pkg))
		}
		b.WriteByte(')')
	}
	return b.String()
}

// isContext reports whether t is context.Context.
func isContext(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "context" && n.Obj().Name() == "Context"
}

// isError reports whether t is the predeclared error type.
func isError(t types.Type) bool {
	return types.Identical(t, types.Universe.Lookup("error").Type())
}

// isBool reports whether t's underlying type is bool.
func isBool(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsBoolean != 0
}

// isString reports whether t's underlying type is string.
func isString(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsString != 0
}

// isBytes reports whether t's underlying type is []byte.
func isBytes(t types.Type) bool {
	s, ok := t.Underlying().(*types.Slice)
	if !ok {
		return false
	}
	return types.Identical(s.Elem(), types.Typ[types.Uint8])
}
