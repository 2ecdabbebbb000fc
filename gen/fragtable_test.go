package gen

import "github.com/dave/jennifer/jen"

// fragmentTests are the expected renderings of each emitter fragment.
var fragmentTests = []fragmentTest{
	{
		name: "lockType", shape: "int64ver", spec: ".Store",
		fragment: (*emitter).lockType,
		reason:   "the adapter holds the store, the key, the identity and its description, nothing else",
		want: `
// StoreLock implements core.Lock on one key of the Store it is made with: it
// keeps the lock's record there, encoded with core.AppendRecord, and maps the
// store's versions and its not-found and conflict signals onto core.Version,
// core.ErrNotFound and core.ErrConflict. It keeps no state between calls. Make
// one with NewStoreLock.
type StoreLock struct {
	s        Store
	key      string
	identity string
	desc     string
}
`,
	},
	{
		name: "lockConstructor bytes key", shape: "etag", spec: ".Objects",
		fragment: (*emitter).lockConstructor,
		reason:   "a []byte key is copied, so the caller may reuse its slice",
		want: `
// NewObjectsLock returns a core.Lock that keeps its record under key in s, for
// the candidate identity (unique among the candidates that share the key).
func NewObjectsLock(s Objects, key []byte, identity string) *ObjectsLock {
	return &ObjectsLock{
		desc:     "genlock:Objects/" + string(key),
		identity: identity,
		key:      append([]byte(nil), key...),
		s:        s,
	}
}
`,
	},
	{
		name: "lockGet sentinel", shape: "int64ver", spec: ".Store",
		fragment: (*emitter).lockGet,
		reason:   "sentinel errors map onto core.ErrNotFound with errors.Is; the zero version is refused",
		want: `
// Get reads the record and its version with Store.Get. It returns
// core.ErrNotFound when the key holds nothing.
func (l *StoreLock) Get(ctx context.Context) (core.Record, core.Version, error) {
	value, version, err := l.s.Get(ctx, l.key)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return core.Record{}, "", fmt.Errorf("%s: get: %w", l.desc, core.ErrNotFound)
		}
		return core.Record{}, "", fmt.Errorf("%s: get: %w", l.desc, err)
	}
	if version == 0 {
		return core.Record{}, "", fmt.Errorf("%s: get: the store returned the zero version, which genlock reserves for \"no record\"", l.desc)
	}
	r, err := core.ParseRecord(value)
	if err != nil {
		return core.Record{}, "", fmt.Errorf("%s: get: %w", l.desc, err)
	}
	return r, storeFormatVersion(version), nil
}
`,
	},
	{
		name: "lockGet bool string value no ctx", shape: "named", spec: ".Registry",
		fragment: (*emitter).lockGet,
		reason:   "without a ctx parameter the adapter checks ctx itself; a string value is converted for ParseRecord",
		want: `
// Get reads the record and its version with Registry.Lookup. It returns
// core.ErrNotFound when the key holds nothing.
func (l *RegistryLock) Get(ctx context.Context) (core.Record, core.Version, error) {
	if err := ctx.Err(); err != nil {
		return core.Record{}, "", fmt.Errorf("%s: get: %w", l.desc, err)
	}
	value, version, err := l.s.Lookup(l.key)
	if err != nil {
		if errors.Is(err, ErrMissing) {
			return core.Record{}, "", fmt.Errorf("%s: get: %w", l.desc, core.ErrNotFound)
		}
		return core.Record{}, "", fmt.Errorf("%s: get: %w", l.desc, err)
	}
	if version == 0 {
		return core.Record{}, "", fmt.Errorf("%s: get: the store returned the zero version, which genlock reserves for \"no record\"", l.desc)
	}
	r, err := core.ParseRecord([]byte(value))
	if err != nil {
		return core.Record{}, "", fmt.Errorf("%s: get: %w", l.desc, err)
	}
	return r, registryFormatVersion(version), nil
}
`,
	},
	{
		name: "lockGet found flag", shape: "boolresult", spec: ".KV",
		fragment: (*emitter).lockGet,
		reason:   "found false maps onto core.ErrNotFound",
		want: `
// Get reads the record and its version with KV.Read. It returns
// core.ErrNotFound when the key holds nothing.
func (l *KVLock) Get(ctx context.Context) (core.Record, core.Version, error) {
	value, version, found, err := l.s.Read(ctx, l.key)
	if err != nil {
		return core.Record{}, "", fmt.Errorf("%s: get: %w", l.desc, err)
	}
	if !found {
		return core.Record{}, "", fmt.Errorf("%s: get: %w", l.desc, core.ErrNotFound)
	}
	if version == 0 {
		return core.Record{}, "", fmt.Errorf("%s: get: the store returned the zero version, which genlock reserves for \"no record\"", l.desc)
	}
	r, err := core.ParseRecord(value)
	if err != nil {
		return core.Record{}, "", fmt.Errorf("%s: get: %w", l.desc, err)
	}
	return r, kvFormatVersion(version), nil
}
`,
	},
	{
		name: "lockCreate with options", shape: "options", spec: ".Client",
		fragment: (*emitter).lockCreate,
		reason:   "non-variadic options get zero values, variadic ones nothing; every conflict sentinel is checked",
		want: `
// Create stores the record with Client.Create if the key holds nothing. It
// returns core.ErrConflict when it holds a record.
func (l *ClientLock) Create(ctx context.Context, r core.Record) (core.Version, error) {
	version, err := l.s.Create(ctx, l.key, core.AppendRecord(nil, r), 0)
	if err != nil {
		if errors.Is(err, ErrKeyExists) || errors.Is(err, ErrVersionMismatch) {
			return "", fmt.Errorf("%s: create: %w", l.desc, core.ErrConflict)
		}
		return "", fmt.Errorf("%s: create: %w", l.desc, err)
	}
	if version == 0 {
		return "", fmt.Errorf("%s: create: the store returned the zero version, which genlock reserves for \"no record\"", l.desc)
	}
	return clientFormatVersion(version), nil
}
`,
	},
	{
		name: "lockCreate from update", shape: "named", spec: ".Registry",
		fragment: (*emitter).lockCreate,
		reason:   "without a create role, update from the zero version creates; a named value type is converted",
		want: `
// Create stores the record if the key holds nothing, with Registry.Swap from
// the zero version, which the store treats as create-if-absent. It returns
// core.ErrConflict when the key holds a record.
func (l *RegistryLock) Create(ctx context.Context, r core.Record) (core.Version, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("%s: create: %w", l.desc, err)
	}
	version, err := l.s.Swap(l.key, Blob(core.AppendRecord(nil, r)), 0)
	if err != nil {
		if errors.Is(err, ErrStale) {
			return "", fmt.Errorf("%s: create: %w", l.desc, core.ErrConflict)
		}
		return "", fmt.Errorf("%s: create: %w", l.desc, err)
	}
	if version == 0 {
		return "", fmt.Errorf("%s: create: the store returned the zero version, which genlock reserves for \"no record\"", l.desc)
	}
	return registryFormatVersion(version), nil
}
`,
	},
	{
		name: "lockUpdate old first", shape: "boolresult", spec: ".KV",
		fragment: (*emitter).lockUpdate,
		reason:   "the expected version may come before the value; ok false maps onto core.ErrConflict",
		want: `
// Update replaces the record with KV.CompareAndSwap if it is still at version
// v. It returns core.ErrConflict when the record is at another version or
// gone, and for a version this lock did not hand out.
func (l *KVLock) Update(ctx context.Context, r core.Record, v core.Version) (core.Version, error) {
	old, known := kvParseVersion(v)
	if !known {
		return "", fmt.Errorf("%s: update: version %q was not made by this lock: %w", l.desc, v, core.ErrConflict)
	}
	version, ok, err := l.s.CompareAndSwap(ctx, l.key, old, core.AppendRecord(nil, r))
	if err != nil {
		return "", fmt.Errorf("%s: update: %w", l.desc, err)
	}
	if !ok {
		return "", fmt.Errorf("%s: update: %w", l.desc, core.ErrConflict)
	}
	if version == 0 {
		return "", fmt.Errorf("%s: update: the store returned the zero version, which genlock reserves for \"no record\"", l.desc)
	}
	return kvFormatVersion(version), nil
}
`,
	},
	{
		name: "lockIdentity", shape: "int64ver", spec: ".Store",
		fragment: (*emitter).lockIdentity,
		reason:   "returns what the constructor got",
		want: `
// Identity returns the candidate identity given to the constructor.
func (l *StoreLock) Identity() string {
	return l.identity
}
`,
	},
	{
		name: "lockDescribe", shape: "int64ver", spec: ".Store",
		fragment: (*emitter).lockDescribe,
		reason:   "precomputed in the constructor",
		want: `
// Describe names the lock as "genlock:Store/" followed by its key.
func (l *StoreLock) Describe() string {
	return l.desc
}
`,
	},
	{
		name: "integerVersion signed", shape: "int64ver", spec: ".Store",
		fragment: (*emitter).versionFuncs,
		reason:   "int64 versions in canonical decimal, zero refused",
		want: `
// storeFormatVersion writes a version of Store as a core.Version.
func storeFormatVersion(v int64) core.Version {
	return core.Version(strconv.FormatInt(v, 10))
}

// storeParseVersion reads back a core.Version made by storeFormatVersion. It
// reports false for anything else, and for the zero version, which genlock
// reserves for "no record".
func storeParseVersion(s core.Version) (int64, bool) {
	n, err := strconv.ParseInt(string(s), 10, 64)
	if err != nil || n == 0 || strconv.FormatInt(n, 10) != string(s) {
		return 0, false
	}
	return n, true
}
`,
	},
	{
		name: "integerVersion unsigned named", shape: "named", spec: ".Registry",
		fragment: (*emitter).versionFuncs,
		reason:   "a named unsigned type converts through uint64",
		want: `
// registryFormatVersion writes a version of Registry as a core.Version.
func registryFormatVersion(v Revision) core.Version {
	return core.Version(strconv.FormatUint(uint64(v), 10))
}

// registryParseVersion reads back a core.Version made by
// registryFormatVersion. It reports false for anything else, and for the zero
// version, which genlock reserves for "no record".
func registryParseVersion(s core.Version) (Revision, bool) {
	n, err := strconv.ParseUint(string(s), 10, 64)
	if err != nil || n == 0 || strconv.FormatUint(n, 10) != string(s) {
		return 0, false
	}
	return Revision(n), true
}
`,
	},
	{
		name: "stringVersion", shape: "etag", spec: ".Objects",
		fragment: (*emitter).versionFuncs,
		reason:   "string versions convert directly; the empty one is refused",
		want: `
// objectsFormatVersion writes a version of Objects as a core.Version.
func objectsFormatVersion(v string) core.Version {
	return core.Version(v)
}

// objectsParseVersion reads back a core.Version made by objectsFormatVersion.
// It reports false for anything else, and for the zero version, which genlock
// reserves for "no record".
func objectsParseVersion(s core.Version) (string, bool) {
	return string(s), s != ""
}
`,
	},
	{
		name: "tableVersion", shape: "structver", spec: ".Bucket",
		fragment: (*emitter).versionFuncs,
		reason:   "versions without a string form are numbered in a bounded process-wide table",
		want: `
// bucketVersions numbers the versions of Bucket seen by the locks in this
// process, which have no string form of their own: each distinct version gets
// a number the first time it is seen and keeps it while it stays among the
// 1024 most recently used.
var bucketVersions struct {
	sync.Mutex
	clock    uint64 // counts uses; a new number is the clock's value
	ids      map[Generation]core.Version
	versions map[core.Version]Generation
	used     map[core.Version]uint64
}

// bucketFormatVersion writes a version of Bucket as a core.Version.
func bucketFormatVersion(v Generation) core.Version {
	bucketVersions.Lock()
	defer bucketVersions.Unlock()
	bucketVersions.clock++
	if bucketVersions.ids == nil {
		bucketVersions.ids = make(map[Generation]core.Version)
		bucketVersions.versions = make(map[core.Version]Generation)
		bucketVersions.used = make(map[core.Version]uint64)
	}
	id, ok := bucketVersions.ids[v]
	if !ok {
		id = core.Version("v" + strconv.FormatUint(bucketVersions.clock, 10))
		bucketVersions.ids[v] = id
		bucketVersions.versions[id] = v
	}
	bucketVersions.used[id] = bucketVersions.clock
	for len(bucketVersions.ids) > 1024 {
		oldest := id
		for k, at := range bucketVersions.used {
			if at < bucketVersions.used[oldest] {
				oldest = k
			}
		}
		delete(bucketVersions.ids, bucketVersions.versions[oldest])
		delete(bucketVersions.versions, oldest)
		delete(bucketVersions.used, oldest)
	}
	return id
}

// bucketParseVersion reads back a core.Version made by bucketFormatVersion. It
// reports false for anything else, and for the zero version, which genlock
// reserves for "no record".
func bucketParseVersion(s core.Version) (Generation, bool) {
	bucketVersions.Lock()
	defer bucketVersions.Unlock()
	v, ok := bucketVersions.versions[s]
	if ok {
		bucketVersions.clock++
		bucketVersions.used[s] = bucketVersions.clock
	}
	return v, ok && v != (Generation{})
}
`,
	},
	{
		name: "memoryType", shape: "int64ver", spec: ".Store",
		fragment: (*emitter).memoryType,
		reason:   "one mutex over a map, and a counter that never repeats a version",
		want: `
// MemoryStore is an in-memory implementation of Store for tests: a map from
// keys to values, each stored with a version that changes on every write,
// under compare-and-swap. Create-if-absent is Store.Create; Store.Update from
// the zero version does it too. It is safe for concurrent use. Make one with
// NewMemoryStore.
type MemoryStore struct {
	mu      sync.Mutex
	last    uint64 // the number of the last version handed out
	records map[string]memoryStoreRecord
}
`,
	},
	{
		name: "memoryMethod get found", shape: "boolresult", spec: ".KV",
		fragment: func(e *emitter) jen.Code { return e.memoryMethod(e.m.get) },
		reason:   "a missing key answers found false with a nil error; values are copied out",
		want: `
// Read returns the value stored under key and its version.
func (m *MemoryKV) Read(ctx context.Context, key string) ([]byte, int32, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, ok := m.records[key]
	if !ok {
		return nil, 0, false, nil
	}
	return append([]byte(nil), rec.value...), rec.version, true, nil
}
`,
	},
	{
		name: "memoryMethod create struct version", shape: "structver", spec: ".Bucket",
		fragment: func(e *emitter) jen.Code { return e.memoryMethod(e.m.create) },
		reason:   "a struct version gets the counter in its first countable field",
		want: `
// Insert stores value under key if the key holds nothing.
func (m *MemoryBucket) Insert(ctx context.Context, key string, value []byte) (Generation, error) {
	if err := ctx.Err(); err != nil {
		return Generation{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.records[key]; ok {
		return Generation{}, ErrPrecondition
	}
	m.last++
	var version Generation
	version.Gen = int64(m.last)
	m.records[key] = memoryBucketRecord{
		value:   append([]byte(nil), value...),
		version: version,
	}
	return version, nil
}
`,
	},
	{
		name: "memoryMethod update string", shape: "etag", spec: ".Objects",
		fragment: func(e *emitter) jen.Code { return e.memoryMethod(e.m.update) },
		reason:   "compare-and-swap, and create-if-absent from the zero version",
		want: `
// Replace replaces the value under key if it is at version old; from the zero
// version, it stores value if the key holds nothing.
func (m *MemoryObjects) Replace(ctx context.Context, key []byte, value []byte, old string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, ok := m.records[string(key)]
	if (ok && rec.version != old) || (!ok && old != "") {
		return "", ErrPreconditionFailed
	}
	m.last++
	version := strconv.FormatUint(m.last, 10)
	m.records[string(key)] = memoryObjectsRecord{
		value:   append([]byte(nil), value...),
		version: version,
	}
	return version, nil
}
`,
	},
	{
		name: "memoryOther", shape: "options", spec: ".Client",
		fragment: func(e *emitter) jen.Code { return e.memoryOther(e.m.others[1]) },
		reason:   "a method without a role answers errors.ErrUnsupported",
		want: `
// Delete has no role in a lock, so MemoryClient does not implement it: it
// returns zero values and an error wrapping errors.ErrUnsupported.
func (m *MemoryClient) Delete(_ context.Context, _ string, _ ...Option) error {
	return fmt.Errorf("MemoryClient.Delete: %w", errors.ErrUnsupported)
}
`,
	},
	{
		name: "testFunc", shape: "etag", spec: ".Objects",
		fragment: func(e *emitter) jen.Code { return e.testFunc(jen.Id(e.m.names.NewMemory).Call(), e.keyLiteral()) },
		reason:   "every opener call is a new candidate on the same store",
		want: `
// TestObjectsLock runs the core/locktest conformance suite on ObjectsLock:
// each case gets a new store, and each candidate a new lock on it.
func TestObjectsLock(t *testing.T) {
	locktest.Run(t, func(t *testing.T) func() core.Lock {
		s := NewMemoryObjects()
		var n atomic.Int64
		return func() core.Lock {
			return NewObjectsLock(s, []byte("lock"), "candidate-"+strconv.FormatInt(n.Add(1), 10))
		}
	})
}
`,
	},
}
