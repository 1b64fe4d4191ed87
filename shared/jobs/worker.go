package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

// Worker runs jobs from queue messages. Handle is called by the local
// Pool (riptide serve) and by the SQS entry point of the workers Lambda;
// a message may arrive more than once (at-least-once queues, a worker
// killed mid-job), and a job still completes once.
type Worker struct {
	Service  *Service
	Notifier Notifier
	// ID and Home name this worker instance in heartbeats.
	ID   string
	Home string
	// MaxReceives is the queue's receive count before a message goes to
	// the DLQ (SQS redrive's maxReceiveCount; 5): on the last receive a
	// failure marks the job dead_letter with its error.
	MaxReceives int
	// Heartbeat is how often a running job records that it lives, checks
	// for a cancel request and extends its message (default 5 s).
	Heartbeat time.Duration
	// Visibility is how far each heartbeat extends the message's
	// visibility; zero leaves it alone (Lambda: the queue's 6x timeout).
	Visibility time.Duration
	// DeadlineMargin is kept free before the invocation's deadline: a
	// long job checkpoints and continues in a new delivery (default 60 s).
	DeadlineMargin time.Duration
	// ReleaseDelay is how long a failed delivery stays invisible before
	// its next receive (default 5 s x receive count, at most 5 minutes).
	ReleaseDelay func(receiveCount int) time.Duration
	// Random drives retry jitter (tests).
	Random func() float64

	started   time.Time
	once      sync.Once
	inFlight  atomic.Int64
	processed atomic.Int64
	failed    atomic.Int64
}

var errJobCancelled = errors.New("job cancelled")

func (w *Worker) init() {
	w.once.Do(func() {
		w.started = w.Service.now()
		if w.ID == "" {
			w.ID = "worker-" + NewID()[:12]
		}
		if w.Home == "" {
			w.Home = "local"
		}
		if w.MaxReceives <= 0 {
			w.MaxReceives = 5
		}
		if w.Heartbeat <= 0 {
			w.Heartbeat = 5 * time.Second
		}
		if w.DeadlineMargin <= 0 {
			w.DeadlineMargin = time.Minute
		}
	})
}

func (w *Worker) log() *slog.Logger { return w.Service.log() }

func (w *Worker) releaseDelay(n int) time.Duration {
	if w.ReleaseDelay != nil {
		return w.ReleaseDelay(n)
	}
	return min(time.Duration(n)*5*time.Second, 5*time.Minute)
}

// Beat records this worker's heartbeat (stats/workers).
func (w *Worker) Beat(ctx context.Context, ttl time.Duration) error {
	w.init()
	return w.Service.Store.Beat(ctx, WorkerBeat{WorkerID: w.ID, Home: w.Home, StartedAt: w.started, LastSeen: w.Service.now().UTC(),
		InFlight: int(w.inFlight.Load()), Processed: w.processed.Load(), Failed: w.failed.Load()}, ttl)
}

// Handle processes one delivery. nil means the message is done (delete
// it); an error means it was not processed and must come back (the queue
// redelivers it, and after MaxReceives moves it to the DLQ; the job is
// then marked dead_letter with this error).
func (w *Worker) Handle(ctx context.Context, d Delivery) (err error) {
	w.init()
	w.inFlight.Add(1)
	defer w.inFlight.Add(-1)
	var env envelope
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
			w.log().ErrorContext(ctx, "job worker panicked", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
		if err == nil {
			w.processed.Add(1)
			return
		}
		w.failed.Add(1)
		if ctx.Err() == nil {
			w.poisoned(context.WithoutCancel(ctx), d, env.JobID, err)
		}
	}()
	if json.Unmarshal(d.Body, &env) != nil || (env.JobID == "" && env.ScheduleID == "") {
		return fmt.Errorf("not a job message: %.200q", d.Body)
	}
	if env.ScheduleID != "" {
		return w.fire(ctx, env)
	}
	return w.run(ctx, d, env.JobID)
}

// HandleBatch processes deliveries concurrently and returns the ids of
// those that failed (SQS partial batch failures: the others are deleted
// and never re-run).
func (w *Worker) HandleBatch(ctx context.Context, ds []Delivery) []string {
	var mu sync.Mutex
	var failed []string
	var wg sync.WaitGroup
	for _, d := range ds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Handle(ctx, d); err != nil {
				if ctx.Err() == nil {
					_ = w.Service.Queue.Release(context.WithoutCancel(ctx), d, w.releaseDelay(d.ReceiveCount), err.Error())
				}
				mu.Lock()
				failed = append(failed, d.ID)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return failed
}

// poisoned records a failed delivery on the job; on the last receive the
// job is dead_letter, as its message is about to be.
func (w *Worker) poisoned(ctx context.Context, d Delivery, jobID string, cause error) {
	w.log().WarnContext(ctx, "job message failed", "message_id", d.ID, "job_id", jobID, "receive_count", d.ReceiveCount, "error", cause.Error())
	if jobID == "" {
		return
	}
	last := d.ReceiveCount >= w.MaxReceives
	info := &core.ErrorInfo{Type: core.ErrInternal, Message: fmt.Sprintf("delivery %d of %d failed: %s", d.ReceiveCount, w.MaxReceives, cause.Error())}
	j, err := w.Service.Store.Update(ctx, jobID, func(j *Job) error {
		if j.Status.Terminal() && j.Status != StateDeadLetter {
			return errNoChange
		}
		j.LastError = info
		if last {
			j.Status = StateDeadLetter
			t := w.Service.now().UTC()
			j.CompletedAt = &t
			if j.Webhook != nil {
				j.Webhook.State = "pending"
			}
		}
		return nil
	})
	if err != nil || !last {
		return
	}
	_ = w.Service.Store.Record(ctx, Event{Kind: EventDeadLetter, Type: j.Type})
	w.deliverWebhook(ctx, j)
}

var errNoChange = errors.New("no change")

func (w *Worker) fire(ctx context.Context, env envelope) error {
	at := w.Service.now()
	if env.ScheduledTime != "" {
		t, err := time.Parse(time.RFC3339, env.ScheduledTime)
		if err != nil {
			return fmt.Errorf("schedule firing: scheduled_time %q is not RFC 3339", env.ScheduledTime)
		}
		at = t
	}
	_, err := w.Service.FireSchedule(ctx, env.ScheduleID, at)
	if core.TypeOf(err) == core.ErrNotFound {
		return nil // deleted since: nothing to fire
	}
	return err
}

func (w *Worker) run(ctx context.Context, d Delivery, id string) error {
	s := w.Service
	j, err := s.Store.Get(ctx, id)
	if core.TypeOf(err) == core.ErrNotFound {
		w.log().WarnContext(ctx, "message for an unknown job dropped", "job_id", id)
		return nil
	}
	if err != nil {
		return err
	}
	if j.Status.Terminal() && j.Status != StateDeadLetter {
		// A redelivered message of a finished job: nothing runs again; a
		// webhook the earlier delivery could not send goes now.
		w.deliverWebhook(ctx, j)
		return nil
	}
	now := s.now()
	if wait := waitUntil(j); wait.After(now) {
		return s.Queue.Send(ctx, j.Priority, jobMessage(j.ID), min(wait.Sub(now), s.Queue.MaxDelay()))
	}
	ex, ok := s.Executors[j.Type]
	if !ok {
		return fmt.Errorf("no executor for job type %s in this worker", j.Type)
	}
	cancelled := false
	j, err = s.Store.Update(ctx, id, func(j *Job) error {
		if j.Status.Terminal() && j.Status != StateDeadLetter {
			return errNoChange
		}
		t := s.now().UTC()
		if j.CancelRequested {
			cancelled = true
			j.Status, j.CompletedAt = StateCancelled, &t
			return nil
		}
		j.Status, j.WorkerID, j.HeartbeatAt, j.NextRetryAt, j.CompletedAt = StateRunning, w.ID, &t, nil, nil
		if j.StartedAt == nil {
			j.StartedAt = &t
		}
		j.Attempts++
		return nil
	})
	if errors.Is(err, errNoChange) {
		return nil
	}
	if err != nil {
		return err
	}
	if cancelled {
		_ = s.Store.Record(ctx, Event{Kind: EventCancelled, Type: j.Type})
		return nil
	}
	_ = s.Store.Record(ctx, Event{Kind: EventStarted, Type: j.Type})
	return w.execute(ctx, d, j, ex)
}

func waitUntil(j *Job) time.Time {
	switch {
	case j.NextRetryAt != nil:
		return *j.NextRetryAt
	case j.ScheduledAt != nil && j.Attempts == 0:
		return *j.ScheduledAt
	}
	return time.Time{}
}

func (w *Worker) execute(ctx context.Context, d Delivery, j *Job, ex Executor) error {
	s := w.Service
	// Work the job starts and charges as it goes (a spider run's pages)
	// is charged to whoever submitted it.
	runCtx, cancelRun := context.WithCancelCause(core.WithPayer(ctx, j.Billing))
	defer cancelRun(nil)
	runCtx, cancelTimeout := context.WithTimeout(runCtx, j.Timeout())
	defer cancelTimeout()
	stop := make(chan struct{})
	var beats sync.WaitGroup
	beats.Add(1)
	go func() {
		defer beats.Done()
		t := time.NewTicker(w.Heartbeat)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			now := s.now().UTC()
			cur, err := s.Store.Update(ctx, j.ID, func(j *Job) error { j.HeartbeatAt = &now; return nil })
			if err == nil && cur.CancelRequested {
				cancelRun(errJobCancelled)
			}
			if w.Visibility > 0 {
				_ = s.Queue.Extend(ctx, d, w.Visibility)
			}
		}
	}()
	run := &Run{
		Job:     j,
		Results: NewResultWriter(s.Results, j.ID),
		Checkpoint: func(ctx context.Context, state map[string]string) error {
			_, err := s.Store.Update(ctx, j.ID, func(j *Job) error {
				if j.Checkpoint == nil {
					j.Checkpoint = map[string]string{}
				}
				for k, v := range state {
					j.Checkpoint[k] = v
				}
				return nil
			})
			return err
		},
		Progress: func(ctx context.Context, p Progress) error {
			_, err := s.Store.Update(ctx, j.ID, func(j *Job) error { j.Progress = &p; return nil })
			return err
		},
	}
	if dl, ok := ctx.Deadline(); ok {
		run.Deadline = dl.Add(-w.DeadlineMargin)
	}
	start := s.now()
	out, runErr, panicked := safeRun(runCtx, ex, run)
	close(stop)
	beats.Wait()
	elapsed := s.now().Sub(start)
	switch {
	case panicked:
		return runErr
	case runErr == nil:
		return w.finish(ctx, j, out, nil, elapsed)
	case errors.Is(context.Cause(runCtx), errJobCancelled):
		return w.cancelled(ctx, j)
	case ctx.Err() != nil:
		// The worker itself is stopping: the message comes back.
		return ctx.Err()
	case errors.Is(runErr, ErrContinue):
		if _, err := s.Store.Update(ctx, j.ID, func(j *Job) error {
			j.Status, j.Attempts = StateQueued, max(0, j.Attempts-1)
			return nil
		}); err != nil {
			return err
		}
		return s.Queue.Send(ctx, j.Priority, jobMessage(j.ID), 0)
	}
	if errors.Is(runCtx.Err(), context.DeadlineExceeded) && core.TypeOf(runErr) != core.ErrTimeout {
		runErr = core.Wrap(core.ErrTimeout, runErr, fmt.Sprintf("the job exceeded timeout_ms=%d", j.TimeoutMS))
	}
	ce := core.AsError(runErr)
	if ce.Retryable() && j.Attempts < j.Retry.MaxAttempts {
		next := s.now().Add(j.Retry.Delay(j.Attempts, w.random())).UTC()
		if _, err := s.Store.Update(ctx, j.ID, func(j *Job) error {
			j.Status, j.NextRetryAt, j.LastError = StateRetrying, &next, core.InfoOf(ce)
			return nil
		}); err != nil {
			return err
		}
		_ = s.Store.Record(ctx, Event{Kind: EventRetried, Type: j.Type})
		return s.Queue.Send(ctx, j.Priority, jobMessage(j.ID), min(next.Sub(s.now()), s.Queue.MaxDelay()))
	}
	return w.finish(ctx, j, out, ce, elapsed)
}

func (w *Worker) random() func() float64 {
	if w.Random != nil {
		return w.Random
	}
	return rand.Float64
}

// safeRun runs the executor, turning a panic into an error (the delivery
// then fails and comes back, like a crash).
func safeRun(ctx context.Context, ex Executor, r *Run) (out *Outcome, err error, panicked bool) {
	defer func() {
		if p := recover(); p != nil {
			out, err, panicked = nil, fmt.Errorf("job executor panicked: %v", p), true
		}
	}()
	out, err = ex.Run(ctx, r)
	return out, err, false
}

// finish records a job's end (completed, or failed with ce) once: a
// second worker finishing the same job (a message redelivered while the
// first still ran) changes nothing.
func (w *Worker) finish(ctx context.Context, j *Job, out *Outcome, ce *core.Error, elapsed time.Duration) error {
	s := w.Service
	done, err := s.Store.Update(ctx, j.ID, func(j *Job) error {
		if j.Status != StateRunning {
			return errNoChange
		}
		t := s.now().UTC()
		j.CompletedAt, j.ProcessingTimeMS, j.CancelRequested = &t, elapsed.Milliseconds(), false
		if out != nil {
			summary, _ := json.Marshal(out.Summary)
			j.Result = &ResultInfo{Success: out.Success && ce == nil, Summary: summary, Items: out.Items, Pages: out.Pages, Bytes: out.Bytes}
		}
		if ce == nil {
			j.Status, j.LastError = StateCompleted, nil
		} else {
			j.Status, j.LastError = StateFailed, core.InfoOf(ce)
		}
		if j.Webhook != nil {
			j.Webhook.State = "pending"
		}
		return nil
	})
	if errors.Is(err, errNoChange) {
		return nil
	}
	if err != nil {
		return err
	}
	kind := EventCompleted
	if done.Status == StateFailed {
		kind = EventFailed
	}
	_ = s.Store.Record(ctx, Event{Kind: kind, Type: done.Type, Duration: elapsed})
	w.deliverWebhook(ctx, done)
	return nil
}

func (w *Worker) cancelled(ctx context.Context, j *Job) error {
	s := w.Service
	done, err := s.Store.Update(ctx, j.ID, func(j *Job) error {
		if j.Status != StateRunning {
			return errNoChange
		}
		t := s.now().UTC()
		j.Status, j.CompletedAt, j.CancelRequested = StateCancelled, &t, false
		return nil
	})
	if errors.Is(err, errNoChange) {
		return nil
	}
	if err == nil {
		_ = s.Store.Record(ctx, Event{Kind: EventCancelled, Type: done.Type})
	}
	return err
}

// WebhookEvent is the body of a job's webhook.
type WebhookEvent struct {
	Event string `json:"event"` // job.completed, job.failed, job.dead_letter
	Job   *Job   `json:"job"`
}

// deliverWebhook sends a finished job's pending webhook and records how
// it went.
func (w *Worker) deliverWebhook(ctx context.Context, j *Job) {
	if j.Webhook == nil || j.Webhook.State != "pending" || w.Notifier == nil {
		return
	}
	event := "job." + string(j.Status)
	view := j.View()
	view.Input = Input{}
	body, err := json.Marshal(WebhookEvent{Event: event, Job: view})
	if err != nil {
		return
	}
	n, sendErr := w.Notifier.Notify(ctx, j.Webhook.URL, event, body, j.Webhook.Secret, j.ID+":"+string(j.Status))
	_, _ = w.Service.Store.Update(ctx, j.ID, func(j *Job) error {
		if j.Webhook == nil {
			return errNoChange
		}
		j.Webhook.Attempts += n
		if sendErr != nil {
			j.Webhook.State, j.Webhook.Error = "failed", strings.TrimSpace(sendErr.Error())
		} else {
			t := w.Service.now().UTC()
			j.Webhook.State, j.Webhook.DeliveredAt, j.Webhook.Error = "delivered", &t, ""
		}
		return nil
	})
}

// Pool runs a Worker over a Queue in this process (riptide serve): each
// of Concurrency loops receives one message at a time, handles it, and
// deletes it or releases it for a later try.
type Pool struct {
	Worker      *Worker
	Concurrency int
	// Wait is the long-poll wait of each receive (default 1 s).
	Wait time.Duration
	// BeatEvery is the worker heartbeat interval (default 10 s).
	BeatEvery time.Duration

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Start runs the loops until Close.
func (p *Pool) Start(ctx context.Context) {
	ctx, p.cancel = context.WithCancel(context.WithoutCancel(ctx))
	p.Worker.init()
	n := max(1, p.Concurrency)
	wait := p.Wait
	if wait <= 0 {
		wait = time.Second
	}
	beat := p.BeatEvery
	if beat <= 0 {
		beat = 10 * time.Second
	}
	p.wg.Add(n + 1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(beat)
		defer t.Stop()
		for {
			_ = p.Worker.Beat(ctx, 3*beat)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	q := p.Worker.Service.Queue
	for i := 0; i < n; i++ {
		go func() {
			defer p.wg.Done()
			for ctx.Err() == nil {
				ds, err := q.Receive(ctx, 1, wait)
				if err != nil {
					if ctx.Err() == nil {
						p.Worker.log().Warn("job queue receive failed", "error", err.Error())
						sleep(ctx, time.Second)
					}
					continue
				}
				for _, d := range ds {
					if err := p.Worker.Handle(ctx, d); err != nil {
						if ctx.Err() == nil {
							_ = q.Release(ctx, d, p.Worker.releaseDelay(d.ReceiveCount), err.Error())
						}
						continue
					}
					if err := q.Delete(context.WithoutCancel(ctx), d); err != nil {
						p.Worker.log().Warn("job message delete failed", "message_id", d.ID, "error", err.Error())
					}
				}
			}
		}()
	}
}

// Close stops the loops and waits for them; jobs in flight are cancelled
// and their messages come back after the visibility timeout.
func (p *Pool) Close() {
	if p.cancel != nil {
		p.cancel()
	}
	p.wg.Wait()
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
