package spiderapi

import (
	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/spider"
)

// Schemas returns the group's request and response schemas for the OpenAPI
// document, derived from the Go types (so they follow the code).
func Schemas() routes.Schemas {
	s := routes.NewSchemas().
		Name(CrawlRequest{}, "SpiderCrawlRequest").Name(ControlRequest{}, "SpiderControlRequest").Name(MapRequest{}, "SpiderMapRequest").
		Name(SyncResponse{}, "SpiderSyncResponse").Name(Accepted{}, "SpiderAccepted").Name(spider.ResultPage{}, "SpiderResultPage").
		Body("spider.crawl", CrawlRequest{}, "seed_urls").Response("spider.crawl", SyncResponse{}).Status("spider.crawl", 202, Accepted{}).
		Response("spider.status", spider.Status{}).Response("spider.get", spider.Status{}).
		Body("spider.control", ControlRequest{}, "spider_id", "action").Response("spider.control", spider.Status{}).
		Response("spider.results", spider.ResultPage{}).
		Body("spider.map", MapRequest{}, "url").Response("spider.map", spider.MapResult{})
	// POST /api/v1/crawl with options.use_spider answers the same 202.
	s.Status("crawl.batch", 202, Accepted{})
	// The NDJSON form of the results: a result line is the stored
	// result's own fields plus "type" (resultLine's encoding).
	s.Line("spider.results", "metadata", metadataLine{}).
		LineSchema("spider.results", "result", "SpiderResultLine", s.Object(spider.Result{})).
		Line("spider.results", "summary", summaryLine{}).
		Line("spider.results", "error", errorLine{})
	return s.Build()
}
