package main

import (
	"context"
	"testing"

	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/wire"
)

// TestServeBuildsOneFetcher: every group of the local server shares the
// process's one fetcher (one robots cache, one politeness schedule, one
// set of circuits), and every ready route of the table has a handler.
func TestServeBuildsOneFetcher(t *testing.T) {
	p, err := wire.New(context.Background(), "local", config.FromMap(map[string]string{"RIPTIDE_AUTH": "disabled", "RIPTIDE_LOG_LEVEL": "error"}))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	handlers, err := localHandlers(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if n := p.FetchersBuilt(); n != 1 {
		t.Errorf("riptide serve built %d fetchers, want 1", n)
	}
	for _, r := range routes.Routes() {
		if _, ok := handlers[r.Op]; ok != (r.Status == routes.Ready) {
			t.Errorf("route %s (%s): handler present = %v", r.Op, r.Status, ok)
		}
	}
	names := map[string]bool{}
	for _, c := range p.Checkers() {
		names[c.Name()] = true
	}
	// The components /api/v1/health/{component} knows (chromium is an
	// alias of headless; queue exists only where a job queue is wired).
	for _, want := range []string{"redis", "extractor", "http_client", "headless", "spider"} {
		if !names[want] {
			t.Errorf("health checks %v, want %s among them", names, want)
		}
	}
}
