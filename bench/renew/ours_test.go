package renew

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/leaderelection/leaderelection/core"
	"github.com/leaderelection/leaderelection/locks/mem"
)

// The timings of the peer's tryAcquireOrRenew benchmark (elector() in
// clientgo_test.go): client-go's defaults.
const (
	lease = 15 * time.Second
	renew = 10 * time.Second
	retry = 2 * time.Second
)

func machine(b *testing.B, id string) *core.Machine {
	m, err := core.NewMachine(core.Config{Identity: id, LeaseDuration: lease, RenewDeadline: renew,
		RetryPeriod: retry, Rand: rand.NewPCG(1, 2)})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// step feeds in to m, does what it asks on lock as the driver does (one
// clock read per input), and returns the wait it ends with.
func step(b *testing.B, ctx context.Context, m *core.Machine, lock core.Lock, in core.Input, off time.Duration) core.Action {
	for {
		in.Now = time.Now().Add(off)
		out := m.Step(in)
		a := out.Action
		switch a.Op {
		case core.OpWait:
			return a
		case core.OpGet:
			r, v, err := lock.Get(ctx)
			in = core.Input{Kind: core.InputGot, Record: r, Version: v, Err: err}
		case core.OpCreate:
			v, err := lock.Create(ctx, a.Record)
			in = core.Input{Kind: core.InputWritten, Version: v, Err: err}
		case core.OpUpdate:
			v, err := lock.Update(ctx, a.Record, a.Version)
			in = core.Input{Kind: core.InputWritten, Version: v, Err: err}
		default:
			b.Fatalf("unexpected action %v", a.Op)
		}
	}
}

// BenchmarkRenewRound is one leader renew round of this project: the core
// machine's decision (a tick: renew now), the compare-and-swap on the
// in-memory lock, and the machine taking the answer (wait until the next
// renewal), with the two clock reads the driver makes. Time moves on by
// RetryPeriod per round, so every round renews. It is the counterpart of
// client-go's tryAcquireOrRenew as a leader.
func BenchmarkRenewRound(b *testing.B) {
	ctx := context.Background()
	lock := mem.NewStore().Lock("a")
	m := machine(b, "a")
	step(b, ctx, m, lock, core.Input{Kind: core.InputTick}, 0)
	if m.Role() != core.RoleLeader {
		b.Fatal("did not acquire")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 1; i <= b.N; i++ {
		step(b, ctx, m, lock, core.Input{Kind: core.InputTick}, time.Duration(i)*retry)
	}
	b.StopTimer()
	if m.Role() != core.RoleLeader {
		b.Fatal("lost the lease")
	}
	if _, v, _ := lock.Get(ctx); v == "" {
		b.Fatal("no record")
	}
}

// BenchmarkFollowerPoll is one poll of a follower: the machine asks to
// read, the in-memory lock answers with a foreign lease held for an hour,
// and the machine decides to wait. The counterpart of client-go's
// tryAcquireOrRenew as a follower.
func BenchmarkFollowerPoll(b *testing.B) {
	ctx := context.Background()
	store := mem.NewStore()
	if _, err := store.Lock("holder").Create(ctx, core.Record{HolderIdentity: "holder", LeaseDuration: 1 << 62, Term: 1, Seq: 1}); err != nil {
		b.Fatal(err)
	}
	lock := store.Lock("b")
	m := machine(b, "b")
	step(b, ctx, m, lock, core.Input{Kind: core.InputTick}, 0)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 1; i <= b.N; i++ {
		step(b, ctx, m, lock, core.Input{Kind: core.InputTick}, time.Duration(i)*retry*2)
	}
	b.StopTimer()
	if m.Role() != core.RoleCandidate || m.Leader() != "holder" {
		b.Fatalf("role %v leader %q: the follower took a valid foreign lease", m.Role(), m.Leader())
	}
}

// BenchmarkRenewDecision is the core's decision alone for one renew round:
// the tick that asks for the renewal and the answer that ends in a wait,
// with the lock's answer made up (a fresh version each round).
func BenchmarkRenewDecision(b *testing.B) {
	m := machine(b, "a")
	t0 := time.Now()
	vers := [2]core.Version{"v1", "v2"}
	out := m.Step(core.Input{Kind: core.InputTick, Now: t0})
	if out.Action.Op != core.OpGet {
		b.Fatal("expected a read")
	}
	out = m.Step(core.Input{Kind: core.InputGot, Now: t0, Err: errNotFound})
	out = m.Step(core.Input{Kind: core.InputWritten, Now: t0, Version: vers[0]})
	if m.Role() != core.RoleLeader {
		b.Fatal("did not acquire")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 1; i <= b.N; i++ {
		now := t0.Add(time.Duration(i) * retry)
		out = m.Step(core.Input{Kind: core.InputTick, Now: now})
		if out.Action.Op != core.OpUpdate {
			b.Fatalf("round %d: %v, want update", i, out.Action.Op)
		}
		out = m.Step(core.Input{Kind: core.InputWritten, Now: now, Version: vers[i&1]})
		if out.Action.Op != core.OpWait {
			b.Fatalf("round %d: %v, want wait", i, out.Action.Op)
		}
	}
}

var errNotFound = errors.Join(core.ErrNotFound)
