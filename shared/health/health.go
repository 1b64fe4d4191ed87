// Package health checks RipTide's dependencies and summarises them.
package health

import (
	"context"
	"sync"
	"time"
)

// Checker probes one dependency.
type Checker interface {
	Name() string
	// Required dependencies make the service unhealthy (503) when down;
	// optional ones only degrade it.
	Required() bool
	Check(ctx context.Context) (detail string, err error)
}

// Status values.
const (
	StatusHealthy   = "healthy"
	StatusDegraded  = "degraded"
	StatusUnhealthy = "unhealthy"
)

// Component is the result of one check.
type Component struct {
	Status   string `json:"status"`
	Required bool   `json:"required"`
	// LatencyMS is whole milliseconds, like every duration of the API
	// (a check faster than 1 ms reads 0).
	LatencyMS int64  `json:"latency_ms"`
	Detail    string `json:"detail,omitempty"`
	Error     string `json:"error,omitempty"`
}

// Report is the result of all checks.
type Report struct {
	Status     string               `json:"status"`
	Version    string               `json:"version"`
	Timestamp  time.Time            `json:"timestamp"`
	UptimeMS   int64                `json:"uptime_ms"`
	Components map[string]Component `json:"components"`
}

// CheckTimeout bounds each check so a hung dependency cannot hang /healthz.
const CheckTimeout = 2 * time.Second

// RunOne runs one checker with the check timeout.
func RunOne(ctx context.Context, c Checker) Component {
	ctx, cancel := context.WithTimeout(ctx, CheckTimeout)
	defer cancel()
	start := time.Now()
	detail, err := c.Check(ctx)
	comp := Component{
		Status:    StatusHealthy,
		Required:  c.Required(),
		LatencyMS: time.Since(start).Milliseconds(),
		Detail:    detail,
	}
	if err != nil {
		comp.Status = StatusUnhealthy
		comp.Error = err.Error()
	}
	return comp
}

// Run checks every dependency concurrently. The report is unhealthy when a
// required dependency is down, degraded when only an optional one is.
func Run(ctx context.Context, checkers []Checker) map[string]Component {
	out := make(map[string]Component, len(checkers))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range checkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			comp := RunOne(ctx, c)
			mu.Lock()
			out[c.Name()] = comp
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// Overall summarises components into one status.
func Overall(components map[string]Component) string {
	status := StatusHealthy
	for _, c := range components {
		if c.Status == StatusHealthy {
			continue
		}
		if c.Required {
			return StatusUnhealthy
		}
		status = StatusDegraded
	}
	return status
}

// Func adapts a function into a Checker.
type Func struct {
	ComponentName string
	IsRequired    bool
	Probe         func(ctx context.Context) (string, error)
}

func (f Func) Name() string                              { return f.ComponentName }
func (f Func) Required() bool                            { return f.IsRequired }
func (f Func) Check(ctx context.Context) (string, error) { return f.Probe(ctx) }
