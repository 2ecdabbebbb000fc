#!/usr/bin/env bash
# file-failover.sh: failover latency of the file lock with real processes,
# next to client-go's elector (and, with ETCD=1, etcd's election) with the
# same timings (LeaseDuration 15s, RenewDeadline 10s, RetryPeriod 2s; etcd:
# TTL 15), measured in one run. Prints one line per figure:
#   bench: NAME ours=VALUE peer=VALUE ratio=X goal=Y met|short
#
#   scripts/file-failover.sh           30 failovers each; client-go crash: 5 (each waits out a 15s lease)
#   QUICK=1 scripts/file-failover.sh   10 and 2
#   ETCD=1 scripts/file-failover.sh    also etcd (etcd on PATH; started on 127.0.0.1:12379 and stopped)
#
# Env: PEERS (default ../shared/peers from the repository), WORK (build and
# output directory, default $TMPDIR/file-failover), REPORT_ONLY=1 (print the
# lines from the outputs of the last run in WORK).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
peers=${PEERS:-$root/../shared/peers}
work=${WORK:-${TMPDIR:-/tmp}/file-failover}
N=30 CN=5
if [ "${QUICK:-0}" = 1 ]; then N=10 CN=2; fi
mkdir -p "$work"

echo "# $(date -u +%FT%TZ) $(go version) $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
if [ "${REPORT_ONLY:-0}" != 1 ]; then
echo "# ours: BenchmarkFailover -benchtime ${N}x (3 electors, 15s/10s/2s)"
(cd "$root" && go test -run '^$' -bench '^BenchmarkFailover$' -benchtime "${N}x" ./locks/file/) | tee "$work/ours.txt"

if [ -d "$peers/clientgo" ]; then
	echo "# client-go: building cmd/handover"
	(cd "$peers/clientgo" && go build -o "$work/cg-handover" ./cmd/handover)
	echo "# client-go: graceful n=$N, crash n=$CN (15s/10s/2s)"
	"$work/cg-handover" -mode graceful -n "$N" -lease 15s -renew 10s -retry 2s | tee "$work/cg-graceful.txt" | tail -1
	"$work/cg-handover" -mode crash -n "$CN" -lease 15s -renew 10s -retry 2s | tee "$work/cg-crash.txt" | tail -1
fi

etcd_pid=""
stop_etcd() { if [ -n "$etcd_pid" ]; then kill "$etcd_pid" 2>/dev/null || true; wait "$etcd_pid" 2>/dev/null || true; fi; }
trap stop_etcd EXIT
if [ "${ETCD:-0}" = 1 ] && [ -d "$peers/etcd" ]; then
	echo "# etcd: building the harness, starting etcd on 127.0.0.1:12379"
	(cd "$peers/etcd" && go build -o "$work/etcd-harness" .)
	rm -rf "$work/etcd-data"
	etcd --name ff --data-dir "$work/etcd-data" \
		--listen-client-urls http://127.0.0.1:12379 --advertise-client-urls http://127.0.0.1:12379 \
		--listen-peer-urls http://127.0.0.1:12380 --initial-advertise-peer-urls http://127.0.0.1:12380 \
		--initial-cluster ff=http://127.0.0.1:12380 >"$work/etcd.log" 2>&1 &
	etcd_pid=$!
	for _ in $(seq 100); do curl -sf http://127.0.0.1:12379/health | grep -q true && break; sleep 0.1; done
	"$work/etcd-harness" -ttl 15 -n "$N" -variant resign handover 2>"$work/etcd.stderr" | tee "$work/etcd-handover.txt" | grep '^SUMMARY name=handover_resign '
	"$work/etcd-harness" -ttl 15 -n "$CN" crash 2>>"$work/etcd.stderr" | tee "$work/etcd-crash.txt" | grep '^SUMMARY name=crash_failover_ttl15 '
	stop_etcd
	etcd_pid=""
fi
fi # REPORT_ONLY

# ours_metric MODE DIR METRIC: a metric of BenchmarkFailover/MODE/DIR, in ms.
ours_metric() {
	awk -v b="BenchmarkFailover/$1/$2-" -v m="$3" 'index($1, b) == 1 { for (i = 2; i < NF; i++) if ($(i+1) == m) print $i }' "$work/ours.txt"
}
# peer_ms FILE KEY: KEY=VALUEms (or VALUE with unit=ms) of the last summary line, in ms.
peer_ms() {
	[ -f "$1" ] || return 0
	grep -E 'n=' "$1" | tail -1 | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { v = $2; sub(/ms$/, "", v); if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } print v }'
}
# line NAME OURS PEER GOAL: GOAL is "abs:MS" (ours below MS) or "ratio:R"
# (peer/ours at least R).
line() {
	local name=$1 ours=$2 peer=$3 goal=$4
	[ -n "$ours" ] || return 0
	awk -v n="$name" -v o="$ours" -v p="$peer" -v g="$goal" 'BEGIN {
		split(g, gs, ":")
		r = (p != "" && o > 0) ? p / o : -1
		if (gs[1] == "abs") { ok = o + 0 < gs[2] + 0; gd = "<" gs[2] "ms" } else { ok = r >= gs[2] + 0; gd = ">=" gs[2] "x" }
		printf "bench: %s ours=%.2fms peer=%s ratio=%s goal=%s %s\n", n, o, (p == "" ? "n/a" : sprintf("%.1fms", p)),
			(r < 0 ? "n/a" : sprintf("%.1f", r)), gd, (ok ? "met" : "short")
	}'
}
etcd_ms() { # NAME KEY
	[ -f "$work/etcd-crash.txt" ] || return 0
	cat "$work/etcd-crash.txt" "$work/etcd-handover.txt" | grep "name=$1 " | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { print $2 }'
}
for dir in shm tempdir; do
	kill50=$(ours_metric kill $dir p50-ms) kill99=$(ours_metric kill $dir p99-ms)
	rel50=$(ours_metric release $dir p50-ms) rel99=$(ours_metric release $dir p99-ms)
	line "crash_failover_p50_${dir}_vs_clientgo" "$kill50" "$(peer_ms "$work/cg-crash.txt" p50)" ratio:100
	line "crash_failover_p99_${dir}_vs_clientgo" "$kill99" "$(peer_ms "$work/cg-crash.txt" p95)" abs:50
	line "graceful_p50_${dir}_vs_clientgo" "$rel50" "$(peer_ms "$work/cg-graceful.txt" p50)" abs:1
	line "graceful_p99_${dir}_vs_clientgo" "$rel99" "$(peer_ms "$work/cg-graceful.txt" p95)" abs:2
	if [ -f "$work/etcd-crash.txt" ]; then
		line "crash_failover_p50_${dir}_vs_etcd" "$kill50" "$(etcd_ms crash_failover_ttl15 p50)" ratio:100
		line "crash_failover_p99_${dir}_vs_etcd" "$kill99" "$(etcd_ms crash_failover_ttl15 p95)" abs:50
		line "graceful_p50_${dir}_vs_etcd" "$rel50" "$(etcd_ms handover_resign p50)" abs:1
		line "graceful_p99_${dir}_vs_etcd" "$rel99" "$(etcd_ms handover_resign p95)" abs:2
	fi
done
echo "# the p99 lines compare with the peers' p95, the highest percentile their harnesses print; raw output in $work"
