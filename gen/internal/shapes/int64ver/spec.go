// Package int64ver is a genlock spec shape: int64 revisions, roles by
// method name, sentinel errors.
package int64ver

import (
	"context"
	"errors"
)

//go:generate go run github.com/leaderelection/leaderelection/cmd/genlock -spec .Store

// Store is a key-value store with an int64 revision per key.
type Store interface {
	// Get returns the value under key and its revision.
	Get(ctx context.Context, key string) ([]byte, int64, error)
	// Create stores value under key if the key holds nothing.
	Create(ctx context.Context, key string, value []byte) (int64, error)
	// Update replaces the value under key if it is at revision old.
	Update(ctx context.Context, key string, value []byte, old int64) (int64, error)
}

var (
	// ErrNotFound means the key holds nothing.
	//
	//genlock:notfound
	ErrNotFound = errors.New("int64ver: not found")

	// ErrConflict means the key holds a value, or another revision.
	//
	//genlock:conflict
	ErrConflict = errors.New("int64ver: conflict")
)
