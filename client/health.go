package client

import (
	"context"
	"net/http"
	"time"
)

// HealthReport is the server's health and its dependencies'.
type HealthReport struct {
	Status     string                     `json:"status"` // healthy, degraded or unhealthy
	Version    string                     `json:"version"`
	Timestamp  time.Time                  `json:"timestamp"`
	UptimeMS   int64                      `json:"uptime_ms"`
	Components map[string]HealthComponent `json:"components"`
}

// HealthComponent is one dependency's health.
type HealthComponent struct {
	Status    string `json:"status"`
	Required  bool   `json:"required"`
	LatencyMS int64  `json:"latency_ms"`
	Detail    string `json:"detail,omitempty"`
	Error     string `json:"error,omitempty"`
}

// Health returns the server's health. A server with a required dependency
// down answers 503 with the report: Health returns it, not an error, so
// that the caller sees which component failed. It is never retried.
func (cl *Client) Health(ctx context.Context) (*HealthReport, error) {
	var out HealthReport
	noRetry := *cl
	noRetry.retry = RetryPolicy{}
	if _, err := noRetry.do(ctx, call{method: http.MethodGet, path: "/health", okStatus: []int{http.StatusServiceUnavailable}}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
