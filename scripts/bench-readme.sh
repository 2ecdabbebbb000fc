#!/usr/bin/env bash
# Generates the README's performance section from bench/RESULTS.md (written
# by `make bench`), so that no figure in the README is typed by hand.
#
#   scripts/bench-readme.sh            print the section, and replace the text between
#                                      <!-- bench:begin --> and <!-- bench:end --> in README.md
#   scripts/bench-readme.sh --print    only print the section
#
# Env: RESULTS (default bench/RESULTS.md), README (default README.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
results=${RESULTS:-$root/bench/RESULTS.md}
readme=${README:-$root/README.md}
[ -f "$results" ] || { echo "bench-readme: $results not found: run make bench first" >&2; exit 1; }
grep -q '<!-- table:begin -->' "$results" && grep -q '<!-- table:end -->' "$results" ||
  { echo "bench-readme: $results has no <!-- table:begin --> ... <!-- table:end --> section" >&2; exit 1; }

field() { sed -n "s/^- $1: //p" "$results" | head -1; }
section=$(mktemp)
trap 'rm -f "$section"' EXIT
{
  echo "Measured by \`make bench\` ($(field run)) on $(field machine), $(field Go)," \
    "next to client-go's elector and etcd's election in the same run; details and commands in" \
    "[bench/RESULTS.md](bench/RESULTS.md). \`baseline:\` marks a peer figure taken from the peer harness's" \
    "recorded run instead of this one; \`short\` marks a goal this project does not meet yet."
  echo
  sed -n '/<!-- table:begin -->/,/<!-- table:end -->/p' "$results" | sed '1d;$d'
} >"$section"

cat "$section"
[ "${1:-}" = --print ] && exit 0
if ! grep -q '<!-- bench:begin -->' "$readme" || ! grep -q '<!-- bench:end -->' "$readme"; then
  echo "bench-readme: $readme has no <!-- bench:begin --> / <!-- bench:end --> markers; printed only" >&2
  exit 0
fi
tmp=$(mktemp)
awk -v sect="$section" '
  /<!-- bench:begin -->/ { print; while ((getline l < sect) > 0) print l; skip = 1; next }
  /<!-- bench:end -->/   { skip = 0 }
  !skip { print }
' "$readme" >"$tmp"
cat "$tmp" >"$readme"
rm -f "$tmp"
echo "bench-readme: updated ${readme#$root/}" >&2
