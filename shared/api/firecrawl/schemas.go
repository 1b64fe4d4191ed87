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
	}
	responses := map[string]any{
		"FirecrawlScrapeResponse": ScrapeResponse{}, "FirecrawlMapResponse": MapResponse{},
		"FirecrawlStarted": Started{}, "FirecrawlJobStatus": JobStatus{}, "FirecrawlCancelResponse": CancelResponse{},
	}
	required := map[string][]string{
		"FirecrawlScrapeRequest": {"url"}, "FirecrawlMapRequest": {"url"}, "FirecrawlCrawlRequest": {"url"}, "FirecrawlBatchScrapeRequest": {"urls"},
	}
	s := routes.Schemas{Components: map[string]any{}, Bodies: map[string]string{
		"firecrawl.scrape": "FirecrawlScrapeRequest", "firecrawl.map": "FirecrawlMapRequest",
		"firecrawl.crawl": "FirecrawlCrawlRequest", "firecrawl.batch_scrape": "FirecrawlBatchScrapeRequest",
	}, Responses: map[string]string{
		"firecrawl.scrape": "FirecrawlScrapeResponse", "firecrawl.map": "FirecrawlMapResponse",
		"firecrawl.crawl": "FirecrawlStarted", "firecrawl.batch_scrape": "FirecrawlStarted",
		"firecrawl.crawl_status": "FirecrawlJobStatus", "firecrawl.batch_status": "FirecrawlJobStatus",
		"firecrawl.crawl_cancel": "FirecrawlCancelResponse",
	}}
	for name, v := range bodies {
		sc := routes.SchemaOf(reflect.TypeOf(v), nil, true)
		sc["required"] = required[name]
		s.Components[name] = sc
	}
	for name, v := range responses {
		s.Components[name] = routes.SchemaOf(reflect.TypeOf(v), nil, false)
	}
	return s
}
