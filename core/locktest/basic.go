package locktest

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// getAbsent: Get on an empty store answers core.ErrNotFound.
func (s *suite) getAbsent(t *testing.T) {
	l := handle(t, s.open(t))
	s.expectAbsent(t, l, "nothing was written")
}

// create: Create on an empty store succeeds, and every handle reads the
// record back at the version Create returned.
func (s *suite) create(t *testing.T) {
	open := s.open(t)
	a, b := handle(t, open), handle(t, open)
	r := rec("a", 1)
	v := s.mustCreate(t, a, r)
	if v == "" {
		t.Errorf("%s: Create returned an empty version", a.Describe())
	}
	s.expect(t, a, r, v, "Create (same handle)")
	s.expect(t, b, r, v, "Create (another handle)")
}

// createConflict: Create when a record exists answers core.ErrConflict,
// from the handle that created it and from another, and changes nothing.
func (s *suite) createConflict(t *testing.T) {
	open := s.open(t)
	a, b := handle(t, open), handle(t, open)
	r := rec("a", 1)
	v := s.mustCreate(t, a, r)
	for _, h := range []struct {
		name string
		l    core.Lock
	}{{"same handle", a}, {"another handle", b}} {
		nv, err := h.l.Create(s.ctx(t), rec("b", 2))
		if !errors.Is(err, core.ErrConflict) {
			t.Errorf("%s: Create when a record exists (%s) = (%q, %v); want an error wrapping core.ErrConflict",
				h.l.Describe(), h.name, nv, err)
		}
		s.expect(t, b, r, v, "a conflicting Create ("+h.name+")")
	}
}

// update: Update from the current version succeeds, returns a new version,
// and every handle reads the new record.
func (s *suite) update(t *testing.T) {
	open := s.open(t)
	a, b := handle(t, open), handle(t, open)
	v1 := s.mustCreate(t, a, rec("a", 1))
	r2 := rec("b", 2)
	v2 := s.mustUpdate(t, b, r2, v1)
	if v2 == v1 || v2 == "" {
		t.Errorf("%s: Update from %q returned version %q; want a new, non-empty version", b.Describe(), v1, v2)
	}
	s.expect(t, a, r2, v2, "Update (another handle)")
	r3 := rec("a", 3)
	v3 := s.mustUpdate(t, a, r3, v2)
	s.expect(t, b, r3, v3, "a second Update")
}

// updateStale: Update from a version that is no longer current answers
// core.ErrConflict and changes nothing, from any handle.
func (s *suite) updateStale(t *testing.T) {
	open := s.open(t)
	a, b := handle(t, open), handle(t, open)
	v1 := s.mustCreate(t, a, rec("a", 1))
	r2 := rec("b", 2)
	v2 := s.mustUpdate(t, b, r2, v1)
	for _, stale := range []core.Version{v1, "locktest-never-issued"} {
		for _, l := range []core.Lock{a, b} {
			nv, err := l.Update(s.ctx(t), rec("c", 3), stale)
			if !errors.Is(err, core.ErrConflict) {
				t.Errorf("%s: Update from stale version %q (current %q) = (%q, %v); want an error wrapping core.ErrConflict",
					l.Describe(), stale, v2, nv, err)
			}
		}
		s.expect(t, a, r2, v2, "Updates from stale version "+string(stale))
	}
}

// updateAbsent: Update of a record that never existed fails with
// core.ErrConflict or core.ErrNotFound (both are accepted: a store may not
// tell "moved" from "missing"), and creates nothing.
func (s *suite) updateAbsent(t *testing.T) {
	l := handle(t, s.open(t))
	nv, err := l.Update(s.ctx(t), rec("a", 1), "locktest-never-issued")
	if !errors.Is(err, core.ErrConflict) && !errors.Is(err, core.ErrNotFound) {
		t.Errorf("%s: Update of a record that never existed = (%q, %v); want an error wrapping core.ErrConflict or core.ErrNotFound",
			l.Describe(), nv, err)
	}
	s.expectAbsent(t, l, "an Update of a record that never existed")
}

// roundTripRecords are records whose every field survives the wire format
// exactly: leases in whole milliseconds (the codec rounds up to one) and
// times in UTC with nanoseconds.
func roundTripRecords() []core.Record {
	return []core.Record{
		{
			HolderIdentity: "host-a/1234", LeaseDuration: 15 * time.Second,
			AcquireTime: base, RenewTime: base.Add(time.Nanosecond),
			LeaderTransitions: 1, Term: 1, Seq: 1,
		},
		{
			// Released, with a sub-second lease that Kubernetes would
			// truncate to zero.
			HolderIdentity: "", LeaseDuration: 900 * time.Millisecond,
			AcquireTime: base.Add(-time.Hour), RenewTime: base.Add(123456789),
			LeaderTransitions: 2, Term: 7, Seq: 2,
		},
		{
			HolderIdentity:    "quote\" back\\ <>& \u2028\u2029 é 世界 🙂 \t\n\x01",
			LeaseDuration:     time.Millisecond,
			AcquireTime:       time.Date(1970, 1, 1, 0, 0, 0, 1, time.UTC),
			RenewTime:         time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
			LeaderTransitions: math.MaxInt64, Term: math.MaxInt64, Seq: math.MaxInt64,
		},
		{}, // the zero record: no holder, no lease, zero times
		{
			HolderIdentity: strings.Repeat("long-identity-", 300), LeaseDuration: 59999 * time.Millisecond,
			AcquireTime: base.Add(-1), RenewTime: base.Add(-1),
			LeaderTransitions: 0, Term: 1, Seq: 1 << 40,
		},
	}
}

// roundTrip: every field of a record reads back exactly, through the
// writing handle and through another.
func (s *suite) roundTrip(t *testing.T) {
	open := s.open(t)
	a, b := handle(t, open), handle(t, open)
	var v core.Version
	for i, r := range roundTripRecords() {
		if i == 0 {
			v = s.mustCreate(t, a, r)
		} else {
			v = s.mustUpdate(t, a, r, v)
		}
		s.expect(t, a, r, v, "writing record "+strconv.Itoa(i)+" (same handle)")
		s.expect(t, b, r, v, "writing record "+strconv.Itoa(i)+" (another handle)")
	}
}

// versionIdentical: writing the same record again gives a new version.
func (s *suite) versionIdentical(t *testing.T) {
	open := s.open(t)
	a, b := handle(t, open), handle(t, open)
	r := rec("a", 1)
	v1 := s.mustCreate(t, a, r)
	v2 := s.mustUpdate(t, a, r, v1)
	if v2 == v1 {
		t.Fatalf("%s: Update with an identical record returned the same version %q; every write must give a new version",
			a.Describe(), v1)
	}
	v3 := s.mustUpdate(t, b, r, v2)
	if v3 == v2 || v3 == v1 {
		t.Fatalf("%s: a second identical Update returned version %q, already issued (earlier: %q, %q)",
			b.Describe(), v3, v1, v2)
	}
	s.expect(t, a, r, v3, "identical writes")
	// The old versions are stale although the record is the same.
	if nv, err := a.Update(s.ctx(t), r, v1); !errors.Is(err, core.ErrConflict) {
		t.Errorf("%s: Update from version %q, stale but of an identical record = (%q, %v); want an error wrapping core.ErrConflict",
			a.Describe(), v1, nv, err)
	}
}

// versionsNeverRepeat: over many writes, alternately identical and
// different, through two handles, no version is issued twice.
func (s *suite) versionsNeverRepeat(t *testing.T) {
	open := s.open(t)
	ls := []core.Lock{handle(t, open), handle(t, open)}
	seen := make(map[core.Version]int, s.opts.Writes+1)
	r := rec("a", 0)
	v := s.mustCreate(t, ls[0], r)
	seen[v] = 0
	for i := 1; i <= s.opts.Writes; i++ {
		if i%2 == 0 {
			r = rec("a", int64(i))
		}
		l := ls[i%2]
		v = s.mustUpdate(t, l, r, v)
		if j, ok := seen[v]; ok {
			t.Fatalf("%s: write %d returned version %q, already returned by write %d", l.Describe(), i, v, j)
		}
		seen[v] = i
	}
	s.expect(t, ls[0], r, v, strconv.Itoa(s.opts.Writes)+" writes")
}

// identityDescribe: every handle names itself and its lock.
func (s *suite) identityDescribe(t *testing.T) {
	l := handle(t, s.open(t))
	if l.Identity() == "" {
		t.Errorf("Identity() of the lock %q is empty", l.Describe())
	}
	if l.Describe() == "" {
		t.Errorf("Describe() of the lock of %q is empty", l.Identity())
	}
}
