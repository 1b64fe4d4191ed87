// Package spiderjob runs the spider job type: the job starts a spider run
// (the same run POST /spider/crawl starts, on this home's launcher: Step
// Functions on AWS, the local loop in `riptide serve`), follows it to its
// end, and copies its page results into the job's result pages. A worker
// whose time runs out hands the job on (jobs.ErrContinue) and the next
// delivery follows the same run: the run id is the job's checkpoint.
package spiderjob

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/jobs"
	"github.com/riptidecrawler/riptide/shared/spider"
)

// DefaultPoll is how often a run's status is read while it runs.
const DefaultPoll = time.Second

// Executor is the jobs.Executor of spider jobs.
type Executor struct {
	Spider *spider.Service
	// Poll is the status-reading interval (DefaultPoll when zero).
	Poll time.Duration
}

// Summary is a spider job's result summary.
type Summary struct {
	SpiderID     string `json:"spider_id"`
	State        string `json:"status"`
	StopReason   string `json:"stop_reason,omitempty"`
	PagesCrawled int64  `json:"pages_crawled"`
	PagesFailed  int64  `json:"pages_failed"`
}

// Checkpoint keys.
const (
	cpRun   = "spider_id"
	cpPages = "pages_copied"
	cpItems = "items_copied"
	cpBytes = "bytes"
	cpNext  = "cursor"
)

// Prepare implements jobs.Executor: urls are the seeds (url is taken as a
// single seed), options are the spider's (POST /spider/crawl), checked as
// a run start would check them.
func (e Executor) Prepare(_ context.Context, s *jobs.Spec) error {
	if s.URL != "" {
		s.URLs, s.URL = append([]string{s.URL}, s.URLs...), ""
	}
	if s.Task != "" || len(s.Parameters) > 0 {
		return field("task", "task and parameters are for maintenance jobs")
	}
	o, err := decodeOptions(s.Options)
	if err != nil {
		return err
	}
	o, seeds, err := e.Spider.Check(s.URLs, o)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(o)
	if err != nil {
		return err
	}
	s.URLs, s.Options = seeds, raw
	return nil
}

// Run implements jobs.Executor.
func (e Executor) Run(ctx context.Context, r *jobs.Run) (*jobs.Outcome, error) {
	cp := r.Job.Checkpoint
	id := cp[cpRun]
	if id == "" {
		o, err := decodeOptions(r.Job.Input.Options)
		if err != nil {
			return nil, err
		}
		if id, err = e.Spider.Start(ctx, r.Job.Owner, r.Job.Input.URLs, o); err != nil {
			return nil, err
		}
		// Saved before anything else: a redelivery must follow this run,
		// never start a second one.
		if err := r.Checkpoint(ctx, map[string]string{cpRun: id}); err != nil {
			return nil, err
		}
	}
	st, err := e.follow(ctx, r, id)
	if err != nil {
		return nil, err
	}
	pages, items, size, err := e.copyResults(ctx, r, id, cp)
	if err != nil {
		return nil, err
	}
	return &jobs.Outcome{
		Success: st.State == spider.StateCompleted || st.State == spider.StateStopped,
		Summary: Summary{SpiderID: id, State: st.State, StopReason: st.StopReason, PagesCrawled: st.PagesCrawled, PagesFailed: st.PagesFailed},
		Items:   items, Pages: pages, Bytes: size,
	}, nil
}

// follow waits for the run to end, reporting its page counts as progress.
// A cancelled job stops its run.
func (e Executor) follow(ctx context.Context, r *jobs.Run, id string) (*spider.Status, error) {
	poll := e.Poll
	if poll <= 0 {
		poll = DefaultPoll
	}
	for {
		st, err := e.Spider.Engine.Status(ctx, id)
		if err != nil {
			return nil, e.stopOnCancel(ctx, r.Job.Owner, id, err)
		}
		done := int(st.PagesCrawled + st.PagesFailed)
		if err := r.Progress(ctx, jobs.Progress{Completed: done, Total: done + int(st.PagesQueued+st.PagesInFlight),
			Succeeded: int(st.PagesCrawled), Failed: int(st.PagesFailed)}); err != nil {
			return nil, e.stopOnCancel(ctx, r.Job.Owner, id, err)
		}
		if finished(st.State) {
			return st, nil
		}
		if !r.Deadline.IsZero() && time.Now().Add(poll).After(r.Deadline) {
			return nil, jobs.ErrContinue
		}
		select {
		case <-ctx.Done():
			return nil, e.stopOnCancel(ctx, r.Job.Owner, id, ctx.Err())
		case <-time.After(poll):
		}
	}
}

func finished(state string) bool {
	return state == spider.StateCompleted || state == spider.StateStopped || state == spider.StateFailed
}

// stopOnCancel stops the run when the job's context ended (a cancel or the
// job's timeout): a run nobody follows must not keep crawling.
func (e Executor) stopOnCancel(ctx context.Context, owner, id string, err error) error {
	if ctx.Err() == nil {
		return err
	}
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, serr := e.Spider.Control(stopCtx, owner, id, spider.ActionStop); serr != nil {
		return errors.Join(err, serr)
	}
	return core.Wrap(core.ErrTimeout, err, "the spider job was stopped; its run "+id+" was told to stop")
}

// copyResults pages through the finished run's results into the job's
// result pages, one checkpoint per page so a redelivery resumes the copy.
func (e Executor) copyResults(ctx context.Context, r *jobs.Run, id string, cp map[string]string) (pages, items, size int, err error) {
	pages, items, size = atoi(cp[cpPages]), atoi(cp[cpItems]), atoi(cp[cpBytes])
	cursor := int64(atoi(cp[cpNext]))
	for {
		if !r.Deadline.IsZero() && time.Now().After(r.Deadline) {
			return 0, 0, 0, jobs.ErrContinue
		}
		page, err := e.Spider.Engine.Results(ctx, id, cursor, jobs.PageItems)
		if err != nil {
			return 0, 0, 0, err
		}
		if len(page.Results) > 0 {
			n, err := r.Results.WritePage(ctx, pages, page.Results)
			if err != nil {
				return 0, 0, 0, err
			}
			pages, items, size = pages+1, items+len(page.Results), size+n
		}
		if page.NextCursor == nil {
			return pages, items, size, nil
		}
		if cursor, err = strconv.ParseInt(*page.NextCursor, 10, 64); err != nil {
			return 0, 0, 0, core.Errorf(core.ErrInternal, "spider results cursor %q: %v", *page.NextCursor, err)
		}
		if err := r.Checkpoint(ctx, map[string]string{cpRun: id, cpPages: strconv.Itoa(pages), cpItems: strconv.Itoa(items),
			cpBytes: strconv.Itoa(size), cpNext: strconv.FormatInt(cursor, 10)}); err != nil {
			return 0, 0, 0, err
		}
	}
}

func decodeOptions(raw json.RawMessage) (spider.Options, error) {
	var o spider.Options
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return o, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		return o, field("options", err.Error())
	}
	return o, nil
}

func field(name, msg string) error {
	return core.Errorf(core.ErrValidation, "%s: %s", name, msg).WithDetails(core.Detail{Field: name, Message: msg})
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }
