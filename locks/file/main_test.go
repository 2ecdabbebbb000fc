package file

import (
	"fmt"
	"os"
	"testing"
)

// childEnv, when set, makes the test binary a helper: a process of a
// process test (see helpers), or a test run in a child process.
const childEnv = "FILE_LOCK_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		if h, ok := helpers[mode]; ok {
			if err := h(); err != nil {
				fmt.Fprintf(os.Stderr, "helper %s: %v\n", mode, err)
				os.Exit(1)
			}
			os.Exit(0)
		}
	}
	os.Exit(m.Run())
}

// helpers are the programs the test binary runs as, by childEnv.
var helpers = map[string]func() error{}
