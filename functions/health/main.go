// Command health is the Lambda function of the health endpoint group:
// dependency health, Prometheus metrics and the OpenAPI document.
package main

import (
	"context"
	"net/http"

	healthapi "github.com/riptidecrawler/riptide/shared/api/health"
	"github.com/riptidecrawler/riptide/shared/app"
	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/lambdaio"
)

func main() { app.StartFunction("health", newHandler) }

func newHandler(ctx context.Context, lookup config.LookupFunc) (*lambdaio.Handler, error) {
	h, _, err := app.NewHTTPFunction(ctx, "health", lookup, func(b *app.Base) (map[string]http.Handler, error) {
		return healthapi.Handlers(b.HealthDeps()), nil
	})
	return h, err
}
