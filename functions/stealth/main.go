// Command stealth is the Lambda function of the stealth endpoint group.
// It has no browser: detection tests run on the render function.
package main

import (
	"context"
	"net/http"

	stealthapi "github.com/riptidecrawler/riptide/shared/api/stealth"
	"github.com/riptidecrawler/riptide/shared/app"
	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/lambdaio"
	"github.com/riptidecrawler/riptide/shared/render"
)

func main() { app.StartFunction("stealth", newHandler) }

func newHandler(ctx context.Context, lookup config.LookupFunc) (*lambdaio.Handler, error) {
	h, _, err := app.NewHTTPFunction(ctx, "stealth", lookup, func(b *app.Base) (map[string]http.Handler, error) {
		return stealthapi.Wire(render.Optional(ctx, b.Config, b.InLambda, b.Logger))(b)
	})
	return h, err
}
