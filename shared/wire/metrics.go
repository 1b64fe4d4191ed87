package wire

import (
	"sync/atomic"

	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/monitor"
)

// InstanceMetrics are the metrics of this one process that a /metrics
// endpoint exposes (shared/monitor/prom.Instance): request families for
// the HTTP core and engine families for the recorder.
//
// This package never builds them: only the group that serves /metrics
// (healthwire, in the health function and in `riptide serve`) installs
// them, so no other Lambda links Prometheus. In AWS no one could scrape
// another function's registry (each instance has its own, with no
// endpoint), and its package init cost every cold start milliseconds.
type InstanceMetrics interface {
	httpx.RequestMetrics
	monitor.Recorder
}

// InstallMetrics makes m this process's instance metrics. HTTP handlers
// built afterwards (HTTPHandler; wire.Function builds it after the group)
// feed its request families, and from now on every record of p.Recorder
// reaches it, also through recorders groups took before this call.
// Install once per process (healthwire does, through Shared).
func (p *Process) InstallMetrics(m InstanceMetrics) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.Metrics = m
	p.instance.install(m)
}

// instanceRecorder passes records on to the installed instance metrics;
// until then, and in every process that never serves /metrics, it drops
// them at the cost of one atomic load.
type instanceRecorder struct {
	r atomic.Pointer[monitor.Recorder]
}

func (i *instanceRecorder) install(r monitor.Recorder) { i.r.Store(&r) }

func (i *instanceRecorder) get() monitor.Recorder {
	if r := i.r.Load(); r != nil {
		return *r
	}
	return monitor.Nop{}
}

func (i *instanceRecorder) RecordPage(pg monitor.Page)         { i.get().RecordPage(pg) }
func (i *instanceRecorder) RecordRequest(rq monitor.Request)   { i.get().RecordRequest(rq) }
func (i *instanceRecorder) RecordSpiderPage(outcome string)    { i.get().RecordSpiderPage(outcome) }
func (i *instanceRecorder) RecordCircuitRefusal()              { i.get().RecordCircuitRefusal() }
func (i *instanceRecorder) RecordBackup(keys int64)            { i.get().RecordBackup(keys) }
func (i *instanceRecorder) RecordQueueDepth(q string, d int64) { i.get().RecordQueueDepth(q, d) }
