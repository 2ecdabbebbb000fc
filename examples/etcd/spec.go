package main

import "context"

//go:generate go run github.com/leaderelection/leaderelection/cmd/genlock -spec .KV

// KV is what the election needs from etcd, as genlock reads it: a read
// that returns the value with its mod_revision, a put that succeeds only
// when the key does not exist (create_revision 0), and a put that succeeds
// only when the key is still at a mod_revision. Client implements it over
// etcd's v3 JSON gateway; genlock generates KVLock (kv_lock.go), a
// core.Lock on one key of a KV, from this interface.
type KV interface {
	// Range reads key: its value and mod_revision, and found false when
	// the key does not exist.
	//
	//genlock:get
	Range(ctx context.Context, key string) (value []byte, modRevision int64, found bool, err error)

	// PutIfAbsent stores value under key if the key does not exist, and
	// returns the new mod_revision; ok is false when the key exists.
	PutIfAbsent(ctx context.Context, key string, value []byte) (modRevision int64, ok bool, err error)

	// PutIfModRevision stores value under key if the key is still at
	// modRevision, and returns the new mod_revision; ok is false when it
	// is not (or the key is gone).
	//
	//genlock:update
	PutIfModRevision(ctx context.Context, key string, value []byte, modRevision int64) (newRevision int64, ok bool, err error)
}
