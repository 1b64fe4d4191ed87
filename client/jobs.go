package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// JobSpec is the body of POST /api/v1/workers/jobs (docs/jobs.md).
type JobSpec struct {
	// Type: single_crawl, batch_crawl, spider, extract, pdf or maintenance.
	Type string   `json:"type"`
	URL  string   `json:"url,omitempty"`
	URLs []string `json:"urls,omitempty"`
	// Options are the options of the job's type (crawl options for the
	// crawls, spider options for spider).
	Options  any    `json:"options,omitempty"`
	Priority string `json:"priority,omitempty"` // high, normal (default) or low
	// IdempotencyKey makes a resubmission return the first job instead of a
	// new one; with it the client also retries the submission on 429/503.
	IdempotencyKey string            `json:"idempotency_key,omitempty"`
	TimeoutMS      int64             `json:"timeout_ms,omitempty"`
	ScheduledAt    *time.Time        `json:"scheduled_at,omitempty"`
	Metadata       map[string]string `json:"metadata,omitempty"`
	WebhookURL     string            `json:"webhook_url,omitempty"`
	WebhookSecret  string            `json:"webhook_secret,omitempty"`
}

// JobAccepted is the answer of a submission.
type JobAccepted struct {
	JobID     string    `json:"job_id"`
	Status    string    `json:"status"`
	StatusURL string    `json:"status_url"`
	ResultURL string    `json:"result_url"`
	CreatedAt time.Time `json:"created_at"`
	// Created is false when IdempotencyKey named an existing job.
	Created       bool   `json:"created"`
	WebhookSecret string `json:"webhook_secret,omitempty"`
}

// Job is a job's state.
type Job struct {
	JobID            string            `json:"job_id"`
	Type             string            `json:"type"`
	Status           string            `json:"status"` // queued, running, retrying, completed, failed, dead_letter, cancelled
	Priority         string            `json:"priority"`
	Attempts         int               `json:"attempts"`
	TimeoutMS        int64             `json:"timeout_ms"`
	IdempotencyKey   string            `json:"idempotency_key,omitempty"`
	CancelRequested  bool              `json:"cancel_requested,omitempty"`
	Metadata         map[string]string `json:"metadata,omitempty"`
	CreatedAt        time.Time         `json:"created_at"`
	ScheduledAt      *time.Time        `json:"scheduled_at,omitempty"`
	StartedAt        *time.Time        `json:"started_at,omitempty"`
	CompletedAt      *time.Time        `json:"completed_at,omitempty"`
	ProcessingTimeMS int64             `json:"processing_time_ms,omitempty"`
	Progress         *JobProgress      `json:"progress,omitempty"`
	Result           *JobResultInfo    `json:"result,omitempty"`
	LastError        *ErrorInfo        `json:"last_error,omitempty"`
	Input            json.RawMessage   `json:"input"`
}

// Done says whether the job has reached a final state.
func (j Job) Done() bool {
	switch j.Status {
	case "completed", "failed", "dead_letter", "cancelled":
		return true
	}
	return false
}

// JobProgress counts a running job's items.
type JobProgress struct {
	Total     int `json:"total"`
	Completed int `json:"completed"`
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
}

// JobResultInfo sums up a finished job's result.
type JobResultInfo struct {
	Success bool            `json:"success"`
	Items   int             `json:"items"`
	Pages   int             `json:"pages"`
	Bytes   int64           `json:"bytes"`
	Summary json.RawMessage `json:"summary,omitempty"`
}

// JobPage is one page of a job listing.
type JobPage struct {
	Jobs       []Job  `json:"jobs"`
	Total      int    `json:"total"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// JobFilter narrows a job listing; zero fields do not filter.
type JobFilter struct {
	Status string
	Type   string
	Search string
	Cursor string
	Limit  int // 1..500, default 50
}

// JobResult is one page of a job's result: its items (crawl results, spider
// pages...), or a URL to download a large result from.
type JobResult struct {
	JobID        string            `json:"job_id"`
	Status       string            `json:"status"`
	Result       *JobResultInfo    `json:"result"`
	Error        *ErrorInfo        `json:"error,omitempty"`
	Items        []json.RawMessage `json:"items,omitempty"`
	Page         int               `json:"page,omitempty"`
	Pages        int               `json:"pages,omitempty"`
	NextCursor   string            `json:"next_cursor,omitempty"`
	URL          string            `json:"url,omitempty"`
	URLExpiresAt *time.Time        `json:"url_expires_at,omitempty"`
	Bytes        int64             `json:"bytes,omitempty"`
}

// JobCrawlItem is one item of a single_crawl or batch_crawl job's result:
// a page and its position in the job's urls.
type JobCrawlItem struct {
	Index  int    `json:"index"`
	Result Result `json:"result"`
}

// CrawlItems decodes the items of a crawl job's result page.
func (r *JobResult) CrawlItems() ([]JobCrawlItem, error) {
	out := make([]JobCrawlItem, len(r.Items))
	for i, raw := range r.Items {
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			return nil, fmt.Errorf("client: job result item %d: %w", i, err)
		}
	}
	return out, nil
}

// SubmitJob queues a job and returns its id.
func (cl *Client) SubmitJob(ctx context.Context, spec JobSpec) (*JobAccepted, error) {
	var out JobAccepted
	c := call{method: http.MethodPost, path: "/workers/jobs", body: spec, idempotent: spec.IdempotencyKey != ""}
	if _, err := cl.do(ctx, c, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Job returns a job's state.
func (cl *Client) Job(ctx context.Context, jobID string) (*Job, error) {
	var out Job
	if _, err := cl.do(ctx, call{method: http.MethodGet, path: "/workers/jobs/" + pathEscape(jobID)}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListJobs lists the caller's jobs, newest first.
func (cl *Client) ListJobs(ctx context.Context, f JobFilter) (*JobPage, error) {
	q := url.Values{}
	for k, v := range map[string]string{"status": f.Status, "type": f.Type, "search": f.Search, "cursor": f.Cursor} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	var out JobPage
	if _, err := cl.do(ctx, call{method: http.MethodGet, path: "/workers/jobs", query: q}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CancelJob cancels a job; a running one stops within a heartbeat (the
// returned state may still say running, with CancelRequested).
func (cl *Client) CancelJob(ctx context.Context, jobID string) (*Job, error) {
	var out Job
	if _, err := cl.do(ctx, call{method: http.MethodDelete, path: "/workers/jobs/" + pathEscape(jobID)}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// JobResult returns one page of a finished job's result, from cursor
// (empty: the first page).
func (cl *Client) JobResult(ctx context.Context, jobID, cursor string) (*JobResult, error) {
	q := url.Values{"inline": {"true"}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var out JobResult
	if _, err := cl.do(ctx, call{method: http.MethodGet, path: "/workers/jobs/" + pathEscape(jobID) + "/result", query: q}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// WaitJob polls a job every interval (at least 100 ms) until it reaches
// a final state or ctx ends.
func (cl *Client) WaitJob(ctx context.Context, jobID string, interval time.Duration) (*Job, error) {
	interval = max(interval, 100*time.Millisecond)
	for {
		j, err := cl.Job(ctx, jobID)
		if err != nil {
			return nil, err
		}
		if j.Done() {
			return j, nil
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return j, ctx.Err()
		case <-t.C:
		}
	}
}
