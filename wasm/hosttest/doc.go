// Package hosttest drives the leaderelection WASI module (../) from Go
// through wazero, using only its documented ABI, and checks that it takes
// the same decisions as the native core on the same inputs: scripted
// scenarios with their expected outputs, and a randomized differential run.
//
// It is a nested module so that wazero stays out of the root go.mod. Its
// tests build the module themselves, or load the one named by $LE_WASM
// (scripts/wasm-plugin.sh test sets it).
package hosttest
