package file

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// pending is a record written to a temp file of its own, not yet renamed
// over the record file.
type pending struct {
	tmp     string // the temp file; "" once renamed or removed
	version core.Version
	inc     string // incarnation and write number of version
	n       uint64
	durable bool // the temp file was fsynced; the directory must be too
	mine    bool // the record names this Lock's identity
}

// prepare writes r as incarnation inc, write n, to a new temp file in the
// record's directory, fsynced when durable. This happens before the sidecar
// lock is taken, so that the lock is held only to read, compare and rename:
// a candidate stopped (SIGSTOP) while it holds the lock stalls the others'
// writes, and the shorter that window, the rarer this is.
func (l *Lock) prepare(r core.Record, inc string, n uint64, durable bool) (pending, error) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := encode((*bp)[:0], r, inc, n)
	*bp = buf[:0]
	if len(buf) > core.MaxRecordSize {
		return pending{}, fmt.Errorf("file: %s: the encoded record is %d bytes, more than core.MaxRecordSize", l.path, len(buf))
	}
	w := pending{
		tmp:     l.tmpBase + strconv.FormatUint(l.tmpSeq.Add(1), 10),
		version: versionOf(buf, inc, n),
		inc:     inc,
		n:       n,
		durable: durable,
		mine:    r.HolderIdentity == l.identity,
	}
	f, err := os.OpenFile(w.tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, l.mode)
	if err != nil {
		return pending{}, describe("file: "+l.path+": writing the record", err)
	}
	err = f.Chmod(l.mode) // exactly the mode asked for, whatever the umask
	if err == nil {
		_, err = writeFile(f, buf)
	}
	if err == nil && durable {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr // NFS reports some write errors only here
	}
	if err != nil {
		os.Remove(w.tmp)
		return pending{}, describe("file: "+l.path+": writing the record", err)
	}
	return w, nil
}

// discard removes the temp file of a write that did not happen.
func (w *pending) discard() {
	if w.tmp != "" {
		os.Remove(w.tmp)
		w.tmp = ""
	}
}

// commit renames the prepared record over the record file if the record is
// still at version want ("" for Create: if there is none).
//
// It holds the lock file of version want meanwhile: PATH.lock.WANT, or
// PATH.lock for a Create. Writers from the same version exclude each other;
// a writer from another version finds, under its lock, that the record is
// not at its version and gives up. So a writer stopped (SIGSTOP) after its
// rename, still holding the lock of a version that is now past, blocks
// nobody: the next writers lock the next version's file. Only a writer
// stopped between its check and its rename (a few microseconds) stalls
// the writers from the same version until it resumes or dies, which is
// what a compare-and-swap must do. A past version's lock file is deleted,
// by the winner and by anyone else who locks it: it can never be needed
// again, since versions never repeat.
//
// Before a record naming this identity becomes visible, the liveness lock
// is held; after one that does not, it is let go. A durable write syncs the
// directory before commit returns.
func (l *Lock) commit(ctx context.Context, w *pending, want core.Version) (core.Version, error) {
	defer w.discard()
	op := "update"
	if want == "" {
		op = "create"
	}
	if err := l.startWrite(ctx, op); err != nil {
		return "", err
	}
	defer l.endWrite()
	unlock, err := l.lockFor(ctx, want)
	if err != nil {
		return "", err
	}
	past := func() { // the version's lock file is garbage once it is past
		unlock()
		if want != "" {
			os.Remove(l.lockPath + "." + string(want))
		}
	}
	cur, err := l.load()
	switch {
	case want == "" && errors.Is(err, core.ErrNotFound):
	case errors.Is(err, core.ErrNotFound):
		l.settleLive("")
		past()
		return "", fmt.Errorf("file: update %s: the record was deleted: %w", l.path, core.ErrConflict)
	case err != nil:
		unlock()
		return "", err
	case want == "":
		l.settleLive(cur.rec.HolderIdentity)
		unlock()
		return "", fmt.Errorf("file: create %s: a record exists: %w", l.path, core.ErrConflict)
	case cur.version != want:
		l.settleLive(cur.rec.HolderIdentity)
		past()
		return "", fmt.Errorf("file: update %s: at version %s, not %s: %w", l.path, cur.version, want, core.ErrConflict)
	}
	if err := l.check(ctx, op); err != nil {
		unlock()
		return "", err
	}
	if w.mine {
		if err := l.holdLive(ctx); err != nil {
			unlock()
			return "", err
		}
	}
	if want == "" {
		// No record, and PATH.lock held: every version lock file left by
		// a crash is past, and no other Create can start an incarnation.
		l.sweep(func(string, uint64) bool { return true })
	}
	if err := os.Rename(w.tmp, l.path); err != nil {
		unlock()
		return "", describe("file: "+l.path+": writing the record", err)
	}
	w.tmp = ""
	if !w.mine {
		l.dropLive()
	}
	past()
	if w.durable {
		if err := syncDir(l.dir); err != nil {
			return "", describe("file: "+l.path+": the record was written, but its directory could not be synced", err)
		}
		l.syncs.Add(1)
		if want != "" {
			// A new term: rare enough to clean up what crashes left of
			// this incarnation's earlier versions, off the caller's path.
			inc, n := w.inc, w.n
			l.sweeping.Go(func() { l.sweep(func(i string, k uint64) bool { return i == inc && k < n }) })
		}
	}
	return w.version, nil
}

// staleTemp is the age after which a temp file is taken for one that a
// crashed writer left.
const staleTemp = time.Minute

// sweep deletes the version lock files that past says are past (by the
// incarnation and write number of their version), and temp files older
// than staleTemp. It is best effort.
func (l *Lock) sweep(past func(inc string, n uint64) bool) {
	d, err := os.Open(l.dir)
	if err != nil {
		return
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	lockPrefix, tmpPrefix := l.base+".lock.", l.base+".tmp."
	for _, name := range names {
		switch {
		case strings.HasPrefix(name, lockPrefix):
			v := name[len(lockPrefix):]
			inc, rest, ok := strings.Cut(v, ".")
			n, _, _ := strings.Cut(rest, ".")
			k, err := strconv.ParseUint(n, 10, 64)
			if ok && err == nil && past(inc, k) || !ok && past("", 0) {
				os.Remove(filepath.Join(l.dir, name))
			}
		case strings.HasPrefix(name, tmpPrefix):
			p := filepath.Join(l.dir, name)
			if fi, err := os.Stat(p); err == nil && time.Since(fi.ModTime()) > staleTemp {
				os.Remove(p)
			}
		}
	}
}
