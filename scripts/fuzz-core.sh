#!/usr/bin/env bash
# Run each fuzz target of package core in turn, for a while each.
# Usage: scripts/fuzz-core.sh [fuzztime]    (default 10s; e.g. 10m for a long run)
# FUZZPARALLEL sets the workers per target (default 1). A failing input is
# written to core/testdata/fuzz/<target>/ and stays there as a regression seed.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${1:-${FUZZTIME:-10s}}
for target in FuzzParseRecord FuzzAppendRecord FuzzMachine; do
	echo "== $target for $fuzztime"
	go test ./core/ -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" \
		-fuzzminimizetime 10s -parallel "${FUZZPARALLEL:-1}" 2>&1 | grep -v '^fuzz: elapsed' || exit 1
done
