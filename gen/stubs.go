package gen

import (
	"fmt"
	"go/types"

	"github.com/dave/jennifer/jen"
)

// stubHeader is the first lines of the files -stubs scaffolds. They are the
// user's to edit, so they do not say "DO NOT EDIT", and genlock never
// overwrites them.
var stubHeader = []string{
	"Scaffolded by genlock -stubs: fill in the bodies marked TODO.",
	"This file is yours: genlock does not overwrite it.",
}

// Stubs scaffolds, for a spec whose methods do not fit the roles, a
// core.Lock with method bodies to fill in (NAME_lock.go) and its
// conformance test (NAME_lock_test.go), with a store constructor to fill
// in. The spec's methods are not checked.
func (t *Target) Stubs() ([]File, error) {
	c := &checker{t: t}
	c.m = &model{pkg: t.pkg, spec: t.iface.Name(), names: newNames(t.iface.Name())}
	c.m.key = types.Typ[types.String]
	e := newEmitter(c)
	n := c.m.names
	lock := e.newFile(stubHeader...)
	for _, code := range e.stubFragments() {
		lock.Add(code)
		lock.Line()
	}
	newStore := "new" + upperFirst(c.m.spec) + "ForTest"
	test := e.newFile(stubHeader...)
	test.Add(e.testFunc(jen.Id(newStore).Call(jen.Id("t")), jen.Lit("lock")))
	test.Line()
	test.Add(docf("%s returns the %s to test %s on, with fresh, empty storage for one test case.\n\nTODO: build the %s for tests (a fake, or a client of a test server started here), and release what it holds with t.Cleanup.", newStore, c.m.spec, n.Lock, c.m.spec).Func().Id(newStore).Params(jen.Id("t").Op("*").Qual("testing", "T")).Id(c.m.spec).Block(
		jen.Id("t").Dot("Helper").Call(),
		jen.Id("t").Dot("Fatal").Call(jen.Lit(newStore+" is not written yet: return the "+c.m.spec+" to test on, with fresh, empty storage")),
		jen.Return(jen.Nil()),
	))
	var files []File
	for _, f := range []struct {
		name string
		file *jen.File
	}{{n.LockFile, lock}, {n.TestFile, test}} {
		data, err := render(f.file)
		if err != nil {
			return nil, fmt.Errorf("%w (%s)", err, f.name)
		}
		files = append(files, File{Name: f.name, Data: data})
	}
	return files, nil
}

// stubFragments renders the scaffolded adapter: its type, constructor and
// core.Lock methods, the three store operations left to write.
func (e *emitter) stubFragments() []jen.Code {
	n := e.m.names
	lock := jen.Qual(corePath, "Lock")
	record, version := jen.Qual(corePath, "Record"), jen.Qual(corePath, "Version")
	ctx := jen.Id("ctx").Qual("context", "Context")
	todo := func(op string, zeros ...jen.Code) jen.Code {
		return jen.Return(append(zeros, jen.Qual("fmt", "Errorf").Call(jen.Lit("%s: "+op+": %w"), jen.Id("l").Dot("Describe").Call(), jen.Qual("errors", "ErrUnsupported")))...)
	}
	return []jen.Code{
		docf("%s implements core.Lock on one key of the %s it is made with.", n.Lock, e.m.spec).
			Type().Id(n.Lock).Struct(jen.Id("s").Id(e.m.spec), jen.Id("key").String(), jen.Id("identity").String()),
		jen.Var().Id("_").Add(lock).Op("=").Parens(jen.Op("*").Id(n.Lock)).Parens(jen.Nil()),
		docf("%s returns a core.Lock that keeps its record under key in s, for the candidate identity.", n.NewLock).
			Func().Id(n.NewLock).Params(jen.Id("s").Id(e.m.spec), jen.Id("key").String(), jen.Id("identity").String()).Op("*").Id(n.Lock).Block(
			jen.Return(jen.Op("&").Id(n.Lock).Values(jen.Dict{jen.Id("s"): jen.Id("s"), jen.Id("key"): jen.Id("key"), jen.Id("identity"): jen.Id("identity")})),
		),
		docf("Get reads the record and its version.\n\nTODO: read the value under l.key from l.s, decode it with core.ParseRecord, and return it with its version as a core.Version. Return an error wrapping core.ErrNotFound when the key holds nothing.").
			Add(e.receiver()).Id("Get").Params(ctx.Clone()).Params(record.Clone(), version.Clone(), jen.Error()).Block(
			todo("get", record.Clone().Values(), jen.Lit(""))),
		docf("Create stores the record if no record exists, and returns its version.\n\nTODO: store core.AppendRecord(nil, r) under l.key only if the key holds nothing, in one atomic step. Return an error wrapping core.ErrConflict when it holds a record.").
			Add(e.receiver()).Id("Create").Params(ctx.Clone(), jen.Id("r").Add(record.Clone())).Params(version.Clone(), jen.Error()).Block(
			todo("create", jen.Lit(""))),
		docf("Update replaces the record if it is still at version v, and returns the new version.\n\nTODO: store core.AppendRecord(nil, r) under l.key only if the stored version is still v, in one atomic step (compare-and-swap). Return an error wrapping core.ErrConflict when it moved or the record is gone.").
			Add(e.receiver()).Id("Update").Params(ctx.Clone(), jen.Id("r").Add(record.Clone()), jen.Id("v").Add(version.Clone())).Params(version.Clone(), jen.Error()).Block(
			todo("update", jen.Lit(""))),
		docf("Identity returns the candidate identity given to the constructor.").
			Add(e.receiver()).Id("Identity").Params().String().Block(jen.Return(jen.Id("l").Dot("identity"))),
		docf("Describe names the lock as \"genlock:%s/\" followed by its key.", e.m.spec).
			Add(e.receiver()).Id("Describe").Params().String().Block(jen.Return(jen.Lit("genlock:" + e.m.spec + "/").Op("+").Id("l").Dot("key"))),
	}
}
