// Command prometheus shows the elector's Metrics hook feeding Prometheus:
// three candidates on an in-memory lock publish leader status,
// transitions, and renewal latency and errors at /metrics.
//
//	go run . -addr 127.0.0.1:9464
//
// It lives in a module of its own so that the root module never requires
// the Prometheus client.
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/leaderelection/leaderelection"
	"github.com/leaderelection/leaderelection/locks/mem"
)

// Metrics implements leaderelection.Metrics with Prometheus collectors.
type Metrics struct {
	leading     *prometheus.GaugeVec
	transitions *prometheus.CounterVec
	renewals    *prometheus.HistogramVec
	errors      *prometheus.CounterVec
}

// NewMetrics registers the collectors with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		leading: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "leaderelection_leading", Help: "1 while this candidate leads the election.",
		}, []string{"election"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "leaderelection_transitions_total", Help: "New holders observed.",
		}, []string{"election"}),
		renewals: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "leaderelection_renew_seconds", Help: "Latency of writes of this candidate's own record.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10),
		}, []string{"election"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "leaderelection_renew_errors_total", Help: "Failed writes of this candidate's own record.",
		}, []string{"election"}),
	}
	reg.MustRegister(m.leading, m.transitions, m.renewals, m.errors)
	return m
}

// SetLeading records whether the candidate leads.
func (m *Metrics) SetLeading(election string, leading bool) {
	v := 0.0
	if leading {
		v = 1
	}
	m.leading.WithLabelValues(election).Set(v)
}

// Transition counts a new holder.
func (m *Metrics) Transition(election, _ string) { m.transitions.WithLabelValues(election).Inc() }

// ObserveRenew records one write of the candidate's own record.
func (m *Metrics) ObserveRenew(election string, d time.Duration, err error) {
	m.renewals.WithLabelValues(election).Observe(d.Seconds())
	if err != nil {
		m.errors.WithLabelValues(election).Inc()
	}
}

var _ leaderelection.Metrics = (*Metrics)(nil)

func main() {
	addr := flag.String("addr", "127.0.0.1:9464", "listen address for /metrics")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *addr); err != nil && !errors.Is(err, context.Canceled) {
		log.Fatal(err)
	}
}

func run(ctx context.Context, addr string) error {
	reg := prometheus.NewRegistry()
	metrics := NewMetrics(reg)
	store := mem.NewStore()
	for _, id := range []string{"a", "b", "c"} {
		le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
			Lock: store.Lock(id), LeaseDuration: 15 * time.Second, RenewDeadline: 10 * time.Second,
			RetryPeriod: 2 * time.Second, TermLimit: time.Minute,
			Name: "demo/" + id, Metrics: metrics,
		})
		if err != nil {
			return err
		}
		if err := le.Start(ctx); err != nil {
			return err
		}
	}
	srv := &http.Server{Addr: addr, Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	log.Printf("metrics at http://%s/metrics", addr)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return ctx.Err()
}
