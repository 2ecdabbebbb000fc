package httplock

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// entry is one lock record of the server.
type entry struct {
	wmu  sync.Mutex // serialises writes, and persistence, of this record
	dead bool       // removed from the map by a DELETE; guarded by wmu
	st   atomic.Pointer[state]
}

// state is an immutable snapshot of a record. Writers publish a new one and
// close the old one's changed channel, which wakes the long-polls.
type state struct {
	exists  bool
	etag    string
	body    []byte
	changed chan struct{}
}

// absent is the state of a record that does not exist (yet).
func absent() *state { return &state{changed: make(chan struct{})} }

// load returns the current state of the record, or nil when the server has
// no entry for it.
func (s *Server) load(name string) (*entry, *state) {
	s.mu.Lock()
	e := s.locks[name]
	s.mu.Unlock()
	if e == nil {
		return nil, nil
	}
	return e, e.st.Load()
}

// entryFor returns the entry of name, making an empty one when create is
// set; it returns nil, false when there is none, and nil, true when the
// server is full.
func (s *Server) entryFor(name string, create bool) (e *entry, full bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e = s.locks[name]; e != nil || !create {
		return e, false
	}
	if len(s.locks) >= s.cfg.MaxLocks {
		return nil, true
	}
	e = &entry{}
	e.st.Store(absent())
	s.locks[name] = e
	return e, false
}

// remove deletes e from the map; the caller holds e.wmu.
func (s *Server) remove(name string, e *entry) {
	e.dead = true
	s.mu.Lock()
	if s.locks[name] == e {
		delete(s.locks, name)
	}
	s.mu.Unlock()
}

// publish makes next the state of e and wakes the long-polls on the old
// one; the caller holds e.wmu.
func publish(e *entry, next *state) {
	old := e.st.Swap(next)
	close(old.changed)
}

// get answers GET and HEAD: 200 with the record and its ETag, 404, or 304
// when If-None-Match matches. With "Prefer: wait=N" a matching request
// waits up to N seconds (capped at MaxWait) for the record to change: 200
// (or 404) when it does, 304 when the wait runs out.
func (s *Server) get(w http.ResponseWriter, r *http.Request, name string) {
	e, st := s.load(name)
	inm := r.Header.Values("If-None-Match")
	wait, hasWait := preferWait(r.Header)
	if hasWait {
		wait = min(wait, s.cfg.MaxWait)
		w.Header().Set("Preference-Applied", "wait="+strconv.FormatInt(int64(wait/time.Second), 10))
		w.Header().Add("Vary", "Prefer")
	}
	var timer *time.Timer
	for {
		if st == nil || !st.exists {
			fail(w, http.StatusNotFound, "no lock record %q", name)
			return
		}
		if len(inm) == 0 || !noneMatch(inm, st.etag) {
			s.serveRecord(w, st)
			return
		}
		if wait <= 0 {
			break
		}
		if timer == nil {
			timer = time.NewTimer(wait)
			defer timer.Stop()
			if s.testHookWaiting != nil {
				s.testHookWaiting(name, r)
			}
		}
		select {
		case <-st.changed:
			st = e.st.Load()
			continue
		case <-timer.C:
		case <-s.closed:
		case <-r.Context().Done():
			return
		}
		break
	}
	w.Header().Set("Etag", st.etag)
	w.WriteHeader(http.StatusNotModified)
}

// serveRecord answers 200 with the record.
func (s *Server) serveRecord(w http.ResponseWriter, st *state) {
	h := w.Header()
	h.Set("Etag", st.etag)
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(st.body)))
	w.WriteHeader(http.StatusOK)
	w.Write(st.body) //nolint:errcheck // the client went away; HEAD discards the body
}

// put answers PUT: a create with If-None-Match: * (201), or a
// compare-and-swap with If-Match (200), each with the new ETag.
//
// A request that is wrong in itself (no precondition, a bad record) gets its
// 4xx even while writes are refused after a start; a valid one gets 503.
func (s *Server) put(w http.ResponseWriter, r *http.Request, name string) {
	create, tags, ok := putPrecondition(w, r)
	if !ok {
		return
	}
	body, ok := s.readRecord(w, r)
	if !ok || s.refuseWrite(w) {
		return
	}
	for {
		e, full := s.entryFor(name, create)
		if full {
			fail(w, http.StatusInsufficientStorage, "the server holds its maximum of %d locks", s.cfg.MaxLocks)
			return
		}
		if e == nil {
			fail(w, http.StatusPreconditionFailed, "If-Match: no lock record %q", name)
			return
		}
		if s.putEntry(w, r, name, e, create, tags, body) {
			return
		}
	}
}

// putEntry performs the write on e under its lock. It returns false when e
// was deleted meanwhile, for the caller to start again.
func (s *Server) putEntry(w http.ResponseWriter, r *http.Request, name string, e *entry, create bool, tags []string, body []byte) bool {
	e.wmu.Lock()
	defer e.wmu.Unlock()
	if e.dead {
		return false
	}
	cur := e.st.Load()
	switch {
	case create && cur.exists:
		fail(w, http.StatusPreconditionFailed, "If-None-Match: *: lock record %q exists (ETag %s)", name, cur.etag)
		return true
	case !create && !cur.exists:
		s.dropIfEmpty(name, e, cur)
		fail(w, http.StatusPreconditionFailed, "If-Match: no lock record %q", name)
		return true
	case !create && !matchAny(tags, cur.etag):
		fail(w, http.StatusPreconditionFailed, "If-Match: lock record %q is at ETag %s", name, cur.etag)
		return true
	}
	if err := r.Context().Err(); err != nil {
		return true // the client went away before the write: do not apply it
	}
	etag := s.nextETag()
	if s.disk != nil {
		if err := s.disk.write(name, etag, body); err != nil {
			s.dropIfEmpty(name, e, cur)
			s.log.Error("httplock: persisting a lock record", "lock", name, "err", err)
			fail(w, http.StatusInternalServerError, "persisting the record: %v", err)
			return true
		}
	}
	publish(e, &state{exists: true, etag: etag, body: body, changed: make(chan struct{})})
	code := http.StatusOK
	if !cur.exists {
		code = http.StatusCreated
	}
	s.log.Debug("httplock: write", "lock", name, "etag", etag, "status", code)
	w.Header().Set("Etag", etag)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	return true
}

// dropIfEmpty removes an entry that holds no record (made by a create that
// then failed); the caller holds e.wmu.
func (s *Server) dropIfEmpty(name string, e *entry, cur *state) {
	if !cur.exists {
		s.remove(name, e)
	}
}

// delete answers DELETE with If-Match: 204, 412 on a mismatch or a missing
// record, 428 without If-Match. Probes clean up with it.
func (s *Server) delete(w http.ResponseWriter, r *http.Request, name string) {
	tags := parseTags(r.Header.Values("If-Match"))
	if len(tags) == 0 || matchAny(tags, "*") {
		fail(w, http.StatusPreconditionRequired, `DELETE needs If-Match: "etag"`)
		return
	}
	if s.refuseWrite(w) {
		return
	}
	e, _ := s.entryFor(name, false)
	if e == nil {
		fail(w, http.StatusPreconditionFailed, "If-Match: no lock record %q", name)
		return
	}
	e.wmu.Lock()
	defer e.wmu.Unlock()
	cur := e.st.Load()
	if e.dead || !cur.exists || !matchAny(tags, cur.etag) {
		fail(w, http.StatusPreconditionFailed, "If-Match: lock record %q is not at that ETag", name)
		return
	}
	if s.disk != nil {
		if err := s.disk.remove(name); err != nil {
			s.log.Error("httplock: deleting a lock record", "lock", name, "err", err)
			fail(w, http.StatusInternalServerError, "deleting the record: %v", err)
			return
		}
	}
	publish(e, absent())
	s.remove(name, e)
	s.log.Debug("httplock: delete", "lock", name)
	w.WriteHeader(http.StatusNoContent)
}

// putPrecondition reads the precondition of a PUT: If-None-Match: * (a
// create) or If-Match with entity tags. It answers 428 and returns false
// when there is none usable.
func putPrecondition(w http.ResponseWriter, r *http.Request) (create bool, tags []string, ok bool) {
	im, inm := r.Header.Values("If-Match"), r.Header.Values("If-None-Match")
	switch {
	case len(im) > 0 && len(inm) > 0:
		fail(w, http.StatusBadRequest, "a PUT takes If-Match or If-None-Match, not both")
		return false, nil, false
	case len(inm) > 0:
		if t := parseTags(inm); len(t) != 1 || t[0] != "*" {
			fail(w, http.StatusPreconditionRequired, "a create needs If-None-Match: * (not an entity tag)")
			return false, nil, false
		}
		return true, nil, true
	case len(im) > 0:
		t := parseTags(im)
		if matchAny(t, "*") {
			fail(w, http.StatusPreconditionRequired, `If-Match: * is not a compare-and-swap; send If-Match: "etag"`)
			return false, nil, false
		}
		return false, t, true
	}
	fail(w, http.StatusPreconditionRequired,
		`a PUT needs a precondition: If-None-Match: * to create, If-Match: "etag" to compare-and-swap`)
	return false, nil, false
}

// readRecord reads a PUT's body: 413 when it exceeds core.MaxRecordSize,
// 415 when it is labelled as something else than JSON, 400 when it is not
// a record or its lease exceeds MaxLease. The body is kept byte for byte.
func (s *Server) readRecord(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if r.ContentLength > core.MaxRecordSize {
		fail(w, http.StatusRequestEntityTooLarge, "the record is %d bytes; the limit is %d", r.ContentLength, core.MaxRecordSize)
		return nil, false
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !jsonType(ct) {
		fail(w, http.StatusUnsupportedMediaType, "content type %q: a record is application/json", ct)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, core.MaxRecordSize))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			fail(w, http.StatusRequestEntityTooLarge, "the record exceeds %d bytes", core.MaxRecordSize)
			return nil, false
		}
		fail(w, http.StatusBadRequest, "reading the body: %v", err)
		return nil, false
	}
	rec, err := core.ParseRecord(body)
	if err != nil {
		fail(w, http.StatusBadRequest, "%v", err)
		return nil, false
	}
	if rec.LeaseDuration > s.cfg.MaxLease {
		fail(w, http.StatusBadRequest, "leaseDurationMs %d exceeds the server's --max-lease %v",
			rec.LeaseDuration.Milliseconds(), s.cfg.MaxLease)
		return nil, false
	}
	return body, true
}

// jsonType reports whether a Content-Type is acceptable for a record:
// application/json or any +json type, and curl's default for --data,
// application/x-www-form-urlencoded (the body is checked as a record
// anyway).
func jsonType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")) ||
		mt == "application/x-www-form-urlencoded"
}
