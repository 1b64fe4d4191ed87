package jobstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/jobs"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/store/jobstore"
)

// These tests drive the job engine (shared/jobs) on its Redis adapters and
// a real redis-server: the queue's visibility timeout, receive counts and
// DLQ are Lua scripts that only Redis can judge.

func open(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(store.Options{URL: testenv.RedisURL(t), Prefix: "t" + jobs.NewID()[:10] + ":"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// executor is a job type whose behaviour each test scripts.
type executor struct {
	mu    sync.Mutex
	runs  map[string]int
	run   func(ctx context.Context, r *jobs.Run, attempt int) (*jobs.Outcome, error)
	order []string
}

func (e *executor) Prepare(_ context.Context, s *jobs.Spec) error {
	if s.URL == "" {
		return core.Errorf(core.ErrValidation, "url is required")
	}
	return nil
}

func (e *executor) Run(ctx context.Context, r *jobs.Run) (*jobs.Outcome, error) {
	e.mu.Lock()
	if e.runs == nil {
		e.runs = map[string]int{}
	}
	e.runs[r.Job.ID]++
	n := e.runs[r.Job.ID]
	e.order = append(e.order, r.Job.Input.URL)
	e.mu.Unlock()
	if e.run != nil {
		return e.run(ctx, r, n)
	}
	_, err := r.Results.WritePage(ctx, 0, []json.RawMessage{json.RawMessage(fmt.Sprintf(`{"url":%q}`, r.Job.Input.URL))})
	if err != nil {
		return nil, err
	}
	return &jobs.Outcome{Success: true, Summary: map[string]int{"pages": 1}, Items: 1, Pages: 1}, nil
}

func (e *executor) count(id string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.runs[id]
}

type rig struct {
	svc    *jobs.Service
	queue  *jobstore.Queue
	store  *jobstore.Store
	worker *jobs.Worker
	ex     *executor
}

func newRig(t *testing.T, visibility time.Duration, maxReceives int) *rig {
	s := open(t)
	st := jobstore.New(s)
	q := jobstore.NewQueue(st, visibility, maxReceives)
	q.Poll = 10 * time.Millisecond
	ex := &executor{}
	svc := &jobs.Service{Store: st, Schedules: st, Queue: q, Results: blob.NewMemory(), Executors: map[jobs.Type]jobs.Executor{jobs.TypeSingleCrawl: ex},
		Trigger: jobs.LocalTrigger{Store: st}, Started: time.Now()}
	w := &jobs.Worker{Service: svc, MaxReceives: maxReceives, Heartbeat: 20 * time.Millisecond,
		ReleaseDelay: func(int) time.Duration { return 10 * time.Millisecond }}
	return &rig{svc: svc, queue: q, store: st, worker: w, ex: ex}
}

func (r *rig) pool(t *testing.T, n int) {
	p := &jobs.Pool{Worker: r.worker, Concurrency: n, Wait: 50 * time.Millisecond, BeatEvery: 50 * time.Millisecond}
	p.Start(context.Background())
	t.Cleanup(p.Close)
}

func waitState(t *testing.T, r *rig, id string, want jobs.State) *jobs.Job {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		j, err := r.store.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if j.Status == want {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s: status %s, want %s (last error %+v)", id, j.Status, want, j.LastError)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func fastRetry(n int) *jobs.RetryPolicy {
	return &jobs.RetryPolicy{MaxAttempts: n, InitialDelayMS: 20, BackoffMultiplier: 2, MaxDelayMS: 100}
}

func TestJobRunsToCompletionWithResult(t *testing.T) {
	r := newRig(t, time.Minute, 5)
	r.pool(t, 2)
	ctx := context.Background()
	sub, err := r.svc.Submit(ctx, "alice", jobs.Spec{Type: jobs.TypeSingleCrawl, Input: jobs.Input{URL: "http://127.0.0.1/a"}})
	if err != nil {
		t.Fatal(err)
	}
	j := waitState(t, r, sub.Job.ID, jobs.StateCompleted)
	if j.Attempts != 1 || j.Result == nil || j.Result.Items != 1 || j.StartedAt == nil || j.CompletedAt == nil {
		t.Errorf("completed job: %+v", j)
	}
	_, page, err := r.svc.Result(ctx, "alice", j.ID, "", true)
	if err != nil || len(page.Items) != 1 || string(page.Items[0]) != `{"url":"http://127.0.0.1/a"}` {
		t.Fatalf("result page: %+v %v", page, err)
	}
	if _, err := r.svc.Get(ctx, "bob", j.ID); core.TypeOf(err) != core.ErrNotFound {
		t.Errorf("another owner reads the job: %v", err)
	}
	if _, err := r.svc.Submit(ctx, "alice", jobs.Spec{Type: jobs.TypeSingleCrawl}); core.TypeOf(err) != core.ErrValidation {
		t.Errorf("executor's Prepare not applied: %v", err)
	}
	m, err := r.svc.Metrics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m.JobsSubmitted != 1 || m.JobsCompleted != 1 || m.SuccessRate == nil || *m.SuccessRate != 1 || m.ProcessingTime.Count != 1 ||
		m.States[jobs.StateCompleted] != 1 || m.PerType[jobs.TypeSingleCrawl] == nil {
		t.Errorf("metrics: %+v", m)
	}
	var w *jobs.WorkerReport
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if w, err = r.svc.WorkerReport(ctx); err != nil || w.JobsProcessed >= 1 {
			break
		}
	}
	if err != nil || w.HealthyWorkers != 1 || w.JobsProcessed < 1 {
		t.Errorf("worker report: %+v %v", w, err)
	}
}

func TestIdempotencyKeyRunsOnce(t *testing.T) {
	r := newRig(t, time.Minute, 5)
	ctx := context.Background()
	spec := jobs.Spec{Type: jobs.TypeSingleCrawl, Input: jobs.Input{URL: "http://127.0.0.1/a"}, IdempotencyKey: "order-7"}
	var wg sync.WaitGroup
	ids := make([]string, 8)
	created := atomic.Int32{}
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sub, err := r.svc.Submit(ctx, "alice", spec)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = sub.Job.ID
			if sub.Created {
				created.Add(1)
			}
		}()
	}
	wg.Wait()
	if created.Load() != 1 {
		t.Fatalf("%d submissions created a job, want 1", created.Load())
	}
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("same key gave different jobs: %v", ids)
		}
	}
	// Another owner's key is its own.
	other, err := r.svc.Submit(ctx, "bob", spec)
	if err != nil || !other.Created {
		t.Fatalf("bob's submission with alice's key: %+v %v", other, err)
	}
	r.pool(t, 2)
	waitState(t, r, ids[0], jobs.StateCompleted)
	waitState(t, r, other.Job.ID, jobs.StateCompleted)
	// The message is acknowledged just after the job's state is written:
	// wait for the ack rather than race it.
	qs, _ := r.queue.Stats(ctx)
	for deadline := time.Now().Add(5 * time.Second); qs.InFlight != 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		qs, _ = r.queue.Stats(ctx)
	}
	if r.ex.count(ids[0]) != 1 || qs.InFlight != 0 {
		t.Errorf("job ran %d times, in flight %d", r.ex.count(ids[0]), qs.InFlight)
	}
}

func TestRetryableFailureRetriesWithBackoffThenFails(t *testing.T) {
	r := newRig(t, time.Minute, 5)
	r.ex.run = func(_ context.Context, _ *jobs.Run, n int) (*jobs.Outcome, error) {
		return nil, core.Errorf(core.ErrFetch, "upstream 503 on attempt %d", n)
	}
	r.pool(t, 1)
	sub, err := r.svc.Submit(context.Background(), "a", jobs.Spec{Type: jobs.TypeSingleCrawl, Input: jobs.Input{URL: "http://127.0.0.1/"}, Retry: fastRetry(3)})
	if err != nil {
		t.Fatal(err)
	}
	j := waitState(t, r, sub.Job.ID, jobs.StateFailed)
	if j.Attempts != 3 || r.ex.count(j.ID) != 3 || j.LastError == nil || j.LastError.Type != core.ErrFetch || j.RetryCount() != 2 {
		t.Errorf("failed job: attempts %d runs %d error %+v", j.Attempts, r.ex.count(j.ID), j.LastError)
	}
	m, _ := r.svc.Metrics(context.Background())
	if m.JobsRetried != 2 || m.JobsFailed != 1 || *m.SuccessRate != 0 {
		t.Errorf("metrics: retried %d failed %d", m.JobsRetried, m.JobsFailed)
	}
}

func TestValidationFailureIsNotRetried(t *testing.T) {
	r := newRig(t, time.Minute, 5)
	r.ex.run = func(context.Context, *jobs.Run, int) (*jobs.Outcome, error) {
		return nil, core.Errorf(core.ErrValidation, "bad selector")
	}
	r.pool(t, 1)
	sub, _ := r.svc.Submit(context.Background(), "a", jobs.Spec{Type: jobs.TypeSingleCrawl, Input: jobs.Input{URL: "http://127.0.0.1/"}, Retry: fastRetry(3)})
	j := waitState(t, r, sub.Job.ID, jobs.StateFailed)
	if j.Attempts != 1 {
		t.Errorf("a validation failure ran %d times", j.Attempts)
	}
}

func TestRetrySucceedsOnThirdAttempt(t *testing.T) {
	r := newRig(t, time.Minute, 5)
	r.ex.run = func(_ context.Context, _ *jobs.Run, n int) (*jobs.Outcome, error) {
		if n < 3 {
			return nil, core.Errorf(core.ErrDependency, "down")
		}
		return &jobs.Outcome{Success: true}, nil
	}
	r.pool(t, 1)
	sub, _ := r.svc.Submit(context.Background(), "a", jobs.Spec{Type: jobs.TypeSingleCrawl, Input: jobs.Input{URL: "http://127.0.0.1/"}, Retry: fastRetry(5)})
	j := waitState(t, r, sub.Job.ID, jobs.StateCompleted)
	if j.Attempts != 3 || j.LastError != nil {
		t.Errorf("attempts %d, last error %+v", j.Attempts, j.LastError)
	}
}

func TestTimeoutFailsTheAttempt(t *testing.T) {
	r := newRig(t, time.Minute, 5)
	r.ex.run = func(ctx context.Context, _ *jobs.Run, _ int) (*jobs.Outcome, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	r.pool(t, 1)
	sub, _ := r.svc.Submit(context.Background(), "a", jobs.Spec{Type: jobs.TypeSingleCrawl, Input: jobs.Input{URL: "http://127.0.0.1/"},
		TimeoutMS: 1000, Retry: fastRetry(2)})
	j := waitState(t, r, sub.Job.ID, jobs.StateFailed)
	if j.Attempts != 2 || j.LastError == nil || j.LastError.Type != core.ErrTimeout {
		t.Errorf("timed-out job: attempts %d error %+v", j.Attempts, j.LastError)
	}
}

func TestCancelWaitingAndRunningJobs(t *testing.T) {
	r := newRig(t, time.Minute, 5)
	ctx := context.Background()
	started := make(chan struct{}, 1)
	r.ex.run = func(ctx context.Context, _ *jobs.Run, _ int) (*jobs.Outcome, error) {
		started <- struct{}{}
		<-ctx.Done()
		return nil, ctx.Err()
	}
	later := time.Now().Add(time.Hour)
	waitingJob, _ := r.svc.Submit(ctx, "a", jobs.Spec{Type: jobs.TypeSingleCrawl, Input: jobs.Input{URL: "http://127.0.0.1/w"}, ScheduledAt: &later})
	j, err := r.svc.Cancel(ctx, "a", waitingJob.Job.ID)
	if err != nil || j.Status != jobs.StateCancelled {
		t.Fatalf("cancel waiting: %+v %v", j, err)
	}
	if _, err := r.svc.Cancel(ctx, "a", waitingJob.Job.ID); core.TypeOf(err) != core.ErrConflict {
		t.Errorf("second cancel: %v, want conflict", err)
	}
	r.pool(t, 1)
	running, _ := r.svc.Submit(ctx, "a", jobs.Spec{Type: jobs.TypeSingleCrawl, Input: jobs.Input{URL: "http://127.0.0.1/r"}})
	<-started
	if _, err := r.svc.Cancel(ctx, "a", running.Job.ID); err != nil {
		t.Fatal(err)
	}
	j = waitState(t, r, running.Job.ID, jobs.StateCancelled)
	if j.Attempts != 1 || r.ex.count(j.ID) != 1 {
		t.Errorf("cancelled job ran %d times", r.ex.count(j.ID))
	}
	if n := r.ex.count(waitingJob.Job.ID); n != 0 {
		t.Errorf("cancelled waiting job ran %d times", n)
	}
}

func TestHighPriorityServedFirst(t *testing.T) {
	r := newRig(t, time.Minute, 5)
	ctx := context.Background()
	var last string
	for i, p := range []jobs.Priority{jobs.PriorityLow, jobs.PriorityNormal, jobs.PriorityLow, jobs.PriorityHigh, jobs.PriorityNormal, jobs.PriorityHigh} {
		sub, err := r.svc.Submit(ctx, "a", jobs.Spec{Type: jobs.TypeSingleCrawl, Priority: p, Input: jobs.Input{URL: fmt.Sprintf("http://127.0.0.1/%s/%d", p, i)}})
		if err != nil {
			t.Fatal(err)
		}
		last = sub.Job.ID
	}
	qs, _ := r.queue.Stats(ctx)
	if qs.Visible[jobs.PriorityHigh] != 2 || qs.Visible[jobs.PriorityLow] != 2 || qs.OldestAgeMS == nil {
		t.Errorf("queue stats: %+v", qs)
	}
	r.pool(t, 1)
	waitState(t, r, last, jobs.StateCompleted)
	deadline := time.Now().Add(5 * time.Second)
	for {
		r.ex.mu.Lock()
		n := len(r.ex.order)
		r.ex.mu.Unlock()
		if n == 6 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	want := []string{"/high/3", "/high/5", "/normal/1", "/normal/4", "/low/0", "/low/2"}
	r.ex.mu.Lock()
	defer r.ex.mu.Unlock()
	if len(r.ex.order) != 6 {
		t.Fatalf("ran %v", r.ex.order)
	}
	for i, w := range want {
		if r.ex.order[i] != "http://127.0.0.1"+w {
			t.Fatalf("order %v, want %v", r.ex.order, want)
		}
	}
}

// A worker that dies mid-job never deletes its message: after the
// visibility timeout the message comes back and the job completes once.
func TestKilledWorkerJobIsRedeliveredAndCompletesOnce(t *testing.T) {
	r := newRig(t, 300*time.Millisecond, 5)
	ctx := context.Background()
	sub, _ := r.svc.Submit(ctx, "a", jobs.Spec{Type: jobs.TypeSingleCrawl, Input: jobs.Input{URL: "http://127.0.0.1/"}})
	block := make(chan struct{})
	r.ex.run = func(ctx context.Context, _ *jobs.Run, n int) (*jobs.Outcome, error) {
		if n == 1 {
			<-block // the first worker hangs, then "dies"
			return nil, errors.New("killed")
		}
		return &jobs.Outcome{Success: true}, nil
	}
	ds, err := r.queue.Receive(ctx, 1, time.Second)
	if err != nil || len(ds) != 1 {
		t.Fatalf("receive: %v %v", ds, err)
	}
	dead, kill := context.WithCancel(ctx)
	go func() { _ = r.worker.Handle(dead, ds[0]) }()
	waitState(t, r, sub.Job.ID, jobs.StateRunning)
	kill() // the process dies: no delete, no release
	r.pool(t, 1)
	j := waitState(t, r, sub.Job.ID, jobs.StateCompleted)
	close(block)
	if j.Attempts != 2 {
		t.Errorf("attempts %d, want 2 (one killed, one completed)", j.Attempts)
	}
	// The stale receipt of the dead worker deletes nothing.
	if err := r.queue.Delete(ctx, ds[0]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if got, _ := r.store.Get(ctx, j.ID); got.Status != jobs.StateCompleted || r.ex.count(j.ID) != 2 {
		t.Errorf("after the stale worker: %s, runs %d", got.Status, r.ex.count(j.ID))
	}
}

// A message that crashes its worker every time lands in the DLQ after
// MaxReceives with its error, and its job is dead_letter; redrive brings
// it back.
func TestPoisonMessageGoesToDeadLetterAndRedrives(t *testing.T) {
	r := newRig(t, time.Minute, 3)
	ctx := context.Background()
	var poison atomic.Bool
	poison.Store(true)
	r.ex.run = func(context.Context, *jobs.Run, int) (*jobs.Outcome, error) {
		if poison.Load() {
			panic("parser exploded")
		}
		return &jobs.Outcome{Success: true}, nil
	}
	r.pool(t, 1)
	sub, _ := r.svc.Submit(ctx, "a", jobs.Spec{Type: jobs.TypeSingleCrawl, Input: jobs.Input{URL: "http://127.0.0.1/"}})
	j := waitState(t, r, sub.Job.ID, jobs.StateDeadLetter)
	if j.LastError == nil || j.Attempts != 3 {
		t.Fatalf("dead job: %+v", j)
	}
	deadline := time.Now().Add(5 * time.Second)
	var dl []jobstore.DeadLetter
	for time.Now().Before(deadline) {
		dl, _ = r.queue.DeadLetters(ctx, 10)
		if len(dl) == 1 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(dl) != 1 || dl[0].ReceiveCount != 3 || dl[0].Error == "" {
		t.Fatalf("dead letters: %+v", dl)
	}
	poison.Store(false)
	n, err := r.svc.Redrive(ctx)
	if err != nil || n != 1 {
		t.Fatalf("redrive: %d %v", n, err)
	}
	waitState(t, r, j.ID, jobs.StateCompleted)
}

func TestListPagesWithFiltersAndTotal(t *testing.T) {
	r := newRig(t, time.Minute, 5)
	ctx := context.Background()
	for i := 0; i < 7; i++ {
		md := map[string]string{"batch": "north"}
		if i%2 == 1 {
			md["batch"] = "south"
		}
		if _, err := r.svc.Submit(ctx, "a", jobs.Spec{Type: jobs.TypeSingleCrawl, Input: jobs.Input{URL: fmt.Sprintf("http://127.0.0.1/%d", i)}, Metadata: md}); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = r.svc.Submit(ctx, "b", jobs.Spec{Type: jobs.TypeSingleCrawl, Input: jobs.Input{URL: "http://127.0.0.1/x"}})
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		p, err := r.svc.List(ctx, "a", jobs.Filter{Status: jobs.StateQueued}, cursor, 3)
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != 7 {
			t.Errorf("total %d, want 7", p.Total)
		}
		for _, j := range p.Jobs {
			if seen[j.ID] {
				t.Errorf("job %s on two pages", j.ID)
			}
			seen[j.ID] = true
		}
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	if len(seen) != 7 {
		t.Errorf("paged through %d jobs, want 7", len(seen))
	}
	p, _ := r.svc.List(ctx, "a", jobs.Filter{Search: "SOUTH"}, "", 100)
	if p.Total != 3 {
		t.Errorf("search south: %d, want 3", p.Total)
	}
	if _, err := r.svc.List(ctx, "a", jobs.Filter{}, "garbage", 3); core.TypeOf(err) != core.ErrValidation {
		t.Errorf("bad cursor: %v", err)
	}
}

func TestCronFiresScheduleOncePerDueTime(t *testing.T) {
	r := newRig(t, time.Minute, 5)
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 12, 0, 30, 0, time.UTC)
	clock := &now
	r.svc.Now = func() time.Time { return *clock }
	expr, name, overlap := "rate(1 minute)", "every minute", jobs.OverlapQueue
	sv, err := r.svc.CreateSchedule(ctx, "a", jobs.ScheduleSpec{Name: &name, Expression: &expr, Overlap: &overlap,
		Template: &jobs.Spec{Type: jobs.TypeSingleCrawl, Input: jobs.Input{URL: "http://127.0.0.1/"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(sv.NextRuns) != 5 || sv.ExpressionKind != jobs.KindRate {
		t.Fatalf("schedule view: %+v", sv)
	}
	cron := &jobs.Cron{Service: r.svc}
	if n, _ := cron.Tick(ctx); n != 0 {
		t.Fatalf("fired %d before due", n)
	}
	later := now.Add(61 * time.Second)
	clock = &later
	// Two processes tick at the same moment: one firing.
	var fired atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); n, _ := cron.Tick(ctx); fired.Add(int32(n)) }()
	}
	wg.Wait()
	if fired.Load() != 1 {
		t.Fatalf("fired %d jobs for one due time", fired.Load())
	}
	later2 := later.Add(time.Minute)
	clock = &later2
	if n, _ := cron.Tick(ctx); n != 1 {
		t.Fatalf("second minute fired %d", n)
	}
	got, _ := r.svc.GetSchedule(ctx, "a", sv.ID)
	if got.RunCount != 2 || got.LastJobID == "" || got.ExpressionKind != jobs.KindRate {
		t.Errorf("schedule after two firings: %+v", got.Schedule)
	}
	j, err := r.svc.Get(ctx, "a", got.LastJobID)
	if err != nil || j.ScheduleID != sv.ID {
		t.Errorf("fired job: %+v %v", j, err)
	}
	// With overlap skip, a firing while the last job still waits is skipped.
	skip := jobs.OverlapSkip
	if _, err := r.svc.UpdateSchedule(ctx, "a", sv.ID, jobs.ScheduleSpec{Overlap: &skip}); err != nil {
		t.Fatal(err)
	}
	later25 := later2.Add(time.Minute)
	clock = &later25
	if n, _ := cron.Tick(ctx); n != 0 {
		t.Fatalf("overlap skip fired %d", n)
	}
	if got, _ := r.svc.GetSchedule(ctx, "a", sv.ID); got.SkippedCount != 1 || got.RunCount != 2 {
		t.Errorf("after a skipped firing: run %d skipped %d", got.RunCount, got.SkippedCount)
	}
	paused := true
	if _, err := r.svc.UpdateSchedule(ctx, "a", sv.ID, jobs.ScheduleSpec{Paused: &paused}); err != nil {
		t.Fatal(err)
	}
	later3 := later2.Add(10 * time.Minute)
	clock = &later3
	if n, _ := cron.Tick(ctx); n != 0 {
		t.Errorf("paused schedule fired %d", n)
	}
	bad := "every tuesday"
	if _, err := r.svc.UpdateSchedule(ctx, "a", sv.ID, jobs.ScheduleSpec{Expression: &bad}); core.TypeOf(err) != core.ErrValidation {
		t.Errorf("bad expression: %v", err)
	}
	if err := r.svc.DeleteSchedule(ctx, "a", sv.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.GetSchedule(ctx, "a", sv.ID); core.TypeOf(err) != core.ErrNotFound {
		t.Errorf("deleted schedule: %v", err)
	}
}

// A firing that EventBridge Scheduler put on the queue (the schedule's
// message with the scheduled time filled in) submits the job once, even
// when Scheduler delivers it twice.
func TestSchedulerFiringOnTheQueueSubmitsOnce(t *testing.T) {
	r := newRig(t, time.Minute, 5)
	ctx := context.Background()
	expr, name, overlap := "rate(5 minutes)", "eb", jobs.OverlapQueue
	sv, err := r.svc.CreateSchedule(ctx, "a", jobs.ScheduleSpec{Name: &name, Expression: &expr, Overlap: &overlap,
		Template: &jobs.Spec{Type: jobs.TypeSingleCrawl, Input: jobs.Input{URL: "http://127.0.0.1/eb"}}})
	if err != nil {
		t.Fatal(err)
	}
	at := "2026-06-01T10:05:00Z"
	for i := 0; i < 2; i++ {
		if err := r.queue.Send(ctx, jobs.PriorityNormal, jobs.ScheduleMessage(sv.ID, at), 0); err != nil {
			t.Fatal(err)
		}
	}
	r.pool(t, 2)
	deadline := time.Now().Add(10 * time.Second)
	for {
		p, _ := r.svc.List(ctx, "a", jobs.Filter{Status: jobs.StateCompleted}, "", 10)
		if p.Total >= 1 {
			time.Sleep(200 * time.Millisecond)
			p, _ = r.svc.List(ctx, "a", jobs.Filter{}, "", 10)
			if p.Total != 1 || p.Jobs[0].ScheduleID != sv.ID || p.Jobs[0].Metadata["scheduled_job_id"] != sv.ID {
				t.Fatalf("jobs after two deliveries of one firing: %d %+v", p.Total, p.Jobs)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the firing submitted no job")
		}
		time.Sleep(20 * time.Millisecond)
	}
	got, _ := r.svc.GetSchedule(ctx, "a", sv.ID)
	if got.RunCount != 1 || got.LastRunAt == nil || got.LastRunAt.Format(time.RFC3339) != at {
		t.Errorf("schedule after the firing: %+v", got.Schedule)
	}
}

// charges records what a schedule's firings charge (jobs.URLMeter; the
// real one, httpx.LaterCharges, is tested with the rate limiter).
type charges struct {
	mu  sync.Mutex
	got []string
}

func (c *charges) ChargePages(_ context.Context, billing string, urls int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, fmt.Sprintf("%s:%d", billing, urls))
}

type requestKey struct{}

// A schedule remembers who created it; each firing charges its URLs to
// that payer (no request spent them up front), and the job it submits runs
// with that payer in its context, so work the job starts (a spider run) is
// charged to it too. Neither the schedule's nor the job's view shows it.
func TestScheduledFiringsAreChargedToTheSchedulesPayer(t *testing.T) {
	r := newRig(t, time.Minute, 5)
	meter := &charges{}
	r.svc.Meter = meter
	// The request's payer, as httpx.BillingOf would read it.
	r.svc.BillingOf = func(ctx context.Context) string { s, _ := ctx.Value(requestKey{}).(string); return s }
	seen := make(chan string, 4)
	r.ex.run = func(ctx context.Context, _ *jobs.Run, _ int) (*jobs.Outcome, error) {
		seen <- core.PayerOf(ctx)
		return &jobs.Outcome{Success: true}, nil
	}
	now := time.Date(2026, 1, 1, 12, 0, 30, 0, time.UTC)
	clock := &now
	r.svc.Now = func() time.Time { return *clock }
	expr, name := "rate(1 minute)", "paid"
	reqCtx := context.WithValue(context.Background(), requestKey{}, "payer-A")
	sv, err := r.svc.CreateSchedule(reqCtx, "a", jobs.ScheduleSpec{Name: &name, Expression: &expr,
		Template: &jobs.Spec{Type: jobs.TypeSingleCrawl, Input: jobs.Input{URL: "http://127.0.0.1/"}}})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(sv)
	if strings.Contains(string(raw), "payer-A") {
		t.Fatalf("the schedule's view shows its payer: %s", raw)
	}
	later := now.Add(61 * time.Second)
	clock = &later
	// The firing has no request: a background context, as the cron's.
	if n, err := (&jobs.Cron{Service: r.svc}).Tick(context.Background()); n != 1 || err != nil {
		t.Fatalf("fired %d (%v)", n, err)
	}
	if len(meter.got) != 1 || meter.got[0] != "payer-A:1" {
		t.Fatalf("charges %v, want payer-A:1", meter.got)
	}
	got, _ := r.svc.GetSchedule(context.Background(), "a", sv.ID)
	stored, err := r.store.Get(context.Background(), got.LastJobID)
	if err != nil || stored.Billing != "payer-A" {
		t.Fatalf("fired job's payer %q (%v)", stored.Billing, err)
	}
	if raw, _ := json.Marshal(stored.View()); strings.Contains(string(raw), "payer-A") {
		t.Fatalf("the job's view shows its payer: %s", raw)
	}
	r.pool(t, 1)
	select {
	case p := <-seen:
		if p != "payer-A" {
			t.Fatalf("the job ran with payer %q, want payer-A", p)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the fired job did not run")
	}
}
