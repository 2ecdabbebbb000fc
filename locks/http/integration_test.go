package httplock

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/leaderelection/leaderelection/core"
	"github.com/leaderelection/leaderelection/core/locktest"
)

// Integration tests run against real third-party stores on loopback, which
// scripts/integration-http.sh installs, starts and stops (make
// integration). Each reads the store's base URL from the environment and
// skips, saying why, when it is unset:
//
//	LE_DAV_URL       Apache httpd + mod_dav, FileETag Digest, one prefork worker
//	LE_DAV_WEAK_URL  the same with Apache's default (weak) ETags
//	LE_S3_URL        MinIO, an anonymous bucket (http://127.0.0.1:19000/locks/)

// storeURL returns the base URL in env var, ending in "/", or skips.
func storeURL(t *testing.T, env, what string) string {
	t.Helper()
	u := os.Getenv(env)
	if u == "" {
		t.Skipf("%s is not set: this test needs %s on loopback; scripts/integration-http.sh (make integration) starts it", env, what)
	}
	return strings.TrimSuffix(u, "/") + "/"
}

// runID makes record names unique per test run, so runs never collide on
// a store that keeps its data.
var runID = strconv.FormatUint(rand.Uint64()%1e9, 10)

// integrationConformance probes the store once, then runs core/locktest
// with its default options and the Watcher hidden (these stores cannot
// long-poll; see TestIntegrationWatchFallsBack). Every handle probes the
// store before its first write, as a real candidate does.
func integrationConformance(t *testing.T, base string) {
	ctx := context.Background()
	if err := newLock(t, base+"probe-"+runID, "prober").Probe(ctx); err != nil {
		t.Fatalf("Probe: %v", err)
	}
	next := names("lt-" + runID + "-")
	locktest.RunWithOptions(t, func(t *testing.T) func() core.Lock {
		url := base + next()
		n := 0
		return func() core.Lock {
			n++
			return plainLock{newLock(t, url, "candidate-"+strconv.Itoa(n))}
		}
	}, locktest.Options{})
}

// TestIntegrationDAVConformance runs core/locktest against Apache mod_dav.
func TestIntegrationDAVConformance(t *testing.T) {
	integrationConformance(t, storeURL(t, "LE_DAV_URL", "Apache httpd with mod_dav (scripts/apache-dav.sh)"))
}

// TestIntegrationS3Conformance runs core/locktest against MinIO.
func TestIntegrationS3Conformance(t *testing.T) {
	integrationConformance(t, storeURL(t, "LE_S3_URL", "MinIO (scripts/minio.sh)"))
}

// TestIntegrationDAVWeakETags: the probe refuses Apache with its default,
// weak ETags, and says how to fix it.
func TestIntegrationDAVWeakETags(t *testing.T) {
	base := storeURL(t, "LE_DAV_WEAK_URL", "Apache httpd with mod_dav and default ETags (ETAGS=default scripts/apache-dav.sh)")
	err := newLock(t, base+"weak-"+runID, "a").Probe(context.Background())
	if !errors.Is(err, ErrUntrustedStore) || !strings.Contains(err.Error(), "FileETag Digest") {
		t.Fatalf("Probe of Apache with weak ETags = %v; want ErrUntrustedStore suggesting FileETag Digest", err)
	}
	t.Logf("refused as expected: %v", err)
}

// TestIntegrationWatchFallsBack: on stores that do not long-poll, Watch
// sends one request, never fires, and later watches send nothing; the
// election then polls.
func TestIntegrationWatchFallsBack(t *testing.T) {
	for _, s := range []struct{ env, what string }{
		{"LE_DAV_URL", "Apache httpd with mod_dav"},
		{"LE_S3_URL", "MinIO"},
	} {
		t.Run(s.env, func(t *testing.T) {
			base := storeURL(t, s.env, s.what)
			l := newLock(t, base+"watch-"+runID, "a")
			v, err := l.Create(context.Background(), core.Record{HolderIdentity: "a"})
			if err != nil {
				t.Fatal(err)
			}
			fired, done, _ := watchOn(t, l, v)
			waitFor(t, done, 20*1e9, "watch to end")
			if len(fired) != 0 || !l.noLongPoll.Load() {
				t.Errorf("watch on %s: %d events, long-poll off %v; want no event and long-poll off", s.what, len(fired), l.noLongPoll.Load())
			}
		})
	}
}

// TestIntegrationS3MissingKey: MinIO answers 404 to If-Match on a missing
// key, which Update maps to core.ErrConflict.
func TestIntegrationS3MissingKey(t *testing.T) {
	base := storeURL(t, "LE_S3_URL", "MinIO (scripts/minio.sh)")
	l := newLock(t, base+"missing-"+runID, "a", WithoutProbe())
	_, err := l.Update(context.Background(), core.Record{}, `"d41d8cd98f00b204e9800998ecf8427e"`)
	if !errors.Is(err, core.ErrConflict) || !strings.Contains(err.Error(), "404") {
		t.Errorf("Update of a missing key on MinIO = %v; want ErrConflict from a 404", err)
	}
}
