// Package firecrawlapi serves a Firecrawl-compatible facade: Firecrawl's v1
// request and response shapes (scrape, map, crawl, batch scrape) mapped
// onto RipTide's pipeline and spider, so code written against Firecrawl's
// SDKs switches by changing apiUrl. Every field Firecrawl defines is
// either supported, mapped (docs/firecrawl-compat.md says how) or refused
// with a validation error naming it; nothing is silently dropped.
package firecrawlapi

import (
	"context"
	"net/http"

	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/spider"
)

// Pipeline is the part of the crawl pipeline a scrape uses.
type Pipeline interface {
	Crawl(ctx context.Context, rawURL string, opts pipeline.Options) pipeline.Result
	ExtractHTML(ctx context.Context, body []byte, pageURL string, opts pipeline.Options) pipeline.Result
	Render(ctx context.Context, job pipeline.RenderJob) (*pipeline.RenderOutcome, error)
	PrepareStructured(opts *pipeline.Options, prefix string) error
}

// Spider is the part of the spider service crawls, batch scrapes and
// maps use.
type Spider interface {
	Start(ctx context.Context, seeds []string, o spider.Options) (string, error)
	Status(ctx context.Context, id string) (*spider.Status, error)
	Results(ctx context.Context, id string, cursor int64, limit int) (*spider.ResultPage, error)
	Control(ctx context.Context, id, action string) (*spider.Status, error)
	Map(ctx context.Context, rawURL string, o spider.MapOptions) (*spider.MapResult, error)
}

// SpiderService adapts the spider service (its engine answers status,
// results and maps) to Spider.
type SpiderService struct{ Service *spider.Service }

// Start implements Spider.
func (s SpiderService) Start(ctx context.Context, seeds []string, o spider.Options) (string, error) {
	return s.Service.Start(ctx, httpx.Owner(ctx), seeds, o)
}

// Status implements Spider.
func (s SpiderService) Status(ctx context.Context, id string) (*spider.Status, error) {
	return s.Service.Status(ctx, httpx.Owner(ctx), id)
}

// Results implements Spider.
func (s SpiderService) Results(ctx context.Context, id string, cursor int64, limit int) (*spider.ResultPage, error) {
	return s.Service.Results(ctx, httpx.Owner(ctx), id, cursor, limit)
}

// Control implements Spider.
func (s SpiderService) Control(ctx context.Context, id, action string) (*spider.Status, error) {
	return s.Service.Control(ctx, httpx.Owner(ctx), id, action)
}

// Map implements Spider.
func (s SpiderService) Map(ctx context.Context, rawURL string, o spider.MapOptions) (*spider.MapResult, error) {
	return s.Service.Engine.Map(ctx, rawURL, o)
}

// Deps are what the facade needs.
type Deps struct {
	Pipeline Pipeline
	Spider   Spider
	// CanRender says whether a browser is available (screenshot and waitFor
	// need one); without it those options are refused up front.
	CanRender bool
}

// Handlers returns the facade's handlers keyed by operation id.
func Handlers(d Deps) map[string]http.Handler {
	return map[string]http.Handler{
		"firecrawl.scrape":       http.HandlerFunc(d.scrape),
		"firecrawl.map":          http.HandlerFunc(d.mapSite),
		"firecrawl.crawl":        http.HandlerFunc(d.crawl),
		"firecrawl.crawl_status": d.jobStatus("v1/crawl"),
		"firecrawl.crawl_cancel": http.HandlerFunc(d.cancel),
		"firecrawl.batch_scrape": d.batchScrape("v1"),
		"firecrawl.batch_status": d.jobStatus("v1/batch/scrape"),

		// v2: the same engine; the shapes differ in the crawl and map
		// requests (v2.go) and in formats, which take objects too.
		"firecrawl.v2.scrape":       http.HandlerFunc(d.scrape),
		"firecrawl.v2.map":          http.HandlerFunc(d.mapSiteV2),
		"firecrawl.v2.crawl":        http.HandlerFunc(d.crawlV2),
		"firecrawl.v2.crawl_status": d.jobStatus("v2/crawl"),
		"firecrawl.v2.crawl_cancel": http.HandlerFunc(d.cancel),
		"firecrawl.v2.batch_scrape": d.batchScrape("v2"),
		"firecrawl.v2.batch_status": d.jobStatus("v2/batch/scrape"),
		"firecrawl.v2.batch_cancel": http.HandlerFunc(d.cancel),
	}
}
