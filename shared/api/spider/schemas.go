package spiderapi

import (
	"reflect"

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
		sc := routes.SchemaOf(reflect.TypeOf(v), enums, true)
		sc["required"] = required[name]
		s.Components[name] = sc
	}
	for name, v := range responses {
		s.Components[name] = routes.SchemaOf(reflect.TypeOf(v), enums, false)
	}
	return s
}
