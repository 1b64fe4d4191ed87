// Command crawl is the Lambda function of the crawl endpoint group: batch
// crawls, NDJSON and SSE streams (response streaming), and extraction.
// Headless pages go to the render function (RIPTIDE_RENDER_FUNCTION).
package main

import (
	"context"
	"net/http"

	crawlapi "github.com/riptidecrawler/riptide/shared/api/crawl"
	spiderapi "github.com/riptidecrawler/riptide/shared/api/spider"
	"github.com/riptidecrawler/riptide/shared/app"
	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/lambdaio"
	"github.com/riptidecrawler/riptide/shared/render"
)

func main() { app.StartFunction("crawl", newHandler) }

func newHandler(ctx context.Context, lookup config.LookupFunc) (*lambdaio.Handler, error) {
	h, _, err := app.NewHTTPFunction(ctx, "crawl", lookup, func(b *app.Base) (map[string]http.Handler, error) {
		r := render.PipelineRenderer(render.Optional(ctx, b.Config, b.InLambda, b.Logger))
		// options.use_spider starts spider runs (Step Functions in AWS).
		svc, err := spiderapi.NewService(ctx, b, lookup, spiderapi.ServiceOptions{Renderer: r})
		if err != nil {
			return nil, err
		}
		return crawlapi.Wire(r, spiderapi.CrawlDelegate{Service: svc})(b)
	})
	return h, err
}
