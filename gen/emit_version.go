package gen

import (
	"go/types"

	"github.com/dave/jennifer/jen"
)

// versionTableSize bounds the table of versionTable kinds: the versions
// used least recently go first, and a version that was dropped only costs
// one conflict (the candidate reads the record again).
const versionTableSize = 1024

// versionFuncs emits the mapping between the store's versions and
// core.Version: FormatVersion and ParseVersion (and, for versions without
// a string form, their table).
func (e *emitter) versionFuncs() jen.Code {
	switch e.m.version.kind {
	case versionSigned, versionUnsigned:
		return e.integerVersion()
	case versionString:
		return e.stringVersion()
	}
	return e.tableVersion()
}

func (e *emitter) formatDoc() *jen.Statement {
	return docf("%s writes a version of %s as a core.Version.", e.m.names.FormatVersion, e.m.spec)
}

func (e *emitter) parseDoc() *jen.Statement {
	return docf("%s reads back a core.Version made by %s. It reports false for anything else, and for the zero version, which genlock reserves for \"no record\".", e.m.names.ParseVersion, e.m.names.FormatVersion)
}

func (e *emitter) integerVersion() jen.Code {
	n, v := e.m.names, e.m.version
	format, parse, wide, wideKind := "FormatInt", "ParseInt", jen.Int64(), types.Int64
	if v.kind == versionUnsigned {
		format, parse, wide, wideKind = "FormatUint", "ParseUint", jen.Uint64(), types.Uint64
	}
	arg := jen.Id("v")
	if !e.isExactly(wideKind) {
		arg = jen.Add(wide).Parens(arg)
	}
	result := jen.Id("n")
	if !e.isExactly(wideKind) {
		result = jen.Add(e.versionType()).Parens(result)
	}
	return jen.Add(e.formatDoc()).
		Func().Id(n.FormatVersion).Params(jen.Id("v").Add(e.versionType())).Qual(corePath, "Version").Block(
		jen.Return(jen.Qual(corePath, "Version").Parens(jen.Qual("strconv", format).Call(arg, jen.Lit(10)))),
	).Line().Line().
		Add(e.parseDoc()).
		Func().Id(n.ParseVersion).Params(jen.Id("s").Qual(corePath, "Version")).Params(e.versionType(), jen.Bool()).Block(
		jen.List(jen.Id("n"), jen.Err()).Op(":=").Qual("strconv", parse).Call(jen.String().Parens(jen.Id("s")), jen.Lit(10), jen.Lit(v.bits)),
		jen.If(jen.Err().Op("!=").Nil().Op("||").Id("n").Op("==").Lit(0).Op("||").
			Qual("strconv", format).Call(jen.Id("n"), jen.Lit(10)).Op("!=").String().Parens(jen.Id("s"))).Block(
			jen.Return(jen.Lit(0), jen.False()),
		),
		jen.Return(result, jen.True()),
	)
}

func (e *emitter) stringVersion() jen.Code {
	n := e.m.names
	return jen.Add(e.formatDoc()).
		Func().Id(n.FormatVersion).Params(jen.Id("v").Add(e.versionType())).Qual(corePath, "Version").Block(
		jen.Return(jen.Qual(corePath, "Version").Parens(jen.Id("v"))),
	).Line().Line().
		Add(e.parseDoc()).
		Func().Id(n.ParseVersion).Params(jen.Id("s").Qual(corePath, "Version")).Params(e.versionType(), jen.Bool()).Block(
		jen.Return(jen.Add(e.versionType()).Parens(jen.Id("s")), jen.Id("s").Op("!=").Lit("")),
	)
}

// tableVersion emits a process-wide table for versions without a string
// form: each distinct version gets a number the first time any lock of
// this spec sees it, and keeps it while it stays among the most recently
// used, so that every lock in the process writes the same version the same
// way.
func (e *emitter) tableVersion() jen.Code {
	n := e.m.names
	t := jen.Id(n.Versions)
	vt := e.versionType()
	table := docf("%s numbers the versions of %s seen by the locks in this process, which have no string form of their own: each distinct version gets a number the first time it is seen and keeps it while it stays among the %d most recently used.", n.Versions, e.m.spec, versionTableSize).
		Var().Id(n.Versions).Struct(
		jen.Qual("sync", "Mutex"),
		jen.Id("clock").Uint64().Comment("counts uses; a new number is the clock's value"),
		jen.Id("ids").Map(vt).Qual(corePath, "Version"),
		jen.Id("versions").Map(jen.Qual(corePath, "Version")).Add(vt),
		jen.Id("used").Map(jen.Qual(corePath, "Version")).Uint64(),
	)
	format := jen.Add(e.formatDoc()).
		Func().Id(n.FormatVersion).Params(jen.Id("v").Add(vt)).Qual(corePath, "Version").Block(
		t.Clone().Dot("Lock").Call(),
		jen.Defer().Add(t.Clone()).Dot("Unlock").Call(),
		t.Clone().Dot("clock").Op("++"),
		jen.If(t.Clone().Dot("ids").Op("==").Nil()).Block(
			t.Clone().Dot("ids").Op("=").Make(jen.Map(vt).Qual(corePath, "Version")),
			t.Clone().Dot("versions").Op("=").Make(jen.Map(jen.Qual(corePath, "Version")).Add(vt)),
			t.Clone().Dot("used").Op("=").Make(jen.Map(jen.Qual(corePath, "Version")).Uint64()),
		),
		jen.List(jen.Id("id"), jen.Id("ok")).Op(":=").Add(t.Clone()).Dot("ids").Index(jen.Id("v")),
		jen.If(jen.Op("!").Id("ok")).Block(
			jen.Id("id").Op("=").Qual(corePath, "Version").Parens(jen.Lit("v").Op("+").Qual("strconv", "FormatUint").Call(t.Clone().Dot("clock"), jen.Lit(10))),
			t.Clone().Dot("ids").Index(jen.Id("v")).Op("=").Id("id"),
			t.Clone().Dot("versions").Index(jen.Id("id")).Op("=").Id("v"),
		),
		t.Clone().Dot("used").Index(jen.Id("id")).Op("=").Add(t.Clone()).Dot("clock"),
		jen.For(jen.Len(t.Clone().Dot("ids")).Op(">").Lit(versionTableSize)).Block(
			jen.Id("oldest").Op(":=").Id("id"),
			jen.For(jen.List(jen.Id("k"), jen.Id("at")).Op(":=").Range().Add(t.Clone()).Dot("used")).Block(
				jen.If(jen.Id("at").Op("<").Add(t.Clone()).Dot("used").Index(jen.Id("oldest"))).Block(
					jen.Id("oldest").Op("=").Id("k"),
				),
			),
			jen.Delete(t.Clone().Dot("ids"), t.Clone().Dot("versions").Index(jen.Id("oldest"))),
			jen.Delete(t.Clone().Dot("versions"), jen.Id("oldest")),
			jen.Delete(t.Clone().Dot("used"), jen.Id("oldest")),
		),
		jen.Return(jen.Id("id")),
	)
	parse := jen.Add(e.parseDoc()).
		Func().Id(n.ParseVersion).Params(jen.Id("s").Qual(corePath, "Version")).Params(vt, jen.Bool()).Block(
		t.Clone().Dot("Lock").Call(),
		jen.Defer().Add(t.Clone()).Dot("Unlock").Call(),
		jen.List(jen.Id("v"), jen.Id("ok")).Op(":=").Add(t.Clone()).Dot("versions").Index(jen.Id("s")),
		jen.If(jen.Id("ok")).Block(
			t.Clone().Dot("clock").Op("++"),
			t.Clone().Dot("used").Index(jen.Id("s")).Op("=").Add(t.Clone()).Dot("clock"),
		),
		jen.Return(jen.Id("v"), jen.Id("ok").Op("&&").Add(e.isZero(jen.Id("v"), true))),
	)
	return jen.Add(table).Line().Line().Add(format).Line().Line().Add(parse)
}
