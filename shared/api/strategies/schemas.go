package strategiesapi

import (
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
	return routes.NewSchemas().
		Name(CrawlRequest{}, "StrategiesCrawlRequest").Name(RegisterRequest{}, "WASMModuleUpload").Name(crawlapi.ChunkRequest{}, "ChunkRequest").
		Name(Info{}, "StrategiesInfo").Name(wasm.ModuleInfo{}, "WASMModule").Name(ModuleList{}, "WASMModuleList").Name(chunk.Result{}, "ChunkResult").
		Body("strategies.crawl", CrawlRequest{}).Response("strategies.crawl", pipeline.Result{}).
		Response("strategies.info", Info{}).
		Body("strategies.modules.register", RegisterRequest{}, "wasm_base64").Response("strategies.modules.register", wasm.ModuleInfo{}).
		Status("strategies.modules.register", 201, wasm.ModuleInfo{}). // 201 when it is new, 200 when it was there
		Response("strategies.modules.list", ModuleList{}).Response("strategies.modules.get", wasm.ModuleInfo{}).
		Body("crawl.chunk", crawlapi.ChunkRequest{}, "text").Response("crawl.chunk", chunk.Result{}).
		Build()
}
