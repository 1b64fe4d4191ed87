// Package monitoringwire wires the monitoring group: the monitor engine
// over the Redis minute buckets every instance of every function writes
// (shared/store/monitorstore), with the alert rules and states beside them.
package monitoringwire

import (
	"context"

	monitoringapi "github.com/riptidecrawler/riptide/shared/api/monitoring"
	"github.com/riptidecrawler/riptide/shared/monitor"
	"github.com/riptidecrawler/riptide/shared/store/monitorstore"
	"github.com/riptidecrawler/riptide/shared/wire"
)

// Service returns the process's monitor service. Before each read it
// flushes this process's pending records, so the local server (and a
// Lambda instance) reads its own latest minute exactly.
func Service(p *wire.Process) *monitor.Service {
	return &monitor.Service{
		Source:  monitorstore.NewSource(p.Store),
		Rules:   monitorstore.NewRules(p.Store),
		Alerts:  monitorstore.NewAlerts(p.Store),
		Flush:   p.Buckets.Flush,
		Started: p.Started,
		Logger:  p.Logger,
	}
}

// Build is the monitoring group's Builder.
func Build(_ context.Context, p *wire.Process) (wire.Group, error) {
	return wire.Group{Handlers: monitoringapi.Handlers(monitoringapi.Deps{Service: Service(p)})}, nil
}
