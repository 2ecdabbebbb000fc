package core_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/leaderelection/leaderelection/core"
)

// The scripted scenarios in testdata/*.txt, in the manner of etcd raft's
// interaction tests. A script is a sequence of blocks:
//
//	# comments (kept when rewriting)
//	command arg key=value …
//	----
//	expected output (no blank lines)
//
// separated by blank lines. `go test -run TestInteraction -update`
// rewrites the expected output with the actual one. The commands are
// listed in the doc comment of exec below; the world is in world_test.go.

var update = flag.Bool("update", false, "rewrite testdata/*.txt with the actual output")

func TestInteraction(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts in testdata: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			runScript(t, file)
		})
	}
}

// block is one command of a script with its expected output.
type block struct {
	pre  []string // comment lines before the command
	cmd  string
	line int
	want string
	got  string
}

func parseScript(file string) ([]*block, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	var blocks []*block
	b := &block{}
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.TrimSpace(l) == "" {
			continue
		}
		if strings.HasPrefix(l, "#") {
			b.pre = append(b.pre, l)
			continue
		}
		b.cmd, b.line = l, i+1
		if i+1 >= len(lines) || lines[i+1] != "----" {
			return nil, fmt.Errorf("%s:%d: want ---- after the command", file, i+1)
		}
		i += 2
		var want []string
		for ; i < len(lines) && lines[i] != ""; i++ {
			want = append(want, lines[i])
		}
		b.want = strings.Join(want, "\n")
		blocks = append(blocks, b)
		b = &block{}
	}
	return blocks, nil
}

func runScript(t *testing.T, file string) {
	blocks, err := parseScript(file)
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld()
	for _, b := range blocks {
		w.out.Reset()
		if err := w.exec(b.cmd); err != nil {
			w.printf("error: %v", err)
		}
		b.got = strings.TrimRight(w.out.String(), "\n")
		if !*update && b.got != b.want {
			t.Errorf("%s:%d: %s: output mismatch (-want +got):\n%s", file, b.line, b.cmd,
				cmp.Diff(strings.Split(b.want, "\n"), strings.Split(b.got, "\n")))
		}
	}
	if *update {
		var sb strings.Builder
		for i, b := range blocks {
			if i > 0 {
				sb.WriteString("\n")
			}
			for _, p := range b.pre {
				sb.WriteString(p + "\n")
			}
			sb.WriteString(b.cmd + "\n----\n")
			if b.got != "" {
				sb.WriteString(b.got + "\n")
			}
		}
		if err := os.WriteFile(file, []byte(sb.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// args holds a command's positional arguments and key=value options.
type args struct {
	pos  []string
	opts map[string]string
	used map[string]bool
}

func parseArgs(fields []string) *args {
	a := &args{opts: map[string]string{}, used: map[string]bool{}}
	for _, f := range fields {
		if k, v, ok := strings.Cut(f, "="); ok {
			a.opts[k] = v
		} else {
			a.pos = append(a.pos, f)
		}
	}
	return a
}

func (a *args) opt(k string) (string, bool) {
	v, ok := a.opts[k]
	a.used[k] = true
	return v, ok
}

func (a *args) dur(k string, dst *time.Duration) error {
	if v, ok := a.opt(k); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("%s: %v", k, err)
		}
		*dst = d
	}
	return nil
}

func (a *args) int(k string, dst *int64) error {
	if v, ok := a.opt(k); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("%s: %v", k, err)
		}
		*dst = n
	}
	return nil
}

// unused reports an option the command does not know.
func (a *args) unused() error {
	for k := range a.opts {
		if !a.used[k] {
			return fmt.Errorf("unknown option %s", k)
		}
	}
	return nil
}

// at parses a true time: "+D" is D from now, "D" is D after epoch.
func (w *world) at(s string) (time.Duration, error) {
	rel := strings.HasPrefix(s, "+")
	d, err := time.ParseDuration(strings.TrimPrefix(s, "+"))
	if err != nil {
		return 0, err
	}
	if rel {
		d += w.now
	}
	if d < w.now {
		return 0, fmt.Errorf("time %s is in the past (now %s)", clock(d), clock(w.now))
	}
	return d, nil
}

// cfgOpts applies the config options of a to cfg.
func cfgOpts(a *args, cfg *core.Config) error {
	for k, dst := range map[string]*time.Duration{"lease": &cfg.LeaseDuration,
		"renew": &cfg.RenewDeadline, "retry": &cfg.RetryPeriod, "termlimit": &cfg.TermLimit} {
		if err := a.dur(k, dst); err != nil {
			return err
		}
	}
	if v, ok := a.opt("once"); ok {
		cfg.Once = v == "true"
	}
	return nil
}

// exec runs one command:
//
//	config [lease=D] [renew=D] [retry=D] [termlimit=D] [once=true] [latency=D] [watch=true]
//	    defaults for the candidates added later; watch=true delivers watch
//	    inputs (changed, holder-gone) as a Watcher would
//	add NAME [offset=±D] [latency=D] [seed=N] [config options]
//	    a candidate whose clock is offset from true time; it ticks now
//	set NAME latency=D   change NAME's call latency
//	run T [quiet]        process events until T ("+D": D from now); quiet prints events only
//	tick|resign|stop NAME    feed that input to NAME now
//	watch NAME changed|holder-gone [v=VER]   feed a watch input for VER (default: the watched version)
//	fail NAME op=get|create|update|any [n=N] [kind=error|lost|timeout]
//	pause NAME / resume NAME   no input reaches NAME meanwhile
//	crash NAME           NAME is gone (holder-gone to watchers with watch=true)
//	write [holder=X] [lease=D] [term=N] [trans=N] [seq=N] [skew=±D]   a foreign write
//	delete               remove the record
//	isleader NAME [at=T] IsLeader on NAME's clock at true time T
//	store                print the stored record
//	check                print the safety checker's counts
func (w *world) exec(line string) error {
	fields := strings.Fields(line)
	a := parseArgs(fields[1:])
	var err error
	switch fields[0] {
	case "config":
		err = w.cmdConfig(a)
	case "add":
		err = w.cmdAdd(a)
	case "set":
		err = w.cmdSet(a)
	case "run":
		err = w.cmdRun(a)
	case "tick", "resign", "stop", "watch":
		err = w.cmdInput(fields[0], a)
	case "fail":
		err = w.cmdFail(a)
	case "pause", "resume", "crash":
		err = w.cmdProcess(fields[0], a)
	case "write":
		err = w.cmdWrite(a)
	case "delete":
		w.store.data = nil
		w.changed(core.WatchChanged, "")
	case "isleader":
		err = w.cmdIsLeader(a)
	case "store":
		w.cmdStore()
	case "check":
		w.printf("steps=%d writes=%d max-leaders-at-once=%d violations=%d",
			w.steps, w.writes, w.maxLeaders, w.violations)
	default:
		return fmt.Errorf("unknown command %q", fields[0])
	}
	if err != nil {
		return err
	}
	return a.unused()
}

func (w *world) cmdConfig(a *args) error {
	if err := cfgOpts(a, &w.cfg); err != nil {
		return err
	}
	if err := a.dur("latency", &w.latency); err != nil {
		return err
	}
	if v, ok := a.opt("watch"); ok {
		w.watch = v == "true"
	}
	return nil
}

func (w *world) cmdAdd(a *args) error {
	if len(a.pos) != 1 {
		return fmt.Errorf("add NAME")
	}
	cfg := w.cfg
	offset, latency, seed := time.Duration(0), w.latency, int64(1)
	if err := cfgOpts(a, &cfg); err != nil {
		return err
	}
	if err := a.dur("offset", &offset); err != nil {
		return err
	}
	if err := a.dur("latency", &latency); err != nil {
		return err
	}
	if err := a.int("seed", &seed); err != nil {
		return err
	}
	return w.add(a.pos[0], cfg, offset, latency, uint64(seed))
}

func (w *world) cmdSet(a *args) error {
	if len(a.pos) != 1 {
		return fmt.Errorf("set NAME latency=D")
	}
	c, err := w.cand(a.pos[0])
	if err != nil {
		return err
	}
	return a.dur("latency", &c.latency)
}

func (w *world) cmdRun(a *args) error {
	if len(a.pos) < 1 {
		return fmt.Errorf("run T [quiet]")
	}
	until, err := w.at(a.pos[0])
	if err != nil {
		return err
	}
	w.quiet = len(a.pos) > 1 && a.pos[1] == "quiet"
	steps, writes := w.steps, w.writes
	err = w.run(until)
	if w.quiet {
		w.printf("(%d steps, %d writes until %s)", w.steps-steps, w.writes-writes, clock(w.now))
	}
	w.quiet = false
	return err
}

func (w *world) cmdInput(cmd string, a *args) error {
	if len(a.pos) < 1 {
		return fmt.Errorf("%s NAME", cmd)
	}
	c, err := w.cand(a.pos[0])
	if err != nil {
		return err
	}
	if c.done || c.crashed {
		return fmt.Errorf("%s is not running", c.name)
	}
	switch cmd {
	case "tick":
		w.step(c, core.Input{Kind: core.InputTick}, "tick")
	case "resign":
		w.step(c, core.Input{Kind: core.InputResign}, "resign")
	case "stop":
		w.step(c, core.Input{Kind: core.InputStop}, "stop")
	case "watch":
		ev := core.WatchChanged
		if len(a.pos) > 1 && a.pos[1] == "holder-gone" {
			ev = core.WatchHolderGone
		}
		ver := c.act.Version
		if v, ok := a.opt("v"); ok {
			ver = core.Version(v)
		}
		w.step(c, core.Input{Kind: core.InputWatch, Watch: ev, Version: ver}, fmt.Sprintf("watch %v %s", ev, ver))
	}
	return nil
}

func (w *world) cmdFail(a *args) error {
	if len(a.pos) != 1 {
		return fmt.Errorf("fail NAME op=…")
	}
	c, err := w.cand(a.pos[0])
	if err != nil {
		return err
	}
	f := failure{n: 1, kind: "error"}
	op, _ := a.opt("op")
	switch op {
	case "get":
		f.op = core.OpGet
	case "create":
		f.op = core.OpCreate
	case "update":
		f.op = core.OpUpdate
	case "any":
		f.op = core.OpDone
	default:
		return fmt.Errorf("op=get|create|update|any")
	}
	var n int64 = 1
	if err := a.int("n", &n); err != nil {
		return err
	}
	f.n = int(n)
	if k, ok := a.opt("kind"); ok {
		f.kind = k
	}
	c.fails = append(c.fails, f)
	return nil
}

func (w *world) cmdProcess(cmd string, a *args) error {
	if len(a.pos) != 1 {
		return fmt.Errorf("%s NAME", cmd)
	}
	c, err := w.cand(a.pos[0])
	if err != nil {
		return err
	}
	switch cmd {
	case "pause":
		c.paused = true
	case "resume":
		c.paused = false
		if c.has && c.at < w.now {
			w.schedule(c, w.now) // the late event happens now
		}
	case "crash":
		c.crashed = true
		w.changed(core.WatchHolderGone, c.name)
	}
	return nil
}

func (w *world) cmdWrite(a *args) error {
	r := core.Record{LeaseDuration: w.cfg.LeaseDuration}
	if old, err := core.ParseRecord(w.store.data); w.store.data != nil && err == nil {
		r = old
		r.Seq++
	}
	var skew time.Duration
	r.HolderIdentity, _ = a.opt("holder")
	if err := a.dur("lease", &r.LeaseDuration); err != nil {
		return err
	}
	if err := a.dur("skew", &skew); err != nil {
		return err
	}
	for k, dst := range map[string]*int64{"term": &r.Term, "trans": &r.LeaderTransitions, "seq": &r.Seq} {
		if err := a.int(k, dst); err != nil {
			return err
		}
	}
	r.RenewTime = epoch.Add(w.now + skew)
	if r.AcquireTime.IsZero() || r.HolderIdentity != "" {
		r.AcquireTime = r.RenewTime
	}
	v := w.put(r, "write")
	w.printf("%s %s", v, fmtRec(r))
	return nil
}

func (w *world) cmdIsLeader(a *args) error {
	if len(a.pos) != 1 {
		return fmt.Errorf("isleader NAME [at=T]")
	}
	c, err := w.cand(a.pos[0])
	if err != nil {
		return err
	}
	t := w.now
	if v, ok := a.opt("at"); ok {
		if t, err = w.at(v); err != nil {
			return err
		}
	}
	until := "-"
	if u := c.m.LeaderUntil(); !u.IsZero() {
		until = clock(c.trueTime(u))
	}
	w.printf("%s at %s: isleader=%v role=%v term=%d leader-until=%s", c.name, clock(t),
		c.m.IsLeader(c.local(t)), c.m.Role(), c.m.Term(), until)
	return nil
}

func (w *world) cmdStore() {
	if w.store.data == nil {
		w.printf("no record (version counter %d)", w.store.ver)
		return
	}
	r, err := core.ParseRecord(w.store.data)
	if err != nil {
		w.printf("unparsable record: %v", err)
		return
	}
	w.printf("%s %s", w.store.version(), fmtRec(r))
	w.printf("  acquireTime=%s renewTime=%s", r.AcquireTime.Format(time.RFC3339Nano),
		r.RenewTime.Format(time.RFC3339Nano))
}
