// Package firecrawlwire wires the Firecrawl-compatible facade: scrapes on
// the process's pipeline, crawls, batch scrapes and maps on its spider
// service.
package firecrawlwire

import (
	"context"

	firecrawlapi "github.com/riptidecrawler/riptide/shared/api/firecrawl"
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/pipelinewire"
	"github.com/riptidecrawler/riptide/shared/wire/spiderwire"
)

// Build is the firecrawl group's Builder.
func Build(ctx context.Context, p *wire.Process) (wire.Group, error) {
	pl, err := pipelinewire.Pipeline(ctx, p)
	if err != nil {
		return wire.Group{}, err
	}
	svc, err := spiderwire.Service(ctx, p, spiderwire.Options{})
	if err != nil {
		return wire.Group{}, err
	}
	d := firecrawlapi.Deps{Pipeline: pl, Spider: firecrawlapi.SpiderService{Service: svc}, CanRender: pl.Browser != nil}
	return wire.Group{Handlers: firecrawlapi.Handlers(d)}, nil
}
