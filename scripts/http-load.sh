#!/usr/bin/env bash
# make bench-http: load on the reference lock server (elect serve) on loopback.
#   1. 10,000 leases (LEASES), each renewed once a second for 20 s (MEASURE) after a 3 s warm-up:
#      renew latency p50/p99/max, errors, the server's CPU (cores) and memory (RSS, peak RSS).
#   2. FIND=1 (the default): steps the lease count up by 10,000 until p99 >= 10 ms or an error,
#      then reports the largest count that met p99 < 10 ms with zero errors.
#   3. DATA_LEASES (1000) leases against `elect serve --data` (every write fsynced) in a temporary
#      directory under DATA_DIR (/tmp): persistence is bound by the disk's fsync.
# The load generator shares the machine's cores with the server; its own CPU is reported too.
# Output: SUMMARY lines (http_load, http_load_capacity) on stdout.
#   scripts/http-load.sh   env: LEASES (10000), MEASURE (20s), FIND (1), FIND_MEASURE (10s), DATA_LEASES, DATA_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
LEASES=${LEASES:-10000}
MEASURE=${MEASURE:-20s}
FIND=${FIND:-1}
FIND_MEASURE=${FIND_MEASURE:-10s}
DATA_LEASES=${DATA_LEASES:-1000}
DATA_DIR=${DATA_DIR:-/tmp}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/elect" ./cmd/elect
go build -o "$tmp/httpload" ./locks/http/internal/httpload
echo "== $LEASES leases renewed every second for $MEASURE"
"$tmp/httpload" -elect "$tmp/elect" -leases "$LEASES" -measure "$MEASURE"
if [ "$FIND" = 1 ]; then
  echo "== the largest lease count with p99 < 10ms and no errors"
  "$tmp/httpload" -elect "$tmp/elect" -find -leases 10000 -measure "$FIND_MEASURE"
fi
if [ "$DATA_LEASES" -gt 0 ]; then
  echo "== $DATA_LEASES leases against elect serve --data (fsynced writes)"
  "$tmp/httpload" -elect "$tmp/elect" -leases "$DATA_LEASES" -measure 10s -data "$DATA_DIR"
fi
