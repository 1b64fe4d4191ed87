package tablesapi

import (
	"reflect"

	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/tables"
)

// Schemas returns the group's request and response schemas for the OpenAPI
// document, derived from the Go types.
func Schemas() routes.Schemas {
	enums := map[reflect.Type][]string{
		reflect.TypeFor[tables.ColumnType](): {"number", "date", "boolean", "string", "empty"},
	}
	return routes.Schemas{Components: map[string]any{
		"TablesExtractRequest":  routes.SchemaOf(reflect.TypeFor[ExtractRequest](), enums, true),
		"TablesExtractResponse": routes.SchemaOf(reflect.TypeFor[ExtractResponse](), enums, false),
		// The JSON export (format=json); the others are files.
		"TablesExportPage": routes.SchemaOf(reflect.TypeFor[Page](), enums, false),
	}, Bodies: map[string]string{
		"tables.extract": "TablesExtractRequest",
	}, Responses: map[string]string{
		"tables.extract": "TablesExtractResponse", "tables.export": "TablesExportPage",
	}}
}
