# leaderelection: run `make help` for the targets.
SHELL := /bin/bash
GO    ?= go
N     ?=
PKGS  := ./...

.PHONY: examples help demo test test-go test-wasm verify bench bench-quick bench-http sim wasm integration fuzz

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

demo: ## three real processes elect on a lock file in a temp dir; the leader is killed; prints the failover
	$(GO) run ./examples/demo

test: test-go test-wasm ## unit tests, the simulation's share, the core under wasm

test-go:
	$(GO) test -count=1 $(PKGS)

test-wasm:
	bash scripts/wasm-test.sh ./core/...
	@if [ -f scripts/wasm-plugin.sh ]; then bash scripts/wasm-plugin.sh test; fi

verify: ## gofmt, vet, generate diff, tidy diff, cross-compiles
	@out=$$(gofmt -l . | grep -v '^examples/.*/vendor/' || true); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) generate $(PKGS)
	git diff --exit-code -- . ':!go.sum' || { echo "go generate changed files: commit them"; exit 1; }
	$(GO) mod tidy -diff
	@for os in linux darwin freebsd windows; do echo "GOOS=$$os go build ./..."; GOOS=$$os GOARCH=amd64 $(GO) build ./... || exit 1; done
	GOOS=wasip1 GOARCH=wasm $(GO) build ./core/...
	GOOS=js GOARCH=wasm $(GO) build ./core/...

examples: ## build, vet and test the nested modules under examples/ and wasm/
	@for m in $$(find ./examples ./wasm -name go.mod 2>/dev/null | sort); do d=$$(dirname $$m); \
	  echo "== $$d"; (cd $$d && $(GO) vet ./... && $(GO) test -count=1 ./...) || exit 1; done

sim: ## deterministic simulation: N=<elections> (default 1,000,000)
	$(GO) run ./internal/sim/cmd/sim -n $(or $(N),1000000)

fuzz: ## each fuzz target briefly (FUZZTIME=10s)
	bash scripts/fuzz.sh $(or $(FUZZTIME),10s)

wasm: ## build the WASI reactor module and run the Node.js host
	bash scripts/wasm-plugin.sh run

bench: ## the side-by-side benchmarks against client-go and etcd (about 10 minutes)
	bash scripts/bench.sh full

bench-quick: ## a one-minute smoke run of the benchmarks, same output lines
	bash scripts/bench.sh quick

bench-http: ## load: 10,000 leases renewed every second against the reference server
	bash scripts/http-load.sh

integration: ## real third-party stores: Apache mod_dav, MinIO, etcd (installs them)
	bash scripts/integration.sh
