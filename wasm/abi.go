package main

import (
	"errors"
	"strconv"
	"time"
	"unsafe"

	"github.com/leaderelection/leaderelection/core"
)

// maxAlloc is the largest buffer le_alloc hands out: far above what a
// record (core.MaxRecordSize) or a version needs.
const maxAlloc = 16 << 20

// flagOnce is le_new's flags bit for core.Config.Once.
const flagOnce = 1

// Result codes of le_step for InputGot and InputWritten.
const (
	codeOK       = 0 // the call succeeded
	codeNotFound = 1 // core.ErrNotFound
	codeConflict = 2 // core.ErrConflict
	codeError    = 3 // any other lock error; the record bytes hold its message
)

// Watch codes of le_step for InputWatch, as core.WatchEvent numbers them.
const (
	codeChanged    = uint32(core.WatchChanged)
	codeHolderGone = uint32(core.WatchHolderGone)
)

// headerSize is the size of an output's fixed header (see README.md).
const headerSize = 28

// eventHeaderSize is the size of each event's fixed part.
const eventHeaderSize = 16

// errLock is the error a machine gets for codeError without a message.
var errLock = errors.New("wasm: the host reported a lock error")

// machine is one handle's state.
type machine struct {
	m   *core.Machine
	rng splitmix
}

// The module's state. A WebAssembly instance runs one call at a time, so
// no locking is needed.
var (
	blocks     = map[uint32][]byte{} // le_alloc buffers by address, kept alive here
	machines   = map[int32]*machine{}
	nextHandle = int32(1)
	result     = make([]byte, 0, 1024) // the latest output or error message
)

// addr returns the linear-memory address of b's first byte. The Go
// garbage collector does not move objects, so the address stays valid as
// long as b is reachable.
func addr(b []byte) uint32 {
	return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
}

// fail puts msg in the result buffer and returns minus its length: the
// failure convention of every export.
func fail(msg string) int32 {
	result = append(result[:0], msg...)
	return -int32(len(result))
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// alloc implements le_alloc.
func alloc(size uint32) uint32 {
	if size == 0 || size > maxAlloc {
		return 0
	}
	b := make([]byte, size)
	p := addr(b)
	blocks[p] = b
	return p
}

// free implements le_free.
func free(p uint32) int32 {
	if p == 0 {
		return 0
	}
	if _, ok := blocks[p]; !ok {
		return fail("wasm: le_free: " + itoa(int64(p)) + " is not an address le_alloc returned (or it was freed)")
	}
	delete(blocks, p)
	return 0
}

// bytesAt returns the n bytes at p, which must lie inside one le_alloc
// buffer. It returns false when they do not.
func bytesAt(p, n uint32) ([]byte, bool) {
	if n == 0 {
		return nil, true
	}
	for base, b := range blocks {
		if p >= base && uint64(p)+uint64(n) <= uint64(base)+uint64(len(b)) {
			off := p - base
			return b[off : off+n], true
		}
	}
	return nil, false
}

// badRange is the error message for bytes outside every le_alloc buffer.
func badRange(fn, what string, p, n uint32) int32 {
	return fail("wasm: " + fn + ": " + what + " (" + itoa(int64(n)) + " bytes at " + itoa(int64(p)) +
		") is not inside a buffer from le_alloc")
}

// newMachine implements le_new.
func newMachine(idPtr, idLen uint32, lease, renew, retry, termLimit, seed int64, flags uint32) int32 {
	id, ok := bytesAt(idPtr, idLen)
	if !ok {
		return badRange("le_new", "the identity", idPtr, idLen)
	}
	if flags&^flagOnce != 0 {
		return fail("wasm: le_new: unknown flags " + itoa(int64(flags)) + " (only 1, once, is defined)")
	}
	if nextHandle < 0 {
		return fail("wasm: le_new: out of handles")
	}
	mc := &machine{rng: splitmix{uint64(seed)}}
	m, err := core.NewMachine(core.Config{
		Identity:      string(id),
		LeaseDuration: time.Duration(lease),
		RenewDeadline: time.Duration(renew),
		RetryPeriod:   time.Duration(retry),
		TermLimit:     time.Duration(termLimit),
		Rand:          &mc.rng,
		Once:          flags&flagOnce != 0,
	})
	if err != nil {
		return fail(err.Error())
	}
	mc.m = m
	h := nextHandle
	nextHandle++ // handles are never reused; overflow turns it negative: no more
	machines[h] = mc
	return h
}

// lookup returns the machine of handle h, or the failure result.
func lookup(fn string, h int32) (*machine, int32) {
	mc := machines[h]
	if mc == nil {
		return nil, fail("wasm: " + fn + ": no machine with handle " + itoa(int64(h)))
	}
	return mc, 0
}

// step implements le_step.
func step(h int32, kind uint32, now int64, recPtr, recLen, verPtr, verLen, code uint32) int32 {
	mc, bad := lookup("le_step", h)
	if mc == nil {
		return bad
	}
	rec, ok := bytesAt(recPtr, recLen)
	if !ok {
		return badRange("le_step", "the record", recPtr, recLen)
	}
	ver, ok := bytesAt(verPtr, verLen)
	if !ok {
		return badRange("le_step", "the version", verPtr, verLen)
	}
	if kind < uint32(core.InputTick) || kind > uint32(core.InputStop) {
		return fail("wasm: le_step: unknown input kind " + itoa(int64(kind)) + " (want 1 to 6)")
	}
	in := core.Input{Kind: core.InputKind(kind), Now: time.Unix(0, now)}
	if msg := fillInput(&in, rec, ver, code); msg != "" {
		return fail("wasm: le_step: " + msg)
	}
	out := mc.m.Step(in)
	result = encode(result[:0], out, mc.m.Role())
	return int32(len(result))
}

// fillInput completes in, whose kind is valid, from the bytes and the code
// of le_step, or returns what is wrong with them.
func fillInput(in *core.Input, rec, ver []byte, code uint32) string {
	switch in.Kind {
	case core.InputTick, core.InputResign, core.InputStop:
		if code != 0 {
			return "code must be 0 for input kind " + itoa(int64(in.Kind))
		}
	case core.InputGot, core.InputWritten:
		switch code {
		case codeOK:
			if len(ver) == 0 {
				return "a successful get or write needs its version (ver_len > 0)"
			}
			in.Version = core.Version(ver)
			if in.Kind == core.InputGot {
				// An unreadable record is a lock error, as a Go Lock
				// reports it: the machine retries.
				in.Record, in.Err = core.ParseRecord(rec)
			}
		case codeNotFound:
			in.Err = core.ErrNotFound
		case codeConflict:
			in.Err = core.ErrConflict
		case codeError:
			in.Err = errLock
			if len(rec) > 0 {
				in.Err = errors.New(string(rec))
			}
		default:
			return "unknown result code " + itoa(int64(code)) + " (want 0 ok, 1 not-found, 2 conflict, 3 error)"
		}
	case core.InputWatch:
		if code != codeChanged && code != codeHolderGone {
			return "unknown watch code " + itoa(int64(code)) + " (want 1 changed, 2 holder-gone)"
		}
		in.Watch = core.WatchEvent(code)
		in.Version = core.Version(ver)
	}
	return ""
}

// unixNano returns t in nanoseconds since 1970, or 0 for the zero time
// (a field the action does not use).
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func put16(b []byte, v uint16) { b[0], b[1] = byte(v), byte(v>>8) }

func put32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

func put64(b []byte, v uint64) {
	put32(b, uint32(v))
	put32(b[4:], uint32(v>>32))
}

// encode appends the output of one step to dst in the format README.md
// documents: a 28-byte header, the version, the record, then the events.
func encode(dst []byte, out core.Output, role core.Role) []byte {
	a := out.Action
	dst = append(dst, make([]byte, headerSize)...)
	h := dst[len(dst)-headerSize:]
	h[0], h[1] = byte(a.Op), byte(role)
	put16(h[2:], uint16(len(out.Events)))
	put64(h[4:], uint64(unixNano(a.Until)))
	put64(h[12:], uint64(unixNano(a.Deadline)))
	put32(h[20:], uint32(len(a.Version)))
	start := len(dst) - headerSize
	dst = append(dst, a.Version...)
	if a.Op == core.OpCreate || a.Op == core.OpUpdate {
		n := len(dst)
		dst = core.AppendRecord(dst, a.Record)
		put32(dst[start+24:], uint32(len(dst)-n))
	}
	for _, e := range out.Events {
		var text string
		switch {
		case e.Kind == core.EventNewLeader:
			text = e.Identity
		case e.Err != nil:
			text = e.Err.Error()
		}
		dst = append(dst, make([]byte, eventHeaderSize)...)
		eh := dst[len(dst)-eventHeaderSize:]
		eh[0], eh[1] = byte(e.Kind), byte(e.Reason)
		put64(eh[4:], uint64(e.Term))
		put32(eh[12:], uint32(len(text)))
		dst = append(dst, text...)
	}
	return dst
}

// isLeader implements le_is_leader.
func isLeader(h int32, now int64) int32 {
	mc, bad := lookup("le_is_leader", h)
	if mc == nil {
		return bad
	}
	if mc.m.IsLeader(time.Unix(0, now)) {
		return 1
	}
	return 0
}

// term implements le_term.
func term(h int32) int64 {
	mc, bad := lookup("le_term", h)
	if mc == nil {
		return int64(bad)
	}
	return mc.m.Term()
}

// leaderUntil implements le_leader_until.
func leaderUntil(h int32) int64 {
	mc, bad := lookup("le_leader_until", h)
	if mc == nil {
		return int64(bad)
	}
	return unixNano(mc.m.LeaderUntil())
}

// closeMachine implements le_close.
func closeMachine(h int32) int32 {
	if _, bad := lookup("le_close", h); bad != 0 {
		return bad
	}
	delete(machines, h)
	return 0
}

// splitmix is SplitMix64, the machine's source of jitter, seeded by the
// host through le_new. It is tiny, needs no package, and the same seed
// gives the same jitter on every host.
type splitmix struct{ s uint64 }

// Uint64 returns the next value of the sequence.
func (r *splitmix) Uint64() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
