package httplock

import (
	"context"
	"strconv"
	"testing"

	"github.com/leaderelection/leaderelection/core"
	"github.com/leaderelection/leaderelection/core/locktest"
)

// conformance runs core/locktest on locks at base+NAME, a new NAME per
// store; each handle is a new Lock with its own identity.
func conformance(t *testing.T, base string, opts locktest.Options, lockOpts ...Option) {
	next := names("conformance-")
	locktest.RunWithOptions(t, func(t *testing.T) func() core.Lock {
		url := base + next()
		n := 0
		return func() core.Lock {
			n++
			return newLock(t, url, "candidate-"+strconv.Itoa(n), lockOpts...)
		}
	}, opts)
}

// TestConformance runs core/locktest against the reference server in
// memory; every handle probes the store before its first write.
func TestConformance(t *testing.T) {
	srv := newRefServer(t, ServerConfig{})
	conformance(t, srv.url(""), locktest.Options{})
}

// TestConformancePersistent runs core/locktest against the reference
// server with a data directory (every write fsynced), with fewer rounds.
func TestConformancePersistent(t *testing.T) {
	srv := newRefServer(t, ServerConfig{DataDir: t.TempDir(), Tokens: []string{"s3cret"}})
	conformance(t, srv.url("p/"), locktest.Options{Rounds: 10, Writes: 30}, WithToken("s3cret"))
}

// TestConformanceS3Like runs core/locktest against a store that behaves
// as S3 does (content-hash ETags, 404 on If-Match of a missing key, no
// long-poll; the watch checks are off since such a store cannot watch).
func TestConformanceS3Like(t *testing.T) {
	f := s3Like()
	base := serve(t, f) + "/bucket/"
	next := names("s3-")
	locktest.RunWithOptions(t, func(t *testing.T) func() core.Lock {
		url := base + next()
		n := 0
		return func() core.Lock {
			n++
			return plainLock{newLock(t, url, "candidate-"+strconv.Itoa(n))}
		}
	}, locktest.Options{Rounds: 10})
}

// TestConformanceNoPutETag runs core/locktest against a store that answers
// PUTs without an ETag, as Apache's mod_dav does: the client reads its
// write back.
func TestConformanceNoPutETag(t *testing.T) {
	f := &fakeStore{honourINM: true, honourIfMatch: true, noPutETag: true}
	base := serve(t, f) + "/dav/"
	next := names("dav-")
	locktest.RunWithOptions(t, func(t *testing.T) func() core.Lock {
		url := base + next()
		n := 0
		return func() core.Lock {
			n++
			return plainLock{newLock(t, url, "candidate-"+strconv.Itoa(n))}
		}
	}, locktest.Options{Rounds: 10})
}

// plainLock hides the Watcher of a Lock on a store that cannot long-poll:
// its watch never fires there (see Watch), which the suite would count as
// a failure.
type plainLock struct{ l *Lock }

func (p plainLock) Get(ctx context.Context) (core.Record, core.Version, error) { return p.l.Get(ctx) }
func (p plainLock) Create(ctx context.Context, r core.Record) (core.Version, error) {
	return p.l.Create(ctx, r)
}
func (p plainLock) Update(ctx context.Context, r core.Record, v core.Version) (core.Version, error) {
	return p.l.Update(ctx, r, v)
}
func (p plainLock) Identity() string { return p.l.Identity() }
func (p plainLock) Describe() string { return p.l.Describe() }
