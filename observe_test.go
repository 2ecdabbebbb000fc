package leaderelection

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/leaderelection/leaderelection/locks/mem"
)

type recMetrics struct {
	mu                    sync.Mutex
	leading               []bool
	transitions, renewals int
	errs                  int
}

func (r *recMetrics) SetLeading(_ string, l bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.leading = append(r.leading, l)
}

func (r *recMetrics) Transition(string, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.transitions++
}

func (r *recMetrics) ObserveRenew(_ string, _ time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.renewals++
	if err != nil {
		r.errs++
	}
}

func TestMetricsAndLogging(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf bytes.Buffer
		var mu sync.Mutex
		log := slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, nil))
		m := &recMetrics{}
		le, err := NewLeaderElector(LeaderElectionConfig{
			Lock: mem.NewStore().Lock("a"), LeaseDuration: lease, RenewDeadline: renew, RetryPeriod: retry,
			Name: "jobs", Logger: log, Metrics: m,
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		le.Start(ctx)
		time.Sleep(10*retry + time.Second) // one acquisition, ten renewals
		synctest.Wait()
		cancel()
		<-le.Done()
		m.mu.Lock()
		defer m.mu.Unlock()
		if diff := cmp.Diff([]bool{true, false}, m.leading); diff != "" {
			t.Errorf("SetLeading calls (-want +got):\n%s", diff)
		}
		if m.transitions != 1 || m.renewals != 11 || m.errs != 0 {
			t.Errorf("transitions=%d renewals=%d errors=%d, want 1, 11 (acquire + 10 renewals; the release names no holder), 0", m.transitions, m.renewals, m.errs)
		}
		mu.Lock()
		out := buf.String()
		mu.Unlock()
		for _, want := range []string{`msg="started leading" election=jobs identity=a term=1`, `msg="stopped leading" election=jobs identity=a term=1 reason=shutdown`, `msg="new leader" election=jobs identity=a leader=a`} {
			if !strings.Contains(out, want) {
				t.Errorf("log lacks %q:\n%s", want, out)
			}
		}
	})
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
