// Package healthwire wires the health group: dependency checks, metrics
// and the OpenAPI document.
package healthwire

import (
	"context"

	healthapi "github.com/riptidecrawler/riptide/shared/api/health"
	"github.com/riptidecrawler/riptide/shared/health"
	"github.com/riptidecrawler/riptide/shared/monitor/prom"
	"github.com/riptidecrawler/riptide/shared/version"
	"github.com/riptidecrawler/riptide/shared/wire"
)

// Build is the health group's Builder. The checks are read per request,
// so checks added by groups wired later (headless, spider) are reported too.
//
// The group serves /metrics, so it is the one that installs the process's
// Prometheus registry (the health function, `riptide serve`): no other
// function links Prometheus (docs/monitoring.md, "/metrics").
func Build(_ context.Context, p *wire.Process) (wire.Group, error) {
	// Every process can check its extractor and its fetcher; the groups
	// that use the browser, the spider or the queue add theirs.
	p.AddChecker(health.Extractor())
	p.AddChecker(health.HTTPClient(p.Fetcher()))
	metrics, err := wire.Shared(p, "metrics.prometheus", func() (*prom.Instance, error) {
		m, err := prom.NewInstance()
		if err != nil {
			return nil, err
		}
		p.InstallMetrics(m)
		return m, nil
	})
	if err != nil {
		return wire.Group{}, err
	}
	d := healthapi.Deps{Checkers: p.Checkers, Version: version.String(), Started: p.Started, Metrics: metrics.Handler(), Home: p.Name}
	return wire.Group{Handlers: healthapi.Handlers(d)}, nil
}
