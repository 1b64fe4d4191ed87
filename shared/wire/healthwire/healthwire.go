// Package healthwire wires the health group: dependency checks, metrics
// and the OpenAPI document.
package healthwire

import (
	"context"

	healthapi "github.com/riptidecrawler/riptide/shared/api/health"
	"github.com/riptidecrawler/riptide/shared/version"
	"github.com/riptidecrawler/riptide/shared/wire"
)

// Build is the health group's Builder. The checks are read per request,
// so checks added by groups wired later (chromium) are reported too.
func Build(_ context.Context, p *wire.Process) (wire.Group, error) {
	d := healthapi.Deps{Checkers: p.Checkers, Version: version.String(), Started: p.Started, Gatherer: p.Metrics.Registry}
	return wire.Group{Handlers: healthapi.Handlers(d)}, nil
}
