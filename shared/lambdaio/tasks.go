package lambdaio

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// TaskField names a task event's kind: {"riptide_task": "backup"}. A
// CloudFormation custom-resource event carries it in ResourceProperties.
const TaskField = "riptide_task"

// TaskFunc runs one kind of task event.
type TaskFunc func(ctx context.Context, payload json.RawMessage) (any, error)

// Tasks dispatches task events by their riptide_task field, so one
// function can serve several (the worker's backup and migration, the
// WebSocket hand-off).
type Tasks map[string]TaskFunc

// Handle is a Handler.Task.
func (t Tasks) Handle(ctx context.Context, payload json.RawMessage) (any, error) {
	name := TaskName(payload)
	f, ok := t[name]
	if !ok {
		known := make([]string, 0, len(t))
		for k := range t {
			known = append(known, k)
		}
		slices.Sort(known)
		return nil, fmt.Errorf("%w: task %q (this function runs %s)", ErrUnsupportedEvent, name, strings.Join(known, ", "))
	}
	return f(ctx, payload)
}

// TaskName reads a task event's riptide_task, at the top level or in a
// custom-resource event's ResourceProperties; "" when there is none.
func TaskName(payload []byte) string {
	var probe struct {
		Task               string `json:"riptide_task"`
		ResourceProperties struct {
			Task string `json:"riptide_task"`
		}
	}
	if json.Unmarshal(payload, &probe) != nil {
		return ""
	}
	if probe.Task != "" {
		return probe.Task
	}
	return probe.ResourceProperties.Task
}
