// Package health serves the health endpoint group: dependency health,
// Prometheus metrics and the OpenAPI document.
package healthapi

import (
	"net/http"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

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
	// Metrics serves this instance's metrics in the Prometheus text format
	// (/metrics); the wiring brings it so that this package links no
	// metrics library. Nil answers 404.
	Metrics http.Handler
	// Home names this process ("local", or the Lambda function), for the
	// components it does not run.
	Home string
}

// Handlers returns the group's handlers keyed by operation id.
func Handlers(d Deps) map[string]http.Handler {
	return map[string]http.Handler{
		"health.check":     http.HandlerFunc(d.check),
		"health.detailed":  http.HandlerFunc(d.detailed),
		"health.component": http.HandlerFunc(d.component),
		"health.metrics":   d.metrics(),
		"health.openapi":   http.HandlerFunc(openAPI),
	}
}

// metrics returns the /metrics handler; a process without instance
// metrics says so instead of serving an empty exposition.
func (d Deps) metrics() http.Handler {
	if d.Metrics != nil {
		return d.Metrics
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteError(w, r, core.Errorf(core.ErrNotFound, "this process does not serve instance metrics"))
	})
}

func (d Deps) check(w http.ResponseWriter, r *http.Request) {
	rep := d.report(r)
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, reportStatus(rep), rep)
}

func (d Deps) report(r *http.Request) health.Report {
	comps := health.Run(r.Context(), d.Checkers())
	return health.Report{
		Status:     health.Overall(comps),
		Version:    d.Version,
		Timestamp:  time.Now().UTC(),
		UptimeMS:   time.Since(d.Started).Milliseconds(),
		Components: comps,
	}
}

func reportStatus(rep health.Report) int {
	if rep.Status == health.StatusUnhealthy {
		return http.StatusServiceUnavailable
	}
	return http.StatusOK
}

// DetailedReport is the body of /api/v1/health/detailed: the health report
// with every known component (those this process does not run as
// not_configured), the build and the process's own figures.
type DetailedReport struct {
	health.Report
	Build   BuildInfo   `json:"build"`
	Process ProcessInfo `json:"process"`
}

// BuildInfo says what is running.
type BuildInfo struct {
	Version   string `json:"version"`
	GoVersion string `json:"go_version"`
	// Revision is the VCS commit the binary was built from, when known.
	Revision string `json:"revision,omitempty"`
	Home     string `json:"home"`
}

// ProcessInfo are the figures of this process (one Lambda instance, or the
// local server): real readings, none hard-coded.
type ProcessInfo struct {
	Goroutines     int    `json:"goroutines"`
	HeapAllocBytes uint64 `json:"heap_alloc_bytes"`
	SysBytes       uint64 `json:"sys_bytes"`
	NumGC          uint32 `json:"num_gc"`
	CPUs           int    `json:"cpus"`
}

func (d Deps) detailed(w http.ResponseWriter, r *http.Request) {
	rep := d.report(r)
	for _, name := range health.Known {
		if _, ok := rep.Components[name]; !ok {
			rep.Components[name] = d.notConfigured()
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b := BuildInfo{Version: d.Version, GoVersion: runtime.Version(), Home: d.home()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				b.Revision = s.Value
			}
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, reportStatus(rep), DetailedReport{Report: rep, Build: b, Process: ProcessInfo{
		Goroutines: runtime.NumGoroutine(), HeapAllocBytes: ms.HeapAlloc, SysBytes: ms.Sys, NumGC: ms.NumGC, CPUs: runtime.NumCPU()}})
}

func (d Deps) home() string {
	if d.Home == "" {
		return "local"
	}
	return d.Home
}

func (d Deps) notConfigured() health.Component {
	return health.Component{Status: health.StatusNotConfigured,
		Detail: "not run by this process (" + d.home() + "); the function or group that uses it reports it"}
}

// ComponentReport is the body of /api/v1/health/{component}.
type ComponentReport struct {
	Name string `json:"name"`
	health.Component
	Timestamp time.Time `json:"timestamp"`
}

func (d Deps) component(w http.ResponseWriter, r *http.Request) {
	name := health.Canonical(r.PathValue("component"))
	names := append([]string(nil), health.Known...)
	for _, c := range d.Checkers() {
		if !health.IsKnown(c.Name()) {
			names = append(names, c.Name())
		}
		if health.Canonical(c.Name()) != name {
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
	if health.IsKnown(name) {
		w.Header().Set("Cache-Control", "no-store")
		httpx.WriteJSON(w, http.StatusServiceUnavailable, ComponentReport{Name: name, Component: d.notConfigured(), Timestamp: time.Now().UTC()})
		return
	}
	httpx.WriteError(w, r, core.Errorf(core.ErrNotFound, "unknown component %q; known: %s", name, strings.Join(names, ", ")).
		WithDetails(core.Detail{Field: "component", Message: "one of " + strings.Join(names, ", ")}))
}

func openAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(routes.OpenAPIJSON())
}
