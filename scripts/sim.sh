#!/bin/sh
# Runs the deterministic simulation of the election (internal/sim) until N
# elections (acquisitions of the lease) were simulated, on all CPUs, and
# prints one line last:
#   sim: elections=<n> violations=<v> seeds=<first>-<last>
# Exits non-zero when a run broke a rule. Extra arguments go to the program
# (e.g. -seed 1000 to start at another seed, -q for the last line only).
set -eu
cd "$(dirname "$0")/.."
exec go run ./internal/sim/cmd/sim -n "${N:-1000000}" "$@"
