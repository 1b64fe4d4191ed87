package pipeline

import (
	"time"

	"github.com/riptidecrawler/riptide/shared/chunk"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/extract"
	"github.com/riptidecrawler/riptide/shared/monitor"
	"github.com/riptidecrawler/riptide/shared/strategy"
)

// Result is the outcome of crawling one URL.
type Result struct {
	URL         string `json:"url"`
	FinalURL    string `json:"final_url,omitempty"`
	Status      int    `json:"status"` // HTTP status of the final response; 0 when there was none
	ContentType string `json:"content_type,omitempty"`
	// BodyBytes is the size of the body kept (decoded, at most
	// max_body_bytes); Truncated says the page was longer.
	BodyBytes int64 `json:"body_bytes"`
	Truncated bool  `json:"truncated,omitempty"`
	FromCache bool  `json:"from_cache"`
	// CachedAt is when a result served from the cache was crawled.
	CachedAt *time.Time `json:"cached_at,omitempty"`
	CacheKey string     `json:"cache_key,omitempty"`
	// GateDecision is how the page was processed: raw, headless, or
	// failed when nothing was extracted.
	GateDecision     string    `json:"gate_decision"`
	Gate             *GateInfo `json:"gate,omitempty"`
	QualityScore     float64   `json:"quality_score"`
	ProcessingTimeMS int64     `json:"processing_time_ms"`
	Timings          Timings   `json:"timings"`
	Document         *Document `json:"document,omitempty"`
	// Extraction is the structured data of options.extraction.
	Extraction *strategy.Result `json:"extraction,omitempty"`
	// Chunking is the document split per options.chunking.
	Chunking *chunk.Result   `json:"chunking,omitempty"`
	Error    *core.ErrorInfo `json:"error,omitempty"`
	// Notes explain choices a client may want to know about (a headless
	// decision served raw, a truncated body, ...).
	Notes []string `json:"notes,omitempty"`

	// obs is the page's record for the monitor: precise phase timings and
	// where a failure happened.
	obs monitor.Page
}

// OK reports whether the URL was crawled and extracted.
func (r Result) OK() bool { return r.Error == nil }

// GateInfo is the gate's verdict and why.
type GateInfo struct {
	Decision string   `json:"decision"`
	Score    float64  `json:"score"`
	Reasons  []string `json:"reasons"`
}

// Timings are the phases of one crawl, in milliseconds.
type Timings struct {
	CacheMS   int64 `json:"cache_ms"`
	FetchMS   int64 `json:"fetch_ms"`
	RenderMS  int64 `json:"render_ms,omitempty"`
	ExtractMS int64 `json:"extract_ms"`
	TotalMS   int64 `json:"total_ms"`
}

// Document is the extracted content, restricted to the formats asked for,
// plus the raw page when raw_html is asked for.
type Document struct {
	*extract.Document
	RawHTML string `json:"raw_html,omitempty"`
	// PDF is set when the URL was a PDF: its metadata and outline.
	PDF *PDFInfo `json:"pdf,omitempty"`
}

// Stats summarise a batch.
type Stats struct {
	TotalURLs             int            `json:"total_urls"`
	Successful            int            `json:"successful"`
	Failed                int            `json:"failed"`
	FromCache             int            `json:"from_cache"`
	TotalProcessingTimeMS int64          `json:"total_processing_time_ms"`
	AvgProcessingTimeMS   int64          `json:"avg_processing_time_ms"`
	ElapsedMS             int64          `json:"elapsed_ms"`
	CacheHitRate          float64        `json:"cache_hit_rate"`
	GateDecisions         map[string]int `json:"gate_decisions"`
	ErrorsByType          map[string]int `json:"errors_by_type,omitempty"`
}

// Add counts one result.
func (s *Stats) Add(r Result) {
	if s.GateDecisions == nil {
		s.GateDecisions = map[string]int{}
	}
	s.GateDecisions[r.GateDecision]++
	s.TotalProcessingTimeMS += r.ProcessingTimeMS
	if r.FromCache {
		s.FromCache++
	}
	if r.OK() {
		s.Successful++
		return
	}
	s.Failed++
	if s.ErrorsByType == nil {
		s.ErrorsByType = map[string]int{}
	}
	s.ErrorsByType[string(r.Error.Type)]++
}

// Finish computes the averages once every result is counted.
func (s *Stats) Finish(elapsed time.Duration) {
	done := s.Successful + s.Failed
	if done > 0 {
		s.AvgProcessingTimeMS = s.TotalProcessingTimeMS / int64(done)
		s.CacheHitRate = float64(s.FromCache) / float64(done)
	}
	s.ElapsedMS = elapsed.Milliseconds()
	if s.GateDecisions == nil {
		s.GateDecisions = map[string]int{}
	}
}
