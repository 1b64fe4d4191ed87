package strategiesapi

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"

	crawlapi "github.com/riptidecrawler/riptide/shared/api/crawl"
	"github.com/riptidecrawler/riptide/shared/chunk"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/wasm"
)

// Schemas returns the group's request and response schemas for the
// OpenAPI document, derived from the Go types, plus those of
// POST /api/v1/content/chunk (a crawl-group route built on the same
// engine).
func Schemas() routes.Schemas {
	enums := map[reflect.Type][]string{reflect.TypeFor[chunk.Mode](): {}}
	for _, m := range chunk.Modes {
		enums[reflect.TypeFor[chunk.Mode]()] = append(enums[reflect.TypeFor[chunk.Mode]()], string(m))
	}
	enums[reflect.TypeFor[pipeline.CacheMode]()] = []string{"read_through", "bypass", "refresh", "cache_only"}
	enums[reflect.TypeFor[pipeline.RenderMode]()] = []string{"auto", "raw", "headless"}
	enums[reflect.TypeFor[pipeline.Format]()] = []string{"text", "markdown", "html", "raw_html", "links", "media", "metadata"}
	s := routes.Schemas{Components: map[string]any{}, Bodies: map[string]string{
		"strategies.crawl": "StrategiesCrawlRequest", "strategies.modules.register": "WASMModuleUpload", "crawl.chunk": "ChunkRequest",
	}, Responses: map[string]string{
		"strategies.crawl": "StrategiesCrawlResult", "strategies.info": "StrategiesInfo", "strategies.modules.register": "WASMModule",
		"strategies.modules.list": "WASMModuleList", "strategies.modules.get": "WASMModule", "crawl.chunk": "ChunkResult",
	}}
	for name, v := range map[string]any{"StrategiesCrawlRequest": CrawlRequest{}, "WASMModuleUpload": RegisterRequest{}, "ChunkRequest": crawlapi.ChunkRequest{}} {
		s.Components[name] = schemaOf(reflect.TypeOf(v), enums, true)
	}
	s.Components["WASMModuleUpload"].(map[string]any)["required"] = []string{"wasm_base64"}
	s.Components["ChunkRequest"].(map[string]any)["required"] = []string{"text"}
	for name, v := range map[string]any{"StrategiesCrawlResult": pipeline.Result{}, "StrategiesInfo": Info{}, "WASMModule": wasm.ModuleInfo{},
		"WASMModuleList": ModuleList{}, "ChunkResult": chunk.Result{}} {
		s.Components[name] = schemaOf(reflect.TypeOf(v), enums, false)
	}
	return s
}

var (
	timeType = reflect.TypeFor[time.Time]()
	rawType  = reflect.TypeFor[json.RawMessage]()
)

// schemaOf is the JSON Schema of a Go type as encoding/json writes it
// (embedded structs flattened; interfaces and raw JSON are any value).
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
		addFields(t, props, enums, strict)
		out := map[string]any{"type": "object", "properties": props}
		if strict {
			out["additionalProperties"] = false
		}
		return out
	}
	return map[string]any{}
}

func addFields(t reflect.Type, props map[string]any, enums map[reflect.Type][]string, strict bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				addFields(ft, props, enums, strict)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = schemaOf(f.Type, enums, strict)
	}
}
