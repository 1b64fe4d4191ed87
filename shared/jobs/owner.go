package jobs

import (
	"context"
	"errors"
	"fmt"
)

// OwnerData is what the job system keeps for one owner (a tenant's
// export, docs/privacy.md): its jobs and schedules as the API shows them.
type OwnerData struct {
	Jobs      []*Job          `json:"jobs"`
	Schedules []*ScheduleView `json:"schedules"`
}

// ExportOwner returns every job and schedule of owner.
func (s *Service) ExportOwner(ctx context.Context, owner string) (*OwnerData, error) {
	out := &OwnerData{Jobs: []*Job{}, Schedules: []*ScheduleView{}}
	err := s.eachJob(ctx, owner, func(j *Job) error {
		out.Jobs = append(out.Jobs, j.View())
		return nil
	})
	if err != nil {
		return nil, err
	}
	if s.Schedules != nil {
		if out.Schedules, err = s.ListSchedules(ctx, owner); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DeleteOwner removes every schedule (with its trigger) and every job of
// owner with its result pages, and returns how many items went. Schedules
// go first so none fires a job while the jobs are deleted; a running job
// is asked to stop first. A page its worker writes after the deletion
// stays in the blob store until the bucket's lifecycle removes it.
func (s *Service) DeleteOwner(ctx context.Context, owner string) (int64, error) {
	var n int64
	if s.Schedules != nil {
		scs, err := s.Schedules.ListSchedules(ctx, owner)
		if err != nil {
			return n, fmt.Errorf("list schedules: %w", err)
		}
		for _, sc := range scs {
			if s.Trigger != nil {
				if err := s.Trigger.Delete(ctx, sc.ID); err != nil {
					return n, fmt.Errorf("delete the trigger of schedule %s: %w", sc.ID, err)
				}
			}
			if err := s.Schedules.DeleteSchedule(ctx, sc.ID); err != nil {
				return n, fmt.Errorf("delete schedule %s: %w", sc.ID, err)
			}
			n++
		}
	}
	// Collect first: deleting while paging would move the cursor.
	var all []*Job
	if err := s.eachJob(ctx, owner, func(j *Job) error { all = append(all, j); return nil }); err != nil {
		return n, err
	}
	for _, j := range all {
		if !j.Status.Terminal() {
			if _, err := s.Cancel(ctx, owner, j.ID); err != nil && !errors.Is(err, context.Canceled) {
				s.log().Warn("job not cancelled before deletion", "job_id", j.ID, "error", err.Error())
			}
		}
		pages, err := s.Results.List(ctx, j.ID+"/")
		if err != nil {
			return n, fmt.Errorf("list the result pages of job %s: %w", j.ID, err)
		}
		for _, p := range pages {
			if err := s.Results.Delete(ctx, p.Key); err != nil {
				return n, fmt.Errorf("delete result page %s: %w", p.Key, err)
			}
			n++
		}
		if err := s.Store.Delete(ctx, j); err != nil {
			return n, fmt.Errorf("delete job %s: %w", j.ID, err)
		}
		n++
	}
	return n, nil
}

// eachJob calls fn for every job of owner, newest first.
func (s *Service) eachJob(ctx context.Context, owner string, fn func(*Job) error) error {
	cursor := ""
	for {
		page, err := s.Store.List(ctx, owner, Filter{}, cursor, 100)
		if err != nil {
			return fmt.Errorf("list jobs: %w", err)
		}
		for _, j := range page.Jobs {
			if err := fn(j); err != nil {
				return err
			}
		}
		if page.NextCursor == "" {
			return nil
		}
		cursor = page.NextCursor
	}
}
