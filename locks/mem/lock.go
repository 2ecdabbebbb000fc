package mem

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/leaderelection/leaderelection/core"
)

// Lock is one candidate's handle on a Store. It implements core.Lock and
// core.Watcher and is safe for concurrent use.
type Lock struct {
	store    *Store
	identity string
	fault    atomic.Pointer[func(Op) error]
}

var (
	_ core.Lock    = (*Lock)(nil)
	_ core.Watcher = (*Lock)(nil)
)

// SetFault makes the handle consult f before each operation: when f returns
// a non-nil error, the operation returns that error and leaves the store
// untouched. A nil f removes the fault. f may be called from several
// goroutines at once. Faults are per handle, so one candidate can be cut
// off from the store while the others still reach it.
func (l *Lock) SetFault(f func(op Op) error) {
	if f == nil {
		l.fault.Store(nil)
		return
	}
	l.fault.Store(&f)
}

// check fails the operation when ctx is done or the fault function says so.
func (l *Lock) check(ctx context.Context, op Op) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mem: %s: %w", op, err)
	}
	if f := l.fault.Load(); f != nil {
		if err := (*f)(op); err != nil {
			return err
		}
	}
	return nil
}

// Get returns the record and its version, or an error wrapping
// core.ErrNotFound when none exists.
func (l *Lock) Get(ctx context.Context) (core.Record, core.Version, error) {
	if err := l.check(ctx, OpGet); err != nil {
		return core.Record{}, "", err
	}
	s := l.store
	s.mu.Lock()
	r, v, ok := s.rec, s.ver, s.exists
	s.mu.Unlock()
	if !ok {
		return core.Record{}, "", errNotFound
	}
	return r, v, nil
}

// Create stores r when no record exists and returns its version; it
// returns an error wrapping core.ErrConflict when one does. Watches
// registered while the record was absent are called from this goroutine
// before Create returns, outside the store's mutex.
func (l *Lock) Create(ctx context.Context, r core.Record) (core.Version, error) {
	if err := l.check(ctx, OpCreate); err != nil {
		return "", err
	}
	s := l.store
	s.mu.Lock()
	if s.exists {
		s.mu.Unlock()
		return "", errCreateConflict
	}
	v, fire := s.write(r)
	s.mu.Unlock()
	callAll(fire)
	return v, nil
}

// Update replaces the record when it is still at version v and returns the
// new version; it returns an error wrapping core.ErrConflict when the
// record is at another version or absent. Watches are called from this
// goroutine before Update returns, outside the store's mutex.
func (l *Lock) Update(ctx context.Context, r core.Record, v core.Version) (core.Version, error) {
	if err := l.check(ctx, OpUpdate); err != nil {
		return "", err
	}
	s := l.store
	s.mu.Lock()
	if !s.exists || s.ver != v {
		s.mu.Unlock()
		return "", errUpdateConflict
	}
	nv, fire := s.write(r)
	s.mu.Unlock()
	callAll(fire)
	return nv, nil
}

// Identity returns the identity the handle was made with.
func (l *Lock) Identity() string { return l.identity }

// Describe names the store, e.g. "mem:1".
func (l *Lock) Describe() string { return l.store.name }

// Watch calls fn once with core.WatchChanged at the next write (create,
// update or delete) after the record was at version v; the version of an
// absent record is "". It starts no goroutine: the writer calls fn, after
// releasing the store's mutex and before its own call returns, so fn must
// not block for long. When v is already stale, fn runs at once in a new
// goroutine, never inside Watch. The cancel function removes the watch; fn
// may still run once if a write was already calling it.
//
// Faults set with SetFault do not affect watches.
func (l *Lock) Watch(v core.Version, fn func(core.WatchEvent)) (cancel func()) {
	s := l.store
	s.mu.Lock()
	if s.ver != v {
		s.mu.Unlock()
		go fn(core.WatchChanged)
		return func() {}
	}
	if s.watches == nil {
		s.watches = make(map[uint64]watch)
	}
	s.nextID++
	id := s.nextID
	s.watches[id] = watch{fn: fn}
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		delete(s.watches, id)
		s.mu.Unlock()
	}
}
