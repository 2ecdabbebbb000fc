package file

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// liveWait bounds how long a write waits for this identity's liveness
// lock. Watchers of other candidates hold it for a few microseconds; a
// longer wait means another process runs with the same identity.
const liveWait = 2 * time.Second

// maxPlainIdentity is the longest identity used as is in a file name.
const maxPlainIdentity = 64

// livePathFor is the liveness lock file of identity: path + ".live." and
// the identity when it is short and made of lowercase letters, digits, '.',
// '_' and '-' only, otherwise '~' and a hash of it (so that any identity
// gives one file name, the same on case-insensitive file systems).
func livePathFor(path, identity string) string {
	plain := len(identity) <= maxPlainIdentity
	for i := 0; plain && i < len(identity); i++ {
		c := identity[i]
		plain = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
	}
	if plain {
		return path + ".live." + identity
	}
	sum := sha256.Sum256([]byte(identity))
	return path + ".live.~" + hex.EncodeToString(sum[:12])
}

// holdLive makes sure this Lock holds its liveness lock, and that the file
// it holds is still the one at livePath (someone may have deleted it). It
// is called during a write, under the lock of the version written from,
// before a record naming this identity becomes visible.
func (l *Lock) holdLive(ctx context.Context) error {
	l.mu.Lock()
	old, info := l.live, l.liveInfo
	l.mu.Unlock()
	if old != nil {
		if cur, err := os.Stat(l.livePath); err == nil && os.SameFile(cur, info) {
			return nil
		}
		// Someone deleted or replaced the file: take the one at the path
		// now, and only then let go of the old one, so that the record
		// naming this identity is never current while neither is held.
	}
	wctx, cancel := context.WithTimeout(ctx, liveWait)
	defer cancel()
	f, err := l.liveG.openLocked(wctx, l.livePath, l.mode, true)
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("file: %s: the liveness lock %s stayed held for %v: is another candidate running as %q? %w",
				l.path, l.livePath, liveWait, l.identity, ErrIdentityInUse)
		}
		return describe("file: "+l.path+": taking the liveness lock", err)
	}
	info, err = f.Stat()
	if err != nil {
		unlockClose(f)
		return describe("file: "+l.path+": taking the liveness lock", err)
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		unlockClose(f)
		if old != nil {
			unlockClose(old)
		}
		return fmt.Errorf("file: %s: %w", l.path, ErrClosed)
	}
	l.live, l.liveInfo = f, info
	l.mu.Unlock()
	if old != nil {
		unlockClose(old)
	}
	return nil
}

// dropLive lets go of the liveness lock, if held. It is called during a
// write, once the record no longer names this identity. The
// file is deleted before the lock is let go, so that the directory keeps no
// file per past identity; a watcher that then takes the lock of the deleted
// file sees that it is no longer the file at livePath and concludes
// nothing from it.
func (l *Lock) dropLive() {
	l.mu.Lock()
	f, info := l.live, l.liveInfo
	l.live, l.liveInfo = nil, nil
	l.mu.Unlock()
	if f == nil {
		return
	}
	if cur, err := os.Stat(l.livePath); err == nil && os.SameFile(cur, info) {
		os.Remove(l.livePath) // best effort: fails on Windows, harmlessly
	}
	unlockClose(f)
}

// settleLive lets go of the liveness lock when the current record, read
// during this write (between startWrite and endWrite), names another
// holder (holder is "" when there is no record): this candidate lost the
// lease, and holding the lock would only keep a file open. No write of this
// Lock can make the record name it meanwhile, since writes are one at a
// time.
func (l *Lock) settleLive(holder string) {
	if holder != l.identity {
		l.dropLive()
	}
}

// loseLive lets go of the liveness lock, if held, after a read outside a
// write saw a record that does not name this identity: it reads again
// between startWrite and endWrite, and lets go if that still holds.
func (l *Lock) loseLive(ctx context.Context) {
	l.mu.Lock()
	held := l.live != nil
	l.mu.Unlock()
	if !held || l.startWrite(ctx, "update") != nil {
		return
	}
	defer l.endWrite()
	st, err := l.load()
	switch {
	case errors.Is(err, core.ErrNotFound):
		l.dropLive()
	case err == nil:
		l.settleLive(st.rec.HolderIdentity)
	}
}

// sweepLive deletes the liveness file of a holder that a write just
// replaced, when nobody holds it: the holder died without letting go of
// it. It never waits. It is safe at any time after the record stopped
// naming that holder: a watcher blocked on the deleted file sees it is
// stale, and the holder, should it come back, creates the file again.
func sweepLive(path string) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	ok, err := tryLock(f)
	if err != nil || !ok {
		f.Close()
		return
	}
	if same, _ := sameFile(f, path); same {
		os.Remove(path)
	}
	unlockClose(f)
}
