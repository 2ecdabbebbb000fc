package core

import "errors"

// Sentinel errors. Lock implementations map their backend's failures onto
// these, so nothing above a Lock ever sees a backend's error types. Check
// them with errors.Is; adapters wrap them with %w to add context.
var (
	// ErrNotFound is returned by Lock.Get when no record exists yet.
	ErrNotFound = errors.New("core: lock record not found")

	// ErrConflict is returned by Lock.Create when a record already exists,
	// and by Lock.Update when the record is no longer at the given version:
	// someone else wrote first.
	ErrConflict = errors.New("core: lock record changed (conflict)")

	// ErrInvalidConfig is wrapped by every validation error of Config.
	ErrInvalidConfig = errors.New("core: invalid config")

	// ErrInvalidRecord is wrapped by every error of ParseRecord.
	ErrInvalidRecord = errors.New("core: invalid record")
)
