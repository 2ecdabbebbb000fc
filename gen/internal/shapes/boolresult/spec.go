// Package boolresult is a genlock spec shape: not-found and conflict as
// bool results, results in a client library's order, the expected version
// before the value, and int32 versions.
package boolresult

import "context"

//go:generate go run github.com/leaderelection/leaderelection/cmd/genlock -spec .KV

// KV is a key-value store in the manner of ZooKeeper: int32 versions, and
// bool results instead of sentinel errors.
type KV interface {
	// Read returns the value, its version, and whether the key exists.
	Read(ctx context.Context, key string) (value []byte, version int32, found bool, err error)
	// PutIfAbsent reports ok false when the key exists.
	PutIfAbsent(ctx context.Context, key string, value []byte) (ok bool, version int32, err error)
	// CompareAndSwap takes the expected version first, and reports ok
	// false when the version moved.
	CompareAndSwap(ctx context.Context, key string, expected int32, value []byte) (version int32, ok bool, err error)
	// Close has no role.
	Close() error
}
