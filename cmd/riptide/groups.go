package main

import (
	"net/http"

	"github.com/riptidecrawler/riptide/shared/api/crawl"
	"github.com/riptidecrawler/riptide/shared/api/health"
	"github.com/riptidecrawler/riptide/shared/app"
)

// groupHandlers lists the groups the local server mounts; a group missing
// here answers 501 on every route (its engine is planned).
var groupHandlers = []app.Handlers{
	func(b *app.Base) (map[string]http.Handler, error) { return health.Handlers(b.HealthDeps()), nil },
	crawl.Wire,
}
