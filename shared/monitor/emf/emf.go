// Package emf is the CloudWatch adapter of the monitor's recorder port:
// each record becomes one or more Embedded Metric Format lines on a writer
// (the Lambda function's stdout), which CloudWatch Logs turns into metrics.
// No API call, no buffering: a line per page, phase, request or backup.
//
// The names, units and dimension sets are the contract with the CDK stack
// (infra/cdk/metrics.go, docs/monitoring.md); emf_test.go reads that file
// and fails when the two differ.
package emf

import (
	"io"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/riptidecrawler/riptide/shared/monitor"
)

// Namespace is the CloudWatch namespace of every metric.
const Namespace = "RipTide"

// Dimension names.
const (
	DimFunction = "Function"
	DimRoute    = "Route"
	DimPhase    = "Phase"
	DimMode     = "Mode"
)

// Metric names.
const (
	MetricPhaseLatency    = "PhaseLatency"
	MetricPhaseErrors     = "PhaseErrors"
	MetricPageLatency     = "PageLatency"
	MetricPages           = "Pages"
	MetricPageFailures    = "PageFailures"
	MetricCacheHits       = "CacheHits"
	MetricCacheMisses     = "CacheMisses"
	MetricRequests        = "Requests"
	MetricServerErrors    = "ServerErrors"
	MetricRequestLatency  = "RequestLatency"
	MetricBackupCompleted = "BackupCompleted"
	MetricBackupKeys      = "BackupKeys"
)

// Units.
const (
	UnitMilliseconds = "Milliseconds"
	UnitCount        = "Count"
)

// Spec is one metric: its unit and the dimension sets it is emitted with.
type Spec struct {
	Name          string
	Unit          string
	DimensionSets [][]string
}

var (
	phaseDims   = [][]string{{DimFunction, DimPhase}, {DimPhase}}
	pageDims    = [][]string{{DimFunction}, {DimFunction, DimMode}}
	requestDims = [][]string{{DimFunction, DimRoute}, {DimFunction}}
	fnDims      = [][]string{{DimFunction}}
)

// Specs lists every metric this package emits.
func Specs() []Spec {
	return []Spec{
		{MetricPhaseLatency, UnitMilliseconds, phaseDims},
		{MetricPhaseErrors, UnitCount, phaseDims},
		{MetricPageLatency, UnitMilliseconds, pageDims},
		{MetricPages, UnitCount, pageDims},
		{MetricPageFailures, UnitCount, pageDims},
		{MetricCacheHits, UnitCount, fnDims},
		{MetricCacheMisses, UnitCount, fnDims},
		{MetricRequests, UnitCount, requestDims},
		{MetricServerErrors, UnitCount, requestDims},
		{MetricRequestLatency, UnitMilliseconds, requestDims},
		{MetricBackupCompleted, UnitCount, fnDims},
		{MetricBackupKeys, UnitCount, fnDims},
	}
}

// Recorder writes EMF lines for one function.
type Recorder struct {
	mu       sync.Mutex
	w        io.Writer
	function string
	buf      []byte
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

var _ monitor.Recorder = (*Recorder)(nil)

// New returns a recorder writing to w (os.Stdout in Lambda) for the
// function-table name function.
func New(w io.Writer, function string) *Recorder {
	return &Recorder{w: w, function: function}
}

func (r *Recorder) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// directive is one CloudWatchMetrics entry: dimension sets and metrics.
type directive struct {
	dims    [][]string
	metrics []string // names; their units are in Specs
}

var units = func() map[string]string {
	m := map[string]string{}
	for _, s := range Specs() {
		m[s.Name] = s.Unit
	}
	return m
}()

// value is one root member of a line: a dimension (string) or a metric
// (number).
type value struct {
	name   string
	str    string
	num    float64
	isNum  bool
	digits int
}

func dim(name, v string) value         { return value{name: name, str: v} }
func count(name string, n int64) value { return value{name: name, num: float64(n), isNum: true} }
func ms(name string, d time.Duration) value {
	return value{name: name, num: float64(d.Microseconds()) / 1000, isNum: true, digits: 3}
}

// RecordPage writes the page line (PageLatency, Pages, PageFailures and
// the cache lookup) and one line per phase that ran.
func (r *Recorder) RecordPage(p monitor.Page) {
	mode := p.Mode
	if mode == "" {
		mode = monitor.ModeStatic
	}
	failed := int64(0)
	if !p.OK() && monitor.OurFault(p.ErrorType) {
		failed = 1
	}
	ts := r.now().UnixMilli()
	r.mu.Lock()
	defer r.mu.Unlock()
	dirs := []directive{{pageDims, []string{MetricPageLatency, MetricPages, MetricPageFailures}}}
	vals := []value{dim(DimFunction, r.function), dim(DimMode, mode), ms(MetricPageLatency, p.Total), count(MetricPages, 1), count(MetricPageFailures, failed)}
	if p.Cache != monitor.CacheNone {
		hit := int64(0)
		if p.Cache == monitor.CacheHit {
			hit = 1
		}
		dirs = append(dirs, directive{fnDims, []string{MetricCacheHits, MetricCacheMisses}})
		vals = append(vals, count(MetricCacheHits, hit), count(MetricCacheMisses, 1-hit))
	}
	r.line(ts, dirs, vals)
	for ph := monitor.Phase(0); ph < monitor.NumPhases; ph++ {
		if !p.RanPhase(ph) {
			continue
		}
		errs := int64(0)
		if !p.OK() && p.FailedPhase == ph {
			errs = 1
		}
		r.line(ts, []directive{{phaseDims, []string{MetricPhaseLatency, MetricPhaseErrors}}},
			[]value{dim(DimFunction, r.function), dim(DimPhase, ph.String()), ms(MetricPhaseLatency, p.Durations[ph]), count(MetricPhaseErrors, errs)})
	}
}

// RecordRequest writes one request line.
func (r *Recorder) RecordRequest(q monitor.Request) {
	serverError := int64(0)
	if q.Status >= 500 {
		serverError = 1
	}
	ts := r.now().UnixMilli()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.line(ts, []directive{{requestDims, []string{MetricRequests, MetricServerErrors, MetricRequestLatency}}},
		[]value{dim(DimFunction, r.function), dim(DimRoute, q.Route), count(MetricRequests, 1), count(MetricServerErrors, serverError), ms(MetricRequestLatency, q.Duration)})
}

// RecordBackup writes the backup line the backup-missing alarm waits for.
func (r *Recorder) RecordBackup(keys int64) {
	ts := r.now().UnixMilli()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.line(ts, []directive{{fnDims, []string{MetricBackupCompleted, MetricBackupKeys}}},
		[]value{dim(DimFunction, r.function), count(MetricBackupCompleted, 1), count(MetricBackupKeys, keys)})
}

// The stack has no metric for these: Redis and Prometheus keep them.
func (r *Recorder) RecordSpiderPage(string)        {}
func (r *Recorder) RecordCircuitRefusal()          {}
func (r *Recorder) RecordQueueDepth(string, int64) {}

// line writes one EMF document and a newline in a single Write.
func (r *Recorder) line(ts int64, dirs []directive, vals []value) {
	b := r.buf[:0]
	b = append(b, `{"_aws":{"Timestamp":`...)
	b = strconv.AppendInt(b, ts, 10)
	b = append(b, `,"CloudWatchMetrics":[`...)
	for i, d := range dirs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"Namespace":"`+Namespace+`","Dimensions":[`...)
		for j, set := range d.dims {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			for k, name := range set {
				if k > 0 {
					b = append(b, ',')
				}
				b = appendString(b, name)
			}
			b = append(b, ']')
		}
		b = append(b, `],"Metrics":[`...)
		for j, m := range d.metrics {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"Name":`...)
			b = appendString(b, m)
			b = append(b, `,"Unit":`...)
			b = appendString(b, units[m])
			b = append(b, '}')
		}
		b = append(b, "]}"...)
	}
	b = append(b, "]}"...)
	for _, v := range vals {
		b = append(b, ',')
		b = appendString(b, v.name)
		b = append(b, ':')
		if v.isNum {
			b = strconv.AppendFloat(b, v.num, 'f', v.digits, 64)
		} else {
			b = appendString(b, v.str)
		}
	}
	b = append(b, "}\n"...)
	r.buf = b
	_, _ = r.w.Write(b)
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
