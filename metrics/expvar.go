// Package metrics publishes elector measurements with expvar, from the
// standard library alone. Pass an *Expvar as LeaderElectionConfig.Metrics;
// the numbers appear under /debug/vars.
package metrics

import (
	"expvar"
	"sync"
	"time"
)

// Expvar implements leaderelection.Metrics on an expvar.Map. Each election
// gets a map of its own under its name, with:
//
//	leading            1 while this candidate leads, else 0
//	transitions        holders observed (new-leader events)
//	renews             writes of this candidate's own record
//	renew_errors       of which failed (including conflicts)
//	renew_latency_ns   total latency of those writes, in nanoseconds
//	renew_last_ns      latency of the latest one
type Expvar struct {
	root *expvar.Map
	mu   sync.Mutex
	elec map[string]*election
}

type election struct {
	m                                  expvar.Map
	leading, transitions, renews, errs expvar.Int
	latency, last                      expvar.Int
}

// NewExpvar publishes a map named name (e.g. "leaderelection") and
// returns the Metrics that fill it. Like expvar.Publish, it panics if the
// name is already published: call it once per process and share the
// result among electors.
func NewExpvar(name string) *Expvar {
	return &Expvar{root: expvar.NewMap(name), elec: make(map[string]*election)}
}

func (e *Expvar) get(name string) *election {
	e.mu.Lock()
	defer e.mu.Unlock()
	el := e.elec[name]
	if el == nil {
		el = new(election)
		el.m.Set("leading", &el.leading)
		el.m.Set("transitions", &el.transitions)
		el.m.Set("renews", &el.renews)
		el.m.Set("renew_errors", &el.errs)
		el.m.Set("renew_latency_ns", &el.latency)
		el.m.Set("renew_last_ns", &el.last)
		e.elec[name] = el
		e.root.Set(name, &el.m)
	}
	return el
}

// SetLeading records whether the election's candidate leads.
func (e *Expvar) SetLeading(name string, leading bool) {
	v := int64(0)
	if leading {
		v = 1
	}
	e.get(name).leading.Set(v)
}

// Transition counts a newly observed holder.
func (e *Expvar) Transition(name, _ string) { e.get(name).transitions.Add(1) }

// ObserveRenew counts one write of the candidate's own record.
func (e *Expvar) ObserveRenew(name string, d time.Duration, err error) {
	el := e.get(name)
	el.renews.Add(1)
	if err != nil {
		el.errs.Add(1)
	}
	el.latency.Add(int64(d))
	el.last.Set(int64(d))
}
