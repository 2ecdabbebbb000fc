package gen

import (
	"fmt"
	"go/types"
	"strings"
	"testing"

	"github.com/dave/jennifer/jen"
	"github.com/google/go-cmp/cmp"
)

func TestNames(t *testing.T) {
	tests := []struct {
		in, snake, lower string
	}{
		{"Store", "store", "store"},
		{"EtcdStore", "etcd_store", "etcdStore"},
		{"KVStore", "kv_store", "kvStore"},
		{"KV", "kv", "kv"},
		{"HTTPClient2", "http_client2", "httpClient2"},
		{"S3Bucket", "s3_bucket", "s3Bucket"},
		{"kvStore", "kv_store", "kvStore"},
	}
	for _, tt := range tests {
		if got := snakeCase(tt.in); got != tt.snake {
			t.Errorf("snakeCase(%q) = %q; want %q", tt.in, got, tt.snake)
		}
		if got := lowerFirst(tt.in); got != tt.lower {
			t.Errorf("lowerFirst(%q) = %q; want %q", tt.in, got, tt.lower)
		}
	}
	want := names{
		Lock: "kvStoreLock", NewLock: "newKvStoreLock", Memory: "memoryKvStore", NewMemory: "newMemoryKvStore",
		Record: "memoryKvStoreRecord", FormatVersion: "kvStoreFormatVersion", ParseVersion: "kvStoreParseVersion",
		Versions: "kvStoreVersions", Test: "TestKvStoreLock",
		LockFile: "kv_store_lock.go", MemoryFile: "kv_store_memory.go", TestFile: "kv_store_lock_test.go",
	}
	if diff := cmp.Diff(want, newNames("kvStore")); diff != "" {
		t.Errorf("an unexported spec gets unexported names (-want +got):\n%s", diff)
	}
}

func TestParseSpec(t *testing.T) {
	tests := []struct {
		in, pattern, name string
		ok                bool
	}{
		{".Store", ".", "Store", true},
		{"./store.Store", "./store", "Store", true},
		{"example.com/x/v2.KV", "example.com/x/v2", "KV", true},
		{"gopkg.in/a.v3.Store", "gopkg.in/a.v3", "Store", true},
		{"Store", "", "", false},
		{"./store.", "", "", false},
		{"./store.9x", "", "", false},
	}
	for _, tt := range tests {
		pattern, name, err := ParseSpec(tt.in)
		if (err == nil) != tt.ok || pattern != tt.pattern || name != tt.name {
			t.Errorf("ParseSpec(%q) = %q, %q, %v; want %q, %q, ok=%v", tt.in, pattern, name, err, tt.pattern, tt.name, tt.ok)
		}
	}
}

func TestWrap(t *testing.T) {
	got := wrap("aaa bbb ccc averyveryverylongword d", 8)
	want := []string{"aaa bbb", "ccc", "averyveryverylongword", "d"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("wrap mismatch (-want +got):\n%s", diff)
	}
}

func TestTypeNamer(t *testing.T) {
	pkg := types.NewPackage("example.com/here", "here")
	other := types.NewPackage("example.com/other", "other")
	local := types.NewNamed(types.NewTypeName(0, pkg, "local", nil), types.Typ[types.Int], nil)
	hidden := types.NewNamed(types.NewTypeName(0, other, "hidden", nil), types.Typ[types.Int], nil)
	exported := types.NewNamed(types.NewTypeName(0, other, "Opt", nil), types.NewStruct(nil, nil), nil)
	pkg.Scope().Insert(local.Obj())
	other.Scope().Insert(hidden.Obj())
	other.Scope().Insert(exported.Obj())
	tests := []struct {
		t          types.Type
		code, zero string
	}{
		{types.Typ[types.String], "string", `""`},
		{local, "local", "0"},
		{exported, "other.Opt", "other.Opt{}"},
		{types.NewPointer(exported), "*other.Opt", "nil"},
		{types.NewMap(types.Typ[types.String], types.NewSlice(types.Universe.Lookup("byte").Type())), "map[string][]byte", "nil"},
		{types.NewArray(types.Typ[types.Int64], 2), "[2]int64", "[2]int64{}"},
		{types.NewChan(types.RecvOnly, types.Typ[types.Bool]), "<-chan bool", "nil"},
		{types.NewStruct([]*types.Var{types.NewField(0, pkg, "A", types.Typ[types.Int], false)}, []string{`json:"a"`}), "struct {\n\tA int \"json:\\\"a\\\"\"\n}", "struct {\n\tA int \"json:\\\"a\\\"\"\n}{}"},
		{types.Universe.Lookup("error").Type(), "error", "nil"},
	}
	n := typeNamer{pkgPath: pkg.Path()}
	for _, tt := range tests {
		code, err := n.code(tt.t)
		if err != nil {
			t.Errorf("code(%s): %v", tt.t, err)
			continue
		}
		zero, err := n.zero(tt.t)
		if err != nil {
			t.Errorf("zero(%s): %v", tt.t, err)
			continue
		}
		if got := renderCode(code, true); got != tt.code {
			t.Errorf("code(%s) = %q; want %q", tt.t, got, tt.code)
		}
		if got := renderCode(zero, false); got != tt.zero {
			t.Errorf("zero(%s) = %q; want %q", tt.t, got, tt.zero)
		}
	}
	if _, err := n.code(hidden); err == nil || err.Error() != "type hidden is not exported by package example.com/other" {
		t.Errorf("code(other.hidden) error = %v; want it to say the type is not exported", err)
	}
}

// renderCode renders code in the package example.com/here, with "other"
// for example.com/other: as the type of a variable when asType, else as
// its value.
func renderCode(code jen.Code, asType bool) string {
	f := jen.NewFilePathName("example.com/here", "here")
	f.ImportName("example.com/other", "other")
	if asType {
		f.Var().Id("x").Add(code)
	} else {
		f.Var().Id("x").Op("=").Add(code)
	}
	s := fmt.Sprintf("%#v", f)
	_, s, _ = strings.Cut(s, "var x ")
	return strings.TrimPrefix(strings.TrimSpace(s), "= ")
}
