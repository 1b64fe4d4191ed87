package spiderapi

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/spider"
)

// Schemas returns the group's request and response schemas for the OpenAPI
// document, derived from the Go types (so they follow the code).
func Schemas() routes.Schemas {
	enums := map[reflect.Type][]string{
		reflect.TypeFor[spider.Strategy]():      {"breadth_first", "depth_first", "best_first"},
		reflect.TypeFor[spider.ScopeMode]():     {"same_host", "same_domain", "any"},
		reflect.TypeFor[spider.SitemapMode]():   {"include", "only", "skip"},
		reflect.TypeFor[spider.TrailingSlash](): {"keep", "remove", "add"},
	}
	bodies := map[string]any{
		"SpiderCrawlRequest":   CrawlRequest{},
		"SpiderControlRequest": ControlRequest{},
		"SpiderMapRequest":     MapRequest{},
	}
	responses := map[string]any{
		"SpiderSyncResponse": SyncResponse{},
		"SpiderStatus":       spider.Status{},
		"SpiderResultPage":   spider.ResultPage{},
		"SpiderMapResult":    spider.MapResult{},
		"SpiderResult":       spider.Result{},
		"SpiderAccepted":     Accepted{},
	}
	s := routes.Schemas{Components: map[string]any{}, Bodies: map[string]string{
		"spider.crawl": "SpiderCrawlRequest", "spider.control": "SpiderControlRequest", "spider.map": "SpiderMapRequest",
	}, Responses: map[string]string{
		"spider.crawl": "SpiderSyncResponse", "spider.status": "SpiderStatus", "spider.get": "SpiderStatus",
		"spider.control": "SpiderStatus", "spider.results": "SpiderResultPage", "spider.map": "SpiderMapResult",
	}}
	required := map[string][]string{
		"SpiderCrawlRequest": {"seed_urls"}, "SpiderControlRequest": {"spider_id", "action"}, "SpiderMapRequest": {"url"},
	}
	for name, v := range bodies {
		// Requests are decoded strictly: unknown fields are a 400.
		sc := schemaOf(reflect.TypeOf(v), enums, true)
		sc["required"] = required[name]
		s.Components[name] = sc
	}
	for name, v := range responses {
		s.Components[name] = schemaOf(reflect.TypeOf(v), enums, false)
	}
	return s
}

var (
	timeType = reflect.TypeFor[time.Time]()
	rawType  = reflect.TypeFor[json.RawMessage]()
)

// schemaOf is the JSON Schema of a Go type as encoding/json writes it.
func schemaOf(t reflect.Type, enums map[reflect.Type][]string, strict bool) map[string]any {
	if vals, ok := enums[t]; ok {
		return map[string]any{"type": "string", "enum": vals}
	}
	switch t {
	case timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case rawType:
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return schemaOf(t.Elem(), enums, strict)
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), enums, strict)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), enums, strict)}
	case reflect.Struct:
		props := map[string]any{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			props[name] = schemaOf(f.Type, enums, strict)
		}
		out := map[string]any{"type": "object", "properties": props}
		if strict {
			out["additionalProperties"] = false
		}
		return out
	}
	return map[string]any{}
}
