package leaderelection

import "time"

// Metrics receives measurements from electors. Implementations must be
// safe for concurrent use and fast: they are called on the election's
// path. Package metrics publishes them with expvar; examples/prometheus
// shows Prometheus.
type Metrics interface {
	// SetLeading records whether the election's candidate leads.
	SetLeading(election string, leading bool)

	// Transition records that a new holder was observed.
	Transition(election, identity string)

	// ObserveRenew records one write of this candidate's own record (an
	// acquisition or a renewal): how long it took, and its error (nil on
	// success; a conflict is an error here).
	ObserveRenew(election string, latency time.Duration, err error)
}
