package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Store keeps jobs, their counters and the workers' heartbeats (a Redis
// adapter in shared/store/jobstore).
type Store interface {
	// Create stores j. With an idempotency key, a job of the same owner
	// and key stored within window wins: it is returned with created
	// false, and j is not stored.
	Create(ctx context.Context, j *Job, window time.Duration) (stored *Job, created bool, err error)
	// Get returns a job or a not_found error.
	Get(ctx context.Context, id string) (*Job, error)
	// Update applies fn to the stored job atomically; fn may be called
	// more than once (optimistic concurrency) and aborts with an error.
	Update(ctx context.Context, id string, fn func(*Job) error) (*Job, error)
	// List pages through an owner's jobs, newest first.
	List(ctx context.Context, owner string, f Filter, cursor string, limit int) (*Page, error)
	// Delete removes job j (as last read) and every index entry naming
	// it: its owner's list, its idempotency key, the waiting set, and its
	// state's count.
	Delete(ctx context.Context, j *Job) error
	// Counts returns how many jobs are in each state now, and when the
	// oldest job waiting to run (queued or retrying) was created.
	Counts(ctx context.Context) (map[State]int64, *time.Time, error)
	// Record counts an event of the job system (metrics).
	Record(ctx context.Context, e Event) error
	// Totals returns the event counters and recent processing times.
	Totals(ctx context.Context) (*Totals, error)
	// Beat records a worker's heartbeat; Beats returns those seen within
	// the last `within`.
	Beat(ctx context.Context, b WorkerBeat, ttl time.Duration) error
	Beats(ctx context.Context, within time.Duration) ([]WorkerBeat, error)
}

// ScheduleStore keeps schedules and, for the in-process cron, when each
// fires next.
type ScheduleStore interface {
	PutSchedule(ctx context.Context, s *Schedule) error
	GetSchedule(ctx context.Context, id string) (*Schedule, error)
	DeleteSchedule(ctx context.Context, id string) error
	ListSchedules(ctx context.Context, owner string) ([]*Schedule, error)
	// SetDue makes schedule id fire at t (zero time: never, paused).
	SetDue(ctx context.Context, id string, t time.Time) error
	// ClaimDue removes and returns up to limit schedules due at now, with
	// the time each was due: one process fires each due time.
	ClaimDue(ctx context.Context, now time.Time, limit int) ([]DueSchedule, error)
}

// DueSchedule is a schedule whose time has come.
type DueSchedule struct {
	ID  string
	Due time.Time
}

// Filter narrows a job listing.
type Filter struct {
	Status State
	Type   Type
	// Search matches the job id, a URL, the idempotency key or a metadata
	// value (case-insensitive substring).
	Search string
}

// Page is one page of a listing.
type Page struct {
	Jobs []*Job `json:"jobs"`
	// Total is the number of the owner's jobs matching the filter.
	Total      int    `json:"total"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// Queue carries job messages to workers: an in-process queue persisted in
// Redis (shared/store/jobstore) or SQS (shared/queue/sqsqueue). Both give
// at-least-once delivery with a visibility timeout, a receive count and a
// dead-letter queue after MaxReceives.
type Queue interface {
	// Send enqueues body on the queue of priority p, visible after delay
	// (at most MaxDelay).
	Send(ctx context.Context, p Priority, body []byte, delay time.Duration) error
	// Receive takes up to max visible messages, high priority first,
	// waiting up to wait for one.
	Receive(ctx context.Context, max int, wait time.Duration) ([]Delivery, error)
	// Delete removes a processed message.
	Delete(ctx context.Context, d Delivery) error
	// Release makes a message that failed visible again after delay,
	// recording why (a local DLQ keeps the reason).
	Release(ctx context.Context, d Delivery, delay time.Duration, reason string) error
	// Extend keeps a message in flight for another d (a long job).
	Extend(ctx context.Context, dl Delivery, d time.Duration) error
	// Stats reports depths.
	Stats(ctx context.Context) (*QueueStats, error)
	// Redrive moves dead-lettered messages back to their queues.
	Redrive(ctx context.Context) (int, error)
	// MaxDelay is the longest Send delay (SQS: 15 minutes).
	MaxDelay() time.Duration
}

// Delivery is one received message.
type Delivery struct {
	ID           string
	Body         []byte
	ReceiveCount int
	// Receipt identifies this receive (SQS receipt handle).
	Receipt  string
	Priority Priority
	SentAt   time.Time
}

// QueueStats are a queue's depths.
type QueueStats struct {
	Backend string `json:"backend"` // "local" or "sqs"
	// Visible messages waiting, per priority.
	Visible map[Priority]int64 `json:"visible"`
	// Delayed: sent with a delay not yet passed (retries, scheduled_at).
	Delayed  int64 `json:"delayed"`
	InFlight int64 `json:"in_flight"`
	// DeadLetter: messages in the DLQ(s).
	DeadLetter int64 `json:"dead_letter"`
	// OldestAgeMS is the age of the oldest visible message, when the
	// backend can tell (SQS reports it only to CloudWatch).
	OldestAgeMS *int64 `json:"oldest_age_ms,omitempty"`
}

// Trigger makes schedules fire: the in-process cron (LocalTrigger) or
// EventBridge Scheduler (shared/queue/ebscheduler).
type Trigger interface {
	// Put creates or updates the trigger of s (paused: disabled).
	Put(ctx context.Context, s *Schedule) error
	Delete(ctx context.Context, id string) error
}

// Executor runs the jobs of one type; the wiring supplies one per type.
type Executor interface {
	// Prepare validates and normalises a submission's input (400s).
	Prepare(ctx context.Context, spec *Spec) error
	// Run does the job. A typed retryable error (timeout, fetch,
	// dependency) is retried per the job's policy; ErrContinue asks for
	// another delivery to carry on from the checkpoint.
	Run(ctx context.Context, r *Run) (*Outcome, error)
}

// ErrContinue: the job saved a checkpoint and continues in a new delivery
// (the worker's own time is running out), without counting an attempt.
var ErrContinue = errors.New("job continues in another delivery")

// Run is one attempt of a job, as its executor sees it.
type Run struct {
	Job *Job
	// Results stores result pages.
	Results *ResultWriter
	// Checkpoint saves executor state that a later attempt resumes from.
	Checkpoint func(ctx context.Context, state map[string]string) error
	// Progress reports units done (shown on the job).
	Progress func(ctx context.Context, p Progress) error
	// Deadline is when the worker must stop (Lambda's remaining time,
	// minus a margin); zero means none. Executors of long jobs check it
	// between chunks and return ErrContinue.
	Deadline time.Time
}

// Outcome is a finished run.
type Outcome struct {
	Success bool
	// Summary is shown with the job and sent in the webhook.
	Summary any
	Items   int
	Pages   int
	Bytes   int
}

// Notifier delivers a job's webhook (shared/webhook.Sender).
type Notifier interface {
	Notify(ctx context.Context, url, event string, body []byte, secret, deliveryID string) (attempts int, err error)
}

// Event is something the metrics count.
type Event struct {
	Kind Kind
	Type Type
	// Duration of a finished run.
	Duration time.Duration
}

// Kind of event.
type Kind string

const (
	EventSubmitted  Kind = "submitted"
	EventStarted    Kind = "started"
	EventCompleted  Kind = "completed"
	EventFailed     Kind = "failed"
	EventRetried    Kind = "retried"
	EventDeadLetter Kind = "dead_letter"
	EventCancelled  Kind = "cancelled"
)

// Totals are the metrics' raw counters.
type Totals struct {
	// Counters by kind, overall and per job type.
	Counters map[Kind]int64
	PerType  map[Type]map[Kind]int64
	// Durations are recent processing times in ms (newest first),
	// overall and per type.
	Durations        []int64
	DurationsPerType map[Type][]int64
	Since            time.Time
}

// WorkerBeat is a worker instance's heartbeat.
type WorkerBeat struct {
	WorkerID  string    `json:"worker_id"`
	Home      string    `json:"home"` // local or lambda
	StartedAt time.Time `json:"started_at"`
	LastSeen  time.Time `json:"last_seen"`
	InFlight  int       `json:"in_flight"`
	Processed int64     `json:"jobs_processed"`
	Failed    int64     `json:"jobs_failed"`
}

// envelope is the body of a queue message: a job to run, or a schedule's
// firing (what EventBridge Scheduler sends).
type envelope struct {
	JobID string `json:"job_id,omitempty"`
	// Schedule firings: the schedule and the time it fired for.
	ScheduleID    string `json:"riptide_schedule,omitempty"`
	ScheduledTime string `json:"scheduled_time,omitempty"`
}

func jobMessage(id string) []byte {
	b, _ := json.Marshal(envelope{JobID: id})
	return b
}

// ScheduleMessage is the queue message of a schedule's firing: the
// EventBridge Scheduler target's input, with the scheduled time filled in
// by Scheduler (<aws.scheduler.scheduled-time>).
func ScheduleMessage(scheduleID, scheduledTime string) []byte {
	// json.Marshal would write < and > as \u003c and \u003e, and
	// Scheduler would not see its placeholder.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(envelope{ScheduleID: scheduleID, ScheduledTime: scheduledTime})
	return bytes.TrimSpace(b.Bytes())
}

// SchedulerTimePlaceholder is the context attribute EventBridge Scheduler
// replaces with a firing's scheduled time (RFC 3339) in a target's input.
const SchedulerTimePlaceholder = "<aws.scheduler.scheduled-time>"
