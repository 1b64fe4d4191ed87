package tablesapi

import (
	"github.com/riptidecrawler/riptide/shared/routes"
)

// Schemas returns the group's request and response schemas for the OpenAPI
// document, derived from the Go types.
func Schemas() routes.Schemas {
	return routes.NewSchemas().
		Name(ExtractRequest{}, "TablesExtractRequest").Name(ExtractResponse{}, "TablesExtractResponse").Name(Page{}, "TablesExportPage").
		Body("tables.extract", ExtractRequest{}).Response("tables.extract", ExtractResponse{}).
		// The JSON export (format=json) is a page; NDJSON has one row
		// object per line (a data export: rows carry no "type").
		Response("tables.export", Page{}).
		Rows("tables.export", "TablesExportRow", map[string]any{"type": "object",
			"description":          "One row: each column's name and its typed value (null for an empty cell).",
			"additionalProperties": map[string]any{"type": []string{"string", "number", "integer", "boolean", "null"}}}).
		Build()
}
