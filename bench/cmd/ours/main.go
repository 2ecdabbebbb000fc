// Command ours measures this project the way the peer harnesses measure
// client-go and etcd, so that the figures compare:
//
//	ours candidate -file PATH|-http URL -id ID      one elector in its own process (driven by handover)
//	ours handover -lock file|http -mode graceful|crash -n N
//	ours partition -n N                              the leader's calls fail from t0 on (peer's -mode partition)
//	ours safety -label L [-dist D -ctxaware -ghost ...]  the peer's overlap detection under a faulty lock
//	ours memory -n 1000 -role leader|follower        idle electors started with Start on in-memory locks
//
// Every mode prints "SUMMARY name=... k=v ..." lines that cmd/report reads.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: ours candidate|handover|partition|safety|memory [flags]")
		os.Exit(2)
	}
	modes := map[string]func([]string) error{
		"candidate": candidate,
		"handover":  handover,
		"partition": partition,
		"safety":    safety,
		"memory":    memory,
	}
	f, ok := modes[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "ours: unknown mode %q\n", os.Args[1])
		os.Exit(2)
	}
	if err := f(os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "ours %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}
