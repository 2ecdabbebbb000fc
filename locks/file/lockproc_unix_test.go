//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package file

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/leaderelection/leaderelection/core"
)

func init() { helpers["lockcand"] = lockCandidate }

// lockCandidate is a helper that campaigns on the lock directly, with no
// lease expiry at all: it creates the record, takes a released one, or
// waits in Watch and takes over only on WatchHolderGone. So every takeover
// it makes after a holder died comes from the liveness lock.
//
// Lines: WAITING holder t; EVENT changed|holder-gone holder t;
// LEADER term pid t; RELEASING t. Commands: "rewatch" (cancel the watch,
// read and watch again), "release" (write a released record and exit).
func lockCandidate() error {
	l, err := New(os.Getenv("FILE_TEST_PATH"), os.Getenv("FILE_TEST_ID"))
	if err != nil {
		return err
	}
	ctx := context.Background()
	cmds := commands()
	id := l.Identity()
	for {
		rec, v, err := l.Get(ctx)
		switch {
		case errors.Is(err, core.ErrNotFound):
			r := record(id, 1, 1)
			nv, err := l.Create(ctx, r)
			if errors.Is(err, core.ErrConflict) {
				continue
			}
			if err != nil {
				return err
			}
			return lockLead(l, r, nv, cmds)
		case err != nil:
			return err
		case rec.HolderIdentity == "":
			if r, nv, ok, err := takeOver(l, rec, v); err != nil || ok {
				if err != nil {
					return err
				}
				return lockLead(l, r, nv, cmds)
			}
			continue
		}
		ev := make(chan core.WatchEvent, 1)
		cancel := l.Watch(v, func(e core.WatchEvent) { ev <- e })
		say("WAITING", rec.HolderIdentity, now())
		select {
		case e := <-ev:
			say("EVENT", e, rec.HolderIdentity, now())
			if e == core.WatchHolderGone {
				r, nv, ok, err := takeOver(l, rec, v)
				if err != nil {
					return err
				}
				if ok {
					return lockLead(l, r, nv, cmds)
				}
			}
		case _, ok := <-cmds:
			cancel()
			if !ok {
				return nil
			}
		}
	}
}

// takeOver writes rec with this candidate as the holder in the next term,
// from version v; ok is false when another candidate wrote first.
func takeOver(l *Lock, rec core.Record, v core.Version) (core.Record, core.Version, bool, error) {
	rec.HolderIdentity = l.Identity()
	rec.Term++
	rec.LeaderTransitions++
	rec.Seq++
	nv, err := l.Update(context.Background(), rec, v)
	if errors.Is(err, core.ErrConflict) {
		return rec, "", false, nil
	}
	return rec, nv, err == nil, err
}

// lockLead leads until the command "release" or the end of stdin.
func lockLead(l *Lock, r core.Record, v core.Version, cmds <-chan string) error {
	say("LEADER", r.Term, os.Getpid(), now())
	for c := range cmds {
		if c == "release" {
			say("RELEASING", now())
			r.HolderIdentity = ""
			r.Seq++
			_, err := l.Update(context.Background(), r, v)
			return err
		}
	}
	return nil
}

// lockCluster starts n lock candidates on a fresh record and returns them
// with the leader, once the others wait on it.
func lockCluster(t *testing.T, n int) (*cluster, string, map[*proc]bool, *proc) {
	path := filepath.Join(t.TempDir(), "app.lease") // removed after the cluster stops
	c := newCluster(t)
	alive := map[*proc]bool{}
	for i := range n {
		id := fmt.Sprintf("c%d", i+1)
		alive[c.start(id, "lockcand", "FILE_TEST_PATH="+path, "FILE_TEST_ID="+id)] = true
	}
	leader := c.await(nil, "LEADER", nil).p
	c.waitFor(leader, alive)
	return c, path, alive, leader
}

// waitFor waits until every live candidate but leader waits on leader.
func (c *cluster) waitFor(leader *proc, alive map[*proc]bool) {
	c.t.Helper()
	for {
		all := true
		for p := range alive {
			all = all && (p == leader || c.waitingOn[p] == leader.name)
		}
		if all {
			return
		}
		c.next("every candidate waiting on " + leader.name)
	}
}

// TestProcessKill: kill -9 of the leading process; a candidate blocked in
// Watch learns it at once (WatchHolderGone) and takes over. Three rounds,
// with a new candidate started in place of each killed one.
func TestProcessKill(t *testing.T) {
	c, path, alive, leader := lockCluster(t, 4)
	var lat []time.Duration
	term := int64(1)
	for round := range 3 {
		tKill := time.Now()
		leader.signal(t, syscall.SIGKILL)
		delete(alive, leader)
		// The waiter that takes over must have learnt of the death from
		// the dropped liveness lock. The slower waiters may see the new
		// leader's write first (changed): their lines and the new leader's
		// reach this process in no fixed order.
		goneSeen := map[*proc]bool{}
		e := c.await(nil, "LEADER", func(e event) {
			if e.fields[0] == "EVENT" && e.fields[1] == core.WatchHolderGone.String() {
				goneSeen[e.p] = true
			}
		})
		if !goneSeen[e.p] {
			t.Errorf("round %d: %s took over without a holder-gone report; want the takeover through the liveness lock", round, e.p.name)
		}
		lat = append(lat, e.at().Sub(tKill))
		if term++; e.int(1) != term {
			t.Errorf("round %d: new leader in term %d; want %d", round, e.int(1), term)
		}
		leader = e.p
		id := fmt.Sprintf("r%d", round)
		alive[c.start(id, "lockcand", "FILE_TEST_PATH="+path, "FILE_TEST_ID="+id)] = true
		c.waitFor(leader, alive)
	}
	t.Logf("kill -9 to new leader: %v", lat)
	for _, d := range lat {
		if d > 2*time.Second {
			t.Errorf("a takeover after kill -9 took %v; the liveness lock should make it immediate", d)
		}
	}
}

// TestProcessStop: a stopped leader keeps its liveness lock, so nobody
// hears WatchHolderGone however often they watch again; once it is killed,
// they do.
func TestProcessStop(t *testing.T) {
	c, _, alive, leader := lockCluster(t, 3)
	leader.signal(t, syscall.SIGSTOP)
	noEvent := func(e event) {
		if e.fields[0] == "EVENT" {
			t.Errorf("%s while the leader is stopped", e)
		}
	}
	for range 5 {
		for p := range alive {
			if p != leader {
				p.send(t, "rewatch")
				c.await(p, "WAITING", noEvent)
			}
		}
	}
	tKill := time.Now()
	leader.signal(t, syscall.SIGKILL)
	e := c.await(nil, "LEADER", func(e event) {
		if e.fields[0] == "EVENT" && e.at().Before(tKill) {
			t.Errorf("%s came before the kill", e)
		}
	})
	t.Logf("stopped then killed: new leader %s after %v", e.p.name, e.at().Sub(tKill))
}

// TestProcessRelease: a graceful release wakes the waiters at once with
// WatchChanged, and one of them takes the lease.
func TestProcessRelease(t *testing.T) {
	c, _, _, leader := lockCluster(t, 3)
	leader.send(t, "release")
	rel := c.await(leader, "RELEASING", nil)
	leader.dead = true // it exits
	e := c.await(nil, "LEADER", func(e event) {
		if e.fields[0] == "EVENT" && e.fields[1] != core.WatchChanged.String() {
			t.Errorf("%s; want changed after a release", e)
		}
	})
	t.Logf("release to new leader: %v", e.at().Sub(rel.at()))
	if e.int(1) != 2 {
		t.Errorf("new leader in term %d; want 2", e.int(1))
	}
}
