package deepsearchapi

import (
	"reflect"

	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/search"
)

// Schemas returns the group's request and response schemas for the OpenAPI
// document, derived from the Go types.
func Schemas() routes.Schemas {
	enums := map[reflect.Type][]string{
		reflect.TypeFor[search.Freshness]():    {"day", "week", "month", "year"},
		reflect.TypeFor[search.SafeSearch]():   {"off", "moderate", "strict"},
		reflect.TypeFor[pipeline.CacheMode]():  {"read_through", "bypass", "refresh", "cache_only"},
		reflect.TypeFor[pipeline.RenderMode](): {"auto", "raw", "headless"},
		reflect.TypeFor[pipeline.Format]():     {"text", "markdown", "html", "raw_html", "links", "media", "metadata"},
	}
	req := routes.SchemaOf(reflect.TypeFor[Request](), enums, true)
	req["required"] = []string{"query"}
	return routes.Schemas{
		Components: map[string]any{
			"DeepSearchRequest":  req,
			"DeepSearchResponse": routes.SchemaOf(reflect.TypeFor[Response](), enums, false),
			"SearchResponse":     routes.SchemaOf(reflect.TypeFor[SearchResponse](), enums, false),
		},
		Bodies:    map[string]string{"deepsearch.search": "DeepSearchRequest", "deepsearch.stream": "DeepSearchRequest"},
		Responses: map[string]string{"deepsearch.search": "DeepSearchResponse", "deepsearch.query": "SearchResponse"},
	}
}
