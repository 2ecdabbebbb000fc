// Command genlock generates a core.Lock adapter from an interface that
// describes a store's primitive operations. Run "genlock -h" for the
// manual, or read the documentation of package gen.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/leaderelection/leaderelection/gen"
)

const usage = `usage: genlock -spec <package pattern>.<Interface> [-o DIR] [-stubs]

genlock reads a Go interface (the spec) that describes the primitive
operations of a store, and writes, for spec Store, into the spec's package:

  store_lock.go       StoreLock implements core.Lock on a Store:
                      NewStoreLock(s Store, key K, identity string) *StoreLock
  store_memory.go     MemoryStore, an in-memory Store with compare-and-swap,
                      NewMemoryStore() *MemoryStore
  store_lock_test.go  TestStoreLock runs core/locktest on StoreLock over
                      MemoryStore

Use it from go:generate in the spec's package:

  //go:generate go run github.com/leaderelection/leaderelection/cmd/genlock -spec .Store

Roles. Each spec method takes a role by a //genlock:ROLE comment on it, or
by its name (a lower-case first letter matches too):

  get     Get, Read, Load, Fetch, Lookup
          (ctx context.Context, key K) (value []byte, version V, err error)
  create  Create, Insert, Add, PutIfAbsent, SetIfAbsent, CreateIfAbsent, SetNX
          (ctx context.Context, key K, value []byte) (version V, err error)
          Optional: without it, update from the zero V must create the
          value if the key holds nothing, and fail otherwise.
  update  Update, CompareAndSwap, CompareAndSet, CAS, Swap, Replace,
          PutIfMatch, SetIfMatch
          (ctx context.Context, key K, value []byte, old V) (version V, err error)

  //genlock:ignore on a method gives it no role even if its name has one.
  Methods without a role are allowed; MemoryStore stubs them (zero values,
  errors wrapping errors.ErrUnsupported).

Accepted shapes:
  - ctx context.Context first, or no context (the adapter then checks
    ctx.Err() before calling).
  - K: string or []byte, or a named type of them; the same in every role.
  - value: []byte or string, or a named type of them.
  - V: an integer of 32 or 64 bits, a string, or a named type of them
    (written in decimal or as is); a float, struct or array of them
    (numbered through a process-wide table). The store never returns the
    zero V for a stored value.
  - update may take old before value: (ctx, key, old V, value []byte).
  - Parameters after these are options: they get their zero value, and a
    variadic one gets nothing.
  - Results may come in any order before the trailing error, e.g.
    (value, version, found, err) or (version, ok, err).

Signals:
  - not found (get): a bool result (false = no value), or package-level
    error variables marked //genlock:notfound, checked with errors.Is.
  - conflict (create, update): a bool result (false = not written), or
    error variables marked //genlock:conflict. On update, a not-found
    error counts as a conflict (a record that is gone moved).
  A client library's own sentinel can be marked through a variable of
  yours:   //genlock:notfound
           var errNil = redis.Nil

An unfit spec gets one line per problem, "file.go:line: what", and exit
status 1, e.g.
  store.go:12: method Swap: role update wants (ctx context.Context, key string, value []byte, old V) (V, error); found (string, []byte) error

-stubs scaffolds, for a store that does not fit the roles, store_lock.go
with a StoreLock whose Get, Create and Update bodies are yours to write,
and store_lock_test.go running core/locktest on it. It never overwrites.

Flags:
`

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("genlock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	spec := fs.String("spec", "", "the spec: a package pattern and an interface name, `pattern.Interface` (.Store is Store in the current directory's package)")
	out := fs.String("o", "", "write the files into `DIR` instead of the spec package's directory (they still belong to the spec's package)")
	stubs := fs.Bool("stubs", false, "scaffold a core.Lock with bodies to fill in, and its test, instead of generating an adapter")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *spec == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "genlock: -spec is required, and there are no arguments; run genlock -h")
		return 2
	}
	if err := generate(*spec, *out, *stubs); err != nil {
		var se *gen.SpecError
		if errors.As(err, &se) {
			fmt.Fprintln(stderr, se.Error())
		} else {
			fmt.Fprintln(stderr, "genlock:", err)
		}
		return 1
	}
	return 0
}

func generate(spec, out string, stubs bool) error {
	t, err := gen.Load("", spec)
	if err != nil {
		return err
	}
	if out == "" {
		out = t.Dir()
	}
	if stubs {
		files, err := t.Stubs()
		if err != nil {
			return err
		}
		return gen.WriteFiles(out, files, true)
	}
	files, err := t.Adapter()
	if err != nil {
		return err
	}
	return gen.WriteFiles(out, files, false)
}
