package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"

	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/adminwire"
	"github.com/riptidecrawler/riptide/shared/wire/crawlwire"
	"github.com/riptidecrawler/riptide/shared/wire/firecrawlwire"
	"github.com/riptidecrawler/riptide/shared/wire/healthwire"
	"github.com/riptidecrawler/riptide/shared/wire/llmwire"
	"github.com/riptidecrawler/riptide/shared/wire/monitoringwire"
	"github.com/riptidecrawler/riptide/shared/wire/pdfwire"
	"github.com/riptidecrawler/riptide/shared/wire/renderwire"
	"github.com/riptidecrawler/riptide/shared/wire/searchwire"
	"github.com/riptidecrawler/riptide/shared/wire/sessionswire"
	"github.com/riptidecrawler/riptide/shared/wire/spiderwire"
	"github.com/riptidecrawler/riptide/shared/wire/stealthwire"
	"github.com/riptidecrawler/riptide/shared/wire/strategieswire"
	"github.com/riptidecrawler/riptide/shared/wire/tableswire"
	"github.com/riptidecrawler/riptide/shared/wire/workerswire"
)

// localGroups are the groups `riptide serve` mounts on one Process, so
// they share one fetcher, one browser and one spider service; a group
// missing here answers 501 on every route (its engine is planned).
var localGroups = []struct {
	name  string
	build wire.Builder
}{
	{"health", healthwire.Build},
	{"crawl", crawlwire.Build},
	{"render", renderwire.Build},
	{"stealth", stealthwire.Build},
	{"spider", spiderwire.Build},
	{"strategies", strategieswire.Build},
	{"pdf", pdfwire.Build},
	{"tables", tableswire.Build},
	{"deepsearch", searchwire.Build},
	{"llm", llmwire.Build},
	{"monitoring", monitoringwire.Build},
	{"admin", adminwire.Build},
	{"workers", workerswire.Build},
	{"sessions", sessionswire.Build},
	{"firecrawl", firecrawlwire.Build},
}

// localHandlers builds the handlers of every local group.
func localHandlers(ctx context.Context, p *wire.Process) (map[string]http.Handler, error) {
	all := map[string]http.Handler{}
	for _, g := range localGroups {
		group, err := g.build(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("wire the %s group: %w", g.name, err)
		}
		maps.Copy(all, group.Handlers)
	}
	return all, nil
}
