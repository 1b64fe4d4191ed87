// Package maintjob runs maintenance jobs: housekeeping a caller can
// schedule for its own data (a nightly sessions cleanup, say). A task only
// ever touches what the job's owner owns; deployment-wide upkeep (backups,
// migrations) is not a job but a task event of the workers function.
package maintjob

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/jobs"
	"github.com/riptidecrawler/riptide/shared/sessions"
)

// TaskSessionsCleanup forgets the owner's expired sessions (the same as
// POST /api/v1/sessions/cleanup).
const TaskSessionsCleanup = "sessions_cleanup"

// SessionCleaner is the part of the sessions service the task needs.
type SessionCleaner interface {
	Cleanup(ctx context.Context, owner string) (*sessions.CleanupReport, error)
}

// Executor is the jobs.Executor of maintenance jobs.
type Executor struct {
	Sessions SessionCleaner
}

func (e Executor) tasks() map[string]func(context.Context, string) (any, error) {
	t := map[string]func(context.Context, string) (any, error){}
	if e.Sessions != nil {
		t[TaskSessionsCleanup] = func(ctx context.Context, owner string) (any, error) { return e.Sessions.Cleanup(ctx, owner) }
	}
	return t
}

// Summary is a maintenance job's result summary.
type Summary struct {
	Task   string `json:"task"`
	Result any    `json:"result"`
}

// Prepare implements jobs.Executor: task must be one this deployment runs,
// and these tasks take no parameters.
func (e Executor) Prepare(_ context.Context, s *jobs.Spec) error {
	if s.URL != "" || len(s.URLs) > 0 || len(s.Options) > 0 {
		return field("task", "a maintenance job takes task (and parameters), not urls or options")
	}
	known := e.tasks()
	if _, ok := known[s.Task]; !ok {
		names := make([]string, 0, len(known))
		for n := range known {
			names = append(names, n)
		}
		sort.Strings(names)
		return field("task", fmt.Sprintf("unknown maintenance task %q; this deployment runs: %s", s.Task, strings.Join(names, ", ")))
	}
	if p := bytes.TrimSpace(s.Parameters); len(p) > 0 && string(p) != "null" && string(p) != "{}" {
		return field("parameters", s.Task+" takes no parameters")
	}
	return nil
}

// Run implements jobs.Executor.
func (e Executor) Run(ctx context.Context, r *jobs.Run) (*jobs.Outcome, error) {
	task, ok := e.tasks()[r.Job.Input.Task]
	if !ok {
		return nil, core.Errorf(core.ErrValidation, "unknown maintenance task %q", r.Job.Input.Task)
	}
	if r.Job.Owner == "" {
		return nil, core.Errorf(core.ErrValidation, "maintenance task %s needs the job's owner", r.Job.Input.Task)
	}
	res, err := task(ctx, r.Job.Owner)
	if err != nil {
		return nil, err
	}
	return &jobs.Outcome{Success: true, Summary: Summary{Task: r.Job.Input.Task, Result: res}}, nil
}

func field(name, msg string) error {
	return core.Errorf(core.ErrValidation, "%s: %s", name, msg).WithDetails(core.Detail{Field: name, Message: msg})
}
