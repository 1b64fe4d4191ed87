// Package monitoringwire wires the monitoring group: the monitor engine
// over the Redis minute buckets every instance of every function writes
// (shared/store/monitorstore), with the alert rules and states beside them,
// and the scheduled alert evaluation: the evaluate_alerts task event in
// Lambda (EventBridge Scheduler, every minute), a ticker in `riptide serve`.
package monitoringwire

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	monitoringapi "github.com/riptidecrawler/riptide/shared/api/monitoring"
	"github.com/riptidecrawler/riptide/shared/lambdaio"
	"github.com/riptidecrawler/riptide/shared/monitor"
	"github.com/riptidecrawler/riptide/shared/store/monitorstore"
	"github.com/riptidecrawler/riptide/shared/wire"
)

// TaskEvaluateAlerts is the task event the schedule sends the monitoring
// function (infra/cdk/alertschedule.go).
const TaskEvaluateAlerts = "evaluate_alerts"

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
func Build(ctx context.Context, p *wire.Process) (wire.Group, error) {
	svc := Service(p)
	g := wire.Group{Handlers: monitoringapi.Handlers(monitoringapi.Deps{Service: svc})}
	g.Events.Task = lambdaio.Tasks{TaskEvaluateAlerts: func(ctx context.Context, _ json.RawMessage) (any, error) {
		ev, err := svc.Evaluate(ctx)
		if err != nil {
			return nil, err
		}
		p.Logger.InfoContext(ctx, "alerts evaluated", slog.Int("rules", ev.Rules), slog.Any("active", ev.Active), slog.Any("fired", ev.Fired))
		return ev, nil
	}}.Handle
	if !p.InLambda {
		// Goroutines do not outlive a Lambda invocation; in `riptide
		// serve` rules are evaluated on a ticker, not only when someone
		// reads /alerts/active, so an alert fires (and logs) on time.
		_, err := wire.Shared(p, "monitoring.ticker", func() (struct{}, error) {
			startTicker(ctx, p, svc, monitor.DefaultEvaluationInterval)
			return struct{}{}, nil
		})
		if err != nil {
			return wire.Group{}, err
		}
	}
	return g, nil
}

// startTicker evaluates every interval (claiming the turn in Redis, so
// servers sharing one evaluate once) until the process closes.
func startTicker(ctx context.Context, p *wire.Process, svc *monitor.Service, interval time.Duration) {
	ctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if _, _, err := svc.EvaluateOnSchedule(ctx, interval); err != nil && ctx.Err() == nil {
					p.Logger.WarnContext(ctx, "alert evaluation failed", slog.String("error", err.Error()))
				}
			}
		}
	}()
	p.OnClose(func() { stop(); <-done })
}
