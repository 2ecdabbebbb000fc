package gen

import (
	"go/types"

	"github.com/dave/jennifer/jen"
)

// testFile emits NAME_lock_test.go: core/locktest over the adapter on a
// MemoryStore.
func (e *emitter) testFile() *jen.File {
	f := e.newFile(header)
	f.Add(e.testFunc(jen.Id(e.m.names.NewMemory).Call(), e.keyLiteral()))
	return f
}

// keyLiteral renders the key "lock" as a K.
func (e *emitter) keyLiteral() jen.Code {
	if types.Identical(e.m.key, types.Typ[types.String]) {
		return jen.Lit("lock")
	}
	return jen.Add(e.typ(e.m.key, e.m.get.fn)).Parens(jen.Lit("lock"))
}

// testFunc renders the test: every call of the opener makes a new lock
// handle, a new candidate, on the store made once per locktest case.
func (e *emitter) testFunc(store, key jen.Code) jen.Code {
	n := e.m.names
	lock := jen.Qual(corePath, "Lock")
	tt := jen.Id("t").Op("*").Qual("testing", "T")
	identity := jen.Lit("candidate-").Op("+").Qual("strconv", "FormatInt").Call(jen.Id("n").Dot("Add").Call(jen.Lit(1)), jen.Lit(10))
	return docf("%s runs the core/locktest conformance suite on %s: each case gets a new store, and each candidate a new lock on it.", n.Test, n.Lock).
		Func().Id(n.Test).Params(tt.Clone()).Block(
		jen.Qual(locktestPath, "Run").Call(jen.Id("t"), jen.Func().Params(tt.Clone()).Func().Params().Add(lock).Block(
			jen.Id("s").Op(":=").Add(store),
			jen.Var().Id("n").Qual("sync/atomic", "Int64"),
			jen.Return(jen.Func().Params().Add(lock).Block(
				jen.Return(jen.Id(n.NewLock).Call(jen.Id("s"), key, identity)),
			)),
		)),
	)
}
