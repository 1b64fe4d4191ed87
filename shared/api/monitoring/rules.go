package monitoringapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/monitor"
)

// RulesResponse is the body of GET /api/v1/monitoring/alerts/rules.
type RulesResponse struct {
	Rules   []monitor.Rule `json:"rules"`
	Total   int            `json:"total"`
	Enabled int            `json:"enabled"`
	// Metrics are the metric names a rule may read.
	Metrics []string `json:"metrics"`
}

func (d Deps) listRules(w http.ResponseWriter, r *http.Request) {
	rules, err := d.Service.Rules.Rules(r.Context())
	if err != nil {
		httpx.WriteError(w, r, core.Wrap(core.ErrDependency, err, "alert rules unavailable"))
		return
	}
	out := RulesResponse{Rules: rules, Total: len(rules), Metrics: monitor.RuleMetrics}
	for _, rule := range rules {
		if rule.Enabled {
			out.Enabled++
		}
	}
	writeFresh(w, http.StatusOK, out)
}

// RuleRequest is the body of a rule's create or update: a Rule without
// the builtin mark (only RipTide's own rules carry it). enabled defaults
// to true.
type RuleRequest struct {
	Name          string  `json:"name"`
	MetricName    string  `json:"metric_name"`
	Threshold     float64 `json:"threshold"`
	Condition     string  `json:"condition"`
	Severity      string  `json:"severity"`
	Enabled       *bool   `json:"enabled,omitempty"`
	CooldownMS    int64   `json:"cooldown_ms,omitempty"`
	WindowMinutes int     `json:"window_minutes,omitempty"`
	Description   string  `json:"description,omitempty"`
}

func (q RuleRequest) rule() monitor.Rule {
	enabled := q.Enabled == nil || *q.Enabled
	return monitor.Rule{Name: q.Name, MetricName: q.MetricName, Threshold: q.Threshold, Condition: q.Condition,
		Severity: q.Severity, Enabled: enabled, CooldownMS: q.CooldownMS, WindowMinutes: q.WindowMinutes, Description: q.Description}
}

func (d Deps) createRule(w http.ResponseWriter, r *http.Request) {
	var req RuleRequest
	if err := httpx.Decode(r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	rule := req.rule()
	if err := rule.Normalize(); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if err := d.Service.Rules.PutRule(r.Context(), rule, true); err != nil {
		httpx.WriteError(w, r, ruleStoreError(err))
		return
	}
	w.Header().Set("Location", "/api/v1/monitoring/alerts/rules/"+rule.Name)
	writeFresh(w, http.StatusCreated, rule)
}

func (d Deps) updateRule(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var req RuleRequest
	if err := httpx.Decode(r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if req.Name == "" {
		req.Name = name
	}
	if req.Name != name {
		httpx.WriteError(w, r, core.Errorf(core.ErrValidation, "name: the body names %q but the path %q (a rule is renamed by creating the new one and deleting the old)", req.Name, name).
			WithDetails(core.Detail{Field: "name", Message: "differs from the path"}))
		return
	}
	rule := req.rule()
	if err := rule.Normalize(); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	// A built-in rule stays marked as such when edited.
	existing, err := d.Service.Rules.Rules(r.Context())
	if err != nil {
		httpx.WriteError(w, r, core.Wrap(core.ErrDependency, err, "alert rules unavailable"))
		return
	}
	for _, e := range existing {
		if e.Name == name {
			rule.Builtin = e.Builtin
		}
	}
	if err := d.Service.Rules.PutRule(r.Context(), rule, false); err != nil {
		httpx.WriteError(w, r, ruleStoreError(err))
		return
	}
	writeFresh(w, http.StatusOK, rule)
}

func (d Deps) deleteRule(w http.ResponseWriter, r *http.Request) {
	if err := d.Service.Rules.DeleteRule(r.Context(), r.PathValue("name")); err != nil {
		httpx.WriteError(w, r, ruleStoreError(err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ruleStoreError keeps the store's conflict and not_found, and reports
// anything else as the dependency being down.
func ruleStoreError(err error) error {
	switch core.TypeOf(err) {
	case core.ErrConflict, core.ErrNotFound:
		return err
	}
	return core.Wrap(core.ErrDependency, err, "alert rules unavailable")
}

// ActiveAlertsResponse is the body of /api/v1/monitoring/alerts/active.
type ActiveAlertsResponse struct {
	ActiveAlerts []monitor.ActiveAlert `json:"active_alerts"`
	Count        int                   `json:"count"`
	// EvaluatedAt is when the rules were last evaluated (by any
	// instance); zero before the first evaluation.
	EvaluatedAt time.Time `json:"evaluated_at,omitzero"`
}

func (d Deps) activeAlerts(w http.ResponseWriter, r *http.Request) {
	force := false
	if v := r.URL.Query().Get("evaluate"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			httpx.WriteError(w, r, core.Errorf(core.ErrValidation, "evaluate: true or false, got %q", v).
				WithDetails(core.Detail{Field: "evaluate", Message: "not a boolean"}))
			return
		}
		force = b
	}
	alerts, evaluated, err := d.Service.ActiveAlerts(r.Context(), force)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	writeFresh(w, http.StatusOK, ActiveAlertsResponse{ActiveAlerts: alerts, Count: len(alerts), EvaluatedAt: evaluated})
}
