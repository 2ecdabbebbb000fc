package gen

import (
	"fmt"
	"go/types"

	"github.com/dave/jennifer/jen"
)

// lockFile emits NAME_lock.go: the adapter type, its constructor, the
// five core.Lock methods and the version mapping.
func (e *emitter) lockFile() *jen.File {
	f := e.newFile(header)
	f.Add(e.lockType())
	f.Line()
	f.Var().Id("_").Qual(corePath, "Lock").Op("=").Parens(jen.Op("*").Id(e.m.names.Lock)).Parens(jen.Nil())
	f.Line()
	f.Add(e.lockConstructor())
	f.Line()
	f.Add(e.lockGet())
	f.Line()
	f.Add(e.lockCreate())
	f.Line()
	f.Add(e.lockUpdate())
	f.Line()
	f.Add(e.lockIdentity())
	f.Line()
	f.Add(e.lockDescribe())
	f.Line()
	f.Add(e.versionFuncs())
	return f
}

func (e *emitter) lockType() jen.Code {
	n := e.m.names
	return docf("%s implements core.Lock on one key of the %s it is made with: it keeps the lock's record there, encoded with core.AppendRecord, and maps the store's versions and its not-found and conflict signals onto core.Version, core.ErrNotFound and core.ErrConflict. It keeps no state between calls. Make one with %s.", n.Lock, e.m.spec, n.NewLock).
		Type().Id(n.Lock).Struct(
		jen.Id("s").Id(e.m.spec),
		jen.Id("key").Add(e.typ(e.m.key, e.m.get.fn)),
		jen.Id("identity").String(),
		jen.Id("desc").String(),
	)
}

func (e *emitter) lockConstructor() jen.Code {
	n := e.m.names
	key := jen.Id("key")
	keyString := jen.String().Parens(jen.Id("key"))
	if types.Identical(e.m.key, types.Typ[types.String]) {
		keyString = jen.Id("key")
	}
	if e.m.keyBytes() {
		key = jen.Append(jen.Add(e.typ(e.m.key, e.m.get.fn)).Call(jen.Nil()), jen.Id("key").Op("..."))
	}
	return docf("%s returns a core.Lock that keeps its record under key in s, for the candidate identity (unique among the candidates that share the key).", n.NewLock).
		Func().Id(n.NewLock).Params(
		jen.Id("s").Id(e.m.spec),
		jen.Id("key").Add(e.typ(e.m.key, e.m.get.fn)),
		jen.Id("identity").String(),
	).Op("*").Id(n.Lock).Block(
		jen.Return(jen.Op("&").Id(n.Lock).Values(jen.Dict{
			jen.Id("s"):        jen.Id("s"),
			jen.Id("key"):      key,
			jen.Id("identity"): jen.Id("identity"),
			jen.Id("desc"):     jen.Lit("genlock:" + e.m.spec + "/").Op("+").Add(keyString),
		})),
	)
}

// receiver starts a method of the adapter.
func (e *emitter) receiver() *jen.Statement {
	return jen.Func().Params(jen.Id("l").Op("*").Id(e.m.names.Lock))
}

// call renders the call of a role method with its results assigned:
// "value, version, found, err := l.s.Get(ctx, l.key)". args gives the
// argument for each non-option parameter index.
func (e *emitter) call(m *method, args map[int]jen.Code) jen.Code {
	results := make([]jen.Code, m.sig.Results().Len())
	for i := range results {
		switch {
		case m.role == roleGet && i == m.value:
			results[i] = jen.Id("value")
		case i == m.version:
			results[i] = jen.Id("version")
		case i == m.flag:
			results[i] = jen.Id(flagName(m.role))
		case i == m.err:
			results[i] = jen.Err()
		default:
			results[i] = jen.Id("_")
		}
	}
	var params []jen.Code
	for i := range m.sig.Params().Len() {
		if a, ok := args[i]; ok {
			params = append(params, a)
			continue
		}
		if m.sig.Variadic() && i == m.sig.Params().Len()-1 {
			break
		}
		params = append(params, e.zero(m.sig.Params().At(i).Type(), m.fn))
	}
	return jen.List(results...).Op(":=").Id("l").Dot("s").Dot(m.fn.Name()).Call(params...)
}

func flagName(r role) string {
	if r == roleGet {
		return "found"
	}
	return "ok"
}

// ctxCheck returns the context's error early when the method cannot take
// the context itself.
func ctxCheck(m *method, op string, zeros ...jen.Code) jen.Code {
	if m.ctx {
		return jen.Null()
	}
	return jen.If(jen.Err().Op(":=").Id("ctx").Dot("Err").Call(), jen.Err().Op("!=").Nil()).Block(
		jen.Return(append(zeros, wrapf(op+": %w", jen.Err()))...),
	)
}

// wrapf renders fmt.Errorf("%s: "+format, l.desc, args...).
func wrapf(format string, args ...jen.Code) jen.Code {
	return jen.Qual("fmt", "Errorf").Call(append([]jen.Code{jen.Lit("%s: " + format), jen.Id("l").Dot("desc")}, args...)...)
}

// sentinelCheck renders "errors.Is(err, A) || errors.Is(err, B)".
func sentinelCheck(names []string) jen.Code {
	var cond *jen.Statement
	for i, n := range names {
		is := jen.Qual("errors", "Is").Call(jen.Err(), jen.Id(n))
		if i == 0 {
			cond = is
		} else {
			cond = cond.Op("||").Add(is)
		}
	}
	return cond
}

// failures renders what follows the store call: store errors, the
// role's sentinel errors and bool result mapped onto the core error sent,
// and a check that the store did not return the zero version.
func (e *emitter) failures(m *method, op string, sentinels []string, sent string, zeros ...jen.Code) []jen.Code {
	ret := func(err jen.Code) jen.Code { return jen.Return(append(append([]jen.Code{}, zeros...), err)...) }
	var onErr []jen.Code
	if len(sentinels) > 0 {
		onErr = append(onErr, jen.If(sentinelCheck(sentinels)).Block(ret(wrapf(op+": %w", jen.Qual(corePath, sent)))))
	}
	onErr = append(onErr, ret(wrapf(op+": %w", jen.Err())))
	code := []jen.Code{jen.If(jen.Err().Op("!=").Nil()).Block(onErr...)}
	if m.flag >= 0 {
		code = append(code, jen.If(jen.Op("!").Id(flagName(m.role))).Block(ret(wrapf(op+": %w", jen.Qual(corePath, sent)))))
	}
	code = append(code, jen.If(e.isZero(jen.Id("version"), false)).Block(
		ret(wrapf(op+": the store returned the zero version, which genlock reserves for \"no record\"")),
	))
	return code
}

func (e *emitter) lockGet() jen.Code {
	m := e.m.get
	zeros := []jen.Code{jen.Qual(corePath, "Record").Values(), jen.Lit("")}
	value := jen.Id("value")
	if isString(m.valueType) {
		value = jen.Index().Byte().Parens(value)
	}
	args := map[int]jen.Code{m.key: jen.Id("l").Dot("key")}
	if m.ctx {
		args[0] = jen.Id("ctx")
	}
	body := []jen.Code{ctxCheck(m, "get", zeros...), e.call(m, args)}
	body = append(body, e.failures(m, "get", e.m.notFound, "ErrNotFound", zeros...)...)
	body = append(body,
		jen.List(jen.Id("r"), jen.Err()).Op(":=").Qual(corePath, "ParseRecord").Call(value),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(append(zeros, wrapf("get: %w", jen.Err()))...)),
		jen.Return(jen.Id("r"), jen.Id(e.m.names.FormatVersion).Call(jen.Id("version")), jen.Nil()),
	)
	return docf("Get reads the record and its version with %s.%s. It returns core.ErrNotFound when the key holds nothing.", e.m.spec, m.fn.Name()).
		Add(e.receiver()).Id("Get").Params(jen.Id("ctx").Qual("context", "Context")).
		Params(jen.Qual(corePath, "Record"), jen.Qual(corePath, "Version"), jen.Error()).
		Block(body...)
}

// writeArgs returns the arguments of a create or update call.
func (e *emitter) writeArgs(m *method, old jen.Code) map[int]jen.Code {
	value := jen.Qual(corePath, "AppendRecord").Call(jen.Nil(), jen.Id("r"))
	if isString(m.valueType) {
		value = jen.Add(e.typ(m.valueType, m.fn)).Parens(value)
	}
	args := map[int]jen.Code{m.key: jen.Id("l").Dot("key"), m.value: value}
	if m.ctx {
		args[0] = jen.Id("ctx")
	}
	if m.old >= 0 {
		args[m.old] = old
	}
	return args
}

func (e *emitter) lockCreate() jen.Code {
	m := e.m.create
	var doc string
	var args map[int]jen.Code
	if m == nil {
		// No create role: update from the zero version creates if absent.
		m = e.m.update
		doc = fmt.Sprintf("Create stores the record if the key holds nothing, with %s.%s from the zero version, which the store treats as create-if-absent. It returns core.ErrConflict when the key holds a record.", e.m.spec, m.fn.Name())
		args = e.writeArgs(m, e.zero(e.m.version.typ, m.fn))
	} else {
		doc = fmt.Sprintf("Create stores the record with %s.%s if the key holds nothing. It returns core.ErrConflict when it holds a record.", e.m.spec, m.fn.Name())
		args = e.writeArgs(m, nil)
	}
	zero := jen.Lit("")
	body := []jen.Code{ctxCheck(m, "create", zero), e.call(m, args)}
	body = append(body, e.failures(m, "create", e.m.conflict, "ErrConflict", zero)...)
	body = append(body, jen.Return(jen.Id(e.m.names.FormatVersion).Call(jen.Id("version")), jen.Nil()))
	return docf("%s", doc).
		Add(e.receiver()).Id("Create").Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("r").Qual(corePath, "Record")).
		Params(jen.Qual(corePath, "Version"), jen.Error()).
		Block(body...)
}

func (e *emitter) lockUpdate() jen.Code {
	m := e.m.update
	zero := jen.Lit("")
	body := []jen.Code{
		jen.List(jen.Id("old"), jen.Id("known")).Op(":=").Id(e.m.names.ParseVersion).Call(jen.Id("v")),
		jen.If(jen.Op("!").Id("known")).Block(
			jen.Return(zero, wrapf("update: version %q was not made by this lock: %w", jen.Id("v"), jen.Qual(corePath, "ErrConflict"))),
		),
		ctxCheck(m, "update", zero),
		e.call(m, e.writeArgs(m, jen.Id("old"))),
	}
	// A record that is gone is not at the version either: a not-found
	// error from update is a conflict too.
	gone := append(append([]string{}, e.m.conflict...), e.m.notFound...)
	body = append(body, e.failures(m, "update", gone, "ErrConflict", zero)...)
	body = append(body, jen.Return(jen.Id(e.m.names.FormatVersion).Call(jen.Id("version")), jen.Nil()))
	return docf("Update replaces the record with %s.%s if it is still at version v. It returns core.ErrConflict when the record is at another version or gone, and for a version this lock did not hand out.", e.m.spec, m.fn.Name()).
		Add(e.receiver()).Id("Update").Params(
		jen.Id("ctx").Qual("context", "Context"),
		jen.Id("r").Qual(corePath, "Record"),
		jen.Id("v").Qual(corePath, "Version"),
	).Params(jen.Qual(corePath, "Version"), jen.Error()).
		Block(body...)
}

func (e *emitter) lockIdentity() jen.Code {
	return docf("Identity returns the candidate identity given to the constructor.").
		Add(e.receiver()).Id("Identity").Params().String().Block(jen.Return(jen.Id("l").Dot("identity")))
}

func (e *emitter) lockDescribe() jen.Code {
	return docf("Describe names the lock as \"genlock:%s/\" followed by its key.", e.m.spec).
		Add(e.receiver()).Id("Describe").Params().String().Block(jen.Return(jen.Id("l").Dot("desc")))
}

// versionType renders V.
func (e *emitter) versionType() jen.Code { return e.typ(e.m.version.typ, e.m.get.fn) }

// isExactly reports whether the version type is the predeclared type k,
// so that a conversion to it would be redundant.
func (e *emitter) isExactly(k types.BasicKind) bool {
	return types.Identical(e.m.version.typ, types.Typ[k])
}
