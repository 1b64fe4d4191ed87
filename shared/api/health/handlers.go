// Package health serves the health endpoint group: dependency health,
// Prometheus metrics and the OpenAPI document.
package healthapi

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/health"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/routes"
)

// Deps are what the health group needs.
type Deps struct {
	// Checkers returns the dependency checks (read per request: groups
	// wired after this one add theirs).
	Checkers func() []health.Checker
	Version  string
	Started  time.Time
	Gatherer prometheus.Gatherer
}

// Handlers returns the group's handlers keyed by operation id.
func Handlers(d Deps) map[string]http.Handler {
	return map[string]http.Handler{
		"health.check":     http.HandlerFunc(d.check),
		"health.component": http.HandlerFunc(d.component),
		"health.metrics":   promhttp.HandlerFor(d.Gatherer, promhttp.HandlerOpts{}),
		"health.openapi":   http.HandlerFunc(openAPI),
	}
}

func (d Deps) check(w http.ResponseWriter, r *http.Request) {
	comps := health.Run(r.Context(), d.Checkers())
	rep := health.Report{
		Status:     health.Overall(comps),
		Version:    d.Version,
		Timestamp:  time.Now().UTC(),
		UptimeMS:   time.Since(d.Started).Milliseconds(),
		Components: comps,
	}
	status := http.StatusOK
	if rep.Status == health.StatusUnhealthy {
		status = http.StatusServiceUnavailable
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, status, rep)
}

// ComponentReport is the body of /api/v1/health/{component}.
type ComponentReport struct {
	Name string `json:"name"`
	health.Component
	Timestamp time.Time `json:"timestamp"`
}

func (d Deps) component(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("component")
	var names []string
	for _, c := range d.Checkers() {
		names = append(names, c.Name())
		if c.Name() != name {
			continue
		}
		comp := health.RunOne(r.Context(), c)
		status := http.StatusOK
		if comp.Status != health.StatusHealthy {
			status = http.StatusServiceUnavailable
		}
		w.Header().Set("Cache-Control", "no-store")
		httpx.WriteJSON(w, status, ComponentReport{Name: name, Component: comp, Timestamp: time.Now().UTC()})
		return
	}
	httpx.WriteError(w, r, core.Errorf(core.ErrNotFound, "unknown component %q; known: %v", name, names))
}

func openAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(routes.OpenAPIJSON())
}
