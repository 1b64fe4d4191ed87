package prom

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Instance is the /metrics registry of one process (no package-level
// state: prometheus.DefaultRegisterer is never used). It is both the HTTP
// core's request metrics and a monitor.Recorder, so the wiring installs
// it in one call (wire.Process.InstallMetrics).
type Instance struct {
	*HTTP
	*Recorder
	Registry *prometheus.Registry
}

// NewInstance builds the registry: request families, engine families, and
// the Go runtime and process collectors.
func NewInstance() (*Instance, error) {
	reg := prometheus.NewRegistry()
	h, err := NewHTTP(reg)
	if err != nil {
		return nil, err
	}
	r, err := New(reg)
	if err != nil {
		return nil, err
	}
	if err := reg.Register(collectors.NewGoCollector()); err != nil {
		return nil, err
	}
	if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return nil, err
	}
	return &Instance{HTTP: h, Recorder: r, Registry: reg}, nil
}

// Handler serves the registry in the Prometheus text format (health.metrics).
func (i *Instance) Handler() http.Handler {
	return promhttp.HandlerFor(i.Registry, promhttp.HandlerOpts{})
}
