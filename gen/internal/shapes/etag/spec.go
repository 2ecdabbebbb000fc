// Package etag is a genlock spec shape: string ETags as versions, []byte
// keys, roles by //genlock: comments on methods whose names say nothing,
// and sentinel errors.
package etag

import (
	"context"
	"errors"
)

//go:generate go run github.com/leaderelection/leaderelection/cmd/genlock -spec .Objects

// Objects is an object store with HTTP-like conditional writes.
type Objects interface {
	// Head is not a role: MemoryObjects stubs it.
	Head(ctx context.Context, key []byte) (size int64, err error)

	// Download returns the object's body and its ETag.
	//
	//genlock:get
	Download(ctx context.Context, key []byte) (body []byte, etag string, err error)

	// Upload stores body under key if nothing is there (If-None-Match: *).
	//
	//genlock:create
	Upload(ctx context.Context, key []byte, body []byte) (etag string, err error)

	// Replace stores body under key if its ETag is still ifMatch.
	Replace(ctx context.Context, key []byte, body []byte, ifMatch string) (etag string, err error)
}

// Errors the object store returns, as a client library would.
var (
	errNoSuchKey    = errors.New("etag: no such key")
	errPrecondition = errors.New("etag: precondition failed")
)

// The sentinels genlock maps: variables of ours holding the library's
// errors.
var (
	//genlock:notfound
	ErrNoSuchKey = errNoSuchKey

	ErrPreconditionFailed = errPrecondition //genlock:conflict
)
