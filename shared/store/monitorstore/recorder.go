// Package monitorstore keeps the monitor's records in Redis, shared by
// every instance: one hash per minute (<prefix>metrics:m:<unix minute>)
// holding counters, latency histogram buckets and per-instance gauges,
// kept 24 hours; the alert rules and the last evaluation's states. It is
// the Redis adapter of monitor.Recorder, monitor.Source,
// monitor.RuleStore and monitor.AlertStore.
//
// Its Lua scripts are hashed (redis.NewScript) on first use, not at
// package init, which every cold start of every function linking the
// package pays (docs/cold-start.md).
package monitorstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/riptidecrawler/riptide/shared/monitor"
	"github.com/riptidecrawler/riptide/shared/store"
)

// DefaultFlushInterval is how often a process pushes its records. A
// reader in another process sees them this much later at most; a
// monitoring read in the same process flushes first.
const DefaultFlushInterval = 2 * time.Second

// flushTimeout bounds one flush: a slow Redis delays metrics, never work.
const flushTimeout = 2 * time.Second

// Options configure a Recorder.
type Options struct {
	// Function is the function-table name of the process ("crawl"), or
	// "local" for `riptide serve`.
	Function string
	// Interval between background flushes (DefaultFlushInterval); a
	// negative one starts no background flusher (tests flush by hand).
	Interval time.Duration
	Logger   *slog.Logger
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Recorder aggregates records in memory, per minute, and flushes them to
// Redis in one pipelined round trip: counters and histogram buckets with
// HINCRBY (so every instance adds into the same minute), gauges with
// HSET, and an expiry 24 hours after the minute. Recording takes a mutex
// and a few map updates; it never waits for Redis.
//
// In Lambda a frozen instance flushes when it thaws (its next
// invocation); the records of an instance's last seconds are lost when
// Lambda retires it. CloudWatch (EMF) is the complete record there.
type Recorder struct {
	s        *store.Store
	function string
	instance string
	log      *slog.Logger
	now      func() time.Time

	mu      sync.Mutex
	pending map[int64]*monitor.Aggregate
	cpu     cpuSampler
	dropped int64

	flushMu sync.Mutex // one flush at a time
	stop    chan struct{}
	done    chan struct{}
	closed  sync.Once
}

var _ monitor.Recorder = (*Recorder)(nil)

// NewRecorder returns a recorder writing to s; its background flusher
// stops with Close.
func NewRecorder(s *store.Store, o Options) *Recorder {
	var id [4]byte
	_, _ = rand.Read(id[:])
	fn := o.Function
	if fn == "" {
		fn = "local"
	}
	r := &Recorder{s: s, function: fn, instance: fn + "-" + hex.EncodeToString(id[:]), log: o.Logger, now: o.Now,
		pending: map[int64]*monitor.Aggregate{}, stop: make(chan struct{}), done: make(chan struct{})}
	if r.log == nil {
		r.log = slog.Default()
	}
	if r.now == nil {
		r.now = time.Now
	}
	r.cpu.sample() // the first CPU reading measures from here
	interval := o.Interval
	if interval == 0 {
		interval = DefaultFlushInterval
	}
	if interval < 0 {
		close(r.done)
		return r
	}
	go r.loop(interval)
	return r
}

// Instance is this process's id in the gauges.
func (r *Recorder) Instance() string { return r.instance }

func (r *Recorder) loop(interval time.Duration) {
	defer close(r.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			_ = r.Flush(context.Background())
		}
	}
}

// Close stops the background flusher and flushes what is left.
func (r *Recorder) Close() {
	r.closed.Do(func() {
		close(r.stop)
		<-r.done
		_ = r.Flush(context.Background())
	})
}

// minute returns the pending aggregate of the current minute; r.mu held.
func (r *Recorder) minute() *monitor.Aggregate {
	m := r.now().Unix() / 60
	a := r.pending[m]
	if a == nil {
		a = monitor.NewAggregate()
		r.pending[m] = a
	}
	return a
}

// RecordPage implements monitor.Recorder.
func (r *Recorder) RecordPage(p monitor.Page) {
	r.mu.Lock()
	r.minute().AddPage(r.function, p)
	r.mu.Unlock()
}

// RecordRequest implements monitor.Recorder.
func (r *Recorder) RecordRequest(q monitor.Request) {
	r.mu.Lock()
	r.minute().AddRequest(r.function, q)
	r.mu.Unlock()
}

// RecordSpiderPage implements monitor.Recorder.
func (r *Recorder) RecordSpiderPage(outcome string) {
	r.mu.Lock()
	r.minute().AddSpiderPage(outcome)
	r.mu.Unlock()
}

// RecordCircuitRefusal implements monitor.Recorder.
func (r *Recorder) RecordCircuitRefusal() {
	r.mu.Lock()
	r.minute().AddCircuitRefusal()
	r.mu.Unlock()
}

// RecordBackup implements monitor.Recorder.
func (r *Recorder) RecordBackup(keys int64) {
	r.mu.Lock()
	r.minute().AddBackup(keys)
	r.mu.Unlock()
}

// RecordQueueDepth implements monitor.Recorder.
func (r *Recorder) RecordQueueDepth(queue string, depth int64) {
	r.mu.Lock()
	r.minute().SetGauge(monitor.Key{Name: monitor.GaugeQueueDepth, L1: queue}, float64(depth))
	r.mu.Unlock()
}

// BucketKey is the Redis key of a minute.
func BucketKey(s *store.Store, minute int64) string {
	return s.Key("metrics", "m", strconv.FormatInt(minute, 10))
}

// Flush writes the pending records, and this instance's memory and CPU,
// in one pipeline. Records of a failed flush are dropped (and counted in
// the log): metrics must not pile up in memory while Redis is away.
func (r *Recorder) Flush(ctx context.Context) error {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	r.mu.Lock()
	pending := r.pending
	r.pending = map[int64]*monitor.Aggregate{}
	r.mu.Unlock()
	// This instance's gauges go into the current minute (written even when
	// idle: they also tell which instances are alive).
	m := r.now().Unix() / 60
	cur := pending[m]
	if cur == nil {
		cur = monitor.NewAggregate()
		pending[m] = cur
	}
	cur.SetGauge(monitor.Key{Name: monitor.GaugeMemory, L1: r.instance}, float64(processMemory()))
	cur.SetGauge(monitor.Key{Name: monitor.GaugeCPU, L1: r.instance}, r.cpu.sample())

	ctx, cancel := context.WithTimeout(ctx, flushTimeout)
	defer cancel()
	pipe := r.s.Client.Pipeline()
	for m, a := range pending {
		key := BucketKey(r.s, m)
		incr, set := a.Fields()
		for f, n := range incr {
			pipe.HIncrBy(ctx, key, f, n)
		}
		if len(set) > 0 {
			pipe.HSet(ctx, key, set)
		}
		pipe.ExpireAt(ctx, key, time.Unix((m+1)*60, 0).Add(monitor.Retention))
	}
	_, err := pipe.Exec(ctx)
	if err != nil && err != redis.Nil {
		n := int64(0)
		for _, a := range pending {
			n += a.Sum(monitor.CounterPages, "", "", "") + a.Sum(monitor.CounterRequests, "", "", "")
		}
		r.mu.Lock()
		r.dropped += n
		dropped := r.dropped
		r.mu.Unlock()
		r.log.Warn("metrics flush to Redis failed; records dropped", slog.String("error", err.Error()),
			slog.Int64("pages_and_requests_dropped_total", dropped))
		return fmt.Errorf("flush metrics: %w", err)
	}
	return nil
}

// cpuSampler turns the process's CPU time into a utilisation percentage
// of GOMAXPROCS since the previous sample.
//
// The process's CPU time comes from the OS (getrusage, cpu_unix.go), not
// runtime/metrics: that package builds its description table at package
// init, ~0.7 ms of every function's cold start, for two readings a minute.
type cpuSampler struct {
	lastCPU  time.Duration
	lastWall time.Time
}

func (c *cpuSampler) sample() float64 {
	cpu, ok := processCPUTime()
	now := time.Now()
	prevCPU, prevWall := c.lastCPU, c.lastWall
	c.lastCPU, c.lastWall = cpu, now
	if !ok || prevWall.IsZero() {
		return 0
	}
	wall := now.Sub(prevWall) * time.Duration(runtime.GOMAXPROCS(0))
	if wall <= 0 {
		return 0
	}
	return max(0, min(100, float64(cpu-prevCPU)*100/float64(wall)))
}

// processMemory is the memory the Go runtime has obtained from the OS and
// not released to it: close to the resident size of a Go process.
// ReadMemStats stops the world for microseconds, once per flush.
func processMemory() int64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.Sys - min(m.HeapReleased, m.Sys))
}
