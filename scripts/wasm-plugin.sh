#!/usr/bin/env bash
# The election core as a WASI reactor module (wasm/): build it, report its
# size next to a minimal wasip1 Go binary built in the same run, and drive it
# from its hosts.
#
#   scripts/wasm-plugin.sh run    build, size line, run the Node.js host (the election timeline)
#   scripts/wasm-plugin.sh test   build, size and link checks, the Node.js host when node is
#                                 present, the Go host test (wazero, nested module wasm/hosttest)
#
# The module is left at $WASM_OUT/leaderelection.wasm (default wasm/out).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}
case $mode in run | test) ;; *) echo "usage: $0 run|test" >&2; exit 2 ;; esac

OUT=${WASM_OUT:-wasm/out}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
MOD=$OUT/leaderelection.wasm
MIN=$OUT/minimal.wasm
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "wasm: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -ldflags='-s -w' -o $MOD ./wasm"
GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -ldflags='-s -w' -o "$MOD" ./wasm
printf 'package main\n\nfunc main() { println("hello") }\n' >"$tmp/main.go"
echo "wasm: GOOS=wasip1 GOARCH=wasm go build -trimpath -ldflags='-s -w' -o $MIN main.go   (println alone)"
(cd "$tmp" && GOOS=wasip1 GOARCH=wasm go build -trimpath -ldflags='-s -w' -o "$MIN" main.go)

mod_bytes=$(wc -c <"$MOD")
min_bytes=$(wc -c <"$MIN")
ratio=$(awk -v a="$mod_bytes" -v b="$min_bytes" 'BEGIN { printf "%.3f", a / b }')
echo "wasm: module=$mod_bytes minimal=$min_bytes ratio=$ratio (limit 1.5) $(go version | awk '{print $3}')"
if command -v tinygo >/dev/null; then
  tinygo build -target=wasip1 -buildmode=c-shared -no-debug -o "$OUT/leaderelection-tinygo.wasm" ./wasm &&
    echo "wasm: tinygo module=$(wc -c <"$OUT/leaderelection-tinygo.wasm")" || echo "wasm: tinygo build failed"
else
  echo "wasm: tinygo is not installed; its size is not measured"
fi

run_node() {
  echo "wasm: node $(node --version) wasm/host-node/host.mjs"
  node --no-warnings wasm/host-node/host.mjs "$MOD"
}

if [ "$mode" = run ]; then
  command -v node >/dev/null || { echo "wasm: node is not installed (apt-get install nodejs)" >&2; exit 1; }
  run_node
  exit 0
fi

awk -v r="$ratio" 'BEGIN { exit !(r <= 1.5) }' || { echo "wasm: FAIL: the module is ${ratio}× the minimal binary, over 1.5×" >&2; exit 1; }
banned=$(GOOS=wasip1 GOARCH=wasm go list -deps ./wasm | grep -Ex 'fmt|encoding/json|reflect|os|net' || true)
if [ -n "$banned" ]; then
  echo "wasm: FAIL: the module links $(echo $banned)" >&2
  exit 1
fi
echo "wasm: the module links none of fmt, encoding/json, reflect, os, net"
if command -v node >/dev/null; then
  run_node
else
  echo "wasm: skipped the Node.js host: node is not installed (apt-get install nodejs)"
fi
if command -v node >/dev/null; then
  echo "wasm: the JavaScript example of wasm/README.md"
  awk '/^```js$/ { f = 1; next } /^```$/ { f = 0 } f' wasm/README.md >"$tmp/example.mjs"
  (cd "$OUT" && node --no-warnings "$tmp/example.mjs") >"$tmp/example.out"
  cat "$tmp/example.out"
  grep -q '^update v2 .*"seq":3.* leader: true$' "$tmp/example.out" ||
    { echo "wasm: FAIL: the README example did not renew as leader" >&2; exit 1; }
fi
echo "wasm: go test ./... in wasm/hosttest (wazero; module $MOD)"
(cd wasm/hosttest && LE_WASM="$MOD" go test -count=1 ./...)
