package locktest_test

import (
	"strconv"
	"testing"

	"github.com/leaderelection/leaderelection/core"
	"github.com/leaderelection/leaderelection/core/locktest"
	"github.com/leaderelection/leaderelection/locks/mem"
)

// TestMemConformance shows how a Lock runs the suite: a fresh store per
// call of the outer function, a new candidate's handle per call of the
// opener.
func TestMemConformance(t *testing.T) {
	locktest.RunWithOptions(t, func(t *testing.T) func() core.Lock {
		store := mem.NewStore()
		n := 0
		return func() core.Lock {
			n++
			return store.Lock("candidate-" + strconv.Itoa(n))
		}
	}, locktest.Options{Racers: 4, Rounds: 10})
}
