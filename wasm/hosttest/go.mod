module github.com/leaderelection/leaderelection/wasm/hosttest

go 1.26.0

require (
	github.com/google/go-cmp v0.7.0
	github.com/leaderelection/leaderelection v0.0.0
	github.com/tetratelabs/wazero v1.12.0
)

require golang.org/x/sys v0.44.0 // indirect

replace github.com/leaderelection/leaderelection => ../..
