#!/usr/bin/env bash
# The side-by-side benchmarks: this project next to client-go's elector
# (v0.37.x, the peer harness in bench/internal/cg) and etcd's election
# (etcd-server 3.4 from Debian, client v3.5, the peer harness in
# bench/cmd/etcdharness), measured on this machine in one run.
#
#   scripts/bench.sh full    everything (make bench), about 10 minutes on 2 cores
#   scripts/bench.sh quick   a smoke run of about a minute (make bench-quick): fewer trials;
#                            the slow peer figures are not measured and show as baseline:VALUE
#
# It prints one line per figure,
#   bench: NAME ours=VALUE peer=VALUE etcd=VALUE ratio=X goal=Y met|short
# and writes bench/RESULTS.md (machine, date, versions, commands, the table).
# Raw outputs: bench/out/logs/. etcd is installed with apt-get when missing
# (and possible) and runs on 127.0.0.1:$ETCD_PORT (default 22379) with its
# data under bench/out; it is stopped at the end.
#
# Env: ETCD_PORT, BENCH_LOCK_DIR (directory for the file lock's temp dirs;
# default a tmpfs, /dev/shm, as the README recommends for single-host HA
# (/run/lock): a disk adds the fsync of each term change to every takeover;
# bench/out/tmp where /dev/shm is not tmpfs), RESULTS (default bench/RESULTS.md).
set -uo pipefail
MODE=${1:-full}
case $MODE in full | quick) ;; *) echo "usage: $0 full|quick" >&2; exit 2 ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
B=$root/bench
OUT=$B/out
BIN=$OUT/bin
L=$OUT/logs
DEFAULT_LOCKDIR=$OUT/tmp
if [ "$(df -T /dev/shm 2>/dev/null | awk 'NR==2{print $2}')" = tmpfs ]; then DEFAULT_LOCKDIR=/dev/shm/leaderelection-bench; fi
LOCKDIR=${BENCH_LOCK_DIR:-$DEFAULT_LOCKDIR}
RESULTS=${RESULTS:-$B/RESULTS.md}
ETCD_PORT=${ETCD_PORT:-22379}
EP=127.0.0.1:$ETCD_PORT
rm -rf "$L" "$OUT/etcd-data"
mkdir -p "$BIN" "$L" "$LOCKDIR"
cd "$B"
export CGO_ENABLED=0 LE_LOG=0

if [ "$MODE" = full ]; then
  BCOUNT=6 BTIME=500ms HO=30 EHO=40 ECRASH=10 CGHO=30 PART=30 SDUR=30s MEMWIN=2s EIDLE=1000 EKA_N=200 EKA_DUR=6s
else
  BCOUNT=2 BTIME=200ms HO=6 EHO=8 ECRASH=0 CGHO=0 PART=4 SDUR=8s MEMWIN=1s EIDLE=200 EKA_N=50 EKA_DUR=2s
fi
t_start=$(date +%s)
say() { echo "bench: [$(( $(date +%s) - t_start ))s] $*" >&2; }

# r NAME CMD...: run CMD from bench/, output to out/logs/NAME.txt, and
# record the command (paths relative to bench/) for RESULTS.md.
# bg NAME CMD...: the same in the background; waitjobs waits for those
# (a bare wait would also wait for etcd).
JOBS=()
bg() { r "$@" & JOBS+=($!); }
waitjobs() { [ ${#JOBS[@]} -eq 0 ] || wait "${JOBS[@]}"; JOBS=(); }
quote() { # the arguments, quoted where a shell needs it
  local a out=""
  for a in "$@"; do
    case $a in *[\ \|\(\)\^\$\*\;\&]*) out+="'$a' " ;; *) out+="$a " ;; esac
  done
  echo "${out% }"
}
r() {
  local name=$1; shift
  quote "$@" | sed "s#$B/##g" >>"$L/commands.txt"
  "$@" >"$L/$name.txt" 2>&1 || echo "bench: $name failed (exit $?): see bench/out/logs/$name.txt" >&2
}

# ---------- build ----------
say "building ($MODE run)"
build() { go build -o "$BIN/$1" "./cmd/$1" || { echo "bench: build of cmd/$1 failed" >&2; exit 1; }; }
for c in ours report cghandover cgsafety cgmemory etcdharness; do build $c; done
go test -c -o "$BIN/renew.test" ./renew || { echo "bench: build of renew benchmarks failed" >&2; exit 1; }

ETCD_PID=""
stop_etcd() {
  if [ -n "$ETCD_PID" ] && kill -0 "$ETCD_PID" 2>/dev/null; then
    kill "$ETCD_PID"
    wait "$ETCD_PID" 2>/dev/null
  fi
  ETCD_PID=""
  rm -rf "$OUT/etcd-data"
}
trap stop_etcd EXIT
ETCD_WHY=""
if ! command -v etcd >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing etcd-server with apt-get"
    (apt-get install -y -qq etcd-server >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq etcd-server; }) >"$L/apt.log" 2>&1
  fi
  command -v etcd >/dev/null || ETCD_WHY="etcd is not installed and apt-get install etcd-server failed (see bench/out/logs/apt.log)"
fi
start_etcd() {
  etcd --name bench --data-dir "$OUT/etcd-data" \
    --listen-client-urls "http://$EP" --advertise-client-urls "http://$EP" \
    --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
    --initial-cluster "bench=http://127.0.0.1:$((ETCD_PORT + 1))" --logger=zap --log-outputs=stderr >"$L/etcd-server.log" 2>&1 &
  ETCD_PID=$!
  for _ in $(seq 100); do
    curl -sf "http://$EP/health" 2>/dev/null | grep -q true && return 0
    kill -0 "$ETCD_PID" 2>/dev/null || break
    sleep 0.1
  done
  ETCD_WHY="etcd did not start on $EP (see bench/out/logs/etcd-server.log)"
  stop_etcd
  return 1
}

{
  echo "date: $(date -u +%FT%TZ)"
  echo "go: $(go version)"
  echo "client-go: $(go list -m -f '{{.Version}}' k8s.io/client-go), etcd client: $(go list -m -f '{{.Version}}' go.etcd.io/etcd/client/v3)"
  echo "etcd server: $(command -v etcd >/dev/null && etcd --version 2>/dev/null | head -1 || echo 'not installed')"
  echo "kernel: $(uname -sr); file lock directory: $LOCKDIR ($(df -T "$LOCKDIR" | awk 'NR==2{print $2}'))"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$L/env.txt"

# ---------- footprint: binary size, linked modules, wasm ----------
say "footprint: minimal binaries and wasm modules"
FP=$L/footprint.txt
minbin() { # minbin NAME PKG: size and modules of a minimal program
  local out=$BIN/min-$1
  if go build -trimpath -ldflags='-s -w' -o "$out" "$2" 2>>"$L/footprint.log"; then
    # Modules linked, not counting this project's own module.
    local mods
    mods=$(go version -m "$out" | grep -E $'^\tdep\t' | grep -vcE $'^\tdep\tgithub.com/leaderelection/leaderelection\t')
    echo "SUMMARY name=binsize_$1 bytes=$(stat -c %s "$out") modules=$mods" >>"$FP"
  fi
  echo "go build -trimpath -ldflags='-s -w' -o out/bin/min-$1 $2; go version -m out/bin/min-$1" >>"$L/commands.txt"
}
minbin ours ./cmd/oursminbin
minbin clientgo ./cmd/cgminbin
minbin etcd ./cmd/etcdminimal
if (cd "$root" && GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -ldflags='-s -w' -o "$BIN/ours.wasm" ./wasm) 2>>"$L/footprint.log"; then
  echo "SUMMARY name=wasm_ours bytes=$(stat -c %s "$BIN/ours.wasm")" >>"$FP"
else
  echo "SUMMARY name=wasm_ours bytes=0 ok=false" >>"$FP"
fi
echo "(cd .. && GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -ldflags='-s -w' -o bench/out/bin/ours.wasm ./wasm)" >>"$L/commands.txt"
if GOOS=wasip1 GOARCH=wasm go build -trimpath -ldflags='-s -w' -o "$BIN/etcd.wasm" ./cmd/etcdminimal >"$L/wasm-etcd.log" 2>&1; then
  echo "SUMMARY name=wasm_etcd ok=true bytes=$(stat -c %s "$BIN/etcd.wasm")" >>"$FP"
else
  echo "SUMMARY name=wasm_etcd ok=false" >>"$FP"
fi
echo "GOOS=wasip1 GOARCH=wasm go build -trimpath -ldflags='-s -w' ./cmd/etcdminimal" >>"$L/commands.txt"
if [ "$MODE" = full ]; then
  if GOOS=wasip1 GOARCH=wasm go build -trimpath -ldflags='-s -w' -o "$BIN/clientgo.wasm" ./cmd/cgminbin 2>>"$L/footprint.log"; then
    echo "SUMMARY name=wasm_clientgo bytes=$(stat -c %s "$BIN/clientgo.wasm")" >>"$FP"
  fi
  echo "GOOS=wasip1 GOARCH=wasm go build -trimpath -ldflags='-s -w' -o out/bin/clientgo.wasm ./cmd/cgminbin" >>"$L/commands.txt"
fi

# ---------- renew round: ours and client-go's tryAcquireOrRenew in one test binary ----------
say "renew round benchmarks (count=$BCOUNT, benchtime=$BTIME)"
r renew "$BIN/renew.test" -test.run '^$' -test.bench 'RenewRound|RenewDecision|FollowerPoll|TryAcquireOrRenew/(Leader|Follower)/fake-simple$' \
  -test.benchmem -test.count "$BCOUNT" -test.benchtime "$BTIME"

# ---------- etcd: keepalive cost, handover, idle memory ----------
E="$BIN/etcdharness -endpoint $EP"
if [ -z "$ETCD_WHY" ] && start_etcd; then
  say "etcd $(etcd --version | head -1 | awk '{print $3}') on $EP: keepalive cost, handover (n=$EHO), idle ($EIDLE candidates)"
  r etcd_keepalive $E -ttl 1 -n "$EKA_N" -dur "$EKA_DUR" keepalive
  r etcd_handover $E -ttl 1 -n "$EHO" -variant resign handover
  r etcd_idle $E -ttl 10 -n "$EIDLE" idle
fi

# ---------- graceful handover and crash failover ----------
OURS=$BIN/ours
say "ours: graceful handover file (n=$HO), crash failover file (n=$HO), graceful handover http (n=$HO)"
r ours_handover_graceful_file "$OURS" handover -lock file -mode graceful -n "$HO" -dir "$LOCKDIR" -v
r ours_handover_crash_file "$OURS" handover -lock file -mode crash -n "$HO" -dir "$LOCKDIR" -v
r ours_handover_graceful_http "$OURS" handover -lock http -mode graceful -n "$HO" -v
if [ "$CGHO" -gt 0 ]; then
  say "client-go: graceful handover (n=$CGHO); then client-go crash (n=$CGHO) and etcd crash (n=$ECRASH) side by side"
  r cg_handover_graceful "$BIN/cghandover" -mode graceful -n "$CGHO" -v
  bg cg_handover_crash "$BIN/cghandover" -mode crash -n "$CGHO" -v
  if [ -n "$ETCD_PID" ] && [ "$ECRASH" -gt 0 ]; then
    bg etcd_crash $E -ttl 1 -n "$ECRASH" crash
  fi
  waitjobs
fi
stop_etcd

# ---------- partition and safety: both libraries, same fault injection ----------
say "partition (ours n=$PART$([ "$MODE" = full ] && echo ", client-go n=$PART")) and safety scenarios ($SDUR each), in parallel"
S_K=(-lease 900ms -renew 600ms -retry 200ms)
S_E=(-dist spike:0.05:1500ms)
bg ours_partition "$OURS" partition -n "$PART" -v
bg ours_safety_K "$OURS" safety -dur "$SDUR" -label K_subsecond_lease_cas "${S_K[@]}"
bg ours_safety_E "$OURS" safety -dur "$SDUR" -label E_wrap_spike_cas "${S_E[@]}"
bg ours_safety_F "$OURS" safety -dur "$SDUR" -label F_wrap_spike_cas_ctx "${S_E[@]}" -ctxaware
bg ours_safety_G "$OURS" safety -dur "$SDUR" -label G_wrap_spike_cas_ctx_ghost "${S_E[@]}" -ctxaware -ghost
if [ "$MODE" = full ]; then
  CS="$BIN/cgsafety -dur $SDUR"
  bg cg_handover_partition "$BIN/cghandover" -mode partition -n "$PART" -v
  bg cg_safety_K $CS -label K_subsecond_lease_cas -cas "${S_K[@]}"
  bg cg_safety_E $CS -label E_wrap_spike_cas -inject wrap -cas "${S_E[@]}"
  bg cg_safety_F $CS -label F_wrap_spike_cas_ctx -inject wrap -cas "${S_E[@]}" -ctxaware
  bg cg_safety_G $CS -label G_wrap_spike_cas_ctx_ghost -inject wrap -cas "${S_E[@]}" -ctxaware -ghost
fi
waitjobs

# ---------- idle memory: 1,000 electors ----------
say "idle memory: 1,000 electors (cpu window $MEMWIN$([ "$MODE" = full ] && echo ', 3 runs each'))"
if [ "$MODE" = full ]; then
  # Three runs each, alternating: heap in use is counted in whole pages, so
  # one run is noisy; the report takes the median run.
  for i in 1 2 3; do
    r ours_memory_leader_$i "$OURS" memory -n 1000 -role leader -cpuwindow "$MEMWIN"
    r cg_memory_leader_$i "$BIN/cgmemory" -n 1000 -role leader -cb return -cpuwindow "$MEMWIN"
    r ours_memory_follower_$i "$OURS" memory -n 1000 -role follower -cpuwindow "$MEMWIN"
    r cg_memory_follower_$i "$BIN/cgmemory" -n 1000 -role follower -cb block -cpuwindow "$MEMWIN"
  done
else
  bg ours_memory_leader "$OURS" memory -n 1000 -role leader -cpuwindow "$MEMWIN"
  bg ours_memory_follower "$OURS" memory -n 1000 -role follower -cpuwindow "$MEMWIN"
  bg cg_memory_leader "$BIN/cgmemory" -n 1000 -role leader -cb return -cpuwindow "$MEMWIN"
  waitjobs
fi

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); wall time $(( $(date +%s) - t_start ))s" >>"$L/env.txt"
[ -n "$ETCD_WHY" ] && echo "etcd not run: $ETCD_WHY" >>"$L/env.txt" && echo "bench: etcd not run: $ETCD_WHY (etcd= shows the recorded baseline)"
echo
"$BIN/report" -out "$OUT" -baseline "$B/baseline" -mode "$MODE" -results "$RESULTS"
echo "bench: wrote ${RESULTS#$root/} ($(( $(date +%s) - t_start ))s)"
