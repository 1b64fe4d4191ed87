package httpx

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics holds the HTTP metrics of one server instance, in its own
// registry (no package-level state). In Lambda each instance reports its own
// numbers; service-wide counters live in Redis (monitoring group).
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

// NewMetrics creates the registry with HTTP, Go runtime and process metrics.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "riptide_http_requests_total",
			Help: "HTTP requests by operation, method and status code.",
		}, []string{"op", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "riptide_http_request_duration_seconds",
			Help:    "HTTP request latency by operation (streams: until the last byte).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"op", "method"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "riptide_http_requests_in_flight",
			Help: "HTTP requests being served.",
		}),
	}
	reg.MustRegister(m.requests, m.duration, m.inFlight,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *Metrics) begin() func() {
	m.inFlight.Inc()
	return m.inFlight.Dec
}

func (m *Metrics) observe(op, method string, status int, d time.Duration) {
	m.requests.WithLabelValues(op, method, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(op, method).Observe(d.Seconds())
}
