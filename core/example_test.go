package core_test

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

// memStore is a compare-and-swap store for one record, as a Lock keeps it.
type memStore struct {
	rec core.Record
	ver int // 0: no record
}

func (s *memStore) get() (core.Record, core.Version, error) {
	if s.ver == 0 {
		return core.Record{}, "", core.ErrNotFound
	}
	return s.rec, core.Version(fmt.Sprint(s.ver)), nil
}

// write does an OpCreate (ver "") or an OpUpdate (ver the precondition).
func (s *memStore) write(r core.Record, ver core.Version) (core.Version, error) {
	if cur := core.Version(fmt.Sprint(s.ver)); (ver == "" && s.ver != 0) || (ver != "" && ver != cur) {
		return "", core.ErrConflict
	}
	s.rec, s.ver = r, s.ver+1
	return core.Version(fmt.Sprint(s.ver)), nil
}

// do carries out a call the machine asked for and returns its answer.
func (s *memStore) do(a core.Action, now time.Time) core.Input {
	switch a.Op {
	case core.OpGet:
		r, v, err := s.get()
		return core.Input{Kind: core.InputGot, Now: now, Record: r, Version: v, Err: err}
	default: // OpCreate, OpUpdate
		v, err := s.write(a.Record, a.Version)
		return core.Input{Kind: core.InputWritten, Now: now, Version: v, Err: err}
	}
}

// The driving loop of one candidate, with explicit times: the machine
// decides, the caller does the I/O and keeps the clock.
func ExampleMachine() {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	m, err := core.NewMachine(core.Config{Identity: "a", LeaseDuration: 15 * time.Second,
		RenewDeadline: 10 * time.Second, RetryPeriod: 2 * time.Second, Rand: rand.NewPCG(1, 2)})
	if err != nil {
		panic(err)
	}
	var store memStore
	now := start
	out := m.Step(core.Input{Kind: core.InputTick, Now: now})
	for now.Before(start.Add(5 * time.Second)) {
		for _, e := range out.Events {
			if e.Kind == core.EventNewLeader {
				fmt.Printf("%v: %v %s\n", now.Sub(start), e.Kind, e.Identity)
			} else {
				fmt.Printf("%v: %v term %d\n", now.Sub(start), e.Kind, e.Term)
			}
		}
		switch a := out.Action; a.Op {
		case core.OpWait:
			now = a.Until // a driver would sleep (and watch a.Version)
			out = m.Step(core.Input{Kind: core.InputTick, Now: now})
		default:
			fmt.Printf("%v: %v %q term %d seq %d\n", now.Sub(start), a.Op, a.Record.HolderIdentity, a.Record.Term, a.Record.Seq)
			out = m.Step(store.do(a, now))
		}
	}
	fmt.Println("leader at 5s:", m.IsLeader(now), "until", m.LeaderUntil().Sub(start))
	fmt.Println("leader at 20s:", m.IsLeader(start.Add(20*time.Second)))
	// Output:
	// 0s: get "" term 0 seq 0
	// 0s: create "a" term 1 seq 1
	// 0s: started-leading term 1
	// 0s: new-leader a
	// 2s: update "a" term 1 seq 2
	// 4s: update "a" term 1 seq 3
	// leader at 5s: true until 14s
	// leader at 20s: false
}

// A simulated election with explicit times: three candidates share a
// store; the leader dies at 30s; another takes over once the lease (15s)
// has passed on its own clock since it first saw the leader's last write
// (b's poll at 28.16s saw the write of 28s; 28.16s + 15s = 43.16s).
func Example_failover() {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var store memStore
	type candidate struct {
		name string
		m    *core.Machine
		next core.Input // the input it gets next: a tick, or a call's answer
		dead bool
	}
	var cs []*candidate
	for i, name := range []string{"a", "b", "c"} {
		m, err := core.NewMachine(core.Config{Identity: name, LeaseDuration: 15 * time.Second,
			RenewDeadline: 10 * time.Second, RetryPeriod: 2 * time.Second, Rand: rand.NewPCG(7, uint64(i))})
		if err != nil {
			panic(err)
		}
		cs = append(cs, &candidate{name: name, m: m, next: core.Input{Kind: core.InputTick, Now: start}})
	}
	for {
		// The candidate whose next input comes first.
		var c *candidate
		for _, x := range cs {
			if !x.dead && (c == nil || x.next.Now.Before(c.next.Now)) {
				c = x
			}
		}
		now := c.next.Now
		t := now.Sub(start).Truncate(time.Millisecond)
		if now.After(start.Add(time.Minute)) {
			break
		}
		if c.name == "a" && !now.Before(start.Add(30*time.Second)) {
			fmt.Printf("%v: a dies; its last write was at %v\n", t, store.rec.RenewTime.Sub(start))
			c.dead = true
			continue
		}
		out := c.m.Step(c.next)
		for _, e := range out.Events {
			switch e.Kind {
			case core.EventStartedLeading:
				fmt.Printf("%v: %s leads, term %d\n", t, c.name, e.Term)
			case core.EventNewLeader:
				if e.Identity != c.name {
					fmt.Printf("%v: %s follows %s\n", t, c.name, e.Identity)
				}
			}
		}
		if out.Action.Op == core.OpWait {
			c.next = core.Input{Kind: core.InputTick, Now: out.Action.Until}
		} else {
			c.next = store.do(out.Action, now) // calls take no time here
		}
	}
	fmt.Printf("store: holder %s, term %d, transitions %d\n", store.rec.HolderIdentity, store.rec.Term, store.rec.LeaderTransitions)
	// Output:
	// 0s: a leads, term 1
	// 0s: b follows a
	// 0s: c follows a
	// 30s: a dies; its last write was at 28s
	// 43.16s: b leads, term 2
	// 43.521s: c follows b
	// store: holder b, term 2, transitions 1
}
