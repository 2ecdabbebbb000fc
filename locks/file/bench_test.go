package file

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/leaderelection/leaderelection/core"
)

// benchDirs are the directories the benchmarks run in: the test's temp
// directory (a disk, usually) and /dev/shm (tmpfs, like /run/lock on most
// systems) when there is one. Each run of a sub-benchmark takes a fresh
// directory in one of them with dir.
func benchDirs(b *testing.B) map[string]string {
	dirs := map[string]string{"tempdir": b.TempDir()}
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if d, err := os.MkdirTemp("/dev/shm", "file-bench-"); err == nil {
			b.Cleanup(func() { os.RemoveAll(d) })
			dirs["shm"] = d
		}
	}
	return dirs
}

// dir returns a fresh directory under parent.
func dir(b *testing.B, parent string) string {
	d, err := os.MkdirTemp(parent, "run-")
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkRenew is one renewal by the leader: Update of its own record in
// the same term (no fsync). Compare with BenchmarkSyscalls, the bare
// system calls a renewal needs, in the same run.
func BenchmarkRenew(b *testing.B) {
	for name, parent := range benchDirs(b) {
		b.Run(name, func(b *testing.B) {
			l, err := New(filepath.Join(dir(b, parent), "renew.lease"), "a")
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			ctx := b.Context()
			r := record("a", 1, 1)
			v, err := l.Create(ctx, r)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				r.Seq++
				if v, err = l.Update(ctx, r, v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGet is one read of the record, a follower's poll.
func BenchmarkGet(b *testing.B) {
	for name, parent := range benchDirs(b) {
		b.Run(name, func(b *testing.B) {
			l, err := New(filepath.Join(dir(b, parent), "get.lease"), "b")
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			if _, err := l.Create(b.Context(), record("a", 1, 1)); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := l.Get(b.Context()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSyscalls is the floor under BenchmarkRenew, done by hand: open
// and flock a lock file, read the record, write the next one to a temp
// file, rename it over the record, close the lock file.
func BenchmarkSyscalls(b *testing.B) {
	for name, parent := range benchDirs(b) {
		b.Run(name, func(b *testing.B) {
			path := filepath.Join(dir(b, parent), "bare.lease")
			data := core.AppendRecord(nil, record("a", 1, 1))
			if err := os.WriteFile(path, data, 0o644); err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, 4096)
			b.ReportAllocs()
			for b.Loop() {
				lf, err := os.OpenFile(path+".lock", os.O_RDONLY|os.O_CREATE, 0o644)
				if err != nil {
					b.Fatal(err)
				}
				if err := lockWait(lf); err != nil {
					b.Fatal(err)
				}
				rf, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := rf.Read(buf); err != nil {
					b.Fatal(err)
				}
				rf.Close()
				tf, err := os.OpenFile(path+".tmp", os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := tf.Write(data); err != nil {
					b.Fatal(err)
				}
				tf.Close()
				if err := os.Rename(path+".tmp", path); err != nil {
					b.Fatal(err)
				}
				unlockClose(lf)
			}
		})
	}
}
