package firecrawlapi

import (
	"reflect"

	"github.com/riptidecrawler/riptide/shared/routes"
)

// Schemas returns the facade's request and response schemas for the
// OpenAPI document, derived from the Go types.
func Schemas() routes.Schemas {
	bodies := map[string]any{
		"FirecrawlScrapeRequest": ScrapeRequest{}, "FirecrawlMapRequest": MapRequest{},
		"FirecrawlCrawlRequest": CrawlRequest{}, "FirecrawlBatchScrapeRequest": BatchScrapeRequest{},
		"FirecrawlV2CrawlRequest": CrawlRequestV2{}, "FirecrawlV2MapRequest": MapRequestV2{},
	}
	responses := map[string]any{
		"FirecrawlScrapeResponse": ScrapeResponse{}, "FirecrawlMapResponse": MapResponse{},
		"FirecrawlStarted": Started{}, "FirecrawlJobStatus": JobStatus{}, "FirecrawlCancelResponse": CancelResponse{},
	}
	required := map[string][]string{
		"FirecrawlScrapeRequest": {"url"}, "FirecrawlMapRequest": {"url"}, "FirecrawlCrawlRequest": {"url"}, "FirecrawlBatchScrapeRequest": {"urls"},
		"FirecrawlV2CrawlRequest": {"url"}, "FirecrawlV2MapRequest": {"url"},
	}
	s := routes.Schemas{Components: map[string]any{}, Bodies: map[string]string{
		"firecrawl.scrape": "FirecrawlScrapeRequest", "firecrawl.map": "FirecrawlMapRequest",
		"firecrawl.crawl": "FirecrawlCrawlRequest", "firecrawl.batch_scrape": "FirecrawlBatchScrapeRequest",
		"firecrawl.v2.scrape": "FirecrawlScrapeRequest", "firecrawl.v2.map": "FirecrawlV2MapRequest",
		"firecrawl.v2.crawl": "FirecrawlV2CrawlRequest", "firecrawl.v2.batch_scrape": "FirecrawlBatchScrapeRequest",
	}, Responses: map[string]string{
		"firecrawl.scrape": "FirecrawlScrapeResponse", "firecrawl.map": "FirecrawlMapResponse",
		"firecrawl.crawl": "FirecrawlStarted", "firecrawl.batch_scrape": "FirecrawlStarted",
		"firecrawl.crawl_status": "FirecrawlJobStatus", "firecrawl.batch_status": "FirecrawlJobStatus",
		"firecrawl.crawl_cancel": "FirecrawlCancelResponse",
		"firecrawl.v2.scrape":    "FirecrawlScrapeResponse", "firecrawl.v2.map": "FirecrawlMapResponse",
		"firecrawl.v2.crawl": "FirecrawlStarted", "firecrawl.v2.batch_scrape": "FirecrawlStarted",
		"firecrawl.v2.crawl_status": "FirecrawlJobStatus", "firecrawl.v2.batch_status": "FirecrawlJobStatus",
		"firecrawl.v2.crawl_cancel": "FirecrawlCancelResponse", "firecrawl.v2.batch_cancel": "FirecrawlCancelResponse",
	}}
	for name, v := range bodies {
		sc := routes.SchemaOf(reflect.TypeOf(v), nil, true)
		formatSchemas(sc)
		sc["required"] = required[name]
		s.Components[name] = sc
	}
	for name, v := range responses {
		s.Components[name] = routes.SchemaOf(reflect.TypeOf(v), nil, false)
	}
	return s
}

// formatSchemas describes formats entries as they are read (Format has
// its own UnmarshalJSON): a name, or an object with a type.
func formatSchemas(sc map[string]any) {
	props, _ := sc["properties"].(map[string]any)
	for name, p := range props {
		ps, ok := p.(map[string]any)
		if !ok {
			continue
		}
		if name == "formats" {
			ps["items"] = map[string]any{"oneOf": []any{
				map[string]any{"type": "string", "enum": allFormats},
				map[string]any{"type": "object", "required": []string{"type"}, "properties": map[string]any{
					"type": map[string]any{"type": "string", "enum": allFormats}, "fullPage": map[string]any{"type": "boolean"},
					"prompt": map[string]any{"type": "string"}, "schema": map[string]any{"type": "object"},
				}},
			}}
			continue
		}
		formatSchemas(ps)
	}
}
