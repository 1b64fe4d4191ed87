package render

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// DefaultWait is what a render waits for when the request names nothing:
// the load event, then a quiet network, so content written by scripts
// shortly after load is there.
func DefaultWait() []WaitCondition {
	return []WaitCondition{{Type: WaitLoad}, {Type: WaitNetworkIdle, IdleMS: 800}}
}

// healthReporter is implemented by renderers that can describe their own
// state (Local; the Lambda adapter).
type healthReporter interface {
	Health(ctx context.Context) (string, error)
}

// HealthProbe reports the renderer's state for the health endpoint: the
// local browser's binary and lifecycle counters, or the remote function.
func HealthProbe(r Renderer) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		switch v := r.(type) {
		case nil:
			return "", errors.New("no Chromium found and no render function configured")
		case healthReporter:
			return v.Health(ctx)
		}
		return fmt.Sprintf("%T", r), nil
	}
}

// Health implements the health report of a local browser.
func (l *Local) Health(context.Context) (string, error) {
	// The health routes are public: the binary's path is not shown.
	if _, err := os.Stat(l.opts.ExecPath); err != nil {
		return "local", errors.New("the Chromium binary is missing or unreadable")
	}
	s := l.Stats()
	return fmt.Sprintf("local (launches %d, renders %d, crashes %d)", s.Launches, s.Renders, s.Crashes), nil
}
