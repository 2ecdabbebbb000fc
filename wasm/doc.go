// Command wasm is the election core (package core) as a WASI reactor
// module, for hosts written in other languages: a proxy, a database, an
// edge runtime, Node.js. Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -ldflags='-s -w' -o leaderelection.wasm ./wasm
//
// The host instantiates it with WASI preview 1, calls _initialize once, and
// then drives any number of machines through the exports below, each named
// by an integer handle. The host owns the clock and the I/O, as the Go
// driver does: it reads its clock, does what a machine's action says on its
// compare-and-swap store, and feeds the result back.
//
//	le_alloc(size u32) -> ptr u32            a buffer for input bytes (0: refused)
//	le_free(ptr u32) -> i32                  give it back (0, or < 0 on error)
//	le_new(id_ptr, id_len u32, lease, renew, retry, term_limit i64 (ns), seed i64, flags u32) -> handle i32
//	le_step(h i32, kind u32, now i64, rec_ptr, rec_len, ver_ptr, ver_len, code u32) -> len i32
//	le_result() -> ptr u32                   where the latest result (output or error message) is
//	le_is_leader(h i32, now i64) -> i32      1 leads at now, 0 not
//	le_term(h i32) -> i64                    fencing token while leading, else 0
//	le_leader_until(h i32) -> i64            when its authority ends unless it renews, else 0
//	le_close(h i32) -> i32                   free the machine
//
// A negative result means failure: its absolute value is the length of a
// UTF-8 error message at le_result(). The output of le_step, its length the
// result, is a small little-endian binary record described in README.md,
// with records in the JSON wire format of core.AppendRecord.
//
// The module links package core and the standard packages it needs (time,
// strconv, errors), but not fmt, encoding/json or os, so that it stays
// within 1.5× of a minimal wasip1 Go binary.
package main

// main is not run in a reactor (-buildmode=c-shared); the exports are the
// entry points.
func main() {}
