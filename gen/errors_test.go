package gen

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// writeModule writes a module example.com/spec with the given files (the
// package lives at the module root) and returns its directory.
func writeModule(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	files["go.mod"] = "module example.com/spec\n\ngo 1.26\n"
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// spec builds a spec file: the package clause and imports take lines 1-7,
// so the body's first line is line 8.
func spec(body string) string {
	return "package spec\n\nimport (\n\t\"context\"\n\t\"errors\"\n)\n\nvar _, _ = context.Background, errors.New\n" + body
}

// Lines of the spec body, as spec numbers them: line 9 onwards.
const sentinels = `
var (
	ErrNotFound = errors.New("not found") //genlock:notfound
	ErrConflict = errors.New("conflict")  //genlock:conflict
)
`

// unfitSpecs are specs that do not fit, with their exact errors.
var unfitSpecs = []struct {
	name   string
	spec   string // the -spec argument; .Store when empty
	src    string // store.go
	want   string // the error, exactly
	reason string
}{{
	name: "update with the wrong shape",
	src: spec(`
// Store has a Swap that is no compare-and-swap.
type Store interface {
Get(ctx context.Context, key string) ([]byte, int64, error)


Swap(string, []byte) error
}
` + sentinels),
	want:   "store.go:15: method Swap: role update wants (ctx context.Context, key string, value []byte, old V) (V, error); found (string, []byte) error",
	reason: "the issue's own example: Swap takes the update role by name, and lacks the version",
}, {
	name: "no get",
	src: spec(`
type Store interface {
Update(ctx context.Context, key string, value []byte, old int64) (int64, error)
}
` + sentinels),
	want:   "store.go:10: interface Store: no method has role get; name it Get, Read, Load, Fetch or Lookup, or mark it //genlock:get",
	reason: "get is required",
}, {
	name: "no update",
	src: spec(`
type Store interface {
Get(ctx context.Context, key string) ([]byte, int64, error)
Create(ctx context.Context, key string, value []byte) (int64, error)
}
` + sentinels),
	want:   "store.go:10: interface Store: no method has role update; name it Update, CompareAndSwap, CompareAndSet, CAS, Swap, Replace, PutIfMatch or SetIfMatch, or mark it //genlock:update",
	reason: "update is required; create alone cannot renew",
}, {
	name: "two names for get",
	src: spec(`
type Store interface {
Get(ctx context.Context, key string) ([]byte, int64, error)
Load(ctx context.Context, key string) ([]byte, int64, error)
Update(ctx context.Context, key string, value []byte, old int64) (int64, error)
}
` + sentinels),
	want:   "store.go:12: method Load: role get is also claimed by the name of method Get (store.go:11); mark the one to use //genlock:get and the other //genlock:ignore",
	reason: "names must be unambiguous",
}, {
	name: "a role marked twice",
	src: spec(`
type Store interface {
//genlock:get
Fetch1(ctx context.Context, key string) ([]byte, int64, error)
//genlock:get
Fetch2(ctx context.Context, key string) ([]byte, int64, error)
Update(ctx context.Context, key string, value []byte, old int64) (int64, error)
}
` + sentinels),
	want:   "store.go:14: method Fetch2: role get is also marked on method Fetch1 (store.go:12)",
	reason: "one method per role",
}, {
	name: "unknown role",
	src: spec(`
type Store interface {
//genlock:read
Get(ctx context.Context, key string) ([]byte, int64, error)
Update(ctx context.Context, key string, value []byte, old int64) (int64, error)
}
` + sentinels),
	want:   `store.go:11: method Get: unknown role "read" in //genlock:read; want get, create, update or ignore`,
	reason: "a typo in a marker must not be ignored",
}, {
	name: "no not-found signal",
	src: spec(`
type Store interface {
Get(ctx context.Context, key string) ([]byte, int64, error)
Update(ctx context.Context, key string, value []byte, old int64) (int64, bool, error)
}
`),
	want:   "store.go:11: method Get: role get needs a not-found signal: a bool result (found) or an error variable marked //genlock:notfound; found neither",
	reason: "without it an absent record would look like a failure",
}, {
	name: "no conflict signal, on every write",
	src: spec(`
type Store interface {
Get(ctx context.Context, key string) ([]byte, int64, bool, error)
Create(ctx context.Context, key string, value []byte) (int64, error)
Update(ctx context.Context, key string, value []byte, old int64) (int64, error)
}
`),
	want: "store.go:12: method Create: role create needs a conflict signal: a bool result (ok) or an error variable marked //genlock:conflict; found neither\n" +
		"store.go:13: method Update: role update needs a conflict signal: a bool result (ok) or an error variable marked //genlock:conflict; found neither",
	reason: "every problem is reported, in source order",
}, {
	name: "bool version",
	src: spec(`
type Store interface {
Get(ctx context.Context, key string) ([]byte, bool, bool, error)
Update(ctx context.Context, key string, value []byte, old bool) (bool, error)
}
` + sentinels),
	want:   "store.go:11: method Get: version type bool has only two values; a version must change on every write",
	reason: "the first bool is the found flag, the second the version",
}, {
	name: "narrow version",
	src: spec(`
type Store interface {
Get(ctx context.Context, key string) ([]byte, int16, error)
Update(ctx context.Context, key string, value []byte, old int16) (int16, error)
}
` + sentinels),
	want:   "store.go:11: method Get: version type int16 is too narrow: versions must not repeat, and 16 bits run out",
	reason: "a version must never repeat",
}, {
	name: "pointer version",
	src: spec(`
type Store interface {
Get(ctx context.Context, key string) ([]byte, *int64, error)
Update(ctx context.Context, key string, value []byte, old *int64) (*int64, error)
}
` + sentinels),
	want:   "store.go:11: method Get: version type *int64 is not supported; use an integer, a string, or a struct or array of them",
	reason: "pointers compare by identity, not by version",
}, {
	name: "versions that differ",
	src: spec(`
type Store interface {
Get(ctx context.Context, key string) ([]byte, int64, error)
Update(ctx context.Context, key string, value []byte, old string) (string, error)
}
` + sentinels),
	want:   "store.go:12: method Update: version type string differs from int64, the version type of method Get",
	reason: "one V for all roles",
}, {
	name: "keys that differ",
	src: spec(`
type Store interface {
Get(ctx context.Context, key string) ([]byte, int64, error)
Update(ctx context.Context, key []byte, value []byte, old int64) (int64, error)
}
` + sentinels),
	want:   "store.go:12: method Update: role update wants (ctx context.Context, key string, value []byte, old V) (V, error); found (context.Context, []byte, []byte, int64) (int64, error)",
	reason: "one K for all roles, as get has it",
}, {
	name: "get without an error",
	src: spec(`
type Store interface {
Get(ctx context.Context, key string) ([]byte, int64, bool)
Update(ctx context.Context, key string, value []byte, old int64) (int64, error)
}
` + sentinels),
	want:   "store.go:11: method Get: role get wants (ctx context.Context, key string) ([]byte, V, error); found (context.Context, string) ([]byte, int64, bool)",
	reason: "the error result is last and required",
}, {
	name: "a sentinel that is no error",
	src: spec(`
type Store interface {
Get(ctx context.Context, key string) ([]byte, int64, error)
Update(ctx context.Context, key string, value []byte, old int64) (int64, bool, error)
}

//genlock:notfound
var NotFound = 404
`),
	want: "store.go:11: method Get: role get needs a not-found signal: a bool result (found) or an error variable marked //genlock:notfound; found neither\n" +
		"store.go:16: var NotFound: marked //genlock:notfound but has type int, not an error",
	reason: "sentinels are compared with errors.Is",
}, {
	name:   "not an interface",
	src:    spec("\ntype Store struct{}\n"),
	want:   "store.go:10: type Store is struct{}, not an interface",
	reason: "the spec is an interface",
}, {
	name:   "generic interface",
	src:    spec("\ntype Store[V comparable] interface{ Get(ctx context.Context, key string) ([]byte, V, error) }\n"),
	want:   "store.go:10: interface Store has type parameters; genlock needs a plain interface",
	reason: "generated code names one V",
}, {
	name:   "no such type",
	src:    spec(""),
	want:   "gen: unfit spec: package example.com/spec declares no type Store",
	reason: "nothing to point at",
}, {
	name:   "bad -spec",
	spec:   "Store",
	src:    spec(""),
	want:   `gen: unfit spec: -spec "Store": want <package pattern>.<Interface>, e.g. .Store or ./store.Store`,
	reason: "the interface name is after the last dot",
}, {
	name: "a generated name taken",
	src: spec(`
type Store interface {
Get(ctx context.Context, key string) ([]byte, int64, error)
Update(ctx context.Context, key string, value []byte, old int64) (int64, error)
}

type MemoryStore struct{}
` + sentinels),
	want:   "store.go:10: interface Store: genlock declares MemoryStore, but the package already declares it at store.go:15",
	reason: "the generated file would not compile",
}}

func TestUnfitSpecs(t *testing.T) {
	for _, tt := range unfitSpecs {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeModule(t, map[string]string{"store.go": tt.src})
			arg := tt.spec
			if arg == "" {
				arg = ".Store"
			}
			target, err := Load(dir, arg)
			if err == nil {
				_, err = target.Adapter()
			}
			if err == nil {
				t.Fatalf("no error; want %q (%s)", tt.want, tt.reason)
			}
			if !errors.Is(err, ErrSpec) {
				t.Errorf("error %q does not wrap ErrSpec", err)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error mismatch (-want +got), %s:\n%s", tt.reason, diff)
			}
		})
	}
}

func TestPackageErrors(t *testing.T) {
	good := spec(`
type Store interface {
	Get(ctx context.Context, key string) ([]byte, int64, error)
	Update(ctx context.Context, key string, value []byte, old int64) (int64, error)
}
` + sentinels)
	stale := "// " + header + "\n\npackage spec\n\nfunc stale() { undefinedThing() }\n"
	t.Run("an error in the user's code fails", func(t *testing.T) {
		dir := writeModule(t, map[string]string{"store.go": good, "other.go": "package spec\n\nvar x int = \"s\"\n"})
		_, err := Load(dir, ".Store")
		if !errors.Is(err, ErrLoad) || !strings.Contains(err.Error(), "other.go:3") {
			t.Errorf("Load = %v; want ErrLoad naming other.go:3", err)
		}
	})
	t.Run("an error in a stale generated file does not", func(t *testing.T) {
		dir := writeModule(t, map[string]string{"store.go": good, "store_lock.go": stale})
		target, err := Load(dir, ".Store")
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if _, err := target.Adapter(); err != nil {
			t.Fatalf("Adapter: %v", err)
		}
	})
	t.Run("the same file without genlock's header does", func(t *testing.T) {
		dir := writeModule(t, map[string]string{"store.go": good, "store_lock.go": strings.TrimPrefix(stale, "// "+header+"\n\n")})
		if _, err := Load(dir, ".Store"); !errors.Is(err, ErrLoad) {
			t.Errorf("Load = %v; want ErrLoad", err)
		}
	})
}

func TestDeletedGeneratedFiles(t *testing.T) {
	dir := writeModule(t, map[string]string{
		"store.go": spec(`
type Store interface {
	Get(ctx context.Context, key string) ([]byte, int64, error)
	Update(ctx context.Context, key string, value []byte, old int64) (int64, error)
}
` + sentinels),
		"use.go": "package spec\n\nvar _ = NewStoreLock(NewMemoryStore(), \"k\", \"me\")\n",
	})
	target, err := Load(dir, ".Store")
	if err != nil {
		t.Fatalf("Load of a package that uses the adapter before it is generated: %v", err)
	}
	if _, err := target.Adapter(); err != nil {
		t.Fatal(err)
	}
}

// TestAcceptedShapes checks shapes the checked-in shapes do not show.
func TestAcceptedShapes(t *testing.T) {
	tests := []struct {
		name, src string
		check     func(m *model) string
	}{{
		name: "version before value",
		src: spec(`
type Store interface {
	Get(ctx context.Context, key string) (string, []byte, error)
	Update(ctx context.Context, key string, value []byte, old string) (string, bool, error)
}
` + sentinels),
		check: func(m *model) string {
			if m.get.value != 1 || m.get.version != 0 {
				return "the []byte result is the value"
			}
			return ""
		},
	}, {
		name: "uintptr versions, string values",
		src: spec(`
type Store interface {
	Get(key string) (string, uintptr, bool, error)
	Update(key string, value string, old uintptr) (uintptr, bool, error)
}
`),
		check: func(m *model) string {
			if m.version.kind != versionUnsigned || m.get.ctx || m.create != nil {
				return "uintptr is unsigned; no ctx; no create"
			}
			return ""
		},
	}, {
		name: "a float version, lower-case names",
		src: spec(`
type Store interface {
	get(ctx context.Context, key string) ([]byte, float64, error)
	compareAndSwap(ctx context.Context, key string, value []byte, old float64) (float64, error)
	Close() error
}
` + sentinels),
		check: func(m *model) string {
			if m.version.kind != versionTable || len(m.others) != 1 {
				return "floats go through the table; Close has no role"
			}
			return ""
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeModule(t, map[string]string{"store.go": tt.src})
			target, err := Load(dir, ".Store")
			if err != nil {
				t.Fatal(err)
			}
			m, err := target.build()
			if err != nil {
				t.Fatal(err)
			}
			if msg := tt.check(m); msg != "" {
				t.Error(msg)
			}
			if _, err := target.Adapter(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
