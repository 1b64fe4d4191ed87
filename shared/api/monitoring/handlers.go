// Package monitoringapi serves the monitoring group: the health score,
// current metrics, performance report and pipeline phases computed from
// the per-minute records every instance writes (shared/monitor), and alert
// rules with their active alerts.
package monitoringapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/monitor"
)

// Default windows: the live views read the last 5 minutes, the reports
// the last hour (window_minutes overrides both, 1..1440).
const (
	DefaultLiveWindow   = 5
	DefaultReportWindow = 60
)

// Deps are what the monitoring group needs.
type Deps struct {
	Service *monitor.Service
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

func (d Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// Handlers returns the group's handlers keyed by operation id.
func Handlers(d Deps) map[string]http.Handler {
	return map[string]http.Handler{
		"monitoring.health_score":       http.HandlerFunc(d.healthScore),
		"monitoring.metrics_current":    http.HandlerFunc(d.metricsCurrent),
		"monitoring.performance_report": http.HandlerFunc(d.performanceReport),
		"monitoring.pipeline_phases":    http.HandlerFunc(d.pipelinePhases),
		"monitoring.alert_rules":        http.HandlerFunc(d.listRules),
		"monitoring.alert_rules.create": http.HandlerFunc(d.createRule),
		"monitoring.alert_rules.update": http.HandlerFunc(d.updateRule),
		"monitoring.alert_rules.delete": http.HandlerFunc(d.deleteRule),
		"monitoring.alerts_active":      http.HandlerFunc(d.activeAlerts),
	}
}

// windowOf reads the window_minutes query parameter.
func windowOf(r *http.Request, def int) (int, error) {
	v := r.URL.Query().Get("window_minutes")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > monitor.MaxWindowMinutes {
		msg := "an integer 1.." + strconv.Itoa(monitor.MaxWindowMinutes)
		return 0, core.Errorf(core.ErrValidation, "window_minutes: %s, got %q", msg, v).
			WithDetails(core.Detail{Field: "window_minutes", Message: msg})
	}
	return n, nil
}

// metrics reads the window the request asks for and computes its metrics.
func (d Deps) metrics(w http.ResponseWriter, r *http.Request, def int) (monitor.PerformanceMetrics, monitor.Window, bool) {
	minutes, err := windowOf(r, def)
	if err != nil {
		httpx.WriteError(w, r, err)
		return monitor.PerformanceMetrics{}, monitor.Window{}, false
	}
	m, win, err := d.Service.Metrics(r.Context(), minutes)
	if err != nil {
		httpx.WriteError(w, r, err)
		return monitor.PerformanceMetrics{}, monitor.Window{}, false
	}
	return m, win, true
}

func writeFresh(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, status, v)
}

// HealthScoreResponse is the body of /api/v1/monitoring/health-score.
type HealthScoreResponse struct {
	monitor.HealthScore
	// Summary is excellent, good, fair, poor or critical.
	Summary       string    `json:"summary"`
	Timestamp     time.Time `json:"timestamp"`
	WindowMinutes int       `json:"window_minutes"`
}

func (d Deps) healthScore(w http.ResponseWriter, r *http.Request) {
	m, _, ok := d.metrics(w, r, DefaultLiveWindow)
	if !ok {
		return
	}
	hs := monitor.Score(m)
	writeFresh(w, http.StatusOK, HealthScoreResponse{HealthScore: hs, Summary: monitor.Summary(hs.Score),
		Timestamp: d.now().UTC(), WindowMinutes: m.WindowMinutes})
}

// MetricsResponse is the body of /api/v1/monitoring/metrics/current.
type MetricsResponse struct {
	Metrics monitor.PerformanceMetrics `json:"metrics"`
}

func (d Deps) metricsCurrent(w http.ResponseWriter, r *http.Request) {
	m, _, ok := d.metrics(w, r, DefaultLiveWindow)
	if !ok {
		return
	}
	writeFresh(w, http.StatusOK, MetricsResponse{Metrics: m})
}

func (d Deps) performanceReport(w http.ResponseWriter, r *http.Request) {
	m, win, ok := d.metrics(w, r, DefaultReportWindow)
	if !ok {
		return
	}
	writeFresh(w, http.StatusOK, monitor.Report(win, m))
}

func (d Deps) pipelinePhases(w http.ResponseWriter, r *http.Request) {
	minutes, err := windowOf(r, DefaultReportWindow)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	win, err := d.Service.Window(r.Context(), minutes)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	writeFresh(w, http.StatusOK, monitor.PhasesOf(win))
}
