// Package jobs is RipTide's job system: the job model and its states,
// priorities, retry policy, idempotency, schedules, and the worker that
// runs a job from a queue message. It is a pure engine: the job store,
// the queue, the schedule trigger, the result blobs and the executor of
// each job type are ports (ports.go) that the wiring fills with Redis,
// SQS, EventBridge Scheduler or in-process adapters.
package jobs

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

// Type is a job type.
type Type string

// Job types. Each has an Executor supplied by the wiring.
const (
	TypeSingleCrawl Type = "single_crawl"
	TypeBatchCrawl  Type = "batch_crawl"
	TypeSpider      Type = "spider"
	TypeExtract     Type = "extract"
	TypePDF         Type = "pdf"
	TypeMaintenance Type = "maintenance"
)

// AllTypes lists the job types.
var AllTypes = []Type{TypeSingleCrawl, TypeBatchCrawl, TypeSpider, TypeExtract, TypePDF, TypeMaintenance}

// State is where a job is in its life.
type State string

// States: queued -> running -> completed | failed | retrying |
// dead_letter | cancelled. retrying goes back to running when its delay
// has passed.
const (
	StateQueued     State = "queued"
	StateRunning    State = "running"
	StateRetrying   State = "retrying"
	StateCompleted  State = "completed"
	StateFailed     State = "failed"
	StateDeadLetter State = "dead_letter"
	StateCancelled  State = "cancelled"
)

// AllStates lists the states.
var AllStates = []State{StateQueued, StateRunning, StateRetrying, StateCompleted, StateFailed, StateDeadLetter, StateCancelled}

// Terminal reports whether a job in s will not run again by itself.
func (s State) Terminal() bool {
	return s == StateCompleted || s == StateFailed || s == StateDeadLetter || s == StateCancelled
}

// Priority orders jobs: high ones are served first.
type Priority string

const (
	PriorityHigh   Priority = "high"
	PriorityNormal Priority = "normal"
	PriorityLow    Priority = "low"
)

// AllPriorities lists the priorities, highest first.
var AllPriorities = []Priority{PriorityHigh, PriorityNormal, PriorityLow}

// Limits and defaults (docs/jobs.md).
const (
	DefaultTimeout = 10 * time.Minute
	MaxTimeout     = 14 * time.Minute // inside the worker Lambda's 15 minutes
	MinTimeout     = time.Second
	// MaxBatchURLs is the largest batch_crawl.
	MaxBatchURLs = 10_000
	// IdempotencyWindow: a second submission with the same key within it
	// returns the first job.
	IdempotencyWindow = 24 * time.Hour
	// MaxScheduleAhead bounds scheduled_at.
	MaxScheduleAhead = 30 * 24 * time.Hour
	MaxMetadataKeys  = 32
	MaxMetadataBytes = 8 << 10
	MaxIdempotency   = 255
)

// Input is what a job works on; which fields apply depends on the type
// (docs/jobs.md). Executors validate and normalise it at submission.
type Input struct {
	// URL: single_crawl, extract, pdf.
	URL string `json:"url,omitempty"`
	// URLs: batch_crawl (1..10,000); spider seeds.
	URLs []string `json:"urls,omitempty"`
	// Options: crawl options (single_crawl, batch_crawl, extract, pdf) or
	// spider options (spider).
	Options json.RawMessage `json:"options,omitempty"`
	// Task and Parameters: maintenance.
	Task       string          `json:"task,omitempty"`
	Parameters json.RawMessage `json:"parameters,omitempty"`
}

// Spec is a job submission (POST /api/v1/workers/jobs, a schedule's
// template, an async crawl).
type Spec struct {
	Type Type `json:"type"`
	Input
	Priority       Priority          `json:"priority,omitempty"`
	Retry          *RetryPolicy      `json:"retry,omitempty"`
	TimeoutMS      int64             `json:"timeout_ms,omitempty"`
	ScheduledAt    *time.Time        `json:"scheduled_at,omitempty"`
	IdempotencyKey string            `json:"idempotency_key,omitempty"`
	Metadata       map[string]string `json:"metadata,omitempty"`
	// WebhookURL receives the job summary on completion or failure.
	WebhookURL string `json:"webhook_url,omitempty"`
	// WebhookSecret signs it; when a webhook_url comes without one, a
	// secret is generated and returned once in the submission's answer.
	WebhookSecret string `json:"webhook_secret,omitempty"`
}

// Job is a stored job.
type Job struct {
	ID       string   `json:"job_id"`
	Type     Type     `json:"type"`
	Status   State    `json:"status"`
	Priority Priority `json:"priority"`
	Input    Input    `json:"input"`
	// Owner is the principal that submitted the job: only it sees the job.
	Owner string `json:"owner,omitempty" jsonschema:"-"`
	// Billing says who pays for work the job starts that is charged as it
	// happens (a spider job's pages beyond its seeds): opaque, from
	// Service.BillingOf at submission or the schedule's. Never shown.
	Billing        string            `json:"billing,omitempty" jsonschema:"-"`
	Retry          RetryPolicy       `json:"retry"`
	TimeoutMS      int64             `json:"timeout_ms"`
	ScheduledAt    *time.Time        `json:"scheduled_at,omitempty"`
	IdempotencyKey string            `json:"idempotency_key,omitempty"`
	Metadata       map[string]string `json:"metadata,omitempty"`
	// ScheduleID is the schedule that submitted the job (scheduled_job_id).
	ScheduleID string   `json:"scheduled_job_id,omitempty"`
	Webhook    *Webhook `json:"webhook,omitempty"`

	// Attempts counts runs started (retry_count is Attempts-1 once run).
	Attempts    int        `json:"attempts"`
	CreatedAt   time.Time  `json:"created_at"`
	StartedAt   *time.Time `json:"started_at,omitempty"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	NextRetryAt *time.Time `json:"next_retry_at,omitempty"`
	// HeartbeatAt is the running worker's last sign of life.
	HeartbeatAt      *time.Time      `json:"heartbeat_at,omitempty"`
	WorkerID         string          `json:"worker_id,omitempty"`
	LastError        *core.ErrorInfo `json:"last_error,omitempty"`
	ProcessingTimeMS int64           `json:"processing_time_ms,omitempty"`
	Progress         *Progress       `json:"progress,omitempty"`
	// Result summarises the output; the items are in the result blobs.
	Result *ResultInfo `json:"result,omitempty"`
	// Checkpoint is the executor's saved state: a resumed job carries on
	// from it (the chunks a batch finished, a spider run it started).
	Checkpoint map[string]string `json:"checkpoint,omitempty"`
	// CancelRequested is set by a cancel while the job runs; the worker
	// stops it and records cancelled.
	CancelRequested bool `json:"cancel_requested,omitempty"`
}

// Webhook is a job's notification target and its delivery state.
type Webhook struct {
	URL    string `json:"url"`
	Secret string `json:"secret,omitempty"`
	// State: pending (to send once the job ends), delivered, failed.
	State       string     `json:"state,omitempty"`
	Attempts    int        `json:"attempts,omitempty"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
	Error       string     `json:"error,omitempty"`
}

// Progress counts a job's units of work (URLs, pages).
type Progress struct {
	Completed int `json:"completed"`
	Total     int `json:"total"`
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
}

// ResultInfo describes a job's stored output.
type ResultInfo struct {
	Success bool            `json:"success"`
	Summary json.RawMessage `json:"summary,omitempty"`
	// Items is the number of result items; Pages how many blobs hold them.
	Items int `json:"items"`
	Pages int `json:"pages"`
	Bytes int `json:"bytes"`
}

// View is a job as its owner sees it: secrets removed.
func (j *Job) View() *Job {
	c := *j
	c.Owner, c.Billing = "", ""
	if j.Webhook != nil {
		w := *j.Webhook
		w.Secret = ""
		c.Webhook = &w
	}
	c.Checkpoint = nil
	return &c
}

// RetryCount is how many times the job was retried.
func (j *Job) RetryCount() int { return max(0, j.Attempts-1) }

// Timeout is the job's time budget per attempt.
func (j *Job) Timeout() time.Duration { return time.Duration(j.TimeoutMS) * time.Millisecond }

// normalize fills defaults of the common fields and validates them; the
// type's own input is left to its executor.
func (s *Spec) normalize(now time.Time) error {
	var details []core.Detail
	bad := func(field, format string, args ...any) {
		details = append(details, core.Detail{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if s.Type == "" {
		bad("type", "is required: one of %s", joinTypes())
	} else if !slices.Contains(AllTypes, s.Type) {
		bad("type", "%q is not a job type; types are %s", s.Type, joinTypes())
	}
	if s.Priority == "" {
		s.Priority = PriorityNormal
	} else if !slices.Contains(AllPriorities, s.Priority) {
		bad("priority", "%q: use high, normal or low", s.Priority)
	}
	if s.Retry == nil {
		r := DefaultRetry()
		s.Retry = &r
	} else {
		r := s.Retry.withDefaults()
		s.Retry = &r
		if err := r.validate("retry"); err != nil {
			details = append(details, core.AsError(err).Details...)
		}
	}
	switch {
	case s.TimeoutMS == 0:
		s.TimeoutMS = DefaultTimeout.Milliseconds()
	case s.TimeoutMS < MinTimeout.Milliseconds() || s.TimeoutMS > MaxTimeout.Milliseconds():
		bad("timeout_ms", "must be between %d and %d", MinTimeout.Milliseconds(), MaxTimeout.Milliseconds())
	}
	if s.ScheduledAt != nil {
		if s.ScheduledAt.After(now.Add(MaxScheduleAhead)) {
			bad("scheduled_at", "at most %d days ahead", int(MaxScheduleAhead.Hours()/24))
		}
		t := s.ScheduledAt.UTC()
		s.ScheduledAt = &t
	}
	if len(s.IdempotencyKey) > MaxIdempotency {
		bad("idempotency_key", "at most %d characters", MaxIdempotency)
	}
	if len(s.Metadata) > MaxMetadataKeys {
		bad("metadata", "at most %d keys", MaxMetadataKeys)
	}
	size := 0
	for k, v := range s.Metadata {
		size += len(k) + len(v)
	}
	if size > MaxMetadataBytes {
		bad("metadata", "at most %d bytes of keys and values", MaxMetadataBytes)
	}
	if s.WebhookURL != "" {
		if !strings.HasPrefix(s.WebhookURL, "http://") && !strings.HasPrefix(s.WebhookURL, "https://") {
			bad("webhook_url", "must be an http or https URL")
		}
	} else if s.WebhookSecret != "" {
		bad("webhook_secret", "needs webhook_url")
	}
	if len(details) > 0 {
		return core.Errorf(core.ErrValidation, "%s: %s", details[0].Field, details[0].Message).WithDetails(details...)
	}
	return nil
}

func joinTypes() string {
	s := make([]string, len(AllTypes))
	for i, t := range AllTypes {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// URLCount is how many URLs a job fetches that are known when it is
// submitted: its url, or its urls (a batch, or a spider's seeds: the pages
// a spider finds are not known yet). Maintenance fetches none.
func (s *Spec) URLCount() int {
	if s.Type == TypeMaintenance {
		return 0
	}
	n := len(s.URLs)
	if s.URL != "" {
		n++
	}
	return n
}
