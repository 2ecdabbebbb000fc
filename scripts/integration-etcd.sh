#!/usr/bin/env bash
# Runs the integration tests of examples/etcd against a real etcd: the
# core/locktest conformance suite on the generated KVLock, and an election
# of three candidates. Starts etcd with scripts/etcd.sh and stops it again.
#   scripts/integration-etcd.sh [go test flags…]     env: PORT (default 12379)
set -euo pipefail
cd "$(dirname "$0")/.."
export PORT=${PORT:-12379}
export STATE=${STATE:-/tmp/le-etcd-integration}
scripts/etcd.sh start
trap 'scripts/etcd.sh stop' EXIT
LE_ETCD_URL="http://127.0.0.1:$PORT" go test -count=1 -run 'Etcd' -v "$@" ./examples/etcd/
