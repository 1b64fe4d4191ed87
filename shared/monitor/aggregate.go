package monitor

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Key names one series: a metric name and up to three label values.
type Key struct {
	Name       string
	L1, L2, L3 string
}

// Counter, histogram and gauge names of an Aggregate, with their labels.
const (
	CounterPages         = "pages"            // function, mode, outcome (ok or the error type)
	CounterGate          = "gate"             // decision: raw, headless, cached, failed
	CounterPhaseErrors   = "phase_errors"     // function, phase
	CounterCache         = "cache"            // function, hit|miss
	CounterRequests      = "requests"         // function, route, status class (2xx...5xx)
	CounterSpiderPages   = "spider_pages"     // outcome
	CounterCircuit       = "circuit_refusals" // (none)
	CounterQualityMilli  = "quality_milli"    // sum of quality scores x 1000 over extracted documents
	CounterWords         = "words"            // sum of word counts over extracted documents
	CounterDocuments     = "documents"        // extracted documents
	CounterBackups       = "backups"          // (none)
	CounterBackupKeys    = "backup_keys"      // (none)
	HistogramPhase       = "phase"            // function, phase
	HistogramPage        = "page"             // function, mode
	HistogramRequest     = "request"          // function, route
	GaugeMemory          = "memory_bytes"     // instance
	GaugeCPU             = "cpu_percent"      // instance
	GaugeQueueDepth      = "queue_depth"      // queue
	outcomeOK            = "ok"
	cacheHitLabel        = "hit"
	cacheMissLabel       = "miss"
	fieldSep             = "|"
	fieldCounter         = "c"
	fieldHistogramBucket = "h"
	fieldHistogramSum    = "s"
	fieldGauge           = "g"
)

// Aggregate adds up records: counters, latency histograms and gauges. One
// Aggregate is one minute of one process before it is flushed, or a window
// of minutes of every process once read back and merged.
type Aggregate struct {
	Counters   map[Key]int64
	Histograms map[Key]*Histogram
	// Gauges keep the highest value seen per key (memory and CPU per
	// instance, queue depths).
	Gauges map[Key]float64
}

// NewAggregate returns an empty Aggregate.
func NewAggregate() *Aggregate {
	return &Aggregate{Counters: map[Key]int64{}, Histograms: map[Key]*Histogram{}, Gauges: map[Key]float64{}}
}

// Empty reports whether nothing was recorded.
func (a *Aggregate) Empty() bool {
	return len(a.Counters) == 0 && len(a.Histograms) == 0 && len(a.Gauges) == 0
}

func (a *Aggregate) count(k Key, n int64) { a.Counters[k] += n }

func (a *Aggregate) observe(k Key, v Histogram) {
	h := a.Histograms[k]
	if h == nil {
		h = &Histogram{}
		a.Histograms[k] = h
	}
	h.Merge(&v)
}

func (a *Aggregate) observeOne(k Key, d time.Duration) {
	h := a.Histograms[k]
	if h == nil {
		h = &Histogram{}
		a.Histograms[k] = h
	}
	h.Observe(d)
}

// SetGauge keeps the highest value for k.
func (a *Aggregate) SetGauge(k Key, v float64) {
	if cur, ok := a.Gauges[k]; !ok || v > cur {
		a.Gauges[k] = v
	}
}

// AddPage counts one page of function fn.
func (a *Aggregate) AddPage(fn string, p Page) {
	outcome := outcomeOK
	if !p.OK() {
		outcome = p.ErrorType
	}
	mode := p.Mode
	if mode == "" {
		mode = ModeStatic
	}
	a.count(Key{Name: CounterPages, L1: fn, L2: mode, L3: outcome}, 1)
	a.observeOne(Key{Name: HistogramPage, L1: fn, L2: mode}, p.Total)
	if p.GateDecision != "" {
		a.count(Key{Name: CounterGate, L1: p.GateDecision}, 1)
	}
	for ph := Phase(0); ph < NumPhases; ph++ {
		if p.RanPhase(ph) {
			a.observeOne(Key{Name: HistogramPhase, L1: fn, L2: ph.String()}, p.Durations[ph])
		}
	}
	if !p.OK() && p.FailedPhase < NumPhases {
		a.count(Key{Name: CounterPhaseErrors, L1: fn, L2: p.FailedPhase.String()}, 1)
	}
	switch p.Cache {
	case CacheHit:
		a.count(Key{Name: CounterCache, L1: fn, L2: cacheHitLabel}, 1)
	case CacheMiss:
		a.count(Key{Name: CounterCache, L1: fn, L2: cacheMissLabel}, 1)
	}
	if p.HasDocument {
		a.count(Key{Name: CounterDocuments}, 1)
		a.count(Key{Name: CounterQualityMilli}, int64(p.Quality*1000+0.5))
		a.count(Key{Name: CounterWords}, int64(p.Words))
	}
}

// AddRequest counts one HTTP request of function fn.
func (a *Aggregate) AddRequest(fn string, r Request) {
	a.count(Key{Name: CounterRequests, L1: fn, L2: r.Route, L3: StatusClass(r.Status)}, 1)
	a.observeOne(Key{Name: HistogramRequest, L1: fn, L2: r.Route}, r.Duration)
}

// StatusClass returns "2xx" for 200..299 and so on.
func StatusClass(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return strconv.Itoa(status/100) + "xx"
}

// AddSpiderPage counts one spider page.
func (a *Aggregate) AddSpiderPage(outcome string) {
	a.count(Key{Name: CounterSpiderPages, L1: outcome}, 1)
}

// AddCircuitRefusal counts one request refused by an open circuit.
func (a *Aggregate) AddCircuitRefusal() { a.count(Key{Name: CounterCircuit}, 1) }

// AddBackup counts one finished backup.
func (a *Aggregate) AddBackup(keys int64) {
	a.count(Key{Name: CounterBackups}, 1)
	a.count(Key{Name: CounterBackupKeys}, keys)
}

// Merge adds o into a.
func (a *Aggregate) Merge(o *Aggregate) {
	if o == nil {
		return
	}
	for k, n := range o.Counters {
		a.Counters[k] += n
	}
	for k, h := range o.Histograms {
		a.observe(k, *h)
	}
	for k, v := range o.Gauges {
		a.SetGauge(k, v)
	}
}

// Fields encodes the aggregate as flat field deltas (counters and
// histogram buckets, added with HINCRBY) and gauge values (set with HSET):
// the layout of a Redis minute bucket (docs/monitoring.md).
func (a *Aggregate) Fields() (incr map[string]int64, set map[string]string) {
	incr = make(map[string]int64, len(a.Counters)+4*len(a.Histograms))
	set = make(map[string]string, len(a.Gauges))
	for k, n := range a.Counters {
		incr[field(fieldCounter, k)] += n
	}
	for k, h := range a.Histograms {
		base := field(fieldHistogramBucket, k) + fieldSep
		for b, n := range h.Buckets {
			incr[base+strconv.Itoa(b)] += n
		}
		incr[field(fieldHistogramSum, k)] += h.SumMicros
	}
	for k, v := range a.Gauges {
		set[field(fieldGauge, k)] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	return incr, set
}

func field(kind string, k Key) string {
	return kind + fieldSep + label(k.Name) + fieldSep + label(k.L1) + fieldSep + label(k.L2) + fieldSep + label(k.L3)
}

// label keeps the separator out of label values.
func label(s string) string {
	if strings.Contains(s, fieldSep) {
		return strings.ReplaceAll(s, fieldSep, "_")
	}
	return s
}

// AddField decodes one stored field (see Fields) into a. gauges false
// skips gauge fields (a window reads gauges from its last minutes only).
func (a *Aggregate) AddField(name, value string, gauges bool) error {
	parts := strings.Split(name, fieldSep)
	if len(parts) < 5 {
		return fmt.Errorf("metric field %q: want kind|name|l1|l2|l3", name)
	}
	k := Key{Name: parts[1], L1: parts[2], L2: parts[3], L3: parts[4]}
	switch parts[0] {
	case fieldCounter, fieldHistogramSum, fieldHistogramBucket:
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return fmt.Errorf("metric field %q: %q is not an integer", name, value)
		}
		switch parts[0] {
		case fieldCounter:
			a.Counters[k] += n
		case fieldHistogramSum:
			a.histogram(k).SumMicros += n
		default:
			if len(parts) != 6 {
				return fmt.Errorf("metric field %q: no bucket index", name)
			}
			b, err := strconv.Atoi(parts[5])
			if err != nil {
				return fmt.Errorf("metric field %q: bad bucket index", name)
			}
			h := a.histogram(k)
			h.Buckets[b] += n
			h.Count += n
		}
	case fieldGauge:
		if !gauges {
			return nil
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return fmt.Errorf("metric field %q: %q is not a number", name, value)
		}
		a.SetGauge(k, v)
	default:
		return fmt.Errorf("metric field %q: unknown kind", name)
	}
	return nil
}

func (a *Aggregate) histogram(k Key) *Histogram {
	h := a.Histograms[k]
	if h == nil {
		h = &Histogram{Buckets: map[int]int64{}}
		a.Histograms[k] = h
	}
	if h.Buckets == nil {
		h.Buckets = map[int]int64{}
	}
	return h
}

// Sum adds the counters named name whose labels match the non-empty
// labels given (an empty label matches any value).
func (a *Aggregate) Sum(name string, l1, l2, l3 string) int64 {
	var n int64
	for k, v := range a.Counters {
		if k.Name == name && match(k.L1, l1) && match(k.L2, l2) && match(k.L3, l3) {
			n += v
		}
	}
	return n
}

// Histogram merges the histograms named name whose labels match.
func (a *Aggregate) Histogram(name string, l1, l2 string) *Histogram {
	out := &Histogram{Buckets: map[int]int64{}}
	for k, h := range a.Histograms {
		if k.Name == name && match(k.L1, l1) && match(k.L2, l2) {
			out.Merge(h)
		}
	}
	return out
}

func match(have, want string) bool { return want == "" || have == want }
