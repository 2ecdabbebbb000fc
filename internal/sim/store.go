package sim

import (
	"strconv"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// verNames holds the version strings the store hands out, built once so
// that a write allocates nothing. Versions past the table are formatted.
var verNames = func() []core.Version {
	v := make([]core.Version, 1<<16)
	for i := range v {
		v[i] = core.Version("v" + strconv.Itoa(i))
	}
	return v
}()

func verName(n int64) core.Version {
	if n < int64(len(verNames)) {
		return verNames[n]
	}
	return core.Version("v" + strconv.FormatInt(n, 10))
}

// parseVer returns the number of a version this store handed out, or -1.
func parseVer(v core.Version) int64 {
	if len(v) < 2 || v[0] != 'v' {
		return -1
	}
	n, err := strconv.ParseInt(string(v[1:]), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// termOwner is the process that acquired a term, and when (on its clock)
// it issued the write that acquired it.
type termOwner struct {
	inc   int32
	slot  uint8
	issue int64
}

// store is the linearizable compare-and-swap store: one record, a version
// number that never repeats, and the history of who acquired which term.
// Every operation happens at one instant of true time (the simulation
// applies it at that instant), so it is linearizable by construction.
type store struct {
	exists bool
	rec    core.Record
	ver    int64
	writer int32 // incarnation that wrote the current version; -1: none here
	wslot  uint8

	termBase int64       // the term of owners[0]
	owners   []termOwner // owners[t-termBase] acquired term t
}

func (st *store) reset() {
	*st = store{owners: st.owners[:0], writer: -1, ver: 1}
}

// owner returns who acquired term t, if a write of this run did.
func (st *store) owner(t int64) (termOwner, bool) {
	i := t - st.termBase
	if i < 0 || i >= int64(len(st.owners)) {
		return termOwner{}, false
	}
	return st.owners[i], st.owners[i].inc >= 0
}

// setOwner records that o acquired term t.
func (st *store) setOwner(t int64, o termOwner) {
	if len(st.owners) == 0 {
		st.termBase = t
	}
	for int64(len(st.owners)) <= t-st.termBase {
		st.owners = append(st.owners, termOwner{inc: -1})
	}
	st.owners[t-st.termBase] = o
}

// roundLease rounds d up to a whole millisecond, as the record's
// leaseDurationMs does on the wire.
func roundLease(d time.Duration) time.Duration {
	if r := d % time.Millisecond; r > 0 {
		d += time.Millisecond - r
	}
	return d
}

// checkWrite checks rule (b) for a write of r by process inc (identity
// ident) over the current record, and returns a description of the first
// rule it breaks, or "". It also records a new term's owner.
func (st *store) checkWrite(r core.Record, inc int32, slot uint8, ident string, issue int64) string {
	prev := st.rec
	if !st.exists {
		prev = core.Record{}
	}
	switch {
	case st.exists && r.Term < prev.Term:
		return "term decreased in the store: " + strconv.FormatInt(prev.Term, 10) +
			" -> " + strconv.FormatInt(r.Term, 10)
	case st.exists && r.Seq <= prev.Seq:
		return "seq did not increase: " + strconv.FormatInt(prev.Seq, 10) +
			" -> " + strconv.FormatInt(r.Seq, 10)
	case r.HolderIdentity != "" && r.HolderIdentity != ident:
		return "process " + ident + " wrote a record held by " + r.HolderIdentity
	}
	if !st.exists || r.Term > prev.Term {
		// An acquisition: a new term, greater than any before.
		if r.HolderIdentity == "" || r.Term <= 0 {
			return "new term " + strconv.FormatInt(r.Term, 10) + " without a holder"
		}
		want := prev.LeaderTransitions
		if st.exists && prev.HolderIdentity != r.HolderIdentity {
			want++
		}
		if r.LeaderTransitions != want {
			return "leaderTransitions " + strconv.FormatInt(r.LeaderTransitions, 10) +
				" on acquisition, want " + strconv.FormatInt(want, 10)
		}
		st.setOwner(r.Term, termOwner{inc: inc, slot: slot, issue: issue})
		return ""
	}
	// Same term: a renewal or a release, by the process that acquired it.
	if o, ok := st.owner(r.Term); !ok || o.inc != inc {
		return "term " + strconv.FormatInt(r.Term, 10) + " written by " + ident +
			", which did not acquire it"
	}
	if r.LeaderTransitions != prev.LeaderTransitions {
		return "leaderTransitions changed without a new term"
	}
	return ""
}
