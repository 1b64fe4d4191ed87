package httpx

import "time"

// RequestMetrics is the port of this instance's request metrics: the
// Prometheus families a process exposes on /metrics. Only the homes that
// serve /metrics (the health function, `riptide serve`) install one, so
// no other Lambda links a metrics library; a nil RequestMetrics costs
// nothing. Service-wide request numbers go through Options.Recorder (the
// Redis minute buckets, CloudWatch EMF) whether or not this is set.
type RequestMetrics interface {
	// BeginRequest counts a request in flight until done is called.
	BeginRequest() (done func())
	// ObserveRequest records a finished request: its operation id
	// ("unmatched" when no route took it), method, status and duration
	// (streams: until the last byte).
	ObserveRequest(op, method string, status int, d time.Duration)
}
