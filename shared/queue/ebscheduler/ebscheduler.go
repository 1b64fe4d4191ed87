// Package ebscheduler is the jobs.Trigger on Amazon EventBridge Scheduler:
// one schedule per user schedule, in the deployment's schedule group,
// sending the schedule's firing message straight to the job queue (the
// worker then submits the job from the template, once per firing time).
//
// The Scheduler calls go through APIClient (client.go) over shared/awsapi,
// not the SDK's Scheduler client, for cold start.
package ebscheduler

import (
	"context"

	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/jobs"
)

// API is the part of the Scheduler API the trigger uses (*APIClient).
type API interface {
	CreateSchedule(ctx context.Context, in *ScheduleInput) (*ScheduleOutput, error)
	UpdateSchedule(ctx context.Context, in *ScheduleInput) (*ScheduleOutput, error)
	DeleteSchedule(ctx context.Context, in *DeleteScheduleInput) error
}

// Trigger arms schedules in EventBridge Scheduler.
type Trigger struct {
	Client API
	// Group is the schedule group (RIPTIDE_SCHEDULE_GROUP); RoleARN the
	// role Scheduler sends as (RIPTIDE_SCHEDULER_ROLE_ARN).
	Group, RoleARN string
	// QueueARN receives the firings; HighQueueARN those of schedules
	// whose jobs are high priority (empty: QueueARN).
	QueueARN, HighQueueARN string
}

// Name is the Scheduler name of schedule id.
func Name(id string) string { return "riptide-" + id }

func dep(err error, what string) error {
	return core.Wrap(core.ErrDependency, err, "EventBridge Scheduler: "+what)
}

// Put implements jobs.Trigger: the schedule is created, or replaced when
// it exists; a paused schedule is disabled.
func (t *Trigger) Put(ctx context.Context, s *jobs.Schedule) error {
	e, err := jobs.ParseExpr(s.Expression, s.Timezone)
	if err != nil {
		return err
	}
	expr, err := e.EventBridge()
	if err != nil {
		return err
	}
	in := &ScheduleInput{Name: Name(s.ID), GroupName: t.Group, ScheduleExpression: expr,
		ScheduleExpressionTimezone: e.Location.String(), State: StateEnabled, Description: "RipTide schedule " + s.ID,
		FlexibleTimeWindow: FlexibleTimeWindow{Mode: WindowOff},
		Target:             Target{ARN: t.QueueARN, RoleARN: t.RoleARN, Input: string(jobs.ScheduleMessage(s.ID, jobs.SchedulerTimePlaceholder))}}
	if s.Template.Priority == jobs.PriorityHigh && t.HighQueueARN != "" {
		in.Target.ARN = t.HighQueueARN
	}
	if s.Paused {
		in.State = StateDisabled
	}
	_, err = t.Client.CreateSchedule(ctx, in)
	if awsapi.IsCode(err, CodeConflict) {
		_, err = t.Client.UpdateSchedule(ctx, in)
	}
	if err != nil {
		return dep(err, "put schedule")
	}
	return nil
}

// Delete implements jobs.Trigger; a schedule already gone is no error.
func (t *Trigger) Delete(ctx context.Context, id string) error {
	err := t.Client.DeleteSchedule(ctx, &DeleteScheduleInput{Name: Name(id), GroupName: t.Group})
	if err != nil && !awsapi.IsCode(err, CodeNotFound) {
		return dep(err, "delete schedule")
	}
	return nil
}

var _ jobs.Trigger = (*Trigger)(nil)
