package gen

import (
	"go/types"
	"slices"
	"strings"
)

// role is what a spec method does for the adapter.
type role int

const (
	roleGet role = iota
	roleCreate
	roleUpdate
	numRoles
)

var roleNames = [numRoles]string{"get", "create", "update"}

func (r role) String() string { return roleNames[r] }

// roleMethodNames are the method names that take a role without a
// //genlock: comment. A method whose name has a lower-case first letter
// matches too (get, compareAndSwap).
var roleMethodNames = [numRoles][]string{
	roleGet:    {"Get", "Read", "Load", "Fetch", "Lookup"},
	roleCreate: {"Create", "Insert", "Add", "PutIfAbsent", "SetIfAbsent", "CreateIfAbsent", "SetNX"},
	roleUpdate: {"Update", "CompareAndSwap", "CompareAndSet", "CAS", "Swap", "Replace", "PutIfMatch", "SetIfMatch"},
}

// roleByMethodName returns the role a method takes by its name alone.
func roleByMethodName(name string) (role, bool) {
	up := upperFirst(name)
	for r, list := range roleMethodNames {
		if slices.Contains(list, up) {
			return role(r), true
		}
	}
	return 0, false
}

// namesList writes "A, B or C".
func namesList(list []string) string {
	if len(list) < 2 {
		return strings.Join(list, "")
	}
	return strings.Join(list[:len(list)-1], ", ") + " or " + list[len(list)-1]
}

// versionKind says how a spec's version type V maps to core.Version.
type versionKind int

const (
	// versionSigned and versionUnsigned are integer kinds, written in
	// decimal with strconv.
	versionSigned versionKind = iota + 1
	versionUnsigned
	// versionString kinds convert directly.
	versionString
	// versionTable is any other comparable type (floats, structs, arrays):
	// the adapter numbers each distinct value it sees in a process-wide
	// table and maps the numbers back.
	versionTable
)

// version is the spec's version type V.
type version struct {
	typ  types.Type
	kind versionKind
	bits int // strconv bit size for integer kinds: 0 (int, uint), 32 or 64

	// For versionTable, how MemoryStore makes a new version from its
	// counter: the field or element path (empty when V itself is a float)
	// and the type of the field counted in.
	path []string
	leaf types.Type
}

// method is a spec method that fills a role, with the place of each of
// its parameters and results.
type method struct {
	role role
	fn   *types.Func
	sig  *types.Signature

	ctx   bool // the first parameter is a context.Context
	key   int  // parameter index of the key
	value int  // parameter index of the value (create, update), result index (get)
	old   int  // parameter index of the expected version (update), else -1

	valueType types.Type // the value's type: []byte, string or a named type of them
	version   int        // result index of the new or current version
	flag      int        // result index of found (get) or ok (create, update), or -1
	err       int        // result index of the error: the last
}

// model is everything the emitters need, checked and sorted.
type model struct {
	pkg   *types.Package
	spec  string // the interface's name
	names names

	key     types.Type // K
	version version    // V

	get, create, update *method
	others              []*types.Func // methods without a role, sorted by name

	notFound, conflict []string // sentinel variables, sorted by name
}

// keyBytes reports whether K is a []byte kind.
func (m *model) keyBytes() bool { return isBytes(m.key) }
