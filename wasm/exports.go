package main

// The exports. Each is a thin shim over the function that implements it,
// so that the names and types of the ABI read in one place. README.md
// documents every argument and result.

//go:wasmexport le_alloc
func leAlloc(size uint32) uint32 { return alloc(size) }

//go:wasmexport le_free
func leFree(ptr uint32) int32 { return free(ptr) }

//go:wasmexport le_new
func leNew(idPtr, idLen uint32, lease, renew, retry, termLimit, seed int64, flags uint32) int32 {
	return newMachine(idPtr, idLen, lease, renew, retry, termLimit, seed, flags)
}

//go:wasmexport le_step
func leStep(h int32, kind uint32, now int64, recPtr, recLen, verPtr, verLen, code uint32) int32 {
	return step(h, kind, now, recPtr, recLen, verPtr, verLen, code)
}

//go:wasmexport le_result
func leResult() uint32 { return addr(result) }

//go:wasmexport le_is_leader
func leIsLeader(h int32, now int64) int32 { return isLeader(h, now) }

//go:wasmexport le_term
func leTerm(h int32) int64 { return term(h) }

//go:wasmexport le_leader_until
func leLeaderUntil(h int32) int64 { return leaderUntil(h) }

//go:wasmexport le_close
func leClose(h int32) int32 { return closeMachine(h) }
