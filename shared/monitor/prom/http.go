package prom

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/riptidecrawler/riptide/shared/httpx"
)

// HTTP holds the request families of the HTTP core (httpx.RequestMetrics).
type HTTP struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

var _ httpx.RequestMetrics = (*HTTP)(nil)

// requestBuckets span a health check to a long stream.
var requestBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// NewHTTP registers the request families on reg.
func NewHTTP(reg prometheus.Registerer) (*HTTP, error) {
	h := &HTTP{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "riptide_http_requests_total",
			Help: "HTTP requests by operation, method and status code.",
		}, []string{"op", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "riptide_http_request_duration_seconds",
			Help:    "HTTP request latency by operation (streams: until the last byte).",
			Buckets: requestBuckets,
		}, []string{"op", "method"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "riptide_http_requests_in_flight",
			Help: "HTTP requests being served.",
		}),
	}
	for _, c := range []prometheus.Collector{h.requests, h.duration, h.inFlight} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// BeginRequest counts a request in flight until done is called.
func (h *HTTP) BeginRequest() (done func()) {
	h.inFlight.Inc()
	return h.inFlight.Dec
}

// ObserveRequest counts a finished request and its latency.
func (h *HTTP) ObserveRequest(op, method string, status int, d time.Duration) {
	h.requests.WithLabelValues(op, method, strconv.Itoa(status)).Inc()
	h.duration.WithLabelValues(op, method).Observe(d.Seconds())
}
