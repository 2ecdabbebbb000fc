// Package structver is a genlock spec shape: a struct version type with
// no string form (a generation and a metageneration, as Google Cloud
// Storage has), mapped through the adapter's table.
package structver

import (
	"context"
	"errors"
)

//go:generate go run github.com/leaderelection/leaderelection/cmd/genlock -spec .Bucket

// Generation is an object's version.
type Generation struct {
	Gen     int64
	MetaGen int64
}

// Bucket is an object store with generation preconditions.
type Bucket interface {
	Get(ctx context.Context, name string) ([]byte, Generation, error)
	Insert(ctx context.Context, name string, data []byte) (Generation, error)
	Update(ctx context.Context, name string, data []byte, ifGeneration Generation) (Generation, error)
}

var (
	ErrObjectNotExist = errors.New("structver: object does not exist") //genlock:notfound
	ErrPrecondition   = errors.New("structver: precondition failed")   //genlock:conflict
)
