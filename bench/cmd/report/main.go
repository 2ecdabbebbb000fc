// Command report reads the outputs of one benchmark run (scripts/bench.sh)
// and prints one line per figure,
//
//	bench: NAME ours=VALUE peer=VALUE etcd=VALUE ratio=X goal=Y met|short
//
// where peer is client-go's elector and etcd is etcd's election, and writes
// bench/RESULTS.md with the machine, the date, the versions, the commands
// and the table. A peer figure that was not measured in this run (the quick
// run skips the slow ones) is shown as "baseline:VALUE", taken from the
// peer harnesses' recorded runs in bench/baseline/; one that is not
// available at all as "not-run".
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	out := flag.String("out", "out", "directory of the run's outputs (logs/ inside)")
	base := flag.String("baseline", "baseline", "directory of the peers' recorded baselines")
	mode := flag.String("mode", "full", "full | quick: named in RESULTS.md")
	results := flag.String("results", "RESULTS.md", "file to write the results to (empty: none)")
	flag.Parse()
	logs := filepath.Join(*out, "logs")
	r := &run{
		mode:  *mode,
		ours:  summaries(filepath.Join(logs, "ours_*.txt")),
		oursN: summariesAll(filepath.Join(logs, "ours_*.txt")),
		cg:    summaries(filepath.Join(logs, "cg_*.txt")),
		cgN:   summariesAll(filepath.Join(logs, "cg_*.txt")),
		etcd:  summaries(filepath.Join(logs, "etcd_*.txt")),
		fp:    summaries(filepath.Join(logs, "footprint.txt")),
		bench: benchMedians(filepath.Join(logs, "renew.txt")),
		cgB:   summaries(filepath.Join(*base, "clientgo.txt")),
		etcdB: summaries(filepath.Join(*base, "etcd.txt")),
		logs:  logs,
	}
	figs := r.figures()
	for _, f := range figs {
		fmt.Println(f.line())
	}
	if *results != "" {
		if err := os.WriteFile(*results, []byte(r.markdown(figs)), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "report:", err)
			os.Exit(1)
		}
	}
}

// run holds the parsed outputs of one run and the baselines.
type run struct {
	mode               string
	ours, cg, etcd, fp map[string]kv
	oursN, cgN         map[string][]kv // every line, for figures measured several times
	bench              map[string]kv
	cgB, etcdB         map[string]kv
	logs               string
}

// val is one cell: its text, the number the ratio uses, and where it came
// from.
type val struct {
	text     string
	num      float64
	ok       bool // measured (in this run or in the baseline)
	baseline bool // from the baseline, not this run
}

func (v val) String() string {
	switch {
	case !v.ok && v.text != "":
		return v.text
	case !v.ok:
		return "not-run"
	case v.baseline:
		return "baseline:" + v.text
	}
	return v.text
}

// figure is one line of the report and one row of the table.
type figure struct {
	name, label      string
	ours, peer, etcd val
	ratio            string
	goal             string
	met              bool
	meaning          string
}

func (f figure) status() string {
	if f.met {
		return "met"
	}
	return "short"
}

func (f figure) line() string {
	return fmt.Sprintf("bench: %s ours=%s peer=%s etcd=%s ratio=%s goal=%s %s",
		f.name, f.ours, f.peer, f.etcd, f.ratio, f.goal, f.status())
}

// pick returns the live summary when there is one, else the baseline one.
func pick(live, base map[string]kv, name, baseName string) (kv, bool, bool) {
	if m, ok := live[name]; ok {
		return m, false, true
	}
	if m, ok := base[baseName]; ok {
		return m, true, true
	}
	return nil, false, false
}

func ms(v float64) string {
	switch {
	case v < 1:
		return fmt.Sprintf("%.0fµs", v*1000)
	case v < 10:
		return fmt.Sprintf("%.2fms", v)
	case v < 1000:
		return fmt.Sprintf("%.1fms", v)
	}
	return fmt.Sprintf("%.2fs", v/1000)
}

func ns(v float64) string {
	if v < 1000 {
		return fmt.Sprintf("%.0fns", v)
	}
	return fmt.Sprintf("%.1fµs", v/1000)
}

func mib(b float64) string { return fmt.Sprintf("%.2fMiB", b/(1<<20)) }

func ratioText(r float64) string {
	switch {
	case r <= 0:
		return "-"
	case r < 10:
		return fmt.Sprintf("%.2fx", r)
	}
	return fmt.Sprintf("%.0fx", r)
}

func minPositive(xs ...float64) float64 {
	m := 0.0
	for _, x := range xs {
		if x > 0 && (m == 0 || x < m) {
			m = x
		}
	}
	return m
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
