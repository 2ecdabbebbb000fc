// Package gen generates a core.Lock adapter from a Go interface that
// describes the primitive operations of a store: its spec. cmd/genlock is
// the command-line front end; most users run it from go:generate:
//
//	//go:generate go run github.com/leaderelection/leaderelection/cmd/genlock -spec .Store
//
// # Stages
//
// Load loads the spec's package with golang.org/x/tools/go/packages in
// the smallest mode that works (names, types, syntax) and fails on any
// package error, except errors that regenerating fixes: errors inside the
// files genlock generated (they carry its header) and "undefined" for the
// names those files declare. Target.Adapter checks every method against
// the roles, builds a small sorted model, turns it into jennifer code one
// fragment per function, and renders three gofmt'ed files, byte for byte
// the same on every run. For spec Store, in the spec's package:
//
//   - store_lock.go: StoreLock, which implements core.Lock on one key of a
//     Store (var _ core.Lock = (*StoreLock)(nil)), made by
//     NewStoreLock(s Store, key K, identity string) *StoreLock. It encodes
//     the record with core.AppendRecord and core.ParseRecord, maps the
//     store's versions to core.Version and back, and maps the store's
//     not-found and conflict signals onto core.ErrNotFound and
//     core.ErrConflict. Describe answers "genlock:Store/" and the key.
//   - store_memory.go: MemoryStore, an in-memory Store with
//     compare-and-swap, made by NewMemoryStore().
//   - store_lock_test.go: TestStoreLock, which runs core/locktest on
//     StoreLock over MemoryStore.
//
// File names are the interface name in lower snake case (KVStore gives
// kv_store_lock.go); an unexported spec gets unexported identifiers.
//
// # Roles
//
// Each method of the spec takes at most one role, by a //genlock:ROLE
// comment on it (no space after the slashes, like Go's own directives), or
// by its name when no other method claims the role. A lower-case first
// letter matches too.
//
//	role    names                                                 shape
//	get     Get Read Load Fetch Lookup                            (ctx context.Context, key K) (value []byte, version V, err error)
//	create  Create Insert Add PutIfAbsent SetIfAbsent             (ctx context.Context, key K, value []byte) (version V, err error)
//	        CreateIfAbsent SetNX
//	update  Update CompareAndSwap CompareAndSet CAS Swap          (ctx context.Context, key K, value []byte, old V) (version V, err error)
//	        Replace PutIfMatch SetIfMatch
//
// get and update are required; create is optional. Without create, the
// adapter creates by calling update from the zero V, so the store's update
// must store the value if (and only if) the key holds nothing when old is
// the zero V. The store must never give the zero V as the version of a
// stored value; the adapter refuses it (it means "no record").
//
// A method marked //genlock:ignore takes no role whatever its name. Other
// methods without a role are allowed (Close, Delete…): MemoryStore
// implements them with zero results, each error result wrapping
// errors.ErrUnsupported. Roles come from names and comments only, never
// from a signature alone: an unconditional Put(ctx, key, value) (int64,
// error) has the shape of create and would break the lock.
//
// # Accepted shapes
//
// Every shape below is accepted in any combination; the shapes under
// internal/shapes are compiled and tested examples.
//
// A context, or none. The first parameter may be a context.Context; when
// the method has none, the adapter checks ctx.Err() before calling it.
//
//	Get(ctx context.Context, key string) ([]byte, int64, error)
//	Get(key string) ([]byte, int64, error)
//
// Keys: string or []byte, or a named type of either; the same type in
// every role. A []byte key is copied by the constructor.
//
//	Get(ctx context.Context, key []byte) ([]byte, string, error)
//	Lookup(path Path) (Blob, Revision, error)      // type Path string
//
// Values: []byte or string, or a named type of either.
//
//	Create(ctx context.Context, key string, value string) (int64, error)
//
// Versions (V): the same type in every role, comparable, and not the
// zero value for a stored value.
//
//   - an integer type of 32 or 64 bits (int, int32, int64, uint, uint32,
//     uint64, uintptr) or a named one (type Revision uint64): written in
//     decimal with strconv; a string that does not read back exactly is
//     not a version this lock made, so Update answers core.ErrConflict;
//   - string, or a named string type (an ETag): converted as is;
//   - a float, or a struct or array of comparable fields
//     (struct{ Gen, MetaGen int64 }): numbered in a process-wide table
//     shared by every lock of the spec, holding the 1024 versions used
//     most recently. Forgetting a version only makes one Update answer
//     core.ErrConflict, after which the candidate reads the record again.
//     MemoryStore counts in the first integer, float or string field.
//
// bool, 8- and 16-bit integers, pointers, channels and interfaces are
// refused: a version must never repeat, and must compare by value.
//
// Results: the error is last; before it the results come in any order. On
// get, the value is the []byte result (or, with two string kinds, the
// first); a bool result is the found flag. On create and update, a bool
// result is the ok flag.
//
//	Read(ctx context.Context, key string) (value []byte, version int32, found bool, err error)
//	Read(ctx context.Context, key string) (version string, value []byte, err error)
//	PutIfAbsent(ctx context.Context, key string, value []byte) (ok bool, version int32, err error)
//	CompareAndSwap(ctx context.Context, key string, value []byte, old int32) (version int32, ok bool, err error)
//
// The expected version may come before the value on update, when their
// types tell them apart:
//
//	CompareAndSwap(ctx context.Context, key string, expected int32, value []byte) (int32, bool, error)
//
// Options: parameters after those of the role get their zero value (0,
// "", nil, T{}), and a variadic one gets nothing.
//
//	Get(ctx context.Context, key string, opts *ReadOptions, more ...Option) ([]byte, int64, error)
//	Update(ctx context.Context, key string, value []byte, old int64, ttl time.Duration, opts ...Option) (int64, error)
//
// # Signals
//
// Not found (get) and conflict (create, update) are told by a bool result
// (found false, ok false) or by error variables of the spec's package
// marked //genlock:notfound or //genlock:conflict, compared with
// errors.Is. Several variables may carry a mark; any of them matches. A
// client library's own sentinel is marked through a variable of yours:
//
//	//genlock:notfound
//	var errNil = redis.Nil
//
// On update, a not-found error means a conflict too: a record that is gone
// is not at the expected version. A role without its signal is an error.
// Any other error from the store is
// returned wrapped (%w) with the lock's description: the election treats
// it as transient and retries.
//
// # Errors
//
// A spec that does not fit gets one line per problem, in source order:
// the base name of the file and the line (go:generate runs in the
// package's directory, where that name is the path), the method, what was
// expected and what was found:
//
//	store.go:12: method Swap: role update wants (ctx context.Context, key string, value []byte, old V) (V, error); found (string, []byte) error
//
// The wanted shape shows the key type once it is known, and V for the
// version type. Such errors are *SpecError and wrap ErrSpec.
//
// # Stubs
//
// Target.Stubs scaffolds, for a store whose operations do not fit the
// roles, NAME_lock.go with a core.Lock whose Get, Create and Update bodies
// are left to write (they answer errors.ErrUnsupported until then), and
// NAME_lock_test.go running core/locktest on it over a store constructor
// to write (the test fails until it is). These files are the user's: they
// do not say "DO NOT EDIT", and genlock refuses to overwrite them.
package gen
