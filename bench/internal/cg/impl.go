package cg

import (
	"context"
	"fmt"

	"k8s.io/client-go/tools/leaderelection"
)

// Elector is the part of *leaderelection.LeaderElector the harness uses.
type Elector interface {
	Run(ctx context.Context)
	IsLeader() bool
	GetLeader() string
}

// NewElector builds the stock client-go elector (impl="stock", the default).
func NewElector(impl string, c leaderelection.LeaderElectionConfig) (Elector, error) {
	switch impl {
	case "", "stock":
		return leaderelection.NewLeaderElector(c)
	}
	return nil, fmt.Errorf("unknown impl %q", impl)
}
