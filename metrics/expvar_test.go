package metrics

import (
	"encoding/json"
	"errors"
	"expvar"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestExpvar(t *testing.T) {
	m := NewExpvar("leaderelection_test")
	m.SetLeading("jobs", true)
	m.Transition("jobs", "a")
	m.Transition("jobs", "b")
	m.ObserveRenew("jobs", 2*time.Millisecond, nil)
	m.ObserveRenew("jobs", 3*time.Millisecond, errors.New("conflict"))
	m.SetLeading("other", false)

	var got map[string]map[string]int64
	if err := json.Unmarshal([]byte(expvar.Get("leaderelection_test").String()), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]int64{
		"jobs": {"leading": 1, "transitions": 2, "renews": 2, "renew_errors": 1,
			"renew_latency_ns": int64(5 * time.Millisecond), "renew_last_ns": int64(3 * time.Millisecond)},
		"other": {"leading": 0, "transitions": 0, "renews": 0, "renew_errors": 0, "renew_latency_ns": 0, "renew_last_ns": 0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("published variables (-want +got):\n%s", diff)
	}
}
