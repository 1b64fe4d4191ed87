package jobs

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

// ScheduleSpec creates or changes a schedule. In an update, unset fields
// keep their value.
type ScheduleSpec struct {
	Name       *string `json:"name,omitempty"`
	Expression *string `json:"expression,omitempty"`
	// CronExpression is the original's name for Expression.
	CronExpression *string  `json:"cron_expression,omitempty"`
	Timezone       *string  `json:"timezone,omitempty"`
	Template       *Spec    `json:"job_template,omitempty"`
	Overlap        *Overlap `json:"overlap_policy,omitempty"`
	Paused         *bool    `json:"paused,omitempty"`
	// Enabled is the original's field: enabled=false is paused=true.
	Enabled *bool `json:"enabled,omitempty"`
}

// MaxSchedulesPerOwner bounds one caller's schedules.
const MaxSchedulesPerOwner = 1000

// ScheduleView is a schedule with its next firings.
type ScheduleView struct {
	*Schedule
	// NextRuns are the next five firings (none while paused).
	NextRuns []time.Time `json:"next_runs"`
}

func (s *Service) view(sc *Schedule) *ScheduleView {
	v := &ScheduleView{Schedule: sc.View(), NextRuns: []time.Time{}}
	if e, err := ParseExpr(sc.Expression, sc.Timezone); err == nil && !sc.Paused {
		v.NextRuns = e.NextRuns(s.now(), sc.CreatedAt, 5)
	}
	return v
}

func (s *Service) schedulesEnabled() error {
	if s.Trigger == nil || s.Schedules == nil {
		return core.Errorf(core.ErrNotImplemented, "schedules are not available in this deployment")
	}
	return nil
}

// apply merges spec into sc and validates the result.
func (s *Service) apply(ctx context.Context, sc *Schedule, spec ScheduleSpec, now time.Time) error {
	if spec.Expression != nil && spec.CronExpression != nil {
		return core.Errorf(core.ErrValidation, "give expression or cron_expression, not both")
	}
	if spec.CronExpression != nil {
		spec.Expression = spec.CronExpression
	}
	if spec.Name != nil {
		sc.Name = strings.TrimSpace(*spec.Name)
	}
	if spec.Expression != nil {
		sc.Expression = strings.TrimSpace(*spec.Expression)
	}
	if spec.Timezone != nil {
		sc.Timezone = *spec.Timezone
	}
	if spec.Overlap != nil {
		sc.Overlap = *spec.Overlap
	}
	if spec.Enabled != nil {
		sc.Paused = !*spec.Enabled
	}
	if spec.Paused != nil {
		sc.Paused = *spec.Paused
	}
	if sc.Name == "" || len(sc.Name) > 200 {
		return core.Errorf(core.ErrValidation, "name: 1-200 characters required").WithDetails(core.Detail{Field: "name", Message: "required"})
	}
	if sc.Timezone == "" {
		sc.Timezone = "UTC"
	}
	if sc.Overlap == "" {
		sc.Overlap = OverlapSkip
	}
	if !slices.Contains([]Overlap{OverlapSkip, OverlapQueue}, sc.Overlap) {
		return core.Errorf(core.ErrValidation, "overlap_policy: %q: use skip or queue", sc.Overlap).WithDetails(core.Detail{Field: "overlap_policy", Message: "skip or queue"})
	}
	e, err := ParseExpr(sc.Expression, sc.Timezone)
	if err != nil {
		return err
	}
	sc.ExpressionKind = e.Kind
	if err := e.checkInterval(sc.Expression, now); err != nil {
		return err
	}
	if spec.Template != nil {
		t := *spec.Template
		if t.IdempotencyKey != "" || t.ScheduledAt != nil {
			return core.Errorf(core.ErrValidation, "job_template: idempotency_key and scheduled_at are set per firing; leave them out")
		}
		// Validated like a submission, so a bad template fails now, not
		// at 3 am.
		check := t
		if err := check.normalize(now); err != nil {
			return prefixed(err, "job_template.")
		}
		ex, ok := s.Executors[check.Type]
		if !ok {
			return core.Errorf(core.ErrNotImplemented, "job type %s is not available in this deployment", check.Type)
		}
		if err := ex.Prepare(ctx, &check); err != nil {
			return prefixed(err, "job_template.")
		}
		sc.Template = check
	}
	if sc.Template.Type == "" {
		return core.Errorf(core.ErrValidation, "job_template is required").WithDetails(core.Detail{Field: "job_template", Message: "required"})
	}
	next := e.Next(now, sc.CreatedAt)
	sc.NextRunAt = &next
	if sc.Paused {
		sc.NextRunAt = nil
	}
	return nil
}

func prefixed(err error, prefix string) error {
	ce := core.AsError(err)
	c := *ce
	c.Message = prefix + c.Message
	c.Details = nil
	for _, d := range ce.Details {
		if d.Field != "" {
			d.Field = prefix + d.Field
		}
		c.Details = append(c.Details, d)
	}
	return &c
}

// CreateSchedule stores a schedule and arms its trigger.
func (s *Service) CreateSchedule(ctx context.Context, owner string, spec ScheduleSpec) (*ScheduleView, error) {
	if err := s.schedulesEnabled(); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	existing, err := s.Schedules.ListSchedules(ctx, owner)
	if err != nil {
		return nil, err
	}
	if len(existing) >= MaxSchedulesPerOwner {
		return nil, core.Errorf(core.ErrConflict, "at most %d schedules per API key", MaxSchedulesPerOwner)
	}
	sc := &Schedule{ID: NewID(), Owner: owner, Billing: s.billing(ctx), CreatedAt: now, UpdatedAt: now}
	if err := s.apply(ctx, sc, spec, now); err != nil {
		return nil, err
	}
	if err := s.Trigger.Put(ctx, sc); err != nil {
		return nil, err
	}
	if err := s.Schedules.PutSchedule(ctx, sc); err != nil {
		_ = s.Trigger.Delete(context.WithoutCancel(ctx), sc.ID)
		return nil, err
	}
	return s.view(sc), nil
}

// GetSchedule returns the owner's schedule.
func (s *Service) GetSchedule(ctx context.Context, owner, id string) (*ScheduleView, error) {
	sc, err := s.ownSchedule(ctx, owner, id)
	if err != nil {
		return nil, err
	}
	return s.view(sc), nil
}

func (s *Service) ownSchedule(ctx context.Context, owner, id string) (*Schedule, error) {
	if err := s.schedulesEnabled(); err != nil {
		return nil, err
	}
	sc, err := s.Schedules.GetSchedule(ctx, id)
	if err != nil {
		return nil, err
	}
	if sc.Owner != owner {
		return nil, core.Errorf(core.ErrNotFound, "schedule %s not found", id)
	}
	return sc, nil
}

// ListSchedules returns the owner's schedules, oldest first.
func (s *Service) ListSchedules(ctx context.Context, owner string) ([]*ScheduleView, error) {
	if err := s.schedulesEnabled(); err != nil {
		return nil, err
	}
	all, err := s.Schedules.ListSchedules(ctx, owner)
	if err != nil {
		return nil, err
	}
	out := make([]*ScheduleView, len(all))
	for i, sc := range all {
		out[i] = s.view(sc)
	}
	return out, nil
}

// UpdateSchedule changes a schedule (pause and resume included).
func (s *Service) UpdateSchedule(ctx context.Context, owner, id string, spec ScheduleSpec) (*ScheduleView, error) {
	sc, err := s.ownSchedule(ctx, owner, id)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	if err := s.apply(ctx, sc, spec, now); err != nil {
		return nil, err
	}
	sc.UpdatedAt = now
	if b := s.billing(ctx); b != "" {
		sc.Billing = b // the owner's plan as it is now
	}
	if err := s.Trigger.Put(ctx, sc); err != nil {
		return nil, err
	}
	if err := s.Schedules.PutSchedule(ctx, sc); err != nil {
		return nil, err
	}
	return s.view(sc), nil
}

// DeleteSchedule removes a schedule and its trigger.
func (s *Service) DeleteSchedule(ctx context.Context, owner, id string) error {
	if _, err := s.ownSchedule(ctx, owner, id); err != nil {
		return err
	}
	if err := s.Trigger.Delete(ctx, id); err != nil {
		return err
	}
	return s.Schedules.DeleteSchedule(ctx, id)
}
