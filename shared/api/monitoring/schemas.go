package monitoringapi

import (
	"reflect"

	"github.com/riptidecrawler/riptide/shared/monitor"
	"github.com/riptidecrawler/riptide/shared/routes"
)

// Schemas are the group's request and response schemas for the OpenAPI
// document.
func Schemas() routes.Schemas {
	rule := "MonitoringAlertRule"
	return routes.Schemas{Components: map[string]any{
		"MonitoringHealthScore":       routes.SchemaOf(reflect.TypeFor[HealthScoreResponse](), nil, false),
		"MonitoringMetrics":           routes.SchemaOf(reflect.TypeFor[MetricsResponse](), nil, false),
		"MonitoringPerformanceReport": routes.SchemaOf(reflect.TypeFor[monitor.PerformanceReport](), nil, false),
		"MonitoringPipelinePhases":    routes.SchemaOf(reflect.TypeFor[monitor.PhasesReport](), nil, false),
		"MonitoringAlertRules":        routes.SchemaOf(reflect.TypeFor[RulesResponse](), nil, false),
		"MonitoringAlertRuleRequest":  routes.SchemaOf(reflect.TypeFor[RuleRequest](), nil, true),
		rule:                          routes.SchemaOf(reflect.TypeFor[monitor.Rule](), nil, false),
		"MonitoringActiveAlerts":      routes.SchemaOf(reflect.TypeFor[ActiveAlertsResponse](), nil, false),
	}, Bodies: map[string]string{
		"monitoring.alert_rules.create": "MonitoringAlertRuleRequest",
		"monitoring.alert_rules.update": "MonitoringAlertRuleRequest",
	}, Responses: map[string]string{
		"monitoring.health_score":       "MonitoringHealthScore",
		"monitoring.metrics_current":    "MonitoringMetrics",
		"monitoring.performance_report": "MonitoringPerformanceReport",
		"monitoring.pipeline_phases":    "MonitoringPipelinePhases",
		"monitoring.alert_rules":        "MonitoringAlertRules",
		"monitoring.alert_rules.create": rule,
		"monitoring.alert_rules.update": rule,
		"monitoring.alerts_active":      "MonitoringActiveAlerts",
	}}
}
