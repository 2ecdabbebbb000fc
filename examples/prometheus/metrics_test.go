package main

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	m.SetLeading("e", true)
	m.Transition("e", "a")
	m.ObserveRenew("e", time.Millisecond, nil)
	m.ObserveRenew("e", time.Millisecond, errors.New("x"))
	want := `
# HELP leaderelection_leading 1 while this candidate leads the election.
# TYPE leaderelection_leading gauge
leaderelection_leading{election="e"} 1
# HELP leaderelection_renew_errors_total Failed writes of this candidate's own record.
# TYPE leaderelection_renew_errors_total counter
leaderelection_renew_errors_total{election="e"} 1
# HELP leaderelection_transitions_total New holders observed.
# TYPE leaderelection_transitions_total counter
leaderelection_transitions_total{election="e"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "leaderelection_leading", "leaderelection_renew_errors_total", "leaderelection_transitions_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(m.renewals); n != 1 {
		t.Errorf("renew histogram series = %d, want 1", n)
	}
}
