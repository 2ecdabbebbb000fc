package sim

import (
	"math/rand/v2"
	"testing"
)

// TestClockInverse checks that toTrue is the exact inverse the observer
// relies on: the first true instant at which a clock reads l or later.
func TestClockInverse(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		c := newClock(r.Int64N(6*hour)-3*hour, 0.5+1.5*r.Float64())
		tt := r.Int64N(1 << 50)
		l := c.local(tt)
		if c.local(tt+1) < l {
			t.Fatalf("clock %+v goes back at %d", c, tt)
		}
		for _, lt := range []int64{l, l + 1, l - 1, l + r.Int64N(1e12), c.off - r.Int64N(1e12)} {
			u := c.toTrue(lt)
			if c.local(u) < lt {
				t.Fatalf("clock %+v: local(toTrue(%d)) = %d, want >= %d", c, lt, c.local(u), lt)
			}
			if u > 0 && c.local(u-1) >= lt {
				t.Fatalf("clock %+v: local(toTrue(%d)-1) = %d, want < %d", c, lt, c.local(u-1), lt)
			}
		}
	}
}

// TestClockRate checks that a clock's rate is what was asked for.
func TestClockRate(t *testing.T) {
	c := newClock(-5, 1.25)
	if got := c.local(8_000_000_000); got != 10_000_000_000-5 {
		t.Errorf("local(8s) = %d, want %d", got, 10_000_000_000-5)
	}
	if got := c.toTrue(-100); got != 0 {
		t.Errorf("toTrue(before the offset) = %d, want 0", got)
	}
}
