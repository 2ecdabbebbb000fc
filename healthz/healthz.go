// Package healthz serves an elector's health check over HTTP. It lives
// apart from package leaderelection so that programs that do not serve
// HTTP do not link net/http.
package healthz

import "net/http"

// Checker is implemented by *leaderelection.LeaderElector.
type Checker interface {
	Check() error
}

// Handler returns an http.Handler that answers 200 "ok" while c.Check()
// returns nil, and 503 with the error otherwise. Mount it where a
// supervisor or load balancer probes liveness, e.g. /healthz: a leader that
// is past its renew deadline but still running its work is unhealthy and
// should be restarted.
func Handler(c Checker) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err := c.Check(); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(err.Error() + "\n"))
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
}
