// Package ebscheduler is the jobs.Trigger on Amazon EventBridge Scheduler:
// one schedule per user schedule, in the deployment's schedule group,
// sending the schedule's firing message straight to the job queue (the
// worker then submits the job from the template, once per firing time).
package ebscheduler

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/scheduler/types"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/jobs"
)

// API is the part of the Scheduler client the trigger uses.
type API interface {
	CreateSchedule(ctx context.Context, in *scheduler.CreateScheduleInput, o ...func(*scheduler.Options)) (*scheduler.CreateScheduleOutput, error)
	UpdateSchedule(ctx context.Context, in *scheduler.UpdateScheduleInput, o ...func(*scheduler.Options)) (*scheduler.UpdateScheduleOutput, error)
	DeleteSchedule(ctx context.Context, in *scheduler.DeleteScheduleInput, o ...func(*scheduler.Options)) (*scheduler.DeleteScheduleOutput, error)
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
	target := &types.Target{Arn: aws.String(t.QueueARN), RoleArn: aws.String(t.RoleARN),
		Input: aws.String(string(jobs.ScheduleMessage(s.ID, jobs.SchedulerTimePlaceholder)))}
	if s.Template.Priority == jobs.PriorityHigh && t.HighQueueARN != "" {
		target.Arn = aws.String(t.HighQueueARN)
	}
	state := types.ScheduleStateEnabled
	if s.Paused {
		state = types.ScheduleStateDisabled
	}
	window := &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeOff}
	desc := aws.String("RipTide schedule " + s.ID)
	_, err = t.Client.CreateSchedule(ctx, &scheduler.CreateScheduleInput{Name: aws.String(Name(s.ID)), GroupName: aws.String(t.Group),
		ScheduleExpression: aws.String(expr), ScheduleExpressionTimezone: aws.String(e.Location.String()), State: state,
		FlexibleTimeWindow: window, Target: target, Description: desc})
	var conflict *types.ConflictException
	if errors.As(err, &conflict) {
		_, err = t.Client.UpdateSchedule(ctx, &scheduler.UpdateScheduleInput{Name: aws.String(Name(s.ID)), GroupName: aws.String(t.Group),
			ScheduleExpression: aws.String(expr), ScheduleExpressionTimezone: aws.String(e.Location.String()), State: state,
			FlexibleTimeWindow: window, Target: target, Description: desc})
	}
	if err != nil {
		return dep(err, "put schedule")
	}
	return nil
}

// Delete implements jobs.Trigger; a schedule already gone is no error.
func (t *Trigger) Delete(ctx context.Context, id string) error {
	_, err := t.Client.DeleteSchedule(ctx, &scheduler.DeleteScheduleInput{Name: aws.String(Name(id)), GroupName: aws.String(t.Group)})
	var missing *types.ResourceNotFoundException
	if err != nil && !errors.As(err, &missing) {
		return dep(err, "delete schedule")
	}
	return nil
}

var _ jobs.Trigger = (*Trigger)(nil)
