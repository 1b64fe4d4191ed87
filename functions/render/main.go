// Command render is the Lambda function of the render endpoint group. It
// carries Chromium (the layer built by `make layers`) and serves both
// POST /api/v1/render and the render tasks other functions send it
// (render.Remote invokes it with a render.Request as the event).
package main

import (
	"context"
	"net/http"

	renderapi "github.com/riptidecrawler/riptide/shared/api/render"
	"github.com/riptidecrawler/riptide/shared/app"
	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/lambdaio"
	"github.com/riptidecrawler/riptide/shared/render"
)

func main() { app.StartFunction("render", newHandler) }

func newHandler(ctx context.Context, lookup config.LookupFunc) (*lambdaio.Handler, error) {
	var r render.Renderer
	h, _, err := app.NewHTTPFunction(ctx, "render", lookup, func(b *app.Base) (map[string]http.Handler, error) {
		cfg := b.Config
		cfg.RenderFunction = "" // this function renders itself; it never invokes a render function
		r = render.Optional(ctx, cfg, b.InLambda, b.Logger)
		return renderapi.Wire(r)(b)
	})
	if err != nil {
		return nil, err
	}
	h.Task = render.HandleTask(r)
	return h, nil
}
