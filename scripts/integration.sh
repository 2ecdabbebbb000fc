#!/usr/bin/env bash
# Runs every scripts/integration-*.sh: each installs, starts, tests against
# and stops one kind of real third-party store on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for s in scripts/integration-*.sh; do
  [ -e "$s" ] || continue
  echo "== $s"
  bash "$s" || { echo "FAILED: $s"; status=1; }
done
exit $status
