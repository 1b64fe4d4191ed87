package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

// LocalTrigger arms schedules for the in-process Cron: each schedule's
// next firing is kept in the schedule store's due set.
type LocalTrigger struct{ Store ScheduleStore }

// Put implements Trigger.
func (t LocalTrigger) Put(ctx context.Context, s *Schedule) error {
	if s.Paused || s.NextRunAt == nil {
		return t.Store.SetDue(ctx, s.ID, time.Time{})
	}
	return t.Store.SetDue(ctx, s.ID, *s.NextRunAt)
}

// Delete implements Trigger.
func (t LocalTrigger) Delete(ctx context.Context, id string) error {
	return t.Store.SetDue(ctx, id, time.Time{})
}

// Cron fires due schedules in this process (`riptide serve`). Due times
// are claimed atomically in the store, so several processes on one Redis
// fire each time once. A server that was down fires a missed schedule
// once when it comes back, then keeps to the expression.
type Cron struct {
	Service *Service
	// Interval between checks (default 1 s); Now is the clock. Tests set
	// both, or call Tick with their own clock.
	Interval time.Duration
	Logger   *slog.Logger
}

// Tick fires every schedule due now and arms its next firing; it returns
// how many jobs it submitted.
func (c *Cron) Tick(ctx context.Context) (int, error) {
	s := c.Service
	due, err := s.Schedules.ClaimDue(ctx, s.now(), 100)
	if err != nil {
		return 0, err
	}
	fired := 0
	for _, d := range due {
		job, err := s.FireSchedule(ctx, d.ID, d.Due)
		if err != nil {
			if core.TypeOf(err) == core.ErrNotFound {
				continue // deleted meanwhile
			}
			c.log().WarnContext(ctx, "schedule firing failed", "schedule_id", d.ID, "error", err.Error())
		} else if job != nil {
			fired++
		}
		sc, err := s.Schedules.GetSchedule(ctx, d.ID)
		if err != nil {
			continue
		}
		e, err := ParseExpr(sc.Expression, sc.Timezone)
		if err != nil || sc.Paused {
			continue
		}
		from := s.now()
		if d.Due.After(from) {
			from = d.Due
		}
		if err := s.Schedules.SetDue(ctx, sc.ID, e.Next(from, sc.CreatedAt)); err != nil {
			c.log().WarnContext(ctx, "could not arm the next firing", "schedule_id", d.ID, "error", err.Error())
		}
	}
	return fired, nil
}

// Run ticks until ctx ends.
func (c *Cron) Run(ctx context.Context) {
	every := c.Interval
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := c.Tick(ctx); err != nil && ctx.Err() == nil {
				c.log().WarnContext(ctx, "cron tick failed", "error", err.Error())
			}
		}
	}
}

func (c *Cron) log() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return c.Service.log()
}
