package strategiesapi

import (
	"reflect"

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
		s.Components[name] = routes.SchemaOf(reflect.TypeOf(v), enums, true)
	}
	s.Components["WASMModuleUpload"].(map[string]any)["required"] = []string{"wasm_base64"}
	s.Components["ChunkRequest"].(map[string]any)["required"] = []string{"text"}
	for name, v := range map[string]any{"StrategiesCrawlResult": pipeline.Result{}, "StrategiesInfo": Info{}, "WASMModule": wasm.ModuleInfo{},
		"WASMModuleList": ModuleList{}, "ChunkResult": chunk.Result{}} {
		s.Components[name] = routes.SchemaOf(reflect.TypeOf(v), enums, false)
	}
	return s
}
