// Command crawl is the Lambda function of the crawl endpoint group: batch
// crawls, NDJSON and SSE streams (response streaming), and extraction.
package main

import (
	"context"

	"github.com/riptidecrawler/riptide/shared/api/crawl"
	"github.com/riptidecrawler/riptide/shared/app"
	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/lambdaio"
)

func main() { app.StartFunction("crawl", newHandler) }

func newHandler(ctx context.Context, lookup config.LookupFunc) (*lambdaio.Handler, error) {
	h, _, err := app.NewHTTPFunction(ctx, "crawl", lookup, crawl.Wire)
	return h, err
}
