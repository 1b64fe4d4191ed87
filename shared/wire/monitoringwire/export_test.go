package monitoringwire

import (
	"context"
	"time"

	"github.com/riptidecrawler/riptide/shared/monitor"
	"github.com/riptidecrawler/riptide/shared/wire"
)

// StartTicker starts the local evaluation ticker at another interval.
func StartTicker(ctx context.Context, p *wire.Process, svc *monitor.Service, interval time.Duration) {
	startTicker(ctx, p, svc, interval)
}
