package mem_test

import (
	"strconv"
	"testing"

	"github.com/leaderelection/leaderelection/core"
	"github.com/leaderelection/leaderelection/core/locktest"
	"github.com/leaderelection/leaderelection/locks/mem"
)

// newStore gives locktest a fresh store and an opener of candidate handles.
func newStore(t *testing.T) func() core.Lock {
	store := mem.NewStore()
	n := 0
	return func() core.Lock {
		n++
		return store.Lock("candidate-" + strconv.Itoa(n))
	}
}

func TestConformance(t *testing.T) {
	locktest.Run(t, newStore)
}
