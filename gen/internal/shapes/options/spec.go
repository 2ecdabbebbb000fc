// Package options is a genlock spec shape: sentinel errors, and option
// parameters after the role's own (a struct pointer, a duration, a
// variadic list), which the adapter passes as zero values.
package options

import (
	"context"
	"errors"
	"time"
)

//go:generate go run github.com/leaderelection/leaderelection/cmd/genlock -spec .Client

// Option tunes one call.
type Option func(*settings)

type settings struct{ consistent bool }

// ReadOptions tunes a read.
type ReadOptions struct {
	Consistent bool
}

// Client is a store client whose calls take options.
type Client interface {
	Get(ctx context.Context, key string, opts *ReadOptions, more ...Option) ([]byte, int64, error)
	Create(ctx context.Context, key string, value []byte, ttl time.Duration, opts ...Option) (int64, error)
	Update(ctx context.Context, key string, value []byte, old int64, ttl time.Duration, opts ...Option) (int64, error)
	// Delete is not a role; the name matches none.
	Delete(ctx context.Context, key string, opts ...Option) error
	// Add would take the create role by its name: it is told not to.
	//
	//genlock:ignore
	Add(ctx context.Context, key string, delta int64) (int64, error)
}

var (
	// ErrKeyNotFound is returned by Get.
	//
	//genlock:notfound
	ErrKeyNotFound = errors.New("options: key not found")

	// ErrVersionMismatch and ErrKeyExists are returned by Update and
	// Create.
	//
	//genlock:conflict
	ErrVersionMismatch = errors.New("options: version mismatch")

	//genlock:conflict
	ErrKeyExists = errors.New("options: key exists")
)
