#!/usr/bin/env bash
# Runs every Fuzz target in the module for a while each.  Usage: fuzz.sh [FUZZTIME]
set -euo pipefail
cd "$(dirname "$0")/.."
T=${1:-10s}
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "fuzz: $pkg $f ($T)"
    go test "$pkg" -run '^$' -fuzz "^$f\$" -fuzztime "$T"
  done
done
