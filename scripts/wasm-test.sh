#!/usr/bin/env bash
# Runs packages' tests under GOOS=wasip1 (wazero) and GOOS=js (node, when
# present). Usage: scripts/wasm-test.sh [packages...]   (default ./core/...)
set -euo pipefail
PKGS=${*:-./core/...}
WAZERO_VERSION=v1.12.0
export PATH="$(go env GOROOT)/lib/wasm:$(go env GOPATH)/bin:$PATH"   # go_js_wasm_exec, go_wasip1_wasm_exec, wazero
command -v wazero >/dev/null || go install "github.com/tetratelabs/wazero/cmd/wazero@$WAZERO_VERSION"
echo "wasm: GOOS=wasip1 GOARCH=wasm (wazero) go test $PKGS"
GOWASIRUNTIME=wazero GOOS=wasip1 GOARCH=wasm go test $PKGS
if command -v node >/dev/null; then
  echo "wasm: GOOS=js GOARCH=wasm (node $(node --version)) go test $PKGS"
  GOOS=js GOARCH=wasm go test $PKGS
else
  echo "wasm: skipped GOOS=js GOARCH=wasm tests: node is not installed (apt-get install nodejs)"
fi
