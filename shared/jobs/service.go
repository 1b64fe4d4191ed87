package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/core"
)

// Service is the job system as the API sees it: submit, read, cancel,
// results, statistics and schedules.
type Service struct {
	Store     Store
	Schedules ScheduleStore
	Queue     Queue
	// Results is the blob store of result pages (the process's "results/").
	Results   blob.Store
	Executors map[Type]Executor
	// Trigger makes schedules fire (nil: schedules are refused).
	Trigger Trigger
	Logger  *slog.Logger
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// Started is when this process started (metrics' uptime).
	Started time.Time
	// BillingOf says who pays for work submitted under ctx (the API's
	// request: httpx.BillingOf); nil: nobody is recorded.
	BillingOf func(ctx context.Context) string
	// Meter charges the URLs of a schedule's firings, which no request
	// pays for up front, to the schedule's payer; nil charges nothing.
	Meter URLMeter
}

// URLMeter charges URLs fetched for work no request paid for up front
// (httpx.LaterCharges: the payer's plan, as debt, and its key's counters).
type URLMeter interface {
	ChargePages(ctx context.Context, billing string, urls int)
}

// billing is who pays for work started under ctx.
func (s *Service) billing(ctx context.Context) string {
	if b := core.PayerOf(ctx); b != "" {
		return b
	}
	if s.BillingOf != nil {
		return s.BillingOf(ctx)
	}
	return ""
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// NewID returns an unguessable id: 128 random bits in hex.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Submitted is the answer to a submission.
type Submitted struct {
	Job *Job
	// Created is false when the idempotency key matched an earlier job.
	Created bool
	// WebhookSecret is the generated webhook secret, shown only here.
	WebhookSecret string
}

// Validate checks and normalises spec as Submit does, without storing
// anything: a caller that must spend something before the job exists (its
// URLs, from the caller's rate-limit plan) validates first, so a mistaken
// submission costs nothing. Submit validates again; both steps are pure.
func (s *Service) Validate(ctx context.Context, spec *Spec) error {
	if err := spec.normalize(s.now().UTC()); err != nil {
		return err
	}
	ex, ok := s.Executors[spec.Type]
	if !ok {
		return core.Errorf(core.ErrNotImplemented, "job type %s is not available in this deployment", spec.Type)
	}
	return ex.Prepare(ctx, spec)
}

// Submit validates spec, stores the job and enqueues it. A submission
// whose idempotency key matches one of the owner's jobs of the last 24 h
// returns that job instead: it never runs twice.
func (s *Service) Submit(ctx context.Context, owner string, spec Spec) (*Submitted, error) {
	now := s.now().UTC()
	if err := s.Validate(ctx, &spec); err != nil {
		return nil, err
	}
	out := &Submitted{}
	j := &Job{
		ID: NewID(), Type: spec.Type, Status: StateQueued, Priority: spec.Priority, Input: spec.Input, Owner: owner, Billing: s.billing(ctx),
		Retry: *spec.Retry, TimeoutMS: spec.TimeoutMS, ScheduledAt: spec.ScheduledAt, IdempotencyKey: spec.IdempotencyKey,
		Metadata: spec.Metadata, CreatedAt: now,
	}
	if id := spec.Metadata["scheduled_job_id"]; id != "" {
		j.ScheduleID = id
	}
	if spec.WebhookURL != "" {
		secret := spec.WebhookSecret
		if secret == "" {
			secret = NewID() + NewID()
			out.WebhookSecret = secret
		}
		j.Webhook = &Webhook{URL: spec.WebhookURL, Secret: secret}
	}
	stored, created, err := s.Store.Create(ctx, j, IdempotencyWindow)
	if err != nil {
		return nil, err
	}
	out.Job, out.Created = stored, created
	if !created {
		out.WebhookSecret = ""
		return out, nil
	}
	_ = s.Store.Record(ctx, Event{Kind: EventSubmitted, Type: j.Type})
	var delay time.Duration
	if j.ScheduledAt != nil {
		delay = min(j.ScheduledAt.Sub(now), s.Queue.MaxDelay())
	}
	if err := s.Queue.Send(ctx, j.Priority, jobMessage(j.ID), max(0, delay)); err != nil {
		// The job would wait forever for a message: record why it failed.
		info := core.InfoOf(core.Wrap(core.ErrDependency, err, "the job queue refused the job"))
		_, _ = s.Store.Update(context.WithoutCancel(ctx), j.ID, func(j *Job) error {
			j.Status, j.LastError = StateFailed, info
			t := s.now().UTC()
			j.CompletedAt = &t
			return nil
		})
		return nil, core.Wrap(core.ErrDependency, err, "enqueue the job")
	}
	return out, nil
}

// Get returns the owner's job (another owner's is not_found).
func (s *Service) Get(ctx context.Context, owner, id string) (*Job, error) {
	j, err := s.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if j.Owner != owner {
		return nil, notFound(id)
	}
	return j, nil
}

func notFound(id string) error { return core.Errorf(core.ErrNotFound, "job %s not found", id) }

// List pages through the owner's jobs.
func (s *Service) List(ctx context.Context, owner string, f Filter, cursor string, limit int) (*Page, error) {
	return s.Store.List(ctx, owner, f, cursor, limit)
}

// Cancel stops a job: one waiting is cancelled at once; a running one is
// stopped by its worker within a heartbeat. A finished job is a conflict.
func (s *Service) Cancel(ctx context.Context, owner, id string) (*Job, error) {
	if _, err := s.Get(ctx, owner, id); err != nil {
		return nil, err
	}
	wasWaiting := false
	j, err := s.Store.Update(ctx, id, func(j *Job) error {
		wasWaiting = false
		switch {
		case j.Status.Terminal():
			return core.Errorf(core.ErrConflict, "job %s is already %s", id, j.Status)
		case j.Status == StateRunning:
			j.CancelRequested = true
		default:
			wasWaiting = true
			j.Status = StateCancelled
			t := s.now().UTC()
			j.CompletedAt, j.NextRetryAt = &t, nil
		}
		return nil
	})
	if err == nil && wasWaiting {
		_ = s.Store.Record(ctx, Event{Kind: EventCancelled, Type: j.Type})
	}
	return j, err
}

// Result returns page cursor of a finished job's result: items inline, or
// a presigned link when the blob store is S3 and inline is false.
func (s *Service) Result(ctx context.Context, owner, id, cursor string, inline bool) (*Job, *ResultPage, error) {
	j, err := s.Get(ctx, owner, id)
	if err != nil {
		return nil, nil, err
	}
	if j.Result == nil {
		if j.Status.Terminal() {
			return j, nil, nil
		}
		return nil, nil, core.Errorf(core.ErrNotFound, "job %s has no result yet (status %s)", id, j.Status)
	}
	n := 0
	if cursor != "" {
		if n, err = strconv.Atoi(cursor); err != nil {
			return nil, nil, core.Errorf(core.ErrValidation, "cursor %q: use the next_cursor of the previous page", cursor)
		}
	}
	page, err := readPage(ctx, s.Results, j, n, inline, s.now())
	return j, page, err
}

// Redrive moves dead-lettered messages back to their queues.
func (s *Service) Redrive(ctx context.Context) (int, error) {
	n, err := s.Queue.Redrive(ctx)
	if err != nil {
		var ce *core.Error
		if errors.As(err, &ce) {
			return 0, err
		}
		return 0, core.Wrap(core.ErrDependency, err, "redrive the dead-letter queue: "+err.Error())
	}
	return n, nil
}

// FireSchedule submits the job of schedule id's firing at `at`: at most
// once per schedule and time (an idempotency key), and not at all when
// the overlap policy is skip and the previous job is still going.
func (s *Service) FireSchedule(ctx context.Context, id string, at time.Time) (*Job, error) {
	sc, err := s.Schedules.GetSchedule(ctx, id)
	if err != nil {
		return nil, err
	}
	if sc.Paused {
		return nil, nil
	}
	if sc.Overlap == OverlapSkip && sc.LastJobID != "" {
		if prev, err := s.Store.Get(ctx, sc.LastJobID); err == nil && !prev.Status.Terminal() {
			sc.SkippedCount++
			s.log().InfoContext(ctx, "schedule firing skipped: previous job still running", "schedule_id", id, "job_id", prev.ID)
			return nil, s.Schedules.PutSchedule(ctx, sc)
		}
	}
	spec := sc.Template
	spec.IdempotencyKey = fmt.Sprintf("schedule:%s:%d", sc.ID, at.Unix())
	spec.ScheduledAt = nil
	md := map[string]string{}
	for k, v := range spec.Metadata {
		md[k] = v
	}
	md["scheduled_job_id"], md["scheduled_job_name"] = sc.ID, sc.Name
	spec.Metadata = md
	// The schedule's payer pays for the job, and now for its URLs: a
	// firing has no request that spent them up front.
	ctx = core.WithPayer(ctx, sc.Billing)
	sub, err := s.Submit(ctx, sc.Owner, spec)
	if err != nil {
		return nil, err
	}
	if sub.Created && s.Meter != nil {
		s.Meter.ChargePages(ctx, sc.Billing, spec.URLCount())
	}
	if sub.Created {
		t := at.UTC()
		sc.LastRunAt, sc.LastJobID = &t, sub.Job.ID
		sc.RunCount++
		if e, err := ParseExpr(sc.Expression, sc.Timezone); err == nil {
			next := e.Next(s.now(), sc.CreatedAt)
			sc.NextRunAt = &next
		}
		if err := s.Schedules.PutSchedule(ctx, sc); err != nil {
			return sub.Job, err
		}
	}
	return sub.Job, nil
}
