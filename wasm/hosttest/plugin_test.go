package hosttest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/leaderelection/leaderelection/core"
)

// The ABI's numbers, as README.md documents them.
const (
	kindTick, kindGot, kindWritten, kindWatch, kindResign, kindStop = 1, 2, 3, 4, 5, 6
	codeOK, codeNotFound, codeConflict, codeError                   = 0, 1, 2, 3
	inputCap                                                        = 70 << 10
)

var (
	runtime  wazero.Runtime
	compiled wazero.CompiledModule
)

// TestMain builds the module (or takes $LE_WASM) and compiles it once.
func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	path := os.Getenv("LE_WASM")
	if path == "" {
		dir, err := os.MkdirTemp("", "hosttest")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "leaderelection.wasm")
		cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-ldflags=-s -w", "-o", path, "./wasm")
		cmd.Dir = "../.."
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building the module: %v\n%s", err, out)
			return 1
		}
	}
	bin, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx := context.Background()
	runtime = wazero.NewRuntime(ctx)
	defer runtime.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, runtime)
	if compiled, err = runtime.CompileModule(ctx, bin); err != nil {
		fmt.Fprintf(os.Stderr, "compiling %s: %v\n", path, err)
		return 1
	}
	return m.Run()
}

// plugin is one instance of the module, called through its exports only.
type plugin struct {
	t     testing.TB
	ctx   context.Context
	mod   api.Module
	input uint32 // a buffer from le_alloc for record and version bytes
}

// newPlugin instantiates the module as a reactor (its _initialize runs).
func newPlugin(t testing.TB) *plugin {
	t.Helper()
	ctx := context.Background()
	mod, err := runtime.InstantiateModule(ctx, compiled,
		wazero.NewModuleConfig().WithName("").WithStartFunctions("_initialize"))
	if err != nil {
		t.Fatalf("instantiate: %v", err)
	}
	t.Cleanup(func() { mod.Close(ctx) })
	p := &plugin{t: t, ctx: ctx, mod: mod}
	if p.input = p.alloc(inputCap); p.input == 0 {
		t.Fatalf("le_alloc(%d) = 0", inputCap)
	}
	return p
}

// call calls an export and returns its only result.
func (p *plugin) call(name string, args ...uint64) uint64 {
	p.t.Helper()
	fn := p.mod.ExportedFunction(name)
	if fn == nil {
		p.t.Fatalf("the module does not export %s", name)
	}
	res, err := fn.Call(p.ctx, args...)
	if err != nil {
		p.t.Fatalf("%s: %v", name, err)
	}
	return res[0]
}

func (p *plugin) read(ptr, n uint32) []byte {
	p.t.Helper()
	b, ok := p.mod.Memory().Read(ptr, n)
	if !ok {
		p.t.Fatalf("reading %d bytes at %d: out of memory range", n, ptr)
	}
	return append([]byte(nil), b...)
}

func (p *plugin) write(ptr uint32, b []byte) {
	p.t.Helper()
	if !p.mod.Memory().Write(ptr, b) {
		p.t.Fatalf("writing %d bytes at %d: out of memory range", len(b), ptr)
	}
}

// check turns a negative result into the module's error message.
func (p *plugin) check(ret int32) (int32, error) {
	if ret >= 0 {
		return ret, nil
	}
	ptr := api.DecodeU32(p.call("le_result"))
	return ret, errors.New(string(p.read(ptr, uint32(-ret))))
}

func (p *plugin) alloc(n uint32) uint32 { return api.DecodeU32(p.call("le_alloc", api.EncodeU32(n))) }

func (p *plugin) free(ptr uint32) error {
	_, err := p.check(api.DecodeI32(p.call("le_free", api.EncodeU32(ptr))))
	return err
}

// put writes the record then the version into the input buffer.
func (p *plugin) put(rec, ver []byte) (rp, rn, vp, vn uint64) {
	p.write(p.input, rec)
	p.write(p.input+uint32(len(rec)), ver)
	return api.EncodeU32(p.input), api.EncodeU32(uint32(len(rec))),
		api.EncodeU32(p.input + uint32(len(rec))), api.EncodeU32(uint32(len(ver)))
}

// config is le_new's arguments.
type config struct {
	id                             string
	lease, renew, retry, termLimit time.Duration
	seed                           uint64
	once                           bool
}

func (p *plugin) newMachine(c config) (int32, error) {
	rp, rn, _, _ := p.put([]byte(c.id), nil)
	flags := uint32(0)
	if c.once {
		flags = 1
	}
	return p.check(api.DecodeI32(p.call("le_new", rp, rn,
		api.EncodeI64(int64(c.lease)), api.EncodeI64(int64(c.renew)), api.EncodeI64(int64(c.retry)),
		api.EncodeI64(int64(c.termLimit)), c.seed, api.EncodeU32(flags))))
}

// input is one le_step input: kind, now (ns), bytes and code.
type input struct {
	kind     uint32
	now      int64
	rec, ver []byte
	code     uint32
}

func (p *plugin) step(h int32, in input) (output, error) {
	rp, rn, vp, vn := p.put(in.rec, in.ver)
	n, err := p.check(api.DecodeI32(p.call("le_step", api.EncodeI32(h), api.EncodeU32(in.kind),
		api.EncodeI64(in.now), rp, rn, vp, vn, api.EncodeU32(in.code))))
	if err != nil {
		return output{}, err
	}
	ptr := api.DecodeU32(p.call("le_result"))
	return decode(p.read(ptr, uint32(n)))
}

func (p *plugin) isLeader(h int32, now int64) (bool, error) {
	r, err := p.check(api.DecodeI32(p.call("le_is_leader", api.EncodeI32(h), api.EncodeI64(now))))
	return r == 1, err
}

// i64 calls an export that returns an i64, negative on failure.
func (p *plugin) i64(name string, h int32) (int64, error) {
	v := int64(p.call(name, api.EncodeI32(h)))
	if v < 0 {
		_, err := p.check(int32(v))
		return v, err
	}
	return v, nil
}

func (p *plugin) close(h int32) error {
	_, err := p.check(api.DecodeI32(p.call("le_close", api.EncodeI32(h))))
	return err
}

// output is a decoded le_step output, and also the native core's output
// converted to the same form (nativeOutput), so the two compare with cmp.
type output struct {
	Op, Role        uint8
	Until, Deadline int64
	Version, Record string
	Events          []event
}

type event struct {
	Kind, Reason uint8
	Term         int64
	Text         string
}

// decode parses the output format of README.md, rejecting any byte
// that does not fit it.
func decode(b []byte) (output, error) {
	le := binary.LittleEndian
	if len(b) < 28 {
		return output{}, fmt.Errorf("output of %d bytes: shorter than its 28-byte header", len(b))
	}
	o := output{Op: b[0], Role: b[1], Until: int64(le.Uint64(b[4:])), Deadline: int64(le.Uint64(b[12:]))}
	n := int(le.Uint16(b[2:]))
	vlen, rlen := int(le.Uint32(b[20:])), int(le.Uint32(b[24:]))
	rest := b[28:]
	if len(rest) < vlen+rlen {
		return output{}, fmt.Errorf("output truncated: version %d + record %d bytes, %d left", vlen, rlen, len(rest))
	}
	o.Version, o.Record = string(rest[:vlen]), string(rest[vlen:vlen+rlen])
	rest = rest[vlen+rlen:]
	for i := 0; i < n; i++ {
		if len(rest) < 16 {
			return output{}, fmt.Errorf("event %d truncated", i)
		}
		tlen := int(le.Uint32(rest[12:]))
		if rest[2] != 0 || rest[3] != 0 || len(rest) < 16+tlen {
			return output{}, fmt.Errorf("event %d malformed: % x", i, rest)
		}
		o.Events = append(o.Events, event{Kind: rest[0], Reason: rest[1], Term: int64(le.Uint64(rest[4:])),
			Text: string(rest[16 : 16+tlen])})
		rest = rest[16+tlen:]
	}
	if len(rest) != 0 {
		return output{}, fmt.Errorf("%d bytes after the last event", len(rest))
	}
	return o, nil
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// nativeOutput converts a native Step's output to the module's form.
func nativeOutput(out core.Output, role core.Role) output {
	a := out.Action
	o := output{Op: uint8(a.Op), Role: uint8(role), Until: unixNano(a.Until), Deadline: unixNano(a.Deadline),
		Version: string(a.Version)}
	if a.Op == core.OpCreate || a.Op == core.OpUpdate {
		o.Record = string(core.AppendRecord(nil, a.Record))
	}
	for _, e := range out.Events {
		ev := event{Kind: uint8(e.Kind), Reason: uint8(e.Reason), Term: e.Term}
		if e.Kind == core.EventNewLeader {
			ev.Text = e.Identity
		} else if e.Err != nil {
			ev.Text = e.Err.Error()
		}
		o.Events = append(o.Events, ev)
	}
	return o
}

// nativeInput is what the module makes of in, as README.md says: the
// record parsed (an unreadable one is a lock error), codes as sentinels.
func nativeInput(in input) core.Input {
	ci := core.Input{Kind: core.InputKind(in.kind), Now: time.Unix(0, in.now)}
	switch in.kind {
	case kindGot, kindWritten:
		switch in.code {
		case codeOK:
			ci.Version = core.Version(in.ver)
			if in.kind == kindGot {
				ci.Record, ci.Err = core.ParseRecord(in.rec)
			}
		case codeNotFound:
			ci.Err = core.ErrNotFound
		case codeConflict:
			ci.Err = core.ErrConflict
		case codeError:
			msg := string(in.rec)
			if msg == "" {
				msg = "wasm: the host reported a lock error"
			}
			ci.Err = errors.New(msg)
		}
	case kindWatch:
		ci.Watch, ci.Version = core.WatchEvent(in.code), core.Version(in.ver)
	}
	return ci
}

// splitmix is SplitMix64, the module's documented jitter source, so the
// native machine gets the same jitter from the same seed.
type splitmix struct{ s uint64 }

func (r *splitmix) Uint64() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// pair is one candidate twice: the native machine and the module's.
type pair struct {
	t   testing.TB
	p   *plugin
	h   int32
	nat *core.Machine
	cfg config
}

func newPair(t testing.TB, p *plugin, c config) *pair {
	t.Helper()
	h, err := p.newMachine(c)
	if err != nil {
		t.Fatalf("le_new(%+v): %v", c, err)
	}
	nat, err := core.NewMachine(core.Config{Identity: c.id, LeaseDuration: c.lease, RenewDeadline: c.renew,
		RetryPeriod: c.retry, TermLimit: c.termLimit, Rand: &splitmix{c.seed}, Once: c.once})
	if err != nil {
		t.Fatalf("core.NewMachine: %v", err)
	}
	return &pair{t: t, p: p, h: h, nat: nat, cfg: c}
}

// step feeds in to both machines, fails the test on any difference in
// their outputs or in their answers to the queries, and returns the
// module's output.
func (pr *pair) step(in input) output {
	pr.t.Helper()
	got, err := pr.p.step(pr.h, in)
	if err != nil {
		pr.t.Fatalf("%s: le_step(%s): %v", pr.cfg.id, in, err)
	}
	want := nativeOutput(pr.nat.Step(nativeInput(in)), pr.nat.Role())
	if diff := cmp.Diff(want, got); diff != "" {
		pr.t.Fatalf("%s: le_step(%s): the module differs from the core (-core +module):\n%s", pr.cfg.id, in, diff)
	}
	pr.compareQueries(in.now)
	return got
}

// compareQueries checks le_is_leader, le_term and le_leader_until against
// the core's IsLeader, Term and LeaderUntil.
func (pr *pair) compareQueries(now int64) {
	pr.t.Helper()
	for _, at := range []int64{now, now + int64(pr.cfg.renew)/2, now + int64(pr.cfg.renew)} {
		got, err := pr.p.isLeader(pr.h, at)
		if want := pr.nat.IsLeader(time.Unix(0, at)); err != nil || got != want {
			pr.t.Fatalf("%s: le_is_leader(%s) = %v, %v; the core says %v", pr.cfg.id, rel(at), got, err, want)
		}
	}
	if got, err := pr.p.i64("le_term", pr.h); err != nil || got != pr.nat.Term() {
		pr.t.Fatalf("%s: le_term = %d, %v; the core says %d", pr.cfg.id, got, err, pr.nat.Term())
	}
	if got, err := pr.p.i64("le_leader_until", pr.h); err != nil || got != unixNano(pr.nat.LeaderUntil()) {
		pr.t.Fatalf("%s: le_leader_until = %d, %v; the core says %v", pr.cfg.id, got, err, pr.nat.LeaderUntil())
	}
}

// t0 is the scripts' time zero, 2025-01-01T00:00:00Z.
var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()

// rel formats a time in ns as seconds after t0.
func rel(ns int64) string { return fmt.Sprintf("%.3fs", float64(ns-t0)/1e9) }

var (
	opNames     = []string{"wait", "get", "create", "update", "done"}
	roleNames   = []string{"candidate", "leader", "done"}
	eventNames  = []string{"", "started-leading", "stopped-leading", "new-leader"}
	reasonNames = []string{"", "resigned", "term-limit", "renew-deadline", "lost", "shutdown"}
	kindNames   = []string{"", "tick", "got", "written", "watch", "resign", "stop"}
)

func name(names []string, i uint8) string {
	if int(i) < len(names) {
		return names[i]
	}
	return fmt.Sprintf("?%d", i)
}

func (in input) String() string {
	s := name(kindNames, uint8(in.kind)) + " at " + rel(in.now)
	if in.code != 0 {
		s += fmt.Sprintf(" code=%d", in.code)
	}
	if len(in.ver) > 0 {
		s += " ver=" + string(in.ver)
	}
	if len(in.rec) > 0 {
		s += " rec=" + string(in.rec)
	}
	return s
}

// String summarizes an output for the scripts: the op and its fields, the
// record's counters, the role and the events.
func (o output) String() string {
	s := name(opNames, o.Op)
	if o.Version != "" {
		s += " " + o.Version
	}
	if o.Until != 0 {
		s += " until=" + rel(o.Until)
	}
	if o.Deadline != 0 {
		s += " deadline=" + rel(o.Deadline)
	}
	if o.Record != "" {
		r, err := core.ParseRecord([]byte(o.Record))
		if err != nil {
			s += " unreadable record: " + err.Error()
		} else {
			s += fmt.Sprintf(" {holder=%s lease=%v term=%d trans=%d seq=%d}",
				r.HolderIdentity, r.LeaseDuration, r.Term, r.LeaderTransitions, r.Seq)
		}
	}
	s += " role=" + name(roleNames, o.Role)
	for _, e := range o.Events {
		s += " [" + name(eventNames, e.Kind)
		if e.Term != 0 {
			s += fmt.Sprintf(" term=%d", e.Term)
		}
		if e.Reason != 0 {
			s += " reason=" + name(reasonNames, e.Reason)
		}
		if e.Text != "" {
			s += " " + e.Text
		}
		s += "]"
	}
	return s
}
