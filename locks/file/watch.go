package file

import (
	"sync/atomic"

	"github.com/leaderelection/leaderelection/core"
)

// States of a watch.
const (
	watchArmed int32 = iota // fn may still be called
	watchDone               // fn was called, or the watch was cancelled
)

// watch is one call of Watch.
type watch struct {
	v     core.Version
	fn    func(core.WatchEvent)
	state atomic.Int32

	// Guarded by Lock.mu: the holder named in the record at v and the
	// liveness file whose prober the watch waits on ("" for none).
	holder string
	live   string
}

// fire calls fn with e unless the watch already fired or was cancelled.
func (w *watch) fire(e core.WatchEvent) {
	if w.state.CompareAndSwap(watchArmed, watchDone) {
		w.fn(e)
	}
}

// watchState is what a Lock keeps for its watches, guarded by Lock.mu.
type watchState struct {
	subs    map[*watch]struct{} // armed watches
	note    *notifier           // change notifier, running while subs is not empty
	probers map[string]bool     // liveness files that have a prober goroutine
}

// stopAll ends every watch and stops the notifier. It returns the watches
// that were armed.
func (s *watchState) stopAll() []*watch {
	ws := make([]*watch, 0, len(s.subs))
	for w := range s.subs {
		ws = append(ws, w)
	}
	clear(s.subs)
	s.stopNotifier()
	return ws
}

// stopNotifier stops the change notifier when no watch needs it. The
// descriptor is closed on a goroutine of its own: closing an inotify
// descriptor waits for an RCU grace period in the kernel (milliseconds),
// which must not delay the watches that fire now.
func (s *watchState) stopNotifier() {
	if len(s.subs) == 0 && s.note != nil {
		go s.note.close()
		s.note = nil
	}
}

// Watch arranges for fn to be called once, from another goroutine, when
// the record is no longer at version v (WatchChanged) or when the holder
// named in the record at v is gone (WatchHolderGone). It returns at once.
//
// Changes are seen through the operating system's notification of changes
// in the directory (inotify, kqueue, ReadDirectoryChangesW); where there is
// none, only the holder's death is reported, and the election's polling
// sees the rest. The holder's death is seen by blocking on its liveness
// lock: the kernel grants it when the holder's process ends. See the
// package documentation for why this is safe and what it costs.
func (l *Lock) Watch(v core.Version, fn func(core.WatchEvent)) (cancel func()) {
	w := &watch{v: v, fn: fn}
	go l.startWatch(w)
	return func() {
		w.state.Store(watchDone)
		l.mu.Lock()
		delete(l.watches.subs, w)
		l.watches.stopNotifier()
		l.mu.Unlock()
	}
}

// startWatch arms the change notifier, then reads the record: a change
// after the read is therefore seen. When the record is still at v and names
// another holder, it waits on that holder's liveness lock, itself or
// through the prober already waiting on it.
func (l *Lock) startWatch(w *watch) {
	l.mu.Lock()
	if l.closed || w.state.Load() != watchArmed {
		l.mu.Unlock()
		return
	}
	if l.watches.subs == nil {
		l.watches.subs = make(map[*watch]struct{})
		l.watches.probers = make(map[string]bool)
	}
	l.watches.subs[w] = struct{}{}
	if l.watches.note == nil {
		if n, err := newNotifier(l.dir, l.base); err == nil {
			l.watches.note = n
			go l.notifyLoop(n)
		}
	}
	l.mu.Unlock()

	st, err := l.load()
	if err != nil || st.version != w.v {
		l.settle(st, err, "", false)
		return
	}
	h := st.rec.HolderIdentity
	if h == "" || h == l.identity {
		return // nobody else's liveness to wait for: only changes matter
	}
	lp := livePathFor(l.path, h)
	l.mu.Lock()
	if _, ok := l.watches.subs[w]; !ok {
		l.mu.Unlock()
		return
	}
	w.holder, w.live = h, lp
	running := l.watches.probers[lp]
	l.watches.probers[lp] = true
	hook := l.testProbing
	l.mu.Unlock()
	if hook != nil {
		hook <- running
	}
	if !running {
		l.probe(lp)
	}
}

// notifyLoop re-reads the record after each change notification and fires
// the watches whose version is gone.
func (l *Lock) notifyLoop(n *notifier) {
	for {
		if err := n.wait(); err != nil {
			l.mu.Lock()
			if l.watches.note == n {
				l.watches.note = nil
			}
			l.mu.Unlock()
			n.close()
			return
		}
		st, err := l.load()
		l.settle(st, err, "", false)
	}
}

// probe waits on the liveness lock at lp for the watches attached to it.
// It blocks in the kernel (flock or LockFileEx); nothing polls. Once it
// holds the lock, it checks that the file is still the one at lp and reads
// the record while still holding it, so that no new record naming the
// holder can be written meanwhile: then a record still at the watched
// version means its holder does not hold its liveness lock, so its process
// is gone. A blocked probe cannot be interrupted; later watches on the same
// file join it instead of starting another, and it returns once no watch
// is attached to it.
func (l *Lock) probe(lp string) {
	l.probes.Add(1)
	for range maxReopen {
		f, err := openRead(lp)
		if err != nil {
			break // no liveness file (deleted, or never made): nothing to learn
		}
		if err := lockWait(f); err != nil {
			f.Close()
			break
		}
		same, _ := sameFile(f, lp)
		st, rerr := l.load()
		unlockClose(f)
		if l.settle(st, rerr, lp, same) {
			return
		}
		// The file was deleted or replaced while we waited: wait on the
		// one there now, if any.
	}
	l.mu.Lock()
	for w := range l.watches.subs {
		if w.live == lp {
			w.live = "" // stays armed for changes
		}
	}
	delete(l.watches.probers, lp)
	l.mu.Unlock()
}

// settle fires the watches that st (read as the result err) decides: a
// record no longer at a watch's version gives WatchChanged; when gone is
// true, a record still at the version of a watch attached to the prober of
// lp, naming the same holder, gives WatchHolderGone. For a prober (lp not
// ""), it reports whether no watch is attached any more, in which case the
// prober must return.
func (l *Lock) settle(st state, err error, lp string, gone bool) (exit bool) {
	type firing struct {
		w *watch
		e core.WatchEvent
	}
	var fire []firing
	l.mu.Lock()
	for w := range l.watches.subs {
		var e core.WatchEvent
		switch {
		case err != nil || st.version != w.v:
			e = core.WatchChanged
		case gone && lp != "" && w.live == lp && st.rec.HolderIdentity == w.holder:
			e = core.WatchHolderGone
		default:
			continue
		}
		delete(l.watches.subs, w)
		fire = append(fire, firing{w, e})
	}
	if lp != "" {
		exit = true
		for w := range l.watches.subs {
			if w.live == lp {
				exit = false
				break
			}
		}
		if exit {
			delete(l.watches.probers, lp)
		}
	}
	l.watches.stopNotifier()
	l.mu.Unlock()
	for _, f := range fire {
		f.w.fire(f.e)
	}
	return exit
}
