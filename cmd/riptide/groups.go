package main

import (
	"context"
	"net/http"
	"os"

	"github.com/riptidecrawler/riptide/shared/api/health"
	spiderapi "github.com/riptidecrawler/riptide/shared/api/spider"
	"github.com/riptidecrawler/riptide/shared/app"
)

// groupHandlers lists the groups the local server mounts; a group missing
// here answers 501 on every route (its engine is planned).
var groupHandlers = []app.Handlers{
	func(b *app.Base) (map[string]http.Handler, error) { return health.Handlers(b.HealthDeps()), nil },
	// The spider runs its steps in a local orchestrator (goroutines of
	// this process) unless RIPTIDE_SPIDER_STATE_MACHINE_ARN is set.
	func(b *app.Base) (map[string]http.Handler, error) {
		svc, err := b.Spider(context.Background(), os.LookupEnv, app.SpiderOptions{})
		if err != nil {
			return nil, err
		}
		return spiderapi.Handlers(spiderapi.Deps{Service: svc}), nil
	},
}
