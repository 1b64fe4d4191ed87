package crawlapi

import (
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/routes"
)

// Schemas returns the group's request and response schemas for the OpenAPI
// document, derived from the Go types. POST /api/v1/content/chunk is
// described by the strategies group (same engine); the 202 of use_spider
// by the spider group's Accepted.
func Schemas() routes.Schemas {
	s := routes.NewSchemas().
		Body("crawl.batch", Request{}, "urls").Response("crawl.batch", BatchResponse{}).
		Body("crawl.stream", Request{}, "urls").Body("crawl.sse", Request{}, "urls").
		Body("crawl.extract", ExtractRequest{}).Response("crawl.extract", pipeline.Result{}).
		Body("crawl.ws_token", TokenRequest{}).Response("crawl.ws_token", TokenResponse{})
	for _, op := range []string{"crawl.stream", "crawl.sse"} {
		s.Line(op, "metadata", MetadataLine{}).Line(op, "result", ResultLine{}).Line(op, "progress", ProgressLine{}).
			Line(op, "summary", SummaryLine{}).Line(op, "error", ErrorLine{})
	}
	return s.Build()
}
