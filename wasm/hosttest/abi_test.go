package hosttest

import (
	"strings"
	"testing"

	"github.com/tetratelabs/wazero/api"
)

// TestABIErrors checks that every kind of bad call gets a negative result
// and an error message that says what was wrong, and that the module keeps
// working afterwards.
func TestABIErrors(t *testing.T) {
	p := newPlugin(t)
	c := base
	c.id, c.seed = "a", 1
	h, err := p.newMachine(c)
	if err != nil || h <= 0 {
		t.Fatalf("le_new = %d, %v; want a positive handle", h, err)
	}
	for _, tc := range badCalls(p, h) {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v; want one containing %q (%s)", err, tc.want, tc.reason)
			}
		})
	}

	// The machine still works after all that.
	if out, err := p.step(h, input{kind: kindTick, now: ms(0)}); err != nil || out.String() != "get deadline=1.500s role=candidate" {
		t.Fatalf("tick after the errors = %v, %v", out, err)
	}
}

type badCall struct {
	name   string
	call   func() error
	reason string // why it must fail; the message must contain want
	want   string
}

// badCalls lists calls that must fail, on plugin p with machine h.
func badCalls(p *plugin, h int32) []badCall {
	return []badCall{
		{"empty identity", func() error { _, err := p.newMachine(config{lease: 3, renew: 2, retry: 1}); return err },
			"the core requires an identity", "Identity"},
		{"renew not below lease", func() error {
			_, err := p.newMachine(config{id: "b", lease: 2e9, renew: 2e9, retry: 5e8})
			return err
		}, "the core requires LeaseDuration > RenewDeadline", "LeaseDuration > RenewDeadline"},
		{"unknown flag", func() error {
			rp, rn, _, _ := p.put([]byte("b"), nil)
			_, err := p.check(api.DecodeI32(p.call("le_new", rp, rn, api.EncodeI64(2e9), api.EncodeI64(15e8),
				api.EncodeI64(5e8), 0, 0, api.EncodeU32(2))))
			return err
		}, "only flag 1 (once) is defined", "unknown flags 2"},
		{"identity outside the buffers", func() error {
			_, err := p.check(api.DecodeI32(p.call("le_new", api.EncodeU32(8), api.EncodeU32(1), api.EncodeI64(2e9),
				api.EncodeI64(15e8), api.EncodeI64(5e8), 0, 0, 0)))
			return err
		}, "the module reads only bytes inside le_alloc buffers", "is not inside a buffer from le_alloc"},
		{"no such handle", func() error { _, err := p.step(h+100, input{kind: kindTick}); return err },
			"handles come from le_new", "no machine with handle " + itoa(int64(h+100))},
		{"kind 0", func() error { _, err := p.step(h, input{kind: 0}); return err },
			"kinds are 1 to 6", "unknown input kind 0"},
		{"kind 7", func() error { _, err := p.step(h, input{kind: 7}); return err },
			"kinds are 1 to 6", "unknown input kind 7"},
		{"kind 257", func() error { _, err := p.step(h, input{kind: 257}); return err },
			"a kind is not truncated to a byte (257 is not tick)", "unknown input kind 257"},
		{"tick with a code", func() error { _, err := p.step(h, input{kind: kindTick, code: 1}); return err },
			"a tick has no result", "code must be 0"},
		{"success without a version", func() error { _, err := p.step(h, input{kind: kindGot, rec: []byte("{}")}); return err },
			"a read's version is the precondition of the next write", "needs its version"},
		{"unknown result code", func() error { _, err := p.step(h, input{kind: kindWritten, code: 4}); return err },
			"codes are 0 to 3", "unknown result code 4"},
		{"result code 256", func() error { _, err := p.step(h, input{kind: kindGot, code: 256}); return err },
			"a code is not truncated to a byte", "unknown result code 256"},
		{"watch code 257", func() error { _, err := p.step(h, input{kind: kindWatch, code: 257, ver: []byte("v1")}); return err },
			"a code is not truncated to a byte", "unknown watch code 257"},
		{"unknown watch code", func() error { _, err := p.step(h, input{kind: kindWatch, code: 0, ver: []byte("v1")}); return err },
			"watch codes are 1 and 2", "unknown watch code 0"},
		{"record past its buffer", func() error {
			_, err := p.check(api.DecodeI32(p.call("le_step", api.EncodeI32(h), api.EncodeU32(kindGot), 0,
				api.EncodeU32(p.input+inputCap-2), api.EncodeU32(10), api.EncodeU32(p.input), api.EncodeU32(1), 0)))
			return err
		}, "bytes must lie inside one buffer", "the record (10 bytes at"},
		{"free of a foreign address", func() error { return p.free(p.input + 1) },
			"only le_alloc's own addresses can be freed", "is not an address le_alloc returned"},
		{"is_leader of no machine", func() error { _, err := p.isLeader(-1, 0); return err },
			"handles are positive", "le_is_leader: no machine with handle -1"},
		{"term of no machine", func() error { _, err := p.i64("le_term", 0); return err },
			"handles are positive", "le_term: no machine with handle 0"},
		{"leader_until of no machine", func() error { _, err := p.i64("le_leader_until", 99); return err },
			"no machine has that handle", "le_leader_until: no machine with handle 99"},
		{"close of no machine", func() error { return p.close(99) },
			"no machine has that handle", "le_close: no machine with handle 99"},
	}
}

func TestABIAllocFree(t *testing.T) {
	p := newPlugin(t)
	if got := p.alloc(0); got != 0 {
		t.Errorf("le_alloc(0) = %d, want 0", got)
	}
	if got := p.alloc(16<<20 + 1); got != 0 {
		t.Errorf("le_alloc(16 MiB + 1) = %d, want 0 (over the limit)", got)
	}
	big := p.alloc(16 << 20)
	if big == 0 {
		t.Fatal("le_alloc(16 MiB) = 0, want a buffer")
	}
	p.write(big+16<<20-1, []byte{1}) // its last byte is in memory
	if err := p.free(big); err != nil {
		t.Fatalf("le_free: %v", err)
	}
	if err := p.free(big); err == nil || !strings.Contains(err.Error(), "le_free") {
		t.Fatalf("second le_free = %v, want an error", err)
	}
	if err := p.free(0); err != nil {
		t.Fatalf("le_free(0) = %v, want nil (nothing to free)", err)
	}
}

// TestABIHandles runs two machines side by side in one instance, and
// checks that a closed handle is gone and never reused.
func TestABIHandles(t *testing.T) {
	p := newPlugin(t)
	ca, cb := base, base
	ca.id, ca.seed, cb.id, cb.seed = "a", 1, "b", 2
	a, b := newPair(t, p, ca), newPair(t, p, cb)
	if a.h == b.h {
		t.Fatalf("two machines got handle %d", a.h)
	}
	a.step(tick(ms(0)))
	b.step(tick(ms(0)))
	a.step(result(kindGot, ms(1), codeNotFound, ""))
	b.step(result(kindGot, ms(1), codeNotFound, ""))
	a.step(written(ms(2), "v1"))
	if out := b.step(result(kindWritten, ms(2), codeConflict, "")); out.String() != "get deadline=1.502s role=candidate" {
		t.Fatalf("b after its conflict: %v", out)
	}
	if err := p.close(a.h); err != nil {
		t.Fatalf("le_close: %v", err)
	}
	if _, err := p.step(a.h, input{kind: kindTick, now: ms(3)}); err == nil {
		t.Fatal("le_step on a closed handle succeeded")
	}
	c := base
	c.id = "c"
	if h, err := p.newMachine(c); err != nil || h == a.h || h == b.h {
		t.Fatalf("le_new after a close = %d, %v; want a fresh handle", h, err)
	}
	b.step(tick(ms(10))) // b is untouched
}
