package gen

import (
	"go/types"

	"github.com/dave/jennifer/jen"
)

// memoryFile emits NAME_memory.go: an in-memory implementation of the
// spec with compare-and-swap semantics, for tests.
func (e *emitter) memoryFile() *jen.File {
	n := e.m.names
	f := e.newFile(header)
	f.Add(e.memoryType())
	f.Line()
	f.Add(docf("%s is one stored value with its version.", n.Record).Type().Id(n.Record).Struct(
		jen.Id("value").Index().Byte(),
		jen.Id("version").Add(e.versionType()),
	))
	f.Line()
	f.Add(docf("%s returns an empty %s.", n.NewMemory, n.Memory).Func().Id(n.NewMemory).Params().Op("*").Id(n.Memory).Block(
		jen.Return(jen.Op("&").Id(n.Memory).Values(jen.Dict{
			jen.Id("records"): jen.Make(jen.Map(jen.String()).Id(n.Record)),
		})),
	))
	f.Line()
	f.Var().Id("_").Id(e.m.spec).Op("=").Parens(jen.Op("*").Id(n.Memory)).Parens(jen.Nil())
	var fns []jen.Code
	for _, m := range []*method{e.m.get, e.m.create, e.m.update} {
		if m != nil {
			fns = append(fns, e.memoryMethod(m))
		}
	}
	for _, fn := range e.m.others {
		fns = append(fns, e.memoryOther(fn))
	}
	for _, fn := range fns {
		f.Line()
		f.Add(fn)
	}
	return f
}

func (e *emitter) memoryType() jen.Code {
	n := e.m.names
	create := "Create-if-absent is " + e.m.spec + "."
	if e.m.create != nil {
		create += e.m.create.fn.Name() + "; " + e.m.spec + "." + e.m.update.fn.Name() + " from the zero version does it too."
	} else {
		create += e.m.update.fn.Name() + " from the zero version."
	}
	return docf("%s is an in-memory implementation of %s for tests: a map from keys to values, each stored with a version that changes on every write, under compare-and-swap. %s It is safe for concurrent use. Make one with %s.", n.Memory, e.m.spec, create, n.NewMemory).
		Type().Id(n.Memory).Struct(
		jen.Id("mu").Qual("sync", "Mutex"),
		jen.Id("last").Uint64().Comment("the number of the last version handed out"),
		jen.Id("records").Map(jen.String()).Id(n.Record),
	)
}

// memoryParams renders the parameters of a role method with the names
// the bodies use; options are blank.
func (e *emitter) memoryParams(m *method) []jen.Code {
	var params []jen.Code
	for i := range m.sig.Params().Len() {
		name := "_"
		switch {
		case m.ctx && i == 0:
			name = "ctx"
		case i == m.key:
			name = "key"
		case m.role != roleGet && i == m.value:
			name = "value"
		case i == m.old:
			name = "old"
		}
		t, err := e.tn.param(m.sig, i)
		if err != nil {
			e.cannot(m.fn, err)
		}
		params = append(params, jen.Id(name).Add(t))
	}
	return params
}

func (e *emitter) resultTypes(fn *types.Func) []jen.Code {
	res := fn.Type().(*types.Signature).Results()
	out := make([]jen.Code, res.Len())
	for i := range out {
		out[i] = e.typ(res.At(i).Type(), fn)
	}
	return out
}

// memoryReturn renders a return of a role method: value, version, flag
// and err at their places; the others take their zero values.
func (e *emitter) memoryReturn(m *method, value, version, flag, err jen.Code) jen.Code {
	res := m.sig.Results()
	out := make([]jen.Code, res.Len())
	for i := range out {
		switch {
		case m.role == roleGet && i == m.value && value != nil:
			out[i] = value
		case i == m.version && version != nil:
			out[i] = version
		case i == m.flag:
			out[i] = flag
		case i == m.err:
			out[i] = err
		default:
			out[i] = e.zero(res.At(i).Type(), m.fn)
		}
	}
	return jen.Return(out...)
}

// memoryFail renders the return of a failed get (not found) or write
// (conflict): the bool result false, else the first sentinel error.
func (e *emitter) memoryFail(m *method, sentinels []string) jen.Code {
	if m.flag >= 0 {
		return e.memoryReturn(m, nil, nil, jen.False(), jen.Nil())
	}
	return e.memoryReturn(m, nil, nil, nil, jen.Id(sentinels[0]))
}

func (e *emitter) memoryMethod(m *method) jen.Code {
	var body []jen.Code
	if m.ctx {
		body = append(body, jen.If(jen.Err().Op(":=").Id("ctx").Dot("Err").Call(), jen.Err().Op("!=").Nil()).Block(
			e.memoryReturn(m, nil, nil, jen.False(), jen.Err()),
		))
	}
	body = append(body,
		jen.Id("m").Dot("mu").Dot("Lock").Call(),
		jen.Defer().Id("m").Dot("mu").Dot("Unlock").Call(),
	)
	var doc string
	switch m.role {
	case roleGet:
		doc = "returns the value stored under key and its version."
		body = append(body, e.memoryGetBody(m)...)
	case roleCreate:
		doc = "stores value under key if the key holds nothing."
		body = append(body, e.memoryCreateBody(m)...)
	default:
		doc = "replaces the value under key if it is at version old; from the zero version, it stores value if the key holds nothing."
		body = append(body, e.memoryUpdateBody(m)...)
	}
	return docf("%s %s", m.fn.Name(), doc).
		Func().Params(jen.Id("m").Op("*").Id(e.m.names.Memory)).Id(m.fn.Name()).
		Params(e.memoryParams(m)...).Params(e.resultTypes(m.fn)...).Block(body...)
}

// mapKey renders the map key of the key parameter.
func (e *emitter) mapKey() jen.Code {
	if types.Identical(e.m.key, types.Typ[types.String]) {
		return jen.Id("key")
	}
	return jen.String().Parens(jen.Id("key"))
}

func (e *emitter) memoryGetBody(m *method) []jen.Code {
	value := jen.Append(jen.Index().Byte().Call(jen.Nil()), jen.Id("rec").Dot("value").Op("..."))
	if !types.Identical(m.valueType, types.NewSlice(types.Typ[types.Byte])) {
		value = jen.Add(e.typ(m.valueType, m.fn)).Parens(jen.Id("rec").Dot("value"))
		if isBytes(m.valueType) {
			value = jen.Append(jen.Add(e.typ(m.valueType, m.fn)).Call(jen.Nil()), jen.Id("rec").Dot("value").Op("..."))
		}
	}
	return []jen.Code{
		jen.List(jen.Id("rec"), jen.Id("ok")).Op(":=").Id("m").Dot("records").Index(e.mapKey()),
		jen.If(jen.Op("!").Id("ok")).Block(e.memoryFail(m, e.m.notFound)),
		e.memoryReturn(m, value, jen.Id("rec").Dot("version"), jen.True(), jen.Nil()),
	}
}

// memoryStore renders the write of a new version: the counter moves on,
// the value is copied in, and the version is the counter's.
func (e *emitter) memoryStore(m *method) []jen.Code {
	v := e.m.version
	var mint []jen.Code
	counter := jen.Id("m").Dot("last")
	switch v.kind {
	case versionSigned, versionUnsigned:
		mint = []jen.Code{jen.Id("version").Op(":=").Add(e.versionType()).Parens(counter)}
	case versionString:
		formatted := jen.Qual("strconv", "FormatUint").Call(counter, jen.Lit(10))
		if !e.isExactly(types.String) {
			formatted = jen.Add(e.versionType()).Parens(formatted)
		}
		mint = []jen.Code{jen.Id("version").Op(":=").Add(formatted)}
	default:
		leaf := jen.Add(e.typ(v.leaf, m.fn)).Parens(counter)
		if isString(v.leaf) {
			leaf = jen.Add(e.typ(v.leaf, m.fn)).Parens(jen.Qual("strconv", "FormatUint").Call(counter, jen.Lit(10)))
		}
		if len(v.path) == 0 {
			mint = []jen.Code{jen.Id("version").Op(":=").Add(leaf)}
		} else {
			mint = []jen.Code{
				jen.Var().Id("version").Add(e.versionType()),
				jen.Id("version" + selector(v.path)).Op("=").Add(leaf),
			}
		}
	}
	value := jen.Append(jen.Index().Byte().Call(jen.Nil()), jen.Id("value").Op("..."))
	if isString(m.valueType) {
		value = jen.Index().Byte().Parens(jen.Id("value"))
	}
	code := []jen.Code{jen.Id("m").Dot("last").Op("++")}
	code = append(code, mint...)
	return append(code,
		jen.Id("m").Dot("records").Index(e.mapKey()).Op("=").Id(e.m.names.Record).Values(jen.Dict{
			jen.Id("value"):   value,
			jen.Id("version"): jen.Id("version"),
		}),
		e.memoryReturn(m, nil, jen.Id("version"), jen.True(), jen.Nil()),
	)
}

func (e *emitter) memoryCreateBody(m *method) []jen.Code {
	code := []jen.Code{
		jen.If(jen.List(jen.Id("_"), jen.Id("ok")).Op(":=").Id("m").Dot("records").Index(e.mapKey()), jen.Id("ok")).Block(
			e.memoryFail(m, e.m.conflict),
		),
	}
	return append(code, e.memoryStore(m)...)
}

func (e *emitter) memoryUpdateBody(m *method) []jen.Code {
	code := []jen.Code{
		jen.List(jen.Id("rec"), jen.Id("ok")).Op(":=").Id("m").Dot("records").Index(e.mapKey()),
		jen.If(
			jen.Parens(jen.Id("ok").Op("&&").Id("rec").Dot("version").Op("!=").Id("old")).Op("||").
				Parens(jen.Op("!").Id("ok").Op("&&").Add(e.isZero(jen.Id("old"), true))),
		).Block(e.memoryFail(m, e.m.conflict)),
	}
	return append(code, e.memoryStore(m)...)
}

// memoryOther emits a method without a role: it returns zero values, and
// an error wrapping errors.ErrUnsupported for every error result.
func (e *emitter) memoryOther(fn *types.Func) jen.Code {
	sig := fn.Type().(*types.Signature)
	var params []jen.Code
	for i := range sig.Params().Len() {
		t, err := e.tn.param(sig, i)
		if err != nil {
			e.cannot(fn, err)
		}
		params = append(params, jen.Id("_").Add(t))
	}
	var results []jen.Code
	what := "returns zero values"
	for i := range sig.Results().Len() {
		t := sig.Results().At(i).Type()
		if isError(t) {
			what = "returns zero values and an error wrapping errors.ErrUnsupported"
			results = append(results, jen.Qual("fmt", "Errorf").Call(jen.Lit(e.m.names.Memory+"."+fn.Name()+": %w"), jen.Qual("errors", "ErrUnsupported")))
			continue
		}
		results = append(results, e.zero(t, fn))
	}
	body := []jen.Code{}
	if len(results) > 0 {
		body = append(body, jen.Return(results...))
	}
	return docf("%s has no role in a lock, so %s does not implement it: it %s.", fn.Name(), e.m.names.Memory, what).
		Func().Params(jen.Id("m").Op("*").Id(e.m.names.Memory)).Id(fn.Name()).
		Params(params...).Params(e.resultTypes(fn)...).Block(body...)
}
