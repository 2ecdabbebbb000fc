package locktest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/leaderelection/leaderelection/core"
)

// outcome is what one racer got.
type outcome struct {
	v   core.Version
	err error
}

// race runs op for every racer at once, released together, and returns
// what each got.
func race(n int, op func(i int) (core.Version, error)) []outcome {
	out := make([]outcome, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			out[i].v, out[i].err = op(i)
		})
	}
	close(start)
	wg.Wait()
	return out
}

// judge checks one round: at most one winner (exactly one unless transient
// errors are allowed), and every loser got core.ErrConflict. It returns the
// winner's index, or -1.
func (s *suite) judge(t *testing.T, what string, round int, out []outcome) int {
	t.Helper()
	winner := -1
	var winners []int
	for i, o := range out {
		switch {
		case o.err == nil:
			winners = append(winners, i)
			winner = i
		case errors.Is(o.err, core.ErrConflict):
		case s.opts.AllowTransient:
			t.Logf("%s round %d: racer %d got a transient error (allowed): %v", what, round, i, o.err)
		default:
			t.Errorf("%s round %d: racer %d got %v; a loser must get an error wrapping core.ErrConflict", what, round, i, o.err)
		}
	}
	if len(winners) > 1 {
		t.Fatalf("%s round %d: racers %v all succeeded; want exactly one winner", what, round, winners)
	}
	if winner < 0 && !s.opts.AllowTransient {
		t.Fatalf("%s round %d: no racer succeeded; want exactly one winner (outcomes: %s)", what, round, describe(out))
	}
	return winner
}

// describe lists the racers' outcomes for a failure message.
func describe(out []outcome) string {
	s := ""
	for i, o := range out {
		s += fmt.Sprintf("\n\tracer %d: version %q, error %v", i, o.v, o.err)
	}
	return s
}

// racerRecord is racer i's record in a round: different for every racer
// and every round.
func racerRecord(round, i int) core.Record {
	return rec(fmt.Sprintf("racer-%d", i), int64(round*1000+i))
}

// raceCreate: racers, each with its own handle, Create on a fresh store at
// once; exactly one wins and its record is what Get returns.
func (s *suite) raceCreate(t *testing.T) {
	for round := range s.opts.Rounds {
		open := s.open(t)
		ls := make([]core.Lock, s.opts.Racers)
		for i := range ls {
			ls[i] = handle(t, open)
		}
		ctx := s.ctx(t)
		out := race(len(ls), func(i int) (core.Version, error) {
			return ls[i].Create(ctx, racerRecord(round, i))
		})
		w := s.judge(t, "RaceCreate", round, out)
		if w >= 0 {
			s.expect(t, handle(t, open), racerRecord(round, w), out[w].v, fmt.Sprintf("RaceCreate round %d won by racer %d", round, w))
			continue
		}
		// Nobody saw success: the store is empty, or holds one racer's
		// record whose answer was lost.
		got, _, err := handle(t, open).Get(s.ctx(t))
		if errors.Is(err, core.ErrNotFound) {
			continue
		}
		if err != nil {
			t.Fatalf("Get after RaceCreate round %d: %v", round, err)
		}
		s.checkOneOf(t, round, got)
	}
}

// checkOneOf fails unless got is one of the racers' records of round.
func (s *suite) checkOneOf(t *testing.T, round int, got core.Record) {
	t.Helper()
	for i := range s.opts.Racers {
		if cmp.Equal(racerRecord(round, i), got) {
			return
		}
	}
	t.Fatalf("round %d: no racer succeeded, yet the store holds a record that no racer wrote: %+v", round, got)
}

// raceUpdate: racers, each with its own handle, Update from the same
// version at once; exactly one wins and its record is what Get returns,
// round after round.
func (s *suite) raceUpdate(t *testing.T) {
	open := s.open(t)
	ls := make([]core.Lock, s.opts.Racers)
	for i := range ls {
		ls[i] = handle(t, open)
	}
	reader := handle(t, open)
	prev := rec("seed", 0)
	v := s.mustCreate(t, ls[0], prev)
	for round := range s.opts.Rounds {
		ctx := s.ctx(t)
		out := race(len(ls), func(i int) (core.Version, error) {
			return ls[i].Update(ctx, racerRecord(round, i), v)
		})
		w := s.judge(t, "RaceUpdate", round, out)
		if w >= 0 {
			prev, v = racerRecord(round, w), out[w].v
			s.expect(t, reader, prev, v, fmt.Sprintf("RaceUpdate round %d won by racer %d", round, w))
			continue
		}
		got, gv, err := reader.Get(s.ctx(t))
		if err != nil {
			t.Fatalf("Get after RaceUpdate round %d: %v", round, err)
		}
		if gv == v {
			if diff := cmp.Diff(prev, got); diff != "" {
				t.Fatalf("RaceUpdate round %d: the version did not move but the record did (-want +got):\n%s", round, diff)
			}
			continue
		}
		s.checkOneOf(t, round, got)
		prev, v = got, gv
	}
}
