package healthapi

import (
	"github.com/riptidecrawler/riptide/shared/health"
	"github.com/riptidecrawler/riptide/shared/routes"
)

// Schemas returns the group's response schemas for the OpenAPI document,
// derived from the Go types. A 503 of a health route is the same report
// with the failing parts, not an error.
func Schemas() routes.Schemas {
	return routes.NewSchemas().
		Name(health.Report{}, "HealthReport").Name(ComponentReport{}, "HealthComponentReport").Name(DetailedReport{}, "HealthDetailedReport").
		Response("health.check", health.Report{}).Status("health.check", 503, health.Report{}).
		Response("health.detailed", DetailedReport{}).Status("health.detailed", 503, DetailedReport{}).
		Response("health.component", ComponentReport{}).Status("health.component", 503, ComponentReport{}).
		ResponseSchema("health.openapi", "OpenAPIDocument", map[string]any{"type": "object", "required": []string{"openapi", "info", "paths"},
			"properties": map[string]any{"openapi": map[string]any{"type": "string"}, "info": map[string]any{"type": "object"},
				"paths": map[string]any{"type": "object"}},
			"description": "This document (OpenAPI 3.1)."}).
		Build()
}
