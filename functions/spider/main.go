// Command spider is the Lambda function of the spider endpoint group: the
// HTTP API of deep crawls, and the Init / CrawlBatch / Finalize steps the
// spider state machine invokes as task events.
package main

import (
	"context"
	"net/http"

	spiderapi "github.com/riptidecrawler/riptide/shared/api/spider"
	"github.com/riptidecrawler/riptide/shared/app"
	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/lambdaio"
	"github.com/riptidecrawler/riptide/shared/render"
	"github.com/riptidecrawler/riptide/shared/spider"
)

func main() { app.StartFunction("spider", newHandler) }

func newHandler(ctx context.Context, lookup config.LookupFunc) (*lambdaio.Handler, error) {
	return build(ctx, lookup, spiderapi.ServiceOptions{})
}

// build wires the function with the given spider adapters (zero: this
// home's own).
func build(ctx context.Context, lookup config.LookupFunc, opts spiderapi.ServiceOptions) (*lambdaio.Handler, error) {
	var svc *spider.Service
	h, _, err := app.NewHTTPFunction(ctx, "spider", lookup, func(b *app.Base) (map[string]http.Handler, error) {
		if opts.Crawler == nil && opts.Renderer == nil {
			opts.Renderer = render.PipelineRenderer(render.Optional(ctx, b.Config, b.InLambda, b.Logger))
		}
		var err error
		if svc, err = spiderapi.NewService(ctx, b, lookup, opts); err != nil {
			return nil, err
		}
		return spiderapi.Handlers(spiderapi.Deps{Service: svc}), nil
	})
	if err != nil {
		return nil, err
	}
	h.Task = svc.Engine.HandleStep
	return h, nil
}
