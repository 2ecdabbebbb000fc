package main

import (
	"fmt"
	"strings"
)

// latency renders a p50/p99 pair (milliseconds) of a summary. Where the
// summary has no p99, its max is the nearest-rank p99 (all runs here have
// at most 100 trials, for which the two are the same).
func latency(m kv, isBase, ok bool) val {
	if !ok {
		return val{}
	}
	p50, ok1 := m.num("p50")
	p99, ok2 := m.num("p99")
	if !ok2 {
		p99, ok2 = m.num("max")
	}
	if !ok1 || !ok2 {
		return val{}
	}
	return val{text: ms(p50) + "/" + ms(p99), num: p50, ok: true, baseline: isBase}
}

func p99(m kv) float64 {
	if v, ok := m.num("p99"); ok {
		return v
	}
	v, _ := m.num("max")
	return v
}

func (r *run) figures() []figure {
	var figs []figure
	figs = append(figs, r.renew())
	figs = append(figs, r.graceful("file"), r.graceful("http"), r.crash())
	figs = append(figs, r.partition())
	figs = append(figs, r.memory("leader", "memory_leader_return"), r.memory("follower", "memory_follower_block"))
	figs = append(figs, r.binsize(), r.wasm(), r.modules())
	figs = append(figs, r.safety()...)
	return figs
}

func (r *run) renew() figure {
	f := figure{name: "renew_round", label: "one leader renew round: time, allocs",
		goal:    ">=100x-less-time,0-allocs-in-core",
		meaning: "CPU an elector spends per renewal: what a process running many elections pays every RetryPeriod."}
	var oursNs, decAllocs float64
	if b, ok := r.bench["RenewRound"]; ok {
		oursNs, _ = b.num("ns/op")
		a, _ := b.num("allocs/op")
		decAllocs = -1
		if d, ok := r.bench["RenewDecision"]; ok {
			decAllocs, _ = d.num("allocs/op")
			dn, _ := d.num("ns/op")
			f.ours = val{text: fmt.Sprintf("%s/%.0fallocs(core:%s/%.0fallocs)", ns(oursNs), a, ns(dn), decAllocs), num: oursNs, ok: true}
		} else {
			f.ours = val{text: fmt.Sprintf("%s/%.0fallocs", ns(oursNs), a), num: oursNs, ok: true}
		}
	}
	if b, ok := r.bench["TryAcquireOrRenew/Leader/fake-simple"]; ok {
		v, _ := b.num("ns/op")
		a, _ := b.num("allocs/op")
		f.peer = val{text: fmt.Sprintf("%s/%.0fallocs", ns(v), a), num: v, ok: true}
	} else if b, ok := r.cgB["bench_TryAcquireOrRenew/Leader/fake-simple"]; ok {
		v, _ := b.num("ns/op")
		a, _ := b.num("allocs/op")
		f.peer = val{text: fmt.Sprintf("%s/%.0fallocs", ns(v), a), num: v, ok: true, baseline: true}
	}
	if m, isBase, ok := pick(r.etcd, r.etcdB, "keepalive_steady_client_cost", "keepalive_steady_client_cost"); ok {
		c, _ := m.num("cpu_ns_per_keepalive")
		a, _ := m.num("allocs_per_keepalive")
		f.etcd = val{text: fmt.Sprintf("%s-client-cpu/%.1fallocs", ns(c), a), num: c, ok: true, baseline: isBase}
	}
	if f.ours.ok && f.peer.ok {
		ratio := f.peer.num / f.ours.num
		f.ratio = ratioText(ratio)
		f.met = ratio >= 100 && decAllocs == 0
	} else {
		f.ratio = "-"
	}
	return f
}

func (r *run) graceful(lock string) figure {
	f := figure{name: "handover_graceful_" + lock}
	limit99 := 2.0
	switch lock {
	case "file":
		f.label = "graceful handover p50/p99, file lock"
		f.meaning = "How long no process is active when the leader steps down on purpose (deploy, restart) on one host."
	case "http":
		f.label = "graceful handover p50/p99, HTTP lock (long-poll)"
		f.meaning = "The same across hosts through the reference lock server."
		limit99 = 5
	}
	f.goal = fmt.Sprintf("p50<1ms,p99<%.0fms,ahead-of-both,0-overlaps", limit99)
	m, ok := r.ours["ours_handover_graceful_"+lock]
	f.ours = latency(m, false, ok)
	f.peer = latency(pick(r.cg, r.cgB, "handover_graceful", "handover_graceful"))
	f.etcd = latency(pick(r.etcd, r.etcdB, "handover_resign", "handover_resign"))
	best := minPositive(f.peer.num, f.etcd.num)
	f.ratio = "-"
	if f.ours.ok && best > 0 {
		f.ratio = ratioText(best / f.ours.num)
		ov, _ := m.num("overlaps")
		f.met = f.ours.num < 1 && p99(m) < limit99 && f.ours.num < best && ov == 0
	}
	return f
}

func (r *run) crash() figure {
	f := figure{name: "crash_failover_file", label: "crash failover p50/p99 (kill -9), file lock",
		goal:    ">=100x-faster-than-either,p99<50ms",
		meaning: "How long no process is active after the leader process dies on one host."}
	m, ok := r.ours["ours_handover_crash_file"]
	f.ours = latency(m, false, ok)
	f.peer = latency(pick(r.cg, r.cgB, "handover_crash", "handover_crash"))
	f.etcd = latency(pick(r.etcd, r.etcdB, "crash_failover_ttl2", "crash_failover_ttl2"))
	best := minPositive(f.peer.num, f.etcd.num)
	f.ratio = "-"
	if f.ours.ok && best > 0 {
		ratio := best / f.ours.num
		f.ratio = ratioText(ratio)
		f.met = ratio >= 100 && p99(m) < 50
	}
	return f
}

func (r *run) partition() figure {
	f := figure{name: "partition_two_leaders", label: "partition: the leader's calls fail; trials with two leaders at once",
		goal: "0", etcd: val{text: "n/a"}, ratio: "-",
		meaning: "Whether a leader cut off from the store can still be acting while another has taken over."}
	count := func(m kv, isBase, ok bool) val {
		if !ok {
			return val{}
		}
		o, _ := m.num("overlaps")
		n, okN := m.num("trials")
		if !okN {
			n, _ = m.num("n")
		}
		return val{text: fmt.Sprintf("%.0f/%.0f", o, n), num: o, ok: true, baseline: isBase}
	}
	m, ok := r.ours["ours_handover_partition"]
	f.ours = count(m, false, ok)
	f.peer = count(pick(r.cg, r.cgB, "handover_partition", "handover_partition"))
	f.met = f.ours.ok && f.ours.num == 0
	return f
}

func (r *run) memory(role, peerName string) figure {
	f := figure{name: "idle_memory_" + role, goal: "<=1/4-of-the-smaller,0-goroutines"}
	if role == "leader" {
		f.label = "memory per idle elector (1,000 electors, leading), heap+stack; goroutines"
		f.meaning = "What each election costs while nothing happens, for a process running one elector per task."
	} else {
		f.label = "memory per idle elector (1,000 electors, following), heap+stack; goroutines"
		f.meaning = "The same for electors that wait behind another holder."
	}
	// Repeated runs: the run with the median heap per elector, and how many
	// there were (HeapInuse is counted in whole pages, so one run is noisy).
	mem := func(m kv, runs int, isBase, ok bool) (val, float64) {
		if !ok {
			return val{}, 0
		}
		h, _ := m.num("heap_per_elector")
		g, _ := m.num("goroutines_per_elector")
		text := fmt.Sprintf("%.0fB/%.2fgoroutines", h, g)
		if runs > 1 {
			text += fmt.Sprintf("(median-of-%d)", runs)
		}
		return val{text: text, num: h, ok: true, baseline: isBase}, g
	}
	m, n := medianBy(r.oursN["ours_memory_"+role], "heap_per_elector")
	var g float64
	f.ours, g = mem(m, n, false, n > 0)
	if pm, pn := medianBy(r.cgN[peerName], "heap_per_elector"); pn > 0 {
		f.peer, _ = mem(pm, pn, false, true)
	} else {
		f.peer, _ = mem(r.cgB[peerName], 1, true, r.cgB[peerName] != nil)
	}
	if e, isBase, ok := pick(r.etcd, r.etcdB, "idle_per_candidate", "idle_per_candidate"); ok {
		h, _ := e.num("heap_bytes")
		s, _ := e.num("stack_bytes")
		gg, _ := e.num("goroutines")
		f.etcd = val{text: fmt.Sprintf("%.0fB/%.2fgoroutines", h+s, gg), num: h + s, ok: true, baseline: isBase}
	}
	best := minPositive(f.peer.num, f.etcd.num)
	f.ratio = "-"
	if f.ours.ok && best > 0 {
		ratio := best / max(f.ours.num, 1)
		f.ratio = ratioText(ratio)
		f.met = ratio >= 4 && g < 0.005
	}
	return f
}

func (r *run) binsize() figure {
	f := figure{name: "binary_size", label: "binary size of a minimal elector program (-trimpath -ldflags='-s -w')",
		goal:    "<=1/5-of-the-smaller",
		meaning: "What the library adds to a program you ship."}
	size := func(m kv, key string, isBase, ok bool) val {
		if !ok {
			return val{}
		}
		b, okb := m.num(key)
		if !okb {
			return val{}
		}
		return val{text: mib(b), num: b, ok: true, baseline: isBase}
	}
	m, ok := r.fp["binsize_ours"]
	f.ours = size(m, "bytes", false, ok)
	if m, ok := r.fp["binsize_clientgo"]; ok {
		f.peer = size(m, "bytes", false, true)
	} else {
		m, isBase, ok := pick(nil, r.cgB, "", "binsize_fake")
		f.peer = size(m, "bytes", isBase, ok)
	}
	if m, ok := r.fp["binsize_etcd"]; ok {
		f.etcd = size(m, "bytes", false, true)
	} else {
		m, isBase, ok := pick(nil, r.etcdB, "", "binary_minimal")
		f.etcd = size(m, "bytes_stripped", isBase, ok)
	}
	best := minPositive(f.peer.num, f.etcd.num)
	f.ratio = "-"
	if f.ours.ok && best > 0 {
		ratio := best / f.ours.num
		f.ratio, f.met = ratioText(ratio), ratio >= 5
	}
	return f
}

func (r *run) wasm() figure {
	f := figure{name: "wasm_size", label: "wasm module size (GOOS=wasip1)", goal: "<=1/18-of-client-go",
		meaning: "Whether the election logic fits in a plugin for a proxy, a database or an edge runtime."}
	if m, ok := r.fp["wasm_ours"]; ok {
		if b, ok := m.num("bytes"); ok && b > 0 {
			f.ours = val{text: mib(b), num: b, ok: true}
		} else {
			f.ours = val{text: "build-failed"}
		}
	}
	if m, ok := r.fp["wasm_clientgo"]; ok {
		if b, ok := m.num("bytes"); ok && b > 0 {
			f.peer = val{text: mib(b), num: b, ok: true}
		}
	} else if m, ok := r.cgB["wasm_wasip1"]; ok {
		b, _ := m.num("bin_bytes")
		f.peer = val{text: mib(b), num: b, ok: true, baseline: true}
	}
	if m, ok := r.fp["wasm_etcd"]; ok && m["ok"] == "false" {
		f.etcd = val{text: "does-not-build"}
	} else if ok {
		b, _ := m.num("bytes")
		f.etcd = val{text: mib(b), num: b, ok: true}
	} else if _, ok := r.etcdB["wasip1_build"]; ok {
		f.etcd = val{text: "does-not-build(baseline)"}
	}
	f.ratio = "-"
	if f.ours.ok && f.peer.ok {
		ratio := f.peer.num / f.ours.num
		f.ratio, f.met = ratioText(ratio), ratio >= 18
	}
	return f
}

func (r *run) modules() figure {
	f := figure{name: "linked_modules", label: "modules linked into the minimal elector program (go version -m)",
		goal: "0-beyond-std", ratio: "-",
		meaning: "Third-party code you audit, update and ship with the library (ours: only its own module)."}
	count := func(m kv, key string, isBase, ok bool) val {
		if !ok {
			return val{}
		}
		n, okn := m.num(key)
		if !okn {
			return val{}
		}
		return val{text: fmt.Sprintf("%.0f", n), num: n, ok: true, baseline: isBase}
	}
	m, ok := r.fp["binsize_ours"]
	f.ours = count(m, "modules", false, ok)
	if m, ok := r.fp["binsize_clientgo"]; ok {
		f.peer = count(m, "modules", false, true)
	} else {
		m, isBase, ok := pick(nil, r.cgB, "", "binsize_fake")
		f.peer = count(m, "modules_linked", isBase, ok)
	}
	if m, ok := r.fp["binsize_etcd"]; ok {
		f.etcd = count(m, "modules", false, true)
	} else {
		m, isBase, ok := pick(nil, r.etcdB, "", "linked_minimal")
		f.etcd = count(m, "modules_in_binary", isBase, ok)
	}
	f.met = f.ours.ok && f.ours.num == 0
	return f
}

// scenarios are the peer's safety scenarios in which client-go led twice,
// by the label both programs use.
var scenarios = []struct{ label, what string }{
	{"K_subsecond_lease_cas", "sub-second lease (900ms/600ms/200ms), compare-and-swap store, no faults"},
	{"E_wrap_spike_cas", "slow lock: 5% of renewals delayed 1.5s, ignoring the caller's deadline"},
	{"F_wrap_spike_cas_ctx", "slow lock: the same, the deadline cuts the delay short"},
	{"G_wrap_spike_cas_ctx_ghost", "slow lock: the same, and abandoned writes still land later"},
}

func (r *run) safety() []figure {
	var figs []figure
	for _, s := range scenarios {
		f := figure{name: "safety_" + s.label, label: "safety: " + s.what + "; leadership overlaps",
			goal: "0", etcd: val{text: "n/a"}, ratio: "-",
			meaning: "Times two candidates acted as leader at once over the run."}
		count := func(m kv, isBase, ok bool) val {
			if !ok {
				return val{}
			}
			v, _ := m.num("violations")
			t, _ := m.num("tenures")
			d := strings.TrimSuffix(m["dur"], "s")
			return val{text: fmt.Sprintf("%.0f(of-%.0f-tenures,%ss)", v, t, d), num: v, ok: true, baseline: isBase}
		}
		m, ok := r.ours["ours_safety_"+s.label]
		f.ours = count(m, false, ok)
		f.peer = count(pick(r.cg, r.cgB, "safety_"+s.label, "safety_"+s.label))
		f.met = f.ours.ok && f.ours.num == 0
		figs = append(figs, f)
	}
	return figs
}
