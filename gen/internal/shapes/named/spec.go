// Package named is a genlock spec shape: a named version type, named key
// and value types, no context, and no create role (an update from the
// zero revision creates).
package named

import "errors"

//go:generate go run github.com/leaderelection/leaderelection/cmd/genlock -spec .Registry

// Revision numbers the writes of a key.
type Revision uint64

// Path names an entry.
type Path string

// Blob is an entry's content.
type Blob string

// Registry is a store of entries without contexts, whose Swap from
// revision 0 creates an entry that does not exist.
type Registry interface {
	Lookup(path Path) (Blob, Revision, error)
	Swap(path Path, content Blob, old Revision) (Revision, error)
}

// ErrMissing and ErrStale are what a Registry returns.
var (
	ErrMissing = errors.New("named: missing") //genlock:notfound
	ErrStale   = errors.New("named: stale")   //genlock:conflict
)
