package main

import (
	"context"
	"net/http"
	"os"

	crawlapi "github.com/riptidecrawler/riptide/shared/api/crawl"
	healthapi "github.com/riptidecrawler/riptide/shared/api/health"
	renderapi "github.com/riptidecrawler/riptide/shared/api/render"
	spiderapi "github.com/riptidecrawler/riptide/shared/api/spider"
	stealthapi "github.com/riptidecrawler/riptide/shared/api/stealth"
	"github.com/riptidecrawler/riptide/shared/app"
	hc "github.com/riptidecrawler/riptide/shared/health"
	"github.com/riptidecrawler/riptide/shared/render"
)

// localGroups returns the groups the local server mounts, sharing one
// browser (started on the first render); a group missing here answers 501
// on every route (its engine is planned). The closer stops the browser.
func localGroups(ctx context.Context, b *app.Base) ([]app.Handlers, func(), error) {
	r, closer, err := render.FromConfig(ctx, b.Config, false, b.Logger)
	if err != nil {
		b.Logger.Warn("headless rendering unavailable: /render answers dependency_error and headless pages are extracted raw",
			"reason", err.Error())
		r, closer = nil, nil
	}
	b.Checkers = append(b.Checkers, hc.Func{ComponentName: "chromium", Probe: render.HealthProbe(r)})
	stop := func() {
		if closer != nil {
			_ = closer.Close()
		}
	}
	// The spider runs its steps in a local orchestrator (goroutines of
	// this process) unless RIPTIDE_SPIDER_STATE_MACHINE_ARN is set.
	svc, err := spiderapi.NewService(ctx, b, os.LookupEnv, spiderapi.ServiceOptions{Renderer: render.PipelineRenderer(r)})
	if err != nil {
		stop()
		return nil, nil, err
	}
	return []app.Handlers{
		func(b *app.Base) (map[string]http.Handler, error) { return healthapi.Handlers(b.HealthDeps()), nil },
		crawlapi.Wire(render.PipelineRenderer(r), spiderapi.CrawlDelegate{Service: svc}),
		renderapi.Wire(r),
		stealthapi.Wire(r),
		spiderapi.Wire(svc),
	}, stop, nil
}
