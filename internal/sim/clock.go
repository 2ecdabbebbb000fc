package sim

import (
	"math"
	"math/bits"
)

// rateOne is the fixed-point unit of a clock rate: a rate of 1 (the clock
// runs at true speed) is num = rateOne.
const rateOne = 1 << 30

// clock is one candidate's clock. Its reading at true time t (nanoseconds
// since the start of the run, t ≥ 0) is off + t × num / 2^30, rounded down:
// an offset of up to hours, and a rate that differs from true time. Integer
// arithmetic keeps it exact and the same on every platform, so a seed
// replays bit for bit.
type clock struct {
	off int64  // local nanoseconds (after epoch) at true time 0
	num uint64 // rate × 2^30
}

// newClock returns a clock with offset off and the fixed-point rate nearest
// to rate.
func newClock(off int64, rate float64) clock {
	return clock{off: off, num: uint64(math.Round(rate * rateOne))}
}

// rate returns the clock's rate as a float: local seconds per true second.
func (c clock) rate() float64 { return float64(c.num) / rateOne }

// local returns the clock's reading, in nanoseconds after epoch, at true
// time t ≥ 0. It is non-decreasing in t.
func (c clock) local(t int64) int64 {
	hi, lo := bits.Mul64(uint64(t), c.num)
	return c.off + int64(hi<<34|lo>>30)
}

// toTrue returns the first true time t ≥ 0 at which the clock reads l or
// later: a wait until local time l ends at toTrue(l), and a leader whose
// authority ends at local time l leads until, not including, toTrue(l).
func (c clock) toTrue(l int64) int64 {
	if l <= c.off {
		return 0
	}
	ud := uint64(l) - uint64(c.off) // no overflow: l > off
	q, r := bits.Div64(ud>>34, ud<<30, c.num)
	t := int64(q)
	if r != 0 {
		t++
	}
	for c.local(t) < l {
		t++
	}
	for t > 0 && c.local(t-1) >= l {
		t--
	}
	return t
}
