// Command pdf is the Lambda function of the pdf endpoint group: PDF text and metadata extraction.
// Its engine is not built yet, so every route answers 501 not_implemented
// (and is marked x-status: planned in the OpenAPI document).
package main

import (
	"context"

	"github.com/riptidecrawler/riptide/shared/app"
	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/lambdaio"
)

func main() { app.StartFunction("pdf", newHandler) }

func newHandler(ctx context.Context, lookup config.LookupFunc) (*lambdaio.Handler, error) {
	h, _, err := app.NewHTTPFunction(ctx, "pdf", lookup, nil)
	return h, err
}
