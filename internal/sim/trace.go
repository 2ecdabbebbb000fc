package sim

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// tkind is what a trace entry records.
type tkind uint8

const (
	tInput  tkind = iota + 1 // an input fed to a machine
	tAction                  // the action a machine asked for
	tEvent                   // an event a machine reported
	tApply                   // an operation applied at the store
	tLead                    // a leadership interval opened or closed (observer)
	tFault                   // a fault, a restart, a watch notification
)

// Error codes in trace entries.
const (
	ecNone uint8 = iota
	ecLock
	ecLost
	ecDeadline
	ecConflict
	ecNotFound
)

var ecNames = [...]string{"ok", "lock-error", "answer-lost", "deadline", "conflict", "not-found"}

// Fault codes in trace entries.
const (
	fcCrash uint8 = iota + 1
	fcPause
	fcResume
	fcRestart
	fcResign
	fcStop
	fcDone
	fcWatch
	fcSlow
)

var fcNames = [...]string{"", "crash", "pause", "resume", "restart", "resign", "stop", "done", "watch", "slow-op"}

// tentry is one line of the trace, kept unformatted so that recording it
// costs a copy.
type tentry struct {
	at, local int64
	ver, term int64
	b         int64
	s         string
	inc       int32
	kind      tkind
	slot      uint8
	a         uint8
	c         uint8
}

const traceRing = 64

// tracer keeps the last traceRing entries, or prints every one.
type tracer struct {
	ring [traceRing]tentry
	n    uint64
	out  func(string) // when set, every entry is printed
}

func (t *tracer) add(e tentry) {
	t.ring[t.n%traceRing] = e
	t.n++
	if t.out != nil {
		t.out(e.String())
	}
}

// tail returns the last k entries, formatted, oldest first.
func (t *tracer) tail(k int) []string {
	k = int(min(uint64(k), t.n, traceRing))
	lines := make([]string, 0, k)
	for i := t.n - uint64(k); i < t.n; i++ {
		lines = append(lines, t.ring[i%traceRing].String())
	}
	return lines
}

func errCode(err error) uint8 {
	switch {
	case err == nil:
		return ecNone
	case errors.Is(err, errLock):
		return ecLock
	case errors.Is(err, errLost):
		return ecLost
	case errors.Is(err, context.DeadlineExceeded):
		return ecDeadline
	case errors.Is(err, core.ErrConflict):
		return ecConflict
	case errors.Is(err, core.ErrNotFound):
		return ecNotFound
	}
	return ecLock
}

var inputNames = [...]string{"", "tick", "got", "written", "watch", "resign", "stop"}

func name(names []string, i uint8) string {
	if int(i) < len(names) {
		return names[i]
	}
	return "?" + strconv.Itoa(int(i))
}

// fmtTrue formats a true time as seconds with nanoseconds.
func fmtTrue(t int64) string {
	return fmt.Sprintf("%d.%09ds", t/1e9, t%1e9)
}

// String formats the entry as one trace line: true time, process, its
// local clock, then what happened.
func (e tentry) String() string {
	who := "store"
	if e.kind != tApply {
		who = "p" + strconv.Itoa(int(e.slot)) + "#" + strconv.Itoa(int(e.inc))
	}
	local := ""
	if who != "store" {
		local = "local=" + time.Duration(e.local).String()
	}
	head := fmt.Sprintf("%16s %-6s %-28s ", fmtTrue(e.at), who, local)
	v := ""
	if e.ver > 0 {
		v = " v" + strconv.FormatInt(e.ver, 10)
	}
	switch e.kind {
	case tInput:
		s := head + "in  " + name(inputNames[:], e.a) + v
		if e.c != ecNone {
			s += " err=" + name(ecNames[:], e.c)
		}
		if e.a == uint8(core.InputGot) && e.c == ecNone {
			s += fmt.Sprintf(" holder=%q term=%d", e.s, e.term)
		}
		if e.a == uint8(core.InputWatch) {
			s += " " + core.WatchEvent(e.b).String()
		}
		return s
	case tAction:
		op := core.Op(e.a)
		s := head + "out " + op.String()
		switch op {
		case core.OpWait:
			s += " until=" + time.Duration(e.b).String() + v
		case core.OpCreate, core.OpUpdate:
			s += fmt.Sprintf(" holder=%q term=%d%s deadline=%s", e.s, e.term, v, time.Duration(e.b))
		case core.OpGet:
			s += " deadline=" + time.Duration(e.b).String()
		}
		return s
	case tEvent:
		k := core.EventKind(e.a)
		s := head + "ev  " + k.String()
		switch k {
		case core.EventNewLeader:
			s += " " + strconv.Quote(e.s)
		case core.EventStoppedLeading:
			s += fmt.Sprintf(" term=%d reason=%s", e.term, core.StopReason(e.b))
		default:
			s += " term=" + strconv.FormatInt(e.term, 10)
		}
		return s
	case tApply:
		return head + fmt.Sprintf("applied %s by p%d#%d -> %s%s holder=%q term=%d lease=%s",
			core.Op(e.a), e.slot, e.inc, name(ecNames[:], e.c), v, e.s, e.term, time.Duration(e.b))
	case tLead:
		if e.a == 1 {
			return head + fmt.Sprintf("LEADS term=%d until %s (true)", e.term, fmtTrue(e.b))
		}
		return head + fmt.Sprintf("leads no more, term=%d, since %s (true)", e.term, fmtTrue(e.b))
	case tFault:
		s := head + "FAULT " + name(fcNames[:], e.a)
		switch e.a {
		case fcPause, fcSlow:
			s += " until " + fmtTrue(e.b)
		case fcRestart:
			s += " as " + strconv.Quote(e.s)
		case fcWatch:
			s += " " + core.WatchEvent(e.b).String() + v
		}
		return s
	}
	return head + "?"
}
