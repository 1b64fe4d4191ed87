package jobs

import (
	"context"
	"slices"
	"time"
)

// QueueReport is GET /workers/stats/queue: jobs by state (from the job
// store, the same numbers in either home) and the queue's own depths.
type QueueReport struct {
	Queued     int64 `json:"queued"`
	Running    int64 `json:"running"`
	Retrying   int64 `json:"retrying"`
	Completed  int64 `json:"completed"`
	Failed     int64 `json:"failed"`
	DeadLetter int64 `json:"dead_letter"`
	Cancelled  int64 `json:"cancelled"`
	// Waiting is queued + retrying; OldestWaitingAgeMS the age of the
	// oldest of them.
	Waiting            int64       `json:"waiting"`
	OldestWaitingAgeMS *int64      `json:"oldest_waiting_age_ms"`
	Queue              *QueueStats `json:"queue"`
	Timestamp          time.Time   `json:"timestamp"`
}

// QueueReport reads the job counts and the queue depths.
func (s *Service) QueueReport(ctx context.Context) (*QueueReport, error) {
	counts, oldest, err := s.Store.Counts(ctx)
	if err != nil {
		return nil, err
	}
	qs, err := s.Queue.Stats(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	r := &QueueReport{Queued: counts[StateQueued], Running: counts[StateRunning], Retrying: counts[StateRetrying],
		Completed: counts[StateCompleted], Failed: counts[StateFailed], DeadLetter: counts[StateDeadLetter],
		Cancelled: counts[StateCancelled], Queue: qs, Timestamp: now.UTC()}
	r.Waiting = r.Queued + r.Retrying
	if oldest != nil {
		age := now.Sub(*oldest).Milliseconds()
		r.OldestWaitingAgeMS = &age
	}
	return r, nil
}

// WorkerReport is GET /workers/stats/workers, from the heartbeats.
type WorkerReport struct {
	TotalWorkers   int          `json:"total_workers"`
	HealthyWorkers int          `json:"healthy_workers"`
	JobsInFlight   int          `json:"jobs_in_flight"`
	JobsProcessed  int64        `json:"total_jobs_processed"`
	JobsFailed     int64        `json:"total_jobs_failed"`
	Workers        []WorkerBeat `json:"workers"`
}

// Liveness windows: a worker seen within HealthyWithin is healthy; one
// seen within ListedWithin is still listed.
const (
	HealthyWithin = 60 * time.Second
	ListedWithin  = 10 * time.Minute
)

// WorkerReport reads the workers' heartbeats.
func (s *Service) WorkerReport(ctx context.Context) (*WorkerReport, error) {
	beats, err := s.Store.Beats(ctx, ListedWithin)
	if err != nil {
		return nil, err
	}
	now := s.now()
	r := &WorkerReport{Workers: beats}
	for _, b := range beats {
		r.TotalWorkers++
		if now.Sub(b.LastSeen) <= HealthyWithin {
			r.HealthyWorkers++
			r.JobsInFlight += b.InFlight
		}
		r.JobsProcessed += b.Processed
		r.JobsFailed += b.Failed
	}
	return r, nil
}

// Metrics is GET /workers/metrics.
type Metrics struct {
	JobsSubmitted  int64 `json:"jobs_submitted"`
	JobsCompleted  int64 `json:"jobs_completed"`
	JobsFailed     int64 `json:"jobs_failed"`
	JobsRetried    int64 `json:"jobs_retried"`
	JobsDeadLetter int64 `json:"jobs_dead_letter"`
	JobsCancelled  int64 `json:"jobs_cancelled"`
	// SuccessRate is completed / (completed + failed + dead_letter);
	// null before any job finished.
	SuccessRate *float64 `json:"success_rate"`
	// Processing times of the most recent finished jobs, in ms.
	ProcessingTime Percentiles           `json:"processing_time_ms"`
	PerType        map[Type]*TypeMetrics `json:"job_type_stats"`
	QueueDepth     map[Priority]int64    `json:"queue_depth"`
	Waiting        int64                 `json:"waiting"`
	OldestAgeMS    *int64                `json:"oldest_waiting_age_ms"`
	DeadLetterSize int64                 `json:"dead_letter_queue_depth"`
	Workers        int                   `json:"healthy_workers"`
	UptimeSeconds  int64                 `json:"uptime_seconds"`
	Timestamp      time.Time             `json:"timestamp"`
	States         map[State]int64       `json:"states"`
}

// TypeMetrics are one job type's numbers.
type TypeMetrics struct {
	Submitted      int64       `json:"submitted"`
	Completed      int64       `json:"completed"`
	Failed         int64       `json:"failed"`
	SuccessRate    *float64    `json:"success_rate"`
	ProcessingTime Percentiles `json:"processing_time_ms"`
}

// Percentiles of a sample (nearest rank); zero counts mean no sample.
type Percentiles struct {
	Count int   `json:"samples"`
	Avg   int64 `json:"avg"`
	P50   int64 `json:"p50"`
	P95   int64 `json:"p95"`
	P99   int64 `json:"p99"`
	Max   int64 `json:"max"`
}

// PercentilesOf computes nearest-rank percentiles of ms.
func PercentilesOf(ms []int64) Percentiles {
	if len(ms) == 0 {
		return Percentiles{}
	}
	s := slices.Clone(ms)
	slices.Sort(s)
	rank := func(p float64) int64 {
		i := int(p*float64(len(s))+0.999999) - 1
		return s[min(max(i, 0), len(s)-1)]
	}
	var sum int64
	for _, v := range s {
		sum += v
	}
	return Percentiles{Count: len(s), Avg: sum / int64(len(s)), P50: rank(0.50), P95: rank(0.95), P99: rank(0.99), Max: s[len(s)-1]}
}

func rate(ok, bad int64) *float64 {
	if ok+bad == 0 {
		return nil
	}
	r := float64(ok) / float64(ok+bad)
	return &r
}

// Metrics gathers counters, processing-time percentiles, queue depths and
// worker health.
func (s *Service) Metrics(ctx context.Context) (*Metrics, error) {
	t, err := s.Store.Totals(ctx)
	if err != nil {
		return nil, err
	}
	q, err := s.QueueReport(ctx)
	if err != nil {
		return nil, err
	}
	w, err := s.WorkerReport(ctx)
	if err != nil {
		return nil, err
	}
	c := t.Counters
	m := &Metrics{
		JobsSubmitted: c[EventSubmitted], JobsCompleted: c[EventCompleted], JobsFailed: c[EventFailed],
		JobsRetried: c[EventRetried], JobsDeadLetter: c[EventDeadLetter], JobsCancelled: c[EventCancelled],
		SuccessRate:    rate(c[EventCompleted], c[EventFailed]+c[EventDeadLetter]),
		ProcessingTime: PercentilesOf(t.Durations), PerType: map[Type]*TypeMetrics{},
		QueueDepth: q.Queue.Visible, Waiting: q.Waiting, OldestAgeMS: q.OldestWaitingAgeMS, DeadLetterSize: q.Queue.DeadLetter,
		Workers: w.HealthyWorkers, Timestamp: s.now().UTC(),
		States: map[State]int64{StateQueued: q.Queued, StateRunning: q.Running, StateRetrying: q.Retrying, StateCompleted: q.Completed,
			StateFailed: q.Failed, StateDeadLetter: q.DeadLetter, StateCancelled: q.Cancelled},
	}
	if !s.Started.IsZero() {
		m.UptimeSeconds = int64(s.now().Sub(s.Started).Seconds())
	}
	for typ, pc := range t.PerType {
		m.PerType[typ] = &TypeMetrics{Submitted: pc[EventSubmitted], Completed: pc[EventCompleted], Failed: pc[EventFailed] + pc[EventDeadLetter],
			SuccessRate: rate(pc[EventCompleted], pc[EventFailed]+pc[EventDeadLetter]), ProcessingTime: PercentilesOf(t.DurationsPerType[typ])}
	}
	return m, nil
}
